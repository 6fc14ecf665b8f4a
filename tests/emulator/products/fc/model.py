"""FC's state model (functions, triggers, async config), the checks FC applies to them, and code
packages unpacked from zips.
"""

from __future__ import annotations

import atexit
import io
import json
import re
import shutil
import tempfile
import threading
import uuid
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ... import policy

if TYPE_CHECKING:
    from ...state import Account

DEFAULT_REGION = "cn-hangzhou"
TRIGGER_TYPES = {"timer", "eventbridge", "http", "oss", "log", "mns_topic", "cdn_events", "tablestore"}
FC_SERVICE = "fc.aliyuncs.com"  # the principal a function's role must trust
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,127}$")
_ROLE_ARN = re.compile(r"^acs:ram::(\d+):role/([\w.@-]+)$", re.IGNORECASE)
_RUNTIME = re.compile(r"^(python3(\.\d+)?|nodejs\d+|java\d+|php\d\.\d|go1|dotnetcore\d\.\d|dotnet\d+|"
                      r"custom(\.debian\d+)?|custom-container)$")
_EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)

# What FC 3.0 refuses, each limit with its source:
# - diskSize: "Valid values: 512 and 10240" (MB; alibabacloud-fc20230330 CreateFunctionInput.disk_size doc comment);
#   a write past it fails with ENOSPC (runtime.py mounts a disk of that size)
DISK_SIZES = (512, 10240)
# - environment variables: "The total size of all environment variables cannot exceed 4 KB" (FC "Configure
#   environment variables", https://www.alibabacloud.com/help/en/functioncompute/fc/environment-variables); counted
#   here as the UTF-8 bytes of every key and value
ENV_MAX_BYTES = 4096
# - layers: "A function can be configured with a maximum of five layers" (FC "Configure a custom layer",
#   https://alibabacloud.com/help/en/functioncompute/configure-custom-layers-for-a-function), each a layer version ARN
MAX_LAYERS = 5
_LAYER_ARN = re.compile(r"^acs:fc:[a-z0-9-]+:(\d+|official):layers/([A-Za-z0-9_-]+)/versions/(\d+)$")
# - code package: 100 MB as a Base64-encoded ZIP through the API, 500 MB as a ZIP from the console, a developer tool
#   or OSS (FC 3.0 "Limits", https://alibabacloud.com/help/en/functioncompute/fc-3-0/product-overview/limits-of-usage)
CODE_MAX_BYTES_INLINE = 100 * 1024 * 1024
CODE_MAX_BYTES = 500 * 1024 * 1024
# - memorySize (multiple of 64, 128 MB-32 GB) and cpu (0.05-16 vCPU, 1 to 4 GB of memory per vCPU): fc20230330
#   CreateFunctionInput's doc comments ("The ratio of cpu to memorySize (in GB) must be between 1:1 and 1:4")


def _new_id() -> str:
    return str(uuid.uuid4())


class Trigger(BaseModel):
    """A trigger of a function (FC's Trigger; ``config`` is its triggerConfig as an object)."""

    model_config = ConfigDict(extra="forbid")

    name: str  # triggerName
    type: str = "timer"  # triggerType: timer | eventbridge | http | oss | log | mns_topic | cdn_events | tablestore
    # timer: {cronExpression, enable, payload}; eventbridge: {eventRuleFilterPattern: '<JSON string>',
    # asyncInvocationType: false (async, the default; true = sync), triggerEnable, eventSourceConfig}; http: {authType,
    # methods}
    config: dict[str, Any] = Field(default_factory=dict)
    qualifier: str = "LATEST"  # version or alias it invokes (the emulator runs LATEST)
    description: str = ""
    source_arn: str = ""  # sourceArn of the event source (OSS, SLS, MNS triggers)
    invocation_role: str = ""  # invocationRole the event source uses to invoke
    id: str = Field(default_factory=_new_id)  # triggerId
    created: datetime = _EPOCH
    modified: datetime | None = None  # lastModifiedTime (default: created)


class AsyncInvokeConfig(BaseModel):
    """What PutAsyncInvokeConfig / s.yaml asyncInvokeConfig set."""

    model_config = ConfigDict(extra="forbid")

    max_async_retry_attempts: int = 3  # retries after a failed async attempt (0-8)
    max_async_event_age_seconds: int = 86400  # maxAsyncEventAgeInSeconds (kept, not enforced)
    destination_config: dict[str, Any] = Field(default_factory=dict)  # {onSuccess/onFailure: {destination}} (kept only)
    async_task: bool = False  # asyncTask mode (kept only)


