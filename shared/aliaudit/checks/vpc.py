"""VPC checks: CIS Alibaba Cloud Foundations v2.0.0 2.5 (the region's flow log service), 3.3 (flow logs on every
VPC; a stricter all-traffic view) and 3.4 (peering routes)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..collectors.vpc import FLOW_LOGS, NAT_GATEWAYS, VPCS, VSWITCH_LIST_CAP, FlowLogInfo, NatGatewayInfo, VpcInfo
from ..findings import Result, Status
from .registry import Inputs, check

VPC = "vpc:vpc"
FLOW_EVENTS = ["CreateFlowLog", "DeleteFlowLog", "ActiveFlowLog", "DeactiveFlowLog", "ModifyFlowLogAttribute",
               "CreateVpc", "DeleteVpc", "CreateVSwitch", "DeleteVSwitch"]
FLOW_LOG_CLI = ("aliyun vpc CreateFlowLog --RegionId <r> --ResourceType VPC --ResourceId <vpc> --TrafficType All "
                "--ProjectName <p> --LogStoreName <l>")


@check(id="vpc_flow_logs_enabled", title="Ensure VPC flow logging is enabled in all VPCs", severity="medium",
       risk="Without flow logs there is no record of which addresses talked to which instances, so intrusions "
            "and data exfiltration cannot be traced.",
       console="VPC console > Flow Logs > Create Flow Log: resource type VPC, the VPC, traffic type All, an SLS "
               "project and logstore; keep it Active.",
       cli=FLOW_LOG_CLI,
       cis=["3.3"], events=FLOW_EVENTS, needs=[VPCS, FLOW_LOGS],
       evaluates="DescribeFlowLogs: PASS when an Active flow log (any TrafficType: All, Allow or Drop; CIS recommends "
                 "flow logs 'for packet Rejects'; any TrafficPath) is on the VPC, or on each of its vSwitches; FAIL "
                 "otherwise, naming inactive and partial vSwitch logs (a VPC with no vSwitch and no VPC-level log "
                 "fails); MANUAL when only a log being created (Status Activating) would cover it; ERROR when only "
                 "vSwitch logs would and DescribeVpcs lists 300 vSwitches (it lists the 300 newest). The CIS audit "
                 "asks for 'an associated VPC ID on the FlowLog tab': a log that captures only "
                 "some paths (TrafficPath internetGateway), fails to deliver (FlowLogDeliverStatus FAILED) or is "
                 "locked (BusinessStatus FinancialLocked) still passes, and the message names it. Whether the logs "
                 "record all the traffic that got through, and deliver it, is vpc_flow_logs_all_traffic.",
       cis_audit="VPC console > FlowLog: check for every existing VPC to ensure that there is an associated VPC ID on "
                 "the FlowLog tab.")
def flow_logs(inp: Inputs) -> Iterator[Result]:
    yield from _flow_log_results(inp, lambda f: True)


@check(id="vpc_flow_log_service_enabled", title="Ensure virtual network flow log service is enabled",
       severity="medium",
       risk="Without a flow log delivering to a logstore, the region keeps no record of its network traffic.",
       console="VPC console > Flow Logs (the region) > Create Flow Log: a VPC, vSwitch or ENI, and an SLS project and "
               "logstore; keep it Active.",
       cli=FLOW_LOG_CLI,
       cis=["2.5"], events=FLOW_EVENTS, needs=[VPCS, FLOW_LOGS],
       evaluates="DescribeFlowLogs in each region that has a VPC: PASS when an Active flow log is configured with a "
                 "project and logstore, MANUAL when such a log is being created (Status Activating), FAIL otherwise "
                 "(none, inactive ones, or none naming its logstore). No result "
                 "in a region without VPCs. The CIS audit asks that 'the target flow log and logstore is configured': "
                 "a log whose delivery fails (FlowLogDeliverStatus FAILED) or that is locked for overdue payments "
                 "(BusinessStatus FinancialLocked) still passes here, and the message names it; "
                 "vpc_flow_logs_all_traffic fails it. Whether every VPC is covered is CIS 3.3 "
                 "(vpc_flow_logs_enabled).",
       cis_audit="VPC console > FlowLog: select the region to which the target flow log belongs and ensure the target "
                 "flow log and logstore is configured.")
def flow_log_service(inp: Inputs) -> Iterator[Result]:
    if not inp[VPCS]:
        return
    logs: list[FlowLogInfo] = inp[FLOW_LOGS]
    configured = sorted((f for f in logs if _active(f) and f.project and f.logstore),
                        key=lambda f: _delivers(f) is not True)  # (a delivering log first: the message names it)
    if configured:
        f = configured[0]
        failing = [f"{g.id} ({'; '.join(_not_delivering(g))})" for g in configured if _not_delivering(g)]
        yield Result(status=Status.PASS, resource_id=inp.region, resource_type="vpc:flow-log-service",
                     message=f"{len(configured)} active flow log(s) configured with a logstore, e.g. {f.id} to "
                             f"{f.project}/{f.logstore}"
                             + (f"; not delivering: {', '.join(failing)}" if failing else ""))
        return
    creating = [f.id for f in logs if _creating(f) and f.project and f.logstore]
    if creating:
        yield Result(status=Status.MANUAL, resource_id=inp.region, resource_type="vpc:flow-log-service",
                     message=f"flow log(s) {', '.join(creating)} are being created (Activating): check again once "
                             "Active")
        return
    stopped = [f.id for f in logs if not _active(f)]
    yield Result(status=Status.FAIL, resource_id=inp.region, resource_type="vpc:flow-log-service",
                 message="no active flow log is configured with a logstore in the region"
                 + (f" (inactive: {', '.join(stopped)})" if stopped else ""))


@check(id="vpc_flow_logs_all_traffic", severity="medium",
       title="VPC flow logs record the traffic that got through, not only denied packets",
       risk="A flow log of denied packets only (TrafficType Drop), of Internet traffic only (TrafficPath "
            "internetGateway), or one whose delivery fails keeps no record of the connections an intrusion or an "
            "exfiltration actually made.",
       console="VPC console > Flow Logs: create the VPC's flow log with traffic type All (or Allow) and every "
               "traffic path, keep it Active, and make sure its SLS project and logstore exist (a log whose delivery "
               "fails names the cause) and the account has no overdue payment.",
       cli=FLOW_LOG_CLI,
       events=FLOW_EVENTS, needs=[VPCS, FLOW_LOGS],
       evaluates="DescribeFlowLogs: PASS when an Active flow log whose TrafficType is All or Allow, whose TrafficPath "
                 "is all (or not stated: the documented default) and that delivers (FlowLogDeliverStatus SUCCESS, "
                 "BusinessStatus not FinancialLocked) is on the VPC, or on each of its vSwitches. A Drop log records "
                 "only denied traffic, an internetGateway (or other single-path) log only that path's traffic, and a "
                 "log whose delivery FAILED or that is locked for overdue payments records nothing, so they do not "
                 "count. FAIL otherwise, naming inactive, Drop-only, partial-path, undelivered (with "
                 "FlowLogDeliverErrorMessage) and partial vSwitch logs; ERROR when only a log that does not state its "
                 "FlowLogDeliverStatus would cover the VPC, MANUAL when only one being created (Activating) would, "
                 "ERROR when only vSwitch logs would and DescribeVpcs lists 300 (it lists the 300 newest). "
                 "A stricter view of CIS 3.3 (vpc_flow_logs_enabled), which "
                 "any active flow log satisfies.",
       source="DescribeFlowLogs TrafficType: All | Allow | Drop (traffic denied by access control); TrafficPath all | "
              "internetGateway; FlowLogDeliverStatus SUCCESS | FAILED; BusinessStatus Normal | FinancialLocked")
def flow_logs_all_traffic(inp: Inputs) -> Iterator[Result]:
    yield from _flow_log_results(inp, _records_all, unknown=_records_all_if_delivering)


def _active(f: FlowLogInfo) -> bool:
    return f.status.lower() == "active"


def _creating(f: FlowLogInfo) -> bool:
    """DescribeFlowLogs Status "Activating: The flow log is being created" (Active | Activating | Inactive)."""
    return f.status.lower() == "activating"


def _covers(v: VpcInfo, logs: list[FlowLogInfo]) -> tuple[FlowLogInfo | None, set[str]]:
    """The VPC-level log among `logs` (an All/Allow one with the fewest caveats first: the message names it), and
    the VPC's vSwitches the others cover."""
    mine = sorted((f for f in logs if f.resource_type == "VPC" and f.resource_id == v.id),
                  key=lambda f: (not _accepted_traffic(f), len(_caveats(f))))
    covered = {f.resource_id for f in logs if f.resource_type == "VSwitch" and f.resource_id in v.vswitch_ids}
    return (mine[0] if mine else None), covered


