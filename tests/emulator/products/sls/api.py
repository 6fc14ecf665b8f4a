"""The SLS API routes (as aliyun-log-python-sdk and alibabacloud-sls20201230 call them): projects,
logstores, indexes, PutLogs and GetLogs; the alert routes are in alerts.py.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ...call import Call
from ...errors import ApiError
from ...faults import SLS_DATA_THROTTLE, Quota
from ...rest import RestApi
from ...routing import LOCAL_HOSTS
from ...wire import Request, Response
from .model import (
    _SEEN,
    Logstore,
    Project,
    _find_project_anywhere,
    _logs,
    forget_index,
    logs_stored,
    unindexed,
)
from .protobuf import _decompress, decode_log_group, encode_log_group_list
from .query import run_query
from .search import _Index

if TYPE_CHECKING:
    from ...state import Account


# --- routing -------------------------------------------------------------------------------------

_SLS = re.compile(r"^(?:(?P<project>[a-z0-9][a-z0-9-]*)\.)?(?P<region>[a-z0-9-]+?)(?:-intranet)?"
                  r"\.log\.aliyuncs\.com$")


def sls_project_from_host(host: str) -> str | None:
    m = _SLS.match(host)
    if m:
        return m.group("project")
    if host in LOCAL_HOSTS:
        return None
    # '<project>.127.0.0.1' (log SDK with a raw IP endpoint) and '<project>.localhost'
    label, _, rest = host.partition(".")
    return label if rest in LOCAL_HOSTS else None


def route_by_host(req: Request) -> str | None:
    """[<project>.]<region>[-intranet].log.aliyuncs.com"""
    m = _SLS.match(req.host)
    return m.group("region") if m else None


def route_direct(req: Request) -> str | None:
    """Direct requests: an SLS signature (v1 LOG, v4 SLS4-) or a '<project>.<emulator address>' host."""
    if req.header("authorization").startswith(("LOG ", "SLS4-")) or sls_project_from_host(req.host):
        return ""
    return None


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
    def quota(self, call: Call) -> Quota:
        """The project the Host names: SLS's limits apply per project (faults.py); writes and reads of logs are
        answered beyond theirs with their own codes."""
        project = sls_project_from_host(call.req.host)
        return Quota(scope=f"project/{project}" if project else "",
                     answer=SLS_DATA_THROTTLE.get(call.op.name) if call.op else None)

    def respond(self, call: Call, result: Any) -> Response:
        resp = super().respond(call, result)
        resp.headers.setdefault("x-log-requestid", call.req.request_id)
        return resp


api = _SlsApi("sls", "sls", "log", path_of=_path_of, not_found=_not_found)




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
    # size: "The default value is 100. A maximum of 500 projects can be returned." (OpenMeta sls/2020-12-30
    # ListProject; the schema's "default" field says 500, the maximum)
    page, total = _page(items, call, 100)
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
        forget_index(call.world, *key)
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
    forget_index(call.world, p.name, name)
    call.params.update({"ProjectName": p.name, "LogstoreName": name})
    call.touch("ACS::SLS::Project", p.name)
    call.touch("ACS::SLS::LogStore", name)


@api.route("GET", "/project/logstores", name="ListLogStores", resource=_arn("/logstore/*"))
def list_logstores(call: Call) -> dict[str, Any]:
    p = _project(call)
    pattern = dict(call.req.query).get("logstoreName", "")
    names = [ls.name for ls in p.logstores if pattern in ls.name]
    # size: "Maximum value: 500. Default value: 200." (OpenMeta sls/2020-12-30 ListLogStores; the schema's "default"
    # field says 500, the maximum)
    page, total = _page(names, call, 200)
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
    forget_index(call.world, p.name, ls.name)
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
    ls.updated = ls.index_created = call.now()
    ls.index_modified = None
    forget_index(call.world, p.name, ls.name, ls.index_created)  # (what is stored so far is never indexed)
    _touch_index(call, p, ls)


@api.route("GET", "/project/logstores/{logstore}/index", name="GetIndex", resource=_arn("/logstore/{logstore}"))
def get_index(call: Call) -> dict[str, Any]:
    _, ls = _logstore(call)
    if ls.index is None:
        raise _no_index(ls)
    return {**ls.index, "ttl": ls.ttl, "lastModifyTime": _stamp(ls.index_modified or ls.index_created or ls.created),
            "index_mode": "v2",
            "storage": "pg"}


@api.route("PUT", "/project/logstores/{logstore}/index", name="UpdateIndex", resource=_arn("/logstore/{logstore}"),
           write=True)
def update_index(call: Call) -> None:
    p, ls = _logstore(call)
    if ls.index is None:
        raise _no_index(ls)
    ls.index = _index_body(call)
    ls.updated = ls.index_modified = call.now()
    _touch_index(call, p, ls)


@api.route("DELETE", "/project/logstores/{logstore}/index", name="DeleteIndex",
           resource=_arn("/logstore/{logstore}"), write=True)
def delete_index(call: Call) -> None:
    p, ls = _logstore(call)
    if ls.index is None:
        raise _no_index(ls)
    ls.index = None
    _touch_index(call, p, ls)



# --- PutLogs (body decoding in protobuf.py) ------------------------------------------------------

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
    logs_stored(call.world, call.acct, p, ls, trigger="PutLogs")


for _path in ("/project/logstores/{logstore}/shards/lb", "/project/logstores/{logstore}/shards/route"):
    api.route("POST", _path, name="PutLogs", ram_action="log:PostLogStoreLogs",
              resource=_arn("/logstore/{logstore}"))(_put_logs)



# --- GetCursor and PullLogs (a consumer's raw reads, by shard) -----------------------------------

def cursor_at(position: int) -> str:
    """A cursor: SLS's are base64 text of a decimal number without padding (PullLogs' example cursor
    "MTQ0NzMyOTQwMTEwMjEzMDkwNA" is "1447329401102130904": OpenMeta sls 2020-12-30); the emulator's number is the
    position in the logstore's logs."""
    return base64.b64encode(str(position).encode()).decode().rstrip("=")


