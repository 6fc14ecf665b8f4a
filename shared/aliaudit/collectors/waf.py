"""WAF 3.0 (waf-openapi 2021-10-01) datasets (global): every protected object (cloud resource or domain added to
WAF 3.0) with the state of its log collection and its instance's log storage use, for CIS 2.7.

Endpoints: WAF 3.0 has two sites, the Chinese mainland (RegionId cn-hangzhou, wafopenapi.cn-hangzhou.aliyuncs.com)
and outside it (ap-southeast-1, wafopenapi.ap-southeast-1.aliyuncs.com): the `RegionId` parameter of
DescribeInstance documents exactly these two values, and the SDK's endpoint map (alibabacloud_waf_openapi20211001
Client._endpoint_map) sends every region to one of those two hosts. The dataset reads both once per scan; a site whose
instance or protected objects cannot be listed is one record with `site_error` (its ERROR), the other site still
read; a site whose instance is expired or released is one record with `instance_status`, its objects not read.

Resource groups: each protected object belongs to a resource group (DescribeDefenseResources Resources[].
ResourceManagerResourceGroupId; ChangeResourceGroup moves a `defenseresource`), and DescribeDefenseResources and
DescribeResourceLogStatus take ResourceManagerResourceGroupId, "The ID of the Alibaba Cloud resource group."
(alibabacloud_waf_openapi20211001 request models). No WAF 3.0 document says what omitting it answers; WAF 2.0
(DescribeDomainNames: "empty by default, indicating that the domain name belongs to the default resource group")
and Anti-DDoS Proxy document the default group only. So the objects are listed without a group and once per
resource group of the account (Resource Manager ListResourceGroups), united by name, and each object's log status
is asked with its own group: whichever reading holds, no object is missed. A group list that cannot be read leaves
the site judged on what the group-less listing answers, plus one ERROR for the site naming why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import apierrors, log_volume
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from ..log_volume import LogVolume
from .paging import by_page_number
from .registry import CollectContext, collector
from .resource_groups import API as GROUPS_API
from .resource_groups import resource_groups

waf_models = lazy_import("alibabacloud_waf_openapi20211001.models")

CENTRES = ("cn-hangzhou", "ap-southeast-1")  # DescribeInstance RegionId: the documented valid values
# DescribeDefenseResources documents PageSize's default (10) but no maximum: the product asks for the default. The
# same number of objects go to one DescribeResourceLogStatus call (Resources: comma-separated, no documented limit).
PAGE_SIZE = 10
NORMAL = 1  # DescribeInstance Status: 1 Normal, 2 Expired, 3 Released


class WafResource(Record):
    resource: str  # the protected object's name (DescribeDefenseResources Resources[].Resource)
    product: str = ""  # the cloud service it belongs to (alb, ecs, clb4, ..., or waf for a CNAME-added domain)
    instance_id: str  # the WAF 3.0 instance protecting it
    region: str  # the WAF site: cn-hangzhou | ap-southeast-1
    resource_group: str = ""  # its resource group (Resources[].ResourceManagerResourceGroupId), "" when not told
    log_enabled: bool | None = None  # DescribeResourceLogStatus Result[].Status; None when not read
    error: str | None = None  # the status could not be read: the check reports ERROR for this object
    # the site's instance or protected objects could not be listed: this record stands for the site (its ERROR)
    site_error: str | None = None
    # DescribeInstance Status when it is not 1 (Normal): "2: Expired. 3: Released." (DescribeInstanceResponseBody.
    # status, alibabacloud_waf_openapi20211001). The instance protects nothing then: this record stands for the
    # site (resource is the instance id) and its protected objects are not read.
    instance_status: int | None = None
    # its instance's logstore (DescribeSlsLogStore), read where its log collection is on (CIS 2.7 step 6)
    log_volume: LogVolume | None = None


RESOURCES: Dataset[list[WafResource]] = Dataset("waf.resources", Scope.GLOBAL)


def read_log_status(batch: list[WafResource], result: list[Any]) -> None:
    """Set each protected object's log switch from DescribeResourceLogStatus Result[] (Resource, Status a boolean)."""
    by_name = {x.resource: x.status for x in result}
    for o in batch:
        status = by_name.get(o.resource)
        if isinstance(status, bool):  # documented boolean: true collecting, false not
            o.log_enabled = status
        elif status is None:
            o.error = "DescribeResourceLogStatus did not report this protected object"
        else:  # never truthiness: the text "false" would read as on
            o.error = f"DescribeResourceLogStatus reported an undocumented Status {status!r}"


