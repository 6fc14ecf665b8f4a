"""Whether this process may fork: a POSIX process running no other thread. A fork copies only the calling thread,
so a lock another thread held at that moment (logging's, an SDK pool's) would stay held forever in the child. And
how many cores the processes it starts can share."""

from __future__ import annotations

import os
import threading


def can_fork() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1


def forks() -> bool:
    """Whether a multiprocessing child started here would be forked from this process: where the fork start method
    exists (POSIX) and can_fork. It then starts in a few milliseconds with what this process has imported (the scan
    engine, the OpenAPI core, the SDKs of the first pages) instead of a new interpreter's import of everything."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods() and can_fork()


def cores() -> int:
    """The cores this process may use (its affinity: a container's CPU set), not the machine's."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1
