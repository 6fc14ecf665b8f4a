"""API Gateway checks: published APIs that anyone on the Internet may call without authentication, APIs that accept
plain HTTP, and API groups whose HTTPS security policy still accepts TLS 1.0/1.1. One finding per API or group, in
its region. An API is judged on what each stage it is published to serves (DescribeDeployedApi per stage: RELEASE,
PRE and TEST are all reachable from the Internet), not on its draft, which ModifyApi changes without publishing; the
finding is the worst of its stages and names them."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..collectors.apigateway import (
    APIS,
    GROUPS,
    JWT_PLUGIN,
    ApigwApi,
    ApigwGroup,
    StageDefinition,
    StagePlugin,
    policy_min_tls,
)
from ..findings import WORST_FIRST, Result, Status
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL
API_EVENTS = ["CreateApi", "ModifyApi", "DeployApi", "AbolishApi", "DeleteApi", "BatchDeployApis", "BatchAbolishApis",
              "SwitchApi"]
# plug-in bindings and definitions: they take effect at once ("The binding ... take[s] effect immediately", API
# Gateway "Plug-in overview")
PLUGIN_EVENTS = ["AttachPlugin", "DetachPlugin", "ModifyPlugin", "DeletePlugin"]
# authentication plug-ins besides jwtAuth, named in the plug-in types of Alibaba's Terraform provider
# (resource_alicloud_api_gateway_plugin.go: basicAuth, remoteAuth); what they admit without credentials is not
# documented in the API reference, so an ANONYMOUS API behind one is MANUAL, not FAIL
OTHER_AUTH_PLUGINS = {"basicauth", "remoteauth"}


def _api(a: ApigwApi, judge: Callable[[StageDefinition], tuple[Status, str]]) -> Result:
    """The API's finding: each published stage judged, the worst verdict kept, the stages with it named."""
    judged = [(d.stage, *judge(d)) for d in a.definitions]
    status = next(s for s in WORST_FIRST if any(j[1] == s for j in judged))  # (the worst stage decides)
    message = "; ".join(f"{stage}: {text}" for stage, st, text in judged if st == status)
    return Result(status=status, resource_id=a.id, resource_type="apigateway:api", resource_name=a.name,
                  region=a.region, message=message,
                  details={"group": a.group_name or a.group_id, "stages": ",".join(a.stages),
                           "auth_type": ",".join(f"{d.stage}:{d.auth_type}" for d in a.definitions),
                           "protocols": ",".join(f"{d.stage}:{'+'.join(d.protocols)}" for d in a.definitions)})


def _published(inp: Inputs, judge: Callable[[StageDefinition], tuple[Status, str]]) -> Iterator[Result]:
    """A finding per API published to some stage (one published nowhere is callable nowhere: no finding)."""
    for a in inp[APIS]:
        if a.definitions:
            yield _api(a, judge)


def _group(g: ApigwGroup, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=g.id, resource_type="apigateway:group", resource_name=g.name,
                  region=g.region, message=message,
                  details={"https_policy": g.https_policy, "custom_domains": ",".join(g.custom_domains)})


def _auth(d: StageDefinition) -> tuple[Status, str]:
    if d.error:
        return ERROR, f"could not read the published definition: {d.error}"
    if not d.auth_type:
        return MANUAL, "the published definition has no AuthType: check the API's authentication in the console"
    if d.auth_type.upper() != "ANONYMOUS":
        return PASS, f"requires {d.auth_type} authentication"
    if d.disable_internet:
        return PASS, "ANONYMOUS but callable from the VPC only (DisableInternet)"
    if d.plugins_error:
        return ERROR, f"ANONYMOUS and callable from the Internet; could not read its plug-ins: {d.plugins_error}"
    jwt = [p for p in d.plugins or [] if p.type.lower() == JWT_PLUGIN]
    if any(p.bypass_empty_token is False for p in jwt):
        return PASS, f"ANONYMOUS, authenticated by the JWT plug-in {_names(jwt)}"
    if any(p.bypass_empty_token is None for p in jwt):
        return MANUAL, (f"ANONYMOUS and callable from the Internet, with the JWT plug-in {_names(jwt)} bound, whose "
                        "definition could not be read: check that it does not set bypassEmptyToken")
    if jwt:
        return FAIL, (f"ANONYMOUS and callable from the Internet: the JWT plug-in {_names(jwt)} lets requests "
                      "without a token through (bypassEmptyToken)")
    other_auth = [p for p in d.plugins or [] if p.type.lower() in OTHER_AUTH_PLUGINS]
    if other_auth:
        return MANUAL, (f"ANONYMOUS and callable from the Internet, with the {other_auth[0].type} plug-in "
                        f"{_names(other_auth)} bound: check that it rejects unauthenticated callers")
    return FAIL, "ANONYMOUS and callable from the Internet"


