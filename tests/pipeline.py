"""Helpers to run the serverless pipeline in the emulator: the functions deployed with the execution role,
the report bucket and the log project, and ways to read what a run produced."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import oss2

from aliaudit import deploy
from tests.emulator.client import AdminClient
from tests.sdk import ACCOUNT, ROOT_AK, ROOT_SECRET

ROOT = Path(__file__).resolve().parent.parent
BUCKET = f"aliaudit-reports-{ACCOUNT}"
PROJECT = f"aliaudit-{ACCOUNT}"
ROLE = "aliaudit-fc"
REPORT_KEY = "key-aliaudit-reports"  # the auditor's own KMS key (template.yml's ReportKey, KmsInstanceId set)
WRITER_ROLE = "bucket-writer"
# the RAM user who assumes it: STS refuses the account's own key ("Roles may not be assumed by root accounts")
PLANTER_AK, PLANTER_SECRET = "LTAIplanterkey00001", "planter-secret-0000000000000"
FC_TRUST = deploy.fc_trust_policy()
RUN_SECRET = "test-run-secret-0123456789abcdef0123456789"  # template.yml's RunSecret (the functions require one)
# SLS's minute before a new index finds what is written (the emulator's default, SlsState.index_delay_seconds) and
# the aggregator's wait for it (ALIAUDIT_SLS_INDEX_SETTLE_SECONDS, 90 s deployed), both shortened for the tests
INDEX_DELAY_S, INDEX_SETTLE_S = 0.5, 1.0


def pipeline_write_policy() -> dict[str, Any]:
    """The shipped write policy (the one template.yml gives the execution role), for this account."""
    return deploy.pipeline_write_policy(BUCKET, PROJECT)


def functions(region: str = "cn-hangzhou", deadline: int = 1800, payload: str = "{}",
              aggregator_env: dict[str, str] | None = None, env: dict[str, str] | None = None,
              accounts: str = "single", run_secret: str = RUN_SECRET) -> list[dict[str, Any]]:
    """The functions as s.yaml deploys them (deploy.functions(): names, code, timeouts, memory, disk, retries, the
    timers), with this deployment's ALIAUDIT_ACCOUNTS and ALIAUDIT_RUN_SECRET; env adds to every function's
    environment (tests' knobs), aggregator_env to the aggregator's, payload replaces the daily timer's. The
    EventBridge trigger is left to the tests that deliver events (add it with its pattern)."""
    role = f"acs:ram::{ACCOUNT}:role/{ROLE}"
    out = []
    kinds = ["dispatcher", "aggregator", "worker"]  # (tests find the first two by position)
    for spec in sorted(deploy.functions(), key=lambda f: kinds.index(f.kind)):
        fn_env = {**deploy.environment(spec, bucket=BUCKET, project=PROJECT, accounts=accounts, run_secret=run_secret),
                  "ALIAUDIT_AGGREGATION_DEADLINE_SECONDS": str(deadline), **(env or {}),
                  **(aggregator_env or {} if spec.kind == "aggregator" else {})}
        triggers = [{"name": t["triggerName"], "type": t["triggerType"],
                     "config": {**t["triggerConfig"], **({"payload": payload} if t["triggerName"] == "daily" else {})}}
                    for t in spec.triggers if t["triggerType"] == "timer"]
        fn: dict[str, Any] = {"name": spec.name, "region": region, "code_dir": str(ROOT / "functions" / spec.directory),
                              "timeout": spec.timeout, "memory": spec.memory_mb, "role": role,
                              "environment": fn_env, "triggers": triggers}
        if spec.cpu is not None:
            fn["cpu"] = spec.cpu
        if spec.disk_mb is not None:
            fn["disk_size"] = spec.disk_mb
        if spec.async_retries is not None:
            fn["async_invoke_config"] = {"max_async_retry_attempts": spec.async_retries}
        out.append(fn)
    return out


def add_pipeline(data: dict[str, Any], *, read_policy: dict[str, Any] | None = None, deadline: int = 1800,
                 payload: str = "{}", aggregator_env: dict[str, str] | None = None,
                 env: dict[str, str] | None = None, accounts: str = "", member_role: str = deploy.MEMBER_ROLE_NAME,
                 external_id: str = "", run_secret: str = RUN_SECRET, bucket_writer: bool = False) -> None:
    """Deploy the pipeline into the scenario's first account, as template.yml does with these parameters:
    accounts, member_role and external_id are its Accounts, MemberRoleName and MemberExternalId (organisation
    mode, with its policy, when accounts is set), run_secret its RunSecret. bucket_writer: a role of the account
    with AliyunOSSFullAccess (writer_bucket), for tests that plant objects as another writer of the bucket would:
    the bucket policy refuses long-term AccessKeys (the account's root key too) under runs/, reports/, latest/."""
    acct = data["accounts"][0]
    ram = acct.setdefault("ram", {})
    policies = [{"name": deploy.AUDIT_POLICY, "document": read_policy or deploy.audit_policy()},
                {"name": deploy.CREDENTIAL_REPORT_POLICY, "document": deploy.credential_report_policy()},
                {"name": deploy.PIPELINE_POLICY, "document": pipeline_write_policy()}]
    if accounts:  # template.yml's OrganisationMode condition
        policies.append({"name": deploy.ORGANISATION_POLICY, "document": deploy.organisation_policy(member_role)})
    ram.setdefault("policies", []).extend(policies)
    ram.setdefault("roles", []).append({"name": ROLE, "trust_policy": FC_TRUST, "policies": [
        {"name": p["name"], "type": "Custom"} for p in policies]})
    # the report bucket as template.yml creates it with KmsInstanceId (deploy.report_bucket: private, BPA,
    # SSE-KMS with the auditor's own rotated key, versioned, access-logged, its bucket policy)
    acct.setdefault("kms", {}).setdefault("keys", []).append(
        {"id": REPORT_KEY, "region": "cn-hangzhou", "automatic_rotation": "Enabled",
         "rotation_interval_seconds": 365 * 86400})
    acct.setdefault("oss", {}).setdefault("buckets", []).append(emulated_bucket(deploy.report_bucket(
        BUCKET, acct.get("id", ACCOUNT), kms_key=REPORT_KEY)))
    if bucket_writer:  # a role of the account that may write any bucket (AliyunOSSFullAccess): writer_bucket()
        account = acct.get("id", ACCOUNT)
        ram["roles"].append({"name": WRITER_ROLE, "policies": [{"name": "AliyunOSSFullAccess"}],
                             "trust_policy": {"Version": "1", "Statement": [{
                                 "Effect": "Allow", "Action": "sts:AssumeRole",
                                 "Principal": {"RAM": [f"acs:ram::{account}:root"]}}]}})
        ram["policies"].append({"name": "AssumeBucketWriter", "document": {"Version": "1", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"acs:ram::{account}:role/{WRITER_ROLE}"}]}})
        ram.setdefault("users", []).append({"name": "planter", "access_keys": [
            {"id": PLANTER_AK, "secret": PLANTER_SECRET}], "policies": [{"name": "AssumeBucketWriter",
                                                                           "type": "Custom"}]})
    acct.setdefault("sls", {}).setdefault("projects", []).append({"name": PROJECT, "region": "cn-hangzhou"})
    acct["sls"].setdefault("index_delay_seconds", INDEX_DELAY_S)
    acct.setdefault("fc", {})["functions"] = functions(
        deadline=deadline, payload=payload, aggregator_env=aggregator_env, run_secret=run_secret,
        env={"ALIAUDIT_SLS_INDEX_SETTLE_SECONDS": str(INDEX_SETTLE_S), **(env or {})},
        accounts=deploy.accounts_setting(accounts, member_role, external_id))


