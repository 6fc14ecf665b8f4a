"""Reading an SLS alert query (search statement, then `|` and SQL): does it surely match an event of a description?

An alert sees what its query matches. To say it sees an event, the query must match every event that fits a
description (the fields such an event surely has), whatever the event's other fields hold: a condition on a field
the description leaves open (a user name, a region) makes the answer UNKNOWN. Answers are three-valued (Kleene
logic: TRUE, FALSE, UNKNOWN); whatever is not understood is UNKNOWN, never an exception.

SLS facts this relies on:
- Log Service "Query syntax" (https://www.alibabacloud.com/help/doc-detail/29060.html): the search statement comes
  before the first `|`; `and`, `or` and `not` are binary operators (`a not b` is a and not b; `not a` alone selects
  the logs without a); "If there is no syntax keyword between the words, the relation between the words is and by
  default"; parentheses group; `key: value` searches one field, a key or value with spaces is double-quoted, `\\`
  escapes a quote; `*` and `?` are wildcards. `*` alone matches every log ("Search syntax and functions",
  https://www.alibabacloud.com/help/en/sls/query-syntax/).
- Precedence: for analytic statements "not, and, or" in descending order (Log Service "Logical operators",
  https://www.alibabacloud.com/help/en/sls/logical-operators). The search syntax pages read do not say how far a
  `not` reaches over a following `and`, so a search statement is read both ways (`not` on the next term; `not` on
  the and-chain that follows) and only what both readings agree on is TRUE or FALSE.
- Search is case-insensitive by default (index caseSensitive "false (default)", Log Service CreateIndex,
  https://www.alibabacloud.com/help/en/sls/api-createindex) and matches tokens: values are split at the default
  delimiters , '";=()[]{}?@&<>/: and white space (aliyun-sls/sls-doc src/en/searchdemo/query/search_with_index.md),
  so `request_uri: acl` finds /?acl; '.' is no delimiter, so NoPermission.Xxx is one token. SQL string comparisons
  are exact (case-sensitive).
- Wildcards: "Fuzzy search does not support suffix matching" (the same sls-doc page, FAQ), so a term whose pattern
  opens with * or ? (`*SecurityGroup*`) is UNKNOWN; and "abc* ... a maximum of 100 words can be matched ... If the
  prefix is short ... only a part of matched logs are returned" (Log Service "Fuzzy match",
  https://www.alibabacloud.com/help/en/log-service/latest/fuzzy-match), so a wildcard match counts only when the
  literal text before the wildcard is one of the values the caller requires (`vocabulary`: AuthorizeSecurityGroup*
  covers AuthorizeSecurityGroupEgress when AuthorizeSecurityGroup is itself required); a shorter prefix (Create*) is
  UNKNOWN.

A described event maps field names to the value the field surely has, or to PRESENT (some non-empty value, not
known). Fields compare by their last dotted segment, case-insensitively: event.eventName is eventName. A value
ending in * is an error-code family: NoPermission* stands for NoPermission and NoPermission.Xxx, and a condition
(search or SQL) must match each of the two spellings (`errorCode: NoPermission` misses NoPermission.Xxx; the family
is named NoPermission*, the stem itself being required).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import TypeAlias

MAX_LENGTH = 64 * 1024  # longer queries are not read at all (UNKNOWN)
MAX_DEPTH = 64  # parentheses and `not`s nested deeper than this: not read (UNKNOWN)


class Truth(Enum):
    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"


TRUE, FALSE, UNKNOWN = Truth.TRUE, Truth.FALSE, Truth.UNKNOWN


class Present:
    """The field surely has a non-empty value, which is not known."""

    def __repr__(self) -> str:
        return "PRESENT"


PRESENT = Present()
Value: TypeAlias = "str | Present"
Event: TypeAlias = Mapping[str, Value]


def field_key(name: str) -> str:
    """How fields compare: event.userIdentity.type and userIdentity.type are both `type`."""
    return name.rsplit(".", 1)[-1].lower()


# --- the parsed form -------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Atom:
    """One condition. op: term (search `field: value`, or full text when field is ''), all (`*`), eq / like / present
    (SQL `=` or `in`, LIKE, IS NOT NULL), unknown (not understood)."""

    op: str
    field: str
    patterns: tuple[str, ...]
    text: str  # as written, for messages
    quoted: bool = False


@dataclass(frozen=True, eq=False)
class Not:
    child: Node


@dataclass(frozen=True, eq=False)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, eq=False)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, eq=False)
class Both:
    """Two readings of one search statement: TRUE or FALSE only where they agree."""

    readings: tuple[Node, Node]


Node: TypeAlias = "Atom | Not | And | Or | Both"
ALL = Atom("all", "", (), "*")


class _Unreadable(Exception):
    """The query (or its SQL part) cannot be read; the reason goes into messages."""


def _join(kind: Callable[[tuple[Node, ...]], Node], parts: list[Node]) -> Node:
    return parts[0] if len(parts) == 1 else kind(tuple(parts))


class _Depth:
    """Nesting guard: recursion stays far below Python's limit whatever the input."""

    def __init__(self) -> None:
        self.level = 0

    def __enter__(self) -> None:
        self.level += 1
        if self.level > MAX_DEPTH:
            raise _Unreadable(f"nested deeper than {MAX_DEPTH}")

    def __exit__(self, *exc: object) -> None:
        self.level -= 1


