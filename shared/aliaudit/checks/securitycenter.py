"""Security Center (SAS) checks: agent coverage and OS patches of servers (CIS 4.5, 4.6, 8.2), the edition
(8.1), proactive defence (8.3, 8.4), notifications (8.5), configuration-assessment authorization (8.6),
vulnerability scan (8.7), asset fingerprints (8.8) and log analysis (2.9)."""

from __future__ import annotations

from collections.abc import Iterator

from .. import log_volume
from ..collectors.securitycenter import (
    AK_LEAKS,
    DEFENSE,
    EDITION,
    FINGERPRINT_TYPES,
    FINGERPRINTS,
    LINKED_ROLES,
    LOG_ANALYSIS,
    NOTICES,
    SERVERS,
    VUL_SCAN,
    AkLeak,
    Edition,
    LogAnalysis,
    Server,
    VulScan,
)
from ..findings import Result, Status
from ..sas_vulns import RISK_COUNTED, VUL_TYPES
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL
EDITIONS = {1: "Free Edition", 3: "Enterprise Edition", 5: "Advanced Edition", 6: "Anti-virus Edition",
            7: "Ultimate Edition", 8: "Multi-edition", 10: "Value-added services only"}
ADVANCED_OR_HIGHER = {3, 5, 7}  # Ultimate includes every Enterprise feature
MULTI_EDITION = 8
POST_PAY_OVERDUE = 2  # DescribeVersionConfig PostPayStatus: 1 normal, 2 stopped due to overdue payment
LEVELS = {"asap": "high", "later": "medium", "nntf": "low"}
CONSOLE = "Security Center console"


def _server(s: Server, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=s.instance_id, resource_name=s.name, resource_type="ecs:instance",
                  region=s.region, message=message, details={"uuid": s.uuid, "vendor": s.vendor})


def _account(inp: Inputs, status: Status, message: str, kind: str) -> Result:
    return Result(status=status, resource_id=inp.account_id, resource_type=f"sas:{kind}", message=message)


# --- servers (regional) ---------------------------------------------------------------------------

_AGENT_EVENTS = ["AddUninstallClientsByUuids", "PauseClient", "RunInstances", "CreateInstance", "StartInstance"]
_AGENT_CONSOLE = (f"{CONSOLE} > Assets > Host: filter on agent status 'Offline' or 'Not installed', then Install "
                  "Agent (one-click for ECS) or resume protection for paused agents.")
_AGENT_CLI = ("aliyun sas DescribeCloudCenterInstances --Criteria '[{\"name\":\"clientStatus\",\"value\":\"offline\"}]'"
              "; aliyun sas AddInstallCode (then run the install command it returns on the server)")
ALIBABA_CLOUD = 0  # DescribeCloudCenterInstances Vendor of Alibaba Cloud assets (the SDK model; its VendorName varies)


@check(id="securitycenter_server_agent_installed", severity="high",
       title="Ensure that the endpoint protection for all Virtual Machines is installed",
       risk="A server without the agent gets no intrusion detection, virus blocking or vulnerability scanning: "
            "compromises there go unseen.",
       console=_AGENT_CONSOLE, cli=_AGENT_CLI, cis=["4.6"], events=_AGENT_EVENTS, needs=[SERVERS],
       evaluates="DescribeCloudCenterInstances (every server of the region, agent or not), its Alibaba Cloud ones "
                 "(Vendor 0, or not answered) as the 4.6 audit reads them: FAIL when ClientSubStatus is uninstalled, "
                 "PASS when the agent is installed, whatever it is doing; ERROR when neither ClientStatus nor "
                 "ClientSubStatus was answered. Whether it protects (online, not paused), and servers of other "
                 "vendors, are securitycenter_server_protected (CIS 8.2).",
       cis_audit="Security Center console > Overview: ensure all ECS are installed with Security Center agent.")
def agent_installed(inp: Inputs) -> Iterator[Result]:
    for s in inp[SERVERS]:
        if s.vendor_id not in (ALIBABA_CLOUD, None):
            continue
        if s.client_sub_status == "uninstalled":
            yield _server(s, FAIL, "the Security Center agent is not installed")
        elif not (s.client_status or s.client_sub_status):
            yield _server(s, ERROR, "DescribeCloudCenterInstances answered neither ClientStatus nor ClientSubStatus: "
                                    "whether the agent is installed is unknown")
        else:
            yield _server(s, PASS, f"the Security Center agent is installed ({s.client_status or s.client_sub_status})")


