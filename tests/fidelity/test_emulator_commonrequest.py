"""OpenAPI through a second, independent client: aliyun-python-sdk-core's AcsClient and CommonRequest.

The product uses tea-openapi (ACS3 signing); this older core SDK signs RPC calls with HMAC-SHA1 (query
parameters, or a form body for POST) and ROA calls with `acs AK:signature`, resolves endpoints from its
own endpoint data (`ram.aliyuncs.com`, `ecs-cn-hangzhou.aliyuncs.com`, `cs.aliyuncs.com`...) and parses
errors itself, so the emulator's wire shape is not tuned to one SDK. It reaches the emulator with the
real host names through `proxy={"http": <emulator>}`, or directly with the emulator's address as the
request's domain.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import time
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest, RpcRequest

from tests.emulator import EmulatorServer
from tests.sdk import ACCOUNT, ADMIN_AK, ADMIN_SECRET, base_scenario, load
from tests.tamper import TamperingProxy

RAM, IMS, ECS, VPC, STS, TRAIL, CS = (("Ram", "2015-05-01"), ("Ims", "2019-08-15"), ("Ecs", "2014-05-26"),
                                      ("Vpc", "2016-04-28"), ("Sts", "2015-04-01"), ("Actiontrail", "2020-07-06"),
                                      ("CS", "2015-12-15"))
ODD = "a b*~+&/=%?#中文é"  # space, reserved and non-ASCII characters
USERS = ["admin", "reader", "nokeys", "alice", "bob"]


def _scenario() -> dict[str, Any]:
    data = base_scenario(
        regions=["cn-hangzhou", "cn-shanghai"],
        ecs={"instances": [{"id": f"i-hz{n:02d}", "name": f"web-{n}"} for n in range(7)]
             + [{"id": "i-sh01", "name": "db", "region": "cn-shanghai"}],
             "security_groups": [{"id": "sg-web", "name": "web", "vpc_id": "vpc-main"},
                                 {"id": "sg-sh", "name": "db", "region": "cn-shanghai"}]},
        vpc={"vpcs": [{"id": "vpc-main", "name": "main", "cidr": "10.0.0.0/8"}]},
        actiontrail={"trails": [{"name": "main", "oss_bucket_name": "trail-logs", "event_rw": "All"}]},
        # ACK validates names (letters, digits, Chinese, '-', '_'); the emulator does not, which lets the
        # name filter carry every awkward character through the ROA query string
        cs={"clusters": [{"name": "prod-集群", "id": "c-prod"}, {"name": f"odd {ODD}", "id": "c-odd"},
                         {"name": "edge", "id": "c-sh", "region": "cn-shanghai"}]},
    )
    data["accounts"][0]["ram"]["users"] += [
        {"name": "alice", "login_profile": {"created": "2024-02-01T00:00:00Z"}},
        {"name": "bob"},
    ]
    return data


@pytest.fixture()
def world(cloud: EmulatorServer) -> EmulatorServer:
    load(cloud, _scenario())
    return cloud


def _client(cloud: EmulatorServer, ak: str = ADMIN_AK, secret: str = ADMIN_SECRET,
            proxy: str | None = None) -> AcsClient:
    return AcsClient(ak, secret, "cn-hangzhou", auto_retry=False, proxy={"http": proxy or cloud.url})


def _rpc(api: tuple[str, str], action: str, method: str = "GET", domain: str | None = None,
         **params: Any) -> CommonRequest:
    """RPC style; the SDK finds the endpoint from the product code unless a domain is given."""
    product, version = api
    request = CommonRequest(domain=domain, version=version, action_name=action, product=product)
    request.set_protocol_type("http")
    request.set_method(method)
    add = request.add_query_param if method == "GET" else request.add_body_params
    for key, value in params.items():
        add(key, str(value))
    return request


def _roa(api: tuple[str, str], path: str, domain: str | None = None, **query: Any) -> CommonRequest:
    product, version = api
    request = CommonRequest(domain=domain, version=version, uri_pattern=path, product=product)
    request.set_protocol_type("http")
    request.set_method("GET")
    for key, value in query.items():
        request.add_query_param(key, str(value))
    return request


def _call(client: AcsClient, request: CommonRequest | RpcRequest) -> dict[str, Any]:
    body = json.loads(client.do_action_with_exception(request))
    assert isinstance(body, dict)
    return body


def _error(client: AcsClient, request: CommonRequest | RpcRequest) -> tuple[str, int, str]:
    with pytest.raises(ServerException) as err:
        client.do_action_with_exception(request)
    return err.value.get_error_code(), err.value.get_http_status(), err.value.get_error_msg()


def _list_users(client: AcsClient, method: str, page: int) -> list[str]:
    names: list[str] = []
    marker: dict[str, str] = {}
    for _ in range(20):
        body = _call(client, _rpc(RAM, "ListUsers", method, MaxItems=page, **marker))
        names += [u["UserName"] for u in body["Users"]["User"]]
        if not body["IsTruncated"]:
            return names
        marker = {"Marker": body["Marker"]}
    raise AssertionError("ListUsers never ended")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_ram_list_users_pages_with_get_and_post(world: EmulatorServer, method: str) -> None:
    client = _client(world)
    assert _list_users(client, method, 2) == USERS
    assert _list_users(client, method, 100) == USERS
    first = _call(client, _rpc(RAM, "ListUsers", method, MaxItems=1))["Users"]["User"][0]
    assert (first["UserName"], first["CreateDate"]) == ("admin", "2024-01-01T00:00:00Z")


def test_ram_access_keys_and_login_profiles(world: EmulatorServer) -> None:
    client = _client(world)
    keys = _call(client, _rpc(RAM, "ListAccessKeys", UserName="admin"))["AccessKeys"]["AccessKey"]
    assert [(k["AccessKeyId"], k["Status"]) for k in keys] == [(ADMIN_AK, "Active")]
    assert _call(client, _rpc(RAM, "ListAccessKeys", UserName="nokeys"))["AccessKeys"]["AccessKey"] == []
    profile = _call(client, _rpc(RAM, "GetLoginProfile", UserName="alice"))["LoginProfile"]
    assert profile["UserName"] == "alice"
    code, status, _ = _error(client, _rpc(RAM, "GetLoginProfile", UserName="bob"))
    assert (code, status) == ("EntityNotExist.User.LoginProfile", 404)
    code, status, _ = _error(client, _rpc(RAM, "GetUser", "POST", UserName="ghost"))
    assert (code, status) == ("EntityNotExist.User", 404)


def test_ims_credential_report_is_base64_csv_with_a_header(world: EmulatorServer) -> None:
    client = _client(world)
    _call(client, _rpc(IMS, "GenerateCredentialReport"))
    deadline = time.monotonic() + 20
    while True:  # generation is asynchronous: ask again until the report is there
        try:
            body = _call(client, _rpc(IMS, "GetCredentialReport"))
            break
        except ServerException:
            if time.monotonic() > deadline:
                raise
            _call(client, _rpc(IMS, "GenerateCredentialReport"))
            time.sleep(0.1)
    rows = list(csv.reader(io.StringIO(base64.b64decode(body["Content"], validate=True).decode())))
    header = rows[0]
    assert header[0] == "user" and len(set(header)) == len(header) > 5
    assert len(rows) > 1 and all(len(r) == len(header) for r in rows[1:])


def test_ecs_describe_instances_pages_by_number(world: EmulatorServer) -> None:
    client = _client(world)
    ids: list[str] = []
    for number in range(1, 10):
        body = _call(client, _rpc(ECS, "DescribeInstances", RegionId="cn-hangzhou", PageSize=3, PageNumber=number))
        page = body["Instances"]["Instance"]
        ids += [i["InstanceId"] for i in page]
        assert body["PageNumber"] == number and body["PageSize"] == 3 and body["TotalCount"] == 7
        if not page:
            break
    assert ids == [f"i-hz{n:02d}" for n in range(7)] and number == 4
    shanghai = _call(client, _rpc(ECS, "DescribeInstances", "POST", RegionId="cn-shanghai"))
    assert [(i["InstanceId"], i["RegionId"]) for i in shanghai["Instances"]["Instance"]] == [("i-sh01",
                                                                                            "cn-shanghai")]


def test_network_identity_and_trail_reads(world: EmulatorServer) -> None:
    client = _client(world)
    groups = _call(client, _rpc(ECS, "DescribeSecurityGroups", RegionId="cn-hangzhou"))["SecurityGroups"]
    assert [(g["SecurityGroupId"], g["SecurityGroupName"], g["VpcId"]) for g in groups["SecurityGroup"]] == [
        ("sg-web", "web", "vpc-main")]
    vpcs = _call(client, _rpc(VPC, "DescribeVpcs", RegionId="cn-hangzhou"))["Vpcs"]["Vpc"]
    assert [(v["VpcId"], v["VpcName"], v["CidrBlock"]) for v in vpcs] == [("vpc-main", "main", "10.0.0.0/8")]
    me = _call(client, _rpc(STS, "GetCallerIdentity"))
    assert (me["AccountId"], me["Arn"], me["IdentityType"]) == (ACCOUNT, f"acs:ram::{ACCOUNT}:user/admin",
                                                                "RAMUser")
    trails = _call(client, _rpc(TRAIL, "DescribeTrails"))["TrailList"]
    assert [(t["Name"], t["OssBucketName"], t["EventRW"], t["Status"]) for t in trails] == [
        ("main", "trail-logs", "All", "Enable")]


def test_ack_describe_clusters_v1_roa(world: EmulatorServer) -> None:
    client = _client(world)
    body = _call(client, _roa(CS, "/api/v1/clusters", region_id="cn-hangzhou", page_size=1))
    assert [c["cluster_id"] for c in body["clusters"]] == ["c-prod"]
    assert body["page_info"]["total_count"] == 2
    second = _call(client, _roa(CS, "/api/v1/clusters", region_id="cn-hangzhou", page_size=1, page_number=2))
    assert [c["name"] for c in second["clusters"]] == [f"odd {ODD}"]
    assert [c["cluster_id"] for c in _call(client, _roa(CS, "/api/v1/clusters", name="集群"))["clusters"]] == [
        "c-prod"]
    every = _call(client, _roa(CS, "/api/v1/clusters"))["clusters"]
    assert sorted(c["cluster_id"] for c in every) == ["c-odd", "c-prod", "c-sh"]


def test_awkward_parameter_values_round_trip(world: EmulatorServer) -> None:
    client = _client(world)
    for method in ("GET", "POST"):
        code, status, message = _error(client, _rpc(RAM, "ListUsers", method, Marker=ODD))
        assert (code, status) == ("InvalidParameter.Marker", 400) and message.endswith(ODD)
        name = f"odd-{method.lower()}"
        _call(client, _rpc(RAM, "CreateUser", method, UserName=name, Comments=f"{method} {ODD}"))
        assert _call(client, _rpc(RAM, "GetUser", method, UserName=name))["User"]["Comments"] == f"{method} {ODD}"
    odd = _call(client, _roa(CS, "/api/v1/clusters", name=ODD))["clusters"]  # the ROA query string
    assert [c["cluster_id"] for c in odd] == ["c-odd"]


def test_direct_to_the_emulators_address(world: EmulatorServer) -> None:
    client = AcsClient(ADMIN_AK, ADMIN_SECRET, "cn-hangzhou", auto_retry=False)
    domain = world.endpoint
    users = _call(client, _rpc(RAM, "ListUsers", "POST", domain=domain))["Users"]["User"]
    assert [u["UserName"] for u in users] == USERS
    ecs = _call(client, _rpc(ECS, "DescribeInstances", domain=domain, RegionId="cn-shanghai"))
    assert [i["InstanceId"] for i in ecs["Instances"]["Instance"]] == ["i-sh01"]
    clusters = _call(client, _roa(CS, "/api/v1/clusters", domain=domain, region_id="cn-shanghai"))["clusters"]
    assert [c["cluster_id"] for c in clusters] == ["c-sh"]


@pytest.mark.parametrize(("ak", "secret", "code", "status"), [
    (ADMIN_AK, "wrong-secret", "SignatureDoesNotMatch", 400),
    ("LTAInosuchkey000000", "x", "InvalidAccessKeyId.NotFound", 404),
])
def test_bad_credentials(world: EmulatorServer, ak: str, secret: str, code: str, status: int) -> None:
    client = _client(world, ak, secret)
    for request in (_rpc(RAM, "ListUsers"), _rpc(RAM, "ListUsers", "POST", MaxItems=5),
                    _rpc(ECS, "DescribeInstances", RegionId="cn-hangzhou"), _roa(CS, "/api/v1/clusters")):
        assert _error(client, request)[:2] == (code, status)


def test_wrong_secret_and_tampered_request_are_told_apart(world: EmulatorServer) -> None:
    """The gateway's message carries its string-to-sign; an RpcRequest (the per-product SDKs' base class)
    compares it with its own: equal means the secret is wrong, different means the request changed."""

    def list_users() -> RpcRequest:
        request = RpcRequest("Ram", "2015-05-01", "ListUsers")
        request.set_protocol_type("http")
        request.add_query_param("MaxItems", "5")
        request.add_query_param("Marker", ODD)  # the comparison also covers the encoding of these
        return request

    code, status, message = _error(_client(world, ADMIN_AK, "wrong-secret"), list_users())
    assert (code, status) == ("InvalidAccessKeySecret", 400), message

    def bump_max_items(target: str, headers: dict[str, str], body: bytes) -> tuple[str, dict[str, str], bytes]:
        return target.replace("MaxItems=5", "MaxItems=6"), headers, body

    proxy = TamperingProxy(world.url, bump_max_items)
    try:
        code, status, message = _error(_client(world, proxy=proxy.url), list_users())
    finally:
        proxy.close()
    assert (code, status) == ("SignatureDoesNotMatch", 400)
    assert "MaxItems%3D6" in message.partition("server string to sign is:")[2]
