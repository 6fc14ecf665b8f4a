"""Alert evaluation: each enabled alert's queries over ingested logs, its conditions, and fired records.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...clock import iso
from ...errors import ApiError
from .model import _ERRORS, _FIRED, _SEEN, Alert, Project, _logs, unindexed
from .query import run_query
from .search import Row, _Index
from .sql import compile_condition

if TYPE_CHECKING:
    from ...state import Account, World


_SPAN = re.compile(r"^(-?\d+)\s*([a-z]*)$")
_UNITS = {"": 1, "s": 1, "sec": 1, "second": 1, "seconds": 1, "m": 60, "min": 60, "minute": 60, "minutes": 60,
          "h": 3600, "hour": 3600, "hours": 3600, "d": 86400, "day": 86400, "days": 86400, "w": 604800,
          "week": 604800, "weeks": 604800}


def _time_point(text: Any, now: int, truncate: bool) -> int:
    """'now', '-15m', '-1h', '-1d' relative to now (truncated to the unit for Truncated spans) or epoch seconds."""
    value = str(text if text is not None else "now").strip().lower()
    if value in ("now", "", "absolute"):
        return now + 1  # the window end is exclusive; logs stamped this second count
    m = _SPAN.match(value)
    if not m or m.group(2) not in _UNITS:
        raise ValueError(f"unsupported time {text!r}")
    amount, unit = int(m.group(1)), _UNITS[m.group(2)]
    if not value.startswith("-") and not m.group(2):
        return amount  # an absolute epoch time
    point = now + amount * unit
    return point - point % unit if truncate else point


def _time_window(query: dict[str, Any], now: int) -> tuple[int, int]:
    truncate = str(query.get("timeSpanType", "Relative")).lower() == "truncated"
    return (_time_point(query.get("start", "-15m"), now, truncate),
            _time_point(query.get("end", "now"), now, truncate))


def _targets(project: Project, alert: Alert) -> list[tuple[str, str]]:
    out = []
    for q in alert.configuration.get("queryList") or []:
        if str(q.get("storeType", "log")).lower() == "log":
            out.append((str(q.get("project") or project.name), str(q.get("store") or "")))
    return out


def _render(template: str, variables: dict[str, Any]) -> str:
    return re.sub(r"\$\{([^}]+)\}", lambda m: str(variables.get(m.group(1).strip(), m.group(0))), template)


def _evaluate(world: World, account: Account, project: Project, alert: Alert, trigger: str,
              unseen_only: bool) -> dict[str, Any] | None:
    """Run the alert's queries and record a fired alert when its conditions hold. With unseen_only, each
    query sees only logs this alert has not evaluated yet, so one ingested batch fires at most once."""
    config = alert.configuration
    now = int(world.clock.timestamp())
    seen: dict[tuple[str, str, str, str], int] = world.extras.setdefault(_SEEN, {})
    rows: list[Row] = []
    for q in config.get("queryList") or []:
        if str(q.get("storeType", "log")).lower() != "log":
            continue
        qproject = str(q.get("project") or project.name)
        store = str(q.get("store") or "")
        target = account.sls.project(qproject)
        ls = target.logstore(store) if target else None
        if ls is None:
            raise ApiError("LogStoreNotExist", f"alert {alert.name} queries {qproject}/{store}, which does not exist")
        logs = _logs(world).get((qproject, store), [])
        mark = (project.name, alert.name, qproject, store)
        # (logs stored before the index took effect are never found: model.unindexed)
        first = max(min(seen.get(mark, 0), len(logs)) if unseen_only else 0, unindexed(world, qproject, store))
        seen[mark] = len(logs)
        try:
            start, end = _time_window(q, now)
        except ValueError as err:
            raise ApiError("ParameterInvalid", str(err)) from err
        result = run_query(logs[first:], str(q.get("query") or "*"), _Index(ls.index, account.sls.strict_index),
                           start, end, line=100)
        rows.extend(result["data"])

    severity, matched = _decide(config, rows)
    if severity is None:
        return None
    # ${field} is a result field of the first matching row; alert facts are defaults (also as ${alert.x})
    facts = {"alert_name": alert.displayName or alert.name, "alert_id": alert.name, "project": project.name,
             "severity": severity, "fire_time": iso(world.clock.now()), "results_count": len(matched)}
    variables: dict[str, Any] = {**facts, **{f"alert.{k}": v for k, v in facts.items()}}
    variables.update((config.get("templateConfiguration") or {}).get("tokens") or {})
    variables.update(matched[0] if matched else {})
    fired = {
        "account": account.id, "project": project.name, "alert": alert.name, "displayName": alert.displayName,
        "time": iso(world.clock.now()), "timestamp": now, "trigger": trigger, "severity": severity,
        "count": len(matched), "rows": matched[:100], "no_data": not rows,
        "labels": {lb.get("key"): lb.get("value") for lb in config.get("labels") or [] if isinstance(lb, dict)},
        "annotations": {an.get("key"): _render(str(an.get("value", "")), variables)
                        for an in config.get("annotations") or [] if isinstance(an, dict)},
        "logstores": [f"{p}/{s}" for p, s in _targets(project, alert)],
    }
    world.extras.setdefault(_FIRED, []).append(fired)
    return fired


def _decide(config: dict[str, Any], rows: list[Row]) -> tuple[int | None, list[Row]]:
    """(severity, matching rows) when the alert fires, else (None, []).

    conditionConfiguration {condition (per row), countCondition (over __count__ = matching rows)} decides
    whether it fires (a 1.0-style top-level `condition` too); without one, the first severityConfiguration whose
    evalCondition holds does; with neither, any result row fires. Empty conditions mean "any row"."""

    def holds(cond: dict[str, Any], candidates: list[Row]) -> list[Row] | None:
        pred = compile_condition(str(cond.get("condition") or ""))
        hits = [r for r in candidates if pred(r)]
        count_text = str(cond.get("countCondition") or "")
        ok = compile_condition(count_text)({"__count__": len(hits)}) if count_text else bool(hits)
        return hits if ok else None

    if not rows:
        if config.get("noDataFire"):
            return int(config.get("noDataSeverity") or 6), []
        return None, []
    severities = config.get("severityConfigurations") or []
    cc = config.get("conditionConfiguration") or {}
    if not (cc.get("condition") or cc.get("countCondition")) and config.get("condition"):
        cc = {"condition": config["condition"]}
    if cc.get("condition") or cc.get("countCondition"):
        hits = holds(cc, rows)
        if hits is None:
            return None, []
        for sev in severities:
            if holds(sev.get("evalCondition") or {}, hits) is not None:
                return int(sev.get("severity", 6)), hits
        return int(config.get("severity") or 6), hits
    for sev in severities:
        hits = holds(sev.get("evalCondition") or {}, rows)
        if hits is not None:
            return int(sev.get("severity", 6)), hits
    return (None, []) if severities else (int(config.get("severity") or 6), rows)


def evaluate_alerts(world: World, account: Account, *, trigger: str, target: tuple[str, str] | None = None,
                    project: str | None = None, alert: str | None = None,
                    unseen_only: bool = True) -> list[dict[str, Any]]:
    """Evaluate the enabled alerts of an account (those querying `target` only, when given). Evaluation
    errors (a missing logstore or index, a bad query) are recorded, never raised: the write succeeded."""
    fired: list[dict[str, Any]] = []
    with world.lock:
        for p in list(account.sls.projects):
            if project and p.name != project:
                continue
            for a in list(p.alerts):
                if a.state != "Enabled" or (alert and a.name != alert):
                    continue
                if target and target not in _targets(p, a):
                    continue
                try:
                    record = _evaluate(world, account, p, a, trigger, unseen_only)
                except ApiError as err:
                    world.extras.setdefault(_ERRORS, []).append({
                        "account": account.id, "project": p.name, "alert": a.name, "time": iso(world.clock.now()),
                        "code": err.code, "message": err.message})
                    continue
                if record:
                    fired.append(record)
    return fired
