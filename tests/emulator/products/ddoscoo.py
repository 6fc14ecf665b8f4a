"""Anti-DDoS Proxy (ddoscoo 2020-01-01): instances and the websites (domains with forwarding rules) they protect, with
the full-log (Log Service) switch of each website: DescribeInstances (PageNumber/PageSize), DescribeDomains,
DescribeWebAccessLogStatus, DescribeSlsLogstoreInfo (the full log's storage use), and the writes
EnableWebAccessLogConfig / DisableWebAccessLogConfig.

Sites: Anti-DDoS Proxy (Chinese Mainland) answers at ddoscoo.cn-hangzhou.aliyuncs.com and Anti-DDoS Proxy (Outside
Chinese Mainland) at ddoscoo.ap-southeast-1.aliyuncs.com (API reference, endpoints; the SDK's endpoint rule is
`regional`, ddoscoo.<region>.aliyuncs.com). Each resource names its site in `region`; a call to any other region
answers empty lists. Response shapes and JSON types: the API reference (tests/fixtures/wire/ddoscoo) and
alibabacloud_ddoscoo20200101's models (TotalCount, Status, Edition, Enabled, CreateTime and ExpireTime integers;
SlsStatus a boolean).

Resource groups: DescribeInstances "If you do not specify this parameter [ResourceGroupId], the default resource
group is used"; DescribeDomains, DescribeWebAccessLogStatus and the log writes: "This parameter is empty by default,
which indicates that the instance belongs to the default resource group" (alibabacloud_ddoscoo20200101 request
models). Each call answers only the resources of the group it names, the account's default group when none."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..call import Call
from ..errors import ApiError
from ..pop import PopApi, int_param, require
from . import Product
from .resourcemanager import DEFAULT_RESOURCE_GROUP

api = PopApi("ddoscoo", "2020-01-01", ram_prefix="yundun-ddoscoo")  # RAM namespace of Anti-DDoS Proxy


def _ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


class Instance(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    id: str  # ddoscoo-cn-...
    region: str = "cn-hangzhou"  # the site: cn-hangzhou | ap-southeast-1
    ip: str = "203.0.113.10"
    remark: str = ""
    edition: int = 9  # 0 Insurance, 1 Unlimited, 2 Secure Chinese Mainland Acceleration, 9 Profession (mainland)
    status: int = 1  # 1 normal, 2 expired
    enabled: int = 1  # 1 forwarding traffic, 0 not
    ip_version: str = "Ipv4"  # Ipv4 | Ipv6
    ip_mode: str = "fnat"  # fnat | v6tov4
    created: datetime = datetime(2024, 1, 1)
    expires: datetime = datetime(2030, 1, 1)
    resource_group_id: str = DEFAULT_RESOURCE_GROUP


class Website(BaseModel):
    model_config = ConfigDict(extra="forbid")

    domain: str
    region: str = "cn-hangzhou"  # the site of the instance(s) forwarding it
    instance_ids: list[str] = Field(default_factory=list)
    log_enabled: bool = False  # the Full Log switch (SlsStatus); logging is disabled by default (CIS 2.6)
    resource_group_id: str = DEFAULT_RESOURCE_GROUP  # its instances' group


class LogStore(BaseModel):
    """The full log's storage of a resource group in a site (DescribeSlsLogstoreInfo): the documented sample's
    3 TiB capacity by default."""

    model_config = ConfigDict(extra="forbid")

    region: str = "cn-hangzhou"
    resource_group_id: str = DEFAULT_RESOURCE_GROUP
    quota: int = 3298534883328
    used: int = 0


class DdoscooState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instances: list[Instance] = Field(default_factory=list)
    websites: list[Website] = Field(default_factory=list)
    log_stores: list[LogStore] = Field(default_factory=list)  # a site and group not listed: an empty 3 TiB store


def _list_param(params: dict[str, str], name: str) -> list[str]:
    """An RPC array parameter as the SDK flattens it (Name.1, Name.2, ...)."""
    keys = sorted((k for k in params if k.startswith(f"{name}.") and k[len(name) + 1:].isdigit()),
                  key=lambda k: int(k[len(name) + 1:]))
    return [params[k] for k in keys]


def _project(call: Call, region: str) -> tuple[str, str]:
    # the product's own project and logstore names, as the documented sample shows them
    # (ddoscoo-project-<account id>-<region>, ddoscoo-logstore)
    return f"ddoscoo-project-{call.acct.id}-{region}", "ddoscoo-logstore"


def _group(call: Call) -> str:
    return call.params.get("ResourceGroupId") or DEFAULT_RESOURCE_GROUP


def _website(call: Call) -> Website:
    domain = require(call.params, "Domain")
    for w in call.acct.ddoscoo.websites:
        if w.domain == domain and w.region == call.region and w.resource_group_id == _group(call):
            call.touch("ACS::DDoSCoo::Domain", domain)
            return w
    # the reference documents no error code for a domain without a forwarding rule: this one is our choice
    raise ApiError("InvalidParameter", f"The domain {domain} has no forwarding rule.", 400)


@api.action("DescribeInstances")
def describe_instances(call: Call) -> dict[str, Any]:
    # PageNumber and PageSize are required (API reference); no maximum PageSize is documented (50 accepted here)
    require(call.params, "PageNumber")
    require(call.params, "PageSize")
    number = int_param(call.params, "PageNumber", 1, 1, 1_000_000)
    size = int_param(call.params, "PageSize", 10, 1, 50)
    wanted = set(_list_param(call.params, "InstanceIds"))
    items = [i for i in call.acct.ddoscoo.instances if i.region == call.region and (not wanted or i.id in wanted)
             and i.resource_group_id == _group(call)]
    page = items[(number - 1) * size:number * size]
    return {"TotalCount": len(items), "Instances": [{
        "InstanceId": i.id, "Ip": i.ip, "Remark": i.remark, "Edition": i.edition, "Status": i.status,
        "Enabled": i.enabled, "IpVersion": i.ip_version, "IpMode": i.ip_mode, "DebtStatus": 0,
        "CreateTime": _ms(i.created), "ExpireTime": _ms(i.expires), "IsFirstOpenBw": 0, "IsFirstOpenQps": 0,
    } for i in page]}


@api.action("DescribeDomains")
def describe_domains(call: Call) -> dict[str, Any]:
    wanted = set(_list_param(call.params, "InstanceIds"))
    domains = [w.domain for w in call.acct.ddoscoo.websites
               if w.region == call.region and (not wanted or wanted & set(w.instance_ids))
               and w.resource_group_id == _group(call)]
    return {"Domains": domains}  # a list of strings (DescribeDomainsResponseBody.domains: List[str])


@api.action("DescribeWebAccessLogStatus")
def describe_web_access_log_status(call: Call) -> dict[str, Any]:
    w = _website(call)
    project, logstore = _project(call, w.region)
    return {"SlsStatus": w.log_enabled, "SlsProject": project, "SlsLogstore": logstore}


@api.action("DescribeSlsLogstoreInfo")
def describe_sls_logstore_info(call: Call) -> dict[str, Any]:
    """The full log's storage in the site for the resource group (ResourceGroupId, the default group when none), in
    the documented sample's shape (Quota and Used in bytes, integers)."""
    store = next((s for s in call.acct.ddoscoo.log_stores
                  if s.region == call.region and s.resource_group_id == _group(call)),
                 LogStore(region=call.region or "cn-hangzhou", resource_group_id=_group(call)))
    project, logstore = _project(call, store.region)
    return {"Ttl": 180, "Quota": store.quota, "Used": store.used, "LogStore": logstore, "Project": project}


@api.action("EnableWebAccessLogConfig", write=True)
def enable_web_access_log_config(call: Call) -> dict[str, Any]:
    _website(call).log_enabled = True
    return {}


@api.action("DisableWebAccessLogConfig", write=True)
def disable_web_access_log_config(call: Call) -> dict[str, Any]:
    _website(call).log_enabled = False
    return {}


PRODUCT = Product("ddoscoo", api=api, state=DdoscooState)
