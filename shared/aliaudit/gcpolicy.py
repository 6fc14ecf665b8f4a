"""The garbage collector's settings for a process that scans.

A scan allocates millions of short-lived objects (parsed answers, models, findings) and keeps a large heap of
long-lived ones (the imported SDKs, the collected datasets). With CPython's default thresholds (a young
collection every 700 allocations) the collector kept re-examining that heap: 4-5% of the ECS family's CPU at the
benchmark's full size, on the critical path of the scan. Reference counting frees almost everything; the collector
is only needed for cycles, which a scan makes few of.
"""

from __future__ import annotations

import gc
import os

# young collections every 200,000 allocations instead of 700: a cycle's garbage waits a little longer (a few MB
# at most); the older generations keep CPython's ratios and its rule of collecting the oldest only when it grew
# by a quarter
THRESHOLDS = (200_000, 10, 10)
_tuned_in: int | None = None  # the process (id) tuned: a forked child tunes itself again


def for_scan_process() -> None:
    """Call once, when the process starts scanning, after its imports: what exists then (modules, the scan
    engine) lives as long as the process, so the collector stops examining it (gc.freeze), and a forked child
    never writes to those shared pages just to examine them. Once per process: a Function Compute instance runs
    many invocations, whose leftovers must stay collectable."""
    global _tuned_in
    if _tuned_in == os.getpid():
        return
    _tuned_in = os.getpid()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
