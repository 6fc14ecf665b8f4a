"""Living with the cloud's per-API rate limits: an adaptive (AIMD) concurrency limit per API and the
retry delay (exponential backoff with equal jitter, never less than the server's retry-after).

Each API ("ram:list_users", "oss:GET acl", "sls:get_logstore") gets its own limit: it starts at the
configured maximum, halves when the API answers "throttled" and grows back by one slot per window of
successes. A throttled answer also teaches the API's rate: the calls that succeeded in the second before it
are what the cloud admits per second (its limits are per second), so from then on calls are paced at that
rate, probing slowly upwards, instead of bursting into the limit and backing off (which wastes the quota
for the whole backoff). When the server names a retry-after, every caller of the API pauses that long. A
call gives up after max_attempts throttled answers in a row that found its API admitting nobody
(ThrottleBudget).
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

# Products whose rate limits apply per region, so each region's calls get their own adaptive limit: ECS
# ("Region-specific throttling thresholds are set for different API operations ... calls to this API operation
# in other regions are not affected": ECS "API throttling",
# https://www.alibabacloud.com/help/en/elastic-compute-service/latest/api-throttling). The other products
# document no scope: one limit per API, across regions (pacing them per region could exceed an account-wide quota).
REGIONAL_QUOTAS = frozenset({"ecs"})
# Log Service limits per project ("Hard limits apply at the project level": SLS "Basic resource limits",
# https://www.alibabacloud.com/help/en/sls/basic-resources): a project's calls get their own limit
# (clients_log.RetryingLogClient), so one busy project does not slow the others down.

BACKOFF_CAP_MS = 10_000
MAX_RETRY_AFTER_MS = 20_000  # never trust a retry-after longer than this


def backoff_seconds(backoff_ms: int, attempt: int, retry_after_ms: float | None = None) -> float:
    """The wait before retrying after `attempt` failed tries: exponential backoff (backoff_ms, doubling,
    capped) with equal jitter (half fixed, half random), and never less than the server's retry-after when it
    sent one (itself capped): the server knows when its quota refills, the backoff keeps growing when it
    does not."""
    step = min(backoff_ms * 2 ** max(attempt - 1, 0), BACKOFF_CAP_MS) / 1000
    wait = step / 2 + random.uniform(0, step / 2)  # jitter spreads retries apart; not crypto
    if retry_after_ms is not None and retry_after_ms >= 0:
        wait = max(wait, min(float(retry_after_ms), MAX_RETRY_AFTER_MS) / 1000)
    return wait


@dataclass
class LimitStats:
    limit: float
    minimum_seen: float
    throttled: int
    succeeded: int
    rate: float | None = None  # the pace learned from throttling, calls per second


class AdaptiveLimit:
    """One API's limits: at most int(limit) calls in flight (+1/limit per success) and, once a throttled answer
    taught it, a pace (rate calls/s, probing upwards). A throttled answer (once per round of calls, so one
    burst counts once) sets the pace to the calls that succeeded in the second before; with none, it halves
    the calls in flight instead."""

    def __init__(self, maximum: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.maximum = max(1, maximum)
        self.limit = float(self.maximum)
        self.minimum_seen = self.limit
        self.in_flight = 0
        self.throttled = 0
        self.succeeded = 0
        self._round = 0  # bumped on every decrease: answers to calls sent before it do not decrease again
        self._resume_at = 0.0  # the API is paused until then (monotonic seconds)
        self.rate: float | None = None  # calls per second learned from throttling; None = not paced
        self._next_send = 0.0  # paced: the earliest time the next call may start
        self._ok_times: deque[float] = deque()  # when the calls of the last second succeeded
        self._clock = clock
        # Three waits on one lock, so that no release or send wakes every waiting caller to let one through (with a
        # few dozen callers of a paced API that herd cost 1-4 ms of CPU a call): `_cond` holds the callers waiting
        # for a slot in flight (a release wakes as many as there are free slots); `_turn` those waiting for their
        # turn at the pace (each paced send wakes the next); `_timer` those waiting for a time, each woken by its
        # own timeout: the end of a pause, or the pace's next send time, which one caller at most (`_pacer`) waits for.
        lock = threading.Lock()
        self._cond = threading.Condition(lock)
        self._turn = threading.Condition(lock)
        self._timer = threading.Condition(lock)
        self._pacer = False

    def acquire(self) -> int:
        """Wait for a free slot (and for any pause to end, and for the pace's next send time); returns the round the
        call is sent in."""
        with self._cond:
            while True:
                now = self._clock()
                if self._resume_at > now:
                    self._timer.wait(self._resume_at - now)
                    continue
                if self.in_flight >= int(self.limit):
                    self._cond.wait()
                    continue
                if self.rate is not None:
                    if self._next_send > now:
                        if self._pacer:  # another caller waits for that time: this one's turn comes after it
                            self._turn.wait()
                        else:
                            self._pacer = True
                            self._timer.wait(self._next_send - now)
                            self._pacer = False
                        continue
                    self._next_send = max(self._next_send, now - 0.05) + 1 / self.rate
                    self._turn.notify()  # the next caller in turn waits for the next send time
                self.in_flight += 1
                return self._round

    def release(self, sent_round: int, *, throttled: bool = False, ok: bool = True, pause: float = 0.0) -> None:
        """A call ended: throttled (decrease and pause), ok (increase), or failed otherwise (no signal)."""
        with self._cond:
            self.in_flight -= 1
            now = self._clock()
            while self._ok_times and now - self._ok_times[0] > 1.0:
                self._ok_times.popleft()
            if throttled:
                self.throttled += 1
                if sent_round == self._round:
                    self._round += 1
                    admitted = len(self._ok_times)  # what the cloud let through in the last second
                    if admitted:  # pace at that rate; the calls in flight need no cut then
                        self.rate = max(float(admitted), (self.rate or 0) / 2)
                    else:  # nothing got through lately: fewer calls at once until something does
                        self.limit = max(1.0, self.limit / 2)
                        self.minimum_seen = min(self.minimum_seen, self.limit)
                self._resume_at = max(self._resume_at, now + pause)
            elif ok:
                self.succeeded += 1
                self.limit = min(float(self.maximum), self.limit + 1 / self.limit)
                self._ok_times.append(now)
                if self.rate is not None:
                    self.rate += 1 / self.rate  # probe upwards: about +1 call/s every second
            free = int(self.limit) - self.in_flight
            if free > 0:
                self._cond.notify(free)

    def stats(self) -> LimitStats:
        with self._cond:
            return LimitStats(self.limit, self.minimum_seen, self.throttled, self.succeeded, self.rate)

    def progress(self) -> int:
        """Calls that succeeded so far: a throttled caller whose API still admits others is queued, not failing."""
        with self._cond:
            return self.succeeded


class ThrottleBudget:
    """How many throttled answers one call takes before giving up: max_attempts "strikes" in a row, answers
    after which the API had admitted no call since the caller's previous try (its backoff grows with them).
    A throttled answer while other calls of the API succeed only means the caller waits its turn at the API's
    rate: the strikes start over. That is bounded too (each start-over needs another call of the API to
    succeed), so a call's tries are at most max_attempts times the API's other calls plus one."""

    def __init__(self, limit: AdaptiveLimit, max_attempts: int) -> None:
        self.limit, self.max_attempts = limit, max_attempts
        self.attempts = 0  # every throttled answer
        self.strikes = 0  # throttled answers in a row without progress of the API: the backoff grows with them
        self._seen = limit.progress()

    def exhausted(self) -> bool:
        """Count one throttled answer; True when the call should give up."""
        self.attempts += 1
        now = self.limit.progress()
        self.strikes = self.strikes + 1 if now == self._seen else 0
        self._seen = now
        return self.strikes >= self.max_attempts


class ApiLimits:
    """One AdaptiveLimit per API key, created on first use; safe to share between threads."""

    def __init__(self, maximum: int) -> None:
        self.maximum = maximum
        self._lock = threading.Lock()
        self._limits: dict[str, AdaptiveLimit] = {}

    def get(self, api: str) -> AdaptiveLimit:
        with self._lock:
            limit = self._limits.get(api)
            if limit is None:
                limit = self._limits[api] = AdaptiveLimit(self.maximum)
            return limit

    def stats(self) -> dict[str, LimitStats]:
        with self._lock:
            items = list(self._limits.items())
        return {api: limit.stats() for api, limit in items}


def quota_key(product: str, method: str, region: str, project: str = "") -> str:
    """The key of an API's adaptive limit: "product:method", "...@region" for REGIONAL_QUOTAS, "...@project/<name>"
    for a call addressed to a Log Service project."""
    api = f"{product}:{method}"
    if project:
        return f"{api}@project/{project}"
    return f"{api}@{region}" if product in REGIONAL_QUOTAS else api


def call_with_limit(limit: AdaptiveLimit, fn: Callable[[], object], *, max_attempts: int, backoff_ms: int,
                    throttle_of: Callable[[BaseException], tuple[bool, float | None]]) -> object:
    """Call fn within the API's limit, retrying throttled answers (ThrottleBudget; waits: backoff_seconds).
    throttle_of(err) -> (is it throttling, retry-after in ms or None); other errors
    propagate at once (the SDK's own policy retried them already)."""
    budget = ThrottleBudget(limit, max_attempts)
    while True:
        sent = limit.acquire()
        try:
            result = fn()
        except BaseException as err:
            throttled, retry_after = throttle_of(err)
            if not throttled:
                limit.release(sent, ok=False)
                raise
            give_up = budget.exhausted()
            delay = backoff_seconds(backoff_ms, budget.strikes, retry_after)
            # the server's retry-after holds every caller back; without one the learned pace does
            limit.release(sent, throttled=True, ok=False, pause=delay if retry_after is not None else 0.0)
            if give_up:
                raise
            time.sleep(delay)  # our own wait; the pause above holds back the API's other callers too
            continue
        limit.release(sent)
        return result
