"""Documented-sample test of the waf collector: waf/DescribeInstance.json (InstanceId waf-cn-xxx),
DescribeDefenseResources.json (one object, alb-rencs***, Product alb) and DescribeResourceLogStatus.json, whose one
result is another object (alb-wewbb23dfsetetcic****, Status true): the listed object's status is not reported, which
the collector records as an error (the check says ERROR, never PASS). The replay answers both sites."""

from __future__ import annotations

from tests.wire_replay import WireReplay
from tests.wire_samples import collect, covers, pick


@covers("waf.resources")
def test_waf_resources(replay: WireReplay) -> None:
    got = collect(replay, "waf.resources")
    obj = {"resource": "alb-rencs***", "product": "alb", "instance_id": "waf-cn-xxx", "log_enabled": None,
           "error": "DescribeResourceLogStatus did not report this protected object"}
    expected = [{**obj, "region": "cn-hangzhou"}, {**obj, "region": "ap-southeast-1"}]
    assert pick(got, expected) == expected
