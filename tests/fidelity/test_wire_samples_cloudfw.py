"""Documented-sample test of the cloudfw collector: cloudfw/DescribeUserBuyVersion.json (InstanceId
vipcloudfw-cn-xxxxx, Version 2, UserStatus true, LogStatus true), DescribeSlsAnalyzeOpenStatus.json (OpenStatus
"false") and DescribeAssetList.json (one IPv4 asset i-8vbdrjrxzt78****, 192.0.XX.XX, EIP, ProtectStatus open). The
IPv6 call gets the same IPv4 sample, which the collector leaves to the IPv4 call. The replay answers both sites."""

from __future__ import annotations

from tests.wire_replay import WireReplay
from tests.wire_samples import collect, covers, pick


@covers("cloudfw.firewalls")
def test_cloudfw_firewalls(replay: WireReplay) -> None:
    got = collect(replay, "cloudfw.firewalls")
    asset = {"id": "i-8vbdrjrxzt78****", "name": "instance01", "internet_address": "192.0.XX.XX",
             "resource_type": "EIP", "region": "cn-hangzhou", "protect_status": "open", "region_status": "enable",
             "note": "REGION_NOT_SUPPORT"}
    fw = {"instance_id": "vipcloudfw-cn-xxxxx", "version": 2, "log_status": True, "sls_open_status": "false",
          "log_error": None, "assets": [asset], "assets_unread": 0, "assets_error": None}
    expected = [{**fw, "region": "cn-hangzhou"}, {**fw, "region": "ap-southeast-1"}]
    assert pick(got, expected) == expected
