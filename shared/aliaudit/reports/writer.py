"""Write the selected report formats to a directory; the CLI and the aggregator both use this."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..findings import Finding
from . import csv_report, html, ocsf

FORMATS = {"ocsf": "aliaudit.ocsf.json", "csv": "aliaudit.csv", "html": "aliaudit.html",
           "summary": "aliaudit.summary.json"}
COMPLIANCE_FILE = "aliaudit.compliance.{framework}.json"


def render_all(findings: Sequence[Finding], formats: Sequence[str], summary: dict[str, Any],
               compliance: dict[str, Any] | None = None) -> dict[str, str]:
    """File name -> content, for every selected format (and the compliance report when given)."""
    out: dict[str, str] = {}
    for fmt in formats:
        name = FORMATS[fmt]
        if fmt == "ocsf":
            out[name] = ocsf.dumps(findings)
        elif fmt == "csv":
            out[name] = csv_report.dumps(findings)
        elif fmt == "html":
            out[name] = html.render(findings, summary, compliance=compliance)
        elif fmt == "summary":
            out[name] = json.dumps(summary, indent=1)
    if compliance:
        out[COMPLIANCE_FILE.format(framework=compliance["framework_id"])] = json.dumps(compliance, indent=1)
    return out


def write_all(directory: Path, findings: Sequence[Finding], formats: Sequence[str], summary: dict[str, Any],
              compliance: dict[str, Any] | None = None) -> list[Path]:
    """Like write(render_all(...)) but each report streams to its file, so a large account's reports are never
    held in memory (the CLI's peak RSS stays that of the findings)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = directory / FORMATS[fmt]
        with path.open("w", encoding="utf-8") as fh:
            if fmt == "ocsf":
                ocsf.write(fh, findings)
            elif fmt == "csv":
                csv_report.write(fh, findings)
            elif fmt == "html":
                html.write(fh, findings, summary, compliance=compliance)
            elif fmt == "summary":
                fh.write(json.dumps(summary, indent=1))
        paths.append(path)
    if compliance:
        path = directory / COMPLIANCE_FILE.format(framework=compliance["framework_id"])
        path.write_text(json.dumps(compliance, indent=1), encoding="utf-8")
        paths.append(path)
    return paths


def write(directory: Path, contents: dict[str, str]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in contents.items():
        path = directory / name
        path.write_text(text)
        paths.append(path)
    return paths
