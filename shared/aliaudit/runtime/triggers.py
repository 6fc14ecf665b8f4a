"""What a run should do, from the event that started it: the daily timer (with optional narrowing in its
payload) or an ActionTrail event delivered by EventBridge (only the checks the event can change, in the
event's region, for the resources it touched)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..accounts import ACCOUNT_ID
from ..checks.registry import all_checks
from . import targets
from .settings import ACTIONTRAIL_SUFFIXES


class TriggerError(ValueError):
    """The event is malformed or unusable; the dispatcher logs it and does nothing."""


class Plan(BaseModel):
    run_id: str
    kind: str  # daily | event | trail (a log trigger's part of the trail logstore: trail_events.py reads it)
    regions: list[str] | None = None  # None = every region of the account
    families: list[str] | None = None
    check_ids: list[str] | None = None
    event_regions: list[str] = Field(default_factory=list)  # event runs: where the change happened
    resource_ids: list[str] = Field(default_factory=list)
    resources: dict[str, list[str]] = Field(default_factory=dict)  # event runs: kind -> ids (targets.resources)
    trigger: dict[str, str] = Field(default_factory=dict)
    accounts: list[str] | None = None  # a narrowing of the deployment's accounts (ids), None = all of them
    narrowed: bool = False  # a run of part of the catalogue, regions or accounts: it never replaces latest/ whole


# A timer delivers at its time; an invocation claiming a timer time further ahead is not the timer (it would take
# the daily run's id before the real timer fires: a day without an audit)
TIMER_AHEAD = timedelta(seconds=60)


class TimerPayload(BaseModel):
    """What an invoker may ask of a run: only to narrow it. Which accounts and roles the pipeline reaches is
    deployment configuration (ALIAUDIT_ACCOUNTS), never a payload field: `accounts` names some of those."""

    model_config = ConfigDict(extra="forbid")

    regions: list[str] | None = None
    families: list[str] | None = None
    checks: list[str] | None = None
    run_id: str | None = Field(None, pattern=r"^manual-[A-Za-z0-9_-]{1,56}$")  # never a daily or event run's id
    accounts: list[str] | None = None  # 16-digit ids of the deployment's accounts (a narrowing)

    def narrowing(self) -> dict[str, list[str]]:
        return {k: sorted(v) for k, v in (("regions", self.regions), ("families", self.families),
                                           ("checks", self.checks), ("accounts", self.accounts)) if v is not None}


# An event's largest size: EventBridge's ActionTrail events and timer payloads are a few KiB; FC takes synchronous
# payloads far larger (parsed, JSON takes up to 24 times its size: an invoker must not choose the memory it takes)
MAX_EVENT_BYTES = 1 << 20


def parse(raw: bytes | str) -> Plan:
    if len(raw or b"") > MAX_EVENT_BYTES:
        raise TriggerError(f"the event is larger than {MAX_EVENT_BYTES >> 20} MiB: not read")
    try:
        event = json.loads(raw or b"{}")
    except (ValueError, RecursionError) as err:  # JSONDecodeError, UnicodeDecodeError; absurd nesting
        raise TriggerError(f"the event is not JSON ({str(err)[:120]})") from None
    if not isinstance(event, dict):
        raise TriggerError("the event is not a JSON object")
    if "triggerTime" in event or "triggerName" in event:
        return _timer(event)
    if isinstance(event.get("source"), dict) and "jobName" in event:
        return _log_batch(event)
    if str(event.get("type", "")).endswith(ACTIONTRAIL_SUFFIXES) \
            and isinstance(event.get("data"), dict):
        return _actiontrail(event)
    if set(event) <= set(TimerPayload.model_fields):  # a manual invocation with a payload object
        return _timer({"triggerName": "manual", "payload": json.dumps(event)})
    raise TriggerError("unknown event: neither a timer trigger nor an ActionTrail event from EventBridge")


def _timer(event: dict[str, Any]) -> Plan:
    payload_text = event.get("payload") or "{}"
    try:
        payload = TimerPayload.model_validate(json.loads(payload_text) if isinstance(payload_text, str)
                                              else payload_text)
    except (json.JSONDecodeError, TypeError, RecursionError) as err:
        raise TriggerError(f"timer payload is not JSON ({str(err)[:120]})") from None
    except ValidationError as err:
        first = err.errors()[0]
        raise TriggerError(f"timer payload: {'.'.join(str(x) for x in first['loc'])}: {first['msg']}") from None
    checks = all_checks()
    families = sorted({c.meta.family for c in checks.values()})
    unknown = [f for f in payload.families or [] if f not in families]
    unknown += [c for c in payload.checks or [] if c not in checks]
    if unknown:
        raise TriggerError(f"timer payload names unknown families or checks: {', '.join(unknown)}")
    bad = [a for a in payload.accounts or [] if not ACCOUNT_ID.match(a)]
    if bad:
        raise TriggerError(f"timer payload: accounts can only name account ids of the deployment's accounts "
                           f"(roles come from its configuration): {', '.join(bad[:5])}")
    timer = "triggerTime" in event
    when = _when(event.get("triggerTime"))
    now = datetime.now(timezone.utc)
    if timer and when > now + TIMER_AHEAD:
        raise TriggerError(f"timer event for {when:%Y-%m-%dT%H:%M:%SZ}, which is still to come: not a timer delivery")
    narrowing = payload.narrowing()
    # the daily run's id comes from the timer's own time; a narrowed run's id also says what it narrowed, so no
    # narrowed invocation can take the whole run's id
    run_id = payload.run_id or f"{'daily' if timer else 'manual'}-{when:%Y%m%dT%H%M%SZ}"
    if narrowing and not payload.run_id:
        run_id += "-" + hashlib.sha256(json.dumps(narrowing, sort_keys=True).encode()).hexdigest()[:10]
    return Plan(run_id=run_id, kind="daily", regions=payload.regions, families=payload.families,
                check_ids=payload.checks, trigger={"trigger": str(event.get("triggerName", "")),
                                                   "time": f"{when:%Y-%m-%dT%H:%M:%SZ}"},
                accounts=payload.accounts, narrowed=bool(narrowing))


def _when(text: Any) -> datetime:
    if isinstance(text, str):
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)
        except (ValueError, OverflowError):  # (0001-01-01T00:00:00+14:00 is before the first UTC instant)
            raise TriggerError(f"timer triggerTime is not an ISO time: {text[:64]!r}") from None
    return datetime.now(timezone.utc).replace(microsecond=0)


# what a log trigger may name: SLS cursors are base64 text (PullLogs' example "MTQ0NzMyOTQwMTEwMjEzMDkwNA", OpenMeta sls
# 2020-12-30); shard numbers are bounded generously (an invoker chooses them too)
_CURSOR = re.compile(r"^[A-Za-z0-9+/=_-]{1,256}$")
MAX_SHARD = 4096


def _log_batch(event: dict[str, Any]) -> Plan:
    """FC's log trigger (SLS "Develop a custom function": source.projectName, logstoreName, shardId, beginCursor,
    endCursor): which part of which logstore to read. Only checked for shape here; the dispatcher reads it only if
    it is the deployment's trail logstore (trail_events.py), and never from the event's endpoint."""
    source = event["source"]
    project, logstore = source.get("projectName"), source.get("logstoreName")
    shard, begin, end = source.get("shardId"), source.get("beginCursor"), source.get("endCursor")
    if not isinstance(project, str) or not isinstance(logstore, str) or not project or not logstore:
        raise TriggerError("log trigger event without source.projectName and source.logstoreName")
    if not isinstance(shard, int) or isinstance(shard, bool) or not 0 <= shard < MAX_SHARD:
        raise TriggerError("log trigger event whose source.shardId is not a shard number")
    if not all(isinstance(c, str) and _CURSOR.match(c) for c in (begin, end)):
        raise TriggerError("log trigger event whose cursors are not SLS cursors")
    task = _safe(str(event.get("taskId") or ""))[:40] or hashlib.sha256(f"{begin}{end}".encode()).hexdigest()[:16]
    return Plan(run_id=f"trail-{task}", kind="trail",
                trigger={"project": project[:128], "logstore": logstore[:128], "shard": str(shard),
                         "begin": begin, "end": end})


def event_plan(event: dict[str, Any]) -> Plan:
    """An ActionTrail event, in EventBridge's envelope ({"type", "data": the event}), as an event run's plan."""
    return _actiontrail(event)


def _actiontrail(event: dict[str, Any]) -> Plan:
    data = event["data"]
    name = data.get("eventName")
    if not isinstance(name, str) or not name:
        raise TriggerError("ActionTrail event without data.eventName")
    referenced = data.get("referencedResources")
    if not isinstance(referenced, dict):  # absent, or not the {type: [ids]} map: no resource named
        referenced = {}
    ids = sorted({str(i) for v in referenced.values() if isinstance(v, list) for i in v
                  if isinstance(i, str | int) and not isinstance(i, bool)})
    region = data.get("acsRegion") or event.get("aliyunregionid") or ""
    if not isinstance(region, str):
        raise TriggerError("ActionTrail event with a region that is not a string")
    touched = targets.resources(data)
    named = targets.service_checks((c for c in all_checks().values() if name in c.meta.events),
                                   data.get("serviceName"))
    checks = [c.meta.id for c in targets.relevant(named, touched, name)]
    event_id = data.get("eventId") or event.get("id") or ""
    if not isinstance(event_id, str) or not _safe(event_id).strip("-"):
        raise TriggerError("ActionTrail event without an id")
    return Plan(run_id=f"event-{_safe(event_id)}", kind="event", check_ids=checks,
                event_regions=[region] if region else [], resource_ids=ids,
                resources=touched,
                trigger={"event": name, "event_id": event_id, "region": str(region),
                         "service": str(data.get("serviceName", ""))})


def _safe(text: str) -> str:
    """The event id as part of a run id (an OSS key): ASCII letters, digits, - and _ only ('²' is alnum too; no
    '.', so no '..' path segment)."""
    return "".join(c if (c.isascii() and c.isalnum()) or c in "-_" else "-" for c in text)[:64]
