"""The emulator's SLS admin routes: ingested logs, ingest without an SDK, fired alerts, evaluate now.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import admin
from ...wire import Request
from .evaluation import evaluate_alerts
from .model import _ERRORS, _FIRED, _find_project_anywhere, _logs, logs_stored

if TYPE_CHECKING:
    from ...app import Emulator


@admin.route("GET", "/_emulator/sls/logs")
def admin_logs(emu: Emulator, req: Request) -> Any:
    """Ingested logs: ?project=&logstore= for one logstore (&offset=N: those after the first N, with the total:
    a poll of a large logstore answers what is new, not the whole store again), else every logstore."""
    q = dict(req.query)
    with emu.world.lock:
        stores = _logs(emu.world)
        if q.get("project") and q.get("logstore"):
            logs = stores.get((q["project"], q["logstore"]), [])
            return {"project": q["project"], "logstore": q["logstore"], "total": len(logs),
                    "logs": list(logs[int(q.get("offset") or 0):])}
        return {"stores": [{"project": p, "logstore": ls, "logs": list(logs)} for (p, ls), logs in stores.items()
                           if not q.get("project") or p == q["project"]]}


@admin.route("POST", "/_emulator/sls/logs")
def admin_ingest(emu: Emulator, req: Request) -> Any:
    """Body: {"project", "logstore", "logs": [{"k": "v", "__time__"?: epoch}], "topic"?, "source"?};
    stores them as PutLogs would (alerts evaluated) without going through an SDK."""
    data = admin.body_json(req)
    project, logstore = str(data["project"]), str(data["logstore"])
    with emu.world.lock:
        found = _find_project_anywhere(emu.world, project)
        if not found or not found[1].logstore(logstore):
            raise KeyError(f"no logstore {project}/{logstore}")
        now = str(int(emu.world.clock.timestamp()))
        stored = _logs(emu.world).setdefault((project, logstore), [])
        for log in data.get("logs", []):
            stored.append({"__time__": str(log.get("__time__", now)), "__source__": str(data.get("source", "")),
                           "__topic__": str(data.get("topic", "")),
                           **{k: str(v) for k, v in log.items() if k != "__time__"}})
        fired = logs_stored(emu.world, found[0], found[1], found[1].logstore(logstore), trigger="admin")
    return {"stored": len(data.get("logs", [])), "fired": fired}


@admin.route("GET", "/_emulator/sls/alerts/fired")
def admin_fired(emu: Emulator, req: Request) -> Any:
    """Fired alerts (and evaluation errors), oldest first; ?project=&alert= filter."""
    q = dict(req.query)

    def keep(r: dict[str, Any]) -> bool:
        return all(not q.get(k) or r[k] == q[k] for k in ("project", "alert"))

    with emu.world.lock:
        return {"fired": [r for r in emu.world.extras.get(_FIRED, []) if keep(r)],
                "errors": [r for r in emu.world.extras.get(_ERRORS, []) if keep(r)]}


@admin.route("POST", "/_emulator/sls/alerts/evaluate")
def admin_evaluate(emu: Emulator, req: Request) -> Any:
    """Evaluate enabled alerts now. Body (all optional): {"project", "alert", "all": false}; by default each
    query sees only logs the alert has not evaluated yet; "all": true runs over the whole time window, as a
    scheduled run would (and may fire again on logs seen before)."""
    data = admin.body_json(req)
    fired: list[dict[str, Any]] = []
    with emu.world.lock:
        for account in emu.world.scenario.accounts:
            fired += evaluate_alerts(emu.world, account, trigger="admin", project=data.get("project"),
                                     alert=data.get("alert"), unseen_only=not data.get("all", False))
    return {"fired": fired}
