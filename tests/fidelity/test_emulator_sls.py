"""Log Service through the unmodified aliyun-log-python-sdk: projects, logstores, indexes, PutLogs (lz4, zstd,
raw) and GetLogs queries, alerts that fire on ingested FAIL findings, signing, STS and RAM."""

from __future__ import annotations

import time
from typing import Any

import pytest
from alibabacloud_sls20201230 import models as sls_models
from alibabacloud_sls20201230.client import Client as SlsClient
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from aliyun.log import (
    GetLogsRequest,
    IndexConfig,
    IndexKeyConfig,
    IndexLineConfig,
    ListLogstoresRequest,
    LogClient,
    LogException,
    LogItem,
    PutLogsRequest,
)
from aliyun.log.auth import AUTH_VERSION_4

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

ENDPOINT = "cn-hangzhou.log.aliyuncs.com"
PROJECT, STORE = "sec-auditor-logs", "findings"
TOKENS = list(", '\";=()[]{}?@&<>/:\n\t\r")


def log_client(ak: str = ADMIN_AK, secret: str = ADMIN_SECRET, **kw: Any) -> LogClient:
    # source= spares the SDK its UDP probe (a DNS lookup) of the endpoint host
    return LogClient(ENDPOINT, ak, secret, source="10.0.0.1", **kw)


@pytest.fixture()
def cloud_proxy(cloud, monkeypatch):
    """The SDK keeps its real endpoint; requests (which honours HTTP_PROXY) sends through the emulator."""
    monkeypatch.setenv("HTTP_PROXY", cloud.url)
    # an index in effect at once (the cloud's minute: test_logs_stored_before_the_index_takes_effect_are_never_found)
    load(cloud, base_scenario(sls={"index_delay_seconds": 0}))
    return cloud


def findings_index() -> IndexConfig:
    keys = {k: IndexKeyConfig(token_list=TOKENS, doc_value=True) for k in ("status", "severity", "rule_id",
                                                                           "resource_id")}
    return IndexConfig(line_config=IndexLineConfig(token_list=TOKENS), key_config_list=keys)


def make_findings_store(client: LogClient) -> None:
    client.create_project(PROJECT, "auditor findings")
    client.create_logstore(PROJECT, STORE, ttl=30, shard_count=2)
    client.create_index(PROJECT, STORE, findings_index())


def finding(status: str, severity: str, rule: str, resource: str, when: int | None = None) -> LogItem:
    return LogItem(when or int(time.time()), [("status", status), ("severity", severity), ("rule_id", rule),
                                              ("resource_id", resource)])


def put(client: LogClient, items: list[LogItem], **kw: Any) -> None:
    client.put_logs(PutLogsRequest(PROJECT, STORE, "audit", "10.0.0.9", items, **kw))


def query(client: LogClient, q: str, start: int | None = None, end: int | None = None, **kw: Any) -> list[dict]:
    now = int(time.time())
    res = client.get_logs(GetLogsRequest(PROJECT, STORE, start or now - 600, end or now + 60, query=q, **kw))
    return [log.get_contents() for log in res.get_logs()]


def fired(admin, alert: str | None = None) -> list[dict[str, Any]]:
    return admin.request("GET", "sls/alerts/fired" + (f"?alert={alert}" if alert else ""))["fired"]


# --- projects, logstores, indexes ------------------------------------------------------------------

def test_projects_and_logstores_page_every_item(cloud_proxy):
    c = log_client()
    projects = [f"proj-{i:02d}" for i in range(7)]
    for name in projects:
        c.create_project(name, f"project {name}")
    listed, offset = [], 0
    while True:
        res = c.list_project(offset=offset, size=3)
        listed += [p["projectName"] for p in res.get_projects()]
        offset += res.get_count()
        if offset >= res.get_total():
            break
    assert listed == projects
    got = c.get_project("proj-03")
    assert (got.get_projectname(), got.get_region(), got.get_description(), got.get_owner()) == (
        "proj-03", "cn-hangzhou", "project proj-03", ACCOUNT)

    stores = [f"store-{i}" for i in range(5)]
    for name in stores:
        c.create_logstore("proj-00", name, ttl=90, shard_count=4)
    paged, offset = [], 0
    while offset < 5:
        res = c.list_logstore("proj-00", offset=offset, size=2)
        paged += res.get_logstores()
        offset += res.get_count()
    assert paged == stores
    assert c.list_logstores(ListLogstoresRequest("proj-00")).get_logstores() == stores
    ls = c.get_logstore("proj-00", "store-2")
    assert (ls.get_ttl(), ls.get_shard_count()) == (90, 4)
    c.update_logstore("proj-00", "store-2", ttl=180)
    assert c.get_logstore("proj-00", "store-2").get_ttl() == 180
    c.delete_logstore("proj-00", "store-4")
    assert c.list_logstores(ListLogstoresRequest("proj-00")).get_logstores() == stores[:4]


