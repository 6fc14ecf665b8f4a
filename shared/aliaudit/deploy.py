"""The deployment descriptions (s.yaml, template.yml, member-role.yml) and the function code bundles, generated
from the product's metadata (families, the checks' ActionTrail events, the collectors' API calls) so they never
drift.

    python -m aliaudit.deploy render            # (re)write s.yaml, template.yml and member-role.yml (repo root)
    python -m aliaudit.deploy render --check    # exit 1 when any of them is stale
    python -m aliaudit.deploy build [--zip]     # build/<function dir>/ bundles for the FC python3.10 runtime
    python -m aliaudit.deploy accounts resource-directory --member-role NAME --external-id ID
                                                # ALIAUDIT_ACCOUNTS for s.yaml (as template.yml's parameters give it)
    python -m aliaudit.deploy lifecycle --bucket NAME [--region R] [--report-days N]
                                                # the report bucket's lifecycle, noncurrent versions included

One FC function per family worker plus the dispatcher and the aggregator; every function runs under one
execution role whose policies are the collectors' read actions and write access to the auditor's own bucket,
log project and functions, plus, in organisation mode only, the directory reads and the assumption of the member
audit role by its name. ``python -m aliaudit.deploy lifecycle`` sets what ROS cannot on the report bucket (the
expiry of noncurrent versions). member-role.yml is
the read-only audit role of one member account, for ROS StackGroups across a resource directory. ``build``
vendors the runtime dependencies once as manylinux2014_x86_64 / CPython 3.10 wheels (sdist-only packages are first
built into pure-Python wheels) and links them into every bundle.
"""

from __future__ import annotations

import argparse
import copy
import email.parser
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]  # shared/aliaudit/deploy.py -> the repository root

PREFIX = "aliaudit-"
ROLE_NAME = "aliaudit-fc"
RUNTIME = "python3.10"
HANDLER = "index.handler"
MEMORY_MB = 1024
TIMEOUT_S = 900
DISPATCHER_TIMEOUT_S = 120  # it only plans and fans out
ASYNC_RETRIES = 2
DEFAULT_REGION = "cn-hangzhou"
FINDINGS_LOGSTORE = "findings"
FUNCTION_LOGSTORE = "fc-logs"  # the functions' own logs (logConfig)
ALERT_NAME = "aliaudit-unmuted-fail"
AGGREGATION_DEADLINE_SECONDS = 1800
LOG_RETENTION_DAYS = 365  # CIS 2.23: the auditor's own logstores pass its retention check
AUDIT_POLICY = "AliauditAuditReadOnly"
PIPELINE_POLICY = "AliauditPipelineWrite"
REPORT_KEY_POLICY = "AliauditReportKeyUse"
MEMBER_ROLE_NAME = "aliaudit-member-audit"  # member-role.yml's default RoleName (accounts.role_name to use it)
MEMBER_POLICY = "AliauditMemberAuditReadOnly"  # its read-only policy (a name of its own: no clash with the pipeline's)
ORGANISATION_POLICY = "AliauditOrganisationAudit"  # organisation mode only: directory reads, the member roles
DAILY_CRON = "0 0 2 * * *"  # 6 fields, seconds first, UTC
SWEEP_CRON = "0 */5 * * * *"
ACTIONTRAIL_TYPE_SUFFIX = ":ActionTrail:ApiCall"  # every product's ActionTrail API-call events
TEMPLATE_NAME = "aliaudit-function"  # the s.yaml template every function extends
BUILD_CMD = "make build"

# The FC runtime the bundles target (deploy.md §6, packaging.md).
PLATFORM = "manylinux2014_x86_64"
PYTHON_VERSION = "3.10"
# pip evaluates environment markers for the interpreter it runs on, not for --python-version: these are the
# marker values of the FC python3.10 runtime (Debian 10, x86_64) to find what python3.10 needs on top.
TARGET_MARKERS = {"python_version": "3.10", "python_full_version": "3.10.0", "implementation_name": "cpython",
                  "implementation_version": "3.10.0", "platform_python_implementation": "CPython",
                  "os_name": "posix", "sys_platform": "linux", "platform_system": "Linux",
                  "platform_machine": "x86_64", "extra": ""}
VENDOR_FORMAT = 1  # bump to force a re-vendor when the recipe below changes


# --- the functions --------------------------------------------------------------------------------

@dataclass(frozen=True)
class FunctionSpec:
    name: str  # the FC function name
    directory: str  # functions/<directory>/ holds its entry point; build/<directory>/ is its bundle
    kind: str  # dispatcher | aggregator | worker
    description: str
    timeout: int = TIMEOUT_S
    memory_mb: int = MEMORY_MB
    cpu: float | None = None  # vCPUs; None: FC's default for the memory. FC wants 1-4 GB of memory per vCPU
    family: str = ""  # workers only
    async_retries: int | None = ASYNC_RETRIES  # None: no asyncInvokeConfig (the FC default applies)
    triggers: tuple[dict[str, Any], ...] = field(default=())  # FC API shape (s.yaml and ROS TriggerConfig)


def event_names() -> list[str]:
    """The sorted union of the ActionTrail event names that can change any check's result."""
    from .checks.registry import all_checks

    return sorted({e for c in all_checks().values() for e in c.meta.events})


def filter_pattern() -> str:
    """The EventBridge rule pattern: write API calls of any product whose event name a check listens to."""
    pattern = {"type": [{"suffix": ACTIONTRAIL_TYPE_SUFFIX}], "data": {"eventName": event_names()}}
    return json.dumps(pattern, separators=(",", ":"))  # compact: the pattern is a string field of the trigger


def triggers_for(kind: str) -> tuple[dict[str, Any], ...]:
    if kind == "dispatcher":
        return ({"triggerName": "daily", "triggerType": "timer",
                 "triggerConfig": {"cronExpression": DAILY_CRON, "enable": True, "payload": "{}"}},
                # fc3 quirk (deploy.md §1.4): an unchanged eventbridge trigger stops the deploy of the triggers
                # after it, so it must stay last
                {"triggerName": "actiontrail-changes", "triggerType": "eventbridge",
                 "triggerConfig": {"triggerEnable": True, "asyncInvocationType": True,
                                   "eventSourceConfig": {"eventSourceType": "Default"},
                                   "eventRuleFilterPattern": filter_pattern()}})
    if kind == "aggregator":
        return ({"triggerName": "sweep", "triggerType": "timer",
                 "triggerConfig": {"cronExpression": SWEEP_CRON, "enable": True, "payload": '{"sweep": true}'}},)
    return ()


def functions() -> list[FunctionSpec]:
    """Every deployed function, in deploy order: the workers first, the dispatcher (which starts runs) last."""
    from .checks import families

    out = [FunctionSpec(f"{PREFIX}{fam}", fam, "worker", f"aliaudit worker: audits the {fam} family of one run",
                        family=fam) for fam in families()]
    out.append(FunctionSpec(f"{PREFIX}aggregator", "aggregator", "aggregator",
                            "aliaudit aggregator: reports in OSS, one SLS log per finding, the FAIL alert",
                            # 2 vCPUs: a large run's SLS logs go out from a second process while the reports
                            # render (runtime/log_sender.py)
                            memory_mb=2048, cpu=2, triggers=triggers_for("aggregator")))
    out.append(FunctionSpec(f"{PREFIX}dispatcher", "dispatcher", "dispatcher",
                            "aliaudit dispatcher: starts daily and ActionTrail-driven runs, fans out to the workers",
                            timeout=DISPATCHER_TIMEOUT_S, async_retries=None, triggers=triggers_for("dispatcher")))
    return out


