"""PolarDB (2017-08-01): clusters per region with their IP whitelists (and the global IP whitelist templates linked
to them), endpoints and their addresses, SSL, SQL collector (audit log) and TDE; DescribeDBClusters (PageNumber
paging), the per-cluster reads aliaudit makes and the writes that remediate them.

Hosts (alibabacloud_polardb20170801 Client._endpoint_map, rule 'regional'): polardb.aliyuncs.com for the central
regions (cn-hangzhou, cn-shanghai, cn-beijing, ...; the region then comes from RegionId or the cluster) and
polardb.<region>.aliyuncs.com for the others; the product code is the host's first label, so both reach this module.
Shapes and types: the API reference (OpenMeta en_us/polardb/2017-08-01, tests/fixtures/wire/polardb) and the SDK's
response models; error codes: each API's documented errorCodes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..call import Call
from ..clock import iso
from ..errors import ApiError
from ..ip_templates import GlobalIpTemplate, check_links, relation, require_relation_params
from ..pop import PopApi, page_by_number, require
from ..regions import offered_regions, region_exists

# RAM code polardb, resources acs:polardb:<region>:<account>:dbcluster/<id> ("PolarDB: RAM authorization",
# https://www.alibabacloud.com/help/en/polardb/api-polardb-2017-08-01-ram)
api = PopApi("polardb", "2017-08-01")

# DescribeDBClusters PageSize: "Valid values: 30, 50, and 100. Default value: 30" (API reference)
PAGE_SIZES = {30, 50, 100}


class WhitelistGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    name: str = "default"  # DBClusterIPArrayName
    ips: list[str] = Field(default_factory=lambda: ["127.0.0.1"])  # SecurityIps, sent comma-separated
    attribute: str = ""  # DBClusterIPArrayAttribute: 'hidden' for groups not shown in the console


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")

    net_type: str = "Private"  # NetType: Public | Private (API reference enumeration)
    connection_string: str = ""  # '' = <endpoint id>[-public].rwlb.rds.aliyuncs.com
    port: str = "3306"  # a string (SDK model, sample "1521")
    ip_address: str = ""
    vpc_id: str = ""
    vswitch_id: str = ""


class Endpoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str  # DBEndpointId, pe-...
    type: str = "Cluster"  # EndpointType: Cluster | Primary | Custom
    read_write_mode: str = "ReadWrite"  # ReadWrite | ReadOnly
    description: str = ""
    ssl_enabled: bool = False  # DescribeDBClusterSSL Items[].SSLEnabled Enabled | Disable
    ssl_expire: datetime | None = None
    addresses: list[Address] = Field(default_factory=lambda: [Address()])


class Cluster(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str  # pc-...
    region: str = "cn-hangzhou"
    zone: str = ""  # '' = <region>-i
    description: str = ""
    db_type: str = "MySQL"  # MySQL | PostgreSQL | Oracle
    db_version: str = "8.0"
    status: str = "Running"
    category: str = "Normal"  # Normal | Basic | Archive | NormalMultimaster
    # ServerlessType: AgileServerless (a serverless cluster) | SteadyServerless (defined specifications with the
    # serverless feature) | '' (none; "supported only for serverless clusters or clusters with defined specifications
    # that have the serverless feature enabled", DescribeDBClusterAttributeResponseBody)
    serverless_type: str = ""
    pay_type: str = "Postpaid"
    vpc_id: str = ""
    created: datetime = datetime(2024, 1, 1)
    whitelist: list[WhitelistGroup] = Field(default_factory=lambda: [WhitelistGroup()])
    # the ids of the global IP whitelist templates linked to the cluster (PolardbState.global_ip_templates), answered
    # by DescribeGlobalSecurityIPGroupRelation. DescribeDBClusterAccessWhitelist answers the groups only: whether the
    # real answer also carries template entries is not documented either way, so they are not folded in
    global_ip_templates: list[str] = Field(default_factory=list)
    security_group_ids: list[str] = Field(default_factory=list)
    endpoints: list[Endpoint] = Field(default_factory=list)  # [] = a Primary and a Cluster endpoint, private only
    audit: str = "Disabled"  # CollectorStatus: Enable | Disabled (API reference enumeration; '' = the answer has none)
    tde_status: str = "Disabled"  # Enabled | Disabled
    tde_key_id: str = ""  # EncryptionKey: a custom KMS key ('' = the service key when enabled)

    @model_validator(mode="after")
    def _default_endpoints(self) -> Cluster:
        if not self.endpoints:
            base = self.id.removeprefix("pc-")
            self.endpoints = [Endpoint(id=f"pe-{base}p", type="Primary"), Endpoint(id=f"pe-{base}c", type="Cluster")]
        return self


class PolardbState(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    clusters: list[Cluster] = Field(default_factory=list)
    global_ip_templates: list[GlobalIpTemplate] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_templates(self) -> PolardbState:
        check_links(self.global_ip_templates, ((c.id, c.global_ip_templates) for c in self.clusters))
        return self


# --- helpers -------------------------------------------------------------------------------------

def _list_region(call: Call) -> str:
    """DescribeDBClusters names its region (RegionId is required): any public region (the list is empty where the
    account has nothing) or one of the account's; another is refused with the documented InvalidRegionId.Malformed."""
    region = call.region or require(call.params, "RegionId")
    if not region_exists(call.acct.regions, region):
        raise ApiError("InvalidRegionId.Malformed", "The specified parameter RegionId is not valid.", 400)
    return region


