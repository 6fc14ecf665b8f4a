"""Changes in every region, read from the ActionTrail trail's logstore: FC's log trigger hands the dispatcher a
cursor range of the trail's logstore (ALIAUDIT_TRAIL_LOG_PROJECT / ALIAUDIT_TRAIL_LOGSTORE, in the functions'
region), which it reads with PullLogs and turns into event runs, as EventBridge's events are.

Why: EventBridge's buses are regional, so the dispatcher's EventBridge trigger sees only the changes that reach
its own region's bus (README "which events reach the pipeline"). A trail that tracks every region ("TrailRegion
... default value is All": CreateTrail, OpenMeta actiontrail 2020-07-06) and delivers to SLS puts every region's
events, and the global services', in one logstore, "typically within 1 minute" (ActionTrail, single-account trail
overview). Each log is one event: `event` holds it as JSON text (SLS "ActionTrail log fields",
https://www.alibabacloud.com/help/en/sls/actiontrail).

An event that reaches the deployment's own bus is left to EventBridge, which delivers it within seconds: judged
twice, its FAIL would alert twice. A ConsoleSignin, which EventBridge never carries, is always taken from here.
Events naming another account as the resources' owner (an organisation trail's members) are left to the daily run.

The trigger's event is an invoker's text: only the configured logstore is read, at the configured region's
endpoint (never the event's `endpoint`), and what is read is bounded (MAX_LOGS a call, MAX_EVENT_BYTES an event)."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

from ..checks.registry import all_checks
from . import burst
from .fc_context import Runtime
from .triggers import MAX_EVENT_BYTES, Plan, TriggerError, event_plan

log = logging.getLogger("aliaudit.trail")
PULL_COUNT = 100  # LogGroups a PullLogs call asks for ("an integer from 1 to 1000": PullLogs count, OpenMeta)
MAX_LOGS = 20_000  # events one invocation reads; the rest of its range waits for the daily run (logged)
EVENTBRIDGE_TYPES = ("ApiCall", "ConsoleOperation", "AliyunServiceEvent")  # settings.ACTIONTRAIL_SUFFIXES' types
# RAM is deployed centrally: "中国境内地域的事件在华东1(杭州),中国境外地域的事件在新加坡" (events of regions in China
# arrive in Hangzhou, of regions outside China in Singapore: EventBridge, 访问控制事件, help.aliyun.com document
# 205740). IMS and STS, RAM's identity services, are taken to follow it, and Hong Kong to be outside China (inferred)
GLOBAL_SERVICES = frozenset({"ram", "ims", "sts"})


def bus_region(event: dict[str, Any]) -> str:
    """The region whose default EventBridge bus receives the event."""
    region = str(event.get("acsRegion") or "")
    if str(event.get("serviceName") or "").lower() not in GLOBAL_SERVICES:
        return region
    return "cn-hangzhou" if region.startswith("cn-") and region != "cn-hongkong" else "ap-southeast-1"


def handle(rt: Runtime, plan: Plan, dispatch: burst.Dispatch) -> dict[str, Any]:
    s = rt.settings
    where = (plan.trigger["project"], plan.trigger["logstore"])
    if not s.trail_log_project or not s.trail_logstore:
        raise TriggerError("a log trigger's event, but no trail logstore is configured (ALIAUDIT_TRAIL_LOG_PROJECT, "
                           "ALIAUDIT_TRAIL_LOGSTORE)")
    if where != (s.trail_log_project, s.trail_logstore):
        raise TriggerError(f"a log trigger's event for {where[0][:64]}/{where[1][:64]}, not the deployment's trail "
                           f"logstore {s.trail_log_project}/{s.trail_logstore}: not read")
    names = {e for c in all_checks().values() for e in c.meta.events}
    skipped: Counter[str] = Counter()
    plans = []
    for event in read_events(rt, int(plan.trigger["shard"]), plan.trigger["begin"], plan.trigger["end"], skipped):
        reason = _left_out(event, names, s.region, s.account_id)
        if reason:
            skipped[reason] += 1
            continue
        try:
            plans.append(event_plan({"type": f"{str(event.get('serviceName') or '').lower()}:ActionTrail:"
                                              f"{event.get('eventType')}", "data": event}))
        except TriggerError as err:
            skipped["malformed"] += 1
            log.warning("a trail event is not usable: %s", err)
    runs = burst.coalesce(plans, int(time.time() // burst.window_seconds())) if plans else []
    results = [dispatch(rt, p) for p in runs]
    if skipped:
        log.info("trail logs left out: %s", ", ".join(f"{n} {why}" for why, n in sorted(skipped.items())))
    return {"trail_events": len(plans), "runs": [r.get("run_id") for r in results], "left_out": dict(skipped)}


def _left_out(event: dict[str, Any], names: set[str], home: str, account: str) -> str:
    """Why the event starts no run here ('' when it does)."""
    if event.get("eventName") not in names:
        return "changing no check"
    if event.get("eventType") in EVENTBRIDGE_TYPES and bus_region(event) == home:
        return "on this region's EventBridge bus"
    owner = event.get("recipientAccountId")
    if account and owner and str(owner) != account:
        return "of another account"
    return ""


def read_events(rt: Runtime, shard: int, begin: str, end: str, skipped: Counter[str]) -> Iterator[dict[str, Any]]:
    """The events of the configured trail logstore's shard from begin to end, at most MAX_LOGS; a log whose `event`
    is not a JSON object of at most MAX_EVENT_BYTES is counted in skipped and passed over."""
    s = rt.settings
    client = rt.factory.log(s.region)
    cursor, read = begin, 0
    while cursor != end:
        if read >= MAX_LOGS:
            log.error("the trail logs of shard %d hold more than %d events from %s: the rest wait for the daily run",
                      shard, MAX_LOGS, begin)
            return
        answer = client.pull_logs(s.trail_log_project, s.trail_logstore, shard, cursor, count=PULL_COUNT,
                                  end_cursor=end)
        logs = answer.get_flatten_logs_json()
        for entry in logs[:MAX_LOGS - read]:
            event = _event(entry)
            if event is None:
                skipped["not an event"] += 1
            else:
                yield event
        read += len(logs)
        following = answer.get_next_cursor()
        if not logs or not following or following == cursor:
            return
        cursor = following


def _event(entry: Any) -> dict[str, Any] | None:
    text = entry.get("event") if isinstance(entry, dict) else None
    if not isinstance(text, str) or len(text) > MAX_EVENT_BYTES:
        return None
    try:
        event = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return event if isinstance(event, dict) else None
