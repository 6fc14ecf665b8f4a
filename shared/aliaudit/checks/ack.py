"""Container Service for Kubernetes (ACK) checks: CIS Alibaba Cloud Foundations v2.0.0 section 7 and 2.4,
plus Kubernetes version support. One finding per cluster and check; registered (external) clusters get
MANUAL findings where ACK does not run their control plane. Clusters being deleted or deleted get no findings; a
cluster whose creation or deletion failed gets MANUAL ones (DescribeClustersV1 state)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

from ..collectors.ack import CLUSTERS, VERSION_PROFILES, AckData, ClusterInfo, version_key, version_tuple
from ..findings import Result, Status
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL
CLUSTER_EVENTS = ["CreateCluster", "ModifyCluster", "DeleteCluster", "MigrateCluster", "UpgradeCluster",
                  "UpdateKMSEncryption"]
ADDON_EVENTS = CLUSTER_EVENTS + ["InstallClusterAddons", "UnInstallClusterAddons", "ModifyClusterAddon",
                                 "UpgradeClusterAddons"]
LOG_ADDONS = ("logtail-ds", "loongcollector")  # the Log Service collectors ACK installs
# the data-plane add-ons first: terway-controlplane (ACK Pro's control-plane part, beside one of them) carries
# neither the NetworkPolicy setting nor the ENI mode. Alibaba's Terraform provider names the network add-ons apart
# (alicloud/service_alicloud_cs.go NETWORK_ADDON_NAMES: "terway", "kube-flannel-ds", "terway-eni", "terway-eniip"),
# and the Terway README separates VPC (route) mode, terway.yml's DaemonSet `terway`, from ENI secondary IP mode
# (terway-multiip.yml): only terway-eniip is known to be the multiple IP mode.
TERWAY = ("terway-eniip", "terway-eni", "terway", "terway-controlplane")
# Terway Edge, ACK Edge clusters' network plug-in: "Built on Terway and Flannel (Route mode)", Terway on cloud node
# pools and Flannel on edge ones; its component is terway-edge (https://help.aliyun.com/en/ack/product-overview/
# terway-edge, "terway-edge version") beside terway-edge-controlplane (https://www.alibabacloud.com/help/en/ack/
# ack-edge/user-guide/use-terway-in-ens-network). "Network Plug-in: Select Terway-edge" (https://www.alibabacloud.com/
# help/en/ack/ack-edge/user-guide/how-to-use-the-terway-edge-network-plugin)
TERWAY_EDGE = ("terway-edge", "terway-edge-controlplane")
FLANNEL = ("flannel",)


def _result(c: ClusterInfo, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=c.id, resource_name=c.name, resource_type="ack:cluster",
                  region=c.region, message=message, details={f"tag:{k}": v for k, v in c.tags.items()})


def _clusters(inp: Inputs, *parts: str, registered: str | None = None) -> Iterator[tuple[ClusterInfo, Result | None]]:
    """Each cluster still there, with a ready Result when the check cannot judge it: MANUAL for one whose creation or
    deletion failed, ERROR if one of `parts` was not read, MANUAL (with `registered` as guidance) for registered
    clusters."""
    data: AckData = inp[CLUSTERS]
    for c in data.clusters:
        if c.gone:  # deleting / deleted: nothing left to secure
            continue
        if c.failed:
            yield c, _result(c, MANUAL, f"the cluster is {c.state}: ACK describes no working cluster to judge; "
                                        "delete it, or verify it by hand once it runs")
            continue
        if c.registered:
            yield c, _result(c, MANUAL, f"registered cluster: {registered}") if registered else None
            continue
        failed = [f"{p}: {c.errors[p]}" for p in parts if p in c.errors]
        yield c, _result(c, ERROR, f"could not read {'; '.join(failed)}") if failed else None


def _checks(inp: Inputs, parts: tuple[str, ...], registered: str,
            judge: Callable[[ClusterInfo], tuple[Status, str]]) -> Iterator[Result]:
    for c, ready in _clusters(inp, *parts, registered=registered):
        if ready:
            yield ready
        elif not c.registered:
            status, message = judge(c)
            yield _result(c, status, message)


_REG_AGENT = "ACK does not manage this cluster's nodes or add-ons; verify it on the cluster itself"


# --- logging and monitoring -----------------------------------------------------------------------

@check(id="ack_cluster_audit_log_enabled", severity="high",
       title="Ensure Log Service collects the API server audit log of Kubernetes clusters",
       risk="Without the API server audit log nobody can tell who read secrets or changed workloads.",
       console="ACK console > the cluster > Security and Compliance > Cluster Auditing: enable it "
               "(delivers the kube-apiserver audit log to an SLS project).",
       cli="aliyun cs PUT /clusters/<id>/audit_log --body '{\"disable\": false}'  (UpdateClusterAuditLogConfig)",
       cis=["2.4", "7.1"], events=CLUSTER_EVENTS + ["UpdateClusterAuditLogConfig"], needs=[CLUSTERS],
       evaluates="GetClusterAuditProject per cluster: PASS when audit_enabled is true and an SLS project is named "
                 "(sls_project_name, or the cluster's AuditProjectName meta data), FAIL otherwise. Registered "
                 "(external) clusters are MANUAL; ERROR when the cluster's audit settings could not be read.",
       cis_audit="ACK console > the cluster: select Cluster Auditing and check if the audit page is shown (7.1); "
                 "ensure the Cluster Auditing page is available (2.4).")
def audit_log(inp: Inputs) -> Iterator[Result]:
    def judge(c: ClusterInfo) -> tuple[Status, str]:
        project = c.audit_project or str(c.meta_data.get("AuditProjectName") or "")
        if c.audit_enabled and project:
            return PASS, f"API server audit log is delivered to SLS project {project}"
        return FAIL, "cluster auditing is off: the API server audit log is not collected by Log Service"

    yield from _checks(inp, ("audit",), _REG_AGENT, judge)


@check(id="ack_cluster_log_collection_enabled", severity="medium",
       title="Ensure the Log Service collector runs on Kubernetes Engine Clusters",
       risk="Without the Log Service collector, container logs and events vanish with their pods.",
       console="ACK console > the cluster > Operations > Add-ons > Logs and Monitoring: install "
               "loongcollector (or logtail-ds).",
       cli="aliyun cs POST /clusters/<id>/components/install --body '[{\"name\": \"loongcollector\"}]'",
       events=ADDON_EVENTS, needs=[CLUSTERS],
       evaluates="ListClusterAddonInstances per cluster: PASS when loongcollector or logtail-ds is installed in a "
                 "state other than failed, deleting or deleted, FAIL otherwise. Registered (external) clusters are "
                 "MANUAL; ERROR when the cluster's add-ons could not be read. Container log collection, a view beside "
                 "CIS 2.4 and 7.1, whose audits look at the Cluster Auditing page (ack_cluster_audit_log_enabled).",
       source="ACK's Log Service integration: the loongcollector (formerly logtail-ds) add-on collects container "
              "logs and events; the title of CIS 2.4 / 7.1 ('Log Service is enabled')")
def log_collection(inp: Inputs) -> Iterator[Result]:
    def judge(c: ClusterInfo) -> tuple[Status, str]:
        addon = c.addon(*LOG_ADDONS)
        if addon and addon.state.lower() not in ("failed", "deleting", "deleted"):
            return PASS, f"Log Service collector {addon.name} {addon.version} is installed"
        if addon:
            return FAIL, f"Log Service collector {addon.name} is {addon.state}"
        return FAIL, "no Log Service collector add-on (loongcollector or logtail-ds) is installed"

    yield from _checks(inp, ("addons",), _REG_AGENT, judge)


@check(id="ack_cluster_cloudmonitor_enabled", severity="medium",
       title="Ensure CloudMonitor is set to Enabled on Kubernetes Engine Clusters",
       risk="Without the CloudMonitor agent, node CPU, memory, disk and network signals are not collected.",
       console="ACK console > the cluster > Nodes > Node Pools > the pool > Edit: enable CloudMonitor agent; on a "
               "dedicated cluster's masters, install the CloudMonitor agent on each master ECS instance.",
       cli="aliyun cs PUT /clusters/<id>/nodepools/<np> --body '{\"kubernetes_config\": {\"cms_enabled\": true}}'",
       cis=["7.2"], events=CLUSTER_EVENTS + ["CreateClusterNodePool", "ModifyClusterNodePool",
                                             "DeleteClusterNodepool"], needs=[CLUSTERS],
       evaluates="DescribeClusterNodePools per cluster: PASS when every node pool has kubernetes_config.cms_enabled, "
                 "FAIL naming the pools without it, MANUAL when the cluster has no node pools. A dedicated cluster's "
                 "masters are in no node pool: DescribeClusterDetail control_plane_config.cloud_monitor_flags false "
                 "is a FAIL too; MANUAL when the answer carries no such flag, ERROR when DescribeClusterDetail could "
                 "not be read. Registered (external) clusters are MANUAL; ERROR when the cluster's node pools could "
                 "not be read. The audit's OS Metrics in CloudMonitor are not read.",
       cis_audit="ACK console > the cluster > Nodes > Monitor link of the selected node: check if OS Metrics data "
                 "exists in the CloudMonitor page of the ECS node.")
def cloudmonitor(inp: Inputs) -> Iterator[Result]:
    def masters(c: ClusterInfo) -> tuple[Status, str] | None:
        """The verdict on a dedicated cluster's masters (None: not dedicated)."""
        if not c.dedicated:
            return None
        if "detail" in c.errors:
            return ERROR, f"could not read DescribeClusterDetail for the masters: {c.errors['detail']}"
        if c.control_plane_cms is None:
            return MANUAL, ("DescribeClusterDetail answered no control_plane_config.cloud_monitor_flags: verify the "
                            "CloudMonitor agent runs on the masters")
        if not c.control_plane_cms:
            return FAIL, ("CloudMonitor agent is not installed on the masters "
                          "(control_plane_config.cloud_monitor_flags false)")
        return PASS, "CloudMonitor agent is installed on the masters"

    def judge(c: ClusterInfo) -> tuple[Status, str]:
        off = [p.name for p in c.node_pools if not p.cms_enabled]
        if off:
            pools = (FAIL, f"CloudMonitor agent is disabled in node pools: {', '.join(off)}")
        elif c.node_pools:
            pools = (PASS, f"CloudMonitor agent is enabled in all {len(c.node_pools)} node pools")
        else:
            pools = (MANUAL, "the cluster has no node pools; if it has nodes added outside node pools, verify the "
                             "CloudMonitor agent runs on them")
        master = masters(c)
        if master is None:
            return pools
        # the worse of the two decides (a FAIL stands even when the other part is unknown); both messages are kept
        worst = (FAIL, ERROR, MANUAL, PASS)
        verdicts = sorted([master, pools], key=lambda v: worst.index(v[0]))
        return verdicts[0][0], "; ".join(m for _, m in verdicts)

    yield from _checks(inp, ("nodepools",), _REG_AGENT, judge)


