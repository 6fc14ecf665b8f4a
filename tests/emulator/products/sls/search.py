"""GetLogs' search syntax (before '|'): the logstore's index (tokens, typed keys) and the search parser.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...errors import ApiError

if TYPE_CHECKING:
    pass


_DEFAULT_TOKENS = set(", '\";=()[]{}?@&<>/:\n\t\r")
_SYSTEM_FIELDS = ("__time__", "__source__", "__topic__")
Row = dict[str, Any]
Predicate = Callable[[Row], bool]


def _is_system(key: str) -> bool:
    return key in _SYSTEM_FIELDS or key.startswith("__tag__:")


class _Index:
    """What a logstore's index config allows and how it splits values into tokens."""

    def __init__(self, config: dict[str, Any] | None, strict: bool) -> None:
        self.config = config or {}
        self.present = config is not None
        self.strict = strict
        self.keys: dict[str, Any] = self.config.get("keys") or {}
        self.line: dict[str, Any] | None = self.config.get("line")

    def _tokenizer(self, key: str | None) -> tuple[set[str], bool]:
        cfg = self.keys.get(key) if key else self.line
        if not cfg:
            return _DEFAULT_TOKENS, False
        return set("".join(cfg.get("token") or [])), bool(cfg.get("caseSensitive"))

    def tokens(self, key: str | None, value: str) -> list[str]:
        delims, case = self._tokenizer(key)
        if not case:
            value = value.lower()
        if not delims:
            return [value] if value else []
        return [t for t in re.split("[" + re.escape("".join(sorted(delims))) + "]", value) if t]

    def numeric(self, key: str) -> bool:
        return (self.keys.get(key) or {}).get("type") in ("long", "double")

    def check_key(self, key: str) -> None:
        if self.strict and not _is_system(key) and key not in self.keys:
            raise ApiError("ParameterInvalid", f"key ({key}) is not config as key value config,if symbol : is  in "
                                               "your log,please wrap : with quotation mark \"", 400)

    def check_line(self) -> None:
        if self.strict and self.line is None:
            raise ApiError("ParameterInvalid", "full-text search needs the line (full text) index", 400)

    def check_column(self, column: str) -> None:
        if not self.strict or _is_system(column):
            return
        if not (self.keys.get(column) or {}).get("doc_value"):
            raise ApiError("ParameterInvalid", f"Column '{column}' cannot be resolved; add it to the field index "
                                               "with analytics (doc_value) enabled", 400)


_SEARCH_TOKEN = re.compile(r'\s*(?:(?P<q>"(?:[^"\\]|\\.)*")|(?P<p>[()])|(?P<w>[^\s()"]+))')


def _search_tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _SEARCH_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise ApiError("ParameterInvalid", f"cannot parse the query near {text[pos:pos + 20]!r}", 400)
        pos = m.end()
        if m.group("q") is not None:
            out.append(("quoted", m.group("q")[1:-1].replace('\\"', '"')))
        elif m.group("p"):
            out.append(("paren", m.group("p")))
        elif m.group("w"):
            out.append(("word", m.group("w")))
    return out


_COMPARE = re.compile(r"^(?P<key>[^\s:<>=]+)\s*(?P<op>>=|<=|>|<|=)\s*(?P<value>.*)$")


