"""JSON documents that arrive as text inside API answers (a role's trust policy, a control policy, an access point
policy), parsed within a bound: the cloud caps these documents at a few KiB (RAM trust policy 2,048 characters,
control policy 4,096, OSS policies 16 KiB), so a much longer text is not parsed but refused, as the resource's ERROR,
and so is a document nested deeper than any policy is (json's recursion would otherwise decide)."""

from __future__ import annotations

import json
from typing import Any

MAX_CHARS = 64 * 1024  # four times the largest documented policy size
MAX_DEPTH = 32  # a policy nests Statement > Condition > operator > key > values: six levels


def _depth(text: str) -> int:
    """The deepest bracket nesting outside strings (linear, no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def load_object(text: str | None, what: str) -> dict[str, Any] | None:
    """The JSON object in `text` (None when the text is empty); ValueError, naming `what`, when the text is longer
    than MAX_CHARS, nested deeper than MAX_DEPTH, not JSON or not an object."""
    if not text:
        return None
    if len(text) > MAX_CHARS:
        raise ValueError(f"{what} has {len(text):,} characters, more than the {MAX_CHARS:,} a policy document may "
                         "have here: not parsed")
    if _depth(text) > MAX_DEPTH:
        raise ValueError(f"{what} nests deeper than {MAX_DEPTH} levels: not parsed")
    doc = json.loads(text)
    if not isinstance(doc, dict):
        raise ValueError(f"{what} is not a JSON object")
    return doc
