"""Log Service (SLS) as aliyun-log-python-sdk sees it: projects, logstores, indexes, PutLogs (protobuf,
lz4/zstd/deflate), GetLogs with a search + SQL subset, and alert jobs (/jobs) that fire on ingested logs.

Ingested logs and fired alerts are runtime data kept in ``world.extras`` (see ``_LOGS`` and friends);
the admin routes under /_emulator/sls/ expose them.
"""

from __future__ import annotations

import fnmatch
import json
import re
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict, Field

from .. import admin
from ..call import Call
from ..clock import iso
from ..errors import ApiError
from ..rest import RestApi
from ..routing import _SLS, sls_project_from_host
from ..wire import Request, Response

if TYPE_CHECKING:
    from ..app import Emulator
    from ..state import Account, World

# world.extras keys (runtime data, reset with the scenario)
_LOGS = "sls.logs"  # {(project, logstore): [log dict as GetLogs returns it]}
_FIRED = "sls.alerts.fired"  # [fired alert record]
_ERRORS = "sls.alerts.errors"  # [alert evaluation error]
_SEEN = "sls.alerts.seen"  # {(project, alert, query project, logstore): logs already evaluated}


# --- state ---------------------------------------------------------------------------------------

class Logstore(BaseModel):
    """A logstore; its index is the JSON the SDK sends to CreateIndex (None = no index)."""

    name: str  # 3-63 characters: a-z, 0-9, '-' and '_'
    ttl: int = 30  # days logs are kept (3650 = forever)
    shard_count: int = 2
    enable_tracking: bool = False  # WebTracking (anonymous writes from browsers)
    append_meta: bool = False  # add the client IP and receive time to every log
    auto_split: bool = True  # shards split automatically under load
    max_split_shard: int = 64  # upper bound for auto_split
    telemetry_type: str = "None"  # None (logs) | Metrics (GetLogStore telemetryType, OpenMeta sls 2020-12-30)
    mode: str = "standard"  # standard | query
    hot_ttl: int | None = None  # days in hot storage (None = all of ttl)
    encrypt_conf: dict[str, Any] | None = None  # server-side encryption settings as the SDK sends them
    created: datetime = datetime(2024, 1, 1)
    updated: datetime | None = None  # last UpdateLogStore / index change
    index: dict[str, Any] | None = None  # {"line": {...}, "keys": {"status": {"type": "text", "doc_value": true}}}


class Alert(BaseModel):
    """An alert job exactly as the SDK sends it to POST /jobs (alert 2.0 JSON); unknown keys are kept."""

    model_config = ConfigDict(extra="allow")

    name: str  # the job name (unique in the project)
    displayName: str = ""  # the wire names are camelCase
    description: str = ""
    type: str = "Alert"  # the only job type the emulator implements
    state: str = "Enabled"  # Enabled | Disabled (only enabled alerts are evaluated)
    # when the cloud would run it; the emulator evaluates on PutLogs and on /_emulator/sls/alerts/evaluate
    schedule: dict[str, Any] = Field(default_factory=lambda: {"type": "FixedRate", "interval": "15m"})
    configuration: dict[str, Any] = Field(default_factory=dict)  # queryList, conditions, annotations...
    createTime: int = 1704067200  # epoch seconds, as the cloud reports it
    lastModifiedTime: int = 1704067200  # epoch seconds


class Project(BaseModel):
    """A project: the Host <name>.<region>.log.aliyuncs.com addresses it (names are unique across accounts)."""

    name: str  # 3-63 characters: a-z, 0-9 and '-'
    region: str = "cn-hangzhou"  # only that region's endpoint finds it
    description: str = ""
    resource_group_id: str = ""
    data_redundancy_type: str = "LRS"  # LRS | ZRS
    status: str = "Normal"
    created: datetime = datetime(2024, 1, 1)
    updated: datetime | None = None  # last UpdateProject
    logstores: list[Logstore] = Field(default_factory=list)
    alerts: list[Alert] = Field(default_factory=list)  # alert jobs (/jobs)

    def logstore(self, name: str) -> Logstore | None:
        return next((ls for ls in self.logstores if ls.name == name), None)

    def alert(self, name: str) -> Alert | None:
        return next((a for a in self.alerts if a.name == name), None)


class SlsState(BaseModel):
    """Log Service of one account. Ingested logs and fired alerts are runtime data (see the admin routes)."""

    projects: list[Project] = Field(default_factory=list)
    # GetLogs and alert queries need an index like the cloud: none -> IndexConfigNotExist; `key: value` needs a
    # field index on key, full-text terms the line index, SQL columns a field index with analytics (doc_value)
    strict_index: bool = True

    def project(self, name: str) -> Project | None:
        return next((p for p in self.projects if p.name == name), None)


# --- routing helpers -----------------------------------------------------------------------------

_ACTION_SUFFIX = "/@"  # PUT /jobs/<name>?action=enable resolves as /jobs/<name>/@enable (names never hold '@')


def _path_of(call: Call) -> str:
    """The decoded path, prefixed with /project when the Host names a project (project APIs share paths
    like '/' with account-level ones); also fills the call's region from the project when the host has none."""
    project = sls_project_from_host(call.req.host)
    path = unquote(call.req.raw_path) or "/"
    if not call.region and project:
        with call.world.lock:
            found = _find_project_anywhere(call.world, project)
        if found:
            call.region = found[1].region
    action = dict(call.req.query).get("action", "")
    if call.req.method == "PUT" and action and path.startswith("/jobs/"):
        path += _ACTION_SUFFIX + action
    return f"/project{path}" if project else path


def _not_found(call: Call) -> ApiError:
    return ApiError("ParameterInvalid", f"the emulator does not implement {call.req.method} {call.req.raw_path} "
                                        f"(host {call.req.host})", 404)


class _SlsApi(RestApi):
    def respond(self, call: Call, result: Any) -> Response:
        resp = super().respond(call, result)
        resp.headers.setdefault("x-log-requestid", call.req.request_id)
        return resp


api = _SlsApi("sls", "sls", "log", path_of=_path_of, not_found=_not_found)


def _find_project_anywhere(world: World, name: str) -> tuple[Account, Project] | None:
    """Project names are unique across all accounts, as in the cloud."""
    for account in world.scenario.accounts:
        p = account.sls.project(name)
        if p:
            return account, p
    return None


def _host_project_name(call: Call) -> str:
    return sls_project_from_host(call.req.host) or ""


def _host_region(call: Call) -> str:
    m = _SLS.match(call.req.host)
    return m.group("region") if m else ""


def _project(call: Call) -> Project:
    name = _host_project_name(call)
    p = call.acct.sls.project(name)
    region = _host_region(call)
    if p is None or (region and p.region != region):  # a project lives in one region's endpoint only
        raise ApiError("ProjectNotExist", f"The Project does not exist : {name}", 404)
    return p


def _logstore(call: Call, project: Project | None = None) -> tuple[Project, Logstore]:
    p = project or _project(call)
    name = call.path_params.get("logstore", "")
    ls = p.logstore(name)
    if ls is None:
        raise ApiError("LogStoreNotExist", f"logstore {name} does not exist", 404)
    return p, ls


def _arn(suffix: str = "") -> Callable[[Call], str]:
    """Resource ARN acs:log:<region>:<account>:project/<p><suffix>; suffix may use {logstore}/{job}/{body}."""

    def build(call: Call) -> str:
        account = call.account.id if call.account else "*"
        parts = {"logstore": call.path_params.get("logstore", ""), "job": call.path_params.get("job", "")}
        if "{body_logstore}" in suffix or "{body_job}" in suffix:
            body = _safe_json(call.req.body)
            parts["body_logstore"] = str(body.get("logstoreName", "*"))
            parts["body_job"] = str(body.get("name", "*"))
        project = _host_project_name(call) or "*"
        return f"acs:log:{call.region or '*'}:{account}:project/{project}{suffix.format(**parts)}"

    return build


