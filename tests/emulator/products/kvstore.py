"""ApsaraDB for Redis / Tair (r-kvstore 2015-01-01): instances per region with their IP whitelists, endpoints,
password-free VPC access mode, TLS and TDE; the reads aliaudit's redis checks call and the writes that remediate
them. Shapes, types and enumerations: the API reference (OpenMeta metadata, en_us/r-kvstore/2015-01-01, as in
tests/fixtures/wire/kvstore) and alibabacloud_r_kvstore20150101's response models.

Hosts (alibabacloud_r_kvstore20150101 Client._endpoint_map, endpoint rule 'regional'): r-kvstore.aliyuncs.com for
cn-hangzhou and the special regions of the map, r-kvstore.<region>.aliyuncs.com for every other region. The first
label has a hyphen, which the generic OpenAPI host rule does not read, so the module claims both forms by host; on
the central host the region comes from RegionId (list calls) or from the instance (per-instance calls, which carry
no RegionId)."""

from __future__ import annotations

import re
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
from ..wire import Request
from . import BY_HOST, Claim, Product

# RAM code kvstore, resources acs:kvstore:<region>:<account>:instance/<id> ("RAM authorization", Tair (Redis
# OSS-compatible): https://www.alibabacloud.com/help/en/redis/developer-reference/api-r-kvstore-2015-01-01-ram-redis)
api = PopApi("kvstore", "2015-01-01")

_HOST = re.compile(r"^r-kvstore(?:\.(?P<region>[a-z]{2}-[a-z0-9-]+?))?(?:-vpc)?\.aliyuncs\.com$")
RESOURCE_TYPE = "ACS::Redis::DBInstance"  # the instance's resource type in ActionTrail / Cloud Config


def _new_id() -> str:
    return "r-" + secrets.token_hex(9)


class WhitelistGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    name: str = "default"
    ips: list[str] = Field(default_factory=lambda: ["127.0.0.1"])  # the default whitelist of a new instance
    attribute: str = ""  # 'hidden' for groups the console does not show


