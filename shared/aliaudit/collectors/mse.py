"""Microservices Engine (MSE) dataset (regional, API 2019-05-31, RPC): every registry / configuration centre
instance of the region (Nacos, ZooKeeper, Eureka) with its authentication switches (QueryConfig) and its public
endpoint and public IP address whitelist (QueryClusterDetail).

QueryConfig also answers a ZooKeeper super-ACL user name and password (UserName, PassWord): the collector keeps
only the booleans the checks read, never those."""

from __future__ import annotations

import re
from typing import Any

from .. import apierrors
from ..cidrs import open_whitelist_entries
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from .paging import by_page_number
from .registry import CollectContext, collector

mse_models = lazy_import("alibabacloud_mse20190531.models")

# ListClusters PageNum and PageSize are required (mse 2019-05-31 api-docs.json); the reference gives no maximum, the
# console pages by 10 and the sample answers PageSize 10: 50 keeps the request count low without assuming more
PAGE_SIZE = 50
_ENTRY_SPLIT = re.compile(r"[,\s;]+")


def acl_entries(text: str | None) -> list[str]:
    """QueryClusterDetail Data.AclEntryList is a string: the documented sample answers "[]", UpdateAcl takes
    "192.168.0.0/XX,192.168.0.0/XX" (comma-separated). Both forms are read: brackets and quotes dropped."""
    raw = (text or "").strip().strip("[]")
    return [e.strip("\"' ") for e in _ENTRY_SPLIT.split(raw) if e.strip("\"' ")]


class MseCluster(Record):
    id: str  # InstanceId (mse-cn-...)
    name: str = ""  # ClusterAliasName
    region: str
    type: str = ""  # ClusterType: ZooKeeper | Nacos-Ans | Eureka
    version: str = ""  # AppVersion
    # QueryConfig (None: not answered). Nacos: ConfigAuthEnabled / NamingAuthEnabled (+ *Supported); ZooKeeper:
    # AuthEnabled (SASL forced identity authentication)
    config_auth_enabled: bool | None = None
    config_auth_supported: bool | None = None
    naming_auth_enabled: bool | None = None
    naming_auth_supported: bool | None = None
    zk_auth_enabled: bool | None = None
    config_error: str | None = None  # QueryConfig failed: the auth check reports ERROR
    # QueryClusterDetail: PubNetworkFlow ("The value 0 indicates no access to the Internet"), InternetDomain and
    # AclEntryList (the public IP address whitelist; "If the whitelist is empty, the instance is accessible from any
    # IP address", MSE "Configure a whitelist", https://alibabacloud.com/help/en/mse/user-guide/set-up-a-white-list)
    public_bandwidth: int | None = None  # Mbit/s; None when not a number
    internet_domain: str = ""
    internet_address: str = ""  # InternetAddress
    # None: not answered. QueryClusterDetail answers the whitelist only when asked (AclSwitch, "Specifies whether
    # to query access control lists (ACLs)", alibabacloud_mse20190531 QueryClusterDetailRequest.acl_switch)
    acl: list[str] | None = None
    detail_error: str | None = None  # QueryClusterDetail failed: the Internet check reports ERROR

    @property
    def public(self) -> bool:
        """Public bandwidth (an SLB connection: "A public endpoint is generated only if the public bandwidth is
        greater than 0", MSE usage notes) or a public endpoint answered: an ENI connection (ConnectionType eni) goes
        public through an Elastic IP (CreateCluster EipEnabled: "Valid when ConnectionType is single_eni"), which
        PubNetworkFlow, "Valid when ConnectionType is slb", does not show."""
        return bool((self.public_bandwidth or 0) > 0 or self.internet_domain or self.internet_address)

    @property
    def open_entries(self) -> list[str]:
        """The whitelist entries that admit every address: any /0 (0.0.0.0/0, ::/0, 0.0.0.0/00, a bare 0.0.0.0) or
        entries that together cover IPv4 or IPv6 (0.0.0.0/1 + 128.0.0.0/1), as the other whitelist checks read."""
        return [e.split(": ", 1)[1] for e in open_whitelist_entries([("acl", self.acl or [])])]


CLUSTERS: Dataset[list[MseCluster]] = Dataset("mse.clusters", Scope.REGIONAL)


def _ok(body: Any) -> Any:
    """The body, unless it says the request failed: a failed listing must never read as a region without
    instances, nor a failed read as settings."""
    if body.success is False:
        code = getattr(body, "error_code", None) or getattr(body, "code", None) or "Success.False"
        raise apierrors.AnswerFailure(str(code), body.message or "the request failed (Success false)")
    return body


def _int(text: Any) -> int | None:
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return None


def read_config(cl: MseCluster, d: Any) -> None:
    """Set the cluster's authentication switches from QueryConfig Data; raises ValueError when there is none. Only
    the booleans are read: the ZooKeeper super-ACL UserName and PassWord it also answers are never kept."""
    if d is None:
        raise ValueError("QueryConfig answered no Data")
    cl.config_auth_enabled, cl.config_auth_supported = d.config_auth_enabled, d.config_auth_supported
    cl.naming_auth_enabled, cl.naming_auth_supported = d.naming_auth_enabled, d.naming_auth_supported
    cl.zk_auth_enabled = d.auth_enabled  # (UserName / PassWord are deliberately not read)


# An instance released since it was listed: QueryConfig and QueryClusterDetail document 404 NotFound ("Not found:%s",
# OpenMeta mse 2019-05-31); Alibaba's Terraform provider reads mse-200-021 as not found (service_alicloud_mse.go)
NOT_FOUND = {"NotFound", "mse-200-021"}


@collector(CLUSTERS, apis=["mse:ListClusters", "mse:QueryConfig", "mse:QueryClusterDetail"])
def clusters(ctx: CollectContext) -> list[MseCluster]:
    mse = ctx.client("mse")
    listed = list(by_page_number(
        lambda n: _ok(mse.list_clusters(mse_models.ListClustersRequest(
            region_id=ctx.region, page_num=n, page_size=PAGE_SIZE)).body),
        lambda b: b.data or [], PAGE_SIZE))

    def read(c: Any) -> MseCluster | None:
        cl = MseCluster(id=c.instance_id or "", name=c.cluster_alias_name or "", region=ctx.region,
                        type=c.cluster_type or "", version=c.app_version or "")
        try:
            read_config(cl, _ok(mse.query_config(mse_models.QueryConfigRequest(instance_id=cl.id)).body).data)
        except Exception as err:
            if apierrors.sdk_code(err) in NOT_FOUND:  # released since it was listed
                return None
            cl.config_error = apierrors.describe(err)
        try:
            det = _ok(mse.query_cluster_detail(mse_models.QueryClusterDetailRequest(instance_id=cl.id,
                                                                                    acl_switch=True)).body).data
            if det is None:
                raise ValueError("QueryClusterDetail answered no Data")
            cl.public_bandwidth = _int(det.pub_network_flow)
            cl.internet_domain = det.internet_domain or ""
            cl.internet_address = det.internet_address or ""
            cl.acl = None if det.acl_entry_list is None else acl_entries(det.acl_entry_list)
        except Exception as err:
            if apierrors.sdk_code(err) in NOT_FOUND:
                return None
            cl.detail_error = apierrors.describe(err)
        return cl

    return [cl for cl in ctx.map(read, listed) if cl is not None]
