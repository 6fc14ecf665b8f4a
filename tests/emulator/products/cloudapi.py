"""API Gateway (CloudAPI, RPC 2016-07-14; hosts apigateway.<region>.aliyuncs.com, RAM namespace apigateway): API
groups with their HTTPS security policy and custom domains, and APIs with their authentication, Internet access,
request protocols and the stages they are published to. DescribeApiGroups and DescribeApis (PageNumber/PageSize),
DescribeApiGroup, DescribeApi, DescribeDeployedApi, DescribePluginsByApi (the plug-ins bound to an API in a stage), and
the writes that change what the audit sees (ModifyApi, DeployApi, AbolishApi, ModifyApiGroupNetworkPolicy,
CreatePlugin, AttachPlugin, DetachPlugin).

An API has two kinds of definition, kept apart as the cloud keeps them: the draft ("the definition being edited"),
which DescribeApi answers and ModifyApi changes at once, and per stage the definition published to it, which
DescribeDeployedApi answers ("the definition of an API that takes effect in an environment. The definition may differ
from the definition being edited"). DeployApi copies the draft to the stage; AbolishApi takes the stage's away.

Sources: Alibaba Cloud's OpenMeta metadata en_us/cloudapi/2016-07-14/api-docs.json (tests/fixtures/wire/cloudapi) and
the alibabacloud_cloudapi20160714 SDK models (JSON types: TotalCount/PageNumber/PageSize and TrafficLimit integers,
DisableInternet a boolean, RequestConfig.RequestProtocol a string such as "HTTP,HTTPS"). The SDK's endpoint map sends
every public region to apigateway.<region>.aliyuncs.com (client.py `_endpoint_map`); apigateway.aliyuncs.com serves
only non-public regions, so a request without a region lists nothing."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..call import Call
from ..clock import iso
from ..errors import ApiError
from ..pop import PopApi, int_param, require
from ..regions import offered_regions, region_exists
from . import Product

api = PopApi("cloudapi", "2016-07-14", ram_prefix="apigateway")

STAGES = ("RELEASE", "PRE", "TEST")  # DeployedInfo.StageName: RELEASE (production), PRE (staging), TEST
AUTH_TYPES = ("APP", "ANONYMOUS", "APPOPENID")  # DescribeApi AuthType
# HTTPS security policies the console offers (API Gateway "HTTPS security policies", help.aliyun.com
# /en/api-gateway/traditional-api-gateway/user-guide/configure-an-https-security-policy)
HTTPS_POLICIES = ("HTTPS1_1_TLS1_0", "HTTPS2_TLS1_0", "HTTPS2_TLS1_2", "HTTPS2_TLS1_3")
# CreatePlugin PluginType: the reference lists ipControl, trafficControl, backendSignature, jwtAuth, cors and caching;
# Alibaba's Terraform provider accepts these besides (alicloud/resource_alicloud_api_gateway_plugin.go)
PLUGIN_TYPES = ("trafficControl", "ipControl", "backendSignature", "jwtAuth", "basicAuth", "cors", "caching",
                "routing", "accessControl", "errorMapping", "circuitBreaker", "remoteAuth", "logMask", "transformer")
# RequestConfig.RequestProtocol parts: "Valid values: HTTP, HTTPS, and WebSocket" (DescribeDeployedApi, DescribeApi)
PROTOCOLS = {"HTTP": "HTTP", "HTTPS": "HTTPS", "WEBSOCKET": "WebSocket"}
# Not-found codes: the reference lists none for these APIs; NotFoundApiGroup / NotFoundApi are the codes the cloud
# answers as the Terraform provider expects them (aliyun/terraform-provider-alicloud alicloud/errors.go); 404 is ours
_NO_GROUP, _NO_API = "NotFoundApiGroup", "NotFoundApi"
# DescribeDeployedApi for an API not published to the stage: the reference documents no error code for it
# (en_us/cloudapi/2016-07-14/api-docs.json lists none). NotFoundStage is the code the Terraform provider expects,
# beside NotFoundApiGroup and NotFoundApi, when it reads a stage's definition after AbolishApi (alicloud/
# service_alicloud_api_gateway.go DescribeDeployedApi, alicloud/errors.go); the message and the 404 are ours
_NOT_DEPLOYED = "NotFoundStage"


def _hex_id() -> str:
    return secrets.token_hex(16)  # GroupId / ApiId: 32 hex characters (samples)


class ApiGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    id: str = Field(default_factory=_hex_id)
    name: str = ""
    region: str = "cn-hangzhou"
    description: str = ""
    https_policy: str = "HTTPS2_TLS1_0"  # the API reference's DescribeApiGroup sample value
    custom_domains: list[str] = Field(default_factory=list)  # bound domain names
    # of those, the ones bound without an SSL certificate (no CertificateId/CertificateName in DomainItem: the
    # documented sample's DomainItem carries both when a certificate is bound)
    uncertified_domains: list[str] = Field(default_factory=list)
    instance_id: str = "api-shared-vpc-001"
    created: datetime = datetime(2024, 1, 1)


class Definition(BaseModel):
    """An API's definition: the draft's fields, or a copy of them published to a stage."""

    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    name: str = ""
    description: str = ""
    visibility: str = "PRIVATE"  # PUBLIC | PRIVATE
    auth_type: str = "APP"  # APP | ANONYMOUS | APPOPENID
    disable_internet: bool = False  # true: VPC calls only
    protocol: str = "HTTPS"  # RequestConfig.RequestProtocol: "HTTP", "HTTPS" or "HTTP,HTTPS"
    path: str = "/"
    method: str = "GET"


class Plugin(BaseModel):
    """A plug-in (CreatePlugin): its type and definition (PluginData, JSON or YAML text)."""

    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    id: str = Field(default_factory=_hex_id)
    name: str
    type: str  # PluginType (PLUGIN_TYPES)
    data: str = "{}"
    description: str = ""
    region: str = "cn-hangzhou"
    created: datetime = datetime(2024, 1, 1)
    modified: datetime | None = None

    @model_validator(mode="after")
    def _known_type(self) -> Plugin:
        if self.type not in PLUGIN_TYPES:
            raise ValueError(f"plug-in type {self.type!r} is not one of {list(PLUGIN_TYPES)}")
        return self


class Published(Definition):
    deployed: datetime | None = None  # DeployedTime (None: the API's last change, or its creation)


class Api(Definition):
    """The API with its draft (the fields of Definition) and what each stage serves (`published`). A scenario gives
    `stages` (published with the draft as it is) and, for a stage that serves something else, `published`."""

    id: str = Field(default_factory=_hex_id)
    group_id: str  # its group (the group's region is the API's)
    stages: list[str] = Field(default_factory=list)  # stages it is published to (the keys of `published`)
    published: dict[str, Published] = Field(default_factory=dict)  # stage -> the definition it serves
    # stage -> the ids of the plug-ins bound to the API there (AttachPlugin): a binding takes effect at once, it is
    # not part of what DeployApi publishes
    plugins: dict[str, list[str]] = Field(default_factory=dict)
    created: datetime = datetime(2024, 1, 1)
    modified: datetime | None = None

    @model_validator(mode="after")
    def _publish_stages(self) -> Api:
        unknown = sorted((set(self.stages) | set(self.published) | set(self.plugins)) - set(STAGES))
        if unknown:
            raise ValueError(f"stages {unknown} are not API Gateway stages {list(STAGES)}")
        for stage in self.stages:
            if stage not in self.published:
                self.published[stage] = self.snapshot(self.modified or self.created)
        self.stages = sorted(self.published)
        return self

    def snapshot(self, when: datetime) -> Published:
        return Published(**{k: getattr(self, k) for k in Definition.model_fields}, deployed=when)

    def deploy(self, stage: str, when: datetime) -> None:
        self.published[stage] = self.snapshot(when)
        self.stages = sorted(self.published)

    def abolish(self, stage: str) -> None:
        self.published.pop(stage, None)
        self.stages = sorted(self.published)


class CloudapiState(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    groups: list[ApiGroup] = Field(default_factory=list)
    apis: list[Api] = Field(default_factory=list)
    plugins: list[Plugin] = Field(default_factory=list)

    def group(self, gid: str) -> ApiGroup | None:
        return next((g for g in self.groups if g.id == gid), None)


def _region(call: Call) -> str:
    if call.region and not region_exists(call.acct.regions, call.region):
        raise ApiError("InvalidRegionId", f"The specified region {call.region} is invalid.", 400)
    return call.region


def _group(call: Call) -> ApiGroup:
    gid = require(call.params, "GroupId")
    g = call.acct.cloudapi.group(gid)
    if g is None or g.region != _region(call):
        raise ApiError(_NO_GROUP, f"Cannot find the specified group {gid}.", 404)
    call.touch("ACS::ApiGateway::Group", g.id)
    return g


def _api(call: Call) -> tuple[Api, ApiGroup]:
    aid = require(call.params, "ApiId")
    region = _region(call)
    for a in call.acct.cloudapi.apis:
        g = call.acct.cloudapi.group(a.group_id)
        if a.id == aid and g is not None and g.region == region:
            if call.params.get("GroupId") and call.params["GroupId"] != g.id:
                break
            call.touch("ACS::ApiGateway::Api", a.id)
            return a, g
    raise ApiError(_NO_API, f"Cannot find the specified api {aid}.", 404)


def _page(items: list[Any], call: Call, limit: int) -> tuple[list[Any], dict[str, Any]]:
    size = int_param(call.params, "PageSize", 10, 1, limit)  # "Default value: 10"
    number = int_param(call.params, "PageNumber", 1, 1, 1_000_000)
    return items[(number - 1) * size:number * size], {"TotalCount": len(items), "PageNumber": number,
                                                      "PageSize": size}


def _regional_groups(call: Call) -> list[ApiGroup]:
    region = _region(call)
    return [g for g in call.acct.cloudapi.groups if region and g.region == region]


def _deployed(a: Api) -> dict[str, Any]:
    # "The API publishing statuses": one entry per stage; whether the cloud lists stages an API was never published
    # to is not documented: the emulator lists each stage with DEPLOYED or NONDEPLOYED (the documented values)
    def version(s: str) -> str:
        p = a.published.get(s)
        return iso(p.deployed or a.modified or a.created) if p else ""

    return {"DeployedInfo": [{"StageName": s, "DeployedStatus": "DEPLOYED" if s in a.published else "NONDEPLOYED",
                              "EffectiveVersion": version(s)} for s in STAGES]}


def _stage(call: Call) -> str:
    stage = require(call.params, "StageName")
    if stage not in STAGES:
        raise ApiError("InvalidParameter", f"The StageName {stage} is invalid.", 400)
    return stage


@api.action("DescribeApiGroups")
def describe_api_groups(call: Call) -> dict[str, Any]:
    gid, name = call.params.get("GroupId", ""), call.params.get("GroupName", "")
    groups = [g for g in _regional_groups(call) if (not gid or g.id == gid) and name in g.name]
    page, meta = _page(groups, call, 50)  # "Maximum value: 50"
    return {**meta, "ApiGroupAttributes": {"ApiGroupAttribute": [{
        "GroupId": g.id, "GroupName": g.name, "Description": g.description, "RegionId": g.region,
        "HttpsPolicy": g.https_policy, "InstanceId": g.instance_id, "InstanceType": "VPC_SHARED",
        "SubDomain": f"{g.id}-{g.region}.alicloudapi.com", "BasePath": "/", "TrafficLimit": 500,
        "BillingStatus": "NORMAL", "IllegalStatus": "NORMAL", "CreatedTime": iso(g.created),
        "ModifiedTime": iso(g.created)} for g in page]}}


def _certificate_id(domain: str) -> str:
    """A stable certificate id for a domain, in the documented sample's form (6EF60BEC-0242-43AF-BB20-270359FB54A7)."""
    h = hashlib.md5(domain.encode()).hexdigest().upper()  # (an identifier, not security)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


