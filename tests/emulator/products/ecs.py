"""ECS: regions, instances (network, public IPs, security groups, RAM role, metadata options), secondary
network interfaces, security groups with their rules, the port lists and prefix lists rules can name, and
disks. Writes for tests: security groups and rules, instance metadata options."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, Field, PrivateAttr

from .. import index
from ..call import Call
from ..clock import iso
from ..errors import ApiError
from ..pop import PopApi, page_by_number, page_by_token, require
from ..regions import region_exists

api = PopApi("ecs", "2014-05-26")
T = TypeVar("T")

LOCAL_NAMES = {
    "cn-hangzhou": "华东1（杭州）", "cn-shanghai": "华东2（上海）", "cn-beijing": "华北2（北京）",
    "cn-shenzhen": "华南1（深圳）", "cn-hongkong": "中国香港", "ap-southeast-1": "新加坡",
    "us-west-1": "美国（硅谷）", "eu-central-1": "德国（法兰克福）",
}
PROTOCOLS = {"TCP", "UDP", "ICMP", "ICMPV6", "GRE", "ALL"}


def _id(prefix: str) -> str:
    return prefix + secrets.token_hex(10)


class Permission(BaseModel):
    """One security-group rule, as DescribeSecurityGroupAttribute shows it."""

    id: str = Field(default_factory=lambda: _id("sgr-"))
    direction: str = "ingress"  # ingress | egress
    policy: str = "Accept"  # Accept | Drop
    priority: int = 1  # 1-100, lower wins
    ip_protocol: str = "TCP"  # TCP | UDP | ICMP | ICMPv6 | GRE | ALL
    port_range: str = "-1/-1"  # "22/22", "1/65535"; -1/-1 for ICMP, GRE and ALL
    source_cidr_ip: str = ""
    ipv6_source_cidr_ip: str = ""
    source_group_id: str = ""
    source_prefix_list_id: str = ""  # a PrefixList of the region (used when no other source is set)
    port_range_list_id: str = ""  # a PortRangeList of the region (used when port_range is "")
    dest_cidr_ip: str = ""
    ipv6_dest_cidr_ip: str = ""
    dest_group_id: str = ""
    # NicType: a VPC group's rules are intranet; a classic group's internet (the default) or intranet
    # (AuthorizeSecurityGroup Permissions.N.NicType); "" = the default for the group (_nic)
    nic_type: str = ""
    description: str = ""
    created: datetime = datetime(2024, 1, 1)


class SecurityGroup(BaseModel):
    id: str = Field(default_factory=lambda: _id("sg-"))
    name: str = ""
    region: str = "cn-hangzhou"
    vpc_id: str = ""
    type: str = "normal"  # normal | enterprise
    description: str = ""
    inner_access_policy: str = "Accept"
    created: datetime = datetime(2024, 1, 1)
    permissions: list[Permission] = Field(default_factory=list)


class PortRangeList(BaseModel):
    """A port list (CreatePortRangeList): named port ranges rules refer to by PortRangeListId."""

    id: str = Field(default_factory=lambda: _id("prl-"))
    name: str = ""
    region: str = "cn-hangzhou"
    entries: list[str] = Field(default_factory=list)  # PortRange values: "80/80", "8000/8100"
    max_entries: int = 20
    created: datetime = datetime(2024, 1, 1)


class PrefixList(BaseModel):
    """A prefix list (CreatePrefixList): CIDR blocks of one address family rules refer to by SourcePrefixListId."""

    id: str = Field(default_factory=lambda: _id("pl-"))
    name: str = ""
    region: str = "cn-hangzhou"
    address_family: str = "IPv4"  # IPv4 | IPv6
    entries: list[str] = Field(default_factory=list)  # CIDR blocks
    max_entries: int = 20
    description: str = ""
    created: datetime = datetime(2024, 1, 1)


class NetworkInterface(BaseModel):
    """A secondary elastic network interface; its EIPs are vpc.eips with instance_type NetworkInterface and its
    IPv6 addresses vpc.ipv6_addresses. Primary interfaces are the instances' own (listed from them)."""

    id: str = Field(default_factory=lambda: _id("eni-"))
    name: str = ""
    region: str = "cn-hangzhou"
    zone: str = ""  # default: <region>-a
    instance_id: str = ""  # '' = not attached (Available)
    vpc_id: str = ""
    vswitch_id: str = ""
    private_ip: str = ""
    security_groups: list[str] = Field(default_factory=list)
    created: datetime = datetime(2024, 1, 1)


class Instance(BaseModel):
    id: str = Field(default_factory=lambda: _id("i-"))
    name: str = ""
    region: str = "cn-hangzhou"
    zone: str = ""  # default: <region>-a
    status: str = "Running"
    network_type: str = "vpc"  # vpc | classic
    vpc_id: str = ""
    vswitch_id: str = ""
    private_ips: list[str] = Field(default_factory=list)
    public_ips: list[str] = Field(default_factory=list)  # fixed public IPs; EIPs live in vpc.eips
    security_groups: list[str] = Field(default_factory=list)
    ram_role: str = ""
    http_tokens: str = "optional"  # optional | required (security-hardening mode)
    http_endpoint: str = "enabled"
    os_type: str = "linux"  # linux | windows (DescribeInstances OSType)
    key_pair: str = ""  # KeyPairName: '' = password logon
    user_data: str = ""  # plain text; DescribeUserData answers it Base64-encoded
    created: datetime = datetime(2024, 1, 1)


