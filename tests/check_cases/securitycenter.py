"""Security Center cases. Values from tests/fixtures/wire/sas: ClientStatus online | offline | pause, ClientSubStatus
online | offline | pause | uninstalled | stopped, Status Running | notRunning, VendorName ALIYUN; Version 1 | 3 | 5 |
6 | 7 | 8 | 10, IsTrialVersion; NoticeConfigList Project sas_suspicious with Route 7; DescribeVulConfig Type cve,
Config "90", OverAllConfig on; ConcernNecessity asap | later | nntf; DescribePropertyScheduleConfig Config "3";
OverallConfig Type auto_breaking | webshell_cloud_breaking, Config on | off; LogMetaList aegis-log-login (host,
enabled)."""

from __future__ import annotations

from typing import Any

from aliaudit.collectors.securitycenter import FINGERPRINT_TYPES, AkLeak, Edition, LogAnalysis, LogType, Server, VulScan
from aliaudit.config import SAS_HIGH_RISK_NOTICES
from aliaudit.log_volume import LogVolume
from tests.check_cases import Case
from tests.check_inputs import ACCOUNT

IID = "i-bp67acfmxazb4p****"


def server(iid: str = IID, **kw: Any) -> Server:
    base: dict[str, Any] = {"instance_id": iid, "name": "yztest-l***", "uuid": "inet-1234", "region": "cn-hangzhou",
                            "vendor": "ALIYUN", "vendor_id": 0, "os": "linux", "running": True,
                            "client_status": "online", "client_sub_status": "online", "edition": 3, "vulns": {}}
    base.update(kw)
    return Server(**base)


def servers(*s: Server) -> dict[str, Any]:
    return {"securitycenter.servers": list(s)}


def edition(**kw: Any) -> dict[str, Any]:
    return {"securitycenter.edition": Edition(**{"version": 3, **kw})}


def vul(config: dict[str, str], levels: list[str], overall: dict[str, str] | None = None) -> dict[str, Any]:
    """Types' Config and levels; OverAllConfig on for every type unless `overall` says otherwise."""
    return {"securitycenter.vul_scan": VulScan(config=config, levels=levels,
                                               overall={**dict.fromkeys(config, "on"), **(overall or {})})}


ALL_ON = {"cve": "on", "sys": "on", "cms": "on", "app": "on", "emg": "on"}
LOGIN = LogType(logstore="aegis-log-login", category="host", description="Login", enabled=True)
DEFENSE_ON = {"auto_breaking": "on", "webshell_cloud_breaking": "on"}
_G = "global"

