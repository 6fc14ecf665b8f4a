"""The sample account (make emulator / make demo) stays loadable and realistic: every family has resources, with
the usual mistakes beside resources done right, so a scan of it shows PASS and FAIL findings in every family.

Only verdicts that do not depend on the date are asserted here (the sample's keys, logons and dates are fixed,
so RAM's age checks drift as time passes)."""

from __future__ import annotations

from collections import Counter, defaultdict

from alibabacloud_sts20150401.client import Client as StsClient

from aliaudit.checks.registry import all_checks
from aliaudit.findings import Finding
from tests.emulator import Scenario
from tests.paths import TESTS
from tests.scanning import by_resource, scan
from tests.sdk import pop_config

SAMPLE = TESTS / "emulator" / "scenarios" / "sample.yaml"
AUDITOR = ("LTAIsampleaudit00001", "sample-audit-secret-000000000")


def test_sample_scenario_loads_and_answers(cloud):
    scenario = Scenario.from_file(SAMPLE)
    cloud.emulator.load(scenario)
    acct = scenario.accounts[0]
    assert len(acct.regions) >= 3 and len(acct.ram.users) >= 4 and acct.oss.buckets
    who = StsClient(pop_config(cloud, *AUDITOR)).get_caller_identity()
    assert who.body.arn == f"acs:ram::{acct.id}:user/auditor"


def _scan_sample(cloud) -> list[Finding]:
    scenario = Scenario.from_file(SAMPLE)
    cloud.emulator.load(scenario)
    # the demo scans the first three regions: the sample's resources all live there
    return scan(cloud, ak=AUDITOR[0], secret=AUDITOR[1], regions=scenario.accounts[0].regions[:3])


def test_every_family_shows_findings_passing_and_failing(cloud):
    findings = _scan_sample(cloud)
    by_family: dict[str, Counter[str]] = defaultdict(Counter)
    for f in findings:
        by_family[f.family][f.status.value] += 1
    families = {c.meta.family for c in all_checks().values()}
    assert set(by_family) == families, by_family
    for family, counts in by_family.items():
        assert counts["ERROR"] == 0, (family, [f.message for f in findings if f.status.value == "ERROR"])
        assert counts["FAIL"], family
        # one account-wide verdict each: the sample's trail misses regions; an account has one CloudSSO directory
        if family not in ("actiontrail", "cloudsso"):
            assert counts["PASS"], family


