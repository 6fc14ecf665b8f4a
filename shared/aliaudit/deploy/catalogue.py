"""The deployed functions (one worker per family, the aggregator, the dispatcher), their triggers and
environment, and the names every deployment shares."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# (in the shipped code: the dispatcher waits within its timeout, runtime/burst.py, and parses what the filter passes)
from ..runtime.settings import ACTIONTRAIL_SUFFIXES, DISPATCHER_TIMEOUT_S

ROOT = Path(__file__).resolve().parents[3]  # shared/aliaudit/deploy/catalogue.py -> the repository root

PREFIX = "aliaudit-"
ROLE_NAME = "aliaudit-fc"
RUNTIME = "python3.10"
HANDLER = "index.handler"
MEMORY_MB = 1024
TIMEOUT_S = 900
ASYNC_RETRIES = 2
DEFAULT_REGION = "cn-hangzhou"
FINDINGS_LOGSTORE = "findings"
FUNCTION_LOGSTORE = "fc-logs"  # the functions' own logs (logConfig)
ALERT_NAME = "aliaudit-unmuted-fail"
AGGREGATION_DEADLINE_SECONDS = 1800
LOG_RETENTION_DAYS = 365  # CIS 2.23: the auditor's own logstores pass its retention check
AUDIT_POLICY = "AliauditAuditReadOnly"
CREDENTIAL_REPORT_POLICY = "AliauditCredentialReport"  # the one write the audit needs (permissions.py)
PIPELINE_POLICY = "AliauditPipelineWrite"
TRAIL_POLICY = "AliauditTrailRead"  # the dispatcher's read of the trail logstore (template.yml's TrailLogProject)
REPORT_KEY_POLICY = "AliauditReportKeyUse"
MEMBER_ROLE_NAME = "aliaudit-member-audit"  # member-role.yml's default RoleName (accounts.role_name to use it)
MEMBER_CREDENTIAL_REPORT_POLICY = "AliauditMemberCredentialReport"
MEMBER_POLICY = "AliauditMemberAuditReadOnly"  # its read-only policy (a name of its own: no clash with the pipeline's)
ORGANISATION_POLICY = "AliauditOrganisationAudit"  # organisation mode only: directory reads, the member roles
DAILY_CRON = "0 0 2 * * *"  # 6 fields, seconds first, UTC
# The sweep only matters when a run's last worker or its aggregator died (the last worker signals the aggregator
# itself): it finishes runs past their deadline and takes over stale claims. Every 30 minutes bounds a stuck run
# to deadline (AGGREGATION_DEADLINE_SECONDS) + 30 min, which a daily audit can wait, and starts the 2 vCPU
# aggregator, which lists runs/ each time, 48 times a day instead of 288 (every 5 minutes)
SWEEP_CRON = "0 */30 * * * *"
NOT_ON_EVENTBRIDGE = frozenset({"ConsoleSignin"})
AGGREGATOR_DISK_MB = 10240
# the dependency layer (bundle.py): one for every function; FC unpacks it into /opt and puts /opt/python on the path
LAYER_NAME = "aliaudit-deps"
LAYER_VERSION_ENV = "ALIAUDIT_LAYER_VERSION"  # s.yaml: the layer version to use (the first published is 1)
TEMPLATE_NAME = "aliaudit-function"  # the s.yaml template every function extends
BUILD_CMD = "make build"


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
    disk_mb: int | None = None  # diskSize; None: FC's default 512 MB. FC 3.0 offers 512 or 10240 only
    family: str = ""  # workers only
    async_retries: int | None = ASYNC_RETRIES  # None: no asyncInvokeConfig (the FC default applies)
    triggers: tuple[dict[str, Any], ...] = field(default=())  # FC API shape (s.yaml and ROS TriggerConfig)


def event_names() -> list[str]:
    """The sorted union of the ActionTrail event names that can change any check's result."""
    from ..checks.registry import all_checks

    return sorted({e for c in all_checks().values() for e in c.meta.events} - NOT_ON_EVENTBRIDGE)


def filter_pattern() -> str:
    """The EventBridge rule pattern: write API calls, console operations and Alibaba Cloud's own operations of any
    product whose event name a check listens to."""
    pattern = {"type": [{"suffix": suffix} for suffix in ACTIONTRAIL_SUFFIXES],
               "data": {"eventName": event_names()}}
    return json.dumps(pattern, separators=(",", ":"))  # compact: the pattern is a string field of the trigger


def triggers_for(kind: str) -> tuple[dict[str, Any], ...]:
    if kind == "dispatcher":
        return ({"triggerName": "daily", "triggerType": "timer",
                 "triggerConfig": {"cronExpression": DAILY_CRON, "enable": True, "payload": "{}"}},
                # fc3 quirk (devsapp/fc3 src/subCommands/deploy/impl/trigger.ts, Trigger.run() at 4ca1c1b): an
                # unchanged eventbridge trigger stops the deploy of the triggers
                # after it, so it must stay last
                {"triggerName": "actiontrail-changes", "triggerType": "eventbridge",
                 # FC 3.0: asyncInvocationType false is an ASYNCHRONOUS invocation and true a synchronous one (the
                 # fc20230330 API reference, struct EventBridgeTriggerConfig, and the SDK model's doc comment; FC
                 # 2.0's 2021-04-06 API meant the opposite). Asynchronous: EventBridge hands the event to FC's queue
                 # and does not wait for the dispatcher; FC's async retries cover a failed dispatch
                 "triggerConfig": {"triggerEnable": True, "asyncInvocationType": False,
                                   "eventSourceConfig": {"eventSourceType": "Default"},
                                   "eventRuleFilterPattern": filter_pattern()}})
    if kind == "aggregator":
        return ({"triggerName": "sweep", "triggerType": "timer",
                 "triggerConfig": {"cronExpression": SWEEP_CRON, "enable": True, "payload": '{"sweep": true}'}},)
    return ()