# --- the search statement --------------------------------------------------------------------------------------

Token: TypeAlias = "tuple[str, str]"  # (kind, text): kind is ( ) word quoted


def _phrase_start(text: str, i: int) -> bool:
    return text[i] == "#" and i + 1 < len(text) and text[i + 1] == '"'


def _quoted(text: str, i: int) -> tuple[str, int]:
    """The double-quoted string opening at i (a leading # marks a phrase search); returns (content, end)."""
    i += 2 if text[i] == "#" else 1
    out: list[str] = []
    while i < len(text) and text[i] != '"':
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        out.append(text[i])
        i += 1
    if i >= len(text):
        raise _Unreadable("an unclosed double quote")
    return "".join(out), i + 1


def _search_tokens(text: str) -> list[Token]:
    out: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            out.append((ch, ch))
            i += 1
        elif ch == '"' or _phrase_start(text, i):
            value, i = _quoted(text, i)
            out.append(("quoted", value))
        else:
            start = i
            while i < len(text) and not text[i].isspace() and text[i] not in '()"' and not _phrase_start(text, i):
                i += 1
            out.append(("word", text[start:i]))
    return out


_COMPARE_OPS = (">=", "<=", ">", "<", "=")
_COMPARISON = re.compile(r"[^<>=]+(?:>=|<=|>|<|=)")


def _split_key(word: str) -> tuple[str, str] | None:
    """`key:value` or `key:` glued in one word; __tag__:name is one key."""
    start = len("__tag__:") if word.lower().startswith("__tag__:") else 0
    i = word.find(":", start)
    return (word[:i], word[i + 1:]) if i > 0 else None


