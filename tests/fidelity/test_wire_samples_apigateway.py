"""API Gateway's collectors on the documented samples of cloudapi 2016-07-14 (tests/fixtures/wire/cloudapi).
DescribeApis lists API 5af418828f0344a3b588c0cc1331a3bc of myGroup2, published (DEPLOYED) to RELEASE, so the
collector reads the definition RELEASE serves: the replay answers DescribeDeployedApi with its own sample whatever the
id (StageName RELEASE, AuthType APP, DisableInternet true, RequestProtocol "HTTP"). DescribeApi's sample (the draft:
DisableInternet false) is never asked: a draft is served by no stage. DescribeApiGroups lists group
be6d2abcc0dd4f749fc2d2edd6567164 (Traffic) with HttpsPolicy HTTPS2_TLS1_0; DescribeApiGroup's sample (NewWeather,
HTTPS2_TLS1_0, custom domain api.demo.com) is what the collector keeps."""

from __future__ import annotations

from tests.wire_replay import WireReplay
from tests.wire_samples import REGION, collect, covers, pick


@covers("apigateway.apis")
def test_apigateway_apis_from_the_documented_samples(replay: WireReplay) -> None:
    got = collect(replay, "apigateway.apis")
    expected = [{
        "id": "5af418828f0344a3b588c0cc1331a3bc", "region": REGION, "group_id": "1084f9034c744137901057206b39d2b6",
        "group_name": "myGroup2", "visibility": "PUBLIC", "stages": ["RELEASE"],
        "definitions": [{"stage": "RELEASE", "auth_type": "APP", "disable_internet": True, "protocols": ["HTTP"],
                         "error": None}]}]
    assert pick(got, expected) == expected
    assert got[0].name == "创建对象"
    asked = set(replay.served)
    assert "cloudapi:DescribeDeployedApi" in asked and "cloudapi:DescribeApi" not in asked


@covers("apigateway.groups")
def test_apigateway_groups_from_the_documented_samples(replay: WireReplay) -> None:
    got = collect(replay, "apigateway.groups")
    expected = [{"id": "be6d2abcc0dd4f749fc2d2edd6567164", "name": "Traffic", "region": REGION,
                 "https_policy": "HTTPS2_TLS1_0", "custom_domains": ["api.demo.com"], "error": None}]
    assert pick(got, expected) == expected
