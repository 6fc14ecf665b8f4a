"""The pipeline in organisation mode, end to end in the emulated FC: a directory of 6 accounts (generated),
one suspended, one without the audit role, one whose trust policy wants another external id. The daily run
(accounts from the deployment's ALIAUDIT_ACCOUNTS) audits the other three completely, reports the three failures
as ERROR with the reason, and gives the same findings as `aliaudit scan --all-accounts`."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from tests.emulator.generate import (
    ACCOUNT,
    AUDIT_EXTERNAL_ID,
    AUDIT_ROLE,
    ORG_AUDITOR_AK,
    ORG_AUDITOR_SECRET,
    generate_org,
)
from tests.emulator.state import Scenario
from tests.pipeline import PROJECT, add_pipeline, fire_daily, read_json, reports_bucket, wait_idle

FAMILIES = ["ram", "oss", "ecs"]
SCRIPT = str(Path(sys.executable).parent / "aliaudit")


def organisation() -> tuple[dict, list[str]]:
    data = generate_org(6, scale=0.002, seed=3).model_dump(mode="json", exclude_defaults=True)
    members = [a["id"] for a in data["accounts"][1:]]
    suspended, norole, partner = (a for a in data["accounts"][2:5])
    suspended["suspended"] = True
    norole["ram"]["roles"] = [r for r in norole["ram"]["roles"] if r["name"] != AUDIT_ROLE]
    for r in partner["ram"]["roles"]:
        if r["name"] == AUDIT_ROLE:
            r["trust_policy"]["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"] = "something-else"
    # which accounts and roles the pipeline reaches is deployment configuration (template.yml's Accounts,
    # MemberRoleName and MemberExternalId: ALIAUDIT_ACCOUNTS and the organisation policy); the timer only narrows
    add_pipeline(data, payload=json.dumps({"families": FAMILIES}), accounts="resource-directory",
                 member_role=AUDIT_ROLE, external_id=AUDIT_EXTERNAL_ID)
    return data, members


def _key(f: dict) -> tuple[str, str, str, str]:
    return f["account_id"], f["check_id"], f["region"], f["resource_id"]


def test_org_run_audits_every_reachable_account_and_matches_the_cli(cloud, admin, tmp_path):
    data, members = organisation()
    cloud.emulator.load(Scenario.model_validate(data))
    fire_daily(admin)
    invocations = wait_idle(admin, timeout=300)
    assert not [i for i in invocations if i["status"] != "succeeded"]
    workers = [i for i in invocations if i["function"] not in ("aliaudit-dispatcher", "aliaudit-aggregator")]
    assert len(workers) == 6 * len(FAMILIES)  # one task per account and family
    bucket = reports_bucket(cloud.url)
    keys = [o.key for o in bucket.list_objects(prefix="reports/", max_keys=1000).object_list]
    run_id = keys[0].split("/")[2]
    prefix = f"reports/{date.today():%Y-%m-%d}/{run_id}/"
    org = read_json(bucket, prefix + "aliaudit.org-summary.json")
    assert org["accounts"] == 6 and org["accounts_not_audited"] == 3
    rows = {r["account_id"]: r for r in org["by_account"]}
    suspended, norole, partner = members[1:4]
    assert "suspended" in rows[suspended]["not_audited"]
    assert "does not exist" in rows[norole]["not_audited"]
    assert "external id" in rows[partner]["not_audited"]
    for healthy in [ACCOUNT, members[0], members[4]]:
        assert rows[healthy]["status"]["ERROR"] == 0 and rows[healthy]["status"]["FAIL"], rows[healthy]
    # each account's own report set, holding only that account
    for account in [ACCOUNT, *members]:
        own = read_json(bucket, f"{prefix}accounts/{account}/aliaudit.summary.json")
        assert own["account_id"] == account and own["total"] == sum(rows[account]["status"].values())
    pipeline = list(csv.DictReader(bucket.get_object(prefix + "aliaudit.csv").read().decode().splitlines()))
    logs = admin.request("GET", f"sls/logs?project={PROJECT}&logstore=findings")["logs"]
    assert len(logs) == len(pipeline) and {lg["account_id"] for lg in logs} == {ACCOUNT, *members}
    fired = admin.request("GET", f"sls/alerts/fired?project={PROJECT}")["fired"]
    assert fired and "account(s): " in str(fired[0]) and members[0] in str(fired[0])  # names the accounts
    # the CLI from the management account gives the same findings for the members
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "ALIAUDIT_ENDPOINT_PROXY": cloud.url,
           "ALIAUDIT_ENDPOINT_PROTOCOL": "http", "ALIBABA_CLOUD_ACCESS_KEY_ID": ORG_AUDITOR_AK,
           "ALIBABA_CLOUD_ACCESS_KEY_SECRET": ORG_AUDITOR_SECRET}  # (a RAM user: STS refuses the root key)
    families = [x for fam in FAMILIES for x in ("--family", fam)]
    got = subprocess.run([SCRIPT, "scan", "--all-accounts", "--member-external-id", AUDIT_EXTERNAL_ID, *families,
                          "--quiet", "--output-dir", str(tmp_path / "cli")], capture_output=True, text=True, env=env,
                         timeout=300, cwd=tmp_path)
    assert got.returncode == 3, got.stderr[-2000:]
    with (tmp_path / "cli" / "aliaudit.csv").open() as fh:
        cli = list(csv.DictReader(fh))
    # (the management account itself differs on purpose: the pipeline holds its own report bucket to a
    # higher standard, and the CLI signed in as the auditor user)
    want = {_key(f): f["status"] for f in cli if f["account_id"] != ACCOUNT}
    have = {_key(f): f["status"] for f in pipeline if f["account_id"] != ACCOUNT}
    assert have == want