class _Search:
    """Recursive descent over the tokens; `wide_not` makes `not` reach over the and-chain that follows it."""

    def __init__(self, toks: list[Token], wide_not: bool) -> None:
        self.toks, self.pos, self.wide_not, self.depth = toks, 0, wide_not, _Depth()

    def parse(self) -> Node:
        if not self.toks:
            return ALL
        node = self._or()
        if self.pos != len(self.toks):
            raise _Unreadable("an unbalanced parenthesis")
        return node

    def _peek(self) -> Token | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def _take(self) -> Token:
        tok = self._peek()
        if tok is None:
            raise _Unreadable("it ends early")
        self.pos += 1
        return tok

    def _op(self) -> str:
        tok = self._peek()
        return tok[1].lower() if tok and tok[0] == "word" and tok[1].lower() in ("and", "or", "not") else ""

    def _or(self) -> Node:
        parts = [self._and()]
        while self._op() == "or":
            self.pos += 1
            parts.append(self._and())
        return _join(Or, parts)

    def _and(self) -> Node:
        parts = [self._unary()]
        while (tok := self._peek()) is not None and tok[0] != ")" and self._op() != "or":
            if self._op() == "and":
                self.pos += 1
            parts.append(self._unary())  # two terms side by side: and
        return _join(And, parts)

    def _unary(self) -> Node:
        if self._op() != "not":
            return self._primary()
        self.pos += 1
        with self.depth:
            return Not(self._and() if self.wide_not else self._unary())

    def _primary(self) -> Node:
        kind, text = self._take()
        if kind == "(":
            with self.depth:
                inner = self._or()
            if self._peek() is None or self._take()[0] != ")":
                raise _Unreadable("an unbalanced parenthesis")
            return inner
        if kind == ")" or (kind == "word" and text.lower() in ("and", "or")):
            raise _Unreadable(f"a misplaced {text!r}")
        if kind == "quoted":
            return self._after_key(text) if self._colon_next() else Atom("term", "", (text,), f'"{text}"', True)
        return self._word(text)

    def _colon_next(self) -> bool:
        tok = self._peek()
        return tok is not None and tok[0] == "word" and tok[1].startswith(":")

    def _after_key(self, key: str) -> Node:
        """The key is read and the next token starts with its colon."""
        rest = self._take()[1][1:]
        return self._term(key, rest)

    def _word(self, text: str) -> Node:
        if text == "*":
            return ALL
        split = _split_key(text)
        if split:
            return self._term(*split)
        if self._colon_next():
            return self._after_key(text)
        tok = self._peek()
        if tok and tok[0] == "word" and tok[1] in _COMPARE_OPS:  # key > 3: a numeric range, not evaluated
            op, value = self._take()[1], self._take()[1]
            return Atom("unknown", text, (), f"{text} {op} {value}")
        if _COMPARISON.match(text):  # key>3 (or key> 3)
            value = "" if text[-1] not in "<>=" else " " + self._take()[1]
            return Atom("unknown", text, (), text + value)
        if tok and tok[0] == "word" and tok[1].lower() == "in" and self._range_follows():
            return self._range(text)
        return Atom("term", "", (text,), text)

    def _range_follows(self) -> bool:
        after = self.toks[self.pos + 1] if self.pos + 1 < len(self.toks) else None
        return after is not None and (after[0] == "(" or after[1].startswith("["))

    def _range(self, key: str) -> Node:
        """key in [a b] (or with parentheses): a numeric range, read to its closing bracket and not evaluated."""
        words = [self._take()[1]]  # in
        while True:
            words.append(self._take()[1])
            if words[-1].endswith(("]", ")")):
                return Atom("unknown", key, (), f"{key} {' '.join(words)}")

    def _term(self, key: str, glued: str) -> Node:
        if glued:
            value, quoted = glued, False
        else:
            kind, value = self._take()
            if kind not in ("word", "quoted"):
                raise _Unreadable(f"{key}: has no value")
            quoted = kind == "quoted"
        shown = f'"{value}"' if quoted else value
        return Atom("term", key, (value,), f"{key}: {shown}", quoted)


def _search(text: str) -> Node:
    toks = _search_tokens(text)
    narrow = _Search(toks, wide_not=False).parse()
    if not any(kind == "word" and word.lower() == "not" for kind, word in toks):
        return narrow
    return Both((narrow, _Search(toks, wide_not=True).parse()))


# --- the SQL (analytic) part -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Sql:
    kind: str  # str (a 'literal'), ident (a "column"), word, op, ( ) , other
    value: str
    raw: str


_SQL_OPS = ("!=", "<>", ">=", "<=", "=", "<", ">")
_CLAUSE_ENDS = {"group", "order", "limit", "having", "union", "window", "offset", "intersect", "except"}


def _sql_string(text: str, i: int) -> tuple[_Sql, int]:
    """A '...' literal or "..." identifier opening at i (a doubled quote escapes it)."""
    quote, j, out = text[i], i + 1, []
    while True:
        if j >= len(text):
            raise _Unreadable("an unclosed quote in the SQL")
        if text[j] == quote:
            if j + 1 < len(text) and text[j + 1] == quote:
                out.append(quote)
                j += 2
                continue
            return _Sql("str" if quote == "'" else "ident", "".join(out), text[i:j + 1]), j + 1
        out.append(text[j])
        j += 1


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_.$@:*%-"


