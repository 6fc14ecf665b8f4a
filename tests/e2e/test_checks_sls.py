"""SLS checks (CIS 2.3, 2.10-2.22 alerts, 2.23 retention) through the scan entry point, read with
aliyun-log-python-sdk through the factory's proxy settings."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from alibabacloud_credentials.provider.refreshable import Credentials
from alibabacloud_credentials_api import ICredentialsProvider
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from aliyun.log import LogException

from aliaudit.checks.sls import SPECS, unmatched
from aliaudit.clients import ClientFactory
from aliaudit.collectors import sls as sls_data
from aliaudit.collectors.sls import AlertInfo, AlertQuery, AuditData, AuditProject, TrailTarget
from aliaudit.config import AuditConfig
from aliaudit.settings import EndpointSettings
from tests.check_inputs import run_check
from tests.scanning import by_resource, scan
from tests.sdk import (
    ACCOUNT,
    ADMIN_AK,
    ADMIN_SECRET,
    READER_AK,
    READER_SECRET,
    base_scenario,
    load,
    pop_config,
)

REGIONS = ["cn-hangzhou", "cn-shanghai"]
TRAIL_STORE = "actiontrail_main"


def alert(name: str, query: str, *, store: str = TRAIL_STORE, project: str = "", state: str = "Enabled",
          **config: object) -> dict:
    q = {"query": query, "store": store, "storeType": "log", "start": "-15m", "end": "now"}
    if project:
        q["project"] = project
    return {"name": name, "displayName": name.title(), "state": state,
            "configuration": {"queryList": [q], **config}}


def names(*events: str, field: str = "event.eventName") -> str:
    return " or ".join(f"{field}: {e}" for e in events)


ALERTS = [
    alert("ram", "(event.serviceName: Ram or event.serviceName: ResourceManager) and (" + names(*SPECS[0].events)
          + ")"),
    alert("fw", "", **{"templateConfiguration": {"id": "sls.app.actiontrail.cis.at.cloudfirewall_conf_change",
                                                 "type": "sys", "tokens": {"default.project": "audit-logs",
                                                                           "default.logstore": TRAIL_STORE}}}),
    alert("routes", names(*SPECS[2].events), state="Disabled"),
    alert("oss-acl", "(operation: PutBucket and request_uri: acl) or operation: PutObjectAcl", store="oss_log"),
    alert("unauth", "event.eventType: ApiCall | select count(1) as c from log where \"event.errorCode\" in "
                    "('Forbbiden', 'SignatureDoesNotMatch', 'InvalidAuthorization', 'AccessForbidden', "
                    "'NotAuthorized') or \"event.errorCode\" like 'NoPermission%' or \"event.errorCode\" like "
                    "'Forbidden%' or \"event.errorCode\" like 'InvalidAccessKeyId%' or \"event.errorCode\" like "
                    "'InvalidSecurityToken%'"),
    alert("nomfa", "event.eventName: ConsoleSignin and (event.additionalEventData.mfaChecked: false or "
                   "event.additionalEventData.isMFAChecked: false)"),
    alert("root", "event.userIdentity.type: root-account and event.eventName: ConsoleSignin"),
    alert("signin-fail", "event.eventName: ConsoleSignin and not event.errorCode: *"),
    alert("kms", names("DisableKey", "ScheduleKeyDeletion", "DeleteKeyMaterial"), store="other"),
    alert("sg", names("CreateSecurityGroup", "AuthorizeSecurityGroup", "DeleteSecurityGroup")),
]


def account(alerts: list[dict] | None = None, trails: list[dict] | None = None) -> dict:
    arn = f"acs:log:cn-hangzhou:{ACCOUNT}:project/audit-logs"
    projects = [
        {"name": "audit-logs", "region": "cn-hangzhou", "alerts": ALERTS if alerts is None else alerts,
         "logstores": [{"name": TRAIL_STORE, "ttl": 400}, {"name": "other", "ttl": 3650},
                       {"name": "oss_log", "ttl": 180}]},
        {"name": "app-logs", "region": "cn-hangzhou", "logstores": [{"name": "web", "ttl": 30}]},
        {"name": "sh-logs", "region": "cn-shanghai", "logstores": [{"name": "actiontrail_second", "ttl": 90}]},
    ]
    default_trails = [{"name": "main", "sls_project_arn": arn, "oss_bucket_name": "trail-logs"},
                      {"name": "second", "sls_project_arn": f"acs:log:cn-shanghai:{ACCOUNT}:project/sh-logs"}]
    return base_scenario(sls={"projects": projects},
                         actiontrail={"trails": default_trails if trails is None else trails})


def alert_results(findings: list) -> dict[str, tuple[str, str]]:
    """CIS id -> (status, resource id) of the alert checks."""
    return {f.cis[0]: (f.status.value, f.resource_id) for f in findings if f.check_id.startswith("sls_alert_")}


def test_alert_checks_pass_and_fail(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["sls"], regions=REGIONS)
    got = alert_results(findings)
    trail = ("FAIL", f"audit-logs/{TRAIL_STORE}")
    assert got == {
        "2.10": ("PASS", "audit-logs/ram"), "2.11": ("PASS", "audit-logs/fw"), "2.12": trail,
        "2.13": trail, "2.14": ("PASS", "audit-logs/oss-acl"), "2.15": trail, "2.16": ("PASS", "audit-logs/unauth"),
        "2.17": ("PASS", "audit-logs/nomfa"), "2.18": ("PASS", "audit-logs/root"), "2.19": trail, "2.20": trail,
        "2.21": trail, "2.22": trail}
    msg = {f.cis[0]: f.message for f in findings if f.check_id.startswith("sls_alert_")}
    assert "routes covers it but is disabled" in msg["2.12"]
    assert "sg misses AuthorizeSecurityGroupEgress" in msg["2.22"] and "CreateSecurityGroup," not in msg["2.22"]
    assert "kms covers it but reads audit-logs/other, not a trail's logstore nor the Log Audit" in msg["2.20"]
    assert msg["2.21"].endswith("no alert names its events")
    assert "errorCode: *" in msg["2.19"]  # a negated errorCode term does not count
    root = next(f for f in findings if f.check_id == "sls_alert_root_account_usage_enabled")
    assert root.region == "cn-hangzhou" and root.severity.value == "high" and root.account_id == ACCOUNT


def test_retention_checks(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["sls"], regions=REGIONS)
    assert by_resource(findings, "sls_logstore_retention_sufficient") == {
        f"audit-logs/{TRAIL_STORE}": "PASS", "audit-logs/other": "PASS", "audit-logs/oss_log": "FAIL",
        "app-logs/web": "FAIL", "sh-logs/actiontrail_second": "FAIL"}
    regions = {f.resource_id: f.region for f in findings if f.check_id == "sls_logstore_retention_sufficient"}
    assert regions["sh-logs/actiontrail_second"] == "cn-shanghai" and regions["app-logs/web"] == "cn-hangzhou"
    trail = {f.resource_id: (f.status.value, f.region) for f in findings
             if f.check_id == "sls_actiontrail_logstore_retention_sufficient"}
    assert trail == {f"audit-logs/{TRAIL_STORE}": ("PASS", "cn-hangzhou"),
                     "sh-logs/actiontrail_second": ("FAIL", "cn-shanghai")}
    manual = [f for f in findings if f.check_id == "sls_log_audit_integrated"]
    assert [(f.status.value, f.cis) for f in manual] == [("MANUAL", ["2.3"])]
    lenient = scan(cloud, checks=["sls_logstore_retention_sufficient"],
                   config=AuditConfig.model_validate({"log_retention_days": 30}))
    assert set(by_resource(lenient, "sls_logstore_retention_sufficient").values()) == {"PASS"}


def test_no_trail_to_sls_fails_every_alert_check(cloud):
    load(cloud, account(trails=[{"name": "oss-only", "oss_bucket_name": "trail-logs"}]))
    findings = scan(cloud, families=["sls"])
    alerts = [f for f in findings if f.check_id.startswith("sls_alert_")]
    assert len(alerts) == 13 and all(f.status.value == "FAIL" and f.resource_id == ACCOUNT for f in alerts)
    assert "no ActionTrail trail delivers to Log Service" in alerts[0].message
    retention = [f for f in findings if f.check_id == "sls_actiontrail_logstore_retention_sufficient"]
    assert [f.status.value for f in retention] == ["MANUAL"]


def test_stopped_trail_and_substring_matches_do_not_count(cloud):
    # Prowler's substring match takes CreatePolicyVersion for CreatePolicy; whole names are required here
    trap = alert("ram", names("CreatePolicyVersion", "UpdatePolicyVersion", "SetDefaultPolicyVersion",
                              "DeletePolicyVersion", "CreatePolicyX", "DeletePolicyX"))
    load(cloud, account(alerts=[trap]))
    got = alert_results(scan(cloud, checks=["sls_alert_ram_policy_changes_enabled"]))
    assert got["2.10"][0] == "FAIL"
    good = alert("ram", names(*SPECS[0].events))
    arn = f"acs:log:cn-hangzhou:{ACCOUNT}:project/audit-logs"
    trails = [{"name": "main", "status": "Disable", "sls_project_arn": arn}]
    load(cloud, account(alerts=[good], trails=trails))
    findings = scan(cloud, checks=["sls_alert_ram_policy_changes_enabled"])
    assert [f.status.value for f in findings] == ["FAIL"] and "not logging" in findings[0].message


@pytest.mark.parametrize(("trail", "why"), [
    ({"event_rw": "Read"}, "trail main records only Read events"),
    ({"trail_region": "cn-hangzhou"}, "trail main records only region cn-hangzhou"),
])
def test_an_alert_on_a_partial_trails_logstore_does_not_count(cloud, trail: dict, why: str):
    """DescribeTrails EventRW (Write | Read | All) and TrailRegion (All or one region) say what reaches the trail's
    logstore: a trail of read events or of one region leaves out most of an item's events."""
    arn = f"acs:log:cn-hangzhou:{ACCOUNT}:project/audit-logs"
    good = alert("ram", names(*SPECS[0].events))
    load(cloud, account(alerts=[good], trails=[{"name": "main", "sls_project_arn": arn, **trail}]))
    (found,) = scan(cloud, checks=["sls_alert_ram_policy_changes_enabled"])
    assert found.status.value == "FAIL" and f"ram on audit-logs/{TRAIL_STORE} covers it, but {why}" in found.message
    # the same trail recording write events of every region (the emulator's defaults: Write, All) counts
    load(cloud, account(alerts=[good], trails=[{"name": "main", "sls_project_arn": arn}]))
    assert [f.status.value for f in scan(cloud, checks=["sls_alert_ram_policy_changes_enabled"])] == ["PASS"]