@api.action("DescribeApiGroup", resource=lambda c: f"apigroup/{c.params.get('GroupId', '*')}")
def describe_api_group(call: Call) -> dict[str, Any]:
    g = _group(call)
    return {"GroupId": g.id, "GroupName": g.name, "Description": g.description, "RegionId": g.region,
            "HttpsPolicy": g.https_policy, "InstanceId": g.instance_id, "InstanceType": "VPC_SHARED",
            "SubDomain": f"{g.id}-{g.region}.alicloudapi.com", "BasePath": "/", "TrafficLimit": 500,
            "Status": "NORMAL", "BillingStatus": "NORMAL", "IllegalStatus": "NORMAL", "CreatedTime": iso(g.created),
            "ModifiedTime": iso(g.created), "CloudMarketCommodity": False, "DisableInnerDomain": False,
            "CustomDomains": {"DomainItem": [{
                "DomainName": d, "BindStageName": "RELEASE", "DomainBindingStatus": "BINDING",
                "DomainCNAMEStatus": "RESOLVED", "DomainLegalStatus": "NORMAL", "DomainWebSocketStatus": "CLOSE",
                "IsHttpRedirectToHttps": False,
                **({} if d in g.uncertified_domains else {"CertificateId": _certificate_id(d), "CertificateName": d})}
                for d in g.custom_domains]},
            "StageItems": {"StageInfo": [{"StageName": s, "StageId": f"{g.id[:24]}{i:08d}", "Description": ""}
                                         for i, s in enumerate(STAGES)]}}