# --- access control -------------------------------------------------------------------------------

@check(id="ack_cluster_rbac_enabled", severity="high",
       title="Ensure role-based access control (RBAC) authorization is Enabled on Kubernetes Engine Clusters",
       risk="Legacy ABAC or AlwaysAllow authorization grants broad static permissions to every identity.",
       console="ACK console > Authorizations: grant RAM users and roles RBAC roles per cluster and namespace; on "
               "dedicated clusters keep --authorization-mode=Node,RBAC in kube-apiserver.yaml on every master.",
       cli="aliyun cs GET /permissions/users/<uid>  (DescribeUserPermission); on masters: grep authorization-mode "
           "/etc/kubernetes/manifests/kube-apiserver.yaml",
       cis=["7.3"], events=CLUSTER_EVENTS + ["GrantPermissions", "UpdateUserPermissions"], needs=[CLUSTERS],
       evaluates="The cluster type only: PASS for ManagedKubernetes (ACK runs the control plane with Node,RBAC "
                 "authorization, no ABAC), MANUAL for dedicated clusters (kube-apiserver.yaml on the masters is not "
                 "readable) and registered clusters. The audit's RBAC role grants per RAM user are not read.",
       cis_audit="ACK console > Clusters > Authorizations: select the target RAM sub-account and configure the RBAC "
                 "roles on specific clusters or namespaces.")
