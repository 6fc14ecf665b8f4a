"""Where each check runs: in its own family's worker (FC function, or CLI scan process), unless another
family's worker collects all of its data anyway. ActionTrail's trail check reads only the trails, which the
OSS checks read too: it runs in the OSS worker, and the trails are not collected twice. A check is only moved
where it adds no collection (and so no SDK, no memory): RAM's check of keys used from ECS instances also
reads EIPs and trail events, which the ECS worker does not collect, so it stays with RAM."""

from __future__ import annotations

from collections.abc import Iterable

from .checks.registry import Check


def runs_with(checks: Iterable[Check]) -> dict[str, str]:
    """check id -> the family whose worker runs it, for the checks that run outside their own family: the
    check's own family's other checks read none of its datasets, and another family's checks read them all
    (the first such family by name)."""
    checks = list(checks)
    moved: dict[str, str] = {}
    for c in checks:
        needs = set(c.meta.needs)
        if not needs:  # (it reads nothing: nothing to share)
            continue
        read: dict[str, set[str]] = {}  # family -> datasets its other checks read
        for other in checks:
            if other is not c:
                read.setdefault(other.meta.family, set()).update(other.meta.needs)
        if needs & read.get(c.meta.family, set()):
            continue
        hosts = sorted(fam for fam, datasets in read.items() if fam != c.meta.family and needs <= datasets)
        if hosts:
            moved[c.meta.id] = hosts[0]
    return moved