def _sql_tokens(text: str) -> list[_Sql]:
    out: list[_Sql] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "'\"":
            tok, i = _sql_string(text, i)
            out.append(tok)
        elif op := next((o for o in _SQL_OPS if text.startswith(o, i)), ""):
            out.append(_Sql("op", op, op))
            i += len(op)
        elif ch in "(),":
            out.append(_Sql(ch, ch, ch))
            i += 1
        elif _is_word_char(ch):
            start = i
            while i < len(text) and _is_word_char(text[i]):
                i += 1
            out.append(_Sql("word", text[start:i], text[start:i]))
        else:
            out.append(_Sql("other", ch, ch))
            i += 1
    return out


def _stages(sql: str) -> list[str]:
    """The analytic part split at each | outside quotes (SPL chains `| where ...` stages)."""
    out, quote, start = [], "", 0
    for i, ch in enumerate(sql):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "|":
            out.append(sql[start:i])
            start = i + 1
    out.append(sql[start:])
    return out


def _is_kw(tok: _Sql, *words: str) -> bool:
    return tok.kind == "word" and tok.value.lower() in words


def _literal(tok: _Sql) -> str:
    if tok.kind != "str":
        raise _Unreadable("not a string literal")
    return tok.value


class _Where:
    """A WHERE condition: and/or/not/parentheses over `col = 'x'`, `col in ('a', 'b')`, `col like 'x%'`,
    `col is [not] null` and their negations (!=, <>, not in, not like); anything else is an UNKNOWN atom."""

    def __init__(self, toks: list[_Sql]) -> None:
        self.toks, self.pos, self.depth = toks, 0, _Depth()

    def parse(self) -> Node:
        node = self._or()
        if self.pos != len(self.toks):
            raise _Unreadable("an unbalanced parenthesis in the SQL")
        return node

    def _at(self, *words: str) -> bool:
        return self.pos < len(self.toks) and _is_kw(self.toks[self.pos], *words)

    def _or(self) -> Node:
        parts = [self._and()]
        while self._at("or"):
            self.pos += 1
            parts.append(self._and())
        return _join(Or, parts)

    def _and(self) -> Node:
        parts = [self._unary()]
        while self._at("and"):
            self.pos += 1
            parts.append(self._unary())
        return _join(And, parts)

    def _unary(self) -> Node:
        if not self._at("not"):
            return self._primary()
        self.pos += 1
        with self.depth:
            return Not(self._unary())

    def _primary(self) -> Node:
        if self.pos < len(self.toks) and self.toks[self.pos].kind == "(":
            self.pos += 1
            with self.depth:
                inner = self._or()
            if self.pos >= len(self.toks) or self.toks[self.pos].kind != ")":
                raise _Unreadable("an unbalanced parenthesis in the SQL")
            self.pos += 1
            return inner
        span = self._span()
        if not span:
            raise _Unreadable("an empty condition in the SQL")
        try:
            return _predicate(span)
        except _Unreadable:
            return Atom("unknown", "", (), " ".join(t.raw for t in span))

    def _span(self) -> list[_Sql]:
        """The tokens up to the next and/or/closing parenthesis at this level."""
        start, level = self.pos, 0
        while self.pos < len(self.toks):
            tok = self.toks[self.pos]
            if level == 0 and (tok.kind == ")" or _is_kw(tok, "and", "or")):
                break
            level += {"(": 1, ")": -1}.get(tok.kind, 0)
            self.pos += 1
        return self.toks[start:self.pos]


def _predicate(span: list[_Sql]) -> Node:
    col, rest = span[0], span[1:]
    if col.kind not in ("ident", "word") or _is_kw(col, "not", "and", "or"):
        raise _Unreadable("no column")
    name, shown = col.value, col.raw
    negated = bool(rest) and _is_kw(rest[0], "not")
    body = rest[1:] if negated else rest
    node: Node
    if len(rest) == 2 and rest[0].kind == "op" and rest[0].value in ("=", "!=", "<>"):
        lit, equal = _literal(rest[1]), rest[0].value == "="
        if not lit:  # col != '' is the presence test (col = '' its negation)
            present = Atom("present", name, (), f"{shown} != ''")
            return Not(present) if equal else present
        node = Atom("eq", name, (lit,), f"{shown} = {rest[1].raw}")
        return node if equal else Not(node)
    if body and _is_kw(body[0], "in"):
        node = Atom("eq", name, _in_list(body[1:]), f"{shown} in ({', '.join(t.raw for t in body[2:-1:2])})")
    elif len(body) == 2 and _is_kw(body[0], "like"):
        node = Atom("like", name, (_literal(body[1]),), f"{shown} like {body[1].raw}")
    elif not negated and rest and _is_kw(rest[0], "is"):
        words = [t.value.lower() if t.kind == "word" else "" for t in rest[1:]]
        if words not in (["null"], ["not", "null"]):
            raise _Unreadable("not a null test")
        present = Atom("present", name, (), f"{shown} is not null")
        return present if words == ["not", "null"] else Not(present)
    else:
        raise _Unreadable("not a known comparison")
    return Not(node) if negated else node