@api.action("DescribeApis")
def describe_apis(call: Call) -> dict[str, Any]:
    groups = {g.id: g for g in _regional_groups(call)}
    gid, aid = call.params.get("GroupId", ""), call.params.get("ApiId", "")
    apis = [a for a in call.acct.cloudapi.apis if a.group_id in groups and (not gid or a.group_id == gid)
            and (not aid or a.id == aid)]
    # DescribeApis documents only PageSize's default (10): the emulator takes up to 100
    page, meta = _page(apis, call, 100)
    return {**meta, "ApiSummarys": {"ApiSummary": [{
        "ApiId": a.id, "ApiName": a.name, "GroupId": a.group_id, "GroupName": groups[a.group_id].name,
        "RegionId": groups[a.group_id].region, "Visibility": a.visibility, "Description": a.description,
        "ApiPath": a.path, "ApiMethod": a.method, "CreatedTime": iso(a.created),
        "ModifiedTime": iso(a.modified or a.created), "DeployedInfos": _deployed(a), "TagList": {"Tag": []}}
        for a in page]}}


@api.action("DescribeApi", resource=lambda c: f"apigroup/{c.params.get('GroupId', '*')}")
def describe_api(call: Call) -> dict[str, Any]:
    a, g = _api(call)
    return {"ApiId": a.id, "ApiName": a.name, "GroupId": g.id, "GroupName": g.name, "RegionId": g.region,
            "Visibility": a.visibility, "Description": a.description, "AuthType": a.auth_type,
            "DisableInternet": a.disable_internet, "ForceNonceCheck": False, "AppCodeAuthType": "DEFAULT",
            "AllowSignatureMethod": "HmacSHA256", "ResultType": "JSON", "WebSocketApiType": "COMMON",
            "Mock": "CLOSED", "BackendEnable": False, "CreatedTime": iso(a.created),
            "ModifiedTime": iso(a.modified or a.created), "DeployedInfos": _deployed(a),
            "RequestConfig": {"RequestProtocol": a.protocol, "RequestHttpMethod": a.method, "RequestPath": a.path,
                              "RequestMode": "PASSTHROUGH", "BodyFormat": ""},
            "TagList": {"Tag": []}}


