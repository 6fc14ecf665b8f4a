"""The audit's output: one Finding per (check, resource, region)."""

from __future__ import annotations

import hashlib
from enum import Enum

from pydantic import BaseModel, Field


class Status(str, Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    MANUAL = "MANUAL"
    ERROR = "ERROR"  # the data could not be collected: never a silent gap


# the order in which several verdicts on one resource decide its own (a worse one wins): a FAIL is certain, an ERROR
# may hide one, a MANUAL needs a person
WORST_FIRST = (Status.FAIL, Status.ERROR, Status.MANUAL, Status.PASS)


class Severity(str, Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "informational"


class Result(BaseModel):
    """What a check function returns; the engine adds the check's metadata to make a Finding."""

    status: Status
    resource_id: str
    message: str
    resource_type: str = ""
    resource_name: str = ""
    region: str | None = None  # defaults to the region the check ran for ('global' for global families)
    details: dict[str, str] = Field(default_factory=dict)


class Finding(BaseModel):
    check_id: str
    title: str
    family: str
    severity: Severity
    status: Status
    message: str
    account_id: str
    region: str
    account_name: str = ""  # organisation runs: the member's display name in the resource directory
    resource_id: str
    resource_type: str = ""
    resource_name: str = ""
    cis: list[str] = Field(default_factory=list)
    risk: str = ""
    remediation: str = ""
    details: dict[str, str] = Field(default_factory=dict)
    muted: bool = False
    mute_reason: str = ""

    @property
    def uid(self) -> str:
        """Stable across runs, so runs can be compared: the (account, check, region, resource) key."""
        key = f"{self.account_id}|{self.check_id}|{self.region}|{self.resource_id}"
        return hashlib.sha256(key.encode()).hexdigest()[:32]
