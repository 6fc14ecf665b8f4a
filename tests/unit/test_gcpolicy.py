"""The scan processes' garbage-collector settings: applied once per process (a Function Compute instance runs many
invocations, whose leftovers must stay collectable), again in a forked child."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import gc, os
from aliaudit import gcpolicy
gcpolicy.for_scan_process()
frozen = gc.get_freeze_count()
leftovers = [[] for _ in range(1000)]
gcpolicy.for_scan_process()  # a second invocation in the same instance freezes nothing more
print(gc.get_threshold() == gcpolicy.THRESHOLDS, frozen > 0, gc.get_freeze_count() == frozen)
pid = os.fork()
if pid == 0:
    gcpolicy.for_scan_process()  # a forked child is a process of its own
    print(gc.get_freeze_count() > frozen, flush=True)
    os._exit(0)
os.waitpid(pid, 0)
"""


def test_the_collector_is_tuned_once_per_process_and_again_in_a_forked_child():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "True", "True", "True"]
