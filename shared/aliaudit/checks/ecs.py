"""ECS checks: CIS Alibaba Cloud Foundations v2.0.0 sections 3 and 4 (classic network, security groups,
disk encryption), plus metadata hardening, risky ports on public instances, and Alibaba's guidance not
to use permanent AccessKeys on ECS instances (use the instance RAM role)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..collectors.ecs import (
    DISKS,
    ENCRYPTION_BY_DEFAULT,
    IMAGES,
    INSTANCE_ROLES,
    INSTANCES,
    NETWORK_INTERFACES,
    PERMANENT_KEY_EVENTS,
    SECURITY_GROUPS,
    SNAPSHOT_POLICIES,
    USER_DATA,
    DiskInfo,
    EncryptionByDefault,
    EniInfo,
    GroupInfo,
    ImageInfo,
    InstanceInfo,
    InstanceRole,
    KeyEvent,
    SnapshotPolicy,
    UserDataInfo,
)
from ..collectors.vpc import EIPS, HAVIPS, IPV6_ADDRESSES, EipInfo, HaVipInfo, Ipv6Info
from ..config import parse_risky_service
from ..findings import Result, Status
from ..secgroup import (
    Exposure,
    Rule,
    describe_ranges,
    every_port_open,
    exposure,
    port_scans,
    unread_lists,
)
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL
SG_EVENTS = ["CreateSecurityGroup", "AuthorizeSecurityGroup", "RevokeSecurityGroup", "ModifySecurityGroupRule",
             "ModifySecurityGroupPolicy", "DeleteSecurityGroup",
             "ModifyPrefixList", "ModifyPortRangeList"]  # (lists a rule names: a change opens or closes what it covers)
INSTANCE_EVENTS = ["RunInstances", "CreateInstance", "DeleteInstance", "DeleteInstances", "ModifyInstanceAttribute"]
MEMBERSHIP_EVENTS = ["JoinSecurityGroup", "LeaveSecurityGroup", "ModifyInstanceNetworkSpec", "AllocatePublicIpAddress",
                     "AssociateEipAddress", "UnassociateEipAddress", "AssociateEipAddressBatch",
                     "ModifyInstanceVpcAttribute"]  # (SecurityGroupId: the instance's groups in its new VPC)
# secondary ENIs (their groups and attachment) and IPv6 Internet bandwidth
ENI_IPV6_EVENTS = ["AttachNetworkInterface", "DetachNetworkInterface", "ModifyNetworkInterfaceAttribute",
               "AssignIpv6Addresses", "UnassignIpv6Addresses", "AllocateIpv6InternetBandwidth",
               "ModifyIpv6InternetBandwidth", "DeleteIpv6InternetBandwidth",
               "AssociateHaVip", "UnassociateHaVip"]  # (a HaVip's EIPs reach the instance it is associated with)
DISK_EVENTS = ["CreateDisk", "AttachDisk", "DetachDisk", "DeleteDisk", "ReInitDisk", "ResetDisk", "RunInstances",
               "CreateInstance", "ReplaceSystemDisk"]
SG = "ecs:securitygroup"
INSTANCE = "ecs:instance"
DISK = "ecs:disk"


def _groups(inp: Inputs) -> Iterator[tuple[GroupInfo, Result | None]]:
    for g in inp[SECURITY_GROUPS]:
        err = Result(status=ERROR, resource_id=g.id, resource_type=SG, resource_name=g.name,
                     message=f"could not read the group's rules: {g.error}") if g.error else None
        yield g, err


def _why(rules: Iterable[Rule]) -> str:
    return "; ".join(f"rule {r.rule_id or '?'} of {r.group_id} (priority {r.priority}, {r.protocol} {r.ports_text}) "
                     f"accepts {r.source_text}" for r in rules)


def _sg_evaluates(what: str) -> str:
    return (
        f"{what} in the group's inbound rules (DescribeSecurityGroupAttribute; a classic network group's on its "
        "internet NIC, NicType internet), in Alibaba's order: the smallest "
        "Priority that matches decides, a Drop wins a tie. A port is open to the internet when the Accepts up to some "
        "priority together cover every IPv4 or every IPv6 address (0.0.0.0/0, ::/0, or pieces such as 0.0.0.0/1 + "
        "128.0.0.0/1) and the Drops up to that priority do not; narrower Drops only carve holes. Ports come from "
        "PortRange, or from the port list (PortRangeListId, DescribePortRangeListEntries) when the rule has no "
        "PortRange of its own; sources from SourceCidrIp / Ipv6SourceCidrIp, or from the prefix list "
        "(SourcePrefixListId, DescribePrefixListAttributes) when the rule names no CIDR or group. ERROR, naming the "
        "list and why, when a list that could not be read decides the answer.")


def _port_check(inp: Inputs, port: int, service: str) -> Iterator[Result]:
    for g, err in _groups(inp):
        if err:
            yield err
            continue
        found = exposure(g.rules, "TCP", port) if g.scans["TCP"].touches(port, port) else Exposure()
        if found.rules:
            status, msg = FAIL, f"{service} (TCP {port}) is reachable from the internet: {_why(found.rules)}"
        elif found.unknown:
            status, msg = ERROR, f"whether {service} (TCP {port}) is reachable from the internet depends on " \
                                 f"lists that could not be read: {unread_lists(found.unknown)}"
        else:
            status, msg = PASS, f"{service} (TCP {port}) is not reachable from the internet (0.0.0.0/0 or ::/0)"
        yield Result(status=status, resource_id=g.id, resource_type=SG, resource_name=g.name, message=msg)


# --- CIS 3.1 --------------------------------------------------------------------------------------

@check(id="ecs_instance_no_classic_network", title="Ensure legacy networks do not exist", severity="medium",
       risk="Classic-network instances share a flat internal network with other tenants' instances and lack VPC "
            "isolation, route control and flow logs.",
       console="ECS console > Instances > the instance > More > Network and Security Group > Migrate to VPC.",
       cli="aliyun ecs ModifyInstanceNetworkSpec ...; or create a VPC instance from an image of the classic one",
       cis=["3.1"], events=INSTANCE_EVENTS, needs=[INSTANCES],
       evaluates="DescribeInstances InstanceNetworkType of every instance in the region: FAIL when classic (any "
                 "letter case), PASS otherwise (vpc).",
       cis_audit="ECS console > Instances: check all ECS instances to ensure the Network Type is not classic.")
def classic_network(inp: Inputs) -> Iterator[Result]:
    i: InstanceInfo
    for i in inp[INSTANCES]:
        classic = i.network_type.lower() == "classic"
        yield Result(status=FAIL if classic else PASS, resource_id=i.id, resource_type=INSTANCE, resource_name=i.name,
                     message="instance is in the classic (legacy) network" if classic
                     else f"instance is in VPC {i.vpc_id or '?'}")


# --- CIS 3.2 / 4.3 / 4.4 --------------------------------------------------------------------------

def _literal_port_check(inp: Inputs, port: int, service: str) -> Iterator[Result]:
    """The CIS audit's reading: any inbound Accept rule covering TCP `port` whose authorization object is
    0.0.0.0/0, whatever its priority and whatever Drop rules say."""
    for g, err in _groups(inp):
        if err:
            yield err
            continue
        hits: list[Rule] = []
        unknown: list[Rule] = []
        for r in (*g.rules, *g.intranet_rules):  # (a classic group's intranet rules name 0.0.0.0/0 too)
            if not r.accepts or not r.matches("TCP", port, any_port=not r.ports_known):
                continue
            world = r.names_world_v4 if r.sources_known else None
            if world and r.ports_known:
                hits.append(r)
            elif world is not False:  # an unread port list or prefix list leaves the rule undecided
                unknown.append(r)
        if hits:
            inner = [r.rule_id or "?" for r in hits if any(r is x for x in g.intranet_rules)]
            status, msg = FAIL, f"{service} (TCP {port}) is allowed from 0.0.0.0/0: {_why(hits)}" + (
                f" ({', '.join(inner)} on the classic network's intranet NIC)" if inner else "")
        elif unknown:
            status, msg = ERROR, f"whether a rule allows {service} (TCP {port}) from 0.0.0.0/0 depends on lists " \
                                 f"that could not be read: {unread_lists(unknown)}"
        else:
            status, msg = PASS, f"no inbound rule allows {service} (TCP {port}) from 0.0.0.0/0"
        yield Result(status=status, resource_id=g.id, resource_type=SG, resource_name=g.name, message=msg)


def _literal_evaluates(port: int, exposed: str) -> str:
    return (f"DescribeSecurityGroupAttribute inbound rules as the CIS audit reads them: FAIL, naming the rules, when "
            f"an Accept rule of protocol TCP or ALL whose PortRange (or port list, DescribePortRangeListEntries) "
            f"includes {port} has the authorization object 0.0.0.0/0 (SourceCidrIp, or an entry of its prefix list, "
            "DescribePrefixListAttributes), whatever its Priority and whatever Drop rules there are; ERROR when a "
            "list that could not be read leaves that undecided; PASS otherwise. A classic network group's rules are "
            "read for both NIC types (NicType internet and intranet, asked apart). Whether the port is reachable from "
            f"the internet (Drops, priorities, ::/0, ranges that add up to every address) is {exposed}.")


_SG_CONSOLE = ("ECS console > Security Groups > the group > Inbound: remove the rule or limit its source to your "
               "bastion or office addresses.")
_SG_CLI = "aliyun ecs RevokeSecurityGroup --RegionId <r> --SecurityGroupId <sg> --SecurityGroupRuleId.1 <rule>"


@check(id="ecs_security_group_ssh_restricted", severity="high",
       title="Ensure no security groups allow ingress from 0.0.0.0/0 to port 22",
       risk="SSH open to the internet is scanned and brute-forced within minutes of exposure.",
       console=_SG_CONSOLE, cli=_SG_CLI,
       cis=["3.2", "4.3"], events=SG_EVENTS, needs=[SECURITY_GROUPS],
       evaluates=_literal_evaluates(22, "ecs_security_group_ssh_not_exposed") + " The 3.2 audit also names 3389, "
       "which ecs_security_group_rdp_restricted judges.",
       cis_audit="4.3: ensure no inbound rule exists that has a port range that includes port 22 and has an "
                 "Authorization Object of 0.0.0.0/0 (a Port value of ALL or a range such as 0-1024 also includes "
                 "port 22). 3.2: ensure Port is not equal to 22 or 3389 and Action is not Allow, and IP Ranges is "
                 "not equal to 0.0.0.0.")
def ssh_restricted(inp: Inputs) -> Iterator[Result]:
    yield from _literal_port_check(inp, 22, "SSH")


@check(id="ecs_security_group_rdp_restricted", severity="high",
       title="Ensure no security groups allow ingress from 0.0.0.0/0 to port 3389",
       risk="RDP open to the internet is a common ransomware entry point (brute force, RDP vulnerabilities).",
       console=_SG_CONSOLE, cli=_SG_CLI,
       # (CIS 3.2 too: its audit asks for no rule open to 0.0.0.0/0 on port 22 or 3389)
       cis=["3.2", "4.4"], events=SG_EVENTS, needs=[SECURITY_GROUPS],
       evaluates=_literal_evaluates(3389, "ecs_security_group_rdp_not_exposed"),
       cis_audit="Security Groups > Inbound: ensure no rule exists that has a port range that includes port 3389 and "
                 "has an Authorization Object of 0.0.0.0/0 (a Port value of ALL or a range such as 0-1024 also "
                 "includes port 3389).")
def rdp_restricted(inp: Inputs) -> Iterator[Result]:
    yield from _literal_port_check(inp, 3389, "RDP")


# the same ports as Alibaba Cloud evaluates the rules: the view of actual reachability beside the audit's reading
_EXPOSED_SOURCE = ("CIS 3.2/4.3/4.4's intent judged as Alibaba Cloud evaluates security group rules (Priority, Drop "
                   "before Accept, IPv6): the ECS documentation of security group rules, as secgroup.py cites it")


@check(id="ecs_security_group_ssh_not_exposed", severity="high",
       title="SSH (TCP 22) is not reachable from the internet through security groups",
       risk="SSH open to the internet is scanned and brute-forced within minutes of exposure.",
       console=_SG_CONSOLE, cli=_SG_CLI, events=SG_EVENTS, needs=[SECURITY_GROUPS],
       evaluates=_sg_evaluates("TCP 22") + " FAIL when TCP 22 is open to the internet, naming the rules; PASS "
       "otherwise. No CIS id: a rule the audit names can be overruled by a Drop (PASS here), and sources the audit "
       "does not name (::/0, 0.0.0.0/1 + 128.0.0.0/1) can open the port (FAIL here).",
       source=_EXPOSED_SOURCE)
def ssh_not_exposed(inp: Inputs) -> Iterator[Result]:
    yield from _port_check(inp, 22, "SSH")


@check(id="ecs_security_group_rdp_not_exposed", severity="high",
       title="RDP (TCP 3389) is not reachable from the internet through security groups",
       risk="RDP open to the internet is a common ransomware entry point (brute force, RDP vulnerabilities).",
       console=_SG_CONSOLE, cli=_SG_CLI, events=SG_EVENTS, needs=[SECURITY_GROUPS],
       evaluates=_sg_evaluates("TCP 3389") + " FAIL when TCP 3389 is open to the internet, naming the rules; PASS "
       "otherwise. No CIS id, as ecs_security_group_ssh_not_exposed.",
       source=_EXPOSED_SOURCE)
def rdp_not_exposed(inp: Inputs) -> Iterator[Result]:
    yield from _port_check(inp, 3389, "RDP")


# --- CIS 3.5 --------------------------------------------------------------------------------------

@check(id="ecs_security_group_fine_grained", severity="medium",
       title="Ensure the security groups are configured with fine-grained rules",
       risk="Rules opening every port, or wide port ranges, to the internet expose services nobody meant to "
            "publish.",
       console="ECS console > Security Groups > the group > Inbound: replace 'All' and wide port ranges from "
               "0.0.0.0/0 or ::/0 with the specific ports and sources that need access.",
       cli="aliyun ecs RevokeSecurityGroup ...; aliyun ecs AuthorizeSecurityGroup --Permissions.1.PortRange 443/443 "
           "...", cis=["3.5"], events=SG_EVENTS, needs=[SECURITY_GROUPS],
       evaluates=_sg_evaluates("Every TCP and UDP port") + " FAIL when every port of a protocol, or a range wider "
                 "than public_port_range_max (100) ports, is open; ERROR when only unread lists leave that "
                 "undecided; MANUAL when narrower ports are open to the internet (the audit asks a reviewer whether "
                 "every rule is necessary, which no API tells), listing them; PASS when no TCP or UDP port is "
                 "reachable from the internet. Rules with restricted sources are not judged.",
       cis_audit="ECS console > Network & Security > Security Groups: ensure the rules in each of your security "
                 "groups are all necessary for your operation.")
def fine_grained(inp: Inputs) -> Iterator[Result]:
    limit = inp.config.public_port_range_max
    for g, err in _groups(inp):
        if err:
            yield err
            continue
        scans = g.scans
        opened = {p: scan.open for p, scan in scans.items()}
        everything = every_port_open(scans)
        wide = {p: [r for r in rs if r[1] - r[0] + 1 > limit] for p, rs in opened.items()}
        shown = "; ".join(f"{p} {describe_ranges(rs)}" for p, rs in opened.items() if rs)
        undecided = {p: scan for p, scan in scans.items() if scan.undecided}
        if everything:
            status, msg = FAIL, f"every {everything} port is reachable from the internet"
        elif any(wide.values()):
            status = FAIL
            msg = "internet-reachable port ranges wider than {} ports: {}".format(
                limit, "; ".join(f"{p} {describe_ranges(rs)}" for p, rs in wide.items() if rs))
        elif undecided:
            status = ERROR
            msg = "whether {} are reachable from the internet depends on lists that could not be read: {}".format(
                "; ".join(f"{p} {describe_ranges(scan.undecided)}" for p, scan in undecided.items()),
                unread_lists(r for scan in undecided.values() for r in scan.unknown))
        elif shown:  # (CIS 3.5 is a reviewer's judgement: whether each opening is needed)
            status, msg = MANUAL, f"internet-reachable ports: {shown}: check that each is needed"
        else:
            status, msg = PASS, "no TCP or UDP port is reachable from the internet"
        yield Result(status=status, resource_id=g.id, resource_type=SG, resource_name=g.name, message=msg)


# --- beyond CIS: risky ports on instances with a public address -----------------------------------

# (groups, address families) of a door -> its risky ports opened, and those unread lists leave undecided
_Judged = dict[tuple[tuple[str, ...], tuple[int, ...]], tuple[list[str], dict[str, list[Rule]]]]


@check(id="ecs_instance_risky_ports_not_public", severity="high",
       title="Instances with a public IP do not expose risky ports to the internet",
       risk="Databases, caches, search engines and remote-administration ports on a public IP are found by mass "
            "scanners and attacked or ransomed within hours; UDP services (DNS, NTP, SNMP, memcached) open to the "
            "internet are also abused to amplify denial-of-service attacks.",
       console="ECS console > Instances > the instance > Security Groups (and each secondary ENI's groups): remove "
               "or narrow the rules that accept the port from 0.0.0.0/0 or ::/0, or remove the public IP / EIP / "
               "IPv6 Internet bandwidth and reach the service privately.",
       cli="aliyun ecs RevokeSecurityGroup --RegionId <r> --SecurityGroupId <sg> --SecurityGroupRuleId.1 <rule>",
       events=[*SG_EVENTS, *MEMBERSHIP_EVENTS, *INSTANCE_EVENTS, *ENI_IPV6_EVENTS],
       needs=[INSTANCES, SECURITY_GROUPS, NETWORK_INTERFACES, EIPS, IPV6_ADDRESSES, HAVIPS],
       evaluates="Each way in from the internet: the primary interface (public IP, EIP, EIPs bound to the instance "
                 "or to one of its private addresses, DescribeEipAddresses InstanceType IpAddress, the EIPs of a HaVip "
                 "associated with it, DescribeHaVips, and IPv6 addresses with Internet bandwidth) behind the "
                 "instance's groups, and each secondary ENI (DescribeNetworkInterfaces; its EIPs, DescribeEipAddresses "
                 "InstanceType NetworkInterface, a HaVip's, and IPv6 addresses with Internet bandwidth, "
                 "DescribeIpv6Addresses) behind the ENI's own groups. Only the IP "
                 "families the interface has a public address of count. The groups' rules are judged together as "
                 "in the security-group checks for risky_ports (TCP) and risky_udp_ports (UDP), and for every port "
                 "of a protocol: FAIL when one of them is certainly open through some way in, else ERROR when a "
                 "way's groups or lists could not be read, else PASS (also for instances with no public "
                 "address).",
       source="Cloud Config ecs-security-group-risky-ports-check-with-protocol (judged per instance reachable from "
              "the internet) | CISA TA14-017A https://www.cisa.gov/news-events/alerts/2014/01/17/"
              "udp-based-amplification-attacks (UDP ports)")
def risky_ports(inp: Inputs) -> Iterator[Result]:
    groups: dict[str, GroupInfo] = {g.id: g for g in inp[SECURITY_GROUPS]}
    doors = _Doors(inp[NETWORK_INTERFACES], inp[EIPS], inp[IPV6_ADDRESSES], inp[HAVIPS])
    # many instances share the same groups: each combination is scanned once (a scan walks every rule boundary)
    judged: _Judged = {}
    i: InstanceInfo
    for i in inp[INSTANCES]:
        ways = [d for d in doors.of(i) if d.addresses]
        if not ways:
            yield Result(status=PASS, resource_id=i.id, resource_type=INSTANCE, resource_name=i.name,
                         message="instance has no public IP, EIP or IPv6 address with Internet bandwidth")
            continue
        status, message = _judge_doors(inp, groups, ways, judged)
        yield Result(status=status, resource_id=i.id, resource_type=INSTANCE, resource_name=i.name, message=message,
                     details={"public_ips": ", ".join(a for d in ways for a in d.addresses),
                              "security_groups": ", ".join(dict.fromkeys(g for d in ways for g in d.groups))})


@dataclass
class _Door:
    """One way in from the internet: an instance's primary interface (its public IP, EIP and IPv6 addresses,
    behind the instance's groups) or a secondary ENI (its EIPs and IPv6 addresses, behind the ENI's groups)."""

    name: str  # '' for the primary interface, else the ENI id
    groups: list[str]
    v4: list[str]
    v6: list[str]

    @property
    def addresses(self) -> list[str]:
        return [*self.v4, *self.v6]

    @property
    def families(self) -> list[int]:
        # only the families it has a public address of reach it: an IPv4-only door is not reached over ::/0
        return [f for f, ips in ((4, self.v4), (6, self.v6)) if ips]

    @property
    def label(self) -> str:
        where = ", ".join(self.addresses)
        return f"public address {where}" + (f" (ENI {self.name})" if self.name else "")


class _Doors:
    """The public addresses of a region's instances: DescribeInstances' public IP and EIP, EIPs bound to the
    instance or to one of its secondary ENIs (DescribeEipAddresses InstanceType EcsInstance | NetworkInterface) or
    to one of its private addresses (InstanceType IpAddress, within the EIP's VpcId), the EIPs of the HaVips
    associated with it or its ENIs (DescribeHaVips AssociatedInstanceType EcsInstance | NetworkInterface: the HaVip's
    address is taken over by the interface, behind its groups), IPv6 addresses with Internet bandwidth
    (DescribeIpv6Addresses AssociatedInstanceType EcsInstance | NetworkInterface: "a secondary ENI"), and each
    secondary ENI's instance and groups (DescribeNetworkInterfaces)."""

    def __init__(self, enis: list[EniInfo], eips: list[EipInfo], ipv6: list[Ipv6Info],
                 havips: list[HaVipInfo]) -> None:
        self.enis: dict[str, list[EniInfo]] = defaultdict(list)
        for n in enis:
            self.enis[n.instance_id].append(n)
        self.v4: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.by_address: dict[str, list[tuple[str, str]]] = defaultdict(list)  # private address -> (VPC, EIP)
        for e in eips:
            self.v4[(e.instance_type, e.instance_id)].append(e.ip)
            if e.instance_type == "IpAddress":  # (the address is its InstanceId; PrivateIpAddress when answered)
                for address in {e.instance_id, e.private_ip} - {""}:
                    self.by_address[address].append((e.vpc_id, e.ip))
        for h in havips:
            for target in h.instances:
                self.v4[(h.instance_type or "EcsInstance", target)] += h.eips
        self.v6: dict[tuple[str, str], list[str]] = defaultdict(list)
        for a in ipv6:
            self.v6[(a.instance_type, a.instance_id)].append(a.ip)

    def of(self, i: InstanceInfo) -> list[_Door]:
        # an EIP bound to one of the instance's private addresses, in its VPC (any VPC when either is not told)
        private = [ip for address in i.private_ips for vpc, ip in self.by_address.get(address, [])
                   if not vpc or not i.vpc_id or vpc == i.vpc_id]
        primary = _Door("", i.security_groups, list(dict.fromkeys([*i.public_addresses,
                                                                   *self.v4[("EcsInstance", i.id)], *private])),
                        self.v6[("EcsInstance", i.id)])
        return [primary, *(_Door(n.id, n.security_groups, self.v4[("NetworkInterface", n.id)],
                                 self.v6[("NetworkInterface", n.id)]) for n in self.enis[i.id])]


def _judge_doors(inp: Inputs, groups: dict[str, GroupInfo], doors: list[_Door],
                 judged: _Judged) -> tuple[Status, str]:
    """FAIL if a risky port is certainly open through some door, else ERROR if a door cannot be judged (its
    groups or the lists its rules use could not be read), else PASS."""
    exposed, unknown = [], []
    for d in doors:
        missing = [g for g in d.groups if g not in groups or groups[g].error]
        if missing:
            unknown.append(f"could not read the rules of security group(s) {', '.join(missing)} of {d.label}")
            continue
        # an interface's groups are evaluated together: priorities and Drops apply across them
        key = (tuple(d.groups), tuple(d.families))
        if key not in judged:
            judged[key] = _risky(inp, [r for g in d.groups for r in groups[g].rules], d.families)
        opened, undecided = judged[key]
        if opened:
            exposed.append(f"{d.label} exposes {'; '.join(opened)}")
        if undecided:
            unknown.append(f"whether {d.label} exposes {', '.join(undecided)} depends on lists that could not be "
                           f"read: {unread_lists(r for rs in undecided.values() for r in rs)}")
    if exposed:
        return FAIL, " | ".join(exposed)
    if unknown:
        return ERROR, " | ".join(unknown)
    return PASS, f"{' | '.join(d.label for d in doors)} exposes none of the risky ports"


def _risky(inp: Inputs, rules: list[Rule], families: list[int]) -> tuple[list[str], dict[str, list[Rule]]]:
    """The risky ports open to the internet through these rules, and those that depend on unread lists."""
    opened, undecided = [], {}
    probes = [("TCP", p) for p in inp.config.risky_ports] + [("UDP", p) for p in inp.config.risky_udp_ports]
    scans = port_scans(rules, families)
    for proto, port in probes:
        if not scans[proto].touches(port, port):
            continue
        found = exposure(rules, proto, port, families)
        if found.rules:
            opened.append(f"{proto} {port} ({' + '.join(f'{r.group_id} {r.rule_id}' for r in found.rules)})")
        elif found.unknown:
            undecided[f"{proto} {port}"] = list(found.unknown)
    everything = every_port_open(scans)
    if everything:
        opened.insert(0, f"all {everything} ports")
    return opened, undecided


# --- beyond CIS: metadata access in security-hardening mode ---------------------------------------

@check(id="ecs_instance_metadata_hardened", severity="medium",
       title="ECS instances access metadata in security-hardening mode (tokens required)",
       risk="In normal mode any SSRF or proxy flaw on the instance can read the metadata service, including the "
            "instance RAM role's temporary credentials.",
       console="ECS console > Instances > the instance > More > Instance Settings > Modify Instance Metadata "
               "Access Settings: Access Mode = Security Hardening Mode.",
       cli="aliyun ecs ModifyInstanceMetadataOptions --RegionId <r> --InstanceId <i> --HttpTokens required",
       events=[*INSTANCE_EVENTS, "ModifyInstanceMetadataOptions"], needs=[INSTANCES],
       evaluates="DescribeInstances MetadataOptions of every instance: PASS when HttpEndpoint is disabled or "
                 "HttpTokens is required (security-hardening mode), FAIL otherwise (optional or not reported: normal "
                 "mode).",
       source="https://alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-"
              "modifyinstancemetadataoptions (HttpTokens required: security hardening mode) | CloudSploit "
              "ec2MetadataOptions (the AWS analogue)")
def metadata_hardened(inp: Inputs) -> Iterator[Result]:
    i: InstanceInfo
    for i in inp[INSTANCES]:
        if i.http_endpoint.lower() == "disabled":
            status, msg = PASS, "the metadata service is disabled"
        elif i.http_tokens.lower() == "required":
            status, msg = PASS, "metadata access requires a token (security-hardening mode)"
        else:
            status, msg = FAIL, f"metadata access mode is {i.http_tokens or 'optional'} (normal mode: no token needed)"
        yield Result(status=status, resource_id=i.id, resource_type=INSTANCE, resource_name=i.name, message=msg)


# --- CIS 4.1 / 4.2 --------------------------------------------------------------------------------

def _local(d: DiskInfo) -> bool:
    return d.category.startswith(("local", "ephemeral"))


def _where(d: DiskInfo) -> str:
    if d.attached_to:
        return f"attached to {', '.join(d.attached_to)}" + (f", {d.status}" if d.status in ("Attaching", "Detaching")
                                                              else "")
    return f"{d.status}, no instance named" if d.attached else "unattached"


def _disk_result(d: DiskInfo) -> Result:
    where = _where(d)
    if d.encrypted:
        key = f"KMS key {d.kms_key_id}" if d.kms_key_id else "the service key"
        return Result(status=PASS, resource_id=d.id, resource_type=DISK, resource_name=d.name,
                      message=f"{d.type or 'data'} disk ({where}) is encrypted with {key}")
    if _local(d):  # local disks cannot use cloud-disk encryption
        return Result(status=MANUAL, resource_id=d.id, resource_type=DISK, resource_name=d.name,
                      message=f"local disk ({d.category}, {where}) cannot be encrypted by ECS: verify "
                              "operating-system level encryption (LUKS, BitLocker)")
    return Result(status=FAIL, resource_id=d.id, resource_type=DISK, resource_name=d.name,
                  message=f"{d.type or 'data'} disk ({where}, {d.category}) is not encrypted")


ENCRYPT_CLI = ("aliyun ecs CreateSnapshot --DiskId <d>; aliyun ecs CreateDisk --SnapshotId <s> --Encrypted true "
               "[--KMSKeyId <k>]; aliyun ecs EnableDiskEncryptionByDefault --RegionId <r>")


@check(id="ecs_disk_unattached_encrypted", title="Ensure that unattached disks are encrypted", severity="medium",
       risk="Unattached disks keep data nobody watches; unencrypted, a snapshot or share exposes it in clear.",
       console="ECS console > Block Storage > Disks: snapshot the disk, create an encrypted disk from the snapshot, "
               "release the old disk; enable Account-level default encryption.",
       cli=ENCRYPT_CLI, cis=["4.1"], events=DISK_EVENTS, needs=[DISKS],
       evaluates="DescribeDisks, disks attached to no instance (no InstanceId, no Attachments.Attachment[].InstanceId "
                 "as a multi-attach disk answers, and Status not In_use, Attaching or Detaching): PASS when Encrypted "
                 "(with a KMS key or the service key), MANUAL for local (local_*, ephemeral*) disks, which ECS cannot "
                 "encrypt, FAIL otherwise.",
       cis_audit="ECS console > Storage and Snapshots > Disks: ensure that each disk has Encryption checked with the "
                 "value of key tag is true.")
def unattached_encrypted(inp: Inputs) -> Iterator[Result]:
    d: DiskInfo
    for d in inp[DISKS]:
        if not d.attached:
            yield _disk_result(d)


@check(id="ecs_disk_attached_encrypted", title="Ensure that virtual machine disks are encrypted", severity="medium",
       risk="Unencrypted data disks expose their data through snapshots, images and storage media.",
       console="ECS console > Block Storage > Disks: snapshot the disk, create an encrypted disk and swap it in; "
               "enable default encryption for new disks.",
       cli=ENCRYPT_CLI, cis=["4.2"], events=DISK_EVENTS, needs=[DISKS],
       evaluates="DescribeDisks, data disks attached to an instance (Type data, or not told; attached: an InstanceId, "
                 "an Attachments.Attachment[].InstanceId as multi-attach disks answer, or Status In_use, Attaching or "
                 "Detaching): PASS when Encrypted "
                 "(KMS key or the service key), MANUAL for local disks, FAIL otherwise. System disks are "
                 "ecs_system_disk_encrypted's, as the audit judges 'each disk under Data disks'.",
       cis_audit="ECS console > Storage and Snapshots > Disks: select each Data disk and ensure that each disk under "
                 "Data disks has encryption.")
def attached_encrypted(inp: Inputs) -> Iterator[Result]:
    return _attached_disks(inp, system=False)


@check(id="ecs_system_disk_encrypted", title="ECS system disks are encrypted", severity="medium",
       risk="An unencrypted system disk exposes the operating system, its configuration and any secrets on it "
            "through snapshots, custom images and storage media.",
       console="ECS console > the instance: create a custom image, copy it encrypted and re-create the instance from "
               "it (or replace the system disk with an encrypted image); enable default encryption for new disks.",
       cli="aliyun ecs CopyImage --ImageId <image> --Encrypted true [--KMSKeyId <k>]; aliyun ecs ReplaceSystemDisk "
           "--InstanceId <i> --ImageId <encrypted image>; aliyun ecs EnableDiskEncryptionByDefault --RegionId <r>",
       events=DISK_EVENTS, needs=[DISKS],
       evaluates="DescribeDisks, system disks attached to an instance (Type system; attached as "
                 "ecs_disk_attached_encrypted reads it): PASS when Encrypted (KMS key or "
                 "the service key), MANUAL for local disks, FAIL otherwise. A stricter view beside CIS 4.2, whose "
                 "audit judges data disks (ecs_disk_attached_encrypted).",
       source="RunInstances SystemDisk.Encrypted (alibabacloud_ecs20140526 RunInstancesRequestSystemDisk: 'Specifies "
              "whether to encrypt the system disk', default false)")
def system_disk_encrypted(inp: Inputs) -> Iterator[Result]:
    return _attached_disks(inp, system=True)


def _attached_disks(inp: Inputs, *, system: bool) -> Iterator[Result]:
    """A result per disk attached to an instance: its system disks, or the others (Type data, or not told)."""
    d: DiskInfo
    for d in inp[DISKS]:
        if d.attached and (d.type.lower() == "system") == system:
            yield _disk_result(d)


# --- Alibaba AccessKey guidance: no permanent AccessKeys on ECS -----------------------------------

@check(id="ram_access_key_used_from_ecs", severity="high",
       title="Permanent AccessKeys are not used from ECS instances (use instance RAM roles)",
       risk="A permanent AccessKey stored on an instance is stolen with the instance (SSRF, a leaked image or "
            "snapshot, a compromised process) and stays valid until someone rotates it; an instance RAM role "
            "hands out short-lived credentials instead.",
       console="ECS console > Instances > the instance > More > Instance Settings > Attach/Detach RAM Role: attach "
               "a role with the permissions the application needs, switch the application to the role's "
               "credentials (metadata service or the default credential chain), then disable and delete the "
               "AccessKey in the RAM console.",
       cli="aliyun ecs AttachInstanceRamRole --RegionId <r> --RamRoleName <role> --InstanceIds '[\"<i>\"]'; "
           "aliyun ram UpdateAccessKey --UserName <u> --UserAccessKeyId <ak> --Status Inactive",
       events=["CreateAccessKey", "AttachInstanceRamRole", "DetachInstanceRamRole"],
       needs=[PERMANENT_KEY_EVENTS, INSTANCES, EIPS],
       evaluates="ActionTrail events of the last access_key_event_days (7) made with permanent AccessKeys, against "
                 "this region's instances (public and private IPs, RAM role) and EIPs: FAIL per key when a call came "
                 "from an instance's public IP or EIP, a NAT gateway's or other EIP of the account, or carried a "
                 "vpcId (inside a VPC); PASS when the key was used but none of its calls came from there. Keys with "
                 "no calls in the window give no result.",
       source="https://help.aliyun.com/en/sdk/developer-reference/instantiate-a-client-and-configure-a-credential "
              "(ECS RAM role credentials: no AccessKey on the instance)")
def key_used_from_ecs(inp: Inputs) -> Iterator[Result]:
    """Per region: this region's ActionTrail events (regional events, and the global ones the region
    serves) against this region's instances and EIPs. A call with a vpcId came from inside a VPC; a
    call from an instance's public IP or an EIP (a NAT gateway's too) came from the account's cloud."""
    instances: list[InstanceInfo] = inp[INSTANCES]
    eips: list[EipInfo] = inp[EIPS]
    by_ip: dict[str, str] = {}
    roles: dict[str, str | None] = {i.id: i.ram_role for i in instances}
    classic = {i.id for i in instances if i.network_type.lower() == "classic"}  # (DescribeInstanceRamRole 403)
    for i in instances:
        for ip in i.public_addresses:
            by_ip[ip] = i.id
    for e in eips:
        if e.ip and e.ip not in by_ip:
            if e.instance_type == "EcsInstance" and e.instance_id:
                by_ip[e.ip] = e.instance_id
            else:  # a NAT gateway's EIP is where its instances' outbound calls come from
                by_ip[e.ip] = f"EIP {e.ip}" + (f" of {e.instance_type} {e.instance_id}" if e.instance_id else "")
    by_private = {(i.vpc_id, ip): i.id for i in instances for ip in i.private_ips if i.vpc_id}
    events: dict[str, list[KeyEvent]] = defaultdict(list)
    for ev in inp[PERMANENT_KEY_EVENTS]:
        events[ev.key_id].append(ev)
    for key, evs in sorted(events.items()):
        sources: dict[str, int] = defaultdict(int)
        last: KeyEvent | None = None
        for ev in evs:
            if ev.source_ip in by_ip:
                src = by_ip[ev.source_ip]
            elif ev.vpc_id:
                src = by_private.get((ev.vpc_id, ev.source_ip), f"VPC {ev.vpc_id}")
            else:
                continue
            sources[src] += 1
            last = ev if last is None or ev.time > last.time else last
        who = evs[0].principal
        if not sources:
            yield Result(status=PASS, resource_id=key, resource_type="ram:accesskey", resource_name=who,
                         message=f"{len(evs)} call(s) in {inp.config.access_key_event_days} days, none from this "
                                 "region's instances, EIPs or VPCs")
            continue
        advice = []
        for src in sources:
            if src in roles:
                role = roles[src]
                advice.append(f"use RAM role {role} of {src}" if role else
                              f"move {src} to a VPC and attach a RAM role (a classic network instance cannot have "
                              "one)" if src in classic else
                              f"attach a RAM role to {src}" if role == "" else f"use a RAM role on {src}")
        shown = ", ".join(f"{s} ({n} call(s))" for s, n in sources.items())
        yield Result(status=FAIL, resource_id=key, resource_type="ram:accesskey", resource_name=who,
                     message=f"permanent AccessKey used from inside the cloud: {shown}; "
                             + ("; ".join(advice) if advice else "use an instance RAM role")
                             + " instead",
                     details={"sources": ", ".join(sources),
                              "last_call": f"{last.service}:{last.event_name} at {last.time}" if last else ""})


# --- issue 20: risky ports per security group -----------------------------------------------------

@check(id="ecs_security_group_risky_ports_restricted", severity="high",
       title="Security groups do not open risky service ports (databases, remote administration, file sharing, "
             "cluster control planes) to the internet",
       risk="FTP, Telnet, SMB, NetBIOS, database, cache, search, Docker, etcd, Salt and Kafka ports reachable from "
            "0.0.0.0/0 or ::/0 are found by mass scanners within hours and attacked (brute force, ransom, remote "
            "code execution through unauthenticated control APIs); UDP DNS, NetBIOS and memcached are also abused "
            "for amplification attacks.",
       console="ECS console > Security Groups > the group > Inbound: remove the rules that accept these ports from "
               "0.0.0.0/0 or ::/0, or narrow their source to the addresses that need the service.",
       cli="aliyun ecs RevokeSecurityGroup --RegionId <r> --SecurityGroupId <sg> --SecurityGroupRuleId.1 <rule>",
       events=SG_EVENTS, needs=[SECURITY_GROUPS],
       evaluates=_sg_evaluates("Each port of security_group_risky_ports (TCP and UDP: FTP 20-21, Telnet 23, SMTP 25, "
                               "DNS 53/udp, NetBIOS 135-139, SMB 445, CIFS 445/udp, MSSQL 1433 and 1434/udp, Oracle "
                               "1521-1522, Docker 2375-2376, etcd 2379, MySQL 3306, Salt 4505-4506, PostgreSQL 5432, "
                               "VNC 5500 and 5900, Kibana 5601, Redis 6379, Hadoop 8020 and 50070, Kafka 9092, "
                               "Elasticsearch 9200, Memcached 11211 tcp+udp, MongoDB 27017)")
       + " FAIL when one of them is open to the internet, naming the service, port and rules; ERROR when only "
       "unread lists leave one undecided; PASS otherwise. Groups with no rules pass.",
       source="Cloud Config ecs-security-group-risky-ports-check-with-protocol | CloudSploit Alibaba ECS plugins "
              "openFTP, openTelnet, openSMTP, openDNS, openNetBIOS, openSMBoTCP, openCIFS, openSQLServer, openOracle, "
              "openOracleAutoDataWarehouse, openDocker, openMySQL, openSalt, openPostgreSQL, openVNCClient, "
              "openVNCServer, openKibana, openHadoopNameNode, openHadoopNameNodeWebUI, openElasticsearch (Redis, "
              "etcd, Kafka, Memcached and MongoDB added by the issue)")
def risky_ports_restricted(inp: Inputs) -> Iterator[Result]:
    probes = [parse_risky_service(s) for s in inp.config.security_group_risky_ports]
    for g, err in _groups(inp):
        if err:
            yield err
            continue
        opened: list[str] = []
        through: list[Rule] = []
        undecided = []
        for proto, lo, hi, service in probes:
            if not g.scans[proto].touches(lo, hi):
                continue
            where = f"{service} ({proto} {lo}" + (f"-{hi})" if hi != lo else ")")
            found_rules: list[Rule] = []
            unknown: list[Rule] = []
            for port in range(lo, hi + 1):
                found = exposure(g.rules, proto, port)
                found_rules += [r for r in found.rules if r not in found_rules]
                unknown += [r for r in found.unknown if r not in unknown]
            if found_rules:
                opened.append(where)
                through += [r for r in found_rules if r not in through]
            elif unknown:
                undecided.append((where, unknown))
        if opened:
            status, msg = FAIL, f"open to the internet: {', '.join(opened)}; through {_why(through)}"
        elif undecided:
            status = ERROR
            msg = "whether {} are reachable from the internet depends on lists that could not be read: {}".format(
                ", ".join(w for w, _ in undecided), unread_lists(r for _, rs in undecided for r in rs))
        else:
            status, msg = PASS, f"none of the {len(probes)} risky services is reachable from the internet"
        yield Result(status=status, resource_id=g.id, resource_type=SG, resource_name=g.name, message=msg)


# --- issue 20: instances ---------------------------------------------------------------------------

@check(id="ecs_instance_login_key_pair", severity="medium",
       title="Linux ECS instances log on with an SSH key pair, not a password",
       risk="Password logon to SSH can be brute-forced and passwords are reused and phished; a key pair cannot be "
            "guessed.",
       console="ECS console > Instances > the instance > More > Network and Security > Bind Key Pair (then restart "
               "the instance; password logon is disabled).",
       cli="aliyun ecs AttachKeyPair --RegionId <r> --KeyPairName <kp> --InstanceIds '[\"<i>\"]'",
       events=[*INSTANCE_EVENTS, "AttachKeyPair", "DetachKeyPair", "ReplaceSystemDisk"], needs=[INSTANCES],
       evaluates="DescribeInstances OSType and KeyPairName of every instance: for OSType linux, PASS when KeyPairName "
                 "names a key pair, FAIL when it is empty (password logon); Windows instances (which log on with a "
                 "password) give no result.",
       source="Cloud Config ecs-instance-login-use-keypair")
def login_key_pair(inp: Inputs) -> Iterator[Result]:
    i: InstanceInfo
    for i in inp[INSTANCES]:
        if i.os_type != "linux":
            continue
        if i.key_pair:
            yield Result(status=PASS, resource_id=i.id, resource_type=INSTANCE, resource_name=i.name,
                         message=f"Linux instance logs on with key pair {i.key_pair}")
        else:
            yield Result(status=FAIL, resource_id=i.id, resource_type=INSTANCE, resource_name=i.name,
                         message="Linux instance has no key pair bound (password logon)")


@check(id="ecs_instance_user_data_no_access_keys", severity="high",
       title="ECS instance user data holds no AccessKeys or other credentials",
       risk="User data is readable by anyone who can call DescribeUserData or reach the instance's metadata service "
            "(an SSRF is enough); an AccessKey or a password stored there is a standing credential for the "
            "account or its databases.",
       console="ECS console > Instances > the instance > More > Instance Settings > Set User Data: remove the "
               "credentials (stop the instance first), rotate them, and give the instance a RAM role instead.",
       cli="aliyun ecs ModifyInstanceAttribute --RegionId <r> --InstanceId <i> --UserData <base64 without secrets>; "
           "aliyun ram UpdateAccessKey --UserName <u> --UserAccessKeyId <ak> --Status Inactive",
       events=[*INSTANCE_EVENTS, "ModifyInstanceAttribute"], needs=[USER_DATA],
       evaluates="DescribeUserData per instance (UserData, Base64-decoded), line by line: FAIL when a line holds an "
                 "AccessKey ID (LTAI followed by 12-30 letters and digits) or assigns a literal value of 8 or more "
                 "characters to a name with SECRET, PASSWORD or PASSWD (ACCESS_KEY_SECRET, DB_PASSWORD...) or to the "
                 "aliyun CLI's --access-key-secret / --password (not $VAR / ${VAR} / {{ }} references), naming the "
                 "line numbers and names, never the values; PASS otherwise (no user data too); ERROR when the user "
                 "data could not be read, or not decoded within bounds (not Base64, over 64 KiB, gzip inflating past "
                 "256 KiB).",
       source="https://help.aliyun.com/en/sdk/developer-reference/instantiate-a-client-and-configure-a-credential "
              "('Never hardcode credentials in source code'; use ECS RAM role credentials) | "
              "https://api.alibabacloud.com/api/Ecs/2014-05-26/DescribeUserData")
def user_data_no_access_keys(inp: Inputs) -> Iterator[Result]:
    u: UserDataInfo
    for u in inp[USER_DATA]:
        if u.error:
            status, msg = ERROR, f"could not read the instance's user data: {u.error}"
        elif u.hits:
            status, msg = FAIL, "user data holds credentials: " + "; ".join(u.hits)
        else:
            status, msg = PASS, ("user data holds no AccessKey ID or secret assignment" if u.has_user_data
                                 else "the instance has no user data")
        yield Result(status=status, resource_id=u.instance_id, resource_type=INSTANCE, resource_name=u.name,
                     message=msg)


@check(id="ecs_instance_ram_role_not_admin", severity="high",
       title="ECS instance RAM roles are not administrator-equivalent",
       risk="Whoever runs code on the instance, or reaches its metadata service through an SSRF, holds the role's "
            "temporary credentials: a role with administrator rights, or rights to grant itself more, turns one "
            "vulnerable instance into an account takeover.",
       console="RAM console > Roles > the role > Permissions: replace AdministratorAccess and wildcard policies "
               "with policies naming only the actions and resources the application uses.",
       cli="aliyun ram DetachPolicyFromRole --PolicyType System --PolicyName AdministratorAccess --RoleName <role>",
       events=["AttachInstanceRamRole", "DetachInstanceRamRole", "AttachPolicyToRole", "DetachPolicyFromRole",
               "CreatePolicyVersion", "SetDefaultPolicyVersion", *INSTANCE_EVENTS], needs=[INSTANCE_ROLES],
       evaluates="DescribeInstanceRamRole per instance, then the role's policies (ListPoliciesForRole, GetPolicy "
                 "default version) judged by ram_policy: FAIL when a policy grants administrator rights "
                 "(AdministratorAccess, Action * on *) or rights to escalate (ram:* or granting policies, "
                 "sts:AssumeRole on *), naming the policies, even when another of its policies could not be read; "
                 "PASS when the role is not administrator-equivalent or the instance has no RAM role (a classic "
                 "network instance is not asked: it cannot have one, InvalidNetworkType.MismatchRamRole); ERROR when "
                 "the instance's role or one of its policies could not be read (and none read grants those rights). "
                 "Instances are asked 50 at a time; a batch answering InvalidInstanceId.NotFound or "
                 "InvalidNetworkType.MismatchRamRole is split until the instance stands alone (one released since "
                 "DescribeInstances listed it gives no result), so only the instances of a batch that still fails "
                 "are ERROR.",
       source="Cloud Config ecs-instance-ram-role-attached (extended to the role's rights) | "
              "https://api.alibabacloud.com/api/Ecs/2014-05-26/DescribeInstanceRamRole")
def ram_role_not_admin(inp: Inputs) -> Iterator[Result]:
    r: InstanceRole
    for r in inp[INSTANCE_ROLES]:
        if r.admin_reasons:  # (before an unread policy: what was read already makes it an administrator)
            unread = f" (also: {r.error})" if r.error else ""
            status, msg = FAIL, f"RAM role {r.role} is administrator-equivalent: {'; '.join(r.admin_reasons)}{unread}"
        elif r.error:
            status, msg = ERROR, f"could not judge the instance's RAM role{' ' + r.role if r.role else ''}: {r.error}"
        elif not r.role:
            status, msg = PASS, "the instance has no RAM role" + (f" ({r.note})" if r.note else "")
        else:
            attached = ", ".join(r.policies) or "no policies"
            status, msg = PASS, f"RAM role {r.role} is not administrator-equivalent ({attached})"
        yield Result(status=status, resource_id=r.instance_id, resource_type=INSTANCE, resource_name=r.name,
                     message=msg, details={"ram_role": r.role})


# --- issue 20: images and disks --------------------------------------------------------------------

@check(id="ecs_image_not_public", severity="high",
       title="Custom ECS images are not shared publicly",
       risk="A public custom image can be used by any Alibaba Cloud account: whatever it holds (application code, "
            "configuration, keys, database files) is published.",
       console="ECS console > Images > Custom Images > the image > Share Image: cancel public sharing.",
       cli="aliyun ecs ModifyImageSharePermission --RegionId <r> --ImageId <m> --IsPublic false",
       events=["ModifyImageSharePermission", "ModifyImageShareGroupPermission", "CreateImage", "CopyImage",
               "ImportImage"], needs=[IMAGES],
       evaluates="DescribeImages (ImageOwnerAlias self: the account's custom images, which by default leave out "
                 "community images; and ImageOwnerAlias others, IsPublic true, ImageOwnerId the account: the custom "
                 "images it published as community images), merged by ImageId, then DescribeImageSharePermission per "
                 "image: FAIL when DescribeImages IsPublic is true (a custom image published as a community image) or "
                 "ShareGroups.ShareGroup[].Group is all, even when the share permissions could not be read; PASS "
                 "otherwise (sharing with named accounts is reported, not failed); ERROR when the share permissions "
                 "could not be read and IsPublic did not say public.",
       source="Mondoo cnspec (public ECS images) | "
              "https://api.alibabacloud.com/api/Ecs/2014-05-26/DescribeImageSharePermission | "
              "https://api.alibabacloud.com/api/Ecs/2014-05-26/DescribeImages (IsPublic)")
def image_not_public(inp: Inputs) -> Iterator[Result]:
    m: ImageInfo
    for m in inp[IMAGES]:
        shared = f"; shared with account(s) {', '.join(m.shared_accounts)}" if m.shared_accounts else ""
        if m.public:  # (before an unread share permission: what was read already makes it public)
            unread = f" (its share permissions could not be read: {m.error})" if m.error else ""
            status, msg = FAIL, ("the image is public (published as a community image: IsPublic true, or "
                                 "ShareGroup all)" + shared + unread)
        elif m.error:
            status, msg = ERROR, f"could not read the image's share permissions: {m.error}"
        else:
            status, msg = PASS, "the image is not public" + shared
        yield Result(status=status, resource_id=m.id, resource_type="ecs:image", resource_name=m.name, message=msg)


@check(id="ecs_disk_encryption_by_default_enabled", severity="medium",
       title="Account-level default encryption of new ECS cloud disks is enabled in every region",
       risk="Without default encryption every new disk, and every snapshot and image made from it, is stored in "
            "clear unless each creator remembers to ask for encryption.",
       console="ECS console > Block Storage > Disks > Account-level Default Encryption Settings: enable default "
               "encryption for the region (with the service key or a KMS key). Alibaba offers the feature only in "
               "specific regions and to specific users: submit a ticket to have it offered.",
       cli="aliyun ecs EnableDiskEncryptionByDefault --RegionId <r>",
       events=["EnableDiskEncryptionByDefault", "DisableDiskEncryptionByDefault", "ModifyDiskDefaultKMSKeyId",
               "ResetDiskDefaultKMSKeyId"], needs=[ENCRYPTION_BY_DEFAULT],
       evaluates="DescribeDiskEncryptionByDefaultStatus Encrypted for the region: PASS when true; MANUAL when false, "
                 "since Alibaba offers the feature 'only in specific regions and to specific users' "
                 "(EnableDiskEncryptionByDefault; its errors Abs.InvalidAction.RegionNotSupport and "
                 "UserNotInTheWhiteList) and no read API says whether the account and region may enable it "
                 "(Encrypted defaults to false either way); ERROR for the region when it could not be read.",
       source="landing-zone alert cis_at_ecs_disk_encry_detc | https://alibabacloud.com/help/en/ecs/"
              "developer-reference/api-ecs-2014-05-26-enablediskencryptionbydefault | "
              "https://www.alibabacloud.com/help/en/ecs/user-guide/account-level-ebs-default-encryption")
def encryption_by_default_enabled(inp: Inputs) -> Iterator[Result]:
    e: EncryptionByDefault = inp[ENCRYPTION_BY_DEFAULT]
    if e.encrypted:
        status, msg = PASS, "new cloud disks are encrypted by default"
    else:
        status, msg = MANUAL, ("default encryption of new cloud disks is off; Alibaba offers Account-level EBS "
                               "Default Encryption only in specific regions and to specific users (submit a ticket "
                               "to use it): enable it where offered (EnableDiskEncryptionByDefault answers "
                               "Abs.InvalidAction.RegionNotSupport or UserNotInTheWhiteList where it is not)")
    yield Result(status=status, resource_id=f"ecs-default-encryption/{e.region}", resource_type="ecs:region",
                 region=e.region, message=msg)


def _policy_verdict(policy_id: str, policy: SnapshotPolicy | None) -> tuple[Status, str]:
    if policy is None:
        return ERROR, (f"the disk names automatic snapshot policy {policy_id}, which DescribeAutoSnapshotPolicyEx does "
                       "not list in the region (deleted since?)")
    if policy.status == "Normal":
        keep = "until deleted" if policy.retention_days == -1 else f"{policy.retention_days} days"
        return PASS, (f"automatic snapshot policy {policy_id} is applied (days {policy.repeat_weekdays or '?'}, hours "
                      f"{policy.time_points or '?'} UTC+8, snapshots kept {keep})")
    if policy.status == "Expire":
        return FAIL, (f"automatic snapshot policy {policy_id} has Status Expire: it cannot be used because the account "
                      "has overdue payments, so no snapshots are taken")
    return MANUAL, f"automatic snapshot policy {policy_id} has an undocumented Status {policy.status or '(empty)'}"


@check(id="ecs_disk_auto_snapshot_policy_attached", severity="medium",
       title="ECS cloud disks have an automatic snapshot policy",
       risk="A disk without automatic snapshots cannot be restored after deletion, corruption or ransomware "
            "encryption.",
       console="ECS console > Storage & Snapshots > Automatic Snapshot Policies: apply a policy to the disk.",
       cli="aliyun ecs ApplyAutoSnapshotPolicy --regionId <r> --autoSnapshotPolicyId <sp> --diskIds '[\"<d>\"]'",
       events=["ApplyAutoSnapshotPolicy", "CancelAutoSnapshotPolicy", "DeleteAutoSnapshotPolicy", *DISK_EVENTS],
       needs=[DISKS, SNAPSHOT_POLICIES],
       evaluates="DescribeDisks AutoSnapshotPolicyId and EnableAutomatedSnapshotPolicy of every cloud disk, and the "
                 "policy itself (DescribeAutoSnapshotPolicyEx in the disk's region): PASS when a policy id is set, "
                 "the policy is applied (true) and its Status is Normal; FAIL when no policy id is set, or when the "
                 "policy's Status is Expire (\"cannot be used because your account has overdue payments\": no "
                 "snapshots are taken); ERROR when the region's policies list does not hold the policy; MANUAL when a "
                 "policy id is set but EnableAutomatedSnapshotPolicy is false (the API reference sample shows this "
                 "pair and does not say what it means), or the Status is not a documented one. Local disks (local_*, "
                 "ephemeral*), which have no snapshots, give no result.",
       source="Cloud Config ecs-disk-auto-snapshot-policy | landing-zone alert cis_at_ecs_auto_snapshot_policy")
def auto_snapshot_policy_attached(inp: Inputs) -> Iterator[Result]:
    policies: dict[str, SnapshotPolicy] = {p.id: p for p in inp[SNAPSHOT_POLICIES]}
    d: DiskInfo
    for d in inp[DISKS]:
        if _local(d):
            continue
        if not d.auto_snapshot_policy:
            status, msg = FAIL, f"{d.type or 'data'} disk has no automatic snapshot policy"
        elif d.automated_snapshot_policy:
            status, msg = _policy_verdict(d.auto_snapshot_policy, policies.get(d.auto_snapshot_policy))
        else:
            status, msg = MANUAL, (f"the disk names automatic snapshot policy {d.auto_snapshot_policy} but reports it "
                                   "as not applied (EnableAutomatedSnapshotPolicy false): check it in the console")
        yield Result(status=status, resource_id=d.id, resource_type=DISK, resource_name=d.name, message=msg)