class FunctionVersion(BaseModel):
    """A published version: the configuration LATEST had when it was published ("Publishing a version captures the
    current code and configuration as an immutable snapshot ... environment variables ... and permissions (role)":
    FC 3.0 "Manage versions", https://help.aliyun.com/en/functioncompute/fc/user-guide/manage-versions). The emulator
    keeps the fields an audit reads (role, environment variables, disableInjectCredentials); GetFunction with the
    version as qualifier answers LATEST's other fields."""

    model_config = ConfigDict(extra="forbid")

    id: str  # versionId: "1", "2", ... in publishing order
    description: str = ""
    role: str = ""
    environment: dict[str, str] = Field(default_factory=dict)
    disable_inject_credentials: Literal["", "None", "Env", "Request", "All"] = ""
    created: datetime = _EPOCH


class Function(BaseModel):
    """An FC 3.0 function. The emulator runs Python runtimes from ``code_dir`` in worker processes."""

    model_config = ConfigDict(extra="forbid")

    name: str  # functionName, unique per region
    region: str = DEFAULT_REGION
    runtime: str = "python3.10"  # python3.10 handlers get context.credentials; python3.12+ do not (as in FC)
    handler: str = "index.handler"  # <module>.<function> inside code_dir
    code_dir: str = ""  # local directory holding the code (relative: to the emulator's working directory)
    description: str = ""
    memory: int = 512  # memorySize, MB
    cpu: float | None = None  # vCPUs; None: FC sizes it by the memory
    timeout: int = 3  # seconds; a longer run is killed (FunctionTimeout)
    role: str = ""  # acs:ram::<account>:role/<name>; its STS credentials reach the handler
    environment: dict[str, str] = Field(default_factory=dict)  # environmentVariables
    # disableInjectCredentials: None (or "") injects the role's STS token everywhere, Env not through environment
    # variables, Request not through the context, All nowhere (alibabacloud_fc20230330 Function doc comment)
    disable_inject_credentials: Literal["", "None", "Env", "Request", "All"] = ""
    log_config: dict[str, Any] = Field(default_factory=dict)  # logConfig: {project, logstore, enableRequestMetrics,...}
    internet_access: bool = True  # internetAccess
    vpc_config: dict[str, Any] = Field(default_factory=dict)  # vpcConfig: {vpcId, vSwitchIds, securityGroupId}
    layers: list[str] = Field(default_factory=list)  # layer ARNs
    disk_size: int = 512  # diskSize, MB: the instance's writable disk (TMPDIR)
    tags: dict[str, str] = Field(default_factory=dict)
    async_invoke_config: AsyncInvokeConfig | None = None  # None: FC's defaults (3 retries)
    extra: dict[str, Any] = Field(default_factory=dict)  # other FC fields in camelCase, answered as given
    triggers: list[Trigger] = Field(default_factory=list)
    versions: list[FunctionVersion] = Field(default_factory=list)  # published versions, oldest first
    id: str = Field(default_factory=_new_id)  # functionId
    code_size: int = 0  # codeSize, bytes
    code_checksum: str = ""  # codeChecksum
    created: datetime = _EPOCH
    modified: datetime | None = None  # lastModifiedTime (default: created)

    def trigger(self, name: str) -> Trigger | None:
        return next((t for t in self.triggers if t.name == name), None)

    @property
    def retries(self) -> int:
        return (self.async_invoke_config or AsyncInvokeConfig()).max_async_retry_attempts


class FcState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    functions: list[Function] = Field(default_factory=list)  # of every region; (region, name) is unique
    # published layer versions the emulator has content for: ARN -> the layer's root directory (what FC unpacks into
    # /opt; its python/ goes on a Python function's path). A function may name others: they are kept, not mounted
    layer_dirs: dict[str, str] = Field(default_factory=dict)

    def function(self, region: str, name: str) -> Function | None:
        return next((f for f in self.functions if f.region == region and f.name == name), None)

    def in_region(self, region: str) -> list[Function]:
        return sorted((f for f in self.functions if f.region == region), key=lambda f: f.name)


def function_arn(region: str, account_id: str, name: str) -> str:
    return f"acs:fc:{region}:{account_id}:functions/{name}"


def _trigger_config_text(config: dict[str, Any]) -> dict[str, Any]:
    """eventRuleFilterPattern is a JSON string in FC; scenario authors may write it as an object."""
    pattern = config.get("eventRuleFilterPattern")
    if pattern is not None and not isinstance(pattern, str):
        return {**config, "eventRuleFilterPattern": json.dumps(pattern)}
    return config


