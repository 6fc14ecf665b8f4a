"""The organisation summary of a multi-account run: per account, findings by status and unmuted FAILs by
severity, worst accounts first (most critical FAILs, then high, ..., then ERRORs); kept incrementally so the
findings can stream past it. Accounts that could not be audited carry the reason."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..findings import Finding, Severity, Status

STATUSES = [s.value for s in Status]
SEVERITIES = [s.value for s in Severity]
FILE = "aliaudit.org-summary.json"
# the message of an account's ERROR findings when the account could not be audited at all (org_scan writes
# them): "account <id> (<name>) could not be audited: <reason>"
NOT_AUDITED = " could not be audited: "


class OrgSummary:
    def __init__(self) -> None:
        self.accounts: dict[str, dict[str, Any]] = {}

    def account(self, account_id: str, name: str = "", folder: str = "") -> dict[str, Any]:
        acct = self.accounts.get(account_id)
        if acct is None:
            acct = self.accounts[account_id] = {"account_id": account_id, "name": name, "folder": folder,
                                                "status": Counter(), "fail_by_severity": Counter(),
                                                "not_audited": None}
        if name and not acct["name"]:
            acct["name"] = name
        if folder and not acct["folder"]:
            acct["folder"] = folder
        return acct

    def add(self, f: Finding) -> None:
        acct = self.account(f.account_id, f.account_name)
        acct["status"][f.status.value] += 1
        if f.status == Status.ERROR and f.resource_type == "account" and NOT_AUDITED in f.message:
            acct["not_audited"] = f.message.split(NOT_AUDITED, 1)[1]
        if f.status == Status.FAIL and not f.muted:
            acct["fail_by_severity"][f.severity.value] += 1

    def result(self, meta: dict[str, Any] | None = None) -> dict[str, Any]:
        def worst(a: dict[str, Any]) -> tuple[int, ...]:
            return (*(-a["fail_by_severity"].get(s, 0) for s in SEVERITIES), -a["status"].get("ERROR", 0),
                    a["account_id"])

        rows = []
        for a in sorted(self.accounts.values(), key=worst):
            rows.append({"account_id": a["account_id"], "name": a["name"], "folder": a["folder"],
                         "status": {s: a["status"].get(s, 0) for s in STATUSES},
                         "unmuted_fail_by_severity": {s: a["fail_by_severity"].get(s, 0) for s in SEVERITIES},
                         **({"not_audited": a["not_audited"]} if a["not_audited"] else {})})
        totals: Counter[str] = Counter()
        for a in self.accounts.values():
            totals.update(a["status"])
        return {**(meta or {}), "accounts": len(rows),
                "accounts_not_audited": sum(1 for r in rows if "not_audited" in r),
                "status": {s: totals.get(s, 0) for s in STATUSES}, "by_account": rows}


def render_table(summary: dict[str, Any], limit: int = 20) -> str:
    """Worst accounts first, for a terminal."""
    head = f"{'account':18}{'name':22}" + "".join(f"{s:>8}" for s in STATUSES) + "   unmuted FAIL by severity"
    lines = ["Accounts, worst first", head]
    for row in summary["by_account"][:limit]:
        sev = ", ".join(f"{n} {s}" for s, n in row["unmuted_fail_by_severity"].items() if n) or "-"
        line = f"{row['account_id']:18}{row['name'][:21]:22}" + "".join(f"{row['status'][s]:>8}" for s in STATUSES)
        lines.append(line + f"   {sev}" + (f"   NOT AUDITED: {row['not_audited']}" if "not_audited" in row else ""))
    if len(summary["by_account"]) > limit:
        lines.append(f"... and {len(summary['by_account']) - limit} more accounts (see {FILE})")
    return "\n".join(lines)
