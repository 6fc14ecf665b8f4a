"""ActionTrail: trails (create, update, start/stop logging, status) and LookupEvents over the events
every emulated write records."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from ..call import Call
from ..clock import iso, parse_time
from ..errors import ApiError
from ..pop import PopApi, int_param, require

api = PopApi("actiontrail", "2020-07-06")


class Trail(BaseModel):
    name: str
    home_region: str = "cn-hangzhou"
    # Enable | Disable | Fresh ("created but not enabled": CreateTrail; StartLogging / StopLogging), per
    # alibabacloud_actiontrail20200706 DescribeTrailsResponseBodyTrailList.status
    status: str = "Enable"
    event_rw: str = "Write"  # Write ("the default value") | Read | All (CreateTrailRequest.event_rw doc comment)
    trail_region: str = "All"
    oss_bucket_name: str = ""
    oss_key_prefix: str = ""
    sls_project_arn: str = ""
    sls_write_role_arn: str = ""
    max_compute_project_arn: str = ""  # MaxComputeProjectArn: a third delivery target (CreateTrailRequest)
    is_organization_trail: bool = False
    created: datetime = datetime(2024, 1, 1)
    start_logging: datetime | None = None
    stop_logging: datetime | None = None


class ActionTrailState(BaseModel):
    trails: list[Trail] = Field(default_factory=list)


def _bucket_location(t: Trail, owner: Any) -> str:
    """The trail bucket's region (OssBucketLocation), when the owner account holds the bucket."""
    if not t.oss_bucket_name or owner is None:
        return ""
    bucket = owner.oss.bucket(t.oss_bucket_name)
    return bucket.region if bucket else ""


def _trail_view(t: Trail, owner: Any = None, rd_id: str = "") -> dict[str, Any]:
    """Fields as alibabacloud_actiontrail20200706 DescribeTrailsResponseBodyTrailList declares them (OrganizationId
    only for a multi-account trail; OssBucketLocation is the bucket's region)."""
    view = {"Name": t.name, "HomeRegion": t.home_region, "Status": t.status, "EventRW": t.event_rw,
            "TrailRegion": t.trail_region, "OssBucketName": t.oss_bucket_name, "OssKeyPrefix": t.oss_key_prefix,
            "OssBucketLocation": _bucket_location(t, owner), "OssWriteRoleArn": "",
            "SlsProjectArn": t.sls_project_arn, "SlsWriteRoleArn": t.sls_write_role_arn,
            "MaxComputeProjectArn": t.max_compute_project_arn, "MaxComputeWriteRoleArn": "",
            "IsOrganizationTrail": t.is_organization_trail, "CreateTime": iso(t.created),
            "UpdateTime": iso(t.created), "StartLoggingTime": iso(t.start_logging) if t.start_logging else "",
            "StopLoggingTime": iso(t.stop_logging) if t.stop_logging else "", "Region": t.home_region,
            "TrailArn": f"acs:actiontrail:{t.home_region}:{owner.id if owner else ''}:trail/{t.name}"}
    if t.is_organization_trail:
        view["OrganizationId"] = rd_id
    return view


def _trail(call: Call) -> Trail:
    name = require(call.params, "Name")
    trail = next((t for t in call.acct.actiontrail.trails if t.name == name), None)
    if trail is None:
        raise ApiError("TrailNotFoundException", f"The trail {name} does not exist.", 404)
    call.touch("ACS::ActionTrail::Trail", name)
    return trail


@api.action("DescribeTrails")
def describe_trails(call: Call) -> dict[str, Any]:
    """IncludeOrganizationTrail (default false): "Only single-account trails are queried" unless true, and then
    the multi-account trails of the caller's resource directory (created in its management account) are listed
    too (https://www.alibabacloud.com/help/doc-detail/28842.htm; SDK DescribeTrailsRequest doc comment).
    IncludeShadowTrails (default false): a trail is listed in the region it lives in (its home region); its shadow
    copies in the other regions only when true."""
    p = call.params
    names = {n for n in p.get("NameList", "").split(",") if n}
    # the Python SDK sends booleans as "True"/"False", the others as "true"/"false"
    with_org = p.get("IncludeOrganizationTrail", "").lower() == "true"
    with_shadow = p.get("IncludeShadowTrails", "").lower() == "true"
    rd = call.world.scenario.resource_directory
    member = rd is not None and rd.member(call.acct.id) is not None
    found: list[tuple[Trail, Any]] = [(t, call.acct) for t in call.acct.actiontrail.trails]
    if with_org and member and rd is not None and rd.management_account_id != call.acct.id:
        manager = call.world.account(rd.management_account_id)
        found += [(t, manager) for t in (manager.actiontrail.trails if manager else []) if t.is_organization_trail]
    out = []
    for t, owner in found:
        if names and t.name not in names:
            continue
        if t.is_organization_trail and not with_org:
            continue
        # "the trail associated with the current region" (https://www.alibabacloud.com/help/doc-detail/28842.htm):
        # a trail is answered in its home region; elsewhere only a trail applying to all regions, as a shadow trail
        if call.region and t.home_region != call.region and not (with_shadow and t.trail_region == "All"):
            continue
        out.append(_trail_view(t, owner, rd.id if rd is not None and member else ""))
    return {"TrailList": out}


