"""Resilience: throttling. Retries are bounded, back off exponentially with jitter and honour the cloud's
retry-after; each API's concurrency adapts (AIMD); and a whole scan under per-API rate limits on RAM, ECS,
OSS and SLS ends with exactly the findings of an unthrottled scan."""

from __future__ import annotations

import threading
import time

import pytest

from aliaudit import throttle
from aliaudit.clients import ClientFactory
from aliaudit.credentials.providers import StaticProvider
from aliaudit.scan import ScanRequest, run_scan
from aliaudit.settings import EndpointSettings
from aliaudit.throttle import AdaptiveLimit, backoff_seconds, call_with_limit
from tests.resilience import AUDITOR_AK, AUDITOR_SECRET, REGIONS, compare, world
from tests.sdk import ACCOUNT, load

# --- the pieces, without the network ---------------------------------------------------------------


def test_backoff_is_exponential_with_equal_jitter_and_capped():
    for attempt in range(1, 10):
        step = min(200 * 2 ** (attempt - 1), throttle.BACKOFF_CAP_MS) / 1000
        waits = [backoff_seconds(200, attempt) for _ in range(200)]
        assert all(step / 2 <= w <= step for w in waits)  # equal jitter: half fixed, half random
        assert max(waits) - min(waits) > step / 10  # really jittered, so callers spread out
    assert backoff_seconds(200, 30) <= throttle.BACKOFF_CAP_MS / 1000


def test_retry_after_is_the_least_wait_and_is_capped():
    assert backoff_seconds(200, 1, retry_after_ms=1500) == 1.5  # never retried before the server said
    assert backoff_seconds(200, 1, retry_after_ms=10 ** 9) == throttle.MAX_RETRY_AFTER_MS / 1000
    assert 0.05 <= backoff_seconds(100, 1, retry_after_ms=50) <= 0.1
    assert 4 <= backoff_seconds(1000, 4, retry_after_ms=50) <= 8  # a short retry-after does not stop the growth


def test_limit_halves_on_throttling_once_per_round_and_grows_back_on_success():
    limit = AdaptiveLimit(16)
    rounds = [limit.acquire() for _ in range(8)]
    for r in rounds:  # one burst: eight throttled answers to calls sent in the same round
        limit.release(r, throttled=True)
    assert limit.limit == 8  # halved once, not 2**8 times
    r = limit.acquire()
    limit.release(r, throttled=True)
    assert limit.limit == 4  # a call sent after the decrease counts again
    for _ in range(200):
        limit.release(limit.acquire())
    assert limit.limit == 16  # additive increase back to the maximum, never beyond
    low = AdaptiveLimit(1)
    low.release(low.acquire(), throttled=True)
    assert low.limit == 1  # never below one call in flight
    stats = limit.stats()
    assert (stats.minimum_seen, stats.throttled, stats.succeeded) == (4, 9, 200)


def test_throttling_teaches_the_pace_the_api_admits():
    clock = [0.0]
    limit = AdaptiveLimit(16, clock=lambda: clock[0])
    for _ in range(50):  # 50 calls succeed within one second, then the API says no
        limit.release(limit.acquire())
        clock[0] += 0.01
    limit.release(limit.acquire(), throttled=True)
    assert limit.rate == 50 and limit.limit == 16  # paced at what got through; the slots stay
    starts = []
    for _ in range(10):
        limit.acquire()
        starts.append(clock[0])
        limit.in_flight -= 1
        clock[0] = max(clock[0], limit._next_send)  # the pace: the next call may start then
    gaps = [round(b - a, 9) for a, b in zip(starts, starts[1:], strict=False)]
    assert gaps[:2] == [0, 0] and set(gaps[3:]) == {1 / 50}  # a 50 ms catch-up at most, then the pace


