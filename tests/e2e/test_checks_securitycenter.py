"""Security Center checks through the scan entry point: servers per region (agent, OS patches), the
account-level settings of CIS section 8 and 2.9, denied APIs as ERROR, paging to the end."""

from __future__ import annotations

from typing import Any

from alibabacloud_sas20181203 import models as sas_models
from alibabacloud_sas20181203.client import Client as SasClient

from aliaudit.config import AuditConfig
from tests.scanning import by_resource, scan
from tests.sdk import ACCOUNT, READER_AK, READER_SECRET, base_scenario, load, pop_config

FAMILY = ["securitycenter"]
SETTINGS_CHECKS = ["securitycenter_edition_advanced_or_higher", "securitycenter_vulnerability_scan_enabled",
                   "securitycenter_fingerprint_collection_enabled", "securitycenter_antivirus_quarantine_enabled",
                   "securitycenter_webshell_protection_enabled", "securitycenter_config_assessment_authorized",
                   "securitycenter_log_analysis_enabled"]


def scenario(**sas: Any) -> dict[str, Any]:
    data = base_scenario()
    data["accounts"][0]["sas"] = sas
    return data


def servers() -> list[dict[str, Any]]:
    return [
        {"instance_id": "i-online", "region": "cn-hangzhou"},
        {"instance_id": "i-vulnerable", "region": "cn-hangzhou", "vulns": {"cve": 3, "sys": 1, "app": 4}},
        {"instance_id": "i-appvulns", "region": "cn-hangzhou", "vulns": {"app": 2, "cms": 1}},
        {"instance_id": "i-noagent", "region": "cn-hangzhou", "agent": "uninstalled"},
        {"instance_id": "i-paused", "region": "cn-hangzhou", "agent": "pause"},
        {"instance_id": "i-offline", "region": "cn-hangzhou", "agent": "offline"},
        {"instance_id": "i-stopped", "region": "cn-hangzhou", "agent": "offline", "status": "notRunning"},
        {"instance_id": "i-components", "region": "cn-hangzhou", "vulns": {"sca": 2}},  # software components only
        {"instance_id": "i-windows", "region": "ap-southeast-1", "os": "windows", "vulns": {"sys": 2}},
        {"instance_id": "i-elsewhere", "region": "cn-beijing", "agent": "uninstalled"},  # not audited
    ]


def good_settings() -> dict[str, Any]:
    # application vulnerability scanning is off until turned on (CIS 8.7 asks for every type)
    return {"version": 3, "linked_roles": {"AliyunServiceRoleForSas": True, "AliyunServiceRoleForSasCspm": True},
            "log_analysis": {"bought": True, "open": True}, "vul_config": {"app": "on"}}


def test_servers_agent_and_patches_per_region(cloud):
    load(cloud, scenario(assets=servers()))
    findings = scan(cloud, families=FAMILY, regions=["cn-hangzhou", "ap-southeast-1"])
    agent = by_resource(findings, "securitycenter_server_protected")
    assert agent == {"i-online": "PASS", "i-vulnerable": "PASS", "i-appvulns": "PASS", "i-noagent": "FAIL",
                     "i-paused": "FAIL", "i-offline": "FAIL", "i-stopped": "PASS", "i-components": "PASS",
                     "i-windows": "PASS"}
    # CIS 4.6: installed is enough (paused and offline agents are installed)
    installed = by_resource(findings, "securitycenter_server_agent_installed")
    assert installed == {**agent, "i-paused": "PASS", "i-offline": "PASS"}
    patches = by_resource(findings, "securitycenter_server_os_patches_applied")
    # CIS 4.5 audit: "ensure all vulnerabilities are fixed": application, Web-CMS and software component analysis
    # (RiskCount scaNum) ones count too
    assert patches == {"i-online": "PASS", "i-vulnerable": "FAIL", "i-appvulns": "FAIL", "i-noagent": "MANUAL",
                       "i-paused": "PASS", "i-offline": "PASS", "i-stopped": "PASS", "i-components": "FAIL",
                       "i-windows": "FAIL"}
    components = next(f for f in findings if f.check_id == "securitycenter_server_os_patches_applied"
                      and f.resource_id == "i-components")
    assert components.message == "unfixed vulnerabilities: 2 software component analysis"
    regions = {f.resource_id: f.region for f in findings if f.check_id == "securitycenter_server_agent_installed"}
    assert regions["i-windows"] == "ap-southeast-1" and regions["i-online"] == "cn-hangzhou"
    vuln = next(f for f in findings if f.check_id == "securitycenter_server_os_patches_applied"
                and f.resource_id == "i-vulnerable")
    assert "3 Linux software" in vuln.message and "1 Windows system" in vuln.message and vuln.cis == ["4.5"]
    noagent = next(f for f in findings if f.check_id == "securitycenter_server_agent_installed"
                   and f.resource_id == "i-noagent")
    assert noagent.cis == ["4.6"] and noagent.severity.value == "high"
    assert next(f for f in findings if f.check_id == "securitycenter_server_protected").cis == ["8.2"]


