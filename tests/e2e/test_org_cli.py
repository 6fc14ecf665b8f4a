"""`aliaudit scan --all-accounts / --accounts` end to end: the installed command as a subprocess against the
emulator's organisation (tests/emulator/scenarios/org.yaml: 6 accounts, 3 of which cannot be audited)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.emulator.state import Scenario
from tests.paths import TESTS

ORG = TESTS / "emulator" / "scenarios" / "org.yaml"
SCRIPT = str(Path(sys.executable).parent / "aliaudit")
MGMT, PROD, DEV, SUSPENDED, NOROLE, PARTNER = (f"100000000000000{i}" for i in range(1, 7))
AUDITOR_AK, AUDITOR_SECRET = "LTAIorgauditor000001", "org-auditor-secret-00000000000"
FAMILIES = ["--family", "ram", "--family", "oss", "--family", "ecs"]


@pytest.fixture
def run(cloud, tmp_path):
    cloud.emulator.load(Scenario.from_file(ORG))

    def run_cli(*args: str) -> subprocess.CompletedProcess:
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "ALIAUDIT_ENDPOINT_PROXY": cloud.url,
               "ALIAUDIT_ENDPOINT_PROTOCOL": "http", "ALIBABA_CLOUD_ACCESS_KEY_ID": AUDITOR_AK,
               "ALIBABA_CLOUD_ACCESS_KEY_SECRET": AUDITOR_SECRET}
        return subprocess.run([SCRIPT, "scan", *FAMILIES, *args], capture_output=True, text=True, env=env,
                              timeout=180, cwd=tmp_path)

    return run_cli


def _findings(path: Path) -> list[dict]:
    with path.open() as fh:
        return list(csv.DictReader(fh))


def test_all_accounts_audits_the_reachable_ones_and_reports_the_rest_as_error(run, tmp_path):
    out = tmp_path / "org"
    got = run("--all-accounts", "--member-external-id", "aliaudit-org", "--output-dir", str(out),
              "--compliance", "cis_2.0")
    assert got.returncode == 3, got.stderr[-2000:]
    org = json.loads((out / "aliaudit.org-summary.json").read_text())
    assert org["accounts"] == 6 and org["accounts_not_audited"] == 3
    assert org["not_offered"] == {}  # (every product of the scenario is offered in its regions)
    assert json.loads((out / "accounts" / PROD / "aliaudit.summary.json").read_text())["not_offered"] == {}
    rows = {r["account_id"]: r for r in org["by_account"]}
    assert "suspended" in rows[SUSPENDED]["not_audited"]
    assert "does not exist" in rows[NOROLE]["not_audited"]
    assert "external id" in rows[PARTNER]["not_audited"]
    for healthy in (MGMT, PROD, DEV):
        assert "not_audited" not in rows[healthy] and rows[healthy]["status"]["ERROR"] == 0, rows[healthy]
        assert rows[healthy]["status"]["PASS"] and rows[healthy]["status"]["FAIL"], healthy
    worst = [r["account_id"] for r in org["by_account"]]
    fails = [sum(rows[a]["unmuted_fail_by_severity"].values()) for a in worst[:3]]
    assert worst[:3] == sorted(worst[:3], key=lambda a: worst.index(a)) and fails  # worst first, as ranked
    # every finding of the org-wide CSV carries its account; the unreachable accounts' are all ERROR
    findings = _findings(out / "aliaudit.csv")
    by_account: dict[str, set[str]] = {}
    for f in findings:
        by_account.setdefault(f["account_id"], set()).add(f["status"])
    assert set(by_account) == {MGMT, PROD, DEV, SUSPENDED, NOROLE, PARTNER}
    assert all(by_account[a] == {"ERROR"} for a in (SUSPENDED, NOROLE, PARTNER))
    # per-account reports: the same set, each holding only its account
    for account in by_account:
        own = _findings(out / "accounts" / account / "aliaudit.csv")
        assert own and {f["account_id"] for f in own} == {account}
        assert (out / "accounts" / account / "aliaudit.compliance.cis_2.0.json").exists()
    assert sum(len(_findings(out / "accounts" / a / "aliaudit.csv")) for a in by_account) == len(findings)
    compliance = json.loads((out / "aliaudit.compliance.cis_2.0.json").read_text())
    assert compliance["framework_id"] == "cis_2.0"
    assert "NOT AUDITED" in got.stdout and "acme-suspended" in got.stdout
    assert AUDITOR_SECRET not in got.stdout + got.stderr


def test_the_cli_gives_a_member_the_findings_of_a_scan_inside_it(run, tmp_path, cloud):
    """Auditing acme-prod through its role gives what a scan with a key of acme-prod itself gives."""
    data = Scenario.from_file(ORG).model_dump()
    prod = next(a for a in data["accounts"] if a["id"] == PROD)
    inside_key, inside_secret = "LTAIorgprodinside001", "org-prod-inside-secret-0000000"
    prod["ram"]["users"].append({"name": "inside", "policies": [{"name": "AdministratorAccess"}],
                                 "access_keys": [{"id": inside_key, "secret": inside_secret}]})
    cloud.emulator.load(Scenario.model_validate(data))
    got = run("--accounts", PROD, "--member-external-id", "aliaudit-org", "--output-dir", str(tmp_path / "a"))
    assert got.returncode == 3, got.stderr[-2000:]
    via_role = {(f["check_id"], f["region"], f["resource_id"]): f["status"]
                for f in _findings(tmp_path / "a" / "aliaudit.csv")}
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "ALIAUDIT_ENDPOINT_PROXY": cloud.url,
           "ALIAUDIT_ENDPOINT_PROTOCOL": "http", "ALIBABA_CLOUD_ACCESS_KEY_ID": inside_key,
           "ALIBABA_CLOUD_ACCESS_KEY_SECRET": inside_secret}
    direct = subprocess.run([SCRIPT, "scan", *FAMILIES, "--output-dir", str(tmp_path / "b")], capture_output=True,
                            text=True, env=env, timeout=180, cwd=tmp_path)
    assert direct.returncode == 3, direct.stderr[-2000:]
    inside = {(f["check_id"], f["region"], f["resource_id"]): f["status"]
              for f in _findings(tmp_path / "b" / "aliaudit.csv")}
    # the key used by the second scan is the only resource whose state the scans themselves change
    assert {k: v for k, v in via_role.items() if k[2] != inside_key} == {k: v for k, v in inside.items()
                                                                         if k[2] != inside_key}
    assert len(via_role) > 10


@pytest.mark.parametrize(("args", "expected"), [
    (["--include-accounts", "prod"], {PROD, NOROLE}),
    (["--exclude-accounts", "dev", "--exclude-accounts", MGMT], {PROD, NOROLE}),
    (["--include-accounts", f"acme-partner,{DEV}"], {DEV, PARTNER}),
])
def test_include_and_exclude_filters(run, tmp_path, args, expected):
    out = tmp_path / "f"
    got = run("--all-accounts", "--member-external-id", "aliaudit-org", "--output-dir", str(out), *args)
    assert got.returncode in (3, 4), got.stderr[-2000:]
    org = json.loads((out / "aliaudit.org-summary.json").read_text())
    assert {r["account_id"] for r in org["by_account"]} == expected


@pytest.mark.parametrize(("args", "message"), [
    (["--all-accounts", "--accounts", PROD], "exclude each other"),
    (["--accounts", "12345"], "not a 16-digit account id or a role ARN"),
    (["--all-accounts", "--include-accounts", "nothing-like-this"], "no account to audit"),
])
def test_bad_organisation_options_are_refused_clearly(run, tmp_path, args, message):
    got = run(*args, "--output-dir", str(tmp_path / "x"))
    assert got.returncode == 1 and message in got.stderr, got.stderr[-2000:]


def test_a_member_cannot_audit_the_directory(cloud, tmp_path):
    cloud.emulator.load(Scenario.from_file(ORG))
    prod = next(a for a in Scenario.from_file(ORG).accounts if a.id == PROD)
    key = next(k for u in prod.ram.users for k in u.access_keys if u.name == "prod-alice")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "ALIAUDIT_ENDPOINT_PROXY": cloud.url,
           "ALIAUDIT_ENDPOINT_PROTOCOL": "http", "ALIBABA_CLOUD_ACCESS_KEY_ID": key.id,
           "ALIBABA_CLOUD_ACCESS_KEY_SECRET": key.secret}
    got = subprocess.run([SCRIPT, "scan", "--all-accounts"], capture_output=True, text=True, env=env, timeout=60,
                         cwd=tmp_path)
    assert got.returncode != 0 and "management account" in got.stderr, got.stderr[-2000:]


def test_a_member_whose_upgrade_is_pending_or_failed_is_still_audited(run, cloud, tmp_path):
    """ListAccounts Status PromoteVerifying / PromoteFailed / PromoteExpired / PromoteCancelled: a resource account's
    upgrade to a cloud account ("being confirmed", failed...), the member there all along: audited, not ERROR."""
    scenario = Scenario.from_file(ORG)
    assert scenario.resource_directory is not None
    member = next(m for m in scenario.resource_directory.members if m.account_id == DEV)
    member.status = "PromoteVerifying"
    cloud.emulator.load(scenario)
    out = tmp_path / "org"
    got = run("--all-accounts", "--member-external-id", "aliaudit-org", "--output-dir", str(out))
    assert got.returncode == 3, got.stderr[-2000:]
    rows = {r["account_id"]: r for r in json.loads((out / "aliaudit.org-summary.json").read_text())["by_account"]}
    assert "not_audited" not in rows[DEV] and rows[DEV]["status"]["FAIL"], rows[DEV]
