"""A trail delivering to Simple Log Service, read as a consumer does: GetCursor and PullLogs with
aliyun-log-python-sdk, and FC's log trigger handing a function the cursor range of what is new (SLS "Develop a
custom function", doc 60781; ActionTrail's logstore actiontrail_<trail>, log fields from SLS "ActionTrail log
fields")."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from aliyun.log import LogClient, LogException

from tests.fidelity.test_emulator_fc import FC_TRUST, _fn, _wait
from tests.sdk import ACCOUNT, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

PROJECT = "trail-logs"
STORE = "actiontrail_audit"


def _scenario(*functions: dict[str, Any]) -> dict[str, Any]:
    data = base_scenario(regions=["cn-hangzhou", "cn-shanghai"], sls={"projects": [
        {"name": PROJECT, "region": "cn-hangzhou"}]}, actiontrail={"trails": [
            {"name": "audit", "sls_project_arn": f"acs:log:cn-hangzhou:{ACCOUNT}:project/{PROJECT}"}]})
    acct = data["accounts"][0]
    acct["ram"]["roles"].append({"name": "fc-role", "trust_policy": FC_TRUST})
    acct["fc"] = {"functions": list(functions)}
    return data


def _log_client() -> LogClient:
    return LogClient("cn-hangzhou.log.aliyuncs.com", ROOT_AK, ROOT_SECRET, source="10.0.0.1")


def _make_group(cloud: Any, region: str = "cn-shanghai") -> None:
    EcsClient(pop_config(cloud, ROOT_AK, ROOT_SECRET, region_id=region)).create_security_group(
        ecs_models.CreateSecurityGroupRequest(region_id=region))


def _pull(c: LogClient, begin: str, end: str | None = None, count: int = 1000) -> tuple[list[dict[str, Any]], str]:
    res = c.pull_logs(PROJECT, STORE, 0, begin, count=count, end_cursor=end)
    return res.get_flatten_logs_json(), res.get_next_cursor()


def test_a_trail_delivers_every_regions_events_to_its_logstore_read_by_cursor(cloud, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", cloud.url)
    load(cloud, _scenario())
    c = _log_client()
    _make_group(cloud)
    _make_group(cloud, "cn-hangzhou")
    begin = c.get_cursor(PROJECT, STORE, 0, "begin").get_cursor()
    end = c.get_cursor(PROJECT, STORE, 0, "end").get_cursor()
    logs, following = _pull(c, begin, end)
    assert following == end
    assert [(lg["__topic__"], lg["owner_id"]) for lg in logs] == [("actiontrail_event", ACCOUNT)] * 2
    events = [json.loads(lg["event"]) for lg in logs]
    assert [(e["eventName"], e["acsRegion"]) for e in events] == [("CreateSecurityGroup", "cn-shanghai"),
                                                                  ("CreateSecurityGroup", "cn-hangzhou")]
    one, second = _pull(c, begin, end, count=1)  # count is in LogGroups (one log each here)
    assert [json.loads(lg["event"])["acsRegion"] for lg in one] == ["cn-shanghai"]
    assert _pull(c, second, end)[0] == logs[1:]
    assert _pull(c, end)[0] == []  # nothing new
    with pytest.raises(LogException) as err:
        c.pull_logs(PROJECT, STORE, 0, "bm90LWEtY3Vyc29y", count=10)
    assert (err.value.get_error_code(), err.value.resp_status) == ("InvalidCursor", 400)
    with pytest.raises(LogException) as err:
        c.pull_logs(PROJECT, STORE, 7, begin, count=10)
    assert err.value.get_error_code() == "ShardNotExist"


def test_a_log_trigger_hands_the_function_the_cursor_range_of_new_logs(cloud, admin, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", cloud.url)
    trigger = {"name": "trail", "type": "log", "source_arn": f"acs:log:cn-hangzhou:{ACCOUNT}:project/{PROJECT}",
               "invocation_role": f"acs:ram::{ACCOUNT}:role/aliyunlogetlrole",
               "config": {"sourceConfig": {"logstore": STORE}, "jobConfig": {"triggerInterval": 60, "maxRetryTime": 3},
                          "logConfig": {"project": PROJECT, "logstore": "fc-logs"}, "functionParameter": {"a": "b"},
                          "enable": True}}
    load(cloud, _scenario(_fn("consume", "index.echo", triggers=[trigger])))
    _make_group(cloud)
    (inv,) = _wait(admin)
    assert (inv["source"], inv["trigger"], inv["status"]) == ("log", "trail", "succeeded")
    event = json.loads(inv["event"])
    assert event["parameter"] == {"a": "b"} and isinstance(event["cursorTime"], int)
    source = event["source"]
    assert (source["projectName"], source["logstoreName"], source["shardId"]) == (PROJECT, STORE, 0)
    logs, _ = _pull(_log_client(), source["beginCursor"], source["endCursor"])
    assert [json.loads(lg["event"])["eventName"] for lg in logs] == ["CreateSecurityGroup"]
    _make_group(cloud, "cn-hangzhou")  # the next invocation starts where the last one ended
    second = json.loads([i for i in _wait(admin) if i["request_id"] != inv["request_id"]][0]["event"])["source"]
    assert second["beginCursor"] == source["endCursor"]
    assert [json.loads(lg["event"])["acsRegion"] for lg in _pull(_log_client(), second["beginCursor"],
                                                                  second["endCursor"])[0]] == ["cn-hangzhou"]