def rbac(inp: Inputs) -> Iterator[Result]:
    def judge(c: ClusterInfo) -> tuple[Status, str]:
        if c.cluster_type == "ManagedKubernetes":
            # ACK runs the control plane of managed clusters with Node,RBAC authorization and no ABAC
            return PASS, "managed control plane: ACK enforces RBAC authorization (ABAC is not available)"
        return MANUAL, ("dedicated cluster: on every master verify /etc/kubernetes/manifests/kube-apiserver.yaml has "
                        "--authorization-mode=Node,RBAC (no ABAC, no AlwaysAllow)")

    yield from _checks(inp, (), "verify the API server runs --authorization-mode with RBAC and without ABAC", judge)


@check(id="ack_cluster_basic_auth_disabled", severity="high",
       title="Ensure Basic Authentication is not enabled on Kubernetes Engine Clusters",
       risk="Static passwords in a basic-auth file allow brute force against the API server.",
       console="Upgrade the cluster to Kubernetes 1.19 or later (basic authentication was removed); on older "
               "dedicated clusters remove --basic-auth-file from kube-apiserver.yaml on every master.",
       cli="aliyun cs POST /api/v2/clusters/<id>/upgrade --body '{\"next_version\": \"<version>\"}'",
       cis=["7.6"], events=CLUSTER_EVENTS, needs=[CLUSTERS],
       evaluates="The cluster's current_version: PASS at Kubernetes 1.19 or later (basic authentication was removed),"
                 " MANUAL for older or unparsable versions and for registered clusters, since the masters' "
                 "kube-apiserver.yaml is not readable.",
       cis_audit="ssh into any master node; make sure basic-auth-file does not exist in the apiserver manifest: cat "
                 "/etc/kubernetes/manifests/kube-apiserver.yaml | grep basic-auth-file.")