def test_list_project_and_logstores_default_page_sizes(cloud_proxy):
    """Without size (alibabacloud_sls20201230 sends none when it is not set): ListProject "The default value is 100",
    ListLogStores "Default value: 200" (OpenMeta sls/2020-12-30 api-docs.json, the size parameters' descriptions;
    their schema "default" field says 500, the maximum both descriptions give)."""
    stores = [{"name": f"store-{i:03d}"} for i in range(201)]
    projects = [{"name": f"proj-{i:03d}", "region": "cn-hangzhou"} for i in range(101)]
    projects[0]["logstores"] = stores
    load(cloud_proxy, base_scenario(sls={"projects": projects}))
    # the SDK keeps its real endpoint (<project>.cn-hangzhou.log.aliyuncs.com); the emulator is its proxy
    client = SlsClient(pop_config(cloud_proxy, endpoint="cn-hangzhou.log.aliyuncs.com", http_proxy=cloud_proxy.url))
    listed = client.list_project(sls_models.ListProjectRequest()).body
    assert (listed.count, listed.total) == (100, 101)
    logstores = client.list_log_stores("proj-000", sls_models.ListLogStoresRequest()).body
    assert (logstores.count, logstores.total) == (200, 201)


def test_index_create_get_update(cloud_proxy):
    c = log_client()
    c.create_project(PROJECT, "")
    c.create_logstore(PROJECT, STORE)
    with pytest.raises(LogException) as err:
        c.get_index_config(PROJECT, STORE)
    assert (err.value.get_error_code(), err.value.resp_status) == ("IndexConfigNotExist", 404)
    c.create_index(PROJECT, STORE, findings_index())
    cfg = c.get_index_config(PROJECT, STORE).get_index_config()
    assert sorted(cfg.key_config_list) == ["resource_id", "rule_id", "severity", "status"]
    assert cfg.key_config_list["status"].doc_value is True
    with pytest.raises(LogException) as err:
        c.create_index(PROJECT, STORE, findings_index())
    assert err.value.get_error_code() == "IndexAlreadyExist"
    c.update_index(PROJECT, STORE, IndexConfig(key_config_list={"status": IndexKeyConfig(token_list=TOKENS)}))
    assert list(c.get_index_config(PROJECT, STORE).get_index_config().key_config_list) == ["status"]


def test_logs_stored_before_the_index_takes_effect_are_never_found(cloud, admin, monkeypatch):
    """SLS: "An index takes effect within approximately one minute after creation. The index applies only to newly
    written data" (Create an index, help.aliyun.com/en/sls/developer-reference/index-create-index): the emulator's
    default minute, on its clock; neither GetLogs nor an alert finds the logs stored sooner, nor those stored
    before the index existed."""
    monkeypatch.setenv("HTTP_PROXY", cloud.url)
    load(cloud, base_scenario())
    c = log_client()
    c.create_project(PROJECT, "")
    c.create_logstore(PROJECT, STORE)
    put(c, [finding("FAIL", "high", "r-0", "before-index")])
    c.create_index(PROJECT, STORE, findings_index())
    put(c, [finding("FAIL", "high", "r-1", "too-soon")])
    assert query(c, "status: FAIL") == []
    admin.request("POST", "clock", {"advance": 61})
    put(c, [finding("FAIL", "high", "r-2", "in-effect")])
    assert [h["resource_id"] for h in query(c, "status: FAIL")] == ["in-effect"]
    assert [h["resource_id"] for h in query(c, "*")] == ["in-effect"]
    assert c.get_index_config(PROJECT, STORE).get_index_config().modify_time <= time.time() + 1