def test_a_topic_condition_does_not_count(cloud):
    """Help doc 173654 gives the trail logstore's __topic__ as actiontrail_audit_event (Chinese) and as
    actiontrail_event (English): a condition on it may match nothing."""
    topic = alert("ram", "__topic__: actiontrail_audit_event and (" + names(*SPECS[0].events) + ")")
    load(cloud, account(alerts=[topic]))
    (found,) = scan(cloud, checks=["sls_alert_ram_policy_changes_enabled"])
    assert found.status.value == "FAIL" and "narrowed by __topic__: actiontrail_audit_event" in found.message


@pytest.mark.parametrize(("query", "ok"), [
    ("event.eventName: CreateVpc or event.eventName: DeleteVpc", True),
    ("not (event.eventName: CreateVpc or event.eventName: DeleteVpc)", False),
    ("* | select * from log where \"event.eventName\" not in ('CreateVpc', 'DeleteVpc')", False),
    ("* | select * from log where \"event.eventName\" in ('CreateVpc', 'DeleteVpc')", True),
    ("*", False),
    ("event.eventName: *Vpc", False),  # "Fuzzy search does not support suffix matching" (sls-doc FAQ)
])
def test_query_reading(query: str, ok: bool):
    spec = next(s for s in SPECS if s.cis == "2.13")
    missing = unmatched(spec, [query])
    assert ("CreateVpc" not in missing and "DeleteVpc" not in missing) is ok


