"""VPC: VPCs (with their vSwitches), flow logs, elastic IP addresses, high-availability virtual IP addresses (HaVips,
with their associated instances and EIPs) and IPv6 addresses (with their Internet bandwidth). CreateFlowLog for
tests. Shapes and JSON types: the API reference (tests/fixtures/wire/vpc) and alibabacloud_vpc20160428's models."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from ..call import Call
from ..clock import iso
from ..errors import ApiError
from ..pop import PopApi, page_by_number, require
from .ecs import region_of

api = PopApi("vpc", "2016-04-28")


def _id(prefix: str) -> str:
    return prefix + secrets.token_hex(10)


class Vpc(BaseModel):
    id: str = Field(default_factory=lambda: _id("vpc-"))
    name: str = ""
    region: str = "cn-hangzhou"
    cidr: str = "172.16.0.0/12"
    vswitch_ids: list[str] = Field(default_factory=list)
    is_default: bool = False
    status: str = "Available"
    created: datetime = datetime(2024, 1, 1)


class FlowLog(BaseModel):
    id: str = Field(default_factory=lambda: _id("fl-"))
    name: str = ""
    region: str = "cn-hangzhou"
    resource_type: str = "VPC"  # VPC | VSwitch | NetworkInterface
    resource_id: str = ""
    status: str = "Active"  # Active | Activating (being created) | Inactive
    traffic_type: str = "All"  # All | Allow | Drop
    project: str = "flowlogs"
    logstore: str = "vpc-flow"
    # TrafficPath.TrafficPathList: all (default) | internetGateway (DescribeFlowLogs; the documented sample answers
    # ["all"]); CreateFlowLog TrafficPath also takes natGateway, vpnGateway... (CreateFlowLogRequest.traffic_path)
    traffic_path: list[str] = Field(default_factory=lambda: ["all"])
    # FlowLogDeliverStatus SUCCESS | FAILED with FlowLogDeliverErrorMessage UnavaliableTarget | ProjectNotExist |
    # UnknownError when FAILED (the documented sample: Active, FAILED, UnavaliableTarget); BusinessStatus Normal |
    # FinancialLocked (OpenMeta vpc DescribeFlowLogs)
    deliver_status: str = "SUCCESS"
    deliver_error: str = ""
    business_status: str = "Normal"
    created: datetime = datetime(2024, 1, 1)


class Eip(BaseModel):
    id: str = Field(default_factory=lambda: _id("eip-"))  # AllocationId
    ip: str
    region: str = "cn-hangzhou"
    name: str = ""
    instance_id: str = ""  # what it is bound to ('' = unassociated); an IP address for IpAddress
    # EcsInstance | SlbInstance | Nat | HaVip | NetworkInterface | IpAddress (DescribeEipAddresses InstanceType)
    instance_type: str = "EcsInstance"
    vpc_id: str = ""  # VpcId: "returned if the value of InstanceType is IpAddress"
    created: datetime = datetime(2024, 1, 1)


class HaVip(BaseModel):
    id: str = Field(default_factory=lambda: _id("havip-"))
    ip: str  # its private address
    region: str = "cn-hangzhou"
    name: str = ""
    vpc_id: str = ""
    vswitch_id: str = ""
    instance_type: str = "EcsInstance"  # AssociatedInstanceType: EcsInstance | NetworkInterface
    instances: list[str] = Field(default_factory=list)  # the instances (or ENIs) associated with it
    eips: list[str] = Field(default_factory=list)  # the addresses of the EIPs associated with it
    created: datetime = datetime(2024, 1, 1)


class Ipv6Address(BaseModel):
    id: str = Field(default_factory=lambda: _id("ipv6-"))
    ip: str
    region: str = "cn-hangzhou"
    name: str = ""
    vpc_id: str = ""
    vswitch_id: str = ""
    instance_id: str = ""  # an ECS instance (its primary interface) or a secondary ENI
    instance_type: str = "EcsInstance"  # EcsInstance | NetworkInterface
    internet_bandwidth: int | None = None  # Mbit/s of IPv6 Internet bandwidth; None = private (VPC) only
    created: datetime = datetime(2024, 1, 1)


class ForwardEntry(BaseModel):
    """A DNAT entry of a NAT gateway's forward table."""

    id: str = Field(default_factory=lambda: _id("fwd-"))
    name: str = ""
    external_ip: str = ""
    external_port: str = "Any"  # "80", "1024/65535", "Any" (with ip_protocol Any)
    internal_ip: str = ""
    internal_port: str = "Any"
    ip_protocol: str = "TCP"  # TCP | UDP | Any
    status: str = "Available"


