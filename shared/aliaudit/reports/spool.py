"""Findings spooled to disk as they are produced: a temporary file of JSON lines, one finding a line, that
the reports read back as often as they need, parsed lazily one finding at a time. No process holds every
finding of a large account (133,000 of them take gigabytes as objects); the counts the exit code needs are
kept as findings arrive.

Findings are added in chunks (one check in one region, one worker's part). Each chunk may carry an order
key: reading gives the chunks ordered by key, then by arrival, so a scan that runs its checks in whatever
order their data arrives still reports them in the order of its checks and regions."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from ..findings import Finding, Status


class Spool:
    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        fd, self.path = tempfile.mkstemp(prefix="aliaudit-findings-", suffix=".jsonl", dir=directory)
        self._out = os.fdopen(fd, "wb")
        self._chunks: list[tuple[tuple[Any, ...], int, int, int]] = []  # (order key, arrival, offset, count)
        self._end = 0
        self.total = 0
        self.status: Counter[str] = Counter()
        self.unmuted_fail = 0

    def add(self, findings: Iterable[Finding], key: tuple[Any, ...] = ()) -> int:
        """Append the findings as one chunk (read back by key, then arrival); how many were added."""
        start, count = self._end, 0
        write = self._out.write
        for f in findings:
            write(f.model_dump_json().encode())
            write(b"\n")
            count += 1
            self.status[f.status.value] += 1
            if f.status == Status.FAIL and not f.muted:
                self.unmuted_fail += 1
        if count:
            self._end = self._out.tell()
            self._chunks.append((key, len(self._chunks), start, count))
            self.total += count
        return count

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """Everything added within the block, or (on an exception, re-raised) none of it."""
        state = (len(self._chunks), self._end, self.total, Counter(self.status), self.unmuted_fail)
        try:
            yield
        except BaseException:
            chunks, self._end, self.total, self.status, self.unmuted_fail = state
            del self._chunks[chunks:]
            self._out.seek(self._end)
            self._out.truncate()
            raise

    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Iterator[Finding]:
        """Every finding, parsed one at a time; each iteration reads the file anew."""
        for line in self.lines():
            yield Finding.model_validate_json(line)

    def lines(self) -> Iterator[bytes]:
        """Every finding's JSON line as stored (newline included), in the same order, unparsed."""
        return read_lines(self.path, self.layout())

    def flush(self) -> None:
        """Everything added is in the file (for a reader elsewhere, or before a fork: a child must not inherit,
        and write again, a buffer)."""
        self._out.flush()

    def layout(self) -> list[tuple[int, int]]:
        """Where the findings are, in reading order: (offset, count) of each chunk, for read_lines (another
        process can read the spool from its path and this, while this one is open)."""
        self.flush()
        return [(offset, count) for _key, _n, offset, count in sorted(self._chunks)]

    def close(self) -> None:
        if not self._out.closed:
            self._out.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_lines(path: str, layout: list[tuple[int, int]]) -> Iterator[bytes]:
    """A spool's lines (Spool.lines) read from its file and layout."""
    with open(path, "rb") as fh:
        for offset, count in layout:
            fh.seek(offset)
            for _ in range(count):
                yield fh.readline()