def _flow_log_results(inp: Inputs, counts: Callable[[FlowLogInfo], bool],
                      unknown: Callable[[FlowLogInfo], bool] | None = None) -> Iterator[Result]:
    """A result per VPC: PASS when an active flow log that `counts` covers it (or each of its vSwitches); ERROR
    instead of FAIL when the logs `unknown` accepts (whose deciding field is not stated) would cover it."""
    logs: list[FlowLogInfo] = inp[FLOW_LOGS]
    active = [f for f in logs if _active(f) and counts(f)]
    v: VpcInfo
    for v in inp[VPCS]:
        whole, covered = _covers(v, active)
        if whole:
            notes = _caveats(whole)
            yield Result(status=Status.PASS, resource_id=v.id, resource_type=VPC, resource_name=v.name,
                         message=f"active flow log {whole.id} to {whole.project}/{whole.logstore} covers the VPC"
                         + (f" ({'; '.join(notes)})" if notes else ""))
        elif v.vswitch_ids and covered == set(v.vswitch_ids) and not v.vswitches_complete:
            yield Result(status=Status.ERROR, resource_id=v.id, resource_type=VPC, resource_name=v.name,
                         message=f"each of the {len(covered)} vSwitches DescribeVpcs lists has an active flow log, "
                                 f"but it lists only the {VSWITCH_LIST_CAP} newest: whether older ones are logged is "
                                 "unknown (a VPC-level flow log would cover them all)")
        elif v.vswitch_ids and covered == set(v.vswitch_ids):
            # vSwitch-level logs on every vSwitch see all the VPC's traffic too
            notes = [f"flow log {f.id}: {n}" for f in active
                     if f.resource_type == "VSwitch" and f.resource_id in covered for n in _caveats(f)]
            yield Result(status=Status.PASS, resource_id=v.id, resource_type=VPC, resource_name=v.name,
                         message=f"each of the {len(covered)} vSwitch(es) has an active flow log"
                         + (f" ({'; '.join(notes)})" if notes else ""))
        else:
            yield _uncovered(v, logs, counts, covered, unknown)


