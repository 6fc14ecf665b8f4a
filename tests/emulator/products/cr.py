"""Container Registry Enterprise Edition (cr 2018-12-01, hosts cr.<region>.aliyuncs.com: the SDK's endpoint rule is
'regional'): instances per region with their internet and VPC endpoints (the internet endpoint's whitelist) and
their image repositories; ListInstance and ListRepository (PageNo paging), ListInstanceEndpoint, and the writes
that change what the audit sees (UpdateInstanceEndpointStatus, Create/DeleteInstanceEndpointAclPolicy,
UpdateRepository).

Sources: OpenMeta cr 2018-12-01 (dew-serverless/acs-metadata en_us/cr/2018-12-01/api-docs.json) for shapes, paging
and error codes; alibabacloud_cr20181201's response models for the JSON types (ListInstance CreateTime is a string of
milliseconds, ListRepository CreateTime an integer and its TotalCount a string). Every answer carries Code "success"
and IsSuccess true; an unknown instance is answered as the reference documents INSTANCE_NOT_EXIST (for
GetStorageDomainRoutingRule, the only API that documents one): HTTP 200 with that Code and IsSuccess false."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..call import Call
from ..errors import ApiError
from ..pop import PopApi, int_param, require
from ..regions import offered_regions, region_exists
from . import Product

api = PopApi("cr", "2018-12-01")

REPO_TYPES = ("PUBLIC", "PRIVATE")  # ListRepository RepoType
MODULES = ("Registry", "Chart")  # ListInstanceEndpoint ModuleName


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


class Whitelist(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = False  # Enable of the internet endpoint
    acl_enabled: bool = True  # AclEnable
    entries: list[str] = Field(default_factory=list)  # AclEntries[].Entry (CIDR blocks)


class Repository(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    namespace: str = "default"
    repo_type: str = "PRIVATE"  # PUBLIC | PRIVATE
    status: str = "NORMAL"
    build_type: str = "MANUAL"  # AUTO | MANUAL
    summary: str = ""
    tag_immutability: bool = False
    created: datetime = datetime(2024, 1, 1)


class Instance(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    id: str
    name: str = ""
    region: str = "cn-hangzhou"
    status: str = "RUNNING"
    specification: str = "Enterprise_Basic"
    resource_group_id: str = "rg-acfmdefault0000"
    created: datetime = datetime(2024, 1, 1)
    internet: Whitelist = Field(default_factory=Whitelist)  # ModuleName Registry: the image repositories' endpoint
    # ModuleName Chart: the Helm charts' internet endpoint, switched and whitelisted on its own (ListInstanceEndpoint,
    # UpdateInstanceEndpointStatus and the ACL policy APIs each take a ModuleName: Registry | Chart, the SDK models)
    chart: Whitelist = Field(default_factory=Whitelist)
    vpcs: list[str] = Field(default_factory=list)  # VPCs linked to the VPC endpoint
    repositories: list[Repository] = Field(default_factory=list)


class CrState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instances: list[Instance] = Field(default_factory=list)


def _region(call: Call) -> str:
    if call.region and not region_exists(call.acct.regions, call.region):
        raise ApiError("InvalidRegionId", f"The region {call.region} is not available for this account.", 400)
    return call.region


def _ok(body: dict[str, Any]) -> dict[str, Any]:
    return {"Code": "success", "IsSuccess": True, **body}


# ListInstance InstanceStatus values (PENDING, INIT_ERROR, STARTING, RUNNING, STOPPING, STOPPED, DELETING, DELETED)
# of an instance that is not running: the emulator answers INSTANCE_STATUS_NOT_SUPPORT for its endpoints
ENDPOINTLESS = {"STOPPED", "DELETING", "DELETED", "INIT_ERROR"}


def _not_exist() -> dict[str, Any]:
    return {"Code": "INSTANCE_NOT_EXIST", "IsSuccess": False}


def _instance(call: Call) -> Instance | None:
    iid = require(call.params, "InstanceId")
    region = _region(call)
    inst = next((i for i in call.acct.cr.instances if i.id == iid and (not region or i.region == region)), None)
    if inst is not None:
        call.region = call.region or inst.region
        call.touch("ACS::CR::Instance", inst.id)
    return inst


def _instance_resource(call: Call) -> str:
    return f"instance/{call.params.get('InstanceId', '*')}"


def _page(call: Call, items: list[Any], default: int, limit: int) -> tuple[list[Any], int, int]:
    size = int_param(call.params, "PageSize", default, 1, limit)
    number = int_param(call.params, "PageNo", 1, 1, 1_000_000)
    return items[(number - 1) * size:number * size], number, size


@api.action("ListInstance")
def list_instance(call: Call) -> dict[str, Any]:
    region = _region(call)
    status, name = call.params.get("InstanceStatus", ""), call.params.get("InstanceName", "")
    found = [i for i in call.acct.cr.instances if (not region or i.region == region)
             and (not status or i.status == status) and (not name or i.name == name)]
    # ListInstance documents no PageSize maximum: the emulator accepts up to 100
    page, number, size = _page(call, found, 30, 100)
    return _ok({"PageNo": number, "PageSize": size, "TotalCount": len(found), "Instances": [{
        "InstanceId": i.id, "InstanceName": i.name, "InstanceStatus": i.status, "InstanceSpecification":
        i.specification, "RegionId": i.region, "ResourceGroupId": i.resource_group_id,
        "CreateTime": str(_ms(i.created)), "ModifiedTime": str(_ms(i.created)), "Tags": []} for i in page]})


@api.action("ListInstanceEndpoint", resource=_instance_resource)
def list_instance_endpoint(call: Call) -> dict[str, Any]:
    inst = _instance(call)
    if inst is None:
        return _not_exist()
    if inst.status in ENDPOINTLESS:
        # "the instance does not support managed public/VPC endpoints (e.g. retired instances)": Alibaba's Terraform
        # provider reads this answer (alicloud/service_alicloud_cr_ee.go); which statuses give it is ours
        return {"Code": "INSTANCE_STATUS_NOT_SUPPORT", "IsSuccess": False}
    module = _module(call)
    allowed = _whitelist(inst, module)
    summary = call.params.get("Summary", "false").lower() == "true"  # simple mode: no access control information
    host = "registry" if module == "Registry" else "chart"
    internet: dict[str, Any] = {
        "EndpointType": "internet", "Enable": allowed.enabled, "Status": "RUNNING",
        "Domains": [{"Domain": f"{inst.name or inst.id}-{host}.{inst.region}.cr.aliyuncs.com", "Type": "SYSTEM"}]}
    vpc: dict[str, Any] = {
        "EndpointType": "vpc", "Enable": bool(inst.vpcs), "Status": "RUNNING",
        "Domains": [{"Domain": f"{inst.name or inst.id}-{host}-vpc.{inst.region}.cr.aliyuncs.com", "Type": "SYSTEM"}]}
    if not summary:
        internet.update(AclEnable=allowed.acl_enabled, LinkedVpcs=[],
                        AclEntries=[{"Entry": e} for e in allowed.entries])
        vpc.update(AclEnable=False, AclEntries=[], LinkedVpcs=[{"VpcId": v} for v in inst.vpcs])
    return _ok({"Endpoints": [internet, vpc]})


@api.action("ListRepository", resource=_instance_resource)
def list_repository(call: Call) -> dict[str, Any]:
    inst = _instance(call)
    if inst is None:
        return _not_exist()
    status = call.params.get("RepoStatus", "")
    name, ns = call.params.get("RepoName", ""), call.params.get("RepoNamespaceName", "")
    found = [r for r in inst.repositories if (not status or status == "ALL" or r.status == status)
             and (not name or r.name == name) and (not ns or r.namespace == ns)]
    page, number, size = _page(call, found, 30, 100)  # PageSize maximum 100 (OpenMeta)
    # TotalCount is a string here (the SDK model and the sample), unlike ListInstance's integer
    return _ok({"PageNo": number, "PageSize": size, "TotalCount": str(len(found)), "Repositories": [{
        "RepoId": r.id, "RepoName": r.name, "RepoNamespaceName": r.namespace, "RepoType": r.repo_type,
        "RepoStatus": r.status, "RepoBuildType": r.build_type, "Summary": r.summary,
        "TagImmutability": r.tag_immutability, "InstanceId": inst.id, "ResourceGroupId": inst.resource_group_id,
        "CreateTime": _ms(r.created), "ModifiedTime": _ms(r.created)} for r in page]})


def _module(call: Call) -> str:
    module = call.params.get("ModuleName", "Registry")
    if module not in MODULES:
        raise ApiError("InvalidParameter", f"The ModuleName is invalid: {module}", 400)
    return module


def _whitelist(inst: Instance, module: str) -> Whitelist:
    return inst.chart if module == "Chart" else inst.internet


def _internet(call: Call, inst: Instance) -> Whitelist:
    """The internet endpoint a write names (its ModuleName's)."""
    kind = require(call.params, "EndpointType")
    if kind.lower() != "internet":  # "Set the value to Internet" (OpenMeta)
        raise ApiError("InvalidParameter", f"The EndpointType is invalid: {kind}", 400)
    return _whitelist(inst, _module(call))


@api.action("UpdateInstanceEndpointStatus", resource=_instance_resource, write=True)
def update_instance_endpoint_status(call: Call) -> dict[str, Any]:
    inst = _instance(call)
    if inst is None:
        return _not_exist()
    _internet(call, inst).enabled = require(call.params, "Enable").lower() == "true"
    return _ok({})


@api.action("CreateInstanceEndpointAclPolicy", resource=_instance_resource, write=True)
def create_instance_endpoint_acl_policy(call: Call) -> dict[str, Any]:
    inst = _instance(call)
    if inst is None:
        return _not_exist()
    allowed = _internet(call, inst)
    entry = require(call.params, "Entry")
    if entry not in allowed.entries:
        allowed.entries.append(entry)
    return _ok({})


@api.action("DeleteInstanceEndpointAclPolicy", resource=_instance_resource, write=True)
def delete_instance_endpoint_acl_policy(call: Call) -> dict[str, Any]:
    inst = _instance(call)
    if inst is None:
        return _not_exist()
    allowed = _internet(call, inst)
    entry = require(call.params, "Entry")
    allowed.entries = [e for e in allowed.entries if e != entry]
    return _ok({})


@api.action("UpdateRepository", resource=_instance_resource, write=True)
def update_repository(call: Call) -> dict[str, Any]:
    inst = _instance(call)
    if inst is None:
        return _not_exist()
    repo_type, summary = require(call.params, "RepoType"), require(call.params, "Summary")
    if repo_type not in REPO_TYPES:
        raise ApiError("InvalidParameter", f"The RepoType is invalid: {repo_type}", 400)
    rid = call.params.get("RepoId", "")
    ns, name = call.params.get("RepoNamespaceName", ""), call.params.get("RepoName", "")
    repo = next((r for r in inst.repositories if (rid and r.id == rid) or (not rid and r.namespace == ns
                                                                             and r.name == name)), None)
    if repo is None:
        # the reference documents no code for an unknown repository: the instance's documented form is used
        return {"Code": "REPO_NOT_EXIST", "IsSuccess": False}
    call.touch("ACS::CR::Repository", repo.id)
    repo.repo_type, repo.summary = repo_type, summary
    if "TagImmutability" in call.params:
        repo.tag_immutability = call.params["TagImmutability"].lower() == "true"
    return _ok({})


PRODUCT = Product("cr", api=api, state=CrState)


# ListInstanceRegion: "Queries regions in which you can create Container Registry instances" (sample: Code "success",
# IsSuccess true, Regions[] of LocalName and RegionId:
# https://www.alibabacloud.com/help/en/acr/developer-reference/api-cr-2018-12-01-listinstanceregion); the region's
# local name is not modelled (its id stands in)
@api.action("ListInstanceRegion")
def list_instance_region(call: Call) -> dict[str, Any]:
    return _ok({"Regions": [{"RegionId": r, "LocalName": r}
                            for r in offered_regions(call.world, "cr", call.acct.regions)]})
