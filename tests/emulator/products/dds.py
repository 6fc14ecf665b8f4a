"""ApsaraDB for MongoDB (dds 2015-12-01): replica set, standalone and sharded cluster instances per region with
their IP whitelists, endpoints, password-free VPC access, SSL, audit log and TDE; the reads aliaudit's mongodb
checks call and the writes that remediate them. Shapes, types and enumerations: the API reference (OpenMeta
metadata, en_us/dds/2015-12-01, as in tests/fixtures/wire/dds) and alibabacloud_dds20151201's response models.

Hosts (alibabacloud_dds20151201 Client._endpoint_map, endpoint rule 'regional'): mongodb.aliyuncs.com for
cn-hangzhou, cn-shanghai, cn-beijing and other central regions, mongodb.<region>.aliyuncs.com for the rest; the
first label is 'mongodb', not the product code. On the central host the region comes from RegionId (list calls)
or from the instance (per-instance calls carry no RegionId)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..call import Call
from ..clock import iso
from ..errors import ApiError
from ..ip_templates import GlobalIpTemplate, check_links, relation, require_relation_params
from ..pop import PopApi, page_by_number, require
from ..regions import offered_regions, region_exists
from . import Product

# RAM code dds, resources acs:dds:<region>:<account>:dbinstance/<id> ("RAM authorization", ApsaraDB for MongoDB:
# https://www.alibabacloud.com/help/en/mongodb/developer-reference/api-dds-2015-12-01-ram)
api = PopApi("dds", "2015-12-01")

RESOURCE_TYPE = "ACS::MongoDB::DBInstance"  # the instance's resource type in ActionTrail / Cloud Config


def _new_id() -> str:
    return "dds-" + secrets.token_hex(7)


class WhitelistGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    name: str = "default"
    ips: list[str] = Field(default_factory=lambda: ["127.0.0.1"])  # the default whitelist of a new instance
    attribute: str = ""  # 'hidden' for groups the console does not show


class Endpoint(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    address: str
    network_type: str = "VPC"  # NetworkType: VPC | Classic | Public
    role: str = "Primary"  # Primary | Secondary
    node_id: str = ""  # sharded clusters: the mongos (or shard, configserver) node it reaches
    node_type: str = "mongos"  # mongos | shard | configserver
    ip_address: str = "10.140.0.10"
    port: int = 3717


class DBInstance(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    id: str = Field(default_factory=_new_id)
    region: str = "cn-hangzhou"
    zone: str = ""
    description: str = ""
    instance_type: str = "replicate"  # DBInstanceType: replicate | sharding | serverless (China site)
    # StorageType: cloud_essd | local_ssd (the reference's enumeration; its sample local_ssd). DescribeAuditPolicy "is
    # available only for General-purpose Local Disk Edition and Dedicated Local Disk Edition instances"
    storage_type: str = "local_ssd"
    engine_version: str = "6.0"
    status: str = "Running"
    network_type: str = "VPC"  # Classic | VPC
    instance_class: str = "dds.mongo.mid"
    vpc_id: str = "vpc-emulator0001"
    vswitch_id: str = "vsw-emulator0001"
    created: datetime = datetime(2024, 1, 1)
    whitelist: list[WhitelistGroup] = Field(default_factory=lambda: [WhitelistGroup()])
    global_ip_templates: list[str] = Field(default_factory=list)  # linked global IP whitelist templates (ids)
    endpoints: list[Endpoint] = Field(default_factory=list)  # empty: one VPC endpoint
    # sharded clusters: DescribeShardingNetworkAddress's CompatibleConnections (the older cluster-wide addresses; the
    # reference does not say when a cluster has them, so a scenario names them)
    compatible_endpoints: list[Endpoint] = Field(default_factory=list)
    vpc_auth_mode: str = "Close"  # Open: password-free access in the VPC | Close: password required | NotSupport
    ssl: str = "Closed"  # SSLStatus: Open | Closed
    audit: str = "Disabled"  # LogAuditStatus: Enable | Disabled ("Default value: Disabled")
    tde_status: str = "disabled"  # TDEStatus: enabled | disabled
    tde_key: str = ""

    def all_endpoints(self) -> list[Endpoint]:
        if self.endpoints:
            return self.endpoints
        if self.instance_type == "sharding":
            node = "s-" + self.id.removeprefix("dds-")
            return [Endpoint(address=f"{node}.mongodb.rds.aliyuncs.com", node_id=node)]
        return [Endpoint(address=f"{self.id}.mongodb.rds.aliyuncs.com")]


class DdsState(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    instances: list[DBInstance] = Field(default_factory=list)
    global_ip_templates: list[GlobalIpTemplate] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_templates(self) -> DdsState:
        check_links(self.global_ip_templates, ((i.id, i.global_ip_templates) for i in self.instances))
        return self


# --- helpers -------------------------------------------------------------------------------------

def _list_region(call: Call) -> str:
    """A public region (the list is empty where the account has nothing) or one of the account's; the reference
    documents 400 InvalidRegion.Format ("Specified Region is not valid.")."""
    region = call.region or call.params.get("RegionId", "")
    if region and not region_exists(call.acct.regions, region):
        raise ApiError("InvalidRegion.Format", "Specified Region is not valid.", 400)
    return region


def _instance(call: Call, param: str = "DBInstanceId") -> DBInstance:
    inst_id = require(call.params, param)
    inst = next((i for i in call.acct.dds.instances
                 if i.id == inst_id and (not call.region or i.region == call.region)), None)
    if inst is None:  # the 404 most instance APIs of the reference document
        raise ApiError("InvalidDbInstanceId.NotFound", "Specified instance does not exist.", 404)
    call.region = call.region or inst.region  # so an ActionTrail event names the instance's region
    call.touch(RESOURCE_TYPE, inst.id)
    return inst


def _instance_resource(call: Call) -> str:
    return f"dbinstance/{call.params.get('DBInstanceId', '*')}"


def _summary(i: DBInstance) -> dict[str, Any]:
    """Fields DescribeDBInstances and DescribeDBInstanceAttribute both document, with their samples' and SDK models'
    JSON types (DBInstanceStorage an integer; ReplicationFactor, KindCode and CapacityUnit strings)."""
    return {"DBInstanceId": i.id, "DBInstanceDescription": i.description, "RegionId": i.region,
            "ZoneId": i.zone or f"{i.region}-g", "Engine": "MongoDB", "EngineVersion": i.engine_version,
            "DBInstanceType": i.instance_type, "DBInstanceStatus": i.status, "DBInstanceClass": i.instance_class,
            "NetworkType": i.network_type, "DBInstanceStorage": 20, "StorageType": i.storage_type,
            "ReplicationFactor": "3", "KindCode": "18", "CapacityUnit": "100", "ChargeType": "PostPaid",
            "LockMode": "Unlock", "ResourceGroupId": "rg-default", "CreationTime": iso(i.created),
            "ExpireTime": "2999-09-08T16:00Z"}


# --- reads ---------------------------------------------------------------------------------------

@api.action("DescribeDBInstances")
def describe_db_instances(call: Call) -> dict[str, Any]:
    """PageNumber (from 1) and PageSize ("Valid values: 30 (default), 50, 100"); DBInstanceType filters
    (sharding | replicate | serverless), replicate when not given ("The list of replica set and standalone instances
    is displayed when the DBInstanceType parameter uses the default value replicate"; serverless: the China site's
    reference, zh_cn, <props="china">); TotalCount, PageNumber and PageSize are integers in the answer."""
    region = _list_region(call)
    kind = call.params.get("DBInstanceType") or "replicate"
    wanted = call.params.get("DBInstanceId", "")
    size = call.params.get("PageSize", "")
    if size and size not in ("30", "50", "100"):
        raise ApiError("InvalidPageSize.Malformed", "The specified  parameter PageSize is not valid.", 400)
    items = [i for i in call.acct.dds.instances if (not region or i.region == region)
             and i.instance_type == kind and (not wanted or i.id == wanted)]
    page, meta = page_by_number(items, call.params, default=30, limit=100)
    out = []
    for i in page:
        item = _summary(i)
        if i.vpc_auth_mode in ("Open", "Close"):  # the list documents only these two values
            item["VpcAuthMode"] = i.vpc_auth_mode
        out.append(item)
    return {**meta, "DBInstances": {"DBInstance": out}}


@api.action("DescribeDBInstanceAttribute", resource=_instance_resource)
def describe_db_instance_attribute(call: Call) -> dict[str, Any]:
    i = _instance(call)
    attr = {**_summary(i), "VpcAuthMode": i.vpc_auth_mode, "VPCId": i.vpc_id, "VSwitchId": i.vswitch_id,
            "ProtocolType": "mongodb", "StorageEngine": "WiredTiger", "MaintainStartTime": "18:00Z",
            "MaintainEndTime": "03:00Z", "DBInstanceReleaseProtection": False, "MaxConnections": 500}
    if i.instance_type == "replicate":
        attr["ReplicaSets"] = {"ReplicaSet": [
            {"ConnectionDomain": e.address, "ConnectionPort": str(e.port), "ReplicaSetRole": e.role,
             "NetworkType": e.network_type, "VPCId": i.vpc_id, "VSwitchId": i.vswitch_id, "VPCCloudInstanceId": i.id}
            for e in i.all_endpoints() if e.network_type in ("VPC", "Classic")]}  # documented: Classic | VPC
    return {"DBInstances": {"DBInstance": [attr]}}


@api.action("DescribeSecurityIps", resource=_instance_resource)
def describe_security_ips(call: Call) -> dict[str, Any]:
    i = _instance(call)
    default = next((g for g in i.whitelist if g.name == "default"), None)
    return {"SecurityIps": ",".join(default.ips) if default else "", "SecurityIpGroups": {"SecurityIpGroup": [
        {"SecurityIpGroupName": g.name, "SecurityIpGroupAttribute": g.attribute, "SecurityIpList": ",".join(g.ips)}
        for g in i.whitelist]}}


def _linking_resource(call: Call) -> str:
    return f"dbinstance/{call.params.get('DBClusterId', '*')}"


@api.action("DescribeGlobalSecurityIPGroupRelation", resource=_linking_resource)
def describe_global_security_ip_group_relation(call: Call) -> dict[str, Any]:
    """The instance's linked templates (ip_templates.py); DBClusterId carries the instance id (dds-...). An unknown
    instance: not documented; the instance APIs' 404 InvalidDbInstanceId.NotFound."""
    require_relation_params(call)
    i = _instance(call, "DBClusterId")
    return relation(i.id, call.acct.dds.global_ip_templates, i.global_ip_templates)


