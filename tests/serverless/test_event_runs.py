"""Issue 17: an event run reads only what the event touched and what it implies, and still gives every verdict the
event can change. Each of the four risky changes is made with the official SDK against the emulator; the emulator's
own ActionTrail event reaches the deployed pipeline through EventBridge (the shipped filter pattern); the SLS logs
must hold exactly the expected new FAILs (CreateAccessKey's user-level one included), and the calls that read the
account stay under a bound that does not grow with it: the same bound on the sample account and on a generated
account with many more users, buckets, groups and instances."""

from __future__ import annotations

import pytest

from tests.emulator.generate import Sizes, generate
from tests.event_runs import EXPECTED, add_targets, add_trigger, describe, run_burst, run_event
from tests.pipeline import add_pipeline, fire_daily, reports_bucket, wait_idle
from tests.sdk import base_scenario, load

# the calls that read the audited account, per event (the pipeline's own OSS objects, FC, SLS and STS calls apart):
# the event's resources and what they imply, the account's regions once, and the account-level reads its checks
# need; the same whatever the account's size
AUDIT_CALL_BOUND = 30
TOTAL_CALL_BOUND = 120  # with the pipeline's own work: manifest, part, claim, reports, latest/, SLS


def _sample() -> dict:
    data = base_scenario(regions=["cn-hangzhou", "cn-shanghai"])
    add_targets(data)
    return data


def _generated() -> dict:
    # many more of every kind the four events touch than the sample has (2 regions keep the test short)
    sizes = Sizes(regions=2, users=150, buckets=150, custom_policies=10, groups=5, roles=5, instances=60,
                  security_groups=30, rules_per_group=5, disks=10, vpcs=3, rds_instances=20, sls_projects=1,
                  logstores_per_project=1, ack_clusters=0, kms_keys=2)
    data = generate(seed=1, sizes=sizes).model_dump(mode="json", exclude_defaults=True)
    add_targets(data)
    return data


def _deploy(cloud, admin, data: dict, daily: bool, env: dict[str, str] | None = None) -> None:
    """The pipeline with its EventBridge trigger, and a first run: the whole account (the last verdicts, what "new"
    is measured against) or, when daily is False, one cheap check (the first aggregation creates the logstore, its
    index and the alerts, whose own events start runs of the SLS checks: they are over before anything is counted)."""
    add_pipeline(data, payload="{}" if daily else '{"checks": ["ram_password_policy_min_length"]}', env=env)
    add_trigger(data)
    load(cloud, data)
    fire_daily(admin)
    invocations = wait_idle(admin, timeout=600)
    assert all(i["status"] == "succeeded" for i in invocations), [
        (i["function"], i.get("attempts", [{}])[-1].get("error")) for i in invocations if i["status"] != "succeeded"]


@pytest.mark.parametrize("event", list(EXPECTED))
def test_each_event_finds_exactly_its_new_fails_with_few_calls(cloud, admin, event):
    _deploy(cloud, admin, _sample(), daily=True)
    run = run_event(admin, cloud.url, event)
    assert run.new_fails == EXPECTED[event], describe(run)
    assert run.audit_calls <= AUDIT_CALL_BOUND, describe(run)
    assert run.total <= TOTAL_CALL_BOUND, describe(run)
    assert run.invocations <= 3, describe(run)  # the dispatcher, one worker, the aggregator


def test_calls_do_not_grow_with_the_account(cloud, admin):
    """The same four events on a generated account: the same bound (no daily run first: every FAIL of the event
    run is new there, so only the calls and runs are compared)."""
    _deploy(cloud, admin, _generated(), daily=False)
    for event in EXPECTED:
        run = run_event(admin, cloud.url, event)
        assert EXPECTED[event] <= run.new_fails, describe(run)
        assert run.audit_calls <= AUDIT_CALL_BOUND, describe(run)
        assert run.total <= TOTAL_CALL_BOUND, describe(run)
        assert run.invocations <= 3, describe(run)


