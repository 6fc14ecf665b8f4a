"""Issue 17's review: the burst's queued events are never lost to a dispatcher that died, a corrupt queued object
or a window longer than the dispatcher lives; latest/parts/ is routed the same way by every run and its index is
trusted only with the deployment's MAC; resource kinds are checked when a collector is registered; a key owner
that IMS cannot tell is an ERROR for that key, not a failed collection."""

from __future__ import annotations

import json
import time

import pytest

from tests.pipeline import add_pipeline, fire_daily, invoke, put_signed, wait_idle, writer_bucket
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


def _plant(cloud, envelopes: list[dict], slot: int, corrupt: bool, closing: bool = False,
           done_with: int | None = None) -> None:
    """The events' items as their dispatchers left them (the first one earliest), and a corrupt object beside;
    closing: the first event's closing mark too, as its dispatcher writes it before it collects the others;
    done_with: and its done mark, naming the first that many events as the ones it collected."""
    from aliaudit.runtime.burst import CLOSED, CLOSING, PREFIX
    from aliaudit.runtime.triggers import parse

    planter = writer_bucket(cloud.url)
    plans = [parse(json.dumps(envelope)) for envelope in envelopes]
    for n, plan in enumerate(plans):  # (signed as the dispatchers sign them: with the deployment's run secret)
        put_signed(planter, f"{PREFIX}{slot}/g0-{plan.run_id}.json", plan.model_dump(mode="json"))
        time.sleep(1.1 if n == 0 else 0)
    if corrupt:
        planter.put_object(f"{PREFIX}{slot}/g0-event-planted.json", b"{not json")
    if closing:
        planter.put_object(f"{PREFIX}{slot}/g0-{CLOSING}{plans[0].run_id}", b"{}")
    if done_with is not None:
        names = [p.run_id for p in plans[:done_with]]
        put_signed(planter, f"{PREFIX}{slot}/g0-{CLOSED}{done_with}-{plans[0].run_id}",
                   {"events": names, "generation": f"{PREFIX}{slot}/g0"})


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


