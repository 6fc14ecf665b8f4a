"""The benchmark's account generator (tests/emulator/generate.py) at a tiny scale, and the bench's lower bound."""

from __future__ import annotations

import dataclasses

from aliaudit.checks.registry import all_checks
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
    # issue 20's families and datasets: each product's resources, per region or account-wide
    per_region = {"images": acct.ecs.images, "nat_gateways": acct.vpc.nat_gateways, "kms_secrets": acct.kms.secrets,
                  "redis_instances": acct.kvstore.instances, "mongodb_instances": acct.dds.instances,
                  "polardb_clusters": acct.polardb.clusters, "nas_file_systems": acct.nas.file_systems,
                  "clbs": acct.slb.load_balancers, "albs": acct.alb.load_balancers,
                  "fc_functions": acct.fc.functions, "api_gateway_apis": acct.cloudapi.groups,
                  "mse_clusters": acct.mse.clusters, "cr_instances": acct.cr.instances,
                  "elasticsearch_instances": acct.elasticsearch.instances, "kafka_instances": acct.alikafka.instances,
                  "bastion_hosts": acct.bastionhost.instances}
    for size, items in per_region.items():
        assert {i.region for i in items} == set(acct.regions), size
        if size != "api_gateway_apis":  # an API's region is its group's
            assert len(items) == 3 * getattr(TINY, size), size
    assert len(acct.cloudapi.apis) == 3 * TINY.api_gateway_apis
    assert len(acct.nlb.listeners) == 2 * 3 * TINY.nlbs
    assert all(len(lb.listeners) == TINY.listeners_per_clb for lb in acct.slb.load_balancers)
    assert all(len(n.dnat) == TINY.dnat_per_nat for n in acct.vpc.nat_gateways)
    assert acct.nas.access_groups and acct.cloudapi.groups and any(i.user_data for i in acct.ecs.instances)
    assert len(acct.cdn.domains) == TINY.cdn_domains and len(acct.alidns.domains) == TINY.dns_domains
    assert all(len(d.records) == TINY.records_per_domain for d in acct.alidns.domains)
    assert len(acct.waf.instances[0].resources) == TINY.waf_protected_objects
    assert len(acct.ddoscoo.websites) == TINY.ddos_websites
    assert len(acct.cloudfw.firewalls[0].assets) == TINY.cloudfw_assets and len(acct.cloudsso.directories) == 1
    # the command writes JSON that the emulator loads (Scenario.from_file) to the same account
    path = tmp_path / "tiny.json"
    assert main(["--scale", "0.002", "--regions", "3", "--seed", "3", "--out", str(path)]) == 0
    assert Scenario.from_file(path).model_dump_json() == one.model_dump_json()


def test_generated_account_scans_with_pass_and_fail(cloud):
    cloud.emulator.load(generate(seed=1, sizes=TINY))
    findings = scan(cloud, regions=["cn-hangzhou", "cn-shanghai"], families=["ecs", "kms", "rds"])
    statuses = {f.status.value for f in findings}
    assert {"PASS", "FAIL"} <= statuses and "ERROR" not in statuses, [f for f in findings if f.status == "ERROR"][:3]


# issue 20's families; a tiny account has one resource of each account-wide kind: two here, so each check can
# give both statuses (the CloudSSO directory and Cloud Firewall are one per account: a single status)
NEW_FAMILIES = ["redis", "mongodb", "polardb", "nas", "slb", "alb", "nlb", "fc", "apigateway", "mse", "cdn", "cr",
                "elasticsearch", "kafka", "bastionhost", "cloudfw", "waf", "ddos", "dns", "cloudsso"]
SINGLE = {"cloudsso_mfa_required", "cloudfw_log_analysis_enabled"}


def test_generated_account_scans_the_new_families_with_pass_and_fail(cloud):
    sizes = dataclasses.replace(TINY, cdn_domains=2, dns_domains=2, waf_protected_objects=2, ddos_websites=2,
                                cloudfw_assets=2)
    cloud.emulator.load(generate(seed=1, sizes=sizes))
    findings = scan(cloud, regions=["cn-hangzhou", "cn-shanghai", "cn-beijing"],
                    families=[*NEW_FAMILIES, "ecs", "vpc", "kms"])
    assert not [f for f in findings if f.status == "ERROR"][:3]
    statuses: dict[str, set[str]] = {}
    for f in findings:
        statuses.setdefault(f.check_id, set()).add(f.status.value)
    for family in NEW_FAMILIES:
        assert any(c.startswith(f"{family}_") for c in statuses), family
    new_checks = [c.meta.id for c in all_checks().values()
                  if c.meta.family in NEW_FAMILIES and c.meta.id not in SINGLE] + [
        "ecs_image_not_public", "ecs_instance_user_data_no_access_keys", "vpc_nat_dnat_risky_ports_not_exposed",
        "kms_secret_rotation_enabled"]
    assert [c for c in new_checks if not {"PASS", "FAIL"} <= statuses.get(c, set())] == []


def test_lower_bound_is_the_busiest_quota_or_the_chain():
    sizes = Sizes()
    # calls past the limits per account and quota; ECS's quotas are per region (tests.emulator.faults.quota_key)
    got = lower_bound({"1": {"ram:GetUser": 4000, "oss:GetBucketAcl": 2000, "ecs:DescribeUserData@cn-hangzhou": 150,
                             "ecs:DescribeUserData@cn-shanghai": 150},
                       "2": {"ram:GetUser": 100}}, sizes, False)
    assert (got["worst_account"], got["busiest_api"], got["busiest_api_calls"]) == ("1", "ram:GetUser", 4000)
    assert got["seconds"] == 4000 / RATE_LIMITS["ram:*"]
    regional = lower_bound({"1": {"ecs:DescribeUserData@cn-hangzhou": 300, "ecs:DescribeUserData@cn-shanghai": 200,
                                  "ram:GetUser": 100}}, sizes, False)
    assert regional["busiest_api"] == "ecs:DescribeUserData@cn-hangzhou"
    assert regional["seconds"] == 300 / RATE_LIMITS["ecs:*"]  # one region's calls, not the account's 500
    tiny = lower_bound({"1": {"kms:ListKeys": 1}}, sizes, True)
    assert tiny["seconds"] == tiny["chain_seconds"] > 0
