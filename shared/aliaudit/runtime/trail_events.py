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
twice, its FAIL would alert twice. A root account's ConsoleSignin, which EventBridge never carries, is taken from
here (a RAM identity's sign-in changes no check). Events naming another account as the resources' owner (an
organisation trail's members) are left to the daily run.

The trigger's event is an invoker's text: only the configured logstore is read, at the configured region's
endpoint (never the event's `endpoint`), and what is read is bounded: MAX_EVENT_BYTES an event, and
ALIAUDIT_TRAIL_MAX_LOGS (1000, what burst.coalesce merges in seconds) an invocation, which hands the rest of its
range to a new asynchronous invocation of the dispatcher (the log trigger's event again, from where it stopped), so
a busy minute is neither lost nor past the dispatcher's timeout. A log that is no usable event is counted and passed
over, never stops the shard."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter
from typing import Any

from ..checks.registry import all_checks
from . import burst
from .fc_context import Runtime
from .settings import ACTIONTRAIL_SUFFIXES
from .triggers import MAX_EVENT_BYTES, Plan, TriggerError, event_plan

log = logging.getLogger("aliaudit.trail")
PULL_COUNT = 100  # LogGroups a PullLogs call asks for ("an integer from 1 to 1000": PullLogs count, OpenMeta)
EVENTBRIDGE_TYPES = tuple(s.rsplit(":", 1)[1] for s in ACTIONTRAIL_SUFFIXES)  # the eventTypes EventBridge carries
# RAM is deployed centrally: "中国境内地域的事件在华东1(杭州),中国境外地域的事件在新加坡" (events of regions in China
# arrive in Hangzhou, of regions outside China in Singapore: EventBridge, 访问控制事件, help.aliyun.com document
# 205740). IMS and STS, RAM's identity services, are taken to follow it, and Hong Kong to be outside China (inferred)
GLOBAL_SERVICES = frozenset({"ram", "ims", "sts"})


def bus_region(event: dict[str, Any]) -> str:
    """The region whose default EventBridge bus receives the event; '' when not documented (another global
    service's event, isGlobal: never taken for the deployment's bus)."""
    region = str(event.get("acsRegion") or "")
    if str(event.get("serviceName") or "").lower() in GLOBAL_SERVICES:
        return "cn-hangzhou" if region.startswith("cn-") and region != "cn-hongkong" else "ap-southeast-1"
    return "" if event.get("isGlobal") is True else region


def handle(rt: Runtime, plan: Plan, dispatch: burst.Dispatch) -> dict[str, Any]:
    s = rt.settings
    where = (plan.trigger["project"], plan.trigger["logstore"])
    if not s.trail_log_project or not s.trail_logstore:
        raise TriggerError("a log trigger's event, but no trail logstore is configured (ALIAUDIT_TRAIL_LOG_PROJECT, "
                           "ALIAUDIT_TRAIL_LOGSTORE)")
    if where != (s.trail_log_project, s.trail_logstore):
        raise TriggerError(f"a log trigger's event for {where[0][:64]!r}/{where[1][:64]!r}, not the deployment's "
                           f"trail logstore {s.trail_log_project}/{s.trail_logstore}: not read")
    names = {e for c in all_checks().values() for e in c.meta.events}
    shard, begin, end = int(plan.trigger["shard"]), plan.trigger["begin"], plan.trigger["end"]
    skipped: Counter[str] = Counter()
    events, rest = read_events(rt, shard, begin, end, skipped)
    if rest is not None:  # (first, so the rest is read while these are dispatched)
        _continue(rt, shard, rest, end, plan.run_id)
    plans = []
    for event in events:
        try:
            reason = _left_out(event, names, s.region, s.account_id)
            if not reason:
                plans.append(event_plan({"type": f"{str(event.get('serviceName') or '').lower()}:ActionTrail:"
                                                  f"{event.get('eventType')}", "data": event}))
        except Exception as err:  # (TriggerError, or a field of an unexpected type: never the shard's end)
            reason = "malformed"
            log.warning("a trail event is not usable: %s", str(err)[:200])
        if reason:
            skipped[reason] += 1
    # the slot names the merged runs: from the batch itself, so a retried batch dispatches the same runs again
    # (their marks stop them), never new ones that would judge and alert twice
    slot = int(hashlib.sha256(f"{shard} {begin} {end}".encode()).hexdigest()[:12], 16)
    results = [dispatch(rt, p) for p in burst.coalesce(plans, slot)] if plans else []
    if skipped:
        log.info("trail logs left out: %s", ", ".join(f"{n} {why}" for why, n in sorted(skipped.items())))
    return {"trail_events": len(plans), "runs": [r.get("run_id") for r in results], "left_out": dict(skipped),
            **({"continued_from": rest} if rest is not None else {})}


def _continue(rt: Runtime, shard: int, begin: str, end: str, run_id: str) -> None:
    """The rest of the range to a new invocation of the dispatcher, as the log trigger's own event."""
    s = rt.settings
    event = {"source": {"projectName": s.trail_log_project, "logstoreName": s.trail_logstore, "shardId": shard,
                        "beginCursor": begin, "endCursor": end},
             "parameter": {}, "jobName": "aliaudit-continued", "taskId": f"{run_id.removeprefix('trail-')[:30]}-next",
             "cursorTime": int(time.time())}
    rt.invoke_async(f"{s.function_prefix}dispatcher", json.dumps(event).encode())
    log.info("shard %d holds more than %d logs from %s: the rest goes to the next invocation", shard,
             s.trail_max_logs, begin)


def _left_out(event: dict[str, Any], names: set[str], home: str, account: str) -> str:
    """Why the event starts no run here ('' when it does)."""
    name = event.get("eventName")
    if not isinstance(name, str) or name not in names:
        return "changing no check"
    if name == "ConsoleSignin" and (event.get("userIdentity") or {}).get("type") != "root-account":
        return "a RAM identity's sign-in"  # (only the root account's counts: targets.py, userIdentity.type)
    if event.get("eventType") in EVENTBRIDGE_TYPES and bus_region(event) == home:
        return "on this region's EventBridge bus"
    owner = event.get("recipientAccountId")
    if account and owner and str(owner) != account:
        return "of another account"
    return ""


def read_events(rt: Runtime, shard: int, begin: str, end: str,
                skipped: Counter[str]) -> tuple[list[dict[str, Any]], str | None]:
    """The events of the configured trail logstore's shard from begin towards end, at most trail_max_logs LogGroups
    (PullLogs' count: a group may hold several logs, all kept), and the cursor where reading stopped short of end
    (None: the range is read). A log whose `event` is not a JSON object of at most MAX_EVENT_BYTES is counted
    in skipped and passed over."""
    s = rt.settings
    client = rt.factory.log(s.region)
    events: list[dict[str, Any]] = []
    cursor, read = begin, 0
    while cursor != end:
        if read >= s.trail_max_logs:
            return events, cursor
        answer = client.pull_logs(s.trail_log_project, s.trail_logstore, shard, cursor,
                                  count=min(PULL_COUNT, s.trail_max_logs - read), end_cursor=end)
        logs = answer.get_flatten_logs_json()
        for entry in logs:
            event = _event(entry)
            if event is None:
                skipped["not an event"] += 1
            else:
                events.append(event)
        read += len(logs)
        following = answer.get_next_cursor()
        if not logs or not following or following == cursor:
            break
        cursor = following
    return events, None


def _event(entry: Any) -> dict[str, Any] | None:
    text = entry.get("event") if isinstance(entry, dict) else None
    if not isinstance(text, str) or len(text) > MAX_EVENT_BYTES or len(text.encode()) > MAX_EVENT_BYTES:
        return None
    try:
        event = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return event if isinstance(event, dict) else None