def functions() -> list[FunctionSpec]:
    """Every deployed function, in deploy order: the workers first, the dispatcher (which starts runs) last."""
    from ..checks import families

    out = [FunctionSpec(f"{PREFIX}{fam}", fam, "worker", f"aliaudit worker: audits the {fam} family of one run",
                        family=fam) for fam in families()]
    out.append(FunctionSpec(f"{PREFIX}aggregator", "aggregator", "aggregator",
                            "aliaudit aggregator: reports in OSS, one SLS log per finding, the FAIL alert",
                            # 2 vCPUs: a large run's SLS logs go out from a second process while the reports
                            # render (runtime/log_sender.py)
                            # 10 GB of disk: at the benchmark's size (133,830 findings) the spool and the report files
                            # in flight reach about 450-550 MB (issue 18 item 2), past FC's default 512 MB, and FC 3.0
                            # offers nothing in between (fc20230330 CreateFunctionInput.diskSize "Valid values: 512
                            # and 10240"; fc3 schema.json diskSize enum). Disk is billed per GB-second while it runs
                            # (FC billing: 0.05 CU/GB-s), so only the aggregator gets it
                            memory_mb=2048, cpu=2, disk_mb=AGGREGATOR_DISK_MB, triggers=triggers_for("aggregator")))
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
                accounts: Any = "single", run_secret: Any = "", trail: tuple[Any, Any] = ("", "")) -> dict[str, Any]:
    """The function's whole environment: the common part, its family for a worker, and for the dispatcher the
    trail logstore its log trigger reads (trail: project, logstore; empty: none)."""
    env = common_environment(bucket=bucket, project=project, logstore=logstore, accounts=accounts,
                             run_secret=run_secret)
    if fn.family:
        env["ALIAUDIT_FAMILY"] = fn.family
    if fn.kind == "dispatcher":
        env.update(dispatcher_environment(*trail))
    return env


def dispatcher_environment(trail_project: Any, trail_logstore: Any) -> dict[str, Any]:
    """The dispatcher's own settings: the trail logstore (runtime/trail_events.py)."""
    return {"ALIAUDIT_TRAIL_LOG_PROJECT": trail_project, "ALIAUDIT_TRAIL_LOGSTORE": trail_logstore}


# the trail's log trigger (template.yml, with TrailLogProject): FC invokes the dispatcher with each shard's new logs
# every TRAIL_TRIGGER_INTERVAL_S ("[3,600]" seconds: the log trigger's triggerInterval, devsapp/fc3 and FC 2.0 doc
# 84386), retrying a failed invocation up to TRAIL_TRIGGER_RETRIES times ("0 to 100": JobConfig.maxRetryTime,
# alibabacloud_fc20230330); SLS invokes as the role named by TrailTriggerRoleName, by default the AliyunLogETLRole
# the SLS console creates ("角色名称：选择AliyunLogETLRole": FC's log trigger guide)
TRAIL_TRIGGER_NAME = "actiontrail-logs"
TRAIL_TRIGGER_INTERVAL_S = 10
TRAIL_TRIGGER_RETRIES = 3
TRAIL_TRIGGER_ROLE = "aliyunlogetlrole"


def trail_trigger_config(logstore: Any, log_project: Any) -> dict[str, Any]:
    """The log trigger's triggerConfig (FC API shape, fc20230330 SLSTriggerConfig): the trail logstore as source,
    the trigger's own logs in the functions' logstore."""
    return {"sourceConfig": {"logstore": logstore},
            "jobConfig": {"triggerInterval": TRAIL_TRIGGER_INTERVAL_S, "maxRetryTime": TRAIL_TRIGGER_RETRIES},
            "logConfig": {"project": log_project, "logstore": FUNCTION_LOGSTORE},
            "functionParameter": {}, "enable": True}


# "The total size of all environment variables cannot exceed 4 KB" (FC "Configure environment variables",
# https://www.alibabacloud.com/help/en/functioncompute/fc/environment-variables), counted as every key's and value's
# UTF-8 bytes
ENV_MAX_BYTES = 4096
RUN_SECRET_MAX_LENGTH = 256  # template.yml's RunSecret MaxLength


def largest_environment_bytes(accounts: str) -> int:
    """The bytes of the largest function environment with this ALIAUDIT_ACCOUNTS and the longest run secret."""
    longest_name = "x" * 63  # (an SLS project or logstore name: at most 63 characters, template.yml's patterns)
    envs = (environment(fn, bucket=report_bucket_name("0" * 16), project=log_project_name("0" * 16),
                        accounts=accounts, run_secret="x" * RUN_SECRET_MAX_LENGTH, trail=(longest_name, longest_name))
            for fn in functions())
    return max(sum(len(k.encode()) + len(str(v).encode()) for k, v in env.items()) for env in envs)


def report_bucket_name(account_id: str) -> str:
    return f"{PREFIX}reports-{account_id}"


def log_project_name(account_id: str) -> str:
    return f"{PREFIX}{account_id}"

