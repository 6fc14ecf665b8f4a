"""Microservices Engine (MSE, RPC 2019-05-31): registry / configuration centre instances (Nacos, ZooKeeper, Eureka)
per region with their authentication parameters and public whitelist. ListClusters (PageNum/PageSize), QueryConfig,
QueryClusterDetail, and the writes that change what the audit sees (UpdateConfig, UpdateAcl).

Sources: Alibaba Cloud's OpenMeta metadata en_us/mse/2019-05-31/api-docs.json (tests/fixtures/wire/mse/*.json) and
the SDK models of alibabacloud_mse20190531 (the JSON types below: PubNetworkFlow, AclEntryList and the ZooKeeper
limits are strings, TotalCount/PageSize/PageNumber and Code/HttpStatusCode integers). The SDK's endpoint is
`mse.<region>.aliyuncs.com` (client.py: endpoint rule "regional", no endpoint map): the product's own code routes it."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..call import Call
from ..errors import ApiError
from ..pop import PopApi, int_param, require
from ..regions import region_exists

api = PopApi("mse", "2019-05-31")  # RAM namespace mse: (mse:ListClusters, ...)

# ClusterType: "Valid values: ZooKeeper, Nacos-Ans, and Eureka" (ListClusters Data[].ClusterType)
CLUSTER_TYPES = ("Nacos-Ans", "ZooKeeper", "Eureka")


def _new_id() -> str:
    return "mse-cn-" + secrets.token_hex(6)


class Cluster(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    id: str = Field(default_factory=_new_id)  # InstanceId (also ClusterName)
    name: str = ""  # ClusterAliasName
    region: str = "cn-hangzhou"
    type: str = "Nacos-Ans"  # ClusterType
    version: str = "2.1.0"  # AppVersion
    mse_version: str = "mse_pro"  # MseVersion: mse_dev | mse_pro | mse_serverless
    vpc_id: str = ""
    # QueryConfig (Nacos): ConfigAuthEnabled / NamingAuthEnabled and whether the version supports them
    config_auth_enabled: bool = False
    naming_auth_enabled: bool = False
    config_auth_supported: bool = True
    naming_auth_supported: bool = True
    auth_enabled: bool = False  # QueryConfig AuthEnabled: ZooKeeper SASL forced authentication
    # QueryClusterDetail PubNetworkFlow (Mbit/s, "0 indicates no access to the Internet"; 0-5000) and the public IP
    # address whitelist (UpdateAcl AclEntryList: "192.168.0.0/XX,192.168.0.0/XX")
    public_bandwidth: int = 0
    # ConnectionType ("Valid values: slb, eni"): an ENI instance goes public through an Elastic IP (CreateCluster
    # EipEnabled, "Valid when ConnectionType is single_eni"), with no public bandwidth (PubNetworkFlow is "Valid when
    # ConnectionType is slb"); what it answers for PubNetworkFlow is undocumented: "0" here
    connection_type: Literal["slb", "eni"] = "slb"
    eip_enabled: bool = False
    acl: list[str] = Field(default_factory=list)
    # UpdateAcl NetworkType Private: the private network whitelist, kept apart from the public one (`acl`)
    private_acl: list[str] = Field(default_factory=list)
    created: datetime = datetime(2024, 1, 1)

    def internet_domain(self) -> str:
        kind = {"Nacos-Ans": "nacos-ans", "ZooKeeper": "zk", "Eureka": "eureka"}.get(self.type, "mse")
        return f"{self.id}-p.{kind}.mse.aliyuncs.com" if self.public else ""

    @property
    def public(self) -> bool:
        return self.public_bandwidth > 0 if self.connection_type == "slb" else self.eip_enabled


class MseState(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    clusters: list[Cluster] = Field(default_factory=list)


def _region(call: Call) -> str:
    """The endpoint's region (mse.<region>.aliyuncs.com); ListClusters also sends RegionId. An unknown region id is
    refused as other products do; a public region the account does not use lists nothing."""
    region = call.region or call.params.get("RegionId", "")
    if region and not region_exists(call.acct.regions, region):
        raise ApiError("InvalidParameter", f"Parameter error:RegionId {region} is not supported", 400)
    return region


def _time(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")  # CreateTime "2020-07-31 11:36:08" (ListClusters sample)


def _cluster(call: Call) -> Cluster:
    iid = call.params.get("InstanceId") or call.params.get("ClusterId") or ""
    if not iid:
        # (both are optional in the reference; one of them names the instance) IllegalRequest / InvalidParameter 400
        raise ApiError("InvalidParameter", "Parameter error:InstanceId is required", 400)
    region = _region(call)
    for c in call.acct.mse.clusters:
        if c.id == iid and (not region or c.region == region):
            call.region = call.region or c.region
            call.touch("ACS::MSE::Instance", c.id)
            return c
    raise ApiError("NotFound", f"Not found:instance {iid}", 404)  # documented 404 NotFound "Not found:%s"


def _resource(call: Call) -> str:
    return f"instance/{call.params.get('InstanceId') or call.params.get('ClusterId') or '*'}"


def _ok(data: Any) -> dict[str, Any]:
    # the QueryConfig / QueryClusterDetail envelope: Success true, Message, Code/HttpStatusCode 200 (ints)
    return {"Success": True, "Message": "", "Code": 200, "HttpStatusCode": 200, "Data": data}


@api.action("ListClusters")
def list_clusters(call: Call) -> dict[str, Any]:
    region = _region(call)
    # PageNum and PageSize are required (ListClusters request parameters); no documented maximum: 100 kept
    require(call.params, "PageNum")
    size = int_param(call.params, "PageSize", 10, 1, 100)
    number = int_param(call.params, "PageNum", 1, 1, 1_000_000)
    alias = call.params.get("ClusterAliasName", "")
    items = [c for c in call.acct.mse.clusters if c.region == region and alias in c.name]
    page = items[(number - 1) * size:number * size]
    return {"HttpCode": "200", "Success": True, "Message": "", "ErrorCode": "", "TotalCount": len(items),
            "PageNumber": number, "PageSize": size, "Data": [{
                "InstanceId": c.id, "ClusterName": c.id, "ClusterAliasName": c.name, "ClusterType": c.type,
                "AppVersion": c.version, "MseVersion": c.mse_version, "VpcId": c.vpc_id,
                "InitStatus": "RESTART_SUCCESS",
                "CreateTime": _time(c.created), "EndDate": "", "ChargeType": "PREPAY", "CanUpdate": False,
                "InstanceCount": 3, "IntranetDomain": f"{c.id}.mse.aliyuncs.com", "IntranetAddress": "192.168.0.10",
                "InternetDomain": c.internet_domain(), "InternetAddress": "47.98.0.10" if c.public_bandwidth else "",
                "VersionCode": f"{c.type.split('-')[0].upper()}_{c.version.replace('.', '_')}", "Tags": {},
                "ResourceGroupId": "", "VersionLifecycle": ""} for c in page]}


# RAM: mse:QueryConfig authorizes on "All Resources" (API reference, RAM authorization table)
@api.action("QueryConfig")
def query_config(call: Call) -> dict[str, Any]:
    c = _cluster(call)
    nacos, zk = c.type == "Nacos-Ans", c.type == "ZooKeeper"
    data: dict[str, Any] = {"ClusterName": c.id, "RestartFlag": False, "ConsoleUIEnabled": False, "TLSEnabled": False}
    if nacos:  # "This parameter is valid for Nacos instances"
        data.update({"ConfigAuthEnabled": c.config_auth_enabled, "ConfigAuthSupported": c.config_auth_supported,
                     "NamingAuthEnabled": c.naming_auth_enabled, "NamingAuthSupported": c.naming_auth_supported,
                     "ConfigSecretEnabled": False, "ConfigSecretSupported": True, "ConfigContentLimit": 100,
                     "NamingCreateServiceSupported": True})
    if zk:  # ZooKeeper's parameters are strings (QueryConfig Data.TickTime "2000", ...)
        data.update({"AuthEnabled": c.auth_enabled, "OpenSuperAcl": False, "TickTime": "2000", "InitLimit": "10",
                     "SyncLimit": "5", "MaxClientCnxns": "0", "MinSessionTimeout": "-1", "MaxSessionTimeout": "-1"})
    return _ok(data)


@api.action("QueryClusterDetail", resource=_resource)
def query_cluster_detail(call: Call) -> dict[str, Any]:
    c = _cluster(call)
    # AclEntryList is a string: the sample answers "[]" for an empty list; for entries the reference gives no
    # example, so they are answered in UpdateAcl's documented input form, comma-separated
    acl = ",".join(c.acl) if c.acl else "[]"
    # the whitelist only when asked: QueryClusterDetail AclSwitch, "Specifies whether to query access control lists
    # (ACLs)" (alibabacloud_mse20190531 QueryClusterDetailRequest.acl_switch; the Java SDK: "whether to query the
    # configuration of a public IP address whitelist"); not asked, the field is left out
    asked = call.params.get("AclSwitch", "").lower() == "true"
    return {"Success": True, "Message": "", "ErrorCode": "", "Data": {
        "InstanceId": c.id, "ClusterName": c.id, "ClusterAliasName": c.name, "ClusterType": c.type,
        "AppVersion": c.version, "MseVersion": c.mse_version, "RegionId": c.region, "VpcId": c.vpc_id,
        "CreateTime": _time(c.created), "PubNetworkFlow": str(c.public_bandwidth), "ConnectionType": c.connection_type,
        "NetType": "pubnet" if c.public else "privatenet", "InternetDomain": c.internet_domain(),
        "InternetAddress": "47.98.0.10" if c.public else "", "InternetPort": "8848" if c.public else "",
        "IntranetDomain": f"{c.id}.mse.aliyuncs.com", "IntranetAddress": "192.168.0.10",
        "IntranetPort": "8848", **({"AclEntryList": acl} if asked else {}), "AclId": f"acl-{c.id[7:]}",
        "InstanceCount": 3, "Cpu": 2, "MemoryCapacity": 4, "DiskCapacity": 20, "InitStatus": "RESTART_SUCCESS",
        "HealthStatus": "GREEN", "Tags": {}}}


def _bool(call: Call, name: str, current: bool) -> bool:
    raw = call.params.get(name, "")
    if raw == "":
        return current
    if raw.lower() not in ("true", "false"):
        raise ApiError("InvalidParameter", f"Parameter error:{name} must be true or false", 400)
    return raw.lower() == "true"


@api.action("UpdateConfig", resource=_resource, write=True)
def update_config(call: Call) -> dict[str, Any]:
    c = _cluster(call)
    c.config_auth_enabled = _bool(call, "ConfigAuthEnabled", c.config_auth_enabled)
    c.naming_auth_enabled = _bool(call, "NamingAuthEnabled", c.naming_auth_enabled)
    c.auth_enabled = _bool(call, "AuthEnabled", c.auth_enabled)
    return _ok({})


@api.action("UpdateAcl", resource=_resource, write=True)
def update_acl(call: Call) -> dict[str, Any]:
    c = _cluster(call)
    entries = [e.strip() for e in call.params.get("AclEntryList", "").split(",") if e.strip()]
    if len(entries) > 1000:  # "You can add a maximum of 1,000 entries to the public IP address whitelist"
        raise ApiError("InvalidParameter", "Parameter error:AclEntryList takes at most 1000 entries", 400)
    # NetworkType: "enum": ["Private", "Public"], "default": "Public" (UpdateAcl)
    if call.params.get("NetworkType", "Public") == "Private":
        c.private_acl = entries
    else:
        c.acl = entries
    return {"Success": True, "Message": "", "ErrorCode": "", "Data": {"AclId": f"acl-{c.id[7:]}"}}
