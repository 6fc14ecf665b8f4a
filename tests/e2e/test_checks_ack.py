"""ACK checks (CIS 2.4, 7.1-7.9, version support) through the scan entry point, on emulated clusters."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from alibabacloud_cs20151215 import models as cs_models
from alibabacloud_cs20151215.client import Client as CsClient

from aliaudit.collectors.ack import AckData, AddonInfo, ClusterInfo
from aliaudit.config import AuditConfig
from tests.check_inputs import run_check
from tests.scanning import by_resource, scan
from tests.sdk import READER_AK, READER_SECRET, base_scenario, load, pop_config

NOW = datetime.now(timezone.utc)
REGIONS = ["cn-hangzhou", "cn-shanghai"]


def ago(days: float) -> str:
    return (NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def account() -> dict:
    good = {"name": "good", "id": "cgood", "current_version": "1.33.3-aliyun.1", "audit_project": "k8s-audit",
            "rrsa": True, "secret_encryption_key": "key-hzz62secrets0000000001",
            "addons": [{"name": "loongcollector"}, {"name": "terway-eniip", "config": {"NetworkPolicy": "true"}}],
            "node_pools": [{"name": "default", "cms_enabled": True}, {"name": "gpu", "cms_enabled": True}],
            "inspect_reports": [{"start": ago(30)}, {"start": ago(2)}, {"start": ago(1), "status": "failed"}]}
    bad = {"name": "bad", "id": "cbad", "cluster_type": "Kubernetes", "current_version": "1.16.9-aliyun.1",
           "public_endpoint": "https://47.96.1.2:6443", "meta_data": {"AuditProjectName": ""},
           "addons": [{"name": "flannel"}, {"name": "kubernetes-dashboard"}, {"name": "logtail-ds", "state": "failed"}],
           "node_pools": [{"name": "default", "cms_enabled": True}, {"name": "batch", "cms_enabled": False}],
           "inspect_reports": [{"start": ago(30)}]}
    eni = {"name": "eni", "id": "ceni", "current_version": "1.31.9-aliyun.1", "audit_project": "k8s-audit",
           "addons": [{"name": "terway-eni", "config": {"NetworkPolicy": "false"}}, {"name": "logtail-ds"}]}
    registered = {"name": "onprem", "id": "creg", "cluster_type": "ExternalKubernetes"}
    shanghai = {"name": "sh", "id": "csh", "region": "cn-shanghai", "audit_project": "sh-audit",
                "addons": [{"name": "terway-eniip"}], "public_endpoint": "https://47.100.0.1:6443"}
    versions = [{"version": "1.33.3-aliyun.1", "expiration_date": ago(-300)},
                {"version": "1.31.12-aliyun.1", "expiration_date": ago(1)},
                {"version": "1.31.9-aliyun.1", "expiration_date": ago(1)}]
    return base_scenario(cs={"clusters": [good, bad, eni, registered, shanghai], "versions": versions})


def statuses(findings: list, check_id: str) -> dict[str, str]:
    return by_resource(findings, check_id)


def test_ack_checks_pass_and_fail(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["ack"], regions=REGIONS)
    assert {(f.resource_id, f.region) for f in findings} == {
        ("cgood", "cn-hangzhou"), ("cbad", "cn-hangzhou"), ("ceni", "cn-hangzhou"), ("creg", "cn-hangzhou"),
        ("csh", "cn-shanghai")}
    assert statuses(findings, "ack_cluster_audit_log_enabled") == {
        "cgood": "PASS", "cbad": "FAIL", "ceni": "PASS", "creg": "MANUAL", "csh": "PASS"}
    assert statuses(findings, "ack_cluster_log_collection_enabled") == {
        "cgood": "PASS", "cbad": "FAIL", "ceni": "PASS", "creg": "MANUAL", "csh": "FAIL"}
    assert statuses(findings, "ack_cluster_cloudmonitor_enabled") == {
        "cgood": "PASS", "cbad": "FAIL", "ceni": "MANUAL", "creg": "MANUAL", "csh": "MANUAL"}
    assert statuses(findings, "ack_cluster_rbac_enabled") == {
        "cgood": "PASS", "cbad": "MANUAL", "ceni": "PASS", "creg": "MANUAL", "csh": "PASS"}
    assert statuses(findings, "ack_cluster_inspection_recent") == {
        "cgood": "PASS", "cbad": "FAIL", "ceni": "FAIL", "creg": "MANUAL", "csh": "FAIL"}
    assert statuses(findings, "ack_cluster_dashboard_disabled") == {
        "cgood": "PASS", "cbad": "FAIL", "ceni": "PASS", "creg": "MANUAL", "csh": "PASS"}
    assert statuses(findings, "ack_cluster_basic_auth_disabled") == {
        "cgood": "PASS", "cbad": "MANUAL", "ceni": "PASS", "creg": "MANUAL", "csh": "PASS"}
    # CIS 7.7 and 7.8 as their audits read (Terway is the network plugin): ceni runs terway-eni
    assert statuses(findings, "ack_cluster_terway_network_plugin") == {
        "cgood": "PASS", "cbad": "FAIL", "ceni": "PASS", "creg": "MANUAL", "csh": "PASS"}
    # csh: Terway without a NetworkPolicy key in its add-on config: enforcement is not readable
    assert statuses(findings, "ack_cluster_network_policy_enabled") == {
        "cgood": "PASS", "cbad": "FAIL", "ceni": "FAIL", "creg": "MANUAL", "csh": "MANUAL"}
    assert statuses(findings, "ack_cluster_eni_multi_ip_enabled") == {
        "cgood": "PASS", "cbad": "FAIL", "ceni": "FAIL", "creg": "MANUAL", "csh": "PASS"}
    assert statuses(findings, "ack_cluster_private_endpoint") == {
        "cgood": "PASS", "cbad": "FAIL", "ceni": "PASS", "creg": "MANUAL", "csh": "FAIL"}
    assert statuses(findings, "ack_cluster_version_supported") == {
        "cgood": "PASS", "cbad": "FAIL", "ceni": "FAIL", "creg": "MANUAL", "csh": "PASS"}
    assert statuses(findings, "ack_cluster_rrsa_enabled") == {
        "cgood": "PASS", "cbad": "FAIL", "ceni": "FAIL", "creg": "MANUAL", "csh": "FAIL"}
    assert statuses(findings, "ack_cluster_secret_encryption_enabled") == {
        "cgood": "PASS", "cbad": "FAIL", "ceni": "FAIL", "creg": "MANUAL", "csh": "FAIL"}
    assert "key-hzz62secrets0000000001" in next(f.message for f in findings if f.resource_id == "cgood" and
                                               f.check_id == "ack_cluster_secret_encryption_enabled")
    msg = {f.check_id: f.message for f in findings if f.resource_id == "cbad"}
    cms = msg["ack_cluster_cloudmonitor_enabled"]
    assert "batch" in cms and "default" not in cms
    assert "flannel" in msg["ack_cluster_network_policy_enabled"]
    assert "eni-config" in next(f.message for f in findings if f.resource_id == "csh"
                                and f.check_id == "ack_cluster_network_policy_enabled")
    assert "47.96.1.2" in msg["ack_cluster_private_endpoint"]
    assert "end of support" in next(f.message for f in findings if f.resource_id == "ceni"
                                    and f.check_id == "ack_cluster_version_supported")
    audit = next(f for f in findings if f.check_id == "ack_cluster_audit_log_enabled")
    assert audit.cis == ["2.4", "7.1"] and audit.severity.value == "high" and audit.resource_type == "ack:cluster"


def test_inspection_age_comes_from_config(cloud):
    load(cloud, account())
    findings = scan(cloud, checks=["ack_cluster_inspection_recent"],
                    config=AuditConfig.model_validate({"ack_inspection_max_age_days": 45}))
    assert statuses(findings, "ack_cluster_inspection_recent")["cbad"] == "PASS"


def test_a_recent_inspection_that_is_not_normal_fails(cloud):
    """CIS 7.4's audit: "check if the Last check status is Normal": the newest completed report's summary counts its
    check items with an error or a warning (ListClusterInspectReports reports[].summary)."""
    data = account()
    data["accounts"][0]["cs"]["clusters"][0]["inspect_reports"].append({"start": ago(0.5), "warnings": 3})
    load(cloud, data)
    got = by_resource(scan(cloud, checks=["ack_cluster_inspection_recent"]), "ack_cluster_inspection_recent")
    assert got["cgood"] == "FAIL"


def test_denied_apis_give_error_findings(cloud):
    data = account()
    acct = data["accounts"][0]
    acct["ram"]["policies"] = [{"name": "NoAudit", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Resource": "*", "Action": [
            "cs:GetClusterAuditProject", "cs:GetClusterAddonInstance", "cs:DescribeKubernetesVersionMetadata"]}]}}]
    acct["ram"]["groups"][0]["policies"].append({"name": "NoAudit", "type": "Custom"})
    load(cloud, data)
    findings = scan(cloud, families=["ack"], ak=READER_AK, secret=READER_SECRET)
    audit = statuses(findings, "ack_cluster_audit_log_enabled")
    assert audit == {"cgood": "ERROR", "cbad": "ERROR", "ceni": "ERROR", "creg": "MANUAL"}
    assert all("NoPermission" in f.message for f in findings if f.status.value == "ERROR")
    # a denied add-on config read only affects the check that needs it
    assert statuses(findings, "ack_cluster_network_policy_enabled")["cgood"] == "ERROR"
    assert statuses(findings, "ack_cluster_network_policy_enabled")["cbad"] == "FAIL"  # flannel: no config read
    assert statuses(findings, "ack_cluster_dashboard_disabled")["cbad"] == "FAIL"
    assert set(statuses(findings, "ack_cluster_version_supported").values()) == {"ERROR", "MANUAL"}

    acct["ram"]["policies"][0]["document"]["Statement"][0]["Action"] = "cs:DescribeClustersV1"  # the list itself
    load(cloud, data)
    findings = scan(cloud, families=["ack"], ak=READER_AK, secret=READER_SECRET)
    assert findings and all(f.status.value == "ERROR" and f.resource_id == "cn-hangzhou" for f in findings)
    assert {f.check_id for f in findings} >= {"ack_cluster_private_endpoint", "ack_cluster_rbac_enabled"}


def test_clusters_and_reports_are_paged_to_the_end(cloud, admin):
    data = account()
    clusters = data["accounts"][0]["cs"]["clusters"]
    clusters += [{"name": f"bulk{i:03d}", "id": f"cbulk{i:03d}"} for i in range(120)]
    clusters[0]["inspect_reports"] = [{"start": ago(i + 0.5)} for i in range(120)]
    load(cloud, data)
    findings = scan(cloud, checks=["ack_cluster_private_endpoint", "ack_cluster_inspection_recent"])
    assert len(statuses(findings, "ack_cluster_private_endpoint")) == 4 + 120
    assert statuses(findings, "ack_cluster_inspection_recent")["cgood"] == "PASS"
    calls = admin.calls()
    assert calls["cs:DescribeClustersV1"] == 2  # page size 100
    assert calls["cs:ListClusterInspectReports"] == 123 + 2  # one per cluster, three pages for cgood


def test_emulator_cluster_detail_and_region(cloud):
    load(cloud, account())
    client = CsClient(pop_config(cloud, endpoint=None, http_proxy=cloud.url, region_id="cn-shanghai"))
    detail = client.describe_cluster_detail("csh").body
    assert detail.name == "sh" and detail.region_id == "cn-shanghai" and "47.100.0.1" in detail.master_url
    listed = client.describe_clusters_v1(cs_models.DescribeClustersV1Request(region_id="cn-shanghai")).body
    assert [c.cluster_id for c in listed.clusters] == ["csh"] and listed.page_info.total_count == 1


def test_supported_versions_are_read_with_mode_supported_and_unknown_ones_by_name(cloud, admin):
    """Mode "supported" describes every supported version, not only those a cluster can be created with (the
    default): a cluster on an older, no longer creatable version passes; a version whose minor that answer lacks
    is asked for by name too, and fails when ACK does not describe it either."""
    load(cloud, base_scenario(cs={"clusters": [
        {"name": "older", "id": "cold", "current_version": "1.32.1-aliyun.1"},
        {"name": "newest", "id": "cnew", "current_version": "1.33.3-aliyun.1"},
        {"name": "gone", "id": "cgone", "current_version": "1.26.3-aliyun.1"}],
        "versions": [{"version": "1.33.3-aliyun.1", "expiration_date": ago(-300)},
                     {"version": "1.32.1-aliyun.1", "expiration_date": ago(-100), "creatable": False}]}))
    findings = scan(cloud, checks=["ack_cluster_version_supported"])
    assert statuses(findings, "ack_cluster_version_supported") == {"cold": "PASS", "cnew": "PASS", "cgone": "FAIL"}
    assert admin.calls()["cs:DescribeKubernetesVersionMetadata"] == 2  # the supported versions, then 1.26.3 by name


def test_each_profile_is_judged_on_its_own_versions(cloud, admin):
    """DescribeKubernetesVersionMetadata Profile (Default, Edge, Serverless; "Default value: Default"): an Edge
    cluster is judged on the Edge versions; a Lingjun cluster, whose policy that API does not describe, is MANUAL."""
    load(cloud, base_scenario(cs={"clusters": [
        {"name": "edge", "id": "cedge", "profile": "Edge", "current_version": "1.30.1-aliyun.1"},
        {"name": "std", "id": "cstd", "current_version": "1.30.1-aliyun.1"},
        {"name": "gpu", "id": "cling", "profile": "Lingjun", "current_version": "1.30.1-aliyun.1"}],
        "versions": [{"version": "1.33.3-aliyun.1"}],
        "profile_versions": {"Edge": [{"version": "1.30.1-aliyun.1", "expiration_date": ago(-200)}]}}))
    findings = scan(cloud, checks=["ack_cluster_version_supported"])
    assert statuses(findings, "ack_cluster_version_supported") == {"cedge": "PASS", "cstd": "FAIL", "cling": "MANUAL"}


def test_version_metadata_modes_as_documented(cloud):
    """The emulator answers Mode as the reference documents it: creatable versions by default, every supported one
    with Mode=supported, the named one when KubernetesVersion is given (it wins over the mode)."""
    load(cloud, base_scenario(cs={"versions": [{"version": "1.33.3-aliyun.1"},
                                               {"version": "1.32.1-aliyun.1", "creatable": False}]}))
    client = CsClient(pop_config(cloud, endpoint=None, http_proxy=cloud.url, region_id="cn-hangzhou"))

    def versions(**kw: str) -> list[str]:
        return [v.version for v in client.describe_kubernetes_version_metadata(
            cs_models.DescribeKubernetesVersionMetadataRequest(region="cn-hangzhou", cluster_type="ManagedKubernetes",
                                                               **kw)).body]

    assert versions() == ["1.33.3-aliyun.1"]
    assert versions(mode="supported") == ["1.33.3-aliyun.1", "1.32.1-aliyun.1"]
    assert versions(mode="supported", kubernetes_version="1.32.1-aliyun.1") == ["1.32.1-aliyun.1"]


# --- check logic on model objects (issue 15 item 9, CIS 7.7) ------------------------------------------------------

def _cluster(cid: str, *addons: AddonInfo) -> ClusterInfo:
    return ClusterInfo(id=cid, name=cid, region="cn-hangzhou", cluster_type="ManagedKubernetes", addons=list(addons))


def test_terway_without_networkpolicy_key_is_manual_not_fail():
    data = {"ack.clusters": AckData(clusters=[
        _cluster("c-nokey", AddonInfo(name="terway-eniip", config={"IPVlan": "false"})),
        _cluster("c-empty", AddonInfo(name="terway-eniip", config={})),
        _cluster("c-true", AddonInfo(name="terway-eniip", config={"NetworkPolicy": "true"})),
        _cluster("c-false", AddonInfo(name="terway-eniip", config={"NetworkPolicy": "false"})),
        _cluster("c-flannel", AddonInfo(name="flannel"))])}
    got = {r.resource_id: r for r in run_check("ack_cluster_network_policy_enabled", data, region="cn-hangzhou")}
    assert {k: r.status.value for k, r in got.items()} == {
        "c-nokey": "MANUAL", "c-empty": "MANUAL", "c-true": "PASS", "c-false": "FAIL", "c-flannel": "FAIL"}
    # what was and was not verifiable
    assert "could not be read" in got["c-nokey"].message and "disable_network_policy" in got["c-nokey"].message


def test_a_terway_config_that_is_not_a_json_object_is_error_not_pass(cloud):
    """GetClusterAddonInstance's config is a JSON text; one that is no object (here a JSON string holding one, and
    a nesting past the interpreter's limit) cannot say whether NetworkPolicy is off: ERROR, not the PASS of a
    config without the key (MANUAL)."""
    data = account()
    clusters = data["accounts"][0]["cs"]["clusters"]
    clusters[0]["addons"][1]["config"] = '"{\\"NetworkPolicy\\": \\"false\\"}"'
    clusters[2]["addons"][0]["config"] = "[" * 100_000
    load(cloud, data)
    got = statuses(scan(cloud, regions=REGIONS, families=["ack"]), "ack_cluster_network_policy_enabled")
    assert got["cgood"] == got["ceni"] == "ERROR" and got["cbad"] == "FAIL"
    # the cluster's other checks are judged as before
    multi_ip = statuses(scan(cloud, regions=REGIONS, families=["ack"]), "ack_cluster_eni_multi_ip_enabled")
    assert multi_ip["cgood"] == "PASS"


def test_rrsa_read_denied_gives_error_for_that_check_only(cloud):
    data = account()
    acct = data["accounts"][0]
    acct["ram"]["policies"] = [{"name": "NoDetail", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Resource": "*", "Action": ["cs:DescribeClusterDetail"]}]}}]
    acct["ram"]["groups"][0]["policies"].append({"name": "NoDetail", "type": "Custom"})
    load(cloud, data)
    findings = scan(cloud, families=["ack"], ak=READER_AK, secret=READER_SECRET)
    rrsa = statuses(findings, "ack_cluster_rrsa_enabled")
    assert rrsa == {"cgood": "ERROR", "cbad": "ERROR", "ceni": "ERROR", "creg": "MANUAL"}
    assert all("NoPermission" in f.message for f in findings if f.status.value == "ERROR")
    assert {f.check_id for f in findings if f.status.value == "ERROR"} == {"ack_cluster_rrsa_enabled"}


def test_emulator_rrsa_config_in_cluster_detail(cloud):
    load(cloud, account())
    client = CsClient(pop_config(cloud, endpoint=None, http_proxy=cloud.url, region_id="cn-hangzhou"))
    on = client.describe_cluster_detail("cgood").body.rrsa_config
    assert on.enabled is True and on.oidc_name == "ack-rrsa-cgood"
    assert on.oidc_arn.endswith(":oidc-provider/ack-rrsa-cgood")
    assert client.describe_cluster_detail("cbad").body.rrsa_config.enabled is False


# --- review defects: inspection result code, cluster states, dedicated masters, Terway modes ----------------------

def test_inspection_summary_code_is_the_overall_result(cloud):
    """ListClusterInspectReports summary.code, "Aggregated inspection task result code": the documented sample answers
    "warning" with errorCount and warnCount 0, so zero counts alone are not Normal (CIS 7.4: "Last check status is
    Normal"). The emulator derives the code from the counts unless a report sets it, as the sample's does."""
    load(cloud, base_scenario(cs={"clusters": [
        {"name": "ok", "id": "cok", "inspect_reports": [{"start": ago(1)}]},
        {"name": "sample", "id": "csample", "inspect_reports": [{"start": ago(1), "code": "warning"}]},
        {"name": "advice", "id": "cadvice", "inspect_reports": [{"start": ago(1), "advice": 2}]},
        {"name": "blank", "id": "cblank", "inspect_reports": [{"start": ago(1), "code": ""}]}]}))
    findings = scan(cloud, checks=["ack_cluster_inspection_recent"])
    assert statuses(findings, "ack_cluster_inspection_recent") == {
        "cok": "PASS", "csample": "FAIL", "cadvice": "FAIL", "cblank": "MANUAL"}
    message = {f.resource_id: f.message for f in findings}
    assert "warning" in message["csample"] and "not answered" in message["cblank"]


def test_emulator_inspection_code_follows_the_counts(cloud):
    load(cloud, base_scenario(cs={"clusters": [{"name": "c", "id": "cc", "inspect_reports": [
        {"start": ago(4)}, {"start": ago(3), "advice": 1}, {"start": ago(2), "warnings": 1, "advice": 1},
        {"start": ago(1), "errors": 1, "warnings": 1}]}]}))
    client = CsClient(pop_config(cloud, endpoint=None, http_proxy=cloud.url, region_id="cn-hangzhou"))
    reports = client.list_cluster_inspect_reports("cc", cs_models.ListClusterInspectReportsRequest()).body.reports
    assert [(r.summary.code, r.summary.advice_count) for r in reports] == [
        ("error", 0), ("warning", 1), ("advice", 1), ("normal", 0)]  # newest first


def test_deleted_clusters_are_skipped_and_failed_ones_are_manual(cloud, admin):
    """DescribeClustersV1 state: deleting and deleted clusters get no findings and cost no further reads; a cluster
    whose creation or deletion failed is MANUAL for every check; updating and scaling ones are judged."""
    states = ("deleting", "deleted", "failed", "delete_failed", "updating", "scaling")
    load(cloud, base_scenario(cs={"clusters": [
        {"name": s, "id": f"c{s}", "state": s, "public_endpoint": "https://47.96.1.2:6443"} for s in states]}))
    findings = scan(cloud, families=["ack"])
    assert {f.resource_id for f in findings} == {"cfailed", "cdelete_failed", "cupdating", "cscaling"}
    assert all(f.status.value == "MANUAL" and "the cluster is" in f.message
               for f in findings if f.resource_id in ("cfailed", "cdelete_failed"))
    assert statuses(findings, "ack_cluster_private_endpoint") == {
        "cfailed": "MANUAL", "cdelete_failed": "MANUAL", "cupdating": "FAIL", "cscaling": "FAIL"}
    calls = admin.calls()
    assert calls["cs:GetClusterAuditProject"] == calls["cs:DescribeClusterDetail"] == 2  # the judged two only


def test_dedicated_cluster_masters_need_cloudmonitor(cloud):
    """DescribeClusterDetail control_plane_config.cloud_monitor_flags ("Indicates whether to install CloudMonitor for
    the node", the control plane of an ACK dedicated cluster): masters are in no node pool."""
    pools = [{"name": "default", "cms_enabled": True}]
    load(cloud, base_scenario(cs={"clusters": [
        {"name": "ded-on", "id": "cdedon", "cluster_type": "Kubernetes", "control_plane_cms": True,
         "node_pools": pools},
        {"name": "ded-off", "id": "cdedoff", "cluster_type": "Kubernetes", "node_pools": pools},
        {"name": "managed", "id": "cmanaged", "node_pools": pools}]}))
    findings = scan(cloud, checks=["ack_cluster_cloudmonitor_enabled"])
    assert statuses(findings, "ack_cluster_cloudmonitor_enabled") == {
        "cdedon": "PASS", "cdedoff": "FAIL", "cmanaged": "PASS"}
    assert "masters" in next(f.message for f in findings if f.resource_id == "cdedoff")


def test_emulator_control_plane_config_for_dedicated_clusters_only(cloud):
    load(cloud, base_scenario(cs={"clusters": [
        {"name": "ded", "id": "cded", "cluster_type": "Kubernetes", "control_plane_cms": True},
        {"name": "managed", "id": "cmanaged"}]}))
    client = CsClient(pop_config(cloud, endpoint=None, http_proxy=cloud.url, region_id="cn-hangzhou"))
    assert client.describe_cluster_detail("cded").body.control_plane_config.cloud_monitor_flags is True
    assert client.describe_cluster_detail("cmanaged").body.control_plane_config is None


def test_terway_modes_and_terway_edge(cloud):
    """Terraform's NETWORK_ADDON_NAMES names terway apart from terway-eniip, and the Terway README's `terway` is VPC
    route mode: only terway-eniip is ENI multiple IP mode. terway-edge (ACK Edge's Terway Edge) is Terway for CIS 7.7
    and 7.8."""
    load(cloud, base_scenario(cs={"clusters": [
        {"name": "route", "id": "croute", "addons": [{"name": "terway"}]},
        {"name": "cp", "id": "ccp", "addons": [{"name": "terway-controlplane"}]},
        {"name": "eniip", "id": "ceniip", "addons": [{"name": "terway-controlplane"}, {"name": "terway-eniip"}]},
        {"name": "edge", "id": "cedge", "profile": "Edge", "addons": [{"name": "terway-edge"}]}]}))
    findings = scan(cloud, checks=["ack_cluster_eni_multi_ip_enabled", "ack_cluster_terway_network_plugin",
                                   "ack_cluster_network_policy_enabled"])
    assert statuses(findings, "ack_cluster_eni_multi_ip_enabled") == {
        "croute": "MANUAL", "ccp": "MANUAL", "ceniip": "PASS", "cedge": "MANUAL"}
    assert statuses(findings, "ack_cluster_terway_network_plugin") == {
        "croute": "PASS", "ccp": "PASS", "ceniip": "PASS", "cedge": "PASS"}
    assert statuses(findings, "ack_cluster_network_policy_enabled")["cedge"] == "MANUAL"


# the ROA paths of the cs 2015-12-15 APIs the remediation commands call, as OpenMeta documents them
# (dew-serverless/acs-metadata en_us/cs/2015-12-15/api-docs.json apis[].path and methods; {} is a path parameter)
DOCUMENTED_PATHS = {
    ("PUT", "/clusters/{}/audit_log"): "UpdateClusterAuditLogConfig",
    ("POST", "/api/v2/clusters/{}/upgrade"): "UpgradeCluster",
    ("PUT", "/clusters/{}/nodepools/{}"): "ModifyClusterNodePool",
    ("POST", "/clusters/{}/components/install"): "InstallClusterAddons",
    ("POST", "/clusters/{}/components/uninstall"): "UnInstallClusterAddons",
    ("POST", "/clusters/{}/components/{}/config"): "ModifyClusterAddon",
    ("POST", "/clusters"): "CreateCluster",
    ("POST", "/clusters/{}/inspectReports"): "RunClusterInspect",
    ("PUT", "/clusters/{}/inspectConfig"): "UpdateClusterInspectConfig",
    ("PUT", "/api/v2/clusters/{}"): "ModifyCluster",
    ("GET", "/permissions/users/{}"): "DescribeUserPermission",
    ("GET", "/api/v1/metadata/versions"): "DescribeKubernetesVersionMetadata",
}


def test_remediation_commands_use_documented_methods_and_paths():
    """Every `METHOD /path` of an ACK check's CLI remediation is a documented API (a <placeholder> or a component
    name stands for a path parameter): RunClusterInspect is POST .../inspectReports, ModifyClusterAddon POST
    .../components/{component_id}/config."""
    import re

    from aliaudit.checks.registry import all_checks

    def fits(template: str, path: str) -> bool:
        want, got = template.split("/"), path.split("/")
        return len(want) == len(got) and all(w in ("{}", g) for w, g in zip(want, got, strict=True))

    def documented(method: str, path: str) -> bool:
        return any(m == method and fits(template, path) for m, template in DOCUMENTED_PATHS)

    seen = {cid: re.findall(r"\b(GET|PUT|POST|DELETE) (/[^\s']+)", c.meta.remediation.cli)
            for cid, c in all_checks().items() if cid.startswith("ack_")}
    wrong = {cid: calls for cid, calls in seen.items() if not all(documented(m, p) for m, p in calls)}
    assert not wrong
    assert ("POST", "/clusters/<id>/inspectReports") in seen["ack_cluster_inspection_recent"]
    assert ("POST", "/clusters/<id>/components/terway-eniip/config") in seen["ack_cluster_network_policy_enabled"]