@check(id="securitycenter_server_protected", severity="high",
       title="Ensure that all assets are installed with security agent",
       risk="A server without a running agent gets no intrusion detection, virus blocking or vulnerability "
            "scanning: compromises there go unseen.",
       console=_AGENT_CONSOLE, cli=_AGENT_CLI, cis=["8.2"], events=_AGENT_EVENTS, needs=[SERVERS],
       evaluates="DescribeCloudCenterInstances (every server of the region, agent or not, of any vendor), as the "
                 "console's Unprotected Assets count: FAIL when ClientSubStatus is uninstalled, when ClientStatus is "
                 "pause (protection paused), or when a running server's agent is offline or in any other state; PASS "
                 "when ClientStatus is online, or the server is stopped (or its agent stopped) with the agent "
                 "installed.",
       cis_audit="Security Center console > Overview: ensure Unprotected Assets is 0.")
def server_protected(inp: Inputs) -> Iterator[Result]:
    # Security Center lists every ECS instance of the account, agent or not, so its inventory alone
    # tells the unprotected ones (no ECS listing needed).
    for s in inp[SERVERS]:
        if s.client_sub_status == "uninstalled":
            yield _server(s, FAIL, "the Security Center agent is not installed")
        elif s.client_status == "pause":
            yield _server(s, FAIL, "the Security Center agent is installed but protection is paused")
        elif s.client_status == "online":
            yield _server(s, PASS, "the Security Center agent is online")
        elif not s.running or s.client_sub_status == "stopped":
            yield _server(s, PASS, "the Security Center agent is installed (the server is stopped)")
        else:
            yield _server(s, FAIL, f"the server is running but its Security Center agent is "
                                   f"{s.client_status or 'in an unknown state'}")


@check(id="securitycenter_server_os_patches_applied", severity="high",
       title="Ensure that the latest OS patches for all virtual machines are applied",
       risk="Known operating-system vulnerabilities are the easiest way into a server; unpatched ones stay "
            "exploitable.",
       console=f"{CONSOLE} > Risk Governance > Vulnerabilities: every type (Linux software, Windows system, "
               "Web-CMS, application, urgent, software component analysis), fix them (Fix / Generate Fix Command) "
               "and verify.",
       cli="aliyun sas DescribeVulList --Type cve --Dealed n; aliyun sas DescribeVulList --Type sys --Dealed n; "
           "aliyun sas ModifyOperateVul --Type cve --OperateType vul_fix --Info '<vul list>'",
       cis=["4.5"], events=["ModifyOperateVul"], needs=[SERVERS],
       evaluates="DescribeCloudCenterInstances RiskCount per server: FAIL when it counts unfixed vulnerabilities of "
                 "any type (Linux software cve, Windows system sys, Web-CMS cms, urgent emg, application app, "
                 "software component analysis sca: the "
                 "audit asks that 'all vulnerabilities are fixed'), naming the counts; PASS when all are 0; MANUAL "
                 "when the agent is not installed or there is no vulnerability data; ERROR when RiskCount is "
                 "given but is not a JSON object of counts.",
       cis_audit="Security Center console > Vulnerabilities: ensure all vulnerabilities are fixed.")
def os_patches(inp: Inputs) -> Iterator[Result]:
    for s in inp[SERVERS]:
        if s.vulns_unreadable:
            yield _server(s, ERROR, "the asset's vulnerability counts (RiskCount) are not a JSON object of counts")
            continue
        if s.client_sub_status == "uninstalled" or s.vulns is None:
            yield _server(s, MANUAL, "no vulnerability data (the agent is not installed): check the OS patch "
                                     "level on the server (yum/apt updates, Windows Update) and install the agent")
            continue
        unfixed = {k: s.vulns.get(k, 0) for k in RISK_COUNTED if s.vulns.get(k, 0)}
        if unfixed:
            counts = ", ".join(f"{n} {RISK_COUNTED[k]}" for k, n in unfixed.items())
            yield _server(s, FAIL, f"unfixed vulnerabilities: {counts}")
        else:
            yield _server(s, PASS, "no unfixed vulnerabilities")