CASES: list[Case] = [
    Case("securitycenter_server_protected", "online; paused; uninstalled; offline while running; stopped server; an "
         "IDC server counts (CIS 8.2: Unprotected Assets)",
         servers(server(), server("i-pause", client_status="pause", client_sub_status="pause"),
                 server("i-none", client_status="offline", client_sub_status="uninstalled"),
                 server("i-off", client_status="offline", client_sub_status="offline"),
                 server("i-stop", running=False, client_status="offline", client_sub_status="stopped"),
                 server("idc-1", vendor="IDC", vendor_id=2, client_status="offline", client_sub_status="uninstalled")),
         {IID: "PASS", "i-pause": "FAIL", "i-none": "FAIL", "i-off": "FAIL", "i-stop": "PASS", "idc-1": "FAIL"}),
    # CIS 4.6 as its audit reads: every ECS instance has the agent installed, whatever it is doing
    Case("securitycenter_server_agent_installed", "online, paused and offline agents are installed; uninstalled fails; "
         "an IDC server is not an ECS instance",
         servers(server(), server("i-pause", client_status="pause", client_sub_status="pause"),
                 server("i-none", client_status="offline", client_sub_status="uninstalled"),
                 server("i-off", client_status="offline", client_sub_status="offline"),
                 server("idc-1", vendor="IDC", vendor_id=2, client_status="offline", client_sub_status="uninstalled")),
         {IID: "PASS", "i-pause": "PASS", "i-none": "FAIL", "i-off": "PASS"}),
    Case("securitycenter_server_agent_installed", "Vendor 0 named IDC (the documented sample) and a Vendor not "
         "answered are judged; no agent state answered is ERROR",
         servers(server(vendor="IDC"), server("i-novendor", vendor="", vendor_id=None, client_sub_status="uninstalled"),
                 server("i-blank", client_status="", client_sub_status="")),
         {IID: "PASS", "i-novendor": "FAIL", "i-blank": "ERROR"}),
    Case("securitycenter_server_os_patches_applied", "no vulnerability passes; cve, sys and a CMS one fail (CIS 4.5: "
         "all vulnerabilities fixed); no agent is MANUAL",
         servers(server(vulns={}), server("i-cms", vulns={"cms": 2}), server("i-cve", vulns={"cve": 2}),
                 server("i-sys", vulns={"sys": 1}), server("i-none", client_sub_status="uninstalled", vulns=None)),
         {IID: "PASS", "i-cms": "FAIL", "i-cve": "FAIL", "i-sys": "FAIL", "i-none": "MANUAL"}),
    Case("securitycenter_server_os_patches_applied", "a RiskCount that is not an object of counts is ERROR",
         servers(server("i-odd", vulns=None, vulns_unreadable=True)), {"i-odd": "ERROR"}),
    Case("securitycenter_edition_advanced_or_higher", "documented Version 3 (Enterprise)", edition(),
         {ACCOUNT: "PASS"}, region=_G),
    # pay-as-you-go host protection is bound server by server (PostPayHostVersion: "the highest protection edition
    # for bound assets"): the documented sample's Version 3 with MergedVersion 7 passes on its subscription; a Free
    # subscription raised by pay-as-you-go is MANUAL, and FAIL once pay-as-you-go stopped for overdue payment
    Case("securitycenter_edition_advanced_or_higher", "Version 1 (Free) with documented MergedVersion 7 and "
         "PostPayHostVersion 7: MANUAL; the same stopped for overdue payment (PostPayStatus 2): FAIL",
         edition(version=1, merged=7, post_pay=True, post_pay_version=7, post_pay_status=1), {ACCOUNT: "MANUAL"},
         region=_G),
    Case("securitycenter_edition_advanced_or_higher", "pay-as-you-go stopped for overdue payment",
         edition(version=1, merged=7, post_pay=True, post_pay_version=7, post_pay_status=2), {ACCOUNT: "FAIL"},
         region=_G),
    Case("securitycenter_edition_advanced_or_higher", "Version 1 with MergedVersion 5 and no pay-as-you-go fields",
         edition(version=1, merged=5), {ACCOUNT: "MANUAL"}, region=_G),
    Case("securitycenter_edition_advanced_or_higher", "Version 1 (Free)", edition(version=1), {ACCOUNT: "FAIL"},
         region=_G),
    Case("securitycenter_edition_advanced_or_higher", "Version 6 (Anti-virus)", edition(version=6),
         {ACCOUNT: "FAIL"}, region=_G),
    Case("securitycenter_edition_advanced_or_higher", "Version 8 (multi-edition) is MANUAL",
         edition(version=8, highest=7), {ACCOUNT: "MANUAL"}, region=_G),
    Case("securitycenter_edition_advanced_or_higher", "Version 8 with a MergedVersion (documented 1/3/5/6/7 only: "
                                                      "it names one edition) is still MANUAL",
         edition(version=8, merged=7, highest=7), {ACCOUNT: "MANUAL"}, region=_G),
    Case("securitycenter_notification_high_risk_enabled", "documented sample: only sas_suspicious (Route 7)",
         {"securitycenter.notices": {"sas_suspicious": 7}},
         {n: "PASS" if n == "sas_suspicious" else "FAIL" for n in SAS_HIGH_RISK_NOTICES}, region=_G),
    Case("securitycenter_notification_high_risk_enabled", "Route 0 is disabled",
         {"securitycenter.notices": {**dict.fromkeys(SAS_HIGH_RISK_NOTICES, 1), "yundun_security_Weekreport": 0}},
         {n: "FAIL" if n == "yundun_security_Weekreport" else "PASS" for n in SAS_HIGH_RISK_NOTICES}, region=_G),
    # the review's defect: sas_vulnerability, the vulnerability item the check asked for, is absent from the items
    # ModifyNoticeConfig documents today (yundun_security_Weekreport); either name is read, the current one first
    Case("securitycenter_notification_high_risk_enabled", "the vulnerability item answered under its older name only",
         {"securitycenter.notices": {**dict.fromkeys(SAS_HIGH_RISK_NOTICES[1:], 1), "sas_vulnerability": 3}},
         dict.fromkeys(SAS_HIGH_RISK_NOTICES, "PASS"), region=_G),
    Case("securitycenter_notification_high_risk_enabled", "the current name decides when both are answered",
         {"securitycenter.notices": {**dict.fromkeys(SAS_HIGH_RISK_NOTICES, 1), "sas_vulnerability": 0}},
         dict.fromkeys(SAS_HIGH_RISK_NOTICES, "PASS"), region=_G),
    Case("securitycenter_notification_high_risk_enabled", "neither name of the vulnerability item answered",
         {"securitycenter.notices": dict.fromkeys(SAS_HIGH_RISK_NOTICES[1:], 1)},
         {n: "FAIL" if n == "yundun_security_Weekreport" else "PASS" for n in SAS_HIGH_RISK_NOTICES}, region=_G),
    Case("securitycenter_vulnerability_scan_enabled", "all types on, asap and later scanned",
         vul(ALL_ON, ["asap", "later"]), {ACCOUNT: "PASS"}, region=_G),
    Case("securitycenter_vulnerability_scan_enabled", "documented ConcernNecessity [asap] only: medium not scanned",
         vul(ALL_ON, ["asap"]), {ACCOUNT: "FAIL"}, region=_G),
    Case("securitycenter_vulnerability_scan_enabled", "emg off", vul({**ALL_ON, "emg": "off"}, ["asap", "later"]),
         {ACCOUNT: "FAIL"}, region=_G),
    Case("securitycenter_vulnerability_scan_enabled", "application vulnerabilities off (CIS 8.7: every type)",
         vul({**ALL_ON, "app": "off"}, ["asap", "later"]), {ACCOUNT: "FAIL"}, region=_G),
    # the documented sample's cve row has Config "90" (OverAllConfig "on"); the check reads Config: not "on"
    Case("securitycenter_vulnerability_scan_enabled", "documented cve Config 90 (OverAllConfig on)",
         vul({**ALL_ON, "cve": "90"}, ["asap", "later"]), {ACCOUNT: "FAIL"}, region=_G),
    # the review's defect: OverAllConfig, "enabled for all servers" (the global switch), was not read; CIS 8.7's title
    # asks for every server
    Case("securitycenter_vulnerability_scan_enabled", "cve on for some servers only (OverAllConfig off)",
         vul(ALL_ON, ["asap", "later"], {"cve": "off"}), {ACCOUNT: "FAIL"}, region=_G),
    Case("securitycenter_vulnerability_scan_enabled", "OverAllConfig not answered for a type that is on",
         vul(ALL_ON, ["asap", "later"], {"sys": ""}), {ACCOUNT: "ERROR"}, region=_G),
    Case("securitycenter_fingerprint_collection_enabled", "documented Config 3 (hours) for every type",
         {"securitycenter.fingerprints": dict.fromkeys(FINGERPRINT_TYPES, 3)}, {ACCOUNT: "PASS"}, region=_G),
    Case("securitycenter_fingerprint_collection_enabled", "one type not collected, one every 48 h",
         {"securitycenter.fingerprints": {**dict.fromkeys(FINGERPRINT_TYPES, 3), "scheduler_port_period": 0,
                                          "scheduler_lkm_period": 48}},
         {ACCOUNT: "FAIL"}, region=_G),
    Case("securitycenter_antivirus_quarantine_enabled", "auto_breaking on",
         {"securitycenter.defense": DEFENSE_ON}, {ACCOUNT: "PASS"}, region=_G),
    Case("securitycenter_antivirus_quarantine_enabled", "auto_breaking off",
         {"securitycenter.defense": {**DEFENSE_ON, "auto_breaking": "off"}}, {ACCOUNT: "FAIL"}, region=_G),
    Case("securitycenter_webshell_protection_enabled", "webshell_cloud_breaking on",
         {"securitycenter.defense": DEFENSE_ON}, {ACCOUNT: "PASS"}, region=_G),
    Case("securitycenter_webshell_protection_enabled", "not configured",
         {"securitycenter.defense": {"auto_breaking": "on"}}, {ACCOUNT: "FAIL"}, region=_G),
    Case("securitycenter_config_assessment_authorized", "AliyunServiceRoleForSasCspm exists (RoleStatus true)",
         {"securitycenter.linked_roles": {"AliyunServiceRoleForSas": True, "AliyunServiceRoleForSasCspm": True}},
         {ACCOUNT: "PASS"}, region=_G),
    Case("securitycenter_config_assessment_authorized", "only AliyunServiceRoleForSas",
         {"securitycenter.linked_roles": {"AliyunServiceRoleForSas": True, "AliyunServiceRoleForSasCspm": False}},
         {ACCOUNT: "FAIL"}, region=_G),
    Case("securitycenter_log_analysis_enabled", "documented: bought, open, aegis-log-login enabled",
         {"securitycenter.log_analysis": LogAnalysis(bought=True, open=True, authorized=True, logs=[LOGIN])},
         {ACCOUNT: "PASS"}, region=_G),
    Case("securitycenter_log_analysis_enabled", "not purchased",
         {"securitycenter.log_analysis": LogAnalysis(bought=False, open=False, authorized=False)},
         {ACCOUNT: "FAIL"}, region=_G),
    Case("securitycenter_log_analysis_enabled", "activated pay-as-you-go (PostPaidOpenStatus yes, BuyStatus and "
         "OpenStatus no), aegis-log-login enabled",
         {"securitycenter.log_analysis": LogAnalysis(bought=False, open=False, authorized=True, post_paid=True,
                                                     logs=[LOGIN])},
         {ACCOUNT: "PASS"}, region=_G),
    Case("securitycenter_log_analysis_enabled", "one log type disabled",
         {"securitycenter.log_analysis": LogAnalysis(bought=True, open=True, authorized=True, logs=[
             LOGIN, LogType(logstore="aegis-log-network", category="host", enabled=False)])},
         {ACCOUNT: "FAIL"}, region=_G),
    Case("securitycenter_log_analysis_enabled", "open but no log type delivered",
         {"securitycenter.log_analysis": LogAnalysis(bought=True, open=True, authorized=True)},
         {ACCOUNT: "FAIL"}, region=_G),
    # CIS 2.9 step 4, "Ensure the log volume usage indicator is not exhausted": DescribeLogstoreStorage (sample:
    # Preserve 12240 GB, Used 335 GB)
    Case("securitycenter_log_analysis_enabled", "the sample's storage (335 of 12240 GB) passes",
         {"securitycenter.log_analysis": LogAnalysis(bought=True, open=True, authorized=True, logs=[LOGIN],
                                                     volume=LogVolume(quota=12240 << 30, used=335 << 30))},
         {ACCOUNT: "PASS"}, region=_G),
    Case("securitycenter_log_analysis_enabled", "purchased storage exhausted",
         {"securitycenter.log_analysis": LogAnalysis(bought=True, open=True, authorized=True, logs=[LOGIN],
                                                     volume=LogVolume(quota=100 << 30, used=100 << 30))},
         {ACCOUNT: "FAIL"}, region=_G),
    Case("securitycenter_log_analysis_enabled", "purchased storage unreadable",
         {"securitycenter.log_analysis": LogAnalysis(bought=True, open=True, authorized=True, logs=[LOGIN],
                                                     volume=LogVolume(error="NoPermission: denied"))},
         {ACCOUNT: "ERROR"}, region=_G),
    # DescribeAccesskeyLeakList's documented sample: Id 389357, AccesskeyId yourAccessKeyID, Status pending, UserType
    # master, AliUserName testAccountName, DealType pending, GmtModified 1612357897000
    Case("securitycenter_access_key_leak_unhandled", "documented sample (pending) fails; a handled leak passes",
         {"securitycenter.ak_leaks": [
             AkLeak(id=389357, access_key_id="yourAccessKeyID", status="pending", deal_type="pending",
                    user_type="master", user_name="testAccountName",
                    url="https://github.com/hht312/test-ak/blob/0e466d2ecce55b4c924d773a058e5dc602d8****/1001",
                    detected_ms=1612357897000),
             AkLeak(id=389358, access_key_id="LTAIhandled", status="dealed", deal_type="disable", user_type="ram")]},
         {"yourAccessKeyID": "FAIL", "LTAIhandled": "PASS"}),
    Case("securitycenter_access_key_leak_unhandled", "one handled and one pending record of the same key: FAIL",
         {"securitycenter.ak_leaks": [AkLeak(id=1, access_key_id="LTAItwice", status="dealed", deal_type="manual"),
                                      AkLeak(id=2, access_key_id="LTAItwice", status="pending")]},
         {"LTAItwice": "FAIL"}),
    Case("securitycenter_access_key_leak_unhandled", "no leak record: no result", {"securitycenter.ak_leaks": []},
         {}),
]
