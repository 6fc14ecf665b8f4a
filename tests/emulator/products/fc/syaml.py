"""Deploy from a Serverless Devs 3 s.yaml, like ``s deploy`` (the fc3 resources only).
"""

from __future__ import annotations

import copy
import json
import os
import re
import uuid
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from .model import (
    DEFAULT_REGION,
    AsyncInvokeConfig,
    Function,
    Trigger,
    _check_function,
    _extract_zip,
    _trigger_config_text,
    function_arn,
)

if TYPE_CHECKING:
    from ...state import Account, World


_EXPR = re.compile(r"\$\{\s*([^{}]*?)\s*\}")
_ENV_CALL = re.compile(r"""^env\(\s*(['"])(\w+)\1\s*(?:,\s*(['"])(.*?)\3\s*)?\)$""")
_CONFIG_CALL = re.compile(r"""^config\(\s*(['"])(\w+)\1\s*\)$""")
_PROP_KEYS = {"region", "functionName", "runtime", "handler", "code", "description", "memorySize", "cpu", "timeout",
              "role",
              "environmentVariables", "logConfig", "internetAccess", "vpcConfig", "layers", "tags", "triggers",
              "asyncInvokeConfig", "diskSize"}


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
            disk_size=int(props.get("diskSize") or 512),
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
