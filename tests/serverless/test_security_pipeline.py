"""Issue 21 items 2 and 7, end to end in the emulated FC: an invoker cannot widen what the pipeline reaches
(a confused deputy), take the daily run's id, or replace latest/ with a narrowed run."""

from __future__ import annotations

import json

from tests.pipeline import add_pipeline, fire_daily, invoke, read_json, reports_bucket, wait_idle, writer_bucket
from tests.sdk import ACCOUNT, base_scenario, load

FOREIGN = "9999999999999999"


def _deployed(**kw: object) -> dict:
    data = base_scenario()
    data["accounts"][0]["ram"]["roles"].append(
        {"name": "breakglass-admin", "policies": [{"name": "AdministratorAccess"}],
         "trust_policy": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                         "Principal": {"RAM": [f"acs:ram::{ACCOUNT}:root"]}}]}})
    data["accounts"].append({"id": FOREIGN, "alias": "foreign", "root": {"access_keys": [
        {"id": "LTAIforeignroot00001", "secret": "f"}]}})
    # bucket_writer: plants come from a role session of the account with OSS write access, the writer the
    # report bucket's policy cannot tell from the functions (long-term keys are refused there)
    add_pipeline(data, bucket_writer=True, **kw)  # type: ignore[arg-type]
    return data


def _dispatch(cloud, admin, payload: dict) -> dict:
    before = len(admin.request("GET", "fc/invocations")["invocations"])
    invoke(cloud.url, "aliaudit-dispatcher", json.dumps(payload).encode(), asynchronous=False)
    return admin.request("GET", "fc/invocations")["invocations"][before]


def test_a_payload_cannot_make_the_pipeline_assume_a_role(cloud, admin):
    load(cloud, _deployed())
    admin.request("DELETE", "calls")
    for payload in ({"accounts": [f"acs:ram::{ACCOUNT}:role/breakglass-admin", FOREIGN]},
                    {"accounts": [FOREIGN]}):  # a single-account deployment: no account can be added
        record = _dispatch(cloud, admin, payload)
        assert record["status"] == "succeeded" and "ignored" in record["result"], record
    wait_idle(admin)
    assert not admin.calls().get("sts:AssumeRole")
    assert not [o for o in reports_bucket(cloud.url).list_objects(prefix="runs/").object_list]


def test_a_narrowed_run_does_not_replace_latest(cloud, admin):
    load(cloud, _deployed())
    fire_daily(admin)
    wait_idle(admin)
    bucket = reports_bucket(cloud.url)
    whole = read_json(bucket, "latest/findings.json")
    record = _dispatch(cloud, admin, {"checks": ["ram_root_mfa_enabled"]})
    assert record["status"] == "succeeded" and '"parts": 1' in record["result"], record
    wait_idle(admin)
    after = read_json(bucket, "latest/findings.json")
    assert len(after) == len(whole) > 1
    squat = _dispatch(cloud, admin, {"run_id": "daily-20991231T020000Z", "checks": ["ram_root_mfa_enabled"]})
    assert "ignored" in squat["result"]


def test_a_missing_worker_function_is_error_at_once_and_the_others_run(cloud, admin):
    data = _deployed()
    functions = data["accounts"][0]["fc"]["functions"]
    data["accounts"][0]["fc"]["functions"] = [f for f in functions if f["name"] != "aliaudit-kms"]
    load(cloud, data)
    fire_daily(admin)
    invocations = wait_idle(admin, timeout=120)  # not the 30-minute aggregation deadline
    assert any(i["function"] == "aliaudit-aggregator" and i["status"] == "succeeded" for i in invocations)
    latest = read_json(reports_bucket(cloud.url), "latest/findings.json")
    kms = [f for f in latest if f["check_id"].startswith("kms_")]
    assert kms and {f["status"] for f in kms} == {"ERROR"}
    assert "the worker function aliaudit-kms could not be invoked" in kms[0]["message"]
    assert {f["status"] for f in latest if f["check_id"].startswith("ram_")} - {"ERROR"}


def test_a_part_planted_before_the_run_does_not_erase_its_fails(cloud, admin):
    load(cloud, _deployed())
    bucket = reports_bucket(cloud.url)
    header = {"run_id": "manual-planted", "family": "ram", "region": "global", "calls": 0, "findings": 0}
    writer_bucket(cloud.url).put_object("runs/manual-planted/parts/ram/global.json",
                                        json.dumps(header).encode() + b"\n")
    record = _dispatch(cloud, admin, {"run_id": "manual-planted"})
    assert record["status"] == "succeeded", record
    wait_idle(admin)
    latest = read_json(bucket, "latest/findings.json")
    root_key = [f for f in latest if f["check_id"] == "ram_root_access_key_absent"]
    assert [f["status"] for f in root_key] == ["FAIL"]  # the worker audited RAM again and overwrote the plant
    worker = [i for i in admin.request("GET", "fc/invocations")["invocations"] if i["function"] == "aliaudit-ram"]
    assert worker and "ignoring a stored part" in "".join(i.get("log") or "" for i in worker)