def _check_trigger(t: Trigger) -> None:
    """Raise ValueError for a trigger FC would refuse."""
    if not _NAME.match(t.name):
        raise ValueError(f"invalid trigger name {t.name!r}")
    if t.type not in TRIGGER_TYPES:
        raise ValueError(f"invalid triggerType {t.type!r}, expected one of {sorted(TRIGGER_TYPES)}")
    if t.type == "timer":
        cron = t.config.get("cronExpression")
        if not isinstance(cron, str) or not cron.strip():
            raise ValueError(f"timer trigger {t.name}: cronExpression is required")
        expr = re.sub(r"^CRON_TZ=\S+\s+", "", cron.strip())
        if not (re.match(r"^@every \d+[smh]$", expr) or len(expr.split()) == 6):
            raise ValueError(f"timer trigger {t.name}: cronExpression {cron!r} is not a 6-field cron or @every")
    if t.type == "eventbridge":
        pattern = t.config.get("eventRuleFilterPattern")
        if not isinstance(pattern, str):
            raise ValueError(f"eventbridge trigger {t.name}: eventRuleFilterPattern (a JSON string) is required")
        try:
            parsed = json.loads(pattern)
        except json.JSONDecodeError as err:
            raise ValueError(f"eventbridge trigger {t.name}: eventRuleFilterPattern is not JSON: {err}") from err
        if not isinstance(parsed, dict):
            raise ValueError(f"eventbridge trigger {t.name}: eventRuleFilterPattern must be a JSON object")


def _check_function(fn: Function, account: Account) -> None:
    """Raise ValueError for a function FC would refuse (name, runtime, limits, role, triggers)."""
    if not _NAME.match(fn.name):
        raise ValueError(f"invalid function name {fn.name!r}")
    if not _RUNTIME.match(fn.runtime):
        raise ValueError(f"invalid runtime {fn.runtime!r}")
    if fn.runtime != "custom-container" and not fn.handler:
        raise ValueError("handler is required")
    if not 128 <= fn.memory <= 32768 or fn.memory % 64:
        raise ValueError(f"memorySize {fn.memory} must be a multiple of 64 between 128 and 32768")
    if fn.cpu is not None and not (0.05 <= fn.cpu <= 16 and fn.cpu * 1024 <= fn.memory <= fn.cpu * 4096):
        raise ValueError(f"cpu {fn.cpu} must be between 0.05 and 16, with 1 to 4 GB of memory per vCPU "
                         f"(memorySize {fn.memory})")
    if not 1 <= fn.timeout <= 86400:
        raise ValueError(f"timeout {fn.timeout} must be between 1 and 86400")
    if fn.disk_size not in DISK_SIZES:
        raise ValueError(f"diskSize {fn.disk_size} must be one of {list(DISK_SIZES)} (MB)")
    env_bytes = sum(len(k.encode()) + len(v.encode()) for k, v in fn.environment.items())
    if env_bytes > ENV_MAX_BYTES:
        raise ValueError(f"environmentVariables take {env_bytes} bytes, more than FC's {ENV_MAX_BYTES}")
    if len(fn.layers) > MAX_LAYERS:
        raise ValueError(f"{len(fn.layers)} layers: a function takes at most {MAX_LAYERS}")
    for arn in fn.layers:
        if not _LAYER_ARN.match(arn):
            raise ValueError(f"layer {arn!r} is not a layer version ARN (acs:fc:<region>:<account>:layers/<name>/"
                             "versions/<n>)")
    if fn.code_size > CODE_MAX_BYTES:
        raise ValueError(f"code package of {fn.code_size} bytes: FC takes at most {CODE_MAX_BYTES}")
    if fn.role:
        _role_for(fn.role, account)
    retries = fn.retries
    if not 0 <= retries <= 8:
        raise ValueError(f"maxAsyncRetryAttempts {retries} must be between 0 and 8")
    for t in fn.triggers:
        _check_trigger(t)


def _role_for(arn: str, account: Account) -> Any:
    """The RAM role FC assumes for a function, or ValueError when FC could not assume it."""
    m = _ROLE_ARN.match(arn)
    if not m or m.group(1) != account.id:
        raise ValueError(f"role {arn!r} is not a role ARN of account {account.id} (acs:ram::<account>:role/<name>)")
    role = account.ram.role(m.group(2))
    if role is None:
        raise ValueError(f"role {arn} does not exist")
    if not policy.trust_allows(role.trust_policy, account_id="", principal_arn="", service=FC_SERVICE):
        raise ValueError(f"the trust policy of role {arn} does not allow {FC_SERVICE} to assume it")
    return role


# --- code packages -------------------------------------------------------------------------------

_code_root: str | None = None
_code_lock = threading.Lock()


def _extract_zip(data: bytes) -> str:
    """Unpack a code zip into a directory the emulator owns (removed at exit)."""
    global _code_root
    with _code_lock:
        if _code_root is None:
            _code_root = tempfile.mkdtemp(prefix="emulator-fc-code-")
            atexit.register(shutil.rmtree, _code_root, True)
    target = tempfile.mkdtemp(dir=_code_root)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for member in zf.namelist():
                if member.startswith("/") or ".." in Path(member).parts:
                    raise ValueError(f"code zip entry {member!r} escapes the code directory")
            zf.extractall(target)
    except zipfile.BadZipFile as err:
        raise ValueError(f"code is not a valid zip file: {err}") from err
    return target