def test_limit_bounds_calls_in_flight_and_pauses_the_api_while_throttled():
    limit = AdaptiveLimit(4)
    r = limit.acquire()
    limit.release(r, throttled=True, pause=0.3)  # limit 2, and nobody calls for 0.3 s
    in_flight, peak, lock = [0], [0], threading.Lock()
    started = time.monotonic()
    first_call: list[float] = []

    def caller() -> None:
        sent = limit.acquire()
        with lock:
            first_call.append(time.monotonic() - started)
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.02)
        with lock:
            in_flight[0] -= 1
        limit.release(sent, ok=False)  # a failure that is not throttling: no signal either way

    threads = [threading.Thread(target=caller) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 2 and min(first_call) >= 0.28
    assert limit.limit == 2


def test_paced_callers_each_wait_for_their_own_send_time():
    # a paced API's callers take their send times with their slots, in turn, and wait for them alone (waking every
    # waiting caller at each send cost 1-4 ms of CPU a call); none goes early, none is lost, the slots still bound
    limit = AdaptiveLimit(4)
    limit.rate = 50.0
    starts: list[float] = []
    in_flight, peak, lock = [0], [0], threading.Lock()

    def caller() -> None:
        sent = limit.acquire()
        with lock:
            starts.append(time.monotonic())
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.01)
        with lock:
            in_flight[0] -= 1
        limit.release(sent)

    threads = [threading.Thread(target=caller) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    starts.sort()
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert len(starts) == 24 and peak[0] <= 4
    assert sum(gaps[3:]) >= (len(gaps) - 3) * 0.018  # the pace, after at most a 50 ms catch-up (about 50/s: 20 ms)


class Throttled(Exception):
    def __init__(self, retry_after: float | None = None) -> None:
        super().__init__("throttled")
        self.retry_after = retry_after


def _throttle_of(err: BaseException) -> tuple[bool, float | None]:
    return (True, err.retry_after) if isinstance(err, Throttled) else (False, None)


def test_call_with_limit_retries_throttling_a_bounded_number_of_times(monkeypatch):
    """Nobody else gets through: max_attempts tries with a growing backoff, then the error."""
    waits: list[float] = []
    monkeypatch.setattr(throttle, "backoff_seconds", lambda *a: waits.append(backoff_seconds(*a)) or 0.0)
    calls = []

    def always_throttled() -> None:
        calls.append(1)
        raise Throttled()

    with pytest.raises(Throttled):
        call_with_limit(AdaptiveLimit(4), always_throttled, max_attempts=5, backoff_ms=100, throttle_of=_throttle_of)
    assert len(calls) == 5  # max_attempts, then the throttling error reaches the caller
    for wait, step in zip(waits, [0.1, 0.2, 0.4, 0.8, 1.6], strict=True):  # doubling, jittered
        assert step / 2 <= wait <= step
    calls.clear()

    def broken() -> None:
        calls.append(1)
        raise ValueError("not throttling")

    with pytest.raises(ValueError):
        call_with_limit(AdaptiveLimit(4), broken, max_attempts=5, backoff_ms=100, throttle_of=_throttle_of)
    assert len(calls) == 1  # other errors are not retried here


def test_a_throttled_call_waits_its_turn_while_its_api_admits_others(monkeypatch):
    """Throttled answers while other calls of the API succeed do not use up the call's attempts: it is
    queued behind them at the API's rate, not failing. Each such retry needs another call to succeed."""
    monkeypatch.setattr(throttle, "backoff_seconds", lambda *a: 0.0)

    class BusyApi(AdaptiveLimit):
        def progress(self) -> int:  # every time the caller looks, others got through meanwhile
            self.others = getattr(self, "others", 0) + 1
            return self.others

    tries = []

    def busy_api() -> str:
        tries.append(1)
        if len(tries) <= 12:
            raise Throttled()
        return "ok"

    assert call_with_limit(BusyApi(4), busy_api, max_attempts=3, backoff_ms=1, throttle_of=_throttle_of) == "ok"
    assert len(tries) == 13
    tries.clear()
    with pytest.raises(Throttled):  # the same answers with nobody getting through: three strikes
        call_with_limit(AdaptiveLimit(4), busy_api, max_attempts=3, backoff_ms=1, throttle_of=_throttle_of)
    assert len(tries) == 3


def test_call_with_limit_waits_what_the_server_asks():
    answers = [Throttled(retry_after=150), Throttled(retry_after=150), "ok"]

    def flaky() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    start = time.monotonic()
    limit = AdaptiveLimit(8)
    assert call_with_limit(limit, flaky, max_attempts=5, backoff_ms=5, throttle_of=_throttle_of) == "ok"
    elapsed = time.monotonic() - start
    assert 0.3 <= elapsed < 1.0  # at least 2 x 150 ms as asked, and the backoff (5 ms) no longer
    assert limit.stats().throttled == 2 and limit.limit == 2 + 1 / 2  # 8 -> 4 -> 2, then one success


# --- a whole scan against the emulator's rate limits -------------------------------------------------

# the busiest API of each product in this account, limited well below what an unthrottled scan asks for (ECS:
# in each region, its limits being per region)
LIMITS = {"ram:ListAccessKeys": 6, "ecs:DescribeSecurityGroupAttribute": 2, "kms:DescribeKey": 2, "oss:GetBucketAcl": 2,
          "sls:GetLogStore": 2}
SDK_APIS = {"ram:ListAccessKeys": "ram:list_access_keys",
            "ecs:DescribeSecurityGroupAttribute": "ecs:describe_security_group_attribute",
            "kms:DescribeKey": "kms:describe_key", "sls:GetLogStore": "sls:get_logstore"}


def _scan(cloud) -> tuple[list, ClientFactory]:
    # the product's default retry settings (5 attempts, 200 ms first step): no test-only leniency
    factory = ClientFactory(StaticProvider(AUDITOR_AK, AUDITOR_SECRET),
                            EndpointSettings(protocol="http", proxy=cloud.url))
    return run_scan(factory, ScanRequest(account_id=ACCOUNT, regions=REGIONS)), factory


@pytest.mark.parametrize("retry_after_ms", [None, 300], ids=["backoff", "retry-after"])
def test_scan_under_rate_limits_completes_with_every_finding(cloud, admin, monkeypatch, retry_after_ms):
    data = world()
    for project in data["accounts"][0]["sls"]["projects"]:  # (one logstore a region was read slower than 2/s
        project["logstores"] += [{"name": f"audit-{n}", "ttl": 30} for n in range(5)]  # on a loaded machine)
    # (so were four buckets' ACLs, in a clean-clone CI run: enough buckets that their reads come faster than 2/s)
    data["accounts"][0]["oss"]["buckets"] += [{"name": f"extra-{n}", "region": "cn-hangzhou"} for n in range(8)]
    load(cloud, data)
    expected, _ = _scan(cloud)
    admin.faults(rate_limits=LIMITS, throttle_retry_after_ms=retry_after_ms)
    admin.request("DELETE", "calls")
    waits: list[tuple[float | None, float]] = []
    real = throttle.backoff_seconds

    def spy(backoff_ms: int, attempt: int, retry_after_ms: float | None = None) -> float:
        wait = real(backoff_ms, attempt, retry_after_ms)
        waits.append((retry_after_ms, wait))
        return wait

    monkeypatch.setattr(throttle, "backoff_seconds", spy)
    findings, factory = _scan(cloud)
    result = compare(expected, findings)
    assert result.same == len(expected) and not result.error and not result.collapsed  # nothing lost to throttling
    stats = admin.request("GET", "calls")
    for api in LIMITS:
        assert stats["throttled"].get(api, 0) >= 1, (api, stats["throttled"])
    limits = factory.limits.stats()
    # ECS's limits are per region (throttle.REGIONAL_QUOTAS): one adaptive limit per API and region
    assert {a.split("@")[1] for a in limits if a.startswith("ecs:")} >= {"cn-hangzhou"}
    # SLS's per project (throttle.quota_key): a logstore read uses its project's adaptive limit
    assert {a.split("@")[1] for a in limits if a.startswith("sls:get_logstore")} >= {
        f"project/{p['name']}" for p in data["accounts"][0]["sls"]["projects"]}
    by_api: dict[str, list] = {}
    for key, s in limits.items():
        by_api.setdefault(key.split("@")[0], []).append(s)
    for sdk_api in SDK_APIS.values():  # each throttled API was paced or its concurrency cut, the others' not
        assert any(s.throttled >= 1 and (s.rate is not None or s.minimum_seen < factory.settings.api_concurrency)
                   for s in by_api[sdk_api]), sdk_api
    assert all(s.throttled == 0 for a, ss in by_api.items() if a not in SDK_APIS.values() and not a.startswith("oss:")
               for s in ss)
    assert limits["oss:GET acl"].throttled >= 1
    pop_waits = [w for ra, w in waits if ra is not None]
    if retry_after_ms:  # the OpenAPI answers carried x-acs-retry-after: never retried sooner
        assert pop_waits and all(w >= retry_after_ms / 1000 for w in pop_waits)
    else:
        assert not pop_waits