def basic_auth(inp: Inputs) -> Iterator[Result]:
    def judge(c: ClusterInfo) -> tuple[Status, str]:
        v = version_tuple(c.version)
        if v and v[:2] >= (1, 19):
            return PASS, f"Kubernetes {c.version}: basic authentication was removed in 1.19 and cannot be enabled"
        return MANUAL, (f"Kubernetes {c.version or 'unknown version'}: verify on every master that "
                        "/etc/kubernetes/manifests/kube-apiserver.yaml has no --basic-auth-file, or upgrade")

    yield from _checks(inp, (), "verify the API server has no --basic-auth-file", judge)


@check(id="ack_cluster_dashboard_disabled", severity="high",
       title="Ensure Kubernetes web UI / Dashboard is not enabled",
       risk="The Kubernetes dashboard has been a common entry point for cluster takeovers.",
       console="ACK console > the cluster > Operations > Add-ons: uninstall kubernetes-dashboard; also delete any "
               "dashboard deployment in kube-system.",
       cli="aliyun cs POST /clusters/<id>/components/uninstall --body '[{\"name\": \"kubernetes-dashboard\"}]'",
       cis=["7.5"], events=ADDON_EVENTS, needs=[CLUSTERS],
       evaluates="ListClusterAddonInstances: FAIL when the kubernetes-dashboard add-on is installed (any state), PASS"
                 " otherwise; a dashboard deployed by hand into kube-system, which the audit's filter would find, is "
                 "not visible to the ACK API. Registered (external) clusters are MANUAL; ERROR when the cluster's "
                 "add-ons could not be read.",
       cis_audit="ACK console > the cluster, kube-system namespace: input dashboard in the deploy filter bar and make"
                 " sure there is no result.")
def dashboard(inp: Inputs) -> Iterator[Result]:
    def judge(c: ClusterInfo) -> tuple[Status, str]:
        if c.addon("kubernetes-dashboard"):
            return FAIL, "the kubernetes-dashboard add-on is installed"
        return PASS, ("no kubernetes-dashboard add-on (a dashboard deployed by hand into kube-system is not visible "
                      "to the ACK API)")

    yield from _checks(inp, ("addons",), "verify no Kubernetes dashboard runs in kube-system", judge)


# --- network --------------------------------------------------------------------------------------

def _network(c: ClusterInfo) -> str:
    plugin = c.addon(*TERWAY) or c.addon(*TERWAY_EDGE) or c.addon(*FLANNEL)
    return plugin.name if plugin else ""


# Where NetworkPolicy is set: a CreateCluster add-on parameter, which GetClusterAddonInstance's config (a JSON string,
# alibabacloud_cs20151215 GetClusterAddonInstanceResponseBody.config) may carry as NetworkPolicy "true"/"false";
# Terway itself keeps it as disable_network_policy in ConfigMap kube-system/eni-config ("Customize Terway
# configuration parameters", https://www.alibabacloud.com/help/en/ack/ack-managed-and-ack-dedicated/user-guide/
# terway-configuration-parameters), which no ACK API returns.
_CIS_7_7_AUDIT = ("Logon to ACK console. Click the Create Kubernetes Cluster button and make sure Terway is selected "
                  "in Network Plugin option.")


def _network_policy(c: ClusterInfo) -> tuple[Status, str]:
    terway = c.addon(*TERWAY)
    edge = c.addon(*TERWAY_EDGE)
    if terway is None and edge is not None:
        # Terway on cloud node pools, Flannel (Route mode) on edge ones: no documented add-on setting tells both
        return MANUAL, (f"network plugin {edge.name} (Terway Edge: Terway on cloud node pools, Flannel in Route mode "
                        "on edge node pools): verify NetworkPolicy is enforced on every node pool")
    if terway is None:
        plugin = _network(c) or "no Terway"
        return FAIL, f"network plugin {plugin}: only Terway enforces Kubernetes NetworkPolicy on ACK"
    config = terway.config or {}
    if "NetworkPolicy" not in config:
        return MANUAL, (f"network plugin {terway.name}; whether NetworkPolicy enforcement is on could not be read: the "
                        "add-on configuration has no NetworkPolicy key, and Terway keeps the setting as "
                        "disable_network_policy in ConfigMap kube-system/eni-config (kubectl -n kube-system get cm "
                        "eni-config)")
    setting = str(config["NetworkPolicy"]).lower()
    if setting == "true":
        return PASS, f"{terway.name} with NetworkPolicy enabled"
    return FAIL, f"{terway.name} with NetworkPolicy={setting or 'empty'} in its add-on configuration"


_CIS_7_8_AUDIT = ("ACK console > the cluster detail page: check if the meta of Network Plugin in Cluster Information "
                  "is Terway.")


