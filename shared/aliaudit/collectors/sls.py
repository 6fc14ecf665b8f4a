"""Log Service (SLS) datasets, read with aliyun-log-python-sdk.

- sls.logstores (regional): every project of the region with its logstores and their retention (ttl).
- sls.audit (global): where ActionTrail delivers to SLS (the trails' SlsProjectArn) and the Log Audit Service
  central projects of the audited account (slsaudit-center-<account>-<region>, whose actiontrail_log logstore the
  CIS 2.10-2.22 audit procedures name) and, for each of those projects, its alert rules and the trail logstores'
  retention. Alerts are read in the project the trail writes to (where the SLS console and Alibaba's ActionTrail
  CIS alert templates create them) and in the central projects (where the CIS audit looks for them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

from pydantic import Field

from .. import apierrors
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from .actiontrail import TRAILS, describe_trails
from .paging import cut_short
from .registry import CollectContext, collector

log_sdk = lazy_import("aliyun.log")

PAGE = 500  # the largest page ListProject and ListLogStores accept
# ListAlerts (and aliyun-log-python-sdk's list_alert): "Maximum value: 200" (alibabacloud_sls20201230
# ListAlertsRequest.size doc comment; https://www.alibabacloud.com/help/en/sls/developer-reference/list-alert)
ALERT_PAGE = 200
# Log Audit Service: "The name of the project that is used for centralized storage is in the format of
# slsaudit-center-<Alibaba Cloud account ID>-<Region>" and ActionTrail logs go to its logstore actiontrail_log (Log
# Service docs, Log Audit Service overview: "Resource limits" and the supported-services table). A central project
# "can reside in" these regions only (Qingdao, Beijing, Zhangjiakou, Hohhot, Ulanqab, Hangzhou, Shanghai, Shenzhen,
# Hong Kong, Singapore, Tokyo, Frankfurt, Jakarta, Kuala Lumpur: https://www.alibabacloud.com/help/en/sls/
# log-applications, "Centralized storage"), so those are where it is looked for, whatever regions are audited.
CENTRAL_PROJECT = "slsaudit-center-{account}-{region}"
CENTRAL_LOGSTORE = "actiontrail_log"
CENTRAL_REGIONS = ("cn-qingdao", "cn-beijing", "cn-zhangjiakou", "cn-huhehaote", "cn-wulanchabu", "cn-hangzhou",
                   "cn-shanghai", "cn-shenzhen", "cn-hongkong", "ap-southeast-1", "ap-northeast-1", "eu-central-1",
                   "ap-southeast-5", "ap-southeast-3")
_ARN = re.compile(r"^acs:log:(?P<region>[a-z0-9-]+):(?P<account>\d*):project/(?P<project>[a-z0-9-]+)/?$")


class LogstoreInfo(Record):
    name: str
    ttl: int | None = None  # days; 3650 means "keep forever"
    missing: bool = False  # GetLogStore answered LogStoreNotExist
    error: str | None = None  # GetLogStore failed


class ProjectInfo(Record):
    name: str
    region: str
    logstores: list[LogstoreInfo] = Field(default_factory=list)
    error: str | None = None  # listing its logstores failed


class AlertQuery(Record):
    project: str  # the project queried ('' in the rule = the alert's own project, resolved here)
    store: str
    store_type: str  # log | metric | meta
    query: str


class AlertInfo(Record):
    name: str
    display_name: str
    project: str
    enabled: bool
    queries: list[AlertQuery] = Field(default_factory=list)
    template_id: str = ""  # templateConfiguration.id of alerts created from a built-in template
    template_tokens: dict[str, str] = Field(default_factory=dict)
    # configuration.muteUntil, "The time until which the alert is muted" (alibabacloud_sls20201230
    # AlertConfiguration.mute_until, an int of epoch seconds; tests/fixtures/wire/sls/ListAlerts.json): no
    # notification before then
    muted_until: datetime | None = None


class TrailTarget(Record):
    """An SLS project (and logstore) an ActionTrail trail delivers to."""

    trail: str
    logging: bool
    region: str
    project: str
    logstore: str  # ActionTrail writes to the logstore actiontrail_<trail name>
    arn: str
    account: str = ""  # the project's account (from the ARN): another one for a multi-account trail
    # DescribeTrails TrailRegion ("All" or one region) and EventRW ("Write | Read | All"): which events reach the
    # logstore ('' when not answered; checks.sls.trail_gap)
    trail_region: str = ""
    event_rw: str = ""

    def elsewhere(self, account_id: str) -> bool:
        """The project belongs to another account (a multi-account trail delivering to its management account's
        project): this account's credentials cannot read its alerts or logstores, so they are not asked."""
        return bool(self.account) and self.account != account_id


