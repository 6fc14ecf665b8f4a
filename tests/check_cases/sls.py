"""Log Service cases. The trail is DescribeTrails' documented sample (test-4, SlsProjectArn
acs:log:cn-qingdao:<account>:project/zhengze-audit-log; ActionTrail writes to actiontrail_<trail>), the Log Audit
central project is slsaudit-center-<account>-<region> with actiontrail_log. Each alert item gets an enabled alert
whose query names every event of its CIS item (PASS), the same alert missing one event or condition (FAIL), the
alert disabled (FAIL) and no SLS target at all (FAIL); the CIS queries of 2.17-2.19 are also used as written."""

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
CONDITIONS = {"2.17": "event.additionalEventData.mfaChecked: false",
              "2.18": "event.userIdentity.type: root-account and event.eventName: ConsoleSignin",
              "2.19": "event.errorCode: *"}


def trail_target(**kw: Any) -> TrailTarget:
    base: dict[str, Any] = {"trail": "test-4", "logging": True, "region": REGION, "project": PROJECT,
                            "logstore": STORE, "arn": f"acs:log:{REGION}:{ACCOUNT}:project/{PROJECT}",
                            "account": ACCOUNT}
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
        if events:
            events.pop()
        elif codes:
            codes.pop()
        else:
            cond = "event.eventName: ConsoleSignin"
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
    ]


_OK = f"{PROJECT}/cis-alert"
CASES: list[Case] = [
    *[c for spec in SPECS for c in spec_cases(spec)],
    Case("sls_alert_console_signin_without_mfa_enabled", "CIS 2.17 query as written",
         audit(alert("event.eventName: ConsoleSignin and event.additionalEventData.mfaChecked: false")),
         {_OK: "PASS"}, region=_G),
    Case("sls_alert_console_signin_without_mfa_enabled", "negated event does not count",
         audit(alert("not event.eventName: ConsoleSignin and event.additionalEventData.mfaChecked: false")),
         {TARGET: "FAIL"}, region=_G),
    Case("sls_alert_root_account_usage_enabled", "CIS 2.18 query as written",
         audit(alert("event.eventName: ConsoleSignin and event.userIdentity.type: root-account")), {_OK: "PASS"},
         region=_G),
    Case("sls_alert_console_auth_failures_enabled", "CIS 2.19 query as written",
         audit(alert("event.eventName: ConsoleSignin and event.errorCode: *")), {_OK: "PASS"}, region=_G),
    Case("sls_alert_security_group_changes_enabled", "a wildcard *SecurityGroup* covers every event",
         audit(alert("event.eventName: *SecurityGroup*")), {_OK: "PASS"}, region=_G),
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
    Case("sls_logstore_retention_sufficient", "365 and 3650 days pass; 30 fails; unreadable project",
         {"sls.logstores": [ProjectInfo(name=PROJECT, region=REGION, logstores=[
             LogstoreInfo(name=STORE, ttl=365), LogstoreInfo(name="forever", ttl=3650),
             LogstoreInfo(name="short", ttl=30)]), ProjectInfo(name="locked", region=REGION, error="Unauthorized")]},
         {TARGET: "PASS", f"{PROJECT}/forever": "PASS", f"{PROJECT}/short": "FAIL", "locked": "ERROR"},
         region=REGION),
    Case("sls_log_audit_integrated", "no read API: always MANUAL", {}, {ACCOUNT: "MANUAL"}, region=_G),
]