@api.action("DescribeReplicaSetRole", resource=_instance_resource)
def describe_replica_set_role(call: Call) -> dict[str, Any]:
    """ConnectionPort and ExpiredTime are strings; NetworkType VPC | Classic | Public (API reference)."""
    i = _instance(call)
    return {"DBInstanceId": i.id, "ReplicaSets": {"ReplicaSet": [
        {"ConnectionDomain": e.address, "ConnectionPort": str(e.port), "ReplicaSetRole": e.role,
         "NetworkType": e.network_type, "RoleId": str(651000 + n), "ConnectionType": "Normal",
         **({"ExpiredTime": "2591963"} if e.network_type == "Classic" else {})}
        for n, e in enumerate(i.all_endpoints())]}}


@api.action("DescribeShardingNetworkAddress", resource=_instance_resource)
def describe_sharding_network_address(call: Call) -> dict[str, Any]:
    """The addresses of a sharded cluster's nodes (Port a string; NodeType mongos | shard | configserver). The
    reference does not say what a replica set instance answers: it is served the same way."""
    i = _instance(call)
    node = call.params.get("NodeId", "")
    return {"NetworkAddresses": {"NetworkAddress": [
        {"NetworkAddress": e.address, "IPAddress": e.ip_address, "NetworkType": e.network_type, "Port": str(e.port),
         "NodeType": e.node_type, "NodeId": e.node_id, "Role": e.role, "ConnectionType": "Normal",
         **({"VPCId": i.vpc_id, "VswitchId": i.vswitch_id} if e.network_type == "VPC" else {})}
        for e in i.all_endpoints() if not node or e.node_id == node]},
        "CompatibleConnections": {"CompatibleConnection": [
            {"NetworkAddress": e.address, "IPAddress": e.ip_address, "NetworkType": e.network_type,
             "Port": str(e.port), **({"VPCId": i.vpc_id, "VswitchId": i.vswitch_id} if e.network_type == "VPC" else {})}
            for e in i.compatible_endpoints if not node]}}


