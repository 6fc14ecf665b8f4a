"""The trail logstore's events (runtime/trail_events.py): which bus an event reaches, which events start runs here,
the log trigger's event as an invoker's bounded text."""

from __future__ import annotations

import json

import pytest

from aliaudit.runtime.trail_events import _event, _left_out, bus_region
from aliaudit.runtime.triggers import MAX_EVENT_BYTES, TriggerError, parse

NAMES = {"AuthorizeSecurityGroup", "CreateAccessKey", "ConsoleSignin"}
OWN = "1234567890123456"


def _ev(name: str = "AuthorizeSecurityGroup", region: str = "cn-shanghai", service: str = "Ecs",
        kind: str = "ApiCall", **more: object) -> dict[str, object]:
    return {"eventName": name, "acsRegion": region, "serviceName": service, "eventType": kind, **more}


def test_regional_events_reach_their_regions_bus_and_rams_the_documented_centres() -> None:
    assert bus_region(_ev(region="eu-central-1")) == "eu-central-1"
    assert bus_region(_ev("CreateAccessKey", "cn-shanghai", "Ram")) == "cn-hangzhou"
    assert bus_region(_ev("CreateAccessKey", "cn-hongkong", "Ram")) == "ap-southeast-1"
    assert bus_region(_ev("CreateAccessKey", "us-east-1", "Ims")) == "ap-southeast-1"


def test_only_changes_off_the_deployments_bus_of_its_own_account_start_runs_here() -> None:
    assert _left_out(_ev(), NAMES, "cn-hangzhou", OWN) == ""
    assert _left_out(_ev(region="cn-hangzhou"), NAMES, "cn-hangzhou", OWN) == "on this region's EventBridge bus"
    assert _left_out(_ev("CreateAccessKey", "cn-beijing", "Ram"), NAMES, "cn-hangzhou", OWN) != ""
    assert _left_out(_ev("CreateAccessKey", "us-east-1", "Ram"), NAMES, "cn-hangzhou", OWN) == ""
    # a sign-in never reaches EventBridge: the root account's is taken from the trail, a RAM identity's changes nothing
    root, user = {"userIdentity": {"type": "root-account"}}, {"userIdentity": {"type": "ram-user"}}
    assert _left_out(_ev("ConsoleSignin", "cn-hangzhou", "AliyunConsole", "ConsoleSignin", **root), NAMES,
                     "cn-hangzhou", OWN) == ""
    assert _left_out(_ev("ConsoleSignin", "cn-hangzhou", "AliyunConsole", "ConsoleSignin", **user), NAMES,
                     "cn-hangzhou", OWN) == "a RAM identity's sign-in"
    # another global service's event: which bus gets it is not documented, so it is never left to EventBridge
    assert _left_out(_ev(region="cn-hangzhou", service="Cdn", isGlobal=True), NAMES, "cn-hangzhou", OWN) == ""
    assert _left_out(_ev(["AuthorizeSecurityGroup"]), NAMES, "cn-hangzhou", OWN) == "changing no check"  # type: ignore[arg-type]
    assert _left_out(_ev("DescribeInstances"), NAMES, "cn-hangzhou", OWN) == "changing no check"
    assert _left_out(_ev(recipientAccountId="9999999999999999"), NAMES, "cn-hangzhou", OWN) == "of another account"
    assert _left_out(_ev(recipientAccountId=OWN), NAMES, "cn-hangzhou", OWN) == ""


def test_a_logs_event_text_is_bounded_and_must_be_an_object() -> None:
    assert _event({"event": json.dumps(_ev())}) == _ev()
    for bad in ({"event": "[1]"}, {"event": "not json"}, {"event": 5}, {}, "text",
                {"event": json.dumps({"x": "y" * MAX_EVENT_BYTES})}, {"event": "[" * 100_000 + "]" * 100_000}):
        assert _event(bad) is None


def _trigger(**source: object) -> bytes:
    base = {"projectName": "p-trail", "logstoreName": "actiontrail_a", "shardId": 0, "beginCursor": "MA",
            "endCursor": "MTA"}
    return json.dumps({"source": {**base, **source}, "jobName": "j", "taskId": "t-1", "cursorTime": 1}).encode()


def test_a_log_triggers_event_is_a_trail_plan_and_a_malformed_one_a_clear_error() -> None:
    plan = parse(_trigger())
    assert (plan.kind, plan.trigger["project"], plan.trigger["shard"]) == ("trail", "p-trail", "0")
    for bad, message in ((_trigger(shardId="0"), "shard number"), (_trigger(shardId=-1), "shard number"),
                         (_trigger(shardId=True), "shard number"), (_trigger(beginCursor="a b"), "cursors"),
                         (_trigger(endCursor="x" * 300), "cursors"), (_trigger(projectName=""), "projectName")):
        with pytest.raises(TriggerError, match=message):
            parse(bad)