class Image(BaseModel):
    """A custom image of the account (ImageOwnerAlias self) and with whom it is shared."""

    id: str = Field(default_factory=lambda: _id("m-"))
    name: str = ""
    region: str = "cn-hangzhou"
    status: str = "Available"  # UnAvailable | Available | Creating | CreateFailed (DescribeImages Status)
    os_type: str = "linux"
    # published as a community image (ModifyImageSharePermission IsPublic "true: publishes the custom image as a
    # community image"): DescribeImages lists it only with ImageOwnerAlias others and IsPublic true, answers IsPublic
    # true, and DescribeImageSharePermission answers ShareGroup all
    public: bool = False
    shared_accounts: list[str] = Field(default_factory=list)  # AliyunIds it is shared with
    size: int = 40
    created: datetime = datetime(2024, 1, 1)


class Disk(BaseModel):
    id: str = Field(default_factory=lambda: _id("d-"))
    name: str = ""
    region: str = "cn-hangzhou"
    zone: str = ""
    instance_id: str = ""  # '' = unattached (Available)
    # MultiAttach Enabled: attached to `instances` (with instance_id ''); DescribeDisks answers InstanceId "" for it
    # ("empty for cloud disks for which the multi-attach feature is enabled") and names them in Attachments
    multi_attach: bool = False
    instances: list[str] = Field(default_factory=list)
    status: str = ""  # In_use | Available | Attaching | Detaching | Creating | ReIniting; '' = from the attachment
    type: str = "data"  # system | data
    category: str = "cloud_essd"
    size: int = 40
    encrypted: bool = False
    kms_key_id: str = ""
    auto_snapshot_policy_id: str = ""  # '' = no automatic snapshot policy applied
    created: datetime = datetime(2024, 1, 1)


class AutoSnapshotPolicy(BaseModel):
    """DescribeAutoSnapshotPolicyEx's fields (API reference; tests/fixtures/wire/ecs/DescribeAutoSnapshotPolicyEx.json):
    Status Normal | Expire ("cannot be used because your account has overdue payments"), Type Custom | System,
    RetentionDays -1 (kept until deleted) or 1-65536, RepeatWeekdays days 1-7, TimePoints hours 0-23 (UTC+8)."""

    id: str = Field(default_factory=lambda: _id("sp-"))
    name: str = ""
    region: str = "cn-hangzhou"
    status: str = "Normal"
    type: str = "Custom"
    repeat_weekdays: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5, 6, 7])
    time_points: list[int] = Field(default_factory=lambda: [2])
    retention_days: int = 7
    created: datetime = datetime(2024, 1, 1)


class EcsState(BaseModel):
    instances: list[Instance] = Field(default_factory=list)
    network_interfaces: list[NetworkInterface] = Field(default_factory=list)  # secondary ENIs
    security_groups: list[SecurityGroup] = Field(default_factory=list)
    port_range_lists: list[PortRangeList] = Field(default_factory=list)
    prefix_lists: list[PrefixList] = Field(default_factory=list)
    disks: list[Disk] = Field(default_factory=list)
    images: list[Image] = Field(default_factory=list)  # custom images
    encryption_by_default: list[str] = Field(default_factory=list)  # regions where new disks are encrypted
    auto_snapshot_policies: list[AutoSnapshotPolicy] = Field(default_factory=list)
    _group_index: dict[str, int] = PrivateAttr(default_factory=dict)  # id -> position (index.py)
    _instance_index: dict[str, int] = PrivateAttr(default_factory=dict)  # id -> position


# --- helpers -------------------------------------------------------------------------------------

def region_of(call: Call) -> str:
    """The request's region (RegionId, else the host's), which must be one of the account's."""
    region = call.params.get("RegionId") or call.region
    if not region:
        raise ApiError("MissingParameter", 'The input parameter "RegionId" that is mandatory for processing this '
                                           "request is not supplied.", 400)
    if not region_exists(call.acct.regions, region):  # a public region the account does not use lists nothing
        raise ApiError("InvalidRegionId.NotFound", f"The specified RegionId does not exist: {region}", 404)
    call.region = region
    return region


def json_list(call: Call, name: str) -> list[str] | None:
    """A JSON-array parameter such as InstanceIds='["i-1","i-2"]' (None when absent)."""
    raw = call.params.get(name, "")
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, list):
        raise ApiError(f"InvalidParameter.{name}", f"The parameter {name} must be a JSON array.", 400)
    return [str(v) for v in value]


def page(items: Sequence[T], call: Call, *, size_default: int, size_max: int,
         results_max: int) -> tuple[Sequence[T], dict[str, Any]]:
    """ECS lists page either by NextToken/MaxResults or by PageNumber/PageSize."""
    if call.params.get("NextToken") or call.params.get("MaxResults"):
        got, meta = page_by_token(items, call.params, default=size_default, limit=results_max)
        meta.pop("MaxResults")  # a request parameter only: the response models declare no MaxResults
        return got, meta
    return page_by_number(items, call.params, default=size_default, limit=size_max)


def _zone(region: str, zone: str) -> str:
    return zone or f"{region}-a"


def _group(call: Call) -> SecurityGroup:
    gid = require(call.params, "SecurityGroupId")
    region = region_of(call)
    ecs = call.acct.ecs
    sg = index.find(ecs.security_groups, gid, ecs._group_index, lambda g: g.id)
    if sg is None or sg.region != region:
        raise ApiError("InvalidSecurityGroupId.NotFound", f"The specified security group does not exist: {gid}", 404)
    call.touch("ACS::ECS::SecurityGroup", sg.id)
    return sg


def _instance(call: Call) -> Instance:
    iid = require(call.params, "InstanceId")
    region = region_of(call)
    ecs = call.acct.ecs
    inst = index.find(ecs.instances, iid, ecs._instance_index, lambda i: i.id)
    if inst is None or inst.region != region:
        raise ApiError("InvalidInstanceId.NotFound", f"The specified instance does not exist: {iid}", 404)
    call.touch("ACS::ECS::Instance", inst.id)
    return inst


# --- regions -------------------------------------------------------------------------------------

