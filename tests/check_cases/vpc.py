"""VPC cases. There is no vpc sample under tests/fixtures/wire; ids follow the documented formats of DescribeVpcs and
DescribeFlowLogs (vpc-..., vsw-..., fl-..., Status Active | Inactive, TrafficType All | Allow | Drop)."""

from __future__ import annotations

from aliaudit.collectors.vpc import FlowLogInfo, VpcInfo
from tests.check_cases import Case

VPC_ID = "vpc-bp1qpo0kug3a20qqe****"
VSW = ["vsw-bp1nhbnpv2blyz8dl****", "vsw-bp1x5r6mwe3f5ml6c****"]


def vpc(vid: str = VPC_ID, vsws: list[str] | None = None) -> VpcInfo:
    return VpcInfo(id=vid, name="doc", cidr="172.16.0.0/12", vswitch_ids=VSW if vsws is None else vsws)


def flow(fid: str, rtype: str, rid: str, status: str = "Active", traffic: str = "All") -> FlowLogInfo:
    return FlowLogInfo(id=fid, resource_type=rtype, resource_id=rid, status=status, traffic_type=traffic,
                       project="flowlog-project", logstore="flowlog-store")


_F = "vpc_flow_logs_enabled"
CASES: list[Case] = [
    Case(_F, "VPC-level Active All log; VPC without any log",
         {"vpc.vpcs": [vpc(), vpc("vpc-none")], "vpc.flow_logs": [flow("fl-1", "VPC", VPC_ID)]},
         {VPC_ID: "PASS", "vpc-none": "FAIL"}),
    Case(_F, "TrafficType Allow counts, Drop does not",
         {"vpc.vpcs": [vpc(), vpc("vpc-drop")],
          "vpc.flow_logs": [flow("fl-1", "VPC", VPC_ID, traffic="Allow"), flow("fl-2", "VPC", "vpc-drop",
                                                                              traffic="Drop")]},
         {VPC_ID: "PASS", "vpc-drop": "FAIL"}),
    Case(_F, "Inactive VPC log fails",
         {"vpc.vpcs": [vpc()], "vpc.flow_logs": [flow("fl-1", "VPC", VPC_ID, status="Inactive")]},
         {VPC_ID: "FAIL"}),
    Case(_F, "every vSwitch logged passes; one of two vSwitches fails",
         {"vpc.vpcs": [vpc(), vpc("vpc-half", ["vsw-a", "vsw-b"])],
          "vpc.flow_logs": [flow("fl-1", "VSwitch", VSW[0]), flow("fl-2", "VSwitch", VSW[1]),
                            flow("fl-3", "VSwitch", "vsw-a")]},
         {VPC_ID: "PASS", "vpc-half": "FAIL"}),
    Case("vpc_peering_routes_least_access", "every VPC is listed for review",
         {"vpc.vpcs": [vpc()]}, {VPC_ID: "MANUAL"}),
]
