"""NAS (2017-06-26): file systems per region (type, encryption, mount targets) and permission groups (access
groups) per region and file-system type with their rules; DescribeFileSystems, DescribeAccessGroups and
DescribeAccessRules (PageNumber/PageSize 1-100, default 10), and the rule writes that remediate the checks.

Hosts (alibabacloud_nas20170626 Client._endpoint_map, rule 'regional'): nas.<region>.aliyuncs.com for the public
regions, so the region comes from the host (the requests carry no RegionId); the product code is the host's first
label. Shapes and types: the API reference (OpenMeta en_us/nas/2017-06-26, tests/fixtures/wire/nas) and the SDK's
response models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..call import Call
from ..clock import iso
from ..errors import ApiError
from ..pop import PopApi, int_param, page_by_number, require
from ..regions import offered_regions, region_exists

# RAM code nas; DescribeAccessRules authorizes on acs:nas:<region>:<account>:accessgroup/<name> (its API reference
# page's RAM table, https://www.alibabacloud.com/help/en/nas/developer-reference/api-nas-2017-06-26-describeaccessrules)
api = PopApi("nas", "2017-06-26")

GROUP_TYPES = ("standard", "extreme", "cpfs")  # DescribeAccessGroups FileSystemType (API reference enumeration)
RULE_TYPES = ("standard", "extreme")  # DescribeAccessRules / ModifyAccessRule FileSystemType


class MountTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    domain: str  # MountTargetDomain
    access_group: str = "DEFAULT_VPC_GROUP_NAME"  # AccessGroupName
    network_type: str = "vpc"  # vpc | classic
    vpc_id: str = ""
    vswitch_id: str = ""
    status: str = "Active"  # Active | Inactive | Pending | Deleting | Hibernating | Hibernated


class FileSystem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str  # 31a8e4****, extreme-..., cpfs-...
    region: str = "cn-hangzhou"
    zone: str = ""  # '' = <region>-b
    file_system_type: str = "standard"  # standard | extreme | cpfs
    protocol_type: str = "NFS"  # NFS | SMB | cpfs
    storage_type: str = "Performance"  # standard: Capacity | Performance | Premium; extreme: standard | advance
    description: str = ""
    status: str = "Running"
    encrypt_type: int = 0  # 0 not encrypted, 1 NAS-managed key, 2 KMS-managed key (an int: SDK model)
    kms_key_id: str = ""
    capacity: int = 0
    created: datetime = datetime(2024, 1, 1)
    mount_targets: list[MountTarget] = Field(default_factory=list)


class AccessRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = ""  # AccessRuleId, a string ("1" in the sample); '' = its position in the group when loaded, from 1
    source_cidr_ip: str = ""
    ipv6_source_cidr_ip: str = ""
    rw_access: str = "RDWR"  # RDWR | RDONLY
    user_access: str = "no_squash"  # no_squash | root_squash | all_squash
    priority: int = 1  # 1 (highest) to 100


class AccessGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    region: str = "cn-hangzhou"
    file_system_type: str = "standard"  # standard | extreme | cpfs: a group belongs to one type
    type: str = "Vpc"  # AccessGroupType: Vpc | Classic
    description: str = ""
    created: datetime = datetime(2024, 1, 1)
    rules: list[AccessRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _number_rules(self) -> AccessGroup:
        for n, r in enumerate(self.rules, 1):
            r.id = r.id or str(n)
        return self


class NasState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file_systems: list[FileSystem] = Field(default_factory=list)
    access_groups: list[AccessGroup] = Field(default_factory=list)


# --- helpers -------------------------------------------------------------------------------------

def _region(call: Call) -> str:
    """The endpoint's region: any public region (a list is empty where the account has nothing); another is refused
    with DescribeFileSystems' documented Region.NotSupported (400). '' (a direct request) means every region."""
    if call.region and not region_exists(call.acct.regions, call.region):
        raise ApiError("Region.NotSupported", "The specified Region is not supported for this API now.", 400)
    return call.region