def test_each_region_reaches_its_own_data_centre(cloud, admin):
    """cn-* assets live in tds.cn-shanghai, the others in tds.ap-southeast-1: an overseas region must not
    see mainland assets and vice versa (the peer tool sends every region to one endpoint)."""
    load(cloud, scenario(assets=servers()))
    findings = scan(cloud, checks=["securitycenter_server_agent_installed"], regions=["ap-southeast-1"])
    assert by_resource(findings, "securitycenter_server_agent_installed") == {"i-windows": "PASS"}
    findings = scan(cloud, checks=["securitycenter_server_agent_installed"], regions=["cn-beijing"])
    assert by_resource(findings, "securitycenter_server_agent_installed") == {"i-elsewhere": "FAIL"}


def test_settings_pass_on_a_hardened_account_with_a_read_only_auditor(cloud):
    load(cloud, scenario(**good_settings()))
    findings = scan(cloud, families=FAMILY, ak=READER_AK, secret=READER_SECRET)
    bad = [(f.check_id, f.resource_id, f.status.value, f.message) for f in findings if f.status.value != "PASS"]
    assert bad == []
    assert {f.check_id for f in findings} >= set(SETTINGS_CHECKS)
    assert {f.region for f in findings} == {"global"}
    assert set(by_resource(findings, "securitycenter_notification_high_risk_enabled")) == set(
        AuditConfig().security_center_notices)


def test_settings_fail_on_a_weak_account(cloud):
    load(cloud, scenario(
        version=1, notices={"yundun_security_Weekreport": 0, "sas_suspicious": 0},
        vul_config={"sys": "off", "emg": "off"}, concern_necessity=["asap"],
        fingerprint_hours={"scheduler_port_period": 0, "scheduler_software_period": 168},
        defense={"auto_breaking": "off", "webshell_cloud_breaking": "off"},
        linked_roles={"AliyunServiceRoleForSas": False},
        log_analysis={"bought": True, "open": True, "disabled": ["sas-log-dns", "aegis-log-login"]}))
    findings = scan(cloud, families=FAMILY)
    status = {f.check_id: f.status.value for f in findings if f.check_id in SETTINGS_CHECKS}
    assert status == dict.fromkeys(SETTINGS_CHECKS, "FAIL")
    notices = by_resource(findings, "securitycenter_notification_high_risk_enabled")
    assert notices["yundun_security_Weekreport"] == "FAIL" and notices["sas_suspicious"] == "FAIL"
    assert notices["sas_healthcheck"] == "PASS"
    msg = {f.check_id: f.message for f in findings}
    assert "Windows system" in msg["securitycenter_vulnerability_scan_enabled"]
    assert "medium" in msg["securitycenter_vulnerability_scan_enabled"]
    assert "listening ports" in msg["securitycenter_fingerprint_collection_enabled"]
    assert "software (168 h)" in msg["securitycenter_fingerprint_collection_enabled"]
    assert "sas-log-dns (host)" in msg["securitycenter_log_analysis_enabled"]
    assert "Free Edition" in msg["securitycenter_edition_advanced_or_higher"]


