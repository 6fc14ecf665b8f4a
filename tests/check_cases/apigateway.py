"""API Gateway cases, from the documented samples of cloudapi 2016-07-14: DescribeApis (ApiId
5af418828f0344a3b588c0cc1331a3bc, GroupName myGroup2, DeployedInfos RELEASE / DEPLOYED), DescribeDeployedApi (the
definition RELEASE serves, which the collector reads for an API published there) and DescribeApi (the draft, read
for any other API) (AuthType APP | ANONYMOUS | APPOPENID, DisableInternet, RequestConfig.RequestProtocol "HTTP",
documented as "HTTP,HTTPS" lists) and DescribeApiGroup (GroupId 523e8dc7bbe04613b5b1d726c2a7889d, GroupName
NewWeather, HttpsPolicy HTTPS2_TLS1_0, custom domain api.demo.com)."""

from __future__ import annotations

from aliaudit.collectors.apigateway import ApigwApi, ApigwGroup
from tests.check_cases import Case

AID = "5af418828f0344a3b588c0cc1331a3bc"
GID = "523e8dc7bbe04613b5b1d726c2a7889d"


def api(aid: str = AID, **kw: object) -> ApigwApi:
    base: dict[str, object] = {"id": aid, "name": "ApiName", "region": "cn-hangzhou", "group_id": GID,
                               "group_name": "myGroup2", "visibility": "PUBLIC", "stages": ["RELEASE"],
                               "auth_type": "APP", "disable_internet": False, "protocols": ["HTTPS"]}
    base.update(kw)
    return ApigwApi(**base)  # type: ignore[arg-type]


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
    Case(_AUTH, "not published to RELEASE: no result; DescribeApi failed; no AuthType answered",
         {"apigateway.apis": [api("test-only", auth_type="ANONYMOUS", stages=["TEST"]),
                              api("draft", auth_type="ANONYMOUS", stages=[]),
                              api("broken", auth_type="", error="NotFoundApi: the API does not exist"),
                              api("blank", auth_type="")]},
         {"broken": "ERROR", "blank": "MANUAL"}),
    # the review's defect: a released API was judged on its draft (DescribeApi). Its draft switched to APP but not
    # published, RELEASE still serves ANONYMOUS: the collector now gives RELEASE's definition (DescribeDeployedApi)
    # for it, and that FAILs; once DeployApi publishes the APP draft, RELEASE's definition is APP and PASSes. A draft
    # alone (no stage, or TEST only) is not what production serves: no result however it is set
    Case(_AUTH, "judged on the RELEASE definition: ANONYMOUS still served though the draft is APP fails; after "
                "DeployApi (RELEASE now APP) passes; an ANONYMOUS draft on no stage or on TEST only is not judged",
         {"apigateway.apis": [api("served-anon", auth_type="ANONYMOUS"), api("redeployed", auth_type="APP"),
                              api("draft-anon", auth_type="ANONYMOUS", stages=[]),
                              api("test-anon", auth_type="ANONYMOUS", stages=["TEST", "PRE"])]},
         {"served-anon": "FAIL", "redeployed": "PASS"}),
    Case(_HTTPS, "HTTPS only passes; the sample's HTTP and HTTP,HTTPS fail",
         {"apigateway.apis": [api(), api("plain", protocols=["HTTP"]), api("both", protocols=["HTTP", "HTTPS"])]},
         {AID: "PASS", "plain": "FAIL", "both": "FAIL"}),
    Case(_HTTPS, "no protocol answered; the definition's read failed (DescribeDeployedApi, or DescribeApi for a "
                 "draft); an API on no stage is judged on its draft",
         {"apigateway.apis": [api("none", protocols=[]), api("broken", protocols=[], error="Throttling"),
                              api("draft-broken", stages=[], protocols=[], error="NotFoundApi: gone"),
                              api("draft-http", stages=[], protocols=["HTTP"])]},
         {"none": "MANUAL", "broken": "ERROR", "draft-broken": "ERROR", "draft-http": "FAIL"}),
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