@collector(RESOURCES, apis=["yundun-waf:DescribeInstance", "yundun-waf:DescribeDefenseResources",
                            "yundun-waf:DescribeResourceLogStatus", "yundun-waf:DescribeSlsLogStore", GROUPS_API])
def resources(ctx: CollectContext) -> list[WafResource]:
    found: list[WafResource] = []
    groups: list[list[str] | Exception] = []  # the account's groups, read once, at the first site with an instance

    def account_groups() -> list[str] | Exception:
        if not groups:
            try:
                groups.append(resource_groups(ctx))
            except Exception as err:  # the site is judged on the group-less listing, plus its ERROR
                groups.append(err)
        return groups[0]

    for centre in CENTRES:
        try:
            found += _site(ctx, centre, account_groups)
        except Exception as err:  # this site's ERROR; the other site is still judged
            found.append(WafResource(resource=f"waf-{centre}", instance_id="", region=centre,
                                     site_error=apierrors.describe(err)))
    return found


def _site(ctx: CollectContext, centre: str, account_groups: Callable[[], list[str] | Exception]) -> list[WafResource]:
    """The protected objects of one WAF 3.0 site with their log status ([] without an instance there)."""
    client = ctx.factory.pop("waf", centre)
    inst = client.describe_instance(waf_models.DescribeInstanceRequest(region_id=centre)).body
    # The reference does not say what an account without a WAF 3.0 instance gets; an answer without an InstanceId is
    # taken as "no instance in this site" (nothing protected there), as Alibaba's Terraform provider reads it
    # (aliyun/terraform-provider-alicloud, WafOpenapiService.DescribeWafv3Instance: not found)
    if not inst.instance_id:
        return []
    instance_id: str = inst.instance_id
    # an integer (the SDK's type) other than 1: expired, released or undocumented; an answer without Status (or of
    # another type) is read as normal, which cannot hide a FAIL
    if isinstance(inst.status, int) and not isinstance(inst.status, bool) and inst.status != NORMAL:
        return [WafResource(resource=instance_id, instance_id=instance_id, region=centre,
                            instance_status=inst.status)]
    groups = account_groups()

    def listed(group: str | None) -> list[WafResource]:
        def page(n: int) -> Any:
            return client.describe_defense_resources(waf_models.DescribeDefenseResourcesRequest(
                instance_id=instance_id, region_id=centre, page_number=n, page_size=PAGE_SIZE,
                resource_manager_resource_group_id=group)).body

        return [WafResource(resource=r.resource, product=r.product or "", instance_id=instance_id, region=centre,
                            resource_group=r.resource_manager_resource_group_id or group or "")
                for r in by_page_number(page, lambda b: b.resources or [], PAGE_SIZE) if r.resource]

    by_name: dict[str, WafResource] = {}
    for answer in ctx.map(listed, [None, *(groups if isinstance(groups, list) else [])]):
        for o in answer:  # (one object in two answers: the one that names its group wins)
            if o.resource not in by_name or not by_name[o.resource].resource_group:
                by_name[o.resource] = o
    objects = [by_name[name] for name in sorted(by_name)]
    # DescribeResourceLogStatus is asked per group (an object with its own group's id)
    batches = [batch for group in sorted({o.resource_group for o in objects})
               for mine in [[o for o in objects if o.resource_group == group]]
               for batch in (mine[i:i + PAGE_SIZE] for i in range(0, len(mine), PAGE_SIZE))]

    def statuses(batch: list[WafResource]) -> None:
        try:
            result = client.describe_resource_log_status(waf_models.DescribeResourceLogStatusRequest(
                instance_id=instance_id, region_id=centre, resources=",".join(o.resource for o in batch),
                resource_manager_resource_group_id=batch[0].resource_group or None)).body.result or []
        except Exception as err:
            for o in batch:
                o.error = apierrors.describe(err)
            return
        read_log_status(batch, result)

    ctx.map(statuses, batches)
    if any(o.log_enabled for o in objects):  # one logstore per instance: asked once, where it decides a verdict
        volume = log_volume.ask(lambda: log_volume.read(client.describe_sls_log_store(
            waf_models.DescribeSlsLogStoreRequest(instance_id=instance_id, region_id=centre)).body))
        for o in objects:
            o.log_volume = volume if o.log_enabled else None
    if isinstance(groups, Exception):
        objects.append(WafResource(resource=f"waf-{centre}", instance_id=instance_id, region=centre,
                                   site_error="could not list the account's resource groups (protected objects of "
                                              f"groups other than the default may be missing): "
                                              f"{apierrors.describe(groups)}"))
    return objects