class _SearchParser:
    """`*`, `key: value`, `key: val*`, `key: "a phrase"`, full-text words, `key > 5` style comparisons,
    joined by and/or/not (any case; adjacency means and) with parentheses."""

    def __init__(self, text: str, index: _Index) -> None:
        self.toks = _search_tokens(text)
        self.pos = 0
        self.index = index

    def parse(self) -> Predicate:
        if not self.toks:
            return lambda row: True
        pred = self._or()
        if self.pos != len(self.toks):
            raise ApiError("ParameterInvalid", f"unexpected {self.toks[self.pos][1]!r} in the query", 400)
        return pred

    def _peek_op(self) -> str:
        if self.pos < len(self.toks) and self.toks[self.pos][0] == "word":
            return self.toks[self.pos][1].lower()
        return ""

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._peek_op() in ("or", "||"):
            self.pos += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda row: any(p(row) for p in parts))

    def _and(self) -> Predicate:
        parts = [self._not()]
        while self.pos < len(self.toks) and self.toks[self.pos] != ("paren", ")") and self._peek_op() not in (
                "or", "||"):
            if self._peek_op() in ("and", "&&"):
                self.pos += 1
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else (lambda row: all(p(row) for p in parts))

    def _not(self) -> Predicate:
        if self._peek_op() == "not":
            self.pos += 1
            inner = self._not()
            return lambda row: not inner(row)
        return self._primary()

    def _next(self) -> tuple[str, str]:
        if self.pos >= len(self.toks):
            raise ApiError("ParameterInvalid", "the query ends too early", 400)
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def _primary(self) -> Predicate:
        kind, text = self._next()
        if (kind, text) == ("paren", "("):
            inner = self._or()
            if self._next() != ("paren", ")"):
                raise ApiError("ParameterInvalid", "missing ')' in the query", 400)
            return inner
        if kind == "paren":
            raise ApiError("ParameterInvalid", "unexpected ')' in the query", 400)
        if kind == "word" and text == "*":
            return lambda row: True
        # key: value (key quoted or not; the colon glued to either side or alone)
        key: str | None = None
        if kind == "quoted" and self.pos < len(self.toks) and self.toks[self.pos][0] == "word" \
                and self.toks[self.pos][1].startswith(":"):
            key = text
            rest = self.toks[self.pos][1][1:]
            self.pos += 1
            return self._term(key, rest)
        if kind == "word":
            if text.endswith(":") and len(text) > 1:
                return self._term(text[:-1], "")
            if self.pos < len(self.toks) and self.toks[self.pos] == ("word", ":"):
                self.pos += 1
                return self._term(text, "")
            m = _COMPARE.match(text)
            if m and m.group("value"):
                return self._compare(m.group("key"), m.group("op"), m.group("value"))
            if m and self.pos < len(self.toks) and self.toks[self.pos][0] == "word":
                return self._compare(m.group("key"), m.group("op"), self._next()[1])
            if (self.pos < len(self.toks) and self.toks[self.pos][0] == "word"
                    and self.toks[self.pos][1] in (">", ">=", "<", "<=", "=")):
                op = self._next()[1]
                return self._compare(text, op, self._next()[1])
            if ":" in text and not text.startswith(":"):
                k, _, v = text.partition(":")
                return self._term(k, v)
        return self._fulltext(text, quoted=kind == "quoted")

    def _term(self, key: str, glued: str) -> Predicate:
        """key: value; the value is glued after the colon or is the next token."""
        if glued:
            value, quoted = glued, False
        else:
            kind, value = self._next()
            if kind == "paren":
                raise ApiError("ParameterInvalid", f"missing value after {key}:", 400)
            quoted = kind == "quoted"
        self.index.check_key(key)
        index = self.index
        if index.numeric(key) and not quoted:
            try:
                wanted = float(value)
            except ValueError:
                wanted = None
            if wanted is not None:
                return lambda row: _num(row.get(key)) == wanted
        pattern = index.tokens(key, value)
        wild = not quoted and any(c in value for c in "*?")
        return lambda row: key in row and _contains(index.tokens(key, str(row[key])), pattern, wild)

    def _compare(self, key: str, op: str, value: str) -> Predicate:
        self.index.check_key(key)
        try:
            bound = float(value)
        except ValueError as err:
            raise ApiError("ParameterInvalid", f"{key} {op} needs a number, not {value!r}", 400) from err
        test = _NUM_OPS[op]
        return lambda row: (v := _num(row.get(key))) is not None and test(v, bound)

    def _fulltext(self, value: str, quoted: bool) -> Predicate:
        self.index.check_line()
        index = self.index
        pattern = index.tokens(None, value)
        wild = not quoted and any(c in value for c in "*?")
        return lambda row: any(_contains(index.tokens(None, str(v)), pattern, wild)
                               for k, v in row.items() if not k.startswith("__"))


_NUM_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    "=": lambda a, b: a == b}


def _num(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _contains(tokens: list[str], pattern: list[str], wild: bool) -> bool:
    """The query tokens appear consecutively in the value's tokens (wildcards * and ? when unquoted). A token opening
    with a wildcard (but `*` alone, any value) matches nothing: "Fuzzy search does not support suffix matching"
    (aliyun-sls/sls-doc src/en/searchdemo/query/search_with_index.md, FAQ)."""
    if not pattern or (wild and any(p[0] in "*?" and p.strip("*") for p in pattern)):
        return False
    n = len(pattern)
    for i in range(len(tokens) - n + 1):
        window = tokens[i:i + n]
        if all(fnmatch.fnmatchcase(t, p) if wild else t == p for t, p in zip(window, pattern, strict=True)):
            return True
    return False
