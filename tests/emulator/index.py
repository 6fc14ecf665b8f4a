"""Lookups by name in the scenario's lists without scanning them: a name -> position map, checked on every
hit and rebuilt when stale. Handlers append to and remove from the lists directly, so the map is never
trusted: a hit counts only if the item at that position still has that name (one comparison); otherwise
one scan rebuilds the map. Large generated accounts (generate.py) make per-call scans the emulator's cost."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def find(items: Sequence[T], key: str, index: dict[str, int], key_of: Callable[[T], str]) -> T | None:
    pos = index.get(key)
    if pos is not None and pos < len(items) and key_of(items[pos]) == key:
        return items[pos]
    index.clear()
    for n in range(len(items) - 1, -1, -1):  # backwards, so the first of equal keys wins, as a scan would
        index[key_of(items[n])] = n
    pos = index.get(key)
    return items[pos] if pos is not None else None
