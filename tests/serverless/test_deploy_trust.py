"""The deployed pipeline's own trust boundaries in the emulator (issue 21 items 1 and 3, issue 18 item 4): what
the execution role may assume, and who may write the report bucket's run state, reports and configuration,
with the policies deploy.py generates for template.yml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import oss2
import pytest

from aliaudit import deploy
from tests.pipeline import (
    BUCKET,
    ROLE,
    add_pipeline,
    fire_daily,
    invoke,
    reports_bucket,
    run_summaries,
    wait_idle,
    writer_bucket,
)
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


# --- the report bucket's policy (issue 21 item 3, second half) ------------------------------------------------

OSS_USER_AK, OSS_USER_SECRET = "LTAIossfulluser00001", "oss-full-secret-000000000000"


def _bucket_as(url: str, ak: str, secret: str) -> oss2.Bucket:
    return oss2.Bucket(oss2.AuthV4(ak, secret), "http://oss-cn-hangzhou.aliyuncs.com", BUCKET,
                       proxies={"http": url}, region="cn-hangzhou")


def _denied(bucket: oss2.Bucket, key: str) -> bool:
    try:
        bucket.put_object(key, b'{"run_id": "x", "family": "ram", "region": "global", "findings": 0}\n')
    except oss2.exceptions.AccessDenied as err:
        assert "bucket policy" in err.message, err.message
        return True
    return False


def test_another_writer_cannot_plant_run_state_and_the_pipeline_still_runs(cloud, admin):
    """A RAM user of the account with AliyunOSSFullAccess (its RAM policy allows every OSS call) cannot write
    runs/, reports/, latest/ or config/ of the deployed bucket; the account's root key may write config/ only
    (the mutelist); the functions still write the whole run."""
    data = base_scenario()
    data["accounts"][0]["ram"]["users"].append({"name": "oss-operator", "policies": [{"name": "AliyunOSSFullAccess"}],
                                                "access_keys": [{"id": OSS_USER_AK, "secret": OSS_USER_SECRET}]})
    add_pipeline(data, payload='{"families": ["ram"]}', bucket_writer=True)
    load(cloud, data)
    fire_daily(admin)
    invocations = wait_idle(admin)
    assert invocations and all(i["status"] == "succeeded" for i in invocations), invocations
    (summary,) = run_summaries(reports_bucket(cloud.url)).values()
    assert summary["missing_parts"] == [] and summary["status"]["FAIL"]  # the run wrote parts and reports
    user, root = _bucket_as(cloud.url, OSS_USER_AK, OSS_USER_SECRET), reports_bucket(cloud.url)
    assert user.get_object("latest/findings.json").read()  # reading stays a matter of RAM policies
    for key in ("runs/x/parts/ram/global.json", "runs/x/manifest.json", "reports/2099-01-01/x/aliaudit.ocsf.json",
                "latest/findings.json", "config/mutelist.yaml"):
        assert _denied(user, key), key
        assert _denied(root, key) is (key != "config/mutelist.yaml"), key  # the owner writes the mutelist
    with pytest.raises(oss2.exceptions.AccessDenied):
        user.delete_object("latest/findings.json")
    # what the policy cannot tell apart (documented): a session of another role holding OSS write permission; the
    # runs' seals stop what it plants (tests/serverless/test_security_pipeline.py)
    assert not _denied(writer_bucket(cloud.url), "runs/x/parts/ram/global.json")


def test_plain_http_is_refused_by_the_deployed_policy(cloud):
    """With the scenario's requests counted as plain HTTP (secure_transport: false), the HTTPS-only statement
    refuses every call, the owner's too, as OSS applies a "*" Deny with a Condition to the bucket owner."""
    data = base_scenario()
    add_pipeline(data)
    data["secure_transport"] = False
    load(cloud, data)
    root = reports_bucket(cloud.url)
    for call in (lambda: root.put_object("config/mutelist.yaml", b"mutelist: []\n"),
                 lambda: root.get_object("latest/findings.json"), lambda: list(oss2.ObjectIterator(root))):
        with pytest.raises(oss2.exceptions.AccessDenied):
            call()
    data["secure_transport"] = True
    load(cloud, data)
    root.put_object("config/mutelist.yaml", b"mutelist: []\n")