class CentralProject(Record):
    """A Log Audit Service central project of the audited account: its actiontrail_log holds ActionTrail events."""

    region: str
    project: str
    logstore: str = CENTRAL_LOGSTORE


class AuditProject(Record):
    region: str
    project: str
    alerts: list[AlertInfo] = Field(default_factory=list)
    alerts_error: str | None = None  # listing the alerts failed
    # the trail logstores and a central project's actiontrail_log (GetLogStore each)
    logstores: list[LogstoreInfo] = Field(default_factory=list)


class AuditData(Record):
    targets: list[TrailTarget] = Field(default_factory=list)
    bad_arns: list[str] = Field(default_factory=list)  # trail SlsProjectArn values that do not parse
    projects: list[AuditProject] = Field(default_factory=list)
    centers: list[CentralProject] = Field(default_factory=list)  # Log Audit Service central projects
    center_errors: dict[str, str] = Field(default_factory=dict)  # region -> why its projects could not be listed

    def project(self, region: str, name: str) -> AuditProject | None:
        return next((p for p in self.projects if p.region == region and p.project == name), None)


def by_offset(call: Callable[[int], Any], items: Callable[[Any], list[Any]]) -> Iterator[Any]:
    """SLS style: call(offset) -> response with get_total(); pages (of the size `call` asks for) until total is
    reached."""
    offset = 0
    while True:
        resp = call(offset)
        batch = items(resp) or []
        yield from batch
        offset += len(batch)
        total = int(resp.get_total())
        if offset >= total:
            return
        if not batch:
            raise cut_short("the listing", offset, total)


def _logstore_names(client: Any, project: str) -> list[str]:
    return list(by_offset(lambda o: client.list_logstore(project, offset=o, size=PAGE), lambda r: r.get_logstores()))


def _logstore(client: Any, project: str, name: str) -> LogstoreInfo:
    try:
        return LogstoreInfo(name=name, ttl=int(client.get_logstore(project, name).get_ttl()))
    except log_sdk.LogException as err:
        if err.get_error_code() == "LogStoreNotExist":
            return LogstoreInfo(name=name, missing=True)
        return LogstoreInfo(name=name, error=apierrors.describe(err))
    except Exception as err:
        return LogstoreInfo(name=name, error=apierrors.describe(err))


LOGSTORES: Dataset[list[ProjectInfo]] = Dataset("sls.logstores", Scope.REGIONAL)


@collector(LOGSTORES, apis=["log:ListProject", "log:ListLogStores", "log:GetLogStore"], long=True)
def logstores(ctx: CollectContext) -> list[ProjectInfo]:
    client = ctx.factory.log(ctx.region)
    names = [p["projectName"] for p in by_offset(lambda o: client.list_project(offset=o, size=PAGE),
                                                 lambda r: r.get_projects())]

    def project(name: str) -> ProjectInfo:
        info = ProjectInfo(name=name, region=ctx.region)
        try:
            stores = _logstore_names(client, name)
        except Exception as err:
            info.error = apierrors.describe(err)
            return info
        # ListLogStores returns names only: the ttl needs GetLogStore per logstore
        info.logstores = [_logstore(client, name, s) for s in stores]
        return info

    return ctx.map(project, names)


def _alert(raw: dict[str, Any], project: str) -> AlertInfo:
    config = raw.get("configuration") or {}
    queries = [AlertQuery(project=str(q.get("project") or project), store=str(q.get("store") or ""),
                          store_type=str(q.get("storeType") or "log").lower(), query=str(q.get("query") or ""))
               for q in config.get("queryList") or [] if isinstance(q, dict)]
    template = config.get("templateConfiguration") or {}
    # `status` (ENABLED / DISABLED) is the field the API reference documents for an alert (ListAlerts, GetAlert;
    # alibabacloud_sls20201230 Alert.status, tests/fixtures/wire/sls/ListAlerts.json); the job body's `state` (as
    # aliyun-log-python-sdk creates an alert) is read only when no status is given: EnableAlert / DisableAlert keep
    # status current, whatever state the alert was created with
    state = str(raw.get("status") or raw.get("state") or "")
    return AlertInfo(name=str(raw.get("name") or ""), display_name=str(raw.get("displayName") or ""),
                     project=project, enabled=state.lower() in ("enabled", "enable"), queries=queries,
                     template_id=str(template.get("id") or ""),
                     template_tokens={str(k): str(v) for k, v in (template.get("tokens") or {}).items()},
                     muted_until=_epoch(config.get("muteUntil")))