def _safe_json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _body(call: Call) -> dict[str, Any]:
    try:
        data = json.loads(call.req.body or b"{}")
    except (ValueError, UnicodeDecodeError) as err:
        raise ApiError("PostBodyInvalid", f"the request body is not valid JSON: {err}", 400) from err
    if not isinstance(data, dict):
        raise ApiError("PostBodyInvalid", "the request body must be a JSON object", 400)
    return data


def _int(value: Any, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as err:
        raise ApiError("ParameterInvalid", f"{name} must be an integer: {value!r}", 400) from err


def _page(items: list[Any], call: Call, default_size: int = 100) -> tuple[list[Any], int]:
    q = dict(call.req.query)
    offset = _int(q.get("offset"), "offset", 0)
    size = _int(q.get("size"), "size", default_size)
    if offset < 0 or size < 0:
        raise ApiError("ParameterInvalid", "offset and size must not be negative", 400)
    return items[offset:offset + size], len(items)


def _stamp(dt: datetime | None) -> int:
    return int(dt.timestamp()) if dt else 0


def _logs(world: World) -> dict[tuple[str, str], list[dict[str, str]]]:
    return world.extras.setdefault(_LOGS, {})


_PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
_STORE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$")


# --- projects ------------------------------------------------------------------------------------

def _project_view(p: Project, account: Account) -> dict[str, Any]:
    created = p.created.strftime("%Y-%m-%d %H:%M:%S")
    return {"projectName": p.name, "description": p.description, "region": p.region, "owner": account.id,
            "status": p.status, "createTime": created,
            "lastModifyTime": (p.updated or p.created).strftime("%Y-%m-%d %H:%M:%S"),
            "resourceGroupId": p.resource_group_id, "dataRedundancyType": p.data_redundancy_type}


@api.route("GET", "/", name="ListProject", resource=lambda c: f"acs:log:{c.region or '*'}:{c.acct.id}:project/*")
def list_project(call: Call) -> dict[str, Any]:
    q = dict(call.req.query)
    region = _host_region(call)
    pattern, desc = q.get("projectName", ""), q.get("description", "")
    rg = q.get("resourceGroupId", "")
    items = [p for p in call.acct.sls.projects if (not region or p.region == region)
             and pattern in p.name and desc in p.description and (not rg or p.resource_group_id == rg)]
    page, total = _page(items, call, 500)
    return {"count": len(page), "total": total, "projects": [_project_view(p, call.acct) for p in page]}


@api.route("POST", "/project/", name="CreateProject", resource=_arn(), write=True)
def create_project(call: Call) -> None:
    name = _host_project_name(call)
    body = _body(call)
    if body.get("projectName", name) != name:
        raise ApiError("ParameterInvalid", "projectName in the body does not match the host", 400)
    if not _PROJECT_NAME.match(name):
        raise ApiError("ParameterInvalid", f"invalid project name: {name}", 400)
    if _find_project_anywhere(call.world, name):
        raise ApiError("ProjectAlreadyExist", f"Project {name} already exist", 400)
    project = Project(name=name, region=_host_region(call) or call.region or "cn-hangzhou",
                      description=str(body.get("description") or ""),
                      resource_group_id=str(body.get("resourceGroupId") or ""),
                      data_redundancy_type=str(body.get("dataRedundancyType") or "LRS"), created=call.now())
    call.acct.sls.projects.append(project)
    call.params["ProjectName"] = name
    call.touch("ACS::SLS::Project", name)


@api.route("GET", "/project/", name="GetProject", resource=_arn())
def get_project(call: Call) -> dict[str, Any]:
    return _project_view(_project(call), call.acct)


@api.route("PUT", "/project/", name="UpdateProject", resource=_arn(), write=True)
def update_project(call: Call) -> None:
    p = _project(call)
    p.description = str(_body(call).get("description", p.description))
    p.updated = call.now()
    call.params["ProjectName"] = p.name
    call.touch("ACS::SLS::Project", p.name)


@api.route("DELETE", "/project/", name="DeleteProject", resource=_arn(), write=True)
def delete_project(call: Call) -> None:
    p = _project(call)
    call.acct.sls.projects.remove(p)
    for key in [k for k in _logs(call.world) if k[0] == p.name]:
        del _logs(call.world)[key]
    call.params["ProjectName"] = p.name
    call.touch("ACS::SLS::Project", p.name)


# --- logstores -----------------------------------------------------------------------------------

def _logstore_view(ls: Logstore) -> dict[str, Any]:
    out: dict[str, Any] = {"logstoreName": ls.name, "ttl": ls.ttl, "shardCount": ls.shard_count,
                           "enable_tracking": ls.enable_tracking, "autoSplit": ls.auto_split,
                           "maxSplitShard": ls.max_split_shard, "appendMeta": ls.append_meta,
                           "telemetryType": ls.telemetry_type, "mode": ls.mode, "createTime": _stamp(ls.created),
                           "lastModifyTime": _stamp(ls.updated or ls.created), "productType": ""}
    if ls.hot_ttl is not None:
        out["hot_ttl"] = ls.hot_ttl
    if ls.encrypt_conf is not None:
        out["encrypt_conf"] = ls.encrypt_conf
    return out


def _apply_logstore_body(ls: Logstore, body: dict[str, Any]) -> None:
    ls.ttl = _int(body.get("ttl"), "ttl", ls.ttl)
    ls.shard_count = _int(body.get("shardCount"), "shardCount", ls.shard_count)
    ls.max_split_shard = _int(body.get("maxSplitShard"), "maxSplitShard", ls.max_split_shard)
    for key, attr in (("enable_tracking", "enable_tracking"), ("appendMeta", "append_meta"),
                      ("autoSplit", "auto_split")):
        if key in body and body[key] is not None:
            setattr(ls, attr, bool(body[key]))
    if body.get("telemetryType") is not None:
        ls.telemetry_type = str(body["telemetryType"])
    if body.get("mode"):
        ls.mode = str(body["mode"])
    if "hot_ttl" in body:
        ls.hot_ttl = _int(body["hot_ttl"], "hot_ttl", -1)
    if body.get("encrypt_conf") is not None:
        ls.encrypt_conf = body["encrypt_conf"]
    if not 1 <= ls.ttl <= 3650:
        raise ApiError("ParameterInvalid", f"ttl must be between 1 and 3650: {ls.ttl}", 400)
    if not 1 <= ls.shard_count <= 256:
        raise ApiError("ParameterInvalid", f"shardCount must be between 1 and 256: {ls.shard_count}", 400)


@api.route("POST", "/project/logstores", name="CreateLogStore", resource=_arn("/logstore/{body_logstore}"),
           write=True)
def create_logstore(call: Call) -> None:
    p = _project(call)
    body = _body(call)
    name = str(body.get("logstoreName") or "")
    if not _STORE_NAME.match(name):
        raise ApiError("ParameterInvalid", f"invalid logstore name: {name!r}", 400)
    if p.logstore(name):
        raise ApiError("LogStoreAlreadyExist", f"logstore {name} already exists", 400)
    ls = Logstore(name=name, created=call.now())
    _apply_logstore_body(ls, body)
    p.logstores.append(ls)
    _logs(call.world)[(p.name, name)] = []
    call.params.update({"ProjectName": p.name, "LogstoreName": name})
    call.touch("ACS::SLS::Project", p.name)
    call.touch("ACS::SLS::LogStore", name)


@api.route("GET", "/project/logstores", name="ListLogStores", resource=_arn("/logstore/*"))
def list_logstores(call: Call) -> dict[str, Any]:
    p = _project(call)
    pattern = dict(call.req.query).get("logstoreName", "")
    names = [ls.name for ls in p.logstores if pattern in ls.name]
    page, total = _page(names, call, 500)
    return {"count": len(page), "total": total, "logstores": page}


@api.route("GET", "/project/logstores/{logstore}", name="GetLogs", query="type",
           ram_action="log:GetLogStoreLogs", resource=_arn("/logstore/{logstore}"))
def get_logs_v1(call: Call) -> Response:
    """The legacy GET /logstores/<ls>?type=log: a JSON list, the meta in x-log-* headers."""
    q = dict(call.req.query)
    if q.get("type") != "log":
        raise ApiError("ParameterInvalid", f"the emulator supports only type=log, not {q.get('type')!r}", 400)
    params = {"from": q.get("from"), "to": q.get("to"), "line": q.get("line"), "offset": q.get("offset"),
              "query": q.get("query", ""), "topic": q.get("topic", ""),
              "reverse": q.get("reverse", "false").lower() == "true"}
    result = _run_get_logs(call, params)
    meta = result["meta"]
    headers = {"x-log-progress": meta["progress"], "x-log-count": str(meta["count"]),
               "x-log-processed-rows": str(meta["processedRows"]), "x-log-elapsed-millisecond": "1",
               "x-log-has-sql": "true" if meta["hasSQL"] else "false", "x-log-where-query": meta["whereQuery"],
               "x-log-agg-query": meta["aggQuery"]}
    return Response.json(result["data"], 200, headers)


@api.route("GET", "/project/logstores/{logstore}", name="GetLogStore", resource=_arn("/logstore/{logstore}"))
def get_logstore(call: Call) -> dict[str, Any]:
    return _logstore_view(_logstore(call)[1])


@api.route("PUT", "/project/logstores/{logstore}", name="UpdateLogStore", resource=_arn("/logstore/{logstore}"),
           write=True)
def update_logstore(call: Call) -> None:
    p, ls = _logstore(call)
    body = _body(call)
    if body.get("logstoreName", ls.name) != ls.name:
        raise ApiError("ParameterInvalid", "logstoreName in the body does not match the path", 400)
    updated = ls.model_copy(deep=True)
    _apply_logstore_body(updated, body)
    updated.updated = call.now()
    p.logstores[p.logstores.index(ls)] = updated
    call.params.update({"ProjectName": p.name, "LogstoreName": ls.name})
    call.touch("ACS::SLS::Project", p.name)
    call.touch("ACS::SLS::LogStore", ls.name)


@api.route("DELETE", "/project/logstores/{logstore}", name="DeleteLogStore", resource=_arn("/logstore/{logstore}"),
           write=True)
def delete_logstore(call: Call) -> None:
    p, ls = _logstore(call)
    p.logstores.remove(ls)
    _logs(call.world).pop((p.name, ls.name), None)
    seen = call.world.extras.get(_SEEN, {})
    for key in [k for k in seen if k[2:] == (p.name, ls.name)]:
        del seen[key]
    call.params.update({"ProjectName": p.name, "LogstoreName": ls.name})
    call.touch("ACS::SLS::Project", p.name)
    call.touch("ACS::SLS::LogStore", ls.name)


# --- indexes -------------------------------------------------------------------------------------

def _index_body(call: Call) -> dict[str, Any]:
    body = _body(call)
    if not body.get("line") and not body.get("keys"):
        raise ApiError("ParameterInvalid", "an index needs a line config or key configs", 400)
    for key, cfg in (body.get("keys") or {}).items():
        if not isinstance(cfg, dict) or cfg.get("type", "text") not in ("text", "long", "double", "json"):
            raise ApiError("ParameterInvalid", f"invalid index config for key {key!r}", 400)
    return body


def _touch_index(call: Call, p: Project, ls: Logstore) -> None:
    call.params.update({"ProjectName": p.name, "LogstoreName": ls.name})
    call.touch("ACS::SLS::Project", p.name)
    call.touch("ACS::SLS::LogStore", ls.name)


def _no_index(ls: Logstore) -> ApiError:
    return ApiError("IndexConfigNotExist", f"index config doesn't exist: {ls.name}", 404)


@api.route("POST", "/project/logstores/{logstore}/index", name="CreateIndex", resource=_arn("/logstore/{logstore}"),
           write=True)
def create_index(call: Call) -> None:
    p, ls = _logstore(call)
    if ls.index is not None:
        raise ApiError("IndexAlreadyExist", f"log store index is already created: {ls.name}", 400)
    ls.index = _index_body(call)
    ls.updated = call.now()
    _touch_index(call, p, ls)


@api.route("GET", "/project/logstores/{logstore}/index", name="GetIndex", resource=_arn("/logstore/{logstore}"))
def get_index(call: Call) -> dict[str, Any]:
    _, ls = _logstore(call)
    if ls.index is None:
        raise _no_index(ls)
    return {**ls.index, "ttl": ls.ttl, "lastModifyTime": _stamp(ls.updated or ls.created), "index_mode": "v2",
            "storage": "pg"}


@api.route("PUT", "/project/logstores/{logstore}/index", name="UpdateIndex", resource=_arn("/logstore/{logstore}"),
           write=True)
def update_index(call: Call) -> None:
    p, ls = _logstore(call)
    if ls.index is None:
        raise _no_index(ls)
    ls.index = _index_body(call)
    ls.updated = call.now()
    _touch_index(call, p, ls)


@api.route("DELETE", "/project/logstores/{logstore}/index", name="DeleteIndex",
           resource=_arn("/logstore/{logstore}"), write=True)
def delete_index(call: Call) -> None:
    p, ls = _logstore(call)
    if ls.index is None:
        raise _no_index(ls)
    ls.index = None
    _touch_index(call, p, ls)


# --- PutLogs: decompression and a minimal protobuf decoder ---------------------------------------

def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _pb_fields(buf: bytes) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value) of one protobuf message: ints for varint/fixed, bytes for length-delimited."""
    pos, n = 0, len(buf)
    while pos < n:
        key = buf[pos]  # (one-byte varints inline: keys and short lengths always are)
        key, pos = (key, pos + 1) if key < 0x80 else _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if field == 0:
            raise ValueError("field number 0")
        if wire == 0:
            value, pos = _varint(buf, pos)
            yield field, value
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            if pos + size > n:
                raise ValueError("truncated fixed field")
            yield field, int.from_bytes(buf[pos:pos + size], "little")
            pos += size
        elif wire == 2:
            size = buf[pos] if pos < n else 0x80
            size, pos = (size, pos + 1) if size < 0x80 else _varint(buf, pos)
            if pos + size > n:
                raise ValueError("truncated length-delimited field")
            yield field, buf[pos:pos + size]
            pos += size
        else:
            raise ValueError(f"unsupported wire type {wire}")


def _text(value: int | bytes) -> str:
    if not isinstance(value, bytes):
        raise ValueError("expected a string field")
    return value.decode("utf-8", errors="replace")


def _pair(buf: int | bytes) -> tuple[str, str]:
    """Log.Content / LogTag: Key = 1, Value = 2 (both required)."""
    if not isinstance(buf, bytes):
        raise ValueError("expected a message")
    # the usual encoding first (a short Key, then the Value, nothing else): a large run sends millions
    if len(buf) > 3 and buf[0] == 0x0A and buf[1] < 0x80 and len(buf) > 2 + buf[1] and buf[2 + buf[1]] == 0x12:
        key_end = 2 + buf[1]
        size, start = _varint(buf, key_end + 1)
        if start + size == len(buf):
            return buf[2:key_end].decode("utf-8", errors="replace"), buf[start:].decode("utf-8", errors="replace")
    fields = dict(_pb_fields(buf))
    if 1 not in fields or 2 not in fields:
        raise ValueError("key/value pair without Key or Value")
    return _text(fields[1]), _text(fields[2])


def decode_log_group(buf: bytes) -> dict[str, Any]:
    """LogGroup {Logs = 1, Reserved = 2, Topic = 3, Source = 4, MachineUUID = 5, LogTags = 6};
    Log {Time = 1, Contents = 2, Time_ns = 4}."""
    group: dict[str, Any] = {"logs": [], "topic": "", "source": "", "tags": []}
    for field, value in _pb_fields(buf):
        if field == 1:
            if not isinstance(value, bytes):
                raise ValueError("Log is not a message")
            log: dict[str, Any] = {"time": None, "contents": []}
            for f, v in _pb_fields(value):
                if f == 1 and isinstance(v, int):
                    log["time"] = v
                elif f == 2:
                    log["contents"].append(_pair(v))
            if log["time"] is None:
                raise ValueError("Log without Time")
            group["logs"].append(log)
        elif field == 3:
            group["topic"] = _text(value)
        elif field == 4:
            group["source"] = _text(value)
        elif field == 6:
            group["tags"].append(_pair(value))
    return group


def _decompress(call: Call) -> bytes:
    req = call.req
    kind = req.header("x-log-compresstype").lower()
    raw = req.header("x-log-bodyrawsize")
    try:
        size = int(raw) if raw else None
        if kind == "lz4":
            import lz4.block

            if size is None:
                raise ValueError("x-log-bodyrawsize is required with lz4")
            data = lz4.block.decompress(req.body, uncompressed_size=size)
        elif kind == "zstd":
            import zstd

            data = zstd.decompress(req.body)
        elif kind in ("deflate", "gzip"):
            data = zlib.decompress(req.body, 47 if kind == "gzip" else 15)
        elif kind == "":
            data = req.body
        else:
            raise ApiError("PostBodyInvalid", f"unsupported x-log-compresstype: {kind}", 400)
    except ApiError:
        raise
    except Exception as err:  # lz4/zstd/zlib raise their own error types
        raise ApiError("PostBodyUncompressError", f"failed to decompress the {kind or 'raw'} body: {err}",
                       400) from err
    if size is not None and len(data) != size:
        raise ApiError("PostBodyInvalid", f"decompressed size {len(data)} does not match x-log-bodyrawsize {size}",
                       400)
    return data


def _put_logs(call: Call) -> None:
    p, ls = _logstore(call)
    data = _decompress(call)
    if not data:
        raise ApiError("PostBodyInvalid", "the log group is empty", 400)
    try:
        group = decode_log_group(data)
    except ValueError as err:
        raise ApiError("PostBodyInvalid", f"the body is not a protobuf LogGroup: {err}", 400) from err
    stored = _logs(call.world).setdefault((p.name, ls.name), [])
    for log in group["logs"]:
        record = {"__time__": str(log["time"]), "__source__": group["source"], "__topic__": group["topic"]}
        record.update({f"__tag__:{k}": v for k, v in group["tags"]})
        record.update(dict(log["contents"]))
        stored.append(record)
    evaluate_alerts(call.world, call.acct, trigger="PutLogs", target=(p.name, ls.name))


for _path in ("/project/logstores/{logstore}/shards/lb", "/project/logstores/{logstore}/shards/route"):
    api.route("POST", _path, name="PutLogs", ram_action="log:PostLogStoreLogs",
              resource=_arn("/logstore/{logstore}"))(_put_logs)


# --- GetLogs: search syntax ----------------------------------------------------------------------

_DEFAULT_TOKENS = set(", '\";=()[]{}?@&<>/:\n\t\r")
_SYSTEM_FIELDS = ("__time__", "__source__", "__topic__")
Row = dict[str, Any]
Predicate = Callable[[Row], bool]


def _is_system(key: str) -> bool:
    return key in _SYSTEM_FIELDS or key.startswith("__tag__:")


class _Index:
    """What a logstore's index config allows and how it splits values into tokens."""

    def __init__(self, config: dict[str, Any] | None, strict: bool) -> None:
        self.config = config or {}
        self.present = config is not None
        self.strict = strict
        self.keys: dict[str, Any] = self.config.get("keys") or {}
        self.line: dict[str, Any] | None = self.config.get("line")

    def _tokenizer(self, key: str | None) -> tuple[set[str], bool]:
        cfg = self.keys.get(key) if key else self.line
        if not cfg:
            return _DEFAULT_TOKENS, False
        return set("".join(cfg.get("token") or [])), bool(cfg.get("caseSensitive"))

    def tokens(self, key: str | None, value: str) -> list[str]:
        delims, case = self._tokenizer(key)
        if not case:
            value = value.lower()
        if not delims:
            return [value] if value else []
        return [t for t in re.split("[" + re.escape("".join(sorted(delims))) + "]", value) if t]

    def numeric(self, key: str) -> bool:
        return (self.keys.get(key) or {}).get("type") in ("long", "double")

    def check_key(self, key: str) -> None:
        if self.strict and not _is_system(key) and key not in self.keys:
            raise ApiError("ParameterInvalid", f"key ({key}) is not config as key value config,if symbol : is  in "
                                               "your log,please wrap : with quotation mark \"", 400)

    def check_line(self) -> None:
        if self.strict and self.line is None:
            raise ApiError("ParameterInvalid", "full-text search needs the line (full text) index", 400)

    def check_column(self, column: str) -> None:
        if not self.strict or _is_system(column):
            return
        if not (self.keys.get(column) or {}).get("doc_value"):
            raise ApiError("ParameterInvalid", f"Column '{column}' cannot be resolved; add it to the field index "
                                               "with analytics (doc_value) enabled", 400)