class NatGateway(BaseModel):
    id: str = Field(default_factory=lambda: _id("ngw-"))
    name: str = ""
    region: str = "cn-hangzhou"
    vpc_id: str = ""
    network_type: str = "internet"  # internet | intranet (a VPC NAT gateway)
    forward_table_id: str = Field(default_factory=lambda: _id("ftb-"))
    dnat: list[ForwardEntry] = Field(default_factory=list)
    created: datetime = datetime(2024, 1, 1)


class VpcState(BaseModel):
    vpcs: list[Vpc] = Field(default_factory=list)
    nat_gateways: list[NatGateway] = Field(default_factory=list)
    flow_logs: list[FlowLog] = Field(default_factory=list)
    eips: list[Eip] = Field(default_factory=list)
    havips: list[HaVip] = Field(default_factory=list)
    ipv6_addresses: list[Ipv6Address] = Field(default_factory=list)


# --- VPCs ----------------------------------------------------------------------------------------

def _vpc_view(v: Vpc) -> dict[str, Any]:
    return {"VpcId": v.id, "VpcName": v.name, "RegionId": v.region, "CidrBlock": v.cidr, "Status": v.status,
            "IsDefault": v.is_default, "CreationTime": iso(v.created), "Description": "",
            "VSwitchIds": {"VSwitchId": list(v.vswitch_ids)}}


@api.action("DescribeVpcs")
def describe_vpcs(call: Call) -> dict[str, Any]:
    region = region_of(call)
    ids = {i for i in call.params.get("VpcId", "").split(",") if i}
    items = [v for v in call.acct.vpc.vpcs if v.region == region and (not ids or v.id in ids)]
    got, meta = page_by_number(items, call.params, default=10, limit=50)
    return {**meta, "Vpcs": {"Vpc": [_vpc_view(v) for v in got]}}


# --- flow logs -----------------------------------------------------------------------------------

def _flow_log_view(f: FlowLog) -> dict[str, Any]:
    return {"FlowLogId": f.id, "FlowLogName": f.name, "RegionId": f.region, "ResourceType": f.resource_type,
            "ResourceId": f.resource_id, "Status": f.status, "TrafficType": f.traffic_type,
            "ProjectName": f.project, "LogStoreName": f.logstore, "CreationTime": iso(f.created),
            "AggregationInterval": 10, "BusinessStatus": f.business_status, "FlowLogDeliverStatus": f.deliver_status,
            "TrafficPath": {"TrafficPathList": list(f.traffic_path)},
            # the error message is documented for a failed delivery only ("If the flow log failed to be delivered")
            **({"FlowLogDeliverErrorMessage": f.deliver_error} if f.deliver_error else {})}


def _vpc_of(call: Call, f: FlowLog) -> str:
    if f.resource_type == "VPC":
        return f.resource_id
    v = next((v for v in call.acct.vpc.vpcs if f.resource_id in v.vswitch_ids), None)
    return v.id if v else ""


@api.action("DescribeFlowLogs")
def describe_flow_logs(call: Call) -> dict[str, Any]:
    region = region_of(call)
    p = call.params
    filters = {"ResourceType": "resource_type", "ResourceId": "resource_id", "Status": "status", "FlowLogId": "id",
               "FlowLogName": "name"}
    items = [f for f in call.acct.vpc.flow_logs if f.region == region
             and all(not p.get(k) or getattr(f, attr) == p[k] for k, attr in filters.items())
             and (not p.get("VpcId") or _vpc_of(call, f) == p["VpcId"])]
    got, meta = page_by_number(items, call.params, default=20, limit=50)
    # TotalCount, PageNumber and PageSize are strings on this API's wire (alibabacloud_vpc20160428 declares
    # them str; the Go SDK vpc-20160428 DescribeFlowLogsResponseBody: *string, example "1")
    meta = {k: str(v) for k, v in meta.items()}
    return {**meta, "Success": "true", "FlowLogs": {"FlowLog": [_flow_log_view(f) for f in got]}}


