"""Log Service cases. The trail is DescribeTrails' documented sample (test-4, SlsProjectArn
acs:log:cn-qingdao:<account>:project/zhengze-audit-log, TrailRegion All, EventRW All; ActionTrail writes to
actiontrail_<trail>), the Log Audit
central project is slsaudit-center-<account>-<region> with actiontrail_log. Each alert item gets an enabled alert
whose query names every event of its CIS item (PASS), the same alert missing one event or condition (FAIL), the
alert disabled (FAIL) and no SLS target at all (FAIL); the CIS queries of 2.17-2.19 are also used as written, every
item's own suggested query passes it, and alerts narrowed by another condition (a user, a region, another service, a
`not`, an SQL WHERE) fail."""

from __future__ import annotations

from typing import Any

from aliaudit.checks.sls import SPECS, AlertSpec
from aliaudit.collectors.sls import (
    AlertInfo,
    AlertQuery,
    AuditData,
    AuditProject,
    CentralProject,
    LogstoreInfo,
    ProjectInfo,
    TrailTarget,
)
from tests.check_cases import Case
from tests.check_inputs import ACCOUNT

PROJECT = "zhengze-audit-log"
REGION = "cn-qingdao"
STORE = "actiontrail_test-4"
TARGET = f"{PROJECT}/{STORE}"
CENTRAL = f"slsaudit-center-{ACCOUNT}-cn-hangzhou"
_G = "global"

# the conditions of the items that are not only event names, as the CIS audit queries write them
CONDITIONS = {"2.17": "(event.additionalEventData.mfaChecked: false or "
                      "event.additionalEventData.isMFAChecked: false)",
              "2.18": "event.userIdentity.type: root-account",
              "2.19": "event.errorCode: *"}


def trail_target(**kw: Any) -> TrailTarget:
    base: dict[str, Any] = {"trail": "test-4", "logging": True, "region": REGION, "project": PROJECT,
                            "logstore": STORE, "arn": f"acs:log:{REGION}:{ACCOUNT}:project/{PROJECT}",
                            "account": ACCOUNT, "trail_region": "All", "event_rw": "All"}
    base.update(kw)
    return TrailTarget(**base)


def alert(query: str, *, enabled: bool = True, project: str = PROJECT, store: str = STORE) -> AlertInfo:
    return AlertInfo(name="cis-alert", display_name="CIS alert", project=project, enabled=enabled,
                     queries=[AlertQuery(project=project, store=store, store_type="log", query=query)])


def audit(*alerts: AlertInfo, ttl: int | None = 365, **kw: Any) -> dict[str, AuditData]:
    return {"sls.audit": AuditData(targets=[trail_target()], projects=[AuditProject(
        region=REGION, project=PROJECT, alerts=list(alerts), logstores=[LogstoreInfo(name=STORE, ttl=ttl)])], **kw)}


def full_query(spec: AlertSpec, drop_last: bool = False) -> str:
    events, codes = list(spec.events), list(spec.codes)
    cond = CONDITIONS.get(spec.cis, "")
    if drop_last:
        if cond:
            cond = ""
        elif events:
            events.pop()
        else:
            codes.pop()
    parts = [f"event.eventName: {e}" for e in events] + [f"event.errorCode: {c}" for c in codes]
    query = "(" + " or ".join(parts) + ")" if parts else ""
    return f"{query} and {cond}" if query and cond else query or cond


