"""Function Compute 3.0 through the unmodified alibabacloud-fc20230330 client: functions, triggers,
s.yaml deploy, invocations in worker processes (sync, async with retries, timers, EventBridge)."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_fc20230330 import models as fc_models
from alibabacloud_fc20230330.client import Client as FcClient
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from darabonba.runtime import RuntimeOptions

from tests.emulator import EmulatorServer
from tests.emulator.client import AdminClient
from tests.paths import TESTS
from tests.sdk import (
    ACCOUNT,
    ADMIN_AK,
    ADMIN_SECRET,
    READER_AK,
    READER_SECRET,
    ROOT_AK,
    ROOT_SECRET,
    base_scenario,
    load,
    pop_config,
)

CODE = TESTS / "fixtures" / "fc" / "app"
ROLE = f"acs:ram::{ACCOUNT}:role/fc-role"
FC_TRUST = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                           "Principal": {"Service": ["fc.aliyuncs.com"]}}]}
ACTIONTRAIL_CREATE_USER = '{"type":[{"suffix":":ActionTrail:ApiCall"}],"data":{"eventName":["CreateUser"]}}'


def _scenario(*functions: dict[str, Any]) -> dict[str, Any]:
    data = base_scenario()
    acct = data["accounts"][0]
    acct["ram"]["roles"].append({"name": "fc-role", "trust_policy": FC_TRUST})
    acct["fc"] = {"functions": list(functions)}
    return data


def _fn(name: str, handler: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "code_dir": str(CODE), "handler": handler, "role": ROLE, **fields}


def _client(cloud: EmulatorServer) -> FcClient:
    return FcClient(pop_config(cloud))


def _invoke(fc: FcClient, name: str, payload: bytes = b"", **headers: str) -> fc_models.InvokeFunctionResponse:
    return fc.invoke_function_with_options(name, fc_models.InvokeFunctionRequest(body=io.BytesIO(payload)),
                                           fc_models.InvokeFunctionHeaders(**headers), RuntimeOptions())


def _wait(admin: AdminClient) -> list[dict[str, Any]]:
    assert admin.request("POST", "fc/wait", {"timeout": 20})["idle"]
    return admin.request("GET", "fc/invocations")["invocations"]


def _zip_code() -> str:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.write(CODE / "index.py", "index.py")
    return base64.b64encode(buf.getvalue()).decode()


def test_create_get_list_update_delete_function(cloud, admin):
    load(cloud, _scenario())
    fc = _client(cloud)
    code = fc_models.InputCodeLocation(zip_file=_zip_code())
    for i in range(5):
        fc.create_function(fc_models.CreateFunctionRequest(body=fc_models.CreateFunctionInput(
            function_name=f"fn-{i}", runtime="python3.10", handler="index.echo", memory_size=256, timeout=10,
            role=ROLE, environment_variables={"K": str(i)}, code=code)))
    with pytest.raises(ClientException) as err:
        fc.create_function(fc_models.CreateFunctionRequest(body=fc_models.CreateFunctionInput(
            function_name="fn-0", runtime="python3.10", handler="index.echo", code=code)))
    assert (err.value.code, err.value.statusCode) == ("FunctionAlreadyExists", 409)

    got = fc.get_function("fn-3", fc_models.GetFunctionRequest()).body
    assert (got.function_name, got.memory_size, got.timeout, got.role) == ("fn-3", 256, 10, ROLE)
    assert got.environment_variables == {"K": "3"}
    assert got.function_arn == f"acs:fc:cn-hangzhou:{ACCOUNT}:functions/fn-3"

    names, token, pages = [], None, 0
    while True:
        body = fc.list_functions(fc_models.ListFunctionsRequest(limit=2, next_token=token)).body
        names += [f.function_name for f in body.functions]
        pages += 1
        token = body.next_token
        if not token:
            break
    assert (names, pages) == ([f"fn-{i}" for i in range(5)], 3)
    only = fc.list_functions(fc_models.ListFunctionsRequest(prefix="fn-4")).body.functions
    assert [f.function_name for f in only] == ["fn-4"]

    updated = fc.update_function("fn-1", fc_models.UpdateFunctionRequest(
        body=fc_models.UpdateFunctionInput(timeout=20))).body
    assert (updated.timeout, updated.memory_size) == (20, 256)
    assert _invoke(fc, "fn-2", b"zipped code runs").body.read() == b"zipped code runs"

    fc.delete_function("fn-2")
    with pytest.raises(ClientException) as err:
        fc.get_function("fn-2", fc_models.GetFunctionRequest())
    assert (err.value.code, err.value.statusCode) == ("FunctionNotFound", 404)
    events = [(e["eventName"], e["referencedResources"]) for e in admin.events() if e["serviceName"] == "FC"]
    assert ("DeleteFunction", {"ACS::FC::Function": ["fn-2"]}) in events
    assert [n for n, _ in events].count("CreateFunction") == 5


def test_triggers_api(cloud):
    load(cloud, _scenario(_fn("f", "index.echo")))
    fc = _client(cloud)
    for name in ("t1", "t2", "t3"):
        fc.create_trigger("f", fc_models.CreateTriggerRequest(body=fc_models.CreateTriggerInput(
            trigger_name=name, trigger_type="timer",
            trigger_config=json.dumps({"cronExpression": "0 0 3 * * *", "enable": True, "payload": name}))))
    got = fc.get_trigger("f", "t2").body
    assert (got.trigger_type, json.loads(got.trigger_config)["payload"]) == ("timer", "t2")
    assert got.target_arn == f"acs:fc:cn-hangzhou:{ACCOUNT}:functions/f"
    first = fc.list_triggers("f", fc_models.ListTriggersRequest(limit=2)).body
    rest = fc.list_triggers("f", fc_models.ListTriggersRequest(limit=2, next_token=first.next_token)).body
    assert [t.trigger_name for t in first.triggers + rest.triggers] == ["t1", "t2", "t3"]
    assert not rest.next_token
    with pytest.raises(ClientException) as err:
        fc.create_trigger("f", fc_models.CreateTriggerRequest(body=fc_models.CreateTriggerInput(
            trigger_name="bad", trigger_type="eventbridge", trigger_config='{"eventRuleFilterPattern": "{oops"}')))
    assert (err.value.code, err.value.statusCode) == ("InvalidArgument", 400)
    fc.delete_trigger("f", "t2")
    with pytest.raises(ClientException) as err:
        fc.get_trigger("f", "t2")
    assert (err.value.code, err.value.statusCode) == ("TriggerNotFound", 404)


def test_deploy_s_yaml_then_sync_invoke_sees_env_fc_vars_and_role_credentials(cloud, admin, tmp_path, monkeypatch):
    load(cloud, _scenario())
    shutil.copytree(CODE, tmp_path / "code")
    monkeypatch.setenv("FC_TEST_GREETING", "hello from env")
    (tmp_path / "s.yaml").write_text("""