_SEARCH_TOKEN = re.compile(r'\s*(?:(?P<q>"(?:[^"\\]|\\.)*")|(?P<p>[()])|(?P<w>[^\s()"]+))')


def _search_tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _SEARCH_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise ApiError("ParameterInvalid", f"cannot parse the query near {text[pos:pos + 20]!r}", 400)
        pos = m.end()
        if m.group("q") is not None:
            out.append(("quoted", m.group("q")[1:-1].replace('\\"', '"')))
        elif m.group("p"):
            out.append(("paren", m.group("p")))
        elif m.group("w"):
            out.append(("word", m.group("w")))
    return out


_COMPARE = re.compile(r"^(?P<key>[^\s:<>=]+)\s*(?P<op>>=|<=|>|<|=)\s*(?P<value>.*)$")


class _SearchParser:
    """`*`, `key: value`, `key: val*`, `key: "a phrase"`, full-text words, `key > 5` style comparisons,
    joined by and/or/not (any case; adjacency means and) with parentheses."""

    def __init__(self, text: str, index: _Index) -> None:
        self.toks = _search_tokens(text)
        self.pos = 0
        self.index = index

    def parse(self) -> Predicate:
        if not self.toks:
            return lambda row: True
        pred = self._or()
        if self.pos != len(self.toks):
            raise ApiError("ParameterInvalid", f"unexpected {self.toks[self.pos][1]!r} in the query", 400)
        return pred

    def _peek_op(self) -> str:
        if self.pos < len(self.toks) and self.toks[self.pos][0] == "word":
            return self.toks[self.pos][1].lower()
        return ""

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._peek_op() in ("or", "||"):
            self.pos += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda row: any(p(row) for p in parts))

    def _and(self) -> Predicate:
        parts = [self._not()]
        while self.pos < len(self.toks) and self.toks[self.pos] != ("paren", ")") and self._peek_op() not in (
                "or", "||"):
            if self._peek_op() in ("and", "&&"):
                self.pos += 1
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else (lambda row: all(p(row) for p in parts))

    def _not(self) -> Predicate:
        if self._peek_op() == "not":
            self.pos += 1
            inner = self._not()
            return lambda row: not inner(row)
        return self._primary()

    def _next(self) -> tuple[str, str]:
        if self.pos >= len(self.toks):
            raise ApiError("ParameterInvalid", "the query ends too early", 400)
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def _primary(self) -> Predicate:
        kind, text = self._next()
        if (kind, text) == ("paren", "("):
            inner = self._or()
            if self._next() != ("paren", ")"):
                raise ApiError("ParameterInvalid", "missing ')' in the query", 400)
            return inner
        if kind == "paren":
            raise ApiError("ParameterInvalid", "unexpected ')' in the query", 400)
        if kind == "word" and text == "*":
            return lambda row: True
        # key: value (key quoted or not; the colon glued to either side or alone)
        key: str | None = None
        if kind == "quoted" and self.pos < len(self.toks) and self.toks[self.pos][0] == "word" \
                and self.toks[self.pos][1].startswith(":"):
            key = text
            rest = self.toks[self.pos][1][1:]
            self.pos += 1
            return self._term(key, rest)
        if kind == "word":
            if text.endswith(":") and len(text) > 1:
                return self._term(text[:-1], "")
            if self.pos < len(self.toks) and self.toks[self.pos] == ("word", ":"):
                self.pos += 1
                return self._term(text, "")
            m = _COMPARE.match(text)
            if m and m.group("value"):
                return self._compare(m.group("key"), m.group("op"), m.group("value"))
            if m and self.pos < len(self.toks) and self.toks[self.pos][0] == "word":
                return self._compare(m.group("key"), m.group("op"), self._next()[1])
            if (self.pos < len(self.toks) and self.toks[self.pos][0] == "word"
                    and self.toks[self.pos][1] in (">", ">=", "<", "<=", "=")):
                op = self._next()[1]
                return self._compare(text, op, self._next()[1])
            if ":" in text and not text.startswith(":"):
                k, _, v = text.partition(":")
                return self._term(k, v)
        return self._fulltext(text, quoted=kind == "quoted")

    def _term(self, key: str, glued: str) -> Predicate:
        """key: value; the value is glued after the colon or is the next token."""
        if glued:
            value, quoted = glued, False
        else:
            kind, value = self._next()
            if kind == "paren":
                raise ApiError("ParameterInvalid", f"missing value after {key}:", 400)
            quoted = kind == "quoted"
        self.index.check_key(key)
        index = self.index
        if index.numeric(key) and not quoted:
            try:
                wanted = float(value)
            except ValueError:
                wanted = None
            if wanted is not None:
                return lambda row: _num(row.get(key)) == wanted
        pattern = index.tokens(key, value)
        wild = not quoted and any(c in value for c in "*?")
        return lambda row: key in row and _contains(index.tokens(key, str(row[key])), pattern, wild)

    def _compare(self, key: str, op: str, value: str) -> Predicate:
        self.index.check_key(key)
        try:
            bound = float(value)
        except ValueError as err:
            raise ApiError("ParameterInvalid", f"{key} {op} needs a number, not {value!r}", 400) from err
        test = _NUM_OPS[op]
        return lambda row: (v := _num(row.get(key))) is not None and test(v, bound)

    def _fulltext(self, value: str, quoted: bool) -> Predicate:
        self.index.check_line()
        index = self.index
        pattern = index.tokens(None, value)
        wild = not quoted and any(c in value for c in "*?")
        return lambda row: any(_contains(index.tokens(None, str(v)), pattern, wild)
                               for k, v in row.items() if not k.startswith("__"))


