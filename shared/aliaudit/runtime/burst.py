"""Debounce: a burst of ActionTrail events (a Terraform apply changing 200 resources in a minute) becomes a few
targeted runs instead of one run per event, without losing a touched resource.

Events are grouped by time slot (ALIAUDIT_EVENT_WINDOW_SECONDS of the dispatcher's own clock, never the event's)
and, within a slot, by generation (a generation ends when it closes; the next event opens the next one). Every event
stores its plan under runs/_events/<slot>/g<generation>-<time>~<event>.json (with the deployment's MAC, like a
manifest), then lists its generation:
- the slot's first event (the earliest item) is dispatched at once: a lone risky change is reported as fast as
  without debouncing; its dispatcher then waits until the slot has been quiet for ALIAUDIT_EVENT_QUIET_SECONDS (or
  a window has passed since), marks the slot closing and dispatches the items stored meanwhile, merged into as few
  runs as their resources allow;
- a later event returns at once, its item left for the closing, unless the generation is already closing: it is
  then dispatched on its own. An event of the next slot while the last slot's generation is still open joins that
  generation (a burst crossing the slots' boundary is not cut in two there).
An item is written before its event looks for the closing mark, and the mark is written before the items are
listed, so every item is either listed by the closing or dispatched by its own event. Alibaba's OSS documentation
("Data consistency": once a PUT succeeds the object is immediately readable, and a deleted object is immediately
gone; help.aliyun.com OSS developer guide, quoted at https://docs.jdcloud.com/cn/object-storage-service/api/
strong-consistency and https://365seal.com/R/2rnd6qDOVj) states read-after-write for objects; it does not state
that a listing shows an object at once, which this relies on: the aggregator's sweep is the backstop (below).

Items are ordered by (Last-Modified, name). Last-Modified is whole seconds; an item's name begins with its
dispatcher's time (microseconds), so the events of one second are ordered as they came, and two of them find
themselves first only when their dispatchers' clocks disagree by more than the time between them: both are then
dispatched at once, which costs a run and loses nothing. What matters is that every caller agrees on the earliest
item once all are listed, so an item is never rewritten (a delivery again finds it; a rewrite would move its
Last-Modified behind an event that then returned "coalesced"). Of the closings only the one whose item is then the
earliest collects the generation, the others' items included.

The collector marks the generation done (g<n>-closed-<count>-<collector>, signed like the items) once every run is
dispatched. Items and done marks without the deployment's MAC are another writer's: they are read past (_earliest,
_collected), never taken for the first event or for a collector's mark. A
generation marked closing but not done lost its collector half-way (an exception, a timeout, an instance gone): the
next delivery of any of its events, or the aggregator's sweep, collects it again (dispatching is idempotent: a merged
run's id is the digest of its events). A generation nobody closed (its first event's dispatcher died and FC did not
deliver the event again, or an ordering race the rules above do not cover) is closed by the sweep too, once every
dispatcher that could still close it has timed out."""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any, NamedTuple

from pydantic import ValidationError

from ..checks.registry import all_checks
from .fc_context import Runtime
from .models import PayloadError, mac_matches, with_mac
from .settings import DISPATCHER_TIMEOUT_S
from .targets import merge, narrowed_datasets, readable
from .triggers import Plan

log = logging.getLogger("aliaudit.burst")
PREFIX = "runs/_events/"  # under runs/: the bucket policy refuses writes there to long-term AccessKeys
STAMPED = "~"  # an item's name: <its dispatcher's time, microseconds>~<event key> (event keys have no "~")
CLOSING = "closing-"
CLOSED = "closed-"  # g<n>-closed-<events collected>-<collector>: once the generation's runs are all dispatched
WINDOW_DEFAULT = 60.0
QUIET_DEFAULT = 3.0
# what a first event's dispatcher keeps, within its FC timeout, for dispatching the merged runs after its wait
DISPATCH_BUDGET_SECONDS = 40.0
MAX_WAIT_SECONDS = DISPATCHER_TIMEOUT_S - DISPATCH_BUDGET_SECONDS  # it waits at most this long, then closes
SWEEP_MAX_AGE_S = 24 * 3600  # the sweep leaves older generations to the daily run, which has re-checked them since
MAX_ITEMS = 1000  # a slot's items beyond this are dispatched on their own (the merged manifest stays small)
# items without the deployment's MAC ahead of a generation's first signed one (planted by another writer of the
# bucket) that an event reads past; beyond, it is dispatched on its own
MAX_UNSIGNED = 20

Dispatch = Callable[[Runtime, Plan], dict[str, Any]]


