"""ApsaraMQ for Kafka (alikafka 2019-09-16, hosts alikafka.<region>.aliyuncs.com: the SDK's endpoint map names one
host per region): instances per region with their deployment type (DeployType 4: Internet and VPC, 5: VPC) and their
IP whitelists per port range; GetInstanceList (one unpaged answer, RegionId required), GetAllowedIpList, and the
write that changes what the audit sees (UpdateAllowedIp).

Sources: OpenMeta alikafka 2019-09-16 (dew-serverless/acs-metadata en_us/alikafka/2019-09-16/api-docs.json) for
shapes, enumerations and error codes; alibabacloud_alikafka20190916's response models for the JSON types (Code is
an integer, 200 on success, beside Success true and Message "operation success.")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..call import Call
from ..errors import ApiError
from ..pop import PopApi, require
from ..regions import region_exists
from . import Product

api = PopApi("alikafka", "2019-09-16")

VPC_PORTS = "9092/9092"  # PLAINTEXT in the VPC (UpdateAllowedIp PortRange)
INTERNET_PORTS = "9093/9093"  # SSL over the Internet
LIST_TYPES = ("vpc", "internet")  # UpdateAllowedIp AllowedListType


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


class Instance(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    id: str
    name: str = ""
    region: str = "cn-hangzhou"
    deploy_type: int = 5  # 4: Internet and VPC | 5: VPC
    status: int = 2  # ViewInstanceStatusCode: 2 running (ServiceStatus 5 is answered beside it)
    spec_type: str = "normal"  # professional | professionalForHighRead | normal
    series: str = "v2"  # v2 | v3 | confluent
    # a Confluent instance's components: ComponentType -> its public endpoint ("" none), answered as
    # ConfluentInstanceComponents.ConfluentInstanceComponentVO[] (the documented sample: ComponentType CONNECTOR,
    # DeployModule vpc, VpcEndpoint and PubEndpoint host:port)
    components: dict[str, str] = Field(default_factory=dict)
    vpc_id: str = "vpc-bp1default000000"
    vswitch_id: str = "vsw-bp1default000000"
    zone: str = "cn-hangzhou-k"
    created: datetime = datetime(2024, 1, 1)
    # whitelists per port range (PortRange -> AllowedIpList); the console's default VPC whitelist is the VPC's CIDR
    vpc_whitelist: dict[str, list[str]] = Field(default_factory=lambda: {VPC_PORTS: ["192.168.0.0/16"]})
    internet_whitelist: dict[str, list[str]] = Field(default_factory=dict)


class AlikafkaState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instances: list[Instance] = Field(default_factory=list)


def _region(call: Call) -> str:
    region = call.region or require(call.params, "RegionId")
    if not region_exists(call.acct.regions, region):
        raise ApiError("InvalidRegionId", f"The region {region} is not available for this account.", 400)
    return region


def _ok(body: dict[str, Any]) -> dict[str, Any]:
    return {"Code": 200, "Message": "operation success.", "Success": True, **body}


def _instance(call: Call) -> Instance:
    iid = require(call.params, "InstanceId")
    region = _region(call)
    inst = next((i for i in call.acct.alikafka.instances if i.id == iid and i.region == region), None)
    if inst is None:
        # BIZ_INSTANCE_NOT_FOUND, 400, message "%s. Please check and try again later." (GetAllowedIpList's codes)
        raise ApiError("BIZ_INSTANCE_NOT_FOUND", f"The instance {iid} is not found. Please check and try again later.",
                       400)
    call.region = region
    call.touch("ACS::AliKafka::Instance", inst.id)
    return inst


def _instance_resource(call: Call) -> str:
    return f"instance/{call.params.get('InstanceId', '*')}"


@api.action("GetInstanceList")
def get_instance_list(call: Call) -> dict[str, Any]:
    region = _region(call)
    wanted = {v for k, v in call.params.items() if k.startswith("InstanceId")}  # InstanceId.N (repeat list)
    series = call.params.get("Series", "")
    found = [i for i in call.acct.alikafka.instances if i.region == region and (not wanted or i.id in wanted)
             and (not series or i.series == series)]
    out = []
    for i in found:
        host = i.id.replace("_", "-")
        vo: dict[str, Any] = {
            "InstanceId": i.id, "Name": i.name or i.id, "RegionId": i.region, "DeployType": i.deploy_type,
            "ServiceStatus": 5 if i.status == 2 else 0, "ViewInstanceStatusCode": i.status, "SpecType": i.spec_type,
            "Series": i.series, "VpcId": i.vpc_id, "VSwitchId": i.vswitch_id, "ZoneId": i.zone,
            "StandardZoneId": i.zone, "CreateTime": _ms(i.created), "ExpiredTime": _ms(i.created) + 365 * 86400000,
            "PaidType": 1, "DiskSize": 500, "DiskType": 1, "MsgRetain": 72, "TopicNumLimit": 50, "IoMax": 20,
            "EndPoint": "192.168.0.10:9092,192.168.0.11:9092,192.168.0.12:9092",
            "DomainEndpoint": f"{host}-1-vpc.alikafka.aliyuncs.com:9092", "Tags": {"TagVO": []}}
        if i.components:
            vo["ConfluentInstanceComponents"] = {"ConfluentInstanceComponentVO": [
                {"ComponentType": kind, "DeployModule": "vpc",
                 "VpcEndpoint": f"vpc-{kind.lower()}-{host}.csp.aliyuncs.com:443",
                 **({"PubEndpoint": endpoint} if endpoint else {})} for kind, endpoint in i.components.items()]}
        if i.deploy_type == 4:
            # the Internet (SSL) endpoint exists only for instances deployed with Internet access
            vo.update(EipMax=3, SslEndPoint="47.96.0.10:9093,47.96.0.11:9093,47.96.0.12:9093",
                      SslDomainEndpoint=f"{host}-1.alikafka.aliyuncs.com:9093")
        out.append(vo)
    return _ok({"InstanceList": {"InstanceVO": out}})


@api.action("GetAllowedIpList", resource=_instance_resource)
def get_allowed_ip_list(call: Call) -> dict[str, Any]:
    inst = _instance(call)
    internet = inst.internet_whitelist if inst.deploy_type == 4 else {}
    return _ok({"AllowedList": {
        "DeployType": inst.deploy_type,
        "VpcList": [{"PortRange": p, "AllowedIpList": ips} for p, ips in inst.vpc_whitelist.items()],
        "InternetList": [{"PortRange": p, "AllowedIpList": ips} for p, ips in internet.items()]}})


@api.action("UpdateAllowedIp", resource=_instance_resource, write=True)
def update_allowed_ip(call: Call) -> dict[str, Any]:
    inst = _instance(call)
    update, kind = require(call.params, "UpdateType"), require(call.params, "AllowedListType")
    ports, ips = require(call.params, "PortRange"), require(call.params, "AllowedListIp")
    if update not in ("add", "delete") or kind not in LIST_TYPES:
        raise ApiError("WHITE.PARAM.ERROR", "The parameter is invalid. Please check and try again later.", 400)
    if kind == "internet" and inst.deploy_type != 4:
        raise ApiError("WHITE.PARAM.ERROR", "The instance has no Internet access. Please check and try again later.",
                       400)
    lists = inst.internet_whitelist if kind == "internet" else inst.vpc_whitelist
    entries = lists.setdefault(ports, [])
    changed = [ip.strip() for ip in ips.split(",") if ip.strip()]
    if update == "add":
        entries.extend(ip for ip in changed if ip not in entries)
    else:
        lists[ports] = [ip for ip in entries if ip not in changed]
    return _ok({})


PRODUCT = Product("alikafka", api=api, state=AlikafkaState)