_NUM_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    "=": lambda a, b: a == b}


def _num(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _contains(tokens: list[str], pattern: list[str], wild: bool) -> bool:
    """The query tokens appear consecutively in the value's tokens (wildcards * and ? when unquoted)."""
    if not pattern:
        return False
    n = len(pattern)
    for i in range(len(tokens) - n + 1):
        window = tokens[i:i + n]
        if all(fnmatch.fnmatchcase(t, p) if wild else t == p for t, p in zip(window, pattern, strict=True)):
            return True
    return False


# --- GetLogs: the SQL subset after '|' ------------------------------------------------------------

_SQL_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<qid>\"(?:[^\"]|\"\")*\")|(?P<num>-?\d+(?:\.\d+)?)"
                        r"|(?P<op><>|!=|>=|<=|==|[=<>(),*])|(?P<id>[A-Za-z_][\w]*))")
_AGGREGATES = {"count", "arbitrary", "max", "min", "sum", "avg", "approx_distinct"}
_KEYWORDS = {"select", "from", "where", "group", "by", "having", "order", "limit", "as", "and", "or", "not",
             "asc", "desc", "like", "is", "null", "distinct", "in"}


def _sql_tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _SQL_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ApiError("ParameterInvalid", f"the emulator cannot parse the SQL near {text[pos:pos + 20]!r}", 400)
        pos = m.end()
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "str":
            out.append(("str", value[1:-1].replace("''", "'")))
        elif kind == "qid":
            out.append(("id", value[1:-1].replace('""', '"')))
        elif kind == "id" and value.lower() in _KEYWORDS:
            out.append(("kw", value.lower()))
        else:
            out.append((kind, value))
    return out