def common_environment(*, bucket: Any, project: Any, logstore: Any = FINDINGS_LOGSTORE, accounts: Any = "single",
                       run_secret: Any = "") -> dict[str, Any]:
    """What every function reads (runtime/settings.py); names are values or the deployment tool's references.
    accounts: ALIAUDIT_ACCOUNTS (accounts_setting: which accounts daily runs audit, as whom); run_secret:
    ALIAUDIT_RUN_SECRET (keys the seals of parts, manifests and dispatch marks)."""
    return {"ALIAUDIT_REPORT_BUCKET": bucket, "ALIAUDIT_LOG_PROJECT": project, "ALIAUDIT_FINDINGS_LOGSTORE": logstore,
            "ALIAUDIT_FUNCTION_PREFIX": PREFIX, "ALIAUDIT_ALERT_NAME": ALERT_NAME,
            "ALIAUDIT_AGGREGATION_DEADLINE_SECONDS": str(AGGREGATION_DEADLINE_SECONDS),
            "ALIAUDIT_ACCOUNTS": accounts, "ALIAUDIT_RUN_SECRET": run_secret}


def environment(fn: FunctionSpec, *, bucket: Any, project: Any, logstore: Any = FINDINGS_LOGSTORE,
                accounts: Any = "single", run_secret: Any = "") -> dict[str, Any]:
    """The function's whole environment: the common part, and its family for a worker."""
    env = common_environment(bucket=bucket, project=project, logstore=logstore, accounts=accounts,
                             run_secret=run_secret)
    if fn.family:
        env["ALIAUDIT_FAMILY"] = fn.family
    return env


def report_bucket_name(account_id: str) -> str:
    return f"{PREFIX}reports-{account_id}"


def log_project_name(account_id: str) -> str:
    return f"{PREFIX}{account_id}"


# --- the report bucket ----------------------------------------------------------------------------------

ACCESS_LOG_PREFIX = "access-logs/"
RUN_STATE_PREFIXES = ("runs/", "reports/", "latest/")  # written by the functions only
CONFIG_PREFIX = "config/"  # the mutelist: written by the account (the bucket owner) only
# what changes an object's content or existence: PutObject also covers CopyObject, AppendObject, PutSymlink,
# PostObject and the multipart uploads (OSS's RAM action list); the version deletes undo versioning's protection
OBJECT_WRITE_ACTIONS = ["oss:PutObject", "oss:DeleteObject", "oss:DeleteObjectVersion", "oss:PutObjectAcl"]


def report_bucket_policy(resource: Callable[[str], Any]) -> dict[str, Any]:
    """The report bucket's policy. ``resource(suffix)``: the bucket's ARN with suffix ('' the bucket, '/*' every
    object, '/runs/*' ...), as plain strings or as the deployment tool's expressions.

    1. HTTPS only: every request over plain HTTP is denied, the owner's too (a "*" statement with a Condition
       applies to the bucket owner as well; OSS bucket policy doc).
    2. Run state and reports (runs/, reports/, latest/): no write with a long-term AccessKey (any RAM user's, the
       account's own). The functions write with their role's STS credentials (AccessKeyId STS.*). OSS documents
       no way to exempt one role from a Deny (no NotPrincipal, no principal condition key for bucket policies),
       so a session of another role that holds OSS write permission can still write there: the runs' HMAC seals
       (ALIAUDIT_RUN_SECRET) are what makes such a write untrusted (docs/security.md).
    3. config/ (the mutelist): no write by anyone but the bucket owner, i.e. the Alibaba Cloud account itself
       (a "*" statement without a Condition spares the owner): not the functions, not any RAM user or role.
       An administrator who must change the mutelist either signs in as the account or lifts this statement
       with PutBucketPolicy, a change ActionTrail records and the auditor's event trigger re-audits."""
    objects = [resource(f"/{prefix}*") for prefix in RUN_STATE_PREFIXES]
    return {"Version": "1", "Statement": [
        {"Effect": "Deny", "Principal": ["*"], "Action": ["oss:*"], "Resource": [resource(""), resource("/*")],
         "Condition": {"Bool": {"acs:SecureTransport": ["false"]}}},
        {"Effect": "Deny", "Principal": ["*"], "Action": list(OBJECT_WRITE_ACTIONS), "Resource": objects,
         "Condition": {"StringNotLike": {"acs:AccessId": ["STS.*"]}}},
        {"Effect": "Deny", "Principal": ["*"], "Action": list(OBJECT_WRITE_ACTIONS),
         "Resource": [resource(f"/{CONFIG_PREFIX}*")]}]}


NONCURRENT_VERSION_DAYS = 30  # how long an overwritten or deleted object's earlier version is kept
RUN_STATE_DAYS = 30  # runs/: parts, claims, manifests (a run is aggregated within the hour)
MULTIPART_DAYS = 7


def report_lifecycle_rules(report_days: Any = 365, noncurrent_days: Any = NONCURRENT_VERSION_DAYS, *,
                           noncurrent: bool = True) -> list[dict[str, Any]]:
    """The report bucket's lifecycle (OSS PutBucketLifecycle rules in ROS's spelling). The bucket is versioned,
    and there an expiration only adds a delete marker ("previous versions are stored indefinitely unless a
    lifecycle rule removes them", OSS versioning + lifecycle doc), so every prefix also expires its noncurrent
    versions (NoncurrentVersionExpiration) and latest/ and config/, rewritten in place, drop the delete markers left
    without versions: an object is gone at most noncurrent_days after it expired or was replaced.
    noncurrent=False: without those parts, for ROS (ALIYUN::OSS::Bucket's Rule has no NoncurrentVersionExpiration:
    ros-cdk-oss 1.15.0); `python -m aliaudit.deploy lifecycle` puts the whole set."""
    def rule(rid: str, prefix: str, expiration: dict[str, Any], multipart: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"ID": rid, "Prefix": prefix, "Status": "Enabled", "Expiration": expiration}
        if multipart:
            out["AbortMultipartUpload"] = {"Days": MULTIPART_DAYS}
        if noncurrent:
            out["NoncurrentVersionExpiration"] = {"NoncurrentDays": noncurrent_days}
        return out

    rules = [rule("expire-run-parts", RUN_STATE_PREFIXES[0], {"Days": RUN_STATE_DAYS}, multipart=True),
             rule("expire-reports", RUN_STATE_PREFIXES[1], {"Days": report_days}, multipart=True),
             rule("expire-access-logs", ACCESS_LOG_PREFIX, {"Days": report_days})]
    if noncurrent:  # without noncurrent versions to expire, a delete-marker rule alone has nothing to do
        rules += [rule("expire-latest-versions", RUN_STATE_PREFIXES[2], {"ExpiredObjectDeleteMarker": True}),
                  rule("expire-config-versions", CONFIG_PREFIX, {"ExpiredObjectDeleteMarker": True})]
    return rules


def oss_lifecycle(rules: list[dict[str, Any]]) -> Any:
    """report_lifecycle_rules as oss2's BucketLifecycle (what PutBucketLifecycle sends)."""
    import oss2.models as m

    def one(r: dict[str, Any]) -> Any:
        exp = r["Expiration"]
        return m.LifecycleRule(
            r["ID"], r["Prefix"], status=r["Status"],
            # oss2 writes the marker flag with str(): "true", as the OSS API spells it, not Python's "True"
            expiration=m.LifecycleExpiration(days=exp.get("Days"), expired_detete_marker=(
                "true" if exp.get("ExpiredObjectDeleteMarker") else None)),
            abort_multipart_upload=m.AbortMultipartUpload(days=r["AbortMultipartUpload"]["Days"])
            if "AbortMultipartUpload" in r else None,
            noncurrent_version_expiration=m.NoncurrentVersionExpiration(
                r["NoncurrentVersionExpiration"]["NoncurrentDays"]) if "NoncurrentVersionExpiration" in r else None)

    return m.BucketLifecycle([one(r) for r in rules])


