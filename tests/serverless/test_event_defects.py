"""Issue 17's review: the burst's queued events are never lost to a dispatcher that died, a corrupt queued object
or a window longer than the dispatcher lives; latest/parts/ is routed the same way by every run and its index is
trusted only with the deployment's MAC; resource kinds are checked when a collector is registered; a key owner
that IMS cannot tell is an ERROR for that key, not a failed collection."""

from __future__ import annotations

import json
import time

from tests.pipeline import add_pipeline, fire_daily, invoke, wait_idle, writer_bucket
from tests.sdk import base_scenario, load


def test_a_window_longer_than_the_dispatcher_lives_is_refused():
    from aliaudit.deploy.catalogue import DISPATCHER_TIMEOUT_S
    from aliaudit.runtime import burst

    env = {"ALIAUDIT_EVENT_WINDOW_SECONDS": "600", "ALIAUDIT_EVENT_QUIET_SECONDS": "5"}
    window = burst.window_seconds(env)
    assert window > 0
    assert window + burst.quiet_seconds(env) + burst.DISPATCH_BUDGET_SECONDS <= DISPATCHER_TIMEOUT_S
    assert burst.window_seconds({"ALIAUDIT_EVENT_WINDOW_SECONDS": "30"}) == 30


def _queued_events(cloud, admin, *, window: str) -> tuple[list[dict], int]:
    """The sample account with the pipeline and a daily run; then two risky changes made without a trigger, whose
    EventBridge envelopes are returned (to be queued or delivered by hand), and the SLS logs so far."""
    from tests.event_runs import CHANGES, add_targets, sls_logs

    data = base_scenario(regions=["cn-hangzhou", "cn-shanghai"])
    add_targets(data)
    add_pipeline(data, env={"ALIAUDIT_EVENT_WINDOW_SECONDS": window}, bucket_writer=True)
    load(cloud, data)
    fire_daily(admin)
    wait_idle(admin, timeout=600)
    before = len(sls_logs(admin))
    envelopes = []
    for event in ("PutBucketAcl", "ModifySecurityIps"):
        CHANGES[event](cloud.url, None)
        change = [e for e in admin.events() if e["eventName"] == event][-1]
        envelopes.append({"id": change["eventId"], "type": f"x:ActionTrail:{change['eventType']}",
                          "source": "acs.x", "data": change})
    return envelopes, before


def _plant(cloud, envelopes: list[dict], slot: int, corrupt: bool) -> None:
    """The events' items as their dispatchers left them (the first one earliest), and a corrupt object beside."""
    from aliaudit.runtime.burst import PREFIX
    from aliaudit.runtime.triggers import parse

    planter = writer_bucket(cloud.url)
    for n, envelope in enumerate(envelopes):
        plan = parse(json.dumps(envelope))
        planter.put_object(f"{PREFIX}{slot}/g0-{plan.run_id}.json", plan.model_dump_json().encode())
        time.sleep(1.1 if n == 0 else 0)
    if corrupt:
        planter.put_object(f"{PREFIX}{slot}/g0-event-planted.json", b"{not json")


def _new_fails(admin, before: int) -> set[tuple[str, str]]:
    from tests.event_runs import sls_logs

    return {(lg["check_id"], lg["resource_id"]) for lg in sls_logs(admin)[before:] if lg["new_fail"] == "true"}


def test_a_corrupt_queued_object_does_not_stop_the_closing(cloud, admin):
    """A generation whose first dispatcher died, with a non-JSON object planted beside its items: the first event's
    delivery again closes it, and the other event's new FAIL is still reported."""
    from tests.event_runs import expected

    envelopes, before = _queued_events(cloud, admin, window="60")
    _plant(cloud, envelopes, int(time.time() // 60), corrupt=True)
    invoke(cloud.url, "aliaudit-dispatcher", json.dumps(envelopes[0]).encode(), asynchronous=False)
    wait_idle(admin)
    assert expected("PutBucketAcl") | expected("ModifySecurityIps") <= _new_fails(admin, before)


def test_a_generation_nobody_closed_is_closed_by_the_sweep(cloud, admin):
    """Two events queued minutes ago in a generation whose first dispatcher died and was never delivered again (a
    corrupt object beside them): the aggregator's sweep closes it, and both new FAILs are reported."""
    from tests.event_runs import expected

    envelopes, before = _queued_events(cloud, admin, window="60")
    admin.advance(-600)  # the items' Last-Modified (OSS's clock) ten minutes ago: every dispatcher is long dead
    try:
        _plant(cloud, envelopes, int((time.time() - 600) // 60), corrupt=True)
    finally:
        admin.advance(600)
    invoke(cloud.url, "aliaudit-aggregator", json.dumps({"sweep": True}).encode(), asynchronous=False)
    wait_idle(admin)
    assert expected("PutBucketAcl") | expected("ModifySecurityIps") <= _new_fails(admin, before)
