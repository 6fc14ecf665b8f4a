"""ECS datasets (regional): instances with their addresses, groups, RAM role and metadata mode; security
groups with every rule; disks. Also the ActionTrail events signed with permanent AccessKeys, which the
check on AccessKeys used from ECS matches against the instances' addresses."""

from __future__ import annotations

import base64
import binascii
import email
import json
import logging
import re
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import ConfigDict, Field

from .. import apierrors
from ..datasets import ECS_INSTANCE, ECS_SECURITY_GROUP, Dataset, Record, Scope
from ..lazy import lazy_import
from ..role_privilege import ROLE_PRIVILEGE_APIS, role_privilege
from ..secgroup import PortScan, Rule, cached, port_scans
from .paging import by_page_number, by_token
from .registry import CollectContext, collector

at_models = lazy_import("alibabacloud_actiontrail20200706.models")
ecs_models = lazy_import("alibabacloud_ecs20140526.models")

log = logging.getLogger("aliaudit.collect")
RAM_ROLE_BATCH = 50  # DescribeInstanceRamRole: at most 50 InstanceIds, PageSize <= 50
PERMANENT_KEY_PREFIX = "LTAI"  # STS keys start with STS.


class InstanceInfo(Record):
    id: str
    name: str = ""
    zone: str = ""
    status: str = ""
    network_type: str = ""  # vpc | classic
    vpc_id: str = ""
    private_ips: list[str] = Field(default_factory=list)
    public_ips: list[str] = Field(default_factory=list)  # fixed public IPs
    eip: str = ""  # the EIP bound to the primary interface
    security_groups: list[str] = Field(default_factory=list)
    http_tokens: str = ""  # optional | required
    http_endpoint: str = ""  # enabled | disabled
    ram_role: str | None = None  # None = could not be read
    os_type: str = ""  # windows | linux (DescribeInstances OSType)
    key_pair: str = ""  # KeyPairName: '' = no SSH key pair bound (password logon)

    @property
    def public_addresses(self) -> list[str]:
        return [*self.public_ips, *([self.eip] if self.eip else [])]


class GroupInfo(Record):
    model_config = ConfigDict(ignored_types=(cached,))

    id: str
    name: str = ""
    vpc_id: str = ""
    rules: list[Rule] = Field(default_factory=list)  # the inbound rules the internet is judged through
    # a classic network group's rules on its intranet NIC (NicType intranet): they admit the classic network's shared
    # internal addresses, not the internet; the CIS audits' literal reading (any rule naming 0.0.0.0/0) reads them too
    intranet_rules: list[Rule] = Field(default_factory=list)
    error: str | None = None  # its rules could not be read: checks report ERROR for it

    @cached
    def scans(self) -> dict[str, PortScan]:
        """The TCP and UDP ports the internet reaches through the group, scanned once for the port checks (read
        after the collector has put the lists' entries into the rules)."""
        return port_scans(self.rules)


class EniInfo(Record):
    """A secondary elastic network interface: an instance's other way in, behind its own security groups (the
    instance's SecurityGroupIds are its primary interface's: DescribeNetworkInterfaces SecurityGroupId says "to
    query primary ENIs by security group, call DescribeInstances")."""

    id: str
    instance_id: str = ""  # '' = not attached
    security_groups: list[str] = Field(default_factory=list)


class DiskInfo(Record):
    id: str
    name: str = ""
    # DescribeDisks InstanceId "has a value only when the Status value is In_use or Detaching" and "is empty for
    # cloud disks for which the multi-attach feature is enabled": those name their instances in Attachments
    # (OpenMeta ecs DescribeDisks)
    instance_id: str = ""
    attachments: list[str] = Field(default_factory=list)  # Attachments.Attachment[].InstanceId
    status: str = ""  # In_use | Available | Attaching | Detaching | Creating | ReIniting
    type: str = ""  # system | data
    category: str = ""
    encrypted: bool = False
    kms_key_id: str = ""
    # DescribeDisks AutoSnapshotPolicyId ("The ID of the automatic snapshot policy that is applied to the cloud
    # disk") and EnableAutomatedSnapshotPolicy ("Indicates whether an automatic snapshot policy is applied to the
    # cloud disk"); EnableAutoSnapshot is only whether the disk may have one (the feature), not that it has one
    auto_snapshot_policy: str = ""
    automated_snapshot_policy: bool = False

    @property
    def attached_to(self) -> list[str]:
        """The instances the disk is attached to: InstanceId, else the Attachments' (a multi-attach disk)."""
        return [self.instance_id] if self.instance_id else list(self.attachments)

    @property
    def attached(self) -> bool:
        """Attached, or being attached or detached: an instance named, or Status In_use, Attaching or Detaching (an
        In_use disk may name none: Attachments "is not returned when you query Shared Block Storage devices")."""
        return bool(self.attached_to) or self.status in ATTACHED_STATES


class KeyEvent(Record):
    """An ActionTrail event made with a permanent AccessKey, reduced to what the check needs."""

    key_id: str
    event_name: str = ""
    service: str = ""
    time: str = ""
    source_ip: str = ""
    vpc_id: str = ""
    principal: str = ""


def _ips(obj: Any) -> list[str]:
    return [ip for ip in (getattr(obj, "ip_address", None) or []) if ip] if obj else []


INSTANCES: Dataset[list[InstanceInfo]] = Dataset("ecs.instances", Scope.REGIONAL)


