"""Living with the cloud's per-API rate limits: an adaptive (AIMD) concurrency limit per API and the
retry delay (exponential backoff with equal jitter, never less than the server's retry-after).

Each API ("ram:list_users", "oss:GET acl", "sls:get_logstore") gets its own limit: it starts at the
configured maximum, halves when the API answers "throttled" and grows back by one slot per window of
successes. While an API is throttled every caller of it pauses for the delay the throttled call has to
wait (the backoff, at least the server's retry-after), so retries do not keep the API saturated. A call
gives up after max_attempts throttled answers in a row that found its API admitting nobody (ThrottleBudget).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

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


class AdaptiveLimit:
    """AIMD concurrency limit for one API: at most int(limit) calls in flight; halved on throttling (once
    per round of calls, so one burst of throttled answers counts once), +1/limit per success."""

    def __init__(self, maximum: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.maximum = max(1, maximum)
        self.limit = float(self.maximum)
        self.minimum_seen = self.limit
        self.in_flight = 0
        self.throttled = 0
        self.succeeded = 0
        self._round = 0  # bumped on every decrease: answers to calls sent before it do not decrease again
        self._resume_at = 0.0  # the API is paused until then (monotonic seconds)
        self._clock = clock
        self._cond = threading.Condition()

    def acquire(self) -> int:
        """Wait for a free slot (and for any pause to end); returns the round the call is sent in."""
        with self._cond:
            while True:
                wait = self._resume_at - self._clock()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                if self.in_flight < int(self.limit):
                    self.in_flight += 1
                    return self._round
                self._cond.wait()

    def release(self, sent_round: int, *, throttled: bool = False, ok: bool = True, pause: float = 0.0) -> None:
        """A call ended: throttled (decrease and pause), ok (increase), or failed otherwise (no signal)."""
        with self._cond:
            self.in_flight -= 1
            if throttled:
                self.throttled += 1
                if sent_round == self._round:
                    self.limit = max(1.0, self.limit / 2)
                    self.minimum_seen = min(self.minimum_seen, self.limit)
                    self._round += 1
                self._resume_at = max(self._resume_at, self._clock() + pause)
            elif ok:
                self.succeeded += 1
                self.limit = min(float(self.maximum), self.limit + 1 / self.limit)
            self._cond.notify_all()

    def stats(self) -> LimitStats:
        with self._cond:
            return LimitStats(self.limit, self.minimum_seen, self.throttled, self.succeeded)

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
            limit.release(sent, throttled=True, ok=False, pause=delay)
            if give_up:
                raise
            time.sleep(delay)  # our own wait; the pause above holds back the API's other callers too
            continue
        limit.release(sent)
        return result