# --- account settings (global) --------------------------------------------------------------------

@check(id="securitycenter_edition_advanced_or_higher", severity="medium",
       title="Ensure that Security Center is Advanced or Enterprise Edition",
       risk="The Free and Anti-virus editions lack vulnerability fixing, baseline checks, proactive defence and "
            "most detection rules CIS relies on.",
       console=f"{CONSOLE} > Overview: Upgrade the subscription to Advanced, Enterprise or Ultimate Edition (with "
               "pay-as-you-go host protection, bind every server to one of those editions in Assets > Host).",
       cli="aliyun sas DescribeVersionConfig  (Version 3, 5 or 7 expected)",
       cis=["8.1"], needs=[EDITION],
       evaluates="DescribeVersionConfig: PASS when the subscription (Version) is Enterprise (3), Advanced (5) or "
                 "Ultimate (7), trial or not; MANUAL for a multi-edition purchase (Version 8, whatever MergedVersion "
                 "says), and when only pay-as-you-go host protection (IsPostpay, PostPayHostVersion, the MergedVersion "
                 "it raises) reaches Advanced or higher: both are bound server by server, so each server's binding "
                 "must be checked; FAIL for Free (1), Anti-virus (6), value-added services only (10) or any other "
                 "value, pay-as-you-go stopped for overdue payment (PostPayStatus 2) or below Advanced included.",
       cis_audit="Security Center console > Overview: ensure Current Edition is Advanced or Enterprise Edition.")
def edition(inp: Inputs) -> Iterator[Result]:
    e: Edition = inp[EDITION]
    trial = " (trial)" if e.trial else ""
    # pay-as-you-go host protection (MergedVersion: "the higher protection edition between the subscription and
    # pay-as-you-go services") is bound per server, up to PostPayHostVersion: an account-wide edition only when the
    # subscription itself is one
    stopped = e.post_pay_status == POST_PAY_OVERDUE
    post_pay = None if stopped else (e.post_pay_version if e.post_pay and e.post_pay_version else
                                     e.merged if e.merged and e.merged != e.version else None)
    name = EDITIONS.get(e.version, f"edition {e.version}")
    # multi-edition is documented for Version only: MergedVersion lists 1, 3, 5, 6 and 7, so with Version 8 it
    # names one edition while servers may still be bound to Free or Anti-virus
    if MULTI_EDITION in (e.version, e.merged):
        highest = EDITIONS.get(e.highest or 0, "unknown")
        yield _account(inp, MANUAL, f"multi-edition purchase (highest: {highest}): check in Assets > Host that "
                                    "every server is bound to Advanced, Enterprise or Ultimate", "edition")
    elif e.version in ADVANCED_OR_HIGHER:
        yield _account(inp, PASS, f"Security Center {name}{trial}", "edition")
    elif post_pay in ADVANCED_OR_HIGHER:
        yield _account(inp, MANUAL, f"subscription {name}{trial}, with pay-as-you-go host protection up to "
                                    f"{EDITIONS.get(post_pay, post_pay)}: it is bound server by server; check in Assets"
                                    " > Host that every server is bound to Advanced, Enterprise or Ultimate", "edition")
    else:
        why = "; pay-as-you-go protection is stopped for overdue payment (PostPayStatus 2)" if stopped else ""
        yield _account(inp, FAIL, f"Security Center {name}{trial}{why}: Advanced or higher is required", "edition")


# The vulnerability notification item under its two documented names: DescribeNoticeConfig's Project lists both
# yundun_security_Weekreport and sas_vulnerability as "notification for vulnerabilities", ModifyNoticeConfig only the
# first (zh_cn sas 2018-12-03 api-docs.json); CloudSploit maps yundun_security_Weekreport to Vulnerabilities. An
# item the account does not answer is read under its other name.
NOTICE_ALIASES = {"yundun_security_Weekreport": "sas_vulnerability", "sas_vulnerability": "yundun_security_Weekreport"}


