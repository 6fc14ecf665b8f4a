"""The benchmark's account generator (tests/emulator/generate.py) at a tiny scale, and the bench's lower bound."""

from __future__ import annotations

import dataclasses

from tests.bench import RATE_LIMITS, lower_bound
from tests.emulator.generate import Sizes, generate, main
from tests.emulator.state import Scenario
from tests.scanning import scan

TINY = dataclasses.replace(Sizes().scaled(0.002), regions=3)


def test_sizes_scale_every_count_but_the_shape():
    s = Sizes().scaled(0.5)
    assert (s.users, s.buckets, s.instances, s.security_groups, s.ack_clusters) == (2500, 1000, 150, 75, 2)
    assert (s.regions, s.keys_per_user, s.rules_per_group, s.logstores_per_project) == (24, 2, 20, 10)
    assert Sizes().scaled(0.001).ack_clusters == 1  # every product keeps at least one resource
    assert Sizes().total_resources() > 100_000


def test_generator_is_seeded_and_builds_the_sizes(tmp_path):
    one = generate(seed=3, sizes=TINY)
    assert one.model_dump_json() == generate(seed=3, sizes=TINY).model_dump_json()
    assert one.model_dump_json() != generate(seed=4, sizes=TINY).model_dump_json()
    acct = one.accounts[0]
    assert len(acct.regions) == 3 and len(acct.ram.users) == TINY.users
    assert all(len(u.access_keys) == 2 and u.login_profile for u in acct.ram.users)
    assert len(acct.ram.policies) == TINY.custom_policies and len(acct.oss.buckets) == TINY.buckets
    assert len(acct.ecs.instances) == 3 * TINY.instances and len(acct.sas.assets) == len(acct.ecs.instances)
    assert all(len(g.permissions) == 20 for g in acct.ecs.security_groups)
    assert all(len(p.logstores) == 10 for p in acct.sls.projects)
    assert len(acct.cs.clusters) == 3 * TINY.ack_clusters and len(acct.kms.keys) == 3 * TINY.kms_keys
    # the command writes JSON that the emulator loads (Scenario.from_file) to the same account
    path = tmp_path / "tiny.json"
    assert main(["--scale", "0.002", "--regions", "3", "--seed", "3", "--out", str(path)]) == 0
    assert Scenario.from_file(path).model_dump_json() == one.model_dump_json()


def test_generated_account_scans_with_pass_and_fail(cloud):
    cloud.emulator.load(generate(seed=1, sizes=TINY))
    findings = scan(cloud, regions=["cn-hangzhou", "cn-shanghai"], families=["ecs", "kms", "rds"])
    statuses = {f.status.value for f in findings}
    assert {"PASS", "FAIL"} <= statuses and "ERROR" not in statuses, [f for f in findings if f.status == "ERROR"][:3]


def test_lower_bound_is_the_busiest_api_or_the_chain():
    sizes = Sizes()
    got = lower_bound({"ram:GetUser": 5000, "oss:GetBucketAcl": 2000}, {"ram:GetUser": 1000}, sizes, False)
    assert got["busiest_api"] == "ram:GetUser" and got["busiest_api_calls"] == 4000
    assert got["seconds"] == 4000 / RATE_LIMITS["ram:*"]
    tiny = lower_bound({"kms:ListKeys": 1}, {}, sizes, True)
    assert tiny["seconds"] == tiny["chain_seconds"] > 0
