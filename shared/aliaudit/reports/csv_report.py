"""CSV (RFC 4180): one row per finding, stable columns (documented in the README). A cell a spreadsheet would read as a
formula (it starts with = + - @, a tab or a carriage return, or their full-width forms) is written with a leading
' (OWASP's advice against CSV injection): resource names, tags and messages come from the audited account."""

from __future__ import annotations

import csv
from typing import TextIO

from ..findings import Finding

COLUMNS = ["account_id", "account_name", "region", "family", "check_id", "title", "severity", "status", "muted",
           "mute_reason", "resource_type", "resource_id", "resource_name", "message", "cis", "remediation",
           "finding_uid"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def cell(value: object) -> str:
    """The value as a CSV cell a spreadsheet shows as text, never evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Writer:
    """Row by row into out (a file for large accounts), as findings are added."""

    def __init__(self, out: TextIO) -> None:
        # RFC 4180 line ends: a cell holding a carriage return is then quoted too (with "\n" ends the csv module
        # leaves it bare, and a resource name "x\rforged,row" would read as a row of its own)
        self.writer = csv.writer(out, lineterminator="\r\n")
        self.writer.writerow(COLUMNS)

    def add(self, f: Finding) -> None:
        self.writer.writerow([cell(v) for v in (
            f.account_id, f.account_name, f.region, f.family, f.check_id, f.title, f.severity.value, f.status.value,
            str(f.muted).lower(), f.mute_reason, f.resource_type, f.resource_id, f.resource_name, f.message,
            " ".join(f.cis), f.remediation, f.uid)])

    def close(self) -> None:
        pass
