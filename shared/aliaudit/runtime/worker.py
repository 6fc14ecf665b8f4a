"""Worker: audits one family in one region (or the global part) under the execution role, writes its part
to OSS (idempotent: a retry writes the same key) and signals the aggregator."""

from __future__ import annotations

import json
import logging
from typing import Any

from ..checks.registry import all_checks
from ..config import AuditConfig
from ..findings import Finding
from ..scan import GLOBAL, ScanRequest, run_scan
from .fc_context import Runtime
from .models import Part, PartResult, PayloadError, parse_task
from .store import done_key, part_key

log = logging.getLogger("aliaudit.worker")


def only_touched(findings: list[Finding], resource_ids: list[str]) -> list[Finding]:
    """Event runs: per check, keep the findings of the touched resources; a check with none of those keeps
    only its account- or region-level verdicts (the event may have changed them), never other resources'."""
    if not resource_ids:
        return findings
    wanted = set(resource_ids)
    by_check: dict[str, list[Finding]] = {}
    for f in findings:
        by_check.setdefault(f.check_id, []).append(f)
    out: list[Finding] = []
    for items in by_check.values():
        hit = [f for f in items if f.resource_id in wanted or f.resource_name in wanted]
        out.extend(hit or [f for f in items if f.resource_id in (f.account_id, f.region, "<root>")])
    return out


def _ignore(reason: str) -> str:
    log.error("ignoring the task: %s", reason)
    return json.dumps({"ignored": reason})


def handler(event: bytes, context: Any) -> str:
    rt = Runtime(context)
    try:
        task = parse_task(event)
    except PayloadError as err:
        return _ignore(str(err))
    if rt.settings.family and task.family != rt.settings.family:
        return _ignore(f"it is for family {task.family}; this worker audits {rt.settings.family}")
    try:
        manifest = rt.store.manifest(task.run_id)
    except PayloadError as err:
        return _ignore(str(err))
    if manifest is None:
        return _ignore(f"run {task.run_id} has no manifest")
    if Part(family=task.family, region=task.region) not in manifest.parts:
        return _ignore(f"run {task.run_id} has no part {task.family}/{task.region}")
    if rt.store.exists(done_key(task.run_id)):  # a late duplicate delivery: the run's reports are out
        return _ignore(f"run {task.run_id} is already aggregated")
    checks = all_checks()
    unknown = [c for c in manifest.check_ids if c not in checks]
    if unknown:  # e.g. a run planned by another version; the aggregator reports what this one could not run
        log.warning("run %s names checks this version does not have: %s", task.run_id, ", ".join(unknown))
    scope = "global" if task.region == GLOBAL else "regional"
    ids = [c for c in manifest.check_ids
           if c in checks and checks[c].meta.family == task.family and checks[c].meta.scope == scope]
    regions = manifest.regions if task.region == GLOBAL else [task.region]
    # the auditor's own report bucket is audited like any other, and held to a higher standard
    config = AuditConfig(report_buckets=[rt.settings.report_bucket])
    findings = run_scan(rt.factory, ScanRequest(account_id=manifest.account_id or rt.account_id, regions=regions,
                                                check_ids=ids, config=config))
    findings = only_touched(findings, manifest.resource_ids)
    result = PartResult(run_id=task.run_id, family=task.family, region=task.region, findings=findings,
                        calls=sum(rt.factory.calls.values()))
    rt.store.put_json(part_key(task.run_id, task.family, task.region), result.model_dump(mode="json"))
    rt.invoke_async(rt.settings.function_prefix + "aggregator", json.dumps({"run_id": task.run_id}).encode())
    log.info("run %s: %s/%s done, %d findings", task.run_id, task.family, task.region, len(findings))
    return json.dumps({"run_id": task.run_id, "findings": len(findings)})
