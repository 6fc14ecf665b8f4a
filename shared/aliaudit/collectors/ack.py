"""Container Service for Kubernetes (ACK) dataset, per region: the clusters (DescribeClustersV1 carries
meta_data, master_url and the versions; DescribeClusterDetail per cluster adds only what the listing lacks, the
RRSA configuration and a dedicated cluster's control plane configuration) and, per cluster, the API server audit
project, installed add-ons (with the network plugin's configuration), node pools, and inspection reports; plus the
Kubernetes versions ACK still supports in the region. A cluster being deleted, deleted or whose creation or deletion
failed is listed with its state only: nothing more is read.

Each per-cluster read keeps its own error, so a denied call turns only the checks that need it to ERROR.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from pydantic import Field

from .. import apierrors
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from .paging import by_token, count, cut_short
from .registry import CollectContext, collector

cs_models = lazy_import("alibabacloud_cs20151215.models")

# DescribeClustersV1 page_size: "The number of entries per page" with no documented range (cs 2015-12-15); 100 is
# asked (a refusal would be the dataset's ERROR, never a partial listing)
PAGE_SIZE = 100
NETWORK_ADDONS = ("terway-eniip", "terway-eni", "terway", "terway-controlplane")  # config read for NetworkPolicy
# DescribeClustersV1 clusters[].state (OpenMeta cs 2015-12-15; DescribeClusterDetail documents these four too):
# "deleting: The cluster is being deleted", "deleted: The cluster has been deleted" (no findings), "failed: The
# cluster failed to be created", "delete_failed: The cluster failed to be deleted" (MANUAL). The others are judged:
# initial, running, upgrading, updating, removing, draining, scaling, stopped (and DescribeClusterDetail's
# updating_failed, waiting, disconnected)
GONE_STATES = ("deleting", "deleted")
FAILED_STATES = ("failed", "delete_failed")


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _json_object(text: Any) -> dict[str, Any] | None:
    """meta_data, master_url and add-on config arrive as JSON strings (or already as objects); None when the text
    is not a JSON object."""
    if isinstance(text, dict):
        return text
    try:
        data = json.loads(text)
    except (TypeError, ValueError, RecursionError):  # (nested past the interpreter's limit: not read either)
        return None
    return data if isinstance(data, dict) else None


def _json(text: Any) -> dict[str, Any]:
    """The JSON object of text, {} when there is none."""
    return _json_object(text or "{}") or {}


class AddonInfo(Record):
    name: str
    version: str = ""
    state: str = ""
    config: dict[str, Any] | None = None  # read for the network plugin only


class NodePoolInfo(Record):
    id: str
    name: str
    cms_enabled: bool
    nodes: int = 0


class ClusterInfo(Record):
    id: str
    name: str
    region: str
    cluster_type: str  # ManagedKubernetes | Kubernetes (dedicated) | ExternalKubernetes (registered)
    profile: str = ""
    # ack.standard (Basic), ack.pro.small / .xlarge / .2xlarge / .4xlarge (Pro): CreateClusterRequest.cluster_spec
    cluster_spec: str = ""
    state: str = ""
    version: str = ""  # current_version, e.g. 1.33.3-aliyun.1
    public_endpoint: str = ""  # master_url.api_server_endpoint: the API server's internet address
    master_url_read: bool = True  # master_url answered as a JSON object (else the endpoints are unknown)
    meta_data: dict[str, Any] = Field(default_factory=dict)
    audit_project: str = ""
    audit_enabled: bool = False
    addons: list[AddonInfo] = Field(default_factory=list)
    node_pools: list[NodePoolInfo] = Field(default_factory=list)
    last_inspection: datetime | None = None  # newest inspection report that did not fail
    # that report's summary (ListClusterInspectReports reports[].summary errorCount, warnCount: "the number of check
    # items whose result is error / warning"); None when it carries none
    last_inspection_errors: int | None = None
    last_inspection_warnings: int | None = None
    # that report's summary.code ("The status code of the check task result", SDK ListClusterInspectReportsResponse-
    # BodyReportsSummary; documented sample "warning"; no enumeration): the overall result; None when empty or absent
    last_inspection_code: str | None = None
    # DescribeClusterDetail rrsa_config.enabled (RRSA: pods assume RAM roles through the cluster's OIDC provider);
    # None when the answer carries no rrsa_config or no enabled flag
    rrsa_enabled: bool | None = None
    # DescribeClusterDetail control_plane_config.cloud_monitor_flags ("Indicates whether to install CloudMonitor for
    # the node" in "The control plane configurations in an ACK dedicated cluster"; SDK: a bool): CloudMonitor on a
    # dedicated cluster's masters, which are in no node pool; None when the answer carries no boolean
    control_plane_cms: bool | None = None
    # part (audit, addons, network, nodepools, inspection, detail) -> why
    errors: dict[str, str] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)  # the cluster's tags (findings carry them: mutelist tags:)

    @property
    def gone(self) -> bool:
        """Being deleted or deleted: nothing left to audit."""
        return self.state.lower() in GONE_STATES

    @property
    def failed(self) -> bool:
        """Its creation or deletion failed: what ACK answers about it describes no working cluster."""
        return self.state.lower() in FAILED_STATES

    @property
    def dedicated(self) -> bool:
        """An ACK dedicated cluster: its masters are the user's ECS instances, in no node pool."""
        return self.cluster_type == "Kubernetes"

    @property
    def registered(self) -> bool:
        """A registered (external) cluster: ACK neither runs nor configures its control plane."""
        return self.cluster_type == "ExternalKubernetes"

    def addon(self, *names: str) -> AddonInfo | None:
        """The first of `names` (in that order of preference) the cluster has: ListClusterAddonInstances documents no
        order, and an ACK Pro cluster lists terway-controlplane beside its data-plane Terway add-on (Alibaba's
        Terraform provider's cs_managed_kubernetes example installs both)."""
        return next((a for n in names for a in self.addons if a.name == n), None)


