"""Check metadata and the registry every family module adds its checks to."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from ..config import AuditConfig
from ..findings import Result, Severity


class Remediation(BaseModel):
    console: str  # steps in the Alibaba Cloud console
    cli: str  # an API call or aliyun CLI example


class CheckMeta(BaseModel):
    id: str  # <family>_<subject>_<condition>
    family: str
    title: str
    severity: Severity
    risk: str
    remediation: Remediation
    cis: list[str] = Field(default_factory=list)  # CIS Alibaba Cloud Foundations v2.0.0 ids
    events: list[str] = Field(default_factory=list)  # ActionTrail event names that can change the result
    needs: list[str] = Field(default_factory=list)  # datasets (collector names) the check reads
    scope: str = "regional"  # regional | global
    # what exactly the check evaluates (fields, values, edge cases), and why a stricter reading is not mapped to CIS
    evaluates: str = ""
    cis_audit: str = ""  # the CIS v2.0.0 audit procedure text the CIS-mapped verdict follows


@dataclass
class Inputs:
    """What a check sees: the datasets it needs (collected for one region), the thresholds, the clock."""

    data: dict[str, Any]
    config: AuditConfig
    region: str
    account_id: str
    now: datetime

    def __getitem__(self, dataset: str) -> Any:
        return self.data[dataset]


CheckFn = Callable[[Inputs], Iterable[Result]]


@dataclass
class Check:
    meta: CheckMeta
    fn: CheckFn


REGISTRY: dict[str, Check] = {}


def check(*, id: str, title: str, severity: str, risk: str, console: str, cli: str, needs: list[str],
          cis: list[str] | None = None, events: list[str] | None = None, scope: str = "regional",
          evaluates: str = "", cis_audit: str = "") -> Callable[[CheckFn], CheckFn]:  # noqa: A002 - 'id' is the metadata name
    family = id.split("_", 1)[0]

    def register(fn: CheckFn) -> CheckFn:
        if id in REGISTRY:
            raise ValueError(f"duplicate check id {id}")
        REGISTRY[id] = Check(CheckMeta(id=id, family=family, title=title, severity=Severity(severity), risk=risk,
                                       remediation=Remediation(console=console, cli=cli), cis=cis or [],
                                       events=events or [], needs=needs, scope=scope, evaluates=evaluates,
                                       cis_audit=cis_audit), fn)
        return fn

    return register


def all_checks() -> dict[str, Check]:
    from . import load_all

    load_all()
    return dict(sorted(REGISTRY.items()))
