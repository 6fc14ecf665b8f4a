"""Dispatcher: turns the daily timer or an ActionTrail event into a run: resolves regions, writes the run
manifest (once: one part per family and region, global families once), invokes one worker per family,
asynchronously, and marks the run dispatched. A duplicate delivery finds the mark and stops; a retry after a
dispatch that died half-way finds the manifest without the mark and invokes the workers of the parts still
missing."""

from __future__ import annotations

import json
import logging
import secrets
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import apierrors
from ..accounts import AccountsSpec, Target, targets
from ..checks.registry import Check, all_checks
from ..collectors.registry import COLLECTORS
from ..errors import AliauditError, ConfigError
from ..offered import not_offered
from ..org_scan import failure_findings
from ..placement import runs_with
from ..regions import account_regions
from ..reports.spool import Spool
from . import burst, trail_events
from .fc_context import Runtime, fc_entry
from .models import Manifest, Part, PayloadError, WorkerTask
from .parts import put_part, run_nonce, signal_if_last
from .store import part_key
from .triggers import Plan, TriggerError, parse

log = logging.getLogger("aliaudit.dispatcher")
INVOKE_THREADS = 8  # workers invoked at once (FC's InvokeFunction: one round trip each)


def plan_parts(plan: Plan, regions: list[str], not_offered: dict[str, list[str]] | None = None) -> tuple[
        list[str], list[Part], dict[str, str]]:
    """The run's checks, its parts (a worker's family in a region where a check of it runs: offered.py), and the
    checks that run in another family's worker (placement.runs_with)."""
    chosen = _chosen(plan)
    moved = runs_with(chosen)
    parts: dict[tuple[str, str], Part] = {}
    for c in chosen:
        family = moved.get(c.meta.id, c.meta.family)
        for region in c.regions(regions, not_offered):
            parts[(family, region)] = Part(family=family, region=region)
    return sorted(c.meta.id for c in chosen), sorted(parts.values(), key=lambda p: (p.family, p.region)), moved


def _chosen(plan: Plan) -> list[Check]:
    return [c for cid, c in all_checks().items()
            if (plan.check_ids is None or cid in plan.check_ids)
            and (plan.families is None or c.meta.family in plan.families)]


@fc_entry
def handler(event: bytes, context: Any) -> str:
    rt = Runtime(context)
    try:
        plan = parse(event)
    except TriggerError as err:
        log.error("ignoring the event: %s", err)
        return json.dumps({"ignored": str(err)})
    if plan.kind == "trail":  # the trail logstore's new events, each region's (trail_events)
        try:
            return json.dumps(trail_events.handle(rt, plan, dispatch))
        except TriggerError as err:
            log.error("ignoring the event: %s", err)
            return json.dumps({"ignored": str(err)})
    # a burst of events coalesces into a few runs (an event that changes no check has nothing to coalesce)
    if plan.kind == "event" and plan.check_ids and burst.window_seconds() > 0:
        return json.dumps(burst.handle(rt, plan, dispatch))
    return json.dumps(dispatch(rt, plan))


def dispatch(rt: Runtime, plan: Plan) -> dict[str, Any]:
    """Plan the run, write its manifest and invoke its workers (what the handler returns, as a dict)."""
    # the run's own reads go at once (each a round trip before the workers start; a lone event is reported sooner)
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="aliaudit-dispatch") as pool:
        listing = pool.submit(account_regions, rt.factory)
        dispatched = pool.submit(rt.store.dispatched, plan.run_id)
        stored = pool.submit(rt.store.manifest, plan.run_id)
        return _dispatch(rt, plan, listing, dispatched, stored)


