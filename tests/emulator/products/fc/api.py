"""The FC 3.0 ROA API (2023-03-30): functions, triggers, async invoke config, InvokeFunction.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from pydantic import ValidationError

from ...call import Call
from ...clock import iso
from ...errors import ApiError
from ...regions import offered_regions
from ...rest import RestApi
from ...routing import pop_region
from ...wire import Request, Response
from .model import (
    CODE_MAX_BYTES_INLINE,
    DEFAULT_REGION,
    AsyncInvokeConfig,
    Function,
    FunctionVersion,
    Trigger,
    _check_function,
    _check_trigger,
    _extract_zip,
    _trigger_config_text,
    function_arn,
)
from .runtime import _log_text, _runtime

if TYPE_CHECKING:
    from ...state import Account

LOG_TAIL_BYTES = 4096  # x-fc-log-result carries the last 4 KB of the log, as FC does
SYNC_PAYLOAD_LIMIT = 32 * 1024 * 1024
ASYNC_PAYLOAD_LIMIT = 128 * 1024


class _FcApi(RestApi):
    def respond(self, call: Call, result: Any) -> Response:
        resp = super().respond(call, result)
        resp.headers.setdefault("x-fc-request-id", call.req.request_id)
        return resp


api = _FcApi("fc", "pop", "fc")
_BASE = "/2023-03-30"
_HOST = re.compile(r"^(?:(?P<account>\d+)\.)?(?P<region>[a-z0-9-]+)\.fc\.aliyuncs\.com$")


def route_by_host(req: Request) -> str | None:
    """<account>.<region>.fc.aliyuncs.com (the SDK's endpoint form; fcv3.<region>... is a host label)."""
    m = _HOST.match(req.host)
    return m.group("region") if m else None


def route_direct(req: Request) -> str | None:
    """Requests to the emulator's own address (or another host) by their API version path."""
    return pop_region(req.host) if req.raw_path.startswith(f"{_BASE}/") else None


def _region(call: Call) -> str:
    """Region from the host (fcv3.<region>..., <account>.<region>.fc...); a bare emulator address
    carries none, then the account's first region."""
    if not call.region:
        regions = call.acct.regions
        call.region = regions[0] if regions else DEFAULT_REGION
    return call.region


def _name(call: Call) -> str:
    return unquote(call.path_params.get("name", ""))


def _trigger_name(call: Call) -> str:
    return unquote(call.path_params.get("trigger", ""))


def _fn_resource(call: Call) -> str:
    return function_arn(_region(call), call.acct.id, _name(call) or "*")


def _trigger_resource(call: Call) -> str:
    return f"{_fn_resource(call)}/triggers/{_trigger_name(call) or '*'}"


def _body(call: Call) -> dict[str, Any]:
    if not call.req.body:
        return {}
    try:
        data = json.loads(call.req.body)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ApiError("InvalidArgument", f"The request body is not valid JSON: {err}", 400) from err
    if not isinstance(data, dict):
        raise ApiError("InvalidArgument", "The request body must be a JSON object.", 400)
    return data


def _query(call: Call) -> dict[str, str]:
    return dict(call.req.query)


def _function(call: Call, name: str | None = None) -> Function:
    name = name or _name(call)
    fn = call.acct.fc.function(_region(call), name)
    if fn is None:
        raise ApiError("FunctionNotFound", f"function '{name}' does not exist", 404)
    return fn


def _trigger(call: Call, fn: Function) -> Trigger:
    name = _trigger_name(call)
    t = fn.trigger(name)
    if t is None:
        raise ApiError("TriggerNotFound", f"trigger '{name}' does not exist in function '{fn.name}'", 404)
    return t


def _check_qualifier(call: Call) -> None:
    qualifier = _query(call).get("qualifier", "")
    if qualifier not in ("", "LATEST"):
        code = "VersionNotFound" if qualifier.isdigit() else "AliasNotFound"
        raise ApiError(code, f"qualifier '{qualifier}' does not exist (the emulator has LATEST only)", 404)


def _invalid(err: Exception) -> ApiError:
    return ApiError("InvalidArgument", str(err), 400)


def _function_json(account_id: str, fn: Function) -> dict[str, Any]:
    out = dict(fn.extra)
    out.update({
        "functionName": fn.name, "functionId": fn.id, "functionArn": function_arn(fn.region, account_id, fn.name),
        "description": fn.description, "runtime": fn.runtime, "handler": fn.handler, "memorySize": fn.memory,
        "cpu": fn.cpu, "timeout": fn.timeout, "role": fn.role, "environmentVariables": dict(fn.environment),
        "disableInjectCredentials": fn.disable_inject_credentials, "internetAccess": fn.internet_access,
        "logConfig": dict(fn.log_config), "vpcConfig": dict(fn.vpc_config),
        "diskSize": fn.disk_size, "layers": [{"arn": arn} for arn in fn.layers],
        "tags": [{"key": k, "value": v} for k, v in fn.tags.items()],
        "codeSize": fn.code_size, "codeChecksum": fn.code_checksum, "createdTime": iso(fn.created),
        "lastModifiedTime": iso(fn.modified or fn.created), "state": "Active", "stateReason": "",
        "lastUpdateStatus": "Successful", "lastUpdateStatusReason": "",
    })
    return out


def _trigger_json(account_id: str, fn: Function, t: Trigger) -> dict[str, Any]:
    out: dict[str, Any] = {
        "triggerName": t.name, "triggerId": t.id, "triggerType": t.type,
        "triggerConfig": json.dumps(_trigger_config_text(t.config)), "qualifier": t.qualifier,
        "description": t.description, "sourceArn": t.source_arn, "invocationRole": t.invocation_role,
        "status": "Ready", "targetArn": function_arn(fn.region, account_id, fn.name),
        "createdTime": iso(t.created), "lastModifiedTime": iso(t.modified or t.created),
    }
    if t.type == "http":
        host = f"{fn.name.lower().replace('_', '-')}-{t.id[:10]}.{fn.region}.fcapp.run"
        out["httpTrigger"] = {"urlInternet": f"https://{host}",
                              "urlIntranet": f"https://{host.replace('.fcapp.run', '-vpc.fcapp.run')}"}
    return out


def _code_fields(body: dict[str, Any]) -> dict[str, Any]:
    """CreateFunction/UpdateFunction code: only an inline zipFile reaches the emulator's disk."""
    code = body.get("code")
    if code is None:
        return {}
    if not isinstance(code, dict) or not code.get("zipFile"):
        raise ApiError("InvalidArgument", "code: the emulator accepts code.zipFile (base64 zip) only", 400)
    try:
        data = base64.b64decode(code["zipFile"], validate=True)
        if len(data) > CODE_MAX_BYTES_INLINE:  # model.py: FC's limit for a Base64 zip through the API
            raise ValueError(f"code zipFile of {len(data)} bytes: FC takes at most {CODE_MAX_BYTES_INLINE} inline")
        return {"code_dir": _extract_zip(data), "code_size": len(data), "code_checksum": str(zlib.crc32(data))}
    except (binascii.Error, ValueError) as err:
        raise _invalid(err) from err


def _fields_from_body(body: dict[str, Any]) -> dict[str, Any]:
    """camelCase CreateFunction/UpdateFunction input -> Function fields (unknown keys kept in extra)."""
    mapping = {"runtime": "runtime", "handler": "handler", "description": "description", "memorySize": "memory",
               "cpu": "cpu", "timeout": "timeout", "role": "role", "environmentVariables": "environment",
               "logConfig": "log_config", "internetAccess": "internet_access", "vpcConfig": "vpc_config",
               "layers": "layers", "diskSize": "disk_size",
               "disableInjectCredentials": "disable_inject_credentials"}
    fields = {mapping[k]: v for k, v in body.items() if k in mapping and v is not None}
    if isinstance(body.get("tags"), list):
        fields["tags"] = {str(t.get("key")): str(t.get("value", "")) for t in body["tags"] if isinstance(t, dict)}
    extra = {k: v for k, v in body.items() if k not in mapping and k not in ("functionName", "code", "tags")}
    if extra:
        fields["extra"] = extra
    return fields


def _build(data: dict[str, Any], account: Account) -> Function:
    try:
        fn = Function.model_validate(data)
        _check_function(fn, account)
    except (ValidationError, ValueError) as err:
        raise _invalid(err) from err
    return fn


@api.route("POST", f"{_BASE}/functions", name="CreateFunction", write=True,
           resource=lambda c: function_arn(_region(c), c.acct.id, "*"))
def create_function(call: Call) -> dict[str, Any]:
    body = _body(call)
    name = str(body.get("functionName") or "")
    call.params["functionName"] = name
    region = _region(call)
    if call.acct.fc.function(region, name):
        raise ApiError("FunctionAlreadyExists", f"function '{name}' already exists", 409)
    if body.get("runtime") != "custom-container" and body.get("code") is None:
        raise ApiError("InvalidArgument", "code is required", 400)
    fields = {"name": name, "region": region, **_fields_from_body(body), **_code_fields(body)}
    fn = _build({**fields, "created": call.now()}, call.acct)
    call.acct.fc.functions.append(fn)
    call.touch("ACS::FC::Function", name)
    return _function_json(call.acct.id, fn)


@api.route("GET", f"{_BASE}/functions", name="ListFunctions",
           resource=lambda c: function_arn(_region(c), c.acct.id, "*"))
def list_functions(call: Call) -> dict[str, Any]:
    q = _query(call)
    items = [f for f in call.acct.fc.in_region(_region(call)) if f.name.startswith(q.get("prefix", ""))]
    page, token = _page(items, q, lambda f: f.name)
    out: dict[str, Any] = {"functions": [_function_json(call.acct.id, f) for f in page]}
    if token:
        out["nextToken"] = token
    return out


def _limit(q: dict[str, str]) -> int:
    """FC's page size: limit, 1-100, default 20."""
    try:
        limit = int(q.get("limit") or 20)
    except ValueError as err:
        raise ApiError("InvalidArgument", f"limit {q.get('limit')!r} is not a number", 400) from err
    if not 1 <= limit <= 100:
        raise ApiError("InvalidArgument", f"limit {limit} must be between 1 and 100", 400)
    return limit


def _page(items: list[Any], q: dict[str, str], key: Any) -> tuple[list[Any], str]:
    """FC paging: limit (_limit) and nextToken = the name the next page starts at."""
    limit = _limit(q)
    token = q.get("nextToken", "")
    rest = [i for i in items if key(i) >= token] if token else items
    return rest[:limit], (key(rest[limit]) if len(rest) > limit else "")


@api.route("GET", f"{_BASE}/functions/{{name}}", name="GetFunction", resource=_fn_resource)
def get_function(call: Call) -> dict[str, Any]:
    fn = _function(call)
    qualifier = _query(call).get("qualifier", "")
    version = next((v for v in fn.versions if v.id == qualifier), None)
    if version is None:
        _check_qualifier(call)
        return _function_json(call.acct.id, fn)
    # a published version answers its own snapshot ("The function version or alias": GetFunctionRequest.qualifier)
    return {**_function_json(call.acct.id, fn), "role": version.role,
            "environmentVariables": dict(version.environment),
            "disableInjectCredentials": version.disable_inject_credentials, "description": version.description}


@api.route("PUT", f"{_BASE}/functions/{{name}}", name="UpdateFunction", write=True, resource=_fn_resource)
def update_function(call: Call) -> dict[str, Any]:
    fn = _function(call)
    call.params["functionName"] = fn.name
    body = _body(call)
    fields = {**_fields_from_body(body), **_code_fields(body)}
    if "extra" in fields:
        fields["extra"] = {**fn.extra, **fields["extra"]}
    new = _build({**fn.model_dump(), **fields, "modified": call.now()}, call.acct)
    functions = call.acct.fc.functions
    functions[functions.index(fn)] = new
    call.touch("ACS::FC::Function", fn.name)
    return _function_json(call.acct.id, new)


@api.route("DELETE", f"{_BASE}/functions/{{name}}", name="DeleteFunction", write=True, resource=_fn_resource)
def delete_function(call: Call) -> Response:
    fn = _function(call)
    call.params["functionName"] = fn.name
    call.acct.fc.functions.remove(fn)
    rt = call.world.extras.get("fc.runtime")
    if rt is not None:
        rt.retire((call.acct.id, fn.region, fn.name))
    call.touch("ACS::FC::Function", fn.name)
    return Response(204, b"", {"x-fc-request-id": call.req.request_id})


@api.route("POST", f"{_BASE}/functions/{{name}}/invocations", name="InvokeFunction", resource=_fn_resource,
           locked=False)
def invoke_function(call: Call) -> Response:
    """Runs the handler without the world lock: it calls back into the emulator."""
    world, req = call.world, call.req
    with world.lock:
        fn = _function(call).model_copy(deep=True)
    _check_qualifier(call)
    kind = (req.header("x-fc-invocation-type") or "Sync").capitalize()
    if kind not in ("Sync", "Async"):
        raise ApiError("InvalidArgument", f"x-fc-invocation-type {kind!r} must be Sync or Async", 400)
    limit = SYNC_PAYLOAD_LIMIT if kind == "Sync" else ASYNC_PAYLOAD_LIMIT
    if len(req.body) > limit:
        raise ApiError("EntityTooLarge", f"payload size exceeds maximum allowed size ({limit} bytes)", 400)
    headers = {"x-fc-request-id": req.request_id}
    rt = _runtime(world)
    if kind == "Async":
        task_id = req.header("x-fc-async-task-id") or None
        try:
            rt.submit(call.acct.id, fn, req.body, request_id=req.request_id, source="api", async_task_id=task_id)
        except RuntimeError as err:
            raise ApiError("ServiceUnavailable", str(err), 503) from err
        if task_id:
            headers["x-fc-async-task-id"] = task_id
        return Response(202, b"", headers)
    outcome = rt.run_sync(call.acct.id, fn, req.body, req.request_id)
    if outcome.api_error is not None:
        raise outcome.api_error
    if req.header("x-fc-log-type").lower() == "tail":
        tail = _log_text(req.request_id, outcome).encode()[-LOG_TAIL_BYTES:]
        headers["x-fc-log-result"] = base64.b64encode(tail).decode()
    if outcome.instance_id:
        headers["x-fc-instance-id"] = outcome.instance_id
    headers["x-fc-invocation-duration"] = str(round(outcome.duration_ms))
    if outcome.ok:
        return Response(200, outcome.body, {"Content-Type": "application/octet-stream", **headers})
    headers["x-fc-error-type"] = "UnhandledInvocationError"
    return Response(200, json.dumps(outcome.error).encode(), {"Content-Type": "application/json", **headers})


def _trigger_from_body(body: dict[str, Any], base: Trigger | None, now: datetime) -> Trigger:
    raw = body.get("triggerConfig")
    config: dict[str, Any] | None = None
    if raw is not None:
        try:
            config = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError as err:
            raise ApiError("InvalidArgument", f"triggerConfig is not valid JSON: {err}", 400) from err
        if not isinstance(config, dict):
            raise ApiError("InvalidArgument", "triggerConfig must be a JSON object", 400)
    data = base.model_dump() if base else {"name": body.get("triggerName") or "", "type": body.get("triggerType") or "",
                                           "created": now}
    if base:
        data["modified"] = now
    if config is not None:
        data["config"] = _trigger_config_text(config)
    for key, fieldname in (("qualifier", "qualifier"), ("description", "description"),
                           ("sourceArn", "source_arn"), ("invocationRole", "invocation_role")):
        if body.get(key) is not None and (base is None or key != "sourceArn"):
            data[fieldname] = str(body[key])
    try:
        t = Trigger.model_validate(data)
        _check_trigger(t)
    except (ValidationError, ValueError) as err:
        raise _invalid(err) from err
    return t


@api.route("POST", f"{_BASE}/functions/{{name}}/triggers", name="CreateTrigger", write=True,
           resource=lambda c: f"{_fn_resource(c)}/triggers/*")
def create_trigger(call: Call) -> dict[str, Any]:
    fn = _function(call)
    body = _body(call)
    call.params.update(functionName=fn.name, triggerName=str(body.get("triggerName") or ""))
    if fn.trigger(str(body.get("triggerName") or "")):
        raise ApiError("TriggerAlreadyExists", f"trigger '{body['triggerName']}' already exists", 409)
    if body.get("triggerConfig") is None and body.get("triggerType") != "tablestore":
        raise ApiError("InvalidArgument", "triggerConfig is required", 400)
    t = _trigger_from_body(body, None, call.now())
    fn.triggers.append(t)
    call.touch("ACS::FC::Trigger", f"{fn.name}/{t.name}")
    return _trigger_json(call.acct.id, fn, t)


@api.route("GET", f"{_BASE}/functions/{{name}}/triggers", name="ListTriggers",
           resource=lambda c: f"{_fn_resource(c)}/triggers/*")
def list_triggers(call: Call) -> dict[str, Any]:
    fn = _function(call)
    q = _query(call)
    items = sorted((t for t in fn.triggers if t.name.startswith(q.get("prefix", ""))), key=lambda t: t.name)
    page, token = _page(items, q, lambda t: t.name)
    out: dict[str, Any] = {"triggers": [_trigger_json(call.acct.id, fn, t) for t in page]}
    if token:
        out["nextToken"] = token
    return out


@api.route("GET", f"{_BASE}/functions/{{name}}/triggers/{{trigger}}", name="GetTrigger", resource=_trigger_resource)
def get_trigger(call: Call) -> dict[str, Any]:
    fn = _function(call)
    return _trigger_json(call.acct.id, fn, _trigger(call, fn))


@api.route("PUT", f"{_BASE}/functions/{{name}}/triggers/{{trigger}}", name="UpdateTrigger", write=True,
           resource=_trigger_resource)
def update_trigger(call: Call) -> dict[str, Any]:
    fn = _function(call)
    t = _trigger(call, fn)
    call.params.update(functionName=fn.name, triggerName=t.name)
    new = _trigger_from_body(_body(call), t, call.now())
    fn.triggers[fn.triggers.index(t)] = new
    call.touch("ACS::FC::Trigger", f"{fn.name}/{t.name}")
    return _trigger_json(call.acct.id, fn, new)


@api.route("DELETE", f"{_BASE}/functions/{{name}}/triggers/{{trigger}}", name="DeleteTrigger", write=True,
           resource=_trigger_resource)
def delete_trigger(call: Call) -> Response:
    fn = _function(call)
    t = _trigger(call, fn)
    call.params.update(functionName=fn.name, triggerName=t.name)
    fn.triggers.remove(t)
    call.touch("ACS::FC::Trigger", f"{fn.name}/{t.name}")
    return Response(204, b"", {"x-fc-request-id": call.req.request_id})


def _async_config_json(account_id: str, fn: Function) -> dict[str, Any]:
    cfg = fn.async_invoke_config or AsyncInvokeConfig()
    return {"functionArn": function_arn(fn.region, account_id, fn.name),
            "maxAsyncRetryAttempts": cfg.max_async_retry_attempts,
            "maxAsyncEventAgeInSeconds": cfg.max_async_event_age_seconds,
            "destinationConfig": cfg.destination_config, "asyncTask": cfg.async_task,
            "createdTime": iso(fn.created), "lastModifiedTime": iso(fn.modified or fn.created)}


@api.route("GET", f"{_BASE}/functions/{{name}}/async-invoke-config", name="GetAsyncInvokeConfig",
           resource=_fn_resource)
def get_async_invoke_config(call: Call) -> dict[str, Any]:
    fn = _function(call)
    if fn.async_invoke_config is None:
        raise ApiError("AsyncConfigNotExists", f"async invoke config of function '{fn.name}' does not exist", 404)
    return _async_config_json(call.acct.id, fn)


@api.route("PUT", f"{_BASE}/functions/{{name}}/async-invoke-config", name="PutAsyncInvokeConfig", write=True,
           resource=_fn_resource)
def put_async_invoke_config(call: Call) -> dict[str, Any]:
    fn = _function(call)
    call.params["functionName"] = fn.name
    body = _body(call)
    old = fn.async_invoke_config or AsyncInvokeConfig()
    try:
        cfg = AsyncInvokeConfig(
            max_async_retry_attempts=int(body.get("maxAsyncRetryAttempts", old.max_async_retry_attempts)),
            max_async_event_age_seconds=int(body.get("maxAsyncEventAgeInSeconds",
                                                     old.max_async_event_age_seconds)),
            destination_config=body.get("destinationConfig") or {}, async_task=bool(body.get("asyncTask", False)))
    except (ValidationError, ValueError, TypeError) as err:
        raise _invalid(err) from err
    if not 0 <= cfg.max_async_retry_attempts <= 8:
        raise ApiError("InvalidArgument", "maxAsyncRetryAttempts must be between 0 and 8", 400)
    fn.async_invoke_config = cfg
    call.touch("ACS::FC::Function", fn.name)
    return _async_config_json(call.acct.id, fn)


@api.route("DELETE", f"{_BASE}/functions/{{name}}/async-invoke-config", name="DeleteAsyncInvokeConfig",
           write=True, resource=_fn_resource)
def delete_async_invoke_config(call: Call) -> Response:
    fn = _function(call)
    call.params["functionName"] = fn.name
    fn.async_invoke_config = None
    return Response(204, b"", {"x-fc-request-id": call.req.request_id})


# DescribeRegions (GET /2023-03-30/regions): "the regions where Function Compute 3.0 is available", Regions.Region[]
# of RegionId and LocalName; the SDK's model (DescribeRegionsOutput) has no RequestId, and the page's first sample
# none (https://www.alibabacloud.com/help/en/functioncompute/api-fc-2023-03-30-describeregions); local names are not
# modelled
@api.route("GET", f"{_BASE}/regions", name="DescribeRegions")
def describe_regions(call: Call) -> dict[str, Any]:
    return {"Regions": {"Region": [{"RegionId": r, "LocalName": r}
                                   for r in offered_regions(call.world, "fc", call.acct.regions)]}}


def _version_json(v: FunctionVersion) -> dict[str, Any]:
    return {"versionId": v.id, "description": v.description, "createdTime": iso(v.created),
            "lastModifiedTime": iso(v.created)}


# PublishFunctionVersion (POST /2023-03-30/functions/{functionName}/versions, body PublishVersionInput: description):
# LATEST's configuration becomes an immutable version (model.FunctionVersion); the answer is a Version
@api.route("POST", f"{_BASE}/functions/{{name}}/versions", name="PublishFunctionVersion", write=True,
           resource=_fn_resource)
def publish_function_version(call: Call) -> dict[str, Any]:
    fn = _function(call)
    call.params["functionName"] = fn.name
    number = str(max((int(v.id) for v in fn.versions), default=0) + 1)
    version = FunctionVersion(id=number, description=str(_body(call).get("description") or ""), role=fn.role,
                              environment=dict(fn.environment),
                              disable_inject_credentials=fn.disable_inject_credentials, created=call.now())
    fn.versions.append(version)
    call.touch("ACS::FC::Function", fn.name)
    return _version_json(version)


# ListFunctionVersions (GET /2023-03-30/functions/{functionName}/versions): versions[] of versionId, description,
# createdTime, lastModifiedTime, with direction and nextToken ("The ID of the next version"; OpenMeta metadata
# ListVersionsOutput, sample in tests/fixtures/wire/fc). direction BACKWARD or FORWARD (its default is undocumented:
# here newest first, BACKWARD); limit has no documented range: 1-100 here, default 20 (FC 2.0's ListAliases range)
@api.route("GET", f"{_BASE}/functions/{{name}}/versions", name="ListFunctionVersions", resource=_fn_resource)
def list_function_versions(call: Call) -> dict[str, Any]:
    fn = _function(call)
    q = _query(call)
    direction = q.get("direction") or "BACKWARD"
    if direction not in ("BACKWARD", "FORWARD"):
        raise ApiError("InvalidArgument", f"direction {direction!r} must be BACKWARD or FORWARD", 400)
    ordered = sorted(fn.versions, key=lambda v: int(v.id), reverse=direction == "BACKWARD")
    token = q.get("nextToken", "")
    if token:
        ids = [v.id for v in ordered]
        if token not in ids:
            raise ApiError("InvalidArgument", f"nextToken {token!r} is not a version of the function", 400)
        ordered = ordered[ids.index(token):]
    limit = _limit(q)
    out: dict[str, Any] = {"direction": direction, "versions": [_version_json(v) for v in ordered[:limit]]}
    if len(ordered) > limit:
        out["nextToken"] = ordered[limit].id
    return out
