"""Issue 14 item 11: documented read APIs the emulator serves as the real cloud would, driven by the unmodified
official SDKs over real HTTP (SLS 2020-12-30 alerts, ACK cluster checks, Security Center vulnerabilities and
servers without the agent, empty lists for public regions an account does not use). Each answer is parsed by
the SDK and its raw JSON is checked value by value against the types the SDK's response model declares
(tests/sdk_types.py), with no undeclared field."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from alibabacloud_cs20151215 import models as cs_models
from alibabacloud_cs20151215.client import Client as CsClient
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_kms20160120 import models as kms_models
from alibabacloud_kms20160120.client import Client as KmsClient
from alibabacloud_rds20140815 import models as rds_models
from alibabacloud_rds20140815.client import Client as RdsClient
from alibabacloud_sas20181203 import models as sas_models
from alibabacloud_sas20181203.client import Client as SasClient
from alibabacloud_sls20201230 import models as sls_models
from alibabacloud_sls20201230.client import Client as SlsClient
from alibabacloud_tea_openapi.models import Config
from alibabacloud_vpc20160428 import models as vpc_models
from alibabacloud_vpc20160428.client import Client as VpcClient
from aliyun.log import LogClient
from Tea.exceptions import TeaException

from tests.emulator import EmulatorServer
from tests.emulator.client import AdminClient
from tests.emulator.regions import PUBLIC_REGIONS
from tests.paths import TESTS
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


# --- Security Center: DescribeVulList and ListUninstallAegisMachines ----------------------------------------------

SAS_MODELS = "alibabacloud_sas20181203.models"


def sas_account() -> dict[str, Any]:
    polkit = {"name": "oval:com.redhat.rhsa:def:20190230", "alias_name": "RHSA-2019:0230-Important: polkit",
              "related": "CVE-2018-19788,CVE-2019-6133", "first_seen": "2026-01-01T00:00:00Z",
              "last_seen": "2026-02-01T00:00:00Z", "primary_id": 101162078}
    kb = {"name": "KB5003243", "type": "sys", "necessity": "later", "status": 7}
    log4j = {"name": "emg:log4j", "type": "emg", "necessity": "asap", "status": 10}
    assets = [
        {"instance_id": "i-web", "uuid": "u-web", "region": "cn-hangzhou", "internet_ip": "47.1.1.1",
         "auth_version": 3, "vulns": {"cve": 2}, "vulnerabilities": [polkit, kb, log4j]},
        {"instance_id": "i-db", "uuid": "u-db", "region": "cn-shanghai", "agent": "uninstalled",
         "intranet_ip": "172.16.0.9"},
        {"instance_id": "idc-1", "uuid": "u-idc", "region": "ap-southeast-1", "agent": "uninstalled", "vendor": 2,
         "os": "windows", "name": "dc-file-server"},
        {"instance_id": "i-ok", "uuid": "u-ok", "region": "cn-hangzhou"},
    ]
    return base_scenario(sas={"version": 3, "assets": assets})


def sas_client(server: EmulatorServer, region: str | None = None) -> SasClient:
    if region is None:  # the emulator's own address: every asset
        return SasClient(pop_config(server))
    return SasClient(pop_config(server, endpoint=None, http_proxy=server.url, region_id=region))


def test_sas_describe_vul_list_serves_the_asset_vulnerabilities(cloud, admin):
    load(cloud, sas_account())
    admin.record(20)
    sas = sas_client(cloud)
    cve = sas.describe_vul_list(sas_models.DescribeVulListRequest(type="cve")).body
    assert (cve.total_count, cve.current_page, cve.page_size) == (3, 1, 10)
    named = cve.vul_records[0]
    assert (named.name, named.alias_name, named.uuid, named.instance_id, named.region_id, named.necessity,
            named.status, named.primary_id, named.related, named.auth_version, named.bind, named.online) == (
        "oval:com.redhat.rhsa:def:20190230", "RHSA-2019:0230-Important: polkit", "u-web", "i-web", "cn-hangzhou",
        "asap", 1, 101162078, "CVE-2018-19788,CVE-2019-6133", "3", True, True)
    assert (named.first_ts, named.last_ts) == (1767225600000, 1769904000000)  # epoch milliseconds
    assert named.extend_content_json.status == "1" and named.extend_content_json.cve_list == [
        "CVE-2018-19788", "CVE-2019-6133"]
    assert [r.name for r in cve.vul_records[1:]] == ["emulator:cve:0001", "emulator:cve:0002"]  # the vulns counts
    fixed = sas.describe_vul_list(sas_models.DescribeVulListRequest(type="sys", dealed="y")).body
    assert [(r.name, r.status, r.necessity) for r in fixed.vul_records] == [("KB5003243", 7, "later")]
    assert sas.describe_vul_list(sas_models.DescribeVulListRequest(type="sys", dealed="n")).body.total_count == 0
    ignored = sas.describe_vul_list(sas_models.DescribeVulListRequest(type="emg", status_list="10,1")).body
    assert [r.name for r in ignored.vul_records] == ["emg:log4j"]
    high = sas.describe_vul_list(sas_models.DescribeVulListRequest(type="cve", necessity="later")).body
    assert high.total_count == 0
    by_uuid = sas.describe_vul_list(sas_models.DescribeVulListRequest(type="cve", uuids="u-ok,u-db")).body
    assert (by_uuid.total_count, by_uuid.vul_records) == (0, [])
    assert_declared_types(admin, "sas:DescribeVulList", SAS_MODELS, "DescribeVulList", answers=6)

    # the asset list counts the same unhandled vulnerabilities (2 generic + the unfixed named one)
    instances = sas.describe_cloud_center_instances(sas_models.DescribeCloudCenterInstancesRequest()).body
    assert {i.uuid: i.vul_count for i in instances.instances}["u-web"] == 3


def test_sas_describe_vul_list_pages_both_ways(cloud):
    load(cloud, sas_account())
    sas = sas_client(cloud)
    second = sas.describe_vul_list(sas_models.DescribeVulListRequest(type="cve", current_page=2, page_size=2)).body
    assert (second.total_count, second.current_page, [r.name for r in second.vul_records]) == (
        3, 2, ["emulator:cve:0002"])
    names, token = [], ""
    while True:
        body = sas.describe_vul_list(sas_models.DescribeVulListRequest(
            type="cve", page_size=2, use_next_token=True, next_token=token or None)).body
        assert body.total_count is None  # not returned with UseNextToken
        names += [r.name for r in body.vul_records]
        token = body.next_token
        if not token:
            break
    assert len(names) == 3 and names[0] == "oval:com.redhat.rhsa:def:20190230"
    # the data centre of the endpoint: tds.ap-southeast-1 holds no mainland server
    assert sas_client(cloud, "ap-southeast-1").describe_vul_list(
        sas_models.DescribeVulListRequest(type="cve")).body.total_count == 0
    with pytest.raises(TeaException):
        sas.describe_vul_list(sas_models.DescribeVulListRequest(type="nonsense"))


def test_sas_list_uninstall_aegis_machines(cloud, admin):
    load(cloud, sas_account())
    admin.record(20)
    sas = sas_client(cloud)
    body = sas.list_uninstall_aegis_machines(sas_models.ListUninstallAegisMachinesRequest()).body
    assert (body.total_count, body.current_page, body.page_size) == (2, 1, 5)  # PageSize default 5
    db, idc = body.machine_list
    assert (db.uuid, db.instance_id, db.region_id, db.machine_region, db.os, db.intranet_ip, db.vendor,
            db.vendor_name) == ("u-db", "i-db", "cn-shanghai", "cn-shanghai", "linux", "172.16.0.9", 0, "ALIYUN")
    assert (idc.instance_name, idc.os, idc.vendor, idc.vendor_name) == ("dc-file-server", "windows", 2, "IDC")
    windows = sas.list_uninstall_aegis_machines(sas_models.ListUninstallAegisMachinesRequest(os="windows")).body
    assert [m.uuid for m in windows.machine_list] == ["u-idc"]
    assert sas.list_uninstall_aegis_machines(sas_models.ListUninstallAegisMachinesRequest(
        vendor=2, region_id_str="ap-southeast-1", remark="dc-file")).body.total_count == 1
    page = sas.list_uninstall_aegis_machines(sas_models.ListUninstallAegisMachinesRequest(
        current_page=2, page_size=1)).body
    assert (page.total_count, page.current_page, [m.uuid for m in page.machine_list]) == (2, 2, ["u-idc"])
    mainland = sas_client(cloud, "cn-shanghai").list_uninstall_aegis_machines(
        sas_models.ListUninstallAegisMachinesRequest()).body
    assert [m.uuid for m in mainland.machine_list] == ["u-db"]
    assert_declared_types(admin, "sas:ListUninstallAegisMachines", SAS_MODELS, "ListUninstallAegisMachines",
                          answers=5)
    # uninstalling the agent (AddUninstallClientsByUuids) puts a server on the list
    sas.add_uninstall_clients_by_uuids(sas_models.AddUninstallClientsByUuidsRequest(uuids="u-ok"))
    after = sas.list_uninstall_aegis_machines(sas_models.ListUninstallAegisMachinesRequest()).body
    assert after.total_count == 3 and "u-ok" in {m.uuid for m in after.machine_list}


# --- public regions the scenario does not list: empty lists; unknown regions: errors ------------------------------

def test_the_public_regions_are_the_sdk_endpoint_table():
    """regions.PUBLIC_REGIONS is alibabacloud_sls20201230's regional endpoint table (its 'central' rule names every
    region Log Service serves); an SDK that learns a region fails here until the emulator knows it."""
    client = SlsClient(Config(access_key_id="a", access_key_secret="b", endpoint="cn-hangzhou.log.aliyuncs.com"))
    assert client._endpoint_rule == "central"
    assert set(client._endpoint_map) == PUBLIC_REGIONS


def regions_account() -> dict[str, Any]:
    return base_scenario(
        regions=["cn-hangzhou"],
        kms={"keys": [{"id": "key-hz", "region": "cn-hangzhou"}]},
        rds={"instances": [{"id": "rm-hz", "region": "cn-hangzhou"}]},
        cs={"clusters": [{"name": "hz", "id": "chz", "region": "cn-hangzhou"}]})


@pytest.mark.parametrize("region", ["cn-wulanchabu", "me-central-1", "cn-shanghai-finance-1"])
def test_list_calls_for_a_public_region_the_account_does_not_use_answer_empty_lists(cloud, region):
    load(cloud, regions_account())
    kms = KmsClient(pop_config(cloud, endpoint=None, http_proxy=cloud.url, region_id=region))
    keys = kms.list_keys(kms_models.ListKeysRequest()).body
    assert (keys.total_count, keys.keys.key) == (0, [])
    assert kms.list_aliases(kms_models.ListAliasesRequest()).body.aliases.alias == []
    rds = RdsClient(pop_config(cloud))
    dbs = rds.describe_dbinstances(rds_models.DescribeDBInstancesRequest(region_id=region)).body
    assert (dbs.total_record_count, dbs.items.dbinstance) == (0, [])
    cs = CsClient(pop_config(cloud))
    clusters = cs.describe_clusters_v1(cs_models.DescribeClustersV1Request(region_id=region)).body
    assert (clusters.page_info.total_count, clusters.clusters) == (0, [])
    ecs = EcsClient(pop_config(cloud))
    assert ecs.describe_instances(ecs_models.DescribeInstancesRequest(region_id=region)).body.instances.instance == []
    vpc = VpcClient(pop_config(cloud))
    assert vpc.describe_flow_logs(vpc_models.DescribeFlowLogsRequest(region_id=region)).body.total_count == "0"
    # the account's own region still lists its resources
    assert [c.cluster_id for c in cs.describe_clusters_v1(
        cs_models.DescribeClustersV1Request(region_id="cn-hangzhou")).body.clusters] == ["chz"]
    assert rds.describe_dbinstances(rds_models.DescribeDBInstancesRequest(
        region_id="cn-hangzhou")).body.total_record_count == 1


def test_list_calls_for_an_unknown_region_still_fail(cloud):
    load(cloud, regions_account())
    unknown = "xx-nowhere-1"
    with pytest.raises(TeaException) as err:
        KmsClient(pop_config(cloud, endpoint=None, http_proxy=cloud.url, region_id=unknown)).list_keys(
            kms_models.ListKeysRequest())
    assert err.value.code == "InvalidRegionId"
    with pytest.raises(TeaException) as err:
        RdsClient(pop_config(cloud)).describe_dbinstances(rds_models.DescribeDBInstancesRequest(region_id=unknown))
    assert err.value.code == "InvalidRegionId.Malformed"
    with pytest.raises(TeaException) as err:
        CsClient(pop_config(cloud)).describe_clusters_v1(cs_models.DescribeClustersV1Request(region_id=unknown))
    assert err.value.code == "ErrorParamInvalid"
    with pytest.raises(TeaException) as err:
        EcsClient(pop_config(cloud)).describe_instances(ecs_models.DescribeInstancesRequest(region_id=unknown))
    assert err.value.code == "InvalidRegionId.NotFound"


# --- the README's coverage table says what the modules serve ----------------------------------------------------

README = TESTS / "emulator" / "README.md"
COVERAGE_ROWS = {"RAM": "ram", "IMS": "ims", "STS": "sts", "ActionTrail": "actiontrail", "OSS": "oss", "SLS": "sls",
                 "FC": "fc", "ECS": "ecs", "VPC": "vpc", "RDS": "rds", "KMS": "kms", "Security": "sas", "ACK": "cs",
                 "Resource": "resourcemanager",
                 # issue 20's products (a row's first word)
                 "Redis": "kvstore", "MongoDB": "dds", "PolarDB": "polardb", "NAS": "nas", "CLB": "slb", "ALB": "alb",
                 "NLB": "nlb", "API": "cloudapi", "CDN": "cdn", "Container": "cr", "Elasticsearch": "elasticsearch",
                 "Kafka": "alikafka", "MSE": "mse", "Bastionhost": "bastionhost", "Cloud": "cloudfw", "WAF": "waf",
                 "Anti-DDoS": "ddoscoo", "DNS": "alidns", "CloudSSO": "cloudsso"}
READ_PREFIXES = ("Get", "List", "Describe", "Lookup", "Head", "Generate", "Assume")
API_NAME = re.compile(r"\b(?:Get|List|Describe|Lookup|Head|Generate|Assume)[A-Z][A-Za-z0-9]*\b")
# op names that differ from the API name: the /alerts routes carry their version; GetLogsV2 is GetLogs' route
OP_ALIASES = {"ListAlerts2020": "ListAlerts", "GetAlert2020": "GetAlert", "GetLogsV2": "GetLogs"}


def coverage_table() -> dict[str, tuple[set[str], set[str]]]:
    section = README.read_text().split("### Coverage: documented read APIs", 1)[1].split("\n### ", 1)[0]
    rows: dict[str, tuple[set[str], set[str]]] = {}
    for line in section.splitlines():
        if not line.startswith("| ") or line.startswith("| product"):
            continue
        product, served, missing = (cell.strip() for cell in line.strip("|").split("|"))
        rows[COVERAGE_ROWS[product.split()[0]]] = (set(API_NAME.findall(served)), set(API_NAME.findall(missing)))
    return rows


def module_reads() -> dict[str, set[str]]:
    from tests.emulator.app import PRODUCTS

    out: dict[str, set[str]] = {}
    for product, api in PRODUCTS.items():
        ops = list(api.actions.values()) if hasattr(api, "actions") else [r.op for r in api.routes]
        out[product] = {OP_ALIASES.get(op.name, op.name) for op in ops
                        if not op.write and op.name.startswith(READ_PREFIXES)}
    return out


def test_the_readme_coverage_table_matches_the_registered_apis():
    table, reads = coverage_table(), module_reads()
    assert set(table) == set(reads), "every emulated product has a coverage row"
    for product, (served, missing) in table.items():
        served = {OP_ALIASES.get(n, n) for n in served}
        assert served == reads[product], (product, "README lists as served but not registered:",
                                          served - reads[product], "registered but not in README:",
                                          reads[product] - served)
        assert not missing & reads[product], (product, "README lists as not served:", missing & reads[product])