def _dispatch(rt: Runtime, plan: Plan, listing: Future[list[str]], dispatched: Future[bool],
              stored_manifest: Future[Manifest | None]) -> dict[str, Any]:
    try:
        available = listing.result()
    except Exception as err:  # the run cannot be planned; FC's async retry will try again
        log.error("cannot list regions: %s", apierrors.describe(err))
        raise
    if plan.kind == "event":
        regions = [r for r in plan.event_regions if r in available]
    else:
        unknown = [r for r in plan.regions or [] if r not in available]
        if unknown:
            log.error("ignoring the timer: unknown regions %s (account regions: %s)", unknown, available)
            return {"ignored": f"unknown regions {unknown}"}
        regions = plan.regions or available
    # a whole run asks each product where it is offered (an event shows its product in its region)
    skipped = {} if plan.kind == "event" else not_offered(rt.factory, {c.meta.family for c in _chosen(plan)},
                                                                 regions)
    check_ids, parts, moved = plan_parts(plan, regions, skipped)
    try:
        spec, targets = _accounts(rt, plan)
    except (ConfigError, AliauditError) as err:  # e.g. the directory cannot be listed: say so, plan nothing
        log.error("ignoring the run: %s", err)
        return {"ignored": str(err)}
    if spec is not None:  # an organisation run: every part in every account
        parts = [Part(family=p.family, region=p.region, account=t.account_id) for t in targets for p in parts]
    if not parts:
        log.info("run %s: the event changes no check; nothing to do", plan.run_id)
        return {"run_id": plan.run_id, "parts": 0}
    # a later delivery of the same event (or FC's retry of this one) finds the run: if it was dispatched in
    # full there is nothing to do; if a dispatch died half-way (or is still at it), the parts that have not
    # reported are dispatched again (workers and the aggregator are idempotent)
    if dispatched.result():
        log.info("run %s already dispatched (duplicate delivery); nothing to do", plan.run_id)
        return {"run_id": plan.run_id, "duplicate": True}
    try:
        stored = stored_manifest.result()
    except PayloadError as err:  # planted or corrupt: it must neither decide the run nor stop it
        fresh = f"{plan.run_id}-{secrets.token_hex(4)}"
        log.error("run %s: %s; the run goes ahead as %s", plan.run_id, err, fresh)
        plan, stored = plan.model_copy(update={"run_id": fresh}), None
    try:
        manifest = Manifest(run_id=plan.run_id, account_id=rt.account_id,
                            created=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), kind=plan.kind,
                            regions=regions, check_ids=check_ids, parts=parts, resource_ids=plan.resource_ids,
                            resources=plan.resources,
                            trigger=plan.trigger, accounts=targets, accounts_spec=spec, runs_with=moved,
                            narrowed=plan.narrowed, not_offered=skipped,
                            nonce=run_nonce(rt.settings.run_secret, plan.run_id))
        if stored is None and not rt.store.put_manifest(manifest):
            stored = rt.store.manifest(plan.run_id)  # another delivery wrote it just now
    except PayloadError as err:
        log.error("ignoring the event: %s", err)
        return {"ignored": str(err)}
    if stored is not None:
        manifest = stored
        reported = set(rt.store.keys(f"runs/{plan.run_id}/parts/"))
        parts = [p for p in manifest.parts if part_key(plan.run_id, p.family, p.region, p.account) not in reported]
        log.info("run %s: planned by an earlier delivery; dispatching the %d parts not reported yet",
                 plan.run_id, len(parts))
    # one task per family: its worker audits every region at once (as the CLI does) and stores each part as
    # it completes, which spends far fewer invocations and cold starts than a task per part
    families = invocation_order({(p.account, p.family) for p in parts}, manifest)  # (per account: organisations)
    unreachable: dict[tuple[str, str], str] = {}

    def invoke(account: str, family: str) -> None:
        task = WorkerTask(run_id=plan.run_id, family=family, account=account)
        name = rt.settings.function_prefix + family
        try:
            rt.invoke_async(name, task.model_dump_json(exclude_none=True, exclude_defaults=True).encode())
        except Exception as err:  # e.g. the function is missing: the other families still run
            unreachable[(account, family)] = f"the worker function {name} could not be invoked: " \
                                             f"{apierrors.describe(err)}"
            log.error("run %s: %s", plan.run_id, unreachable[(account, family)])

    # a few invocations at once: each is a round trip, and one after another the last of thirty families started
    # about two seconds after the first
    with ThreadPoolExecutor(max_workers=INVOKE_THREADS, thread_name_prefix="aliaudit-invoke") as pool:
        for done in [pool.submit(invoke, account, family) for account, family in families]:
            done.result()
    if unreachable:
        _store_unreachable(rt, manifest, [p for p in parts if (p.account, p.family) in unreachable], unreachable)
    rt.store.put_dispatched(plan.run_id, len(manifest.parts))
    log.info("run %s: %d parts dispatched to %d workers (%s)", plan.run_id, len(parts), len(families), plan.kind)
    return {"run_id": plan.run_id, "parts": len(parts), "regions": manifest.regions}