def spec_cases(spec: AlertSpec) -> list[Case]:
    cid = f"sls_alert_{spec.subject}_enabled"
    ok = f"{PROJECT}/cis-alert"
    return [
        Case(cid, "enabled alert on the trail's logstore naming every event", audit(alert(full_query(spec))),
             {ok: "PASS"}, region=_G),
        Case(cid, "the same alert on the Log Audit central project's actiontrail_log",
             {"sls.audit": AuditData(centers=[CentralProject(region="cn-hangzhou", project=CENTRAL)], projects=[
                 AuditProject(region="cn-hangzhou", project=CENTRAL, alerts=[
                     alert(full_query(spec), project=CENTRAL, store="actiontrail_log")])])},
             {f"{CENTRAL}/cis-alert": "PASS"}, region=_G),
        Case(cid, "alert missing one event or condition", audit(alert(full_query(spec, drop_last=True))),
             {TARGET: "FAIL"}, region=_G),
        Case(cid, "alert disabled", audit(alert(full_query(spec), enabled=False)), {TARGET: "FAIL"}, region=_G),
        Case(cid, "alert reading another logstore", audit(alert(full_query(spec), store="other")),
             {TARGET: "FAIL"}, region=_G),
        Case(cid, "no trail delivers to SLS and no central project", {"sls.audit": AuditData()}, {ACCOUNT: "FAIL"},
             region=_G),
        Case(cid, "an alert on a central project's actiontrail_log that GetLogStore says does not exist watches "
                  "nothing", {"sls.audit": AuditData(
                      centers=[CentralProject(region="cn-hangzhou", project=CENTRAL)], projects=[AuditProject(
                          region="cn-hangzhou", project=CENTRAL,
                          logstores=[LogstoreInfo(name="actiontrail_log", missing=True)],
                          alerts=[alert(full_query(spec), project=CENTRAL, store="actiontrail_log")])])},
             {ACCOUNT: "FAIL"}, region=_G),
    ]


_OK = f"{PROJECT}/cis-alert"
OSS_ACL = "(operation: PutBucket and request_uri: acl) or operation: PutObjectAcl"


def oss_log_cases() -> list[Case]:
    """CIS 2.14: an enabled alert on the OSS access log (oss_log) with the audit's query; not an ActionTrail one."""
    cid = "sls_alert_oss_permission_changes_enabled"
    return [
        Case(cid, "the audit's query on oss_log in the central project passes",
             {"sls.audit": AuditData(centers=[CentralProject(region="cn-hangzhou", project=CENTRAL)], projects=[
                 AuditProject(region="cn-hangzhou", project=CENTRAL, alerts=[
                     alert(OSS_ACL, project=CENTRAL, store="oss_log")])])},
             {f"{CENTRAL}/cis-alert": "PASS"}, region=_G),
        Case(cid, "on oss_log but disabled fails",
             audit(alert(OSS_ACL, store="oss_log", enabled=False)), {TARGET: "FAIL"}, region=_G),
        Case(cid, "on oss_log without PutObjectAcl fails",
             audit(alert("operation: PutBucket and request_uri: acl", store="oss_log")), {TARGET: "FAIL"}, region=_G),
        Case(cid, "every event named on the trail's ActionTrail logstore is not the alert the audit asks for",
             audit(alert(full_query(next(s for s in SPECS if s.cis == "2.14")))), {TARGET: "FAIL"}, region=_G),
    ]


def own_query_cases() -> list[Case]:
    """Every item's suggested query, where it is complete (no "..."), passes its own item; 2.14's is on oss_log."""
    out = [Case(f"sls_alert_{s.subject}_enabled", f"CIS {s.cis}: the suggested query", audit(alert(s.query)),
                {_OK: "PASS"}, region=_G) for s in SPECS if "..." not in s.query and s.cis != "2.14"]
    acl = next(s for s in SPECS if s.cis == "2.14")
    oss_form = acl.query  # (the suggested query is the OSS access log form, usable as shown)
    out += [Case(f"sls_alert_{acl.subject}_enabled", "CIS 2.14: the suggested query on the OSS access log",
                 audit(alert(oss_form, store="oss_log")), {_OK: "PASS"}, region=_G),
            # its audit names oss_log: the same events asked of an ActionTrail logstore are not its alert
            Case(f"sls_alert_{acl.subject}_enabled", "CIS 2.14: an ActionTrail query for its events fails",
                 audit(alert("event.eventName: PutBucketAcl or event.eventName: PutObjectAcl")),
                 {"zhengze-audit-log/actiontrail_test-4": "FAIL"}, region=_G)]
    return out