@api.action("CreateFlowLog", write=True)
def create_flow_log(call: Call) -> dict[str, Any]:
    region = region_of(call)
    rtype = require(call.params, "ResourceType")
    rid = require(call.params, "ResourceId")
    if rtype not in ("VPC", "VSwitch", "NetworkInterface"):
        raise ApiError("InvalidResourceType", f"The specified ResourceType is invalid: {rtype}", 400)
    vpcs = [v for v in call.acct.vpc.vpcs if v.region == region]
    if rtype == "VPC" and not any(v.id == rid for v in vpcs) or \
            rtype == "VSwitch" and not any(rid in v.vswitch_ids for v in vpcs):
        raise ApiError("InvalidResourceId.NotFound", f"The specified resource does not exist: {rid}", 404)
    traffic = require(call.params, "TrafficType")  # required: All | Allow | Drop (CreateFlowLog)
    if traffic not in ("All", "Allow", "Drop"):
        raise ApiError("InvalidTrafficType", f"The specified TrafficType is invalid: {traffic}", 400)
    # TrafficPath: a list, sent as TrafficPath.1, TrafficPath.2...; "all (default)" (CreateFlowLogRequest)
    listed = {k.partition(".")[2]: v for k, v in call.params.items() if k.startswith("TrafficPath.")}
    paths = [listed[n] for n in sorted(listed, key=lambda n: int(n) if n.isdigit() else 0)] or ["all"]
    f = FlowLog(name=call.params.get("FlowLogName", ""), region=region, resource_type=rtype, resource_id=rid,
                traffic_type=traffic, traffic_path=paths, project=require(call.params, "ProjectName"),
                logstore=require(call.params, "LogStoreName"), created=call.now())
    call.acct.vpc.flow_logs.append(f)
    call.touch("ACS::VPC::FlowLog", f.id)
    return {"FlowLogId": f.id, "Success": "true"}


# --- elastic IP addresses ------------------------------------------------------------------------

def _eip_view(e: Eip) -> dict[str, Any]:
    view = {"AllocationId": e.id, "IpAddress": e.ip, "RegionId": e.region, "Name": e.name,
            "InstanceId": e.instance_id, "InstanceRegionId": e.region if e.instance_id else "",
            "Status": "InUse" if e.instance_id else "Available",
            "AllocationTime": iso(e.created), "Bandwidth": "5", "InternetChargeType": "PayByTraffic"}
    if e.instance_id:  # InstanceType is one of the documented kinds (EcsInstance, SlbInstance, ...) only when the
        view["InstanceType"] = e.instance_type  # EIP is bound; no documented sample shows an unbound one's value
    if e.instance_type == "IpAddress" and e.instance_id:
        view["VpcId"] = e.vpc_id
    return view


@api.action("DescribeEipAddresses")
def describe_eip_addresses(call: Call) -> dict[str, Any]:
    region = region_of(call)
    p = call.params
    items = [e for e in call.acct.vpc.eips if e.region == region
             and (not p.get("AllocationId") or e.id == p["AllocationId"])
             and (not p.get("AssociatedInstanceId") or e.instance_id == p["AssociatedInstanceId"])
             and (not p.get("AssociatedInstanceType")
                  or bool(e.instance_id) and e.instance_type == p["AssociatedInstanceType"])]
    got, meta = page_by_number(items, call.params, default=10, limit=100)
    return {**meta, "EipAddresses": {"EipAddress": [_eip_view(e) for e in got]}}


# --- HaVips --------------------------------------------------------------------------------------