@api.action("DescribeRegions")
def describe_regions(call: Call) -> dict[str, Any]:
    regions = [{"RegionId": r, "LocalName": LOCAL_NAMES.get(r, r), "Status": "available",
                "RegionEndpoint": f"ecs.{r}.aliyuncs.com"} for r in call.acct.regions]
    return {"Regions": {"Region": regions}}


# --- instances -----------------------------------------------------------------------------------

def _instance_view(call: Call, i: Instance) -> dict[str, Any]:
    eip = next((e for e in call.acct.vpc.eips if e.instance_id == i.id and e.instance_type == "EcsInstance"), None)
    return {
        "InstanceId": i.id, "InstanceName": i.name or i.id, "RegionId": i.region, "ZoneId": _zone(i.region, i.zone),
        "Status": i.status, "InstanceNetworkType": i.network_type, "CreationTime": iso(i.created),
        "InstanceType": "ecs.g7.large", "OSType": i.os_type, "KeyPairName": i.key_pair,
        "PublicIpAddress": {"IpAddress": list(i.public_ips)},
        "EipAddress": {"IpAddress": eip.ip if eip else "", "AllocationId": eip.id if eip else ""},
        "InnerIpAddress": {"IpAddress": list(i.private_ips) if i.network_type == "classic" else []},
        "VpcAttributes": {"VpcId": i.vpc_id, "VSwitchId": i.vswitch_id, "NatIpAddress": "",
                          "PrivateIpAddress": {"IpAddress": list(i.private_ips) if i.network_type == "vpc" else []}},
        "SecurityGroupIds": {"SecurityGroupId": list(i.security_groups)},
        "MetadataOptions": {"HttpTokens": i.http_tokens, "HttpEndpoint": i.http_endpoint,
                            "HttpPutResponseHopLimit": 1},
    }


@api.action("DescribeInstances")
def describe_instances(call: Call) -> dict[str, Any]:
    region = region_of(call)
    ids = json_list(call, "InstanceIds")
    p = call.params
    items = [i for i in call.acct.ecs.instances if i.region == region
             and (ids is None or i.id in ids) and (not p.get("VpcId") or i.vpc_id == p["VpcId"])
             and (not p.get("Status") or i.status == p["Status"])
             and (not p.get("SecurityGroupId") or p["SecurityGroupId"] in i.security_groups)]
    got, meta = page(items, call, size_default=10, size_max=100, results_max=100)
    return {**meta, "Instances": {"Instance": [_instance_view(call, i) for i in got]}}


@api.action("DescribeInstanceRamRole")
def describe_instance_ram_role(call: Call) -> dict[str, Any]:
    # at most 50 ids, PageSize 1-50 (alibabacloud_ecs20140526 DescribeInstanceRamRoleRequest doc comments); the
    # documented errors (OpenMeta ecs DescribeInstanceRamRole): 400 InvalidInstanceIds.Malformed "The specified
    # instanceIds are not valid.", 403 InvalidParameter.AllEmpty, 403 InvalidNetworkType.MismatchRamRole "Ram role
    # cannot be applied to instances of Classic network type.", 404 InvalidInstanceId.NotFound. The reference does
    # not say which of several wins: an unknown id is answered before a classic one
    region = region_of(call)
    try:
        ids = json_list(call, "InstanceIds")
    except ApiError:
        ids = []
    role = call.params.get("RamRoleName", "")
    if ids is None and not role:
        raise ApiError("InvalidParameter.AllEmpty", "Either InstanceIds or RamRoleName must be set.", 403)
    if ids is not None and not 0 < len(ids) <= 50:
        raise ApiError("InvalidInstanceIds.Malformed", "The specified instanceIds are not valid.", 400)
    mine = {i.id: i for i in call.acct.ecs.instances if i.region == region}
    if ids is not None and any(i not in mine for i in ids):
        raise ApiError("InvalidInstanceId.NotFound", "The specified instanceId does not exist", 404)
    if ids is not None and any(mine[i].network_type == "classic" for i in ids):
        raise ApiError("InvalidNetworkType.MismatchRamRole",
                       "Ram role cannot be applied to instances of Classic network type.", 403)
    items = [i for i in mine.values()
             if i.ram_role and (ids is None or i.id in ids) and (not role or i.ram_role == role)]
    got, meta = page_by_number(items, call.params, default=10, limit=50)
    return {"RegionId": region, "TotalCount": meta["TotalCount"],
            "InstanceRamRoleSets": {"InstanceRamRoleSet": [{"InstanceId": i.id, "RamRoleName": i.ram_role}
                                                           for i in got]}}


@api.action("ModifyInstanceMetadataOptions", write=True)
def modify_instance_metadata_options(call: Call) -> dict[str, Any]:
    inst = _instance(call)
    tokens = call.params.get("HttpTokens", "")
    endpoint = call.params.get("HttpEndpoint", "")
    if tokens and tokens not in ("optional", "required"):
        raise ApiError("InvalidParameter.HttpTokens", f"The parameter HttpTokens is invalid: {tokens}", 400)
    if endpoint and endpoint not in ("enabled", "disabled"):
        raise ApiError("InvalidParameter.HttpEndpoint", f"The parameter HttpEndpoint is invalid: {endpoint}", 400)
    inst.http_tokens = tokens or inst.http_tokens
    inst.http_endpoint = endpoint or inst.http_endpoint
    md = call.acct.metadata
    if md.instance_id == inst.id:  # the emulated metadata service follows its own instance
        md.http_tokens = inst.http_tokens
    return {}


# --- security groups -----------------------------------------------------------------------------

def _group_view(g: SecurityGroup, members: Counter[str]) -> dict[str, Any]:
    return {"SecurityGroupId": g.id, "SecurityGroupName": g.name, "Description": g.description, "VpcId": g.vpc_id,
            "SecurityGroupType": g.type, "CreationTime": iso(g.created), "RuleCount": len(g.permissions),
            "EcsCount": members[g.id], "ServiceManaged": False}


