"""Faults on demand (throttling, 5xx, region down, latency) and ActionTrail trails and LookupEvents."""

from __future__ import annotations

import time

import pytest
from alibabacloud_actiontrail20200706 import models as at_models
from alibabacloud_actiontrail20200706.client import Client as TrailClient
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException

from tests.sdk import ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config


def test_rate_limit_answers_throttling_without_retry_after(cloud, admin):
    load(cloud, base_scenario())
    admin.faults(rate_limits={"ram:ListUsers": 3})
    ram = RamClient(pop_config(cloud))
    codes = []
    for _ in range(6):
        try:
            ram.list_users(ram_models.ListUsersRequest())
            codes.append("ok")
        except ClientException as err:
            codes.append(err.code)
    assert codes == ["ok"] * 3 + ["Throttling.User"] * 3
    assert admin.request("GET", "calls")["throttled"] == {"ram:ListUsers": 3}
    ram.list_groups(ram_models.ListGroupsRequest())  # other APIs have their own budget


def test_ecs_rate_limits_are_per_region_and_ram_limits_per_account(cloud, admin):
    """ECS: "Region-specific throttling thresholds ... calls to this API operation in other regions are not
    affected" (https://www.alibabacloud.com/help/en/elastic-compute-service/latest/api-throttling); RAM is global."""
    load(cloud, base_scenario())
    admin.faults(rate_limits={"ecs:DescribeInstances": 2, "ram:ListUsers": 2})
    admin.request("DELETE", "calls")
    codes: dict[str, list[str]] = {}
    for region in ("cn-hangzhou", "cn-shanghai"):
        ecs = EcsClient(pop_config(cloud, region_id=region))
        for _ in range(3):
            try:
                ecs.describe_instances(ecs_models.DescribeInstancesRequest(region_id=region))
                codes.setdefault(region, []).append("ok")
            except ClientException as err:
                codes.setdefault(region, []).append(err.code)
    assert codes == {r: ["ok", "ok", "Throttling.User"] for r in ("cn-hangzhou", "cn-shanghai")}
    ram_codes = []
    for region in ("cn-hangzhou", "cn-shanghai"):
        try:
            RamClient(pop_config(cloud, region_id=region)).list_users(ram_models.ListUsersRequest())
            RamClient(pop_config(cloud, region_id=region)).list_users(ram_models.ListUsersRequest())
            ram_codes.append("ok")
        except ClientException as err:
            ram_codes.append(err.code)
    assert ram_codes == ["ok", "Throttling.User"]
    admitted = next(iter(admin.request("GET", "calls")["by_account"].values()))
    assert admitted["ecs:DescribeInstances@cn-hangzhou"] == admitted["ecs:DescribeInstances@cn-shanghai"] == 2
    assert admitted["ram:ListUsers"] == 2


def test_sls_rate_limits_are_per_project(cloud, admin, monkeypatch):
    """SLS: "Hard limits apply at the project level" (https://www.alibabacloud.com/help/en/sls/basic-resources): a
    project's calls leave the other projects' quota untouched; account-level calls (ListProject) share one."""
    from aliyun.log import LogClient, LogException

    data = base_scenario()
    data["accounts"][0]["sls"] = {"projects": [{"name": "proj-a", "logstores": [{"name": "s"}]},
                                               {"name": "proj-b", "logstores": [{"name": "s"}]}]}
    load(cloud, data)
    admin.faults(rate_limits={"sls:GetLogStore": 2, "sls:ListProject": 1})
    admin.request("DELETE", "calls")
    monkeypatch.setenv("HTTP_PROXY", cloud.url)
    log = LogClient("cn-hangzhou.log.aliyuncs.com", ROOT_AK, ROOT_SECRET)
    codes: dict[str, list[str]] = {}
    for project in ("proj-a", "proj-b"):
        for _ in range(3):
            try:
                log.get_logstore(project, "s")
                codes.setdefault(project, []).append("ok")
            except LogException as err:
                codes.setdefault(project, []).append(err.get_error_code())
    assert codes == {p: ["ok", "ok", "MetaOperationQpsLimitExceeded"] for p in ("proj-a", "proj-b")}
    log.list_project()
    with pytest.raises(LogException):
        log.list_project()
    admitted = next(iter(admin.request("GET", "calls")["by_account"].values()))
    assert admitted["sls:GetLogStore@project/proj-a"] == admitted["sls:GetLogStore@project/proj-b"] == 2
    assert admitted["sls:ListProject"] == 1


def test_rate_limit_with_retry_after_raises_throttling_exception(cloud, admin):
    load(cloud, base_scenario())
    admin.faults(rate_limits={"ram:*": 1}, throttle_retry_after_ms=1500)
    ram = RamClient(pop_config(cloud))
    ram.list_users(ram_models.ListUsersRequest())
    with pytest.raises(ThrottlingException) as err:
        ram.list_users(ram_models.ListUsersRequest())
    assert err.value.code == "Throttling.User" and err.value.retry_after == 1500