def _names(cis: str) -> str:
    return " or ".join(f"event.eventName: {e}" for e in next(s for s in SPECS if s.cis == cis).events)


_SG, _RAM = "sls_alert_security_group_changes_enabled", "sls_alert_ram_policy_changes_enabled"
# an alert that only fires for some of the item's events (one user, one region, another service) is no alert for
# the item: it reads as covering it but leaves the rest unseen
NARROWED: list[Case] = [
    Case(_SG, "every event named, but only alice's", audit(alert(f"{_names('2.22')} and event.userIdentity.userName: "
                                                                 "alice")), {TARGET: "FAIL"}, region=_G),
    Case(_SG, "every event named, but in one region", audit(alert(f"({_names('2.22')}) and event.acsRegion: "
                                                                  "cn-hangzhou")), {TARGET: "FAIL"}, region=_G),
    Case(_SG, "every event named, under another service's serviceName",
         audit(alert(f"event.serviceName: Vpc and ({_names('2.22')})")), {TARGET: "FAIL"}, region=_G),
    Case(_SG, "every event named, with a not that removes one",
         audit(alert(f"({_names('2.22')}) and not event.eventName: DeleteSecurityGroup")), {TARGET: "FAIL"},
         region=_G),
    Case(_SG, "every event named, narrowed by the SQL's WHERE",
         audit(alert(f"{_names('2.22')} | select count(1) as c from log where \"event.acsRegion\" = 'cn-hangzhou'")),
         {TARGET: "FAIL"}, region=_G),
    Case(_SG, "an SQL aggregation without WHERE does not narrow",
         audit(alert(f"event.serviceName: Ecs and ({_names('2.22')}) | select count(1) as cnt")), {_OK: "PASS"},
         region=_G),
    # help doc 173654 gives actiontrail_audit_event in Chinese and actiontrail_event in English: no topic is described
    Case(_SG, "the trail logstore's topic is not settled by the sources: a topic filter does not count",
         audit(alert(f"__topic__: actiontrail_audit_event and ({_names('2.22')})")), {TARGET: "FAIL"}, region=_G),
    Case(_SG, "the Log Audit central logstore's topic is not sourced: a topic filter there does not count",
         {"sls.audit": AuditData(centers=[CentralProject(region="cn-hangzhou", project=CENTRAL)], projects=[
             AuditProject(region="cn-hangzhou", project=CENTRAL, alerts=[alert(
                 f"__topic__: actiontrail_audit_event and ({_names('2.22')})", project=CENTRAL,
                 store="actiontrail_log")])])},
         {f"{CENTRAL}/actiontrail_log": "FAIL"}, region=_G),
    Case(_SG, "a bare * matches every event but names none", audit(alert("*")), {TARGET: "FAIL"}, region=_G),
    Case(_RAM, "RAM policy events come as Ram or ResourceManager: Ram alone misses some",
         audit(alert(f"event.serviceName: Ram and ({_names('2.10')})")), {TARGET: "FAIL"}, region=_G),
    Case(_RAM, "Alibaba's built-in template (the landing zone's alert) counts on the trail's logstore",
         audit(AlertInfo(name="cis_at_ram_policy_change", display_name="RAM policy Change Alert", project=PROJECT,
                         enabled=True, template_id="sls.app.actiontrail.cis.at.ram_policy_change",
                         template_tokens={"default.project": PROJECT, "default.logstore": STORE})),
         {f"{PROJECT}/cis_at_ram_policy_change": "PASS"}, region=_G),
    Case("sls_alert_console_signin_without_mfa_enabled", "loginAccount: false (the logon name, never false) fails",
         audit(alert("event.eventName: ConsoleSignin and event.additionalEventData.loginAccount: false")),
         {TARGET: "FAIL"}, region=_G),
    Case("sls_alert_console_signin_without_mfa_enabled", "RAM users' sign-ins only",
         audit(alert("event.eventName: ConsoleSignin and event.additionalEventData.mfaChecked: false and "
                     "event.userIdentity.type: ram-user")), {TARGET: "FAIL"}, region=_G),
    Case("sls_alert_root_account_usage_enabled", "every root-account event, console or AccessKey",
         audit(alert("event.userIdentity.type: root-account")), {_OK: "PASS"}, region=_G),
    Case("sls_alert_unauthorized_api_calls_enabled", "error codes in the SQL: LIKE for the code families",
         audit(alert("event.eventType: ApiCall | select count(1) as c from log where \"event.errorCode\" in "
                     "('Forbbiden', 'SignatureDoesNotMatch', 'InvalidAuthorization', 'AccessForbidden', "
                     "'NotAuthorized') or \"event.errorCode\" like 'NoPermission%' or \"event.errorCode\" like "
                     "'Forbidden%' or \"event.errorCode\" like 'InvalidAccessKeyId%' or \"event.errorCode\" like "
                     "'InvalidSecurityToken%'")), {_OK: "PASS"}, region=_G),
    Case("sls_alert_unauthorized_api_calls_enabled", "= 'NoPermission' in SQL misses NoPermission.Xxx",
         audit(alert("* | select count(1) as c from log where \"event.errorCode\" in ('NoPermission', 'Forbidden', "
                     "'Forbbiden', 'InvalidAccessKeyId', 'InvalidSecurityToken', 'SignatureDoesNotMatch', "
                     "'InvalidAuthorization', 'AccessForbidden', 'NotAuthorized')")), {TARGET: "FAIL"}, region=_G),
]