@api.action("DescribeHaVips")
def describe_ha_vips(call: Call) -> dict[str, Any]:
    """PageSize "Maximum value: 50. Default value: 10"; the lists' item keys as documented (associatedInstance,
    associatedEipAddresse: tests/fixtures/wire/vpc/DescribeHaVips.json)."""
    region = require(call.params, "RegionId")
    items = [h for h in call.acct.vpc.havips if h.region == region]
    got, meta = page_by_number(items, call.params, default=10, limit=50)
    return {**meta, "HaVips": {"HaVip": [{
        "HaVipId": h.id, "IpAddress": h.ip, "RegionId": h.region, "VpcId": h.vpc_id, "VSwitchId": h.vswitch_id,
        "Name": h.name, "Description": "", "Status": "Available",  # (Creating | Available | Deleting)
        "AssociatedInstanceType": h.instance_type if h.instances else "", "CreateTime": iso(h.created),
        "ChargeType": "none", "MasterInstanceId": h.instances[0] if h.instances else "",
        "AssociatedInstances": {"associatedInstance": list(h.instances)},
        "AssociatedEipAddresses": {"associatedEipAddresse": list(h.eips)},
    } for h in got]}}


# --- IPv6 addresses ------------------------------------------------------------------------------

def _ipv6_view(a: Ipv6Address) -> dict[str, Any]:
    """NetworkType Public once the address has Internet bandwidth, whose details Ipv6InternetBandwidth gives
    (DescribeIpv6Addresses; an IPv6 address talks only within VPCs until Internet bandwidth is enabled)."""
    out: dict[str, Any] = {
        "Ipv6AddressId": a.id, "Ipv6Address": a.ip, "Ipv6AddressName": a.name, "VpcId": a.vpc_id,
        "VSwitchId": a.vswitch_id, "Status": "Available", "AllocationTime": iso(a.created),
        "AddressType": "IPv6Address",
        "AssociatedInstanceId": a.instance_id, "AssociatedInstanceType": a.instance_type if a.instance_id else "",
        "NetworkType": "Public" if a.internet_bandwidth is not None else "Private", "Ipv6Isp": "BGP"}
    if a.internet_bandwidth is not None:
        out["Ipv6InternetBandwidth"] = {
            "Bandwidth": a.internet_bandwidth, "InternetChargeType": "PayByTraffic", "InstanceChargeType": "PostPaid",
            "BusinessStatus": "Normal", "Ipv6InternetBandwidthId": "ipv6bw-" + a.id.removeprefix("ipv6-")}
    return out


@api.action("DescribeIpv6Addresses")
def describe_ipv6_addresses(call: Call) -> dict[str, Any]:
    region = region_of(call)
    p = call.params
    ids = {i for i in p.get("Ipv6AddressId", "").split(",") if i}  # up to 20, comma-separated
    items = [a for a in call.acct.vpc.ipv6_addresses if a.region == region and (not ids or a.id in ids)
             and (not p.get("Ipv6Address") or a.ip == p["Ipv6Address"])
             and (not p.get("AssociatedInstanceId") or a.instance_id == p["AssociatedInstanceId"])
             and (not p.get("AssociatedInstanceType") or a.instance_type == p["AssociatedInstanceType"])
             and (not p.get("NetworkType") or _ipv6_view(a)["NetworkType"] == p["NetworkType"])
             and (not p.get("VpcId") or a.vpc_id == p["VpcId"])
             and (not p.get("VSwitchId") or a.vswitch_id == p["VSwitchId"])]
    # PageSize at most 50, default 10 (alibabacloud_vpc20160428 DescribeIpv6AddressesRequest); totals are integers
    got, meta = page_by_number(items, p, default=10, limit=50)
    return {**meta, "Ipv6Addresses": {"Ipv6Address": [_ipv6_view(a) for a in got]}}


# --- issue 20: NAT gateways and DNAT entries ---------------------------------------------------------------------