def _type(call: Call, allowed: tuple[str, ...]) -> str:
    value = call.params.get("FileSystemType", "") or "standard"  # the documented default
    if value not in allowed:
        raise ApiError("InvalidParameter.FileSystemType", f"The FileSystemType is invalid: {value}", 400)
    return value


def _group(call: Call) -> AccessGroup:
    """The group named by AccessGroupName in this region and file-system type. DescribeAccessRules documents no error
    code; an unknown group answers InvalidAccessGroup.NotFound (404), the code DescribeAccessPoints documents."""
    region = _region(call)
    name = require(call.params, "AccessGroupName")
    fs_type = _type(call, RULE_TYPES)
    group = next((g for g in call.acct.nas.access_groups if g.name == name and g.file_system_type == fs_type
                  and (not region or g.region == region)), None)
    if group is None:
        raise ApiError("InvalidAccessGroup.NotFound", "The specified AccessGroup does not exist.", 404)
    call.region = call.region or group.region
    call.touch("ACS::NAS::AccessGroup", group.name)
    return group


def _group_resource(call: Call) -> str:
    return f"accessgroup/{call.params.get('AccessGroupName', '*')}"


# --- reads ---------------------------------------------------------------------------------------

@api.action("DescribeFileSystems")
def describe_file_systems(call: Call) -> dict[str, Any]:
    """FileSystemType all (default) or a comma-separated list; FileSystemId an exact id (API reference)."""
    region = _region(call)
    types = call.params.get("FileSystemType", "") or "all"
    wanted_types = set(GROUP_TYPES) if types == "all" else set(types.split(","))
    wanted_id = call.params.get("FileSystemId", "")
    items = [f for f in call.acct.nas.file_systems if (not region or f.region == region)
             and f.file_system_type in wanted_types and (not wanted_id or f.id == wanted_id)]
    if wanted_id and not items:
        raise ApiError("InvalidFileSystem.NotFound", "The specified file system does not exist.", 404)
    page, meta = page_by_number(items, call.params, default=10, limit=100)
    return {**meta, "FileSystems": {"FileSystem": [_file_system(f) for f in page]}}


def _file_system(f: FileSystem) -> dict[str, Any]:
    out: dict[str, Any] = {
        "FileSystemId": f.id, "RegionId": f.region, "ZoneId": f.zone or f"{f.region}-b",
        "FileSystemType": f.file_system_type, "ProtocolType": f.protocol_type, "StorageType": f.storage_type,
        "Description": f.description, "Status": f.status, "EncryptType": f.encrypt_type,
        "CreateTime": iso(f.created), "ChargeType": "PayAsYouGo", "Capacity": f.capacity, "MeteredSize": 0,
        "MountTargets": {"MountTarget": [
            {"MountTargetDomain": m.domain, "AccessGroupName": m.access_group, "NetworkType": m.network_type,
             "VpcId": m.vpc_id, "VswId": m.vswitch_id, "Status": m.status} for m in f.mount_targets]}}  # no tags
    if f.kms_key_id:
        out["KMSKeyId"] = f.kms_key_id
    return out


@api.action("DescribeAccessGroups")
def describe_access_groups(call: Call) -> dict[str, Any]:
    """FileSystemType standard (default) | extreme | cpfs selects the groups; AccessGroupName one group."""
    region = _region(call)
    fs_type = _type(call, GROUP_TYPES)
    name = call.params.get("AccessGroupName", "")
    groups = [g for g in call.acct.nas.access_groups if (not region or g.region == region)
              and g.file_system_type == fs_type and (not name or g.name == name)]
    page, meta = page_by_number(groups, call.params, default=10, limit=100)
    return {**meta, "AccessGroups": {"AccessGroup": [
        {"AccessGroupName": g.name, "AccessGroupType": g.type, "Description": g.description,
         "RuleCount": len(g.rules), "MountTargetCount": _mount_targets(call, g), "FileSystemType": g.file_system_type,
         "RegionId": g.region, "CreateTime": iso(g.created)} for g in page]}}


