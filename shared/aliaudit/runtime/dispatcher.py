"""Dispatcher: turns the daily timer or an ActionTrail event into a run: resolves regions, writes the run
manifest (once), invokes one worker per (family, region), global families once, asynchronously, and marks
the run dispatched. A duplicate delivery finds the mark and stops; a retry after a dispatch that died
half-way finds the manifest without the mark and invokes the workers whose parts are still missing."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any

from .. import apierrors
from ..checks.registry import all_checks
from ..regions import account_regions
from ..scan import GLOBAL
from .fc_context import Runtime
from .models import Manifest, Part, PayloadError, WorkerTask
from .store import dispatched_key, manifest_key, part_key
from .triggers import Plan, TriggerError, parse

log = logging.getLogger("aliaudit.dispatcher")


def plan_parts(plan: Plan, regions: list[str]) -> tuple[list[str], list[Part]]:
    checks = all_checks()
    chosen = [c for cid, c in checks.items()
              if (plan.check_ids is None or cid in plan.check_ids)
              and (plan.families is None or c.meta.family in plan.families)]
    parts: dict[tuple[str, str], Part] = {}
    for c in chosen:
        for region in [GLOBAL] if c.meta.scope == "global" else regions:
            parts[(c.meta.family, region)] = Part(family=c.meta.family, region=region)
    return sorted(c.meta.id for c in chosen), sorted(parts.values(), key=lambda p: (p.family, p.region))


def handler(event: bytes, context: Any) -> str:
    rt = Runtime(context)
    try:
        plan = parse(event)
    except TriggerError as err:
        log.error("ignoring the event: %s", err)
        return json.dumps({"ignored": str(err)})
    try:
        available = account_regions(rt.factory)
    except Exception as err:  # the run cannot be planned; FC's async retry will try again
        log.error("cannot list regions: %s", apierrors.describe(err))
        raise
    if plan.kind == "event":
        regions = [r for r in plan.event_regions if r in available]
    else:
        unknown = [r for r in plan.regions or [] if r not in available]
        if unknown:
            log.error("ignoring the timer: unknown regions %s (account regions: %s)", unknown, available)
            return json.dumps({"ignored": f"unknown regions {unknown}"})
        regions = plan.regions or available
    check_ids, parts = plan_parts(plan, regions)
    if not parts:
        log.info("run %s: the event changes no check; nothing to do", plan.run_id)
        return json.dumps({"run_id": plan.run_id, "parts": 0})
    # a later delivery of the same event (or FC's retry of this one) finds the run: if it was dispatched in
    # full there is nothing to do; if a dispatch died half-way (or is still at it), the parts that have not
    # reported are dispatched again (workers and the aggregator are idempotent)
    if rt.store.exists(dispatched_key(plan.run_id)):
        log.info("run %s already dispatched (duplicate delivery); nothing to do", plan.run_id)
        return json.dumps({"run_id": plan.run_id, "duplicate": True})
    try:
        stored = rt.store.manifest(plan.run_id)
        manifest = Manifest(run_id=plan.run_id, account_id=rt.account_id,
                            created=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), kind=plan.kind,
                            regions=regions, check_ids=check_ids, parts=parts, resource_ids=plan.resource_ids,
                            trigger=plan.trigger)
        if stored is None and not rt.store.put_json(manifest_key(plan.run_id), manifest.model_dump(),
                                                    exclusive=True):
            stored = rt.store.manifest(plan.run_id)  # another delivery wrote it just now
    except PayloadError as err:
        log.error("ignoring the event: %s", err)
        return json.dumps({"ignored": str(err)})
    if stored is not None:
        manifest = stored
        reported = set(rt.store.keys(f"runs/{plan.run_id}/parts/"))
        parts = [p for p in manifest.parts if part_key(plan.run_id, p.family, p.region) not in reported]
        log.info("run %s: planned by an earlier delivery; dispatching the %d parts not reported yet",
                 plan.run_id, len(parts))
    for part in parts:
        task = WorkerTask(run_id=plan.run_id, family=part.family, region=part.region)
        rt.invoke_async(rt.settings.function_prefix + part.family, task.model_dump_json().encode())
    rt.store.put_json(dispatched_key(plan.run_id), {"parts": len(manifest.parts)})
    log.info("run %s: %d parts dispatched (%s)", plan.run_id, len(parts), plan.kind)
    return json.dumps({"run_id": plan.run_id, "parts": len(parts), "regions": manifest.regions})
