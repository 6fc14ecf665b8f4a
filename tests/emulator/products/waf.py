"""WAF 3.0 (waf-openapi 2021-10-01): the WAF 3.0 instance of each site and its protected objects, with the log
collection switch of each: DescribeInstance, DescribeDefenseResources (PageNumber/PageSize), DescribeResourceLogStatus,
and the write ModifyResourceLogStatus.

Sites: WAF 3.0 answers at wafopenapi.cn-hangzhou.aliyuncs.com (Chinese mainland) and
wafopenapi.ap-southeast-1.aliyuncs.com (outside it): alibabacloud_waf_openapi20211001 Client._endpoint_map sends
every region to one of those hosts, whose first label `wafopenapi` routes here. The site is the `RegionId` parameter
(documented values cn-hangzhou | ap-southeast-1), else the host's region. Shapes and JSON types: the API reference
(tests/fixtures/wire/waf) and the SDK's models (Status, StartTime, EndTime integers; InDebt a string; Result[].Status
a boolean).

Resource groups: each protected object is in a resource group (Resources[].ResourceManagerResourceGroupId in the
documented DescribeDefenseResources sample; ChangeResourceGroup's ResourceType "defenseresource"), and
DescribeDefenseResources, DescribeResourceLogStatus and ModifyResourceLogStatus take ResourceManagerResourceGroupId.
What a call without it answers is not documented for WAF 3.0; the emulator answers the default group's objects only,
the narrower reading WAF 2.0 (DescribeDomainNames) and Anti-DDoS Proxy (DescribeInstances) document for their own
group parameter, under which a client that never names a group misses every other group's objects. The instance
itself answers whatever the group (DescribeInstance's response has no group field)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..call import Call
from ..errors import ApiError
from ..pop import PopApi, int_param, require
from . import Product
from .resourcemanager import DEFAULT_RESOURCE_GROUP

api = PopApi("waf", "2021-10-01", ram_prefix="yundun-waf")  # RAM namespace of WAF


def _ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


class ProtectedObject(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    resource: str  # e.g. alb-xxx, or <domain>-waf for a domain added in CNAME mode
    product: str = "alb"  # alb | ecs | clb4 | clb7 | nlb | waf ...
    pattern: str = "domain"
    description: str = ""
    log_enabled: bool = False  # the log collection switch; logging is disabled by default (CIS 2.7)
    resource_group_id: str = DEFAULT_RESOURCE_GROUP
    created: datetime = datetime(2024, 1, 1)


class Instance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str  # waf_v2_public_cn-...
    region: str = "cn-hangzhou"  # the site: cn-hangzhou | ap-southeast-1
    edition: str = "default_version"
    pay_type: str = "POSTPAY"  # POSTPAY | PREPAY
    status: int = 1  # 1 normal, 2 expired, 3 released
    started: datetime = datetime(2024, 1, 1)
    ends: datetime = datetime(2030, 1, 1)
    resources: list[ProtectedObject] = Field(default_factory=list)
    # DescribeSlsLogStore Quota / Used (bytes) of the instance's logstore: the documented sample's values
    log_quota: int = 3298534883328
    log_used: int = 35471136


class WafState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instances: list[Instance] = Field(default_factory=list)


def _site(call: Call) -> str:
    return call.params.get("RegionId") or call.region or "cn-hangzhou"


def _instance(call: Call) -> Instance:
    instance_id = require(call.params, "InstanceId")
    for i in call.acct.waf.instances:
        if i.id == instance_id and i.region == _site(call):
            call.touch("ACS::WAF::Instance", i.id)
            return i
    # the reference documents no error code for an unknown instance: this one is our choice
    raise ApiError("InvalidParameter.InstanceId", f"The instance {instance_id} does not exist.", 400)


def _in_group(call: Call, inst: Instance) -> list[ProtectedObject]:
    """The instance's protected objects in the call's resource group (the default group without one)."""
    group = call.params.get("ResourceManagerResourceGroupId") or DEFAULT_RESOURCE_GROUP
    return [r for r in inst.resources if r.resource_group_id == group]


@api.action("DescribeInstance")
def describe_instance(call: Call) -> dict[str, Any]:
    site = _site(call)
    inst = next((i for i in call.acct.waf.instances if i.region == site), None)
    if inst is None:
        # not documented: an account without a WAF 3.0 instance in the site gets the RequestId alone (no InstanceId,
        # which Alibaba's Terraform provider takes as "not found": WafOpenapiService.DescribeWafv3Instance)
        return {}
    return {"InstanceId": inst.id, "RegionId": inst.region, "Edition": inst.edition, "PayType": inst.pay_type,
            "Status": inst.status, "InDebt": "0", "StartTime": _ms(inst.started), "EndTime": _ms(inst.ends),
            "Details": {"LogService": True}}


@api.action("DescribeDefenseResources")
def describe_defense_resources(call: Call) -> dict[str, Any]:
    inst = _instance(call)
    # PageSize: default 10 (API reference); no maximum is documented (100 accepted here)
    size = int_param(call.params, "PageSize", 10, 1, 100)
    number = int_param(call.params, "PageNumber", 1, 1, 1_000_000)
    mine = _in_group(call, inst)
    page = mine[(number - 1) * size:number * size]
    return {"TotalCount": len(mine), "Resources": [{
        "Resource": r.resource, "Product": r.product, "Pattern": r.pattern, "Description": r.description,
        "OwnerUserId": call.acct.id, "ResourceOrigin": "custom", "XffStatus": 0, "AcwCookieStatus": 1,
        "AcwSecureStatus": 0, "AcwV3SecureStatus": 0, "GmtCreate": _ms(r.created), "GmtModified": _ms(r.created),
        "ResourceManagerResourceGroupId": r.resource_group_id,
    } for r in page]}


@api.action("DescribeResourceLogStatus")
def describe_resource_log_status(call: Call) -> dict[str, Any]:
    inst = _instance(call)
    names = [n for n in require(call.params, "Resources").split(",") if n]  # comma-separated (API reference)
    by_name = {r.resource: r for r in _in_group(call, inst)}
    return {"Result": [{"Resource": n, "Status": by_name[n].log_enabled} for n in names if n in by_name]}


@api.action("DescribeSlsLogStore")
def describe_sls_log_store(call: Call) -> dict[str, Any]:
    """The instance's logstore, in the documented sample's shape (Quota and Used in bytes, integers)."""
    inst = _instance(call)
    return {"LogStoreName": "wafng-logstore", "ProjectName": f"wafng-project-{call.acct.id}-{inst.region}",
            "Quota": inst.log_quota, "Used": inst.log_used, "Ttl": 180}


@api.action("ModifyResourceLogStatus", write=True)
def modify_resource_log_status(call: Call) -> dict[str, Any]:
    inst = _instance(call)
    name = require(call.params, "Resource")
    obj = next((r for r in _in_group(call, inst) if r.resource == name), None)
    if obj is None:
        raise ApiError("InvalidParameter.Resource", f"The protected object {name} does not exist.", 400)
    obj.log_enabled = require(call.params, "Status").lower() == "true"
    call.touch("ACS::WAF::DefenseResource", name)
    return {}


PRODUCT = Product("waf", api=api, state=WafState, hosts=("wafopenapi",))