class Endpoint(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    connection_string: str
    ip_type: str = "Private"  # IPType: Public | Inner (classic network) | Private (VPC)
    ip_address: str = "172.16.49.10"
    port: int = 6379


class Instance(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    id: str = Field(default_factory=_new_id)
    region: str = "cn-hangzhou"
    zone: str = ""
    name: str = ""
    # InstanceType: Tair | Redis | Memcache, or a Tair series (tair_rdb | tair_scm | tair_essd | tair_skv: the request
    # enumeration; CreateTairInstance's InstanceType reads back so in Alibaba's Terraform provider's tests)
    instance_type: str = "Redis"
    engine_version: str = "7.0"
    status: str = "Normal"  # InstanceStatus (documented list: Normal, Creating, Changing, ...)
    network_type: str = "VPC"  # CLASSIC | VPC
    architecture: str = "standard"  # ArchitectureType: cluster | standard | rwsplit
    # NodeType: double | single in the answer (API reference enumeration); cloud-native MASTER_SLAVE | STAND_ALONE
    # (DescribeInstancesRequest.node_type doc comment)
    node_type: str = "double"
    instance_class: str = "redis.shard.small.2.ce"  # tair.essd.* / tair.localssd.*: disk-based, tair.scm.*: SCM
    vpc_id: str = "vpc-emulator0001"
    vswitch_id: str = "vsw-emulator0001"
    created: datetime = datetime(2024, 1, 1)
    whitelist: list[WhitelistGroup] = Field(default_factory=lambda: [WhitelistGroup()])
    endpoints: list[Endpoint] = Field(default_factory=list)  # empty: one private endpoint
    vpc_auth_mode: str = "Open"  # Open: password required (the documented default) | Close: password-free
    ssl: str = "Disable"  # SSLEnabled: Enable | Disable ('' = the answer carries none, to test a partial answer)
    # False: DescribeInstanceSSL answers IncorrectEngineVersion (a documented error); None: as the TLS prerequisites
    # say (tls_offered)
    ssl_supported: bool | None = None
    tde_supported: bool | None = True  # IsSupportTDE (None = the attributes carry none)
    tde_status: str = "Disable"  # TDEStatus: Enabled | Disable ('' = the answer carries none)
    tde_key: str = ""  # the KMS key given to ModifyInstanceTDE ('' = a key KMS generated)
    global_instance_id: str = ""  # a child instance of this distributed (Global Distributed Cache) instance, gr-...
    global_ip_templates: list[str] = Field(default_factory=list)  # linked global IP whitelist templates (ids)

    def all_endpoints(self) -> list[Endpoint]:
        return self.endpoints or [Endpoint(connection_string=f"{self.id}.redis.rds.aliyuncs.com")]

    def tls_offered(self) -> bool:
        """The "Enable TLS encryption" prerequisites (collectors/redis.py tls_not_offered, with its sources): no
        Memcache, master-replica only, no disk-based class; a scenario's ssl_supported overrides."""
        if self.ssl_supported is not None:
            return self.ssl_supported
        return not (self.instance_type == "Memcache" or self.node_type.lower() in ("single", "stand_alone")
                    or self.instance_class.startswith(("tair.essd.", "tair.localssd.")))


class KvstoreState(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    instances: list[Instance] = Field(default_factory=list)
    global_ip_templates: list[GlobalIpTemplate] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_templates(self) -> KvstoreState:
        check_links(self.global_ip_templates, ((i.id, i.global_ip_templates) for i in self.instances))
        return self


# --- helpers -------------------------------------------------------------------------------------

def _by_host(req: Request) -> str | None:
    m = _HOST.match(req.host)
    return (m.group("region") or "") if m else None


def _list_region(call: Call) -> str:
    """A public region (the list is empty where the account has nothing) or one of the account's; the reference
    documents 400 InvalidRegion.Format ("Specified Region is not valid.") for a region it does not know."""
    region = call.region or call.params.get("RegionId", "")
    if region and not region_exists(call.acct.regions, region):
        raise ApiError("InvalidRegion.Format", "Specified Region is not valid.", 400)
    return region


def _instance(call: Call, param: str = "InstanceId") -> Instance:
    inst_id = require(call.params, param)
    inst = next((i for i in call.acct.kvstore.instances
                 if i.id == inst_id and (not call.region or i.region == call.region)), None)
    if inst is None:  # DescribeSecurityIps' documented 404 for an unknown instance
        raise ApiError("InvalidInstanceId.NotFound", "The InstanceId provided does not exist in our records.", 404)
    call.region = call.region or inst.region  # so an ActionTrail event names the instance's region
    call.touch(RESOURCE_TYPE, inst.id)
    return inst


def _instance_resource(call: Call) -> str:
    return f"instance/{call.params.get('InstanceId', '*')}"


def _summary(i: Instance) -> dict[str, Any]:
    """The fields both DescribeInstances (KVStoreInstance) and DescribeInstanceAttribute (DBInstanceAttribute)
    document, with the JSON types of their samples and SDK models (Port, Capacity... integers; IsRds a boolean)."""
    first = i.all_endpoints()[0]
    return {"InstanceId": i.id, "InstanceName": i.name, "RegionId": i.region, "ZoneId": i.zone or f"{i.region}-h",
            "InstanceType": i.instance_type, "EngineVersion": i.engine_version, "InstanceStatus": i.status,
            "NetworkType": i.network_type, "ArchitectureType": i.architecture, "InstanceClass": i.instance_class,
            "VpcId": i.vpc_id, "VSwitchId": i.vswitch_id, "ConnectionDomain": first.connection_string,
            "PrivateIp": first.ip_address, "Port": first.port, "Capacity": 1024, "Bandwidth": 96,
            "Connections": 20000, "QPS": 100000, "ChargeType": "PostPaid", "NodeType": i.node_type,
            "PackageType": "standard", "IsRds": True, "ResourceGroupId": "rg-default", "CreateTime": iso(i.created),
            "EndTime": "2999-09-08T16:00:00Z"}


# --- reads ---------------------------------------------------------------------------------------

@api.action("DescribeInstances")
def describe_instances(call: Call) -> dict[str, Any]:
    """PageNumber (from 1) and PageSize ("Maximum value: 50. Default value: 30"); PageNumber, PageSize and
    TotalCount are integers in the answer (sample and DescribeInstancesResponseBody).

    InstanceType filters by engine and defaults to Redis: the request schema's "default": "Redis" (OpenMeta
    en_us/r-kvstore/2015-01-01 and zh_cn, since its first revision), which Alibaba's Terraform provider's test sweeper
    follows by listing Redis and Memcache apart (aliyun/terraform-provider-alicloud,
    alicloud/resource_alicloud_kvstore_instance_test.go). GlobalInstance true: "Only child instances are returned",
    false: "Child instances are not returned" (of distributed instances); unset, undocumented: read as false, the
    narrower answer. Both filters apply with InstanceIds too (not documented either way)."""
    region = _list_region(call)
    wanted = [x for x in call.params.get("InstanceIds", "").split(",") if x]
    if len(wanted) > 30:  # "You can specify a maximum of 30 instance IDs in a single request"
        raise ApiError("InvalidInstanceIds.Malformed", "The Specified parameter InstanceIds is not valid.", 400)
    engine = call.params.get("InstanceType") or "Redis"
    children = call.params.get("GlobalInstance", "").lower() == "true"
    items = [i for i in call.acct.kvstore.instances
             if (not region or i.region == region) and (not wanted or i.id in wanted)
             and i.instance_type == engine and bool(i.global_instance_id) == children]
    page, meta = page_by_number(items, call.params, default=30, limit=50)
    return {**meta, "Instances": {"KVStoreInstance": [
        {**_summary(i), "EditionType": "Enterprise" if i.instance_type.lower().startswith("tair") else "Community",
         "ConnectionMode": "Standard",
         **({"GlobalInstanceId": i.global_instance_id} if i.global_instance_id else {})}
        for i in page]}}


@api.action("DescribeSecurityIps", resource=_instance_resource)
def describe_security_ips(call: Call) -> dict[str, Any]:
    i = _instance(call)
    return {"SecurityIpGroups": {"SecurityIpGroup": [
        {"SecurityIpGroupName": g.name, "SecurityIpGroupAttribute": g.attribute, "SecurityIpList": ",".join(g.ips)}
        for g in i.whitelist]}}


def _linking_resource(call: Call) -> str:
    return f"instance/{call.params.get('DBClusterId', '*')}"


@api.action("DescribeGlobalSecurityIPGroupRelation", resource=_linking_resource)
def describe_global_security_ip_group_relation(call: Call) -> dict[str, Any]:
    """The instance's linked templates (ip_templates.py); DBClusterId carries the instance id (the sample's
    r-t4n885e834f6****). An unknown instance: not documented; the instance APIs' 404 InvalidInstanceId.NotFound."""
    require_relation_params(call)
    i = _instance(call, "DBClusterId")
    return relation(i.id, call.acct.kvstore.global_ip_templates, i.global_ip_templates)


@api.action("DescribeDBInstanceNetInfo", resource=_instance_resource)
def describe_net_info(call: Call) -> dict[str, Any]:
    """InstanceNetworkType CLASSIC | VPC; per endpoint IPType Public | Inner | Private, Port a string and
    DBInstanceNetType "0" (Internet) | "1" (classic) | "2" (VPC), a string (sample, SDK model)."""
    i = _instance(call)
    net_type = {"Public": "0", "Inner": "1", "Private": "2"}
    infos = []
    for e in i.all_endpoints():
        info: dict[str, Any] = {"ConnectionString": e.connection_string, "IPAddress": e.ip_address,
                                "IPType": e.ip_type, "Port": str(e.port),
                                "DBInstanceNetType": net_type.get(e.ip_type, "2"), "DirectConnection": 0,
                                "Upgradeable": "0"}
        if e.ip_type == "Private":
            info.update({"VPCId": i.vpc_id, "VSwitchId": i.vswitch_id, "VPCInstanceId": i.id})
        infos.append(info)
    return {"InstanceNetworkType": i.network_type, "NetInfoItems": {"InstanceNetInfo": infos}}


@api.action("DescribeInstanceAttribute", resource=_instance_resource)
def describe_instance_attribute(call: Call) -> dict[str, Any]:
    i = _instance(call)
    whitelist = next((g for g in i.whitelist if g.name == "default"), None)
    attr = {**_summary(i), "Engine": "Redis", "VpcAuthMode": i.vpc_auth_mode, "IsSupportTDE": i.tde_supported,
            "SecurityIPList": ",".join(whitelist.ips) if whitelist else "", "VpcCloudInstanceId": i.id,
            "MaintainStartTime": "18:00Z", "MaintainEndTime": "22:00Z", "ZoneType": "singlezone",
            "ReplicationMode": "master-slave", "InstanceReleaseProtection": False, "HasRenewChangeOrder": "false",
            "IsOrderCompleted": True, "AuditLogRetention": "0"}
    if i.tde_supported is None:
        del attr["IsSupportTDE"]
    return {"Instances": {"DBInstanceAttribute": [attr]}}


@api.action("DescribeInstanceSSL", resource=_instance_resource)
def describe_instance_ssl(call: Call) -> dict[str, Any]:
    i = _instance(call)
    if not i.tls_offered():  # a documented 403 of DescribeInstanceSSL (which of its three codes each series gets is
        # not documented)
        raise ApiError("IncorrectEngineVersion", "Current engine version does not support operations.", 403)
    out: dict[str, Any] = {"InstanceId": i.id}
    if i.ssl:
        out["SSLEnabled"] = i.ssl
    if i.ssl == "Enable":
        out.update({"CertCommonName": i.all_endpoints()[0].connection_string, "SSLExpiredTime": "2027-08-05T09:05:53Z"})
    return out


@api.action("DescribeInstanceTDEStatus", resource=_instance_resource)
def describe_instance_tde_status(call: Call) -> dict[str, Any]:
    status = _instance(call).tde_status
    return {"TDEStatus": status} if status else {}


# --- writes (remediation) ------------------------------------------------------------------------

@api.action("ModifySecurityIps", resource=_instance_resource, write=True)
def modify_security_ips(call: Call) -> dict[str, Any]:
    """ModifyMode Cover (default) | Append | Delete; SecurityIpGroupName defaults to the default whitelist."""
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
        raise ApiError("InvalidParameter", f"The ModifyMode is invalid: {mode}", 400)
    return {}


@api.action("ModifyInstanceVpcAuthMode", resource=_instance_resource, write=True)
def modify_vpc_auth_mode(call: Call) -> dict[str, Any]:
    i = _instance(call)
    mode = require(call.params, "VpcAuthMode")
    if mode not in ("Open", "Close"):
        raise ApiError("InvalidParameter", f"The VpcAuthMode is invalid: {mode}", 400)
    i.vpc_auth_mode = mode
    return {}


@api.action("ModifyInstanceSSL", resource=_instance_resource, write=True)
def modify_instance_ssl(call: Call) -> dict[str, Any]:
    i = _instance(call)
    value = require(call.params, "SSLEnabled")  # Disable | Enable | Update
    if not i.tls_offered():
        raise ApiError("IncorrectEngineVersion", "Current engine version does not support operations.", 403)
    if value not in ("Enable", "Disable", "Update"):
        raise ApiError("InvalidParameter", f"The SSLEnabled is invalid: {value}", 400)
    if value != "Update":
        i.ssl = value
    return {"InstanceId": i.id, "TaskId": "1"}  # TaskId: a string (API reference)


@api.action("ModifyInstanceTDE", resource=_instance_resource, write=True)
def modify_instance_tde(call: Call) -> dict[str, Any]:
    i = _instance(call)
    if require(call.params, "TDEStatus") != "Enabled":  # "Set the value to Enabled": TDE cannot be disabled
        raise ApiError("InvalidParameter", "TDEStatus can only be set to Enabled.", 400)
    if i.tde_supported is False or (i.tde_supported is None and i.instance_type != "Tair"):  # "Enable TDE": Tair
        raise ApiError("IncorrectEngineVersion", "Current engine version does not support operations.", 403)
    i.tde_status, i.tde_key = "Enabled", call.params.get("EncryptionKey", "")
    return {}


@api.action("ReleaseInstancePublicConnection", resource=_instance_resource, write=True)
def release_public_connection(call: Call) -> dict[str, Any]:
    i = _instance(call)
    current = require(call.params, "CurrentConnectionString")
    kept = [e for e in i.endpoints if not (e.ip_type == "Public" and e.connection_string == current)]
    if len(kept) == len(i.endpoints):  # no code documented for this: the one the dds reference uses
        raise ApiError("InvalidConnectionString.NotFound", "Specified connection string or net type is not found.",
                       400)
    i.endpoints = kept
    return {}


PRODUCT = Product("kvstore", api=api, state=KvstoreState, claims=(Claim(BY_HOST, _by_host),))


# DescribeRegions: "all regions and zones supported for a Tair (Redis OSS-compatible) instance",
# RegionIds.KVStoreRegion[] with ZoneIds (comma-separated) and ZoneIdList.ZoneId (sample: tests/fixtures/wire/kvstore);
# zones and local names are not modelled (<region>-h)
@api.action("DescribeRegions")
def describe_regions(call: Call) -> dict[str, Any]:
    return {"RegionIds": {"KVStoreRegion": [
        {"RegionId": r, "LocalName": r, "RegionEndpoint": f"r-kvstore.{r}.aliyuncs.com", "ZoneIds": f"{r}-h",
         "ZoneIdList": {"ZoneId": [f"{r}-h"]}} for r in offered_regions(call.world, "kvstore", call.acct.regions)]}}