def invocation_order(families: set[tuple[str, str]], manifest: Manifest) -> list[tuple[str, str]]:
    """(account, family) pairs in the order their workers are invoked: first the families whose checks need a
    long collection (Collector.long: calls that grow with the account under one account-wide quota, such as RAM's
    ListAccessKeys per user), which end the run; the others after, by name."""
    checks = all_checks()
    long = {name for name, c in COLLECTORS.items() if c.long}
    slow = {manifest.worker_family(cid) for cid in manifest.check_ids
            if cid in checks and long.intersection(checks[cid].meta.needs)}
    return sorted(families, key=lambda pair: (pair[1] not in slow, pair))


def _store_unreachable(rt: Runtime, manifest: Manifest, parts: list[Part],
                       reasons: dict[tuple[str, str], str]) -> None:
    """The parts of a worker that could not be invoked, stored at once with every check ERROR and the reason (the
    run does not wait for its deadline); then the aggregator is signalled if these were the last parts."""
    with tempfile.TemporaryDirectory(prefix="aliaudit-part-") as tmp:
        for p in parts:
            checks = [c for c in manifest.check_ids if manifest.worker_family(c) == p.family]
            target = manifest.target(p.account) or Target(account_id=p.account or manifest.account_id)
            with Spool(tmp) as spool:
                scoped = [c for c in checks if all_checks()[c].runs_in(p.region)]
                spool.add(failure_findings(target, scoped, [p.region], reasons[(p.account, p.family)]))
                put_part(rt, Path(tmp), manifest, p.family, p.region, spool, 0, p.account)
    signal_if_last(rt, manifest)


def _accounts(rt: Runtime, plan: Plan) -> tuple[AccountsSpec | None, list[Target]]:
    """An organisation run's accounts (ALIAUDIT_ACCOUNTS: deployment configuration), or (None, []) for a run of
    the own account. A payload's accounts only narrow the configured ones: it can never add an account or a
    role (a confused deputy: the pipeline assuming roles an invoker names). Event runs audit the account whose
    ActionTrail reported the change."""
    if plan.kind != "daily":
        return None, []
    spec = AccountsSpec.parse(_env_accounts(rt.settings.accounts), "ALIAUDIT_ACCOUNTS")
    if not spec.multi:
        if plan.accounts is not None:
            raise ConfigError("the payload names accounts, but this deployment audits only its own account "
                              "(ALIAUDIT_ACCOUNTS)")
        return None, []
    chosen = targets(spec, rt.factory, rt.account_id)
    if plan.accounts is not None:
        known = {t.account_id for t in chosen}
        unknown = sorted(set(plan.accounts) - known)
        if unknown:
            raise ConfigError(f"the payload names accounts this deployment does not audit: {', '.join(unknown)}")
        chosen = [t for t in chosen if t.account_id in set(plan.accounts)]
    return spec, chosen


def _env_accounts(text: str) -> object:
    text = text.strip()
    if not text or text == "single":
        return None
    if text == "resource-directory":
        return text
    try:
        return json.loads(text)
    except ValueError:
        raise ConfigError("ALIAUDIT_ACCOUNTS: not 'resource-directory' nor JSON (a list of account ids or role "
                          "ARNs, or the accounts mapping)") from None