@api.action("GetTrailStatus")
def get_trail_status(call: Call) -> dict[str, Any]:
    t = _trail(call)
    return {"IsLogging": t.status == "Enable", "StartLoggingTime": iso(t.start_logging) if t.start_logging else "",
            "StopLoggingTime": iso(t.stop_logging) if t.stop_logging else "", "LatestDeliveryTime": "",
            "LatestDeliveryError": "", "OssBucketStatus": bool(t.oss_bucket_name), "SlsLogStoreStatus":
            bool(t.sls_project_arn)}


_FIELDS = {"OssBucketName": "oss_bucket_name", "OssKeyPrefix": "oss_key_prefix", "SlsProjectArn": "sls_project_arn",
           "SlsWriteRoleArn": "sls_write_role_arn", "EventRW": "event_rw", "TrailRegion": "trail_region",
           "MaxComputeProjectArn": "max_compute_project_arn"}


@api.action("CreateTrail", write=True)
def create_trail(call: Call) -> dict[str, Any]:
    """Errors as CreateTrail's errorCodes in OpenMeta actiontrail/2020-07-06 api-docs.json (both under HTTP 400): a
    taken name, and no delivery target ("You must specify at least one of the following parameters: OssBucketName,
    SlsProjectArn, or MaxComputeProjectArn", the parameters' descriptions)."""
    name = require(call.params, "Name")
    if any(t.name == name for t in call.acct.actiontrail.trails):
        raise ApiError("TrailAlreadyExistsException", "The specified Trail name already exists.", 400)
    if not any(call.params.get(p) for p in ("OssBucketName", "SlsProjectArn", "MaxComputeProjectArn")):
        raise ApiError("InvalidDeliveryConfigurationException",
                       "You must specify at least one Log Service project or OSS bucket for a Trail.", 400)
    trail = Trail(name=name, home_region=call.region or "cn-hangzhou", status="Fresh", created=call.now(),
                  is_organization_trail=call.params.get("IsOrganizationTrail", "").lower() == "true",
                  **{attr: call.params[p] for p, attr in _FIELDS.items() if p in call.params})
    call.acct.actiontrail.trails.append(trail)
    call.touch("ACS::ActionTrail::Trail", name)
    return _trail_view(trail, call.acct)


@api.action("UpdateTrail", write=True)
def update_trail(call: Call) -> dict[str, Any]:
    trail = _trail(call)
    for p, attr in _FIELDS.items():
        if p in call.params:
            setattr(trail, attr, call.params[p])
    return _trail_view(trail, call.acct)


@api.action("DeleteTrail", write=True)
def delete_trail(call: Call) -> dict[str, Any]:
    call.acct.actiontrail.trails.remove(_trail(call))
    return {}


@api.action("StartLogging", write=True)
def start_logging(call: Call) -> dict[str, Any]:
    trail = _trail(call)
    trail.status, trail.start_logging = "Enable", call.now()
    return {}


@api.action("StopLogging", write=True)
def stop_logging(call: Call) -> dict[str, Any]:
    trail = _trail(call)
    trail.status, trail.stop_logging = "Disable", call.now()
    return {}


_ATTRS = {"EventName": "eventName", "ServiceName": "serviceName", "EventRW": "eventRW", "EventId": "eventId",
          "EventAccessKeyId": "userIdentity.accessKeyId", "ResourceName": "referencedResources",
          "ResourceType": "referencedResources", "UserName": "userIdentity.userName"}