def report_bucket(name: Any, account: Any, *, kms_key: Any = None,
                  resource: Callable[[str], Any] | None = None) -> dict[str, Any]:
    """The report bucket as every deployment makes it (template.yml, and tests/pipeline.py in the emulator):
    private, Block Public Access, SSE-KMS (with the auditor's own key kms_key, else the OSS-managed KMS key),
    versioned, access-logged into itself, and report_bucket_policy. resource: as report_bucket_policy's (default:
    plain ARNs acs:oss:*:<account>:<name><suffix>)."""
    make = resource or (lambda suffix: f"acs:oss:*:{account}:{name}{suffix}")
    return {"name": name, "acl": "private", "block_public_access": True, "versioning": "Enabled",
            "sse_algorithm": "KMS", "kms_key_id": kms_key,
            "logging": {"target_bucket": name, "target_prefix": ACCESS_LOG_PREFIX},
            "policy": report_bucket_policy(make)}


# --- the execution role's policies ----------------------------------------------------------------

def fc_trust_policy() -> dict[str, Any]:
    return {"Version": "1", "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                                           "Principal": {"Service": ["fc.aliyuncs.com"]}}]}


def audit_policy() -> dict[str, Any]:
    """Exactly the read actions the collectors call, for every check."""
    from .checks.registry import all_checks
    from .policy import policy_document

    return policy_document(all_checks().values())


PIPELINE_OSS_ACTIONS = ["oss:PutObject", "oss:GetObject", "oss:ListObjects", "oss:GetBucketInfo"]
# runtime/sls_sink.py: PutLogs, and ensure() reads (and creates when missing) the logstore, index and alert
PIPELINE_LOG_ACTIONS = ["log:PostLogStoreLogs", "log:GetLogStoreLogs", "log:GetLogStore", "log:CreateLogStore",
                        "log:GetProject", "log:CreateIndex", "log:GetIndex", "log:UpdateIndex", "log:CreateJob",
                        "log:GetJob", "log:UpdateJob", "log:ListJobs"]
REPORT_KEY_ACTIONS = ["kms:GenerateDataKey", "kms:Decrypt"]  # SSE-KMS with the auditor's own key


def pipeline_write_policy(bucket: Any, project: Any, *, arn: Callable[[str, Any], Any] | None = None) -> dict[str, Any]:
    """Write access to the auditor's own bucket, log project and functions only. ``arn(template, name)`` builds a
    resource ARN from a template with one ``{}``; the default formats plain strings, template.yml passes one that
    builds ROS Fn::Sub expressions. Organisation mode's grants are organisation_policy, deployed only then."""
    make = arn or (lambda template, name: template.format(name))
    return {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": list(PIPELINE_OSS_ACTIONS),
         "Resource": [make("acs:oss:*:*:{}", bucket), make("acs:oss:*:*:{}/*", bucket)]},
        {"Effect": "Allow", "Action": list(PIPELINE_LOG_ACTIONS),
         "Resource": [make("acs:log:*:*:project/{}", project), make("acs:log:*:*:project/{}/*", project)]},
        {"Effect": "Allow", "Action": ["fc:InvokeFunction"], "Resource": [f"acs:fc:*:*:functions/{PREFIX}*"]}]}


def organisation_policy(member_role: str = MEMBER_ROLE_NAME, *, resource: Any = None) -> dict[str, Any]:
    """What the execution role needs in organisation mode only (policy.organisation_statements): the directory
    reads, and sts:AssumeRole on the member audit role by its name in any account (acs:ram::*:role/<name>), never
    on every role: a wildcard would let the functions assume any role of their own account that trusts the
    account, an administrator's included. Kept out of AliauditAuditReadOnly, which every member role gets too, and
    out of AliauditPipelineWrite, so a single-account deployment has neither. ``resource``: the ARN pattern as the
    deployment tool spells it (template.yml: an Fn::Sub on the MemberRoleName parameter)."""
    from .policy import organisation_statements

    return {"Version": "1", "Statement": organisation_statements(member_role, resource=resource)}


RUN_SECRET_MIN_LENGTH = 32
RUN_SECRET_PATTERN = r"^[A-Za-z0-9+/=_.-]+$"
ACCOUNTS_PATTERN = r"^(|resource-directory|[0-9]{16}(,[0-9]{16})*)$"  # the Accounts parameter / accounts_setting
MEMBER_ROLE_PATTERN = r"^[a-zA-Z0-9.-]{1,64}$"  # member-role.yml's RoleName
EXTERNAL_ID_PATTERN = r"^([a-zA-Z0-9=,.@:/_+-]{2,1224})?$"  # sts:ExternalId's characters (AssumeRole doc)


def accounts_setting(accounts: str = "", member_role: str = MEMBER_ROLE_NAME, external_id: str = "") -> str:
    """ALIAUDIT_ACCOUNTS from the deployment's settings (template.yml's Accounts, MemberRoleName and
    MemberExternalId parameters build exactly this string): '' -> "single" (the own account); "resource-directory"
    or comma-separated 16-digit member ids -> the JSON mapping with role_name (and external_id), so the role the
    functions assume is always the one organisation_policy lets them assume."""
    for value, pattern, what in ((accounts, ACCOUNTS_PATTERN, "accounts"),
                                 (member_role, MEMBER_ROLE_PATTERN, "member role name"),
                                 (external_id, EXTERNAL_ID_PATTERN, "external id")):
        if not re.fullmatch(pattern, value):
            raise ValueError(f"{what}: {value!r} does not match {pattern}")
    if not accounts:
        return "single"
    mode = '"mode":"resource-directory"' if accounts == "resource-directory" else \
        '"mode":"list","ids":["' + '","'.join(accounts.split(",")) + '"]'
    ext = f'"external_id":"{external_id}",' if external_id else ""
    return "{" + mode + "," + ext + f'"role_name":"{member_role}"' + "}"


# --- YAML output ----------------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    """Block style with indented sequences, short scalar lists inline, never anchors/aliases."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    short = all(isinstance(x, str | int | bool) for x in data) and sum(len(str(x)) + 2 for x in data) < 60
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=short and bool(data))


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "'" if "*" in data else None  # cron expressions read better quoted
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(str, _represent_str)


def _dump(doc: dict[str, Any], header: str) -> str:
    body = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=100_000,
                     allow_unicode=True)
    return header + body


def _header(lines: Sequence[str]) -> str:
    return "".join(f"# {line}".rstrip() + "\n" for line in lines)


# --- s.yaml (Serverless Devs 3, fc3) --------------------------------------------------------------

