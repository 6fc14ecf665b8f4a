"""latest/parts/ layout (runtime/latest.py): a part's shard count follows its findings, every line of a part routes
to one of its shards by resource (all of a resource's findings together), and a run of whole parts chooses their
counts again while keeping the other parts'."""

from __future__ import annotations

from aliaudit.findings import Finding, Status
from aliaudit.runtime import latest
from aliaudit.runtime.models import Manifest, Part


def _line(check: str, resource: str, region: str = "cn-hangzhou") -> bytes:
    return Finding(check_id=check, title="t", family=check.split("_", 1)[0], severity="high", status=Status.FAIL,
                   resource_id=resource, region=region, account_id="1234567890123456",
                   message="x").model_dump_json().encode()


def _buckets(n: int) -> list[bytes]:
    checks = ("oss_bucket_not_publicly_accessible", "oss_bucket_default_encryption_enabled")
    return [_line(c, f"bucket-{k}") for k in range(n) for c in checks]


def test_a_part_gets_a_power_of_two_of_shards_for_its_findings_and_a_small_one_none():
    assert latest.plan(_buckets(10), per_shard=1000) == {}  # 20 findings: one shard, not listed
    assert latest.plan(_buckets(1000), per_shard=1000) == {"oss/global": 2}  # 2,000 findings
    assert latest.plan(_buckets(1001), per_shard=1000) == {"oss/global": 4}
    assert latest.plan(_buckets(10), per_shard=1) == {"oss/global": 32}


def test_a_resources_findings_share_one_shard_of_its_parts_count():
    layout = {"oss/global": 8}
    route = latest.Router(layout)
    keys = {route(line) for line in _buckets(1)}
    assert len(keys) == 1
    (key,) = keys
    assert key.startswith("latest/parts/oss/global/") and key.endswith("-of-0008.jsonl")
    assert latest.part_of(key) == "oss/global"
    assert {route(line) for line in _buckets(200)} <= set(latest._part_keys("oss/global", layout))
    assert latest.Router({})(_buckets(1)[0]) == "latest/parts/oss/global.jsonl"  # a part of one shard
    # every layout's key names its part: the shards of an older count are found and emptied
    assert latest.part_of("latest/parts/oss/global/05.jsonl") == "oss/global"
    assert latest.part_of("latest/parts/ecs/cn-hangzhou.jsonl") == "ecs/cn-hangzhou"
    assert latest.part_of("latest/parts/index.json") is None


def test_a_run_of_whole_parts_chooses_their_counts_again_and_keeps_the_others():
    manifest = Manifest(run_id="daily-1", account_id="1", created="2026-01-01T00:00:00Z", kind="daily",
                        regions=["cn-hangzhou"], parts=[Part(family="oss", region="global")],
                        check_ids=["oss_bucket_not_publicly_accessible", "oss_bucket_default_encryption_enabled"])
    before = {"oss/global": 64, "ecs/cn-hangzhou": 4}
    assert latest.replan(before, manifest, _buckets(10), per_shard=1000) == {"ecs/cn-hangzhou": 4}
    assert latest.replan(before, manifest, _buckets(1500), per_shard=1000) == {"ecs/cn-hangzhou": 4,
                                                                               "oss/global": 4}
