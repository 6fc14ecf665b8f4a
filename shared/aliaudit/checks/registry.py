"""Check metadata and the registry every family module adds its checks to."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, TypeVar

from pydantic import BaseModel, Field

from ..config import AuditConfig
from ..datasets import GLOBAL, Dataset, Scope
from ..findings import Finding, Result, Severity, Status

T = TypeVar("T")


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
    needs: list[str] = Field(default_factory=list)  # names of the datasets the check reads
    scope: Scope = Scope.REGIONAL  # that of its datasets
    # what exactly the check evaluates (fields, values, edge cases), and why a stricter reading is not mapped to CIS
    evaluates: str = ""
    cis_audit: str = ""  # the CIS v2.0.0 audit procedure text the CIS-mapped verdict follows
    # where the idea comes from, beyond CIS: a Cloud Config managed rule id ("Cloud Config
    # ecs-instance-login-use-keypair"), a peer's check, or the documentation that motivates it (a URL)
    source: str = ""


@dataclass
class Inputs:
    """What a check sees: the datasets it needs (collected for one region), the thresholds, the clock."""

    data: dict[str, Any]  # dataset name -> what its collector returned
    config: AuditConfig
    region: str
    account_id: str
    now: datetime

    def __getitem__(self, dataset: Dataset[T]) -> T:
        value: T = self.data[dataset.name]
        return value


CheckFn = Callable[[Inputs], Iterable[Result]]


@dataclass
class Check:
    meta: CheckMeta
    fn: CheckFn

    def finding(self, account_id: str, region: str, r: Result) -> Finding:
        """The finding of one result: the result with this check's metadata, for the account and region."""
        m = self.meta
        return Finding(check_id=m.id, title=m.title, family=m.family, severity=m.severity, status=r.status,
                       message=r.message, account_id=account_id, region=r.region or region,
                       resource_id=r.resource_id, resource_type=r.resource_type, resource_name=r.resource_name,
                       cis=m.cis, risk=m.risk, remediation=self.remediation_text, details=r.details)

    def error(self, account_id: str, region: str, message: str, *, resource_id: str | None = None,
              resource_type: str = "") -> Finding:
        """ERROR for this check where it could not give a verdict; the resource defaults to what the check ran
        for (the account for a global check, else the region)."""
        rid = resource_id or (account_id if region == GLOBAL else region)
        return self.finding(account_id, region, Result(status=Status.ERROR, resource_id=rid,
                                                       resource_type=resource_type, message=message))

    def regions(self, regions: list[str], not_offered: Mapping[str, Collection[str]] | None = None) -> list[str]:
        """Where the check runs among the audited regions: once for the account (GLOBAL), or in each of them but
        those where its family's product is not offered (offered.not_offered)."""
        if self.meta.scope == Scope.GLOBAL:
            return [GLOBAL]
        skipped = (not_offered or {}).get(self.meta.family, ())
        return [r for r in regions if r not in skipped]

    def runs_in(self, region: str) -> bool:
        """Whether the check's findings for `region` (a region, or GLOBAL) are due: its scope matches the region's."""
        return (region == GLOBAL) == (self.meta.scope == Scope.GLOBAL)

    @cached_property
    def remediation_text(self) -> str:  # (one string shared by all the check's findings)
        return f"{self.meta.remediation.console} CLI: {self.meta.remediation.cli}"


REGISTRY: dict[str, Check] = {}


def check(*, id: str, title: str, severity: str, risk: str, console: str, cli: str, needs: list[Dataset[Any]],
          cis: list[str] | None = None, events: list[str] | None = None, evaluates: str = "", cis_audit: str = "",
          scope: Scope | None = None, source: str = "") -> Callable[[CheckFn], CheckFn]:  # noqa: A002 - 'id' is the metadata name
    """Registers a check. Its scope is its datasets' (all global or all regional: a check runs once per account
    or once per region, and reads the datasets collected there); only a check that reads nothing (a manual one)
    names its scope."""
    family = id.split("_", 1)[0]
    if not all(isinstance(d, Dataset) for d in needs):
        raise TypeError(f"check {id}: needs must list Dataset handles, got {needs!r}")
    scopes = {d.scope for d in needs} if needs else {scope}
    if len(scopes) != 1:
        raise ValueError(f"check {id} mixes global and regional datasets: {', '.join(d.name for d in needs)}")
    if None in scopes or (scope is not None and needs):
        raise ValueError(f"check {id}: the scope comes from the datasets; name it only when needs is empty")
    (resolved,) = scopes

    def register(fn: CheckFn) -> CheckFn:
        if id in REGISTRY:
            raise ValueError(f"duplicate check id {id}")
        REGISTRY[id] = Check(CheckMeta(id=id, family=family, title=title, severity=Severity(severity), risk=risk,
                                       remediation=Remediation(console=console, cli=cli), cis=cis or [],
                                       events=events or [], needs=[d.name for d in needs], scope=resolved,
                                       evaluates=evaluates, cis_audit=cis_audit, source=source), fn)
        return fn

    return register


def all_checks() -> dict[str, Check]:
    from . import load_all

    load_all()
    return dict(sorted(REGISTRY.items()))