@api.action("DescribeDBInstanceSSL", resource=_instance_resource)
def describe_db_instance_ssl(call: Call) -> dict[str, Any]:
    i = _instance(call)
    out: dict[str, Any] = {"SSLStatus": i.ssl, "ForceEncryption": "0"}  # ForceEncryption: a string
    if i.ssl == "Open":
        out.update({"CertCommonName": i.all_endpoints()[0].address, "SSLExpiredTime": "2027-03-11T02:28:25Z"})
    return out


@api.action("DescribeAuditPolicy", resource=_instance_resource)
def describe_audit_policy(call: Call) -> dict[str, Any]:
    return {"LogAuditStatus": _instance(call).audit}


@api.action("DescribeDBInstanceTDEInfo", resource=_instance_resource)
def describe_db_instance_tde_info(call: Call) -> dict[str, Any]:
    i = _instance(call)
    out: dict[str, Any] = {"TDEStatus": i.tde_status}
    if i.tde_status == "enabled":
        # without a custom key: "the system returns the string NoActiveBYOK" (EncryptionKey, the SDK model
        # alibabacloud_dds20151201 DescribeDBInstanceTDEInfoResponseBody)
        out.update({"EncryptorName": "aes-256-cbc", "EncryptionKey": i.tde_key or "NoActiveBYOK"})
        if i.tde_key:
            out["RoleARN"] = f"acs:ram::{call.acct.id}:role/aliyunrdsinstanceencryptiondefaultrole"
    return out


