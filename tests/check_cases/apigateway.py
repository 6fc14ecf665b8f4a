"""API Gateway cases, from the documented samples of cloudapi 2016-07-14: DescribeApis (ApiId
5af418828f0344a3b588c0cc1331a3bc, GroupName myGroup2, DeployedInfos RELEASE / DEPLOYED), DescribeDeployedApi (what
each stage the API is published to serves, which the collector reads per stage) (AuthType APP | ANONYMOUS | APPOPENID,
DisableInternet, RequestConfig.RequestProtocol "HTTP", documented as "HTTP,HTTPS" lists) and DescribeApiGroup
(GroupId 523e8dc7bbe04613b5b1d726c2a7889d, GroupName NewWeather, HttpsPolicy HTTPS2_TLS1_0, custom domain
api.demo.com)."""

from __future__ import annotations

from aliaudit.collectors.apigateway import ApigwApi, ApigwGroup, StageDefinition, StagePlugin
from tests.check_cases import Case

AID = "5af418828f0344a3b588c0cc1331a3bc"
GID = "523e8dc7bbe04613b5b1d726c2a7889d"


def api(aid: str = AID, stages: tuple[str, ...] = ("RELEASE",), served: dict[str, dict[str, object]] | None = None,
        **kw: object) -> ApigwApi:
    """An API published to `stages`, each serving the definition kw describes (auth_type, disable_internet,
    protocols, error), or what `served` gives for that stage."""
    base: dict[str, object] = {"auth_type": "APP", "disable_internet": False, "protocols": ["HTTPS"], **kw}
    defs = [StageDefinition(stage=st, **{**base, **(served or {}).get(st, {})})  # type: ignore[arg-type]
            for st in stages]
    return ApigwApi(id=aid, name="ApiName", region="cn-hangzhou", group_id=GID, group_name="myGroup2",
                    visibility="PUBLIC", stages=list(stages), definitions=defs)


def group(gid: str = GID, policy: str = "HTTPS2_TLS1_2", **kw: object) -> ApigwGroup:
    return ApigwGroup(id=gid, name="NewWeather", region="cn-hangzhou", https_policy=policy,  # type: ignore[arg-type]
                      **{"custom_domains": ["api.demo.com"], "certified_domains": ["api.demo.com"], **kw})


