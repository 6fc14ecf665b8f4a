"""A large JSON array written and read one item at a time (latest/findings.json holds every finding of the
account): written exactly as json.dumps(items, indent=1) would, read from byte chunks as they arrive."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring_ascii as _str  # what json.dumps uses for strings (ensure_ascii)
from typing import Any, TextIO

MAX_ITEM = 8 << 20  # characters one item may take: a longer run without a complete item is not our file


class ArrayWriter:
    """json.dumps(items, indent=1), byte for byte, one item at a time: add() each, then close()."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.n = 0

    def add(self, item: Any) -> None:
        self.out.write(",\n " if self.n else "[\n ")
        self.out.write(indented(item, 1))
        self.n += 1

    def close(self) -> None:
        self.out.write("\n]" if self.n else "[]")


def indented(value: Any, level: int = 0) -> str:
    """value as json.dumps(value, indent=1) renders it nested `level` deep (strings, numbers, booleans, None,
    lists and dicts with string keys)."""
    if isinstance(value, str):
        return _str(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        if not value:
            return "{}"
        pad = " " * (level + 1)
        # (strings inline: a finding is mostly strings, and this runs for every finding of the account)
        body = ",\n".join(f"{pad}{_str(k)}: {_str(v) if type(v) is str else indented(v, level + 1)}"
                           for k, v in value.items())
        return f"{{\n{body}\n{' ' * level}}}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        pad = " " * (level + 1)
        body = ",\n".join(pad + indented(v, level + 1) for v in value)
        return f"[\n{body}\n{' ' * level}]"
    return json.dumps(value)  # numbers


def array_items(chunks: Iterable[bytes]) -> Iterator[Any]:
    """The items of a JSON array read from UTF-8 byte chunks, each as soon as it is complete; ValueError (a
    JSONDecodeError for bad JSON) when the text is not one JSON array."""
    decoder = json.JSONDecoder()
    text = codecs.getincrementaldecoder("utf-8")()
    buf, pos = "", 0
    state = "start"  # start -> item (after '[' or ',') -> next (after an item) -> end (after ']')
    chunks = iter(chunks)
    final = False
    while True:
        data = next(chunks, None)
        if data is None:
            final = True
        buf = buf[pos:] + text.decode(data or b"", final=final)
        pos = 0
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n":
                pos += 1
            if pos == len(buf):
                break
            ch = buf[pos]
            if state == "start":
                if ch != "[":
                    raise ValueError("not a JSON array")
                state, pos = "first", pos + 1
            elif state in ("first", "item"):
                if state == "first" and ch == "]":
                    state, pos = "end", pos + 1
                    continue
                try:
                    item, end = decoder.raw_decode(buf, pos)
                except json.JSONDecodeError:
                    if final:
                        raise
                    break  # not complete yet: wait for more
                if end == len(buf) and not final:
                    break  # (a number could go on in the next chunk)
                yield item
                state, pos = "next", end
            elif state == "next":
                if ch == ",":
                    state, pos = "item", pos + 1
                elif ch == "]":
                    state, pos = "end", pos + 1
                else:
                    raise ValueError(f"expected ',' or ']' in the JSON array, found {ch!r}")
            else:
                raise ValueError("text after the end of the JSON array")
        if len(buf) - pos > MAX_ITEM:
            raise ValueError(f"an item of the JSON array is longer than {MAX_ITEM} characters")
        if final:
            if state != "end":
                raise ValueError("the JSON array is truncated")
            return
