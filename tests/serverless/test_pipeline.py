"""The serverless pipeline end to end in the emulator: timer -> dispatcher -> workers -> aggregator,
reports in OSS, one SLS log per finding, the alert; event-driven re-audits; idempotency; failures."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from aliaudit.runtime.models import OBJECT_MAC
from tests.emulator.products.oss import OssObject, find_bucket
from tests.pipeline import (
    BUCKET,
    PROJECT,
    add_pipeline,
    fire_daily,
    read_json,
    reports_bucket,
    signed_json,
    wait_idle,
)
from tests.sdk import base_scenario, load

DEADLINE = 600  # long enough for a starved machine's workers; the test backdates the run past it


def sample(*, mfa: bool = False) -> dict:
    data = base_scenario(regions=["cn-hangzhou", "cn-shanghai"])
    acct = data["accounts"][0]
    acct["ram"]["users"].append({"name": "bob", "login_profile": {}, "last_login": "2099-01-01T00:00:00Z",
                                 **({"mfa_device": {"serial": "x"}} if mfa else {})})
    acct["oss"] = {"buckets": [{"name": "public-assets", "region": "cn-shanghai", "acl": "public-read"}]}
    return data


def test_daily_run_lands_reports_logs_and_alert(cloud, admin, monkeypatch):
    data = sample()
    data["not_offered"] = {"cr": ["cn-shanghai"]}  # Container Registry has no endpoint there: not audited there
    add_pipeline(data, aggregator_env={"ALIAUDIT_LOG_PROCESS_MIN_FINDINGS": "0"})  # its SLS logs from a process
    load(cloud, data)
    fire_daily(admin)
    invocations = wait_idle(admin)
    failed = [i for i in invocations if i["status"] != "succeeded"]
    assert not failed, failed[0]
    bucket = reports_bucket(cloud.url)
    keys = [o.key for o in bucket.list_objects(prefix="reports/").object_list]
    run_id = keys[0].split("/")[2]
    assert run_id.startswith("daily-")
    assert {k.rsplit("/", 1)[1] for k in keys} == {"aliaudit.ocsf.json", "aliaudit.csv", "aliaudit.html",
                                                    "aliaudit.summary.json", "aliaudit.compliance.cis_2.0.json",
                                                    "aliaudit.compliance.cis_2.0.csv"}
    summary = read_json(bucket, f"reports/{date.today():%Y-%m-%d}/{run_id}/aliaudit.summary.json")
    assert summary["missing_parts"] == [] and summary["status"]["ERROR"] == 0, summary
    assert set(summary["regions"]) == {"cn-hangzhou", "cn-shanghai"}
    assert summary["not_offered"] == {"cr": ["cn-shanghai"]}  # (no part there, so no ERROR: asserted above)
    assert not [k for k in bucket.list_objects(prefix=f"runs/{run_id}/parts/cr/").object_list
                if k.key.endswith("cn-shanghai.json")]
    # the auditor's own deployed resources pass its own checks: the bucket is deploy.report_bucket's, HTTPS-only
    # policy included (the emulator counts its requests as HTTPS: tests/emulator/README.md), with the own key
    ocsf = read_json(bucket, f"reports/{date.today():%Y-%m-%d}/{run_id}/aliaudit.ocsf.json")
    own = [f for f in ocsf if f["resources"][0]["uid"] == BUCKET]
    assert {"oss_bucket_secure_transport_enabled", "oss_bucket_encrypted_with_byok", "oss_report_bucket_secured",
            "oss_bucket_versioning_enabled", "oss_bucket_logging_enabled"} <= {f["unmapped"]["check_id"] for f in own}
    # but CIS 5.7, which asks for a policy limiting networks: the functions have no fixed addresses (README)
    failing = {f["unmapped"]["check_id"]: f["status_detail"] for f in own if f["status_code"] not in ("PASS", "MANUAL")}
    assert own and set(failing) == {"oss_bucket_network_access_restricted"}, failing
    assert any(f["unmapped"]["check_id"] == "oss_report_bucket_secured" and f["status_code"] == "PASS" for f in own)
    for name in ("aliaudit.csv", "aliaudit.html", "aliaudit.ocsf.json"):  # latest/ holds the same reports
        assert bucket.get_object(f"latest/{name}").read() == bucket.get_object(
            f"reports/{date.today():%Y-%m-%d}/{run_id}/{name}").read()
    latest = read_json(bucket, "latest/findings.json")
    assert len(latest) == summary["total"] and {f["check_id"] for f in latest} == {f["unmapped"]["check_id"]
                                                                                   for f in ocsf}
    logs = admin.request("GET", f"sls/logs?project={PROJECT}&logstore=findings")["logs"]
    assert len(logs) == summary["total"]
    assert any(lg["check_id"] == "ram_user_console_mfa_enabled" and lg["resource_id"] == "bob"
               and lg["status"] == "FAIL" for lg in logs)
    fired = admin.request("GET", f"sls/alerts/fired?project={PROJECT}")["fired"]
    assert len(fired) == 1
    desc = str(fired[0])
    assert f"{summary['new_fails']} new: " in desc  # the alert names the run's new FAILs
    # as created, read back with the SLS SDK: each run its own alert (grouped by run_id: a label, so a fingerprint of
    # its own), over a window a minute longer than the 5 minutes between checks (logs arrive late)
    from aliyun.log import LogClient

    from tests.sdk import ROOT_AK, ROOT_SECRET

    monkeypatch.setenv("HTTP_PROXY", cloud.url)
    alert = LogClient("cn-hangzhou.log.aliyuncs.com", ROOT_AK, ROOT_SECRET).get_alert(
        PROJECT, "aliaudit-unmuted-fail").get_body()
    config = alert["configuration"]
    assert config["groupConfiguration"] == {"type": "custom", "fields": ["run_id"]}
    assert (config["queryList"][0]["start"], config["queryList"][0]["end"], alert["schedule"]["interval"]) == (
        "-6m", "now", "5m")


def test_event_reaudits_only_what_it_touched_and_duplicates_change_nothing(cloud, admin):
    import time

    import oss2

    from tests.pipeline import invoke, run_summaries
    from tests.sdk import ROOT_AK, ROOT_SECRET

    data = sample()
    data["accounts"][0]["oss"]["buckets"].append({"name": "team-data", "region": "cn-hangzhou"})
    add_pipeline(data, payload='{"families": ["oss"]}')
    acct = data["accounts"][0]
    pattern = '{"type":[{"suffix":":ActionTrail:ApiCall"}],"data":{"eventName":["PutBucketAcl"]}}'
    dispatcher = acct["fc"]["functions"][0]
    dispatcher["triggers"].append({"name": "actiontrail-changes", "type": "eventbridge",
                                   "config": {"eventRuleFilterPattern": pattern, "asyncInvocationType": False}})
    load(cloud, data)
    fire_daily(admin)
    wait_idle(admin)
    bucket = reports_bucket(cloud.url)
    assert len(run_summaries(bucket)) == 1
    logs_before = len(admin.request("GET", f"sls/logs?project={PROJECT}&logstore=findings")["logs"])
    whole_before = bucket.get_object("latest/findings.json").read()
    # a risky change: the bucket becomes public through the OSS API
    start = time.monotonic()
    oss2.Bucket(oss2.Auth(ROOT_AK, ROOT_SECRET), "http://oss-cn-hangzhou.aliyuncs.com", "team-data",
                proxies={"http": cloud.url}).put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)
    wait_idle(admin)
    elapsed = time.monotonic() - start
    runs = run_summaries(bucket)
    event_runs = [r for r in runs if r.startswith("event-")]
    assert len(event_runs) == 1 and elapsed < 30
    logs = admin.request("GET", f"sls/logs?project={PROJECT}&logstore=findings")["logs"]
    new_logs = logs[logs_before:]
    assert new_logs and {lg["resource_id"] for lg in new_logs} <= {"team-data", "1234567890123456"}
    assert any(lg["check_id"] == "oss_bucket_not_publicly_accessible" and lg["status"] == "FAIL"
               for lg in new_logs)
    # the event run rewrote only the shards of what it re-checked (latest/parts/oss/global.jsonl), not the
    # account's whole latest/findings.json (the last whole run's)
    shards = [o.key for o in oss2.ObjectIterator(bucket, prefix="latest/parts/oss/global")]
    assert len(shards) == 1  # (the sample's buckets: one shard, latest/parts/oss/global.jsonl)
    # (each shard ends with its seal line, latest.py)
    part = [f for key in shards for line in bucket.get_object(key).read().splitlines()
            if "check_id" in (f := json.loads(line))]
    assert any(f["check_id"] == "oss_bucket_not_publicly_accessible" and f["resource_id"] == "team-data"
               and f["status"] == "FAIL" for f in part)
    assert any(f["resource_id"] == "public-assets" for f in part)  # untouched findings kept
    assert bucket.get_object("latest/findings.json").read() == whole_before
    # duplicate deliveries: the same event again, and a second aggregation request, change nothing
    event = admin.deliveries()[-1]["event"]
    import json as _json

    invoke(cloud.url, "aliaudit-dispatcher", _json.dumps(event).encode())
    invoke(cloud.url, "aliaudit-aggregator", _json.dumps({"run_id": event_runs[0]}).encode())
    wait_idle(admin)
    assert len(run_summaries(bucket)) == 2
    assert len(admin.request("GET", f"sls/logs?project={PROJECT}&logstore=findings")["logs"]) == len(logs)
    # the next whole run measures "new" against the parts, event runs included: the event's FAIL is not new again
    admin.advance(30)  # (another timer time: another daily run id)
    fire_daily(admin)
    wait_idle(admin)
    daily = admin.request("GET", f"sls/logs?project={PROJECT}&logstore=findings")["logs"][len(logs):]
    (again,) = [lg for lg in daily if lg["check_id"] == "oss_bucket_not_publicly_accessible"
                and lg["resource_id"] == "team-data"]
    assert again["status"] == "FAIL" and again["new_fail"] == "false"


def test_a_whole_run_empties_the_shards_of_resources_that_are_gone(cloud, admin):
    """A run of whole families (here a deployment narrowed to OSS) writes the latest/ shards that hold verdicts,
    and empties those of the last run that held some: a deleted bucket's verdicts leave latest/parts/, and every
    shard still ends with its seal."""
    import oss2

    from tests.sdk import ROOT_AK, ROOT_SECRET

    data = sample()
    data["accounts"][0]["oss"]["buckets"].append({"name": "short-lived", "region": "cn-hangzhou"})
    add_pipeline(data, payload='{"families": ["oss"]}')
    load(cloud, data)
    bucket = reports_bucket(cloud.url)

    def shards() -> dict[str, list[dict]]:
        return {o.key: [json.loads(line) for line in bucket.get_object(o.key).read().splitlines()]
                for o in oss2.ObjectIterator(bucket, prefix="latest/parts/oss/")}

    fire_daily(admin)
    wait_idle(admin)
    before = shards()
    assert any(f.get("resource_id") == "short-lived" for lines in before.values() for f in lines)
    oss2.Bucket(oss2.Auth(ROOT_AK, ROOT_SECRET), "http://oss-cn-hangzhou.aliyuncs.com", "short-lived",
                proxies={"http": cloud.url}).delete_bucket()
    admin.advance(30)  # (another timer time: another daily run id)
    fire_daily(admin)
    wait_idle(admin)
    after = shards()
    assert set(after) == set(before)  # (emptied, not left behind)
    assert not [(k, f) for k, lines in after.items() for f in lines if f.get("resource_id") == "short-lived"]
    assert all(lines and "seal" in lines[-1] for lines in after.values())
    assert any(f.get("resource_id") == "public-assets" for lines in after.values() for f in lines)


def test_a_large_part_is_spread_over_shards_and_an_event_rewrites_only_its_resources_shard(cloud, admin):
    """ALIAUDIT_LATEST_SHARD_FINDINGS (here 40) spreads a part of more findings over shards by resource: the daily
    run writes them and each part's count in latest/parts/index.json; an event reads and rewrites only the shard of
    the bucket it touched and logs its new FAIL; the next whole run, finding another count (buckets gone), writes
    that count's shards and empties the old ones, so no verdict is left behind under another name."""
    import oss2

    from tests.sdk import ROOT_AK, ROOT_SECRET

    data = sample()
    data["accounts"][0]["oss"]["buckets"] += [{"name": f"bulk-{n}", "region": "cn-hangzhou"} for n in range(12)]
    add_pipeline(data, payload='{"families": ["oss"]}', env={"ALIAUDIT_LATEST_SHARD_FINDINGS": "40",
                                                             "ALIAUDIT_EVENT_WINDOW_SECONDS": "0"})
    pattern = '{"type":[{"suffix":":ActionTrail:ApiCall"}],"data":{"eventName":["PutBucketAcl"]}}'
    data["accounts"][0]["fc"]["functions"][0]["triggers"].append({
        "name": "actiontrail-changes", "type": "eventbridge",
        "config": {"eventRuleFilterPattern": pattern, "asyncInvocationType": False}})
    load(cloud, data)
    bucket = reports_bucket(cloud.url)

    def shards() -> dict[str, tuple[float, list[dict]]]:  # the non-empty ones: (Last-Modified, findings)
        out = {}
        for o in oss2.ObjectIterator(bucket, prefix="latest/parts/oss/global"):
            lines = [json.loads(line) for line in bucket.get_object(o.key).read().splitlines()]
            if len(lines) > 1:
                out[o.key] = (o.last_modified, lines[:-1])
        return out

    fire_daily(admin)
    wait_idle(admin)
    count = read_json(bucket, "latest/parts/index.json")["shards"]["oss/global"]
    before = shards()
    # (14 buckets of about 15 findings each: 8 shards; a resource's findings share one)
    assert count >= 4 and len(before) >= 3, before.keys()
    assert all(k.endswith(f"-of-{count:04d}.jsonl") for k in before)
    (home,) = [k for k, (_, lines) in before.items() if any(f["resource_id"] == "bulk-3" for f in lines)]
    logs_before = len(admin.request("GET", f"sls/logs?project={PROJECT}&logstore=findings")["logs"])
    admin.advance(2)  # (a rewritten shard's Last-Modified moves)
    oss2.Bucket(oss2.Auth(ROOT_AK, ROOT_SECRET), "http://oss-cn-hangzhou.aliyuncs.com", "bulk-3",
                proxies={"http": cloud.url}).put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)  # (its event: the trigger)
    wait_idle(admin)
    new = admin.request("GET", f"sls/logs?project={PROJECT}&logstore=findings")["logs"][logs_before:]
    assert {(lg["check_id"], lg["resource_id"]) for lg in new if lg.get("new_fail") == "true"} >= {
        ("oss_bucket_not_publicly_accessible", "bulk-3")}, new
    after = shards()
    # only the shards of what the event re-checked were rewritten: the bucket's and the account's (its
    # account-level OSS verdicts, e.g. the account's Block Public Access)
    account = [k for k, (_, lines) in before.items() if any(f["resource_id"] == "1234567890123456" for f in lines)]
    assert home in {k for k in after if after[k][0] != before.get(k, (None,))[0]} <= {home, *account}
    assert any(f["resource_id"] == "bulk-3" and f["check_id"] == "oss_bucket_not_publicly_accessible"
               and f["status"] == "FAIL" for f in after[home][1])
    assert {k: len(v[1]) for k, v in after.items()} == {k: len(v[1]) for k, v in before.items()}  # none lost
    # fewer buckets: the next whole run chooses fewer shards and empties the old count's
    for n in range(12):
        oss2.Bucket(oss2.Auth(ROOT_AK, ROOT_SECRET), "http://oss-cn-hangzhou.aliyuncs.com", f"bulk-{n}",
                    proxies={"http": cloud.url}).delete_bucket()
    admin.advance(30)  # (another timer time: another daily run id)
    fire_daily(admin)
    wait_idle(admin)
    fewer = read_json(bucket, "latest/parts/index.json")["shards"].get("oss/global", 1)
    assert fewer < count
    last = shards()
    assert last and all(f"-of-{count:04d}" not in k for k in last), last.keys()
    assert not [f for _, lines in last.values() for f in lines if f["resource_id"].startswith("bulk-")]