def test_the_sample_mistakes_fail_and_the_resources_done_right_pass(cloud):
    findings = _scan_sample(cloud)

    def verdicts(check_id: str) -> dict[str, str]:
        return by_resource(findings, check_id)

    # ECS: SSH and RDP open to the world, an allow-all group, unencrypted disks, a classic-network instance
    assert verdicts("ecs_security_group_ssh_restricted") == {
        "sg-bp1sampleweb0001": "PASS", "sg-bp1sampledb00001": "PASS", "sg-bp1samplebast001": "FAIL",
        "sg-bp1sampledev0001": "FAIL", "sg-uf6samplewin0001": "PASS"}
    assert verdicts("ecs_security_group_rdp_restricted")["sg-uf6samplewin0001"] == "FAIL"
    assert verdicts("ecs_security_group_fine_grained")["sg-bp1sampledev0001"] == "FAIL"
    assert verdicts("ecs_instance_risky_ports_not_public") == {
        "i-bp1sampleweb01": "PASS", "i-bp1sampledb001": "PASS", "i-bp1samplebast01": "FAIL",
        "i-bp1sampledev001": "FAIL", "i-uf6samplejump01": "FAIL", "i-2zesampleftp001": "PASS"}
    assert verdicts("ecs_instance_no_classic_network")["i-2zesampleftp001"] == "FAIL"
    assert verdicts("ecs_disk_unattached_encrypted") == {"d-bp1sampleolddata": "FAIL", "d-bp1samplescratch": "PASS"}
    # CIS 4.2 judges data disks (the sample's one attached data disk is encrypted); its system disks are judged beside
    assert Counter(verdicts("ecs_disk_attached_encrypted").values()) == {"PASS": 1}
    assert Counter(verdicts("ecs_system_disk_encrypted").values()) == {"PASS": 2, "FAIL": 4}
    # OSS: the CDN team's access point lets anyone read, and the bucket delegates to the account's access points
    assert verdicts("oss_access_point_not_public")["acme-public-assets/assets-cdn"] == "FAIL"
    # VPC: a VPC without flow logs, one logging only dropped packets (enough for CIS 3.3, not for the stricter view)
    assert verdicts("vpc_flow_logs_enabled") == {"vpc-bp1sampleprod01": "PASS", "vpc-bp1sampledev001": "FAIL",
                                                 "vpc-uf6samplestage1": "PASS"}
    assert verdicts("vpc_flow_logs_all_traffic") == {"vpc-bp1sampleprod01": "PASS", "vpc-bp1sampledev001": "FAIL",
                                                     "vpc-uf6samplestage1": "FAIL"}
    # RDS: the legacy CRM database is open to the world, unencrypted, audited only a month
    crm, orders, pg = "rm-bp1samplecrm0001", "rm-bp1sampleorders01", "pgm-uf6sampleanalytic1"
    for check_id in ("rds_instance_whitelist_not_open", "rds_instance_no_public_endpoint",
                     "rds_instance_ssl_required", "rds_instance_tde_enabled", "rds_instance_sql_audit_retention"):
        assert (verdicts(check_id)[crm], verdicts(check_id)[orders]) == ("FAIL", "PASS"), check_id
    assert verdicts("rds_instance_tde_byok") == {orders: "PASS", crm: "FAIL", pg: "FAIL"}
    assert verdicts("rds_instance_postgresql_log_disconnections_enabled") == {pg: "FAIL"}
    # ACK: the developers' cluster has a public API server, no audit log, a dashboard and an unsupported version
    prod, dev = "c8a1f0e2d3c4b5a697887766554433221", "c4d2e6f8a0b1c3d5e7f9a1b3c5d7e9f10"
    for check_id in ("ack_cluster_private_endpoint", "ack_cluster_audit_log_enabled", "ack_cluster_dashboard_disabled",
                     "ack_cluster_network_policy_enabled", "ack_cluster_version_supported"):
        assert verdicts(check_id) == {prod: "PASS", dev: "FAIL"}, check_id
    # KMS: a key that never rotates, one scheduled for deletion
    assert verdicts("kms_key_rotation_enabled") == {"key-hzz63sampletde000000001": "PASS",
                                                    "key-hzz63sampledisk00000001": "FAIL"}
    assert verdicts("kms_key_not_pending_deletion")["key-shh63sampleold000000001"] == "FAIL"
    # Security Center: the free edition, a server without the agent, one offline, unpatched ones
    assert verdicts("securitycenter_edition_advanced_or_higher") == {"1234567890123456": "FAIL"}
    assert verdicts("securitycenter_server_protected") == {
        "i-bp1sampleweb01": "PASS", "i-bp1sampledb001": "PASS", "i-bp1samplebast01": "PASS",
        "i-bp1sampledev001": "FAIL", "i-uf6samplejump01": "FAIL", "i-2zesampleftp001": "PASS"}
    # (CIS 4.6: installed; the offline jump host's agent is installed)
    assert verdicts("securitycenter_server_agent_installed")["i-uf6samplejump01"] == "PASS"
    assert verdicts("securitycenter_server_os_patches_applied")["i-bp1samplebast01"] == "FAIL"
    # SLS: the application logs are kept a month, the archive a year
    retention = verdicts("sls_logstore_retention_sufficient")
    assert (retention["acme-ops-logs/app-logs"], retention["acme-ops-logs/audit-archive"]) == ("FAIL", "PASS")