@pytest.mark.parametrize(("call", "code", "status"), [
    (lambda c: c.get_project("nope-project"), "ProjectNotExist", 404),
    (lambda c: c.get_logstore(PROJECT, "nope"), "LogStoreNotExist", 404),
    (lambda c: c.create_project(PROJECT, "again"), "ProjectAlreadyExist", 400),
    (lambda c: c.create_logstore(PROJECT, STORE), "LogStoreAlreadyExist", 400),
    (lambda c: c.get_alert(PROJECT, "nope"), "JobNotExist", 404),
])
def test_not_found_and_conflict_errors(cloud_proxy, call, code, status):
    c = log_client()
    make_findings_store(c)
    with pytest.raises(LogException) as err:
        call(c)
    assert (err.value.get_error_code(), err.value.resp_status) == (code, status)
    assert err.value.get_request_id()


# --- PutLogs and GetLogs ---------------------------------------------------------------------------

@pytest.mark.parametrize("compression", [{}, {"compress_type": "zstd"}, {"compress": False}],
                         ids=["lz4", "zstd", "raw"])
def test_put_logs_then_query_returns_exactly_the_matches(cloud_proxy, admin, compression):
    c = log_client()
    make_findings_store(c)
    now = int(time.time())
    put(c, [finding("FAIL", "high", "ram-1", "user/alice"), finding("FAIL", "low", "ram-2", "user/bob"),
            finding("PASS", "high", "ram-3", "user/carol"), finding("FAIL", "high", "oss-1", "bucket/logs"),
            finding("FAIL", "high", "old-1", "user/old", when=now - 3600)], **compression)
    hits = query(c, "status: FAIL and severity: high", now - 600, now + 60)
    assert sorted(h["resource_id"] for h in hits) == ["bucket/logs", "user/alice"]
    stored = admin.request("GET", f"sls/logs?project={PROJECT}&logstore={STORE}")["logs"]
    assert len(stored) == 5
    assert stored[0]["__topic__"] == "audit" and stored[0]["__source__"] == "10.0.0.9"


def test_query_syntax_paging_and_sql(cloud_proxy):
    c = log_client()
    make_findings_store(c)
    base = int(time.time()) - 100
    put(c, [finding("FAIL", "high", "ram-1", "user/a", base), finding("FAIL", "low", "ram-2", "user/b", base + 1),
            finding("PASS", "high", "ram-1", "user/c", base + 2), finding("FAIL", "medium", "oss-1", "bucket/d",
                                                                         base + 3)])

    def ids(q: str, **kw: Any) -> list[str]:
        return [h["resource_id"] for h in query(c, q, **kw)]

    assert ids("*") == ["user/a", "user/b", "user/c", "bucket/d"]
    assert ids("status: FAIL and not severity: low") == ["user/a", "bucket/d"]
    assert ids("(severity: high or severity: medium) and status: FAIL") == ["user/a", "bucket/d"]
    assert ids("rule_id: ram*") == ["user/a", "user/b", "user/c"]
    # "Fuzzy search does not support suffix matching" (aliyun-sls/sls-doc search_with_index.md, FAQ)
    assert ids("rule_id: *am-1") == [] and ids("rule_id: ?am-1") == []
    assert ids("rule_id: *") == ["user/a", "user/b", "user/c", "bucket/d"]  # (`*` alone: the field is there)
    assert ids("bucket") == ["bucket/d"]  # full text
    assert ids("status: fail", reverse=True) == ["bucket/d", "user/b", "user/a"]  # case-insensitive by default
    assert ids("*", offset=1, line=2) == ["user/b", "user/c"]
    assert query(c, "status: FAIL | select count(*) as n") == [{"n": "3"}]
    grouped = query(c, "* | select rule_id, count(*) as n group by rule_id order by n desc, rule_id")
    assert grouped == [{"rule_id": "ram-1", "n": "2"}, {"rule_id": "oss-1", "n": "1"}, {"rule_id": "ram-2", "n": "1"}]
    with pytest.raises(LogException) as err:
        query(c, "owner: alice")  # not in the index
    assert err.value.get_error_code() == "ParameterInvalid"


