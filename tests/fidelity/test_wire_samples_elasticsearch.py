"""The Elasticsearch collector against Alibaba's documented samples (tests/fixtures/wire/elasticsearch, a ROA API
played back by path), expectations written by hand from the sample values."""

from __future__ import annotations

from tests.wire_replay import WireReplay
from tests.wire_samples import REGION, collect, covers, pick


@covers("elasticsearch.instances")
def test_elasticsearch_instances(replay: WireReplay) -> None:
    got = collect(replay, "elasticsearch.instances")
    expected = [{
        # elasticsearch/ListInstance.json lists es-cn-v641a0ta3000g**** (6.7_with_X-Pack, active); the product keeps
        # the listed id and reads everything else from elasticsearch/DescribeInstance.json, whose sample describes
        # es-cn-3h4k3axh33th9****
        "id": "es-cn-v641a0ta3000g****", "description": "es-cn-abc", "region": REGION, "status": "active",
        "version": "6.7_with_X-Pack",
        "public_enabled": True, "public_domain": "es-cn-3h4k3axh33th9****.elasticsearch.aliyuncs.com",
        # publicIpWhitelist ['[ "0.0.0.0/0" ]'] (JSON text in the item); the whiteIpGroupList group is PRIVATE_ES
        "public_whitelist": ["0.0.0.0/0"],
        "kibana_public_enabled": True, "kibana_domain": "es-cn-3h4k3axh33th9****.kibana.elasticsearch.aliyuncs.com",
        "kibana_whitelist": ["0.0.0.0/0"], "error": None}]
    assert pick(got, expected) == expected
    assert replay.served == ["elasticsearch:ListInstance", "elasticsearch:DescribeInstance"]