_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?")


def version_tuple(text: str) -> tuple[int, int, int] | None:
    """(major, minor, patch) of a Kubernetes version such as 1.32.7-aliyun.1; None when it is not one."""
    m = _VERSION.match(text.strip())
    return (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)) if m else None


class VersionInfo(Record):
    version: str
    expiration: datetime | None = None


# DescribeKubernetesVersionMetadata Profile: "Default: non-edge computing scenarios; Edge: edge computing scenarios;
# Serverless: serverless scenarios. Default value: Default" (cs 2015-12-15); a cluster's profile (DescribeClustersV1)
# outside these (Lingjun, for one) has a version policy of its own that this API does not describe
VERSION_PROFILES = ("Default", "Edge", "Serverless")


def version_key(c: ClusterInfo) -> str:
    """The version list a cluster is judged against: its cluster type and profile ('ManagedKubernetes/Edge')."""
    return f"{c.cluster_type}/{c.profile or 'Default'}"


class AckData(Record):
    clusters: list[ClusterInfo] = Field(default_factory=list)
    # version_key -> the versions ACK describes: the supported ones, and each running one (when still described)
    versions: dict[str, list[VersionInfo]] = Field(default_factory=dict)
    versions_error: dict[str, str] = Field(default_factory=dict)  # version_key -> why the list is unknown


CLUSTERS: Dataset[AckData] = Dataset("ack.clusters", Scope.REGIONAL)


@collector(CLUSTERS, apis=["cs:DescribeClustersV1", "cs:GetClusterAuditProject", "cs:ListClusterAddonInstances",
                           "cs:GetClusterAddonInstance", "cs:DescribeClusterNodePools", "cs:ListClusterInspectReports",
                           "cs:DescribeKubernetesVersionMetadata", "cs:DescribeClusterDetail"])