# --- writes (remediation) ------------------------------------------------------------------------

@api.action("ModifySecurityIps", resource=_instance_resource, write=True)
def modify_security_ips(call: Call) -> dict[str, Any]:
    """ModifyMode Cover (default) | Append | Delete; SecurityIpGroupName "Default value: default"."""
    i = _instance(call)
    ips = [x.strip() for x in require(call.params, "SecurityIps").split(",") if x.strip()]
    name = call.params.get("SecurityIpGroupName", "") or "default"
    mode = call.params.get("ModifyMode", "") or "Cover"
    group = next((g for g in i.whitelist if g.name == name), None)
    if group is None:
        group = WhitelistGroup(name=name, ips=[], attribute=call.params.get("SecurityIpGroupAttribute", ""))
        i.whitelist.append(group)
    if mode == "Cover":
        group.ips = ips
    elif mode == "Append":
        group.ips += [x for x in ips if x not in group.ips]
    elif mode == "Delete":
        group.ips = [x for x in group.ips if x not in ips]
    else:
        raise ApiError("InvalidParam", "Specified parameters is not valid.", 400)
    return {}


@api.action("ModifyInstanceVpcAuthMode", resource=_instance_resource, write=True)
def modify_vpc_auth_mode(call: Call) -> dict[str, Any]:
    i = _instance(call)
    if i.network_type == "Classic":  # documented 400
        raise ApiError("ClassicNotSupport", "Classic instance does not support this operation", 400)
    mode = require(call.params, "VpcAuthMode")
    # "Specify whether to disable password-free access over VPC. Set the value to Close" (alibabacloud_dds20151201
    # ModifyInstanceVpcAuthModeRequest.vpc_auth_mode): Close is the only value the write takes
    if mode != "Close":
        raise ApiError("InvalidParam", "Specified parameters is not valid.", 400)
    i.vpc_auth_mode = mode
    return {}


