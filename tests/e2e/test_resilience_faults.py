"""Resilience: `aliaudit scan` under faults. Each test runs the scan fault-free first (the expected
(check, region, resource) pairs and verdicts), then under faults, and compares: every expected pair ends up
with its verdict or as ERROR with the reason, none missing, none duplicated, and the summary counts them."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from aliaudit import cli
from aliaudit.findings import Finding, Status
from tests.resilience import (
    AUDITOR_AK,
    AUDITOR_SECRET,
    DOWN,
    REGIONS,
    ROLE_ARN,
    assert_summary_counts,
    compare,
    from_ocsf,
    world,
)
from tests.sdk import load


def read_run(out: Path) -> tuple[list[Finding], dict[str, Any]]:
    findings = [from_ocsf(i) for i in json.loads((out / "aliaudit.ocsf.json").read_text())]
    return findings, json.loads((out / "aliaudit.summary.json").read_text())


@pytest.fixture()
def scan_cli(cloud, monkeypatch, capsys, tmp_path):
    """`aliaudit scan` in this process (as the installed command runs it), as the auditor user, against the
    emulator; returns the findings and summary it wrote."""

    def run(name: str, *args: str, **env: str) -> tuple[list[Finding], dict[str, Any]]:
        for var in list(os.environ):
            if var.startswith(("ALIBABA_CLOUD_", "ALIAUDIT_")):
                monkeypatch.delenv(var)
        settings = {"HOME": str(tmp_path), "ALIAUDIT_ENDPOINT_PROXY": cloud.url, "ALIAUDIT_ENDPOINT_PROTOCOL": "http",
                    "ALIBABA_CLOUD_ACCESS_KEY_ID": AUDITOR_AK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": AUDITOR_SECRET, **env}
        for var, value in settings.items():
            monkeypatch.setenv(var, value)
        out = tmp_path / name
        code = cli.main(["scan", "--quiet", "--output-dir", str(out), "--output-formats", "ocsf", "summary", *args])
        captured = capsys.readouterr()
        assert code in (3, 4), captured.err  # FAILs in this account (4: only when no FAIL survived)
        return read_run(out)

    return run


def test_scan_survives_5xx_timeouts_and_sts_sessions_shorter_than_the_run(cloud, admin, scan_cli):
    load(cloud, world())
    expected, _ = scan_cli("clean", "--role-arn", ROLE_ARN)
    admin.request("DELETE", "calls")
    # 5% of calls answer 503, 5% are slower than the read timeout (they still complete on the server, as a
    # timed-out call may), every call takes 80 ms so the scan outlives the 3 s STS sessions on a fast machine
    admin.faults(error_rate=0.05, slow_rate=0.05, slow_ms=1200, latency_ms=80, seed=7, sts_max_lifetime_seconds=3)
    start = time.monotonic()
    findings, summary = scan_cli("faulty", "--role-arn", ROLE_ARN, ALIAUDIT_READ_TIMEOUT_MS="400",
                                 ALIAUDIT_CONNECT_TIMEOUT_MS="400")
    elapsed = time.monotonic() - start
    result = compare(expected, findings)
    assert_summary_counts(summary, findings)
    # transient faults are retried: (nearly) every verdict survives, and what did not says why
    assert result.same >= len(expected) - 3, [(f.check_id, f.resource_id, f.message) for f in result.error]
    calls = admin.request("GET", "calls")["calls"]
    # the scan outlived its first role session: it was renewed in time (an expired one would be ERRORs)
    assert elapsed > 3 and calls["sts:AssumeRole"] >= 2, (elapsed, calls["sts:AssumeRole"])


def test_scan_with_a_region_down_reports_that_region_as_error_and_the_others_in_full(cloud, admin, scan_cli):
    load(cloud, world())
    expected, _ = scan_cli("clean")
    admin.faults(regions_down=[DOWN])
    findings, summary = scan_cli("down", ALIAUDIT_BACKOFF_MS="50")  # (fewer seconds spent on the dead region)
    result = compare(expected, findings)
    assert_summary_counts(summary, findings)
    # the CIS 2.10-2.22 alert checks look for the Log Audit Service central project in every region that can hold
    # one, the dead one included: without an alert found elsewhere they cannot tell, so they are ERROR too; and the
    # trails are listed in every region (a single-region trail is seen only from its own): the checks reading them
    # cannot judge without the dead region's
    trail_checks = {"actiontrail_trail_all_regions_enabled", "actiontrail_trail_records_all_events",
                    "actiontrail_trail_bucket_protected",
                    "oss_trail_bucket_not_public", "oss_trail_bucket_not_exposed",
                    "sls_actiontrail_logstore_retention_sufficient"}
    down = {(f.check_id, f.region, f.resource_id) for f in expected
            if f.region == DOWN or (f.check_id.startswith("sls_alert_") and f.status != Status.PASS)
            or f.check_id in trail_checks}
    assert down and set(result.collapsed) | {(f.check_id, f.region, f.resource_id) for f in result.error} == down
    assert result.same == len(expected) - len(down)  # the healthy regions (and global checks) lose nothing
    errors = [f for f in findings if f.status == Status.ERROR]
    assert all((f.region == DOWN or DOWN in f.message) and "ServiceUnavailable" in f.message for f in errors), \
        {(f.region, f.message) for f in errors if f.region != DOWN or "ServiceUnavailable" not in f.message}
    # a regional check says ERROR once for the whole region (its data could not be listed there)
    assert {f.check_id for f in errors if f.resource_id == DOWN} >= {
        "ecs_security_group_ssh_restricted", "kms_key_rotation_enabled", "rds_instance_whitelist_not_open"}
    assert summary["status"]["ERROR"] == len(errors) and set(REGIONS) == set(summary["regions"])
