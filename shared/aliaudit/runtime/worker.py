"""Worker: audits one family under the execution role, every region of the run at once (or one part, when
the task names its region), and stores each part, the family in one region or globally, as soon as its
checks have run (JSON lines, streamed from disk; idempotent: a retry writes the same keys, and a retried
family task does only the parts not stored yet). The worker that stores the run's last part signals the
aggregator."""

from __future__ import annotations

import contextlib
import json
import logging
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .. import gcpolicy
from ..accounts import Target
from ..clients import ClientFactory
from ..collectors.registry import COLLECTORS
from ..config import AuditConfig
from ..datasets import GLOBAL, Scope
from ..errors import AliauditError
from ..findings import Finding
from ..offered import offered_in
from ..org_scan import OrgRequest, connect, failure_findings
from ..reports.spool import Spool
from ..scan import ScanRequest, scan_findings, select_checks
from . import targets
from .fc_context import Runtime, fc_entry
from .models import Manifest, Part, PayloadError, parse_task
from .parts import put_part, sealed, signal_if_last
from .store import part_key

log = logging.getLogger("aliaudit.worker")


def only_touched(findings: list[Finding], wanted: set[str]) -> list[Finding]:
    """Event runs: the findings of the touched resources (and of those the collectors read for them: a key's user,
    a group's instances) and the account- and region-level verdicts, which the event may have changed too; never
    another resource's (one read only as context, e.g. an instance's other security group)."""
    if not wanted:
        return findings
    return [f for f in findings if f.resource_id in wanted or f.resource_name in wanted
            or f.resource_id in (f.account_id, f.region, "<root>")]


def _ignore(reason: str) -> str:
    log.error("ignoring the task: %s", reason)
    return json.dumps({"ignored": reason})


@fc_entry
def handler(event: bytes, context: Any) -> str:
    gcpolicy.for_scan_process()
    rt = Runtime(context)
    try:
        task = parse_task(event)
    except PayloadError as err:
        return _ignore(str(err))
    if rt.settings.family and task.family != rt.settings.family:
        return _ignore(f"it is for family {task.family}; this worker audits {rt.settings.family}")
    # the three reads go at once (each a round trip before the audit starts)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="aliaudit-task") as pool:
        done = pool.submit(rt.store.done, task.run_id)
        reported = pool.submit(rt.store.keys, f"runs/{task.run_id}/parts/{task.family}/")
        try:
            manifest = rt.store.manifest(task.run_id)
        except PayloadError as err:
            return _ignore(str(err))
        if manifest is None:
            return _ignore(f"run {task.run_id} has no manifest")
        parts = [p for p in manifest.parts
                 if p.family == task.family and task.region in (None, p.region) and p.account == task.account]
        if not parts:
            where = f"{task.account + '/' if task.account else ''}{task.family}/{task.region or '*'}"
            return _ignore(f"run {task.run_id} has no part {where}")
        if done.result():  # a late duplicate delivery: the run's reports are out
            return _ignore(f"run {task.run_id} is already aggregated")
        stored = set(reported.result())
    if task.region is None:  # the family's task: a retry (after a crash half-way) does only what is missing
        parts = [p for p in parts if part_key(task.run_id, p.family, p.region, p.account) not in stored
                 or not sealed(rt, manifest, p)]  # a part another writer planted is audited again
    findings = _audit(rt, manifest, task.family, parts, task.account) if parts else 0
    signal_if_last(rt, manifest)
    log.info("run %s: %s done (%s), %d findings", task.run_id, task.family,
             ", ".join(p.region for p in parts) or "every part was in", findings)
    return json.dumps({"run_id": task.run_id, "findings": findings})


def _member(rt: Runtime, manifest: Manifest, account: str) -> tuple[ClientFactory | None, Target | None, str]:
    """An organisation run's member account: its client factory (the audit role assumed with the execution
    role's credentials; nothing secret travels in the task), or why it cannot be audited."""
    target = manifest.target(account)
    if target is None or manifest.accounts_spec is None:
        return None, None, f"account {account} is not one of run {manifest.run_id}'s accounts"
    req = OrgRequest(spec=manifest.accounts_spec, source=rt.factory.provider, settings=rt.endpoints,
                     run_id=manifest.run_id, check_ids=manifest.check_ids, regions=manifest.regions,
                     default_regions=manifest.regions, config=AuditConfig())
    try:
        factory, _ = connect(target, req)
    except AliauditError as err:
        log.error("run %s: account %s: %s", manifest.run_id, target.label(), err)
        return None, target, str(err)
    return factory, target, ""