def s_yaml() -> dict[str, Any]:
    account = "${config('AccountID')}"
    base = {
        "region": "${vars.region}", "runtime": RUNTIME, "handler": HANDLER, "memorySize": MEMORY_MB,
        "timeout": TIMEOUT_S, "role": "${vars.role}", "internetAccess": True,
        "logConfig": {"project": "${vars.logProject}", "logstore": FUNCTION_LOGSTORE, "enableRequestMetrics": True,
                      "enableInstanceMetrics": True, "logBeginRule": "DefaultRegex"},
        "environmentVariables": common_environment(
            bucket="${vars.reportBucket}", project="${vars.logProject}",
            # from the deployer's environment: the same values as the ROS stack's (README "Deploying")
            accounts="${env('ALIAUDIT_ACCOUNTS', 'single')}", run_secret="${env('ALIAUDIT_RUN_SECRET')}"),
        "asyncInvokeConfig": {"maxAsyncRetryAttempts": ASYNC_RETRIES},
    }
    resources: dict[str, Any] = {}
    for fn in functions():
        extend: dict[str, Any] = {"name": TEMPLATE_NAME}
        props: dict[str, Any] = {"functionName": fn.name, "description": fn.description,
                                 "code": f"./build/{fn.directory}"}
        if fn.async_retries is None:
            extend["ignore"] = ["asyncInvokeConfig"]
        elif fn.async_retries != ASYNC_RETRIES:
            props["asyncInvokeConfig"] = {"maxAsyncRetryAttempts": fn.async_retries}
        if fn.timeout != TIMEOUT_S:
            props["timeout"] = fn.timeout
        if fn.memory_mb != MEMORY_MB:
            props["memorySize"] = fn.memory_mb
        if fn.cpu is not None:
            props["cpu"] = fn.cpu
        if fn.family:  # merged into the template's environment
            props["environmentVariables"] = {"ALIAUDIT_FAMILY": fn.family}
        if fn.triggers:
            props["triggers"] = copy.deepcopy(list(fn.triggers))
        resources[fn.name] = {"component": "fc3", "extend": extend,
                              "actions": {"pre-deploy": [{"run": f"{BUILD_CMD} FUNCTIONS={fn.directory}",
                                                          "path": "./"}]},
                              "props": props}
    return {"edition": "3.0.0", "name": "aliaudit", "access": "default",
            "vars": {"region": DEFAULT_REGION, "role": f"acs:ram::{account}:role/{ROLE_NAME}",
                     "reportBucket": report_bucket_name(account), "logProject": log_project_name(account)},
            "template": {TEMPLATE_NAME: base}, "resources": resources}


S_YAML_HEADER = [
    "Generated by `python -m aliaudit.deploy render` (make deploy-files) from the check metadata; do not edit.",
    "Serverless Devs 3 (`s deploy`, component fc3): every aliaudit function with its role, environment and",
    "triggers. `make build` (the pre-deploy action) fills ./build/<function>/ with the code and its vendored",
    "python3.10 dependencies.",
    "The execution role aliaudit-fc, the report bucket and the log project must exist first: create them with",
    "template.yml (ROS) and the parameter DeployFunctions=false, or deploy everything with template.yml alone.",
    "The eventbridge trigger stays the last trigger of its function (fc3 skips the triggers after an unchanged",
    "eventbridge trigger).",
    "From the deployer's environment: ALIAUDIT_RUN_SECRET (required: the runs' seal key, template.yml's RunSecret)",
    "and ALIAUDIT_ACCOUNTS (default single; organisation mode: `python -m aliaudit.deploy accounts ...` with the",
    "stack's Accounts, MemberRoleName and MemberExternalId, which also grant the role what that mode needs).",
]


def render_s_yaml() -> str:
    return _dump(s_yaml(), _header(S_YAML_HEADER))


# --- template.yml (ROS) ---------------------------------------------------------------------------

def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_]", name) if part)


def _pascal_keys(value: Any) -> Any:
    """FC/SLS API camelCase keys -> ROS PascalCase property names (queryList -> QueryList)."""
    if isinstance(value, dict):
        return {k[:1].upper() + k[1:]: _pascal_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_pascal_keys(v) for v in value]
    return value


def _replace(value: Any, mapping: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: _replace(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, mapping) for v in value]
    return mapping.get(value, value) if isinstance(value, str) else value


def fn_logical_id(fn: FunctionSpec) -> str:
    return f"Fn{_camel(fn.name.removeprefix(PREFIX))}"


def _getatt(resource: str, attribute: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [resource, attribute]}


def _sub(text: str) -> dict[str, Any]:
    return {"Fn::Sub": text}


ACCOUNT_SUB = "${ALIYUN::TenantId}"  # the Alibaba Cloud account ID (ALIYUN::AccountId is the executor's)
ROS_BUCKET_NAME = report_bucket_name(ACCOUNT_SUB)
ROS_PROJECT_NAME = log_project_name(ACCOUNT_SUB)


def _ros_alert() -> dict[str, Any]:
    """The runtime's own "any unmuted FAIL" alert (sls_sink.alert_config), as ROS ALIYUN::SLS::Alert."""
    from .runtime.sls_sink import alert_config

    marks = {"@project@": _getatt("LogProject", "Name"), "@logstore@": _getatt("FindingsLogstore", "LogstoreName"),
             "@region@": {"Ref": "ALIYUN::Region"}}
    detail = alert_config(ALERT_NAME, "@project@", "@logstore@", "@region@")
    detail.pop("state", None)  # ROS enables the alert by default and spells the values differently
    detail.pop("type", None)  # the alert type is implied by the resource type
    ros = _replace(_pascal_keys(detail), marks)
    ros["Configuration"]["PolicyConfiguration"]["ActionPolicyId"] = {"Ref": "AlertActionPolicyId"}
    return {"Type": "ALIYUN::SLS::Alert", "DependsOn": ["FindingsIndex"],
            "Properties": {"Project": _getatt("LogProject", "Name"), "Detail": ros}}


def _ros_findings_index() -> dict[str, Any]:
    """The indexed fields the runtime writes and queries (sls_sink.INDEXED), with analytics."""
    from .runtime.sls_sink import INDEXED

    return {"Type": "ALIYUN::SLS::Index", "Properties": {
        "ProjectName": _getatt("LogProject", "Name"), "LogstoreName": _getatt("FindingsLogstore", "LogstoreName"),
        "FullTextIndex": {"Enable": True},
        "KeyIndices": [{"Name": k, "Type": "text", "EnableAnalytics": True} for k in INDEXED]}}


def _ros_policy(name: str, description: str, document: dict[str, Any], condition: str = "",
                role: str = "FcRole") -> dict[str, Any]:
    doc = copy.deepcopy(document)
    for st in doc["Statement"]:  # ROS types Action and Resource as lists
        for key in ("Action", "Resource"):
            if key in st and not isinstance(st[key], list):
                st[key] = [st[key]]
    res: dict[str, Any] = {"Type": "ALIYUN::RAM::ManagedPolicy", "Properties": {
        "PolicyName": name, "Description": description, "PolicyDocument": doc,
        "Roles": [_getatt(role, "RoleName")]}}
    if condition:
        res["Condition"] = condition
    return res


def _ros_parameters() -> dict[str, Any]:
    return {
        "DeployFunctions": {
            "Type": "String", "AllowedValues": ["true", "false"], "Default": "true",
            "Description": "false: only the role, bucket, key and SLS resources (then deploy the functions with "
                           "`s deploy` from s.yaml)"},
        "CodeBucket": {
            "Type": "String", "Default": "",
            "Description": "OSS bucket (same region) holding the function zips: `python -m aliaudit.deploy build "
                           "--zip` writes build/<function>.zip; upload them under CodeObjectPrefix"},
        "CodeObjectPrefix": {"Type": "String", "Default": "aliaudit/code/",
                             "Description": "object key prefix of the zips, e.g. aliaudit/code/ram.zip"},
        "KmsInstanceId": {
            "Type": "String", "Default": "",
            "Description": "a KMS instance: when set, the report bucket is encrypted with the auditor's own "
                           "rotated KMS key there; empty: SSE-KMS with the OSS-managed KMS key"},
        "LogRetentionDays": {"Type": "Number", "Default": LOG_RETENTION_DAYS, "MinValue": 365, "MaxValue": 3600,
                             "Description": "retention of the findings and function logstores (CIS 2.23: >= 365)"},
        "ReportRetentionDays": {"Type": "Number", "Default": 365, "MinValue": 1,
                                "Description": "days before reports/ and access-logs/ objects expire (their "
                                               "earlier versions go 30 days later, once `python -m aliaudit.deploy "
                                               "lifecycle` has set the noncurrent-version rules ROS cannot set)"},
        "AlertActionPolicyId": {"Type": "String", "Default": "sls.builtin",
                                "Description": "SLS action policy that routes the alert's notifications"},
        "Accounts": {
            "Type": "String", "Default": "", "AllowedPattern": ACCOUNTS_PATTERN,
            "Description": "organisation mode: 'resource-directory' (every member of the directory) or the member "
                           "account ids, comma-separated; empty: only this account. Only in organisation mode may "
                           "the role list the directory and assume the member roles (docs/organisations.md)"},
        "MemberRoleName": {
            "Type": "String", "Default": MEMBER_ROLE_NAME, "AllowedPattern": MEMBER_ROLE_PATTERN,
            "Description": "organisation mode: the audit role in each member (member-role.yml's RoleName), the "
                           "only role the functions may assume"},
        "MemberExternalId": {
            "Type": "String", "Default": "", "AllowedPattern": EXTERNAL_ID_PATTERN,
            "Description": "organisation mode: the external id the member roles' trust requires (member-role.yml's "
                           "ExternalId); empty: none"},
        "RunSecret": {
            "Type": "String", "NoEcho": True, "MinLength": RUN_SECRET_MIN_LENGTH, "MaxLength": 256,
            "AllowedPattern": RUN_SECRET_PATTERN,
            "Description": f"ALIAUDIT_RUN_SECRET: keys the seals of the runs' parts, manifests and dispatch marks, "
                           f"so that no other writer of the bucket can forge them (at least {RUN_SECRET_MIN_LENGTH} "
                           "characters, e.g. `openssl rand -hex 32`; keep it out of the bucket)"},
    }


