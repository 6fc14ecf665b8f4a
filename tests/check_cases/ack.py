"""ACK cases. Values from tests/fixtures/wire/cs: cluster c3fb96524f9274b4495df0f12a6b5**** (cluster-demo,
cn-beijing, cluster_type Kubernetes, current_version 1.32.1-aliyun.1, an empty api_server_endpoint); add-on states
active | updating | upgrading | deleting; GetClusterAuditProject audit_enabled true with sls_project_name
k8s-log-cad1230511cbb4db4a488e58518******; node pool np615c0e0966124216a0412e10afe0**** (default-nodepool);
ListClusterInspectReports status completed, summary code "warning" with errorCount and warnCount 0;
DescribeClusterDetail control_plane_config.cloud_monitor_flags true; DescribeKubernetesVersionMetadata
1.31.1-aliyun.1 expiring 2026-01-30."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from aliaudit.collectors.ack import AckData, AddonInfo, ClusterInfo, NodePoolInfo, VersionInfo
from tests.check_cases import Case

CID = "c3fb96524f9274b4495df0f12a6b5****"
NOW = datetime.now(timezone.utc)
POOL = NodePoolInfo(id="np615c0e0966124216a0412e10afe0****", name="default-nodepool", cms_enabled=True, nodes=3)
TERWAY = AddonInfo(name="terway-eniip", version="v1.9.0", state="active", config={"NetworkPolicy": "true"})
LOGTAIL = AddonInfo(name="loongcollector", version="v3.0.0", state="active")


def cluster(cid: str = CID, **kw: Any) -> ClusterInfo:
    base: dict[str, Any] = {
        "id": cid, "name": "cluster-demo", "region": "cn-beijing", "cluster_type": "ManagedKubernetes",
        "profile": "Default", "state": "running", "version": "1.32.1-aliyun.1", "public_endpoint": "",
        "audit_project": "k8s-log-cad1230511cbb4db4a488e58518******", "audit_enabled": True,
        "addons": [AddonInfo(name="coredns", state="active", version="v1.9.3.10-7dfca203-aliyun"), TERWAY, LOGTAIL],
        "node_pools": [POOL], "last_inspection": NOW - timedelta(days=1), "last_inspection_errors": 0,
        # summary.code enumerates no values: "normal" is the console's Normal, the one the CIS 7.4 audit asks for
        "last_inspection_warnings": 0, "last_inspection_code": "normal"}
    base.update(kw)
    return ClusterInfo(**base)


def ack(*clusters: ClusterInfo, **kw: Any) -> dict[str, AckData]:
    return {"ack.clusters": AckData(clusters=list(clusters), **kw)}


REGISTERED = cluster("c-ext", cluster_type="ExternalKubernetes")
DEDICATED = cluster("c-ded", cluster_type="Kubernetes", control_plane_cms=True)
_R = "cn-beijing"
# DescribeClustersV1 state: deleting / deleted have no findings, failed (creation) / delete_failed are MANUAL, the
# rest are judged
STATES = [cluster(f"c-{state}", state=state, audit_enabled=False, audit_project="")
          for state in ("deleting", "deleted", "failed", "delete_failed", "updating", "scaling", "updating_failed")]

CASES: list[Case] = [
    Case("ack_cluster_audit_log_enabled", "audit_enabled with a project; audit off; registered is MANUAL",
         ack(cluster(), cluster("c-off", audit_enabled=False, audit_project=""), REGISTERED),
         {CID: "PASS", "c-off": "FAIL", "c-ext": "MANUAL"}, region=_R),
    Case("ack_cluster_audit_log_enabled", "GetClusterAuditProject failed",
         ack(cluster(errors={"audit": "Forbidden"})), {CID: "ERROR"}, region=_R),
    Case("ack_cluster_log_collection_enabled", "loongcollector active; logtail-ds deleting; none",
         ack(cluster(), cluster("c-del", addons=[AddonInfo(name="logtail-ds", state="deleting")]),
             cluster("c-none", addons=[TERWAY])),
         {CID: "PASS", "c-del": "FAIL", "c-none": "FAIL"}, region=_R),
    # the review's defect: clusters in every state were judged (a deleted one FAILed, a failed one was ERROR)
    Case("ack_cluster_audit_log_enabled", "deleting and deleted: no finding; failed and delete_failed: MANUAL; "
         "updating, scaling and updating_failed: judged",
         ack(*STATES, cluster("c-ext-gone", cluster_type="ExternalKubernetes", state="deleted")),
         {"c-failed": "MANUAL", "c-delete_failed": "MANUAL", "c-updating": "FAIL", "c-scaling": "FAIL",
          "c-updating_failed": "FAIL"}, region=_R),
    Case("ack_cluster_private_endpoint", "a failed cluster whose reads failed is MANUAL, not ERROR; a deleted one "
         "with a public endpoint has no finding",
         ack(cluster("c-failed", state="failed", master_url_read=False, errors={"detail": "ErrorClusterNotFound"}),
             cluster("c-gone", state="Deleted", public_endpoint="https://47.95.1.2:6443"), cluster()),
         {"c-failed": "MANUAL", CID: "PASS"}, region=_R),
    Case("ack_cluster_cloudmonitor_enabled", "every pool with CMS; one pool without; no pool is MANUAL",
         ack(cluster(), cluster("c-off", node_pools=[POOL, NodePoolInfo(id="np-2", name="gpu", cms_enabled=False)]),
             cluster("c-nopool", node_pools=[])),
         {CID: "PASS", "c-off": "FAIL", "c-nopool": "MANUAL"}, region=_R),
    # the review's defect: a dedicated cluster's masters are in no node pool, so CloudMonitor off on them PASSed
    Case("ack_cluster_cloudmonitor_enabled", "dedicated: masters with CloudMonitor (documented sample) pass; "
         "cloud_monitor_flags false fails; not answered is MANUAL; DescribeClusterDetail denied is ERROR; a managed "
         "cluster is judged on its pools only",
         ack(DEDICATED, cluster("c-ded-off", cluster_type="Kubernetes", control_plane_cms=False),
             cluster("c-ded-none", cluster_type="Kubernetes"),
             cluster("c-ded-err", cluster_type="Kubernetes", errors={"detail": "Forbidden.RAM"}),
             cluster("c-managed-err", errors={"detail": "Forbidden.RAM"})),
         {"c-ded": "PASS", "c-ded-off": "FAIL", "c-ded-none": "MANUAL", "c-ded-err": "ERROR",
          "c-managed-err": "PASS"}, region=_R),
    Case("ack_cluster_cloudmonitor_enabled", "dedicated: a pool without CloudMonitor fails even when the masters are "
         "unknown; masters without it fail even without node pools",
         ack(cluster("c-ded-pool", cluster_type="Kubernetes", errors={"detail": "Forbidden.RAM"},
                     node_pools=[NodePoolInfo(id="np-2", name="gpu", cms_enabled=False)]),
             cluster("c-ded-nopool", cluster_type="Kubernetes", control_plane_cms=False, node_pools=[])),
         {"c-ded-pool": "FAIL", "c-ded-nopool": "FAIL"}, region=_R),
    Case("ack_cluster_rbac_enabled", "managed passes; documented dedicated (Kubernetes) is MANUAL",
         ack(cluster(), cluster("c-ded", cluster_type="Kubernetes")), {CID: "PASS", "c-ded": "MANUAL"}, region=_R),
    Case("ack_cluster_basic_auth_disabled", "1.32 passes; 1.16 is MANUAL",
         ack(cluster(), cluster("c-old", version="1.16.9-aliyun.1")), {CID: "PASS", "c-old": "MANUAL"}, region=_R),
    Case("ack_cluster_dashboard_disabled", "no dashboard add-on vs kubernetes-dashboard installed",
         ack(cluster(), cluster("c-dash", addons=[TERWAY, AddonInfo(name="kubernetes-dashboard", state="active")])),
         {CID: "PASS", "c-dash": "FAIL"}, region=_R),
    Case("ack_cluster_network_policy_enabled", "Terway NetworkPolicy true; false; Flannel; Terway without the key "
         "(enforcement unreadable: MANUAL)",
         ack(cluster(), cluster("c-npoff", addons=[TERWAY.model_copy(update={"config": {"NetworkPolicy": "false"}})]),
             cluster("c-flannel", addons=[AddonInfo(name="flannel", state="active")]),
             cluster("c-nokey", addons=[TERWAY.model_copy(update={"config": {}})])),
         {CID: "PASS", "c-npoff": "FAIL", "c-flannel": "FAIL", "c-nokey": "MANUAL"}, region=_R),
    # CIS 7.7 and 7.8 as their audits read: Terway is the network plugin, in any mode, NetworkPolicy aside
    Case("ack_cluster_terway_network_plugin", "terway-eniip, Terway with NetworkPolicy false and terway-eni pass; "
         "Flannel fails",
         ack(cluster(), cluster("c-npoff", addons=[TERWAY.model_copy(update={"config": {"NetworkPolicy": "false"}})]),
             cluster("c-eni", addons=[AddonInfo(name="terway-eni", state="active")]),
             cluster("c-flannel", addons=[AddonInfo(name="flannel", state="active")])),
         {CID: "PASS", "c-npoff": "PASS", "c-eni": "PASS", "c-flannel": "FAIL"}, region=_R),
    # Terway Edge (component terway-edge; console "Network Plug-in: Select Terway-edge") is ACK Edge's Terway
    Case("ack_cluster_terway_network_plugin", "terway-edge is Terway (Terway Edge)",
         ack(cluster("c-edge", profile="Edge", addons=[AddonInfo(name="terway-edge", state="active")])),
         {"c-edge": "PASS"}, region=_R),
    Case("ack_cluster_network_policy_enabled", "terway-edge (Flannel on edge node pools) is MANUAL, not a FAIL for "
         "lacking Terway",
         ack(cluster("c-edge", profile="Edge", addons=[AddonInfo(name="terway-edge", state="active")])),
         {"c-edge": "MANUAL"}, region=_R),
    # the review's defect: the terway add-on (VPC route mode in the Terway README; Terraform's NETWORK_ADDON_NAMES
    # names it apart from terway-eniip) and terway-controlplane alone PASSed as multiple IP mode
    Case("ack_cluster_eni_multi_ip_enabled", "terway, terway-controlplane alone and terway-edge are MANUAL",
         ack(cluster("c-terway", addons=[AddonInfo(name="terway", state="active")]),
             cluster("c-cp", addons=[AddonInfo(name="terway-controlplane", state="active")]),
             cluster("c-edge", addons=[AddonInfo(name="terway-edge", state="active")])),
         {"c-terway": "MANUAL", "c-cp": "MANUAL", "c-edge": "MANUAL"}, region=_R),
    Case("ack_cluster_eni_multi_ip_enabled", "terway-eniip passes; terway-eni and flannel fail",
         ack(cluster(), cluster("c-eni", addons=[AddonInfo(name="terway-eni", state="active")]),
             cluster("c-flannel", addons=[AddonInfo(name="flannel", state="active")])),
         {CID: "PASS", "c-eni": "FAIL", "c-flannel": "FAIL"}, region=_R),
    # the review's defect: an ACK Pro cluster lists terway-controlplane beside its data-plane add-on (Terraform's
    # cs_managed_kubernetes example), and the first listed decided, whatever its role
    Case("ack_cluster_eni_multi_ip_enabled",
         "terway-controlplane listed before terway-eni: the data-plane add-on decides",
         ack(cluster("c-pro-eni", addons=[AddonInfo(name="terway-controlplane", state="active"),
                                          AddonInfo(name="terway-eni", state="active")]),
             cluster("c-pro-eniip", addons=[AddonInfo(name="terway-controlplane", state="active"), TERWAY])),
         {"c-pro-eni": "FAIL", "c-pro-eniip": "PASS"}, region=_R),
    Case("ack_cluster_network_policy_enabled", "terway-controlplane (no NetworkPolicy key) listed first: the "
         "data-plane add-on's NetworkPolicy false decides",
         ack(cluster("c-pro", addons=[AddonInfo(name="terway-controlplane", state="active", config={}),
                                      TERWAY.model_copy(update={"config": {"NetworkPolicy": "false"}})])),
         {"c-pro": "FAIL"}, region=_R),
    Case("ack_cluster_private_endpoint", "documented empty api_server_endpoint vs a public one",
         ack(cluster(), cluster("c-pub", public_endpoint="https://47.95.1.2:6443")), {CID: "PASS", "c-pub": "FAIL"},
         region=_R),
    Case("ack_cluster_private_endpoint", "no readable master_url: unknown (ERROR), not private",
         ack(cluster(master_url_read=False)), {CID: "ERROR"}, region=_R),
    Case("ack_cluster_inspection_recent", "inspected yesterday, Normal; 30 days ago; never",
         ack(cluster(), cluster("c-old", last_inspection=NOW - timedelta(days=30)),
             cluster("c-never", last_inspection=None)),
         {CID: "PASS", "c-old": "FAIL", "c-never": "FAIL"}, region=_R),
    Case("ack_cluster_inspection_recent", "the audit's 'Last check status is Normal': a recent report with error or "
         "warning items fails, one without a summary is MANUAL",
         ack(cluster("c-err", last_inspection_errors=2), cluster("c-warn", last_inspection_warnings=1),
             cluster("c-nosummary", last_inspection_errors=None, last_inspection_warnings=None,
                     last_inspection_code=None)),
         {"c-err": "FAIL", "c-warn": "FAIL", "c-nosummary": "MANUAL"}, region=_R),
    # the review's defect: summary.code was never read, and the documented sample (code "warning", errorCount and
    # warnCount 0) PASSed as Normal
    Case("ack_cluster_inspection_recent", "summary.code: the documented 'warning' with zero counts fails, as does "
         "'critical'; 'Normal' in any case passes; no code with zero counts is MANUAL",
         ack(cluster("c-sample", last_inspection_code="warning"), cluster("c-crit", last_inspection_code="critical"),
             cluster("c-upper", last_inspection_code="Normal"), cluster("c-nocode", last_inspection_code=None),
             cluster("c-normal-warn", last_inspection_warnings=2)),
         {"c-sample": "FAIL", "c-crit": "FAIL", "c-upper": "PASS", "c-nocode": "MANUAL", "c-normal-warn": "FAIL"},
         region=_R),
    Case("ack_cluster_version_supported", "1.32 listed without expiry; documented 1.31 expired 2026-01-30 is past; "
         "1.28 not listed",
         ack(cluster(), cluster("c-31", version="1.31.1-aliyun.1"), cluster("c-28", version="1.28.3-aliyun.1"),
             versions={"ManagedKubernetes/Default": [
                 VersionInfo(version="1.32.1-aliyun.1", expiration=NOW + timedelta(days=300)),
                 VersionInfo(version="1.31.1-aliyun.1", expiration=NOW - timedelta(days=1))]}),
         {CID: "PASS", "c-31": "FAIL", "c-28": "FAIL"}, region=_R),
    Case("ack_cluster_version_supported", "the supported versions could not be read",
         ack(cluster(), versions_error={"ManagedKubernetes/Default": "Throttling"}), {CID: "ERROR"}, region=_R),
    # the review's defect: every cluster was judged against the Default profile's versions (Profile "Default value:
    # Default"), though Edge and Serverless clusters have theirs and Lingjun a policy of its own
    Case("ack_cluster_version_supported", "an Edge cluster is judged on the Edge list; a Lingjun cluster is MANUAL",
         ack(cluster("c-edge", profile="Edge", version="1.30.1-aliyun.1"),
             cluster("c-lingjun", profile="Lingjun", version="1.30.1-aliyun.1"),
             versions={"ManagedKubernetes/Default": [VersionInfo(version="1.32.1-aliyun.1")],
                       "ManagedKubernetes/Edge": [VersionInfo(version="1.30.1-aliyun.1")]}),
         {"c-edge": "PASS", "c-lingjun": "MANUAL"}, region=_R),
    # DescribeClusterDetail's documented sample: rrsa_config.enabled true
    Case("ack_cluster_rrsa_enabled", "enabled (documented sample), disabled, not told, registered",
         ack(cluster(rrsa_enabled=True), cluster("c-norrsa", rrsa_enabled=False), cluster("c-unknown"), REGISTERED),
         {CID: "PASS", "c-norrsa": "FAIL", "c-unknown": "MANUAL", "c-ext": "MANUAL"}, region=_R),
    Case("ack_cluster_rrsa_enabled", "DescribeClusterDetail denied: ERROR",
         ack(cluster(errors={"detail": "Forbidden.RAM"})), {CID: "ERROR"}, region=_R),
    # meta_data Capabilities (the emulator and Alibaba's Terraform provider: EncryptionKMSKeyId); the documented
    # CreateCluster encryption_provider_key example 0fe64791-55eb-4fc7-84c5-c6c7cdca****
    Case("ack_cluster_secret_encryption_enabled", "key set, capabilities without a key, no capabilities, registered",
         ack(cluster(meta_data={"Capabilities": {"Network": "terway-eniip",
                                                 "EncryptionKMSKeyId": "0fe64791-55eb-4fc7-84c5-c6c7cdca****"}}),
             cluster("c-plain", meta_data={"Capabilities": {"Network": "terway-eniip"}}),
             cluster("c-bare", meta_data={}), REGISTERED),
         {CID: "PASS", "c-plain": "FAIL", "c-bare": "MANUAL", "c-ext": "MANUAL"}, region=_R),
    Case("ack_cluster_secret_encryption_enabled", "a key id left in meta_data with DisableEncryption true "
         "(UpdateKMSEncryption) fails",
         ack(cluster(meta_data={"Capabilities": {"EncryptionKMSKeyId": "0fe64791-55eb-4fc7-84c5-c6c7cdca****",
                                                 "DisableEncryption": True}}),
             cluster("c-text", meta_data={"Capabilities": {"EncryptionKMSKeyId": "k", "DisableEncryption": "true"}})),
         {CID: "FAIL", "c-text": "FAIL"}, region=_R),
]