def _audit(rt: Runtime, manifest: Manifest, family: str, parts: list[Part], account: str = "") -> int:
    """One scan for the parts (the family in each region, and globally), every region at once as in the CLI;
    each part is stored as soon as its checks have run. Returns the findings. A member account that cannot be
    reached gets its parts stored at once, every check ERROR with the reason."""
    factory, target, problem = (rt.factory, None, "") if not account else _member(rt, manifest, account)
    # only this family's checks (and so only the collectors and SDKs they read) are imported: a fast cold start
    named = [c for c in manifest.check_ids if manifest.worker_family(c) == family]
    # (a check's family: its id's prefix; its own family's module first: a check placed here is usually in it)
    families = [family, *sorted({c.split("_", 1)[0] for c in named} - {family})]
    checks = {c.meta.id: c for c in select_checks(families, named)}
    unknown = [c for c in named if c not in checks]
    if unknown:  # e.g. a run planned by another version; the aggregator reports what this one could not run
        log.warning("run %s names checks this version does not have: %s", manifest.run_id, ", ".join(unknown))
    regions = [p.region for p in parts if p.region != GLOBAL]
    scopes = {Scope.GLOBAL} if len(regions) < len(parts) else set()
    scopes |= {Scope.REGIONAL} if regions else set()
    ids = [c for c in named if c in checks and checks[c].meta.scope in scopes]
    # the auditor's own report bucket is audited like any other, and held to a higher standard (in the account
    # it lives in: the members of an organisation run do not hold it)
    own = not account or account == (manifest.account_id or rt.account_id)
    config = AuditConfig(report_buckets=[rt.settings.report_bucket] if own else [])
    readable = targets.readable(manifest.resources)
    request = ScanRequest(account_id=account or manifest.account_id or rt.account_id, regions=regions,
                          check_ids=ids, families=families, config=config, resources=readable or None,
                          run_regions=manifest.regions, not_offered=manifest.not_offered)
    touched = set(manifest.resource_ids) | {i for v in manifest.resources.values() for i in v}
    narrowed = targets.narrowed_datasets(manifest.resources)
    # checks still to run per part; a part with none (its checks are unknown here) is stored empty at once
    due = {p.region: sum(1 for c in ids if checks[c].runs_in(p.region)
                         and offered_in(checks[c].meta.family, p.region, manifest.not_offered))
           for p in parts}
    calls_before = 0
    total = 0
    with tempfile.TemporaryDirectory(prefix="aliaudit-part-") as tmp, contextlib.ExitStack() as stack:
        spools = {p.region: stack.enter_context(Spool(tmp)) for p in parts}

        def store(region: str) -> None:
            nonlocal calls_before
            calls = sum(factory.calls.values()) if factory else 0
            put_part(rt, Path(tmp), manifest, family, region, spools[region], calls - calls_before, account)
            calls_before = calls
            spools.pop(region).close()

        if factory is None:  # the member account could not be reached: ERROR for every check of every part
            who = target or Target(account_id=account)
            for p in parts:
                scoped = [c for c in ids if checks[c].runs_in(p.region)
                          and offered_in(checks[c].meta.family, p.region, manifest.not_offered)]
                total += spools[p.region].add(failure_findings(who, scoped, [p.region], problem))
                store(p.region)
            return total
        for region in [r for r, n in due.items() if not n]:
            store(region)
        # findings go to disk as each check runs; a part is written from there, in the order of its checks
        for check, region, items in scan_findings(factory, request):
            if target is not None:
                for f in items:
                    f.account_name = target.name
            # a check whose datasets were all read whole (no collector narrowed to the event's resources) has every
            # finding current, those of resources no event names included (a CLB listener of the load balancer, the
            # ACL or the EIP named): all kept, where only_touched would leave their last verdict standing
            if touched and (narrowed & set(check.meta.needs) or not set(check.meta.needs) <= set(COLLECTORS)):
                items = only_touched(items, touched | request.judged)
            total += len(items)
            spools[region].add(items, (check.meta.id,))
            due[region] -= 1
            if not due[region]:
                store(region)
    return total