def _uncovered(v: VpcInfo, logs: list[FlowLogInfo], counts: Callable[[FlowLogInfo], bool], covered: set[str],
               unknown: Callable[[FlowLogInfo], bool] | None) -> Result:
    notes = []
    mine = [f for f in logs if f.resource_id == v.id or f.resource_id in v.vswitch_ids]
    stopped = [f.id for f in mine if not _active(f) and not _creating(f)]
    if stopped:
        notes.append(f"inactive flow log(s): {', '.join(stopped)}")
    notes += [n for f in mine if _active(f) and not counts(f) for n in _partial(f)]
    if covered:
        notes.append(f"only {len(covered)} of {len(v.vswitch_ids)} vSwitches are logged")
    detail = f" ({'; '.join(notes)})" if notes else ""
    if unknown is not None:
        whole, maybe = _covers(v, [f for f in logs if _active(f) and (counts(f) or unknown(f))])
        if whole or (v.vswitch_ids and maybe == set(v.vswitch_ids)):
            return Result(status=Status.ERROR, resource_id=v.id, resource_type=VPC, resource_name=v.name,
                          message="could not tell whether the VPC's flow logs deliver" + detail)
    # a log being created (Activating) that would cover it: judged once it is Active
    whole, maybe = _covers(v, [f for f in logs if (_active(f) or _creating(f)) and counts(f)])
    if whole or (v.vswitch_ids and maybe == set(v.vswitch_ids)):
        creating = sorted(f.id for f in mine if _creating(f))
        return Result(status=Status.MANUAL, resource_id=v.id, resource_type=VPC, resource_name=v.name,
                      message=f"flow log(s) {', '.join(creating)} covering the VPC are being created (Activating): "
                              "check again once Active" + detail)
    return Result(status=Status.FAIL, resource_id=v.id, resource_type=VPC, resource_name=v.name,
                  message="no active flow log covers the VPC" + detail)


def _accepted_traffic(f: FlowLogInfo) -> bool:
    """Whether the flow log records the traffic that got through: TrafficType All or Allow. A Drop log records only
    "traffic denied by access control" (DescribeFlowLogs TrafficType: All | Allow | Drop), so the connections an
    intrusion or an exfiltration makes are not in it."""
    return f.traffic_type.lower() in ("all", "allow")


def _all_paths(f: FlowLogInfo) -> bool:
    """Whether the log captures every traffic path: TrafficPathList holds "all" ("all (default): full
    collection"), or is not stated (the default). internetGateway alone is "public network traffic collection"
    only, no east-west traffic (DescribeFlowLogs TrafficPath; CreateFlowLog TrafficPath lists the other paths)."""
    return not f.traffic_path or any(p.lower() == "all" for p in f.traffic_path)


