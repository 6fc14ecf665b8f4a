"""The Bastionhost collector against Alibaba's documented samples (tests/fixtures/wire/bastionhost), expectations
written by hand from the sample values."""

from __future__ import annotations

from tests.wire_replay import WireReplay
from tests.wire_samples import REGION, collect, covers, pick


@covers("bastionhost.instances")
def test_bastionhost_instances(replay: WireReplay) -> None:
    got = collect(replay, "bastionhost.instances")
    expected = [{
        # bastionhost/DescribeInstances.json: one host with public network access (TotalCount 4 in the sample)
        "id": "bastionhost-cn-78v1gh****", "description": "测试API", "region": REGION, "status": "RUNNING",
        "plan": "cloudbastion_ha", "internet_endpoint": "******lwb-public.bastionhost.aliyuncs.com",
        # bastionhost/DescribeInstanceAttribute.json: PublicNetworkAccess true, PublicWhiteList "[10.162.168.xx/32]"
        # (the sample's brackets dropped, so an entry "[0.0.0.0/0]" reads as the address it names); its one
        # WhiteListPolicies Entry is empty, so adds nothing
        "public_access": True, "whitelist": ["10.162.168.xx/32"], "error": None}]
    assert pick(got, expected) == expected
    assert replay.served == ["bastionhost:DescribeInstances", "bastionhost:DescribeInstanceAttribute"]