def clusters(ctx: CollectContext) -> AckData:
    cs = ctx.client("cs")
    listed: list[Any] = []
    page = 1
    while True:  # page_number/page_size, the total in page_info
        body = cs.describe_clusters_v1(cs_models.DescribeClustersV1Request(
            region_id=ctx.region, page_number=page, page_size=PAGE_SIZE)).body
        batch = body.clusters or []
        listed += batch
        if body.page_info is None or body.page_info.total_count is None:  # no total: a short page is the last
            if len(batch) < PAGE_SIZE:
                break
        elif len(listed) >= count(body.page_info.total_count):
            break
        elif not batch:
            raise cut_short("DescribeClustersV1", len(listed), count(body.page_info.total_count))
        page += 1

    def part(info: ClusterInfo, name: str, fn: Any) -> None:
        try:
            fn()
        except Exception as err:
            info.errors[name] = apierrors.describe(err)

    def detail(c: Any) -> ClusterInfo:
        master = _json_object(c.master_url)
        info = ClusterInfo(id=c.cluster_id, name=c.name or c.cluster_id, region=c.region_id or ctx.region,
                           cluster_type=c.cluster_type or "", profile=c.profile or "",
                           cluster_spec=c.cluster_spec or "", state=c.state or "",
                           version=c.current_version or "", meta_data=_json(c.meta_data),
                           public_endpoint=str((master or {}).get("api_server_endpoint") or ""),
                           master_url_read=master is not None,
                           tags={t.key: t.value or "" for t in c.tags or [] if t.key})
        if info.registered or info.gone or info.failed:  # (the checks judge none of these from further reads)
            return info
        cid = info.id

        def audit() -> None:
            body = cs.get_cluster_audit_project(cid).body
            info.audit_project, info.audit_enabled = body.sls_project_name or "", bool(body.audit_enabled)

        def addons() -> None:
            body = cs.list_cluster_addon_instances(cid).body
            info.addons = [AddonInfo(name=a.name, version=a.version or "", state=a.state or "")
                           for a in body.addons or []]

        def network() -> None:
            for a in info.addons:
                if a.name in NETWORK_ADDONS:
                    a.config = _json_object(cs.get_cluster_addon_instance(cid, a.name).body.config or "{}")
                    if a.config is None:  # (read as {}, a NetworkPolicy "false" in it would pass unseen: ERROR)
                        raise ValueError(f"the {a.name} add-on's configuration is not a JSON object")

        def nodepools() -> None:
            body = cs.describe_cluster_node_pools(cid, cs_models.DescribeClusterNodePoolsRequest()).body
            info.node_pools = [NodePoolInfo(
                id=p.nodepool_info.nodepool_id if p.nodepool_info else "",
                name=p.nodepool_info.name if p.nodepool_info else "",
                cms_enabled=bool(p.kubernetes_config and p.kubernetes_config.cms_enabled),
                nodes=int(p.status.total_nodes or 0) if p.status else 0) for p in body.nodepools or []]

        def inspection() -> None:
            reports = by_token(lambda t: cs.list_cluster_inspect_reports(
                cid, cs_models.ListClusterInspectReportsRequest(max_results=50, next_token=t)).body,
                lambda b: b.reports)
            done = [(t, r) for r in reports if str(r.status or "").lower() not in ("failed", "running")
                    and (t := parse_time(r.end_time or r.start_time))]
            if done:
                info.last_inspection, newest = max(done, key=lambda d: d[0])
                summary = newest.summary
                if summary is not None and summary.error_count is not None and summary.warn_count is not None:
                    info.last_inspection_errors = int(summary.error_count)
                    info.last_inspection_warnings = int(summary.warn_count)
                # the counts have no critical level (GetClusterInspectReportDetail's levels: advice, warning, error,
                # critical) and the documented sample says "warning" with every count 0 but normalCount: the code
                # is the overall result
                if summary is not None and isinstance(summary.code, str) and summary.code.strip():
                    info.last_inspection_code = summary.code.strip()

        def cluster_detail() -> None:
            # rrsa_config and control_plane_config are documented for DescribeClusterDetail only (OpenMeta cs
            # 2015-12-15; SDK models DescribeClusterDetailResponseBodyRrsaConfig.enabled and ...ControlPlaneConfig.
            # cloud_monitor_flags, bools), not in DescribeClustersV1's listing
            body = cs.describe_cluster_detail(cid).body
            rrsa, plane = body.rrsa_config, body.control_plane_config
            info.rrsa_enabled = rrsa.enabled if rrsa is not None and isinstance(rrsa.enabled, bool) else None
            flag = plane.cloud_monitor_flags if plane is not None else None
            info.control_plane_cms = flag if isinstance(flag, bool) else None

        part(info, "audit", audit)
        part(info, "detail", cluster_detail)
        part(info, "addons", addons)
        if "addons" not in info.errors:
            part(info, "network", network)
        part(info, "nodepools", nodepools)
        part(info, "inspection", inspection)
        return info

    data = AckData(clusters=ctx.map(detail, listed))
    # Mode "supported" describes every supported version (without it, those a cluster can be created with), and a
    # KubernetesVersion given wins over the mode (alibabacloud_cs20151215 DescribeKubernetesVersionMetadataRequest
    # doc comments; https://help.aliyun.com/document_detail/2667899.html): one call per cluster type, and a running
    # version whose minor that answer lacks is asked for by name as well, so that an endpoint ignoring the mode
    # cannot make a supported version look unsupported
    def describe(ctype: str, profile: str, **kw: str) -> dict[str, VersionInfo]:
        body = cs.describe_kubernetes_version_metadata(cs_models.DescribeKubernetesVersionMetadataRequest(
            region=ctx.region, cluster_type=ctype, profile=profile, **kw)).body
        return {v.version: VersionInfo(version=v.version, expiration=parse_time(v.expiration_date))
                for v in body or [] if v.version}

    judged = [c for c in data.clusters if not (c.registered or c.gone or c.failed)
              and (c.profile or "Default") in VERSION_PROFILES]
    for key in sorted({version_key(c) for c in judged}):
        ctype, profile = key.split("/", 1)
        try:
            described = describe(ctype, profile, mode="supported")
            minors = {(t or ())[:2] for t in map(version_tuple, described)}
            for version in sorted({c.version for c in judged if version_key(c) == key and c.version
                                   and (version_tuple(c.version) or ())[:2] not in minors}):
                described.update(describe(ctype, profile, kubernetes_version=version))
            data.versions[key] = list(described.values())
        except Exception as err:
            data.versions_error[key] = apierrors.describe(err)
    return data
