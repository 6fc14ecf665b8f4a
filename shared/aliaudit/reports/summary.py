"""Summary counts: status by severity and by family, top failing checks; JSON and a terminal table."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..findings import Finding, Severity, Status

STATUSES = [s.value for s in Status]
SEVERITIES = [s.value for s in Severity]


class Summary:
    """The summary's counts, kept as findings are added one at a time (in report order: among the top
    failing checks, a tie goes to the check whose first unmuted FAIL came first)."""

    def __init__(self) -> None:
        self.total = 0
        self.by_status: Counter[str] = Counter()
        self.by_sev: dict[str, Counter[str]] = {s: Counter() for s in SEVERITIES}
        self.by_family: dict[str, Counter[str]] = {}
        self.failing: Counter[str] = Counter()
        self.titles: dict[str, str] = {}
        self.muted = 0

    def add(self, f: Finding) -> None:
        status = f.status.value
        self.total += 1
        self.by_status[status] += 1
        self.by_sev[f.severity.value][status] += 1
        family = self.by_family.get(f.family)
        if family is None:
            family = self.by_family[f.family] = Counter()
        family[status] += 1
        if f.muted:
            self.muted += 1
        elif f.status == Status.FAIL:
            self.failing[f.check_id] += 1
            self.titles[f.check_id] = f.title

    def result(self, meta: dict[str, Any] | None = None) -> dict[str, Any]:
        return {
            **(meta or {}),
            "total": self.total,
            "status": {s: self.by_status.get(s, 0) for s in STATUSES},
            "muted": self.muted,
            "unmuted_fail": sum(self.failing.values()),
            "by_severity": {s: {st: c.get(st, 0) for st in STATUSES} for s, c in self.by_sev.items()},
            "by_family": {fam: {st: c.get(st, 0) for st in STATUSES} for fam, c in sorted(self.by_family.items())},
            "top_failing_checks": [{"check_id": cid, "title": self.titles[cid], "fail": n}  # (ties by check id)
                                   for cid, n in sorted(self.failing.items(), key=lambda kv: (-kv[1], kv[0]))[:10]],
        }


def render_table(summary: dict[str, Any]) -> str:
    """The end-of-scan table for a terminal."""
    lines = []
    head = f"{'':16}" + "".join(f"{s:>8}" for s in STATUSES)
    lines.append("Findings by severity")
    lines.append(head)
    for sev, counts in summary["by_severity"].items():
        if any(counts.values()):
            lines.append(f"{sev:16}" + "".join(f"{counts[s]:>8}" for s in STATUSES))
    lines.append("")
    lines.append("Findings by family")
    lines.append(head)
    for fam, counts in summary["by_family"].items():
        lines.append(f"{fam:16}" + "".join(f"{counts[s]:>8}" for s in STATUSES))
    lines.append(f"{'total':16}" + "".join(f"{summary['status'][s]:>8}" for s in STATUSES)
                 + f"   ({summary['muted']} muted)")
    mutelist = summary.get("mutelist")
    if isinstance(mutelist, dict) and mutelist.get("source"):  # which accepted risks muted them: visible
        lines.append(f"Mutelist {mutelist['source']}: sha256 {mutelist.get('sha256', '')}, "
                     f"{mutelist.get('entries', 0)} entries, {summary['muted']} of {summary['total']} findings muted")
    if skipped := not_audited(summary):
        lines.append(skipped)
    if summary["top_failing_checks"]:
        lines.append("")
        lines.append("Top failing checks")
        for item in summary["top_failing_checks"]:
            lines.append(f"{item['fail']:>6}  {item['check_id']}  {item['title']}")
    return "\n".join(lines)


def not_audited(summary: dict[str, Any]) -> str:
    """What was not audited, and why, in one line for every report that shows the run ('' when nothing)."""
    skipped = summary.get("not_offered")
    if not isinstance(skipped, dict) or not skipped:
        return ""
    return ("Not audited where the product is not offered (its region list): "
            + "; ".join(f"{fam} in {', '.join(rs)}" for fam, rs in sorted(skipped.items())))
