"""A settable clock: frozen at a scenario time, or real time plus an offset."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone


class Clock:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), tz=timezone.utc)

    def timestamp(self) -> float:
        return time.time() + self._offset

    def set(self, when: datetime) -> None:
        with self._lock:
            self._offset = when.timestamp() - time.time()

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds


def iso(dt: datetime) -> str:
    """The %Y-%m-%dT%H:%M:%SZ form STS, RAM and the credentials library use."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str | datetime) -> datetime:
    if isinstance(text, datetime):
        return text if text.tzinfo else text.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