@check(id="securitycenter_notification_high_risk_enabled", severity="medium",
       title="Ensure that notification is enabled on all high risk items",
       risk="Without notifications, vulnerabilities, alerts and leaked AccessKeys wait for someone to open the "
            "console.",
       console=f"{CONSOLE} > System Settings > Notification Settings: enable a notification method for every "
               "vulnerability, baseline, alert, AccessKey leak and configuration assessment item.",
       cli="aliyun sas ModifyNoticeConfig --Project <item> --Route 7 --TimeLimit 0",
       cis=["8.5"], events=["ModifyNoticeConfig"], needs=[NOTICES],
       evaluates="DescribeNoticeConfig: one result per item of security_center_notices (by default "
                 "yundun_security_Weekreport (vulnerabilities), yundun_sas_vul_Emergency, sas_healthcheck, "
                 "sas_suspicious, yundun_sas_ak_leakage, yundun_sas_config_alert): PASS when its Route is non-zero, "
                 "FAIL when it is 0 or the item is not returned; the vulnerability item not returned is read under "
                 "its older name sas_vulnerability.",
       cis_audit="Security Center console > Settings > Notification: review notification settings and ensure all "
                 "high-risk items are enabled.")
def notifications(inp: Inputs) -> Iterator[Result]:
    routes: dict[str, int] = inp[NOTICES]
    for item in inp.config.security_center_notices:
        read = item if item in routes else NOTICE_ALIASES.get(item, item)
        route = routes.get(read)
        named = "" if read == item else f" ({read}, the item's other name)"
        if route is None:
            status, message = FAIL, "no notification setting exists for this item"
        elif route == 0:
            status, message = FAIL, f"notification is disabled{named}"
        else:
            status, message = PASS, f"notification enabled (route {route}){named}"
        yield Result(status=status, resource_id=item, resource_type="sas:notice", message=message)


@check(id="securitycenter_vulnerability_scan_enabled", severity="high",
       title="Ensure that scheduled vulnerability scan is enabled on all servers",
       risk="Disabled vulnerability types or levels are never detected, so they are never fixed.",
       console=f"{CONSOLE} > Risk Governance > Vulnerabilities > Vulnerability Management Settings: enable "
               "every vulnerability type and the high and medium scan levels.",
       cli="aliyun sas ModifyVulConfig --Type cve --Config on  (also sys, cms, app, emg); "
           "aliyun sas ModifyConcernNecessity --ConcernNecessity asap,later,nntf",
       cis=["8.7"], events=["ModifyVulConfig", "ModifyConcernNecessity"], needs=[VUL_SCAN],
       evaluates="DescribeVulConfig and DescribeConcernNecessity: PASS when every type in security_center_vul_types "
                 "(cve, sys, cms, app, emg: every vulnerability type) has Config on and OverAllConfig on (enabled "
                 "for all servers) and every level in security_center_vul_levels (asap and later, i.e. high and "
                 "medium) is scanned; FAIL naming the types off, the types on for some servers only (OverAllConfig "
                 "off) and the levels missing; ERROR when a type is on and OverAllConfig is not answered.",
       cis_audit="Security Center console > Vulnerabilities > Settings: ensure that all type of vulnerabilities is "
                 "enabled and that High and Medium vulnerabilities scan level are enabled.")
def vulnerability_scan(inp: Inputs) -> Iterator[Result]:
    v: VulScan = inp[VUL_SCAN]
    types = inp.config.security_center_vul_types
    off = [t for t in types if v.config.get(t) != "on"]
    # on, but not for every server (OverAllConfig off: the CIS title asks for every server)
    partial = [t for t in types if t not in off and v.overall.get(t, "").lower() == "off"]
    unknown = [t for t in types if t not in off and v.overall.get(t, "").lower() not in ("on", "off")]
    missing = [lv for lv in inp.config.security_center_vul_levels if lv not in v.levels]

    def named(kinds: list[str]) -> str:
        return ", ".join(VUL_TYPES.get(t, t) for t in kinds)

    problems = ([f"scan off for {named(off)} vulnerabilities"] if off else []) + \
        ([f"{named(partial)} scan not enabled for all servers (OverAllConfig off)"] if partial else []) + \
        ([f"levels not scanned: {', '.join(LEVELS.get(lv, lv) for lv in missing)}"] if missing else [])
    if problems:
        yield _account(inp, FAIL, "; ".join(problems), "vul-config")
    elif unknown:
        yield _account(inp, ERROR, f"DescribeVulConfig did not say whether the {named(unknown)} scan covers all "
                                   "servers (OverAllConfig)", "vul-config")
    else:
        yield _account(inp, PASS, "every required vulnerability type and level is scanned on all servers",
                       "vul-config")


