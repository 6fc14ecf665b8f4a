"""A compliance report: every requirement of the framework with its verdict and its findings.

A requirement's verdict: FAIL if any unmuted finding of its checks fails; else ERROR if any could not be
checked; else MANUAL if it has no automated check (or its checks only give MANUAL); else PASS."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from .. import compliance as catalogue
from ..findings import Finding, Status


def report(framework: str, findings: Iterable[Finding]) -> dict[str, Any]:
    items = list(findings)
    by_check: dict[str, list[Finding]] = {}
    for f in items:
        by_check.setdefault(f.check_id, []).append(f)
    requirements = []
    for req in catalogue.coverage(framework):
        found = [f for cid in req["checks"] for f in by_check.get(cid, [])]
        statuses = Counter(f.status for f in found if not (f.muted and f.status == Status.FAIL))
        if statuses[Status.FAIL]:
            verdict = Status.FAIL
        elif statuses[Status.ERROR]:
            verdict = Status.ERROR
        elif req["manual"] or (statuses[Status.MANUAL] and not statuses[Status.PASS]):
            verdict = Status.MANUAL
        else:
            verdict = Status.PASS
        requirements.append({**req, "status": verdict.value, "pass": statuses[Status.PASS],
                             "fail": statuses[Status.FAIL], "error": statuses[Status.ERROR],
                             "muted": sum(1 for f in found if f.muted),
                             "findings": [{"uid": f.uid, "check_id": f.check_id, "status": f.status.value,
                                           "region": f.region, "resource_id": f.resource_id, "muted": f.muted}
                                          for f in found]})
    totals = Counter(r["status"] for r in requirements)
    module = catalogue.framework(framework)
    return {"framework_id": framework, "framework": module.NAME, "requirements": requirements,
            "totals": {s.value: totals.get(s.value, 0) for s in Status}, "total": len(requirements)}
