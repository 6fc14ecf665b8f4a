"""Write the selected report formats to a directory; the CLI and the aggregator both use this."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from ..findings import Finding
from . import csv_report, html, ocsf
from .compliance import Compliance

FORMATS = {"ocsf": "aliaudit.ocsf.json", "csv": "aliaudit.csv", "html": "aliaudit.html",
           "summary": "aliaudit.summary.json"}
COMPLIANCE_FILE = "aliaudit.compliance.{framework}.json"


def open_writer(fmt: str, out: TextIO, summary: dict[str, Any], compliance: dict[str, Any] | None = None) -> Any:
    """A writer of one format into out: add(finding) for each finding, then close(). The summary format has
    nothing to add: it is written at once."""
    if fmt == "ocsf":
        return ocsf.Writer(out)
    if fmt == "csv":
        return csv_report.Writer(out)
    if fmt == "html":
        return html.Writer(out, summary, compliance=compliance)
    if fmt == "summary":
        out.write(json.dumps(summary, indent=1))
        return None
    raise ValueError(f"unknown report format {fmt!r}")


def write_all(directory: Path, findings: Iterable[Finding], formats: Sequence[str], summary: dict[str, Any],
              compliance: Compliance | dict[str, Any] | None = None) -> list[Path]:
    """Every selected report into directory, in one pass over the findings: each streams to its file as the
    findings are read (a spool reads them from disk one at a time), so a large account's findings and reports
    are never held in memory."""
    directory.mkdir(parents=True, exist_ok=True)
    head = compliance.head() if isinstance(compliance, Compliance) else compliance
    with contextlib.ExitStack() as files:
        writers = []
        for fmt in dict.fromkeys(formats):
            out = files.enter_context((directory / FORMATS[fmt]).open("w", encoding="utf-8"))
            w = open_writer(fmt, out, summary, head)
            if w is not None:
                writers.append(w)
        if writers:
            for f in findings:
                for w in writers:
                    w.add(f)
            for w in writers:
                w.close()
    paths = [directory / FORMATS[fmt] for fmt in formats]
    if compliance is not None and head:
        path = directory / COMPLIANCE_FILE.format(framework=head["framework_id"])
        with path.open("w", encoding="utf-8") as fh:
            write_compliance(fh, compliance)
        paths.append(path)
    return paths


def write_compliance(out: TextIO, compliance: Compliance | dict[str, Any]) -> None:
    if isinstance(compliance, Compliance):
        compliance.write(out)
    else:
        out.write(json.dumps(compliance, indent=1))


def write(directory: Path, contents: dict[str, str]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in contents.items():
        path = directory / name
        path.write_text(text)
        paths.append(path)
    return paths
