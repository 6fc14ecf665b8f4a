"""A call whose endpoint host does not resolve (every SDK builds <product>.<region>.aliyuncs.com for a region its map
does not name, and a product not offered there has no such host) gets one plain reason, naming the host, not the
transport's page of text (apierrors.describe). Hosts under .invalid never resolve (RFC 6761)."""

import requests
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_tea_openapi.models import Config

from aliaudit import apierrors

HOST = "ecs.cn-nowhere-1.invalid"
REASON = f"{HOST} does not resolve (DNS): the product may not be offered in this region, or DNS is unreachable"


def test_an_sdk_call_to_a_host_that_does_not_resolve():
    client = EcsClient(Config(access_key_id="id", access_key_secret="secret", endpoint=HOST, region_id="cn-nowhere-1"))
    try:
        client.describe_regions(ecs_models.DescribeRegionsRequest())
    except Exception as err:  # noqa: BLE001 - whatever the SDK raises, its description is what the finding shows
        assert apierrors.describe(err) == REASON
    else:
        raise AssertionError("a host under .invalid resolved")


def test_a_plain_http_call_to_a_host_that_does_not_resolve():
    try:
        requests.get(f"https://{HOST}/", timeout=5)
    except requests.ConnectionError as err:
        assert apierrors.describe(err) == REASON