def _ros_storage() -> dict[str, Any]:
    """The report bucket (report_bucket: private, BPA, SSE-KMS, versioned, access-logged, its policy) with its
    lifecycle, and its own key."""
    spec = report_bucket(_sub(ROS_BUCKET_NAME), ACCOUNT_SUB, kms_key=_getatt("ReportKey", "KeyId"),
                         resource=lambda suffix: _sub(f"acs:oss:*:{ACCOUNT_SUB}:{ROS_BUCKET_NAME}{suffix}"))
    return {
        "ReportKey": {"Type": "ALIYUN::KMS::Key", "Condition": "UseOwnKey", "Properties": {
            "Description": "aliaudit report bucket encryption", "KeySpec": "Aliyun_AES_256",
            "KeyUsage": "ENCRYPT/DECRYPT", "EnableAutomaticRotation": True, "RotationInterval": "365d",
            "DKMSInstanceId": {"Ref": "KmsInstanceId"}}},
        "ReportBucket": {"Type": "ALIYUN::OSS::Bucket", "Properties": {
            "BucketName": spec["name"], "AccessControl": spec["acl"], "BlockPublicAccess": spec["block_public_access"],
            "ServerSideEncryptionConfiguration": {
                "SSEAlgorithm": spec["sse_algorithm"],
                "KMSMasterKeyID": {"Fn::If": ["UseOwnKey", spec["kms_key_id"], {"Ref": "ALIYUN::NoValue"}]}},
            "VersioningConfiguration": {"Status": spec["versioning"]},
            "LoggingConfiguration": {"TargetBucket": spec["logging"]["target_bucket"],
                                     "TargetPrefix": spec["logging"]["target_prefix"]},
            "Policy": spec["policy"],
            # the current versions' rules; the noncurrent versions': `python -m aliaudit.deploy lifecycle`
            "LifecycleConfiguration": {"Rule": report_lifecycle_rules({"Ref": "ReportRetentionDays"},
                                                                      noncurrent=False)},
        }},
    }


def _ros_logging() -> dict[str, Any]:
    project = _getatt("LogProject", "Name")
    return {
        "LogProject": {"Type": "ALIYUN::SLS::Project", "Properties": {
            "Name": _sub(ROS_PROJECT_NAME), "Description": "aliaudit findings and function logs"}},
        "FindingsLogstore": {"Type": "ALIYUN::SLS::Logstore", "Properties": {
            "ProjectName": project, "LogstoreName": FINDINGS_LOGSTORE, "TTL": {"Ref": "LogRetentionDays"},
            "ShardCount": 2, "AutoSplit": True, "MaxSplitShard": 16}},
        "FindingsIndex": _ros_findings_index(),
        "FindingsAlert": _ros_alert(),
        "FunctionLogstore": {"Type": "ALIYUN::SLS::Logstore", "Properties": {
            "ProjectName": project, "LogstoreName": FUNCTION_LOGSTORE, "TTL": {"Ref": "LogRetentionDays"},
            "ShardCount": 2, "AutoSplit": True, "MaxSplitShard": 16}},
        "FunctionLogIndex": {"Type": "ALIYUN::SLS::Index", "Properties": {
            "ProjectName": project, "LogstoreName": _getatt("FunctionLogstore", "LogstoreName"),
            "FullTextIndex": {"Enable": True}}},
    }


def _ros_identity() -> dict[str, Any]:
    def arn(template: str, name: str) -> dict[str, Any]:
        return _sub(template.format(name))

    # ALIYUN::KMS::Key returns only KeyId (ros-cdk-kms 1.15.0: RosKey.attrKeyId; ROS doc aliyun-kms-key), so the
    # key's ARN is built in KMS's format acs:kms:<region>:<account>:key/<key id> (KMS DescribeKey doc)
    key_use = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": list(REPORT_KEY_ACTIONS),
                                              "Resource": [_sub("acs:kms:${ALIYUN::Region}:" + ACCOUNT_SUB
                                                                + ":key/${ReportKey.KeyId}")]}]}
    return {
        "FcRole": {"Type": "ALIYUN::RAM::Role", "Properties": {
            "RoleName": ROLE_NAME, "Description": "aliaudit functions: read-only audit, writes only its own results",
            "AssumeRolePolicyDocument": fc_trust_policy(), "MaxSessionDuration": 3600}},
        "AuditReadOnlyPolicy": _ros_policy(
            AUDIT_POLICY, "aliaudit: exactly the read actions its collectors call", audit_policy()),
        "PipelineWritePolicy": _ros_policy(
            PIPELINE_POLICY, "aliaudit: write access to its own report bucket, log project and functions",
            pipeline_write_policy(ROS_BUCKET_NAME, ROS_PROJECT_NAME, arn=arn)),
        "OrganisationPolicy": _ros_policy(
            ORGANISATION_POLICY, "aliaudit organisation mode: resource directory reads and sts:AssumeRole on the "
                                 "member audit role (by name) only",
            organisation_policy(resource=_sub("acs:ram::*:role/${MemberRoleName}")), "OrganisationMode"),
        "ReportKeyUsePolicy": _ros_policy(
            REPORT_KEY_POLICY, "aliaudit: use of the report bucket's own KMS key", key_use, "UseOwnKey"),
    }


def _ros_accounts_setting() -> dict[str, Any]:
    """ALIAUDIT_ACCOUNTS built from the Accounts, MemberRoleName and MemberExternalId parameters: the very string
    accounts_setting() returns for them (tests/test_deploy.py compares both)."""
    ids = {"Fn::Join": ['","', {"Fn::Split": [",", {"Ref": "Accounts"}]}]}
    mode = {"Fn::If": ["DirectoryMode", '"mode":"resource-directory"',
                       {"Fn::Sub": ['"mode":"list","ids":["${Ids}"]', {"Ids": ids}]}]}
    ext = {"Fn::If": ["HasMemberExternalId", _sub('"external_id":"${MemberExternalId}",'), ""]}
    return {"Fn::If": ["OrganisationMode", {"Fn::Sub": ['{${Mode},${External}"role_name":"${MemberRoleName}"}',
                                                          {"Mode": mode, "External": ext}]}, "single"]}


