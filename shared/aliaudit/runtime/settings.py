"""The pipeline's settings, from the function's environment (s.yaml / template.yml set them)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from pydantic import BaseModel, Field

from ..errors import ConfigError
from ..redact import SECRETS

# The dispatcher's FC timeout (deploy/catalogue.py deploys it): here, in the shipped code, because the debounce
# (burst.py) must finish its waiting and dispatching within it; the deploy package is not in the function bundles.
DISPATCHER_TIMEOUT_S = 120  # it only plans and fans out

# EventBridge carries ActionTrail's write events of three types, {service}:ActionTrail:ApiCall, :ConsoleOperation and
# :AliyunServiceEvent ("EventBridge supports only ActionTrail events of the write type",
# https://www.alibabacloud.com/help/en/eventbridge/user-guide/actiontrail-events): API calls (the console's own
# actions too, most consoles being built on the APIs), console operations that are no API call, and "operation[s]
# performed by Alibaba Cloud on a resource" (a change is a change, whoever made it: all three). A ConsoleSignin
# (ActionTrail's sign-in event) is none of them: no EventBridge rule sees it, so the filter does not name it and
# the check that lists it (ram_root_account_unused) is served by the daily run. (The deploy's filter pattern and the
# dispatcher's parser both use these.)
ACTIONTRAIL_SUFFIXES = (":ActionTrail:ApiCall", ":ActionTrail:ConsoleOperation", ":ActionTrail:AliyunServiceEvent")

# ALIAUDIT_RUN_SECRET (template.yml's RunSecret parameter checks the same): the key of every MAC and seal the
# functions put on what they store in the bucket (docs/security.md). Without it anything the bucket's other writers
# plant would be trusted (a done marker skips a day's run, marks of sent SLS batches keep the alert from firing), so
# the functions refuse to run without it rather than audit unprotected.
RUN_SECRET_MIN_LENGTH = 32
RUN_SECRET_PATTERN = r"^[A-Za-z0-9+/=_.-]+$"


class SettingsError(ConfigError):
    """A function's environment cannot run the pipeline safely: one line naming the variable and why."""

# Where the functions reach the report bucket. In FC (FC_FUNCTION_NAME set: FC's own variable, "Configure environment
# variables", https://www.alibabacloud.com/help/en/functioncompute/fc/environment-variables) the region's internal
# endpoint oss-<region>-internal.aliyuncs.com (OSS "Regions and endpoints"): FC reaches OSS of its own region over the
# internal network, not billed as Internet traffic (FC "Endpoints": "an internal high-speed network ... between Function
# Compute, ECS, SLB and OSS"; https://help.aliyun.com/en/functioncompute/fc/developer-reference/fc-endpoints), and the
# report bucket lives in the functions' region. Elsewhere the public one. ALIAUDIT_OSS_ENDPOINT overrides both: a host
# or URL (the emulator, tests), or "public" / "internal".
# SLS stays on <region>.log.aliyuncs.com: its -intranet endpoint is the "VPC access address" (SLS "Endpoints") and these
# functions have no VPC; what they send is written (PutLogs), and SLS bills Internet *read* traffic, not writes (SLS
# "Initialize Simple Log Service SDK for Python": "read traffic over the Internet is generated").
def oss_endpoint(region: str, env: Mapping[str, str], protocol: str = "https") -> str:
    """The report bucket's endpoint URL for the functions (see above)."""
    choice = env.get("ALIAUDIT_OSS_ENDPOINT") or ("internal" if env.get("FC_FUNCTION_NAME") else "public")
    if choice in ("internal", "public"):
        return f"{protocol}://oss-{region}{'-internal' if choice == 'internal' else ''}.aliyuncs.com"
    return choice if "://" in choice else f"{protocol}://{choice}"


# "An index takes effect within approximately one minute after creation. The index applies only to newly written
# data" (SLS, Create an index: https://help.aliyun.com/en/sls/developer-reference/index-create-index). A log
# written sooner is never found by a query, so the FAIL alert would never see it: the first run of a new
# deployment (whose aggregator creates the logstore and its index) lost its alert. Half a minute of margin
INDEX_SETTLE_S = 90.0