@pytest.mark.parametrize(("query", "ok"), [
    ("event.eventName: ConsoleSignin and event.errorCode: *", True),
    ("event.eventName: ConsoleSignin | select * from log where \"event.errorCode\" is not null", True),
    ("event.eventName: ConsoleSignin | select * from log where \"event.errorCode\"!=''", True),
    ("event.eventName: ConsoleSignin | select * from log where \"event.errorCode\" != 'x'", False),
    ("event.eventName: ConsoleSignin and not event.errorCode: *", False),
])
def test_console_failure_condition(query: str, ok: bool):
    spec = next(s for s in SPECS if s.cis == "2.19")
    assert (unmatched(spec, [query]) == []) is ok


def test_denied_apis_give_error_findings(cloud):
    data = account()
    acct = data["accounts"][0]
    acct["ram"]["policies"] = [{"name": "NoJobs", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": ["log:ListJobs", "log:ListProject"], "Resource": "*"}]}}]
    acct["ram"]["groups"][0]["policies"].append({"name": "NoJobs", "type": "Custom"})
    load(cloud, data)
    findings = scan(cloud, families=["sls"], ak=READER_AK, secret=READER_SECRET)
    alerts = [f for f in findings if f.check_id.startswith("sls_alert_")]
    assert len(alerts) == 13 and all(f.status.value == "ERROR" and "Unauthorized" in f.message for f in alerts)
    retention = [f for f in findings if f.check_id == "sls_logstore_retention_sufficient"]
    assert [(f.status.value, f.resource_id) for f in retention] == [("ERROR", "cn-hangzhou")]
    # GetLogStore is still allowed: the trail logstore's retention is judged; the central projects could not be
    # looked for (ListProject denied): one ERROR for the regions unlisted
    trail = by_resource(findings, "sls_actiontrail_logstore_retention_sufficient")
    assert trail == {f"audit-logs/{TRAIL_STORE}": "PASS", "sh-logs/actiontrail_second": "FAIL", ACCOUNT: "ERROR"}


def test_a_muted_alert_does_not_count_until_its_mute_ends(cloud):
    """configuration.muteUntil (AlertConfiguration.mute_until, epoch seconds): an enabled alert muted past the scan
    sends nothing, so it does not cover its item, and the message says until when; a mute that has ended counts."""
    data = account()
    alerts = data["accounts"][0]["sls"]["projects"][0]["alerts"]
    ram = next(a for a in alerts if a["name"] == "ram")
    ram["configuration"]["muteUntil"] = 4102444800  # 2100-01-01
    load(cloud, data)
    findings = scan(cloud, checks=["sls_alert_ram_policy_changes_enabled"], regions=REGIONS)
    (result,) = findings
    assert result.status.value == "FAIL" and "ram covers it but is muted until 2100-01-01 00:00 UTC" in result.message
    ram["configuration"]["muteUntil"] = 1698907508  # the documented sample's, long past
    load(cloud, data)
    assert alert_results(scan(cloud, checks=["sls_alert_ram_policy_changes_enabled"], regions=REGIONS))["2.10"] == (
        "PASS", "audit-logs/ram")


def test_projects_logstores_and_alerts_are_paged_to_the_end(cloud, admin):
    data = account()
    projects = data["accounts"][0]["sls"]["projects"]
    projects += [{"name": f"bulk-{i:03d}", "region": "cn-hangzhou"} for i in range(505)]
    projects[1]["logstores"] += [{"name": f"ls-{i:03d}", "ttl": 365} for i in range(505)]
    projects[0]["alerts"] = [alert(f"noise-{i:03d}", "level: ERROR") for i in range(505)] + ALERTS
    load(cloud, data)
    findings = scan(cloud, checks=["sls_logstore_retention_sufficient", "sls_alert_ram_policy_changes_enabled"])
    assert len(by_resource(findings, "sls_logstore_retention_sufficient")) == 3 + 1 + 505
    assert alert_results(findings)["2.10"] == ("PASS", "audit-logs/ram")  # on the third page of alerts (200 a page)
    calls = admin.calls()
    # + one ListProject per region a Log Audit central project can be in; + the second trail's project's alerts
    assert calls["sls:ListProject"] == 2 + len(sls_data.CENTRAL_REGIONS) and calls["sls:ListAlerts"] == 3 + 1
    assert calls["sls:ListLogStores"] == 2 + 1 + 505  # app-logs takes two pages


class _Swappable(ICredentialsProvider):
    def __init__(self, creds: Credentials) -> None:
        self.creds = creds

    def get_credentials(self) -> Credentials:
        return self.creds

    def get_provider_name(self) -> str:
        return "swappable"


def test_log_client_uses_current_credentials_and_the_configured_proxy(cloud, monkeypatch):
    load(cloud, account())
    sts = StsClient(pop_config(cloud, ADMIN_AK, ADMIN_SECRET)).assume_role(sts_models.AssumeRoleRequest(
        role_arn=f"acs:ram::{ACCOUNT}:role/auditor", role_session_name="logs")).body.credentials
    provider = _Swappable(Credentials(access_key_id=sts.access_key_id, access_key_secret=sts.access_key_secret,
                                      security_token=sts.security_token, provider_name="sts"))
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # must lose against ALIAUDIT_ENDPOINT_PROXY
    log = ClientFactory(provider, EndpointSettings(protocol="http", proxy=cloud.url)).log("cn-hangzhou")
    assert [p["projectName"] for p in log.list_project().get_projects()] == ["audit-logs", "app-logs"]
    provider.creds = Credentials(access_key_id=READER_AK, access_key_secret="not-the-secret", provider_name="x")
    with pytest.raises(LogException) as err:  # the provider is asked again for this request
        log.list_project()
    assert err.value.get_error_code() == "SignatureNotMatch"
    provider.creds = Credentials(access_key_id=READER_AK, access_key_secret=READER_SECRET, provider_name="x")
    assert log.list_project().get_total() == 2


def test_log_client_retries_throttling(cloud, admin):
    load(cloud, account())
    admin.faults(rate_limits={"sls:GetLogStore": 4})
    settings = EndpointSettings(protocol="http", proxy=cloud.url, max_attempts=8, backoff_ms=150)
    log = ClientFactory(_Swappable(Credentials(access_key_id=READER_AK, access_key_secret=READER_SECRET,
                                               provider_name="x")), settings).log("cn-hangzhou")
    assert [log.get_logstore("audit-logs", TRAIL_STORE).get_ttl() for _ in range(6)] == [400] * 6
    stats = admin.request("GET", "calls")
    assert stats["throttled"]["sls:GetLogStore"] >= 1
    assert stats["calls"]["sls:GetLogStore"] == 6 + stats["throttled"]["sls:GetLogStore"]


# --- the Log Audit Service central project (issue 15 item 7) ------------------------------------------------------

CENTER = f"slsaudit-center-{ACCOUNT}-cn-shanghai"


def test_alerts_on_the_log_audit_central_project_pass_end_to_end(cloud, admin):
    """Configured exactly as the CIS 2.10-2.22 audits prescribe: alerts in the Log Audit central project on
    actiontrail_log (2.14: oss_log), no trail to SLS. The central project is found in its region although only
    cn-hangzhou is audited."""
    data = account(trails=[{"name": "oss-only", "oss_bucket_name": "trail-logs"}])
    data["accounts"][0]["sls"]["projects"].append({
        "name": CENTER, "region": "cn-shanghai",
        "logstores": [{"name": "actiontrail_log", "ttl": 180}, {"name": "oss_log", "ttl": 180}],
        "alerts": [alert("cis-2-10", "(event.serviceName: ResourceManager or event.serviceName: Ram) and ("
                         + names(*SPECS[0].events) + ") | select count(1) as c", store="actiontrail_log"),
                   alert("cis-2-18", "event.eventName: ConsoleSignin and event.userIdentity.type : root-account",
                         store="actiontrail_log"),
                   alert("cis-2-14", "(operation: PutBucket and request_uri: acl) or operation: PutObjectAcl| "
                                     "select bucket, count (1) as c group by bucket", store="oss_log")]})
    # another account's central project, and a look-alike name, are not this account's
    data["accounts"][0]["sls"]["projects"].append({"name": f"{CENTER}-copy", "region": "cn-shanghai"})
    load(cloud, data)
    findings = scan(cloud, families=["sls"], regions=["cn-hangzhou"])
    got = alert_results(findings)
    assert got["2.10"] == ("PASS", f"{CENTER}/cis-2-10") and got["2.18"] == ("PASS", f"{CENTER}/cis-2-18")
    assert got["2.14"] == ("PASS", f"{CENTER}/cis-2-14")
    assert {got[c] for c in got if c not in ("2.10", "2.14", "2.18")} == {("FAIL", f"{CENTER}/actiontrail_log")}
    root = next(f for f in findings if f.check_id == "sls_alert_root_account_usage_enabled")
    assert root.region == "cn-shanghai" and "Log Audit Service" in root.message
    # sls.logstores in cn-hangzhou, and the central project looked for
    assert admin.calls()["sls:ListProject"] == 1 + len(sls_data.CENTRAL_REGIONS)


def test_a_member_covered_by_an_organisation_trail_with_its_own_central_project(cloud):
    """The multi-account trail's project is another account's (MANUAL), but an alert in the member's own Log Audit
    central project is this account's to judge."""
    manager = "1000000000000009"
    arn = f"acs:log:cn-hangzhou:{manager}:project/org-audit-logs"
    data = account(alerts=[], trails=[{"name": "org", "sls_project_arn": arn}])
    data["accounts"][0]["sls"]["projects"].append({
        "name": CENTER, "region": "cn-shanghai", "logstores": [{"name": "actiontrail_log", "ttl": 180}],
        "alerts": [alert("root", "event.eventName: ConsoleSignin and event.userIdentity.type: root-account",
                         store="actiontrail_log")]})
    load(cloud, data)
    got = alert_results(scan(cloud, families=["sls"]))
    assert got["2.18"] == ("PASS", f"{CENTER}/root") and got["2.10"] == ("MANUAL", ACCOUNT)


def _audit(*, trails: Sequence[TrailTarget] = (), centers: Sequence[dict[str, str]] = (),
           alerts: Sequence[AlertInfo] = (), center_errors: dict[str, str] | None = None) -> AuditData:
    """sls.audit's dataset; central projects as the collector's output shape ({"region", "project"})."""
    where = [(c["region"], c["project"]) for c in centers] + [(t.region, t.project) for t in trails]
    projects = [AuditProject(region=r, project=p, alerts=[a for a in alerts if a.project == p]) for r, p in where]
    return AuditData.model_validate({"targets": list(trails), "centers": list(centers), "projects": projects,
                                     "center_errors": center_errors or {}})


def _query_alert(name: str, project: str, store: str, query: str, enabled: bool = True) -> AlertInfo:
    return AlertInfo(name=name, display_name=name, project=project, enabled=enabled,
                     queries=[AlertQuery(project=project, store=store, store_type="log", query=query)])


def _verdicts(audit: AuditData) -> dict[str, tuple[str, str]]:
    out = {}
    for spec in SPECS:
        r = run_check(f"sls_alert_{spec.subject}_enabled", {"sls.audit": audit}, account_id=ACCOUNT)[0]
        out[spec.cis] = (r.status.value, r.resource_id)
    return out


def test_alert_on_log_audit_central_actiontrail_log_passes():
    center = {"region": "cn-hangzhou", "project": f"slsaudit-center-{ACCOUNT}-cn-hangzhou"}
    root = _query_alert("cis-2-18", center["project"], "actiontrail_log",
                        "event.eventName: ConsoleSignin and event.userIdentity.type : root-account")
    trail = TrailTarget(trail="main", logging=True, region="cn-shanghai", project="trail-logs",
                        logstore="actiontrail_main", arn=f"acs:log:cn-shanghai:{ACCOUNT}:project/trail-logs",
                        account=ACCOUNT, trail_region="All", event_rw="Write")
    # probe A (a trail to SLS too) and probe B (Log Audit only) of the review
    for trails in ([trail], []):
        got = _verdicts(_audit(trails=trails, centers=[center], alerts=[root]))
        assert got["2.18"] == ("PASS", f"{center['project']}/cis-2-18")
        assert got["2.10"][0] == "FAIL"
    # a disabled alert there does not count; the gap is named
    off = _query_alert("cis-2-18", center["project"], "actiontrail_log", root.queries[0].query, enabled=False)
    result = run_check("sls_alert_root_account_usage_enabled", {"sls.audit": _audit(centers=[center], alerts=[off])},
                       account_id=ACCOUNT)[0]
    assert result.status.value == "FAIL" and "cis-2-18 covers it but is disabled" in result.message


def test_oss_log_of_the_central_project_passes_cis_2_14():
    center = {"region": "cn-hangzhou", "project": f"slsaudit-center-{ACCOUNT}-cn-hangzhou"}
    acl = _query_alert("cis-2-14", center["project"], "oss_log",
                       "(operation: PutBucket and request_uri: acl) or operation: PutObjectAcl| select bucket, "
                       "count (1) as c group by bucket")
    assert _verdicts(_audit(centers=[center], alerts=[acl]))["2.14"] == ("PASS", f"{center['project']}/cis-2-14")


def test_unreadable_central_project_regions_are_error_not_fail():
    got = _verdicts(_audit(center_errors={"cn-beijing": "Unauthorized: denied"}))
    assert set(got.values()) == {("ERROR", ACCOUNT)}
    # ... and with no error and nothing to read, FAIL names both ways of setting alerts up
    result = run_check("sls_alert_vpc_changes_enabled", {"sls.audit": _audit()}, account_id=ACCOUNT)[0]
    assert result.status.value == "FAIL" and f"slsaudit-center-{ACCOUNT}-<region>" in result.message


def test_a_narrowed_alert_fails_and_says_what_narrows_it():
    """All nine CIS 2.22 event names, but only for one user (or under another service): the alert would read as
    covering the item, yet it fires for alice alone."""
    trail = TrailTarget(trail="main", logging=True, region="cn-hangzhou", project="trail-logs",
                        logstore="actiontrail_main", arn=f"acs:log:cn-hangzhou:{ACCOUNT}:project/trail-logs",
                        account=ACCOUNT, trail_region="All", event_rw="Write")
    every = names(*SPECS[-1].events)
    for query, why in [
        (f"{every} and event.userIdentity.userName: alice",
         "cis-2-22 is narrowed by event.userIdentity.userName: alice"),
        (f"event.serviceName: Vpc and ({every})", "cis-2-22 is narrowed by event.serviceName: Vpc (ActionTrail writes "
                                                  "serviceName Ecs for these events)"),
        (f"({every}) and not event.eventName: DeleteSecurityGroup", "cis-2-22 misses DeleteSecurityGroup"),
        ("event.eventName: *SecurityGroup*", "cis-2-22: its wildcard event.eventName: *SecurityGroup* is not read as "
         "a sure match (Log Service has no suffix matching and expands a prefix to at most 100 words: only a "
         "trailing * on one of the item's own names counts)"),
    ]:
        sg = _query_alert("cis-2-22", "trail-logs", "actiontrail_main", query)
        data = {"sls.audit": _audit(trails=[trail], alerts=[sg])}
        result = run_check("sls_alert_security_group_changes_enabled", data, account_id=ACCOUNT)[0]
        assert result.status.value == "FAIL" and result.message.endswith(why), result.message