def _epoch(value: Any) -> datetime | None:
    """Epoch seconds as a time (0 or no number: None)."""
    try:
        seconds = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc) if seconds > 0 else None
    except (OverflowError, OSError, ValueError):  # past the calendar: muted for good
        return datetime.max.replace(tzinfo=timezone.utc)


def parse_project_arn(arn: str) -> tuple[str, str, str] | None:
    """(region, account, project) of acs:log:<region>:<account>:project/<name> (the account may be empty)."""
    m = _ARN.match(arn.strip())
    return (m.group("region"), m.group("account"), m.group("project")) if m else None


def _central(ctx: CollectContext, region: str) -> tuple[CentralProject | None, str | None]:
    """The audited account's central project in the region (ListProject by name: the region's endpoint lists the
    region's projects; projectName matches part of a name, so the exact name is picked out), or why unknown. The
    answer's projects[].projectName is a string (API reference sample, tests/fixtures/wire/sls/ListProject.json)."""
    name = CENTRAL_PROJECT.format(account=ctx.account_id, region=region)
    client = ctx.factory.log(region)
    try:
        found = [p for p in by_offset(lambda o: client.list_project(offset=o, size=PAGE, project_name_pattern=name),
                                      lambda r: r.get_projects()) if p.get("projectName") == name]
    except Exception as err:
        return None, apierrors.describe(err)
    return (CentralProject(region=region, project=name) if found else None), None


def _centers(ctx: CollectContext, data: AuditData) -> None:
    found = ctx.map(lambda r: _central(ctx, r), CENTRAL_REGIONS)
    for region, (center, error) in zip(CENTRAL_REGIONS, found, strict=True):
        if error:
            data.center_errors[region] = error
        elif center:
            data.centers.append(center)


AUDIT: Dataset[AuditData] = Dataset("sls.audit", Scope.GLOBAL)


@collector(AUDIT, apis=["actiontrail:DescribeTrails", "log:ListProject", "log:ListJobs", "log:GetLogStore"],
           follows=[TRAILS])
def audit(ctx: CollectContext) -> AuditData:
    # the trails are read here too (a collector cannot see other datasets): in the same scan process, the listing
    # actiontrail.describe_trails already made is shared (ClientFactory.shared)
    data = AuditData()
    _trail_targets(ctx, data)
    _centers(ctx, data)

    def project(key: tuple[str, str]) -> AuditProject:
        region, name = key
        out = AuditProject(region=region, project=name)
        client = ctx.factory.log(region)
        try:
            out.alerts = [_alert(a, name) for a in by_offset(
                lambda o: client.list_alert(name, offset=o, size=ALERT_PAGE), lambda r: r.get_entities())]
        except Exception as err:
            out.alerts_error = apierrors.describe(err)
        stores = {t.logstore for t in data.targets if (t.region, t.project) == key}
        stores |= {c.logstore for c in data.centers if (c.region, c.project) == key}  # (its retention: CIS 2.23)
        out.logstores = [_logstore(client, name, s) for s in sorted(stores)]
        return out

    keys = {(t.region, t.project) for t in data.targets if not t.elsewhere(ctx.account_id)}
    data.projects = ctx.map(project, sorted(keys | {(c.region, c.project) for c in data.centers}))
    return data


def _trail_targets(ctx: CollectContext, data: AuditData) -> None:
    for t in describe_trails(ctx):
        if not t.sls_project_arn:
            continue
        parsed = parse_project_arn(t.sls_project_arn)
        if parsed is None:
            data.bad_arns.append(t.sls_project_arn)
            continue
        region, account, name = parsed
        if any(x.trail == t.name and (x.region, x.project) == (region, name) for x in data.targets):
            continue  # a multi-region trail is also listed as shadow trails of the other regions
        data.targets.append(TrailTarget(trail=t.name, logging=str(t.status or "").lower() == "enable",
                                        region=region, project=name, logstore=f"actiontrail_{t.name}",
                                        arn=t.sls_project_arn, account=account,
                                        trail_region=t.trail_region or "", event_rw=t.event_rw or ""))