def _cluster(call: Call) -> Cluster:
    """The cluster named by DBClusterId; per-cluster calls omit RegionId on polardb.aliyuncs.com. Unknown ids answer
    InvalidDBCluster.NotFound (404), documented by DescribeDBClusterAccessWhitelist, -Endpoints, -SSL and -TDE."""
    cid = require(call.params, "DBClusterId")
    cluster = next((c for c in call.acct.polardb.clusters
                    if c.id == cid and (not call.region or c.region == call.region)), None)
    if cluster is None:
        raise ApiError("InvalidDBCluster.NotFound", "The DBClusterId provided does not exist in our records.", 404)
    call.region = call.region or cluster.region  # so an ActionTrail event names the cluster's region
    call.touch("ACS::POLARDB::DBCluster", cluster.id)
    return cluster


def _cluster_resource(call: Call) -> str:
    return f"dbcluster/{call.params.get('DBClusterId', '*')}"


def _connection(c: Cluster, e: Endpoint, a: Address) -> str:
    if a.connection_string:
        return a.connection_string
    suffix = "-public" if a.net_type == "Public" else ""
    return f"{c.id}{suffix}.rwlb.rds.aliyuncs.com" if e.type == "Cluster" else \
        f"{e.id}{suffix}.{c.db_type.lower()}.polardb.rds.aliyuncs.com"


def _summary(c: Cluster) -> dict[str, Any]:
    """One Items.DBCluster[] entry: the documented fields aliaudit and the console list (types as the SDK model
    declares them: Expired is a string; DBNodeNumber, DeletionLock, StorageSpace ints). Tags are not modelled, so
    the entry has none."""
    zone = c.zone or f"{c.region}-i"
    return {"DBClusterId": c.id, "DBClusterDescription": c.description, "RegionId": c.region, "ZoneId": zone,
            "DBType": c.db_type, "DBVersion": c.db_version, "DBClusterStatus": c.status, "Category": c.category,
            "Engine": "POLARDB", "PayType": c.pay_type, "DBClusterNetworkType": "VPC", "VpcId": c.vpc_id,
            "CreateTime": iso(c.created), "Expired": "false", "LockMode": "Unlock", "DeletionLock": 0,
            "DBNodeClass": "polar.mysql.x4.large", "DBNodeNumber": 2, "StorageSpace": 50,
            "DBNodes": {"DBNode": [
                {"DBNodeId": f"pi-{c.id.removeprefix('pc-')}{n}", "DBNodeRole": role, "RegionId": c.region,
                 "ZoneId": zone, "DBNodeClass": "polar.mysql.x4.large"}
                for n, role in ((1, "Writer"), (2, "Reader"))]},
            **({"ServerlessType": c.serverless_type} if c.serverless_type else {})}


