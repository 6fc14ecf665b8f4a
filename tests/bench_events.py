"""`python -m tests.bench --events` (issue 17): event runs on generated accounts, under the benchmark's latency and
rate limits. At each size: the pipeline deployed with its EventBridge trigger, a daily run first (the last verdicts
an event is compared with), then each of the four risky changes of tests/event_runs.py on its own, then a burst of
100 mixed changes (25 of each kind, each on resources of its own) made back to back. Reported per event: API calls
(those reading the audited account, and all of them), FC invocations, seconds from the change to its new FAIL in
SLS, the aggregator's busy seconds; for the burst: runs, calls, invocations, wall, and whether any touched resource
lost its new FAIL. Goals (issue 17): <= 30 calls per single-resource event, the new FAIL in SLS within 3 s, calls
flat across sizes, a burst of 100 in <= 5 runs."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from tests.bench import WORKER_TIMEOUT_S, Emulator, _reset
from tests.emulator.generate import ACCOUNT, Sizes, generate
from tests.event_runs import EXPECTED, add_targets, add_trigger, run_burst, run_event

BURST = 100
GOALS = {"calls_per_event": 30, "first_fail_s": 3.0, "burst_runs": 5}
# debouncing as shipped (ALIAUDIT_EVENT_WINDOW_SECONDS 60, quiet 3 s)
ENV: dict[str, str] = {}


def scenario(scale: float, seed: int) -> Any:
    """The generated account with the pipeline, its EventBridge trigger and the events' resources."""
    from tests.emulator.state import Account
    from tests.pipeline import add_pipeline

    built = generate(seed=seed, sizes=Sizes().scaled(scale))
    acct = built.accounts[0]
    data: dict[str, Any] = {"accounts": [{"id": ACCOUNT}]}
    add_pipeline(data)
    add_trigger(data)
    add_targets(data)
    for k in range(BURST // len(EXPECTED)):
        add_targets(data, k)
    for fn in data["accounts"][0]["fc"]["functions"]:
        fn["timeout"] = WORKER_TIMEOUT_S if fn["name"] != "aliaudit-dispatcher" else 120
        fn["environment"].update(ENV)
    extra = Account.model_validate(data["accounts"][0])
    acct.ram.policies += extra.ram.policies
    acct.ram.roles += extra.ram.roles
    acct.ram.users += extra.ram.users
    acct.kms.keys += extra.kms.keys
    acct.oss.buckets += extra.oss.buckets
    acct.sls.projects += extra.sls.projects
    acct.ecs.security_groups += extra.ecs.security_groups
    acct.ecs.instances += extra.ecs.instances
    acct.rds.instances += extra.rds.instances
    acct.fc = extra.fc
    return built


def _idle(emu: Emulator, limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:  # short waits: the admin client times out at 60 s
        try:
            if emu.admin.request("POST", "fc/wait", {"timeout": 0.5})["idle"]:
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("FC did not become idle")


def bench_size(scale: float, seed: int, work: Path) -> dict[str, Any]:
    from tests.pipeline import fire_daily, reports_bucket

    built = scenario(scale, seed)
    path = work / f"events-{scale:g}.json"
    path.write_text(built.model_dump_json(exclude_defaults=True))
    del built
    emu = Emulator(path, work / f"events-emulator-{scale:g}.log")
    out: dict[str, Any] = {"scale": scale, "resources": Sizes().scaled(scale).total_resources()}
    try:
        _reset(emu)
        t0 = time.monotonic()
        fire_daily(emu.admin)
        _idle(emu, 3 * WORKER_TIMEOUT_S)
        out["daily_s"] = round(time.monotonic() - t0, 1)
        print(f"  events {scale:g}: daily run {out['daily_s']} s", file=sys.stderr, flush=True)
        out["events"] = {}
        for event in EXPECTED:
            r = run_event(emu.admin, emu.url, event, timeout=600)
            out["events"][event] = {
                "audit_calls": r.audit_calls, "calls_total": r.total, "invocations": r.invocations,
                "first_fail_s": round(r.first_fail_s, 2) if r.first_fail_s is not None else None,
                "wall_s": round(r.wall_s, 2), "aggregator_busy_s": round(r.aggregator_busy_s, 2),
                "new_fails_right": r.new_fails == EXPECTED[event], "calls": r.calls}
            print(f"  events {scale:g}: {event} {r.audit_calls}/{r.total} calls, first FAIL {r.first_fail_s} s",
                  file=sys.stderr, flush=True)
        b = run_burst(emu.admin, emu.url, reports_bucket(emu.url), BURST, timeout=1200)
        out["burst"] = {"events": b.events, "runs": len(b.runs), "audit_calls": b.audit_calls,
                        "calls_total": sum(b.calls.values()), "invocations": b.invocations,
                        "wall_s": round(b.wall_s, 1), "aggregator_busy_s": round(b.aggregator_busy_s, 2),
                        "lost": sorted(f"{c} {r}" for c, r in b.missing), "run_ids": b.runs, "calls": b.calls}
        print(f"  events {scale:g}: burst of {BURST} in {len(b.runs)} runs, {b.audit_calls} calls",
              file=sys.stderr, flush=True)
    finally:
        emu.stop()
    return out


def bench_events(scales: list[float], seed: int, work: Path) -> dict[str, Any]:
    runs = [bench_size(s, seed, work) for s in scales]
    return {"runs": runs, "goals": goals(runs)}


def goals(runs: list[dict[str, Any]]) -> dict[str, Any]:
    calls = {e: [r["events"][e]["audit_calls"] for r in runs] for e in EXPECTED} if runs else {}
    return {"targets": GOALS,
            "calls_met": all(c <= GOALS["calls_per_event"] for cs in calls.values() for c in cs),
            "calls_flat": all(len(set(cs)) == 1 for cs in calls.values()),
            "first_fail_met": all((r["events"][e]["first_fail_s"] or 99) <= GOALS["first_fail_s"]
                                  for r in runs for e in EXPECTED),
            "new_fails_right": all(r["events"][e]["new_fails_right"] for r in runs for e in EXPECTED),
            "burst_runs_met": all(r["burst"]["runs"] <= GOALS["burst_runs"] for r in runs),
            "burst_lost_nothing": all(not r["burst"]["lost"] for r in runs)}


def table(result: dict[str, Any]) -> str:
    head = (f"{'scale':>6} {'resources':>9} {'event':<24} {'calls':>6} {'all':>5} {'invoc':>5} {'FAIL s':>7} "
            f"{'agg s':>6} {'runs':>5}")
    lines = ["", "event runs", head, "-" * len(head)]
    for r in result["runs"]:
        for e, m in r["events"].items():
            lines.append(f"{r['scale']:>6g} {r['resources']:>9} {e:<24} {m['audit_calls']:>6} {m['calls_total']:>5} "
                         f"{m['invocations']:>5} {m['first_fail_s'] or -1:>7.2f} {m['aggregator_busy_s']:>6.2f} "
                         f"{1:>5}")
        b = r["burst"]
        lines.append(f"{r['scale']:>6g} {r['resources']:>9} {'burst of ' + str(b['events']):<24} "
                     f"{b['audit_calls']:>6} {b['calls_total']:>5} {b['invocations']:>5} {'':>7} "
                     f"{b['aggregator_busy_s']:>6.2f} {b['runs']:>5}"
                     + (f"  LOST {len(b['lost'])}" if b["lost"] else ""))
    return "\n".join(lines)