def window_seconds(env: dict[str, str] | None = None) -> float:
    """ALIAUDIT_EVENT_WINDOW_SECONDS (default 60; 0 turns debouncing off: one run per event). A first event's
    dispatcher may wait out the window and then the quiet time, and must still dispatch the merged runs before its
    FC timeout (DISPATCHER_TIMEOUT_S): a longer window is refused (logged) and the longest that fits is used."""
    window = _seconds("ALIAUDIT_EVENT_WINDOW_SECONDS", WINDOW_DEFAULT, env)
    longest = max_window(env)
    if window > longest:
        log.error("ALIAUDIT_EVENT_WINDOW_SECONDS %g: the window, the quiet time (%g s) and the dispatch (%g s) must "
                  "end within the dispatcher's timeout (%d s): using %g", window, quiet_seconds(env),
                  DISPATCH_BUDGET_SECONDS, DISPATCHER_TIMEOUT_S, longest)
        return longest
    return window


def max_window(env: dict[str, str] | None = None) -> float:
    """The longest window whose wait (window, then quiet time) and dispatch fit in the dispatcher's timeout."""
    return max(0.0, DISPATCHER_TIMEOUT_S - DISPATCH_BUDGET_SECONDS - quiet_seconds(env))


def quiet_seconds(env: dict[str, str] | None = None) -> float:
    """ALIAUDIT_EVENT_QUIET_SECONDS (default 3): how long a slot must be quiet before it closes early (at most a
    third of the dispatcher's wait: the window needs the rest)."""
    return min(_seconds("ALIAUDIT_EVENT_QUIET_SECONDS", QUIET_DEFAULT, env), MAX_WAIT_SECONDS / 3)


def _seconds(name: str, default: float, env: dict[str, str] | None) -> float:
    text = (os.environ if env is None else env).get(name, "")
    try:
        return max(0.0, float(text)) if text else default
    except ValueError:
        log.error("%s is not a number of seconds (%r): using %g", name, text, default)
        return default


