"""The serverless pipeline end to end in the emulator: timer -> dispatcher -> workers -> aggregator,
reports in OSS, one SLS log per finding, the alert; event-driven re-audits; idempotency; failures."""

from __future__ import annotations

from datetime import date

from tests.pipeline import PROJECT, add_pipeline, fire_daily, read_json, reports_bucket, wait_idle
from tests.sdk import base_scenario, load


def sample(*, mfa: bool = False) -> dict:
    data = base_scenario(regions=["cn-hangzhou", "cn-shanghai"])
    acct = data["accounts"][0]
    acct["ram"]["users"].append({"name": "bob", "login_profile": {}, "last_login": "2099-01-01T00:00:00Z",
                                 **({"mfa_device": {"serial": "x"}} if mfa else {})})
    acct["oss"] = {"buckets": [{"name": "public-assets", "region": "cn-shanghai", "acl": "public-read"}]}
    return data


def test_daily_run_lands_reports_logs_and_alert(cloud, admin):
    data = sample()
    add_pipeline(data)
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
                                                    "aliaudit.summary.json", "aliaudit.compliance.cis_2.0.json"}
    summary = read_json(bucket, f"reports/{date.today():%Y-%m-%d}/{run_id}/aliaudit.summary.json")
    assert summary["missing_parts"] == [] and summary["status"]["ERROR"] == 0, summary
    assert set(summary["regions"]) == {"cn-hangzhou", "cn-shanghai"}
    logs = admin.request("GET", f"sls/logs?project={PROJECT}&logstore=findings")["logs"]
    assert len(logs) == summary["total"]
    assert any(lg["check_id"] == "ram_user_console_mfa_enabled" and lg["resource_id"] == "bob"
               and lg["status"] == "FAIL" for lg in logs)
    fired = admin.request("GET", f"sls/alerts/fired?project={PROJECT}")["fired"]
    assert len(fired) == 1
    desc = str(fired[0])
    assert f"{summary['new_fails']} new: " in desc  # the alert names the run's new FAILs