def _ros_functions() -> dict[str, Any]:
    out: dict[str, Any] = {}
    fns = functions()
    targets = [fn_logical_id(f) for f in fns if f.kind != "dispatcher"]
    policies = ["AuditReadOnlyPolicy", "PipelineWritePolicy"]
    for fn in fns:
        lid = fn_logical_id(fn)
        env = environment(fn, bucket=_getatt("ReportBucket", "Name"), project=_getatt("LogProject", "Name"),
                          logstore=_getatt("FindingsLogstore", "LogstoreName"), accounts=_ros_accounts_setting(),
                          run_secret={"Ref": "RunSecret"})
        out[lid] = {"Type": "ALIYUN::FC3::Function", "Condition": "CreateFunctions", "DependsOn": list(policies),
                    "Properties": {
                        "FunctionName": fn.name, "Description": fn.description, "Runtime": RUNTIME,
                        "Handler": HANDLER, "MemorySize": fn.memory_mb, "Timeout": fn.timeout,
                        "Role": _getatt("FcRole", "Arn"), "InternetAccess": True,
                        "Code": {"OssBucketName": {"Ref": "CodeBucket"},
                                 "OssObjectName": _sub(f"${{CodeObjectPrefix}}{fn.directory}.zip")},
                        "LogConfig": {"Project": _getatt("LogProject", "Name"),
                                      "Logstore": _getatt("FunctionLogstore", "LogstoreName"),
                                      "EnableRequestMetrics": True, "EnableInstanceMetrics": True,
                                      "LogBeginRule": "DefaultRegex"},
                        "EnvironmentVariables": env}}
        if fn.cpu is not None:
            out[lid]["Properties"]["Cpu"] = fn.cpu
        if fn.async_retries is not None:
            out[f"{lid}AsyncConfig"] = {"Type": "ALIYUN::FC3::AsyncInvokeConfig", "Condition": "CreateFunctions",
                                        "Properties": {"FunctionName": _getatt(lid, "FunctionName"),
                                                       "MaxAsyncRetryAttempts": fn.async_retries}}
        for t in fn.triggers:
            trig: dict[str, Any] = {
                "Type": "ALIYUN::FC3::Trigger", "Condition": "CreateFunctions",
                "Properties": {"FunctionName": _getatt(lid, "FunctionName"), "TriggerName": t["triggerName"],
                               "TriggerType": t["triggerType"], "TriggerConfig": copy.deepcopy(t["triggerConfig"])}}
            if fn.kind == "dispatcher":  # runs start only once every function they fan out to exists
                trig = {"Type": trig["Type"], "Condition": trig["Condition"], "DependsOn": list(targets),
                        "Properties": trig["Properties"]}
            out[f"{lid}Trigger{_camel(t['triggerName'])}"] = trig
    return out


def template() -> dict[str, Any]:
    dispatcher = next(fn_logical_id(f) for f in functions() if f.kind == "dispatcher")
    return {
        "ROSTemplateFormatVersion": "2015-09-01",
        "Description": "aliaudit: serverless security-posture auditor for Alibaba Cloud (FC 3.0 python3.10): "
                       "the functions and triggers of s.yaml, the report bucket, the SLS findings logstore with "
                       "its index and FAIL alert, and the least-privilege execution role.",
        "Parameters": _ros_parameters(),
        "Conditions": {"CreateFunctions": {"Fn::Equals": ["true", {"Ref": "DeployFunctions"}]},
                       "UseOwnKey": {"Fn::Not": {"Fn::Equals": ["", {"Ref": "KmsInstanceId"}]}},
                       "OrganisationMode": {"Fn::Not": {"Fn::Equals": ["", {"Ref": "Accounts"}]}},
                       "DirectoryMode": {"Fn::Equals": ["resource-directory", {"Ref": "Accounts"}]},
                       "HasMemberExternalId": {"Fn::Not": {"Fn::Equals": ["", {"Ref": "MemberExternalId"}]}}},
        "Resources": {**_ros_identity(), **_ros_storage(), **_ros_logging(), **_ros_functions()},
        "Outputs": {
            "ReportBucket": {"Description": "OSS bucket with the reports", "Value": _getatt("ReportBucket", "Name")},
            "LogProject": {"Description": "SLS project", "Value": _getatt("LogProject", "Name")},
            "FindingsLogstore": {"Description": "one log per finding",
                                 "Value": _getatt("FindingsLogstore", "LogstoreName")},
            "AlertName": {"Description": "SLS alert on unmuted FAIL findings",
                          "Value": _getatt("FindingsAlert", "Name")},
            "ExecutionRoleArn": {"Description": "the functions' role", "Value": _getatt("FcRole", "Arn")},
            "DispatcherFunction": {"Condition": "CreateFunctions", "Description": "starts runs",
                                   "Value": _getatt(dispatcher, "FunctionName")},
        },
    }


TEMPLATE_HEADER = [
    "Generated by `python -m aliaudit.deploy render` (make deploy-files) from the check metadata; do not edit.",
    "ROS template: the functions and triggers of s.yaml (code from OSS: CodeBucket/CodeObjectPrefix), the report",
    "bucket, the SLS findings logstore with its index and alert, and the role aliaudit-fc with its policies.",
    "DeployFunctions=false creates only the shared resources, for a deployment of the functions with s.yaml.",
]


def render_template() -> str:
    return _dump(template(), _header(TEMPLATE_HEADER))


# --- member-role.yml (ROS, one member account's audit role) --------------------------------------------

def member_role_template() -> dict[str, Any]:
    """The read-only audit role of a member account, trusted by the auditor (its FC role, or its whole account)
    with an external id: meant for a service-managed ROS StackGroup over the resource directory's folders."""
    auditor = {"Fn::If": ["TrustAuditorRole", _sub("acs:ram::${AuditorAccountId}:role/${AuditorRoleName}"),
                          _sub("acs:ram::${AuditorAccountId}:root")]}
    trust = {"Version": "1", "Statement": [{
        "Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"RAM": [auditor]},
        "Condition": {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}}}]}
    return {
        "ROSTemplateFormatVersion": "2015-09-01",
        "Description": "aliaudit member account audit role: read-only (exactly the read actions of aliaudit's "
                       "collectors), assumable only by the auditor account's role with the external id.",
        "Parameters": {
            "AuditorAccountId": {
                "Type": "String", "AllowedPattern": "^[0-9]{16}$",
                "ConstraintDescription": "the 16-digit Alibaba Cloud account id",
                "Description": "the account the auditor runs in: the resource directory's management account or "
                               "delegated administrator"},
            "AuditorRoleName": {
                "Type": "String", "Default": ROLE_NAME, "AllowedPattern": "^[a-zA-Z0-9.-]{0,64}$",
                "Description": f"the auditor's role in AuditorAccountId (the pipeline's FC execution role {ROLE_NAME},"
                               " or the role the CLI runs as); empty: any RAM user or role of that account that "
                               "may call sts:AssumeRole"},
            "ExternalId": {
                "Type": "String", "MinLength": 2, "MaxLength": 1224,
                "Description": "the external id the auditor passes (accounts.external_id / --external-id)"},
            "RoleName": {
                "Type": "String", "Default": MEMBER_ROLE_NAME, "AllowedPattern": "^[a-zA-Z0-9.-]{1,64}$",
                "Description": "name of the audit role created in each member (accounts.role_name / --role-name)"},
        },
        "Conditions": {"TrustAuditorRole": {"Fn::Not": {"Fn::Equals": ["", {"Ref": "AuditorRoleName"}]}}},
        "Resources": {
            "MemberAuditRole": {"Type": "ALIYUN::RAM::Role", "Properties": {
                "RoleName": {"Ref": "RoleName"},
                "Description": "aliaudit: read-only security audit of this account by the auditor account",
                "AssumeRolePolicyDocument": trust, "MaxSessionDuration": 3600}},
            "MemberAuditReadOnlyPolicy": _ros_policy(
                MEMBER_POLICY, "aliaudit: exactly the read actions its collectors call", audit_policy(),
                role="MemberAuditRole"),
        },
        "Outputs": {
            "RoleArn": {"Description": "the audit role (acs:ram::<member>:role/<name>)",
                        "Value": _getatt("MemberAuditRole", "Arn")},
            "RoleName": {"Description": "accounts.role_name", "Value": _getatt("MemberAuditRole", "RoleName")},
        },
    }