def event_instances(ctx: CollectContext) -> list[Any] | None:
    """An event run's instances, as DescribeInstances answers them: those it named, those in the security groups
    it changed (DescribeInstances SecurityGroupId: "The ID of the security group to which the instance belongs") and
    those whose secondary ENIs are in them (DescribeNetworkInterfaces SecurityGroupId: "to query primary ENIs by
    security group ID, call DescribeInstances"); None when the run is not narrowed to instances or groups. Read
    once per region for every dataset that needs them (alibabacloud_ecs20140526 request models)."""
    if ctx.only(ECS_INSTANCE, ECS_SECURITY_GROUP) is None:
        return None
    ecs = ctx.client("ecs")

    def page(**filters: Any) -> list[Any]:
        return list(by_token(lambda t: ecs.describe_instances(ecs_models.DescribeInstancesRequest(
            region_id=ctx.region, max_results=100, next_token=t, **filters)).body,
            lambda b: b.instances.instance if b.instances else []))

    def read() -> list[Any]:
        found: dict[str, Any] = {}
        groups = sorted(ctx.only(ECS_SECURITY_GROUP) or ()) if INSTANCES.name in ctx.wanted else []
        for g in groups:
            found.update((i.instance_id, i) for i in page(security_group_id=g))
        named = set(ctx.only(ECS_INSTANCE) or ())
        named |= {n.instance_id for g in groups for n in _enis(ctx, ecs, security_group_id=g) if n.instance_id}
        ids = sorted(named - set(found))
        for n in range(0, len(ids), INSTANCE_IDS_BATCH):  # InstanceIds: a JSON array of up to 100 ids
            found.update((i.instance_id, i) for i in page(instance_ids=json.dumps(ids[n:n + INSTANCE_IDS_BATCH])))
        return [found[k] for k in sorted(found)]

    return ctx.factory.shared(f"ecs.event_instances/{ctx.account_id}/{ctx.region}", read)


INSTANCE_IDS_BATCH = 100


@collector(INSTANCES, apis=["ecs:DescribeInstances", "ecs:DescribeInstanceRamRole"],
           reads_one=[ECS_INSTANCE, ECS_SECURITY_GROUP])
def instances(ctx: CollectContext) -> list[InstanceInfo]:
    ecs = ctx.client("ecs")
    narrowed = event_instances(ctx)
    listed = narrowed if narrowed is not None else by_token(
        lambda t: ecs.describe_instances(ecs_models.DescribeInstancesRequest(
            region_id=ctx.region, max_results=100, next_token=t)).body,
        lambda b: b.instances.instance if b.instances else [])
    if narrowed is not None:
        ctx.judge(i.instance_id for i in narrowed)
    out = []
    for i in listed:
        vpc = i.vpc_attributes
        md = i.metadata_options
        out.append(InstanceInfo(
            id=i.instance_id, name=i.instance_name or "", zone=i.zone_id or "", status=i.status or "",
            network_type=i.instance_network_type or "", vpc_id=(vpc.vpc_id if vpc else "") or "",
            private_ips=_ips(vpc.private_ip_address if vpc else None) + _ips(i.inner_ip_address),
            public_ips=_ips(i.public_ip_address), eip=(i.eip_address.ip_address if i.eip_address else "") or "",
            security_groups=list(i.security_group_ids.security_group_id or []) if i.security_group_ids else [],
            http_tokens=(md.http_tokens if md else "") or "", http_endpoint=(md.http_endpoint if md else "") or "",
            os_type=(i.ostype or "").lower(), key_pair=i.key_pair_name or ""))
    _add_ram_roles(ctx, ecs, out)
    return out


# DescribeInstanceRamRole's documented errors (OpenMeta ecs): 403 InvalidNetworkType.MismatchRamRole "Ram role cannot
# be applied to instances of Classic network type", 404 InvalidInstanceId.NotFound "The specified instanceId does
# not exist" (an instance released since DescribeInstances listed it); either names one instance of the batch
CLASSIC_ROLE = "InvalidNetworkType.MismatchRamRole"
UNKNOWN_INSTANCE = "InvalidInstanceId.NotFound"
RELEASED = "released since listed (DescribeInstanceRamRole: InvalidInstanceId.NotFound)"
CLASSIC_NOTE = "a classic network instance: instance RAM roles apply to VPC instances only"


def _add_ram_roles(ctx: CollectContext, ecs: Any, items: list[InstanceInfo]) -> dict[str, str]:
    """DescribeInstances does not return the instance RAM role: ask for 50 instances at a time (the API's limit
    for InstanceIds and PageSize, alibabacloud_ecs20140526 DescribeInstanceRamRoleRequest). Classic network
    instances are not asked about: they cannot have a role (CLASSIC_ROLE), so theirs is ''. A batch that fails is
    split until its failing instances stand alone (a classic one then has no role, an unknown one was RELEASED);
    only the instances of a batch that still fails are left unknown (ram_role None). Returns the reason per
    instance left unknown."""
    for i in items:
        if i.network_type.lower() == "classic":
            i.ram_role = ""
    asked = [i for i in items if i.ram_role is None]
    by_id = {i.id: i for i in asked}
    unknown: dict[str, str] = {}
    for n in range(0, len(asked), RAM_ROLE_BATCH):
        unknown.update(_roles_of(ctx, ecs, [i.id for i in asked[n:n + RAM_ROLE_BATCH]], by_id))
    if unknown:
        log.warning("could not read the instance RAM roles of %d instance(s) in %s: %s", len(unknown), ctx.region,
                    sorted(set(unknown.values()))[0])
    return unknown


