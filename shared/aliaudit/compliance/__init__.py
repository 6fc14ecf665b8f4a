"""Compliance frameworks and their coverage. A framework module lists its requirements; which checks cover
each requirement comes from the checks' own metadata at run time (CheckMeta.cis for CIS), never from a
hand-kept mapping, so adding a check is enough to update the coverage."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ..checks.registry import Check, all_checks
from . import cis_2_0

FRAMEWORKS: dict[str, ModuleType] = {cis_2_0.FRAMEWORK: cis_2_0}
DEFAULT = cis_2_0.FRAMEWORK


def framework(name: str) -> ModuleType:
    try:
        return FRAMEWORKS[name]
    except KeyError:
        from ..errors import ConfigError

        raise ConfigError(f"unknown compliance framework {name!r}; known: {', '.join(FRAMEWORKS)}") from None


def coverage(name: str = DEFAULT, checks: dict[str, Check] | None = None) -> list[dict[str, Any]]:
    """Every requirement of the framework with the ids of the checks that cover it; requirements no check
    covers are `manual: true` with the guidance for a manual review."""
    fw = framework(name)
    checks = all_checks() if checks is None else checks
    by_req: dict[str, list[str]] = {}
    for cid, c in checks.items():
        for req in c.meta.cis:
            by_req.setdefault(req, []).append(cid)
    out: list[dict[str, Any]] = []
    for r in fw.REQUIREMENTS:
        ids = sorted(by_req.get(r.id, []))
        entry: dict[str, Any] = {"id": r.id, "title": r.title, "section": r.section, "level": r.level,
                                 "assessment": r.assessment, "checks": ids, "manual": not ids}
        if not ids:
            entry["guidance"] = r.guidance
        out.append(entry)
    return out


def unknown_references(name: str = DEFAULT, checks: dict[str, Check] | None = None) -> dict[str, list[str]]:
    """check id -> requirement ids it names that the framework does not have (a typo in check metadata)."""
    known = {r.id for r in framework(name).REQUIREMENTS}
    checks = all_checks() if checks is None else checks
    return {cid: bad for cid, c in checks.items() if (bad := [x for x in c.meta.cis if x not in known])}
