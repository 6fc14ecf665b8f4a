"""One Function Compute instance of the emulator: imports the function's handler module and runs
invocations sent by the emulator, one at a time, for as long as its stdin stays open.

Run as ``python fc_worker.py`` with the working directory and environment of the function
(FC_FUNC_CODE_PATH, FC_FUNCTION_HANDLER, ...). Only the standard library is imported here, so
an instance starts as fast as the handler's own imports allow.

Protocol: JSON lines. After importing the handler the worker writes
``{"ready": true|false, "log": ..., "error": {...}?}``; then for every request line
``{"request_id", "event": <base64>, "context": {...}, "credentials": {...}|null, "env_credentials": {...}|null}``
(the role's STS token for the context and for the environment: disableInjectCredentials may withhold either) it answers
``{"request_id", "ok": bool, "result": <base64>?, "error": {...}?, "log": ...}``. The handler's
prints and logging go to a per-invocation buffer (the log tail), never to the protocol stream.
"""

from __future__ import annotations

import base64
import importlib
import io
import json
import logging
import os
import sys
import time
import traceback
from typing import Any

_CRED_VARS = ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN")
_request_id = ""  # of the invocation in progress, for the log lines
_SELF = os.path.abspath(__file__)
_IMPORTLIB = os.path.dirname(os.path.abspath(importlib.__file__))


class _Capture(io.TextIOBase):
    """What the handler prints (stdout, stderr, logging) during one invocation."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, s: str) -> int:
        self.parts.append(s)
        return len(s)

    def writable(self) -> bool:
        return True

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
        return text


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id
        return True


class _FcFormatter(logging.Formatter):
    """FC's line format: '2024-01-01T00:00:00.123Z <request id> [INFO] message'."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - stdlib name
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        return f"{stamp}.{int(record.msecs):03d}Z"


class _Obj:
    """Attribute bag for the context fields (FC's runtime uses small classes the same way)."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.__dict__!r})"


class Credentials(_Obj):
    pass


class FunctionMeta(_Obj):
    pass


class ServiceMeta(_Obj):
    pass


class FCContext(_Obj):
    pass


def _error(exc: BaseException) -> dict[str, Any]:
    """FC's error body: stackTrace is a list of [file, line, function, code] per frame of the
    function's code (this runner's and importlib's frames left out)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith("<frozen") and os.path.abspath(f.filename) != _SELF
              and os.path.dirname(os.path.abspath(f.filename)) != _IMPORTLIB]
    return {"errorMessage": str(exc), "errorType": type(exc).__name__,
            "stackTrace": [[f'File "{f.filename}"', f"line {f.lineno}", f"in {f.name}", f.line or ""]
                           for f in frames]}


def _load_handler(spec: str) -> Any:
    module_name, _, func_name = spec.rpartition(".")
    if not module_name or not func_name:
        raise ValueError(f"Invalid handler '{spec}': expected <module>.<function>")
    module = importlib.import_module(module_name)
    func = getattr(module, func_name, None)
    if not callable(func):
        raise AttributeError(f"Handler '{func_name}' is missing on module '{module_name}'")
    return func


def _context(req: dict[str, Any]) -> FCContext:
    ctx = req["context"]
    fields: dict[str, Any] = {
        "request_id": req["request_id"], "region": ctx["region"], "account_id": ctx["account_id"],
        "logger": logging.getLogger(),
        "function": FunctionMeta(**ctx["function"]),
        "tracing": _Obj(span_context=None, jaeger_endpoint=None, span_baggages={}, parent_span_id=None),
    }
    if ctx.get("legacy"):  # python3.10 and older: credentials and service, as FC documents for them
        creds = req.get("credentials") or {}
        fields["credentials"] = Credentials(access_key_id=creds.get("access_key_id"),
                                            access_key_secret=creds.get("access_key_secret"),
                                            security_token=creds.get("security_token"))
        fields["service"] = ServiceMeta(**ctx["service"])
    else:  # python3.12+: no credentials on the context, log settings at the top level
        fields["log_project"] = ctx["service"]["log_project"]
        fields["log_store"] = ctx["service"]["log_store"]
    return FCContext(**fields)


def _set_credentials(creds: dict[str, Any] | None) -> None:
    """The role's STS credentials as FC injects them (refreshed by the emulator when they near expiry)."""
    if not creds:
        return
    for var, key in zip(_CRED_VARS, ("access_key_id", "access_key_secret", "security_token"), strict=True):
        os.environ[var] = creds[key]


def _encode(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        return value.encode()
    try:
        return json.dumps(value).encode()
    except (TypeError, ValueError):
        return str(value).encode()


def _invoke(handler: Any, req: dict[str, Any], capture: _Capture) -> dict[str, Any]:
    global _request_id
    _request_id = req["request_id"]
    _set_credentials(req.get("env_credentials"))
    event = base64.b64decode(req["event"])
    out: dict[str, Any] = {"request_id": _request_id}
    try:
        result = handler(event, _context(req))
        out.update(ok=True, result=base64.b64encode(_encode(result)).decode())
    except Exception as exc:  # an unhandled error of the function: report it as FC does
        out.update(ok=False, error=_error(exc))
    out["log"] = capture.take()
    return out


def main() -> int:
    code_dir = os.environ.get("FC_FUNC_CODE_PATH") or os.getcwd()
    # The protocol gets a private copy of stdout; fd 1 then goes to stderr so that nothing the
    # handler (or a C extension) prints can corrupt the protocol stream.
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    capture = _Capture()
    sys.stdout = sys.stderr = capture
    # The handler sees its code directory first, not this runner's directory.
    sys.path[0] = code_dir
    root = logging.getLogger()
    handler_out = logging.StreamHandler(capture)
    handler_out.setFormatter(_FcFormatter("%(asctime)s %(request_id)s [%(levelname)s] %(message)s"))
    handler_out.addFilter(_RequestIdFilter())
    root.handlers[:] = [handler_out]
    root.setLevel(logging.INFO)

    def send(msg: dict[str, Any]) -> None:
        proto.write(json.dumps(msg) + "\n")
        proto.flush()

    try:
        handler = _load_handler(os.environ.get("FC_FUNCTION_HANDLER", "index.handler"))
    except Exception as exc:  # import errors are reported to the invocation that started the instance
        send({"ready": False, "error": _error(exc), "log": capture.take()})
        return 1
    send({"ready": True, "log": capture.take()})
    for line in sys.stdin:
        if line.strip():
            send(_invoke(handler, json.loads(line), capture))
    return 0


if __name__ == "__main__":
    sys.exit(main())