def test_error_rate_gives_server_exceptions(cloud, admin):
    load(cloud, base_scenario())
    admin.faults(error_rate=0.5, seed=7)
    ram = RamClient(pop_config(cloud))
    outcomes = []
    for _ in range(40):
        try:
            ram.list_users(ram_models.ListUsersRequest())
            outcomes.append("ok")
        except ServerException as err:
            assert (err.code, err.statusCode) == ("ServiceUnavailable", 503)
            outcomes.append("5xx")
    assert 8 <= outcomes.count("5xx") <= 32


def test_region_down_and_latency(cloud, admin):
    load(cloud, base_scenario())
    admin.faults(regions_down=["cn-beijing"], latency_ms=50)
    trail_bj = TrailClient(pop_config(cloud, region_id="cn-beijing", http_proxy=cloud.url, endpoint=None))
    with pytest.raises(ServerException) as err:
        trail_bj.describe_trails(at_models.DescribeTrailsRequest())
    assert err.value.code == "ServiceUnavailable"
    trail_hz = TrailClient(pop_config(cloud, region_id="cn-hangzhou", http_proxy=cloud.url, endpoint=None))
    start = time.monotonic()
    assert trail_hz.describe_trails(at_models.DescribeTrailsRequest()).body.trail_list == []
    assert time.monotonic() - start >= 0.05


def test_trails_and_lookup_events_paging(cloud, admin):
    load(cloud, base_scenario())
    trail = TrailClient(pop_config(cloud, ROOT_AK, ROOT_SECRET))
    trail.create_trail(at_models.CreateTrailRequest(name="main", oss_bucket_name="logs", event_rw="All"))
    trail.start_logging(at_models.StartLoggingRequest(name="main"))
    listed = trail.describe_trails(at_models.DescribeTrailsRequest()).body.trail_list
    assert [t.name for t in listed] == ["main"]
    assert trail.get_trail_status(at_models.GetTrailStatusRequest(name="main")).body.is_logging is True
    ram = RamClient(pop_config(cloud, ROOT_AK, ROOT_SECRET))
    for i in range(7):
        ram.create_user(ram_models.CreateUserRequest(user_name=f"user{i}"))
    names, token = [], None
    while True:
        req = at_models.LookupEventsRequest(max_results=3, next_token=token, lookup_attribute=[
            at_models.LookupEventsRequestLookupAttribute(key="EventName", value="CreateUser")])
        body = trail.lookup_events(req).body
        names += [e["requestParameters"]["UserName"] for e in body.events]
        if not body.next_token:
            break
        token = body.next_token
    assert names == [f"user{i}" for i in reversed(range(7))]
    assert len(admin.events()) == 9  # CreateTrail, StartLogging and seven CreateUser


def test_describe_regions_lists_the_account_regions(cloud):
    from alibabacloud_ecs20140526 import models as ecs_models
    from alibabacloud_ecs20140526.client import Client as EcsClient

    data = base_scenario(regions=["cn-hangzhou", "eu-central-1"])
    load(cloud, data)
    for cfg in (pop_config(cloud), pop_config(cloud, endpoint=None, http_proxy=cloud.url)):
        body = EcsClient(cfg).describe_regions(ecs_models.DescribeRegionsRequest()).body
        assert [r.region_id for r in body.regions.region] == ["cn-hangzhou", "eu-central-1"]


def test_oss_and_sls_throttling_raise_their_sdks_exceptions(cloud, admin, monkeypatch):
    import oss2
    from aliyun.log import LogClient, LogException

    from tests.sdk import ADMIN_AK, ADMIN_SECRET

    data = base_scenario()
    data["accounts"][0]["oss"] = {"buckets": [{"name": "throttled-bucket"}]}
    data["accounts"][0]["sls"] = {"projects": [{"name": "throttled-project"}]}
    load(cloud, data)
    admin.faults(rate_limits={"oss:*": 0, "sls:*": 0})
    bucket = oss2.Bucket(oss2.Auth(ADMIN_AK, ADMIN_SECRET), f"http://{cloud.endpoint}", "throttled-bucket")
    # OSS's documented answers: a management API's own limit, and the account's total QPS for object requests
    with pytest.raises(oss2.exceptions.ServerError) as err:
        bucket.get_bucket_acl()
    assert (err.value.status, err.value.code) == (503, "MetaOperationQpsLimitExceeded")
    with pytest.raises(oss2.exceptions.ServerError) as err:
        bucket.put_object("a-key", b"x")
    assert (err.value.status, err.value.code) == (503, "TotalQpsLimitExceeded")
    monkeypatch.setenv("HTTP_PROXY", cloud.url)
    log = LogClient("cn-hangzhou.log.aliyuncs.com", ADMIN_AK, ADMIN_SECRET)
    with pytest.raises(LogException) as lerr:
        log.get_project("throttled-project")
    assert lerr.value.get_error_code() == "MetaOperationQpsLimitExceeded"  # a management API's answer
    admin.faults(rate_limits={}, error_rate=1.0)
    with pytest.raises(oss2.exceptions.ServerError) as err:
        bucket.get_bucket_acl()
    assert (err.value.status, err.value.code) == (503, "ServiceUnavailable")