@check(id="ack_cluster_terway_network_plugin", severity="medium",
       title="Ensure Kubernetes clusters use the Terway network plugin (Network policy, ENI multiple IP mode)",
       risk="Flannel enforces no NetworkPolicy: every pod can reach every other pod, and one compromise spreads.",
       console="Create clusters with the Terway network plugin (the network plugin cannot be changed afterwards).",
       cli="aliyun cs POST /clusters --body '{..., \"addons\": [{\"name\": \"terway-eniip\"}]}'",
       cis=["7.7", "7.8"], events=ADDON_EVENTS, needs=[CLUSTERS],
       evaluates="The network add-on (ListClusterAddonInstances), as the 7.7 and 7.8 audits read it (is Terway the "
                 "network plugin?): PASS for Terway in any mode (terway-eniip, terway-eni, terway-controlplane, "
                 "terway) and for Terway Edge (terway-edge, terway-edge-controlplane: ACK Edge clusters' Terway-based "
                 "plug-in), FAIL for Flannel or no network add-on; MANUAL for registered (external) clusters; ERROR "
                 "when the cluster's add-ons could not be read. Whether NetworkPolicy is on and whether the mode is "
                 "multiple IP are ack_cluster_network_policy_enabled and ack_cluster_eni_multi_ip_enabled.",
       cis_audit="7.7: " + _CIS_7_7_AUDIT + " 7.8: " + _CIS_7_8_AUDIT)
def terway_network_plugin(inp: Inputs) -> Iterator[Result]:
    def judge(c: ClusterInfo) -> tuple[Status, str]:
        terway = c.addon(*TERWAY)
        if terway is not None:
            return PASS, f"network plugin {terway.name} (Terway)"
        edge = c.addon(*TERWAY_EDGE)
        if edge is not None:  # the console's Network Plug-in "Terway-edge"
            return PASS, f"network plugin {edge.name} (Terway Edge)"
        return FAIL, f"network plugin {_network(c) or 'not Terway'}: Terway is not the network plugin"

    yield from _checks(inp, ("addons",), "verify the cluster's network plugin is Terway", judge)


@check(id="ack_cluster_network_policy_enabled", severity="medium",
       title="Kubernetes clusters enforce NetworkPolicy (Terway with NetworkPolicy support on)",
       risk="Without NetworkPolicy support every pod can reach every other pod; one compromise spreads.",
       console="Create clusters with the Terway network plugin and 'Support for NetworkPolicy' selected (Flannel "
               "has no NetworkPolicy); for Terway clusters keep disable_network_policy \"false\" in ConfigMap "
               "kube-system/eni-config.",
       cli="aliyun cs POST /clusters/<id>/components/terway-eniip/config --body '{\"config\": "
           "\"{\\\"NetworkPolicy\\\": \\\"true\\\"}\"}'; kubectl -n kube-system get cm eni-config "
           "-o jsonpath='{.data.disable_network_policy}'",
       events=ADDON_EVENTS, needs=[CLUSTERS],
       evaluates="ListClusterAddonInstances and, for the Terway add-on (terway-eniip, terway-eni, "
                 "terway-controlplane, terway), GetClusterAddonInstance's config: FAIL when Terway is not installed "
                 "(Flannel has no NetworkPolicy), MANUAL for Terway Edge (terway-edge: Flannel on edge node pools); "
                 "with Terway, PASS when the config says NetworkPolicy \"true\", "
                 "MANUAL when it has no NetworkPolicy key (enforcement itself, disable_network_policy in ConfigMap "
                 "kube-system/eni-config, is not readable through the API), FAIL when it names another value "
                 "(\"false\"). "
                 "Registered clusters are MANUAL. No CIS id: stricter than the 7.7 audit, which asks only for Terway "
                 "(ack_cluster_terway_network_plugin).",
       source="CIS 7.7's intent (Network policy enabled), judged by the Terway add-on's NetworkPolicy parameter")
def network_policy(inp: Inputs) -> Iterator[Result]:
    yield from _checks(inp, ("addons", "network"), "verify a CNI that enforces NetworkPolicy is installed",
                       _network_policy)


@check(id="ack_cluster_eni_multi_ip_enabled", severity="low",
       title="Kubernetes clusters run Terway in ENI multiple IP (shared ENI) mode",
       risk="Without Terway's shared-ENI multi-IP mode, pod networking falls back to overlay or exclusive ENIs.",
       console="Create clusters with the Terway network plugin in shared ENI (multiple IP) mode (terway-eniip).",
       cli="aliyun cs POST /clusters --body '{..., \"addons\": [{\"name\": \"terway-eniip\"}]}'",
       events=ADDON_EVENTS, needs=[CLUSTERS],
       evaluates="The network add-on (ListClusterAddonInstances): PASS for terway-eniip (ENI secondary IP mode), "
                 "FAIL for terway-eni (exclusive ENI mode) and for Flannel or no network add-on; MANUAL for terway "
                 "(VPC route mode in the Terway README, or a mode the name does not tell), for terway-controlplane "
                 "without a data-plane add-on and for Terway Edge. Registered (external) clusters are MANUAL; ERROR "
                 "when the cluster's add-ons could not be read. No CIS id: "
                 "stricter than the 7.8 audit, which asks only for Terway (ack_cluster_terway_network_plugin).",
       source="CIS 7.8's title (ENI multiple IP mode), judged by the Terway add-on's mode")
