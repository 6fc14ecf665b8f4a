"""Resilience: the aggregation claim on the versioned report bucket (where OSS ignores forbid-overwrite, so
"create if absent" cannot be a PUT). Concurrent claimants: exactly one holds; a released claim passes on;
a claim older than the lease passes on only for the sweep; a PUT that timed out but landed is no issue."""

from __future__ import annotations

import threading

from aliaudit.clients import ClientFactory
from aliaudit.credentials.providers import StaticProvider
from aliaudit.runtime.store import RunStore
from aliaudit.settings import EndpointSettings
from tests.sdk import ROOT_AK, ROOT_SECRET, base_scenario, load

BUCKET = "claims-versioned"
PREFIX = "runs/r1/claims/"


def _store(cloud) -> RunStore:
    factory = ClientFactory(StaticProvider(ROOT_AK, ROOT_SECRET),
                            EndpointSettings(protocol="http", proxy=cloud.url, backoff_ms=20))
    return RunStore(factory, BUCKET, "cn-hangzhou")


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
