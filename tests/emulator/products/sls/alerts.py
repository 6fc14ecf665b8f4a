"""The alert routes: /jobs (aliyun-log-python-sdk) and /alerts of API 2020-12-30, over the same alert state.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ...call import Call
from ...errors import ApiError
from .api import _ACTION_SUFFIX, _arn, _body, _int, _page, _project, _stamp, api
from .evaluation import _targets
from .model import _SEEN, Alert, Project
from .sql import compile_condition

if TYPE_CHECKING:
    pass


# --- alerts (/jobs) ------------------------------------------------------------------------------
# The writes are named (and so recorded in ActionTrail events) as jobs: ActionTrail's "Auditable events of Log
# Service" (https://alibabacloud.com/help/en/actiontrail/product-overview/auditable-events-of-log-service) lists
# "CreateJob: A task, such as an alert or a tracking task, is created"; UpdateJob and DeleteJob as their RAM actions
# (log:UpdateJob, log:DeleteJob). Enabling and disabling keep the 2020-12-30 names (EnableAlert, DisableAlert: no
# source names a job event for ?action=enable|disable).

_SERVER_FIELDS = ("createTime", "lastModifiedTime", "status")


def _alert_from_body(call: Call, body: dict[str, Any], created: int) -> Alert:
    data = {k: v for k, v in body.items() if k not in _SERVER_FIELDS}
    if not data.get("name"):
        raise ApiError("ParameterInvalid", "the job has no name", 400)
    if data.get("type", "Alert") != "Alert":
        raise ApiError("ParameterInvalid", f"the emulator only implements Alert jobs, not {data.get('type')!r}", 400)
    config = data.get("configuration")
    if not isinstance(config, dict) or not isinstance(config.get("queryList", []), list):
        raise ApiError("ParameterInvalid", "configuration with a queryList list is required", 400)
    if data.get("state", "Enabled") not in ("Enabled", "Disabled"):
        raise ApiError("ParameterInvalid", f"invalid state {data.get('state')!r}", 400)
    for cond in _conditions(config):
        compile_condition(cond)  # reject what the evaluator could not run later
    now = _stamp(call.now())
    return Alert.model_validate({**data, "createTime": created or now, "lastModifiedTime": now})


def _conditions(config: dict[str, Any]) -> Iterator[str]:
    cc = config.get("conditionConfiguration") or {}
    yield from (cc.get("condition") or "", cc.get("countCondition") or "", config.get("condition") or "")
    for sev in config.get("severityConfigurations") or []:
        ev = sev.get("evalCondition") or {}
        yield from (ev.get("condition") or "", ev.get("countCondition") or "")


def _alert(call: Call) -> tuple[Project, Alert]:
    p = _project(call)
    name = call.path_params.get("job", "")
    alert = p.alert(name)
    if alert is None:
        raise ApiError("JobNotExist", f"job {name} does not exist", 404)
    return p, alert


def _touch_alert(call: Call, p: Project, name: str) -> None:
    call.params.update({"ProjectName": p.name, "JobName": name})
    call.touch("ACS::SLS::Project", p.name)
    call.touch("ACS::SLS::Alert", name)


def _alert_view(a: Alert) -> dict[str, Any]:
    return {**a.model_dump(), "status": "ENABLED" if a.state == "Enabled" else "DISABLED"}


@api.route("POST", "/project/jobs", name="CreateJob", ram_action="log:CreateJob", resource=_arn("/job/{body_job}"),
           write=True)
def create_alert(call: Call) -> None:
    p = _project(call)
    alert = _alert_from_body(call, _body(call), 0)
    if p.alert(alert.name):
        raise ApiError("JobAlreadyExist", f"job {alert.name} already exists", 400)
    p.alerts.append(alert)
    _touch_alert(call, p, alert.name)


@api.route("GET", "/project/jobs", name="ListAlerts", ram_action="log:ListJobs", resource=_arn("/job/*"))
def list_alerts(call: Call) -> dict[str, Any]:
    p = _project(call)
    q = dict(call.req.query)
    if q.get("jobType", "Alert") != "Alert":
        items: list[Alert] = []
    else:
        items = [a for a in p.alerts if q.get("displayName", "") in a.displayName]
    # the same limit as /alerts (aliyun-log-python-sdk list_alert: "size ... Maximum value: 200",
    # https://www.alibabacloud.com/help/en/sls/developer-reference/list-alert)
    if _int(q.get("size"), "size", 0) > _ALERTS_MAX_SIZE:
        raise ApiError("ParameterInvalid", f"size must be between 0 and {_ALERTS_MAX_SIZE}: size={q.get('size')}",
                       400)
    page, total = _page(items, call)
    return {"count": len(page), "total": total, "results": [_alert_view(a) for a in page]}


@api.route("PUT", "/project/jobs/{job}" + _ACTION_SUFFIX + "enable", name="EnableAlert", ram_action="log:UpdateJob",
           resource=_arn("/job/{job}"), write=True)
def enable_alert(call: Call) -> None:
    p, alert = _alert(call)
    alert.state, alert.lastModifiedTime = "Enabled", _stamp(call.now())
    _touch_alert(call, p, alert.name)


@api.route("PUT", "/project/jobs/{job}" + _ACTION_SUFFIX + "disable", name="DisableAlert",
           ram_action="log:UpdateJob", resource=_arn("/job/{job}"), write=True)
def disable_alert(call: Call) -> None:
    p, alert = _alert(call)
    alert.state, alert.lastModifiedTime = "Disabled", _stamp(call.now())
    _touch_alert(call, p, alert.name)


@api.route("GET", "/project/jobs/{job}", name="GetAlert", ram_action="log:GetJob", resource=_arn("/job/{job}"))
def get_alert(call: Call) -> dict[str, Any]:
    return _alert_view(_alert(call)[1])


@api.route("PUT", "/project/jobs/{job}", name="UpdateJob", ram_action="log:UpdateJob", resource=_arn("/job/{job}"),
           write=True)
def update_alert(call: Call) -> None:
    p, old = _alert(call)
    body = _body(call)
    if body.get("name", old.name) != old.name:
        raise ApiError("ParameterInvalid", "the job name in the body does not match the path", 400)
    new = _alert_from_body(call, {**body, "name": old.name}, old.createTime)
    p.alerts[p.alerts.index(old)] = new
    _touch_alert(call, p, old.name)


@api.route("DELETE", "/project/jobs/{job}", name="DeleteJob", ram_action="log:DeleteJob",
           resource=_arn("/job/{job}"), write=True)
def delete_alert(call: Call) -> None:
    p, alert = _alert(call)
    p.alerts.remove(alert)
    seen = call.world.extras.get(_SEEN, {})
    for key in [k for k in seen if k[:2] == (p.name, alert.name)]:
        del seen[key]
    _touch_alert(call, p, alert.name)


# --- alerts, API 2020-12-30 (/alerts): the same alert state as /jobs ----------------------------
# Sources: the official SDK alibabacloud_sls20201230 5.15.1 (client.list_alerts_with_options: GET /alerts with
# query logstore/offset/size; get_alert_with_options: GET /alerts/{alertName}; models ListAlertsRequest,
# ListAlertsResponseBody, Alert, AlertConfiguration, AlertQuery, Schedule) and the Go SDK aliyun/alibabacloud-go-sdk
# sls-20201230/client/client.go (same structs, with `example:` values), and the API reference pages
# api-sls-2020-12-30-listalerts / -getalert (RAM actions log:ListAlerts, log:GetAlert on all resources).
# The op names carry the version so that call counts, rate limits and recorded answers keep the /jobs calls
# (which aliyun-log-python-sdk makes, as ListAlerts/GetAlert) apart from these.

# ListAlertsRequest.size: "The maximum value is 200. The default value is 10." (SDK doc comment)
_ALERTS_DEFAULT_SIZE, _ALERTS_MAX_SIZE = 10, 200


def _alert_query_view(p: Project, query: dict[str, Any]) -> dict[str, Any]:
    """AlertQuery: every field a str (SDK declares str for all; Go examples storeType "log", timeSpanType
    "Relative", start "-5m", end "now", region "cn-hangzhou"). The documented required ones the scenario left out
    get the values the alert is evaluated with here (the alert's own project and region, a log store, -15m..now)."""
    out = dict(query)
    for key, default in (("storeType", "log"), ("project", p.name), ("region", p.region), ("store", ""),
                         ("query", "*"), ("timeSpanType", "Relative"), ("start", "-15m"), ("end", "now")):
        out.setdefault(key, default)
    return out


def _alert_configuration_view(p: Project, config: dict[str, Any]) -> dict[str, Any]:
    """AlertConfiguration (SDK models/_alert_configuration.py): the stored configuration with the documented
    required fields filled when the scenario omitted them, each of the SDK's declared type: version str "2.0",
    type str "default", threshold int 1, noDataFire bool, noDataSeverity int 6, sendResolved bool, autoAnnotation
    bool (Go examples "2.0", "default", 1, false, 6, false, false), groupConfiguration {type: str, fields: [str]}
    (no_group when absent), severityConfigurations and queryList lists."""
    out = dict(config)
    for key, default in (("version", "2.0"), ("type", "default"), ("threshold", 1), ("noDataFire", False),
                         ("noDataSeverity", 6), ("sendResolved", False), ("autoAnnotation", False)):
        out.setdefault(key, default)
    out.setdefault("groupConfiguration", {"type": "no_group", "fields": []})
    out.setdefault("severityConfigurations", [])
    out["queryList"] = [_alert_query_view(p, q) for q in config.get("queryList") or [] if isinstance(q, dict)]
    return out


def _schedule_view(schedule: dict[str, Any]) -> dict[str, Any]:
    """Schedule (SDK models/_schedule.py): type str (required), interval str, cronExpression str, delay int,
    runImmediately bool, timeZone str. The defaults are those of the API reference's ListAlert sample answer
    (help page sls/developer-reference/list-alert: delay 0, runImmediately False, timeZone '')."""
    return {"type": "FixedRate", "delay": 0, "runImmediately": False, "timeZone": "", **schedule}


def _alert_2020_view(p: Project, a: Alert) -> dict[str, Any]:
    """Alert (SDK models/_alert.py; Go SDK `type Alert`): exactly its documented fields. name, displayName,
    description: str; createTime, lastModifiedTime: int epoch seconds (Go *int64, examples 1695090077 and
    1714274900); status: str, ENABLED or DISABLED (Go example "ENABLED/DISABLED"); configuration, schedule: objects.
    The /jobs view also carries `state` and `type`; the 2020-12-30 Alert model has neither."""
    return {"name": a.name, "displayName": a.displayName, "description": a.description,
            "configuration": _alert_configuration_view(p, a.configuration), "schedule": _schedule_view(a.schedule),
            "createTime": a.createTime, "lastModifiedTime": a.lastModifiedTime,
            "status": "ENABLED" if a.state == "Enabled" else "DISABLED"}


@api.route("GET", "/project/alerts", name="ListAlerts2020", ram_action="log:ListAlerts")
def list_alerts_2020(call: Call) -> dict[str, Any]:
    """ListAlertsResponseBody {count: int, total: int, results: [Alert]} (SDK models/_list_alerts_response_body.py,
    Go examples count 10, total 80): `logstore` keeps the alerts one of whose queries reads that logstore."""
    p = _project(call)
    q = dict(call.req.query)
    offset = _int(q.get("offset"), "offset", 0)
    size = _int(q.get("size"), "size", _ALERTS_DEFAULT_SIZE)
    if offset < 0 or not 0 <= size <= _ALERTS_MAX_SIZE:
        raise ApiError("ParameterInvalid", f"offset must not be negative and size must be between 0 and "
                                           f"{_ALERTS_MAX_SIZE}: offset={offset} size={size}", 400)
    logstore = q.get("logstore", "")
    items = [a for a in p.alerts if not logstore or any(store == logstore for _, store in _targets(p, a))]
    page = items[offset:offset + size]
    return {"count": len(page), "total": len(items), "results": [_alert_2020_view(p, a) for a in page]}


@api.route("GET", "/project/alerts/{job}", name="GetAlert2020", ram_action="log:GetAlert")
def get_alert_2020(call: Call) -> dict[str, Any]:
    """The Alert itself is the body (SDK GetAlertResponse.body: Alert); a missing one is JobNotExist (404), as
    for /jobs."""
    p, alert = _alert(call)
    return _alert_2020_view(p, alert)