def test_query_needs_an_index(cloud_proxy):
    c = log_client()
    c.create_project(PROJECT, "")
    c.create_logstore(PROJECT, STORE)
    put(c, [finding("FAIL", "high", "r", "x")])
    with pytest.raises(LogException) as err:
        query(c, "*")
    assert err.value.get_error_code() == "IndexConfigNotExist"


class _NotProtobuf:
    """What put_log_raw serializes: bytes that are not a LogGroup."""

    def SerializeToString(self) -> bytes:  # noqa: N802 - the protobuf method name put_log_raw calls
        return b"\xff\xff\xff\xff not protobuf"


def test_body_that_does_not_decode_is_rejected(cloud_proxy):
    c = log_client()
    make_findings_store(c)
    with pytest.raises(LogException) as err:
        c.put_log_raw(PROJECT, STORE, _NotProtobuf())
    assert (err.value.get_error_code(), err.value.resp_status) == ("PostBodyInvalid", 400)


# --- signing, STS, RAM -----------------------------------------------------------------------------

def test_v4_signing(cloud_proxy):
    c = log_client(auth_version=AUTH_VERSION_4, region="cn-hangzhou")
    make_findings_store(c)
    put(c, [finding("FAIL", "high", "ram-1", "user/v4")])
    assert [h["resource_id"] for h in query(c, "status: FAIL")] == ["user/v4"]


def test_sts_token_auth_carries_the_role_policies(cloud_proxy):
    make_findings_store(log_client())
    put(log_client(), [finding("FAIL", "high", "ram-1", "user/sts")])
    creds = StsClient(pop_config(cloud_proxy, ADMIN_AK, ADMIN_SECRET)).assume_role(sts_models.AssumeRoleRequest(
        role_arn=f"acs:ram::{ACCOUNT}:role/auditor", role_session_name="sls", duration_seconds=900)).body.credentials
    role = log_client(creds.access_key_id, creds.access_key_secret, securityToken=creds.security_token)
    assert [p["projectName"] for p in role.list_project().get_projects()] == [PROJECT]
    assert [h["resource_id"] for h in query(role, "*")] == ["user/sts"]
    with pytest.raises(LogException) as err:
        put(role, [finding("PASS", "low", "x", "y")])
    assert err.value.get_error_code() == "Unauthorized"
    forged = log_client(creds.access_key_id, creds.access_key_secret, securityToken=creds.security_token + "x")
    with pytest.raises(LogException) as err:
        forged.list_project()
    assert err.value.resp_status == 401


@pytest.mark.parametrize(("ak", "secret", "code"), [
    (ADMIN_AK, "wrong-secret", "SignatureNotMatch"),
    ("LTAInosuchkey000000", "x", "Unauthorized"),
])
def test_bad_credentials(cloud_proxy, ak, secret, code):
    with pytest.raises(LogException) as err:
        log_client(ak, secret).list_project()
    assert (err.value.get_error_code(), err.value.resp_status) == (code, 401)


def test_read_only_user_can_query_but_not_put_logs(cloud_proxy):
    make_findings_store(log_client())
    reader = log_client(READER_AK, READER_SECRET)
    assert query(reader, "*") == []
    with pytest.raises(LogException) as err:
        put(reader, [finding("FAIL", "high", "ram-1", "user/x")])
    assert (err.value.get_error_code(), err.value.resp_status) == ("Unauthorized", 401)
    assert "log:PostLogStoreLogs" in err.value.get_error_message()
    assert f"project/{PROJECT}/logstore/{STORE}" in err.value.get_error_message()


def test_writes_are_actiontrail_events_but_put_logs_is_not(cloud_proxy, admin):
    c = log_client()
    make_findings_store(c)
    put(c, [finding("FAIL", "high", "ram-1", "user/x")])
    events = admin.events()
    assert [e["eventName"] for e in events] == ["CreateProject", "CreateLogStore", "CreateIndex"]
    first = events[0]
    assert (first["serviceName"], first["eventRW"], first["acsRegion"]) == ("Sls", "Write", "cn-hangzhou")
    assert first["referencedResources"] == {"ACS::SLS::Project": [PROJECT]}
    assert first["userIdentity"]["accessKeyId"] == ADMIN_AK
    assert events[1]["referencedResources"] == {"ACS::SLS::Project": [PROJECT], "ACS::SLS::LogStore": [STORE]}