TRAIL_PROJECT = f"trail-logs-{ACCOUNT}"  # the SLS project an ActionTrail trail of every region delivers to
TRAIL_LOGSTORE = "actiontrail_audit"  # ActionTrail's name for trail "audit"'s logstore


def add_trail(data: dict[str, Any]) -> None:
    """A trail of every region delivering to SLS in the deployment's region, and the pipeline reading it as
    template.yml deploys it with TrailLogProject and TrailLogstore: the read policy on the role, the dispatcher's
    settings and its log trigger (add_pipeline first)."""
    acct = data["accounts"][0]
    acct["sls"]["projects"].append({"name": TRAIL_PROJECT, "region": "cn-hangzhou"})
    acct.setdefault("actiontrail", {}).setdefault("trails", []).append(
        {"name": "audit", "sls_project_arn": f"acs:log:cn-hangzhou:{ACCOUNT}:project/{TRAIL_PROJECT}"})
    policy = {"name": deploy.TRAIL_POLICY, "document": deploy.trail_read_policy(
        deploy.trail_logstore_arn(TRAIL_PROJECT, TRAIL_LOGSTORE))}
    acct["ram"]["policies"].append(policy)
    next(r for r in acct["ram"]["roles"] if r["name"] == ROLE)["policies"].append(
        {"name": policy["name"], "type": "Custom"})
    dispatcher = next(f for f in acct["fc"]["functions"] if f["name"] == "aliaudit-dispatcher")
    dispatcher["environment"].update(deploy.dispatcher_environment(TRAIL_PROJECT, TRAIL_LOGSTORE))
    dispatcher["triggers"].append({
        "name": deploy.TRAIL_TRIGGER_NAME, "type": "log",
        "source_arn": f"acs:log:cn-hangzhou:{ACCOUNT}:project/{TRAIL_PROJECT}",
        "invocation_role": f"acs:ram::{ACCOUNT}:role/{deploy.TRAIL_TRIGGER_ROLE}",
        "config": deploy.trail_trigger_config(TRAIL_LOGSTORE, PROJECT)})