# --- reads ---------------------------------------------------------------------------------------

@api.action("DescribeDBClusters")
def describe_db_clusters(call: Call) -> dict[str, Any]:
    """PageNumber/PageSize (30, 50 or 100; default 30); the answer counts with TotalRecordCount and PageRecordCount
    (API reference)."""
    region = _list_region(call)
    if call.params.get("PageSize", "") not in ("", *map(str, PAGE_SIZES)):
        raise ApiError("InvalidPageSize.Malformed", "The specified parameter PageSize is not valid.", 400)
    wanted = [i for i in call.params.get("DBClusterIds", "").split(",") if i]
    items = [c for c in call.acct.polardb.clusters if c.region == region and (not wanted or c.id in wanted)]
    page, meta = page_by_number(items, call.params, default=30, limit=100)
    return {"PageNumber": meta["PageNumber"], "TotalRecordCount": meta["TotalCount"], "PageRecordCount": len(page),
            "Items": {"DBCluster": [_summary(c) for c in page]}}


@api.action("DescribeDBClusterAccessWhitelist", resource=_cluster_resource)
def describe_access_whitelist(call: Call) -> dict[str, Any]:
    c = _cluster(call)
    return {"Items": {"DBClusterIPArray": [
                {"DBClusterIPArrayName": g.name, "DBClusterIPArrayAttribute": g.attribute,
                 "SecurityIps": ",".join(g.ips)} for g in c.whitelist]},
            "DBClusterSecurityGroups": {"DBClusterSecurityGroup": [
                {"SecurityGroupId": s, "SecurityGroupName": s} for s in c.security_group_ids]}}


@api.action("DescribeGlobalSecurityIPGroupRelation", resource=_cluster_resource)
def describe_global_security_ip_group_relation(call: Call) -> dict[str, Any]:
    """The global IP whitelist templates linked to the cluster: DBClusterId and GlobalSecurityIPGroupRel[] with
    GlobalSecurityGroupId, GIpList (comma-separated), RegionId and GlobalIgName, all strings (API reference, OpenMeta
    en_us/polardb/2017-08-01; tests/fixtures/wire/polardb/DescribeGlobalSecurityIPGroupRelation.json). RegionId and
    DBClusterId are required; the one documented error is 400 RequiredParam.NotFound "Required input param is not
    found."; RAM resource dbcluster (polardb:DescribeGlobalSecurityIPGroupRelation, *DBCluster,
    https://help.aliyun.com/zh/polardb/api-polardb-2017-08-01-describeglobalsecurityipgrouprelation)."""
    require_relation_params(call)
    c = _cluster(call)
    return relation(c.id, call.acct.polardb.global_ip_templates, c.global_ip_templates)


@api.action("DescribeDBClusterEndpoints", resource=_cluster_resource)
def describe_endpoints(call: Call) -> dict[str, Any]:
    c = _cluster(call)
    wanted = call.params.get("DBEndpointId", "")
    return {"Items": [
        {"DBClusterId": c.id, "DBEndpointId": e.id, "EndpointType": e.type, "ReadWriteMode": e.read_write_mode,
         "DBEndpointDescription": e.description, "AutoAddNewNodes": "Enable", "Nodes": "",
         "EndpointConfig": "{}", "NodeWithRoles": "",
         "AddressItems": [
             {"NetType": a.net_type, "ConnectionString": _connection(c, e, a), "Port": a.port,
              "IPAddress": a.ip_address, "VPCId": a.vpc_id or (c.vpc_id if a.net_type == "Private" else ""),
              "VSwitchId": a.vswitch_id, "VpcInstanceId": "", "PrivateZoneConnectionString": "",
              "DashboardUsed": False}
             for a in e.addresses]}
        for e in c.endpoints if not wanted or e.id == wanted]}