def _attr_matches(event: dict[str, Any], key: str, value: str) -> bool:
    if key in ("ResourceName", "ResourceType"):
        refs = event.get("referencedResources", {})
        return value in refs if key == "ResourceType" else any(value in ids for ids in refs.values())
    cur: Any = event
    for part in _ATTRS[key].split("."):
        cur = cur.get(part) if isinstance(cur, dict) else None
    return cur == value


@api.action("LookupEvents")
def lookup_events(call: Call) -> dict[str, Any]:
    """Newest first, NextToken paging (MaxResults <= 50), filtered by time and LookupAttribute.N."""
    now = call.now()
    start = parse_time(call.params["StartTime"]) if call.params.get("StartTime") else None
    end = parse_time(call.params["EndTime"]) if call.params.get("EndTime") else now
    filters = []
    n = 1
    while f"LookupAttribute.{n}.Key" in call.params:
        key = call.params[f"LookupAttribute.{n}.Key"]
        if key not in _ATTRS:
            raise ApiError("InvalidParameter", f"Unsupported LookupAttribute key: {key}", 400)
        filters.append((key, call.params.get(f"LookupAttribute.{n}.Value", "")))
        n += 1
    region = call.region
    events = [e for e in reversed(call.acct.events)
              if (start is None or parse_time(e["eventTime"]) >= start) and parse_time(e["eventTime"]) <= end
              and (e.get("isGlobal") or not region or e.get("acsRegion") == region)
              and all(_attr_matches(e, k, v) for k, v in filters)]
    size = int_param(call.params, "MaxResults", 20, 1, 50)
    token = call.params.get("NextToken", "")
    offset = int(token) if token.isdigit() else 0
    page = events[offset:offset + size]
    nxt = str(offset + size) if offset + size < len(events) else ""
    # isGlobal is the emulator's own mark (which region serves the event), not a documented event field
    return {"Events": [{k: v for k, v in json.loads(json.dumps(e)).items() if k != "isGlobal"} for e in page],
            "NextToken": nxt,
            "StartTime": iso(start) if start else "", "EndTime": iso(end)}


# --- delivery to Simple Log Service -----------------------------------------------------------------

# the object operations the emulated OSS records (its object routes): ActionTrail's OSS data events
OSS_DATA_EVENTS = frozenset({"PutObject", "DeleteObject", "DeleteMultipleObjects", "CopyObject", "AppendObject"})

def deliver_to_sls(world: Any, account: Any, event: dict[str, Any]) -> None:
    """A trail with SlsProjectArn delivers the event to its logstore: "ActionTrail automatically creates a Logstore
    named actiontrail_<trail name>" (CreateTrail, OpenMeta actiontrail 2020-07-06), one log per event with
    __topic__ actiontrail_event, owner_id and the event as JSON text in `event` (SLS "ActionTrail log fields",
    https://www.alibabacloud.com/help/en/sls/actiontrail). "Events are typically delivered to your SLS Logstore within
    1 minute" (ActionTrail, single-account trail overview); the emulator delivers at once. A trail takes the events of
    its EventRW (Write or All: the emulator records writes only) from every region (TrailRegion All) or its own.
    OSS's object operations are data events, which a trail delivers only when a data event selector asks for them
    (PutDataEventSelector, OpenMeta actiontrail 2020-07-06: "GetObject, CopyObject, and AppendObject" its example;
    selectors are not modelled): none here."""
    if event.get("serviceName") == "Oss" and event.get("eventName") in OSS_DATA_EVENTS:
        return
    from .sls.model import Logstore, _logs, logs_stored

    for trail in [t for t in account.actiontrail.trails if t.sls_project_arn and t.status == "Enable"]:
        if trail.event_rw not in ("Write", "All") or trail.trail_region not in ("All", event.get("acsRegion")):
            continue
        name = trail.sls_project_arn.rsplit("/", 1)[-1]
        with world.lock:
            project = account.sls.project(name)
            if project is None:  # (the delivery fails; ActionTrail's own retries are not modelled)
                continue
            store = f"actiontrail_{trail.name}"
            ls = project.logstore(store)
            if ls is None:
                ls = Logstore(name=store, created=world.clock.now())
                project.logstores.append(ls)
            _logs(world).setdefault((project.name, store), []).append({
                "__time__": str(int(world.clock.timestamp())), "__source__": "actiontrail",
                "__topic__": "actiontrail_event", "owner_id": account.id,
                "event": json.dumps(event, separators=(",", ":"))})
            logs_stored(world, account, project, ls, trigger="ActionTrail")