def _roles_of(ctx: CollectContext, ecs: Any, batch: list[str], by_id: dict[str, InstanceInfo]) -> dict[str, str]:
    """The batch's roles into by_id; the reason per instance whose role stays unknown."""
    try:
        _read_ram_roles(ctx, ecs, batch, by_id)
        return {}
    except Exception as err:
        code = apierrors.sdk_code(err)
        if code in (CLASSIC_ROLE, UNKNOWN_INSTANCE) and len(batch) > 1:  # one instance's error: halve the batch
            half = len(batch) // 2
            return {**_roles_of(ctx, ecs, batch[:half], by_id), **_roles_of(ctx, ecs, batch[half:], by_id)}
        if code == CLASSIC_ROLE:  # (DescribeInstances did not say classic, the role call does)
            by_id[batch[0]].ram_role = ""
            by_id[batch[0]].network_type = by_id[batch[0]].network_type or "classic"
            return {}
        why = RELEASED if code == UNKNOWN_INSTANCE else apierrors.describe(err)
        return dict.fromkeys(batch, why)


def _read_ram_roles(ctx: CollectContext, ecs: Any, batch: list[str], by_id: dict[str, InstanceInfo]) -> None:
    def page(number: int) -> Any:
        return ecs.describe_instance_ram_role(ecs_models.DescribeInstanceRamRoleRequest(
            region_id=ctx.region, instance_ids=json.dumps(batch), page_number=number, page_size=RAM_ROLE_BATCH)).body

    # (an empty page short of TotalCount is ListingCutShort: the instances not listed would pass as role-less)
    for s in by_page_number(page, lambda b: b.instance_ram_role_sets.instance_ram_role_set
                            if b.instance_ram_role_sets else [], RAM_ROLE_BATCH, "DescribeInstanceRamRole"):
        if s.instance_id in by_id:
            by_id[s.instance_id].ram_role = s.ram_role_name or ""
    for iid in batch:  # listed without a role: it has none
        if by_id[iid].ram_role is None:
            by_id[iid].ram_role = ""


def _rule(group_id: str, p: Any) -> Rule:
    try:
        priority = int(p.priority or 1)
    except ValueError:
        priority = 1
    return Rule(group_id=group_id, rule_id=p.security_group_rule_id or "", direction=(p.direction or "").lower(),
                policy=p.policy or "Accept", priority=priority, protocol=(p.ip_protocol or "ALL").upper(),
                port_range=p.port_range or "-1/-1", port_list=p.port_range_list_id or "",
                source_v4=p.source_cidr_ip or "", source_v6=p.ipv_6source_cidr_ip or "",
                source_group=p.source_group_id or "", source_prefix_list=p.source_prefix_list_id or "")


SECURITY_GROUPS: Dataset[list[GroupInfo]] = Dataset("ecs.security_groups", Scope.REGIONAL)


@collector(SECURITY_GROUPS, apis=["ecs:DescribeSecurityGroups", "ecs:DescribeSecurityGroupAttribute",
                                  "ecs:DescribePortRangeListEntries", "ecs:DescribePrefixListAttributes"],
           reads_one=[ECS_SECURITY_GROUP, ECS_INSTANCE])
def security_groups(ctx: CollectContext) -> list[GroupInfo]:
    ecs = ctx.client("ecs")
    wanted = _event_groups(ctx)

    def page(ids: list[str] | None) -> list[Any]:
        return list(by_token(
            lambda t: ecs.describe_security_groups(ecs_models.DescribeSecurityGroupsRequest(
                region_id=ctx.region, max_results=100, next_token=t,
                security_group_ids=json.dumps(ids) if ids is not None else None)).body,
            lambda b: b.security_groups.security_group if b.security_groups else []))

    listed = page(None) if wanted is None else [
        g for n in range(0, len(wanted), GROUP_IDS_BATCH) for g in page(wanted[n:n + GROUP_IDS_BATCH])]

    def detail(g: Any) -> GroupInfo:
        info = GroupInfo(id=g.security_group_id, name=g.security_group_name or "", vpc_id=g.vpc_id or "")
        def rules(nic: str | None) -> list[Rule]:
            return [_rule(info.id, p) for p in by_token(
                lambda t: ecs.describe_security_group_attribute(ecs_models.DescribeSecurityGroupAttributeRequest(
                    region_id=ctx.region, security_group_id=g.security_group_id, direction="ingress", nic_type=nic,
                    max_results=1000, next_token=t)).body,
                lambda b: b.permissions.permission if b.permissions else [])]

        try:
            # a classic network group's rules come one NicType per call, internet by default ("To query security
            # group rules of both NIC types, call the operation twice"); a VPC group's are all intranet, whatever is
            # asked (DescribeSecurityGroupAttribute NicType)
            if info.vpc_id:
                info.rules = rules(None)
            else:
                info.rules, info.intranet_rules = rules("internet"), rules("intranet")
        except Exception as err:
            info.error = apierrors.describe(err)
        return info

    groups = ctx.map(detail, listed)
    _read_lists(ctx, ecs, [r for g in groups for r in (*g.rules, *g.intranet_rules)])
    return groups


GROUP_IDS_BATCH = 100  # DescribeSecurityGroups SecurityGroupIds: "up to 100 security group IDs ... in a JSON array"


def _event_groups(ctx: CollectContext) -> list[str] | None:
    """An event run's groups: those it changed (judged), and the other groups of the instances it touched or
    implies, which an instance's exposure is judged with (read as context, not judged); None = every group."""
    named = ctx.only(ECS_SECURITY_GROUP, ECS_INSTANCE)
    if named is None:
        return None
    groups = set(ctx.only(ECS_SECURITY_GROUP) or ())
    ctx.judge(groups)
    for i in event_instances(ctx) or []:
        groups.update(i.security_group_ids.security_group_id or [] if i.security_group_ids else [])
    if NETWORK_INTERFACES.name in ctx.wanted:
        groups.update(g for n in event_enis(ctx) or [] for g in n.security_groups)
    return sorted(groups)