def _position(cursor: str, total: int) -> int:
    try:
        position = int(base64.b64decode(cursor + "=" * (-len(cursor) % 4), validate=True).decode())
    except (ValueError, UnicodeDecodeError):
        position = -1
    if not 0 <= position <= total:
        raise ApiError("InvalidCursor", f"cursor {cursor[:64]!r} is invalid", 400)
    return position


def _shard(call: Call, ls: Logstore) -> int:
    """The shard in the path. The emulator keeps a logstore's logs in shard 0, its other shards empty."""
    try:
        shard = int(call.path_params["shard"])
    except ValueError:
        shard = -1
    if not 0 <= shard < ls.shard_count:
        raise ApiError("ShardNotExist", f"shard {call.path_params['shard']} does not exist", 400)
    return shard


@api.route("GET", "/project/logstores/{logstore}/shards/{shard}", name="PullLogs", query="type",
           ram_action="log:GetCursorOrData", resource=_arn("/logstore/{logstore}"))
def pull_logs(call: Call) -> Response | dict[str, Any]:
    """?type=cursor (GetCursor: from=begin | end | a UNIX time; JSON {"cursor"}) and ?type=log (PullLogs: the logs
    from cursor to end_cursor, at most count LogGroups, as a protobuf LogGroupList, lz4 when asked; the next cursor
    in x-log-cursor). One RAM action, log:GetCursorOrData, for both (SLS's authorization table); the emulator counts
    both as PullLogs."""
    p, ls = _logstore(call)
    shard = _shard(call, ls)
    q = dict(call.req.query)
    logs = _logs(call.world).get((p.name, ls.name), []) if shard == 0 else []
    if q.get("type") == "cursor":
        start = q.get("from", "")
        if start == "begin":
            return {"cursor": cursor_at(0)}
        if start == "end":
            return {"cursor": cursor_at(len(logs))}
        when = _int(start, "from", -1)
        return {"cursor": cursor_at(next((i for i, r in enumerate(logs) if int(r.get("__time__", 0)) >= when),
                                         len(logs)))}
    if q.get("type") != "log":
        raise ApiError("ParameterInvalid", f"type must be cursor or log, not {q.get('type')!r}", 400)
    begin = _position(str(q.get("cursor", "")), len(logs))
    end = _position(str(q["end_cursor"]), len(logs)) if q.get("end_cursor") else len(logs)
    count = _int(q.get("count"), "count", 1000)
    if not 1 <= count <= 1000:  # "The value must be an integer from 1 to 1000" (PullLogs count, OpenMeta)
        raise ApiError("ParameterInvalid", "count must be between 1 and 1000", 400)
    chosen = logs[begin:max(begin, min(end, begin + count))]
    raw = encode_log_group_list(chosen)
    headers = {"x-log-cursor": cursor_at(begin + len(chosen)), "x-log-count": str(len(chosen)),
               "x-log-bodyrawsize": str(len(raw)), "x-log-end-of-cursor": "1" if begin + len(chosen) >= end else "0",
               "Content-Type": "application/x-protobuf", "x-log-requestid": call.req.request_id}
    body = raw
    if raw and "lz4" in call.req.header("accept-encoding").lower():
        import lz4.block

        body = lz4.block.compress(raw, store_size=False)
        headers["x-log-compresstype"] = "lz4"
    return Response(200, body, headers)


# --- GetLogs (the query language in search.py, sql.py, query.py) ---------------------------------

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
    logs = _logs(call.world).get((p.name, ls.name), [])[unindexed(call.world, p.name, ls.name):]
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