MEMBER_ROLE_HEADER = [
    "Generated by `python -m aliaudit.deploy render` (make deploy-files) from the check metadata; do not edit.",
    "ROS template: the read-only audit role of ONE member account (the same read policy as the pipeline's role),",
    "trusted by the auditor account's role AuditorRoleName (empty: the whole auditor account) with sts:ExternalId.",
    "Meant for a ROS StackGroup with service-managed permissions, created in the resource directory's management",
    "account (or a delegated administrator): stack instances in the target folders, in ONE region (RAM is",
    "global), with auto-deployment so new members get the role too. See docs/organisations.md.",
    "Then configure the auditor with accounts.role_name = RoleName and accounts.external_id = ExternalId",
    "(CLI: --role-name, --external-id); the management account itself is audited with the auditor's own role.",
]


def render_member_role() -> str:
    return _dump(member_role_template(), _header(MEMBER_ROLE_HEADER))


OUTPUTS: dict[str, Callable[[], str]] = {"s.yaml": render_s_yaml, "template.yml": render_template,
                                         "member-role.yml": render_member_role}


def render(root: Path = ROOT, check: bool = False) -> list[str]:
    """Write the deployment files (or, with check, list the stale ones without writing)."""
    stale = []
    for name, fn in OUTPUTS.items():
        path = root / name
        text = fn()
        if (path.read_text() if path.exists() else "") != text:
            stale.append(name)
            if not check:
                path.write_text(text)
    return stale


# --- make build -----------------------------------------------------------------------------------

class BuildError(RuntimeError):
    pass


