"""Invocations run in worker processes like FC instances: instance pools, the async queue and its
dispatcher, the role's STS credentials, and what an instance sees (environment, context, log).

Lives in ``world.extras``: ``fc.runtime`` (the dispatcher and instance pools) and ``fc.invocations``
(one record per invocation with every attempt). ``shutdown(world)`` stops them.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import copy
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
from collections import Counter, deque
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...clock import iso
from ...errors import ApiError
from .model import Function, _role_for
from .zygote import Forked, Zygote, zygote

if TYPE_CHECKING:
    from ...state import Account, StsSession, World

MAX_ASYNC_INSTANCES = 4  # async invocations running at once per function
RETRY_BACKOFF_SECONDS = 0.2  # between async attempts (FC backs off far longer; tests should not wait)
_WORKER = Path(__file__).resolve().parent.parent.parent / "fc_worker.py"


_EXITED = {"exited": True}


class _Worker:
    """One function instance: a fc_worker.py process and the threads draining its pipes."""

    def __init__(self, instance_id: str, fingerprint: str, env: dict[str, str], cwd: str,
                 command: list[str] | None = None, warm: Zygote | None = None) -> None:
        self.instance_id = instance_id
        self.fingerprint = fingerprint
        forked = warm.spawn(env, cwd) if warm else None  # (the suite's warm starts: fc_zygote.py)
        self.proc: subprocess.Popen[bytes] | Forked = forked or subprocess.Popen(
            command or [sys.executable, str(_WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
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
                       fn.role, fn.log_config, fn.code_checksum, fn.layers, fn.disk_size], sort_keys=True)


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
        # disableInjectCredentials (model.Function): All injects nothing, Env nothing into the environment, Request
        # nothing into the context
        mode = fn.disable_inject_credentials
        creds = None if mode == "All" else self._credentials(account, fn)
        env_creds, context_creds = (None if mode == "Env" else creds), (None if mode == "Request" else creds)
        problem = _cannot_run(fn)
        if problem:
            return _Outcome(False, error={"errorMessage": problem, "errorType": "InstanceStartFailed"},
                            retryable=False)
        key = (account_id, region, name)
        worker, startup = self._acquire(key, account_id, fn, env_creds)
        if isinstance(worker, _Outcome):
            return worker
        t0 = time.monotonic()
        sent = worker.send({"request_id": request_id, "event": base64.b64encode(event).decode(),
                            "context": _context_fields(account_id, fn), "credentials": context_creds,
                            "env_credentials": env_creds})
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
            env = _instance_env(self, account_id, fn, creds, instance_id)
            command, refused = _instance_command(self, account_id, fn, instance_id, env)
            if refused:
                return _Outcome(False, error={"errorMessage": refused, "errorType": "InstanceStartFailed"},
                                retryable=False), ""
            # the suite's warm starts (fc_zygote.py) fit an instance on the emulator's own Python without layers
            warm = zygote() if command[-1] == str(_WORKER) and command[-2] == sys.executable \
                and "PYTHONPATH" not in env else None
            worker = _Worker(instance_id, fingerprint, env, os.path.abspath(fn.code_dir), command, warm)
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


# --- what an FC instance is given: its interpreter, its layers, its disk ------------------------------------------

# A python3.10 function runs under this CPython 3.10 when set, without site-packages (-S): like FC's python3.10
# runtime, where the code package (/code) and the layers (/opt/python) are all there is, so a dependency missing from
# the layer, or code needing a later Python, fails as it would in FC. Unset: the emulator's own interpreter with its
# installed packages (the tests' default: functions import the aliaudit package under development).
ISOLATED_PYTHON310_ENV = "ALIAUDIT_EMULATOR_PYTHON310"
# FC unpacks the layers into /opt and adds /opt/python to a Python function's path; with several layers the first
# configured one wins a name clash (FC "Create a custom layer": "the file in the layer configured first overwrites
# the file in the layer configured later"), as the first directory on the path does here.
LAYER_PYTHON = "python"
_unshare_ok: bool | None = None


def _can_unshare() -> bool:
    """A private mount namespace without privileges (unshare -rm: user namespaces), to give an instance a disk of
    its diskSize; probed once."""
    global _unshare_ok
    if _unshare_ok is None:
        exe = shutil.which("unshare")
        with tempfile.TemporaryDirectory() as tmp:  # what an instance start does, on a 1 MB disk
            probe = subprocess.run([exe, "-rm", "sh", "-c", 'mount -t tmpfs -o size=1m tmpfs "$0"', tmp],
                                   capture_output=True, timeout=30) if exe else None
        _unshare_ok = bool(probe and probe.returncode == 0)
    return _unshare_ok


def _layer_paths(rt: _Runtime, account_id: str, fn: Function) -> tuple[list[str], list[str]]:
    """(the python/ directories of the function's layers the emulator has, in configured order; the ARNs it has no
    content for)."""
    account = rt.world.account(account_id)
    known = account.fc.layer_dirs if account else {}
    paths = [os.path.join(known[arn], LAYER_PYTHON) for arn in fn.layers if arn in known]
    return paths, [arn for arn in fn.layers if arn not in known]


def _instance_command(rt: _Runtime, account_id: str, fn: Function, instance_id: str,
                      env: dict[str, str]) -> tuple[list[str], str]:
    """The worker's command line (and env additions) for this function, or a reason FC would not start it.
    The instance's disk: a tmpfs of diskSize MB as its TMPDIR, in a mount namespace of its own, so a write past it
    fails with ENOSPC as in FC (model.DISK_SIZES); where user namespaces are unavailable the disk is unlimited."""
    paths, unknown = _layer_paths(rt, account_id, fn)
    python, flags = sys.executable, []
    isolated = os.environ.get(ISOLATED_PYTHON310_ENV, "")
    if isolated and fn.runtime == "python3.10":
        if unknown:
            return [], f"layers {', '.join(unknown)} have no content in the emulator (admin fc/layers)"
        python, flags = isolated, ["-S"]
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths)
    tmp = os.path.join(rt.home, "instances", instance_id, "tmp")
    os.makedirs(tmp, exist_ok=True)
    env["TMPDIR"] = tmp
    command = [python, *flags, str(_WORKER)]
    if _can_unshare():
        mount = f'mount -t tmpfs -o size={fn.disk_size}m,mode=1777 tmpfs "$0" && exec "$@"'
        command = [shutil.which("unshare") or "unshare", "-rm", "sh", "-c", mount, tmp, *command]
    return command, ""


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


def shutdown(world: World) -> None:
    """Stop every instance and the dispatcher of this world (scenario load, server stop)."""
    with world.lock:
        rt = world.extras.pop("fc.runtime", None)
    with _runtimes_lock:
        others = [r for r in _runtimes if r.world is world and r is not rt]
    for r in ([rt] if rt else []) + others:
        r.close()
