"""VPC cases. There is no vpc sample under tests/fixtures/wire; ids follow the documented formats of DescribeVpcs and
DescribeFlowLogs (vpc-..., vsw-..., fl-..., Status Active | Inactive, TrafficType All | Allow | Drop)."""

from __future__ import annotations

from aliaudit.collectors.vpc import DnatEntry, FlowLogInfo, NatGatewayInfo, VpcInfo
from tests.check_cases import Case

VPC_ID = "vpc-bp1qpo0kug3a20qqe****"
VSW = ["vsw-bp1nhbnpv2blyz8dl****", "vsw-bp1x5r6mwe3f5ml6c****"]


def vpc(vid: str = VPC_ID, vsws: list[str] | None = None) -> VpcInfo:
    return VpcInfo(id=vid, name="doc", cidr="172.16.0.0/12", vswitch_ids=VSW if vsws is None else vsws)


def flow(fid: str, rtype: str, rid: str, status: str = "Active", traffic: str = "All", *,
         path: list[str] | None = None, deliver: str = "SUCCESS", error: str = "",
         business: str = "Normal") -> FlowLogInfo:
    """A flow log as DescribeFlowLogs documents it: TrafficPath ["all"] (the sample's), FlowLogDeliverStatus
    SUCCESS | FAILED with FlowLogDeliverErrorMessage (the sample: FAILED, UnavaliableTarget), BusinessStatus
    Normal | FinancialLocked."""
    return FlowLogInfo(id=fid, resource_type=rtype, resource_id=rid, status=status, traffic_type=traffic,
                       project="flowlog-project", logstore="flowlog-store",
                       traffic_path=["all"] if path is None else path, deliver_status=deliver, deliver_error=error,
                       business_status=business)