def eni_multi_ip(inp: Inputs) -> Iterator[Result]:
    def judge(c: ClusterInfo) -> tuple[Status, str]:
        plugin = _network(c)
        if plugin == "terway-eniip":
            return PASS, f"network plugin {plugin}: ENI multiple IP (shared ENI) mode"
        if plugin == "terway-eni":
            return FAIL, "network plugin terway-eni: exclusive ENI mode, not multiple IP mode"
        if plugin in ("terway", "terway-controlplane") + TERWAY_EDGE:
            return MANUAL, (f"network plugin {plugin}: its add-on name does not tell whether pods use ENI secondary "
                            "IPs (the terway add-on is Terway's VPC route mode in the Terway README); verify on the "
                            "cluster that Terway runs in shared ENI (multiple IP) mode")
        return FAIL, f"network plugin {plugin or 'not Terway'}: ENI multiple IP mode needs Terway (terway-eniip)"

    yield from _checks(inp, ("addons",), "not applicable to a cluster ACK did not create", judge)


@check(id="ack_cluster_private_endpoint", severity="high",
       title="Ensure Kubernetes Cluster is created with Private cluster enabled",
       risk="An API server reachable from the internet is exposed to credential stuffing and API exploits.",
       console="ACK console > the cluster > Basic Information > API Server Public Endpoint: unbind the EIP; reach "
               "the API server from the VPC, a bastion or a VPN.",
       cli="aliyun cs PUT /api/v2/clusters/<id> --body '{\"api_server_eip\": false}'  (ModifyCluster)",
       cis=["7.9"], events=CLUSTER_EVENTS, needs=[CLUSTERS],
       evaluates="DescribeClustersV1 master_url api_server_endpoint: FAIL when the API server has an internet endpoint,"
                 " PASS when none is reported; ERROR when master_url is missing or not a JSON object; registered "
                 "clusters are MANUAL.",
       cis_audit="ACK console > the cluster detail page: check that there is no meta of API Server Public Network "
                 "Endpoint under Cluster Information.")
def private_endpoint(inp: Inputs) -> Iterator[Result]:
    def judge(c: ClusterInfo) -> tuple[Status, str]:
        if c.public_endpoint:
            return FAIL, f"the API server has a public endpoint: {c.public_endpoint}"
        if not c.master_url_read:
            return ERROR, "DescribeClustersV1 answered no readable master_url: whether the API server is public is " \
                          "unknown"
        return PASS, "the API server has no public endpoint"

    yield from _checks(inp, (), "verify its API server is not reachable from the internet", judge)


# --- operations -----------------------------------------------------------------------------------

@check(id="ack_cluster_inspection_recent", severity="low",
       title="Ensure Cluster Check triggered at least once per week for Kubernetes Clusters",
       risk="Unchecked clusters drift: failing nodes and components or risky configuration go unnoticed.",
       console="ACK console > the cluster > Inspections and Diagnostics > Cluster Inspection: start an inspection "
               "and enable scheduled inspection.",
       cli="aliyun cs POST /clusters/<id>/inspectReports  (RunClusterInspect); PUT /clusters/<id>/inspectConfig "
           "(scheduled inspection)",
       cis=["7.4"], events=CLUSTER_EVENTS + ["RunClusterInspect", "CreateClusterInspectConfig",
                                             "UpdateClusterInspectConfig"], needs=[CLUSTERS],
       evaluates="ListClusterInspectReports: the newest report that is neither failed nor running must have ended "
                 "(or started) within ack_inspection_max_age_days (7), else FAIL (none: FAIL), and its result must be "
                 "Normal, as the audit asks: FAIL when its summary.code (the overall result) is present and not "
                 "normal (any case), or when the summary counts check items with an error or a warning (errorCount, "
                 "warnCount); MANUAL when summary.code is empty or missing and those counts are 0 or missing (the "
                 "overall result was not answered; the counts have no critical level); PASS when the code is normal. "
                 "Registered (external) clusters are MANUAL; ERROR when the cluster's inspection reports could not be "
                 "read.",
       cis_audit="ACK console > the cluster > Overview: check if the Last check status is Normal and verify the "
                 "checking time and details in Global Check.")