class PipelineSettings(BaseModel):
    region: str  # FC_REGION: where the functions, the report bucket and the log project live
    account_id: str = ""  # FC_ACCOUNT_ID
    report_bucket: str  # ALIAUDIT_REPORT_BUCKET
    log_project: str  # ALIAUDIT_LOG_PROJECT
    findings_logstore: str = "findings"  # ALIAUDIT_FINDINGS_LOGSTORE
    function_prefix: str = "aliaudit-"  # ALIAUDIT_FUNCTION_PREFIX: workers are <prefix><family>
    alert_name: str = "aliaudit-unmuted-fail"  # ALIAUDIT_ALERT_NAME
    # ALIAUDIT_MUTELIST_ALERT_NAME: fires when a run's mutelist changed or mutes a larger share (created when missing)
    mutelist_alert_name: str = "aliaudit-mutelist-change"
    aggregation_deadline_seconds: int = Field(1800, ge=10)  # ALIAUDIT_AGGREGATION_DEADLINE_SECONDS
    # ALIAUDIT_AGGREGATION_LEASE_SECONDS: a claim this old, never released (the aggregator died), is taken over
    # by the sweep; longer than the aggregator's timeout
    aggregation_lease_seconds: int = Field(900, ge=10)
    family: str = ""  # ALIAUDIT_FAMILY (workers only)
    # ALIAUDIT_ACCOUNTS: daily runs audit these accounts (docs/organisations.md): 'resource-directory', or JSON
    # (a list of ids / role ARNs, or the mapping); a payload can only narrow them. Empty: the own account.
    accounts: str = ""
    # ALIAUDIT_RUN_SECRET: keys the MACs and seals of what the functions store (above); required
    run_secret: str = Field(repr=False)
    # ALIAUDIT_LOG_PROCESS_MIN_FINDINGS: a run with this many findings sends its SLS logs from a second process
    # of the aggregator (runtime/log_sender.py), while the reports render; 0 = always
    log_process_min_findings: int = Field(10000, ge=0)
    # ALIAUDIT_LATEST_SHARD_FINDINGS: about this many findings a latest/parts/ shard (runtime/latest.py): what one
    # event run reads and rewrites of a family's verdicts in a region
    latest_shard_findings: int = Field(1000, ge=1)
    # ALIAUDIT_SLS_INDEX_SETTLE_SECONDS: after the findings index is created or changed, the logs wait this long (SLS
    # indexes only what is written once the index is in effect, about a minute later: INDEX_SETTLE_S)
    index_settle_seconds: float = Field(INDEX_SETTLE_S, ge=0)
    # ALIAUDIT_TRAIL_LOG_PROJECT and ALIAUDIT_TRAIL_LOGSTORE: the ActionTrail trail's logstore in the functions' region
    # whose log trigger the dispatcher reads (runtime/trail_events.py); empty: none. A trigger naming any other
    # logstore is refused
    trail_log_project: str = Field("", pattern=r"^([a-z0-9][a-z0-9-]{1,61}[a-z0-9])?$")
    trail_logstore: str = Field("", pattern=r"^([a-z0-9_][a-z0-9_-]{1,61}[a-z0-9_])?$")
    # ALIAUDIT_TRAIL_MAX_LOGS: the trail logs one dispatcher invocation reads; the rest of the log trigger's range goes
    # to a new invocation (trail_events.py)
    trail_max_logs: int = Field(1000, ge=1, le=20000)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PipelineSettings:
        env = os.environ if env is None else env
        values = {"region": env.get("FC_REGION") or env.get("ALIBABA_CLOUD_REGION_ID") or "cn-hangzhou",
                  "account_id": env.get("FC_ACCOUNT_ID", ""), "report_bucket": env.get("ALIAUDIT_REPORT_BUCKET", ""),
                  "log_project": env.get("ALIAUDIT_LOG_PROJECT", ""), "family": env.get("ALIAUDIT_FAMILY", "")}
        for var, field in (("ALIAUDIT_FINDINGS_LOGSTORE", "findings_logstore"),
                           ("ALIAUDIT_FUNCTION_PREFIX", "function_prefix"), ("ALIAUDIT_ALERT_NAME", "alert_name"),
                           ("ALIAUDIT_MUTELIST_ALERT_NAME", "mutelist_alert_name"),
                           ("ALIAUDIT_AGGREGATION_DEADLINE_SECONDS", "aggregation_deadline_seconds"),
                           ("ALIAUDIT_AGGREGATION_LEASE_SECONDS", "aggregation_lease_seconds"),
                           ("ALIAUDIT_ACCOUNTS", "accounts"), ("ALIAUDIT_RUN_SECRET", "run_secret"),
                           ("ALIAUDIT_LOG_PROCESS_MIN_FINDINGS", "log_process_min_findings"),
                           ("ALIAUDIT_LATEST_SHARD_FINDINGS", "latest_shard_findings"),
                           ("ALIAUDIT_SLS_INDEX_SETTLE_SECONDS", "index_settle_seconds"),
                           ("ALIAUDIT_TRAIL_LOG_PROJECT", "trail_log_project"),
                           ("ALIAUDIT_TRAIL_LOGSTORE", "trail_logstore"),
                           ("ALIAUDIT_TRAIL_MAX_LOGS", "trail_max_logs")):
            if env.get(var):
                values[field] = env[var]
        values["run_secret"] = run_secret(env.get("ALIAUDIT_RUN_SECRET", ""))
        return cls.model_validate(values)


def run_secret(value: str) -> str:
    """ALIAUDIT_RUN_SECRET as the functions require it; SettingsError naming what is wrong (never the value)."""
    why = ("is not set" if not value else
           f"is {len(value)} characters long, fewer than {RUN_SECRET_MIN_LENGTH}" if len(value) < RUN_SECRET_MIN_LENGTH
           else "has characters other than letters, digits and + / = _ . -" if not re.match(RUN_SECRET_PATTERN, value)
           else "")
    if why:
        raise SettingsError(f"ALIAUDIT_RUN_SECRET {why}: the functions refuse to run without the deployment's run "
                            "secret, the key of the MACs that keep the bucket's other writers from forging runs "
                            "(set template.yml's RunSecret, or ALIAUDIT_RUN_SECRET when running s deploy)")
    SECRETS.add(value)  # (scrubbed from every log line, as the credentials are)
    return value
