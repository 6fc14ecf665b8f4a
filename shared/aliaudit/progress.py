"""Progress of a scan: a live line on a terminal, plain lines otherwise (CI logs, pipes)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO


class Progress:
    def __init__(self, total_jobs: int, families: int, regions: int, *, stream: TextIO | None = None,
                 quiet: bool = False, calls: Callable[[], int] | None = None) -> None:
        self.calls = calls or (lambda: 0)
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.quiet = quiet
        self.total, self.families, self.regions = total_jobs, families, regions
        self.done = self.failed = 0
        self.started = time.monotonic()
        self._lock = threading.Lock()

    def __call__(self, event: str, data: dict[str, Any]) -> None:
        if self.quiet:
            return
        with self._lock:
            if event == "collected":
                self.done += 1
                self.failed += 0 if data["ok"] else 1
                line = (f"[{self.done}/{self.total}] {self.families} families x {self.regions} regions | "
                        f"{self.calls()} calls | collected {data['dataset']} in {data['region']}"
                        + ("" if data["ok"] else " (ERROR)") + f" | {time.monotonic() - self.started:.1f}s")
                if self.tty:
                    self.stream.write("\r\033[K" + line)
                else:
                    self.stream.write(line + "\n")
            elif event == "total":  # the plan's count, corrected once it is known where products are offered
                self.total = data["total"]
            elif event == "checked":
                if self.tty:
                    self.stream.write(f"\r\033[Kchecking: {data['findings']} findings so far")
            elif event == "done":
                end = f"collected {self.done} datasets ({self.failed} failed) with {self.calls()} calls, " \
                      f"{data['findings']} findings, {time.monotonic() - self.started:.1f}s"
                self.stream.write(("\r\033[K" if self.tty else "") + end + "\n")
            self.stream.flush()
