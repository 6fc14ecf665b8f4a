"""A large JSON array written and read one item at a time (latest/findings.json holds every finding of the
account): written from items already serialised (a spool's lines), read from byte chunks as they arrive."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

MAX_ITEM = 8 << 20  # characters one item may take: a longer run without a complete item is not our file


def write_array(out: BinaryIO, items: Iterable[bytes]) -> int:
    """A JSON array of the items (each one JSON value, as bytes, a trailing newline allowed), one item a line;
    how many. Nothing is parsed or rendered again: a finding's line from the spool is copied as it is."""
    n = 0
    for item in items:
        out.write(b",\n" if n else b"[\n")
        out.write(item.rstrip(b"\n"))
        n += 1
    out.write(b"\n]\n" if n else b"[]\n")
    return n


def array_items(chunks: Iterable[bytes]) -> Iterator[Any]:
    """The items of a JSON array read from UTF-8 byte chunks, each as soon as it is complete; ValueError (a
    JSONDecodeError for bad JSON) when the text is not one JSON array."""
    decoder = json.JSONDecoder()
    text = codecs.getincrementaldecoder("utf-8")()
    buf, pos = "", 0
    state = "start"  # start -> item (after '[' or ',') -> next (after an item) -> end (after ']')
    chunks = iter(chunks)
    final = False
    retry_at = 0  # characters from pos an incomplete item needs before it is decoded again
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
                if not final and len(buf) - pos < retry_at:
                    break  # (an incomplete item is decoded again once its text has doubled: linear time in all)
                try:
                    item, end = decoder.raw_decode(buf, pos)
                except json.JSONDecodeError:
                    if final:
                        raise
                    retry_at = 2 * (len(buf) - pos)
                    break  # not complete yet: wait for more
                except RecursionError:  # (nested past the interpreter's limit)
                    raise ValueError("an item of the JSON array is nested too deeply") from None
                if end == len(buf) and not final:
                    retry_at = len(buf) - pos + 1
                    break  # (a number could go on in the next chunk)
                yield item
                state, pos, retry_at = "next", end, 0
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