def _read_lists(ctx: CollectContext, ecs: Any, rules: list[Rule]) -> None:
    """Read every port list and prefix list the rules use, once each, into the rules. A list that cannot be read
    leaves its rules unknown (with the reason), and the checks report ERROR where that decides a verdict."""
    port_lists = sorted({r.port_list for r in rules if r.uses_port_list})
    prefix_lists = sorted({r.source_prefix_list for r in rules if r.uses_prefix_list})
    ports = _read_each(ctx, ecs, _port_list_entries, port_lists)
    prefixes = _read_each(ctx, ecs, _prefix_list_entries, prefix_lists)
    # (assigning the list fields is safe: the rules' port spans and networks are not computed before the checks)
    for r in rules:
        reasons = []
        if r.uses_port_list:
            r.port_list_ranges, why = ports[r.port_list]
            reasons += [f"port list {r.port_list} could not be read ({why})"] if why else []
        if r.uses_prefix_list:
            r.prefix_list_cidrs, why = prefixes[r.source_prefix_list]
            reasons += [f"prefix list {r.source_prefix_list} could not be read ({why})"] if why else []
        r.unread = "; ".join(reasons)


def _read_each(ctx: CollectContext, ecs: Any, read: Any, ids: list[str]) -> dict[str, tuple[list[str] | None, str]]:
    """list id -> (its entries, '') or (None, why it could not be read)."""
    def one(list_id: str) -> tuple[list[str] | None, str]:
        try:
            return read(ctx, ecs, list_id), ""
        except Exception as err:
            return None, apierrors.describe(err)

    return dict(zip(ids, ctx.map(one, ids), strict=True))


def _port_list_entries(ctx: CollectContext, ecs: Any, list_id: str) -> list[str]:
    # one call answers every entry: the API takes only RegionId and PortRangeListId, no paging
    # (alibabacloud_ecs20140526 DescribePortRangeListEntriesRequest; api.alibabacloud.com/api/Ecs/2014-05-26/
    # DescribePortRangeListEntries); Entries is a bare array of {PortRange: "80/80", Description}
    body = ecs.describe_port_range_list_entries(ecs_models.DescribePortRangeListEntriesRequest(
        region_id=ctx.region, port_range_list_id=list_id)).body
    return [e.port_range for e in body.entries or [] if e.port_range]


def _prefix_list_entries(ctx: CollectContext, ecs: Any, list_id: str) -> list[str]:
    # one call answers every entry: no paging (RegionId and PrefixListId only; api.alibabacloud.com/api/Ecs/
    # 2014-05-26/DescribePrefixListAttributes); Entries.Entry[].Cidr holds each CIDR block
    body = ecs.describe_prefix_list_attributes(ecs_models.DescribePrefixListAttributesRequest(
        region_id=ctx.region, prefix_list_id=list_id)).body
    return [e.cidr for e in (body.entries.entry if body.entries else None) or [] if e.cidr]


NETWORK_INTERFACES: Dataset[list[EniInfo]] = Dataset("ecs.network_interfaces", Scope.REGIONAL)


def _enis(ctx: CollectContext, ecs: Any, **filters: Any) -> list[EniInfo]:
    """Secondary ENIs matching the filters (SecurityGroupId or InstanceId of DescribeNetworkInterfacesRequest; none:
    every one of the region). MaxResults 10-500 with NextToken (PageNumber/PageSize are being retired); Type:
    Primary | Secondary, empty = both."""
    listed = by_token(
        lambda t: ecs.describe_network_interfaces(ecs_models.DescribeNetworkInterfacesRequest(
            region_id=ctx.region, type="Secondary", max_results=500, next_token=t, **filters)).body,
        lambda b: b.network_interface_sets.network_interface_set if b.network_interface_sets else [])
    return [EniInfo(id=n.network_interface_id, instance_id=n.instance_id or "",
                    security_groups=list(n.security_group_ids.security_group_id or []) if n.security_group_ids
                    else []) for n in listed]


def event_enis(ctx: CollectContext) -> list[EniInfo] | None:
    """The secondary ENIs of an event run's instances (event_instances), one DescribeNetworkInterfaces InstanceId
    query per instance; None when the run is not narrowed."""
    found = event_instances(ctx)
    if found is None:
        return None
    ecs = ctx.client("ecs")
    ids = sorted({i.instance_id for i in found})
    return ctx.factory.shared(f"ecs.event_enis/{ctx.account_id}/{ctx.region}",
                              lambda: [n for per in ctx.map(lambda i: _enis(ctx, ecs, instance_id=i), ids)
                                       for n in per])


@collector(NETWORK_INTERFACES, apis=["ecs:DescribeNetworkInterfaces"], reads_one=[ECS_INSTANCE, ECS_SECURITY_GROUP])
def network_interfaces(ctx: CollectContext) -> list[EniInfo]:
    """Secondary ENIs only: a primary one is its instance (address and groups come with DescribeInstances)."""
    narrowed = event_enis(ctx)
    return narrowed if narrowed is not None else _enis(ctx, ctx.client("ecs"))


DISKS: Dataset[list[DiskInfo]] = Dataset("ecs.disks", Scope.REGIONAL)
ATTACHED_STATES = ("In_use", "Attaching", "Detaching")  # DescribeDisks Status of a disk on an instance


@collector(DISKS, apis=["ecs:DescribeDisks"])
def disks(ctx: CollectContext) -> list[DiskInfo]:
    ecs = ctx.client("ecs")
    listed = by_token(
        lambda t: ecs.describe_disks(ecs_models.DescribeDisksRequest(
            region_id=ctx.region, max_results=500, next_token=t)).body,
        lambda b: b.disks.disk if b.disks else [])
    return [DiskInfo(id=d.disk_id, name=d.disk_name or "", instance_id=d.instance_id or "",
                     attachments=[a.instance_id for a in (d.attachments.attachment or []) if a.instance_id]
                     if d.attachments else [], status=d.status or "",
                     type=d.type or "", category=d.category or "", encrypted=bool(d.encrypted),
                     kms_key_id=d.kmskey_id or "", auto_snapshot_policy=d.auto_snapshot_policy_id or "",
                     automated_snapshot_policy=bool(d.enable_automated_snapshot_policy)) for d in listed]