def _in_list(toks: list[_Sql]) -> tuple[str, ...]:
    """('a', 'b', ...) exactly."""
    if len(toks) < 3 or toks[0].kind != "(" or toks[-1].kind != ")" or len(toks) % 2 == 0:
        raise _Unreadable("not an in-list")
    values = toks[1:-1:2]
    if any(t.kind != "," for t in toks[2:-1:2]):
        raise _Unreadable("not an in-list")
    return tuple(_literal(t) for t in values)


def _stage(text: str) -> Node:
    """One analytic stage: a SELECT narrows only by its WHERE (HAVING and filters inside subqueries or joins are not
    evaluated); an SPL `where` stage is a condition; another kind of stage is not understood."""
    toks = _sql_tokens(text)
    if not toks:
        raise _Unreadable("an empty analytic statement")
    if _is_kw(toks[0], "where"):
        return _Where(toks[1:]).parse()
    if not _is_kw(toks[0], "select"):
        raise _Unreadable(f"an analytic stage {toks[0].raw!r}")
    level, where = 0, -1
    for i, tok in enumerate(toks):
        level += {"(": 1, ")": -1}.get(tok.kind, 0)
        if _is_kw(tok, "having", "join") or (level and _is_kw(tok, "where")):
            raise _Unreadable(f"the SQL's {tok.value.upper()}")
        if _is_kw(tok, "where"):
            if where >= 0:
                raise _Unreadable("two WHERE clauses")
            where = i
    if where < 0:
        return ALL  # no WHERE: aggregations and projections do not narrow which events are seen
    end = next((i for i in range(where + 1, len(toks)) if _is_kw(toks[i], *_CLAUSE_ENDS)), len(toks))
    return _Where(toks[where + 1:end]).parse()


def _analytic(sql: str) -> list[Node]:
    out: list[Node] = []
    for stage in _stages(sql):
        try:
            out.append(_stage(stage))
        except _Unreadable as why:
            out.append(Atom("unknown", "", (), f"an analytic statement that could not be read ({why})"))
    return out


# --- parsing the whole query -----------------------------------------------------------------------------------

def _split(query: str) -> tuple[str, str | None]:
    """(search, SQL or None): the SQL follows the first | outside double quotes."""
    quote, escaped = False, False
    for i, ch in enumerate(query):
        if escaped:
            escaped = False
        elif quote and ch == "\\":
            escaped = True
        elif ch == '"':
            quote = not quote
        elif ch == "|" and not quote:
            return query[:i], query[i + 1:]
    return query, None


def _unreadable(reason: str) -> Atom:
    return Atom("unknown", "", (), f"a query that could not be read ({reason})")


@lru_cache(maxsize=1024)
def _parse(query: str) -> Node:
    search, sql = _split(query)
    try:
        parts = [_search(search)]
    except _Unreadable as why:
        return _unreadable(str(why))
    if sql is not None:
        parts += _analytic(sql)
    return _join(And, parts)


def parse(query: str) -> Node:
    """The query's condition tree; one UNKNOWN atom when it is too long or cannot be read."""
    if len(query) > MAX_LENGTH:
        return _unreadable(f"longer than {MAX_LENGTH // 1024} KiB")
    return _parse(query)


# --- evaluation ------------------------------------------------------------------------------------------------