def test_a_generation_whose_collector_stopped_half_way_is_collected_by_a_delivery_again(cloud, admin):
    """The first event's dispatcher marked its generation closing and stopped before it had dispatched the other
    events (an exception, its timeout): FC's retry of that event collects the generation again. Before, the retry
    saw the closing mark and stopped there, and the other event's new FAIL was never reported."""
    from tests.event_runs import expected

    envelopes, before = _queued_events(cloud, admin, window="60")
    _plant(cloud, envelopes, int(time.time() // 60), corrupt=False, closing=True)
    invoke(cloud.url, "aliaudit-dispatcher", json.dumps(envelopes[0]).encode(), asynchronous=False)
    wait_idle(admin)
    assert expected("PutBucketAcl") | expected("ModifySecurityIps") <= _new_fails(admin, before)


def test_a_generation_whose_collector_stopped_half_way_is_collected_by_the_sweep(cloud, admin):
    """The same, never delivered again: once its dispatcher is long dead the aggregator's sweep collects it (and
    marks it done: a second sweep dispatches nothing)."""
    from aliaudit.runtime.burst import CLOSED, PREFIX
    from tests.event_runs import expected

    envelopes, before = _queued_events(cloud, admin, window="60")
    admin.advance(-600)
    slot = int((time.time() - 600) // 60)
    try:
        _plant(cloud, envelopes, slot, corrupt=False, closing=True)
    finally:
        admin.advance(600)
    invoke(cloud.url, "aliaudit-aggregator", json.dumps({"sweep": True}).encode(), asynchronous=False)
    wait_idle(admin)
    assert expected("PutBucketAcl") | expected("ModifySecurityIps") <= _new_fails(admin, before)
    assert any(o.key.startswith(f"{PREFIX}{slot}/g0-{CLOSED}") for o in _objects(cloud, f"{PREFIX}{slot}/"))
    invocations = len(admin.request("GET", "fc/invocations")["invocations"])
    invoke(cloud.url, "aliaudit-aggregator", json.dumps({"sweep": True}).encode(), asynchronous=False)
    wait_idle(admin)
    assert len(admin.request("GET", "fc/invocations")["invocations"]) == invocations + 1  # (only the sweep itself)


def test_an_event_its_collector_did_not_list_is_dispatched_by_the_sweep(cloud, admin):
    """A generation marked done whose done mark names one event while two are queued (the second's item reached
    the listing after its collector looked): the sweep dispatches the one left out."""
    from tests.event_runs import expected

    envelopes, before = _queued_events(cloud, admin, window="60")
    admin.advance(-600)
    try:
        _plant(cloud, envelopes, int((time.time() - 600) // 60), corrupt=False, closing=True, done_with=1)
    finally:
        admin.advance(600)
    invoke(cloud.url, "aliaudit-aggregator", json.dumps({"sweep": True}).encode(), asynchronous=False)
    wait_idle(admin)
    assert expected("ModifySecurityIps") <= _new_fails(admin, before)


def test_an_event_of_the_next_slot_joins_a_generation_still_open(cloud, admin):
    """A burst crossing the slots' boundary: the last slot's generation is open (its first event's dispatcher still
    waiting), so an event of this slot joins it instead of opening a generation and a run of its own; when that
    generation is collected (here by its first event's delivery again) both new FAILs are reported."""
    from aliaudit.runtime.burst import PREFIX
    from aliaudit.runtime.triggers import parse
    from tests.event_runs import expected

    envelopes, before = _queued_events(cloud, admin, window="60")
    if time.time() % 60 > 50:  # (the delivery below must fall in the slot after the planted one)
        time.sleep(61 - time.time() % 60)
    slot = int(time.time() // 60)
    _plant(cloud, envelopes[:1], slot - 1, corrupt=False)
    invoke(cloud.url, "aliaudit-dispatcher", json.dumps(envelopes[1]).encode(), asynchronous=False)
    wait_idle(admin)
    joined = parse(json.dumps(envelopes[1])).run_id
    (item,) = [o.key for o in _objects(cloud, f"{PREFIX}{slot - 1}/") if joined in o.key]
    assert item.startswith(f"{PREFIX}{slot - 1}/g0-") and item.endswith(f"~{joined}.json")  # (g0-<time>~<event>)
    assert not _objects(cloud, f"{PREFIX}{slot}/")
    assert not expected("ModifySecurityIps") & _new_fails(admin, before)  # (left for the generation's closing)
    invoke(cloud.url, "aliaudit-dispatcher", json.dumps(envelopes[0]).encode(), asynchronous=False)
    wait_idle(admin)
    assert expected("PutBucketAcl") | expected("ModifySecurityIps") <= _new_fails(admin, before)


def test_an_item_planted_ahead_of_a_generation_does_not_hold_its_events_back(cloud, admin):
    """An object without the deployment's MAC named as the earliest item of the slot (another writer of the bucket
    can predict the slots): it used to count as the first event, which alone closes a generation, so every real
    event left its item to it and waited for the sweep (up to 30 minutes). The first real event collects now."""
    from aliaudit.runtime.burst import PREFIX
    from tests.event_runs import expected

    envelopes, before = _queued_events(cloud, admin, window="60")
    slot = int(time.time() // 60)
    planter = writer_bucket(cloud.url)
    for n in range(3):  # (a forged copy of a plan, and junk: neither carries the MAC)
        planter.put_object(f"{PREFIX}{slot}/g0-{n}.000000~event-planted{n}.json",
                           json.dumps({"kind": "event", "run_id": f"event-planted{n}"}).encode())
    time.sleep(1.1)  # (their Last-Modified ahead of the real events')
    invoke(cloud.url, "aliaudit-dispatcher", json.dumps(envelopes[0]).encode())
    invoke(cloud.url, "aliaudit-dispatcher", json.dumps(envelopes[1]).encode())
    invocations = wait_idle(admin)
    assert expected("PutBucketAcl") | expected("ModifySecurityIps") <= _new_fails(admin, before)
    assert "items ahead that this deployment's dispatchers did not write" in "".join(i["log"] for i in invocations)


def test_a_planted_done_mark_does_not_make_a_generation_look_collected(cloud, admin):
    """A generation whose collector stopped half-way, with a done mark another writer planted naming more events
    than it holds: a delivery again and the sweep still collect it."""
    from aliaudit.runtime.burst import CLOSED, PREFIX
    from tests.event_runs import expected

    envelopes, before = _queued_events(cloud, admin, window="60")
    admin.advance(-600)
    slot = int((time.time() - 600) // 60)
    try:
        _plant(cloud, envelopes, slot, corrupt=False, closing=True)
        writer_bucket(cloud.url).put_object(f"{PREFIX}{slot}/g0-{CLOSED}99-planted", json.dumps(
            {"events": [f"e{n}" for n in range(99)], "generation": f"{PREFIX}{slot}/g0"}).encode())
    finally:
        admin.advance(600)
    invoke(cloud.url, "aliaudit-aggregator", json.dumps({"sweep": True}).encode(), asynchronous=False)
    wait_idle(admin)
    assert expected("PutBucketAcl") | expected("ModifySecurityIps") <= _new_fails(admin, before)


def _objects(cloud, prefix: str) -> list:
    import oss2

    from tests.pipeline import reports_bucket

    return list(oss2.ObjectIterator(reports_bucket(cloud.url), prefix=prefix))


def test_a_misspelt_resource_kind_fails_when_the_collector_registers():
    from aliaudit.collectors.registry import COLLECTORS, CollectContext, collector
    from aliaudit.datasets import Dataset, Scope

    with pytest.raises(ValueError, match="ram.usr"):
        collector(Dataset("test.things", Scope.GLOBAL), apis=[], reads_one=["ram.usr"])
    assert "test.things" not in COLLECTORS
    ctx = CollectContext(factory=None, region="global", account_id="1", config=None,  # type: ignore[arg-type]
                         targets={"ram.user": frozenset({"bob"})})
    with pytest.raises(ValueError, match="ecs.instances"):
        ctx.only("ecs.instances")
    assert ctx.only("ram.user") == {"bob"}


def test_a_key_whose_owner_ims_cannot_tell_is_an_error_for_that_key(cloud):
    """IMS GetUser refused (any answer but EntityNotExist, e.g. a denial): the key the event named is ERROR with the
    reason, the collection goes on; before, the whole users dataset failed."""
    from aliaudit.clients import ClientFactory
    from aliaudit.config import AuditConfig
    from aliaudit.credentials.providers import StaticProvider
    from aliaudit.scan import ScanRequest, run_scan
    from aliaudit.settings import EndpointSettings
    from tests.sdk import ACCOUNT, READER_AK, READER_SECRET

    data = base_scenario(regions=["cn-hangzhou"])
    data["accounts"][0]["ram"]["users"].append(
        {"name": "carol", "access_keys": [{"id": "LTAIcarol000000001", "secret": "s"}]})
    deny = {"Version": "1", "Statement": [{"Effect": "Deny", "Action": ["ram:GetUser"], "Resource": "*"}]}
    data["accounts"][0]["ram"].setdefault("policies", []).append({"name": "NoGetUser", "document": deny})
    data["accounts"][0]["ram"]["groups"][0]["policies"].append({"name": "NoGetUser", "type": "Custom"})
    load(cloud, data)
    settings = EndpointSettings(protocol="http", proxy=cloud.url, max_attempts=2, backoff_ms=10)
    factory = ClientFactory(StaticProvider(READER_AK, READER_SECRET), settings)
    request = ScanRequest(account_id=ACCOUNT, regions=["cn-hangzhou"], check_ids=["ram_user_single_active_key"],
                          families=["ram"], config=AuditConfig(),
                          resources={"ram.access_key": {"LTAIcarol000000001"}})
    findings = [f for f in run_scan(factory, request) if f.check_id == "ram_user_single_active_key"]
    key = [f for f in findings if f.resource_id == "LTAIcarol000000001"]
    assert key and all(f.status.value == "ERROR" and "cannot tell whose AccessKey" in f.message for f in key), [
        (f.resource_id, f.status.value, f.message) for f in findings]


def _trail_event() -> bytes:
    """StartLogging, delivered by hand: its checks are the trail check and the SLS ones, so the trail check runs in
    the actiontrail worker, where the daily run (every check) runs it in the OSS worker (placement.runs_with)."""
    return json.dumps({"id": "ev-trail-1", "type": "actiontrail:ActionTrail:ApiCall", "source": "acs.actiontrail",
                       "data": {"eventId": "trail-1", "eventName": "StartLogging", "serviceName": "Actiontrail",
                                "acsRegion": "cn-hangzhou", "eventType": "ApiCall",
                                "requestParameters": {"Name": "audit"},
                                "userIdentity": {"type": "root-account"}}}).encode()


def test_an_event_run_reads_and_writes_the_latest_parts_the_daily_run_wrote(cloud, admin):
    """The trail check's FAIL from the daily run is not reported as new by an event run that runs the check in
    another worker, and latest/parts/ holds one verdict for it, not one per worker it ran in."""
    from tests.event_runs import sls_logs
    from tests.pipeline import reports_bucket

    check = "actiontrail_trail_all_regions_enabled"
    data = base_scenario(regions=["cn-hangzhou"])
    add_pipeline(data, env={"ALIAUDIT_EVENT_WINDOW_SECONDS": "0"})
    load(cloud, data)
    fire_daily(admin)
    wait_idle(admin, timeout=600)
    daily = [lg for lg in sls_logs(admin) if lg["check_id"] == check]
    assert [lg["status"] for lg in daily] == ["FAIL"], daily  # (no trail in the sample: the account fails)
    before = len(sls_logs(admin))
    invoke(cloud.url, "aliaudit-dispatcher", _trail_event(), asynchronous=False)
    wait_idle(admin)
    after = [lg for lg in sls_logs(admin)[before:] if lg["check_id"] == check]
    assert after and all(lg["new_fail"] == "false" for lg in after), after
    bucket = reports_bucket(cloud.url)
    holding = []
    for obj in __import__("oss2").ObjectIterator(bucket, prefix="latest/parts/"):
        if obj.key.endswith(".jsonl") and f'"check_id":"{check}"'.encode() in bucket.get_object(obj.key).read():
            holding.append(obj.key)
    assert len(holding) == 1, holding


def test_a_planted_latest_index_is_ignored(cloud, admin):
    """latest/parts/index.json switches event runs to the parts: one the deployment did not write (no MAC under
    its run secret) is ignored, and the event run merges into latest/findings.json as before a whole run."""
    from tests.event_runs import sls_logs

    check = "actiontrail_trail_all_regions_enabled"
    data = base_scenario(regions=["cn-hangzhou"])
    add_pipeline(data, env={"ALIAUDIT_EVENT_WINDOW_SECONDS": "0"}, run_secret="s3cret-for-tests-0123456789abcdef0123",
                 bucket_writer=True)
    load(cloud, data)
    fire_daily(admin)
    wait_idle(admin, timeout=600)
    planter = writer_bucket(cloud.url)
    for obj in __import__("oss2").ObjectIterator(planter, prefix="latest/parts/"):
        planter.put_object(obj.key, b"")  # every part emptied: read as the truth, every FAIL would be "new"
    planter.put_object("latest/parts/index.json", json.dumps({"run_id": "daily-planted"}).encode())
    before = len(sls_logs(admin))
    invoke(cloud.url, "aliaudit-dispatcher", _trail_event(), asynchronous=False)
    wait_idle(admin)
    after = [lg for lg in sls_logs(admin)[before:] if lg["check_id"] == check]
    assert after and all(lg["new_fail"] == "false" for lg in after), after