def test_denied_api_and_crashed_worker_give_error_findings_and_a_complete_run(cloud, admin):
    from aliaudit.checks.registry import all_checks
    from aliaudit.policy import policy_document
    from tests.pipeline import invoke, run_summaries

    policy = policy_document(all_checks().values())
    policy["Statement"][0]["Action"] = [a for a in policy["Statement"][0]["Action"] if a != "ram:GetPasswordPolicy"]
    data = sample()
    add_pipeline(data, read_policy=policy, deadline=DEADLINE, payload='{"families": ["ram", "kms"]}')
    for fn in data["accounts"][0]["fc"]["functions"]:
        if fn["name"] == "aliaudit-kms":
            fn["handler"] = "index.missing_handler"  # the worker crashes on every attempt
    load(cloud, data)
    fire_daily(admin)
    wait_idle(admin)
    bucket = reports_bucket(cloud.url)
    assert run_summaries(bucket) == {}  # waiting for the kms parts
    # past the deadline, which counts from the manifest's creation: backdated in the emulator's store (the bucket
    # policy refuses the account's own writes under runs/), never waited out; its MAC renewed with the deployment's
    # run secret
    (manifest_key,) = [o.key for o in bucket.list_objects(prefix="runs/").object_list
                       if o.key.endswith("/manifest.json")]
    manifest = read_json(bucket, manifest_key)
    created = datetime.fromisoformat(manifest["created"].replace("Z", "+00:00"))
    manifest["created"] = (created - timedelta(seconds=DEADLINE + 60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    _, stored = find_bucket(cloud.emulator.world, BUCKET)
    raw, headers = signed_json(manifest_key, manifest)
    stored.objects[manifest_key] = OssObject.of(raw, meta={OBJECT_MAC[len("x-oss-meta-"):]: headers[OBJECT_MAC]})
    invoke(cloud.url, "aliaudit-aggregator", b'{"sweep": true}')
    wait_idle(admin)
    (summary,) = run_summaries(bucket).values()
    assert sorted(summary["missing_parts"]) == ["kms/cn-hangzhou", "kms/cn-shanghai"]
    latest = read_json(bucket, "latest/findings.json")
    kms = [f for f in latest if f["family"] == "kms"]
    assert kms and all(f["status"] == "ERROR" and "did not report" in f["message"] for f in kms)
    pp = [f for f in latest if f["check_id"].startswith("ram_password_policy")]
    assert pp and all(f["status"] == "ERROR" and "NoPermission" in f["message"] for f in pp)
    assert any(f["status"] in ("PASS", "FAIL") for f in latest if f["family"] == "ram")


def test_alert_fires_only_for_unmuted_fails(cloud, admin):
    from tests.pipeline import run_summaries

    data = sample()
    data["accounts"][0]["ram"]["password_policy"] = {"minimum_length": 16}
    add_pipeline(data, payload='{"checks": ["ram_password_policy_min_length", "ram_user_console_mfa_enabled"]}')
    load(cloud, data)
    # bob's missing MFA is an accepted risk: muted through the mutelist in the report bucket
    reports_bucket(cloud.url).put_object("config/mutelist.yaml", b"""mutelist:
  - check: ram_user_console_mfa_enabled
    resource: bob
    reason: break-glass user, reviewed monthly
    expires: 2099-01-01
""")
    fire_daily(admin)
    wait_idle(admin)
    (summary,) = run_summaries(reports_bucket(cloud.url)).values()
    assert summary["status"]["FAIL"] == 1 and summary["muted"] == 1 and summary["unmuted_fail"] == 0
    logs = admin.request("GET", f"sls/logs?project={PROJECT}&logstore=findings")["logs"]
    assert [(lg["resource_id"], lg["muted"]) for lg in logs if lg["status"] == "FAIL"] == [("bob", "true")]
    fired = admin.request("GET", f"sls/alerts/fired?project={PROJECT}")["fired"]
    assert [a for a in fired if a["alert"] == "aliaudit-unmuted-fail"] == []
    # (the mutelist itself is new: that alone is worth knowing, through the mutelist alert)
    assert [a["annotations"]["desc"].split(": ALERT: ")[1] for a in fired] == [
        "a mutelist is in use and no earlier run recorded one"]


def test_a_failing_log_process_fails_the_aggregation_with_its_reason_for_a_retry(cloud, admin):
    """The SLS logs sent from their own process: when it cannot send them, the aggregation fails (FC retries
    it; the run is not marked done) with one clear error, and the process's own log line says why."""
    from tests.pipeline import ROLE

    data = sample()
    add_pipeline(data, payload='{"families": ["oss"]}', aggregator_env={"ALIAUDIT_LOG_PROCESS_MIN_FINDINGS": "0"})
    acct = data["accounts"][0]
    acct["ram"]["policies"].append({"name": "NoFindingLogs", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": "log:PostLogStoreLogs", "Resource": "*"}]}})
    next(r for r in acct["ram"]["roles"] if r["name"] == ROLE)["policies"].append(
        {"name": "NoFindingLogs", "type": "Custom"})
    load(cloud, data)
    fire_daily(admin)
    invocations = wait_idle(admin)
    (aggregator,) = [i for i in invocations if i["function"] == "aliaudit-aggregator" and i["status"] != "succeeded"]
    assert len(aggregator["attempts"]) == 3  # the first and FC's two retries
    for attempt in aggregator["attempts"]:
        assert attempt["error"]["errorMessage"] == "the SLS log process failed (exit code 1)", attempt["error"]
    # each attempt's log holds the process's own line with the reason
    assert aggregator["log"].count("sending the SLS logs failed") == 3, aggregator["log"][-3000:]
    assert "log:PostLogStoreLogs" in aggregator["log"]
    bucket = reports_bucket(cloud.url)
    assert not [o.key for o in bucket.list_objects(prefix="runs/").object_list if o.key.endswith(".done")]
    assert admin.request("GET", f"sls/logs?project={PROJECT}&logstore=findings")["logs"] == []
