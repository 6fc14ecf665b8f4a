"""Compare two OCSF outputs: FAILs that are new, resolved, or unchanged (matched by the stable finding uid)."""

from __future__ import annotations

from typing import Any


def _fails(findings: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f["finding_info"]["uid"]: f for f in findings
            if f.get("status_code") == "FAIL" and not (f.get("unmapped") or {}).get("muted")}


def _row(f: dict[str, Any]) -> dict[str, Any]:
    res = (f.get("resources") or [{}])[0]
    return {"uid": f["finding_info"]["uid"], "check_id": (f.get("unmapped") or {}).get("check_id", ""),
            "title": f["finding_info"]["title"], "severity": f.get("severity", ""),
            "region": (f.get("cloud") or {}).get("region", ""), "resource_id": res.get("uid", ""),
            "message": f.get("status_detail", "")}


def diff(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    before, after = _fails(old), _fails(new)
    return {"new": [_row(after[u]) for u in sorted(after.keys() - before.keys())],
            "resolved": [_row(before[u]) for u in sorted(before.keys() - after.keys())],
            "unchanged": [_row(after[u]) for u in sorted(after.keys() & before.keys())]}
