"""Helpers to run the serverless pipeline in the emulator: the functions deployed with the execution role,
the report bucket and the log project, and ways to read what a run produced."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import oss2

from aliaudit import deploy
from aliaudit.checks import families
from tests.emulator.client import AdminClient
from tests.sdk import ACCOUNT, ROOT_AK, ROOT_SECRET

ROOT = Path(__file__).resolve().parent.parent
BUCKET = f"aliaudit-reports-{ACCOUNT}"
PROJECT = f"aliaudit-{ACCOUNT}"
ROLE = "aliaudit-fc"
FC_TRUST = deploy.fc_trust_policy()


def pipeline_write_policy() -> dict[str, Any]:
    """The shipped write policy (the one template.yml gives the execution role), for this account."""
    return deploy.pipeline_write_policy(BUCKET, PROJECT)


def functions(region: str = "cn-hangzhou", deadline: int = 1800, payload: str = "{}",
              aggregator_env: dict[str, str] | None = None, env: dict[str, str] | None = None,
              accounts: str = "single", run_secret: str = "") -> list[dict[str, Any]]:
    """The functions as s.yaml deploys them: the shipped environment (deploy.common_environment) with this
    deployment's ALIAUDIT_ACCOUNTS and ALIAUDIT_RUN_SECRET; env adds to it (tests' knobs)."""
    env = {**deploy.common_environment(bucket=BUCKET, project=PROJECT, accounts=accounts, run_secret=run_secret),
           "ALIAUDIT_AGGREGATION_DEADLINE_SECONDS": str(deadline), **(env or {})}
    role = f"acs:ram::{ACCOUNT}:role/{ROLE}"
    out = [{"name": "aliaudit-dispatcher", "region": region, "code_dir": str(ROOT / "functions" / "dispatcher"),
            "timeout": 120, "role": role, "environment": env,
            "triggers": [{"name": "daily", "type": "timer",
                          "config": {"cronExpression": "0 0 2 * * *", "enable": True, "payload": payload}}]},
           {"name": "aliaudit-aggregator", "region": region, "code_dir": str(ROOT / "functions" / "aggregator"),
            "timeout": 300, "role": role, "environment": {**env, **(aggregator_env or {})},
            "async_invoke_config": {"max_async_retry_attempts": 2},
            "triggers": [{"name": "sweep", "type": "timer",
                          "config": {"cronExpression": "0 */5 * * * *", "enable": True,
                                     "payload": '{"sweep": true}'}}]}]
    for fam in families():
        out.append({"name": f"aliaudit-{fam}", "region": region, "code_dir": str(ROOT / "functions" / fam),
                    "timeout": 300, "role": role, "environment": {**env, "ALIAUDIT_FAMILY": fam},
                    "async_invoke_config": {"max_async_retry_attempts": 2}})
    return out


def add_pipeline(data: dict[str, Any], *, read_policy: dict[str, Any] | None = None, deadline: int = 1800,
                 payload: str = "{}", aggregator_env: dict[str, str] | None = None,
                 env: dict[str, str] | None = None, accounts: str = "", member_role: str = deploy.MEMBER_ROLE_NAME,
                 external_id: str = "", run_secret: str = "") -> None:
    """Deploy the pipeline into the scenario's first account, as template.yml does with these parameters:
    accounts, member_role and external_id are its Accounts, MemberRoleName and MemberExternalId (organisation
    mode, with its policy, when accounts is set), run_secret its RunSecret."""
    from aliaudit.checks.registry import all_checks
    from aliaudit.policy import policy_document

    acct = data["accounts"][0]
    ram = acct.setdefault("ram", {})
    policies = [{"name": deploy.AUDIT_POLICY, "document": read_policy or policy_document(all_checks().values())},
                {"name": deploy.PIPELINE_POLICY, "document": pipeline_write_policy()}]
    if accounts:  # template.yml's OrganisationMode condition
        policies.append({"name": deploy.ORGANISATION_POLICY, "document": deploy.organisation_policy(member_role)})
    ram.setdefault("policies", []).extend(policies)
    ram.setdefault("roles", []).append({"name": ROLE, "trust_policy": FC_TRUST, "policies": [
        {"name": p["name"], "type": "Custom"} for p in policies]})
    # the report bucket as template.yml creates it: private, SSE-KMS with the auditor's own key, versioned,
    # access-logged
    acct.setdefault("kms", {}).setdefault("keys", []).append(
        {"id": "key-aliaudit-reports", "region": "cn-hangzhou", "automatic_rotation": "Enabled",
         "rotation_interval_seconds": 365 * 86400})
    acct.setdefault("oss", {}).setdefault("buckets", []).append(
        {"name": BUCKET, "region": "cn-hangzhou", "versioning": "Enabled", "public_access_block": True,
         "v1_signature": False,  # a new bucket refuses V1 signatures: the pipeline's report store signs V4
         "encryption": {"sse_algorithm": "KMS", "kms_master_key_id": "key-aliaudit-reports"},
         "logging": {"target_bucket": BUCKET, "target_prefix": "access-logs/"}})
    acct.setdefault("sls", {}).setdefault("projects", []).append({"name": PROJECT, "region": "cn-hangzhou"})
    acct.setdefault("fc", {})["functions"] = functions(
        deadline=deadline, payload=payload, aggregator_env=aggregator_env, env=env, run_secret=run_secret,
        accounts=deploy.accounts_setting(accounts, member_role, external_id))


def reports_bucket(url: str) -> oss2.Bucket:
    return oss2.Bucket(oss2.AuthV4(ROOT_AK, ROOT_SECRET), "http://oss-cn-hangzhou.aliyuncs.com", BUCKET,
                       proxies={"http": url}, region="cn-hangzhou")


def read_json(bucket: oss2.Bucket, key: str) -> Any:
    return json.loads(bucket.get_object(key).read())


def fire_daily(admin: AdminClient) -> None:
    admin.request("POST", "fc/timers/fire", {"function": "aliaudit-dispatcher", "trigger": "daily",
                                             "region": "cn-hangzhou"})


def wait_idle(admin: AdminClient, timeout: float = 120) -> list[dict[str, Any]]:
    assert admin.request("POST", "fc/wait", {"timeout": timeout})["idle"]
    return admin.request("GET", "fc/invocations")["invocations"]


def run_summaries(bucket: oss2.Bucket) -> dict[str, dict[str, Any]]:
    """run id -> its summary.json, for every run that wrote reports."""
    out = {}
    for o in oss2.ObjectIterator(bucket, prefix="reports/"):
        if o.key.endswith("aliaudit.summary.json"):
            out[o.key.split("/")[2]] = read_json(bucket, o.key)
    return out


def invoke(cloud_url: str, function: str, payload: bytes, asynchronous: bool = True) -> None:
    import io

    from alibabacloud_fc20230330 import models as fc_models
    from alibabacloud_fc20230330.client import Client as FcClient
    from darabonba.runtime import RuntimeOptions

    fc = FcClient(pop_config_for(cloud_url))
    fc.invoke_function_with_options(function, fc_models.InvokeFunctionRequest(body=io.BytesIO(payload)),
                                    fc_models.InvokeFunctionHeaders(
                                        x_fc_invocation_type="Async" if asynchronous else "Sync"),
                                    RuntimeOptions())


def pop_config_for(cloud_url: str) -> Any:
    from alibabacloud_tea_openapi.models import Config

    return Config(access_key_id=ROOT_AK, access_key_secret=ROOT_SECRET, protocol="http", region_id="cn-hangzhou",
                  http_proxy=cloud_url)
