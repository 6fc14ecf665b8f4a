"""Resilience: the aggregation claim on the versioned report bucket (where OSS ignores forbid-overwrite, so
"create if absent" cannot be a PUT). Concurrent claimants: exactly one holds; a released claim passes on;
a claim older than the lease passes on only for the sweep; a PUT that timed out but landed is no issue."""

from __future__ import annotations

import threading

from aliaudit.clients import ClientFactory
from aliaudit.credentials.providers import StaticProvider
from aliaudit.runtime.store import RunStore
from aliaudit.settings import EndpointSettings
from tests.pipeline import RUN_SECRET
from tests.sdk import ROOT_AK, ROOT_SECRET, base_scenario, load

BUCKET = "claims-versioned"
PREFIX = "runs/r1/claims/"


def _store(cloud) -> RunStore:
    factory = ClientFactory(StaticProvider(ROOT_AK, ROOT_SECRET),
                            EndpointSettings(protocol="http", proxy=cloud.url, backoff_ms=20))
    return RunStore(factory, BUCKET, "cn-hangzhou", RUN_SECRET)


def _scenario() -> dict:
    return base_scenario(oss={"buckets": [{"name": BUCKET, "region": "cn-hangzhou", "versioning": "Enabled"}]})


def test_forbid_overwrite_does_not_protect_a_versioned_bucket_so_claims_do_not_rely_on_it(cloud):
    load(cloud, _scenario())
    store = _store(cloud)
    assert store.put_json("marker.json", {"owner": "a"}, exclusive=True)
    assert store.put_json("marker.json", {"owner": "b"}, exclusive=True)  # OSS lets both "win" here


