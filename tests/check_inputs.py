"""Run one registered check on model objects (what a collector would have produced), without the cloud: the unit
tests of check logic, each built from documented response shapes."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from aliaudit.checks.registry import Inputs, all_checks
from aliaudit.config import AuditConfig
from aliaudit.findings import Result

ACCOUNT = "1234567890123456"


def run_check(check_id: str, data: dict[str, Any], *, config: AuditConfig | None = None, region: str = "global",
              account_id: str = ACCOUNT) -> list[Result]:
    check = all_checks()[check_id]
    inputs = Inputs(data, config or AuditConfig(), region, account_id, datetime.now(timezone.utc))
    return list(check.fn(inputs))


def statuses(results: list[Result]) -> dict[str, str]:
    """resource id -> status."""
    return {r.resource_id: r.status.value for r in results}
