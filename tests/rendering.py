"""Whole reports as strings, for tests: the product streams each report into a file (reports.writer), these run
the same writers over a list of findings."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from aliaudit.findings import Finding
from aliaudit.reports import csv_report, html, ocsf
from aliaudit.reports.compliance import Compliance
from aliaudit.reports.summary import Summary


def _run(writer: Any, findings: Iterable[Finding]) -> None:
    for f in findings:
        writer.add(f)
    writer.close()


def summarize(findings: Iterable[Finding], meta: dict[str, Any] | None = None) -> dict[str, Any]:
    summary = Summary()
    for f in findings:
        summary.add(f)
    return summary.result(meta)


def csv_text(findings: Iterable[Finding]) -> str:
    out = io.StringIO()
    _run(csv_report.Writer(out), findings)
    return out.getvalue()


def html_page(findings: Iterable[Finding], summary: dict[str, Any],
              compliance: dict[str, Any] | None = None) -> str:
    out = io.StringIO()
    _run(html.Writer(out, summary, compliance=compliance), findings)
    return out.getvalue()


def ocsf_text(findings: Iterable[Finding], when: datetime | None = None) -> str:
    out = io.StringIO()
    _run(ocsf.Writer(out, when), findings)
    return out.getvalue()


def compliance_text(builder: Compliance) -> str:
    out = io.StringIO()
    builder.write(out)
    return out.getvalue()


def compliance_report(framework: str, findings: Iterable[Finding]) -> dict[str, Any]:
    with Compliance(framework) as builder:
        for f in findings:
            builder.add(f)
        return json.loads(compliance_text(builder))
