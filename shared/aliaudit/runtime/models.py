"""What travels between the functions (small: the async payload limit is 128 KB) and what is stored."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..findings import Finding


class Part(BaseModel):
    """One unit of work: a family in a region ('global' for global families)."""

    family: str
    region: str


class Manifest(BaseModel):
    run_id: str
    account_id: str
    created: str  # ISO time, UTC
    kind: str  # daily | event
    regions: list[str]
    check_ids: list[str]
    parts: list[Part]
    resource_ids: list[str] = Field(default_factory=list)  # event runs: only these resources' findings count
    trigger: dict[str, str] = Field(default_factory=dict)  # what started it (timer name, event name and id)


class WorkerTask(BaseModel):
    run_id: str
    family: str
    region: str


class PartResult(BaseModel):
    run_id: str
    family: str
    region: str
    findings: list[Finding]
    calls: int = 0
