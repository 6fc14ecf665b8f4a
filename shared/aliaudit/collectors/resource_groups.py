"""The account's resource groups (Resource Manager ListResourceGroups), for the security services whose APIs answer
one resource group at a time (Anti-DDoS Proxy, WAF 3.0)."""

from __future__ import annotations

from ..lazy import lazy_import
from .paging import by_page_number
from .registry import CollectContext

rm_models = lazy_import("alibabacloud_resourcemanager20200331.models")

GROUP_PAGE = 100  # ListResourceGroups PageSize: "Valid values: 1 to 100"
API = "resourcemanager:ListResourceGroups"


def resource_groups(ctx: CollectContext) -> list[str]:
    """The ids of the account's resource groups (every status: a group pending deletion may still hold resources)."""
    rm = ctx.factory.pop("resourcemanager")
    groups = by_page_number(
        lambda n: rm.list_resource_groups(rm_models.ListResourceGroupsRequest(page_number=n,
                                                                              page_size=GROUP_PAGE)).body,
        lambda b: b.resource_groups.resource_group if b.resource_groups else [], GROUP_PAGE)
    return sorted({g.id for g in groups if g.id})