def _delivers(f: FlowLogInfo) -> bool | None:
    """Whether the log's records reach its logstore: False when FlowLogDeliverStatus is FAILED ("Delivery failed")
    or BusinessStatus FinancialLocked ("locked due to overdue payments"), True when SUCCESS, None when not stated
    or an undocumented value (DescribeFlowLogs)."""
    if f.business_status.lower() == "financiallocked" or f.deliver_status.upper() == "FAILED":
        return False
    return True if f.deliver_status.upper() == "SUCCESS" else None


def _records_all(f: FlowLogInfo) -> bool:
    return _accepted_traffic(f) and _all_paths(f) and _delivers(f) is True


def _records_all_if_delivering(f: FlowLogInfo) -> bool:
    return _accepted_traffic(f) and _all_paths(f) and _delivers(f) is None


def _not_delivering(f: FlowLogInfo) -> list[str]:
    out = []
    if f.deliver_status.upper() == "FAILED":
        out.append(f"delivery to {f.project}/{f.logstore} failed: FlowLogDeliverStatus FAILED, "
                   f"{f.deliver_error or 'no FlowLogDeliverErrorMessage'}")
    if f.business_status.lower() == "financiallocked":
        out.append("locked for overdue payments (BusinessStatus FinancialLocked)")
    return out


def _caveats(f: FlowLogInfo) -> list[str]:
    """What a log the CIS checks count leaves out, for their messages."""
    notes = [] if _accepted_traffic(f) else ["denied traffic only: TrafficType Drop"]
    if not _all_paths(f):
        notes.append(f"captures only TrafficPath {', '.join(f.traffic_path)}")
    return notes + _not_delivering(f)


def _partial(f: FlowLogInfo) -> list[str]:
    """Why an active log does not record all the traffic that got through."""
    out = []
    if f.traffic_type.lower() == "drop":
        out.append(f"flow log {f.id} records only denied traffic (TrafficType Drop), not the traffic that got "
                   "through")
    elif not _accepted_traffic(f):
        out.append(f"flow log {f.id} has TrafficType {f.traffic_type or '(none)'}, not All or Allow")
    if not _all_paths(f):
        out.append(f"flow log {f.id} captures only TrafficPath {', '.join(f.traffic_path)}, not all the VPC's "
                   "traffic")
    out += [f"flow log {f.id}: {n}" for n in _not_delivering(f)]
    if _records_all_if_delivering(f):
        out.append(f"flow log {f.id} does not state whether it delivers (FlowLogDeliverStatus "
                   f"{f.deliver_status or 'absent'})")
    return out


@check(id="vpc_peering_routes_least_access", title="Ensure routing tables for VPC peering are least access",
       severity="low",
       risk="Peering routes wider than needed (for example 0.0.0.0/0 or a whole supernet towards a peer) let "
            "compromised workloads reach networks they have no business with.",
       console="VPC console > Route Tables > each table of the VPC: routes whose next hop is a VPC peering "
               "connection (or a router interface / CEN) must point only at the peer CIDR blocks the workloads "
               "need; delete or narrow the others.",
       cli="aliyun vpc DescribeRouteTableList --RegionId <r> --VpcId <vpc>; aliyun vpc DescribeRouteEntryList "
           "--RegionId <r> --RouteTableId <t>; aliyun vpc DeleteRouteEntry ...",
       cis=["3.4"], events=["CreateRouteEntry", "DeleteRouteEntry", "ModifyRouteEntry", "AssociateRouteTable",
                            "UnassociateRouteTable", "CreateVpcPeerConnection"], needs=[VPCS],
       evaluates="Always MANUAL, one result per VPC (DescribeVpcs) naming its CIDR: which peer routes are necessary "
                 "is a design decision no API states, so route tables are not read or judged.",
       cis_audit="Review routing tables of peered VPCs for whether they route all subnets of each VPC and whether "
                 "that is necessary to accomplish the intended purposes for peering the VPCs.")
def peering_routes(inp: Inputs) -> Iterator[Result]:
    # Which routes are "needed" is a design decision no API states: list each VPC for review.
    v: VpcInfo
    for v in inp[VPCS]:
        yield Result(status=Status.MANUAL, resource_id=v.id, resource_type=VPC, resource_name=v.name,
                     message=f"review the route tables of {v.id} ({v.cidr}): every route whose next hop is a "
                             "peering connection, router interface or CEN must target only the peer CIDR blocks "
                             "that workloads need to reach, never 0.0.0.0/0")