def test_pay_as_you_go_log_analysis_counts_as_enabled(cloud):
    """PostPaidOpenStatus yes without a subscription (BuyStatus, OpenStatus no): log analysis is on."""
    load(cloud, scenario(**{**good_settings(), "log_analysis": {"post_paid": True}}))
    findings = scan(cloud, checks=["securitycenter_log_analysis_enabled"])
    (got,) = findings
    assert got.status.value == "PASS" and "log analysis (pay-as-you-go) enabled for all" in got.message
    # a subscription extended by pay-as-you-go: its purchased storage full is no loss (DescribeLogstoreStorage unasked)
    load(cloud, scenario(**{**good_settings(), "log_analysis": {"post_paid": True, "bought": True, "open": True,
                                                                 "preserve_gb": 100, "used_gb": 100}}))
    (got,) = scan(cloud, checks=["securitycenter_log_analysis_enabled"])
    assert got.status.value == "PASS"
    load(cloud, scenario(**{**good_settings(), "log_analysis": {"post_paid": True, "disabled": ["sas-log-dns"]}}))
    (got,) = scan(cloud, checks=["securitycenter_log_analysis_enabled"])
    assert got.status.value == "FAIL" and "sas-log-dns" in got.message


def test_edition_variants(cloud):
    def edition(**sas: Any) -> tuple[str, str]:
        load(cloud, scenario(**sas))
        [f] = scan(cloud, checks=["securitycenter_edition_advanced_or_higher"])
        return f.status.value, f.message

    assert edition(version=7)[0] == "PASS"  # Ultimate includes Enterprise (the peer tool FAILs it)
    assert edition(version=5, trial=True) == ("PASS", "Security Center Advanced Edition (trial)")
    # pay-as-you-go host protection is bound server by server: MANUAL; stopped for overdue payment: FAIL
    status, message = edition(version=1, post_pay_version=3)
    assert status == "MANUAL" and "pay-as-you-go host protection up to Enterprise Edition" in message
    status, message = edition(version=1, post_pay_version=3, post_pay_overdue=True)
    assert status == "FAIL" and "overdue payment" in message
    assert edition(version=3, post_pay_version=7)[0] == "PASS"  # the subscription itself is Enterprise
    assert edition(version=6)[0] == "FAIL"  # Anti-virus
    status, message = edition(version=8, highest_version=3)
    assert status == "MANUAL" and "Enterprise Edition" in message


def test_log_analysis_not_enabled_and_thresholds_from_config(cloud):
    load(cloud, scenario(log_analysis={"bought": True, "open": False},
                         fingerprint_hours={"scheduler_cron_period": 168}))
    findings = scan(cloud, checks=["securitycenter_log_analysis_enabled",
                                   "securitycenter_fingerprint_collection_enabled"],
                    config=AuditConfig(security_center_fingerprint_max_hours=168))
    assert [(f.check_id, f.status.value) for f in findings] == [
        ("securitycenter_fingerprint_collection_enabled", "PASS"), ("securitycenter_log_analysis_enabled", "FAIL")]
    assert "purchased but not enabled" in findings[1].message


def test_denied_api_gives_error_findings(cloud):
    data = scenario(assets=servers(), **good_settings())
    acct = data["accounts"][0]
    acct["ram"]["policies"] = [{"name": "NoSas", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Resource": "*",
         "Action": ["yundun-sas:DescribeCloudCenterInstances", "yundun-aegis:DescribeNoticeConfig"]}]}}]
    acct["ram"]["groups"][0]["policies"].append({"name": "NoSas", "type": "Custom"})
    load(cloud, data)
    findings = scan(cloud, families=FAMILY, ak=READER_AK, secret=READER_SECRET)
    denied = [f for f in findings if f.check_id in ("securitycenter_server_agent_installed",
                                                    "securitycenter_server_protected",
                                                    "securitycenter_server_os_patches_applied",
                                                    "securitycenter_notification_high_risk_enabled")]
    assert len(denied) == 4
    assert all(f.status.value == "ERROR" and "NoPermission" in f.message for f in denied)
    others = {f.check_id: f.status.value for f in findings if f not in denied}
    assert others == dict.fromkeys(SETTINGS_CHECKS, "PASS")


