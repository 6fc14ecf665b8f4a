"""Documented-sample test of the ddos collector: ddoscoo/DescribeInstances.json (instance ddoscoo-cn-7pp2g9ed****),
DescribeDomains.json (www.aliyun***.com) and DescribeWebAccessLogStatus.json (SlsStatus true, SlsProject
ddoscoo-project-128965410602****-cn-hangzhou, SlsLogstore ddoscoo-logstore). The replay answers both sites
(cn-hangzhou and ap-southeast-1) with the same sample, so the website is read once per site."""

from __future__ import annotations

from tests.wire_replay import WireReplay
from tests.wire_samples import collect, covers, pick


@covers("ddos.websites")
def test_ddos_websites(replay: WireReplay) -> None:
    got = collect(replay, "ddos.websites")
    site = {"domain": "www.aliyun***.com", "log_enabled": True, "error": None,
            "sls_project": "ddoscoo-project-128965410602****-cn-hangzhou", "sls_logstore": "ddoscoo-logstore"}
    expected = [{**site, "region": "cn-hangzhou"}, {**site, "region": "ap-southeast-1"}]
    assert pick(got, expected) == expected
