"""CDN (2018-05-10): the account's accelerated domains, each with its HTTPS switch (SslProtocol) and its feature
configurations (BatchSetCdnDomainConfig's function name -> arguments); DescribeUserDomains (PageNumber paging),
DescribeCdnDomainConfigs, and the writes that change what the audit sees (BatchSetCdnDomainConfig,
SetCdnDomainSSLCertificate).

CDN is global: alibabacloud_cdn20180510's endpoint rule is 'central' (cdn.aliyuncs.com) and its endpoint map sends
the international regions to cdn.ap-southeast-1.aliyuncs.com; both hosts serve the account's one set of domains,
whatever region the request names. Sources: OpenMeta cdn 2018-05-10 (dew-serverless/acs-metadata
en_us/cdn/2018-05-10/api-docs.json) and the SDK's response models (types)."""

from __future__ import annotations

import json
from datetime import datetime
from itertools import count
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..call import Call
from ..clock import iso
from ..errors import ApiError
from ..pop import PopApi, int_param, require
from . import Product

api = PopApi("cdn", "2018-05-10")

# DomainStatus values (DescribeUserDomains, OpenMeta); SslProtocol on | off
STATUSES = {"online", "offline", "configuring", "configure_failed", "checking", "check_failed", "stopping", "deleting"}
_CONFIG_IDS = count(6295)  # ConfigId: a string of digits in DescribeCdnDomainConfigs (sample "6295")


class Origin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str
    type: str = "domain"  # ipaddr | domain | oss (the sample's Type is "oss")
    port: int = 80
    priority: str = "20"
    weight: str = "10"


class FunctionConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    args: dict[str, str] = Field(default_factory=dict)  # ArgName -> ArgValue
    config_id: str = Field(default_factory=lambda: str(next(_CONFIG_IDS)))
    status: str = "success"  # success | testing | failed | configuring
    # ParentId: the ConfigId of the rule condition (feature `condition`) the configuration applies under, '' for
    # every request (the rule-condition ID, optional: DescribeCdnDomainConfigs,
    # https://help.aliyun.com/document_detail/90924.html)
    parent_id: str = ""