def _nic(g: SecurityGroup, p: Permission) -> str:
    """A rule's NicType: intranet in a VPC group ("set to intranet by default and cannot be modified"), else as created,
    internet by default (AuthorizeSecurityGroup Permissions.N.NicType, ecs 2014-05-26)."""
    return "intranet" if g.vpc_id else (p.nic_type or "internet")


def _permission_view(g: SecurityGroup, p: Permission) -> dict[str, Any]:
    return {"SecurityGroupRuleId": p.id, "Direction": p.direction, "Policy": p.policy, "Priority": str(p.priority),
            "IpProtocol": p.ip_protocol, "PortRange": p.port_range, "SourceCidrIp": p.source_cidr_ip,
            "Ipv6SourceCidrIp": p.ipv6_source_cidr_ip, "SourceGroupId": p.source_group_id,
            "SourcePrefixListId": p.source_prefix_list_id, "PortRangeListId": p.port_range_list_id,
            "DestCidrIp": p.dest_cidr_ip,
            "Ipv6DestCidrIp": p.ipv6_dest_cidr_ip, "DestGroupId": p.dest_group_id, "NicType": _nic(g, p),
            "Description": p.description, "CreateTime": iso(p.created), "SourcePortRange": ""}


@api.action("DescribeSecurityGroups")
def describe_security_groups(call: Call) -> dict[str, Any]:
    region = region_of(call)
    ids = json_list(call, "SecurityGroupIds")
    p = call.params
    items = [g for g in call.acct.ecs.security_groups if g.region == region
             and (ids is None or g.id in ids) and (not p.get("VpcId") or g.vpc_id == p["VpcId"])
             and (not p.get("SecurityGroupId") or g.id == p["SecurityGroupId"])]
    # PageSize and MaxResults: "maximum": "100", default 10 (OpenMeta ecs 2014-05-26 DescribeSecurityGroups)
    got, meta = page(items, call, size_default=10, size_max=100, results_max=100)
    # instances per group, counted once per call (not once per group: thousands of instances)
    members = Counter(gid for i in call.acct.ecs.instances if i.region == region for gid in i.security_groups)
    return {**meta, "RegionId": region,
            "SecurityGroups": {"SecurityGroup": [_group_view(g, members) for g in got]}}


@api.action("DescribeSecurityGroupAttribute")
def describe_security_group_attribute(call: Call) -> dict[str, Any]:
    g = _group(call)
    direction = call.params.get("Direction", "all")
    if direction not in ("all", "ingress", "egress"):
        raise ApiError("InvalidParameter.Direction", f"The parameter Direction is invalid: {direction}", 400)
    # NicType: a classic group's rules of one NIC type per call, internet by default ("To query security group rules
    # of both NIC types, call the operation twice"); a VPC group's are all intranet, whatever is asked ("If you set
    # this parameter to internet or leave this parameter empty, a value of intranet is automatically used")
    nic = "intranet" if g.vpc_id else (call.params.get("NicType") or "internet")
    rules: Sequence[Permission] = [p for p in g.permissions if (direction == "all" or p.direction == direction)
                                   and _nic(g, p) == nic]
    out: dict[str, Any] = {"SecurityGroupId": g.id, "SecurityGroupName": g.name, "Description": g.description,
                           "VpcId": g.vpc_id, "RegionId": g.region, "InnerAccessPolicy": g.inner_access_policy}
    if call.params.get("NextToken") or call.params.get("MaxResults"):  # paged only when asked (legacy: all)
        rules, meta = page_by_token(rules, call.params, default=500, limit=1000)
        out["NextToken"] = meta["NextToken"]
    out["Permissions"] = {"Permission": [_permission_view(g, p) for p in rules]}
    return out


@api.action("CreateSecurityGroup", write=True)
def create_security_group(call: Call) -> dict[str, Any]:
    region = region_of(call)
    vpc_id = call.params.get("VpcId", "")
    if vpc_id and not any(v.id == vpc_id and v.region == region for v in call.acct.vpc.vpcs):
        raise ApiError("InvalidVpcId.NotFound", f"The specified VPC does not exist: {vpc_id}", 404)
    g = SecurityGroup(name=call.params.get("SecurityGroupName", ""), region=region, vpc_id=vpc_id,
                      type=call.params.get("SecurityGroupType", "normal"), created=call.now(),
                      description=call.params.get("Description", ""))
    call.acct.ecs.security_groups.append(g)
    call.touch("ACS::ECS::SecurityGroup", g.id)
    return {"SecurityGroupId": g.id}


_RULE_FIELDS = {"Policy": "policy", "IpProtocol": "ip_protocol", "PortRange": "port_range",
                "PortRangeListId": "port_range_list_id",
                "SourceCidrIp": "source_cidr_ip", "Ipv6SourceCidrIp": "ipv6_source_cidr_ip",
                "SourceGroupId": "source_group_id", "SourcePrefixListId": "source_prefix_list_id",
                "DestCidrIp": "dest_cidr_ip", "Ipv6DestCidrIp": "ipv6_dest_cidr_ip", "NicType": "nic_type",
                "Description": "description"}


def _rule_specs(call: Call) -> list[dict[str, str]]:
    """Rules from Permissions.N.* (current form) or the flat legacy parameters."""
    specs = []
    n = 1
    while any(k.startswith(f"Permissions.{n}.") for k in call.params):
        prefix = f"Permissions.{n}."
        specs.append({k[len(prefix):]: v for k, v in call.params.items() if k.startswith(prefix)})
        n += 1
    if not specs and call.params.get("IpProtocol"):
        specs.append({k: call.params[k] for k in (*_RULE_FIELDS, "Priority") if k in call.params})
    return specs


