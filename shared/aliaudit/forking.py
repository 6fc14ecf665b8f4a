"""Whether this process may fork: a POSIX process running no other thread. A fork copies only the calling thread,
so a lock another thread held at that moment (logging's, an SDK pool's) would stay held forever in the child."""

from __future__ import annotations

import os
import threading


def can_fork() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1