def test_server_inventory_is_paged_to_the_end(cloud, admin):
    assets = [{"instance_id": f"i-bulk{i:04d}", "region": "cn-hangzhou",
               "agent": "uninstalled" if i % 50 == 0 else "online"} for i in range(230)]
    assets += [{"instance_id": f"i-sh{i}", "region": "cn-shanghai"} for i in range(30)]
    load(cloud, scenario(assets=assets))
    findings = scan(cloud, checks=["securitycenter_server_agent_installed"])
    agent = by_resource(findings, "securitycenter_server_agent_installed")
    assert len(agent) == 230 and set(agent) == {a["instance_id"] for a in assets[:230]}
    assert sum(s == "FAIL" for s in agent.values()) == 5
    assert admin.calls()["sas:DescribeCloudCenterInstances"] == 3  # pages of 100


def test_writes_change_the_verdict_and_are_recorded(cloud, admin):
    """The events named in the check metadata are the ones the emulated writes record."""
    load(cloud, scenario(notices={"sas_healthcheck": 0}))
    [before] = [f for f in scan(cloud, checks=["securitycenter_notification_high_risk_enabled"])
                if f.resource_id == "sas_healthcheck"]
    assert before.status.value == "FAIL"
    sas = SasClient(pop_config(cloud))
    sas.modify_notice_config(sas_models.ModifyNoticeConfigRequest(project="sas_healthcheck", route=7, time_limit=0))
    sas.operate_suspicious_overall_config(sas_models.OperateSuspiciousOverallConfigRequest(
        type="webshell_cloud_breaking", config="off"))
    [after] = [f for f in scan(cloud, checks=["securitycenter_notification_high_risk_enabled"])
               if f.resource_id == "sas_healthcheck"]
    assert after.status.value == "PASS"
    [webshell] = scan(cloud, checks=["securitycenter_webshell_protection_enabled"])
    assert webshell.status.value == "FAIL"
    from aliaudit.checks.registry import all_checks

    triggers = {e for c in all_checks().values() if c.meta.family == "securitycenter" for e in c.meta.events}
    recorded = {e["eventName"] for e in admin.events(ACCOUNT) if e["serviceName"] == "Sas"}
    assert recorded == {"ModifyNoticeConfig", "OperateSuspiciousOverallConfig"} and recorded <= triggers


LEAK_CHECK = "securitycenter_access_key_leak_unhandled"


def leaks() -> list[dict[str, Any]]:
    return [
        {"id": 389357, "access_key_id": "LTAIleakedpending01", "user_type": "ram", "user_name": "ci-bot",
         "url": "https://github.com/acme/deploy/blob/main/settings.py"},
        {"id": 389358, "access_key_id": "LTAIleakedhandled01", "status": "dealed", "deal_type": "disable"},
    ] + [{"id": 400000 + i, "access_key_id": f"LTAIbulkleak{i:05d}", "status": "dealed", "deal_type": "manual"}
         for i in range(120)]  # more than one page of 100


def test_access_key_leaks_pending_fail_handled_pass_and_handling_is_recorded(cloud, admin):
    load(cloud, scenario(ak_leaks=leaks()))
    verdicts = by_resource(scan(cloud, checks=[LEAK_CHECK]), LEAK_CHECK)
    assert len(verdicts) == 122 and admin.calls()["sas:DescribeAccesskeyLeakList"] == 2
    assert verdicts["LTAIleakedpending01"] == "FAIL" and verdicts["LTAIleakedhandled01"] == "PASS"
    assert [k for k, v in verdicts.items() if v == "FAIL"] == ["LTAIleakedpending01"]
    [leak] = [f for f in scan(cloud, checks=[LEAK_CHECK]) if f.status.value == "FAIL"]
    assert "github.com/acme/deploy" in leak.message and leak.resource_name == "ci-bot"
    assert leak.severity.value == "critical"
    # the user marks the leak handled: the next scan passes it, and the write is an ActionTrail event
    SasClient(pop_config(cloud)).modify_access_key_leak_deal(sas_models.ModifyAccessKeyLeakDealRequest(
        id=389357, type="disable"))
    assert by_resource(scan(cloud, checks=[LEAK_CHECK]), LEAK_CHECK)["LTAIleakedpending01"] == "PASS"
    recorded = {e["eventName"] for e in admin.events(ACCOUNT) if e["serviceName"] == "Sas"}
    assert "ModifyAccessKeyLeakDeal" in recorded