def _nat_view(call: Call, g: NatGateway) -> dict[str, Any]:
    # a subset of DescribeNatGateways' NatGateway fields, with the documented types (DeletionProtection a boolean)
    eips = [e for e in call.acct.vpc.eips if e.instance_id == g.id]
    return {"NatGatewayId": g.id, "Name": g.name, "VpcId": g.vpc_id, "RegionId": g.region, "Status": "Available",
            "NetworkType": g.network_type, "NatType": "Enhanced", "Spec": "", "InstanceChargeType": "PostPaid",
            "InternetChargeType": "PayByLcu", "BusinessStatus": "Normal", "CreationTime": iso(g.created),
            "Description": "", "DeletionProtection": False,
            "ForwardTableIds": {"ForwardTableId": [g.forward_table_id]},
            "IpLists": {"IpList": [{"IpAddress": e.ip, "AllocationId": e.id, "SnatEntryEnabled": False,
                                    "UsingStatus": "UsedByForwardTable" if g.dnat else "Idle"} for e in eips]}}


@api.action("DescribeNatGateways")
def describe_nat_gateways(call: Call) -> dict[str, Any]:
    # PageNumber / PageSize (at most 50, default 10); NatGatewayId, VpcId and NetworkType filters
    region = region_of(call)
    p = call.params
    items = [g for g in call.acct.vpc.nat_gateways if g.region == region
             and (not p.get("NatGatewayId") or g.id == p["NatGatewayId"])
             and (not p.get("VpcId") or g.vpc_id == p["VpcId"])
             and (not p.get("NetworkType") or g.network_type == p["NetworkType"])]
    got, meta = page_by_number(items, p, default=10, limit=50)
    return {**meta, "NatGateways": {"NatGateway": [_nat_view(call, g) for g in got]}}


def _nat_of(call: Call) -> NatGateway:
    region = region_of(call)
    p = call.params
    if not p.get("ForwardTableId") and not p.get("NatGatewayId"):  # documented 400
        raise ApiError("DESCRIBE_FORWARD_PARAM_INVALID", "ForwardTableId and natGatewayId can not both be null", 400)
    g = next((g for g in call.acct.vpc.nat_gateways if g.region == region
              and (not p.get("NatGatewayId") or g.id == p["NatGatewayId"])
              and (not p.get("ForwardTableId") or g.forward_table_id == p["ForwardTableId"])), None)
    if g is None:  # documented 404 InvalidForwardTableId.NotFound
        raise ApiError("InvalidForwardTableId.NotFound", "Specified forwardTableId does not exist", 404)
    call.touch("ACS::VPC::NatGateway", g.id)
    return g


@api.action("DescribeForwardTableEntries")
def describe_forward_table_entries(call: Call) -> dict[str, Any]:
    # PageNumber / PageSize (at most 50, default 10); ExternalPort / InternalPort strings
    g = _nat_of(call)
    got, meta = page_by_number(g.dnat, call.params, default=10, limit=50)
    return {**meta, "ForwardTableEntries": {"ForwardTableEntry": [
        {"ForwardEntryId": e.id, "ForwardEntryName": e.name, "ForwardTableId": g.forward_table_id,
         "NatGatewayId": g.id, "ExternalIp": e.external_ip, "ExternalPort": e.external_port,
         "InternalIp": e.internal_ip, "InternalPort": e.internal_port, "IpProtocol": e.ip_protocol,
         "Status": e.status} for e in got]}}


@api.action("CreateForwardEntry", write=True)
def create_forward_entry(call: Call) -> dict[str, Any]:
    g = _nat_of(call)
    p = call.params
    proto = require(p, "IpProtocol")
    if proto.upper() not in ("TCP", "UDP", "ANY"):
        raise ApiError("InvalidParameter", f"The IpProtocol is invalid: {proto}", 400)
    e = ForwardEntry(name=p.get("ForwardEntryName", ""), external_ip=require(p, "ExternalIp"),
                     external_port=require(p, "ExternalPort"), internal_ip=require(p, "InternalIp"),
                     internal_port=require(p, "InternalPort"), ip_protocol=proto)
    g.dnat.append(e)
    return {"ForwardEntryId": e.id}


@api.action("DeleteForwardEntry", write=True)
def delete_forward_entry(call: Call) -> dict[str, Any]:
    g = _nat_of(call)
    eid = require(call.params, "ForwardEntryId")
    if not any(e.id == eid for e in g.dnat):
        raise ApiError("InvalidForwardEntryId.NotFound", f"The specified ForwardEntryId does not exist: {eid}", 404)
    g.dnat = [e for e in g.dnat if e.id != eid]
    return {}