def _permission(spec: dict[str, str], direction: str, now: datetime) -> Permission:
    proto = spec.get("IpProtocol", "")
    if proto.upper() not in PROTOCOLS:
        raise ApiError("InvalidIpProtocol.Malformed", f"The specified IpProtocol is invalid: {proto}", 400)
    ports = spec.get("PortRange", "")
    lo, _, hi = ports.partition("/")
    # a port list stands for the ports when no PortRange is given ("If you specify Permissions.N.PortRange,
    # this parameter is ignored", AuthorizeSecurityGroup PortRangeListId)
    listed = ports == "" and spec.get("PortRangeListId")
    if not (lo.lstrip("-").isdigit() and hi.lstrip("-").isdigit()) and not listed:
        raise ApiError("InvalidPortRange.Malformed", f"The specified PortRange is invalid: {ports}", 400)
    prio = spec.get("Priority", "1") or "1"
    if not prio.isdigit() or not 1 <= int(prio) <= 100:
        raise ApiError("InvalidPriority.Malformed", f"The specified Priority is invalid: {prio}", 400)
    if not any(spec.get(k) for k in ("SourceCidrIp", "Ipv6SourceCidrIp", "SourceGroupId", "SourcePrefixListId")):
        raise ApiError("MissingParameter", "One of SourceCidrIp, Ipv6SourceCidrIp, SourceGroupId or "
                                           "SourcePrefixListId must be set.", 400)
    fields = {attr: spec[k] for k, attr in _RULE_FIELDS.items() if k in spec}
    fields["policy"] = "Drop" if spec.get("Policy", "accept").lower() == "drop" else "Accept"
    return Permission(direction=direction, priority=int(prio), created=now, **fields)


def _same_rule(a: Permission, b: Permission) -> bool:
    keys = ("direction", "policy", "priority", "ip_protocol", "port_range", "port_range_list_id", "source_cidr_ip",
            "ipv6_source_cidr_ip", "source_group_id", "source_prefix_list_id")
    return all(str(getattr(a, k)).lower() == str(getattr(b, k)).lower() for k in keys)


@api.action("AuthorizeSecurityGroup", write=True)
def authorize_security_group(call: Call) -> dict[str, Any]:
    g = _group(call)
    specs = _rule_specs(call)
    if not specs:
        raise ApiError("MissingParameter", "The input parameter Permissions is not supplied.", 400)
    for spec in specs:
        rule = _permission(spec, "ingress", call.now())
        _check_lists(call, rule)
        if not any(_same_rule(rule, p) for p in g.permissions):  # the cloud ignores exact duplicates
            g.permissions.append(rule)
    return {}


def _check_lists(call: Call, rule: Permission) -> None:
    """The port list and prefix list a new rule names must exist in the region (the codes DescribePortRangeList-
    Entries and DescribePrefixListAttributes document for a missing list)."""
    if rule.port_range_list_id:
        _port_range_list(call, rule.port_range_list_id)
    if rule.source_prefix_list_id:
        _prefix_list(call, rule.source_prefix_list_id)


@api.action("RevokeSecurityGroup", write=True)
def revoke_security_group(call: Call) -> dict[str, Any]:
    g = _group(call)
    ids = [v for k, v in call.params.items() if k.startswith("SecurityGroupRuleId.")]
    if ids:
        missing = [i for i in ids if not any(p.id == i for p in g.permissions)]
        if missing:
            raise ApiError("InvalidSecurityGroupRuleId.NotFound", f"The rule does not exist: {missing[0]}", 404)
        g.permissions = [p for p in g.permissions if p.id not in ids]
        return {}
    specs = _rule_specs(call)
    if not specs:
        raise ApiError("MissingParameter", "Either SecurityGroupRuleId or Permissions must be set.", 400)
    for spec in specs:
        rule = _permission(spec, "ingress", call.now())
        g.permissions = [p for p in g.permissions if not _same_rule(rule, p)]
    return {}


# --- port lists and prefix lists ------------------------------------------------------------------

def _port_range_list(call: Call, list_id: str) -> PortRangeList:
    region = region_of(call)
    found = next((p for p in call.acct.ecs.port_range_lists if p.id == list_id and p.region == region), None)
    if found is None:  # listed under 400 in the API's error codes
        raise ApiError("InvalidPortRangeListId.NotFound", "The specified port range list was not found.", 400)
    return found


def _prefix_list(call: Call, list_id: str) -> PrefixList:
    region = region_of(call)
    found = next((p for p in call.acct.ecs.prefix_lists if p.id == list_id and p.region == region), None)
    if found is None:
        raise ApiError("InvalidPrefixListId.NotFound", "The specified prefix list was not found.", 404)
    return found


@api.action("DescribePortRangeListEntries")
def describe_port_range_list_entries(call: Call) -> dict[str, Any]:
    # no paging: every entry in one answer, Entries a bare array (api.alibabacloud.com/api/Ecs/2014-05-26/
    # DescribePortRangeListEntries; alibabacloud_ecs20140526 DescribePortRangeListEntriesResponseBody)
    found = _port_range_list(call, require(call.params, "PortRangeListId"))
    return {"Entries": [{"PortRange": e, "Description": ""} for e in found.entries]}


@api.action("DescribePrefixListAttributes")
def describe_prefix_list_attributes(call: Call) -> dict[str, Any]:
    # no paging: every entry in one answer (api.alibabacloud.com/api/Ecs/2014-05-26/DescribePrefixListAttributes);
    # CreationTime as the sample shows it, to the minute ("2021-02-20T07:11Z")
    found = _prefix_list(call, require(call.params, "PrefixListId"))
    return {"PrefixListId": found.id, "PrefixListName": found.name, "AddressFamily": found.address_family,
            "MaxEntries": found.max_entries, "Description": found.description,
            "CreationTime": found.created.strftime("%Y-%m-%dT%H:%MZ"),
            "Entries": {"Entry": [{"Cidr": c, "Description": ""} for c in found.entries]}}