@api.action("DescribeDeployedApi", resource=lambda c: f"apigroup/{c.params.get('GroupId', '*')}")
def describe_deployed_api(call: Call) -> dict[str, Any]:
    """The definition published to StageName, as DeployApi copied it: the draft's later changes are not in it. The
    fields of the documented response the emulator models (types of the SDK's DescribeDeployedApiResponseBody:
    DisableInternet and ForceNonceCheck booleans, RequestConfig.RequestProtocol a string such as "HTTP,HTTPS")."""
    a, g = _api(call)
    stage = _stage(call)
    d = a.published.get(stage)
    if d is None:
        raise ApiError(_NOT_DEPLOYED, f"The api {a.id} is not deployed to stage {stage}.", 404)
    return {"ApiId": a.id, "ApiName": d.name, "GroupId": g.id, "GroupName": g.name, "RegionId": g.region,
            "StageName": stage, "Visibility": d.visibility, "Description": d.description, "AuthType": d.auth_type,
            "DisableInternet": d.disable_internet, "ForceNonceCheck": False, "AllowSignatureMethod": "HmacSHA256",
            "ResultType": "JSON", "DeployedTime": iso(d.deployed or a.modified or a.created),
            "RequestConfig": {"RequestProtocol": d.protocol, "RequestHttpMethod": d.method, "RequestPath": d.path,
                              "RequestMode": "PASSTHROUGH", "BodyFormat": ""},
            "ErrorCodeSamples": {"ErrorCodeSample": []}, "ResultDescriptions": {"ResultDescription": []},
            "SystemParameters": {"SystemParameter": []}, "CustomSystemParameters": {"CustomSystemParameter": []},
            "ConstantParameters": {"ConstantParameter": []}, "RequestParameters": {"RequestParameter": []},
            "ServiceParameters": {"ServiceParameter": []}, "ServiceParametersMap": {"ServiceParameterMap": []}}


