"""A compliance report: every requirement of the framework with its verdict and its findings.

A requirement's verdict: FAIL if any unmuted finding of its checks fails; else ERROR if any could not be
checked; else MANUAL if it has no automated check (or its checks only give MANUAL); else NO_RESOURCES if its
checks found nothing to judge (no finding at all: an account without databases is not said to pass the database
requirements); else PASS. A requirement none of whose checks the run selected (--family, --check, an event run) is
NOT_SELECTED: nothing was asked, so nothing is claimed.

The report lists every finding of every requirement (a large account's would take hundreds of megabytes as
objects): Compliance counts findings as they are added and keeps each one's entry in a temporary file, and
write() streams the JSON from there."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Collection
from json.encoder import encode_basestring_ascii as _str  # what json.dumps uses for strings (ensure_ascii)
from typing import Any, TextIO

from .. import compliance as catalogue
from ..findings import Finding, Status
from .csv_report import cell

# requirement verdicts beside the finding statuses: its checks ran and found no resource to judge; the run did not
# select any of its checks
NO_RESOURCES = "NO_RESOURCES"
NOT_SELECTED = "NOT_SELECTED"
VERDICTS = [*(s.value for s in Status), NO_RESOURCES, NOT_SELECTED]
CSV_COLUMNS = ["id", "title", "section", "level", "assessment", "status", "checks", "pass", "fail", "error",
               "muted"]

_PLACEHOLDER = "@@aliaudit-findings-{}@@"
_PLACEHOLDER_RE = re.compile(r'"@@aliaudit-findings-(\d+)@@"')


class Compliance:
    """The report of one framework, built from findings added one at a time (in report order)."""

    def __init__(self, framework: str, directory: str | os.PathLike[str] | None = None,
                 selected: Collection[str] | None = None) -> None:
        self.framework_id = framework
        self._selected = set(selected) if selected is not None else None  # the run's checks (None: every one)
        # check -> statuses of its findings, muted FAILs and MANUALs aside
        self._statuses: dict[str, Counter[Status]] = {}
        self._muted: Counter[str] = Counter()
        # check -> (order, [offset, size]) runs of its entries in the file (one run while its findings come in a
        # row with the same order key)
        self._runs: dict[str, list[tuple[tuple[Any, ...], list[int]]]] = {}
        fd, self._path = tempfile.mkstemp(prefix="aliaudit-compliance-", suffix=".tsv", dir=directory)
        self._out = os.fdopen(fd, "wb")
        self._end = 0
        self._head: dict[str, Any] | None = None

    def add(self, f: Finding, order: tuple[Any, ...] = ()) -> None:
        """Count the finding and keep its entry; a requirement lists its findings by check, then by order
        (findings added out of order, e.g. as a scan's regions finish, still come out in the report's order)."""
        statuses = self._statuses.get(f.check_id)
        if statuses is None:
            statuses = self._statuses[f.check_id] = Counter()
        if not (f.muted and f.status in (Status.FAIL, Status.MANUAL)):  # (muted: decided by a person)
            statuses[f.status] += 1
        if f.muted:
            self._muted[f.check_id] += 1
        # the entry's JSON values, tab-separated (JSON strings never hold a raw tab or newline)
        line = "\t".join((_str(f.uid), _str(f.status.value), _str(f.region), _str(f.resource_id),
                          "true" if f.muted else "false")).encode() + b"\n"
        runs = self._runs.setdefault(f.check_id, [])
        if runs and runs[-1][0] == order and sum(runs[-1][1]) == self._end:
            runs[-1][1][1] += len(line)
        else:
            runs.append((order, [self._end, len(line)]))
        self._out.write(line)
        self._end += len(line)
        self._head = None

    def head(self) -> dict[str, Any]:
        """The report without the findings lists: the requirements with their verdicts and counts."""
        if self._head is not None:
            return self._head
        requirements = []
        for req in catalogue.coverage(self.framework_id):
            statuses: Counter[Status] = Counter()
            for cid in req["checks"]:
                statuses.update(self._statuses.get(cid, {}))
            muted = sum(self._muted.get(cid, 0) for cid in req["checks"])
            chosen = self._selected is None or any(cid in self._selected for cid in req["checks"])
            if not chosen and not req["manual"] and not statuses and not muted:
                verdict = NOT_SELECTED
            elif statuses[Status.FAIL]:
                verdict = Status.FAIL.value
            elif statuses[Status.ERROR]:
                verdict = Status.ERROR.value
            elif req["manual"] or statuses[Status.MANUAL]:
                # a resource the checks could not judge (or that the check says a person must review) leaves the
                # requirement unproven, whatever the others' PASS: a PASS beside it would overstate compliance. A
                # MANUAL that only means "not applicable here" is muted to let the requirement pass (mutelist)
                verdict = Status.MANUAL.value
            elif not statuses and not muted:  # a PASS with nothing checked would overstate compliance
                verdict = NO_RESOURCES
            else:
                verdict = Status.PASS.value
            requirements.append({**req, "status": verdict, "pass": statuses[Status.PASS],
                                 "fail": statuses[Status.FAIL], "error": statuses[Status.ERROR],
                                 "manual_findings": statuses[Status.MANUAL], "muted": muted})
        totals = Counter(r["status"] for r in requirements)
        module = catalogue.framework(self.framework_id)
        self._head = {"framework_id": self.framework_id, "framework": module.NAME, "requirements": requirements,
                      "totals": {v: totals.get(v, 0) for v in VERDICTS}, "total": len(requirements)}
        return self._head

    def write(self, out: TextIO) -> None:
        """The report's JSON (json.dumps(report, indent=1), byte for byte), the findings streamed from the file."""
        head = self.head()
        skeleton = {**head, "requirements": [{**req, "findings": _PLACEHOLDER.format(n)}
                                             for n, req in enumerate(head["requirements"])]}
        text = json.dumps(skeleton, indent=1)
        self._out.flush()
        with open(self._path, "rb") as entries:
            pos = 0
            for m in _PLACEHOLDER_RE.finditer(text):
                out.write(text[pos:m.start()])
                pos = m.end()
                line = text[text.rindex("\n", 0, m.start()) + 1:m.start()]  # '<indent>"findings": '
                indent = len(line) - len(line.lstrip(" "))
                self._write_findings(out, entries, head["requirements"][int(m.group(1))]["checks"], indent)
            out.write(text[pos:])

    def _write_findings(self, out: TextIO, entries: Any, checks: list[str], indent: int) -> None:
        item, key = " " * (indent + 1), " " * (indent + 2)
        sep = "[\n"
        for cid in checks:
            check = _str(cid)
            for _, (offset, size) in sorted(self._runs.get(cid, []), key=lambda run: run[0]):
                entries.seek(offset)
                while size > 0:
                    line = entries.readline()
                    size -= len(line)
                    uid, status, region, resource_id, muted = line.decode().rstrip("\n").split("\t")
                    out.write(f'{sep}{item}{{\n{key}"uid": {uid},\n{key}"check_id": {check},\n'
                              f'{key}"status": {status},\n{key}"region": {region},\n'
                              f'{key}"resource_id": {resource_id},\n{key}"muted": {muted}\n{item}}}')
                    sep = ",\n"
        out.write("[]" if sep == "[\n" else f"\n{' ' * indent}]")

    def close(self) -> None:
        if not self._out.closed:
            self._out.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._path)

    def __enter__(self) -> Compliance:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_csv(out: TextIO, head: dict[str, Any]) -> None:
    """The requirements of a report (head() or a whole report) as CSV, one row each, RFC 4180 line ends."""
    rows = csv.writer(out, lineterminator="\r\n")
    rows.writerow(CSV_COLUMNS)
    for req in head["requirements"]:
        rows.writerow([cell(v) for v in (req["id"], req["title"], req["section"], req["level"], req["assessment"],
                                         req["status"], " ".join(req["checks"]), req["pass"], req["fail"],
                                         req["error"], req["muted"])])