def test_access_key_leak_list_denied_gives_an_error_finding(cloud):
    data = scenario(ak_leaks=leaks()[:2])
    acct = data["accounts"][0]
    acct["ram"]["policies"] = [{"name": "NoLeaks", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Resource": "*", "Action": ["yundun-aegis:DescribeAccesskeyLeakList"]}]}}]
    acct["ram"]["groups"][0]["policies"].append({"name": "NoLeaks", "type": "Custom"})
    load(cloud, data)
    findings = scan(cloud, checks=[LEAK_CHECK], ak=READER_AK, secret=READER_SECRET)
    assert findings and all(f.status.value == "ERROR" and "NoPermission" in f.message for f in findings)


def test_a_vulnerability_scan_on_for_some_servers_only_fails(cloud):
    """DescribeVulConfig's OverAllConfig ("enabled for all servers") off while the type's Config is on: CIS 8.7 asks
    for every server."""
    load(cloud, scenario(**{**good_settings(), "vul_overall": {"cve": "off"}}))
    (got,) = scan(cloud, checks=["securitycenter_vulnerability_scan_enabled"])
    assert got.status.value == "FAIL"
    assert got.message == "Linux software scan not enabled for all servers (OverAllConfig off)"


def test_exhausted_log_storage_fails_log_analysis(cloud):
    """CIS 2.9 step 4: the purchased log storage (DescribeLogstoreStorage Preserve, Used in GB) must not be exhausted;
    pay-as-you-go log analysis has no purchased capacity and is not asked."""
    settings = good_settings()
    settings["log_analysis"] = {**settings["log_analysis"], "preserve_gb": 100, "used_gb": 100}
    load(cloud, scenario(**settings))
    (got,) = scan(cloud, checks=["securitycenter_log_analysis_enabled"])
    assert got.status.value == "FAIL"
    assert got.message == ("log analysis is enabled, but the log storage is exhausted (100.0 GiB used of 100.0 GiB): "
                           "new logs are not kept")
    load(cloud, scenario(**{**good_settings(), "log_analysis": {"post_paid": True, "preserve_gb": 0}}))
    (got,) = scan(cloud, checks=["securitycenter_log_analysis_enabled"])
    assert got.status.value == "PASS"


def test_each_data_centre_holding_servers_has_its_own_log_analysis(cloud):
    """Security Center runs independent mainland and overseas centres, each keeping its own assets' logs: the
    overseas centre's log analysis is judged apart (region ap-southeast-1) when it holds servers of the audited
    regions, and not at all when it holds none."""
    settings = {**good_settings(), "assets": servers()}
    load(cloud, scenario(**settings))
    got = {f.region: f for f in scan(cloud, checks=["securitycenter_log_analysis_enabled"],
                                     regions=["cn-hangzhou", "ap-southeast-1"])}
    assert {r: f.status.value for r, f in got.items()} == {"global": "PASS", "ap-southeast-1": "FAIL"}
    assert "not purchased" in got["ap-southeast-1"].message and "ap-southeast-1" in got["ap-southeast-1"].message
    load(cloud, scenario(**{**settings, "log_analysis_overseas": {"bought": True, "open": True}}))
    got = {f.region: f for f in scan(cloud, checks=["securitycenter_log_analysis_enabled"],
                                     regions=["cn-hangzhou", "ap-southeast-1"])}
    assert {r: f.status.value for r, f in got.items()} == {"global": "PASS", "ap-southeast-1": "PASS"}
    # no server in the overseas centre: nothing of it is judged
    load(cloud, scenario(**{**settings, "assets": [s for s in servers() if s["region"].startswith("cn-")]}))
    got = {f.region: f for f in scan(cloud, checks=["securitycenter_log_analysis_enabled"],
                                     regions=["cn-hangzhou", "ap-southeast-1"])}
    assert set(got) == {"global"}