_DELIMITERS = ",'\";=()[]{}?@&<>/:"
_VALUE_SPLIT = re.compile("[\\s" + re.escape(_DELIMITERS) + "]+")
_PATTERN_SPLIT = re.compile("[\\s" + re.escape(_DELIMITERS.replace("?", "")) + "]+")  # ? is a wildcard there


def _index(event: Event) -> dict[str, Value]:
    return {field_key(k): v for k, v in event.items()}


def vocabulary(values: Iterable[str]) -> frozenset[str]:
    """The tokens (lower case) a wildcard term's literal prefix may be: those of the required values (a code family by
    its stem)."""
    return frozenset(t for v in values for t in _VALUE_SPLIT.split(_family(v)[0].lower()) if t)


def _family(value: str) -> tuple[str, bool]:
    """(the value or a code family's stem, whether it is a family)."""
    return (value[:-1], True) if value.endswith("*") and len(value) > 1 else (value, False)


def _spellings(value: str) -> list[str]:
    """What a described value stands for: a code family is its stem and stem.Xx (stem.<anything>); each must match."""
    stem, family = _family(value)
    return [stem, stem + ".Xx"] if family else [value]


def _same(results: list[Truth]) -> Truth:
    """One answer for every spelling, or UNKNOWN where they differ."""
    return results[0] if len(set(results)) == 1 else UNKNOWN


def _stars(pattern: str) -> bool:
    return bool(pattern) and not pattern.strip("*")


def _fuzzy(pattern: str) -> int:
    """Where the first wildcard of a pattern token is (-1: none)."""
    return next((i for i, c in enumerate(pattern) if c in "*?"), -1)


def _token(value: str, pattern: str, stems: frozenset[str]) -> Truth:
    """One value token against one pattern token, both lower case (see the module's notes on wildcards)."""
    cut = _fuzzy(pattern)
    if cut < 0:
        return TRUE if value == pattern else FALSE
    if cut == 0:  # no suffix matching in SLS: what it does with the term is not known
        return UNKNOWN
    if not fnmatch.fnmatchcase(value, pattern):
        return FALSE
    return TRUE if pattern[:cut] in stems else UNKNOWN  # (a short prefix's expansions may be cut at 100 words)


def _consecutive(values: list[str], pattern: list[str], test: Callable[[str, str], Truth]) -> Truth:
    n, best = len(pattern), FALSE
    for i in range(len(values) - n + 1):
        got = _and([test(v, p) for v, p in zip(values[i:i + n], pattern, strict=True)])
        if got is TRUE:
            return TRUE
        best = UNKNOWN if got is UNKNOWN else best
    return best


def _search_match(pattern: str, value: str, quoted: bool, stems: frozenset[str]) -> Truth:
    """A search value against a known field value (each spelling of a code family), token by token,
    case-insensitively."""
    wanted = [t for t in _PATTERN_SPLIT.split(pattern.lower()) if t]
    if not wanted:
        return UNKNOWN
    out = []
    for spelling in _spellings(value):
        tokens = [t for t in _VALUE_SPLIT.split(spelling.lower()) if t]
        wild = _consecutive(tokens, wanted, lambda v, p: _token(v, p, stems))
        if quoted and any(c in pattern for c in "*?"):
            # whether quotes make * literal is not settled: count only what both readings give
            literal = _consecutive(tokens, wanted, lambda v, p: TRUE if v == p else FALSE)
            wild = wild if wild is literal else UNKNOWN
        out.append(wild)
    return _same(out)


def _term(atom: Atom, index: dict[str, Value], stems: frozenset[str]) -> Truth:
    pattern = atom.patterns[0]
    if not atom.field:  # full text: a described value containing it proves a match, nothing proves a miss
        if _stars(pattern):
            return TRUE
        hits = (isinstance(v, str) and _search_match(pattern, v, atom.quoted, stems) is TRUE for v in index.values())
        return TRUE if any(hits) else UNKNOWN
    key = field_key(atom.field)
    if key not in index:
        return UNKNOWN
    value = index[key]
    if _stars(pattern):  # key: * tests that the field is there
        return TRUE if value is PRESENT or value else FALSE
    if not isinstance(value, str):
        return UNKNOWN
    return _search_match(pattern, value, atom.quoted, stems)