def _names(plugins: list[StagePlugin]) -> str:
    return ", ".join(p.name or p.id for p in plugins)


@check(id="apigateway_api_auth_required", severity="high",
       title="Published API Gateway APIs require authentication",
       risk="An ANONYMOUS API reachable from the Internet can be called by anyone who learns its address: API Gateway "
            "does not authenticate callers, cannot throttle them per user, and the backend (often a function or an "
            "internal service) receives whatever they send. TEST and PRE stages answer Internet callers too (the "
            "X-Ca-Stage header picks the stage).",
       console="API Gateway console > Manage APIs > APIs > the API > Edit > Basic Information: set Security "
               "Authentication to Alibaba Cloud App (or OpenID Connect), then publish it again to every stage it is "
               "published to (or take it off the stage: Unpublish); or bind a JWT authentication plug-in to it in "
               "that stage (without bypassEmptyToken); or limit it to VPC calls.",
       cli="aliyun cloudapi ModifyApi --GroupId <group> --ApiId <id> --AuthType APP ... ; aliyun cloudapi DeployApi "
           "--GroupId <group> --ApiId <id> --StageName <RELEASE|PRE|TEST> --Description 'require app auth' (or "
           "aliyun cloudapi AbolishApi --GroupId <group> --ApiId <id> --StageName <stage>)",
       events=API_EVENTS + PLUGIN_EVENTS, needs=[APIS],
       evaluates="DescribeApis, then DescribeDeployedApi for each stage (RELEASE, PRE, TEST) whose DeployedInfos "
                 "entry shows DeployedStatus DEPLOYED: the definition that stage serves, not the draft DescribeApi "
                 "answers (a draft changed but not published again does not count). Per stage: PASS for APP or "
                 "APPOPENID, or for an ANONYMOUS API limited to VPC calls (DisableInternet); an ANONYMOUS API "
                 "callable from the Internet: PASS when a JWT authentication plug-in (jwtAuth, DescribePluginsByApi) "
                 "is bound to it in that stage without bypassEmptyToken, MANUAL when that plug-in's definition "
                 "cannot be read or the plug-in is basicAuth or remoteAuth, else FAIL; MANUAL when it answers no "
                 "AuthType; ERROR when DescribeDeployedApi or DescribePluginsByApi failed. The API's finding is its "
                 "worst stage (FAIL, ERROR, MANUAL, PASS), naming the stages. APIs published to no stage give no "
                 "result.",
       source="Cloud Config api-gateway-api-auth-required (APP or an authentication plug-in); "
              "https://www.alibabacloud.com/help/doc-detail/103228.htm (JWT plug-in)")
def api_auth_required(inp: Inputs) -> Iterator[Result]:
    yield from _published(inp, _auth)


def _https(d: StageDefinition) -> tuple[Status, str]:
    if d.error:
        return ERROR, f"could not read the published definition: {d.error}"
    if d.disable_internet:  # (the Cloud Config rule "does not apply to APIs that allow only internal access")
        return PASS, (f"callable from the VPC only (DisableInternet), not from the Internet (RequestProtocol "
                      f"{','.join(d.protocols) or 'none'})")
    if "HTTP" in d.protocols:
        return FAIL, f"accepts plain HTTP (RequestProtocol {','.join(d.protocols)})"
    if "HTTPS" in d.protocols:
        return PASS, f"accepts {','.join(d.protocols)} only"
    return MANUAL, ("no HTTP or HTTPS RequestProtocol" + (f" ({','.join(d.protocols)})" if d.protocols else "")
                    + ": check the API's protocols in the console")