@check(id="securitycenter_fingerprint_collection_enabled", severity="low",
       title="Ensure that Asset Fingerprint automatically collects asset fingerprint data",
       risk="Without fresh fingerprints (ports, processes, accounts, software...), unexpected changes on servers "
            "and exposure to new vulnerabilities are not visible.",
       console=f"{CONSOLE} > System Settings > Feature Settings > Asset Fingerprints: set every collection "
               "frequency to once a day or more often.",
       cli="aliyun sas ModifyPropertyScheduleConfig --Type scheduler_port_period --ScheduleTime 24  (each type)",
       cis=["8.8"], events=["ModifyPropertyScheduleConfig"], needs=[FINGERPRINTS],
       evaluates="DescribePropertyScheduleConfig for each fingerprint type (ports, processes, accounts, software, "
                 "scheduled tasks, middleware and the others listed): FAIL when a type is not collected (0 hours or "
                 "less) or collected less often than every security_center_fingerprint_max_hours (24), PASS when all "
                 "are at most that.",
       cis_audit="Security Center console > Investigation > Asset Fingerprints > Settings: ensure the Refresh "
                 "Frequencies are all set to Collected once a day.")
def fingerprints(inp: Inputs) -> Iterator[Result]:
    hours: dict[str, int] = inp[FINGERPRINTS]
    limit = inp.config.security_center_fingerprint_max_hours
    off = [FINGERPRINT_TYPES[t] for t, h in hours.items() if h <= 0]
    rare = [f"{FINGERPRINT_TYPES[t]} ({h} h)" for t, h in hours.items() if h > limit]
    problems = ([f"not collected: {', '.join(off)}"] if off else []) + \
        ([f"collected less often than every {limit} h: {', '.join(rare)}"] if rare else [])
    if problems:
        yield _account(inp, FAIL, "; ".join(problems), "fingerprint-config")
    else:
        yield _account(inp, PASS, f"all {len(hours)} fingerprint types are collected at least every {limit} h",
                       "fingerprint-config")


def _defense_check(inp: Inputs, kind: str, name: str) -> Iterator[Result]:
    state = inp[DEFENSE].get(kind, "")
    yield _account(inp, PASS if state == "on" else FAIL, f"{name} is {state or 'not configured'}", "defense")


@check(id="securitycenter_antivirus_quarantine_enabled", severity="medium",
       title="Ensure that Automatic Quarantine is enabled",
       risk="Without automatic blocking and quarantine, detected viruses and trojans keep running until someone "
            "handles the alert.",
       console=f"{CONSOLE} > Protection Configuration > Host Protection > Host Protection Settings > Proactive "
               "Defense: turn on Anti-virus (automatic blocking and quarantine of common viruses).",
       cli="aliyun sas OperateSuspiciousOverallConfig --Type auto_breaking --Config on",
       cis=["8.3"], events=["OperateSuspiciousOverallConfig"], needs=[DEFENSE],
       evaluates="DescribeSuspiciousOverallConfig auto_breaking (proactive defence, anti-virus automatic blocking and"
                 " quarantine): PASS when on, FAIL when off or not returned.",
       cis_audit="Security Center console > Settings > General: ensure Virus Blocking is enabled.")
def quarantine(inp: Inputs) -> Iterator[Result]:
    yield from _defense_check(inp, "auto_breaking", "anti-virus automatic blocking and quarantine")


@check(id="securitycenter_webshell_protection_enabled", severity="medium",
       title="Ensure that Webshell detection is enabled on all web servers",
       risk="A webshell gives an attacker persistent remote control of a web server through ordinary HTTP.",
       console=f"{CONSOLE} > Protection Configuration > Host Protection > Host Protection Settings > Proactive "
               "Defense: turn on Webshell Protection (it covers every server with an online agent).",
       cli="aliyun sas OperateSuspiciousOverallConfig --Type webshell_cloud_breaking --Config on",
       cis=["8.4"], events=["OperateSuspiciousOverallConfig"], needs=[DEFENSE],
       evaluates="DescribeSuspiciousOverallConfig webshell_cloud_breaking: PASS when on, FAIL when off or not "
                 "returned. The account-wide switch is read; which web servers it covers (the audit's 'all web "
                 "servers are included') is not checked per server.",
       cis_audit="Security Center console > Settings > General > Manage in Webshell Detection: ensure all web servers"
                 " are included.")