def test_with_the_run_secret_a_planted_manifest_and_mark_neither_decide_nor_stop_the_run(cloud, admin):
    load(cloud, _deployed(env={"ALIAUDIT_RUN_SECRET": "s3cret-for-tests-0123456789abcdef0123"}))
    bucket = reports_bucket(cloud.url)
    planted = {"run_id": "manual-evil", "account_id": ACCOUNT, "created": "2026-01-01T00:00:00Z", "kind": "daily",
               "regions": ["cn-hangzhou"], "check_ids": ["ram_root_mfa_enabled"],
               "parts": [{"family": "ram", "region": "global"}], "nonce": "0" * 32}
    writer = writer_bucket(cloud.url)
    writer.put_object("runs/manual-evil/manifest.json", json.dumps(planted).encode())
    writer.put_object("runs/manual-evil/dispatched.json", json.dumps({"parts": 1}).encode())
    record = _dispatch(cloud, admin, {"run_id": "manual-evil"})
    assert record["status"] == "succeeded" and "manual-evil-" in record["result"], record
    assert "was not written by this deployment" in record["log"]
    wait_idle(admin)
    latest = read_json(bucket, "latest/findings.json")
    assert [f["status"] for f in latest if f["check_id"] == "ram_root_access_key_absent"] == ["FAIL"]
    assert "s3cret-for-tests-0123456789abcdef0123" not in json.dumps(admin.request("GET", "fc/invocations"))


def test_with_the_run_secret_a_planted_done_marker_does_not_skip_the_run(cloud, admin):
    # an unsigned marker would make every worker answer "already aggregated" and the aggregator pass the run by:
    # a day with no findings, no reports and no alert
    load(cloud, _deployed(env={"ALIAUDIT_RUN_SECRET": "s3cret-for-tests-0123456789abcdef0123"}))
    writer_bucket(cloud.url).put_object("runs/manual-done/aggregated.json.done", json.dumps({}).encode())
    record = _dispatch(cloud, admin, {"run_id": "manual-done"})
    assert record["status"] == "succeeded", record
    invocations = wait_idle(admin)
    latest = read_json(reports_bucket(cloud.url), "latest/findings.json")
    assert [f["status"] for f in latest if f["check_id"] == "ram_root_access_key_absent"] == ["FAIL"]
    logs = "".join(i.get("log") or "" for i in invocations)
    assert "ignoring a done marker this deployment did not write" in logs and "already aggregated" not in logs


def test_a_malformed_baseline_or_mutelist_record_planted_for_a_run_does_not_stop_it(cloud, admin):
    # each used to raise in the aggregator, on every retry and sweep, for as long as the object stayed
    load(cloud, _deployed())
    writer = writer_bucket(cloud.url)
    writer.put_object("runs/manual-junk/baseline.json", b"x")
    writer.put_object("runs/manual-junk/mutelist-before.json", json.dumps({"known": True}).encode())
    record = _dispatch(cloud, admin, {"run_id": "manual-junk"})
    assert record["status"] == "succeeded", record
    invocations = wait_idle(admin)
    aggregator = [i for i in invocations if i["function"] == "aliaudit-aggregator"]
    assert aggregator and all(i["status"] == "succeeded" for i in aggregator), aggregator
    assert '"state": "aggregated"' in "".join(i.get("result") or "" for i in aggregator)
    latest = read_json(reports_bucket(cloud.url), "latest/findings.json")
    assert [f["status"] for f in latest if f["check_id"] == "ram_root_access_key_absent"] == ["FAIL"]
    assert "ignoring" in "".join(i.get("log") or "" for i in aggregator)


def test_without_a_run_secret_the_functions_refuse_to_run(cloud, admin):
    # every MAC the functions trust is keyed by it: without one a planted done marker or batch mark would be
    # believed, so a hand-edited deployment that lost it fails loudly instead of auditing unprotected
    for secret, why in (("", "is not set"), ("short-secret-123", "is 16 characters long, fewer than 32"),
                        ("x" * 31 + "!", "has characters other than")):
        load(cloud, _deployed(run_secret=secret))
        record = _dispatch(cloud, admin, {})
        assert record["status"] == "failed", record
        assert record["error"]["errorType"] == "SettingsError", record["error"]
        assert f"ALIAUDIT_RUN_SECRET {why}" in record["error"]["errorMessage"]
        if secret:
            assert secret not in json.dumps(admin.request("GET", "fc/invocations"))
        assert not reports_bucket(cloud.url).object_exists("latest/findings.json")