_F = "vpc_flow_logs_enabled"
BIG = [f"vsw-big{n:04d}" for n in range(300)]
CASES: list[Case] = [
    Case("vpc_flow_log_service_enabled", "CIS 2.5: a region with an active flow log to a logstore passes, whichever "
         "VPC it covers; a region whose only log is inactive fails; a region without VPCs gives no result",
         {"vpc.vpcs": [vpc(), vpc("vpc-none")], "vpc.flow_logs": [flow("fl-1", "VPC", VPC_ID)]},
         {"cn-hangzhou": "PASS"}),
    Case("vpc_flow_log_service_enabled", "an inactive flow log only: FAIL",
         {"vpc.vpcs": [vpc()], "vpc.flow_logs": [flow("fl-1", "VPC", VPC_ID, status="Inactive")]},
         {"cn-hangzhou": "FAIL"}),
    Case("vpc_flow_log_service_enabled", "no VPC: nothing to log", {"vpc.vpcs": [], "vpc.flow_logs": []}, {}),
    Case(_F, "VPC-level Active All log; VPC without any log",
         {"vpc.vpcs": [vpc(), vpc("vpc-none")], "vpc.flow_logs": [flow("fl-1", "VPC", VPC_ID)]},
         {VPC_ID: "PASS", "vpc-none": "FAIL"}),
    Case(_F, "any active flow log counts for CIS 3.3, a Drop (rejected packets) one too",
         {"vpc.vpcs": [vpc(), vpc("vpc-drop")],
          "vpc.flow_logs": [flow("fl-1", "VPC", VPC_ID, traffic="Allow"), flow("fl-2", "VPC", "vpc-drop",
                                                                              traffic="Drop")]},
         {VPC_ID: "PASS", "vpc-drop": "PASS"}),
    Case("vpc_flow_logs_all_traffic", "TrafficType All and Allow count, Drop does not; no log fails",
         {"vpc.vpcs": [vpc(), vpc("vpc-allow"), vpc("vpc-drop"), vpc("vpc-none")],
          "vpc.flow_logs": [flow("fl-1", "VPC", VPC_ID), flow("fl-2", "VPC", "vpc-allow", traffic="Allow"),
                            flow("fl-3", "VPC", "vpc-drop", traffic="Drop")]},
         {VPC_ID: "PASS", "vpc-allow": "PASS", "vpc-drop": "FAIL", "vpc-none": "FAIL"}),
    Case(_F, "Inactive VPC log fails",
         {"vpc.vpcs": [vpc()], "vpc.flow_logs": [flow("fl-1", "VPC", VPC_ID, status="Inactive")]},
         {VPC_ID: "FAIL"}),
    Case(_F, "every vSwitch logged passes; one of two vSwitches fails",
         {"vpc.vpcs": [vpc(), vpc("vpc-half", ["vsw-a", "vsw-b"])],
          "vpc.flow_logs": [flow("fl-1", "VSwitch", VSW[0]), flow("fl-2", "VSwitch", VSW[1]),
                            flow("fl-3", "VSwitch", "vsw-a")]},
         {VPC_ID: "PASS", "vpc-half": "FAIL"}),
    # DescribeVpcs VSwitchIds: "up to 300 vSwitches ... The information about the latest vSwitches is returned"
    *[Case(cid, "300 vSwitches listed, each logged: older ones may be unlisted, ERROR; a VPC-level log covers all",
           {"vpc.vpcs": [vpc("vpc-big", BIG), vpc("vpc-whole", BIG)],
            "vpc.flow_logs": [flow(f"fl-{n}", "VSwitch", v) for n, v in enumerate(BIG)] + [
                flow("fl-vpc", "VPC", "vpc-whole")]},
           {"vpc-big": "ERROR", "vpc-whole": "PASS"}) for cid in (_F, "vpc_flow_logs_all_traffic")],
    # --- review 23 items 1 and 3: delivery, BusinessStatus and TrafficPath (vpc/DescribeFlowLogs.json's sample:
    # Status Active with FlowLogDeliverStatus FAILED, FlowLogDeliverErrorMessage UnavaliableTarget) --------------
    Case("vpc_flow_logs_all_traffic", "a log whose delivery FAILED (the documented sample) or that is FinancialLocked "
         "records nothing: FAIL; an internetGateway-only log does not cover the VPC: FAIL; all among the paths, or "
         "no path stated (the default all), passes",
         {"vpc.vpcs": [vpc("vpc-failed"), vpc("vpc-locked"), vpc("vpc-igw"), vpc("vpc-both"), vpc("vpc-nopath")],
          "vpc.flow_logs": [flow("fl-f", "VPC", "vpc-failed", deliver="FAILED", error="UnavaliableTarget"),
                            flow("fl-l", "VPC", "vpc-locked", business="FinancialLocked"),
                            flow("fl-i", "VPC", "vpc-igw", path=["internetGateway"]),
                            flow("fl-b", "VPC", "vpc-both", path=["internetGateway", "all"]),
                            flow("fl-n", "VPC", "vpc-nopath", path=[])]},
         {"vpc-failed": "FAIL", "vpc-locked": "FAIL", "vpc-igw": "FAIL", "vpc-both": "PASS", "vpc-nopath": "PASS"}),
    Case("vpc_flow_logs_all_traffic", "a failing VPC-level log does not hide a delivering one on every vSwitch; a log "
         "that does not state its delivery is ERROR when nothing else covers the VPC, FAIL beside a Drop log only",
         {"vpc.vpcs": [vpc(), vpc("vpc-unknown", []), vpc("vpc-drop-unknown", [])],
          "vpc.flow_logs": [flow("fl-f", "VPC", VPC_ID, deliver="FAILED", error="ProjectNotExist"),
                            flow("fl-1", "VSwitch", VSW[0]), flow("fl-2", "VSwitch", VSW[1]),
                            flow("fl-u", "VPC", "vpc-unknown", deliver=""),
                            flow("fl-d", "VPC", "vpc-drop-unknown", traffic="Drop", deliver="")]},
         {VPC_ID: "PASS", "vpc-unknown": "ERROR", "vpc-drop-unknown": "FAIL"}),
    Case(_F, "CIS 3.3 asks for an associated flow log: failed delivery, FinancialLocked and internetGateway-only logs "
         "still pass (the message names them)",
         {"vpc.vpcs": [vpc("vpc-failed"), vpc("vpc-locked"), vpc("vpc-igw")],
          "vpc.flow_logs": [flow("fl-f", "VPC", "vpc-failed", deliver="FAILED", error="UnavaliableTarget"),
                            flow("fl-l", "VPC", "vpc-locked", business="FinancialLocked"),
                            flow("fl-i", "VPC", "vpc-igw", path=["internetGateway"])]},
         {"vpc-failed": "PASS", "vpc-locked": "PASS", "vpc-igw": "PASS"}),
    Case("vpc_flow_log_service_enabled", "CIS 2.5 asks that the flow log and logstore are configured: a log whose "
         "delivery FAILED still passes (the message names it)",
         {"vpc.vpcs": [vpc()], "vpc.flow_logs": [flow("fl-f", "VPC", VPC_ID, deliver="FAILED",
                                                      error="UnavaliableTarget")]},
         {"cn-hangzhou": "PASS"}),
    Case("vpc_peering_routes_least_access", "every VPC is listed for review",
         {"vpc.vpcs": [vpc()]}, {VPC_ID: "MANUAL"}),
]

