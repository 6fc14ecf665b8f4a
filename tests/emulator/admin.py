"""The admin interface under /_emulator/ (direct requests only): scenario, clock, faults, counters,
and what products recorded (events, deliveries, logs, alerts, invocations). JSON in and out."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import yaml

from .clock import iso, parse_time
from .wire import Request, Response

if TYPE_CHECKING:
    from .app import Emulator

AdminHandler = Callable[["Emulator", Request], Any]
ROUTES: dict[tuple[str, str], AdminHandler] = {}


def route(method: str, path: str) -> Callable[[AdminHandler], AdminHandler]:
    """Register an admin endpoint; product modules add their own (e.g. /_emulator/sls/logs)."""

    def register(fn: AdminHandler) -> AdminHandler:
        ROUTES[(method, path)] = fn
        return fn

    return register


def body_json(req: Request) -> dict[str, Any]:
    if not req.body:
        return {}
    data = json.loads(req.body)
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


def handle(emu: Emulator, req: Request) -> Response:
    fn = ROUTES.get((req.method, req.raw_path.rstrip("/") or "/"))
    if fn is None:
        return Response.json({"error": f"no admin route {req.method} {req.raw_path}",
                              "routes": sorted(f"{m} {p}" for m, p in ROUTES)}, 404)
    try:
        result = fn(emu, req)
    except (ValueError, KeyError, TypeError) as err:
        return Response.json({"error": f"{type(err).__name__}: {err}"}, 400)
    return result if isinstance(result, Response) else Response.json(result)


@route("GET", "/_emulator/health")
def health(emu: Emulator, req: Request) -> Any:
    return {"ok": True, "address": emu.world.address, "accounts": list(emu.world.accounts)}


@route("POST", "/_emulator/scenario")
def load_scenario(emu: Emulator, req: Request) -> Any:
    """Body: the scenario as YAML or JSON text (replaces all state)."""
    from .state import Scenario  # late: state imports the product modules, which register admin routes here

    scenario = Scenario.model_validate(yaml.safe_load(req.body.decode() or "{}") or {})
    emu.load(scenario)
    return {"loaded": True, "accounts": [a.id for a in scenario.accounts]}


@route("GET", "/_emulator/state")
def dump_state(emu: Emulator, req: Request) -> Any:
    with emu.world.lock:
        return json.loads(emu.world.scenario.model_dump_json())


@route("GET", "/_emulator/clock")
def get_clock(emu: Emulator, req: Request) -> Any:
    return {"now": iso(emu.world.clock.now())}


@route("POST", "/_emulator/clock")
def set_clock(emu: Emulator, req: Request) -> Any:
    """Body: {"set": "2026-01-01T00:00:00Z"} or {"advance": seconds}."""
    data = body_json(req)
    if "set" in data:
        emu.world.clock.set(parse_time(data["set"]))
    if "advance" in data:
        emu.world.clock.advance(float(data["advance"]))
    return {"now": iso(emu.world.clock.now())}


@route("GET", "/_emulator/calls")
def get_calls(emu: Emulator, req: Request) -> Any:
    with emu.world.lock:
        by_account: dict[str, dict[str, int]] = {}
        for key, n in emu.world.admitted.items():
            account, _, api = key.partition("/")
            by_account.setdefault(account, {})[api] = n
        return {"calls": dict(emu.world.calls), "throttled": dict(emu.world.throttled),
                "total": sum(emu.world.calls.values()), "by_account": by_account,
                "spans": {api: [round(a, 3), round(b, 3)] for api, (a, b) in emu.world.spans.items()}}


@route("DELETE", "/_emulator/calls")
def reset_calls(emu: Emulator, req: Request) -> Any:
    with emu.world.lock:
        emu.world.calls.clear()
        emu.world.throttled.clear()
        emu.world.admitted.clear()
        emu.world.spans.clear()
    return {"reset": True}


@route("POST", "/_emulator/responses")
def start_recording(emu: Emulator, req: Request) -> Any:
    """Body: {"limit": N} (default 3): from now on keep the first N successful answers of each API."""
    data = body_json(req)
    with emu.world.lock:
        emu.world.recording = {}
        emu.world.recording_limit = int(data.get("limit", 3))
    return {"recording": True}


@route("GET", "/_emulator/responses")
def get_responses(emu: Emulator, req: Request) -> Any:
    """The recorded answers: {"responses": {"product:Action": [{method, path, params, status, content_type,
    body}]}} (body as text: JSON, XML or CSV as the product sends it)."""
    with emu.world.lock:
        return {"responses": {k: list(v) for k, v in (emu.world.recording or {}).items()}}


@route("POST", "/_emulator/faults")
def set_faults(emu: Emulator, req: Request) -> Any:
    """Body: any Faults fields; they replace the current ones field by field."""
    from .state import Faults  # late, see load_scenario

    with emu.world.lock:
        current = emu.world.scenario.faults.model_dump()
        current.update(body_json(req))
        emu.world.scenario.faults = Faults.model_validate(current)
        emu.world.rng.seed(emu.world.scenario.faults.seed)
    emu.limiter.reset()
    return emu.world.scenario.faults.model_dump()


@route("GET", "/_emulator/events")
def get_events(emu: Emulator, req: Request) -> Any:
    """ActionTrail events recorded for writes (?account=<id>, default: every account)."""
    wanted = dict(req.query).get("account")
    with emu.world.lock:
        return {"events": [e for a in emu.world.scenario.accounts if not wanted or a.id == wanted
                           for e in a.events]}


@route("GET", "/_emulator/eventbridge")
def get_deliveries(emu: Emulator, req: Request) -> Any:
    with emu.world.lock:
        return {"deliveries": list(emu.world.extras.get("eventbridge", []))}
