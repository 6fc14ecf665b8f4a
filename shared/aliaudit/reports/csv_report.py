"""CSV: one row per finding, stable columns (documented in the README)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import TextIO

from ..findings import Finding

COLUMNS = ["account_id", "account_name", "region", "family", "check_id", "title", "severity", "status", "muted",
           "mute_reason", "resource_type", "resource_id", "resource_name", "message", "cis", "remediation",
           "finding_uid"]


def dumps(findings: Iterable[Finding]) -> str:
    out = io.StringIO()
    write(out, findings)
    return out.getvalue()


class Writer:
    """Row by row into out (a file for large accounts), as findings are added."""

    def __init__(self, out: TextIO) -> None:
        self.writer = csv.writer(out, lineterminator="\n")
        self.writer.writerow(COLUMNS)

    def add(self, f: Finding) -> None:
        self.writer.writerow([f.account_id, f.account_name, f.region, f.family, f.check_id, f.title, f.severity.value,
                              f.status.value, str(f.muted).lower(), f.mute_reason, f.resource_type, f.resource_id,
                              f.resource_name, f.message, " ".join(f.cis), f.remediation, f.uid])

    def close(self) -> None:
        pass


def write(out: TextIO, findings: Iterable[Finding]) -> None:
    writer = Writer(out)
    for f in findings:
        writer.add(f)