class _Tokens:
    def __init__(self, toks: list[tuple[str, str]]) -> None:
        self.toks = toks
        self.pos = 0

    def peek(self, offset: int = 0) -> tuple[str, str]:
        i = self.pos + offset
        return self.toks[i] if i < len(self.toks) else ("end", "")

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok[0] == "end":
            raise ApiError("ParameterInvalid", "the SQL ends too early", 400)
        self.pos += 1
        return tok

    def accept(self, kind: str, value: str | None = None) -> bool:
        tok = self.peek()
        if tok[0] == kind and (value is None or tok[1] == value):
            self.pos += 1
            return True
        return False

    def expect(self, kind: str, value: str | None = None) -> str:
        tok = self.peek()
        if tok[0] != kind or (value is not None and tok[1] != value):
            raise ApiError("ParameterInvalid", f"expected {value or kind} but found {tok[1] or 'the end'!r}", 400)
        self.pos += 1
        return tok[1]


Value = Callable[[Row], Any]


def parse_condition(toks: _Tokens, columns: list[str] | None = None) -> Predicate:
    """Boolean expression over a row: comparisons (= == != <> > >= < <=), LIKE, IS [NOT] NULL, IN (...),
    and/or/not, parentheses. Numbers compare numerically when both sides are numbers."""

    def operand() -> Value:
        kind, text = toks.take()
        if kind == "str":
            return lambda row: text
        if kind == "num":
            return lambda row: text
        if kind == "id":
            if columns is not None:
                columns.append(text)
            return lambda row: row.get(text)
        raise ApiError("ParameterInvalid", f"unexpected {text!r} in a condition", 400)

    def comparison() -> Predicate:
        if toks.accept("op", "("):
            inner = disjunction()
            toks.expect("op", ")")
            return inner
        left = operand()
        if toks.accept("kw", "is"):
            negate = toks.accept("kw", "not")
            toks.expect("kw", "null")
            return lambda row: (left(row) is None) != negate
        negate = toks.accept("kw", "not")
        if toks.accept("kw", "like"):
            pattern = toks.expect("str")
            rx = re.compile("^" + "".join(".*" if c == "%" else "." if c == "_" else re.escape(c)
                                          for c in pattern) + "$", re.S)
            return lambda row: (left(row) is not None and bool(rx.match(str(left(row))))) != negate
        if toks.accept("kw", "in"):
            toks.expect("op", "(")
            options = [operand()]
            while toks.accept("op", ","):
                options.append(operand())
            toks.expect("op", ")")
            return lambda row: any(_compare_values(left(row), "=", o(row)) for o in options) != negate
        if negate:
            raise ApiError("ParameterInvalid", "NOT must be followed by LIKE or IN here", 400)
        kind, op = toks.peek()
        if kind != "op" or op not in ("=", "==", "!=", "<>", ">", ">=", "<", "<="):
            return lambda row: _truthy(left(row))
        toks.take()
        right = operand()
        return lambda row: _compare_values(left(row), op, right(row))

    def negation() -> Predicate:
        if toks.accept("kw", "not"):
            inner = negation()
            return lambda row: not inner(row)
        return comparison()

    def conjunction() -> Predicate:
        parts = [negation()]
        while toks.accept("kw", "and"):
            parts.append(negation())
        return parts[0] if len(parts) == 1 else (lambda row: all(p(row) for p in parts))

    def disjunction() -> Predicate:
        parts = [conjunction()]
        while toks.accept("kw", "or"):
            parts.append(conjunction())
        return parts[0] if len(parts) == 1 else (lambda row: any(p(row) for p in parts))

    return disjunction()


