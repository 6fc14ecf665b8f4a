"""The CDN collector against Alibaba's documented samples (tests/fixtures/wire/cdn), expectations written by hand
from the sample values."""

from __future__ import annotations

from tests.wire_replay import WireReplay
from tests.wire_samples import collect, covers, pick


@covers("cdn.domains")
def test_cdn_domains(replay: WireReplay) -> None:
    got = collect(replay, "cdn.domains")
    expected = [{
        # cdn/DescribeUserDomains.json: the one domain of the sample, with HTTPS on
        "name": "example.com", "status": "configure_failed", "ssl_protocol": "on", "cdn_type": "download",
        "coverage": "domestic", "sources": ["***.oss-cn-hangzhou.aliyuncs.com"],
        # cdn/DescribeCdnDomainConfigs.json documents an aliauth configuration only: neither HTTPS feature is
        # configured, and the configurations were read
        "https_force": None, "tls_versions": None, "configs_read": True, "error": None}]
    assert pick(got, expected) == expected
    assert replay.served == ["cdn:DescribeUserDomains", "cdn:DescribeCdnDomainConfigs"]