class Domain(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    name: str
    id: int = 11223344
    status: str = "online"
    ssl_protocol: str = "off"  # on | off
    cdn_type: str = "web"  # web | download | video
    coverage: str = "domestic"  # domestic | global | overseas
    resource_group_id: str = "rg-acfmdefault0000"
    description: str = ""
    sandbox: str = "normal"
    created: datetime = datetime(2024, 1, 1)
    modified: datetime | None = None
    origins: list[Origin] = Field(default_factory=lambda: [Origin(content="origin.example.com")])
    # feature name (https_force, https_tls_version, ...) -> its configurations, as BatchSetCdnDomainConfig sets
    # them: one, or several (a feature may have several rules, each with its ConfigId, e.g. under different rule
    # conditions: "Usage notes on ConfigId", https://help.aliyun.com/en/cdn/developer-reference/
    # usage-notes-on-configid). A scenario may give one configuration or a list.
    configs: dict[str, list[FunctionConfig]] = Field(default_factory=dict)

    @field_validator("configs", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: v if isinstance(v, list) else [v] for k, v in value.items()}
        return value


class CdnState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    domains: list[Domain] = Field(default_factory=list)

    def find(self, name: str) -> Domain | None:
        return next((d for d in self.domains if d.name == name), None)


def _domain(call: Call, name: str) -> Domain:
    dom = call.acct.cdn.find(name)
    if dom is None:
        # documented for CreateRealTimeLogDelivery (OpenMeta cdn 2018-05-10); DescribeCdnDomainConfigs documents no
        # code for an unknown domain
        raise ApiError("InvalidDomain.NotFound", "The domain does not exist, or it does not belong to you.", 404)
    call.touch("ACS::CDN::Domain", dom.name)
    return dom


def _domain_resource(call: Call) -> str:
    return f"domain/{call.params.get('DomainName', '*')}"


@api.action("DescribeUserDomains")
def describe_user_domains(call: Call) -> dict[str, Any]:
    # PageSize 1-500, default 20; PageNumber 1-100000 (OpenMeta); the errors are the documented ones
    try:
        size = int_param(call.params, "PageSize", 20, 1, 500)
    except ApiError:
        raise ApiError("InvalidPageSize.ValueNotSupported", "The specified value of PageSize is invalid.", 400) \
            from None
    try:
        number = int_param(call.params, "PageNumber", 1, 1, 100000)
    except ApiError:
        raise ApiError("InvalidPageNumber.ValueNotSupported",
                       "The specified value of PageNumber is not supported.", 400) from None
    status = call.params.get("DomainStatus", "")
    if status and status not in STATUSES:
        raise ApiError("InvalidDomainStatus.ValueNotSupported", "The specified value of DomainStatus is invalid.", 400)
    wanted = call.params.get("DomainName", "")
    # CheckDomainShow true shows the domains under review, failed the review or failed to be configured; what false
    # or its absence hides is not documented (no default): every domain is answered either way
    domains = [d for d in call.acct.cdn.domains
               if (not status or d.status == status) and (not wanted or wanted in d.name)]
    page = domains[(number - 1) * size:number * size]
    return {"PageNumber": number, "PageSize": size, "TotalCount": len(domains), "Domains": {"PageData": [{
        "DomainName": d.name, "DomainId": d.id, "DomainStatus": d.status, "SslProtocol": d.ssl_protocol,
        "CdnType": d.cdn_type, "Coverage": d.coverage, "Cname": f"{d.name}.w.kunlunsl.com", "Sandbox": d.sandbox,
        "Description": d.description, "ResourceGroupId": d.resource_group_id, "GmtCreated": iso(d.created),
        "GmtModified": iso(d.modified or d.created),
        "Sources": {"Source": [{"Content": o.content, "Type": o.type, "Port": o.port, "Priority": o.priority,
                                "Weight": o.weight} for o in d.origins]}} for d in page]}}


@api.action("DescribeCdnDomainConfigs", resource=_domain_resource)
def describe_cdn_domain_configs(call: Call) -> dict[str, Any]:
    dom = _domain(call, require(call.params, "DomainName"))
    names = [n.strip() for n in call.params.get("FunctionNames", "").split(",") if n.strip()]
    configs = [(n, c) for n, listed in dom.configs.items() if not names or n in names for c in listed]
    # ParentId: the rule condition a configuration refers to, "optional" (OpenMeta): an empty string for none here;
    # what the cloud answers for none is undocumented (a scenario may give another value: `parent_id`)
    return {"DomainConfigs": {"DomainConfig": [{
        "FunctionName": n, "ConfigId": c.config_id, "Status": c.status, "ParentId": c.parent_id,
        "FunctionArgs": {"FunctionArg": [{"ArgName": k, "ArgValue": v} for k, v in c.args.items()]}}
        for n, c in configs]}}


def _parent(value: Any) -> str:
    """Functions[].parentId: a rule condition's ConfigId; absent or -1 for none ("If parentId is set to -1, the
    existing rule condition for this configuration is deleted": BatchSetCdnDomainConfig,
    https://help.aliyun.com/en/cdn/developer-reference/api-cdn-2018-05-10-batchsetcdndomainconfig)."""
    parent = "" if value is None else str(value).strip()
    return "" if parent == "-1" else parent


@api.action("BatchSetCdnDomainConfig", resource="domain/*", write=True)
def batch_set_cdn_domain_config(call: Call) -> dict[str, Any]:
    names = [n.strip() for n in require(call.params, "DomainNames").split(",") if n.strip()]
    try:
        functions = json.loads(require(call.params, "Functions"))
        parsed = [(f["functionName"], {a["argName"]: str(a["argValue"]) for a in f.get("functionArgs", [])},
                   _parent(f.get("parentId"))) for f in functions]
    except (ValueError, KeyError, TypeError):
        raise ApiError("InvalidFunctions.Malformed", "The specified Functions is incorrectly formatted.", 400) \
            from None
    domains = [_domain(call, n) for n in names]
    out = []
    for dom in domains:
        for fname, args, parent in parsed:
            cfg = FunctionConfig(args=args, parent_id=parent)
            # the feature's configuration under the same rule condition (or none) is replaced, another is added
            # (how the cloud matches an existing rule without a configId is not documented: this is our choice)
            kept = [c for c in dom.configs.get(fname, []) if c.parent_id != parent]
            dom.configs[fname] = [*kept, cfg]
            dom.modified = call.now()
            # ConfigId is an integer here (BatchSetCdnDomainConfig's model), a string in DescribeCdnDomainConfigs
            out.append({"ConfigId": int(cfg.config_id), "DomainName": dom.name, "FunctionName": fname})
    return {"DomainConfigList": {"DomainConfigModel": out}}


@api.action("SetCdnDomainSSLCertificate", resource=_domain_resource, write=True)
def set_cdn_domain_ssl_certificate(call: Call) -> dict[str, Any]:
    dom = _domain(call, require(call.params, "DomainName"))
    proto = require(call.params, "SSLProtocol")
    if proto not in ("on", "off"):
        raise ApiError("InvalidSSLProtocol.ValueNotSupported", "The specified SSLProtocol is invalid.", 400)
    dom.ssl_protocol, dom.modified = proto, call.now()
    return {}


PRODUCT = Product("cdn", api=api, state=CdnState)