# --- alerts --------------------------------------------------------------------------------------

def fail_alert(name: str = "sec-auditor-fail-findings", state: str = "Enabled") -> dict[str, Any]:
    """An 'alert on any FAIL finding' alert 2.0 JSON (alibabacloud_sls20201230 AlertConfiguration and Schedule; the
    examples of aliyun-sls/sls-doc src/alert/)."""
    return {
        "name": name, "displayName": "Security auditor: FAIL findings", "type": "Alert", "state": state,
        "schedule": {"type": "FixedRate", "interval": "15m", "delay": 60, "runImmediately": False},
        "configuration": {
            "version": "2.0", "type": "default", "dashboard": "internal-alert-analysis",
            "queryList": [{
                "storeType": "log", "region": "cn-hangzhou", "project": PROJECT, "store": STORE,
                "query": "status: FAIL | SELECT rule_id, severity, count(*) AS cnt, arbitrary(resource_id) AS "
                         "sample_resource GROUP BY rule_id, severity",
                "timeSpanType": "Relative", "start": "-15m", "end": "now", "powerSqlMode": "auto"}],
            "groupConfiguration": {"type": "custom", "fields": ["rule_id"]},
            "joinConfigurations": [],
            "severityConfigurations": [
                {"severity": 10, "evalCondition": {"condition": "severity = 'CRITICAL'", "countCondition": ""}},
                {"severity": 8, "evalCondition": {"condition": "severity = 'HIGH'", "countCondition": ""}},
                {"severity": 6, "evalCondition": {"condition": "", "countCondition": ""}}],
            "labels": [{"key": "app", "value": "sec-auditor"}],
            "annotations": [{"key": "title", "value": "FAIL ${rule_id} (${severity})"},
                            {"key": "desc", "value": "${cnt} failing resource(s), e.g. ${sample_resource}"}],
            "autoAnnotation": True, "sendResolved": False, "threshold": 1, "noDataFire": False,
            "noDataSeverity": 6,
            "policyConfiguration": {"alertPolicyId": "sls.builtin.dynamic", "actionPolicyId": "sls.builtin",
                                    "repeatInterval": "1h", "useDefault": False},
        },
    }


def test_fail_alert_fires_once_per_failing_batch(cloud_proxy, admin):
    c = log_client()
    make_findings_store(c)
    c.create_alert(PROJECT, fail_alert())
    got = c.get_alert(PROJECT, "sec-auditor-fail-findings").get_entity()
    assert got["configuration"]["queryList"][0]["store"] == STORE and got["state"] == "Enabled"
    assert [a["name"] for a in c.list_alert(PROJECT).get_entities()] == ["sec-auditor-fail-findings"]

    put(c, [finding("FAIL", "HIGH", "ram-1", "user/alice"), finding("PASS", "LOW", "ram-2", "user/bob")])
    records = fired(admin)
    assert len(records) == 1
    rec = records[0]
    assert (rec["alert"], rec["project"], rec["severity"], rec["count"]) == ("sec-auditor-fail-findings", PROJECT, 8, 1)
    assert rec["rows"] == [{"rule_id": "ram-1", "severity": "HIGH", "cnt": "1", "sample_resource": "user/alice"}]
    assert rec["annotations"] == {"title": "FAIL ram-1 (HIGH)", "desc": "1 failing resource(s), e.g. user/alice"}
    assert rec["labels"] == {"app": "sec-auditor"}

    put(c, [finding("PASS", "HIGH", "ram-1", "user/alice")])
    assert len(fired(admin)) == 1  # no new FAIL: no new alert, and the earlier batch does not fire again
    assert admin.request("POST", "sls/alerts/evaluate", {})["fired"] == []

    put(c, [finding("FAIL", "CRITICAL", "oss-1", "bucket/public")])
    assert [r["severity"] for r in fired(admin)] == [8, 10]


