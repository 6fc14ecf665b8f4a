"""The emulator's FC admin routes: deploy an s.yaml, fire a timer, list invocations, wait for idle.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ... import admin
from ...clock import iso
from ...wire import Request
from .model import DEFAULT_REGION, _new_id
from .runtime import _runtime
from .syaml import deploy_s_yaml

if TYPE_CHECKING:
    from ...app import Emulator
    from ...state import Account, World


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


@admin.route("POST", "/_emulator/fc/layers")
def admin_publish_layer(emu: Emulator, req: Request) -> Any:
    """Body: {"name", "code_dir", "region"?, "account"?} -> {"arn"}: a new version of a layer whose content is
    code_dir (the layer's root, as FC unpacks it into /opt: python/ for Python). Stands in for PublishLayerVersion."""
    data = admin.body_json(req)
    if not data.get("name") or not data.get("code_dir"):
        raise ValueError("name and code_dir are required")
    account = _admin_account(emu.world, data)
    region = data.get("region") or DEFAULT_REGION
    prefix = f"acs:fc:{region}:{account.id}:layers/{data['name']}/versions/"
    with emu.world.lock:
        version = 1 + sum(arn.startswith(prefix) for arn in account.fc.layer_dirs)
        arn = f"{prefix}{version}"
        account.fc.layer_dirs[arn] = str(data["code_dir"])
    return {"arn": arn}


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