@api.action("DescribeDBClusterSSL", resource=_cluster_resource)
def describe_ssl(call: Call) -> dict[str, Any]:
    """One item per endpoint (PolarDB for MySQL sets SSL per endpoint, ModifyDBClusterSSL DBEndpointId); SSLEnabled
    Enabled | Disable as documented."""
    c = _cluster(call)
    items = []
    for e in c.endpoints:
        private = next((a for a in e.addresses if a.net_type == "Private"), e.addresses[0] if e.addresses else None)
        items.append({"DBEndpointId": e.id, "SSLEnabled": "Enabled" if e.ssl_enabled else "Disable",
                      "SSLConnectionString": _connection(c, e, private) if private else "",
                      "SSLExpireTime": iso(e.ssl_expire) if e.ssl_expire and e.ssl_enabled else "",
                      "SSLAutoRotate": "Disable"})
    return {"SSLAutoRotate": "Disable", "Items": items}


@api.action("DescribeDBClusterAuditLogCollector", resource=_cluster_resource)
def describe_audit_log_collector(call: Call) -> dict[str, Any]:
    status = _cluster(call).audit
    return {"CollectorStatus": status} if status else {}


@api.action("DescribeDBClusterTDE", resource=_cluster_resource)
def describe_tde(call: Call) -> dict[str, Any]:
    c = _cluster(call)
    on = c.tde_status == "Enabled"
    return {"DBClusterId": c.id, "TDEStatus": c.tde_status, "EncryptionKey": c.tde_key_id if on else "",
            "TDERegion": c.region if on else "", "EncryptNewTables": "OFF",
            "EncryptionKeyStatus": "Enabled" if on and c.tde_key_id else ""}


# --- writes (remediation; each becomes an ActionTrail event) -------------------------------------

@api.action("ModifyDBClusterAccessWhitelist", resource=_cluster_resource, write=True)
def modify_access_whitelist(call: Call) -> dict[str, Any]:
    """ModifyMode Cover (default) | Append | Delete; DBClusterIPArrayName defaults to the default group (API
    reference). WhiteListType SecurityGroup replaces the bound security groups."""
    c = _cluster(call)
    if call.params.get("WhiteListType", "IP") == "SecurityGroup":
        c.security_group_ids = [s for s in call.params.get("SecurityGroupIds", "").split(",") if s]
        return {}
    ips = [ip.strip() for ip in require(call.params, "SecurityIps").split(",") if ip.strip()]
    name = call.params.get("DBClusterIPArrayName", "") or "default"
    mode = call.params.get("ModifyMode", "") or "Cover"
    if mode not in ("Cover", "Append", "Delete"):  # no code documented for it: the format error's
        raise ApiError("InvalidSecurityIPList.Format", "Specified security IP list format is not valid.", 400)
    group = next((g for g in c.whitelist if g.name == name), None)
    if group is None:  # "If the specified whitelist group name does not exist, the whitelist group is created."
        group = WhitelistGroup(name=name, ips=[], attribute=call.params.get("DBClusterIPArrayAttribute", ""))
        c.whitelist.append(group)
    if mode == "Cover":
        group.ips = ips
    elif mode == "Append":
        group.ips += [ip for ip in ips if ip not in group.ips]
    else:
        group.ips = [ip for ip in group.ips if ip not in ips]
    return {}


@api.action("DeleteDBEndpointAddress", resource=_cluster_resource, write=True)
def delete_endpoint_address(call: Call) -> dict[str, Any]:
    """Releases the public address of an endpoint ("Set the value to Public", API reference)."""
    c = _cluster(call)
    eid = require(call.params, "DBEndpointId")
    net = require(call.params, "NetType")
    endpoint = next((e for e in c.endpoints if e.id == eid), None)
    if endpoint is None:  # documented codes: InvalidDBEndpointId.Malformed, InvalidNetType.Malformed (400)
        raise ApiError("InvalidDBEndpointId.Malformed", "The specified parameter DBEndpointId is not valid.", 400)
    if net != "Public":
        raise ApiError("InvalidNetType.Malformed", "The specified parameter NetType is not valid.", 400)
    endpoint.addresses = [a for a in endpoint.addresses if a.net_type != "Public"]
    return {}


