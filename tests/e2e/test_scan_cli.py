"""`aliaudit scan`, `diff` and `policy` end to end: the installed command as a subprocess against the emulator."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from py_ocsf_models.events.findings.detection_finding import DetectionFinding

from aliaudit.reports.csv_report import COLUMNS
from tests.sdk import ACCOUNT, base_scenario, load

SCRIPT = str(Path(sys.executable).parent / "aliaudit")
AUDITOR_AK, AUDITOR_SECRET = "LTAIauditor00000001", "auditor-secret-000000000000"


def scenario(mfa_for_bob: bool = False) -> dict:
    data = base_scenario(regions=["cn-hangzhou", "cn-shanghai"])
    acct = data["accounts"][0]
    acct["root"]["access_keys"] = []
    acct["ram"]["users"] += [
        {"name": "bob", "login_profile": {}, "last_login": "2099-01-01T00:00:00Z",
         **({"mfa_device": {"serial": "x"}} if mfa_for_bob else {})},
        {"name": "auditor", "groups": ["auditors"],
         "access_keys": [{"id": AUDITOR_AK, "secret": AUDITOR_SECRET}]}]
    acct["ram"]["policies"] = [{"name": "CredentialReport", "document": {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "ram:GenerateCredentialReport", "Resource": "*"}]}}]
    acct["ram"]["groups"].append({"name": "auditors", "policies": [{"name": "ReadOnlyAccess"},
                                                                  {"name": "CredentialReport", "type": "Custom"}]})
    return data


@pytest.fixture()
def run(cloud, tmp_path):
    load(cloud, scenario())

    def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        full = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "ALIAUDIT_ENDPOINT_PROXY": cloud.url,
                "ALIAUDIT_ENDPOINT_PROTOCOL": "http", "ALIBABA_CLOUD_ACCESS_KEY_ID": AUDITOR_AK,
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET": AUDITOR_SECRET, **(env or {})}
        return subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=full, timeout=120, cwd=tmp_path)

    return run_cli


def test_scan_writes_every_report_and_exits_3_on_fail(run, tmp_path):
    out = run("scan", "--family", "ram", "--output-dir", "out", "--compliance", "cis_2.0")
    assert out.returncode == 3, out.stderr
    assert f"Identity: account {ACCOUNT} as acs:ram::{ACCOUNT}:user/auditor" in out.stderr
    assert "Findings by severity" in out.stdout and "Top failing checks" in out.stdout
    # not a terminal: plain progress lines, no carriage returns
    assert "\r" not in out.stderr and "collected ram.users in global" in out.stderr
    assert " calls | " in out.stderr and "findings," in out.stderr
    files = {p.name for p in (tmp_path / "out").iterdir()}
    assert files == {"aliaudit.ocsf.json", "aliaudit.csv", "aliaudit.html", "aliaudit.summary.json",
                     "aliaudit.compliance.cis_2.0.json", "aliaudit.compliance.cis_2.0.csv"}
    ocsf = json.loads((tmp_path / "out" / "aliaudit.ocsf.json").read_text())
    for item in ocsf:
        DetectionFinding.model_validate(item)
    assert all(item["metadata"]["version"] == "1.5.0" and item["class_uid"] == 2004 for item in ocsf)
    bob = [i for i in ocsf if i["unmapped"]["check_id"] == "ram_user_console_mfa_enabled"
           and i["resources"][0]["uid"] == "bob"]
    assert len(bob) == 1 and bob[0]["status_code"] == "FAIL"
    with open(tmp_path / "out" / "aliaudit.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0].keys()) == COLUMNS and len(rows) == len(ocsf)
    summary = json.loads((tmp_path / "out" / "aliaudit.summary.json").read_text())
    assert summary["total"] == len(ocsf) and summary["status"]["FAIL"] >= 1 and summary["unmuted_fail"] >= 1
    comp = json.loads((tmp_path / "out" / "aliaudit.compliance.cis_2.0.json").read_text())
    assert comp["total"] == 85 and sum(comp["totals"].values()) == 85
    req = {r["id"]: r for r in comp["requirements"]}
    assert req["1.4"]["status"] == "FAIL" and req["2.6"]["status"] == "NOT_SELECTED"


def test_exit_code_0_when_no_unmuted_fail_and_4_on_error(run, cloud):
    load(cloud, scenario(mfa_for_bob=True))
    assert run("scan", "--check", "ram_user_console_mfa_enabled", "--quiet").returncode == 0
    data = scenario()
    data["accounts"][0]["ram"]["policies"].append({"name": "NoPp", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": "ram:GetPasswordPolicy", "Resource": "*"}]}})
    data["accounts"][0]["ram"]["groups"][-1]["policies"].append({"name": "NoPp", "type": "Custom"})
    load(cloud, data)
    out = run("scan", "--check", "ram_password_policy_symbol", "--output-formats", "summary", "--quiet")
    assert out.returncode == 4, out.stderr


def test_mutelist_mutes_with_reason_and_expired_entries_are_reported(run, tmp_path):
    future, past = date.today() + timedelta(days=30), date.today() - timedelta(days=1)
    (tmp_path / "mute.yaml").write_text(f"""mutelist:
  - check: ram_user_console_mfa_enabled
    resource: "bo.*"
    reason: bob is a break-glass user
    expires: {future}
  - check: ram_password_policy_.*
    reason: old decision
    expires: {past}