def emulated_bucket(spec: dict[str, Any], region: str = "cn-hangzhou") -> dict[str, Any]:
    """deploy.report_bucket's definition as the emulator's scenario bucket (products/oss.py Bucket)."""
    return {"name": spec["name"], "region": region, "acl": spec["acl"], "versioning": spec["versioning"],
            "public_access_block": spec["block_public_access"],
            "v1_signature": False,  # a new bucket refuses V1 signatures: the pipeline's report store signs V4
            "encryption": {"sse_algorithm": spec["sse_algorithm"], "kms_master_key_id": spec["kms_key_id"]},
            "logging": dict(spec["logging"]), "policy": spec["policy"]}


def writer_bucket(url: str) -> oss2.Bucket:
    """The report bucket through a session of add_pipeline's bucket_writer role (assumed by its planter user)."""
    from alibabacloud_sts20150401 import models as sts_models
    from alibabacloud_sts20150401.client import Client as StsClient

    sts = StsClient(pop_config_for(url, PLANTER_AK, PLANTER_SECRET))
    creds = sts.assume_role(sts_models.AssumeRoleRequest(
        role_arn=f"acs:ram::{ACCOUNT}:role/{WRITER_ROLE}", role_session_name="planter")).body.credentials
    return oss2.Bucket(oss2.StsAuth(creds.access_key_id, creds.access_key_secret, creds.security_token,
                                    auth_version=oss2.AUTH_VERSION_4),
                       "http://oss-cn-hangzhou.aliyuncs.com", BUCKET, proxies={"http": url}, region="cn-hangzhou")


def signed_json(key: str, data: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """An object as the deployment's functions store it (RunStore.put_json): its JSON with the run secret's MAC
    (with_mac), and the MAC of its key and bytes in its metadata (object_mac): the body and the headers to PUT."""
    from aliaudit.runtime.models import OBJECT_MAC, object_mac, with_mac

    raw = json.dumps(with_mac(RUN_SECRET, data)).encode()
    return raw, {OBJECT_MAC: object_mac(RUN_SECRET, key, raw)}


def put_signed(bucket: oss2.Bucket, key: str, data: dict[str, Any]) -> None:
    raw, headers = signed_json(key, data)
    bucket.put_object(key, raw, headers=headers)


def reports_bucket(url: str) -> oss2.Bucket:
    return oss2.Bucket(oss2.AuthV4(ROOT_AK, ROOT_SECRET), "http://oss-cn-hangzhou.aliyuncs.com", BUCKET,
                       proxies={"http": url}, region="cn-hangzhou")


def read_json(bucket: oss2.Bucket, key: str) -> Any:
    return json.loads(bucket.get_object(key).read())


def fire_daily(admin: AdminClient) -> None:
    admin.request("POST", "fc/timers/fire", {"function": "aliaudit-dispatcher", "trigger": "daily",
                                             "region": "cn-hangzhou"})


def wait_idle(admin: AdminClient, timeout: float = 120) -> list[dict[str, Any]]:
    # (the emulator answers when FC is idle or the timeout has passed: the client waits a little longer)
    assert admin.request("POST", "fc/wait", {"timeout": timeout}, timeout=timeout + 30)["idle"]
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


def pop_config_for(cloud_url: str, ak: str = ROOT_AK, secret: str = ROOT_SECRET) -> Any:
    from alibabacloud_tea_openapi.models import Config

    return Config(access_key_id=ak, access_key_secret=secret, protocol="http", region_id="cn-hangzhou",
                  http_proxy=cloud_url)