def _truthy(value: Any) -> bool:
    return value not in (None, "", "0", "false", 0, False)


def _compare_values(a: Any, op: str, b: Any) -> bool:
    if a is None or b is None:
        return False
    na, nb = _num(a), _num(b)
    x: Any
    y: Any
    x, y = (na, nb) if na is not None and nb is not None else (str(a), str(b))
    return {"=": x == y, "==": x == y, "!=": x != y, "<>": x != y, ">": x > y, ">=": x >= y, "<": x < y,
            "<=": x <= y}[op]


def compile_condition(text: str) -> Predicate:
    """An alert condition such as `cnt > 0`, `severity = 'CRITICAL'` or `__count__ > 0` ('' = always)."""
    if not text.strip():
        return lambda row: True
    toks = _Tokens(_sql_tokens(text))
    pred = parse_condition(toks)
    if toks.peek()[0] != "end":
        raise ApiError("ParameterInvalid", f"cannot parse the condition {text!r}", 400)
    return pred


class _SelectItem:
    def __init__(self, func: str | None, arg: str | None, distinct: bool, name: str) -> None:
        self.func, self.arg, self.distinct, self.name = func, arg, distinct, name


class _Sql:
    """SELECT items [FROM log] [WHERE cond] [GROUP BY cols] [HAVING cond over output names]
    [ORDER BY name [ASC|DESC], ...] [LIMIT [offset,] n]. Items: *, columns and count(*|col|DISTINCT col),
    arbitrary, max, min, sum, avg, approx_distinct, each with an optional alias."""

    def __init__(self, text: str, index: _Index) -> None:
        toks = _Tokens(_sql_tokens(text))
        columns: list[str] = []
        toks.expect("kw", "select")
        self.items: list[_SelectItem] = [self._item(toks, columns, 0)]
        while toks.accept("op", ","):
            self.items.append(self._item(toks, columns, len(self.items)))
        if toks.accept("kw", "from"):
            toks.expect("id")
        self.where = parse_condition(toks, columns) if toks.accept("kw", "where") else None
        self.group: list[str] = []
        if toks.accept("kw", "group"):
            toks.expect("kw", "by")
            self.group.append(toks.expect("id"))
            while toks.accept("op", ","):
                self.group.append(toks.expect("id"))
            columns.extend(self.group)
        self.having = parse_condition(toks) if toks.accept("kw", "having") else None
        self.order: list[tuple[str, bool]] = []
        if toks.accept("kw", "order"):
            toks.expect("kw", "by")
            while True:
                name = toks.take()[1]
                desc = toks.accept("kw", "desc")
                if not desc:
                    toks.accept("kw", "asc")
                self.order.append((name, desc))
                if not toks.accept("op", ","):
                    break
        self.offset, self.limit = 0, 100  # SLS returns 100 rows unless the SQL says otherwise
        if toks.accept("kw", "limit"):
            self.limit = int(toks.expect("num"))
            if toks.accept("op", ","):
                self.offset, self.limit = self.limit, int(toks.expect("num"))
        if toks.peek()[0] != "end":
            raise ApiError("ParameterInvalid", f"the emulator's SQL subset does not support {toks.peek()[1]!r}", 400)
        for column in columns:
            index.check_column(column)
        self.aggregate = bool(self.group) or any(i.func for i in self.items)

    @staticmethod
    def _item(toks: _Tokens, columns: list[str], position: int) -> _SelectItem:
        if toks.accept("op", "*"):
            return _SelectItem(None, "*", False, "*")
        kind, text = toks.take()
        func = arg = None
        distinct = False
        if kind == "id" and toks.peek() == ("op", "("):
            func = text.lower()
            if func not in _AGGREGATES:
                raise ApiError("ParameterInvalid", f"the emulator's SQL subset has no function {text}()", 400)
            toks.take()
            distinct = toks.accept("kw", "distinct")
            if toks.accept("op", "*") or toks.accept("num"):
                arg = None
            else:
                arg = toks.expect("id")
                columns.append(arg)
            toks.expect("op", ")")
            name = f"_col{position}"
        elif kind == "id":
            arg = name = text
            columns.append(text)
        else:
            raise ApiError("ParameterInvalid", f"unexpected {text!r} in the select list", 400)
        if toks.accept("kw", "as") or toks.peek()[0] == "id":  # an alias, with or without AS
            name = toks.take()[1]
        return _SelectItem(func, arg, distinct, name)

    def run(self, rows: list[Row]) -> tuple[list[Row], list[str]]:
        if self.where:
            rows = [r for r in rows if self.where(r)]
        keys = [i.name for i in self.items if i.arg != "*"]
        if self.aggregate:
            groups: dict[tuple[Any, ...], list[Row]] = {}
            for r in rows:
                groups.setdefault(tuple(r.get(g) for g in self.group), []).append(r)
            if not self.group and not groups:
                groups[()] = []  # an aggregate without GROUP BY answers one row even for no input
            out = [{i.name: _aggregate(i, members) for i in self.items} for members in groups.values()]
        else:
            out = []
            for r in rows:
                row: Row = {}
                for i in self.items:
                    if i.arg == "*":
                        row.update(r)
                    else:
                        row[i.name] = r.get(i.arg or "")
                out.append(row)
        if self.having:
            out = [r for r in out if self.having(r)]
        for name, desc in reversed(self.order):
            out.sort(key=lambda r, n=name: _sort_key(r.get(n)), reverse=desc)
        out = out[self.offset:self.offset + self.limit]
        return [{k: _sql_text(v) for k, v in r.items()} for r in out], keys


def _aggregate(item: _SelectItem, rows: list[Row]) -> Any:
    if item.func is None:
        return rows[0].get(item.arg or "") if rows else None
    values = [r.get(item.arg) for r in rows] if item.arg else [1] * len(rows)
    values = [v for v in values if v is not None]
    if item.distinct or item.func == "approx_distinct":
        values = list(dict.fromkeys(values))
    if item.func in ("count", "approx_distinct"):
        return len(values)
    if item.func == "arbitrary":
        return values[0] if values else None
    if not values:
        return None
    numbers = [_num(v) for v in values]
    if item.func in ("max", "min"):
        if all(n is not None for n in numbers):
            best = max(numbers) if item.func == "max" else min(numbers)  # type: ignore[type-var]
            return values[numbers.index(best)]
        return max(map(str, values)) if item.func == "max" else min(map(str, values))
    total = sum(n for n in numbers if n is not None)
    return total if item.func == "sum" else total / len(values)


