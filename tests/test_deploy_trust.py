"""The deployed pipeline's own trust boundaries in the emulator (issue 21 items 1 and 3, issue 18 item 4): what
the execution role may assume, and who may write the report bucket's run state, reports and configuration,
with the policies deploy.py generates for template.yml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aliaudit import deploy
from tests.pipeline import ROLE, add_pipeline, invoke
from tests.sdk import ACCOUNT, base_scenario, load

MEMBER = "2234567890123456"
EXTERNAL_ID = "aliaudit-trust-4f2a"
ADMIN_TRUST = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                              "Principal": {"RAM": [f"acs:ram::{ACCOUNT}:root"]}}]}

# a function under the pipeline's execution role that tries AssumeRole on each role it is given, with the role's
# own credentials as FC provides them (credentials/fc.py), through the emulator like the pipeline's functions
PROBE = '''"""Test double: AssumeRole with the execution role's credentials, one role ARN after another."""
import json
import os

from alibabacloud_sts20150401 import models

from aliaudit.clients import ClientFactory
from aliaudit.credentials.fc import from_fc_runtime
from aliaudit.settings import EndpointSettings


def handler(event, context):
    factory = ClientFactory(from_fc_runtime(context, os.environ).provider, EndpointSettings.from_env(os.environ))
    sts = factory.pop("sts")
    out = {}
    for arn, external_id in json.loads(event)["roles"]:
        try:
            sts.assume_role(models.AssumeRoleRequest(role_arn=arn, role_session_name="probe",
                                                     external_id=external_id or None))
            out[arn] = "assumed"
        except Exception as err:
            out[arn] = getattr(err, "code", None) or type(err).__name__
    return json.dumps(out)
'''


def _organisation(tmp_path: Path, **deployment: Any) -> dict[str, Any]:
    """The pipeline in organisation mode, a member with member-role.yml's role trusting aliaudit-fc, and a
    break-glass administrator role in the pipeline's own account that trusts the whole account (as the issue's
    attacker found it)."""
    data = base_scenario()
    acct = data["accounts"][0]
    acct["ram"]["roles"].append({"name": "breakglass-admin", "trust_policy": ADMIN_TRUST,
                                 "policies": [{"name": "AdministratorAccess"}]})
    data["accounts"].append({"id": MEMBER, "alias": "member", "ram": {"roles": [{
        "name": deploy.MEMBER_ROLE_NAME, "policies": [{"name": "ReadOnlyAccess"}],
        "trust_policy": {"Version": "1", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": [f"acs:ram::{ACCOUNT}:role/{ROLE}"]},
            "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}}]}}]}})
    add_pipeline(data, **deployment)
    code = tmp_path / "probe"
    code.mkdir()
    (code / "index.py").write_text(PROBE)
    acct["fc"]["functions"].append({"name": "aliaudit-probe", "region": "cn-hangzhou", "code_dir": str(code),
                                    "timeout": 60, "role": f"acs:ram::{ACCOUNT}:role/{ROLE}", "environment": {}})
    return data


def _probe(cloud: Any, admin: Any, roles: list[tuple[str, str]]) -> dict[str, str]:
    before = len(admin.request("GET", "fc/invocations")["invocations"])
    invoke(cloud.url, "aliaudit-probe", json.dumps({"roles": roles}).encode(), asynchronous=False)
    record = admin.request("GET", "fc/invocations")["invocations"][before]
    assert record["status"] == "succeeded", record
    return json.loads(record["result"])


BREAKGLASS = f"acs:ram::{ACCOUNT}:role/breakglass-admin"
MEMBER_ROLE = f"acs:ram::{MEMBER}:role/{deploy.MEMBER_ROLE_NAME}"


def test_the_function_role_assumes_the_member_audit_role_and_never_an_admin_role_of_its_account(cloud, admin,
                                                                                                  tmp_path):
    load(cloud, _organisation(tmp_path, accounts="resource-directory", external_id=EXTERNAL_ID))
    got = _probe(cloud, admin, [(BREAKGLASS, ""), (MEMBER_ROLE, EXTERNAL_ID)])
    # the break-glass role trusts the account root, so only the caller's own policy stands in the way: the
    # organisation policy names the member role (acs:ram::*:role/aliaudit-member-audit), not every role
    assert got == {BREAKGLASS: "NoPermission", MEMBER_ROLE: "assumed"}


@pytest.mark.parametrize("deployment", [{}, {"accounts": "resource-directory", "member_role": "other-audit-role",
                                             "external_id": EXTERNAL_ID}])
def test_without_organisation_mode_or_for_another_name_the_function_role_assumes_nothing(cloud, admin, tmp_path,
                                                                                          deployment):
    load(cloud, _organisation(tmp_path, **deployment))
    got = _probe(cloud, admin, [(BREAKGLASS, ""), (MEMBER_ROLE, EXTERNAL_ID)])
    assert got == {BREAKGLASS: "NoPermission", MEMBER_ROLE: "NoPermission"}


def test_policy_cli_names_the_member_role(capsys: pytest.CaptureFixture[str]):
    from aliaudit.cli import main

    def statements(*args: str) -> list[dict[str, Any]]:
        assert main(["policy", "--family", "ram", *args]) == 0
        return json.loads(capsys.readouterr().out)["Statement"]

    assert len(statements()) == 1  # no organisation: no directory reads, no sts:AssumeRole
    assert statements("--organisation")[-1] == {"Effect": "Allow", "Action": ["sts:AssumeRole"],
                                                "Resource": "acs:ram::*:role/ResourceDirectoryAccountAccessRole"}
    assert statements("--organisation", "--member-role", "aliaudit-member-audit")[-1]["Resource"] == \
        "acs:ram::*:role/aliaudit-member-audit"
    assert main(["policy", "--member-role", "aliaudit-member-audit"]) == 1  # only with --organisation
    assert main(["policy", "--organisation", "--member-role", "*"]) == 1
    assert "--member-role" in capsys.readouterr().err
