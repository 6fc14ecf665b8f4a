"""CSV: one row per finding, stable columns (documented in the README)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import TextIO

from ..findings import Finding

COLUMNS = ["account_id", "region", "family", "check_id", "title", "severity", "status", "muted", "mute_reason",
           "resource_type", "resource_id", "resource_name", "message", "cis", "remediation", "finding_uid"]


def dumps(findings: Iterable[Finding]) -> str:
    out = io.StringIO()
    write(out, findings)
    return out.getvalue()


def write(out: TextIO, findings: Iterable[Finding]) -> None:
    """Row by row into out (a file for large accounts)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for f in findings:
        writer.writerow([f.account_id, f.region, f.family, f.check_id, f.title, f.severity.value, f.status.value,
                         str(f.muted).lower(), f.mute_reason, f.resource_type, f.resource_id, f.resource_name,
                         f.message, " ".join(f.cis), f.remediation, f.uid])
