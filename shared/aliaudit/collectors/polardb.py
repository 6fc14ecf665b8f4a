"""PolarDB datasets (regional): every cluster of the region (DescribeDBClusters) with its IP whitelists (its groups
and the global IP whitelist templates linked to it), endpoint addresses, SSL, SQL collector (audit log) and TDE
settings.

One dataset, read per cluster: each aspect is its own call, so a call that fails (denied, throttled past the
retries) marks only that aspect of that cluster, and only the checks reading it say ERROR. API 2017-08-01,
alibabacloud_polardb20170801; every field below is cited from its response models and the API reference
(OpenMeta metadata en_us/polardb/2017-08-01, tests/fixtures/wire/polardb)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field

from .. import apierrors
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from ..offered import region_list
from .ip_templates import linked_templates
from .paging import count, cut_short
from .registry import CollectContext, collector

polardb_models = lazy_import("alibabacloud_polardb20170801.models")

# DescribeDBClusters PageSize: "Valid values: 30, 50, and 100. Default value: 30" (API reference)
PAGE_SIZE = 100
# DescribeDBClusterAccessWhitelist / DescribeDBClusterEndpoints / DescribeDBClusterTDE 404 codes for a cluster
# that does not exist (API reference errorCodes): the cluster was released after it was listed
NOT_FOUND = {"InvalidDBCluster.NotFound", "InvalidDBClusterId.NotFound"}


class PolarWhitelistGroup(Record):
    """One IP whitelist group (Items.DBClusterIPArray[]): SecurityIps is a comma-separated string."""

    name: str
    ips: list[str]
    attribute: str = ""  # 'hidden': not shown in the console (groups of Alibaba Cloud services)


class PolarAddress(Record):
    """One address of one endpoint (Items[].AddressItems[] of DescribeDBClusterEndpoints)."""

    endpoint_id: str
    endpoint_type: str = ""  # Cluster | Primary | Custom
    connection_string: str = ""
    net_type: str = ""  # Public | Private (API reference enumeration; ModifyDBClusterSSL also names Inner)
    port: str = ""  # a string in the SDK model and the sample ("1521")


class PolarSsl(Record):
    """One SSL connection (Items[] of DescribeDBClusterSSL): SSLEnabled is Enabled | Disable (API reference)."""

    endpoint_id: str = ""
    connection_string: str = ""
    enabled: str = ""


class PolarCluster(Record):
    id: str
    name: str = ""  # DBClusterDescription
    region: str
    db_type: str = ""  # MySQL | PostgreSQL | Oracle
    db_version: str = ""
    status: str = ""
    category: str = ""  # Category: Normal | Basic | Archive (X-Engine) | NormalMultimaster (API reference enumeration)
    # ServerlessType: "AgileServerless: ... a serverless cluster. SteadyServerless: ... a cluster with defined
    # specifications that has the serverless feature enabled" (DescribeDBClusterAttributeResponseBody; also in
    # DescribeDBClusters' Items.DBCluster[], sample "AgileServerless"); '' for a cluster without serverless
    serverless_type: str = ""
    whitelist: list[PolarWhitelistGroup] = Field(default_factory=list)
    # the global IP whitelist templates linked to the cluster (DescribeGlobalSecurityIPGroupRelation), each as a group
    # named template:<GlobalIgName>; empty when the read failed (errors["templates"])
    templates: list[PolarWhitelistGroup] = Field(default_factory=list)
    security_group_ids: list[str] = Field(default_factory=list)
    addresses: list[PolarAddress] = Field(default_factory=list)
    ssl: list[PolarSsl] = Field(default_factory=list)
    audit_status: str = ""  # CollectorStatus: Enable | Disabled (API reference enumeration)
    tde_status: str = ""  # TDEStatus: Enabled | Disabled
    tde_key: str = ""  # EncryptionKey: the custom key's id ('' with the service key)
    errors: dict[str, str] = Field(default_factory=dict)  # aspect -> why it could not be read


CLUSTERS: Dataset[list[PolarCluster]] = Dataset("polardb.clusters", Scope.REGIONAL)


@collector(CLUSTERS, apis=[
    "polardb:DescribeDBClusters", "polardb:DescribeDBClusterAccessWhitelist",
    "polardb:DescribeGlobalSecurityIPGroupRelation", "polardb:DescribeDBClusterEndpoints",
    "polardb:DescribeDBClusterSSL", "polardb:DescribeDBClusterAuditLogCollector", "polardb:DescribeDBClusterTDE"])
def clusters(ctx: CollectContext) -> list[PolarCluster]:
    polardb = ctx.client("polardb")
    listed = _list(polardb, ctx.region)

    def detail(c: Any) -> PolarCluster | None:
        cluster = PolarCluster(id=c.dbcluster_id, name=c.dbcluster_description or "", region=c.region_id or ctx.region,
                               db_type=c.dbtype or "", db_version=c.dbversion or "", status=c.dbcluster_status or "",
                               category=c.category or "", serverless_type=c.serverless_type or "")
        try:
            _read_whitelist(polardb, cluster)
        except Exception as err:
            if apierrors.sdk_code(err) in NOT_FOUND:  # released since it was listed
                return None
            cluster.errors["whitelist"] = apierrors.describe(err)
        _aspect(cluster, "templates", lambda: _read_templates(polardb, cluster))
        _aspect(cluster, "endpoints", lambda: _read_endpoints(polardb, cluster))
        _aspect(cluster, "ssl", lambda: _read_ssl(polardb, cluster))
        _aspect(cluster, "audit", lambda: _read_audit(polardb, cluster))
        _aspect(cluster, "tde", lambda: _read_tde(polardb, cluster))
        return cluster

    return [c for c in ctx.map(detail, listed) if c is not None]


def _list(polardb: Any, region: str) -> list[Any]:
    """DescribeDBClusters pages by PageNumber; the answer counts with TotalRecordCount (not TotalCount) and
    PageRecordCount (alibabacloud_polardb20170801 DescribeDBClustersResponseBody), so paging.by_page_number,
    which reads total_count, does not fit."""
    out: list[Any] = []
    page = 1
    while True:
        body = polardb.describe_dbclusters(polardb_models.DescribeDBClustersRequest(
            region_id=region, page_size=PAGE_SIZE, page_number=page)).body
        batch = (body.items.dbcluster if body.items else None) or []
        out.extend(batch)
        if len(out) >= count(body.total_record_count):
            return out
        if not batch:
            raise cut_short("DescribeDBClusters", len(out), count(body.total_record_count))
        page += 1


def _aspect(cluster: PolarCluster, name: str, read: Callable[[], None]) -> None:
    try:
        read()
    except Exception as err:
        cluster.errors[name] = apierrors.describe(err)


def _read_whitelist(polardb: Any, cluster: PolarCluster) -> None:
    body = polardb.describe_dbcluster_access_whitelist(
        polardb_models.DescribeDBClusterAccessWhitelistRequest(dbcluster_id=cluster.id)).body
    arrays = body.items.dbcluster_iparray if body.items else None
    if not arrays:  # every cluster has its default group, which cannot be deleted: none answered is unknown
        raise ValueError("DescribeDBClusterAccessWhitelist answered no whitelist group (a cluster always has its "
                         "default one)")
    for g in arrays:
        # SecurityIps: "Separate multiple IP addresses with commas (,)" (API reference)
        ips = [ip.strip() for ip in (g.security_ips or "").split(",") if ip.strip()]
        cluster.whitelist.append(PolarWhitelistGroup(name=g.dbcluster_iparray_name or "", ips=ips,
                                                     attribute=g.dbcluster_iparray_attribute or ""))
    groups = body.dbcluster_security_groups.dbcluster_security_group if body.dbcluster_security_groups else None
    cluster.security_group_ids = [s.security_group_id or "" for s in groups or []]


def _read_templates(polardb: Any, cluster: PolarCluster) -> None:
    cluster.templates = [PolarWhitelistGroup(name=name, ips=ips)
                         for name, ips in linked_templates(polardb, polardb_models, cluster.id, cluster.region)]


def _read_endpoints(polardb: Any, cluster: PolarCluster) -> None:
    body = polardb.describe_dbcluster_endpoints(
        polardb_models.DescribeDBClusterEndpointsRequest(dbcluster_id=cluster.id)).body
    cluster.addresses = [
        PolarAddress(endpoint_id=e.dbendpoint_id or "", endpoint_type=e.endpoint_type or "",
                     connection_string=a.connection_string or a.ipaddress or "", net_type=a.net_type or "",
                     port=a.port or "")
        for e in body.items or [] for a in e.address_items or []]
    if not cluster.addresses:  # a cluster always has its cluster endpoint's private address: none is unknown
        raise ValueError("DescribeDBClusterEndpoints answered no endpoint address")


def _read_ssl(polardb: Any, cluster: PolarCluster) -> None:
    body = polardb.describe_dbcluster_ssl(polardb_models.DescribeDBClusterSSLRequest(dbcluster_id=cluster.id)).body
    cluster.ssl = [PolarSsl(endpoint_id=i.dbendpoint_id or "", connection_string=i.sslconnection_string or "",
                            enabled=i.sslenabled or "") for i in body.items or []]


def _read_audit(polardb: Any, cluster: PolarCluster) -> None:
    body = polardb.describe_dbcluster_audit_log_collector(
        polardb_models.DescribeDBClusterAuditLogCollectorRequest(dbcluster_id=cluster.id)).body
    cluster.audit_status = body.collector_status or ""  # ('' not answered: unknown, never "Disabled")


def _read_tde(polardb: Any, cluster: PolarCluster) -> None:
    body = polardb.describe_dbcluster_tde(polardb_models.DescribeDBClusterTDERequest(dbcluster_id=cluster.id)).body
    cluster.tde_status = body.tdestatus or ""
    cluster.tde_key = body.encryption_key or ""


# DescribeRegions: "Queries the regions and zones that are supported by PolarDB"; Regions.Region[]
# (https://www.alibabacloud.com/help/en/polardb/polardb-for-mysql/developer-reference/api-polardb-2017-08-01-describeregions;
# alibabacloud_polardb20170801 DescribeRegionsResponseBody). polardb:DescribeRegions: the action Alibaba's DTS role
# policy grants
@region_list("polardb", product="polardb", apis=["polardb:DescribeRegions"])
def polardb_regions(client: Any) -> list[str]:
    body = client.describe_regions(polardb_models.DescribeRegionsRequest()).body
    return [r.region_id for r in (body.regions.region if body.regions else None) or []]