# --- network interfaces --------------------------------------------------------------------------

def _primary_enis(region: str, instances: Sequence[Instance]) -> list[NetworkInterface]:
    """An instance's primary interface, as DescribeNetworkInterfaces lists it (VPC instances only)."""
    return [NetworkInterface(id="eni-" + i.id.removeprefix("i-"), region=region, zone=i.zone, instance_id=i.id,
                             vpc_id=i.vpc_id, vswitch_id=i.vswitch_id,
                             private_ip=i.private_ips[0] if i.private_ips else "", security_groups=i.security_groups,
                             created=i.created)
            for i in instances if i.region == region and i.network_type == "vpc"]


def _eni_view(n: NetworkInterface, kind: str) -> dict[str, Any]:
    return {"NetworkInterfaceId": n.id, "NetworkInterfaceName": n.name, "Type": kind,
            "Status": "InUse" if n.instance_id else "Available", "InstanceId": n.instance_id, "VpcId": n.vpc_id,
            "VSwitchId": n.vswitch_id, "ZoneId": _zone(n.region, n.zone), "PrivateIpAddress": n.private_ip,
            "CreationTime": iso(n.created), "Description": "", "ServiceManaged": False,
            "SecurityGroupIds": {"SecurityGroupId": list(n.security_groups)},
            "PrivateIpSets": {"PrivateIpSet": [{"PrivateIpAddress": n.private_ip, "Primary": True}]
                              if n.private_ip else []}}


@api.action("DescribeNetworkInterfaces")
def describe_network_interfaces(call: Call) -> dict[str, Any]:
    region = region_of(call)
    p = call.params
    kind = p.get("Type", "")  # Primary | Secondary; empty: both (DescribeNetworkInterfaces Type)
    ecs = call.acct.ecs
    listed = [(n, "Primary") for n in _primary_enis(region, ecs.instances)] if kind != "Secondary" else []
    if kind != "Primary":
        listed += [(n, "Secondary") for n in ecs.network_interfaces if n.region == region]
    ids = [v for k, v in p.items() if k.startswith("NetworkInterfaceId.")]
    items = [(n, t) for n, t in listed if (not ids or n.id in ids)
             and (not p.get("InstanceId") or n.instance_id == p["InstanceId"])
             and (not p.get("VpcId") or n.vpc_id == p["VpcId"])
             and (not p.get("SecurityGroupId") or t == "Secondary" and p["SecurityGroupId"] in n.security_groups)]
    if p.get("NextToken") or p.get("MaxResults"):
        # MaxResults 10-500: below 10 reads as 10, above 500 as 500 (the request's documented defaults)
        size = min(max(int(p.get("MaxResults") or 10), 10), 500)
        got, meta = page_by_token(items, {**p, "MaxResults": str(size)}, default=10, limit=500)
        meta = {"NextToken": meta["NextToken"], "TotalCount": meta["TotalCount"]}
    else:
        got, meta = page_by_number(items, p, default=10, limit=1000)
    return {**meta, "NetworkInterfaceSets": {"NetworkInterfaceSet": [_eni_view(n, t) for n, t in got]}}


# --- disks ---------------------------------------------------------------------------------------

def _disk_instances(d: Disk) -> list[str]:
    return list(d.instances) if d.multi_attach else [d.instance_id] if d.instance_id else []


def _disk_view(d: Disk) -> dict[str, Any]:
    on = _disk_instances(d)
    status = d.status or ("In_use" if on else "Available")
    # InstanceId "has a value only when the Status value is In_use or Detaching" and "is empty for cloud disks for
    # which the multi-attach feature is enabled"; Attachments name the instances (OpenMeta ecs DescribeDisks). The
    # reference does not say what Attachments holds while Attaching: the emulator answers none
    named = on if status in ("In_use", "Detaching") or d.multi_attach else []
    return {"DiskId": d.id, "DiskName": d.name, "RegionId": d.region, "ZoneId": _zone(d.region, d.zone),
            "InstanceId": d.instance_id if status in ("In_use", "Detaching") and not d.multi_attach else "",
            "Status": status, "Type": d.type, "MultiAttach": "Enabled" if d.multi_attach else "Disabled",
            "Category": d.category, "Size": d.size, "Encrypted": d.encrypted, "KMSKeyId": d.kms_key_id,
            # EnableAutoSnapshot: deprecated, "By default, the automatic snapshot policy feature is enabled";
            # EnableAutomatedSnapshotPolicy: "whether an automatic snapshot policy is applied" (DescribeDisks)
            "AutoSnapshotPolicyId": d.auto_snapshot_policy_id, "EnableAutoSnapshot": True,
            "EnableAutomatedSnapshotPolicy": bool(d.auto_snapshot_policy_id),
            "CreationTime": iso(d.created), "Portable": d.type == "data",
            "Attachments": {"Attachment": [{"InstanceId": i, "Device": "/dev/xvdb"} for i in named]}}


@api.action("DescribeDisks")
def describe_disks(call: Call) -> dict[str, Any]:
    region = region_of(call)
    ids = json_list(call, "DiskIds")
    p = call.params
    items = [d for d in call.acct.ecs.disks if d.region == region
             and (ids is None or d.id in ids) and (not p.get("InstanceId") or p["InstanceId"] in _disk_instances(d))
             and (not p.get("Encrypted") or str(d.encrypted).lower() == p["Encrypted"].lower())]
    got, meta = page(items, call, size_default=10, size_max=100, results_max=500)
    return {**meta, "Disks": {"Disk": [_disk_view(d) for d in got]}}


# --- issue 20: user data, key pairs, custom images, default encryption, automatic snapshot policies ---------

