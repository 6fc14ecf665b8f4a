"""Whether this process may fork: a POSIX process running no other thread. A fork copies only the calling thread,
so a lock another thread held at that moment (logging's, an SDK pool's) would stay held forever in the child. And
how many cores the processes it starts can share."""

from __future__ import annotations

import os
import threading


def can_fork() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1


def cores() -> int:
    """The cores this process may use (its affinity: a container's CPU set), not the machine's."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1
