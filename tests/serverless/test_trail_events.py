"""Changes in another region than the deployment's: EventBridge's bus there has no rule of the pipeline, so they reach
it through the ActionTrail trail's logstore, read by the dispatcher's log trigger (runtime/trail_events.py), as
template.yml deploys it with TrailLogProject. A change on the deployment's own bus is left to EventBridge (judged
once, alerted once); a log trigger naming another logstore is refused without a read."""

from __future__ import annotations

import json
from typing import Any

from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient

from aliaudit import deploy
from tests.event_runs import add_trigger, sls_log_count, sls_logs
from tests.pipeline import add_pipeline, add_trail, fire_daily, invoke, pop_config_for, wait_idle
from tests.sdk import base_scenario, load

AWAY, HOME, AWAY2 = "sg-away000000000001", "sg-home000000000001", "sg-away000000000002"
SSH = ("ecs_security_group_ssh_restricted", "ecs_security_group_ssh_not_exposed")


def _deploy(cloud: Any, admin: Any, env: dict[str, str] | None = None, trigger_on: bool = True) -> None:
    data = base_scenario(regions=["cn-hangzhou", "cn-shanghai"])
    data["accounts"][0].setdefault("ecs", {})["security_groups"] = [
        {"id": AWAY, "name": "away", "region": "cn-shanghai"}, {"id": HOME, "name": "home", "region": "cn-hangzhou"},
        {"id": AWAY2, "name": "away-2", "region": "cn-shanghai"}]
    add_pipeline(data, env=env)
    add_trigger(data)
    add_trail(data)
    if not trigger_on:  # (the test invokes the dispatcher with the trigger's event itself)
        dispatcher = next(f for f in data["accounts"][0]["fc"]["functions"] if f["name"] == "aliaudit-dispatcher")
        next(t for t in dispatcher["triggers"] if t["type"] == "log")["config"]["enable"] = False
    load(cloud, data)
    fire_daily(admin)
    invocations = wait_idle(admin, timeout=600)
    assert all(i["status"] == "succeeded" for i in invocations), [
        (i["function"], i.get("attempts", [{}])[-1].get("error")) for i in invocations if i["status"] != "succeeded"]


def _open_ssh(url: str, group: str, region: str) -> None:
    EcsClient(pop_config_for(url)).authorize_security_group(ecs_models.AuthorizeSecurityGroupRequest(
        region_id=region, security_group_id=group, permissions=[ecs_models.AuthorizeSecurityGroupRequestPermissions(
            ip_protocol="TCP", port_range="22/22", source_cidr_ip="0.0.0.0/0", policy="accept", priority="1")]))