def webshell(inp: Inputs) -> Iterator[Result]:
    yield from _defense_check(inp, "webshell_cloud_breaking", "webshell protection")


@check(id="securitycenter_config_assessment_authorized", severity="low",
       title="Ensure that Config Assessment is granted with privilege",
       risk="Without the authorization, Security Center cannot assess cloud-service configurations, so "
            "misconfigurations go unreported.",
       console=f"{CONSOLE} > Risk Governance > Cloud Security Posture Management: click Authorize Now (creates "
               "the AliyunServiceRoleForSasCspm service-linked role).",
       cli="aliyun sas CreateServiceLinkedRole --ServiceLinkedRole AliyunServiceRoleForSasCspm",
       cis=["8.6"], events=["CreateServiceLinkedRole", "DeleteServiceLinkedRole"],
       needs=[LINKED_ROLES],
       evaluates="DescribeServiceLinkedRoleStatus for AliyunServiceRoleForSasCspm: PASS when its RoleStatus says "
                 "the role exists, FAIL when not (the message says whether AliyunServiceRoleForSas exists).",
       cis_audit="Security Center console > Config Assessment: ensure that the prompt of asking privilege is not "
                 "shown.")
def config_assessment(inp: Inputs) -> Iterator[Result]:
    roles: dict[str, bool] = inp[LINKED_ROLES]
    if roles.get("AliyunServiceRoleForSasCspm"):
        yield _account(inp, PASS, "the configuration-assessment service-linked role AliyunServiceRoleForSasCspm "
                                  "exists", "authorization")
    else:
        base = "exists" if roles.get("AliyunServiceRoleForSas") else "does not exist either"
        yield _account(inp, FAIL, "configuration assessment is not authorized: AliyunServiceRoleForSasCspm is "
                                  f"missing (AliyunServiceRoleForSas {base})", "authorization")


@check(id="securitycenter_log_analysis_enabled", severity="medium",
       title="Ensure Security Center Network, Host and Security log analysis is enabled",
       risk="Without log analysis, host, network and security logs are not kept, so incidents cannot be "
            "investigated after the fact.",
       console=f"{CONSOLE} > Risk Governance > Log Analysis (Log Management): activate log analysis and "
               "enable delivery of every host, network and security log type.",
       cli="aliyun sas DescribeLogMeta --From sas; aliyun sas ModifyLogMetaStatus --From sas --LogStore <store> "
           "--Status enabled",
       cis=["2.9"], events=["ModifyLogMetaStatus", "ModifyOpenLogShipper"], needs=[LOG_ANALYSIS],
       evaluates="DescribeLogShipperStatus and DescribeLogMeta (From sas): FAIL when log analysis is neither open "
                 "(OpenStatus) nor activated pay-as-you-go (PostPaidOpenStatus), when any log type's Status is not "
                 "enabled, or when no log type is listed; PASS when every listed host, network and security log type "
                 "is enabled and, for subscription log analysis, its purchased log storage is not exhausted "
                 "(DescribeLogstoreStorage: Used below Preserve; FAIL when exhausted, ERROR when unreadable; "
                 "pay-as-you-go log analysis has no purchased capacity). Read from the settings data centre "
                 "(security_center_region) and, as its own result (region: the centre), from the other data centre "
                 "when it holds servers of the audited regions (DescribeCloudCenterInstances TotalCount): each centre "
                 "analyses the logs of its own assets (mainland logs kept in China, others in Singapore).",
       cis_audit="Security Center console > Investigation > Log Analysis: ensure the switch for the specific log type"
                 " are turned on and the log volume usage indicator is not exhausted.")
