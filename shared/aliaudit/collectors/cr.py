"""Container Registry (Enterprise Edition, cr 2018-12-01) datasets (regional): every instance of the region with its
endpoints and their access control lists (ListInstanceEndpoint) and its image repositories (ListRepository)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .. import apierrors
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from ..offered import region_list
from .paging import by_page_number
from .registry import CollectContext, collector

cr_models = lazy_import("alibabacloud_cr20181201.models")

# ListInstance documents no PageSize maximum (its default and example are 30); ListRepository's is 100 (OpenMeta
# cr 2018-12-01)
INSTANCE_PAGE = 30
REPO_PAGE = 100
INTERNET = "internet"  # ListInstanceEndpoint EndpointType of the public endpoint (sample and write APIs' value)
# ListInstanceEndpoint ModuleName: "Registry: image repositories. Chart: Helm charts." (the SDK model's request); the
# write APIs (UpdateInstanceEndpointStatus, Create/DeleteInstanceEndpointAclPolicy) take it too: each module's
# internet endpoint is switched and whitelisted on its own
MODULES = ("Registry", "Chart")


class CrEndpoint(Record):
    type: str  # EndpointType: internet | vpc
    module: str = "Registry"  # the ModuleName it was listed for
    enabled: bool | None = None  # Enable (None: not answered)
    acl_enabled: bool | None = None  # AclEnable
    status: str = ""
    acl_entries: list[str] = Field(default_factory=list)  # AclEntries[].Entry (CIDR blocks)
    domains: list[str] = Field(default_factory=list)


class CrRepository(Record):
    id: str
    name: str = ""
    namespace: str = ""
    repo_type: str = ""  # RepoType: PUBLIC | PRIVATE
    status: str = ""


class CrInstance(Record):
    id: str
    name: str = ""
    region: str
    status: str = ""
    specification: str = ""
    endpoints: list[CrEndpoint] = Field(default_factory=list)
    repositories: list[CrRepository] = Field(default_factory=list)
    # 'endpoints' (Registry's), 'chart_endpoints', 'repositories' -> why it could not be read
    errors: dict[str, str] = Field(default_factory=dict)
    # ListInstanceEndpoint answered INSTANCE_STATUS_NOT_SUPPORT: the instance, in its status, has no managed endpoint
    endpoints_unsupported: bool = False

    def endpoint(self, kind: str, module: str = "Registry") -> CrEndpoint | None:
        return next((e for e in self.endpoints if e.type.lower() == kind and e.module == module), None)


def endpoints_error(module: str) -> str:
    """The errors key of a module's endpoints."""
    return "endpoints" if module == "Registry" else f"{module.lower()}_endpoints"


INSTANCES: Dataset[list[CrInstance]] = Dataset("cr.instances", Scope.REGIONAL)


# IsSuccess-false codes Alibaba's Terraform provider reads (alicloud/data_source_alicloud_cr_ee_instances.go,
# service_alicloud_cr_ee.go): INSTANCE_STATUS_NOT_SUPPORT, "the instance does not support managed public/VPC
# endpoints (e.g. retired instances)", a lasting condition of an instance ListInstance lists; INSTANCE_NOT_EXIST, the
# instance is gone (released since it was listed)
STATUS_NOT_SUPPORT, NOT_EXIST = "INSTANCE_STATUS_NOT_SUPPORT", "INSTANCE_NOT_EXIST"


def _ok(body: Any) -> Any:
    """Container Registry documents failures answered with HTTP 200, Code and IsSuccess false (INSTANCE_NOT_EXIST on
    GetStorageDomainRoutingRule): such an answer is an error, never an empty list."""
    if body.is_success is False:
        raise apierrors.AnswerFailure(body.code or "IsSuccess.False",
                                      f"the request failed (RequestId {body.request_id})")
    return body


@collector(INSTANCES, apis=["cr:ListInstance", "cr:ListInstanceEndpoint", "cr:ListRepository"])
def instances(ctx: CollectContext) -> list[CrInstance]:
    cr = ctx.client("cr")
    listed = list(by_page_number(
        lambda n: _ok(cr.list_instance(cr_models.ListInstanceRequest(page_no=n, page_size=INSTANCE_PAGE)).body),
        lambda b: b.instances or [], INSTANCE_PAGE))

    def read(i: Any) -> CrInstance | None:
        inst = CrInstance(id=i.instance_id, name=i.instance_name or "", region=ctx.region,
                          status=i.instance_status or "", specification=i.instance_specification or "")
        for module in MODULES:
            if inst.endpoints_unsupported:
                break
            try:
                body = _ok(cr.list_instance_endpoint(cr_models.ListInstanceEndpointRequest(
                    instance_id=inst.id, module_name=module)).body)
                inst.endpoints += [CrEndpoint(
                    type=e.endpoint_type or "", module=module, enabled=e.enable, acl_enabled=e.acl_enable,
                    status=e.status or "", acl_entries=[a.entry for a in e.acl_entries or [] if a.entry],
                    domains=[d.domain for d in e.domains or [] if d.domain]) for e in body.endpoints or []]
            except Exception as err:
                if apierrors.sdk_code(err) == NOT_EXIST:
                    return None  # released since it was listed
                if apierrors.sdk_code(err) == STATUS_NOT_SUPPORT:
                    inst.endpoints_unsupported = True
                else:
                    inst.errors[endpoints_error(module)] = apierrors.describe(err)
        try:
            # RepoStatus ALL: the documented example value, so that repositories in every state are listed
            repos = by_page_number(
                lambda n: _ok(cr.list_repository(cr_models.ListRepositoryRequest(
                    instance_id=inst.id, repo_status="ALL", page_no=n, page_size=REPO_PAGE)).body),
                lambda b: b.repositories or [], REPO_PAGE)
            inst.repositories = [CrRepository(id=r.repo_id, name=r.repo_name or "", namespace=r.repo_namespace_name
                                              or "", repo_type=r.repo_type or "", status=r.repo_status or "")
                                 for r in repos]
        except Exception as err:
            if apierrors.sdk_code(err) == NOT_EXIST:
                return None
            inst.errors["repositories"] = apierrors.describe(err)
        return inst

    return [inst for inst in ctx.map(read, listed) if inst is not None]


# ListInstanceRegion: "Queries regions in which you can create Container Registry instances"; body Regions[].RegionId
# beside IsSuccess (https://www.alibabacloud.com/help/en/acr/developer-reference/api-cr-2018-12-01-listinstanceregion;
# alibabacloud_cr20181201 ListInstanceRegionResponseBody). No RAM action is documented: cr:ListInstanceRegion by
# the product's convention
@region_list("cr", product="cr", apis=["cr:ListInstanceRegion"])
def cr_regions(client: Any) -> list[str]:
    return [r.region_id for r in _ok(client.list_instance_region(cr_models.ListInstanceRegionRequest()).body).regions
            or []]