def _protocol(raw: str) -> str:
    parts = [p.strip().upper() for p in raw.split(",") if p.strip()]
    if not parts or any(p not in PROTOCOLS for p in parts):
        raise ApiError("InvalidParameter", f"The RequestProtocol {raw} is invalid.", 400)
    return ",".join(PROTOCOLS[p] for p in parts)


@api.action("ModifyApi", resource=lambda c: f"apigroup/{c.params.get('GroupId', '*')}", write=True)
def modify_api(call: Call) -> dict[str, Any]:
    """The parts of ModifyApi the audit reads: AuthType, DisableInternet and RequestConfig (a JSON string whose
    RequestProtocol is read). It changes the draft only: a stage serves the change once it is published again
    (DeployApi)."""
    a, _ = _api(call)
    auth = call.params.get("AuthType", a.auth_type)
    if auth not in AUTH_TYPES:
        raise ApiError("InvalidParameter", f"The AuthType {auth} is invalid.", 400)
    a.auth_type = auth
    if call.params.get("DisableInternet", "") != "":
        a.disable_internet = call.params["DisableInternet"].lower() == "true"
    if call.params.get("RequestConfig"):
        try:
            config = json.loads(call.params["RequestConfig"])
        except json.JSONDecodeError as err:
            raise ApiError("InvalidParameter", f"The RequestConfig is not JSON: {err}", 400) from err
        if isinstance(config, dict) and config.get("RequestProtocol"):
            a.protocol = _protocol(str(config["RequestProtocol"]))
    a.modified = call.now()
    return {}


@api.action("DeployApi", resource=lambda c: f"apigroup/{c.params.get('GroupId', '*')}", write=True)
def deploy_api(call: Call) -> dict[str, Any]:
    """Publishes the draft as it is now to StageName (what DescribeDeployedApi then answers for that stage)."""
    a, _ = _api(call)
    a.deploy(_stage(call), call.now())
    return {}


@api.action("AbolishApi", resource=lambda c: f"apigroup/{c.params.get('GroupId', '*')}", write=True)
def abolish_api(call: Call) -> dict[str, Any]:
    a, _ = _api(call)
    a.abolish(require(call.params, "StageName"))
    return {}


@api.action("ModifyApiGroupNetworkPolicy", resource=lambda c: f"apigroup/{c.params.get('GroupId', '*')}",
            write=True)
def modify_api_group_network_policy(call: Call) -> dict[str, Any]:
    g = _group(call)
    policy = call.params.get("HttpsPolicy", "")
    if policy:
        if policy not in HTTPS_POLICIES:
            raise ApiError("InvalidParameter", f"The HttpsPolicy {policy} is invalid.", 400)
        g.https_policy = policy
    return {}