@api.action("ModifyDBInstanceSSL", resource=_instance_resource, write=True)
def modify_db_instance_ssl(call: Call) -> dict[str, Any]:
    i = _instance(call)
    action = require(call.params, "SSLAction")  # Open | Close | Update
    if action == "Open":
        if i.ssl == "Open":
            raise ApiError("SSLAlreadyEnabled", "SSL have already been enabled.", 400)
        i.ssl = "Open"
    elif action == "Close":
        if i.ssl != "Open":
            raise ApiError("SSLAlreadyDisabled", "SSL have already been disabled.", 400)
        i.ssl = "Closed"
    elif action == "Update":
        if i.ssl != "Open":
            raise ApiError("SSLNotEnabled", "SSL not enabled.", 403)
    else:
        raise ApiError("InvalidParam", "Specified parameters is not valid.", 400)
    return {}


@api.action("ModifyAuditPolicy", resource=_instance_resource, write=True)
def modify_audit_policy(call: Call) -> dict[str, Any]:
    i = _instance(call)
    status = require(call.params, "AuditStatus").lower()  # documented: enable | disabled
    if status not in ("enable", "disabled"):
        raise ApiError("InvalidParam", "Specified parameters is not valid.", 400)
    i.audit = "Enable" if status == "enable" else "Disabled"
    return {}


@api.action("ModifyDBInstanceTDE", resource=_instance_resource, write=True)
def modify_db_instance_tde(call: Call) -> dict[str, Any]:
    i = _instance(call)
    if require(call.params, "TDEStatus").lower() != "enabled":  # "You cannot disable TDE after it is enabled"
        raise ApiError("UnsupportedDBTdeStatus", "Specified DB TDEStatus does not support this operation.", 400)
    i.tde_status, i.tde_key = "enabled", call.params.get("EncryptionKey", "")
    return {}


@api.action("ReleasePublicNetworkAddress", resource=_instance_resource, write=True)
def release_public_network_address(call: Call) -> dict[str, Any]:
    """Releases the public endpoints of the instance (of NodeId's node in a sharded cluster)."""
    i = _instance(call)
    node = call.params.get("NodeId", "")
    if i.instance_type == "sharding" and not node:
        raise ApiError("InvalidParam", "Specified parameters is not valid.", 400)
    i.endpoints = [e for e in i.all_endpoints() if not (e.network_type == "Public" and (not node or e.node_id == node))]
    return {}


PRODUCT = Product("dds", api=api, state=DdsState, hosts=("mongodb",))


# DescribeRegions without RegionId: "all supported regions", Regions.DdsRegion[] with Zones.Zone[] (sample:
# tests/fixtures/wire/dds); zones and names are not modelled (<region>-h)
@api.action("DescribeRegions")
def describe_regions(call: Call) -> dict[str, Any]:
    wanted = call.params.get("RegionId", "")
    return {"Regions": {"DdsRegion": [
        {"RegionId": r, "RegionName": r, "EndPoint": f"mongodb.{r}.aliyuncs.com",
         "Zones": {"Zone": [{"ZoneId": f"{r}-h", "ZoneName": f"{r}-h", "VpcEnabled": True}]}}
        for r in offered_regions(call.world, "dds", call.acct.regions) if not wanted or r == wanted]}}