class SnapshotPolicy(Record):
    """An automatic snapshot policy (DescribeAutoSnapshotPolicyEx; fields as the API reference documents them,
    tests/fixtures/wire/ecs/DescribeAutoSnapshotPolicyEx.json)."""

    id: str
    name: str = ""
    # Status "Normal: The automatic snapshot policy is normal. Expire: The automatic snapshot policy cannot be used
    # because your account has overdue payments."
    status: str = ""
    repeat_weekdays: str = ""  # RepeatWeekdays: a JSON array text of days 1-7 (1 is Monday)
    time_points: str = ""  # TimePoints: a JSON array text of hours 0-23 (UTC+8)
    retention_days: int | None = None  # RetentionDays: -1 kept until deleted, else 1-65536


SNAPSHOT_POLICIES: Dataset[list[SnapshotPolicy]] = Dataset("ecs.auto_snapshot_policies", Scope.REGIONAL)
SNAPSHOT_POLICY_PAGE = 100  # DescribeAutoSnapshotPolicyEx PageSize: "Valid values: 1 to 100"


@collector(SNAPSHOT_POLICIES, apis=["ecs:DescribeAutoSnapshotPolicyEx"])
def auto_snapshot_policies(ctx: CollectContext) -> list[SnapshotPolicy]:
    ecs = ctx.client("ecs")
    listed = by_page_number(
        lambda n: ecs.describe_auto_snapshot_policy_ex(ecs_models.DescribeAutoSnapshotPolicyExRequest(
            region_id=ctx.region, page_number=n, page_size=SNAPSHOT_POLICY_PAGE)).body,
        lambda b: b.auto_snapshot_policies.auto_snapshot_policy if b.auto_snapshot_policies else [],
        SNAPSHOT_POLICY_PAGE)
    return [SnapshotPolicy(id=p.auto_snapshot_policy_id, name=p.auto_snapshot_policy_name or "",
                           status=p.status or "", repeat_weekdays=p.repeat_weekdays or "",
                           time_points=p.time_points or "", retention_days=p.retention_days)
            for p in listed if p.auto_snapshot_policy_id]


PERMANENT_KEY_EVENTS: Dataset[list[KeyEvent]] = Dataset("actiontrail.permanent_key_events", Scope.REGIONAL)
# LookupEvents MaxResults "Valid values: 0 to 50" (a str: alibabacloud_actiontrail20200706 LookupEventsRequest); a
# region's week of events read to at most 2,000 pages (100,000 events, minutes at ActionTrail's rate): beyond, the
# dataset is ERROR, rather than the RAM worker timing out whole
EVENT_PAGE = 50
MAX_EVENT_PAGES = 2000


@collector(PERMANENT_KEY_EVENTS, apis=["actiontrail:LookupEvents"])
def permanent_key_events(ctx: CollectContext) -> list[KeyEvent]:
    """Events of the last `access_key_event_days` signed with a permanent (LTAI) AccessKey."""
    trail = ctx.client("actiontrail")
    end = datetime.now(timezone.utc)
    start = end - timedelta(days=ctx.config.access_key_event_days)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    events = by_token(
        lambda t: trail.lookup_events(at_models.LookupEventsRequest(start_time=start.strftime(fmt),
                                                                     end_time=end.strftime(fmt),
                                                                     max_results=str(EVENT_PAGE), next_token=t)).body,
        lambda b: b.events or [], MAX_EVENT_PAGES, f"LookupEvents over {ctx.config.access_key_event_days} days")
    out = []
    for e in events:
        if isinstance(e, str):  # some deliveries carry each event as a JSON string
            try:
                e = json.loads(e)
            except (ValueError, RecursionError):  # (skipped, it could hide a key's use: the dataset is ERROR)
                raise RuntimeError("LookupEvents answered an event that is not a JSON object") from None
        if not isinstance(e, dict):
            raise RuntimeError("LookupEvents answered an event that is not a JSON object")
        ident = e.get("userIdentity") or {}
        key = str(ident.get("accessKeyId") or "")
        if key.startswith(PERMANENT_KEY_PREFIX):
            out.append(KeyEvent(key_id=key, event_name=e.get("eventName", ""), service=e.get("serviceName", ""),
                                time=e.get("eventTime", ""), source_ip=e.get("sourceIpAddress", ""),
                                vpc_id=e.get("vpcId", "") or "",
                                principal=ident.get("userName") or ident.get("type") or ""))
    return out


# --- issue 20: user data, custom images, default disk encryption, instance RAM role privilege --------

# An AccessKey ID: "LTAI" then letters and digits (permanent RAM AccessKeys; issue 20 candidate #10).
ACCESS_KEY_ID = re.compile(r"LTAI[0-9A-Za-z]{12,30}")
# A secret assigned in a script, an env file or a config (NAME=value, NAME: value, export NAME="value"): a name
# (a whole token: the look-behind makes each token tried once, so a long line costs linear time, never the
# backtracking of a name pattern around a keyword) that says it holds a secret (SECRET_WORD: ACCESS_KEY_SECRET,
# SECRET_ACCESS_KEY, SECRET_KEY, DB_PASSWORD, PASSWD...), then a literal value of 8 or more characters (not a
# $VAR / ${VAR} / {{ }} reference)
SECRET_ASSIGNMENT = re.compile(
    r"(?<![A-Za-z0-9_.-])(?P<name>[A-Za-z0-9_.-]+)[\"']?[ \t]*[:=][ \t]*[\"']?(?P<value>[^\s\"'$][^\s\"']{7,})")