def _plugin(call: Call) -> Plugin:
    pid = require(call.params, "PluginId")
    region = _region(call)
    for p in call.acct.cloudapi.plugins:
        if p.id == pid and p.region == region:
            return p
    # the reference lists no error code; NotFoundPlugin follows the service's NotFound<Thing> codes (ours)
    raise ApiError("NotFoundPlugin", f"Cannot find the specified plugin {pid}.", 404)


@api.action("CreatePlugin", write=True)
def create_plugin(call: Call) -> dict[str, Any]:
    kind = require(call.params, "PluginType")
    if kind not in PLUGIN_TYPES:
        raise ApiError("InvalidParameter", f"The PluginType {kind} is invalid.", 400)
    plugin = Plugin(name=require(call.params, "PluginName"), type=kind, data=require(call.params, "PluginData"),
                    description=call.params.get("Description", ""), region=_region(call), created=call.now())
    call.acct.cloudapi.plugins.append(plugin)
    return {"PluginId": plugin.id}


def _bound_apis(call: Call) -> list[Api]:
    """The APIs AttachPlugin / DetachPlugin name: ApiIds (comma-separated, at most 100) or ApiId."""
    ids = [i.strip() for i in (call.params.get("ApiIds") or call.params.get("ApiId") or "").split(",") if i.strip()]
    if not ids or len(ids) > 100:
        raise ApiError("InvalidParameter", "ApiIds: 1 to 100 API ids.", 400)
    region, gid = _region(call), call.params.get("GroupId", "")
    found = {a.id: a for a in call.acct.cloudapi.apis if (g := call.acct.cloudapi.group(a.group_id)) is not None
             and g.region == region and (not gid or a.group_id == gid)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ApiError(_NO_API, f"Cannot find the specified api {missing[0]}.", 404)
    return [found[i] for i in ids]


@api.action("AttachPlugin", write=True)
def attach_plugin(call: Call) -> dict[str, Any]:
    plugin, stage = _plugin(call), _stage(call)
    for a in _bound_apis(call):
        bound = a.plugins.setdefault(stage, [])
        if plugin.id not in bound:
            bound.append(plugin.id)
    return {}


@api.action("DetachPlugin", write=True)
def detach_plugin(call: Call) -> dict[str, Any]:
    plugin, stage = _plugin(call), _stage(call)
    for a in _bound_apis(call):
        if plugin.id in a.plugins.get(stage, []):
            a.plugins[stage].remove(plugin.id)
    return {}


@api.action("DescribePluginsByApi")
def describe_plugins_by_api(call: Call) -> dict[str, Any]:
    """The plug-ins bound to the API in StageName (GroupId, ApiId and StageName required; PageSize at most 100)."""
    require(call.params, "GroupId")
    a, _ = _api(call)
    stage = _stage(call)
    by_id = {p.id: p for p in call.acct.cloudapi.plugins}
    bound = [by_id[i] for i in a.plugins.get(stage, []) if i in by_id]
    page, meta = _page(bound, call, 100)  # "maximum": "100", "default": "10"
    return {**meta, "Plugins": {"PluginAttribute": [{
        "PluginId": p.id, "PluginName": p.name, "PluginType": p.type, "PluginData": p.data,
        "Description": p.description, "RegionId": p.region, "CreatedTime": iso(p.created),
        "ModifiedTime": iso(p.modified or p.created)} for p in page]}}


PRODUCT = Product("cloudapi", api=api, state=CloudapiState, hosts=("apigateway",))


# DescribeRegions: "regions in which API Gateway is available", Regions.Region[] of RegionId, LocalName,
# RegionEndpoint (sample:
# https://help.aliyun.com/en/api-gateway/traditional-api-gateway/developer-reference/api-cloudapi-2016-07-14-describeregions);
# local names are not modelled
@api.action("DescribeRegions")
def describe_regions(call: Call) -> dict[str, Any]:
    return {"Regions": {"Region": [{"RegionId": r, "LocalName": r, "RegionEndpoint": f"apigateway.{r}.aliyuncs.com"}
                                   for r in offered_regions(call.world, "cloudapi", call.acct.regions)]}}
