"""GetLogs' SQL subset (after '|'), and the conditions alerts evaluate.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...errors import ApiError
from .search import Predicate, Row, _Index, _num

if TYPE_CHECKING:
    pass


_SQL_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<qid>\"(?:[^\"]|\"\")*\")|(?P<num>-?\d+(?:\.\d+)?)"
                        r"|(?P<op><>|!=|>=|<=|==|[=<>(),*])|(?P<id>[A-Za-z_][\w]*))")
_AGGREGATES = {"count", "arbitrary", "max", "min", "sum", "avg", "approx_distinct"}
_KEYWORDS = {"select", "from", "where", "group", "by", "having", "order", "limit", "as", "and", "or", "not",
             "asc", "desc", "like", "is", "null", "distinct", "in"}


def _sql_tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _SQL_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ApiError("ParameterInvalid", f"the emulator cannot parse the SQL near {text[pos:pos + 20]!r}", 400)
        pos = m.end()
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "str":
            out.append(("str", value[1:-1].replace("''", "'")))
        elif kind == "qid":
            out.append(("id", value[1:-1].replace('""', '"')))
        elif kind == "id" and value.lower() in _KEYWORDS:
            out.append(("kw", value.lower()))
        else:
            out.append((kind, value))
    return out


class _Tokens:
    def __init__(self, toks: list[tuple[str, str]]) -> None:
        self.toks = toks
        self.pos = 0

    def peek(self, offset: int = 0) -> tuple[str, str]:
        i = self.pos + offset
        return self.toks[i] if i < len(self.toks) else ("end", "")

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok[0] == "end":
            raise ApiError("ParameterInvalid", "the SQL ends too early", 400)
        self.pos += 1
        return tok

    def accept(self, kind: str, value: str | None = None) -> bool:
        tok = self.peek()
        if tok[0] == kind and (value is None or tok[1] == value):
            self.pos += 1
            return True
        return False

    def expect(self, kind: str, value: str | None = None) -> str:
        tok = self.peek()
        if tok[0] != kind or (value is not None and tok[1] != value):
            raise ApiError("ParameterInvalid", f"expected {value or kind} but found {tok[1] or 'the end'!r}", 400)
        self.pos += 1
        return tok[1]


Value = Callable[[Row], Any]


def parse_condition(toks: _Tokens, columns: list[str] | None = None) -> Predicate:
    """Boolean expression over a row: comparisons (= == != <> > >= < <=), LIKE, IS [NOT] NULL, IN (...),
    and/or/not, parentheses. Numbers compare numerically when both sides are numbers."""

    def operand() -> Value:
        kind, text = toks.take()
        if kind == "str":
            return lambda row: text
        if kind == "num":
            return lambda row: text
        if kind == "id":
            if columns is not None:
                columns.append(text)
            return lambda row: row.get(text)
        raise ApiError("ParameterInvalid", f"unexpected {text!r} in a condition", 400)

    def comparison() -> Predicate:
        if toks.accept("op", "("):
            inner = disjunction()
            toks.expect("op", ")")
            return inner
        left = operand()
        if toks.accept("kw", "is"):
            negate = toks.accept("kw", "not")
            toks.expect("kw", "null")
            return lambda row: (left(row) is None) != negate
        negate = toks.accept("kw", "not")
        if toks.accept("kw", "like"):
            pattern = toks.expect("str")
            rx = re.compile("^" + "".join(".*" if c == "%" else "." if c == "_" else re.escape(c)
                                          for c in pattern) + "$", re.S)
            return lambda row: (left(row) is not None and bool(rx.match(str(left(row))))) != negate
        if toks.accept("kw", "in"):
            toks.expect("op", "(")
            options = [operand()]
            while toks.accept("op", ","):
                options.append(operand())
            toks.expect("op", ")")
            return lambda row: any(_compare_values(left(row), "=", o(row)) for o in options) != negate
        if negate:
            raise ApiError("ParameterInvalid", "NOT must be followed by LIKE or IN here", 400)
        kind, op = toks.peek()
        if kind != "op" or op not in ("=", "==", "!=", "<>", ">", ">=", "<", "<="):
            return lambda row: _truthy(left(row))
        toks.take()
        right = operand()
        return lambda row: _compare_values(left(row), op, right(row))

    def negation() -> Predicate:
        if toks.accept("kw", "not"):
            inner = negation()
            return lambda row: not inner(row)
        return comparison()

    def conjunction() -> Predicate:
        parts = [negation()]
        while toks.accept("kw", "and"):
            parts.append(negation())
        return parts[0] if len(parts) == 1 else (lambda row: all(p(row) for p in parts))

    def disjunction() -> Predicate:
        parts = [conjunction()]
        while toks.accept("kw", "or"):
            parts.append(conjunction())
        return parts[0] if len(parts) == 1 else (lambda row: any(p(row) for p in parts))

    return disjunction()


def _truthy(value: Any) -> bool:
    return value not in (None, "", "0", "false", 0, False)


def _compare_values(a: Any, op: str, b: Any) -> bool:
    if a is None or b is None:
        return False
    na, nb = _num(a), _num(b)
    x: Any
    y: Any
    x, y = (na, nb) if na is not None and nb is not None else (str(a), str(b))
    return {"=": x == y, "==": x == y, "!=": x != y, "<>": x != y, ">": x > y, ">=": x >= y, "<": x < y,
            "<=": x <= y}[op]


def compile_condition(text: str) -> Predicate:
    """An alert condition such as `cnt > 0`, `severity = 'CRITICAL'` or `__count__ > 0` ('' = always)."""
    if not text.strip():
        return lambda row: True
    toks = _Tokens(_sql_tokens(text))
    pred = parse_condition(toks)
    if toks.peek()[0] != "end":
        raise ApiError("ParameterInvalid", f"cannot parse the condition {text!r}", 400)
    return pred


class _SelectItem:
    def __init__(self, func: str | None, arg: str | None, distinct: bool, name: str) -> None:
        self.func, self.arg, self.distinct, self.name = func, arg, distinct, name


class _Sql:
    """SELECT items [FROM log] [WHERE cond] [GROUP BY cols] [HAVING cond over output names]
    [ORDER BY name [ASC|DESC], ...] [LIMIT [offset,] n]. Items: *, columns and count(*|col|DISTINCT col),
    arbitrary, max, min, sum, avg, approx_distinct, each with an optional alias."""

    def __init__(self, text: str, index: _Index) -> None:
        toks = _Tokens(_sql_tokens(text))
        columns: list[str] = []
        toks.expect("kw", "select")
        self.items: list[_SelectItem] = [self._item(toks, columns, 0)]
        while toks.accept("op", ","):
            self.items.append(self._item(toks, columns, len(self.items)))
        if toks.accept("kw", "from"):
            toks.expect("id")
        self.where = parse_condition(toks, columns) if toks.accept("kw", "where") else None
        self.group: list[str] = []
        if toks.accept("kw", "group"):
            toks.expect("kw", "by")
            self.group.append(toks.expect("id"))
            while toks.accept("op", ","):
                self.group.append(toks.expect("id"))
            columns.extend(self.group)
        self.having = parse_condition(toks) if toks.accept("kw", "having") else None
        self.order: list[tuple[str, bool]] = []
        if toks.accept("kw", "order"):
            toks.expect("kw", "by")
            while True:
                name = toks.take()[1]
                desc = toks.accept("kw", "desc")
                if not desc:
                    toks.accept("kw", "asc")
                self.order.append((name, desc))
                if not toks.accept("op", ","):
                    break
        self.offset, self.limit = 0, 100  # SLS returns 100 rows unless the SQL says otherwise
        if toks.accept("kw", "limit"):
            self.limit = int(toks.expect("num"))
            if toks.accept("op", ","):
                self.offset, self.limit = self.limit, int(toks.expect("num"))
        if toks.peek()[0] != "end":
            raise ApiError("ParameterInvalid", f"the emulator's SQL subset does not support {toks.peek()[1]!r}", 400)
        for column in columns:
            index.check_column(column)
        self.aggregate = bool(self.group) or any(i.func for i in self.items)

    @staticmethod
    def _item(toks: _Tokens, columns: list[str], position: int) -> _SelectItem:
        if toks.accept("op", "*"):
            return _SelectItem(None, "*", False, "*")
        kind, text = toks.take()
        func = arg = None
        distinct = False
        if kind == "id" and toks.peek() == ("op", "("):
            func = text.lower()
            if func not in _AGGREGATES:
                raise ApiError("ParameterInvalid", f"the emulator's SQL subset has no function {text}()", 400)
            toks.take()
            distinct = toks.accept("kw", "distinct")
            if toks.accept("op", "*") or toks.accept("num"):
                arg = None
            else:
                arg = toks.expect("id")
                columns.append(arg)
            toks.expect("op", ")")
            name = f"_col{position}"
        elif kind == "id":
            arg = name = text
            columns.append(text)
        else:
            raise ApiError("ParameterInvalid", f"unexpected {text!r} in the select list", 400)
        if toks.accept("kw", "as") or toks.peek()[0] == "id":  # an alias, with or without AS
            name = toks.take()[1]
        return _SelectItem(func, arg, distinct, name)

    def run(self, rows: list[Row]) -> tuple[list[Row], list[str]]:
        if self.where:
            rows = [r for r in rows if self.where(r)]
        keys = [i.name for i in self.items if i.arg != "*"]
        if self.aggregate:
            groups: dict[tuple[Any, ...], list[Row]] = {}
            for r in rows:
                groups.setdefault(tuple(r.get(g) for g in self.group), []).append(r)
            if not self.group and not groups:
                groups[()] = []  # an aggregate without GROUP BY answers one row even for no input
            out = [{i.name: _aggregate(i, members) for i in self.items} for members in groups.values()]
        else:
            out = []
            for r in rows:
                row: Row = {}
                for i in self.items:
                    if i.arg == "*":
                        row.update(r)
                    else:
                        row[i.name] = r.get(i.arg or "")
                out.append(row)
        if self.having:
            out = [r for r in out if self.having(r)]
        for name, desc in reversed(self.order):
            out.sort(key=lambda r, n=name: _sort_key(r.get(n)), reverse=desc)
        out = out[self.offset:self.offset + self.limit]
        return [{k: _sql_text(v) for k, v in r.items()} for r in out], keys


def _aggregate(item: _SelectItem, rows: list[Row]) -> Any:
    if item.func is None:
        return rows[0].get(item.arg or "") if rows else None
    values = [r.get(item.arg) for r in rows] if item.arg else [1] * len(rows)
    values = [v for v in values if v is not None]
    if item.distinct or item.func == "approx_distinct":
        values = list(dict.fromkeys(values))
    if item.func in ("count", "approx_distinct"):
        return len(values)
    if item.func == "arbitrary":
        return values[0] if values else None
    if not values:
        return None
    numbers = [_num(v) for v in values]
    if item.func in ("max", "min"):
        if all(n is not None for n in numbers):
            best = max(numbers) if item.func == "max" else min(numbers)  # type: ignore[type-var]
            return values[numbers.index(best)]
        return max(map(str, values)) if item.func == "max" else min(map(str, values))
    total = sum(n for n in numbers if n is not None)
    return total if item.func == "sum" else total / len(values)


def _sort_key(value: Any) -> tuple[int, float, str]:
    n = _num(value)
    return (0, n, "") if n is not None else (1, 0.0, "" if value is None else str(value))


def _sql_text(value: Any) -> str:
    """SLS answers every SQL value as a string; integral numbers without a fraction."""
    if value is None:
        return "null"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)