def test_concurrent_claimants_exactly_one_holds_and_a_release_passes_it_on(cloud, admin):
    load(cloud, _scenario())
    admin.faults(error_rate=0.1, seed=3)  # with retried 5xx on the way
    store = _store(cloud)
    results: dict[str, bool] = {}

    def claim(owner: str) -> None:
        results[owner] = store.claim(PREFIX, owner)

    threads = [threading.Thread(target=claim, args=(f"owner{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    holders = [o for o, held in results.items() if held]
    assert len(holders) == 1
    assert not store.claim(PREFIX, "late")  # a later claimant waits behind the live holder
    assert store.claim(PREFIX, holders[0])  # the holder asking again (its PUT was retried) still holds
    store.release(PREFIX, holders[0])  # the holder failed: the next claimant takes over
    assert store.claim(PREFIX, "retry")
    assert not store.claim(PREFIX, "another")


def test_a_dead_holders_claim_passes_on_after_the_lease_for_the_sweep_only(cloud, admin):
    load(cloud, _scenario())
    store = _store(cloud)
    assert store.claim(PREFIX, "died")
    admin.advance(120)  # the holder never released; OSS's clock moved on
    assert not store.claim(PREFIX, "worker-request")  # no lease: an ordinary request waits
    assert store.claim(PREFIX, "sweep", lease_seconds=60)


def test_marks_and_fixed_values_count_only_when_this_deployment_wrote_them_for_the_run(cloud, caplog):
    # (a writer of the bucket could otherwise end a run before it starts, or decide which FAILs are new)
    load(cloud, _scenario())
    factory = ClientFactory(StaticProvider(ROOT_AK, ROOT_SECRET),
                            EndpointSettings(protocol="http", proxy=cloud.url, backoff_ms=20))
    store, other = RunStore(factory, BUCKET, "cn-hangzhou", "s3cret"), RunStore(factory, BUCKET, "cn-hangzhou", "x")
    caplog.set_level("WARNING")
    store.put_json("runs/r1/aggregated.json.done", {"run_id": "r1"})  # planted: no MAC
    other.put_done("r2", {"state": "aggregated"})  # another secret's
    store.put_done("r3", {"state": "aggregated"})
    store.bucket.copy_object(BUCKET, "runs/r3/aggregated.json.done", "runs/r4/aggregated.json.done")  # replayed
    assert [store.done(r) for r in ("r1", "r2", "r3", "r4", "r5")] == [False, False, True, False, False]
    assert "ignoring a done marker this deployment did not write" in caplog.text
    store.put_fixed("runs/r1/baseline.json", "r1", ["uid-1"])
    assert store.fixed("runs/r1/baseline.json", "r1") == ["uid-1"]
    assert store.fixed("runs/r1/baseline.json", "r2") is None  # another run's
    store.put_json("runs/r1/baseline.json", ["uid-1"])  # planted, or written before values were signed
    assert store.fixed("runs/r1/baseline.json", "r1") is None
    store.bucket.put_object("runs/r1/baseline.json", b"x")
    assert store.fixed("runs/r1/baseline.json", "r1") is None


def test_an_object_larger_than_the_json_limit_is_refused_unread(cloud):
    import aliaudit.runtime.store as run_store
    from aliaudit.runtime.models import OBJECT_MAC, PayloadError

    load(cloud, _scenario())
    store = _store(cloud)
    # (claiming a MAC: without one it is refused before its body is read at all)
    store.bucket.put_object("big.json", b"[" + b"0," * (run_store.MAX_JSON_BYTES // 2) + b"0]",
                            headers={OBJECT_MAC: "0" * 64})
    try:
        store.get_json("big.json")
    except PayloadError as err:
        assert "larger than 64 MiB" in str(err)
    else:
        raise AssertionError("a 64 MiB object was read")


def test_only_this_deployment_s_marks_of_batches_sent_to_sls_are_skipped_on_a_retry(cloud):
    from types import SimpleNamespace

    from aliaudit.runtime.log_sender import sent_batches
    from aliaudit.runtime.store import logs_key

    load(cloud, _scenario())
    factory = ClientFactory(StaticProvider(ROOT_AK, ROOT_SECRET),
                            EndpointSettings(protocol="http", proxy=cloud.url, backoff_ms=20))
    store = RunStore(factory, BUCKET, "cn-hangzhou", "s3cret")
    store.put_fixed(logs_key("r1", 0), "r1", {"batch": 0, "logs": 500})  # sent by an earlier attempt
    store.put_json(logs_key("r1", 1), {"logs": 500})  # planted: no MAC
    store.put_fixed(logs_key("r1", 2), "r1", {"batch": 0, "logs": 500})  # a genuine mark copied to another batch
    store.put_fixed(logs_key("r1", 3), "r2", {"batch": 3, "logs": 500})  # another run's
    assert sent_batches(SimpleNamespace(store=store), "r1") == {logs_key("r1", 0)}


def test_with_the_secret_a_planted_claim_does_not_block_and_a_planted_release_does_not_unseat(cloud):
    load(cloud, _scenario())
    factory = ClientFactory(StaticProvider(ROOT_AK, ROOT_SECRET),
                            EndpointSettings(protocol="http", proxy=cloud.url, backoff_ms=20))
    store = RunStore(factory, BUCKET, "cn-hangzhou", "s3cret")
    store.put_json(f"{PREFIX}claim-0planted", {"owner": "0planted"})  # earlier than any real claim, no MAC
    assert store.claim(PREFIX, "a")  # the plant is ignored
    store.put_json(f"{PREFIX}released-a", {})  # planted: "a" has not given up
    assert not store.claim(PREFIX, "b")


def test_a_part_or_shard_larger_than_its_limit_is_not_downloaded(cloud, tmp_path):
    # (the aggregator's parts and latest/ shards: a planted object must not fill the function's /tmp)
    from aliaudit.runtime.latest import MAX_SHARD_BYTES
    from aliaudit.runtime.models import PayloadError
    from aliaudit.runtime.store import MAX_PART_BYTES

    assert MAX_PART_BYTES == MAX_SHARD_BYTES == 128 << 20
    load(cloud, _scenario())
    store = _store(cloud)
    store.bucket.put_object("runs/r1/parts/ram/global.json", b"x" * ((1 << 20) + 1))
    path = tmp_path / "part.jsonl"
    try:
        store.get_file("runs/r1/parts/ram/global.json", path, limit=1 << 20)
    except PayloadError as err:
        assert "larger than 1 MiB: not read" in str(err)
    else:
        raise AssertionError("an object over the limit was downloaded")
    assert not path.exists()
    store.get_file("runs/r1/parts/ram/global.json", path, limit=2 << 20)
    assert path.stat().st_size == (1 << 20) + 1


def test_a_part_read_back_line_by_line_stops_at_its_limits(cloud):
    # (a worker reads its stored part back to check the seal: a planted object must not exhaust its memory)
    import pytest

    from aliaudit.runtime.models import PayloadError
    from aliaudit.runtime.store import MAX_LINE_BYTES

    load(cloud, _scenario())
    store = _store(cloud)
    store.bucket.put_object("runs/r1/parts/ram/a.json", b"a\nb\n" + b"x" * ((1 << 20) + 1))
    assert list(store.lines("runs/r1/parts/ram/a.json", limit=2 << 20)) == [b"a", b"b", b"x" * ((1 << 20) + 1)]
    with pytest.raises(PayloadError, match="larger than 1 MiB: not read"):
        list(store.lines("runs/r1/parts/ram/a.json", limit=1 << 20))
    store.bucket.put_object("runs/r1/parts/ram/b.json", b"{}\n" + b"y" * (MAX_LINE_BYTES + 1))
    with pytest.raises(PayloadError, match="has a line longer than 16 MiB: not read"):
        list(store.lines("runs/r1/parts/ram/b.json"))


def test_json_this_deployment_did_not_write_is_never_parsed(cloud, caplog):
    """Every JSON object the functions store carries the MAC of its key and bytes (object_mac), checked before
    parsing: a planted manifest of nested arrays (parsed, JSON takes up to 24 times its size in memory) is refused
    unread, as is one with a MAC header that does not match. An object without the header (as this deployment wrote
    them before) is parsed only up to 1 MiB, and counts only with the MAC inside it, as before."""
    import json

    import pytest

    from aliaudit.runtime.models import OBJECT_MAC, PayloadError, with_mac
    from aliaudit.runtime.store import done_key, manifest_key

    load(cloud, _scenario())
    store = _store(cloud)
    caplog.set_level("WARNING")
    store.bucket.put_object(manifest_key("daily-1"), b"[" * (2 << 20))
    with pytest.raises(PayloadError, match=r"it carries no MAC and is larger than 1 MiB\): not read"):
        store.manifest("daily-1")
    store.bucket.put_object(manifest_key("daily-2"), b"[" * (2 << 20), headers={OBJECT_MAC: "0" * 64})
    with pytest.raises(PayloadError, match=r"its MAC does not match\): not parsed"):
        store.manifest("daily-2")
    store.bucket.put_object(manifest_key("daily-3"), b"[" * 10_000, headers={OBJECT_MAC: "\u00e9" * 64})
    with pytest.raises(PayloadError, match="its MAC does not match"):  # (not a TypeError from compare_digest)
        store.manifest("daily-3")
    raw = json.dumps(with_mac(RUN_SECRET, {"state": "aggregated", "run_id": "r1"})).encode()
    store.bucket.put_object(done_key("r1"), raw)  # written before objects carried the MAC: its own MAC counts
    store.bucket.put_object(done_key("r2"), raw, headers={OBJECT_MAC: "0" * 64})
    store.bucket.put_object(done_key("r3"), json.dumps({"state": "aggregated", "run_id": "r3"}).encode())
    assert [store.done(r) for r in ("r1", "r2", "r3")] == [True, False, False]
    assert "ignoring a done marker this deployment did not write" in caplog.text
    store.put_done("r4", {"state": "aggregated"})
    assert store.done("r4")


def test_a_whole_run_reads_only_its_own_parts_shards_for_what_is_new(cloud, caplog, tmp_path):
    """latest.all_fails reads the shards of the run's parts under the trusted layout, nothing else listed under
    latest/parts/ (anyone who can write the bucket could put thousands of 128 MiB objects there)."""
    from types import SimpleNamespace

    from aliaudit.runtime import latest
    from aliaudit.runtime.models import Manifest, Part

    load(cloud, _scenario())
    store = _store(cloud)
    caplog.set_level("WARNING")
    for key in ("latest/parts/oss/global.jsonl", "latest/parts/ram/planted.jsonl",
                "latest/parts/oss/global/0001-of-0002.jsonl"):
        store.bucket.put_object(key, b'{"status":"FAIL"}\n' * 100)
    manifest = Manifest(run_id="daily-1", account_id="1", created="2026-01-01T00:00:00Z", kind="daily",
                        regions=["cn-hangzhou"], parts=[Part(family="oss", region="global")],
                        check_ids=["oss_bucket_not_publicly_accessible"])
    rt = SimpleNamespace(store=store, settings=SimpleNamespace(run_secret=RUN_SECRET))
    assert latest.all_fails(rt, tmp_path, manifest, {}) == set()  # (its own shard, unsealed: ignored)
    assert "latest/parts/oss/global.jsonl" in caplog.text
    assert "planted" not in caplog.text and "0001-of-0002" not in caplog.text