def like_matches(pattern: str, text: str, case: bool = True) -> bool:
    """SQL LIKE (% any run of characters, _ one): the greedy match that goes back only to the last %, at worst
    len(pattern) x len(text) steps. (A regex of .* runs backtracked exponentially on a tenant's alert query such as
    like '%_%_%_%_%_%_%_%_%_%_%_%_%Z': 5 s for one event name.)"""
    if not case:
        pattern, text = pattern.lower(), text.lower()
    p = t = 0
    star, mark = -1, 0
    while t < len(text):
        if p < len(pattern) and pattern[p] == "%":
            star, mark, p = p, t, p + 1
        elif p < len(pattern) and pattern[p] in ("_", text[t]):
            p, t = p + 1, t + 1
        elif star >= 0:
            mark += 1
            p, t = star + 1, mark
        else:
            return False
    return pattern[p:].strip("%") == ""


def _exact(test: Callable[[str, bool], bool], value: str) -> Truth:
    """An SQL comparison (exact, case-sensitive) against a described value, or against every member of a code
    family (its stem and stem.Xxx). A match only when case is ignored is UNKNOWN: the description's case is ours."""
    return _same([TRUE if test(candidate, True) else UNKNOWN if test(candidate, False) else FALSE
                  for candidate in _spellings(value)])


def _sql(atom: Atom, index: dict[str, Value]) -> Truth:
    key = field_key(atom.field)
    if key not in index:
        return UNKNOWN
    value = index[key]
    if atom.op == "present":
        return TRUE if value is PRESENT or value else FALSE
    if not isinstance(value, str):  # known to be non-empty, nothing more
        return FALSE if atom.op == "eq" and all(p == "" for p in atom.patterns) else UNKNOWN
    if atom.op == "like":
        pattern = atom.patterns[0]
        return _exact(lambda c, case: like_matches(pattern, c, case), value)
    return _or([_exact(_equals(p), value) for p in atom.patterns])


def _equals(literal: str) -> Callable[[str, bool], bool]:
    def test(candidate: str, case: bool) -> bool:
        return candidate == literal if case else candidate.lower() == literal.lower()
    return test


def _atom(atom: Atom, index: dict[str, Value], stems: frozenset[str]) -> Truth:
    if atom.op == "all":
        return TRUE
    if atom.op == "term":
        return _term(atom, index, stems)
    if atom.op in ("eq", "like", "present"):
        return _sql(atom, index)
    return UNKNOWN


def _and(values: list[Truth]) -> Truth:
    return FALSE if FALSE in values else TRUE if all(v is TRUE for v in values) else UNKNOWN


def _or(values: list[Truth]) -> Truth:
    return TRUE if TRUE in values else FALSE if all(v is FALSE for v in values) else UNKNOWN


_NEGATE = {TRUE: FALSE, FALSE: TRUE, UNKNOWN: UNKNOWN}


class _Eval:
    """One query against one described event; node values are remembered (the explanations revisit them)."""

    def __init__(self, event: Event, stems: frozenset[str]) -> None:
        self.index, self.stems = _index(event), stems
        self.seen: dict[int, Truth] = {}

    def of(self, node: Node) -> Truth:
        got = self.seen.get(id(node))
        if got is None:
            got = self.seen[id(node)] = self._compute(node)
        return got

    def _compute(self, node: Node) -> Truth:
        if isinstance(node, Atom):
            return _atom(node, self.index, self.stems)
        if isinstance(node, Not):
            return _NEGATE[self.of(node.child)]
        if isinstance(node, And):
            return _and([self.of(c) for c in node.children])
        if isinstance(node, Or):
            return _or([self.of(c) for c in node.children])
        first, second = (self.of(r) for r in node.readings)
        return first if first is second else UNKNOWN

    def why_not(self, node: Node, target: Truth) -> Iterator[tuple[Atom, bool]]:
        """The atoms keeping `node` from `target` (TRUE or FALSE), each with whether it counts negated."""
        got = self.of(node)
        if got is target:
            return
        if isinstance(node, Atom):
            yield node, target is FALSE
        elif isinstance(node, Not):
            yield from self.why_not(node.child, _NEGATE[target])
        elif isinstance(node, (And, Or)):
            for child in node.children:  # the children that carry the node's value
                if self.of(child) is got:
                    yield from self.why_not(child, target)
        else:
            for reading in node.readings:
                yield from self.why_not(reading, target)

    def named(self, node: Node, positive: bool = True) -> set[str]:
        """Keys of the described fields that a positive, TRUE atom tests for a specific value (or, where the
        description says only PRESENT, for presence)."""
        if isinstance(node, Atom):
            return self._names(node) if positive and self.of(node) is TRUE else set()
        if isinstance(node, Not):
            return self.named(node.child, not positive)
        if isinstance(node, (And, Or)):
            return set().union(*(self.named(c, positive) for c in node.children))
        first, second = (self.named(r, positive) for r in node.readings)
        return first & second

    def _names(self, atom: Atom) -> set[str]:
        if atom.op == "term" and not atom.field:
            return {k for k, v in self.index.items() if isinstance(v, str) and not _stars(atom.patterns[0])
                    and _search_match(atom.patterns[0], v, atom.quoted, self.stems) is TRUE}
        key = field_key(atom.field)
        if atom.op not in ("term", "eq", "like", "present") or key not in self.index:
            return set()
        vague = atom.op == "present" or any(_stars(p.replace("%", "*")) or not p for p in atom.patterns)
        return {key} if not vague or self.index[key] is PRESENT else set()