def runtime_requirements(root: Path = ROOT) -> list[str]:
    """[project].dependencies of pyproject.toml: what the functions import (never the dev extras)."""
    try:
        import tomllib  # novermin - Python 3.11+
    except ImportError:  # Python 3.10: the installed distribution's metadata (make setup keeps it current)
        from importlib.metadata import requires

        return [r for r in requires("aliaudit") or [] if "extra ==" not in r]
    return list(tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"])


def _pip(*args: str, env: dict[str, str] | None = None) -> None:
    cmd = [sys.executable, "-m", "pip", *args]
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode:
        raise BuildError(f"{' '.join(cmd[:6])} ... failed:\n{proc.stdout[-4000:]}")


def _wheel_tags(path: Path) -> list[str]:
    """The wheel's tags (py3-none-any, cp310-cp310-manylinux_2_17_x86_64, ...)."""
    name = path.name[:-4]
    parts = name.split("-")
    py, abi, plats = parts[-3], parts[-2], parts[-1]
    return [f"{p}-{a}-{pl}" for p in py.split(".") for a in abi.split(".") for pl in plats.split(".")]


def _installed_tags(dist_info: Path) -> list[str]:
    wheel = dist_info / "WHEEL"
    if not wheel.exists():
        return []
    meta = email.parser.Parser().parsestr(wheel.read_text())
    return [str(t) for t in meta.get_all("Tag") or []]


def tag_fits_runtime(tag: str) -> bool:
    """Does a wheel tag run on CPython 3.10 / manylinux x86_64 (the FC python3.10 runtime)?"""
    py, abi, plat = tag.split("-")
    if plat != "any" and not (plat.startswith("manylinux") and plat.endswith("_x86_64")):
        return False
    if py in ("py3", "py2", "py30", "py310"):
        return abi == "none" or plat == "any"
    m = re.fullmatch(r"cp3(\d+)", py)
    if not m:
        return False
    minor = int(m.group(1))
    return (abi == "abi3" and minor <= 10) or (minor == 10 and abi in ("cp310", "none"))


def missing_for_target(target: Path) -> list[str]:
    """Requirements of the installed distributions that the FC python3.10 runtime needs but pip skipped (it
    evaluated the markers for this interpreter, e.g. exceptiongroup; python_version < "3.11")."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    metas = [email.parser.Parser().parsestr((d / "METADATA").read_text())
             for d in sorted(target.glob("*.dist-info")) if (d / "METADATA").exists()]
    have = {canonicalize_name(m["Name"]) for m in metas}
    missing: dict[str, str] = {}
    for m in metas:
        for line in m.get_all("Requires-Dist") or []:
            req = Requirement(line)
            if (req.marker and not req.marker.evaluate(TARGET_MARKERS)) or canonicalize_name(req.name) in have:
                continue
            extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
            missing.setdefault(canonicalize_name(req.name), f"{req.name}{extras}{req.specifier}")
    return sorted(missing.values())


def vendor_dependencies(requirements: Sequence[str], dest: Path) -> None:
    """Install the requirements into dest as the FC python3.10 runtime needs them. Needs PyPI only."""
    platform = ["--platform", PLATFORM, "--python-version", PYTHON_VERSION, "--implementation", "cp",
                "--only-binary", ":all:"]
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".vendor-") as tmp:
        dl, wheels, target = Path(tmp, "dl"), Path(tmp, "wheels"), Path(tmp, "target")
        wheels.mkdir()
        # 1. every distribution of the dependency tree as published: wheels, or sdists where PyPI has no wheel
        _pip("download", "--quiet", "--dest", str(dl), *requirements)
        # 2. sdist-only packages (oss2, aliyun-log-python-sdk, crcmod, alibabacloud utilities) -> wheels; CC=false
        #    makes optional C extensions (crcmod) fall back to pure Python instead of compiling for this machine
        sdists = sorted(str(p) for p in dl.iterdir() if not p.name.endswith(".whl"))
        if sdists:
            _pip("wheel", "--quiet", "--no-deps", "--no-cache-dir", "--wheel-dir", str(wheels), *sdists,
                 env={**os.environ, "CC": "false", "CXX": "false"})
        foreign = [w.name for w in wheels.iterdir() if not any(tag_fits_runtime(t) for t in _wheel_tags(w))]
        if foreign:
            raise BuildError(f"these sdists need compiling, no manylinux wheel exists: {', '.join(foreign)}")
        # 3. the tree for CPython 3.10 on manylinux x86_64, the local pure wheels standing in for the sdists
        install = ["install", "--quiet", "--no-compile", "--target", str(target), "--find-links", str(wheels),
                   *platform]
        _pip(*install, *requirements)
        # 4. what python3.10 needs on top (pip resolved the markers for this interpreter)
        for _ in range(5):
            missing = missing_for_target(target)
            if not missing:
                break
            _pip(*install, "--no-deps", *missing)
        else:
            raise BuildError(f"still missing for python3.10: {', '.join(missing_for_target(target))}")
        shutil.rmtree(target / "bin", ignore_errors=True)  # console scripts are of no use in FC
        wrong = [d.name for d in target.glob("*.dist-info")
                 if _installed_tags(d) and not any(tag_fits_runtime(t) for t in _installed_tags(d))]
        if wrong:
            raise BuildError(f"not for CPython 3.10 manylinux x86_64: {', '.join(wrong)}")
        if dest.exists():
            shutil.rmtree(dest)
        target.rename(dest)


@dataclass
class Bundle:
    function: str
    path: Path
    size: int  # bytes of the files the function ships (what the fc3 component zips)
    files: int
    zip_path: Path | None = None
    zip_size: int = 0


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)  # one copy of the vendored tree on disk, shared by every bundle
    except OSError:
        shutil.copy2(src, dst)


_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo")


def _tree_size(path: Path) -> tuple[int, int]:
    size = files = 0
    for p in path.rglob("*"):
        if p.is_file():
            size += p.stat().st_size
            files += 1
    return size, files


def _zip(src: Path, dest: Path) -> int:
    """A reproducible zip (sorted entries, fixed times): unchanged code keeps its checksum."""
    tmp = dest.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for p in sorted(src.rglob("*")):
            if p.is_file():
                info = zipfile.ZipInfo(p.relative_to(src).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = (0o755 if os.access(p, os.X_OK) else 0o644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, p.read_bytes())
    tmp.replace(dest)
    return dest.stat().st_size


def vendor_key(requirements: Sequence[str]) -> str:
    data = {"requirements": sorted(requirements), "platform": PLATFORM, "python": PYTHON_VERSION,
            "format": VENDOR_FORMAT}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def build(root: Path = ROOT, out: Path | None = None, *, zip_bundles: bool = False, force: bool = False,
          only: Iterable[str] = (), log: Callable[[str], None] = print) -> list[Bundle]:
    """build/<dir>/ for every function: its functions/<dir>/ files, the aliaudit package and the vendored
    dependencies (installed once into build/.vendor/, reused while the requirements are unchanged)."""
    out = out or root / "build"
    out.mkdir(parents=True, exist_ok=True)
    reqs = runtime_requirements(root)
    vendor, stamp = out / ".vendor", out / ".vendor.stamp"
    key = vendor_key(reqs)
    if force or not vendor.is_dir() or not stamp.exists() or stamp.read_text().strip() != key:
        log(f"vendoring {len(reqs)} requirements for CPython {PYTHON_VERSION} {PLATFORM} into {vendor} ...")
        stamp.unlink(missing_ok=True)
        vendor_dependencies(reqs, vendor)
        stamp.write_text(key + "\n")
    wanted = set(only)
    specs = [f for f in functions() if not wanted or f.name in wanted or f.directory in wanted]
    if wanted and not specs:
        raise BuildError(f"no function named {', '.join(sorted(wanted))}")
    bundles = []
    for fn in specs:
        src = root / "functions" / fn.directory
        if not (src / "index.py").is_file():
            raise BuildError(f"{src}/index.py is missing: every deployed function needs its entry point")
        dest = out / fn.directory
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(vendor, dest, copy_function=_link_or_copy)
        shutil.copytree(root / "shared" / "aliaudit", dest / "aliaudit", ignore=_IGNORE)
        shutil.copytree(src, dest, ignore=_IGNORE, dirs_exist_ok=True)
        size, files = _tree_size(dest)
        bundle = Bundle(fn.name, dest, size, files)
        if zip_bundles:
            bundle.zip_path = out / f"{fn.directory}.zip"
            bundle.zip_size = _zip(dest, bundle.zip_path)
        bundles.append(bundle)
        zipped = f"  zip {bundle.zip_size / 1e6:6.1f} MB" if bundle.zip_path else ""
        log(f"{dest.relative_to(out.parent) if out.parent in dest.parents else dest}  "
            f"{size / 1e6:6.1f} MB  {files} files{zipped}")
    return bundles


# --- the report bucket's lifecycle -----------------------------------------------------------------------

def put_lifecycle(bucket: str, region: str, report_days: int, noncurrent_days: int, *, show: bool = False) -> int:
    """PutBucketLifecycle with report_lifecycle_rules, as the deployer (aliaudit's credential chain: environment,
    profile, ...; oss:PutBucketLifecycle on the bucket). show: print the request body only."""
    import oss2.xml_utils

    from . import errors
    from .clients import ClientFactory
    from .credentials.resolve import AuthOptions, resolve_credentials
    from .settings import EndpointSettings

    if not 1 <= report_days <= 36500 or not 1 <= noncurrent_days <= 36500:
        print("lifecycle: --report-days and --noncurrent-days are 1-36500", file=sys.stderr)
        return 1
    lifecycle = oss_lifecycle(report_lifecycle_rules(report_days, noncurrent_days))
    if show:
        print(oss2.xml_utils.to_put_bucket_lifecycle(lifecycle).decode())
        return 0
    try:
        settings = EndpointSettings.from_env(os.environ)
        resolved = resolve_credentials(AuthOptions(), os.environ, settings)
        ClientFactory(resolved.provider, settings).oss_bucket(bucket, region).put_bucket_lifecycle(lifecycle)
    except errors.AliauditError as err:
        print(f"lifecycle: {err}", file=sys.stderr)
        return 1
    except oss2.exceptions.OssError as err:
        print(f"lifecycle: oss://{bucket}: {err.code}: {err.message}", file=sys.stderr)
        return 1
    print(f"oss://{bucket}: {len(lifecycle.rules)} lifecycle rules, noncurrent versions expire after "
          f"{noncurrent_days} days")
    return 0


# --- command line ---------------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aliaudit.deploy", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_render = sub.add_parser("render", help="write s.yaml, template.yml and member-role.yml from the metadata")
    p_render.add_argument("--check", action="store_true", help="exit 1 if a file is stale, write nothing")
    p_render.add_argument("--root", type=Path, default=ROOT)
    p_acc = sub.add_parser("accounts", help="print ALIAUDIT_ACCOUNTS for s.yaml's deployer environment, as "
                                            "template.yml builds it from Accounts, MemberRoleName, MemberExternalId")
    p_acc.add_argument("accounts", nargs="?", default="",
                       help="'resource-directory' or member account ids, comma-separated; empty: single account")
    p_acc.add_argument("--member-role", default=MEMBER_ROLE_NAME, help=f"default {MEMBER_ROLE_NAME}")
    p_acc.add_argument("--external-id", default="", help="the member roles' sts:ExternalId (default none)")
    p_life = sub.add_parser("lifecycle", help="put the report bucket's whole lifecycle, noncurrent versions "
                                              "included (ROS cannot: run it after every CreateStack/UpdateStack)")
    p_life.add_argument("--bucket", required=True, help="the report bucket (stack output ReportBucket)")
    p_life.add_argument("--region", default=DEFAULT_REGION, help=f"the bucket's region (default {DEFAULT_REGION})")
    p_life.add_argument("--report-days", type=int, default=365, help="the stack's ReportRetentionDays (365)")
    p_life.add_argument("--noncurrent-days", type=int, default=NONCURRENT_VERSION_DAYS,
                        help=f"days an earlier version is kept ({NONCURRENT_VERSION_DAYS})")
    p_life.add_argument("--print", action="store_true", help="print the PutBucketLifecycle body, change nothing")
    p_build = sub.add_parser("build", help="build/<function>/ code bundles with vendored python3.10 dependencies")
    p_build.add_argument("--root", type=Path, default=ROOT)
    p_build.add_argument("--out", type=Path, default=None, help="default: <root>/build")
    p_build.add_argument("--zip", action="store_true", help="also write build/<function>.zip (for template.yml)")
    p_build.add_argument("--force", action="store_true", help="re-vendor the dependencies")
    p_build.add_argument("--only", nargs="*", default=[], metavar="FUNCTION", help="these functions only")
    args = parser.parse_args(argv)
    if args.command == "accounts":
        try:
            print(accounts_setting(args.accounts, args.member_role, args.external_id))
        except ValueError as err:
            print(f"accounts: {err}", file=sys.stderr)
            return 1
        return 0
    if args.command == "lifecycle":
        return put_lifecycle(args.bucket, args.region, args.report_days, args.noncurrent_days, show=args.print)
    if args.command == "render":
        stale = render(args.root, check=args.check)
        if args.check:
            for name in stale:
                print(f"{name} is stale: run `make deploy-files` (python -m aliaudit.deploy render)", file=sys.stderr)
            return 1 if stale else 0
        print(f"wrote {', '.join(stale)}" if stale else f"{', '.join(OUTPUTS)} are up to date")
        return 0
    try:
        build(args.root, args.out, zip_bundles=args.zip, force=args.force, only=args.only)
    except BuildError as err:
        print(f"build failed: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