# --- issue 20: DescribeNatGateways' sample gateway ngw-bp1047e2d4z7kf2ki**** (NetworkType internet) and
# DescribeForwardTableEntries' sample entry fwd-119smw5tk**** (ExternalPort "80" -> InternalPort "25", IpProtocol
# "tcp"; the sample masks its addresses as 139.79.XX.XX and 192.168.XX.XX) -------------------------------------
NGW = "ngw-bp1047e2d4z7kf2ki****"


def dnat(eid: str = "fwd-119smw5tk****", ext: str = "80", internal: str = "25", proto: str = "tcp") -> DnatEntry:
    return DnatEntry(id=eid, name="ForwardEntry-1", external_ip="139.79.10.10", external_port=ext,
                     internal_ip="192.168.1.10", internal_port=internal, protocol=proto, status="Available")


def nat(gid: str = NGW, *entries: DnatEntry, network: str = "internet", error: str | None = None) -> NatGatewayInfo:
    return NatGatewayInfo(id=gid, name="abc", vpc_id="vpc-bp15zckdt37pq72z****", network_type=network,
                          dnat=list(entries), error=error)


_N = "vpc_nat_dnat_risky_ports_not_exposed"
CASES += [
    Case(_N, "documented 80 -> 25/tcp passes; 2222 -> 22 fails; protocol Any fails; a range over 3306 fails; "
         "no entries pass; a VPC NAT gateway is not judged",
         {"vpc.nat_gateways": [nat(NGW, dnat()), nat("ngw-ssh", dnat("fwd-ssh", "2222", "22")),
                               nat("ngw-any", dnat("fwd-any", "Any", "Any", "Any")),
                               nat("ngw-range", dnat("fwd-r", "3000/3400", "3000/3400", "TCP")),
                               nat("ngw-empty"), nat("ngw-vpc", dnat("fwd-v", "22", "22"), network="intranet")]},
         {NGW: "PASS", "ngw-ssh": "FAIL", "ngw-any": "FAIL", "ngw-range": "FAIL", "ngw-empty": "PASS"}),
    Case(_N, "UDP memcached 11211 fails; TCP 53 passes (UDP list); entries unreadable is ERROR",
         {"vpc.nat_gateways": [nat("ngw-udp", dnat("fwd-u", "11211", "11211", "UDP")),
                               nat("ngw-tcp53", dnat("fwd-t", "53", "53", "TCP")),
                               nat("ngw-err", error="Forbidden.RAM")]},
         {"ngw-udp": "FAIL", "ngw-tcp53": "PASS", "ngw-err": "ERROR"}),
]
CASES += [
    Case(check, "a log being created (documented Status Activating) is MANUAL, not an inactive log's FAIL",
         {"vpc.vpcs": [vpc()], "vpc.flow_logs": [flow("fl-new", "VPC", VPC_ID, status="Activating")]},
         {"cn-hangzhou" if check == "vpc_flow_log_service_enabled" else VPC_ID: "MANUAL"})
    for check in ("vpc_flow_log_service_enabled", _F, "vpc_flow_logs_all_traffic")
]
