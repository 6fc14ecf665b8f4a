"""The least-privilege RAM policy for the selected checks: exactly the read actions their collectors call."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .checks.registry import Check
from .collectors import load_all
from .collectors.registry import COLLECTORS

# what every scan calls besides the collectors: the account's regions
BASE_ACTIONS = ["ecs:DescribeRegions"]


def actions_for(checks: Iterable[Check]) -> list[str]:
    load_all()
    needed: set[str] = set(BASE_ACTIONS)
    for c in checks:
        for dataset in c.meta.needs:
            needed.update(COLLECTORS[dataset].apis)
    return sorted(needed)


def policy_document(checks: Iterable[Check]) -> dict[str, Any]:
    return {"Version": "1", "Statement": [{"Effect": "Allow", "Action": actions_for(checks), "Resource": "*"}]}
