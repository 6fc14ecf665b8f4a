"""Bastionhost (yundun-bastionhost 2019-12-09): bastion hosts per region with their public network access and public
whitelist; DescribeInstances (PageNumber paging, PageSize 1-100), DescribeInstanceAttribute, and the writes that
change what the audit sees (ConfigInstanceWhiteList, Enable/DisableInstancePublicAccess). RAM actions are
`yundun-bastionhost:<Action>`.

Routing: alibabacloud_yundun_bastionhost20191209's endpoint map sends most mainland regions (cn-hangzhou,
cn-shanghai, cn-beijing, ...) to the central yundun-bastionhost.aliyuncs.com and the others to
bastionhost.<region>.aliyuncs.com. The central host names no region and its first label is not a product code the
OpenAPI host rule parses, so such requests are routed by their API version (2019-12-09) and take their region from
RegionId; bastionhost.<region> hosts carry it. A request naming no region at all sees every region's hosts.

Sources: OpenMeta yundun-bastionhost 2019-12-09 (dew-serverless/acs-metadata) for shapes and paging; the SDK's
response models for types. The reference documents no error code for an unknown instance: the emulator answers
InstanceNotFound (404), in the form of the codes it does document for other resources (HostNotFound, UserNotFound)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..call import Call
from ..errors import ApiError
from ..pop import PopApi, int_param, require
from ..regions import offered_regions, region_exists
from . import Product

api = PopApi("bastionhost", "2019-12-09", ram_prefix="yundun-bastionhost")


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


class Instance(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    id: str
    description: str = ""
    region: str = "cn-hangzhou"
    status: str = "RUNNING"  # PENDING | CREATING | RUNNING | EXPIRED | CREATE_FAILED | UPGRADING | UPGRADE_FAILED
    plan: str = "cloudbastion_ha"  # cloudbastion (Basic) | cloudbastion_ha (Enterprise)
    public_access: bool = False
    whitelist: list[str] = Field(default_factory=list)  # PublicWhiteList
    private_whitelist: list[str] = Field(default_factory=list)
    vpc_id: str = "vpc-bp1default000000"
    vswitch_id: str = "vsw-bp1default000000"
    security_groups: list[str] = Field(default_factory=lambda: ["sg-bp1default000000"])
    started: datetime = datetime(2024, 1, 1)
    expires: datetime = datetime(2027, 1, 1)


class BastionhostState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instances: list[Instance] = Field(default_factory=list)


def _region(call: Call) -> str:
    if call.region and not region_exists(call.acct.regions, call.region):
        raise ApiError("InvalidRegionId", f"The region {call.region} is not available for this account.", 400)
    return call.region


def _endpoints(i: Instance) -> tuple[str, str]:
    label = i.id.rsplit("-", 1)[-1]
    return f"{label}-public.bastionhost.aliyuncs.com", f"{label}.bastionhost.aliyuncs.com"


def _instance(call: Call) -> Instance:
    iid = require(call.params, "InstanceId")
    region = _region(call)
    inst = next((i for i in call.acct.bastionhost.instances if i.id == iid and (not region or i.region == region)),
                None)
    if inst is None:
        raise ApiError("InstanceNotFound", "The instance is not found.", 404)  # undocumented: see the module doc
    call.region = call.region or inst.region
    call.touch("ACS::BastionHost::Instance", inst.id)
    return inst


def _instance_resource(call: Call) -> str:
    return f"instance/{call.params.get('InstanceId', '*')}"


@api.action("DescribeInstances")
def describe_instances(call: Call) -> dict[str, Any]:
    region = _region(call)
    size = int_param(call.params, "PageSize", 10, 1, 100)  # default 10 (description), maximum 100
    number = int_param(call.params, "PageNumber", 1, 1, 1_000_000)
    status = call.params.get("InstanceStatus", "")
    wanted = {v for k, v in call.params.items() if k.startswith("InstanceId")}  # InstanceId.N
    found = [i for i in call.acct.bastionhost.instances if (not region or i.region == region)
             and (not status or i.status == status) and (not wanted or i.id in wanted)]
    out = []
    for i in found[(number - 1) * size:number * size]:
        public, private = _endpoints(i)
        out.append({
            "InstanceId": i.id, "Description": i.description, "RegionId": i.region, "InstanceStatus": i.status,
            "PlanCode": i.plan, "PublicNetworkAccess": i.public_access, "InternetEndpoint": public,
            "IntranetEndpoint": private, "VpcId": i.vpc_id, "VswitchId": i.vswitch_id, "ImageVersion": "3.2.41",
            "Legacy": False, "LicenseCode": "bhah_ent_50_asset", "ResourceGroupId": "rg-acfmdefault0000",
            "StartTime": _ms(i.started), "ExpireTime": _ms(i.expires), "BandWidth": 0, "SlaveVswitchId": ""})
    return {"TotalCount": len(found), "Instances": out}


@api.action("DescribeInstanceAttribute", resource=_instance_resource)
def describe_instance_attribute(call: Call) -> dict[str, Any]:
    i = _instance(call)
    public, private = _endpoints(i)
    return {"InstanceAttribute": {
        "InstanceId": i.id, "Description": i.description, "RegionId": i.region, "InstanceStatus": i.status,
        "PublicNetworkAccess": i.public_access, "InternetEndpoint": public, "IntranetEndpoint": private,
        "PublicWhiteList": list(i.whitelist), "PrivateWhiteList": list(i.private_whitelist),
        "WhiteListPolicies": [{"Entry": e, "Description": ""} for e in i.whitelist],
        "VpcId": i.vpc_id, "VswitchId": i.vswitch_id, "SecurityGroupIds": list(i.security_groups),
        "AuthorizedSecurityGroups": [], "StartTime": _ms(i.started), "ExpireTime": _ms(i.expires),
        "LicenseCode": "bhah_ent_50_asset", "ResourceGroupId": "rg-acfmdefault0000", "Storage": 2199023255552,
        "Bandwidth": "30", "BandwidthPackage": "5", "Ports": [
            {"StandardPort": 60022, "CustomPort": 60022}, {"StandardPort": 63389, "CustomPort": 63389},
            {"StandardPort": 443, "CustomPort": 443}],
        "PublicIps": ["47.96.200.10"] if i.public_access else [], "PublicExportIps": [], "PrivateExportIps": [],
        "NetworkProxyModule": "Enable", "WebTerminalModule": "Enable", "ModifyPasswordModule": "Enable",
        "DbOperationModule": "Disable"}}


@api.action("ConfigInstanceWhiteList", resource=_instance_resource, write=True)
def config_instance_white_list(call: Call) -> dict[str, Any]:
    i = _instance(call)
    # WhiteList.N (each may list several addresses, comma separated) and WhiteListPolicies.N.Entry replace the list
    raw = [v for k, v in sorted(call.params.items()) if k.startswith("WhiteList.")
           or (k.startswith("WhiteListPolicies.") and k.endswith(".Entry"))]
    i.whitelist = list(dict.fromkeys(e.strip() for v in raw for e in v.split(",") if e.strip()))
    return {"InstanceId": i.id}


@api.action("EnableInstancePublicAccess", resource=_instance_resource, write=True)
def enable_instance_public_access(call: Call) -> dict[str, Any]:
    i = _instance(call)
    i.public_access = True
    return {"InstanceId": i.id}


@api.action("DisableInstancePublicAccess", resource=_instance_resource, write=True)
def disable_instance_public_access(call: Call) -> dict[str, Any]:
    i = _instance(call)
    i.public_access = False
    return {"InstanceId": i.id}


PRODUCT = Product("bastionhost", api=api, state=BastionhostState)


# DescribeRegions: "the Alibaba Cloud regions that support Bastionhost instances", Regions a plain array of RegionId,
# LocalName, RegionEndpoint (sample: https://www.alibabacloud.com/help/en/bh/api-z658d7; mainland regions answer on
# the central yundun-bastionhost.aliyuncs.com, the SDK's endpoint map); local names are not modelled
@api.action("DescribeRegions")
def describe_regions(call: Call) -> dict[str, Any]:
    return {"Regions": [{"RegionId": r, "LocalName": r, "RegionEndpoint": f"bastionhost.{r}.aliyuncs.com"}
                        for r in offered_regions(call.world, "bastionhost", call.acct.regions)]}