def test_a_burst_coalesces_into_a_few_runs_and_loses_no_resource(cloud, admin):
    """20 changes (five of each kind, each on resources of its own) made back to back: the first is dispatched at
    once, the others wait for the slot to be quiet and go out merged; every touched resource's new FAIL is in SLS."""
    data = _sample()
    for k in range(5):
        add_targets(data, k)
    _deploy(cloud, admin, data, daily=True,
            # (a quiet time longer than the default: on a loaded machine a burst's deliveries come seconds apart)
            env={"ALIAUDIT_EVENT_WINDOW_SECONDS": "60", "ALIAUDIT_EVENT_QUIET_SECONDS": "10"})
    burst = run_burst(admin, cloud.url, reports_bucket(cloud.url), 20)
    assert not burst.missing, burst
    # some merged (how many depends on how far apart a loaded machine delivers them: the count is measured by
    # `make bench-events`, not asserted here; losing none is the test)
    assert len(burst.runs) < 20, burst.runs


def test_a_generation_whose_first_dispatcher_died_is_closed_by_its_events_next_delivery(cloud, admin):
    """Two events queued in a slot whose first event's dispatcher died before closing it (planted as that
    dispatcher left them, the changes made without a trigger): FC's retry of the first event dispatches it and the
    other one, so neither touched resource loses its new FAIL."""
    import json
    import time

    from aliaudit.runtime.burst import PREFIX
    from aliaudit.runtime.triggers import parse
    from tests.event_runs import CHANGES, expected, sls_logs
    from tests.pipeline import invoke, put_signed, writer_bucket

    data = _sample()
    # (60 s: a window must end within the dispatcher's timeout; the delivery again looks in this slot and the one
    # before)
    add_pipeline(data, env={"ALIAUDIT_EVENT_WINDOW_SECONDS": "60"}, bucket_writer=True)
    load(cloud, data)
    fire_daily(admin)
    wait_idle(admin, timeout=600)
    logs_before = len(sls_logs(admin))
    envelopes = []
    for event in ("PutBucketAcl", "ModifySecurityIps"):
        CHANGES[event](cloud.url, None)  # no EventBridge trigger here: the event is delivered by hand below
        change = [e for e in admin.events() if e["eventName"] == event][-1]
        envelopes.append({"id": change["eventId"], "type": f"x:ActionTrail:{change['eventType']}",
                          "source": "acs.x", "data": change})
    slot = int(time.time() // 60)
    planter = writer_bucket(cloud.url)
    for n, envelope in enumerate(envelopes):
        plan = parse(json.dumps(envelope))
        put_signed(planter, f"{PREFIX}{slot}/g0-{plan.run_id}.json", plan.model_dump(mode="json"))  # (as theirs)
        time.sleep(1.1 if n == 0 else 0)  # (the first one earliest, by OSS's Last-Modified)
    invoke(cloud.url, "aliaudit-dispatcher", json.dumps(envelopes[0]).encode(), asynchronous=False)
    wait_idle(admin)
    fails = {(lg["check_id"], lg["resource_id"]) for lg in sls_logs(admin)[logs_before:] if lg["new_fail"] == "true"}
    assert expected("PutBucketAcl") | expected("ModifySecurityIps") <= fails


def _event(name: str, service: str, refs: dict, params: dict | None = None, who: str = "root-account") -> str:
    import json

    return json.dumps({"type": f"{service.lower()}:ActionTrail:ApiCall", "id": "x1", "data": {
        "eventId": "e1", "eventName": name, "acsRegion": "cn-hangzhou", "serviceName": service,
        "referencedResources": refs, "requestParameters": params or {}, "userIdentity": {"type": who}}})


def test_what_an_event_implies_and_which_checks_it_keeps():
    from aliaudit.runtime.triggers import parse

    user_key = parse(_event("CreateAccessKey", "Ram", {"ACS::RAM::AccessKey": ["LTAI1"]}, {"UserName": "bob"}))
    assert user_key.resources == {"ram.access_key": ["LTAI1"], "ram.user": ["bob"]}
    assert "ram_user_single_active_key" in user_key.check_ids
    assert not {"ram_root_access_key_absent", "ram_access_key_used_from_ecs"} & set(user_key.check_ids)
    root_key = parse(_event("CreateAccessKey", "Ram", {"ACS::RAM::AccessKey": ["LTAI2"]}))
    assert root_key.resources["ram.root"] == ["<root>"] and root_key.check_ids == ["ram_root_access_key_absent"]
    # a rule names its group; an EIP bound to an ECS instance names the instance, to a NAT gateway nothing
    rule = parse(_event("AuthorizeSecurityGroup", "Ecs", {}, {"SecurityGroupId": "sg-1"}))
    assert rule.resources == {"ecs.security_group": ["sg-1"]}
    eip = parse(_event("AssociateEipAddress", "Vpc", {}, {"InstanceId": "i-1", "InstanceType": "EcsInstance"}))
    nat = parse(_event("AssociateEipAddress", "Vpc", {}, {"InstanceId": "ngw-1", "InstanceType": "Nat"}))
    assert eip.resources == {"ecs.instance": ["i-1"]} and nat.resources == {}
    # other events keep every check their name selects (RunInstances changes disks too)
    run = parse(_event("RunInstances", "Ecs", {"ACS::ECS::Instance": ["i-2"]}))
    assert {"ecs_disk_attached_encrypted", "ecs_instance_metadata_hardened"} <= set(run.check_ids)
    # the RAM console's changes come as IMS events naming the user by logon name (UserPrincipalName): that user's
    # checks, not the root account's
    console_key = parse(_event("CreateAccessKey", "Ims", {"ACS::RAM::User": ["alice@1234567890123456.onaliyun.com"]},
                               {"UserPrincipalName": "alice@1234567890123456.onaliyun.com"}))
    assert console_key.resources == {"ram.user": ["alice"]}
    assert "ram_user_single_active_key" in console_key.check_ids and "ram_root_access_key_absent" not in \
        console_key.check_ids
    mfa = parse(_event("BindMFADevice", "Ims", {}, {"UserPrincipalName": "alice@1234567890123456.onaliyun.com"}))
    assert mfa.resources == {"ram.user": ["alice"]} and "ram_user_console_mfa_enabled" in mfa.check_ids
    # a clone names its source: the new instance is read too (the RDS instances of the region, not only the source)
    clone = parse(_event("CloneDBInstance", "Rds", {}, {"DBInstanceId": "rm-source"}))
    assert "rds.instance" not in clone.resources and "rds_instance_whitelist_not_open" in clone.check_ids
    # so does a read-only instance (its DBInstanceId is the primary's)
    replica = parse(_event("CreateReadOnlyDBInstance", "Rds", {}, {"DBInstanceId": "rm-primary"}))
    assert "rds.instance" not in replica.resources and "rds_instance_no_public_endpoint" in replica.check_ids


def test_an_event_run_recreates_a_logstore_deleted_since_the_last_run(cloud, admin, monkeypatch):
    """An event run's aggregator trusts its instance's last check of the project, logstore, index and alerts
    (sls_sink.ensure_once: five SLS reads saved on every event); a logstore deleted since makes PutLogs answer
    LogStoreNotExist, and the aggregator then checks again, recreates it and still logs the new FAILs."""
    from aliyun.log import LogClient

    from tests.pipeline import PROJECT
    from tests.sdk import ROOT_AK, ROOT_SECRET

    _deploy(cloud, admin, _sample(), daily=True)
    monkeypatch.setenv("HTTP_PROXY", cloud.url)
    LogClient("cn-hangzhou.log.aliyuncs.com", ROOT_AK, ROOT_SECRET).delete_logstore(PROJECT, "findings")
    run = run_event(admin, cloud.url, "AuthorizeSecurityGroup")
    assert run.new_fails == EXPECTED["AuthorizeSecurityGroup"], describe(run)
    # recreated: by the aggregator that met LogStoreNotExist, and on a loaded machine maybe also by another
    # aggregator instance that checked the setup at the same moment (its create then meets the first one's logstore)
    assert run.calls.get("sls:CreateLogStore", 0) >= 1, describe(run)


def test_an_event_on_a_load_balancer_re_judges_its_listeners(cloud, admin):
    """A CLB listener's finding names no resource an event names (lb/protocol/port): an ACL turned off on the load
    balancer must still reach it (its dataset is read whole), not leave the daily run's PASS standing."""
    from alibabacloud_slb20140515 import models as slb_models
    from alibabacloud_slb20140515.client import Client as SlbClient

    from tests.event_runs import sls_log_count, sls_logs
    from tests.pipeline import pop_config_for

    data = _sample()
    data["accounts"][0]["slb"] = {
        "acls": [{"id": "acl-office", "name": "office", "region": "cn-hangzhou",
                  "entries": [{"ip": "203.0.113.0/24"}]}],
        "load_balancers": [{"id": "lb-bp1sampleshop01", "name": "shop-front", "region": "cn-hangzhou",
                            "address": "47.96.10.80", "address_type": "internet", "listeners": [
                                {"port": 22, "protocol": "tcp", "acl_status": "on", "acl_type": "white",
                                 "acl_ids": ["acl-office"]}]}]}
    _deploy(cloud, admin, data, daily=True)
    before = sls_log_count(admin)
    SlbClient(pop_config_for(cloud.url)).set_load_balancer_tcplistener_attribute(
        slb_models.SetLoadBalancerTCPListenerAttributeRequest(
            region_id="cn-hangzhou", load_balancer_id="lb-bp1sampleshop01", listener_port=22, acl_status="off"))
    wait_idle(admin)
    got = {(lg["resource_id"], lg["status"], lg.get("new_fail")) for lg in sls_logs(admin, before)
           if lg["check_id"] == "slb_listener_acl_restricted"}
    assert ("lb-bp1sampleshop01/tcp/22", "FAIL", "true") in got, got


def test_an_event_on_a_bucket_re_judges_its_access_points(cloud, admin):
    """An access point's finding names bucket/access point, which no OSS event names (ActionTrail's OSS events
    reference the bucket): a policy change on the access point must reach its verdict, not leave the daily run's
    standing."""
    import oss2

    from tests.event_runs import sls_log_count, sls_logs
    from tests.sdk import ROOT_AK, ROOT_SECRET

    data = _sample()
    data["accounts"][0]["oss"]["buckets"].append({
        "name": "cdn-origin", "region": "cn-hangzhou", "access_points": [{
            "name": "cdn-read", "policy": {"Version": "1", "Statement": [{
                "Effect": "Allow", "Principal": ["*"], "Action": ["oss:GetObject"],
                "Resource": ["acs:oss:cn-hangzhou:1234567890123456:accesspoint/cdn-read/object/*"]}]}}]})
    _deploy(cloud, admin, data, daily=True)
    before = sls_log_count(admin)
    oss2.Bucket(oss2.AuthV4(ROOT_AK, ROOT_SECRET), "http://oss-cn-hangzhou.aliyuncs.com", "cdn-origin",
                region="cn-hangzhou", proxies={"http": cloud.url}).delete_access_point_policy("cdn-read")
    wait_idle(admin)
    got = {(lg["resource_id"], lg["status"]) for lg in sls_logs(admin, before)
           if lg["check_id"] == "oss_access_point_not_public"}
    assert ("cdn-origin/cdn-read", "PASS") in got, got
