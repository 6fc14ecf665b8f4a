"""Where each check runs: in its own family's worker (FC function, or CLI scan process), unless its data is
another family's. A check that reads none of the datasets its family's other checks read, but some that
another family's checks read, runs with that family: RAM's check of AccessKeys used from ECS instances reads
instances, EIPs and trail events, so it runs in the ECS worker, which collects the instances anyway; the RAM
worker then neither collects nor parses every instance of every region (calls, CPU and memory)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from .checks.registry import Check


def runs_with(checks: Iterable[Check]) -> dict[str, str]:
    """check id -> the family whose worker runs it, for the checks that run outside their own family (ties:
    the family reading more of its datasets, then the first by name)."""
    checks = list(checks)
    readers: dict[str, Counter[str]] = {}  # dataset -> family -> its checks that read it
    for c in checks:
        for dataset in set(c.meta.needs):
            readers.setdefault(dataset, Counter())[c.meta.family] += 1
    moved: dict[str, str] = {}
    for c in checks:
        own = c.meta.family
        shared: Counter[str] = Counter()
        for dataset in set(c.meta.needs):
            for fam, n in readers[dataset].items():
                if n - (fam == own) > 0:  # another check of that family reads it
                    shared[fam] += 1
        if shared and not shared[own]:
            moved[c.meta.id] = min(shared, key=lambda fam: (-shared[fam], fam))
    return moved