def _sort_key(value: Any) -> tuple[int, float, str]:
    n = _num(value)
    return (0, n, "") if n is not None else (1, 0.0, "" if value is None else str(value))


def _sql_text(value: Any) -> str:
    """SLS answers every SQL value as a string; integral numbers without a fraction."""
    if value is None:
        return "null"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _split_query(query: str) -> tuple[str, str]:
    """'search | sql' -> (search, sql); a '|' inside double quotes belongs to the search."""
    quoted = False
    for i, c in enumerate(query):
        if c == '"':
            quoted = not quoted
        elif c == "|" and not quoted:
            return query[:i].strip(), query[i + 1:].strip()
    return query.strip(), ""


def run_query(logs: list[Row], query: str, index: _Index, start: int, end: int, *, topic: str = "",
              reverse: bool = False, offset: int = 0, line: int = 100) -> dict[str, Any]:
    """GetLogs over stored logs: the time window [start, end), the search, then the SQL (if any)."""
    if index.strict and not index.present:
        raise ApiError("IndexConfigNotExist", "logstore without index config", 400)
    search, sql_text = _split_query(query)
    pred = _SearchParser(search if search not in ("", "*") else "", index).parse()
    sql = _Sql(sql_text, index) if sql_text else None
    window = [r for r in logs
              if start <= int(r.get("__time__", 0)) < end and (not topic or r.get("__topic__") == topic)]
    matched = [r for r in window if pred(r)]
    if sql is not None:
        data, keys = sql.run(matched)
    else:
        ordered = sorted(matched, key=lambda r: int(r["__time__"]), reverse=reverse)
        data = [dict(r) for r in ordered[offset:offset + line]]
        keys = sorted({k for r in data for k in r})
    meta = {"progress": "Complete", "count": len(data), "processedRows": len(window), "elapsedMillisecond": 1,
            "hasSQL": sql is not None, "whereQuery": search, "aggQuery": sql_text, "cpuSec": 0.0, "cpuCores": 0,
            "keys": keys, "isAccurate": True, "mode": 0, "powerSql": False, "limited": 0}
    return {"meta": meta, "data": data}


