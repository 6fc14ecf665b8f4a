"""NAS datasets (regional): the file systems of the region (DescribeFileSystems, for encryption) and the
permission groups (access groups) with their rules (DescribeAccessGroups -> DescribeAccessRules).

Permission groups are per region and per file-system type: DescribeAccessGroups and DescribeAccessRules take
FileSystemType (standard, the default, | extreme | cpfs for groups; standard | extreme for rules, API reference
en_us/nas/2017-06-26), so both standard and extreme groups are listed. CPFS permission groups are not read:
DescribeAccessRules documents no cpfs value. API 2017-06-26, alibabacloud_nas20170626."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field

from .. import apierrors
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from ..offered import region_list
from .paging import by_page_number
from .registry import CollectContext, collector

nas_models = lazy_import("alibabacloud_nas20170626.models")

# PageSize of DescribeFileSystems, DescribeAccessGroups and DescribeAccessRules: "Valid values: 1 to 100.
# Default value: 10." (API reference)
PAGE_SIZE = 100
# the FileSystemType values DescribeAccessRules accepts (API reference): the group types whose rules can be read
RULE_TYPES = ("standard", "extreme")


class NasFileSystem(Record):
    id: str
    region: str
    file_system_type: str = ""  # standard | extreme | cpfs
    description: str = ""
    protocol_type: str = ""
    storage_type: str = ""
    status: str = ""
    # EncryptType, an int (SDK model): 0 not encrypted, 1 NAS-managed key, 2 KMS-managed key (API reference)
    encrypt_type: int | None = None
    kms_key_id: str = ""
    access_groups: list[str] = Field(default_factory=list)  # of its mount targets


class NasAccessRule(Record):
    id: str
    source_cidr_ip: str = ""
    ipv6_source_cidr_ip: str = ""
    rw_access: str = ""  # RDWR | RDONLY
    user_access: str = ""  # no_squash | root_squash | all_squash
    priority: int | None = None


class NasAccessGroup(Record):
    name: str
    region: str
    file_system_type: str  # standard | extreme
    group_type: str = ""  # AccessGroupType: Vpc | Classic
    description: str = ""
    mount_target_count: int | None = None
    rules: list[NasAccessRule] = Field(default_factory=list)
    error: str | None = None  # DescribeAccessRules failed: checks report ERROR for this group

    @property
    def key(self) -> str:
        """Unique in a region: a group name is unique per file-system type only."""
        return f"{self.file_system_type}/{self.name}"


FILE_SYSTEMS: Dataset[list[NasFileSystem]] = Dataset("nas.file_systems", Scope.REGIONAL)
ACCESS_GROUPS: Dataset[list[NasAccessGroup]] = Dataset("nas.access_groups", Scope.REGIONAL)


@collector(FILE_SYSTEMS, apis=["nas:DescribeFileSystems"])
def file_systems(ctx: CollectContext) -> list[NasFileSystem]:
    nas = ctx.client("nas")
    # FileSystemType defaults to all types (API reference), so one listing covers standard, extreme and cpfs
    listed = by_page_number(
        lambda n: nas.describe_file_systems(nas_models.DescribeFileSystemsRequest(
            page_number=n, page_size=PAGE_SIZE)).body,
        lambda b: b.file_systems.file_system if b.file_systems else [], PAGE_SIZE)
    out = []
    for f in listed:
        targets = f.mount_targets.mount_target if f.mount_targets else None
        out.append(NasFileSystem(
            id=f.file_system_id, region=f.region_id or ctx.region, file_system_type=f.file_system_type or "",
            description=f.description or "", protocol_type=f.protocol_type or "", storage_type=f.storage_type or "",
            status=f.status or "", encrypt_type=f.encrypt_type, kms_key_id=f.kmskey_id or "",
            access_groups=sorted({t.access_group_name for t in targets or [] if t.access_group_name})))
    return out


@collector(ACCESS_GROUPS, apis=["nas:DescribeAccessGroups", "nas:DescribeAccessRules"])
def access_groups(ctx: CollectContext) -> list[NasAccessGroup]:
    nas = ctx.client("nas")
    groups: list[NasAccessGroup] = []

    def page(fs_type: str) -> Callable[[int], Any]:
        return lambda n: nas.describe_access_groups(nas_models.DescribeAccessGroupsRequest(
            file_system_type=fs_type, page_number=n, page_size=PAGE_SIZE)).body

    for fs_type in RULE_TYPES:
        listed = by_page_number(page(fs_type), lambda b: b.access_groups.access_group if b.access_groups else [],
                                PAGE_SIZE)
        groups += [NasAccessGroup(name=g.access_group_name, region=g.region_id or ctx.region,
                                  file_system_type=fs_type, group_type=g.access_group_type or "",
                                  description=g.description or "", mount_target_count=g.mount_target_count)
                   for g in listed]

    def rules(group: NasAccessGroup) -> NasAccessGroup | None:
        try:
            listed = by_page_number(
                lambda n: nas.describe_access_rules(nas_models.DescribeAccessRulesRequest(
                    access_group_name=group.name, file_system_type=group.file_system_type, page_number=n,
                    page_size=PAGE_SIZE)).body,
                lambda b: b.access_rules.access_rule if b.access_rules else [], PAGE_SIZE)
            group.rules = [_rule(r) for r in listed]
        except Exception as err:
            # deleted since it was listed: InvalidAccessGroup.NotFound, the code Alibaba's Terraform provider reads
            # as "not found" (service_alicloud_nas.go DescribeNasAccessRule)
            if apierrors.sdk_code(err) == "InvalidAccessGroup.NotFound":
                return None
            group.error = apierrors.describe(err)
        return group

    return [g for g in ctx.map(rules, groups) if g is not None]


def _rule(r: Any) -> NasAccessRule:
    return NasAccessRule(id=r.access_rule_id or "", source_cidr_ip=r.source_cidr_ip or "",
                         ipv6_source_cidr_ip=r.ipv_6source_cidr_ip or "", rw_access=r.rwaccess or "",
                         user_access=r.user_access or "", priority=r.priority)


REGION_PAGE = 100  # DescribeRegions PageSize: 1 to 100, default 10


# DescribeRegions: "Queries the regions in which File Storage NAS is available"; FileSystemType all (its default,
# standard, would leave out the regions of Extreme NAS and CPFS, which the collector audits too), paged
# (https://www.alibabacloud.com/help/en/nas/developer-reference/api-nas-2017-06-26-describeregions; RAM action
# nas:DescribeRegions on the same page)
@region_list("nas", product="nas", apis=["nas:DescribeRegions"])
def nas_regions(client: Any) -> list[str]:
    pages = by_page_number(
        lambda n: client.describe_regions(nas_models.DescribeRegionsRequest(
            file_system_type="all", page_number=n, page_size=REGION_PAGE)).body,
        lambda body: (body.regions.region if body.regions else None) or [], REGION_PAGE, "NAS's regions")
    return [r.region_id for r in pages]
