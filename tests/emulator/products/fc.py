"""Function Compute 3.0: functions and triggers (ROA API 2023-03-30), invocations run in worker
processes like FC instances, timer and EventBridge triggers, and deploy from a Serverless Devs s.yaml.

Runtime pieces (instances, the async queue, invocation records) live in ``world.extras``:
``fc.runtime`` (the dispatcher and instance pools) and ``fc.invocations`` (one record per
invocation with every attempt). ``shutdown(world)`` stops them; the emulator calls it on every
scenario load and when the server stops.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import contextlib
import copy
import io
import json
import os
import queue
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
import zlib
from collections import Counter, deque
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import admin, policy
from ..call import Call
from ..clock import iso
from ..errors import ApiError
from ..rest import RestApi
from ..wire import Request, Response

if TYPE_CHECKING:
    from ..app import Emulator
    from ..state import Account, StsSession, World

DEFAULT_REGION = "cn-hangzhou"
TRIGGER_TYPES = {"timer", "eventbridge", "http", "oss", "log", "mns_topic", "cdn_events", "tablestore"}
MAX_ASYNC_INSTANCES = 4  # async invocations running at once per function
RETRY_BACKOFF_SECONDS = 0.2  # between async attempts (FC backs off far longer; tests should not wait)
LOG_TAIL_BYTES = 4096  # x-fc-log-result carries the last 4 KB of the log, as FC does
SYNC_PAYLOAD_LIMIT = 32 * 1024 * 1024
ASYNC_PAYLOAD_LIMIT = 128 * 1024
FC_SERVICE = "fc.aliyuncs.com"  # the principal a function's role must trust
_WORKER = Path(__file__).resolve().parent.parent / "fc_worker.py"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,127}$")
_ROLE_ARN = re.compile(r"^acs:ram::(\d+):role/([\w.@-]+)$", re.IGNORECASE)
_RUNTIME = re.compile(r"^(python3(\.\d+)?|nodejs\d+|java\d+|php\d\.\d|go1|dotnetcore\d\.\d|dotnet\d+|"
                      r"custom(\.debian\d+)?|custom-container)$")
_EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)


def _new_id() -> str:
    return str(uuid.uuid4())


# --- state ---------------------------------------------------------------------------------------

class Trigger(BaseModel):
    """A trigger of a function (FC's Trigger; ``config`` is its triggerConfig as an object)."""

    model_config = ConfigDict(extra="forbid")

    name: str  # triggerName
    type: str = "timer"  # triggerType: timer | eventbridge | http | oss | log | mns_topic | cdn_events | tablestore
    # timer: {cronExpression, enable, payload}; eventbridge: {eventRuleFilterPattern: '<JSON string>',
    # asyncInvocationType: true (async, the default), triggerEnable, eventSourceConfig}; http: {authType, methods}
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
    log_config: dict[str, Any] = Field(default_factory=dict)  # logConfig: {project, logstore, enableRequestMetrics,...}
    internet_access: bool = True  # internetAccess
    vpc_config: dict[str, Any] = Field(default_factory=dict)  # vpcConfig: {vpcId, vSwitchIds, securityGroupId}
    layers: list[str] = Field(default_factory=list)  # layer ARNs
    tags: dict[str, str] = Field(default_factory=dict)
    async_invoke_config: AsyncInvokeConfig | None = None  # None: FC's defaults (3 retries)
    extra: dict[str, Any] = Field(default_factory=dict)  # other FC fields in camelCase, answered as given
    triggers: list[Trigger] = Field(default_factory=list)
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


# --- instances -----------------------------------------------------------------------------------

_EXITED = {"exited": True}


class _Worker:
    """One function instance: a fc_worker.py process and the threads draining its pipes."""

    def __init__(self, instance_id: str, fingerprint: str, env: dict[str, str], cwd: str) -> None:
        self.instance_id = instance_id
        self.fingerprint = fingerprint
        self.proc = subprocess.Popen([sys.executable, str(_WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=cwd, env=env, start_new_session=True)
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.stderr_tail: deque[str] = deque(maxlen=100)
        threading.Thread(target=self._read_stdout, name=f"fc-{instance_id}-out", daemon=True).start()
        threading.Thread(target=self._read_stderr, name=f"fc-{instance_id}-err", daemon=True).start()

    def _read_stdout(self) -> None:
        out = self.proc.stdout
        assert out is not None
        with out:
            for raw in out:
                try:
                    self.lines.put(json.loads(raw))
                except json.JSONDecodeError:
                    self.stderr_tail.append(raw.decode(errors="replace"))
        self.lines.put(_EXITED)

    def _read_stderr(self) -> None:
        err = self.proc.stderr
        assert err is not None
        with err:
            for raw in err:
                self.stderr_tail.append(raw.decode(errors="replace"))

    def alive(self) -> bool:
        return self.proc.poll() is None

    def receive(self, timeout: float) -> dict[str, Any] | None:
        """The next message; None on timeout, _EXITED when the process ended."""
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return None

    def send(self, msg: dict[str, Any]) -> bool:
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(json.dumps(msg).encode() + b"\n")
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError, ValueError):
            return False

    def kill(self) -> None:
        """SIGKILL, as FC stops an instance; the reader threads close stdout/stderr at EOF."""
        if self.proc.poll() is None:
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
        except OSError:
            pass


@dataclass
class _Outcome:
    ok: bool
    body: bytes = b""
    error: dict[str, Any] | None = None
    log: str = ""
    duration_ms: float = 0.0
    instance_id: str = ""
    retryable: bool = True
    api_error: ApiError | None = None  # a request-level failure (role cannot be assumed)


@dataclass
class _Task:
    record: dict[str, Any]
    account_id: str
    region: str
    name: str
    event: bytes
    retries: int
    not_before: float = 0.0

    @property
    def key(self) -> tuple[str, str, str]:
        return self.account_id, self.region, self.name


def _now_ms(world: World) -> str:
    return world.clock.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _text_or_b64(data: bytes, name: str) -> dict[str, Any]:
    try:
        return {name: data.decode("utf-8")}
    except UnicodeDecodeError:
        return {name: None, f"{name}_base64": base64.b64encode(data).decode()}


def _python_version(runtime: str) -> tuple[int, int] | None:
    m = re.match(r"^python3(?:\.(\d+))?$", runtime)
    return (3, int(m.group(1) or 6)) if m else None


def _fingerprint(fn: Function) -> str:
    """Instances are reused only while the settings they were started with are unchanged."""
    return json.dumps([fn.id, str(fn.created), str(fn.modified), fn.runtime, fn.handler,
                       os.path.abspath(fn.code_dir) if fn.code_dir else "", fn.environment, fn.memory, fn.timeout,
                       fn.role, fn.log_config, fn.code_checksum], sort_keys=True)


class _Runtime:
    """Instance pools, STS sessions of function roles, the async queue and its dispatcher."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.cond = threading.Condition()
        self.records: list[dict[str, Any]] = []
        self.pending: list[_Task] = []
        self.running = 0  # invocations in progress, sync and async
        self.async_running: Counter[tuple[str, str, str]] = Counter()
        self.idle: dict[tuple[str, str, str], list[_Worker]] = {}
        self.workers: set[_Worker] = set()
        self.sessions: dict[tuple[str, ...], StsSession] = {}
        self.closed = False
        self.home = tempfile.mkdtemp(prefix="emulator-fc-home-")  # instances' HOME: never the developer's
        self._dispatcher = threading.Thread(target=self._dispatch, name="fc-dispatcher", daemon=True)
        self._dispatcher.start()

    # -- queue --------------------------------------------------------------------------------

    def new_record(self, account_id: str, fn: Function, event: bytes, request_id: str, invocation_type: str,
                   source: str, trigger: str | None = None, async_task_id: str | None = None) -> dict[str, Any]:
        record: dict[str, Any] = {
            "request_id": request_id, "account": account_id, "region": fn.region, "function": fn.name,
            "qualifier": "LATEST", "invocation_type": invocation_type, "source": source, "trigger": trigger,
            "status": "queued", "attempts": [], **_text_or_b64(event, "event"), "result": None, "error": None,
            "log": "", "queued": _now_ms(self.world), "started": None, "finished": None,
        }
        if async_task_id:
            record["async_task_id"] = async_task_id
        return record

    def submit(self, account_id: str, fn: Function, event: bytes, *, request_id: str, source: str,
               invocation_type: str = "Async", trigger: str | None = None, async_task_id: str | None = None,
               retries: int | None = None) -> dict[str, Any]:
        record = self.new_record(account_id, fn, event, request_id, invocation_type, source, trigger, async_task_id)
        task = _Task(record, account_id, fn.region, fn.name, event, fn.retries if retries is None else retries)
        with self.cond:
            if self.closed:
                raise RuntimeError("the FC runtime is shut down")
            self.records.append(record)
            self.pending.append(task)
            self.cond.notify_all()
        return record

    def _dispatch(self) -> None:
        while True:
            with self.cond:
                if self.closed:
                    return
                now = time.monotonic()
                task = next((t for t in self.pending
                             if t.not_before <= now and self.async_running[t.key] < MAX_ASYNC_INSTANCES), None)
                if task is None:
                    waits = [t.not_before - now for t in self.pending if t.not_before > now]
                    self.cond.wait(min(waits) if waits else None)
                    continue
                self.pending.remove(task)
                self.running += 1
                self.async_running[task.key] += 1
            threading.Thread(target=self._run_task, args=(task,), name="fc-async", daemon=True).start()

    def _run_task(self, task: _Task) -> None:
        outcome: _Outcome | None = None
        try:
            outcome = self.attempt(task.record, task.account_id, task.region, task.name, task.event)
        finally:
            with self.cond:
                self.running -= 1
                self.async_running[task.key] -= 1
                again = (outcome is not None and not outcome.ok and outcome.retryable and not self.closed
                         and len(task.record["attempts"]) <= task.retries)
                if again:
                    task.not_before = time.monotonic() + RETRY_BACKOFF_SECONDS
                    task.record["status"] = "retrying"
                    self.pending.append(task)
                else:
                    self._finish(task.record, outcome)
                self.cond.notify_all()

    def _finish(self, record: dict[str, Any], outcome: _Outcome | None) -> None:
        record["status"] = "succeeded" if outcome is not None and outcome.ok else "failed"
        record["finished"] = _now_ms(self.world)

    def run_sync(self, account_id: str, fn: Function, event: bytes, request_id: str) -> _Outcome:
        record = self.new_record(account_id, fn, event, request_id, "Sync", "api")
        with self.cond:
            if self.closed:
                raise ApiError("ServiceUnavailable", "The emulator is shutting down.", 503)
            self.records.append(record)
            self.running += 1
        outcome: _Outcome | None = None
        try:
            outcome = self.attempt(record, account_id, fn.region, fn.name, event)
            return outcome
        finally:
            with self.cond:
                self.running -= 1
                self._finish(record, outcome)
                self.cond.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: not self.pending and self.running == 0, timeout)

    def snapshot(self) -> list[dict[str, Any]]:
        with self.cond:
            return copy.deepcopy(self.records)

    # -- one attempt --------------------------------------------------------------------------

    def attempt(self, record: dict[str, Any], account_id: str, region: str, name: str, event: bytes) -> _Outcome:
        started = _now_ms(self.world)
        with self.cond:
            record["status"] = "running"
            record["started"] = record["started"] or started
        try:
            outcome = self._attempt(account_id, region, name, event, record["request_id"])
        except ApiError as err:
            outcome = _Outcome(False, error={"errorMessage": err.message, "errorType": err.code}, retryable=False,
                               api_error=err)
        entry: dict[str, Any] = {"attempt": len(record["attempts"]) + 1, "started": started,
                                 "finished": _now_ms(self.world), "status": "succeeded" if outcome.ok else "failed",
                                 "duration_ms": round(outcome.duration_ms, 2), "instance_id": outcome.instance_id}
        with self.cond:
            record["log"] += _log_text(record["request_id"], outcome)
            if outcome.ok:
                record.update(_text_or_b64(outcome.body, "result"))
                record["error"] = None
            else:
                entry["error"] = outcome.error
                record["error"] = outcome.error
            record["attempts"].append(entry)
        return outcome

    def _attempt(self, account_id: str, region: str, name: str, event: bytes, request_id: str) -> _Outcome:
        world = self.world
        with world.lock:
            account = world.account(account_id)
            found = account.fc.function(region, name) if account else None
            fn = found.model_copy(deep=True) if found else None
        if account is None or fn is None:
            return _Outcome(False, error={"errorMessage": f"function {name} does not exist in {region}",
                                          "errorType": "FunctionNotFound"}, retryable=False)
        creds = self._credentials(account, fn)
        problem = _cannot_run(fn)
        if problem:
            return _Outcome(False, error={"errorMessage": problem, "errorType": "InstanceStartFailed"},
                            retryable=False)
        key = (account_id, region, name)
        worker, startup = self._acquire(key, account_id, fn, creds)
        if isinstance(worker, _Outcome):
            return worker
        t0 = time.monotonic()
        sent = worker.send({"request_id": request_id, "event": base64.b64encode(event).decode(),
                            "context": _context_fields(account_id, fn), "credentials": creds})
        reply = worker.receive(fn.timeout) if sent else _EXITED
        duration = (time.monotonic() - t0) * 1000
        if reply is None:
            self._discard(worker)
            return _Outcome(False, error={"errorMessage": f"Function time out after {fn.timeout} seconds",
                                          "errorType": "FunctionTimeout"},
                            log=startup, duration_ms=duration, instance_id=worker.instance_id)
        if reply is _EXITED or "ok" not in reply:
            self._discard(worker)
            return _Outcome(False, error={
                "errorMessage": f"Process exited unexpectedly before completing request (duration: {duration:.0f}ms)",
                "errorType": "ProcessExited"}, log=startup + "".join(worker.stderr_tail), duration_ms=duration,
                instance_id=worker.instance_id)
        self._release(key, worker)
        log = startup + reply.get("log", "")
        if reply["ok"]:
            return _Outcome(True, body=base64.b64decode(reply.get("result", "")), log=log, duration_ms=duration,
                            instance_id=worker.instance_id)
        return _Outcome(False, error=reply.get("error"), log=log, duration_ms=duration,
                        instance_id=worker.instance_id)

    def _credentials(self, account: Account, fn: Function) -> dict[str, str] | None:
        """STS credentials of the function's role, reissued when they would expire during the call."""
        if not fn.role:
            return None
        world = self.world
        with world.lock:
            try:
                role = _role_for(fn.role, account)
            except ValueError as err:
                raise ApiError("InvalidArgument", f"Function Compute cannot assume the function's role: {err}",
                               400) from err
            max_duration = role.max_session_duration
            role_name = role.name
        key = (account.id, fn.region, fn.name, fn.role)
        with self.cond:
            session = self.sessions.get(key)
        margin = timedelta(seconds=fn.timeout + 60)
        if session is None or session.expiration - world.clock.now() < margin \
                or session.access_key_id not in world.sessions:
            # FC's credentials last 36 h; a role whose maximum is shorter caps them.
            session = world.new_session(account_id=account.id, role_name=role_name, session_name=fn.name,
                                        source_arn="fc", duration=max(900, min(max_duration, 36 * 3600)))
            with self.cond:
                self.sessions[key] = session
        return {"access_key_id": session.access_key_id, "access_key_secret": session.secret,
                "security_token": session.token, "expiration": iso(session.expiration)}

    def _acquire(self, key: tuple[str, str, str], account_id: str, fn: Function,
                 creds: dict[str, str] | None) -> tuple[_Worker | _Outcome, str]:
        """An idle instance with the current settings, or a new one (cold start, imports the handler)."""
        fingerprint = _fingerprint(fn)
        stale: list[_Worker] = []
        found: _Worker | None = None
        with self.cond:
            if self.closed:
                raise ApiError("ServiceUnavailable", "The emulator is shutting down.", 503)
            idle = self.idle.setdefault(key, [])
            while idle and found is None:
                w = idle.pop()
                if w.fingerprint == fingerprint and w.alive():
                    found = w
                else:
                    stale.append(w)
        for w in stale:
            self._discard(w)
        if found is not None:
            return found, ""
        instance_id = "c-" + secrets.token_hex(12)
        try:
            worker = _Worker(instance_id, fingerprint, _instance_env(self, account_id, fn, creds, instance_id),
                             os.path.abspath(fn.code_dir))
        except OSError as err:
            return _Outcome(False, error={"errorMessage": f"cannot start an instance: {err}",
                                          "errorType": "InstanceStartFailed"}, retryable=False), ""
        with self.cond:
            closed = self.closed
            if not closed:
                self.workers.add(worker)
        if closed:
            worker.kill()
            raise ApiError("ServiceUnavailable", "The emulator is shutting down.", 503)
        ready = worker.receive(max(30.0, float(fn.timeout)))
        if ready is None or ready is _EXITED or not ready.get("ready"):
            self._discard(worker)
            error = (ready or {}).get("error") or {
                "errorMessage": "the instance did not start: " + "".join(worker.stderr_tail)[-2000:],
                "errorType": "InstanceStartFailed"}
            return _Outcome(False, error=error, log=(ready or {}).get("log", ""), instance_id=instance_id), ""
        return worker, ready.get("log", "")

    def _release(self, key: tuple[str, str, str], worker: _Worker) -> None:
        with self.cond:
            keep = not self.closed and worker.alive()
            if keep:
                self.idle.setdefault(key, []).append(worker)
        if not keep:
            self._discard(worker)

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self.cond:
            self.workers.discard(worker)

    def retire(self, key: tuple[str, str, str]) -> None:
        """Stop the idle instances of a function (deleted or redeployed)."""
        with self.cond:
            idle = self.idle.pop(key, [])
        for w in idle:
            self._discard(w)

    def close(self) -> None:
        with self.cond:
            if self.closed:
                return
            self.closed = True
            workers = list(self.workers)
            self.workers.clear()
            self.idle.clear()
            self.pending.clear()
            self.cond.notify_all()
        for w in workers:
            if w.proc.poll() is None:
                w.proc.kill()
        for w in workers:
            w.kill()
        shutil.rmtree(self.home, ignore_errors=True)
        with _runtimes_lock:
            _runtimes.discard(self)


_runtimes: set[_Runtime] = set()
_runtimes_lock = threading.Lock()


def _close_all() -> None:
    with _runtimes_lock:
        live = list(_runtimes)
    for rt in live:
        rt.close()


atexit.register(_close_all)


def _runtime(world: World) -> _Runtime:
    with world.lock:
        rt = world.extras.get("fc.runtime")
        if rt is None or rt.closed:
            rt = _Runtime(world)
            world.extras["fc.runtime"] = rt
            world.extras["fc.invocations"] = rt.records
            with _runtimes_lock:
                _runtimes.add(rt)
        return rt


def _cannot_run(fn: Function) -> str | None:
    if _python_version(fn.runtime) is None:
        return f"the emulator runs Python runtimes only, not {fn.runtime}"
    if not fn.code_dir or not os.path.isdir(fn.code_dir):
        return f"the code directory {fn.code_dir!r} of function {fn.name} does not exist"
    return None


def _instance_env(rt: _Runtime, account_id: str, fn: Function, creds: dict[str, str] | None,
                  instance_id: str) -> dict[str, str]:
    """What an FC instance sees: a clean environment, the function's variables, FC_* and the role's
    credentials; plus only the settings that point SDKs at the emulator (its sole network)."""
    env = {"PATH": os.environ.get("PATH", os.defpath), "LANG": "C.UTF-8", "HOME": rt.home}
    env.update(fn.environment)
    version = _python_version(fn.runtime) or (3, 10)
    env.update({
        "FC_FUNCTION_NAME": fn.name, "FC_REGION": fn.region, "FC_ACCOUNT_ID": account_id,
        "FC_FUNCTION_HANDLER": fn.handler, "FC_FUNCTION_MEMORY_SIZE": str(fn.memory),
        "FC_FUNC_CODE_PATH": os.path.abspath(fn.code_dir), "FC_INSTANCE_ID": instance_id,
        # Debian 10 runtimes (python3.10 and older) name the version FC_VER_ID, later ones FC_FUNCTION_VERSION
        ("FC_FUNCTION_VERSION" if version >= (3, 12) else "FC_VER_ID"): "LATEST",
    })
    if creds:
        env.update({"ALIBABA_CLOUD_ACCESS_KEY_ID": creds["access_key_id"],
                    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": creds["access_key_secret"],
                    "ALIBABA_CLOUD_SECURITY_TOKEN": creds["security_token"]})
    if rt.world.address:
        env.update({"ALIAUDIT_ENDPOINT_PROXY": rt.world.address, "ALIAUDIT_ENDPOINT_PROTOCOL": "http",
                    "HTTP_PROXY": rt.world.address})
    env.pop("HTTPS_PROXY", None)
    env.pop("https_proxy", None)
    return env


def _context_fields(account_id: str, fn: Function) -> dict[str, Any]:
    legacy = (_python_version(fn.runtime) or (3, 10)) < (3, 12)
    function: dict[str, Any] = {"name": fn.name, "handler": fn.handler, "memory": fn.memory, "timeout": fn.timeout}
    if not legacy:
        function.update(version_id="", qualifier="LATEST")
    return {"region": fn.region, "account_id": account_id, "legacy": legacy, "function": function,
            "service": {"name": "", "log_project": fn.log_config.get("project", ""),
                        "log_store": fn.log_config.get("logstore", ""), "qualifier": "LATEST", "version_id": ""}}


def _log_text(request_id: str, outcome: _Outcome) -> str:
    end = f"FC Invoke End RequestId: {request_id}"
    if not outcome.ok and outcome.error and outcome.error.get("errorType") in ("FunctionTimeout", "ProcessExited"):
        end += f", Error: {outcome.error['errorMessage']}"
    body = outcome.log if not outcome.log or outcome.log.endswith("\n") else outcome.log + "\n"
    return f"FC Invoke Start RequestId: {request_id}\n{body}{end}\n"


# --- EventBridge and lifecycle (called by eventbridge.py and app.py) ------------------------------

@dataclass
class EventTarget:
    function: str
    trigger: str
    pattern: str
    qualifier: str = "LATEST"
    asynchronous: bool = True
    region: str = ""  # the function's region


def eventbridge_targets(account: Account) -> list[EventTarget]:
    """Every enabled eventbridge trigger of the account's functions."""
    targets = []
    for fn in account.fc.functions:
        for t in fn.triggers:
            if t.type != "eventbridge" or t.config.get("triggerEnable", True) is False:
                continue
            pattern = t.config.get("eventRuleFilterPattern", "{}")
            targets.append(EventTarget(
                function=fn.name, trigger=t.name, qualifier=t.qualifier, region=fn.region,
                pattern=pattern if isinstance(pattern, str) else json.dumps(pattern),
                # deploy.md: treat asyncInvocationType true as async; events default to async
                asynchronous=t.config.get("asyncInvocationType", True) not in (False, "false", "False")))
    return targets


def deliver(world: World, account: Account, target: EventTarget, payload: bytes) -> None:
    """Queue the function's invocation with the CloudEvents envelope; EventBridge never blocks the
    call that caused the event. A synchronous trigger is recorded as Sync and not retried by FC."""
    with world.lock:
        fn = account.fc.function(target.region, target.function) if target.region else next(
            (f for f in account.fc.functions if f.name == target.function), None)
        fn = fn.model_copy(deep=True) if fn else None
    if fn is None:
        return
    with contextlib.suppress(RuntimeError):  # shutting down: drop the event, never fail the write behind it
        _runtime(world).submit(account.id, fn, payload, request_id=_new_id().upper(), source="eventbridge",
                               invocation_type="Async" if target.asynchronous else "Sync", trigger=target.trigger,
                               retries=None if target.asynchronous else 0)


def shutdown(world: World) -> None:
    """Stop every instance and the dispatcher of this world (scenario load, server stop)."""
    with world.lock:
        rt = world.extras.pop("fc.runtime", None)
    with _runtimes_lock:
        others = [r for r in _runtimes if r.world is world and r is not rt]
    for r in ([rt] if rt else []) + others:
        r.close()


# --- deploy from s.yaml --------------------------------------------------------------------------

_EXPR = re.compile(r"\$\{\s*([^{}]*?)\s*\}")
_ENV_CALL = re.compile(r"""^env\(\s*(['"])(\w+)\1\s*(?:,\s*(['"])(.*?)\3\s*)?\)$""")
_CONFIG_CALL = re.compile(r"""^config\(\s*(['"])(\w+)\1\s*\)$""")
_PROP_KEYS = {"region", "functionName", "runtime", "handler", "code", "description", "memorySize", "cpu", "timeout",
              "role",
              "environmentVariables", "logConfig", "internetAccess", "vpcConfig", "layers", "tags", "triggers",
              "asyncInvokeConfig"}


def _deep_merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _deep_merge(base.get(k), v) if k in base else v
        return out
    return over


def _lookup(data: Any, path: list[str], expr: str) -> Any:
    for part in path:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            raise ValueError(f"s.yaml: ${{{expr}}} does not resolve")
    return data


class _SYaml:
    """The subset of Serverless Devs 3 magic variables the emulator resolves: ${vars.a.b},
    ${env('X', 'default')}, ${env.X}, ${config('AccountID')}, ${resources.<name>.props.a.b},
    ${this.props.a}; plus template/extend merging. Anything else is refused with a ValueError."""

    def __init__(self, doc: dict[str, Any], account_id: str) -> None:
        self.doc = doc
        self.account_id = account_id
        self.depth = 0

    def props(self, name: str) -> dict[str, Any]:
        res = (self.doc.get("resources") or {}).get(name)
        if not isinstance(res, dict):
            raise ValueError(f"s.yaml: no resource {name!r}")
        props = res.get("props") or {}
        ext = res.get("extend")
        if ext:
            tname = ext if isinstance(ext, str) else ext.get("name")
            templates = self.doc.get("template") or {}
            if tname not in templates:
                raise ValueError(f"s.yaml: resource {name} extends unknown template {tname!r}")
            base = copy.deepcopy(templates[tname])
            for key in (ext.get("ignore") or []) if isinstance(ext, dict) else []:
                base.pop(key, None)
            props = _deep_merge(base, props)
        return props

    def resolve(self, value: Any, this: dict[str, Any]) -> Any:
        if isinstance(value, dict):
            return {k: self.resolve(v, this) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v, this) for v in value]
        if not isinstance(value, str):
            return value
        whole = _EXPR.fullmatch(value.strip())
        if whole:  # a lone expression keeps the type of its value (numbers, maps)
            return self._eval(whole.group(1), this)
        return _EXPR.sub(lambda m: _as_text(self._eval(m.group(1), this)), value)

    def _eval(self, expr: str, this: dict[str, Any]) -> Any:
        self.depth += 1
        try:
            if self.depth > 50:
                raise ValueError(f"s.yaml: ${{{expr}}} refers to itself")
            if m := _ENV_CALL.match(expr):
                value = os.environ.get(m.group(2), m.group(4))
                if value is None:
                    raise ValueError(f"s.yaml: environment variable {m.group(2)} is not set and has no default")
                return value
            if m := re.fullmatch(r"env\.(\w+)", expr):
                if m.group(1) not in os.environ:
                    raise ValueError(f"s.yaml: environment variable {m.group(1)} is not set")
                return os.environ[m.group(1)]
            if m := _CONFIG_CALL.match(expr):
                if m.group(2) != "AccountID":
                    raise ValueError(f"s.yaml: only config('AccountID') is supported, not {expr}")
                return self.account_id
            parts = expr.split(".")
            if parts[0] == "vars":
                return self.resolve(_lookup(self.doc.get("vars") or {}, parts[1:], expr), this)
            if parts[0] == "resources" and len(parts) >= 3 and parts[2] == "props":
                other = self.props(parts[1])
                return self.resolve(_lookup(other, parts[3:], expr), other)
            if parts[:2] == ["this", "props"]:
                return self.resolve(_lookup(this, parts[2:], expr), this)
            raise ValueError(f"s.yaml: the emulator does not resolve ${{{expr}}}")
        finally:
            self.depth -= 1


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _function_from_props(props: dict[str, Any], account_id: str, region: str | None, base: Path) -> Function:
    name = props.get("functionName")
    if not name:
        raise ValueError("s.yaml: an fc3 resource has no functionName")
    code = props.get("code")
    if isinstance(code, dict):
        if "src" not in code:
            raise ValueError(f"s.yaml: function {name}: the emulator deploys code from a local path only")
        code = code["src"]
    code_dir, size, checksum = "", 0, ""
    if code:
        path = Path(str(code)).expanduser()
        path = path if path.is_absolute() else (base / path)
        if path.is_file() and path.suffix == ".zip":
            data = path.read_bytes()
            code_dir, size, checksum = _extract_zip(data), len(data), str(zlib.crc32(data))
        elif path.is_dir():
            code_dir = str(path.resolve())
        else:
            raise ValueError(f"s.yaml: function {name}: code {code!r} is neither a directory nor a .zip")
    role = str(props.get("role") or "")
    if role and not role.startswith("acs:"):  # the fc3 component completes a bare role name
        role = f"acs:ram::{account_id}:role/{role}"
    rgn = region or props.get("region") or DEFAULT_REGION
    log_config = props.get("logConfig") or {}
    if log_config == "auto":
        log_config = {"project": f"serverless-{rgn}-{uuid.uuid5(uuid.NAMESPACE_OID, account_id).hex[:24]}",
                      "logstore": "default-logs", "enableRequestMetrics": True, "enableInstanceMetrics": True,
                      "logBeginRule": "DefaultRegex"}
    async_cfg = props.get("asyncInvokeConfig")
    triggers = []
    for t in props.get("triggers") or []:
        cfg = t.get("triggerConfig") or {}
        cfg = json.loads(cfg) if isinstance(cfg, str) else cfg
        triggers.append(Trigger(name=str(t.get("triggerName", "")), type=str(t.get("triggerType", "")),
                                config=_trigger_config_text(cfg), qualifier=str(t.get("qualifier") or "LATEST"),
                                description=str(t.get("description") or ""),
                                source_arn=str(t.get("sourceArn") or ""),
                                invocation_role=str(t.get("invocationRole") or "")))
    try:
        return Function(
            name=str(name), region=str(rgn), runtime=str(props.get("runtime") or ""),
            handler=str(props.get("handler") or ""), code_dir=code_dir, code_size=size, code_checksum=checksum,
            description=str(props.get("description") or ""), memory=int(props.get("memorySize") or 512),
            cpu=float(props["cpu"]) if props.get("cpu") is not None else None,
            timeout=int(props.get("timeout") or 3), role=role,
            environment={str(k): _as_text(v) for k, v in (props.get("environmentVariables") or {}).items()},
            log_config=log_config if isinstance(log_config, dict) else {},
            internet_access=props.get("internetAccess", True) is not False,
            vpc_config=props["vpcConfig"] if isinstance(props.get("vpcConfig"), dict) else {},
            layers=[str(x) for x in props.get("layers") or []],
            tags={str(t["key"]): str(t.get("value", "")) for t in props.get("tags") or []},
            async_invoke_config=AsyncInvokeConfig(
                max_async_retry_attempts=int(async_cfg.get("maxAsyncRetryAttempts", 3)),
                max_async_event_age_seconds=int(async_cfg.get("maxAsyncEventAgeInSeconds", 86400)),
                destination_config=async_cfg.get("destinationConfig") or {},
                async_task=bool(async_cfg.get("asyncTask", False))) if isinstance(async_cfg, dict) else None,
            extra={k: v for k, v in props.items() if k not in _PROP_KEYS},
            triggers=triggers)
    except ValidationError as err:
        raise ValueError(f"s.yaml: function {name}: {err}") from err


def deploy_s_yaml(world: World, account: Account, path: str | Path, region: str | None = None,
                  code_root: str | Path | None = None) -> dict[str, Any]:
    """Create or update the fc3 functions of a Serverless Devs 3 s.yaml, like ``s deploy``.

    Relative code paths are taken from ``code_root`` (default: the s.yaml's directory); ``region``,
    when given, replaces every function's props.region. Triggers are created or replaced by name
    (others stay). Resources of other components (ros, ...) are skipped and listed in the answer.
    No ActionTrail events are recorded: this is the emulator's setup path, not an API call.
    """
    path = Path(path)
    doc = yaml.safe_load(path.read_text())
    if not isinstance(doc, dict):
        raise ValueError(f"{path} is not an s.yaml mapping")
    edition = str(doc.get("edition", "3.0.0"))
    if not edition.startswith("3"):
        raise ValueError(f"{path}: edition {edition} is not Serverless Devs 3 (fc3)")
    syaml = _SYaml(doc, account.id)
    base = Path(code_root) if code_root else path.parent
    functions: list[Function] = []
    skipped: list[dict[str, str]] = []
    for rname, res in (doc.get("resources") or {}).items():
        component = str((res or {}).get("component", ""))
        if component.split("@")[0] != "fc3":
            skipped.append({"resource": rname, "component": component})
            continue
        raw = syaml.props(rname)
        functions.append(_function_from_props(syaml.resolve(raw, raw), account.id, region, base))
    now = world.clock.now()
    with world.lock:
        for fn in functions:
            _check_function(fn, account)
        for fn in functions:
            old = account.fc.function(fn.region, fn.name)
            if old is None:
                fn.created = now
                fn.triggers = [t.model_copy(update={"created": now}) for t in fn.triggers]
                account.fc.functions.append(fn)
                continue
            triggers = {t.name: t for t in old.triggers}
            for t in fn.triggers:
                prev = triggers.get(t.name)
                triggers[t.name] = t.model_copy(update={"id": prev.id, "created": prev.created, "modified": now}) \
                    if prev else t.model_copy(update={"created": now})
            account.fc.functions[account.fc.functions.index(old)] = fn.model_copy(update={
                "id": old.id, "created": old.created, "modified": now, "triggers": list(triggers.values())})
    return {"functions": [{"name": f.name, "region": f.region, "arn": function_arn(f.region, account.id, f.name),
                           "triggers": [t.name for t in f.triggers]} for f in functions], "skipped": skipped}


# --- the ROA API ---------------------------------------------------------------------------------

class _FcApi(RestApi):
    def respond(self, call: Call, result: Any) -> Response:
        resp = super().respond(call, result)
        resp.headers.setdefault("x-fc-request-id", call.req.request_id)
        return resp


api = _FcApi("fc", "pop", "fc")
_BASE = "/2023-03-30"


def _region(call: Call) -> str:
    """Region from the host (fcv3.<region>..., <account>.<region>.fc...); a bare emulator address
    carries none, then the account's first region."""
    if not call.region:
        regions = call.acct.regions
        call.region = regions[0] if regions else DEFAULT_REGION
    return call.region


def _name(call: Call) -> str:
    return unquote(call.path_params.get("name", ""))


def _trigger_name(call: Call) -> str:
    return unquote(call.path_params.get("trigger", ""))


def _fn_resource(call: Call) -> str:
    return function_arn(_region(call), call.acct.id, _name(call) or "*")


def _trigger_resource(call: Call) -> str:
    return f"{_fn_resource(call)}/triggers/{_trigger_name(call) or '*'}"


def _body(call: Call) -> dict[str, Any]:
    if not call.req.body:
        return {}
    try:
        data = json.loads(call.req.body)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ApiError("InvalidArgument", f"The request body is not valid JSON: {err}", 400) from err
    if not isinstance(data, dict):
        raise ApiError("InvalidArgument", "The request body must be a JSON object.", 400)
    return data


def _query(call: Call) -> dict[str, str]:
    return dict(call.req.query)


def _function(call: Call, name: str | None = None) -> Function:
    name = name or _name(call)
    fn = call.acct.fc.function(_region(call), name)
    if fn is None:
        raise ApiError("FunctionNotFound", f"function '{name}' does not exist", 404)
    return fn


def _trigger(call: Call, fn: Function) -> Trigger:
    name = _trigger_name(call)
    t = fn.trigger(name)
    if t is None:
        raise ApiError("TriggerNotFound", f"trigger '{name}' does not exist in function '{fn.name}'", 404)
    return t


def _check_qualifier(call: Call) -> None:
    qualifier = _query(call).get("qualifier", "")
    if qualifier not in ("", "LATEST"):
        code = "VersionNotFound" if qualifier.isdigit() else "AliasNotFound"
        raise ApiError(code, f"qualifier '{qualifier}' does not exist (the emulator has LATEST only)", 404)


def _invalid(err: Exception) -> ApiError:
    return ApiError("InvalidArgument", str(err), 400)


def _function_json(account_id: str, fn: Function) -> dict[str, Any]:
    out = dict(fn.extra)
    out.update({
        "functionName": fn.name, "functionId": fn.id, "functionArn": function_arn(fn.region, account_id, fn.name),
        "description": fn.description, "runtime": fn.runtime, "handler": fn.handler, "memorySize": fn.memory,
        "cpu": fn.cpu, "timeout": fn.timeout, "role": fn.role, "environmentVariables": dict(fn.environment),
        "internetAccess": fn.internet_access, "logConfig": dict(fn.log_config), "vpcConfig": dict(fn.vpc_config),
        "layers": [{"arn": arn} for arn in fn.layers], "tags": [{"key": k, "value": v} for k, v in fn.tags.items()],
        "codeSize": fn.code_size, "codeChecksum": fn.code_checksum, "createdTime": iso(fn.created),
        "lastModifiedTime": iso(fn.modified or fn.created), "state": "Active", "stateReason": "",
        "lastUpdateStatus": "Successful", "lastUpdateStatusReason": "",
    })
    return out


def _trigger_json(account_id: str, fn: Function, t: Trigger) -> dict[str, Any]:
    out: dict[str, Any] = {
        "triggerName": t.name, "triggerId": t.id, "triggerType": t.type,
        "triggerConfig": json.dumps(_trigger_config_text(t.config)), "qualifier": t.qualifier,
        "description": t.description, "sourceArn": t.source_arn, "invocationRole": t.invocation_role,
        "status": "Ready", "targetArn": function_arn(fn.region, account_id, fn.name),
        "createdTime": iso(t.created), "lastModifiedTime": iso(t.modified or t.created),
    }
    if t.type == "http":
        host = f"{fn.name.lower().replace('_', '-')}-{t.id[:10]}.{fn.region}.fcapp.run"
        out["httpTrigger"] = {"urlInternet": f"https://{host}",
                              "urlIntranet": f"https://{host.replace('.fcapp.run', '-vpc.fcapp.run')}"}
    return out


def _code_fields(body: dict[str, Any]) -> dict[str, Any]:
    """CreateFunction/UpdateFunction code: only an inline zipFile reaches the emulator's disk."""
    code = body.get("code")
    if code is None:
        return {}
    if not isinstance(code, dict) or not code.get("zipFile"):
        raise ApiError("InvalidArgument", "code: the emulator accepts code.zipFile (base64 zip) only", 400)
    try:
        data = base64.b64decode(code["zipFile"], validate=True)
        return {"code_dir": _extract_zip(data), "code_size": len(data), "code_checksum": str(zlib.crc32(data))}
    except (binascii.Error, ValueError) as err:
        raise _invalid(err) from err


def _fields_from_body(body: dict[str, Any]) -> dict[str, Any]:
    """camelCase CreateFunction/UpdateFunction input -> Function fields (unknown keys kept in extra)."""
    mapping = {"runtime": "runtime", "handler": "handler", "description": "description", "memorySize": "memory",
               "cpu": "cpu", "timeout": "timeout", "role": "role", "environmentVariables": "environment",
               "logConfig": "log_config", "internetAccess": "internet_access", "vpcConfig": "vpc_config",
               "layers": "layers"}
    fields = {mapping[k]: v for k, v in body.items() if k in mapping and v is not None}
    if isinstance(body.get("tags"), list):
        fields["tags"] = {str(t.get("key")): str(t.get("value", "")) for t in body["tags"] if isinstance(t, dict)}
    extra = {k: v for k, v in body.items() if k not in mapping and k not in ("functionName", "code", "tags")}
    if extra:
        fields["extra"] = extra
    return fields


def _build(data: dict[str, Any], account: Account) -> Function:
    try:
        fn = Function.model_validate(data)
        _check_function(fn, account)
    except (ValidationError, ValueError) as err:
        raise _invalid(err) from err
    return fn


@api.route("POST", f"{_BASE}/functions", name="CreateFunction", write=True,
           resource=lambda c: function_arn(_region(c), c.acct.id, "*"))
def create_function(call: Call) -> dict[str, Any]:
    body = _body(call)
    name = str(body.get("functionName") or "")
    call.params["functionName"] = name
    region = _region(call)
    if call.acct.fc.function(region, name):
        raise ApiError("FunctionAlreadyExists", f"function '{name}' already exists", 409)
    if body.get("runtime") != "custom-container" and body.get("code") is None:
        raise ApiError("InvalidArgument", "code is required", 400)
    fields = {"name": name, "region": region, **_fields_from_body(body), **_code_fields(body)}
    fn = _build({**fields, "created": call.now()}, call.acct)
    call.acct.fc.functions.append(fn)
    call.touch("ACS::FC::Function", name)
    return _function_json(call.acct.id, fn)


@api.route("GET", f"{_BASE}/functions", name="ListFunctions",
           resource=lambda c: function_arn(_region(c), c.acct.id, "*"))
def list_functions(call: Call) -> dict[str, Any]:
    q = _query(call)
    items = [f for f in call.acct.fc.in_region(_region(call)) if f.name.startswith(q.get("prefix", ""))]
    page, token = _page(items, q, lambda f: f.name)
    out: dict[str, Any] = {"functions": [_function_json(call.acct.id, f) for f in page]}
    if token:
        out["nextToken"] = token
    return out


def _page(items: list[Any], q: dict[str, str], key: Any) -> tuple[list[Any], str]:
    """FC paging: limit (1-100, default 20) and nextToken = the name the next page starts at."""
    try:
        limit = int(q.get("limit") or 20)
    except ValueError as err:
        raise ApiError("InvalidArgument", f"limit {q.get('limit')!r} is not a number", 400) from err
    if not 1 <= limit <= 100:
        raise ApiError("InvalidArgument", f"limit {limit} must be between 1 and 100", 400)
    token = q.get("nextToken", "")
    rest = [i for i in items if key(i) >= token] if token else items
    return rest[:limit], (key(rest[limit]) if len(rest) > limit else "")


@api.route("GET", f"{_BASE}/functions/{{name}}", name="GetFunction", resource=_fn_resource)
def get_function(call: Call) -> dict[str, Any]:
    _check_qualifier(call)
    return _function_json(call.acct.id, _function(call))


@api.route("PUT", f"{_BASE}/functions/{{name}}", name="UpdateFunction", write=True, resource=_fn_resource)
def update_function(call: Call) -> dict[str, Any]:
    fn = _function(call)
    call.params["functionName"] = fn.name
    body = _body(call)
    fields = {**_fields_from_body(body), **_code_fields(body)}
    if "extra" in fields:
        fields["extra"] = {**fn.extra, **fields["extra"]}
    new = _build({**fn.model_dump(), **fields, "modified": call.now()}, call.acct)
    functions = call.acct.fc.functions
    functions[functions.index(fn)] = new
    call.touch("ACS::FC::Function", fn.name)
    return _function_json(call.acct.id, new)


@api.route("DELETE", f"{_BASE}/functions/{{name}}", name="DeleteFunction", write=True, resource=_fn_resource)
def delete_function(call: Call) -> Response:
    fn = _function(call)
    call.params["functionName"] = fn.name
    call.acct.fc.functions.remove(fn)
    rt = call.world.extras.get("fc.runtime")
    if rt is not None:
        rt.retire((call.acct.id, fn.region, fn.name))
    call.touch("ACS::FC::Function", fn.name)
    return Response(204, b"", {"x-fc-request-id": call.req.request_id})


@api.route("POST", f"{_BASE}/functions/{{name}}/invocations", name="InvokeFunction", resource=_fn_resource,
           locked=False)
def invoke_function(call: Call) -> Response:
    """Runs the handler without the world lock: it calls back into the emulator."""
    world, req = call.world, call.req
    with world.lock:
        fn = _function(call).model_copy(deep=True)
    _check_qualifier(call)
    kind = (req.header("x-fc-invocation-type") or "Sync").capitalize()
    if kind not in ("Sync", "Async"):
        raise ApiError("InvalidArgument", f"x-fc-invocation-type {kind!r} must be Sync or Async", 400)
    limit = SYNC_PAYLOAD_LIMIT if kind == "Sync" else ASYNC_PAYLOAD_LIMIT
    if len(req.body) > limit:
        raise ApiError("EntityTooLarge", f"payload size exceeds maximum allowed size ({limit} bytes)", 400)
    headers = {"x-fc-request-id": req.request_id}
    rt = _runtime(world)
    if kind == "Async":
        task_id = req.header("x-fc-async-task-id") or None
        try:
            rt.submit(call.acct.id, fn, req.body, request_id=req.request_id, source="api", async_task_id=task_id)
        except RuntimeError as err:
            raise ApiError("ServiceUnavailable", str(err), 503) from err
        if task_id:
            headers["x-fc-async-task-id"] = task_id
        return Response(202, b"", headers)
    outcome = rt.run_sync(call.acct.id, fn, req.body, req.request_id)
    if outcome.api_error is not None:
        raise outcome.api_error
    if req.header("x-fc-log-type").lower() == "tail":
        tail = _log_text(req.request_id, outcome).encode()[-LOG_TAIL_BYTES:]
        headers["x-fc-log-result"] = base64.b64encode(tail).decode()
    if outcome.instance_id:
        headers["x-fc-instance-id"] = outcome.instance_id
    headers["x-fc-invocation-duration"] = str(round(outcome.duration_ms))
    if outcome.ok:
        return Response(200, outcome.body, {"Content-Type": "application/octet-stream", **headers})
    headers["x-fc-error-type"] = "UnhandledInvocationError"
    return Response(200, json.dumps(outcome.error).encode(), {"Content-Type": "application/json", **headers})


def _trigger_from_body(body: dict[str, Any], base: Trigger | None, now: datetime) -> Trigger:
    raw = body.get("triggerConfig")
    config: dict[str, Any] | None = None
    if raw is not None:
        try:
            config = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError as err:
            raise ApiError("InvalidArgument", f"triggerConfig is not valid JSON: {err}", 400) from err
        if not isinstance(config, dict):
            raise ApiError("InvalidArgument", "triggerConfig must be a JSON object", 400)
    data = base.model_dump() if base else {"name": body.get("triggerName") or "", "type": body.get("triggerType") or "",
                                           "created": now}
    if base:
        data["modified"] = now
    if config is not None:
        data["config"] = _trigger_config_text(config)
    for key, fieldname in (("qualifier", "qualifier"), ("description", "description"),
                           ("sourceArn", "source_arn"), ("invocationRole", "invocation_role")):
        if body.get(key) is not None and (base is None or key != "sourceArn"):
            data[fieldname] = str(body[key])
    try:
        t = Trigger.model_validate(data)
        _check_trigger(t)
    except (ValidationError, ValueError) as err:
        raise _invalid(err) from err
    return t


@api.route("POST", f"{_BASE}/functions/{{name}}/triggers", name="CreateTrigger", write=True,
           resource=lambda c: f"{_fn_resource(c)}/triggers/*")
def create_trigger(call: Call) -> dict[str, Any]:
    fn = _function(call)
    body = _body(call)
    call.params.update(functionName=fn.name, triggerName=str(body.get("triggerName") or ""))
    if fn.trigger(str(body.get("triggerName") or "")):
        raise ApiError("TriggerAlreadyExists", f"trigger '{body['triggerName']}' already exists", 409)
    if body.get("triggerConfig") is None and body.get("triggerType") != "tablestore":
        raise ApiError("InvalidArgument", "triggerConfig is required", 400)
    t = _trigger_from_body(body, None, call.now())
    fn.triggers.append(t)
    call.touch("ACS::FC::Trigger", f"{fn.name}/{t.name}")
    return _trigger_json(call.acct.id, fn, t)


@api.route("GET", f"{_BASE}/functions/{{name}}/triggers", name="ListTriggers",
           resource=lambda c: f"{_fn_resource(c)}/triggers/*")
def list_triggers(call: Call) -> dict[str, Any]:
    fn = _function(call)
    q = _query(call)
    items = sorted((t for t in fn.triggers if t.name.startswith(q.get("prefix", ""))), key=lambda t: t.name)
    page, token = _page(items, q, lambda t: t.name)
    out: dict[str, Any] = {"triggers": [_trigger_json(call.acct.id, fn, t) for t in page]}
    if token:
        out["nextToken"] = token
    return out


@api.route("GET", f"{_BASE}/functions/{{name}}/triggers/{{trigger}}", name="GetTrigger", resource=_trigger_resource)
def get_trigger(call: Call) -> dict[str, Any]:
    fn = _function(call)
    return _trigger_json(call.acct.id, fn, _trigger(call, fn))


@api.route("PUT", f"{_BASE}/functions/{{name}}/triggers/{{trigger}}", name="UpdateTrigger", write=True,
           resource=_trigger_resource)
def update_trigger(call: Call) -> dict[str, Any]:
    fn = _function(call)
    t = _trigger(call, fn)
    call.params.update(functionName=fn.name, triggerName=t.name)
    new = _trigger_from_body(_body(call), t, call.now())
    fn.triggers[fn.triggers.index(t)] = new
    call.touch("ACS::FC::Trigger", f"{fn.name}/{t.name}")
    return _trigger_json(call.acct.id, fn, new)


@api.route("DELETE", f"{_BASE}/functions/{{name}}/triggers/{{trigger}}", name="DeleteTrigger", write=True,
           resource=_trigger_resource)
def delete_trigger(call: Call) -> Response:
    fn = _function(call)
    t = _trigger(call, fn)
    call.params.update(functionName=fn.name, triggerName=t.name)
    fn.triggers.remove(t)
    call.touch("ACS::FC::Trigger", f"{fn.name}/{t.name}")
    return Response(204, b"", {"x-fc-request-id": call.req.request_id})


def _async_config_json(account_id: str, fn: Function) -> dict[str, Any]:
    cfg = fn.async_invoke_config or AsyncInvokeConfig()
    return {"functionArn": function_arn(fn.region, account_id, fn.name),
            "maxAsyncRetryAttempts": cfg.max_async_retry_attempts,
            "maxAsyncEventAgeInSeconds": cfg.max_async_event_age_seconds,
            "destinationConfig": cfg.destination_config, "asyncTask": cfg.async_task,
            "createdTime": iso(fn.created), "lastModifiedTime": iso(fn.modified or fn.created)}


@api.route("GET", f"{_BASE}/functions/{{name}}/async-invoke-config", name="GetAsyncInvokeConfig",
           resource=_fn_resource)
def get_async_invoke_config(call: Call) -> dict[str, Any]:
    fn = _function(call)
    if fn.async_invoke_config is None:
        raise ApiError("AsyncConfigNotExists", f"async invoke config of function '{fn.name}' does not exist", 404)
    return _async_config_json(call.acct.id, fn)


@api.route("PUT", f"{_BASE}/functions/{{name}}/async-invoke-config", name="PutAsyncInvokeConfig", write=True,
           resource=_fn_resource)
def put_async_invoke_config(call: Call) -> dict[str, Any]:
    fn = _function(call)
    call.params["functionName"] = fn.name
    body = _body(call)
    old = fn.async_invoke_config or AsyncInvokeConfig()
    try:
        cfg = AsyncInvokeConfig(
            max_async_retry_attempts=int(body.get("maxAsyncRetryAttempts", old.max_async_retry_attempts)),
            max_async_event_age_seconds=int(body.get("maxAsyncEventAgeInSeconds",
                                                     old.max_async_event_age_seconds)),
            destination_config=body.get("destinationConfig") or {}, async_task=bool(body.get("asyncTask", False)))
    except (ValidationError, ValueError, TypeError) as err:
        raise _invalid(err) from err
    if not 0 <= cfg.max_async_retry_attempts <= 8:
        raise ApiError("InvalidArgument", "maxAsyncRetryAttempts must be between 0 and 8", 400)
    fn.async_invoke_config = cfg
    call.touch("ACS::FC::Function", fn.name)
    return _async_config_json(call.acct.id, fn)


@api.route("DELETE", f"{_BASE}/functions/{{name}}/async-invoke-config", name="DeleteAsyncInvokeConfig",
           write=True, resource=_fn_resource)
def delete_async_invoke_config(call: Call) -> Response:
    fn = _function(call)
    call.params["functionName"] = fn.name
    fn.async_invoke_config = None
    return Response(204, b"", {"x-fc-request-id": call.req.request_id})


# --- admin routes --------------------------------------------------------------------------------

def _admin_account(world: World, data: dict[str, Any]) -> Account:
    wanted = data.get("account")
    account = world.account(str(wanted)) if wanted else world.primary
    if account is None:
        raise KeyError(f"no account {wanted}")
    return account


@admin.route("POST", "/_emulator/fc/deploy")
def admin_deploy(emu: Emulator, req: Request) -> Any:
    """Body: {"s_yaml": path, "account": id?, "region": r?, "code_root": dir?} -> what was deployed."""
    data = admin.body_json(req)
    if not data.get("s_yaml"):
        raise ValueError("s_yaml (a path) is required")
    return deploy_s_yaml(emu.world, _admin_account(emu.world, data), data["s_yaml"], data.get("region"),
                         data.get("code_root"))


@admin.route("POST", "/_emulator/fc/timers/fire")
def admin_fire_timer(emu: Emulator, req: Request) -> Any:
    """Body: {"function", "trigger", "account"?, "region"?, "force"?}: one async invocation with the
    timer event, as the trigger's schedule would cause. A disabled timer fires only with force."""
    world = emu.world
    data = admin.body_json(req)
    account = _admin_account(world, data)
    with world.lock:
        fns = [f for f in account.fc.functions if f.name == data.get("function")
               and (not data.get("region") or f.region == data["region"])]
        if not fns:
            raise KeyError(f"no function {data.get('function')!r} in account {account.id}")
        fn = fns[0].model_copy(deep=True)
    trig = fn.trigger(str(data.get("trigger", "")))
    if trig is None or trig.type != "timer":
        raise KeyError(f"function {fn.name} has no timer trigger {data.get('trigger')!r}")
    if trig.config.get("enable") is False and not data.get("force"):
        raise ValueError(f"timer trigger {trig.name} is disabled (enable: false); pass force to fire it anyway")
    payload = trig.config.get("payload", "")
    event = {"triggerTime": iso(world.clock.now()), "triggerName": trig.name,
             "payload": payload if isinstance(payload, str) else json.dumps(payload)}
    record = _runtime(world).submit(account.id, fn, json.dumps(event).encode(), request_id=_new_id().upper(),
                                    source="timer", trigger=trig.name)
    return {"request_id": record["request_id"], "event": event}


@admin.route("GET", "/_emulator/fc/invocations")
def admin_invocations(emu: Emulator, req: Request) -> Any:
    """Every invocation (?function=, ?account=, ?status= filter) with its attempts, oldest first."""
    q = dict(req.query)
    rt = emu.world.extras.get("fc.runtime")
    records = rt.snapshot() if rt is not None else []
    return {"invocations": [r for r in records if all(not q.get(k) or str(r.get(k)) == q[k]
                                                      for k in ("function", "account", "status"))]}


@admin.route("POST", "/_emulator/fc/wait")
def admin_wait(emu: Emulator, req: Request) -> Any:
    """Body: {"timeout": seconds (default 30)}: wait until no invocation is queued or running."""
    timeout = float(admin.body_json(req).get("timeout", 30))
    rt = emu.world.extras.get("fc.runtime")
    if rt is None:
        return {"idle": True, "pending": 0, "running": 0}
    idle = rt.wait_idle(timeout)
    with rt.cond:
        return {"idle": idle, "pending": len(rt.pending), "running": rt.running}


__all__ = ["EventTarget", "FcState", "Function", "Trigger", "api", "deliver", "deploy_s_yaml", "eventbridge_targets",
           "shutdown"]
