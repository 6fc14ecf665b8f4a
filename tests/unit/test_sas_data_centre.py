"""Security Center's server assets are asked of the data centre that holds the region's assets
(collectors/securitycenter.data_centre): the same host as the SDK's own endpoint map for every region it knows, and
one of the two data centres for a region it does not know yet (never the generated sas.<region> host)."""

from alibabacloud_sas20181203.client import Client
from alibabacloud_tea_openapi.models import Config

from aliaudit.collectors.securitycenter import data_centre


def _host(region: str) -> str:
    return Client(Config(access_key_id="id", access_key_secret="secret", region_id=region))._endpoint


def test_every_region_the_sdk_maps_reaches_the_same_data_centre():
    mapped = Client(Config(access_key_id="id", access_key_secret="secret", region_id="cn-hangzhou"))._endpoint_map
    assert {region: _host(data_centre(region)) for region in mapped} == mapped


def test_a_region_the_sdk_does_not_know_reaches_a_data_centre():
    for region, host in (("ap-southeast-8", "tds.ap-southeast-1.aliyuncs.com"),
                         ("us-southeast-1", "tds.ap-southeast-1.aliyuncs.com"),
                         ("cn-zhongwei", "tds.cn-shanghai.aliyuncs.com")):
        assert _host(region) == f"sas.{region}.aliyuncs.com"  # what the SDK alone would ask
        assert _host(data_centre(region)) == host