def _run_get_logs(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    p, ls = _logstore(call)
    start = _int(params.get("from"), "from", -1)
    end = _int(params.get("to"), "to", -1)
    if start < 0 or end < 0:
        raise ApiError("ParameterInvalid", "from and to are required", 400)
    line = _int(params.get("line"), "line", 100)
    offset = _int(params.get("offset"), "offset", 0)
    if line < 0 or line > 100 or offset < 0:
        raise ApiError("ParameterInvalid", "line must be between 0 and 100, offset not negative", 400)
    logs = _logs(call.world).get((p.name, ls.name), [])
    return run_query(logs, str(params.get("query") or ""), _Index(ls.index, call.acct.sls.strict_index),
                     start, end, topic=str(params.get("topic") or ""), reverse=bool(params.get("reverse")),
                     offset=offset, line=line)


@api.route("POST", "/project/logstores/{logstore}/logs", name="GetLogs", ram_action="log:GetLogStoreLogs",
           resource=_arn("/logstore/{logstore}"))
def get_logs(call: Call) -> Response:
    result = _run_get_logs(call, _body(call))
    raw = json.dumps(result).encode()
    headers = {"Content-Type": "application/json", "x-log-requestid": call.req.request_id}
    if "lz4" in call.req.header("accept-encoding").lower():  # what the SDK asks for: an lz4 block, size aside
        import lz4.block

        body = lz4.block.compress(raw, store_size=False)
        headers.update({"x-log-compresstype": "lz4", "x-log-bodyrawsize": str(len(raw))})
        return Response(200, body, headers)
    return Response(200, raw, headers)


# --- alerts (/jobs) ------------------------------------------------------------------------------

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


@api.route("POST", "/project/jobs", name="CreateAlert", ram_action="log:CreateJob", resource=_arn("/job/{body_job}"),
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


@api.route("PUT", "/project/jobs/{job}", name="UpdateAlert", ram_action="log:UpdateJob", resource=_arn("/job/{job}"),
           write=True)
def update_alert(call: Call) -> None:
    p, old = _alert(call)
    body = _body(call)
    if body.get("name", old.name) != old.name:
        raise ApiError("ParameterInvalid", "the job name in the body does not match the path", 400)
    new = _alert_from_body(call, {**body, "name": old.name}, old.createTime)
    p.alerts[p.alerts.index(old)] = new
    _touch_alert(call, p, old.name)


@api.route("DELETE", "/project/jobs/{job}", name="DeleteAlert", ram_action="log:DeleteJob",
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
    if "store" not in out and "logStore" in out:
        out["store"] = out["logStore"]
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


# --- alert evaluation ----------------------------------------------------------------------------

_SPAN = re.compile(r"^(-?\d+)\s*([a-z]*)$")
_UNITS = {"": 1, "s": 1, "sec": 1, "second": 1, "seconds": 1, "m": 60, "min": 60, "minute": 60, "minutes": 60,
          "h": 3600, "hour": 3600, "hours": 3600, "d": 86400, "day": 86400, "days": 86400, "w": 604800,
          "week": 604800, "weeks": 604800}


def _time_point(text: Any, now: int, truncate: bool) -> int:
    """'now', '-15m', '-1h', '-1d' relative to now (truncated to the unit for Truncated spans) or epoch seconds."""
    value = str(text if text is not None else "now").strip().lower()
    if value in ("now", "", "absolute"):
        return now + 1  # the window end is exclusive; logs stamped this second count
    m = _SPAN.match(value)
    if not m or m.group(2) not in _UNITS:
        raise ValueError(f"unsupported time {text!r}")
    amount, unit = int(m.group(1)), _UNITS[m.group(2)]
    if not value.startswith("-") and not m.group(2):
        return amount  # an absolute epoch time
    point = now + amount * unit
    return point - point % unit if truncate else point


def _time_window(query: dict[str, Any], now: int) -> tuple[int, int]:
    truncate = str(query.get("timeSpanType", "Relative")).lower() == "truncated"
    return (_time_point(query.get("start", "-15m"), now, truncate),
            _time_point(query.get("end", "now"), now, truncate))


def _targets(project: Project, alert: Alert) -> list[tuple[str, str]]:
    out = []
    for q in alert.configuration.get("queryList") or []:
        if str(q.get("storeType", "log")).lower() == "log":
            out.append((str(q.get("project") or project.name), str(q.get("store") or q.get("logStore") or "")))
    return out


def _render(template: str, variables: dict[str, Any]) -> str:
    return re.sub(r"\$\{([^}]+)\}", lambda m: str(variables.get(m.group(1).strip(), m.group(0))), template)


def _evaluate(world: World, account: Account, project: Project, alert: Alert, trigger: str,
              unseen_only: bool) -> dict[str, Any] | None:
    """Run the alert's queries and record a fired alert when its conditions hold. With unseen_only, each
    query sees only logs this alert has not evaluated yet, so one ingested batch fires at most once."""
    config = alert.configuration
    now = int(world.clock.timestamp())
    seen: dict[tuple[str, str, str, str], int] = world.extras.setdefault(_SEEN, {})
    rows: list[Row] = []
    for q in config.get("queryList") or []:
        if str(q.get("storeType", "log")).lower() != "log":
            continue
        qproject = str(q.get("project") or project.name)
        store = str(q.get("store") or q.get("logStore") or "")
        target = account.sls.project(qproject)
        ls = target.logstore(store) if target else None
        if ls is None:
            raise ApiError("LogStoreNotExist", f"alert {alert.name} queries {qproject}/{store}, which does not exist")
        logs = _logs(world).get((qproject, store), [])
        mark = (project.name, alert.name, qproject, store)
        first = min(seen.get(mark, 0), len(logs)) if unseen_only else 0
        seen[mark] = len(logs)
        try:
            start, end = _time_window(q, now)
        except ValueError as err:
            raise ApiError("ParameterInvalid", str(err)) from err
        result = run_query(logs[first:], str(q.get("query") or "*"), _Index(ls.index, account.sls.strict_index),
                           start, end, line=100)
        rows.extend(result["data"])

    severity, matched = _decide(config, rows)
    if severity is None:
        return None
    # ${field} is a result field of the first matching row; alert facts are defaults (also as ${alert.x})
    facts = {"alert_name": alert.displayName or alert.name, "alert_id": alert.name, "project": project.name,
             "severity": severity, "fire_time": iso(world.clock.now()), "results_count": len(matched)}
    variables: dict[str, Any] = {**facts, **{f"alert.{k}": v for k, v in facts.items()}}
    variables.update((config.get("templateConfiguration") or {}).get("tokens") or {})
    variables.update(matched[0] if matched else {})
    fired = {
        "account": account.id, "project": project.name, "alert": alert.name, "displayName": alert.displayName,
        "time": iso(world.clock.now()), "timestamp": now, "trigger": trigger, "severity": severity,
        "count": len(matched), "rows": matched[:100], "no_data": not rows,
        "labels": {lb.get("key"): lb.get("value") for lb in config.get("labels") or [] if isinstance(lb, dict)},
        "annotations": {an.get("key"): _render(str(an.get("value", "")), variables)
                        for an in config.get("annotations") or [] if isinstance(an, dict)},
        "logstores": [f"{p}/{s}" for p, s in _targets(project, alert)],
    }
    world.extras.setdefault(_FIRED, []).append(fired)
    return fired


def _decide(config: dict[str, Any], rows: list[Row]) -> tuple[int | None, list[Row]]:
    """(severity, matching rows) when the alert fires, else (None, []).

    conditionConfiguration {condition (per row), countCondition (over __count__ = matching rows)} decides
    whether it fires (a 1.0-style top-level `condition` too); without one, the first severityConfiguration whose
    evalCondition holds does; with neither, any result row fires. Empty conditions mean "any row"."""

    def holds(cond: dict[str, Any], candidates: list[Row]) -> list[Row] | None:
        pred = compile_condition(str(cond.get("condition") or ""))
        hits = [r for r in candidates if pred(r)]
        count_text = str(cond.get("countCondition") or "")
        ok = compile_condition(count_text)({"__count__": len(hits)}) if count_text else bool(hits)
        return hits if ok else None

    if not rows:
        if config.get("noDataFire"):
            return int(config.get("noDataSeverity") or 6), []
        return None, []
    severities = config.get("severityConfigurations") or []
    cc = config.get("conditionConfiguration") or {}
    if not (cc.get("condition") or cc.get("countCondition")) and config.get("condition"):
        cc = {"condition": config["condition"]}
    if cc.get("condition") or cc.get("countCondition"):
        hits = holds(cc, rows)
        if hits is None:
            return None, []
        for sev in severities:
            if holds(sev.get("evalCondition") or {}, hits) is not None:
                return int(sev.get("severity", 6)), hits
        return int(config.get("severity") or 6), hits
    for sev in severities:
        hits = holds(sev.get("evalCondition") or {}, rows)
        if hits is not None:
            return int(sev.get("severity", 6)), hits
    return (None, []) if severities else (int(config.get("severity") or 6), rows)


def evaluate_alerts(world: World, account: Account, *, trigger: str, target: tuple[str, str] | None = None,
                    project: str | None = None, alert: str | None = None,
                    unseen_only: bool = True) -> list[dict[str, Any]]:
    """Evaluate the enabled alerts of an account (those querying `target` only, when given). Evaluation
    errors (a missing logstore or index, a bad query) are recorded, never raised: the write succeeded."""
    fired: list[dict[str, Any]] = []
    with world.lock:
        for p in list(account.sls.projects):
            if project and p.name != project:
                continue
            for a in list(p.alerts):
                if a.state != "Enabled" or (alert and a.name != alert):
                    continue
                if target and target not in _targets(p, a):
                    continue
                try:
                    record = _evaluate(world, account, p, a, trigger, unseen_only)
                except ApiError as err:
                    world.extras.setdefault(_ERRORS, []).append({
                        "account": account.id, "project": p.name, "alert": a.name, "time": iso(world.clock.now()),
                        "code": err.code, "message": err.message})
                    continue
                if record:
                    fired.append(record)
    return fired


# --- admin routes --------------------------------------------------------------------------------

@admin.route("GET", "/_emulator/sls/logs")
def admin_logs(emu: Emulator, req: Request) -> Any:
    """Ingested logs: ?project=&logstore= for one logstore, else every logstore."""
    q = dict(req.query)
    with emu.world.lock:
        stores = _logs(emu.world)
        if q.get("project") and q.get("logstore"):
            return {"project": q["project"], "logstore": q["logstore"],
                    "logs": list(stores.get((q["project"], q["logstore"]), []))}
        return {"stores": [{"project": p, "logstore": ls, "logs": list(logs)} for (p, ls), logs in stores.items()
                           if not q.get("project") or p == q["project"]]}


@admin.route("POST", "/_emulator/sls/logs")
def admin_ingest(emu: Emulator, req: Request) -> Any:
    """Body: {"project", "logstore", "logs": [{"k": "v", "__time__"?: epoch}], "topic"?, "source"?};
    stores them as PutLogs would (alerts evaluated) without going through an SDK."""
    data = admin.body_json(req)
    project, logstore = str(data["project"]), str(data["logstore"])
    with emu.world.lock:
        found = _find_project_anywhere(emu.world, project)
        if not found or not found[1].logstore(logstore):
            raise KeyError(f"no logstore {project}/{logstore}")
        now = str(int(emu.world.clock.timestamp()))
        stored = _logs(emu.world).setdefault((project, logstore), [])
        for log in data.get("logs", []):
            stored.append({"__time__": str(log.get("__time__", now)), "__source__": str(data.get("source", "")),
                           "__topic__": str(data.get("topic", "")),
                           **{k: str(v) for k, v in log.items() if k != "__time__"}})
        fired = evaluate_alerts(emu.world, found[0], trigger="admin", target=(project, logstore))
    return {"stored": len(data.get("logs", [])), "fired": fired}


@admin.route("GET", "/_emulator/sls/alerts/fired")
def admin_fired(emu: Emulator, req: Request) -> Any:
    """Fired alerts (and evaluation errors), oldest first; ?project=&alert= filter."""
    q = dict(req.query)

    def keep(r: dict[str, Any]) -> bool:
        return all(not q.get(k) or r[k] == q[k] for k in ("project", "alert"))

    with emu.world.lock:
        return {"fired": [r for r in emu.world.extras.get(_FIRED, []) if keep(r)],
                "errors": [r for r in emu.world.extras.get(_ERRORS, []) if keep(r)]}


@admin.route("POST", "/_emulator/sls/alerts/evaluate")
def admin_evaluate(emu: Emulator, req: Request) -> Any:
    """Evaluate enabled alerts now. Body (all optional): {"project", "alert", "all": false}; by default each
    query sees only logs the alert has not evaluated yet; "all": true runs over the whole time window, as a
    scheduled run would (and may fire again on logs seen before)."""
    data = admin.body_json(req)
    fired: list[dict[str, Any]] = []
    with emu.world.lock:
        for account in emu.world.scenario.accounts:
            fired += evaluate_alerts(emu.world, account, trigger="admin", project=data.get("project"),
                                     alert=data.get("alert"), unseen_only=not data.get("all", False))
    return {"fired": fired}