# --- issue 20: DNAT entries of internet NAT gateways -------------------------------------------------------------

NAT = "vpc:natgateway"
DNAT_EVENTS = ["CreateForwardEntry", "ModifyForwardEntry", "DeleteForwardEntry", "CreateNatGateway",
               "DeleteNatGateway"]


def _ports(text: str) -> tuple[int, int] | None:
    """A DNAT port field: "80", "1024/65535" (DescribeForwardTableEntries: "separate the first port and last port
    with a forward slash"), or "Any" (every port, with IpProtocol Any); None when it cannot be read."""
    t = text.strip().lower()
    if t in ("any", ""):
        return (1, 65535) if t == "any" else None
    lo, _, hi = t.replace("-", "/").partition("/")
    if not lo.isdigit() or (hi and not hi.isdigit()):
        return None
    return int(lo), int(hi or lo)


@check(id="vpc_nat_dnat_risky_ports_not_exposed", severity="high",
       title="Internet NAT gateways do not forward risky ports (remote administration, databases) to instances",
       risk="A DNAT entry publishes an internal instance's port on the NAT gateway's EIP: SSH, RDP and database "
            "ports forwarded this way are scanned and brute-forced like a public instance's, and an entry with "
            "protocol Any forwards every port.",
       console="VPC console > NAT Gateways > the gateway > DNAT Management: delete the entry, or reach the service "
               "through a bastion host or VPN instead.",
       cli="aliyun vpc DeleteForwardEntry --RegionId <r> --ForwardTableId <ftb> --ForwardEntryId <fwd>",
       events=DNAT_EVENTS, needs=[NAT_GATEWAYS],
       evaluates="DescribeNatGateways then DescribeForwardTableEntries per internet NAT gateway (NetworkType "
                 "internet): FAIL when an entry's IpProtocol is Any (every port forwarded) or its InternalPort "
                 "(the instance's port the internet reaches; a port or a first/last range) includes one of "
                 "risky_ports for TCP or risky_udp_ports for UDP, naming the entries; ERROR when the entries could "
                 "not be read, or a port field or the protocol (TCP, UDP, Any) cannot be read and nothing else fails; "
                 "PASS otherwise (no DNAT entry too). The instances' security groups still filter forwarded "
                 "traffic: this flags the forwarding itself, as Cloud Config's rule does. VPC NAT gateways "
                 "(intranet) give no result.",
       source="Cloud Config nat-risk-ports-check | https://api.alibabacloud.com/api/Vpc/2016-04-28/"
              "DescribeForwardTableEntries")
def nat_dnat_risky_ports(inp: Inputs) -> Iterator[Result]:
    tcp, udp = list(inp.config.risky_ports), list(inp.config.risky_udp_ports)
    g: NatGatewayInfo
    for g in inp[NAT_GATEWAYS]:
        if g.network_type.lower() == "intranet":
            continue
        if g.error:
            yield Result(status=Status.ERROR, resource_id=g.id, resource_type=NAT, resource_name=g.name,
                         message=f"could not read the gateway's DNAT entries: {g.error}")
            continue
        exposed, unreadable = [], []
        for e in g.dnat:
            proto = e.protocol.upper()
            where = f"entry {e.id} ({e.external_ip}:{e.external_port} -> {e.internal_ip}:{e.internal_port} {proto})"
            if proto == "ANY":
                exposed.append(f"{where} forwards every port")
                continue
            span = _ports(e.internal_port)
            if span is None or proto not in ("TCP", "UDP"):  # (a protocol the reference does not list: not judged)
                unreadable.append(where)
                continue
            risky = [p for p in (tcp if proto == "TCP" else udp) if span[0] <= p <= span[1]]
            if risky:
                exposed.append(f"{where} forwards {proto} {', '.join(map(str, risky))}")
        if exposed:
            status, msg = Status.FAIL, "DNAT exposes risky ports: " + "; ".join(exposed)
        elif unreadable:
            status, msg = Status.ERROR, "could not read the ports of " + "; ".join(unreadable)
        else:
            status = Status.PASS
            msg = (f"{len(g.dnat)} DNAT entr{'y' if len(g.dnat) == 1 else 'ies'}, none forwarding a risky port"
                   if g.dnat else "no DNAT entries")
        yield Result(status=status, resource_id=g.id, resource_type=NAT, resource_name=g.name, message=msg,
                     details={"vpc_id": g.vpc_id})
