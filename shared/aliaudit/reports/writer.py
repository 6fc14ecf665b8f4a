"""Write the selected report formats to a directory; the CLI and the aggregator both use this.

Each report is written atomically and without following links: into a new temporary file in the same directory
(created exclusively, never through a symbolic link), then renamed over the report's name. A symbolic link planted
at a report's name is replaced, never written through; a reader never sees half a report."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from ..errors import ConfigError
from ..findings import Finding
from .compliance import Compliance, write_csv

FORMATS = {"ocsf": "aliaudit.ocsf.json", "csv": "aliaudit.csv", "html": "aliaudit.html",
           "summary": "aliaudit.summary.json"}
# the compliance report: the requirements with their findings (JSON), and one row per requirement (CSV)
COMPLIANCE_FILES = {"json": "aliaudit.compliance.{framework}.json", "csv": "aliaudit.compliance.{framework}.csv"}


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


def _write_reports(directory: Path, findings: Iterable[Finding], formats: Sequence[str], summary: dict[str, Any],
                   head: dict[str, Any] | None) -> None:
    with contextlib.ExitStack() as files:
        writers = []
        for fmt in dict.fromkeys(formats):
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


def write_compliance(out: TextIO, compliance: Compliance | dict[str, Any], fmt: str = "json") -> None:
    """The compliance report in one of COMPLIANCE_FILES' formats (out opened with newline='' for the CSV)."""
    if fmt == "csv":
        write_csv(out, compliance.head() if isinstance(compliance, Compliance) else compliance)
    elif isinstance(compliance, Compliance):
        compliance.write(out)
    else:
        out.write(json.dumps(compliance, indent=1))
