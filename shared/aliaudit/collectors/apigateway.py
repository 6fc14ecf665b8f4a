"""API Gateway datasets (regional, API 2016-07-14, product key cloudapi, RAM namespace apigateway): every API of the
region with what each stage it is published to serves: authentication, Internet exposure and request protocols
(DescribeApis, then DescribeDeployedApi per published stage), with the plug-ins bound to an ANONYMOUS stage callable
from the Internet (DescribePluginsByApi: a JWT plug-in authenticates its callers; bindings take effect without
publishing again), and every API group with its HTTPS security policy
(DescribeApiGroups, then DescribeApiGroup).

What a stage serves is the definition last published to it with DeployApi, which DescribeDeployedApi answers
("Queries the definition of an API that takes effect in an environment. The definition may differ from the definition
being edited.", cloudapi 2016-07-14 API reference); the draft DescribeApi answers is served nowhere until published.
Every stage is reachable from the Internet, not only RELEASE: a custom domain bound to no stage "can be used to access
all environments" (SetDomainRequest.bind_stage_name doc comment), and callers pick the stage with the X-Ca-Stage
header. An API published to no stage is callable nowhere and gives no finding."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .. import apierrors
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from ..offered import region_list
from .paging import by_page_number
from .registry import CollectContext, collector

apigw_models = lazy_import("alibabacloud_cloudapi20160714.models")

# DescribeApiGroups PageSize: "Maximum value: 50. Default value: 10"; DescribeApis documents only the default (10):
# the same 50 is used for both (cloudapi 2016-07-14 api-docs.json request parameters)
PAGE_SIZE = 50
# HTTPS security policy -> the lowest TLS version it accepts: HTTPS1_1_TLS1_0 and HTTPS2_TLS1_0 accept TLS 1.0, 1.1
# and 1.2, HTTPS2_TLS1_2 TLS 1.2 only, HTTPS2_TLS1_3 TLS 1.2 and 1.3 (API Gateway "HTTPS security policies",
# https://help.aliyun.com/en/api-gateway/traditional-api-gateway/user-guide/configure-an-https-security-policy;
# the API reference's examples show the first three names)
POLICY_MIN_TLS = {"HTTPS1_1_TLS1_0": "1.0", "HTTPS2_TLS1_0": "1.0", "HTTPS2_TLS1_2": "1.2", "HTTPS2_TLS1_3": "1.2"}


# DescribePluginsByApi PageSize: "maximum": "100", "default": "10" (api-docs.json)
PLUGIN_PAGE_SIZE = 100
# PluginData: "Supported formats: JSON and YAML" (CreatePlugin); read within these bounds, anything larger or
# malformed is unread (bypass_empty_token None)
PLUGIN_DATA_MAX_BYTES = 64 * 1024
JWT_PLUGIN = "jwtauth"  # CreatePlugin PluginType "jwtAuth: JWT (OpenId Connect) authentication" (compared lower-case)


def policy_min_tls(policy: str) -> str | None:
    """The lowest TLS version a documented policy accepts; None for a name the documentation does not list."""
    return POLICY_MIN_TLS.get(policy.strip().upper())


class StagePlugin(Record):
    """A plug-in bound to the API in a stage (DescribePluginsByApi Plugins.PluginAttribute[]). Its PluginData is
    not kept (a backend signature or basic-auth plug-in holds secrets): only what the checks read of it."""
    id: str  # PluginId
    name: str = ""
    type: str = ""  # PluginType: jwtAuth, ipControl, trafficControl, basicAuth, ... (PLUGIN_TYPES)
    # jwtAuth only: its PluginData's bypassEmptyToken ("Requests that do not include tokens can be forwarded to
    # backend services without verification if you set bypassEmptyToken to true", API Gateway "JWT authentication
    # plug-in", https://www.alibabacloud.com/help/doc-detail/103228.htm); None: the data could not be read
    bypass_empty_token: bool | None = None


class StageDefinition(Record):
    """What one stage serves (DescribeDeployedApi with its StageName)."""
    stage: str  # RELEASE | PRE | TEST
    auth_type: str = ""  # AuthType: APP | ANONYMOUS | APPOPENID
    disable_internet: bool = False  # DisableInternet: true = callable from the VPC only
    protocols: list[str] = Field(default_factory=list)  # RequestConfig.RequestProtocol split ("HTTP,HTTPS")
    error: str | None = None  # the read failed: the checks report ERROR for this stage
    # the plug-ins bound in this stage, read only where they decide a verdict: an ANONYMOUS stage callable from the
    # Internet (an authentication plug-in authenticates its callers); None: not read
    plugins: list[StagePlugin] | None = None
    plugins_error: str | None = None  # DescribePluginsByApi failed


class ApigwApi(Record):
    id: str  # ApiId
    name: str = ""
    region: str
    group_id: str = ""
    group_name: str = ""
    visibility: str = ""  # PUBLIC | PRIVATE
    stages: list[str] = Field(default_factory=list)  # stages where DeployedStatus is DEPLOYED
    definitions: list[StageDefinition] = Field(default_factory=list)  # one per stage of `stages`


class ApigwGroup(Record):
    id: str  # GroupId
    name: str = ""
    region: str
    https_policy: str = ""  # HttpsPolicy
    custom_domains: list[str] = Field(default_factory=list)  # CustomDomains.DomainItem[].DomainName
    # those with an SSL certificate bound (DomainItem CertificateId): the group's HTTPS security policy "only takes
    # effect for groups with a bound domain and certificate" (API Gateway "Configure an HTTPS security policy",
    # https://help.aliyun.com/document_detail/115169.html)
    certified_domains: list[str] = Field(default_factory=list)
    error: str | None = None  # DescribeApiGroup failed


APIS: Dataset[list[ApigwApi]] = Dataset("apigateway.apis", Scope.REGIONAL)
GROUPS: Dataset[list[ApigwGroup]] = Dataset("apigateway.groups", Scope.REGIONAL)


def _deployed(infos: Any) -> list[str]:
    items = (infos.deployed_info if infos else None) or []
    return sorted({i.stage_name for i in items if i.stage_name and i.deployed_status == "DEPLOYED"})


def _stage_definition(gw: Any, api: ApigwApi, stage: str) -> StageDefinition:
    out = StageDefinition(stage=stage)
    try:
        d = gw.describe_deployed_api(apigw_models.DescribeDeployedApiRequest(
            api_id=api.id, group_id=api.group_id or None, stage_name=stage)).body
        out.auth_type = d.auth_type or ""
        out.disable_internet = d.disable_internet is True
        protocol = (d.request_config.request_protocol if d.request_config else None) or ""
        # "Valid values: HTTP, HTTPS, and WebSocket. Separate multiple values with commas (,), such as "HTTP,HTTPS""
        # (DescribeDeployedApi RequestConfig.RequestProtocol)
        out.protocols = [p.strip().upper() for p in protocol.split(",") if p.strip()]
    except Exception as err:
        out.error = apierrors.describe(err)
        return out
    if out.auth_type.upper() == "ANONYMOUS" and not out.disable_internet:
        try:
            out.plugins = list(by_page_number(
                lambda n: gw.describe_plugins_by_api(apigw_models.DescribePluginsByApiRequest(
                    api_id=api.id, group_id=api.group_id, stage_name=stage, page_number=n,
                    page_size=PLUGIN_PAGE_SIZE)).body,
                lambda b: [_plugin(p) for p in (b.plugins.plugin_attribute if b.plugins else None) or []],
                PLUGIN_PAGE_SIZE, "the API's plug-ins"))
        except Exception as err:
            out.plugins_error = apierrors.describe(err)
    return out


def _plugin(p: Any) -> StagePlugin:
    plugin = StagePlugin(id=p.plugin_id or "", name=p.plugin_name or "", type=p.plugin_type or "")
    if plugin.type.lower() == JWT_PLUGIN:
        plugin.bypass_empty_token = jwt_bypasses_empty_token(p.plugin_data or "")
    return plugin


def jwt_bypasses_empty_token(data: str) -> bool | None:
    """Whether a JWT plug-in's definition (JSON or YAML) lets requests without a token through; None when the
    definition cannot be read as a mapping."""
    from ..safeyaml import YamlProblem, parse

    try:
        value, _ = parse(data, max_bytes=PLUGIN_DATA_MAX_BYTES)
    except YamlProblem:
        return None
    if not isinstance(value, dict):
        return None
    bypass = value.get("bypassEmptyToken", False)
    return bypass is True or (isinstance(bypass, str) and bypass.strip().lower() == "true")


@collector(APIS, apis=["apigateway:DescribeApis", "apigateway:DescribeDeployedApi", "apigateway:DescribePluginsByApi"])
def apis(ctx: CollectContext) -> list[ApigwApi]:
    gw = ctx.client("cloudapi")
    listed = list(by_page_number(
        lambda n: gw.describe_apis(apigw_models.DescribeApisRequest(page_number=n, page_size=PAGE_SIZE)).body,
        lambda b: b.api_summarys.api_summary if b.api_summarys else [], PAGE_SIZE))

    def describe(s: Any) -> ApigwApi:
        api = ApigwApi(id=s.api_id or "", name=s.api_name or "", region=ctx.region, group_id=s.group_id or "",
                       group_name=s.group_name or "", visibility=s.visibility or "", stages=_deployed(s.deployed_infos))
        api.definitions = [_stage_definition(gw, api, stage) for stage in api.stages]
        return api

    return ctx.map(describe, listed)


@collector(GROUPS, apis=["apigateway:DescribeApiGroups", "apigateway:DescribeApiGroup"])
def groups(ctx: CollectContext) -> list[ApigwGroup]:
    gw = ctx.client("cloudapi")
    listed = list(by_page_number(
        lambda n: gw.describe_api_groups(apigw_models.DescribeApiGroupsRequest(page_number=n,
                                                                              page_size=PAGE_SIZE)).body,
        lambda b: b.api_group_attributes.api_group_attribute if b.api_group_attributes else [], PAGE_SIZE))

    def describe(g: Any) -> ApigwGroup:
        group = ApigwGroup(id=g.group_id or "", name=g.group_name or "", region=ctx.region,
                           https_policy=g.https_policy or "")
        try:
            d = gw.describe_api_group(apigw_models.DescribeApiGroupRequest(group_id=group.id)).body
            group.https_policy = d.https_policy or ""
            domains = (d.custom_domains.domain_item if d.custom_domains else None) or []
            group.custom_domains = [i.domain_name for i in domains if i.domain_name]
            group.certified_domains = [i.domain_name for i in domains if i.domain_name and i.certificate_id]
        except Exception as err:
            group.error = apierrors.describe(err)
        return group

    return ctx.map(describe, listed)


# DescribeRegions: "Queries regions in which API Gateway is available"; body Regions.Region[].RegionId
# (https://help.aliyun.com/en/api-gateway/traditional-api-gateway/developer-reference/api-cloudapi-2016-07-14-describeregions;
# alibabacloud_cloudapi20160714 DescribeRegionsResponseBody). "No authorization for this operation":
# apigateway:DescribeRegions by the product's convention
@region_list("apigateway", product="cloudapi", apis=["apigateway:DescribeRegions"])
def apigateway_regions(client: Any) -> list[str]:
    body = client.describe_regions(apigw_models.DescribeRegionsRequest()).body
    return [r.region_id for r in (body.regions.region if body.regions else None) or []]