def log_analysis(inp: Inputs) -> Iterator[Result]:
    la: LogAnalysis = inp[LOG_ANALYSIS]
    yield _account(inp, *_log_analysis_verdict(la), "log-analysis")
    for other in la.elsewhere:  # the other data centre's own, where it holds assets (region: that centre)
        status, message = _log_analysis_verdict(other)
        yield Result(status=status, resource_id=inp.account_id, resource_type="sas:log-analysis", region=other.centre,
                     message=f"{message} (data centre {other.centre}, which holds servers of the audited regions)")


def _log_analysis_verdict(la: LogAnalysis) -> tuple[Status, str]:
    if la.error:
        return ERROR, f"could not read log analysis: {la.error}"
    if not (la.open or la.post_paid):
        return FAIL, f"log analysis is {'not purchased' if not la.bought else 'purchased but not enabled'}"
    off = [f"{x.logstore} ({x.category})" for x in la.logs if not x.enabled]
    if off:
        return FAIL, f"log delivery disabled for: {', '.join(off)}"
    if not la.logs:
        return FAIL, "log analysis is enabled but no log type is delivered"
    if (volume := log_volume.problem(la.volume)) is not None:
        return volume[0], f"log analysis is enabled, but {volume[1]}"
    cats = sorted({x.category for x in la.logs})
    how = "" if la.open else " (pay-as-you-go)"
    return PASS, (f"log analysis{how} enabled for all {len(la.logs)} log types ({', '.join(cats)})"
                  f"{log_volume.usage(la.volume)}")


# --- AccessKey leaks ------------------------------------------------------------------------------

@check(id="securitycenter_access_key_leak_unhandled", severity="critical",
       title="Ensure every AccessKey leak Security Center detected is handled",
       risk="An AccessKey published on GitHub or another public platform is usable by anyone who finds it: until "
            "the key is disabled and rotated, the account is open to whoever scraped it.",
       console=f"{CONSOLE} > Risk Governance > AccessKey Leak (Detection > AccessKey Leaks): disable and rotate "
               "the key in RAM, remove it from the published code, then mark the leak handled.",
       cli="aliyun ram UpdateAccessKey --UserName <user> --UserAccessKeyId <id> --Status Inactive; aliyun sas "
           "ModifyAccessKeyLeakDeal --Id <leak id> --Type disable",
       events=["ModifyAccessKeyLeakDeal", "UpdateAccessKey", "DeleteAccessKey"], needs=[AK_LEAKS],
       source="Security Center AccessKey leak detection "
              "(https://www.alibabacloud.com/help/en/security-center/user-guide/detect-accesskey-pair-leaks)",
       evaluates="DescribeAccesskeyLeakList (every record detected since 2015 (StartTs), all pages), grouped by "
                 "AccesskeyId: FAIL when any record "
                 "of the key has Status pending (unhandled), PASS when all its records are dealed (handled); no "
                 "leak record gives no result. A pending leak FAILS even when the key was since disabled or deleted "
                 "in RAM: Security Center still counts it unhandled, and only marking it handled closes it. Any other "
                 "Status value (undocumented) is treated as unhandled.")
def access_key_leak(inp: Inputs) -> Iterator[Result]:
    leaks: list[AkLeak] = inp[AK_LEAKS]
    by_key: dict[str, list[AkLeak]] = {}
    for leak in leaks:
        by_key.setdefault(leak.access_key_id or f"leak {leak.id}", []).append(leak)
    for key, records in by_key.items():
        pending = [r for r in records if r.status != "dealed"]
        owner = next((r.user_name for r in records if r.user_name), "")
        kind = {"master": "the Alibaba Cloud account", "ram": "a RAM user"}.get(records[0].user_type, "")
        if pending:
            where = ", ".join(sorted({r.url for r in pending if r.url})) or "an unnamed platform"
            yield Result(status=FAIL, resource_id=key, resource_type="securitycenter:access-key-leak",
                         resource_name=owner, message=f"AccessKey {key}" + (f" of {kind}" if kind else "")
                         + f" leaked and not handled ({len(pending)} pending record(s)), found at {where}")
        else:
            deals = ", ".join(sorted({r.deal_type for r in records if r.deal_type})) or "dealed"
            yield Result(status=PASS, resource_id=key, resource_type="securitycenter:access-key-leak",
                         resource_name=owner, message=f"AccessKey {key} leak handled ({deals})")