# --- the auditor's own footprint (issue 21 item 12) ---------------------------------------------------------------

@pytest.mark.parametrize("own_key", [True, False])
def test_the_deployed_bucket_passes_its_own_oss_checks_but_byok_without_an_own_key(cloud, tmp_path, own_key):
    """The report bucket as template.yml makes it, audited by the OSS checks: every check passes with the
    auditor's own key (KmsInstanceId set: what tests/serverless/test_pipeline.py deploys) but CIS 5.7's, which asks
    for a bucket policy limiting the networks (the functions have no fixed addresses); with the default (SSE-KMS
    under the OSS-managed KMS key, no KMS instance to pay for) CIS 5.9's BYOK check fails too, rightly (README)."""
    import os
    import subprocess
    import sys

    from tests.pipeline import REPORT_KEY, emulated_bucket
    from tests.sdk import ROOT_AK, ROOT_SECRET

    data = base_scenario()
    data["accounts"][0]["kms"] = {"keys": [{"id": REPORT_KEY, "region": "cn-hangzhou", "automatic_rotation": "Enabled",
                                            "rotation_interval_seconds": 365 * 86400}]}
    data["accounts"][0]["oss"] = {"buckets": [emulated_bucket(deploy.report_bucket(
        BUCKET, ACCOUNT, kms_key=REPORT_KEY if own_key else None))]}
    load(cloud, data)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "ALIAUDIT_ENDPOINT_PROXY": cloud.url,
           "ALIAUDIT_ENDPOINT_PROTOCOL": "http", "ALIBABA_CLOUD_ACCESS_KEY_ID": ROOT_AK,
           "ALIBABA_CLOUD_ACCESS_KEY_SECRET": ROOT_SECRET}
    script = str(Path(sys.executable).parent / "aliaudit")
    out = subprocess.run([script, "scan", "--family", "oss", "--region", "cn-hangzhou", "--quiet", "--output-dir",
                          str(tmp_path / "out")], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert out.returncode in (0, 3), out.stderr
    ocsf = json.loads((tmp_path / "out" / "aliaudit.ocsf.json").read_text())
    verdicts = {f["unmapped"]["check_id"]: (f["status_code"], f["status_detail"]) for f in ocsf
                if f["resources"][0]["uid"] == BUCKET}
    assert {"oss_bucket_secure_transport_enabled", "oss_bucket_encrypted_with_byok", "oss_bucket_versioning_enabled",
            "oss_bucket_logging_enabled", "oss_bucket_policy_no_public_grant"} <= set(verdicts)
    failing = {c: v for c, v in verdicts.items() if v[0] not in ("PASS", "MANUAL")}
    assert failing.pop("oss_bucket_network_access_restricted")[1].startswith(
        "no bucket policy limits access to given networks")
    if own_key:
        assert failing == {}
    else:
        assert set(failing) == {"oss_bucket_encrypted_with_byok"}
        assert "OSS-managed KMS key" in failing["oss_bucket_encrypted_with_byok"][1]


# --- the report bucket's lifecycle (issue 18 item 3) -------------------------------------------------------------

def test_lifecycle_expires_every_prefix_and_its_noncurrent_versions(cloud, tmp_path):
    """The bucket stays versioned (its own checks want it, and a rewritten report stays recoverable for a while),
    so retention needs noncurrent-version expiration, which ROS's bucket cannot set (ros-cdk-oss 1.15.0):
    `python -m aliaudit.deploy lifecycle` puts the whole set; template.yml carries the same rules without it."""
    import os
    import subprocess
    import sys

    from tests.sdk import ROOT_AK, ROOT_SECRET

    data = base_scenario()
    add_pipeline(data)
    load(cloud, data)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "ALIAUDIT_ENDPOINT_PROXY": cloud.url,
           "ALIAUDIT_ENDPOINT_PROTOCOL": "http", "ALIBABA_CLOUD_ACCESS_KEY_ID": ROOT_AK,
           "ALIBABA_CLOUD_ACCESS_KEY_SECRET": ROOT_SECRET}
    out = subprocess.run([sys.executable, "-m", "aliaudit.deploy", "lifecycle", "--bucket", BUCKET,
                          "--report-days", "90", "--noncurrent-days", "14"], capture_output=True, text=True, env=env,
                         timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    rules = {r.prefix: r for r in reports_bucket(cloud.url).get_bucket_lifecycle().rules}
    written = {*deploy.RUN_STATE_PREFIXES, deploy.CONFIG_PREFIX, deploy.ACCESS_LOG_PREFIX}
    assert set(rules) == written  # every prefix anything writes
    assert all(r.status == "Enabled" and r.noncurrent_version_expiration.noncurrent_days == 14 for r in rules.values())
    assert rules["reports/"].expiration.days == rules["access-logs/"].expiration.days == 90
    assert rules["runs/"].expiration.days == deploy.RUN_STATE_DAYS
    assert rules["latest/"].expiration.expired_detete_marker is True  # rewritten in place: markers go too
    ros_rules = deploy.report_lifecycle_rules(90, noncurrent=False)
    assert {r["Prefix"] for r in ros_rules} == {"runs/", "reports/", "access-logs/"}
    assert not any("NoncurrentVersionExpiration" in r for r in ros_rules)
    # a refused call (here an AccessKey the cloud does not know) is one line, not a traceback
    denied = subprocess.run([sys.executable, "-m", "aliaudit.deploy", "lifecycle", "--bucket", BUCKET],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path,
                            env={**env, "ALIBABA_CLOUD_ACCESS_KEY_ID": OSS_USER_AK})
    assert denied.returncode == 1 and denied.stderr.startswith("lifecycle: ") and "Traceback" not in denied.stderr


def test_lifecycle_keeps_the_deployers_sts_token_out_of_a_debug_dump(cloud, tmp_path):
    """DEBUG=sdk is the SDK cores' own switch for dumping every request's headers: with a deployer on an STS session
    that assumes a role, the token would be printed; `python -m aliaudit.deploy` keeps the dumps silent, as the
    aliaudit command does (tests/e2e/test_auth.py)."""
    import os
    import subprocess
    import sys

    from alibabacloud_sts20150401 import models as sts_models
    from alibabacloud_sts20150401.client import Client as StsClient

    from tests.sdk import ADMIN_AK, ADMIN_SECRET, pop_config

    data = base_scenario()
    add_pipeline(data)
    load(cloud, data)
    session = StsClient(pop_config(cloud, ak=ADMIN_AK, secret=ADMIN_SECRET, endpoint=None, http_proxy=cloud.url)) \
        .assume_role(sts_models.AssumeRoleRequest(role_arn=f"acs:ram::{ACCOUNT}:role/auditor",
                                                  role_session_name="deployer")).body.credentials
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "ALIAUDIT_ENDPOINT_PROXY": cloud.url,
           "ALIAUDIT_ENDPOINT_PROTOCOL": "http", "ALIBABA_CLOUD_ACCESS_KEY_ID": session.access_key_id,
           "ALIBABA_CLOUD_ACCESS_KEY_SECRET": session.access_key_secret,
           "ALIBABA_CLOUD_SECURITY_TOKEN": session.security_token,
           "ALIBABA_CLOUD_ROLE_ARN": f"acs:ram::{ACCOUNT}:role/auditor", "DEBUG": "sdk"}
    out = subprocess.run([sys.executable, "-m", "aliaudit.deploy", "lifecycle", "--bucket", BUCKET],
                         capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    shown = out.stdout + out.stderr
    assert session.security_token not in shown and session.access_key_secret not in shown, shown[-2000:]
