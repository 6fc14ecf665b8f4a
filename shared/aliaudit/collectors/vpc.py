"""VPC datasets (regional): VPCs with their vSwitches, flow logs, elastic IP addresses, high-availability virtual
IP addresses and the IPv6 addresses that can be reached from the internet. Every call names its RegionId: the VPC
endpoint of cn-hangzhou is the central vpc.aliyuncs.com."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .. import apierrors
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from .paging import by_page_number
from .registry import CollectContext, collector

vpc_models = lazy_import("alibabacloud_vpc20160428.models")


# DescribeVpcs VSwitchIds: "You can query up to 300 vSwitches in the VPC. The information about the latest vSwitches
# is returned. If you want to query the information about all vSwitches in a VPC, call the DescribeVSwitches
# operation" (OpenMeta vpc 2016-04-28, en_us and zh_cn): a VPC listing this many may have older ones unlisted
VSWITCH_LIST_CAP = 300


class VpcInfo(Record):
    id: str
    name: str = ""
    cidr: str = ""
    is_default: bool = False
    vswitch_ids: list[str] = Field(default_factory=list)  # the newest VSWITCH_LIST_CAP at most

    @property
    def vswitches_complete(self) -> bool:
        return len(self.vswitch_ids) < VSWITCH_LIST_CAP


class FlowLogInfo(Record):
    id: str
    name: str = ""
    resource_type: str  # VPC | VSwitch | NetworkInterface
    resource_id: str
    status: str  # Active | Inactive
    traffic_type: str = ""  # All | Allow | Drop: the traffic it records (DescribeFlowLogs TrafficType)
    project: str = ""
    logstore: str = ""
    # TrafficPath.TrafficPathList: "all (default): full collection", "internetGateway: public network traffic
    # collection" (CreateFlowLog adds natGateway, vpnGateway, transitRouter...: alibabacloud_vpc20160428
    # CreateFlowLogRequest.traffic_path); empty: not stated, the documented default all
    traffic_path: list[str] = Field(default_factory=list)
    # FlowLogDeliverStatus "SUCCESS: Delivery succeeded. FAILED: Delivery failed." and FlowLogDeliverErrorMessage
    # (UnavaliableTarget: the Logstore is unavailable and cannot receive logs; ProjectNotExist; UnknownError);
    # BusinessStatus "Normal | FinancialLocked: locked due to overdue payments". The Python SDK model declares
    # them without comments: OpenMeta vpc DescribeFlowLogs and the Go SDK vpc-20160428
    # DescribeFlowLogsResponseBody document them. '' = not stated
    deliver_status: str = ""
    deliver_error: str = ""
    business_status: str = ""


class EipInfo(Record):
    id: str  # AllocationId
    ip: str
    instance_id: str = ""
    # InstanceType: "EcsInstance | SlbInstance | Nat | HaVip | NetworkInterface | IpAddress: an IP address"
    # (DescribeEipAddresses, API reference)
    instance_type: str = ""
    # VpcId: returned when InstanceType is IpAddress ("When you associate an EIP with an IP address, the system can
    # enable the IP address to access the Internet based on VPC route configurations"); PrivateIpAddress: the
    # private address of a secondary ENI it is bound to
    vpc_id: str = ""
    private_ip: str = ""


class HaVipInfo(Record):
    """A high-availability virtual IP address: a private address the instances (or ENIs) it is associated with take
    over from one another, reached from the internet through the EIPs associated with it (DescribeHaVips)."""

    id: str  # HaVipId
    ip: str = ""  # IpAddress: its private address
    vpc_id: str = ""
    instance_type: str = ""  # AssociatedInstanceType: EcsInstance | NetworkInterface
    instances: list[str] = Field(default_factory=list)  # AssociatedInstances.associatedInstance
    eips: list[str] = Field(default_factory=list)  # AssociatedEipAddresses.associatedEipAddresse: EIP addresses


class Ipv6Info(Record):
    """An IPv6 address with IPv6 Internet bandwidth. An IPv6 address serves only traffic within VPCs until Internet
    bandwidth is enabled for it; setting that bandwidth to 0 Mbit/s restricts it to private traffic again
    (https://www.alibabacloud.com/help/en/ipv6-gateway/product-overview/what-is-an-ipv6-gateway and
    https://help.aliyun.com/en/ipv6-gateway/security-and-compliance/network-security)."""

    id: str  # Ipv6AddressId
    ip: str
    instance_id: str = ""  # AssociatedInstanceId: an instance, or a secondary ENI
    instance_type: str = ""  # AssociatedInstanceType: EcsInstance | NetworkInterface
    bandwidth: int | None = None  # Ipv6InternetBandwidth.Bandwidth, Mbit/s (None: not stated)


VPCS: Dataset[list[VpcInfo]] = Dataset("vpc.vpcs", Scope.REGIONAL)


@collector(VPCS, apis=["vpc:DescribeVpcs"])
def vpcs(ctx: CollectContext) -> list[VpcInfo]:
    client = ctx.client("vpc")
    listed = by_page_number(
        lambda n: client.describe_vpcs(vpc_models.DescribeVpcsRequest(
            region_id=ctx.region, page_number=n, page_size=50)).body,
        lambda b: b.vpcs.vpc if b.vpcs else [], 50)
    return [VpcInfo(id=v.vpc_id, name=v.vpc_name or "", cidr=v.cidr_block or "", is_default=bool(v.is_default),
                    vswitch_ids=list(v.v_switch_ids.v_switch_id or []) if v.v_switch_ids else []) for v in listed]


FLOW_LOGS: Dataset[list[FlowLogInfo]] = Dataset("vpc.flow_logs", Scope.REGIONAL)


@collector(FLOW_LOGS, apis=["vpc:DescribeFlowLogs"])
def flow_logs(ctx: CollectContext) -> list[FlowLogInfo]:
    client = ctx.client("vpc")
    listed = by_page_number(
        lambda n: client.describe_flow_logs(vpc_models.DescribeFlowLogsRequest(
            region_id=ctx.region, page_number=n, page_size=50)).body,
        lambda b: b.flow_logs.flow_log if b.flow_logs else [], 50)
    return [FlowLogInfo(id=f.flow_log_id, name=f.flow_log_name or "", resource_type=f.resource_type or "",
                        resource_id=f.resource_id or "", status=f.status or "", traffic_type=f.traffic_type or "",
                        project=f.project_name or "", logstore=f.log_store_name or "",
                        traffic_path=list(f.traffic_path.traffic_path_list or []) if f.traffic_path else [],
                        deliver_status=f.flow_log_deliver_status or "",
                        deliver_error=f.flow_log_deliver_error_message or "",
                        business_status=f.business_status or "") for f in listed]


EIPS: Dataset[list[EipInfo]] = Dataset("vpc.eips", Scope.REGIONAL)


def _event_bindings(ctx: CollectContext) -> list[tuple[str, str]] | None:
    """An event run's instances and their secondary ENIs as (AssociatedInstanceType, AssociatedInstanceId) pairs,
    None when the run is not narrowed to instances or groups (ecs.event_instances)."""
    from .ecs import event_enis, event_instances

    found = event_instances(ctx)
    if found is None:
        return None
    return sorted({("EcsInstance", i.instance_id) for i in found}
                  | {("NetworkInterface", n.id) for n in event_enis(ctx) or []})


@collector(EIPS, apis=["vpc:DescribeEipAddresses"], reads_one=["ecs.instance", "ecs.security_group"])
def eips(ctx: CollectContext) -> list[EipInfo]:
    """Every EIP of the region; in an event run, those bound to its instances and their ENIs, one query each
    (DescribeEipAddresses AssociatedInstanceId and AssociatedInstanceType EcsInstance | NetworkInterface: "The
    instance ID of the cloud resource", alibabacloud_vpc20160428 DescribeEipAddressesRequest), and those bound to an
    IP address (AssociatedInstanceType IpAddress), which may be one of the instances' private addresses."""
    client = ctx.client("vpc")
    bound = _event_bindings(ctx)

    def bound_to(pair: tuple[str, str]) -> list[Any]:
        return list(by_page_number(lambda n: client.describe_eip_addresses(vpc_models.DescribeEipAddressesRequest(
            region_id=ctx.region, associated_instance_type=pair[0], associated_instance_id=pair[1] or None,
            page_number=n, page_size=100)).body, lambda b: b.eip_addresses.eip_address if b.eip_addresses else [], 100))

    if bound is not None:  # (and every EIP bound to an IP address, which may be one of the instances')
        listed = [e for per in ctx.map(bound_to, [*bound, ("IpAddress", "")]) for e in per]
    else:
        listed = list(by_page_number(lambda n: client.describe_eip_addresses(vpc_models.DescribeEipAddressesRequest(
            region_id=ctx.region, page_number=n, page_size=100)).body,
            lambda b: b.eip_addresses.eip_address if b.eip_addresses else [], 100))
    return [EipInfo(id=e.allocation_id, ip=e.ip_address or "", instance_id=e.instance_id or "",
                    instance_type=e.instance_type or "", vpc_id=e.vpc_id or "", private_ip=e.private_ip_address or "")
            for e in listed]


HAVIPS: Dataset[list[HaVipInfo]] = Dataset("vpc.havips", Scope.REGIONAL)
HAVIP_PAGE = 50  # DescribeHaVips PageSize: "Maximum value: 50. Default value: 10" (API reference)


@collector(HAVIPS, apis=["vpc:DescribeHaVips"], reads_one=["ecs.instance", "ecs.security_group"])
def havips(ctx: CollectContext) -> list[HaVipInfo]:
    """Every HaVip of the region (an event run too: DescribeHaVips filters by HaVip, not by instance)."""
    client = ctx.client("vpc")
    listed = by_page_number(lambda n: client.describe_ha_vips(vpc_models.DescribeHaVipsRequest(
        region_id=ctx.region, page_number=n, page_size=HAVIP_PAGE)).body,
        lambda b: b.ha_vips.ha_vip if b.ha_vips else [], HAVIP_PAGE)
    return [HaVipInfo(id=h.ha_vip_id or "", ip=h.ip_address or "", vpc_id=h.vpc_id or "",
                      instance_type=h.associated_instance_type or "",
                      instances=list((h.associated_instances.associated_instance or [])
                                     if h.associated_instances else []),
                      eips=list((h.associated_eip_addresses.associated_eip_addresse or [])
                                if h.associated_eip_addresses else []))
            for h in listed]


IPV6_ADDRESSES: Dataset[list[Ipv6Info]] = Dataset("vpc.ipv6_addresses", Scope.REGIONAL)


@collector(IPV6_ADDRESSES, apis=["vpc:DescribeIpv6Addresses"], reads_one=["ecs.instance", "ecs.security_group"])
def ipv6_addresses(ctx: CollectContext) -> list[Ipv6Info]:
    """The IPv6 addresses that can talk to the internet: NetworkType Public ("the type of communication supported
    by the IPv6 address: Private | Public", DescribeIpv6Addresses), minus any whose bandwidth is 0 Mbit/s. In an
    event run, those of its instances and their ENIs, one query each (AssociatedInstanceId with
    AssociatedInstanceType EcsInstance | NetworkInterface, alibabacloud_vpc20160428 DescribeIpv6AddressesRequest)."""
    client = ctx.client("vpc")
    bound = _event_bindings(ctx)

    # PageSize at most 50, default 10 (alibabacloud_vpc20160428 DescribeIpv6AddressesRequest.page_size)
    def page(**filters: Any) -> list[Any]:
        return list(by_page_number(
            lambda n: client.describe_ipv_6addresses(vpc_models.DescribeIpv6AddressesRequest(
                region_id=ctx.region, network_type="Public", page_number=n, page_size=50, **filters)).body,
            lambda b: b.ipv_6addresses.ipv_6address if b.ipv_6addresses else [], 50))

    listed = page() if bound is None else [a for per in ctx.map(
        lambda pair: page(associated_instance_type=pair[0], associated_instance_id=pair[1]), bound) for a in per]
    out = []
    for a in listed:
        bandwidth = a.ipv_6internet_bandwidth.bandwidth if a.ipv_6internet_bandwidth else None
        # the filter is asked for, and checked again: an address the answer itself calls Private is not public
        if bandwidth != 0 and str(a.network_type or "Public").lower() == "public":
            out.append(Ipv6Info(id=a.ipv_6address_id or "", ip=a.ipv_6address or "",
                                instance_id=a.associated_instance_id or "",
                                instance_type=a.associated_instance_type or "", bandwidth=bandwidth))
    return out


# --- issue 20: NAT gateways and their DNAT entries -------------------------------------------------------------

class DnatEntry(Record):
    """A DNAT (port forwarding) entry: DescribeForwardTableEntries ForwardTableEntries.ForwardTableEntry[]."""

    id: str  # ForwardEntryId
    name: str = ""
    external_ip: str = ""
    external_port: str = ""  # "80", "1024/65535" (a range, first/last), "Any" with IpProtocol Any
    internal_ip: str = ""
    internal_port: str = ""
    protocol: str = ""  # TCP | UDP | Any (the sample answers "tcp": compared without letter case)
    status: str = ""  # Pending | Available | Deleting


class NatGatewayInfo(Record):
    id: str
    name: str = ""
    vpc_id: str = ""
    network_type: str = ""  # internet | intranet (a VPC NAT gateway)
    dnat: list[DnatEntry] = Field(default_factory=list)
    error: str | None = None  # its DNAT entries could not be read: ERROR for the gateway


NAT_GATEWAYS: Dataset[list[NatGatewayInfo]] = Dataset("vpc.nat_gateways", Scope.REGIONAL)
NAT_PAGE = 50  # DescribeNatGateways and DescribeForwardTableEntries PageSize: at most 50


@collector(NAT_GATEWAYS, apis=["vpc:DescribeNatGateways", "vpc:DescribeForwardTableEntries"])
def nat_gateways(ctx: CollectContext) -> list[NatGatewayInfo]:
    vpc = ctx.client("vpc")
    listed = list(by_page_number(
        lambda n: vpc.describe_nat_gateways(vpc_models.DescribeNatGatewaysRequest(
            region_id=ctx.region, page_number=n, page_size=NAT_PAGE)).body,
        lambda b: b.nat_gateways.nat_gateway if b.nat_gateways else [], NAT_PAGE))

    def entries(g: Any) -> NatGatewayInfo:
        info = NatGatewayInfo(id=g.nat_gateway_id, name=g.name or "", vpc_id=g.vpc_id or "",
                              network_type=g.network_type or "")
        try:
            # NatGatewayId is enough ("You must specify at least one of ForwardTableId and NatGatewayId")
            found = by_page_number(
                lambda n: vpc.describe_forward_table_entries(vpc_models.DescribeForwardTableEntriesRequest(
                    region_id=ctx.region, nat_gateway_id=g.nat_gateway_id, page_number=n, page_size=NAT_PAGE)).body,
                lambda b: b.forward_table_entries.forward_table_entry if b.forward_table_entries else [], NAT_PAGE)
            info.dnat = [DnatEntry(id=e.forward_entry_id or "", name=e.forward_entry_name or "",
                                   external_ip=e.external_ip or "", external_port=e.external_port or "",
                                   internal_ip=e.internal_ip or "", internal_port=e.internal_port or "",
                                   protocol=e.ip_protocol or "", status=e.status or "") for e in found]
        except Exception as err:
            info.error = apierrors.describe(err)
        return info

    return ctx.map(entries, listed)