def inspection(inp: Inputs) -> Iterator[Result]:
    days = inp.config.ack_inspection_max_age_days
    cutoff = inp.now - timedelta(days=days)

    def judge(c: ClusterInfo) -> tuple[Status, str]:
        if not (c.last_inspection and c.last_inspection >= cutoff):
            seen = f"last cluster inspection {c.last_inspection:%Y-%m-%d}" if c.last_inspection else "never inspected"
            return FAIL, f"{seen}: no completed cluster inspection within {days} days"
        when = f"last cluster inspection {c.last_inspection:%Y-%m-%d} (within {days} days)"
        code = (c.last_inspection_code or "").lower()
        counted = c.last_inspection_errors is not None and c.last_inspection_warnings is not None
        items = (f"{c.last_inspection_errors} check items with errors, {c.last_inspection_warnings} with warnings"
                 if counted else "")
        if code and code != "normal":
            detail = f" ({items})" if items else ""
            return FAIL, f"{when} is not Normal: its result is {c.last_inspection_code}{detail}"
        if counted and (c.last_inspection_errors or c.last_inspection_warnings):
            return FAIL, f"{when} is not Normal: {items}"
        if not code:
            # the counts have no critical level, so zero errors and warnings do not make the report Normal
            told = items or "no counts either"
            return MANUAL, (f"{when}: its overall result was not answered (no summary.code; {told}): verify its "
                            "status is Normal in the console")
        return PASS, f"{when}: Normal"

    yield from _checks(inp, ("inspection",), "run cluster checks with the tools of its provider", judge)


@check(id="ack_cluster_version_supported", severity="medium",
       title="Ensure Kubernetes clusters run a version ACK still supports",
       risk="Versions past end of support get no security fixes for Kubernetes or ACK components.",
       console="ACK console > the cluster > Basic Information > Upgrade Cluster to a supported version.",
       cli="aliyun cs GET /api/v1/metadata/versions --Region <region> --ClusterType <type>; "
           "aliyun cs POST /api/v2/clusters/<id>/upgrade --body '{\"next_version\": \"<version>\"}'",
       events=CLUSTER_EVENTS, needs=[CLUSTERS],
       evaluates="The cluster's current_version against DescribeKubernetesVersionMetadata for its cluster type, "
                 "profile (Default, Edge or Serverless; another profile, such as Lingjun, is MANUAL) and region: FAIL "
                 "when no supported version has the same major.minor, or its expiration date has passed;"
                 " PASS otherwise (with the end-of-support date); ERROR when the supported versions could not be "
                 "read; registered clusters are MANUAL.",
       source="Cloud Config ack-cluster-upgrade-latest-version; ACK's Kubernetes version support policy "
              "(https://www.alibabacloud.com/help/en/ack/product-overview/support-for-kubernetes-versions)")
def version_supported(inp: Inputs) -> Iterator[Result]:
    data: AckData = inp[CLUSTERS]

    def judge(c: ClusterInfo) -> tuple[Status, str]:
        if (c.profile or "Default") not in VERSION_PROFILES:
            return MANUAL, (f"profile {c.profile} has a version policy DescribeKubernetesVersionMetadata does not "
                            f"describe (its Profile: {', '.join(VERSION_PROFILES)}): check that Kubernetes "
                            f"{c.version} is still supported")
        key = version_key(c)
        if key in data.versions_error:
            return ERROR, f"could not read the supported versions: {data.versions_error[key]}"
        mine = version_tuple(c.version)
        # ACK lists the newest patch of each supported minor version
        same = [v for v in data.versions.get(key, []) if (t := version_tuple(v.version)) and mine
                and t[:2] == mine[:2]]
        if not same:
            return FAIL, f"Kubernetes {c.version} is no longer supported by ACK in {c.region}"
        expiry = max((v.expiration for v in same if v.expiration), default=None)
        if expiry and expiry < inp.now:
            return FAIL, f"Kubernetes {c.version} reached end of support on {expiry:%Y-%m-%d}"
        until = f" until {expiry:%Y-%m-%d}" if expiry else ""
        return PASS, f"Kubernetes {c.version} is supported{until}"

    yield from _checks(inp, (), "its Kubernetes version is not managed by ACK", judge)


# --- workload identity ----------------------------------------------------------------------------

@check(id="ack_cluster_rrsa_enabled", severity="medium",
       title="Ensure RRSA is enabled so pods assume RAM roles instead of using node roles or AccessKeys",
       risk="Without RRSA (RAM Roles for Service Accounts), pods reach cloud APIs through the worker nodes' RAM role "
            "(shared by every pod on the node) or through AccessKeys stored in Secrets; a compromised pod then holds "
            "more permissions, for longer, than its workload needs.",
       console="ACK console > the cluster > Basic Information > Security and Auditing: RRSA OIDC, Enable.",
       cli="aliyun cs PUT /api/v2/clusters/<id> --body '{\"enable_rrsa\": true}'  (ModifyCluster)",
       events=CLUSTER_EVENTS, needs=[CLUSTERS],
       source="Cloud Config ack-cluster-rrsa-enabled; https://www.alibabacloud.com/help/en/ack/ack-managed-and-ack-"
              "dedicated/user-guide/use-rrsa-to-authorize-pods-to-access-different-cloud-services",
       evaluates="DescribeClusterDetail rrsa_config.enabled per cluster: PASS when true, FAIL when false; MANUAL when "
                 "the answer carries no rrsa_config or no boolean enabled (how ACK describes a cluster that never "
                 "had RRSA is not documented) and for registered clusters; ERROR when DescribeClusterDetail could not"
                 " be read.")