CASES: list[Case] = [
    # (2.14's audit names the OSS access log: its cases are oss_log_cases)
    *[c for spec in SPECS if spec.cis != "2.14" for c in spec_cases(spec)],
    *oss_log_cases(),
    *own_query_cases(),
    *NARROWED,
    # a RAM user's sign-in without MFA is mfaChecked false, the root account's isMFAChecked false (ActionTrail's
    # logon event samples): both are required; the audit's printed query (loginAccount: false) matches neither
    Case("sls_alert_console_signin_without_mfa_enabled", "RAM users and the root account both caught passes",
         audit(alert("event.eventName: ConsoleSignin and (event.additionalEventData.mfaChecked: false or "
                     "event.additionalEventData.isMFAChecked: false)")), {_OK: "PASS"}, region=_G),
    Case("sls_alert_console_signin_without_mfa_enabled", "RAM users only (mfaChecked) misses the root account",
         audit(alert("event.eventName: ConsoleSignin and event.additionalEventData.mfaChecked: false")),
         {TARGET: "FAIL"}, region=_G),
    Case("sls_alert_console_signin_without_mfa_enabled", "the root account only (isMFAChecked) misses RAM users",
         audit(alert("event.eventName: ConsoleSignin and event.additionalEventData.isMFAChecked: false")),
         {TARGET: "FAIL"}, region=_G),
    Case("sls_alert_console_signin_without_mfa_enabled", "CIS 2.17 query as printed (loginAccount: false) fails",
         audit(alert("event.eventName: ConsoleSignin and addionalEventData.loginAccount: false")),
         {TARGET: "FAIL"}, region=_G),
    Case("sls_alert_console_signin_without_mfa_enabled", "negated event does not count",
         audit(alert("not event.eventName: ConsoleSignin and event.additionalEventData.mfaChecked: false")),
         {TARGET: "FAIL"}, region=_G),
    Case("sls_alert_root_account_usage_enabled", "CIS 2.18 query as written",
         audit(alert("event.eventName: ConsoleSignin and event.userIdentity.type: root-account")), {_OK: "PASS"},
         region=_G),
    Case("sls_alert_console_auth_failures_enabled", "CIS 2.19 query as written",
         audit(alert("event.eventName: ConsoleSignin and event.errorCode: *")), {_OK: "PASS"}, region=_G),
    # Log Service: "Fuzzy search does not support suffix matching" (sls-doc search_with_index FAQ), and abc* matches
    # at most 100 words, a short prefix returning only part of the logs ("Fuzzy match"): only a trailing * on one of
    # the item's own event names counts
    Case(_SG, "a leading wildcard *SecurityGroup* is no suffix match SLS runs: it covers nothing",
         audit(alert("event.eventName: *SecurityGroup*")), {TARGET: "FAIL"}, region=_G),
    Case(_RAM, "a short prefix Create* may be cut at 100 words: it does not cover CreatePolicy",
         audit(alert("event.eventName: Create* or event.eventName: Delete* or event.eventName: UpdatePolicyVersion "
                     "or event.eventName: SetDefaultPolicyVersion")), {TARGET: "FAIL"}, region=_G),
    Case(_SG, "a trailing * on a required name covers its longer names (AuthorizeSecurityGroup*: ...Egress)",
         audit(alert("event.eventName: CreateSecurityGroup or event.eventName: AuthorizeSecurityGroup* or "
                     "event.eventName: RevokeSecurityGroup* or event.eventName: JoinSecurityGroup or "
                     "event.eventName: LeaveSecurityGroup or event.eventName: DeleteSecurityGroup or "
                     "event.eventName: ModifySecurityGroupPolicy")), {_OK: "PASS"}, region=_G),
    # NoPermission.Xxx is one token (no '.' among SLS's delimiters): the stem alone misses the family's members
    Case("sls_alert_unauthorized_api_calls_enabled", "errorCode: NoPermission (no *) misses NoPermission.Xxx",
         audit(alert(full_query(next(s for s in SPECS if s.cis == "2.16")).replace("*", ""))), {TARGET: "FAIL"},
         region=_G),
    # a trail's logstore holds only what the trail records: DescribeTrails TrailRegion (All or one region) and EventRW
    # (Write | Read | All)
    Case(_SG, "an alert on the logstore of a trail recording only Read events does not count",
         {"sls.audit": AuditData(targets=[trail_target(event_rw="Read")], projects=[AuditProject(
             region=REGION, project=PROJECT, alerts=[alert(_names("2.22"))])])}, {TARGET: "FAIL"}, region=_G),
    Case(_SG, "an alert on the logstore of a trail recording one region does not count",
         {"sls.audit": AuditData(targets=[trail_target(trail_region="cn-hangzhou")], projects=[AuditProject(
             region=REGION, project=PROJECT, alerts=[alert(_names("2.22"))])])}, {TARGET: "FAIL"}, region=_G),
    Case(_SG, "a trail recording Write events of every region counts",
         {"sls.audit": AuditData(targets=[trail_target(event_rw="Write")], projects=[AuditProject(
             region=REGION, project=PROJECT, alerts=[alert(_names("2.22"))])])}, {_OK: "PASS"}, region=_G),
    Case(_SG, "a multi-account trail recording only Read events: FAIL (no alert there can count), not MANUAL",
         {"sls.audit": AuditData(targets=[trail_target(event_rw="Read", account="1111111111111111")])},
         {ACCOUNT: "FAIL"}, region=_G),
    Case("sls_alert_ram_policy_changes_enabled", "a multi-account trail's project in another account is MANUAL",
         {"sls.audit": AuditData(targets=[trail_target(account="1111111111111111")])}, {ACCOUNT: "MANUAL"},
         region=_G),
    Case("sls_alert_ram_policy_changes_enabled", "alerts could not be listed",
         {"sls.audit": AuditData(targets=[trail_target()], projects=[
             AuditProject(region=REGION, project=PROJECT, alerts_error="Unauthorized")])}, {ACCOUNT: "ERROR"},
         region=_G),
    Case("sls_actiontrail_logstore_retention_sufficient", "trail logstore kept 365 days", audit(), {TARGET: "PASS"},
         region=_G),
    Case("sls_actiontrail_logstore_retention_sufficient", "kept forever (3650)", audit(ttl=3650), {TARGET: "PASS"},
         region=_G),
    Case("sls_actiontrail_logstore_retention_sufficient", "kept 90 days", audit(ttl=90), {TARGET: "FAIL"},
         region=_G),
    Case("sls_actiontrail_logstore_retention_sufficient", "the logstore reported no ttl: ERROR, not '0 days'",
         audit(ttl=None), {TARGET: "ERROR"}, region=_G),
    Case("sls_actiontrail_logstore_retention_sufficient", "the trail's logstore does not exist",
         {"sls.audit": AuditData(targets=[trail_target()], projects=[AuditProject(
             region=REGION, project=PROJECT, logstores=[LogstoreInfo(name=STORE, missing=True)])])},
         {TARGET: "FAIL"}, region=_G),
    Case("sls_actiontrail_logstore_retention_sufficient", "no trail delivers to SLS", {"sls.audit": AuditData()},
         {ACCOUNT: "MANUAL"}, region=_G),
    Case("sls_actiontrail_logstore_retention_sufficient", "a region's projects unlisted: its central project is "
         "ERROR, not 'nothing delivers'", {"sls.audit": AuditData(center_errors={"cn-hangzhou": "Unauthorized"})},
         {ACCOUNT: "ERROR"}, region=_G),
    # the Log Audit central project's actiontrail_log holds the ActionTrail events the 2.10-2.22 alerts read
    Case("sls_actiontrail_logstore_retention_sufficient", "Log Audit only: its actiontrail_log is judged (30 days "
         "fails, permanent passes); a central project without actiontrail_log gives no result",
         {"sls.audit": AuditData(
             centers=[CentralProject(region="cn-hangzhou", project=CENTRAL),
                      CentralProject(region="cn-shanghai", project=f"slsaudit-center-{ACCOUNT}-cn-shanghai"),
                      CentralProject(region="ap-southeast-1", project=f"slsaudit-center-{ACCOUNT}-ap-southeast-1")],
             projects=[AuditProject(region="cn-hangzhou", project=CENTRAL,
                                    logstores=[LogstoreInfo(name="actiontrail_log", ttl=30)]),
                       AuditProject(region="cn-shanghai", project=f"slsaudit-center-{ACCOUNT}-cn-shanghai",
                                    logstores=[LogstoreInfo(name="actiontrail_log", ttl=3650)]),
                       AuditProject(region="ap-southeast-1", project=f"slsaudit-center-{ACCOUNT}-ap-southeast-1",
                                    logstores=[LogstoreInfo(name="actiontrail_log", missing=True)])])},
         {f"{CENTRAL}/actiontrail_log": "FAIL", f"slsaudit-center-{ACCOUNT}-cn-shanghai/actiontrail_log": "PASS"},
         region=_G),
    Case("sls_actiontrail_logstore_retention_sufficient", "only a central project without actiontrail_log: nothing "
         "delivers ActionTrail events to Log Service (MANUAL, not silence)",
         {"sls.audit": AuditData(centers=[CentralProject(region="cn-hangzhou", project=CENTRAL)],
                                 projects=[AuditProject(region="cn-hangzhou", project=CENTRAL, logstores=[
                                     LogstoreInfo(name="actiontrail_log", missing=True)])])},
         {ACCOUNT: "MANUAL"}, region=_G),
    Case("sls_logstore_retention_sufficient", "365 and 3650 days pass; 30 fails; unreadable project",
         {"sls.logstores": [ProjectInfo(name=PROJECT, region=REGION, logstores=[
             LogstoreInfo(name=STORE, ttl=365), LogstoreInfo(name="forever", ttl=3650),
             LogstoreInfo(name="short", ttl=30)]), ProjectInfo(name="locked", region=REGION, error="Unauthorized")]},
         {TARGET: "PASS", f"{PROJECT}/forever": "PASS", f"{PROJECT}/short": "FAIL", "locked": "ERROR"},
         region=REGION),
    Case("sls_log_audit_integrated", "no read API: always MANUAL", {}, {ACCOUNT: "MANUAL"}, region=_G),
]
