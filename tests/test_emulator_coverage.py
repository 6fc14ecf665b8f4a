"""Issue 14 item 11: documented read APIs the emulator serves as the real cloud would, driven by the unmodified
official SDKs over real HTTP (SLS 2020-12-30 alerts, ACK cluster checks, Security Center vulnerabilities and
servers without the agent, empty lists for public regions an account does not use). Each answer is parsed by
the SDK and its raw JSON is checked value by value against the types the SDK's response model declares
(tests/sdk_types.py), with no undeclared field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alibabacloud_cs20151215 import models as cs_models
from alibabacloud_cs20151215.client import Client as CsClient
from alibabacloud_sls20201230 import models as sls_models
from alibabacloud_sls20201230.client import Client as SlsClient
from alibabacloud_tea_openapi.models import Config
from aliyun.log import LogClient
from Tea.exceptions import TeaException

from tests.emulator import EmulatorServer
from tests.emulator.client import AdminClient
from tests.sdk import ADMIN_AK, ADMIN_SECRET, READER_AK, READER_SECRET, base_scenario, load, pop_config
from tests.sdk_types import Findings, check_json, response_body_spec


def assert_declared_types(admin: AdminClient, key: str, models: str, api: str, *, answers: int = 1) -> None:
    """Every recorded answer of `key` ("product:Action") has the JSON types `models`.<api>Response.body declares,
    and no field it does not declare."""
    got = admin.responses().get(key, [])
    assert len(got) >= answers, f"{key}: {len(got)} answers recorded"
    body = response_body_spec(models, api)
    assert body is not None, f"{models} has no {api}Response"
    found = Findings()
    for answer in got:
        check_json(found, key, json.loads(answer["body"]), body[1])
    assert not found.mismatches, "\n".join(map(str, found.mismatches.values()))
    assert not found.undeclared, "\n".join(map(str, found.undeclared.values()))
    assert found.values > 0


# --- SLS: ListAlerts / GetAlert (API 2020-12-30, GET /alerts, GET /alerts/{alertName}) ---------------------------

SLS_MODELS = "alibabacloud_sls20201230.models"


def sls_client(server: EmulatorServer, ak: str = ADMIN_AK, secret: str = ADMIN_SECRET) -> SlsClient:
    """The SDK keeps its real endpoint (<project>.cn-hangzhou.log.aliyuncs.com); the emulator is its proxy."""
    return SlsClient(Config(access_key_id=ak, access_key_secret=secret, endpoint="cn-hangzhou.log.aliyuncs.com",
                            region_id="cn-hangzhou", protocol="http", http_proxy=server.url))


def alerts_account() -> dict[str, Any]:
    fail = {"name": "any-fail", "displayName": "Any FAIL", "description": "a FAIL finding",
            "schedule": {"type": "FixedRate", "interval": "5m"},
            "configuration": {"queryList": [{"store": "findings", "query": "status: FAIL", "start": "-5m"}],
                              "severityConfigurations": [{"severity": 8, "evalCondition": {
                                  "condition": "", "countCondition": "__count__ > 0"}}],
                              "labels": [{"key": "team", "value": "sec"}]}}
    trail = {"name": "root-login", "state": "Disabled",
             "configuration": {"version": "2.0", "type": "default", "threshold": 2,
                               "queryList": [{"store": "actiontrail", "query": "event.userIdentity.type: root-account",
                                              "timeSpanType": "Truncated", "start": "-1h", "end": "now"}]}}
    both = {"name": "both", "configuration": {"queryList": [{"store": "findings"}, {"store": "actiontrail"}]}}
    project = {"name": "audit", "region": "cn-hangzhou",
               "logstores": [{"name": "findings"}, {"name": "actiontrail"}], "alerts": [fail, trail, both]}
    return base_scenario(sls={"projects": [project, {"name": "elsewhere", "region": "cn-shanghai"}]})


def test_sls_list_alerts_serves_the_alert_state_with_the_documented_fields(cloud, admin):
    load(cloud, alerts_account())
    admin.record(10)
    body = sls_client(cloud).list_alerts("audit", sls_models.ListAlertsRequest()).body
    assert (body.count, body.total) == (3, 3)
    fail, trail, both = body.results
    assert (fail.name, fail.display_name, fail.description, fail.status) == (
        "any-fail", "Any FAIL", "a FAIL finding", "ENABLED")
    assert (trail.name, trail.status, both.status) == ("root-login", "DISABLED", "ENABLED")
    assert (fail.create_time, fail.last_modified_time) == (1704067200, 1704067200)  # epoch seconds, ints
    assert (fail.schedule.type, fail.schedule.interval, fail.schedule.delay, fail.schedule.run_immediately) == (
        "FixedRate", "5m", 0, False)
    config = fail.configuration
    assert (config.version, config.type, config.threshold, config.no_data_fire, config.send_resolved) == (
        "2.0", "default", 1, False, False)
    assert config.group_configuration.type == "no_group"
    assert [(s.severity, s.eval_condition.count_condition) for s in config.severity_configurations] == [
        (8, "__count__ > 0")]
    assert [(lb.key, lb.value) for lb in config.labels] == [("team", "sec")]
    [query] = config.query_list
    # the documented required AlertQuery fields: what the scenario gave, else the values the emulator evaluates with
    assert (query.store, query.store_type, query.project, query.region, query.query, query.time_span_type,
            query.start, query.end) == ("findings", "log", "audit", "cn-hangzhou", "status: FAIL", "Relative", "-5m",
                                        "now")
    assert trail.configuration.threshold == 2 and trail.configuration.query_list[0].time_span_type == "Truncated"
    assert_declared_types(admin, "sls:ListAlerts2020", SLS_MODELS, "ListAlerts")


def test_sls_list_alerts_pages_and_filters_by_logstore(cloud, admin):
    load(cloud, alerts_account())
    client = sls_client(cloud)
    page = client.list_alerts("audit", sls_models.ListAlertsRequest(offset=1, size=1)).body
    assert (page.count, page.total, [a.name for a in page.results]) == (1, 3, ["root-login"])
    default = client.list_alerts("audit", sls_models.ListAlertsRequest()).body
    assert default.count == 3  # default size 10
    trail = client.list_alerts("audit", sls_models.ListAlertsRequest(logstore="actiontrail")).body
    assert (trail.total, [a.name for a in trail.results]) == (2, ["root-login", "both"])
    none = client.list_alerts("audit", sls_models.ListAlertsRequest(logstore="nothing")).body
    assert (none.count, none.total, none.results) == (0, 0, [])
    with pytest.raises(TeaException) as err:  # ListAlertsRequest.size: at most 200
        client.list_alerts("audit", sls_models.ListAlertsRequest(size=201))
    assert err.value.code == "ParameterInvalid"
    with pytest.raises(TeaException) as err:  # a project lives in one region's endpoint only
        client.list_alerts("elsewhere", sls_models.ListAlertsRequest())
    assert err.value.code == "ProjectNotExist"


def test_sls_get_alert_answers_one_alert_or_job_not_exist(cloud, admin):
    load(cloud, alerts_account())
    admin.record(10)
    client = sls_client(cloud)
    alert = client.get_alert("audit", "root-login").body
    assert (alert.name, alert.status, alert.configuration.query_list[0].store) == (
        "root-login", "DISABLED", "actiontrail")
    assert_declared_types(admin, "sls:GetAlert2020", SLS_MODELS, "GetAlert")
    with pytest.raises(TeaException) as err:
        client.get_alert("audit", "missing")
    assert err.value.code == "JobNotExist"


def test_sls_alerts_follow_the_jobs_state_and_ram(cloud, monkeypatch):
    """/alerts and /jobs are two views of one alert state; the RAM actions are log:ListAlerts and log:GetAlert
    (API reference), which ReadOnlyAccess grants and a policy for log:ListJobs alone does not."""
    data = alerts_account()
    data["accounts"][0]["ram"]["users"].append(
        {"name": "jobs-only", "access_keys": [{"id": "LTAIjobsonly0000001", "secret": "jobs-only-secret-00000000"}],
         "policies": [{"name": "JobsOnly"}]})
    data["accounts"][0]["ram"]["policies"] = [{"name": "JobsOnly", "document": {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": ["log:ListJobs", "log:GetJob"], "Resource": "*"}]}}]
    load(cloud, data)
    monkeypatch.setenv("HTTP_PROXY", cloud.url)  # aliyun-log-python-sdk (requests) reaches the emulator this way
    log = LogClient("cn-hangzhou.log.aliyuncs.com", ADMIN_AK, ADMIN_SECRET, source="10.0.0.1")
    log.disable_alert("audit", "any-fail")  # PUT /jobs/any-fail?action=disable
    assert sls_client(cloud).get_alert("audit", "any-fail").body.status == "DISABLED"
    reader = sls_client(cloud, READER_AK, READER_SECRET)
    assert reader.list_alerts("audit", sls_models.ListAlertsRequest()).body.total == 3
    jobs_only = sls_client(cloud, "LTAIjobsonly0000001", "jobs-only-secret-00000000")
    with pytest.raises(TeaException) as err:
        jobs_only.list_alerts("audit", sls_models.ListAlertsRequest())
    assert err.value.code == "Unauthorized"


# --- ACK: ListClusterChecks / GetClusterCheck (GET /clusters/{cluster_id}/checks[/{check_id}]) -------------------

CS_MODELS = "alibabacloud_cs20151215.models"


def checks_account() -> dict[str, Any]:
    upgrade = {"id": "1697100584236600453-cchecks-clustercheck-lboto", "created": "2025-04-11T02:56:02Z",
               "finished": "2025-04-11T02:56:18.5Z",
               "check_items": {"ClusterResource": [{"Group": "ClusterResource", "Level": {"normal": {
                   "Message": "", "Targets": [{"Target": "v1beta1.metrics.k8s.io"}]}}}]}}
    pool = {"type": "NodePoolUpgrade", "target": "np-gpu", "status": "Failed", "message": "task failed",
            "created": "2025-05-01T00:00:00Z"}
    migrate = {"type": "ClusterMigrate", "created": "2025-06-01T00:00:00Z"}
    cluster = {"name": "prod", "id": "cchecks", "region": "cn-hangzhou", "checks": [upgrade, pool, migrate]}
    return base_scenario(cs={"clusters": [cluster, {"name": "sh", "id": "cshanghai", "region": "cn-shanghai"}]})


def test_ack_list_cluster_checks_has_the_documented_fields(cloud, admin):
    load(cloud, checks_account())
    admin.record(10)
    cs = CsClient(pop_config(cloud, endpoint=None, http_proxy=cloud.url, region_id="cn-hangzhou"))
    checks = cs.list_cluster_checks("cchecks", cs_models.ListClusterChecksRequest()).body.checks
    assert [(c.check_id, c.type, c.status, c.message) for c in checks] == [
        ("1697100584236600453-cchecks-clustercheck-lboto", "ClusterUpgrade", "Succeeded", "task succeed"),
        ("1746057600000000001-cchecks-clustercheck-00001", "NodePoolUpgrade", "Failed", "task failed"),
        ("1748736000000000002-cchecks-clustercheck-00002", "ClusterMigrate", "Succeeded", "task succeed")]
    assert (checks[0].created_at, checks[0].finished_at) == (
        "2025-04-11T02:56:02.000000000Z", "2025-04-11T02:56:18.500000000Z")
    assert checks[1].finished_at == checks[1].created_at == "2025-05-01T00:00:00.000000000Z"
    by_type = cs.list_cluster_checks("cchecks", cs_models.ListClusterChecksRequest(type="NodePoolUpgrade")).body
    assert [c.type for c in by_type.checks] == ["NodePoolUpgrade"]
    by_target = cs.list_cluster_checks("cchecks", cs_models.ListClusterChecksRequest(target="np-gpu")).body
    assert [c.check_id for c in by_target.checks] == [checks[1].check_id]
    assert cs.list_cluster_checks("cchecks", cs_models.ListClusterChecksRequest(target="np-none")).body.checks == []
    assert_declared_types(admin, "cs:ListClusterChecks", CS_MODELS, "ListClusterChecks", answers=4)

    detail = cs.get_cluster_check("cchecks", checks[0].check_id).body
    assert (detail.check_id, detail.status, list(detail.check_items)) == (
        checks[0].check_id, "Succeeded", ["ClusterResource"])
    assert detail.check_items["ClusterResource"][0]["Group"] == "ClusterResource"
    assert cs.get_cluster_check("cchecks", checks[2].check_id).body.check_items == {}
    assert_declared_types(admin, "cs:GetClusterCheck", CS_MODELS, "GetClusterCheck", answers=2)


def test_ack_cluster_checks_of_unknown_clusters_and_checks_are_not_found(cloud):
    load(cloud, checks_account())
    cs = CsClient(pop_config(cloud, endpoint=None, http_proxy=cloud.url, region_id="cn-hangzhou"))
    assert cs.list_cluster_checks("cchecks", cs_models.ListClusterChecksRequest()).body.checks
    for cluster in ("cnone", "cshanghai"):  # the regional endpoint serves its region's clusters only
        with pytest.raises(TeaException) as err:
            cs.list_cluster_checks(cluster, cs_models.ListClusterChecksRequest())
        assert err.value.code == "ErrorClusterNotFound"
    with pytest.raises(TeaException) as err:
        cs.get_cluster_check("cchecks", "1-cchecks-clustercheck-none")
    assert err.value.code == "ErrorCheckNotFound"
    reader = CsClient(pop_config(cloud, READER_AK, READER_SECRET))  # ReadOnlyAccess grants cs:List*/cs:Get*
    assert len(reader.list_cluster_checks("cchecks", cs_models.ListClusterChecksRequest()).body.checks) == 3