""")
    out = run("scan", "--check", "ram_user_console_mfa_enabled", "--mutelist", "mute.yaml", "--output-dir", "o")
    assert out.returncode == 0, out.stderr  # the only FAIL is muted
    assert "line 6: entry expired on" in out.stderr
    ocsf = json.loads((tmp_path / "o" / "aliaudit.ocsf.json").read_text())
    bob = next(i for i in ocsf if i["resources"][0]["uid"] == "bob")
    assert bob["status_code"] == "FAIL" and bob["unmapped"]["muted"] is True
    assert bob["unmapped"]["mute_reason"] == "bob is a break-glass user" and bob["status"] == "Suppressed"


@pytest.mark.parametrize(("content", "message"), [
    ("mutelist:\n  - check: x\n    expires: 2030-01-01\n", "line 2: reason"),
    ("mutelist:\n  - check: '('\n    reason: r\n    expires: 2030-01-01\n", "line 2: check: Value error, invalid"),
    ("mutelist: [\n", "not valid YAML"),
    ("other: 1\n", "top-level 'mutelist:'"),
])
def test_bad_mutelist_is_rejected_with_line_and_problem(run, tmp_path, content, message):
    (tmp_path / "m.yaml").write_text(content)
    out = run("scan", "--mutelist", "m.yaml")
    assert out.returncode == 1 and message in out.stderr, out.stderr


@pytest.mark.parametrize(("args", "message", "code"), [
    (["--region", "mars-1"], "--region mars-1: not a region of this account (available: cn-hangzhou, cn-shanghai)",
     1),
    (["--family", "nope"], "--family nope: unknown family", 1),
    (["--check", "nope"], "unknown check id 'nope'", 1),
    (["--config", "missing.yaml"], "cannot read config file missing.yaml", 1),
    (["--output-formats", "pdf"], "invalid choice: 'pdf'", 5),  # a usage error (argparse)
    (["--processes", "0"], "--processes 0: must be at least 1", 1),
])
def test_bad_options_get_one_clear_error(run, args, message, code):
    out = run("scan", *args)
    assert out.returncode == code and message in out.stderr, out.stderr


def test_bad_config_values_are_rejected(run, tmp_path):
    (tmp_path / "c.yaml").write_text("access_key_max_age_days: -3\n")
    out = run("scan", "--config", "c.yaml")
    assert out.returncode == 1 and "access_key_max_age_days: Input should be greater than or equal to 1" in out.stderr


def test_diff_reports_new_resolved_and_unchanged(run, cloud, tmp_path):
    assert run("scan", "--family", "ram", "--output-dir", "a", "--quiet").returncode == 3
    load(cloud, scenario(mfa_for_bob=True))
    run("scan", "--family", "ram", "--output-dir", "b", "--quiet")
    out = run("diff", "a/aliaudit.ocsf.json", "b/aliaudit.ocsf.json", "--format", "json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert [(r["check_id"], r["resource_id"]) for r in result["resolved"]] == [("ram_user_console_mfa_enabled", "bob")]
    assert result["new"] == [] and result["unchanged"]
    bad = run("diff", "a/aliaudit.csv", "b/aliaudit.ocsf.json")
    assert bad.returncode == 1 and "not an aliaudit OCSF output" in bad.stderr


def test_policy_lists_exactly_the_collectors_read_actions(run):
    out = run("policy", "--family", "ram")
    doc = json.loads(out.stdout)
    actions = doc["Statement"][0]["Action"]
    assert "ram:ListUsers" in actions and "ram:GetPasswordPolicy" in actions
    # read-only: every action is a read, plus the credential report generation the root checks need
    verbs = ("Get", "List", "Describe", "Lookup", "Query", "Check", "GenerateCredentialReport")
    assert all(a.split(":")[1].startswith(verbs) for a in actions), actions
    assert actions == sorted(set(actions))


def test_live_progress_on_a_terminal(cloud, tmp_path):
    """On a TTY the progress line is redrawn in place instead of printing one line per dataset."""
    import pty

    load(cloud, scenario())
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "ALIAUDIT_ENDPOINT_PROXY": cloud.url,
           "ALIAUDIT_ENDPOINT_PROTOCOL": "http", "ALIBABA_CLOUD_ACCESS_KEY_ID": AUDITOR_AK,
           "ALIBABA_CLOUD_ACCESS_KEY_SECRET": AUDITOR_SECRET}
    leader, follower = pty.openpty()
    proc = subprocess.Popen([SCRIPT, "scan", "--family", "ram", "--output-formats", "summary"], stdin=follower,
                            stdout=follower, stderr=follower, env=env, cwd=tmp_path)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(leader)
    screen = b"".join(chunks).decode(errors="replace")
    assert proc.returncode == 3
    assert "\r\x1b[K[" in screen and "families x" in screen and "findings so far" in screen


def test_a_proxy_password_stays_out_of_scan_processes_debug_logs(run, cloud, tmp_path):
    """oss2 logs its proxies at DEBUG. The scan processes (forkserver: --processes at least the family groups) get
    the settings pickled, so each registers the proxy's password for scrubbing itself."""
    password = "Pr0xy-passw0rd-4711"
    proxy = cloud.url.replace("://", f"://auditor:{password}@", 1)
    out = run("scan", "--log-level", "DEBUG", "--family", "oss", "--family", "ram", "--family", "ecs",
              "--processes", "8", "--output-dir", str(tmp_path / "out"), "--quiet",
              env={"ALIAUDIT_ENDPOINT_PROXY": proxy})
    assert out.returncode in (0, 3, 4), out.stderr[-2000:]
    assert "proxies" in out.stderr  # (oss2's DEBUG lines are there)
    assert password not in out.stdout + out.stderr