def test_disabled_alert_never_fires(cloud_proxy, admin):
    c = log_client()
    make_findings_store(c)
    c.create_alert(PROJECT, fail_alert("off", state="Disabled"))
    c.create_alert(PROJECT, fail_alert("on"))
    c.disable_alert(PROJECT, "on")
    assert c.get_alert(PROJECT, "on").get_entity()["state"] == "Disabled"
    put(c, [finding("FAIL", "HIGH", "ram-1", "user/alice")])
    assert admin.request("POST", "sls/alerts/evaluate", {"all": True})["fired"] == []
    assert fired(admin) == []
    c.enable_alert(PROJECT, "on")
    put(c, [finding("FAIL", "HIGH", "ram-2", "user/bob")])
    assert [r["alert"] for r in fired(admin)] == ["on"]


def test_alert_count_condition_update_and_delete(cloud_proxy, admin):
    c = log_client()
    make_findings_store(c)
    alert = fail_alert("counted")
    alert["configuration"]["queryList"][0]["query"] = "status: FAIL | select count(*) as n"
    alert["configuration"]["severityConfigurations"] = []
    alert["configuration"]["conditionConfiguration"] = {"condition": "n > 1", "countCondition": ""}
    c.create_alert(PROJECT, alert)
    with pytest.raises(LogException) as err:
        c.create_alert(PROJECT, alert)
    assert err.value.get_error_code() == "JobAlreadyExist"
    put(c, [finding("FAIL", "HIGH", "ram-1", "user/a")])
    assert fired(admin, "counted") == []  # n = 1
    alert["configuration"]["conditionConfiguration"]["condition"] = "n > 0"
    c.update_alert(PROJECT, alert)
    put(c, [finding("FAIL", "HIGH", "ram-1", "user/b")])
    assert [r["rows"] for r in fired(admin, "counted")] == [[{"n": "1"}]]
    c.delete_alert(PROJECT, "counted")
    with pytest.raises(LogException) as err:
        c.get_alert(PROJECT, "counted")
    assert (err.value.get_error_code(), err.value.resp_status) == ("JobNotExist", 404)
    # alerts are jobs on /jobs: ActionTrail's "Auditable events of Log Service" names CreateJob ("A task, such as an
    # alert or a tracking task, is created"); UpdateJob and DeleteJob after the RAM actions of the same routes
    assert [e["eventName"] for e in admin.events()][-3:] == ["CreateJob", "UpdateJob", "DeleteJob"]


def test_scenario_state_and_admin_ingest(cloud_proxy, admin):
    data = base_scenario(sls={"projects": [{
        "name": PROJECT, "region": "cn-hangzhou",
        "logstores": [{"name": STORE, "ttl": 7, "index": {"keys": {"status": {"type": "text", "token": TOKENS,
                                                                              "doc_value": True}}}}],
        "alerts": [{"name": "from-yaml", "configuration": {"queryList": [{"store": STORE, "query": "status: FAIL"}]}}],
    }]})
    load(cloud_proxy, data)
    c = log_client()
    assert c.get_logstore(PROJECT, STORE).get_ttl() == 7
    assert c.get_alert(PROJECT, "from-yaml").get_entity()["state"] == "Enabled"
    out = admin.request("POST", "sls/logs", {"project": PROJECT, "logstore": STORE,
                                             "logs": [{"status": "FAIL"}, {"status": "PASS"}]})
    assert out["stored"] == 2 and [r["count"] for r in out["fired"]] == [1]
    assert [h["status"] for h in query(c, "status: PASS")] == ["PASS"]


def test_a_reset_connection_loses_the_answer_of_a_served_call(cloud_proxy, admin):
    """Faults.resets: the call takes effect, its connection closes unanswered. Over HTTP (the emulator's) the log
    SDK's own retry takes it (its text names 'HTTPConnectionPool'): sent again, the served PutLogs's logs land twice
    (clients_log._log_throttle retries the HTTPS form, which the SDK passes over)."""
    c = log_client()
    make_findings_store(c)
    admin.faults(resets={"sls:PutLogs": 1})
    put(c, [finding("FAIL", "high", "r-1", "user/alice")])
    assert admin.calls()["sls:PutLogs"] == 2
    assert [h["resource_id"] for h in query(c, "status: FAIL")] == ["user/alice", "user/alice"]
