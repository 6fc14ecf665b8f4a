"""The log storage of the security services' Log Service integration, the last step of CIS 2.6, 2.7 and 2.8's audits
("Ensure the log volume usage indicator is sufficient for log storage" / "is not exhausted"). Each service answers its
logstore's capacity and use in bytes: Anti-DDoS Proxy DescribeSlsLogstoreInfo, WAF 3.0 DescribeSlsLogStore, Cloud
Firewall DescribeLogStoreInfo (Quota, Used; integers in the SDK models); Security Center in GB (DescribeLogstoreStorage
Preserve, Used; CIS 2.9 asks the same). Quota is the logstore's capacity (WAF 3.0:
"The capacity of the Logstore", its sample 3 TiB; Anti-DDoS "the available log storage capacity"; Cloud Firewall's
reading is its collector's): when Used reaches it, "logs cannot be recorded ... resulting in the loss of important
security event information" (WAF 3.0, "What if the WAF log capacity is full"). Used lags about two hours ("The
statistics on Log Service are delayed for about two hours")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import apierrors
from .datasets import Record
from .findings import Status


class LogVolume(Record):
    quota: int | None = None  # bytes; None when not answered
    used: int | None = None
    error: str | None = None  # the read failed


def _number(value: Any, scale: int = 1) -> int | None:
    """A count of bytes from a number (the SDK models declare integers; Security Center's XML sample shows a used
    size of 335.14641880244 GB); anything else is not answered."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value * scale)


def of(quota: Any, used: Any) -> LogVolume:
    """A capacity and its use, in bytes as answered."""
    return LogVolume(quota=_number(quota), used=_number(used))


def read(body: Any) -> LogVolume:
    """Quota and Used (bytes) of an answer."""
    return of(getattr(body, "quota", None), getattr(body, "used", None))


def ask(answer: Callable[[], LogVolume]) -> LogVolume:
    """The storage one call reads (answer: the call and its reading); a failed call is the volume's error (ERROR)."""
    try:
        return answer()
    except Exception as err:
        return LogVolume(error=apierrors.describe(err))


def read_gigabytes(purchased: Any, used: Any) -> LogVolume:
    """Security Center's DescribeLogstoreStorage: Preserve, "The purchased log storage capacity, in GB", and Used."""
    return LogVolume(quota=_number(purchased, 1 << 30), used=_number(used, 1 << 30))


def worst(volumes: list[LogVolume]) -> LogVolume:
    """One volume for several logstores: an exhausted one, else one that could not be read, else the fullest."""
    for status in (Status.FAIL, Status.ERROR):
        for v in volumes:
            found = problem(v)
            if found and found[0] is status:
                return v
    return max(volumes, key=lambda v: (v.used or 0) / v.quota if v.quota else 0.0)


def _size(n: int) -> str:
    for unit, scale in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def problem(volume: LogVolume | None) -> tuple[Status, str] | None:
    """FAIL when the storage is exhausted (Used at or past Quota, or no capacity), ERROR when it could not be read;
    None when there is room (or the volume was not asked)."""
    if volume is None:
        return None
    if volume.error:
        return Status.ERROR, f"could not read the log storage usage: {volume.error}"
    if volume.quota is None or volume.used is None:
        return Status.ERROR, "the log storage usage (Quota, Used) was not answered"
    if volume.quota <= 0 or volume.used >= volume.quota:
        return Status.FAIL, (f"the log storage is exhausted ({_size(volume.used)} used of {_size(volume.quota)}): "
                             "new logs are not kept")
    return None


def usage(volume: LogVolume | None) -> str:
    """'; log storage 1.2% used (40.0 GiB of 3.0 TiB)' for a PASS message, '' when not read."""
    if volume is None or volume.quota is None or volume.used is None or volume.quota <= 0:
        return ""
    return (f"; log storage {100 * volume.used / volume.quota:.1f}% used ({_size(volume.used)} of "
            f"{_size(volume.quota)})")