def rrsa_enabled(inp: Inputs) -> Iterator[Result]:
    def judge(c: ClusterInfo) -> tuple[Status, str]:
        if c.rrsa_enabled is None:
            return MANUAL, "DescribeClusterDetail tells no RRSA state: check Security and Auditing in the console"
        if c.rrsa_enabled:
            return PASS, "RRSA is enabled: pods can assume RAM roles through the cluster's OIDC provider"
        return FAIL, "RRSA is disabled: pods reach cloud APIs with the node's RAM role or stored AccessKeys"

    yield from _checks(inp, ("detail",), "ACK does not manage its workload identity; use the cluster's own OIDC "
                       "federation", judge)


def _not_offered(c: ClusterInfo) -> str:
    """Secret encryption "is supported only on ACK Pro clusters and ACK Serverless Pro clusters" (Use KMS to
    encrypt Kubernetes Secrets, https://www.alibabacloud.com/help/doc-detail/177372.htm): on another kind the fix is
    the Pro edition, not a switch."""
    if c.cluster_type == "Kubernetes":
        return "; ACK dedicated clusters do not offer Secret encryption: it needs an ACK Pro cluster"
    if c.cluster_spec == "ack.standard":
        return "; this ACK Basic cluster (cluster_spec ack.standard) cannot enable it: migrate it to ACK Pro"
    return ""


@check(id="ack_cluster_secret_encryption_enabled", severity="medium",
       title="Ensure Kubernetes Secrets are encrypted at rest with a KMS key",
       risk="Without Secret encryption, Secrets (passwords, tokens, AccessKeys) are stored in etcd only base64-"
            "encoded: anyone who reads etcd or its backups reads them.",
       console="ACK console > the cluster > Basic Information > Security and Auditing: Secret Encryption, choose a "
               "KMS key (ACK Pro clusters).",
       cli="(console: Secret encryption is enabled on the cluster's Security and Auditing page; at creation, "
           "CreateCluster encryption_provider_key)",
       events=CLUSTER_EVENTS, needs=[CLUSTERS],
       source="Cloud Config ack-cluster-encryption-enabled; https://www.alibabacloud.com/help/en/ack/ack-managed-and-"
              "ack-dedicated/user-guide/use-kms-to-encrypt-kubernetes-secrets",
       evaluates="The cluster's meta_data (DescribeClustersV1) Capabilities.EncryptionKMSKeyId, where ACK reports the "
                 "Secret encryption key as Alibaba's Terraform provider reads it back (the API reference documents "
                 "meta_data only as a JSON text): PASS when a key id is set, FAIL when meta_data carries Capabilities "
                 "without one or with DisableEncryption true (UpdateKMSEncryption's switch); MANUAL when meta_data "
                 "has no Capabilities object (nothing to judge from) and for "
                 "registered clusters. Secret encryption is offered only on ACK Pro and Serverless Pro clusters: on a "
                 "Basic (cluster_spec ack.standard) or dedicated cluster the FAIL says that the fix is ACK Pro.")
def secret_encryption(inp: Inputs) -> Iterator[Result]:
    def judge(c: ClusterInfo) -> tuple[Status, str]:
        caps = c.meta_data.get("Capabilities")
        if not isinstance(caps, dict):
            return MANUAL, "the cluster's meta_data tells no Capabilities: check Secret encryption in the console"
        key = caps.get("EncryptionKMSKeyId")
        # UpdateKMSEncryption DisableEncryption "true: Disables the encryption at rest feature" (alibabacloud_cs20151215
        # UpdateKMSEncryptionRequest): a key id left in meta_data then encrypts nothing
        if str(caps.get("DisableEncryption")).lower() == "true":
            return FAIL, "Secret encryption is disabled (Capabilities.DisableEncryption true): Secrets are stored in " \
                         "etcd unencrypted (base64 only)" + _not_offered(c)
        if isinstance(key, str) and key:
            return PASS, f"Secrets are encrypted at rest with KMS key {key}"
        return FAIL, "Secret encryption is off: Secrets are stored in etcd unencrypted (base64 only)" + _not_offered(c)

    yield from _checks(inp, (), "ACK does not run its etcd; check encryption at rest on the cluster itself", judge)
