"""The scan engine: collect the datasets the selected checks need (each once per region, concurrently
within a bound), run the checks, and turn every failure to collect into ERROR findings."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from . import apierrors
from .checks.registry import Check, Inputs, all_checks
from .clients import ClientFactory
from .collectors import load_all as load_collectors
from .collectors.registry import COLLECTORS, CollectContext
from .config import AuditConfig
from .findings import Finding, Result, Status

log = logging.getLogger("aliaudit.scan")
GLOBAL = "global"


@dataclass
class ScanRequest:
    account_id: str
    regions: list[str]
    check_ids: list[str] | None = None  # None = every check
    families: list[str] | None = None
    config: AuditConfig = field(default_factory=AuditConfig)
    # datasets collected at once, and per-item calls at once within each; the clients' adaptive per-API limits
    # (throttle.py) keep each API under its rate limit, so this only bounds threads
    concurrency: int = 16


@dataclass
class Failed:
    reason: str


ProgressFn = Callable[[str, dict[str, Any]], None]


def select_checks(families: Iterable[str] | None = None, check_ids: Iterable[str] | None = None) -> list[Check]:
    checks = all_checks()
    wanted = set(check_ids) if check_ids else None
    fams = set(families) if families else None
    return [c for cid, c in checks.items()
            if (wanted is None or cid in wanted) and (fams is None or c.meta.family in fams)]


def dataset_jobs(checks: Iterable[Check], regions: list[str]) -> set[tuple[str, str]]:
    """(dataset, region) pairs the checks need, each collected once."""
    return {(dataset, region) for c in checks for region in _regions_for(c, regions) for dataset in c.meta.needs}


def run_scan(factory: ClientFactory, request: ScanRequest, progress: ProgressFn | None = None) -> list[Finding]:
    load_collectors()
    checks = select_checks(request.families, request.check_ids)
    jobs = dataset_jobs(checks, request.regions)
    data: dict[tuple[str, str], Any] = {}
    lock = threading.Lock()

    def collect(job: tuple[str, str]) -> None:
        dataset, region = job
        coll = COLLECTORS[dataset]
        ctx = CollectContext(factory, region, request.account_id, request.config, request.concurrency)
        try:
            value: Any = coll.fn(ctx)
        except Exception as err:  # any failure becomes ERROR findings for the checks that needed it
            value = Failed(apierrors.describe(err))
            log.warning("could not collect %s in %s: %s", dataset, region, value.reason)
        with lock:
            data[job] = value
        if progress:
            progress("collected", {"dataset": dataset, "region": region, "ok": not isinstance(value, Failed)})

    with ThreadPoolExecutor(max_workers=max(1, request.concurrency)) as pool:
        # global datasets first: they are the largest (every RAM user, every bucket) and each is one job, so
        # started last they would finish last, alone
        list(pool.map(collect, sorted(jobs, key=lambda j: (j[1] != GLOBAL, j))))
    now = datetime.now(timezone.utc)
    findings: list[Finding] = []
    for c in checks:
        for region in _regions_for(c, request.regions):
            findings.extend(_run_check(c, region, data, request, now))
            if progress:
                progress("checked", {"check": c.meta.id, "region": region, "findings": len(findings)})
    if progress:
        progress("done", {"findings": len(findings)})
    return findings


def _regions_for(c: Check, regions: list[str]) -> list[str]:
    return [GLOBAL] if c.meta.scope == "global" else list(regions)


def _run_check(c: Check, region: str, data: dict[tuple[str, str], Any], request: ScanRequest,
               now: datetime) -> list[Finding]:
    inputs: dict[str, Any] = {}
    for dataset in c.meta.needs:
        value = data[(dataset, region)]
        if isinstance(value, Failed):
            return [_finding(c, request.account_id, region, Result(
                status=Status.ERROR, resource_id=request.account_id if region == GLOBAL else region,
                message=f"could not collect {dataset}: {value.reason}"))]
        inputs[dataset] = value
    try:
        results = list(c.fn(Inputs(inputs, request.config, region, request.account_id, now)))
    except Exception as err:  # a bug in a check must not hide the others
        log.exception("check %s failed in %s", c.meta.id, region)
        results = [Result(status=Status.ERROR, resource_id=request.account_id,
                          message=f"check failed: {type(err).__name__}: {err}")]
    return [_finding(c, request.account_id, region, r) for r in results]


_REMEDIATION: dict[str, str] = {}  # check id -> its remediation text: one string shared by all its findings


def _finding(c: Check, account_id: str, region: str, r: Result) -> Finding:
    m = c.meta
    remediation = _REMEDIATION.get(m.id)
    if remediation is None:
        remediation = _REMEDIATION.setdefault(m.id, f"{m.remediation.console} CLI: {m.remediation.cli}")
    return Finding(check_id=m.id, title=m.title, family=m.family, severity=m.severity, status=r.status,
                   message=r.message, account_id=account_id, region=r.region or region,
                   resource_id=r.resource_id, resource_type=r.resource_type, resource_name=r.resource_name,
                   cis=m.cis, risk=m.risk, remediation=remediation, details=r.details)