def handle(rt: Runtime, plan: Plan, dispatch: Dispatch) -> dict[str, Any]:
    window = window_seconds()
    slot = int(time.time() // window)
    folder = f"{PREFIX}{slot}/"
    me = _event_key(plan)
    with ThreadPoolExecutor(max_workers=1) as pool:  # (both listings at once: a round trip less before dispatch)
        before = pool.submit(_scan, rt, f"{PREFIX}{slot - 1}/", me)
        closed, mine, _ = _scan(rt, folder, me)
        last_closed, last_mine, last_held = before.result()
    if mine is None and last_mine is not None:  # (an event delivered again within seconds or minutes)
        return _again(rt, plan, dispatch, f"{PREFIX}{slot - 1}/", slot - 1, last_mine)
    if mine is not None:  # a delivery again (FC's retry after its dispatcher died waiting, or a duplicate)
        return _again(rt, plan, dispatch, folder, slot, mine)
    gen = max(closed) + 1 if closed else 0  # a slot's generations: one closes, the next event opens another
    if gen == 0 and last_held and max(last_held) not in last_closed:
        # the last slot's generation is still open (a burst going on across the slots' boundary): this event joins
        # it rather than opening a generation (and a run) of its own
        slot, folder, gen = slot - 1, f"{PREFIX}{slot - 1}/", max(last_held)
    # named by this dispatcher's clock too: events of one second (Last-Modified) are ordered as they came
    item = f"{folder}g{gen}-{time.time():.6f}{STAMPED}{me}.json"
    rt.store.put_json(item, with_mac(rt.settings.run_secret, plan.model_dump(mode="json")))
    now = _listing(rt, folder, gen)
    front = None if now.closing or len(now.items) > MAX_ITEMS else _earliest(rt, folder, gen, now.items, me)
    if front is None:
        log.info("event %s: slot %d.%d is closing or full; dispatched on its own", me, slot, gen)
        return dispatch(rt, plan)
    if front and _event_of(front[0][1]) != me:
        log.info("event %s: left for slot %d.%d's run (%d events so far)", me, slot, gen, len(front))
        return {"coalesced": True, "slot": f"{slot}.{gen}"}
    result = dispatch(rt, plan)  # the first event of the slot's generation: at once
    _wait_quiet(rt, folder, gen, len(now.items))
    rt.store.put_json(f"{folder}g{gen}-{CLOSING}{me}", {})
    listed = _listing(rt, folder, gen).items
    items = _earliest(rt, folder, gen, listed, me)
    if items is None:  # (planted since: this event was the first signed one, and collects)
        items = [i for i in listed if _event_of(i[1]) == me] + [i for i in listed if _event_of(i[1]) != me]
    if items and _event_of(items[0][1]) != me:  # another event was first too (their writes raced): the earliest
        log.info("slot %d.%d: event %s collects the generation", slot, gen, _event_of(items[0][1]))  # collects
        return {**result, "slot": f"{slot}.{gen}"}
    runs = _collect(rt, dispatch, folder, slot, gen, items, me, first_dispatched=True)
    log.info("slot %d.%d: %d events after the first, in %d runs", slot, gen, len(items) - 1, len(runs))
    return {**result, "slot": f"{slot}.{gen}", "coalesced_runs": runs}


def _collect(rt: Runtime, dispatch: Dispatch, folder: str, slot: int, gen: int, items: list[tuple[float, str]],
             by: str, *, first_dispatched: bool) -> list[dict[str, Any]]:
    """Dispatch the generation: its first event's own run (unless that event's dispatcher just did), then every
    other item merged, then the done mark, which names the events collected. The merged runs depend only on the
    items, not on who collects, so collecting again dispatches the same run ids (stopped at their dispatch
    marks)."""
    keys = [k for _, k in items]
    runs = [] if first_dispatched else [dispatch(rt, p) for p in _plans(rt, keys[:1], folder, gen)]
    runs += [dispatch(rt, p) for p in coalesce(_plans(rt, keys[1:], folder, gen), slot)]
    rt.store.put_json(f"{folder}g{gen}-{CLOSED}{len(keys)}-{by}", _mark(rt, folder, gen, keys))
    return runs


def _scan(rt: Runtime, folder: str, me: str) -> tuple[set[int], int | None, set[int]]:
    """The slot's closing generations, the generation holding this event's item (None: it has none), and the
    generations holding items."""
    closed, mine, held = set(), None, set()
    for key, _ in rt.store.listing(folder):
        head, _, name = key[len(folder):].partition("-")
        if not head.startswith("g") or not head[1:].isdigit():
            continue
        if name.startswith(CLOSING):
            closed.add(int(head[1:]))
        elif name.startswith(CLOSED):
            continue
        elif name.endswith(".json"):
            held.add(int(head[1:]))
            if _event_of(name[:-len(".json")]) == me:
                mine = int(head[1:])
    return closed, mine, held


def _again(rt: Runtime, plan: Plan, dispatch: Dispatch, folder: str, slot: int, gen: int) -> dict[str, Any]:
    """An event whose item is stored already: dispatched on its own (a duplicate of a dispatched run stops there)
    and, when its generation is not done (its first event's dispatcher died waiting, or its collector half-way),
    it closes and collects the generation in their place, so none is lost."""
    result = dispatch(rt, plan)
    if _collected(rt, folder, gen, _listing(rt, folder, gen).marks) is not None:
        return result
    me = _event_key(plan)
    rt.store.put_json(f"{folder}g{gen}-{CLOSING}{me}", {})
    listed = _listing(rt, folder, gen).items
    items = _earliest(rt, folder, gen, listed, me)
    items = listed if items is None else items  # (_collect reads only the signed ones)
    first = bool(items) and _event_of(items[0][1]) == me
    runs = _collect(rt, dispatch, folder, slot, gen, items, me, first_dispatched=first)
    log.info("slot %d.%d: collected by a delivery again of event %s, %d runs", slot, gen, me, len(runs))
    return {**result, "slot": f"{slot}.{gen}", "coalesced_runs": runs}


def _event_key(plan: Plan) -> str:
    return plan.run_id  # event-<event id>: ASCII letters, digits, - and _ (triggers._safe)


def _event_of(item: str) -> str:
    """The event key of an item's name ("<stamp>~<event key>"; an item written before stamps: the event key)."""
    return item.rpartition(STAMPED)[2]


class Generation(NamedTuple):
    items: list[tuple[float, str]]  # (Last-Modified, item: "<dispatcher's time>~<event key>"), earliest first
    closing: bool  # a closing mark: events arriving now are dispatched on their own
    marks: list[str]  # its done marks' keys (_collected: which events a collector dispatched)
    closed: set[int]  # the slot's generations that are closing


def _listing(rt: Runtime, folder: str, gen: int) -> Generation:
    """Generation gen of the slot: its items as (Last-Modified, event key), earliest first (ties, within OSS's whole
    second, by name: the same order for every caller), whether it is closing, its done marks, and which of the
    slot's generations are closing."""
    items, closed, marks = [], set(), []
    for key, modified in rt.store.listing(folder):
        head, _, name = key[len(folder):].partition("-")
        if not head.startswith("g") or not head[1:].isdigit():
            continue
        g = int(head[1:])
        if name.startswith(CLOSING):
            closed.add(g)
        elif name.startswith(CLOSED):
            if g == gen:
                marks.append(key)
        elif g == gen and name.endswith(".json"):
            items.append((modified, name[:-len(".json")]))
    return Generation(sorted(items), gen in closed, marks, closed)


def _earliest(rt: Runtime, folder: str, gen: int, items: list[tuple[float, str]],
              me: str) -> list[tuple[float, str]] | None:
    """The generation's items from the earliest one a dispatcher of this deployment wrote (its MAC): an item
    another writer of the bucket planted ahead must not count as the first event, which alone closes the
    generation (every real event would leave its item to it, and they would wait for the sweep). Only other
    events' items are read, from the front (this event's own is known); every caller reads the same and so agrees
    on the first. None when more than MAX_UNSIGNED lead: the caller dispatches its event on its own."""
    for n, (_, key) in enumerate(items[:MAX_UNSIGNED + 1]):
        if _event_of(key) == me or _signed_item(rt, folder, gen, key):
            if n:
                log.error("slot %s g%d: ignoring %d items ahead that this deployment's dispatchers did not write",
                          folder, gen, n)
            return items[n:]
    return None if len(items) > MAX_UNSIGNED else []


def _signed_item(rt: Runtime, folder: str, gen: int, key: str) -> bool:
    return rt.store.signed(f"{folder}g{gen}-{key}.json", "a queued event") is not None


def _mark(rt: Runtime, folder: str, gen: int, keys: list[str]) -> dict[str, Any]:
    """A done mark's content: the events collected, bound to the generation under the deployment's MAC."""
    return with_mac(rt.settings.run_secret, {"events": keys, "generation": f"{folder}g{gen}"})


def _collected(rt: Runtime, folder: str, gen: int, marks: list[str]) -> list[set[str]] | None:
    """The events each done mark of this deployment names (a mark another writer planted, or one that cannot be
    read, names none and is left out: it must not make a generation look collected); None without any such mark."""
    out = []
    for key in marks:
        data = rt.store.signed(key, "a done mark", generation=f"{folder}g{gen}")
        if data is not None and isinstance(data.get("events"), list):
            out.append({k for k in data["events"] if isinstance(k, str)})
    return out or None


def _wait_quiet(rt: Runtime, folder: str, gen: int, seen: int) -> None:
    """Until no item arrived for the quiet time, or a window passed since the first event (and then the quiet time,
    for stragglers), or MAX_WAIT_SECONDS passed (what the dispatcher's FC timeout, DISPATCHER_TIMEOUT_S, leaves after
    the dispatch)."""
    quiet = quiet_seconds()
    # (a window from the first event, not the slot's end: events of the next slot join a generation still open)
    end = time.time() + min(window_seconds() + quiet, MAX_WAIT_SECONDS)
    while True:
        time.sleep(quiet)
        items = _listing(rt, folder, gen).items
        if len(items) == seen or time.time() > end:
            return
        seen = len(items)


def _plans(rt: Runtime, keys: list[str], folder: str, gen: int) -> list[Plan]:
    out = []
    for key in keys:
        try:
            data = rt.store.get_json(f"{folder}g{gen}-{key}.json")
        except PayloadError as err:  # one corrupt or planted object must not stop the closing of the others
            log.error("ignoring %sg%d-%s.json: %s; that event's resources are not re-checked by this closing (the "
                      "daily run covers them)", folder, gen, key, err)
            continue
        if data is None:
            continue
        if not mac_matches(rt.settings.run_secret, data) or not isinstance(data, dict):
            log.error("ignoring %sg%d-%s.json: not written by this deployment's dispatcher", folder, gen, key)
            continue
        try:
            plan = Plan.model_validate({k: v for k, v in data.items() if k != "mac"})
        except ValidationError:
            log.error("ignoring %sg%d-%s.json: malformed", folder, gen, key)
            continue
        if plan.kind == "event":
            out.append(plan)
    return out


def coalesce(plans: list[Plan], slot: int) -> list[Plan]:
    """The plans merged into as few runs as stay exact: events whose resources narrow the collectors share a run
    when no one's checks would then read a dataset narrowed to another event's resources only (that check would
    lose the whole read it needs); events without such resources (their datasets read whole) share another."""
    checks = all_checks()
    groups: list[list[Plan]] = []
    for plan in plans:
        for group in groups:
            if _compatible([*group, plan], checks):
                group.append(plan)
                break
        else:
            groups.append([plan])
    return [_merged(g, slot) for g in groups]


def _compatible(plans: list[Plan], checks: dict[str, Any]) -> bool:
    merged = narrowed_datasets(merge(*(p.resources for p in plans)))
    for p in plans:
        own = narrowed_datasets(p.resources)
        if bool(own) != bool(merged):
            return False  # narrowed and whole-read events do not mix
        needs = {d for c in p.check_ids or [] if c in checks for d in checks[c].meta.needs}
        if (needs & merged) - own:
            return False
    return True


def _merged(plans: list[Plan], slot: int) -> Plan:
    if len(plans) == 1:
        return plans[0]
    ids = sorted(p.trigger.get("event_id", p.run_id) for p in plans)
    digest = hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]
    resources = merge(*(p.resources for p in plans))
    if not readable(resources):
        resources = {}
    return Plan(run_id=f"event-burst-{slot}-{digest}", kind="event",
                check_ids=sorted({c for p in plans for c in p.check_ids or []}),
                event_regions=sorted({r for p in plans for r in p.event_regions}),
                resource_ids=sorted({r for p in plans for r in p.resource_ids}), resources=resources,
                trigger={"event": "burst", "events": str(len(plans)),
                         "event_names": ",".join(sorted({p.trigger.get("event", "") for p in plans}))[:500],
                         "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})


def sweep(rt: Runtime, dispatch: Dispatch, now: float | None = None) -> list[dict[str, Any]]:
    """Collect the generations nobody finished, once no dispatcher that queued an item in them or began collecting
    them can still be at it: their newest object is older than the dispatcher's FC timeout (by OSS's clock,
    Last-Modified; not by the slot number, which depends on a window the aggregator's environment need not share).
    A generation nobody closed is closed as its first dispatcher would have; one whose collector stopped half-way
    is collected again (the same run ids: _collect); one whose done mark names fewer events than are listed now
    (an item a listing did not show its collector yet) gets those events dispatched. Generations older than
    SWEEP_MAX_AGE_S are left: the daily run has re-checked everything since."""
    now = time.time() if now is None else now
    groups: dict[tuple[str, int], _Swept] = {}
    for key, modified in rt.store.listing(PREFIX):
        number, _, rest = key[len(PREFIX):].partition("/")
        head, _, name = rest.partition("-")
        if not number.isdigit() or not head.startswith("g") or not head[1:].isdigit():
            continue
        g = groups.setdefault((f"{PREFIX}{number}/", int(head[1:])), _Swept())
        g.newest = max(g.newest, modified)
        if name.startswith(CLOSING):
            g.closing = True
        elif name.startswith(CLOSED):
            g.marks.append(key)
        elif name.endswith(".json"):
            g.items += 1
    out = []
    for (folder, gen), g in sorted(groups.items()):
        if g.newest + DISPATCHER_TIMEOUT_S + 1 > now or g.newest < now - SWEEP_MAX_AGE_S:
            continue  # (+1: Last-Modified is whole seconds)
        collected = _collected(rt, folder, gen, g.marks) if g.marks else None  # (only this deployment's marks)
        if collected is not None and max(len(c) for c in collected) >= g.items:
            continue
        slot = int(folder[len(PREFIX):].rstrip("/"))
        items = _listing(rt, folder, gen).items
        if collected is not None:  # done, but some events were listed after their collector looked: those, merged
            seen = set().union(*collected)
            late = [k for _, k in items if k not in seen]
            runs = [dispatch(rt, p) for p in coalesce(_plans(rt, late, folder, gen), slot)]
            rt.store.put_json(f"{folder}g{gen}-{CLOSED}{len(items)}-sweep",
                              _mark(rt, folder, gen, [k for _, k in items]))
            log.warning("slot %d.%d: %d events were queued after its collector listed it: the sweep dispatched "
                        "them in %d runs", slot, gen, len(late), len(runs))
            out.append({"slot": f"{slot}.{gen}", "events": len(late), "runs": runs})
            continue
        if not g.closing:
            rt.store.put_json(f"{folder}g{gen}-{CLOSING}sweep", {})
            items = _listing(rt, folder, gen).items
        runs = _collect(rt, dispatch, folder, slot, gen, items, "sweep", first_dispatched=False)
        log.warning("slot %d.%d was %s: the sweep dispatched its %d events in %d runs", slot, gen,
                    "collected half-way (its collector stopped)" if g.closing else "never closed (its first "
                    "dispatcher died)", len(items), len(runs))
        out.append({"slot": f"{slot}.{gen}", "events": len(items), "runs": runs})
    return out


class _Swept:
    """What the sweep's listing shows of one generation."""

    def __init__(self) -> None:
        self.closing = False
        self.marks: list[str] = []  # its done marks' keys
        self.items = 0
        self.newest = 0.0