@check(id="apigateway_api_https_only", severity="medium",
       title="API Gateway APIs accept HTTPS only",
       risk="An API that accepts plain HTTP sends its requests, AppCode or signature headers and responses in clear "
            "text, open to eavesdropping and tampering on the way.",
       console="API Gateway console > Manage APIs > APIs > the API > Edit > Define API Request: select HTTPS only "
               "as the protocol, then publish the API again to each stage it is published to.",
       cli="aliyun cloudapi ModifyApi --GroupId <group> --ApiId <id> --RequestConfig '{\"RequestProtocol\": "
           "\"HTTPS\", ...}' ... ; aliyun cloudapi DeployApi --GroupId <group> --ApiId <id> --StageName <stage>",
       events=API_EVENTS, needs=[APIS],
       evaluates="DescribeApis, then DescribeDeployedApi for each stage (RELEASE, PRE, TEST) the API is published to "
                 "(DeployedInfos: DeployedStatus DEPLOYED). Per stage: PASS when DisableInternet is true (callable "
                 "from the VPC only: the Cloud Config rule does not apply to APIs that allow only internal access); "
                 "otherwise FAIL when its RequestConfig.RequestProtocol (comma-separated, documented values HTTP, "
                 "HTTPS and WebSocket) lists HTTP; PASS when it lists HTTPS and not HTTP; MANUAL when it is empty "
                 "or lists neither; ERROR when that read failed. The API's finding is its worst stage, naming the "
                 "stages; APIs published to no stage give no result.",
       source="Cloud Config api-gateway-api-internet-request-https; CloudSploit apiProtocol")
def api_https_only(inp: Inputs) -> Iterator[Result]:
    yield from _published(inp, _https)


@check(id="apigateway_group_tls_policy_strong", severity="medium",
       title="API Gateway groups use an HTTPS security policy that requires TLS 1.2 or later",
       risk="HTTPS1_1_TLS1_0 and HTTPS2_TLS1_0 still accept TLS 1.0 and 1.1, deprecated protocol versions with "
            "known weaknesses, for every API of the group reached through its custom domains.",
       console="API Gateway console > Manage APIs > API Groups > the group > Group Details > HTTPS Security Policy: "
               "choose HTTPS2_TLS1_2 (or HTTPS2_TLS1_3 where offered).",
       cli="aliyun cloudapi ModifyApiGroupNetworkPolicy --GroupId <group> --HttpsPolicy HTTPS2_TLS1_2",
       events=["CreateApiGroup", "ModifyApiGroup", "ModifyApiGroupNetworkPolicy", "DeleteApiGroup"], needs=[GROUPS],
       evaluates="DescribeApiGroups then DescribeApiGroup per group in the region: the lowest TLS version the "
                 "HttpsPolicy accepts, as documented (HTTPS1_1_TLS1_0, HTTPS2_TLS1_0: TLS 1.0; HTTPS2_TLS1_2: 1.2; "
                 "HTTPS2_TLS1_3: 1.2 and 1.3): PASS when it is TLS 1.2 or later, FAIL when lower; MANUAL when the "
                 "group reports no policy or one the documentation does not list; ERROR when DescribeApiGroup "
                 "failed. Only groups with a custom domain bound with an SSL certificate (DomainItem CertificateId) "
                 "are judged: the policy takes effect for no other (API Gateway \"Configure an HTTPS security "
                 "policy\"); the message names those domains.",
       source="Cloud Config api-gateway-group-https-policy-check; CloudSploit apiGroupTlsVersion; "
              "https://help.aliyun.com/en/api-gateway/traditional-api-gateway/user-guide/"
              "configure-an-https-security-policy")
def group_tls_policy_strong(inp: Inputs) -> Iterator[Result]:
    for g in inp[GROUPS]:
        if g.error:
            yield _group(g, ERROR, f"could not describe the group: {g.error}")
            continue
        if not g.certified_domains:  # the policy takes effect for no domain of the group
            continue
        domains = f" (custom domains with a certificate: {', '.join(g.certified_domains)})"
        minimum = policy_min_tls(g.https_policy)
        if minimum is None:
            shown = g.https_policy or "none"
            yield _group(g, MANUAL, f"HTTPS security policy {shown} is not a documented policy{domains}")
        elif minimum >= "1.2":
            yield _group(g, PASS, f"HTTPS security policy {g.https_policy} accepts TLS {minimum} and later "
                                  f"only{domains}")
        else:
            yield _group(g, FAIL, f"HTTPS security policy {g.https_policy} accepts TLS {minimum}{domains}")
