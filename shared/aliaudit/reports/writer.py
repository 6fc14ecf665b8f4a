"""Write the selected report formats to a directory; the CLI and the aggregator both use this.

Each report is written atomically and without following links: into a new temporary file in the same directory
(created exclusively, never through a symbolic link), then renamed over the report's name. A symbolic link planted
at a report's name is replaced, never written through; a reader never sees half a report."""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import secrets
import stat
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from ..errors import ConfigError
from ..findings import Finding
from ..forking import can_fork, cores
from .compliance import Compliance, write_csv
from .spool import Spool

log = logging.getLogger("aliaudit.reports")

FORMATS = {"ocsf": "aliaudit.ocsf.json", "csv": "aliaudit.csv", "html": "aliaudit.html",
           "summary": "aliaudit.summary.json"}
# the compliance report: the requirements with their findings (JSON), and one row per requirement (CSV)
COMPLIANCE_FILES = {"json": "aliaudit.compliance.{framework}.json", "csv": "aliaudit.compliance.{framework}.csv"}
# From this many spooled findings on, the formats are written by processes of their own (can_fork): below it a
# fork and a second parse of the spool cost more than they save (a fork takes about 10 ms; each finding written on
# another core saves about 14 us of the ~38 the formats cost together, FORMAT_COST). At 20,000, generated scale 0.05
# (10,850 findings, 2 cores) took 3.98-5.23 s, median 4.38, over eight runs; at 4,000, interleaved, 3.86-4.57 s,
# median 4.25. Scale 0.02 (5,400) was within the noise either way (medians 3.80 and 3.74 s).
FORKED_FINDINGS = 4_000
# Each streamed format's CPU per finding written to its file (us, over 192,000 of the benchmark's findings), and
# what every process that reads the spool pays to parse one: weights for sharing the formats among the cores
FORMAT_COST = {"csv": 14.7, "ocsf": 13.4, "html": 6.1}
PARSE_COST = 3.8


def open_writer(fmt: str, out: TextIO, summary: dict[str, Any], compliance: dict[str, Any] | None = None) -> Any:
    """A writer of one format into out: add(finding) for each finding, then close(). The summary format has
    nothing to add: it is written at once."""
    # each format's module when it is written (OCSF's models weigh a tenth of a second: a worker never writes it)
    if fmt == "ocsf":
        from . import ocsf

        return ocsf.Writer(out)
    if fmt == "csv":
        from . import csv_report

        return csv_report.Writer(out)
    if fmt == "html":
        from . import html

        return html.Writer(out, summary, compliance=compliance)
    if fmt == "summary":
        out.write(json.dumps(summary, indent=1))
        return None
    raise ValueError(f"unknown report format {fmt!r}")


class OutputError(ConfigError):
    """The output directory cannot hold the reports: one line naming it and why."""


def prepare_directory(directory: Path, label: str = "output directory") -> None:
    """Create the directory (and its parents) and prove it takes a new file, before any work is done: a path that
    is a file, lies under a file, is a link to nothing or is read-only is refused with one line."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"{label} {directory}: {_not_a_directory(directory)}") from None
    except NotADirectoryError:
        raise OutputError(f"{label} {directory}: {_not_a_directory(directory)}") from None
    except OSError as err:
        raise OutputError(f"{label} {directory}: cannot create it ({err.strerror})") from None
    try:
        probe = _create_exclusive(directory, ".aliaudit-probe")
    except OSError as err:
        raise OutputError(f"{label} {directory}: cannot write in it ({err.strerror})") from None
    os.close(probe[0])
    os.unlink(probe[1])


def _not_a_directory(directory: Path) -> str:
    for path in (directory, *directory.parents):
        if path.is_symlink() and not path.exists():
            target = os.readlink(path)
            return (("it is" if path == directory else f"{path} is") +
                    f" a symbolic link to {target}, which does not exist")
        if path.exists() and not path.is_dir():
            return "it is a file, not a directory" if path == directory else f"{path} is a file, not a directory"
    return "not a directory"


def subdirectory(root: Path, *names: str) -> Path:
    """root/names..., each level created if missing and refused when it is a link or not a directory (a link
    planted under the output directory must not send reports elsewhere)."""
    path = root
    for name in names:
        if name in ("", ".", "..") or "/" in name or "\\" in name or "\0" in name:
            raise OutputError(f"output directory {root}: {name!r} cannot name a directory in it")
        path = path / name
        with contextlib.suppress(FileExistsError):
            os.mkdir(path)
        mode = os.lstat(path).st_mode
        if not stat.S_ISDIR(mode):
            what = "a symbolic link" if stat.S_ISLNK(mode) else "not a directory"
            raise OutputError(f"output directory {root}: {path} is {what}; remove it")
    return path


def _create_exclusive(directory: Path, stem: str) -> tuple[int, Path]:
    """A new file in directory, created here and now (O_EXCL: never an existing file; O_NOFOLLOW: never
    through a link), with a random name."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    while True:
        path = directory / f"{stem}.{secrets.token_hex(8)}.tmp"
        try:
            return os.open(path, flags, 0o666), path
        except FileExistsError:
            continue