# --- the public answers ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Blocker:
    """A condition of the query that keeps it from surely matching: its text (`not ...` when it counts negated)
    and the key of its field ('' for full text and what could not be read)."""

    text: str
    field: str


# `stems` (from vocabulary()): the literal prefixes a wildcard term may stand on (none: no wildcard match counts)
_NONE: frozenset[str] = frozenset()


def evaluate(query: str, event: Event, stems: frozenset[str] = _NONE) -> Truth:
    node = parse(query)
    return _Eval(event, stems).of(node)


def surely_matches(query: str, event: Event, stems: frozenset[str] = _NONE) -> bool:
    """TRUE: every event of this description is matched by the query."""
    return evaluate(query, event, stems) is TRUE


def blockers(query: str, event: Event, stems: frozenset[str] = _NONE) -> list[Blocker]:
    """Why the query does not surely match: the FALSE or UNKNOWN conditions that decide it (none when it does)."""
    node = parse(query)
    run = _Eval(event, stems)
    found = (Blocker(_short(("not " if negated else "") + atom.text),
                     field_key(atom.field) if atom.op != "unknown" else "")
             for atom, negated in run.why_not(node, TRUE))
    return list(dict.fromkeys(found))


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def named_fields(query: str, event: Event, stems: frozenset[str] = _NONE) -> set[str]:
    """Keys of the described fields the query positively names with a value the event has: a bare `*` (or `%`)
    names nothing but a field described as PRESENT."""
    node = parse(query)
    return _Eval(event, stems).named(node)


def fields_of(query: str) -> set[str]:
    """Keys of the fields the query's conditions mention ('' for full-text terms): a cheap first test of whether a
    query can concern an event at all."""
    return {field_key(a.field) if a.field else "" for a in _atoms(query) if a.op in ("term", "eq", "like", "present")}

def _atoms(query: str) -> Iterator[Atom]:
    stack = [parse(query)]
    while stack:
        node = stack.pop()
        if isinstance(node, Atom):
            yield node
        elif isinstance(node, Not):
            stack.append(node.child)
        elif isinstance(node, (And, Or)):
            stack.extend(node.children)
        else:
            stack.extend(node.readings)


def loose_wildcards(query: str, stems: frozenset[str] = _NONE) -> list[str]:
    """The search terms whose wildcard is not read as a sure match: opening with * or ?, or after a literal prefix
    that is not one of `stems` (a bare `*` aside)."""
    out = []
    for atom in _atoms(query):
        if atom.op != "term" or _stars(atom.patterns[0]):
            continue
        tokens = [t for t in _PATTERN_SPLIT.split(atom.patterns[0].lower()) if t]
        if any((cut := _fuzzy(t)) == 0 or (cut > 0 and t[:cut] not in stems) for t in tokens):
            out.append(_short(atom.text))
    return list(dict.fromkeys(out))