SECRET_WORD = re.compile(r"(?i)SECRET|PASSWORD|PASSWD")
# the aliyun CLI's and the SDK credential flags: `aliyun configure set --access-key-secret <secret>`
SECRET_FLAG = re.compile(r"(?i)(?P<name>--access-key-secret|--secret-key|--password)[= ]+[\"']?"
                         r"(?P<value>[^\s\"'$]\S{7,})")
# DescribeUserData answers the user data Base64-encoded; ECS takes at most 32 KB of it (RunInstances UserData:
# "The user data can be up to 32 KB in size"). Larger answers, and gzip user data that inflates beyond the bound,
# are not scanned: ERROR for the instance, never a guess.
MAX_USER_DATA = 64 * 1024  # characters of the Base64 answer
MAX_DECODED = 256 * 1024  # bytes after Base64 and gzip
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


class UserDataUnreadable(ValueError):
    """The answered user data could not be decoded within the bounds: the reason, never the data."""


_NAME_WORDS = re.compile(r"[^A-Za-z]+")
_SECRET_WORDS = frozenset({"secret", "password", "passwd"})


def _shown_name(name: str) -> str:
    """A variable or flag name as a finding may show it: an AccessKey ID inside it masked, at most 64 characters;
    only a name with one of SECRET_WORD's words whole (DB_PASSWORD, access-key-secret, --password), since a token
    that merely contains one (`sshpass -p MySecret9 = x`) may be the secret itself."""
    if not _SECRET_WORDS & {w.lower() for w in _NAME_WORDS.split(name)}:
        return "a name that is not shown (it may be the value)"
    return ACCESS_KEY_ID.sub("LTAI****", name)[:64]


def user_data_hits(text: str) -> list[str]:
    """Where the text holds credentials: "line <n>: <what>", naming an AccessKey ID's presence or the variable /
    flag a secret is assigned to. Never the values: the result goes into datasets and findings."""
    hits = []
    for n, line in enumerate(text.splitlines(), 1):
        if ACCESS_KEY_ID.search(line):
            hits.append(f"line {n}: an AccessKey ID (LTAI...)")
        found = [m for m in SECRET_ASSIGNMENT.finditer(line) if SECRET_WORD.search(m.group("name"))]
        for m in [*found, *SECRET_FLAG.finditer(line)]:
            if not m.group("value").startswith(("{{", "${")):
                hits.append(f"line {n}: a value assigned to {_shown_name(m.group('name'))}")
    return hits


def decode_user_data(raw: str) -> bytes:
    """DescribeUserData UserData is "the user data of the instance", Base64-encoded (its sample, ZWNobyBoZWxsbyBl...,
    decodes to 'echo hello e...'), maybe gzip-compressed inside (cloud-init reads gzip user data). Raises
    UserDataUnreadable (with the reason, never the data) when it is too large, not Base64 or not valid gzip."""
    if len(raw) > MAX_USER_DATA:
        raise UserDataUnreadable(f"the user data is larger than {MAX_USER_DATA} characters: not scanned")
    text = raw.replace("\r", "").replace("\n", "")  # (Base64 may be wrapped; it never holds spaces)
    if not _BASE64.fullmatch(text) or len(text.rstrip("=")) % 4 == 1:
        raise UserDataUnreadable("the user data is not Base64 (DescribeUserData answers it Base64-encoded)")
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (ValueError, binascii.Error):
        raise UserDataUnreadable("the user data is not valid Base64") from None
    return _gunzip(data, MAX_DECODED) if data[:2] == _GZIP else data


_GZIP = b"\x1f\x8b"
# cloud-init (cloudinit/user_data.py, convert_string) reads user data as a MIME multi-part archive when
# "mime-version:" appears in its first 4096 bytes (lower-cased), after inflating gzip; each part's payload is
# decoded by its Content-Transfer-Encoding (base64, quoted-printable) and inflated when gzip
MIME_SNIFF = 4096
MAX_PARTS = 100


def _gunzip(data: bytes, budget: int) -> bytes:
    """Every member of gzip data, as cloud-init's gzip reader inflates them all (a secret in a second member
    counts), at most `budget` bytes in all; a stream cut short, or followed by what is not gzip, is unreadable."""
    out = bytearray()
    while True:
        room = budget - len(out)
        inflate = zlib.decompressobj(wbits=31)
        try:
            out += inflate.decompress(data, max(room, 1))  # (0 would mean no bound)
        except zlib.error:
            raise UserDataUnreadable("the user data is gzip data that does not decompress") from None
        if inflate.unconsumed_tail or len(out) > budget or (room <= 0 and not inflate.eof):
            raise UserDataUnreadable(f"the user data decompresses to more than {MAX_DECODED} bytes: not scanned")
        if not inflate.eof:
            raise UserDataUnreadable("the user data is gzip data cut short")
        data = inflate.unused_data
        if not data.strip(b"\0"):
            return bytes(out)
        if data[:2] != _GZIP:
            raise UserDataUnreadable("the user data has other data after its gzip data")