@contextlib.contextmanager
def atomic_open(path: Path) -> Iterator[TextIO]:
    """A text file that becomes path when the block ends without an error (renamed over whatever is there, a
    planted link included, which is replaced and not followed); on an error the temporary file is removed."""
    fd, tmp = _create_exclusive(path.parent, f".{path.name}")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_all(directory: Path, findings: Iterable[Finding], formats: Sequence[str], summary: dict[str, Any],
              compliance: Compliance | dict[str, Any] | None = None) -> list[Path]:
    """Every selected report into directory, in one pass over the findings: each streams to its file as the
    findings are read (a spool reads them from disk one at a time), so a large account's findings and reports
    are never held in memory."""
    prepare_directory(directory)
    head = compliance.head() if isinstance(compliance, Compliance) else compliance
    try:
        _write_reports(directory, findings, formats, summary, head)
    except OSError as err:
        raise OutputError(f"output directory {directory}: cannot write the reports ({err.strerror})") from None
    paths = [directory / FORMATS[fmt] for fmt in formats]
    if compliance is not None and head:
        for fmt, pattern in COMPLIANCE_FILES.items():
            path = directory / pattern.format(framework=head["framework_id"])
            try:
                with atomic_open(path) as fh:
                    write_compliance(fh, compliance, fmt)
            except OSError as err:
                raise OutputError(f"output directory {directory}: cannot write {path.name} ({err.strerror})") \
                    from None
            paths.append(path)
    return paths


def format_groups(formats: Sequence[str], processes: int) -> list[list[str]]:
    """The streamed formats (all but the summary) in at most `processes` groups of about equal cost, each to be
    written in one pass by a process of its own: the dearest first, each into the group that costs least so far
    (a group pays the parse of the spool once)."""
    streamed = sorted((fmt for fmt in formats if fmt != "summary"), key=lambda fmt: -FORMAT_COST.get(fmt, PARSE_COST))
    groups: list[list[str]] = [[] for _ in range(max(1, min(processes, len(streamed))))]
    for fmt in streamed:
        min(groups, key=lambda g: sum(FORMAT_COST.get(f, PARSE_COST) for f in g) + PARSE_COST * bool(g)).append(fmt)
    return groups


def _write_reports(directory: Path, findings: Iterable[Finding], formats: Sequence[str], summary: dict[str, Any],
                   head: dict[str, Any] | None) -> None:
    formats = list(dict.fromkeys(formats))
    if isinstance(findings, Spool) and len(findings) >= FORKED_FINDINGS and can_fork():
        groups = format_groups(formats, cores())
        if len(groups) > 1:
            _write_forked(directory, findings, groups, [fmt for fmt in formats if fmt == "summary"], summary, head)
            return
    _write_pass(directory, findings, formats, summary, head)


def _write_pass(directory: Path, findings: Iterable[Finding], formats: Sequence[str], summary: dict[str, Any],
                head: dict[str, Any] | None) -> None:
    """The formats in one pass over the findings."""
    with contextlib.ExitStack() as files:
        writers = []
        for fmt in formats:
            out = files.enter_context(atomic_open(directory / FORMATS[fmt]))
            w = open_writer(fmt, out, summary, head)
            if w is not None:
                writers.append(w)
        if writers:
            for f in findings:
                for w in writers:
                    w.add(f)
            for w in writers:
                w.close()


def _write_forked(directory: Path, spool: Spool, groups: list[list[str]], rest: list[str], summary: dict[str, Any],
                  head: dict[str, Any] | None) -> None:
    """Each group of formats but the first in a process forked from this one, reading the spool's file itself;
    the first (and the rest: the summary) here. The cores share the formats instead of one pass doing all; no
    more processes than cores, as each pays a parse of the spool (191,000 findings at full size: 0.7 s) and more
    would only take turns. A forked child shares this process's pages until it writes them (summed RSS counts
    them twice, PSS once)."""
    log.info("writing the %s reports in %d processes (%d findings)",
             ", ".join(" and ".join(g) for g in groups), len(groups), len(spool))
    spool.flush()
    here, *forked = groups
    children: dict[int, int] = {}  # pid -> the read end of its error pipe
    try:
        for fmts in forked:
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: write its format, report a failure on the pipe, leave without cleanup
                os.close(read_end)
                code = 0
                try:  # (reading the spool opens its file anew: no file offset shared with this process)
                    _write_pass(directory, spool, fmts, summary, head)
                except BaseException as err:  # noqa: BLE001 - whatever it is, the parent reports it
                    os.write(write_end, (getattr(err, "strerror", None) or str(err) or type(err).__name__)
                             .encode()[:2000])
                    code = 1
                os._exit(code)  # (no atexit, no flush of stdio buffers copied from the parent)
            os.close(write_end)
            children[pid] = read_end
        _write_pass(directory, spool, [*here, *rest], summary, head)
        failures = []
        while children:
            pid, read_end = children.popitem()
            message = _read_all(read_end)
            _, status = os.waitpid(pid, 0)
            if status:
                failures.append(message or f"the process writing a report ended with status {status}")
        if failures:
            raise OSError(errno.EIO, "; ".join(failures))
    finally:  # (an error here: the children still end as they do, removing a report they could not finish; on
        # Ctrl-C they get the interrupt too)
        for pid, read_end in children.items():
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)
            os.close(read_end)


def _read_all(fd: int) -> str:
    chunks = []
    while chunk := os.read(fd, 4096):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode(errors="replace")


def write_compliance(out: TextIO, compliance: Compliance | dict[str, Any], fmt: str = "json") -> None:
    """The compliance report in one of COMPLIANCE_FILES' formats (out opened with newline='' for the CSV)."""
    if fmt == "csv":
        write_csv(out, compliance.head() if isinstance(compliance, Compliance) else compliance)
    elif isinstance(compliance, Compliance):
        compliance.write(out)
    else:
        out.write(json.dumps(compliance, indent=1))