edition: 3.0.0
name: demo
access: default
vars:
  region: cn-shanghai
  role: fc-role
template:
  base:
    region: ${vars.region}
    runtime: python3.10
    code: ./code
    memorySize: 256
    timeout: 30
    role: ${vars.role}
    logConfig: {project: demo-logs, logstore: fc-runtime}
    environmentVariables:
      GREETING: ${env('FC_TEST_GREETING', 'unset')}
      ACCOUNT: acct-${config('AccountID')}
resources:
  info:
    component: fc3
    extend: {name: base}
    props:
      functionName: demo-info
      handler: index.handler
      triggers:
        - triggerName: daily
          triggerType: timer
          triggerConfig: {cronExpression: 'CRON_TZ=Asia/Shanghai 0 0 3 * * *', enable: true, payload: '{"mode":"full"}'}
  who:
    component: fc3
    extend: {name: base}
    props:
      functionName: demo-who
      handler: identity.whoami
  infra:
    component: ros
    props: {name: stack}
""")
    out = admin.request("POST", "fc/deploy", {"s_yaml": str(tmp_path / "s.yaml")})
    assert [f["name"] for f in out["functions"]] == ["demo-info", "demo-who"]
    assert out["skipped"] == [{"resource": "infra", "component": "ros"}]

    # the deployed region comes from the s.yaml: reach it through the SDK's regional host (forward proxy)
    fc = FcClient(Config(access_key_id=ADMIN_AK, access_key_secret=ADMIN_SECRET, region_id="cn-shanghai",
                         protocol="http", http_proxy=cloud.url))
    got = fc.get_function("demo-info", fc_models.GetFunctionRequest()).body
    assert (got.runtime, got.memory_size, got.role, got.log_config.project) == ("python3.10", 256, ROLE, "demo-logs")
    assert got.environment_variables == {"GREETING": "hello from env", "ACCOUNT": f"acct-{ACCOUNT}"}

    resp = _invoke(fc, "demo-info", b'{"k": "v"}', x_fc_invocation_type="Sync", x_fc_log_type="Tail")
    seen = json.loads(resp.body.read())
    assert resp.status_code == 200 and resp.headers["x-fc-request-id"] == seen["context"]["request_id"]
    env, ctx = seen["env"], seen["context"]
    assert seen["event"] == '{"k": "v"}'
    assert env["GREETING"] == "hello from env"
    assert (env["FC_FUNCTION_NAME"], env["FC_REGION"], env["FC_ACCOUNT_ID"]) == ("demo-info", "cn-shanghai", ACCOUNT)
    assert (env["FC_FUNCTION_HANDLER"], env["FC_FUNCTION_MEMORY_SIZE"]) == ("index.handler", "256")
    assert Path(env["FC_FUNC_CODE_PATH"]) == (tmp_path / "code").resolve()
    assert env["ALIBABA_CLOUD_ACCESS_KEY_ID"].startswith("STS.") and env["ALIBABA_CLOUD_SECURITY_TOKEN"]
    assert (env["ALIAUDIT_ENDPOINT_PROXY"], env["ALIAUDIT_ENDPOINT_PROTOCOL"]) == (cloud.url, "http")
    assert (env["HTTP_PROXY"], env["HTTPS_PROXY"]) == (cloud.url, None)
    assert ctx["credentials"] == {"access_key_id": env["ALIBABA_CLOUD_ACCESS_KEY_ID"],
                                  "security_token": env["ALIBABA_CLOUD_SECURITY_TOKEN"]}
    assert ctx["function"] == {"name": "demo-info", "handler": "index.handler", "memory": 256, "timeout": 30}
    assert (ctx["region"], ctx["account_id"]) == ("cn-shanghai", ACCOUNT)
    assert ctx["service"] == {"log_project": "demo-logs", "log_store": "fc-runtime"}
    log = base64.b64decode(resp.headers["x-fc-log-result"]).decode()
    assert log.startswith(f"FC Invoke Start RequestId: {ctx['request_id']}\n")
    assert "handler got 10 bytes" in log and "[INFO] hello from the logger" in log

    # the handler calls STS itself, with the injected role credentials, through the emulator
    arn = _invoke(fc, "demo-who").body.read().decode()
    assert arn == f"acs:ram::{ACCOUNT}:assumed-role/fc-role/demo-who"


@pytest.mark.parametrize(("mode", "in_env", "in_context"),
                         [("", True, True), ("Env", False, True), ("Request", True, False), ("All", False, False)])
def test_disable_inject_credentials_withholds_the_role_token_as_documented(cloud, mode, in_env, in_context):
    """disableInjectCredentials (alibabacloud_fc20230330 Function doc comment): None injects the role's STS token
    everywhere, Env not through environment variables, Request not through the context, All not at all."""
    load(cloud, _scenario(_fn("seen", "index.handler", disable_inject_credentials=mode)))
    seen = json.loads(_invoke(_client(cloud), "seen").body.read())
    assert bool(seen["env"]["ALIBABA_CLOUD_SECURITY_TOKEN"]) is in_env
    creds = seen["context"]["credentials"]
    assert bool(creds and creds["security_token"]) is in_context


def test_instances_are_reused_and_replaced_after_an_update(cloud):
    load(cloud, _scenario(_fn("f", "index.handler", environment={"GREETING": "one"})))
    fc = _client(cloud)
    first = json.loads(_invoke(fc, "f").body.read())
    second = json.loads(_invoke(fc, "f").body.read())
    assert first["pid"] == second["pid"]
    fc.update_function("f", fc_models.UpdateFunctionRequest(body=fc_models.UpdateFunctionInput(
        environment_variables={"GREETING": "two"})))
    third = json.loads(_invoke(fc, "f").body.read())
    assert third["pid"] != first["pid"] and third["env"]["GREETING"] == "two"


def test_handler_exception_is_an_unhandled_invocation_error(cloud):
    load(cloud, _scenario(_fn("f", "index.fail")))
    resp = _invoke(_client(cloud), "f", b"bad input")
    assert resp.status_code == 200
    assert resp.headers["x-fc-error-type"] == "UnhandledInvocationError"
    body = json.loads(resp.body.read())
    assert (body["errorType"], body["errorMessage"]) == ("ValueError", "boom: bad input")
    file, line, func, code = body["stackTrace"][-1]
    assert file == f'File "{CODE / "index.py"}"' and re.fullmatch(r"line \d+", line) and func == "in fail"
    assert "raise ValueError" in code


def test_timeout_kills_the_instance(cloud):
    load(cloud, _scenario(_fn("f", "index.slow", timeout=1)))
    fc = _client(cloud)
    resp = _invoke(fc, "f", b'{"seconds": 5}', x_fc_log_type="Tail")
    assert resp.headers["x-fc-error-type"] == "UnhandledInvocationError"
    assert json.loads(resp.body.read()) == {"errorMessage": "Function time out after 1 seconds",
                                            "errorType": "FunctionTimeout"}
    assert "Error: Function time out after 1 seconds" in base64.b64decode(resp.headers["x-fc-log-result"]).decode()
    assert _invoke(fc, "f", b'{"seconds": 0}').body.read() == b"done"  # a fresh instance


def test_unknown_function_is_not_found(cloud):
    load(cloud, _scenario())
    fc = _client(cloud)
    for call in (lambda: fc.get_function("ghost", fc_models.GetFunctionRequest()), lambda: _invoke(fc, "ghost")):
        with pytest.raises(ClientException) as err:
            call()
        assert (err.value.code, err.value.statusCode) == ("FunctionNotFound", 404)


def test_async_invoke_answers_202_and_runs_in_the_background(cloud, admin):
    load(cloud, _scenario(_fn("f", "index.echo")))
    resp = _invoke(_client(cloud), "f", b"later", x_fc_invocation_type="Async", x_fc_async_task_id="task-1")
    assert resp.status_code == 202
    assert resp.headers["x-fc-async-task-id"] == "task-1"
    done = _wait(admin)
    assert len(done) == 1
    inv = done[0]
    assert (inv["request_id"], inv["function"], inv["invocation_type"]) == (resp.headers["x-fc-request-id"], "f",
                                                                           "Async")
    assert (inv["status"], inv["event"], inv["result"], len(inv["attempts"])) == ("succeeded", "later", "later", 1)
    assert inv["started"] and inv["finished"]


def test_failing_async_invocation_is_retried_as_configured(cloud, admin):
    load(cloud, _scenario(_fn("f", "index.fail")))
    fc = _client(cloud)
    fc.put_async_invoke_config("f", fc_models.PutAsyncInvokeConfigRequest(
        body=fc_models.PutAsyncInvokeConfigInput(max_async_retry_attempts=2)))
    assert fc.get_async_invoke_config("f", fc_models.GetAsyncInvokeConfigRequest()).body.max_async_retry_attempts == 2
    _invoke(fc, "f", b"x", x_fc_invocation_type="Async")
    (inv,) = _wait(admin)
    assert inv["status"] == "failed"
    assert [a["attempt"] for a in inv["attempts"]] == [1, 2, 3]
    assert {a["error"]["errorType"] for a in inv["attempts"]} == {"ValueError"}
    assert inv["error"]["errorMessage"] == "boom: x"


def test_firing_a_timer_runs_the_handler_with_the_timer_event(cloud, admin):
    timer = {"name": "daily", "type": "timer",
             "config": {"cronExpression": "0 0 3 * * *", "enable": True, "payload": '{"mode":"full"}'}}
    load(cloud, _scenario(_fn("f", "index.echo", triggers=[timer])))
    fired = admin.request("POST", "fc/timers/fire", {"function": "f", "trigger": "daily"})
    (inv,) = _wait(admin)
    event = json.loads(inv["result"])  # echo: the handler got exactly this
    assert event == fired["event"] == json.loads(inv["event"])
    assert (event["triggerName"], event["payload"]) == ("daily", '{"mode":"full"}')
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", event["triggerTime"])
    assert (inv["source"], inv["trigger"], inv["invocation_type"]) == ("timer", "daily", "Async")


@pytest.mark.parametrize(("config", "kind"), [({}, "Async"), ({"asyncInvocationType": False}, "Async"),
                                               ({"asyncInvocationType": True}, "Sync")])
def test_eventbridge_invocation_type_follows_fc3s_meaning(cloud, admin, config, kind):
    """FC 3.0's EventBridgeTriggerConfig: asyncInvocationType true is a synchronous call, false (the default) an
    asynchronous one (alibabacloud_fc20230330's model doc comment; FC 2.0 read it the other way)."""
    trigger = {"name": "actiontrail", "type": "eventbridge",
               "config": {"eventRuleFilterPattern": ACTIONTRAIL_CREATE_USER, **config}}
    load(cloud, _scenario(_fn("watch", "index.echo", triggers=[trigger])))
    RamClient(pop_config(cloud, ROOT_AK, ROOT_SECRET)).create_user(ram_models.CreateUserRequest(user_name="eve"))
    (inv,) = _wait(admin)
    assert (inv["source"], inv["invocation_type"]) == ("eventbridge", kind)


def test_ram_write_reaches_the_function_through_eventbridge(cloud, admin):
    trigger = {"name": "actiontrail", "type": "eventbridge",
               "config": {"eventRuleFilterPattern": ACTIONTRAIL_CREATE_USER, "asyncInvocationType": False,
                          "eventSourceConfig": {"eventSourceType": "Default"}}}
    load(cloud, _scenario(_fn("watch", "index.echo", triggers=[trigger])))
    ram = RamClient(pop_config(cloud, ROOT_AK, ROOT_SECRET))
    ram.create_user(ram_models.CreateUserRequest(user_name="mallory"))
    ram.create_group(ram_models.CreateGroupRequest(group_name="not-matched"))
    (inv,) = _wait(admin)
    (delivery,) = admin.deliveries()
    assert (delivery["function"], delivery["trigger"]) == ("watch", "actiontrail")
    received = json.loads(inv["result"])
    assert received == json.loads(inv["event"]) == delivery["event"]
    assert received["type"] == "ram:ActionTrail:ApiCall" and received["source"] == "acs.ram"
    assert received["data"]["eventName"] == "CreateUser"
    assert received["data"]["requestParameters"]["UserName"] == "mallory"
    assert (inv["source"], inv["trigger"], inv["status"]) == ("eventbridge", "actiontrail", "succeeded")


def test_eventbridge_delivers_to_the_bus_of_the_events_region_only(cloud, admin):
    """Buses are regional: a security group made in cn-shanghai reaches a function there, not one in cn-hangzhou;
    RAM's events of a China-site account reach cn-hangzhou only (EventBridge 访问控制事件: China regions' events in
    Hangzhou, others' in Singapore)."""
    pattern = '{"type":[{"suffix":":ActionTrail:ApiCall"}],"data":{"eventName":["CreateUser","CreateSecurityGroup"]}}'
    trigger = {"name": "actiontrail", "type": "eventbridge", "config": {"eventRuleFilterPattern": pattern}}
    load(cloud, _scenario(*(_fn(f"watch-{r}", "index.echo", region=r, triggers=[trigger])
                            for r in ("cn-hangzhou", "cn-shanghai", "ap-southeast-1"))))
    EcsClient(pop_config(cloud, ROOT_AK, ROOT_SECRET, region_id="cn-shanghai")).create_security_group(
        ecs_models.CreateSecurityGroupRequest(region_id="cn-shanghai"))
    RamClient(pop_config(cloud, ROOT_AK, ROOT_SECRET)).create_user(ram_models.CreateUserRequest(user_name="eve"))
    _wait(admin)
    got = {(d["function"], d["event"]["data"]["eventName"]) for d in admin.deliveries()}
    assert got == {("watch-cn-shanghai", "CreateSecurityGroup"), ("watch-cn-hangzhou", "CreateUser")}


def test_ram_policies_govern_fc_calls_and_fc_needs_a_role_it_can_assume(cloud):
    untrusted = {"name": "not-for-fc", "policies": [{"name": "ReadOnlyAccess"}], "trust_policy": {
        "Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                       "Principal": {"RAM": [f"acs:ram::{ACCOUNT}:root"]}}]}}
    data = _scenario(_fn("f", "index.echo"), _fn("g", "index.echo", role=f"acs:ram::{ACCOUNT}:role/not-for-fc"))
    data["accounts"][0]["ram"]["roles"].append(untrusted)
    load(cloud, data)
    reader = FcClient(pop_config(cloud, READER_AK, READER_SECRET))
    assert [f.function_name for f in reader.list_functions(fc_models.ListFunctionsRequest()).body.functions] == \
        ["f", "g"]
    with pytest.raises(ClientException) as err:
        _invoke(reader, "f")
    assert (err.value.code, err.value.statusCode) == ("NoPermission", 403)
    assert f"acs:fc:cn-hangzhou:{ACCOUNT}:functions/f" in err.value.message
    with pytest.raises(ClientException) as err:
        _invoke(_client(cloud), "g")
    assert (err.value.code, err.value.statusCode) == ("InvalidArgument", 400)
    assert "fc.aliyuncs.com" in err.value.message