def _trail_results(invocations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [json.loads(i["result"]) for i in invocations
            if i["function"] == "aliaudit-dispatcher" and i.get("trigger") == deploy.TRAIL_TRIGGER_NAME]


def test_a_change_in_another_region_is_judged_from_the_trail(cloud, admin):
    _deploy(cloud, admin)
    before, seen = sls_log_count(admin), len(admin.request("GET", "fc/invocations")["invocations"])
    _open_ssh(cloud.url, AWAY, "cn-shanghai")
    invocations = wait_idle(admin)[seen:]
    assert not [d for d in admin.deliveries() if d["event"]["data"]["eventName"] == "AuthorizeSecurityGroup"]
    fails = [lg for lg in sls_logs(admin, before) if lg["resource_id"] == AWAY and lg["status"] == "FAIL"]
    assert {lg["check_id"] for lg in fails} >= set(SSH) and {lg["region"] for lg in fails} == {"cn-shanghai"}
    assert all(lg["new_fail"] == "true" for lg in fails if lg["check_id"] in SSH)
    assert sum(r["trail_events"] for r in _trail_results(invocations)) == 1  # (the pipeline's own changes: on its bus)


def test_a_change_on_the_deployments_own_bus_is_left_to_eventbridge(cloud, admin):
    _deploy(cloud, admin)
    before, seen = sls_log_count(admin), len(admin.request("GET", "fc/invocations")["invocations"])
    _open_ssh(cloud.url, HOME, "cn-hangzhou")
    invocations = wait_idle(admin)[seen:]
    fails = [lg for lg in sls_logs(admin, before) if lg["resource_id"] == HOME and lg["check_id"] == SSH[0]]
    assert len(fails) == 1  # one run, one alert: EventBridge's
    results = _trail_results(invocations)
    assert results and all(r["trail_events"] == 0 for r in results)
    assert sum(r["left_out"].get("on this region's EventBridge bus", 0) for r in results) >= 1


def test_a_log_trigger_naming_another_logstore_is_refused_unread(cloud, admin):
    _deploy(cloud, admin)
    calls = admin.calls()
    forged = {"source": {"endpoint": "http://attacker.example.com", "projectName": "someone-elses",
                         "logstoreName": "actiontrail_x", "shardId": 0, "beginCursor": "MA", "endCursor": "MTA"},
              "parameter": {}, "jobName": "j", "taskId": "t", "cursorTime": 1}
    invoke(cloud.url, "aliaudit-dispatcher", json.dumps(forged).encode(), asynchronous=False)
    (inv,) = [i for i in admin.request("GET", "fc/invocations")["invocations"] if i["event"] == json.dumps(forged)]
    assert "not the deployment's trail logstore" in json.loads(inv["result"])["ignored"]
    assert admin.calls().get("sls:PullLogs", 0) == calls.get("sls:PullLogs", 0)


def test_a_range_larger_than_an_invocation_reads_goes_on_in_the_next(cloud, admin, monkeypatch):
    """ALIAUDIT_TRAIL_MAX_LOGS logs an invocation; the rest of the trigger's range is handed to a new invocation,
    from where the first stopped: both changes are judged."""
    from aliyun.log import LogClient

    from tests.pipeline import TRAIL_LOGSTORE, TRAIL_PROJECT
    from tests.sdk import ROOT_AK, ROOT_SECRET

    _deploy(cloud, admin, env={"ALIAUDIT_TRAIL_MAX_LOGS": "1"}, trigger_on=False)
    monkeypatch.setenv("HTTP_PROXY", cloud.url)
    logs = LogClient("cn-hangzhou.log.aliyuncs.com", ROOT_AK, ROOT_SECRET, source="10.0.0.1")
    begin = logs.get_cursor(TRAIL_PROJECT, TRAIL_LOGSTORE, 0, "end").get_cursor()
    before = sls_log_count(admin)
    _open_ssh(cloud.url, AWAY, "cn-shanghai")
    _open_ssh(cloud.url, AWAY2, "cn-shanghai")
    end = logs.get_cursor(TRAIL_PROJECT, TRAIL_LOGSTORE, 0, "end").get_cursor()
    seen = len(admin.request("GET", "fc/invocations")["invocations"])
    event = {"source": {"endpoint": "http://cn-hangzhou-intranet.log.aliyuncs.com", "projectName": TRAIL_PROJECT,
                        "logstoreName": TRAIL_LOGSTORE, "shardId": 0, "beginCursor": begin, "endCursor": end},
             "parameter": {}, "jobName": "job", "taskId": "task-1", "cursorTime": 1}
    invoke(cloud.url, "aliaudit-dispatcher", json.dumps(event).encode())
    invocations = wait_idle(admin)[seen:]
    sources = [json.loads(i["event"])["source"] for i in invocations
               if i["function"] == "aliaudit-dispatcher" and "source" in json.loads(i["event"])]
    assert [(s["beginCursor"] == begin, s["endCursor"]) for s in sources] == [(True, end), (False, end)]
    fails = [lg for lg in sls_logs(admin, before) if lg["check_id"] == SSH[0] and lg["status"] == "FAIL"]
    assert {lg["resource_id"] for lg in fails} == {AWAY, AWAY2}