def user_data_sections(data: bytes) -> list[tuple[str, str]]:
    """The texts cloud-init would run or read from decoded user data, each with how a finding names where it is:
    the data itself ("" ), or each part of a MIME multi-part archive ("part <n> "), decoded and inflated within
    MAX_DECODED bytes in all."""
    if b"mime-version:" not in data[:MIME_SNIFF].lower():
        return [("", data.decode("utf-8", "replace"))]
    sections: list[tuple[str, str]] = []
    used = 0
    try:
        for part in email.message_from_bytes(data).walk():
            if part.is_multipart():
                continue
            if len(sections) >= MAX_PARTS:
                raise UserDataUnreadable(f"the user data has more than {MAX_PARTS} MIME parts: not scanned")
            payload = part.get_payload(decode=True)
            body = payload if isinstance(payload, bytes) else b""
            if body[:2] == _GZIP:
                body = _gunzip(body, MAX_DECODED - used)
            used += len(body)
            if used > MAX_DECODED:
                raise UserDataUnreadable(f"the user data decompresses to more than {MAX_DECODED} bytes: not scanned")
            sections.append((f"part {len(sections) + 1} ", body.decode("utf-8", "replace")))
    except RecursionError:
        raise UserDataUnreadable("the user data's MIME parts are nested too deeply: not scanned") from None
    return sections


class UserDataInfo(Record):
    """What an instance's user data holds, reduced to where credentials appear; the data itself is never kept."""

    instance_id: str
    name: str = ""
    has_user_data: bool = False
    hits: list[str] = Field(default_factory=list)  # "line <n>: <what>", no values
    error: str | None = None  # DescribeUserData failed: the check reports ERROR for the instance


def read_user_data(info: UserDataInfo, raw: str | None) -> UserDataInfo:
    """The instance's user data as DescribeUserData answered it (UserData, Base64; '' or None: none) reduced to where
    credentials appear; data that cannot be decoded within the bounds is the instance's error (the reason only)."""
    raw = raw or ""
    info.has_user_data = bool(raw)
    if raw:
        try:
            info.hits = [f"{where}{hit}" for where, text in user_data_sections(decode_user_data(raw))
                         for hit in user_data_hits(text)]
        except UserDataUnreadable as err:
            info.error = str(err)  # (the reason only: the data is never kept)
    return info


def _listed_instances(ctx: CollectContext, ecs: Any) -> list[Any]:
    """Every instance of the region (DescribeInstances), read once per scan for the datasets that need only the
    list (user data, instance roles)."""
    return list(ctx.factory.shared(f"ecs.listed_instances/{ctx.account_id}/{ctx.region}", lambda: list(by_token(
        lambda t: ecs.describe_instances(ecs_models.DescribeInstancesRequest(
            region_id=ctx.region, max_results=100, next_token=t)).body,
        lambda b: b.instances.instance if b.instances else []))))


USER_DATA: Dataset[list[UserDataInfo]] = Dataset("ecs.user_data", Scope.REGIONAL)


@collector(USER_DATA, apis=["ecs:DescribeInstances", "ecs:DescribeUserData"])
def user_data(ctx: CollectContext) -> list[UserDataInfo]:
    ecs = ctx.client("ecs")

    def read(i: Any) -> UserDataInfo | None:
        info = UserDataInfo(instance_id=i.instance_id, name=i.instance_name or "")
        try:
            body = ecs.describe_user_data(ecs_models.DescribeUserDataRequest(
                region_id=ctx.region, instance_id=i.instance_id)).body
        except Exception as err:
            if apierrors.sdk_code(err) == "InvalidInstanceId.NotFound":  # released since listed (its 404 code)
                return None
            info.error = apierrors.describe(err)
            return info
        return read_user_data(info, body.user_data)

    return [u for u in ctx.map(read, _listed_instances(ctx, ecs)) if u is not None]


class ImageInfo(Record):
    id: str
    name: str = ""
    status: str = ""
    # DescribeImages Images.Image[].IsPublic true ("Publicly available images include ... custom images published
    # as community images": OpenMeta ecs DescribeImages, the Go SDK ecs-20140526 DescribeImagesResponseBody), or
    # DescribeImageSharePermission ShareGroups.ShareGroup[].Group "all"
    public: bool = False
    shared_accounts: list[str] = Field(default_factory=list)  # Accounts.Account[].AliyunId
    error: str | None = None  # its share permissions could not be read: ERROR for the image


IMAGES: Dataset[list[ImageInfo]] = Dataset("ecs.images", Scope.REGIONAL)
IMAGE_PAGE = 100  # DescribeImages and DescribeImageSharePermission PageSize: 1 to 100
# DescribeImages Status: "By default ... only images in the Available state are returned" and "You can specify
# multiple values": a deprecated or unavailable image keeps its share permissions, so every state is listed
IMAGE_STATES = "Creating,Waiting,Available,UnAvailable,CreateFailed,Deprecated"


@collector(IMAGES, apis=["ecs:DescribeImages", "ecs:DescribeImageSharePermission"])
def images(ctx: CollectContext) -> list[ImageInfo]:
    """The account's own custom images (ImageOwnerAlias self: "custom images that you created") in every state
    (IMAGE_STATES), those it published as community images (_community_images), and with whom each is shared."""
    ecs = ctx.client("ecs")

    def listing(**kinds: Any) -> list[Any]:
        return list(by_page_number(
            lambda n: ecs.describe_images(ecs_models.DescribeImagesRequest(
                region_id=ctx.region, status=IMAGE_STATES, page_number=n, page_size=IMAGE_PAGE, **kinds)).body,
            lambda b: b.images.image if b.images else [], IMAGE_PAGE))

    listed: dict[str, Any] = {}
    for img in [*listing(image_owner_alias="self"), *_community_images(ctx, listing)]:
        if img.image_id:  # merged by ImageId: an image both listings answer is judged once, public if either says so
            known = listed.setdefault(img.image_id, img)
            known.is_public = known.is_public is True or img.is_public is True

    def share(img: Any) -> ImageInfo | None:
        info = ImageInfo(id=img.image_id, name=img.image_name or "", status=img.status or "",
                         public=img.is_public is True)
        try:
            # TotalCount counts the accounts the image is shared with (the pages' Accounts); ShareGroups, "all"
            # when the image is public, comes with every page
            def page(number: int) -> Any:
                body = ecs.describe_image_share_permission(ecs_models.DescribeImageSharePermissionRequest(
                    region_id=ctx.region, image_id=img.image_id, page_number=number, page_size=IMAGE_PAGE)).body
                groups = (body.share_groups.share_group if body.share_groups else None) or []
                info.public = info.public or any(g.group == "all" for g in groups)
                return body

            accounts = by_page_number(page, lambda b: (b.accounts.account if b.accounts else None) or [], IMAGE_PAGE,
                                      "DescribeImageSharePermission")
            info.shared_accounts += [str(a.aliyun_id) for a in accounts if a.aliyun_id]
        except Exception as err:
            return unreadable_image(info, err)
        return info

    return [m for m in ctx.map(share, list(listed.values())) if m is not None]