@api.action("DescribeUserData")
def describe_user_data(call: Call) -> dict[str, Any]:
    # UserData: the instance's user data, Base64-encoded; '' when it has none; InvalidInstanceId.NotFound (404)
    # for an unknown instance (api.alibabacloud.com/api/Ecs/2014-05-26/DescribeUserData)
    inst = _instance(call)
    data = base64.b64encode(inst.user_data.encode()).decode() if inst.user_data else ""
    return {"InstanceId": inst.id, "RegionId": inst.region, "UserData": data}


@api.action("ModifyInstanceAttribute", write=True)
def modify_instance_attribute(call: Call) -> dict[str, Any]:
    # UserData: Base64-encoded, at most 32 KB before encoding; the request has no RegionId, the instance id names it
    # (ModifyInstanceAttribute)
    iid = require(call.params, "InstanceId")
    inst = next((i for i in call.acct.ecs.instances if i.id == iid), None)
    if inst is None:
        raise ApiError("InvalidInstanceId.NotFound", f"The specified instance does not exist: {iid}", 404)
    call.region = inst.region
    call.touch("ACS::ECS::Instance", inst.id)
    if "UserData" in call.params:
        try:
            inst.user_data = base64.b64decode(call.params["UserData"], validate=True).decode()
        except (ValueError, binascii.Error):
            raise ApiError("InvalidUserData.Base64FormatInvalid", "The specified UserData is not valid Base64.",
                           400) from None
    if call.params.get("InstanceName"):
        inst.name = call.params["InstanceName"]
    return {}


@api.action("AttachKeyPair", write=True)
def attach_key_pair(call: Call) -> dict[str, Any]:
    # KeyPairName and InstanceIds (a JSON array); the answer's Results list each instance (AttachKeyPair)
    region = region_of(call)
    name = require(call.params, "KeyPairName")
    ids = json_list(call, "InstanceIds") or []
    results = []
    for iid in ids:
        inst = next((i for i in call.acct.ecs.instances if i.id == iid and i.region == region), None)
        if inst is None:
            results.append({"InstanceId": iid, "Success": "false", "Code": "404",
                            "Message": "InvalidInstanceId.NotFound"})
            continue
        inst.key_pair = name
        call.touch("ACS::ECS::Instance", inst.id)
        results.append({"InstanceId": iid, "Success": "true", "Code": "200", "Message": "successful"})
    return {"TotalCount": str(len(ids)), "FailCount": str(sum(r["Success"] == "false" for r in results)),
            "KeyPairName": name, "Results": {"Result": results}}


def _image_view(m: Image, owner: str, alias: str) -> dict[str, Any]:
    # a subset of DescribeImages' Image fields, with their documented types (Size and ImageOwnerId integers, IsPublic
    # a boolean: "Publicly available images include ... custom images published as community images")
    return {"ImageId": m.id, "ImageName": m.name, "ImageOwnerAlias": alias,
            **({"ImageOwnerId": int(owner)} if owner.isdigit() else {}),
            "Status": m.status, "OSType": m.os_type, "Size": m.size, "IsPublic": m.public,
            "IsSelfShared": "true" if m.public or m.shared_accounts else "",
            "CreationTime": iso(m.created), "Usage": "none", "Architecture": "x86_64", "Progress": "100%"}


def _listed_images(call: Call, owner: str, community: bool) -> list[tuple[str, str, Image]]:
    """(owner account, ImageOwnerAlias, image) as DescribeImages selects them. IsPublic "true: queries published
    community images" (with ImageOwnerAlias others); "false: queries image types other than the community images
    type. The specific types depend on ImageOwnerAlias" (the default); ImageOwnerAlias self: "custom images that you
    created", others: "shared images ... and community images", empty: system, self and others
    (alibabacloud_ecs20140526 DescribeImagesRequest). The emulator holds custom images only."""
    me = call.acct.id
    if community:  # every account's published images, this account's among them
        return [(a.id, "others", m) for a in call.world.accounts.values() for m in a.ecs.images if m.public]
    found = [(me, "self", m) for m in call.acct.ecs.images if not m.public] if owner in ("", "self") else []
    if owner in ("", "others"):  # images other accounts shared with this one
        found += [(a.id, "others", m) for a in call.world.accounts.values() if a.id != me
                  for m in a.ecs.images if not m.public and me in m.shared_accounts]
    return found


@api.action("DescribeImages")
def describe_images(call: Call) -> dict[str, Any]:
    # PageNumber / PageSize 1-100 (default 10); only Available images unless Status says otherwise; ImageOwnerAlias
    # system | self | others | marketplace; IsPublic and ImageOwnerId with their documented 400 errors (OpenMeta ecs
    # DescribeImages errorCodes)
    region = region_of(call)
    p = call.params
    owner = p.get("ImageOwnerAlias", "")
    if owner and owner not in ("system", "self", "others", "marketplace"):
        raise ApiError("InvalidImageOwnerAlias.ValueNotSupported",
                       "The specified ImageOwnerAlias value is not supported.", 400)
    community = p.get("IsPublic", "").lower() == "true"
    if community and owner != "others":
        raise ApiError("InvalidImageOwnerAlias.PublicImageUnsupported", "When querying images, the parameter "
                       "ImageOwnerAlias should be others while specified parameter IsPublic is true.", 400)
    owner_id = p.get("ImageOwnerId", "")
    if owner_id and owner != "others":
        raise ApiError("InvalidOperation.ImageOwnerIdUnsupported", 'The parameter "ImageOwnerId" is not supported '
                       "in this context, it is only valid when querying shared images or community images.", 400)
    statuses = (p.get("Status") or "Available").split(",")
    ids = (p.get("ImageId") or "").split(",") if p.get("ImageId") else None
    items = [(acct, alias, m) for acct, alias, m in _listed_images(call, owner, community)
             if m.region == region and m.status in statuses and (ids is None or m.id in ids)
             and (not owner_id or acct == owner_id)]
    got, meta = page_by_number(items, p, default=10, limit=100)
    return {**meta, "RegionId": region, "Images": {"Image": [_image_view(m, acct, alias) for acct, alias, m in got]}}


