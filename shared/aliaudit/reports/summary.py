"""Summary counts: status by severity and by family, top failing checks; JSON and a terminal table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from ..findings import Finding, Severity, Status

STATUSES = [s.value for s in Status]
SEVERITIES = [s.value for s in Severity]


def summarize(findings: Iterable[Finding], meta: dict[str, Any] | None = None) -> dict[str, Any]:
    items = list(findings)
    by_status = Counter(f.status.value for f in items)
    by_sev: dict[str, Counter[str]] = {s: Counter() for s in SEVERITIES}
    by_family: dict[str, Counter[str]] = {}
    failing: Counter[str] = Counter()
    titles: dict[str, str] = {}
    muted = 0
    for f in items:
        by_sev[f.severity.value][f.status.value] += 1
        by_family.setdefault(f.family, Counter())[f.status.value] += 1
        if f.muted:
            muted += 1
        elif f.status == Status.FAIL:
            failing[f.check_id] += 1
            titles[f.check_id] = f.title
    return {
        **(meta or {}),
        "total": len(items),
        "status": {s: by_status.get(s, 0) for s in STATUSES},
        "muted": muted,
        "unmuted_fail": sum(failing.values()),
        "by_severity": {s: {st: c.get(st, 0) for st in STATUSES} for s, c in by_sev.items()},
        "by_family": {fam: {st: c.get(st, 0) for st in STATUSES} for fam, c in sorted(by_family.items())},
        "top_failing_checks": [{"check_id": cid, "title": titles[cid], "fail": n}
                               for cid, n in failing.most_common(10)],
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
    if summary["top_failing_checks"]:
        lines.append("")
        lines.append("Top failing checks")
        for item in summary["top_failing_checks"]:
            lines.append(f"{item['fail']:>6}  {item['check_id']}  {item['title']}")
    return "\n".join(lines)
