"""Faults on demand: latency, a fraction of slow calls, per-API rate limits (Throttling), a fraction of 5xx,
regions down."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import NamedTuple

from .call import Call
from .errors import ApiError

_THROTTLE = {
    "pop": ("Throttling.User", 400, "Request was denied due to user flow control."),
    # OSS's management APIs (ListBuckets, bucket configuration): the object APIs' answer is OBJECT_THROTTLE
    # ("HTTP status code 503", https://www.alibabacloud.com/help/en/oss/support/http-status-code-503)
    "oss": ("MetaOperationQpsLimitExceeded", 503, "Qps limit for the meta operation is exceeded"),
    # SLS's management APIs (projects, logstores, indexes, alerts); PutLogs and GetLogs answer SLS_DATA_THROTTLE
    # (SLS "Error codes", https://help.aliyun.com/zh/sls/developer-reference/error-codes)
    "sls": ("MetaOperationQpsLimitExceeded", 403, "Qps limit for the meta operation is exceeded."),
}


# Products whose rate limits apply per region: an API's calls in one region do not use another region's quota.
# ECS: "Region-specific throttling thresholds are set for different API operations ... calls to this API
# operation in other regions are not affected" (ECS "API throttling",
# https://www.alibabacloud.com/help/en/elastic-compute-service/latest/api-throttling, doc-detail/437902). The
# other products' pages name no scope: their limits stay per account (the stricter reading).
REGIONAL_LIMITS = frozenset({"ecs"})
# Log Service's limits apply per project: "Hard limits apply at the project level" (SLS "Basic resource limits",
# https://www.alibabacloud.com/help/en/sls/basic-resources): a call addressed to a project (its Host
# <project>.<region>.log.aliyuncs.com) counts against that project's quota; account-level calls (ListProject)
# against the account's. The product names the scope (RestApi.quota).
# OSS limits the total QPS of an account's object requests: 10,000, 2,000 where keys share a sequential prefix (OSS
# "Limits", https://www.alibabacloud.com/help/en/oss/user-guide/limits, and "0004-00000302"): its object APIs share
# one quota, "oss:object", answered beyond with TotalQpsLimitExceeded (the 503 page above).
OBJECT_THROTTLE = ("TotalQpsLimitExceeded", 503, "Max total qps limit is exceeded")
SLS_DATA_THROTTLE = {"PutLogs": ("WriteQuotaExceed", 403, "Write quota is exceeded."),
                     "GetLogs": ("ReadQuotaExceed", 403, "Read quota is exceeded.")}


class Quota(NamedTuple):
    """The rate limit a call uses: its name in the limits ("" for the call's own "product:Action"), the resource it
    is counted per ("" for the account, or its region: REGIONAL_LIMITS), and the answer beyond it (None: the
    product's style's)."""

    name: str = ""
    scope: str = ""
    answer: tuple[str, int, str] | None = None


class RateLimiter:
    """A sliding one-second window per (account, API), per region too for REGIONAL_LIMITS and per project for
    SLS: calls beyond the limit are throttled."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, deque[float]] = {}

    def admit(self, key: str, limit: float) -> bool:
        now = time.monotonic()
        with self._lock:
            window = self._windows.setdefault(key, deque())
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= limit:
                return False
            window.append(now)
            return True

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()


def quota_key(api: str, region: str, scope: str = "") -> str:
    """The API's quota: "product:Action", with "@region" for a product limited per region (REGIONAL_LIMITS), or
    "@<scope>" where the product limits per resource (an SLS project)."""
    if scope:
        return f"{api}@{scope}"
    return f"{api}@{region}" if region and api.split(":", 1)[0] in REGIONAL_LIMITS else api


def limit_for(rate_limits: dict[str, float], api: str) -> float | None:
    """The limit of an API or a quota key (quota_key: its "@region" does not change the limit)."""
    api = api.split("@", 1)[0]
    product = api.split(":")[0]
    for key in (api, f"{product}:*", "*"):
        if key in rate_limits:
            return rate_limits[key]
    return None


def delay(call: Call) -> float:
    """Seconds the answer to this call is held back: every call's latency, and a slow call's slow_ms more (the client
    may time out while the call completes here). The server holds the answer (server.py): no thread sleeps for it."""
    world = call.world
    faults = world.scenario.faults
    seconds = faults.latency_ms / 1000
    if faults.slow_rate:
        with world.lock:
            slow = world.rng.random() < faults.slow_rate
        if slow:
            seconds += faults.slow_ms / 1000
    return seconds


def reset(call: Call, api: str) -> bool:
    """Whether this served call's connection is closed without its answer (Faults.resets, counted down)."""
    world = call.world
    with world.lock:
        left = world.scenario.faults.resets.get(api, 0)
        if left > 0:
            world.scenario.faults.resets[api] = left - 1
        return left > 0


def apply(call: Call, style: str, limiter: RateLimiter, quota: Quota | None = None) -> None:
    """Raise the fault this call meets, if any (after authentication, as the cloud does). quota: the rate limit the
    product says the call uses (its API's own, per account, unless it names another)."""
    world = call.world
    faults = world.scenario.faults
    api = f"{call.product}:{call.op.name if call.op else '?'}"
    if call.region and call.region in faults.regions_down:
        raise ApiError("ServiceUnavailable", f"The region {call.region} is temporarily unavailable.", 503)
    quota = quota or Quota()
    limited = quota.name or api
    limit = limit_for(faults.rate_limits, limited)
    account = call.account.id if call.account else "-"
    key = f"{account}/{quota_key(limited, call.region, quota.scope)}"
    if limit is not None and not limiter.admit(key, limit):
        with world.lock:
            world.throttled[api] += 1
        code, status, message = quota.answer or _THROTTLE[style]
        raise ApiError(code, message, status, retry_after_ms=faults.throttle_retry_after_ms)
    with world.lock:  # the benchmark's lower bound needs the calls per quota (account, and region where it counts)
        world.admitted[key] += 1
        now = time.time()
        world.spans.setdefault(api, [now, now])[1] = now
    if faults.error_rate:
        with world.lock:
            hit = world.rng.random() < faults.error_rate
        if hit:
            raise ApiError("ServiceUnavailable" if style != "sls" else "InternalServerError",
                           "The request has failed due to a temporary failure of the server.", 503)