def _image(call: Call) -> Image:
    region = region_of(call)
    mid = require(call.params, "ImageId")
    found = next((m for m in call.acct.ecs.images if m.id == mid and m.region == region), None)
    if found is None:  # 404 InvalidImageId.NotFound (DescribeImageSharePermission)
        raise ApiError("InvalidImageId.NotFound", f"The specified image {mid} does not exist.", 404)
    call.touch("ACS::ECS::Image", found.id)
    return found


@api.action("DescribeImageSharePermission")
def describe_image_share_permission(call: Call) -> dict[str, Any]:
    # ShareGroups.ShareGroup[].Group "all" when public; Accounts.Account[] paged by PageNumber / PageSize (1-100,
    # default 10), TotalCount their number
    m = _image(call)
    accounts = [{"AliyunId": a, "SharedTime": iso(m.created)} for a in m.shared_accounts]
    got, meta = page_by_number(accounts, call.params, default=10, limit=100)
    return {**meta, "ImageId": m.id, "RegionId": m.region,
            "ShareGroups": {"ShareGroup": [{"Group": "all"}] if m.public else []},
            "Accounts": {"Account": list(got)}}


@api.action("ModifyImageSharePermission", write=True)
def modify_image_share_permission(call: Call) -> dict[str, Any]:
    # IsPublic true | false; AddAccount.N / RemoveAccount.N (ModifyImageSharePermission)
    m = _image(call)
    public = call.params.get("IsPublic", "")
    if public:
        m.public = public.lower() == "true"
    for k, v in call.params.items():
        if k.startswith("AddAccount.") and v not in m.shared_accounts:
            m.shared_accounts.append(v)
        elif k.startswith("RemoveAccount."):
            m.shared_accounts = [a for a in m.shared_accounts if a != v]
    return {}


@api.action("DescribeDiskEncryptionByDefaultStatus")
def describe_disk_encryption_by_default_status(call: Call) -> dict[str, Any]:
    # Encrypted: a boolean (DescribeDiskEncryptionByDefaultStatus)
    region = region_of(call)
    return {"Encrypted": region in call.acct.ecs.encryption_by_default}


@api.action("EnableDiskEncryptionByDefault", write=True)
def enable_disk_encryption_by_default(call: Call) -> dict[str, Any]:
    region = region_of(call)
    if region not in call.acct.ecs.encryption_by_default:
        call.acct.ecs.encryption_by_default.append(region)
    return {"KMSKeyId": ""}


@api.action("DisableDiskEncryptionByDefault", write=True)
def disable_disk_encryption_by_default(call: Call) -> dict[str, Any]:
    region = region_of(call)
    call.acct.ecs.encryption_by_default = [r for r in call.acct.ecs.encryption_by_default if r != region]
    return {}


@api.action("DescribeAutoSnapshotPolicyEx")
def describe_auto_snapshot_policy_ex(call: Call) -> dict[str, Any]:
    # RegionId required, AutoSnapshotPolicyId optional, PageNumber / PageSize 1-100 (default 10); DiskNums and
    # VolumeNums are integers, RepeatWeekdays and TimePoints JSON array texts of strings (the documented sample)
    region = region_of(call)
    p = call.params
    wanted = p.get("AutoSnapshotPolicyId", "")
    items = [s for s in call.acct.ecs.auto_snapshot_policies if s.region == region and wanted in ("", s.id)]
    got, meta = page_by_number(items, p, default=10, limit=100)
    disks = Counter(d.auto_snapshot_policy_id for d in call.acct.ecs.disks if d.region == region)
    return {**meta, "AutoSnapshotPolicies": {"AutoSnapshotPolicy": [{
        "AutoSnapshotPolicyId": s.id, "AutoSnapshotPolicyName": s.name, "RegionId": s.region, "Status": s.status,
        "Type": s.type, "RepeatWeekdays": json.dumps([str(d) for d in s.repeat_weekdays]),
        "TimePoints": json.dumps([str(h) for h in s.time_points]), "RetentionDays": s.retention_days,
        "DiskNums": disks[s.id], "VolumeNums": 0, "CreationTime": s.created.strftime("%Y-%m-%dT%H:%MZ"),
        "EnableCrossRegionCopy": False, "TargetCopyRegions": "", "CopiedSnapshotsRetentionDays": 0,
        "ResourceGroupId": "", "Tags": {"Tag": []}} for s in got]}}


@api.action("ApplyAutoSnapshotPolicy", write=True)
def apply_auto_snapshot_policy(call: Call) -> dict[str, Any]:
    # regionId, autoSnapshotPolicyId and diskIds (a JSON array): this API's parameters start in lower case
    # (api.alibabacloud.com/api/Ecs/2014-05-26/ApplyAutoSnapshotPolicy)
    region = call.params.get("regionId") or call.region
    policy = require(call.params, "autoSnapshotPolicyId")
    if not any(s.id == policy and s.region == region for s in call.acct.ecs.auto_snapshot_policies):
        # documented error (400): "The specified AutoSnapshotPolicyId does not exist."
        raise ApiError("InvalidAutoSnapshotPolicyId.NotFound", "The specified AutoSnapshotPolicyId does not exist.",
                       400)
    ids = json_list(call, "diskIds") or []
    for d in call.acct.ecs.disks:
        if d.id in ids and d.region == region:
            d.auto_snapshot_policy_id = policy
            call.touch("ACS::ECS::Disk", d.id)
    return {}