def _mount_targets(call: Call, g: AccessGroup) -> int:
    return sum(1 for f in call.acct.nas.file_systems
               if f.region == g.region and f.file_system_type == g.file_system_type
               for m in f.mount_targets if m.access_group == g.name)


@api.action("DescribeAccessRules", resource=_group_resource)
def describe_access_rules(call: Call) -> dict[str, Any]:
    g = _group(call)
    wanted = call.params.get("AccessRuleId", "")
    rules = [r for r in g.rules if not wanted or r.id == wanted]
    page, meta = page_by_number(rules, call.params, default=10, limit=100)
    return {**meta, "AccessRules": {"AccessRule": [
        {"AccessRuleId": r.id, "SourceCidrIp": r.source_cidr_ip, "Ipv6SourceCidrIp": r.ipv6_source_cidr_ip,
         "RWAccess": r.rw_access, "UserAccess": r.user_access, "Priority": r.priority,
         "FileSystemType": g.file_system_type, "AccessGroupName": g.name, "RegionId": g.region} for r in page]}}


# --- writes (remediation; each becomes an ActionTrail event) -------------------------------------

def _rule(call: Call, g: AccessGroup) -> AccessRule:
    rid = require(call.params, "AccessRuleId")
    rule = next((r for r in g.rules if r.id == rid), None)
    if rule is None:  # no code is documented for an unknown rule: the generic one NAS documents
        raise ApiError("InvalidParameter", f"The specified access rule does not exist: {rid}", 400)
    return rule


@api.action("ModifyAccessRule", resource=_group_resource, write=True)
def modify_access_rule(call: Call) -> dict[str, Any]:
    """SourceCidrIp, RWAccessType (RDWR | RDONLY), UserAccessType (no_squash | root_squash | all_squash), Priority
    1-100, Ipv6SourceCidrIp; IPv4 and IPv6 are mutually exclusive (documented InvalidParam.* codes)."""
    g = _group(call)
    r = _rule(call, g)
    p = call.params
    if p.get("SourceCidrIp") and p.get("Ipv6SourceCidrIp"):
        raise ApiError("InvalidParam.IPv4AndIPv6MutuallyExclusive",
                       "You cannot configure IPv4 and IPv6 at the same time.", 400)
    if p.get("RWAccessType", "RDWR") not in ("RDWR", "RDONLY") or p.get("UserAccessType", "no_squash") not in (
            "no_squash", "root_squash", "all_squash"):
        raise ApiError("InvalidParameter", "The RWAccessType or UserAccessType is invalid.", 400)
    if p.get("SourceCidrIp"):
        r.source_cidr_ip = p["SourceCidrIp"]
    if p.get("Ipv6SourceCidrIp"):
        r.ipv6_source_cidr_ip = p["Ipv6SourceCidrIp"]
    r.rw_access = p.get("RWAccessType") or r.rw_access
    r.user_access = p.get("UserAccessType") or r.user_access
    r.priority = int_param(p, "Priority", r.priority, 1, 100)
    return {}


@api.action("DeleteAccessRule", resource=_group_resource, write=True)
def delete_access_rule(call: Call) -> dict[str, Any]:
    g = _group(call)
    r = _rule(call, g)
    g.rules = [x for x in g.rules if x is not r]
    return {}


# DescribeRegions: "the regions in which File Storage NAS is available", PageNumber/PageSize (1-100, default 10),
# Regions.Region[] (sample: tests/fixtures/wire/nas); FileSystemType (all, standard: the default, extreme, cpfs)
# does not change the answer here (every kind is offered where NAS is); local names are not modelled
@api.action("DescribeRegions")
def describe_regions(call: Call) -> dict[str, Any]:
    regions = offered_regions(call.world, "nas", call.acct.regions)
    page, meta = page_by_number(regions, call.params)
    return {**meta, "Regions": {"Region": [{"RegionId": r, "LocalName": r, "RegionEndpoint": f"nas.{r}.aliyuncs.com"}
                                           for r in page]}}
