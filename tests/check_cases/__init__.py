"""The standing oracle (issue 15): a table of cases per check family. Each case runs one registered check on model
objects (what a collector produces, field values from the documented samples in tests/fixtures/wire) and names the
status expected per resource id. tests/unit/test_check_cases.py runs them all and checks every check has a PASS and
a FAIL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aliaudit.config import AuditConfig


@dataclass(frozen=True)
class Case:
    check_id: str
    description: str
    data: dict[str, Any]  # dataset name -> what the collector returns
    expected: dict[str, str]  # resource id -> PASS | FAIL | MANUAL | ERROR | ...
    config: AuditConfig | None = None
    region: str = "cn-hangzhou"
    exact: bool = True  # False: only the named resources are asserted (others may be reported too)


FAMILIES = ["ram", "oss", "ecs", "vpc", "rds", "kms", "sls", "actiontrail", "securitycenter", "ack", "fc", "slb",
            "mse", "apigateway", "ddos", "waf", "cloudfw", "cloudsso", "dns", "redis", "mongodb", "polardb",
            "nas", "alb", "nlb", "cdn", "cr", "kafka", "bastionhost", "elasticsearch",
            "resourcemanager"]


def all_cases() -> list[Case]:
    import importlib

    out: list[Case] = []
    for fam in FAMILIES:
        out.extend(importlib.import_module(f"tests.check_cases.{fam}").CASES)
    return out
