"""VPC datasets (regional): VPCs with their vSwitches, flow logs and elastic IP addresses. Every call
names its RegionId: the VPC endpoint of cn-hangzhou is the central vpc.aliyuncs.com."""

from __future__ import annotations

from alibabacloud_vpc20160428 import models as vpc_models
from pydantic import BaseModel, Field

from .paging import by_page_number
from .registry import CollectContext, collector


class VpcInfo(BaseModel):
    id: str
    name: str = ""
    cidr: str = ""
    is_default: bool = False
    vswitch_ids: list[str] = Field(default_factory=list)


class FlowLogInfo(BaseModel):
    id: str
    name: str = ""
    resource_type: str  # VPC | VSwitch | NetworkInterface
    resource_id: str
    status: str  # Active | Inactive
    project: str = ""
    logstore: str = ""


class EipInfo(BaseModel):
    id: str  # AllocationId
    ip: str
    instance_id: str = ""
    instance_type: str = ""  # EcsInstance | Nat | SlbInstance | NetworkInterface | ...


@collector("vpc.vpcs", scope="regional", apis=["vpc:DescribeVpcs"])
def vpcs(ctx: CollectContext) -> list[VpcInfo]:
    client = ctx.client("vpc")
    listed = by_page_number(
        lambda n: client.describe_vpcs(vpc_models.DescribeVpcsRequest(
            region_id=ctx.region, page_number=n, page_size=50)).body,
        lambda b: b.vpcs.vpc if b.vpcs else [], 50)
    return [VpcInfo(id=v.vpc_id, name=v.vpc_name or "", cidr=v.cidr_block or "", is_default=bool(v.is_default),
                    vswitch_ids=list(v.v_switch_ids.v_switch_id or []) if v.v_switch_ids else []) for v in listed]


@collector("vpc.flow_logs", scope="regional", apis=["vpc:DescribeFlowLogs"])
def flow_logs(ctx: CollectContext) -> list[FlowLogInfo]:
    client = ctx.client("vpc")
    listed = by_page_number(
        lambda n: client.describe_flow_logs(vpc_models.DescribeFlowLogsRequest(
            region_id=ctx.region, page_number=n, page_size=50)).body,
        lambda b: b.flow_logs.flow_log if b.flow_logs else [], 50)
    return [FlowLogInfo(id=f.flow_log_id, name=f.flow_log_name or "", resource_type=f.resource_type or "",
                        resource_id=f.resource_id or "", status=f.status or "", project=f.project_name or "",
                        logstore=f.log_store_name or "") for f in listed]


@collector("vpc.eips", scope="regional", apis=["vpc:DescribeEipAddresses"])
def eips(ctx: CollectContext) -> list[EipInfo]:
    client = ctx.client("vpc")
    listed = by_page_number(
        lambda n: client.describe_eip_addresses(vpc_models.DescribeEipAddressesRequest(
            region_id=ctx.region, page_number=n, page_size=100)).body,
        lambda b: b.eip_addresses.eip_address if b.eip_addresses else [], 100)
    return [EipInfo(id=e.allocation_id, ip=e.ip_address or "", instance_id=e.instance_id or "",
                    instance_type=e.instance_type or "") for e in listed]