_AUTH = "apigateway_api_auth_required"
_HTTPS = "apigateway_api_https_only"
_TLS = "apigateway_group_tls_policy_strong"
CASES: list[Case] = [
    Case(_AUTH, "APP passes; ANONYMOUS on the Internet fails; ANONYMOUS limited to the VPC passes; OpenID passes",
         {"apigateway.apis": [api(), api("anon", auth_type="ANONYMOUS"),
                              api("anon-vpc", auth_type="ANONYMOUS", disable_internet=True),
                              api("oidc", auth_type="APPOPENID")]},
         {AID: "PASS", "anon": "FAIL", "anon-vpc": "PASS", "oidc": "PASS"}),
    Case(_AUTH, "published to no stage: no result; DescribeDeployedApi failed; no AuthType answered",
         {"apigateway.apis": [api("draft", stages=()),
                              api("broken", auth_type="", error="NotFoundApi: the API does not exist"),
                              api("blank", auth_type="")]},
         {"broken": "ERROR", "blank": "MANUAL"}),
    # the review's defects: a released API was once judged on its draft, and TEST/PRE were not judged at all, though
    # every stage answers Internet callers (X-Ca-Stage; a domain bound to no stage reaches all of them)
    Case(_AUTH, "ANONYMOUS on TEST or PRE only fails; RELEASE fixed while TEST still serves ANONYMOUS fails, naming "
                "TEST; a failing stage outranks an unread one",
         {"apigateway.apis": [api("test-anon", stages=("TEST",), auth_type="ANONYMOUS"),
                              api("pre-anon", stages=("PRE", "RELEASE"), served={"PRE": {"auth_type": "ANONYMOUS"}}),
                              api("fixed-release", stages=("RELEASE", "TEST"),
                                  served={"TEST": {"auth_type": "ANONYMOUS"}}),
                              api("mixed", stages=("RELEASE", "TEST"), served={
                                  "RELEASE": {"error": "Throttling"}, "TEST": {"auth_type": "ANONYMOUS"}})]},
         {"test-anon": "FAIL", "pre-anon": "FAIL", "fixed-release": "FAIL", "mixed": "FAIL"}),
    # the review's defect: an ANONYMOUS API behind a JWT authentication plug-in (the documented replacement of OpenID
    # Connect) failed; the Cloud Config rule counts an authentication plug-in as authentication
    Case(_AUTH, "ANONYMOUS on the Internet: a JWT plug-in passes; one with bypassEmptyToken fails; one whose "
                "definition is unreadable, or a basicAuth plug-in, is MANUAL; a throttling plug-in alone fails; the "
                "plug-ins' read failed",
         {"apigateway.apis": [
             api("jwt", auth_type="ANONYMOUS", plugins=[
                 StagePlugin(id="p1", name="jwt", type="jwtAuth", bypass_empty_token=False),
                 StagePlugin(id="p2", name="limit", type="trafficControl")]),
             api("jwt-bypass", auth_type="ANONYMOUS",
                 plugins=[StagePlugin(id="p3", name="lenient", type="jwtAuth", bypass_empty_token=True)]),
             api("jwt-unread", auth_type="ANONYMOUS",
                 plugins=[StagePlugin(id="p4", name="odd", type="jwtAuth", bypass_empty_token=None)]),
             api("basic", auth_type="ANONYMOUS", plugins=[StagePlugin(id="p5", name="b", type="basicAuth")]),
             api("limited", auth_type="ANONYMOUS", plugins=[StagePlugin(id="p2", name="limit", type="trafficControl")]),
             api("unread", auth_type="ANONYMOUS", plugins_error="NoPermission: denied")]},
         {"jwt": "PASS", "jwt-bypass": "FAIL", "jwt-unread": "MANUAL", "basic": "MANUAL", "limited": "FAIL",
          "unread": "ERROR"}),
    Case(_HTTPS, "HTTPS only passes; the sample's HTTP and HTTP,HTTPS fail",
         {"apigateway.apis": [api(), api("plain", protocols=["HTTP"]), api("both", protocols=["HTTP", "HTTPS"])]},
         {AID: "PASS", "plain": "FAIL", "both": "FAIL"}),
    Case(_HTTPS, "no protocol answered; the stage's read failed; an API on no stage is not judged; HTTP served by "
                 "TEST only fails",
         {"apigateway.apis": [api("none", protocols=[]), api("broken", protocols=[], error="Throttling"),
                              api("draft-http", stages=(), protocols=["HTTP"]),
                              api("test-http", stages=("RELEASE", "TEST"), served={"TEST": {"protocols": ["HTTP"]}})]},
         {"none": "MANUAL", "broken": "ERROR", "test-http": "FAIL"}),
    # the review's defect: the documented DescribeDeployedApi sample (DisableInternet true, RequestProtocol HTTP)
    # failed, though the Cloud Config rule "does not apply to APIs that allow only internal access"; WebSocket only is
    # MANUAL
    Case(_HTTPS, "HTTP callable from the VPC only passes; WebSocket only is MANUAL",
         {"apigateway.apis": [api("vpc-http", protocols=["HTTP"], disable_internet=True),
                              api("ws", protocols=["WEBSOCKET"])]},
         {"vpc-http": "PASS", "ws": "MANUAL"}),
    Case(_TLS, "TLS 1.2 and 1.3 policies pass; the sample's HTTPS2_TLS1_0 and HTTPS1_1_TLS1_0 fail",
         {"apigateway.groups": [group(), group("g13", "HTTPS2_TLS1_3"), group("g10", "HTTPS2_TLS1_0"),
                                group("g11", "HTTPS1_1_TLS1_0")]},
         {GID: "PASS", "g13": "PASS", "g10": "FAIL", "g11": "FAIL"}),
    Case(_TLS, "no policy or an undocumented one is MANUAL; DescribeApiGroup failed",
         {"apigateway.groups": [group("none", ""), group("odd", "CUSTOM_POLICY"),
                                group("broken", "", error="NoPermission: denied")]},
         {"none": "MANUAL", "odd": "MANUAL", "broken": "ERROR"}),
    Case(_TLS, "a weak policy on a group with no custom domain, or domains without a certificate, takes effect "
               "nowhere: no result",
         {"apigateway.groups": [group("bare", "HTTPS2_TLS1_0", custom_domains=[], certified_domains=[]),
                                group("http", "HTTPS1_1_TLS1_0", certified_domains=[])]},
         {}),
]