@api.action("ModifyDBClusterSSL", resource=_cluster_resource, write=True)
def modify_ssl(call: Call) -> dict[str, Any]:
    """SSLEnabled Enable | Disable | Update; DBEndpointId is required for PolarDB for MySQL, not for PostgreSQL or
    Oracle, where SSL is the cluster's (API reference)."""
    c = _cluster(call)
    value = call.params.get("SSLEnabled", "")
    if value not in ("Enable", "Disable", "Update"):  # no code documented for it: the nearest documented one
        raise ApiError("InvalidConnectionString.Malformed", "The specified parameter SSLEnabled is not valid.", 400)
    eid = call.params.get("DBEndpointId", "")
    if c.db_type == "MySQL" and not eid:
        raise ApiError("InvalidDBEndpointId.Malformed", "The specified parameter DBEndpointId is not valid.", 400)
    targets = [e for e in c.endpoints if not eid or e.id == eid]
    if not targets:
        raise ApiError("InvalidDBEndpointId.Malformed", "The specified parameter DBEndpointId is not valid.", 400)
    for e in targets:
        if value != "Update":
            e.ssl_enabled = value == "Enable"
        if e.ssl_enabled:
            e.ssl_expire = call.now().replace(year=call.now().year + 1)
    return {}


@api.action("ModifyDBClusterAuditLogCollector", resource=_cluster_resource, write=True)
def modify_audit_log_collector(call: Call) -> dict[str, Any]:
    """CollectorStatus Enable | Disable (API reference, the SDK model), Disabled in the zh_cn reference and as
    Alibaba's Terraform provider sends it (resource_alicloud_polardb_cluster.go); DescribeDBClusterAuditLogCollector
    then answers Enable or Disabled, its documented values."""
    c = _cluster(call)
    value = require(call.params, "CollectorStatus")
    if value not in ("Enable", "Disable", "Disabled"):  # no code documented (only OperationDenied.DBClusterStatus)
        raise ApiError("InvalidParameter", "The specified parameter CollectorStatus is not valid.", 400)
    c.audit = "Enable" if value == "Enable" else "Disabled"
    return {}


@api.action("ModifyDBClusterTDE", resource=_cluster_resource, write=True)
def modify_tde(call: Call) -> dict[str, Any]:
    """TDEStatus: "Set the value to Enable"; "After TDE is enabled, you cannot disable TDE." (API reference)"""
    c = _cluster(call)
    if require(call.params, "TDEStatus") != "Enable":
        raise ApiError("InvalidTDEEnabledType.Malformed", "The specified parameter TDEStatus is not valid.", 400)
    if c.tde_status == "Enabled":
        raise ApiError("InvalidTDEStatus.AlreadyEnabled", "TDE has already enabled in the this cluster.", 400)
    if c.category == "Archive":  # "TDE is unavailable for Archive Database" (TDE guide); the refusal's code is not
        # documented: the pattern of the documented OperationDenied.DBClusterStatus
        raise ApiError("OperationDenied.DBClusterCategory", "TDE is not supported for this cluster category.", 400)
    c.tde_status = "Enabled"
    c.tde_key_id = call.params.get("EncryptionKey", "") or c.tde_key_id
    return {}


# DescribeRegions: "the regions and zones that are supported by PolarDB", Regions.Region[] with Zones.Zone[] (sample:
# tests/fixtures/wire/polardb); zones are not modelled (<region>-h)
@api.action("DescribeRegions")
def describe_regions(call: Call) -> dict[str, Any]:
    return {"Regions": {"Region": [{"RegionId": r, "Zones": {"Zone": [{"ZoneId": f"{r}-h", "VpcEnabled": True}]}}
                                   for r in offered_regions(call.world, "polardb", call.acct.regions)]}}