def _community_images(ctx: CollectContext, listing: Callable[..., list[Any]]) -> list[Any]:
    """The account's custom images published as community images. DescribeImages IsPublic: "false: queries image
    types other than the community images type ... Default value: false", and "true: ... ImageOwnerAlias must be set
    to others"; ImageOwnerId, the owner's account ID, "takes effect only when you query shared images or community
    images" (alibabacloud_ecs20140526 DescribeImagesRequest): so the self listing leaves them out, and this one
    asks for the community images this account owns. Only its own images are kept (ImageOwnerId, a long in the
    response), should the filter not hold."""
    if not ctx.account_id.isdigit():  # (ImageOwnerId is a long; never skip the listing: that could hide one)
        raise ValueError(f"cannot list community images without the numeric account ID ({ctx.account_id!r})")
    owner = int(ctx.account_id)
    found = listing(image_owner_alias="others", is_public=True, image_owner_id=owner)
    return [img for img in found if img.image_owner_id in (None, owner)]


def unreadable_image(info: ImageInfo, err: BaseException) -> ImageInfo | None:
    """An image whose share permissions could not be read: None when DescribeImageSharePermission answered
    InvalidImageId.NotFound (deleted since DescribeImages listed it: no longer shared, nothing to report), else the
    image with the error (ERROR for it)."""
    if apierrors.sdk_code(err) == "InvalidImageId.NotFound":
        return None
    info.error = apierrors.describe(err)
    return info


class EncryptionByDefault(Record):
    region: str
    encrypted: bool


ENCRYPTION_BY_DEFAULT: Dataset[EncryptionByDefault] = Dataset("ecs.encryption_by_default", Scope.REGIONAL)


@collector(ENCRYPTION_BY_DEFAULT, apis=["ecs:DescribeDiskEncryptionByDefaultStatus"])
def encryption_by_default(ctx: CollectContext) -> EncryptionByDefault:
    """Account-level default encryption of new cloud disks in the region (Encrypted, a boolean). A failed read
    fails the dataset: the framework reports the check's ERROR for the region."""
    body = ctx.client("ecs").describe_disk_encryption_by_default_status(
        ecs_models.DescribeDiskEncryptionByDefaultStatusRequest(region_id=ctx.region)).body
    if not isinstance(body.encrypted, bool):  # (an answer without it says nothing: ERROR, not 'off')
        raise ValueError("DescribeDiskEncryptionByDefaultStatus answered no Encrypted")
    return EncryptionByDefault(region=ctx.region, encrypted=body.encrypted)


class InstanceRole(Record):
    """An instance and how much its RAM role can do (role_privilege: its attached policies judged)."""

    instance_id: str
    name: str = ""
    role: str = ""  # '' = no instance RAM role
    note: str = ""  # why it has none, when that is documented (CLASSIC_NOTE)
    policies: list[str] = Field(default_factory=list)  # "<type>:<name>" attached to the role
    admin_reasons: list[str] = Field(default_factory=list)  # empty: the role is not administrator-equivalent
    error: str | None = None  # the role, or whether the instance has one, could not be read


INSTANCE_ROLES: Dataset[list[InstanceRole]] = Dataset("ecs.instance_roles", Scope.REGIONAL)


@collector(INSTANCE_ROLES, apis=["ecs:DescribeInstances", "ecs:DescribeInstanceRamRole", *ROLE_PRIVILEGE_APIS])
def instance_roles(ctx: CollectContext) -> list[InstanceRole]:
    """Each instance's RAM role (DescribeInstanceRamRole, as ecs.instances reads it) and the role's privilege; a
    role shared by many instances is read once per scan (role_privilege)."""
    ecs = ctx.client("ecs")
    found = [InstanceInfo(id=i.instance_id, name=i.instance_name or "", network_type=i.instance_network_type or "")
             for i in _listed_instances(ctx, ecs)]
    unknown = _add_ram_roles(ctx, ecs, found)
    out = []
    for i in found:
        if unknown.get(i.id) == RELEASED:  # gone since listed: nothing to judge (as user_data does)
            continue
        if i.ram_role is None:
            out.append(InstanceRole(instance_id=i.id, name=i.name,
                                    error=f"DescribeInstanceRamRole: {unknown.get(i.id, 'no answer')}"))
            continue
        item = InstanceRole(instance_id=i.id, name=i.name, role=i.ram_role,
                            note=CLASSIC_NOTE if i.network_type.lower() == "classic" else "")
        if i.ram_role:
            p = role_privilege(ctx, i.ram_role)
            item.policies, item.admin_reasons, item.error = list(p.policies), list(p.admin_reasons), p.error
        out.append(item)
    return out
