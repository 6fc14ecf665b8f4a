"""A GetLogs query over stored logs: the time window, the search, then the SQL (if any).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import ApiError
from .search import Row, _Index, _SearchParser
from .sql import _Sql

if TYPE_CHECKING:
    pass


def _split_query(query: str) -> tuple[str, str]:
    """'search | sql' -> (search, sql); a '|' inside double quotes belongs to the search."""
    quoted = False
    for i, c in enumerate(query):
        if c == '"':
            quoted = not quoted
        elif c == "|" and not quoted:
            return query[:i].strip(), query[i + 1:].strip()
    return query.strip(), ""


def run_query(logs: list[Row], query: str, index: _Index, start: int, end: int, *, topic: str = "",
              reverse: bool = False, offset: int = 0, line: int = 100) -> dict[str, Any]:
    """GetLogs over stored logs: the time window [start, end), the search, then the SQL (if any)."""
    if index.strict and not index.present:
        raise ApiError("IndexConfigNotExist", "logstore without index config", 400)
    search, sql_text = _split_query(query)
    pred = _SearchParser(search if search not in ("", "*") else "", index).parse()
    sql = _Sql(sql_text, index) if sql_text else None
    window = [r for r in logs
              if start <= int(r.get("__time__", 0)) < end and (not topic or r.get("__topic__") == topic)]
    matched = [r for r in window if pred(r)]
    if sql is not None:
        data, keys = sql.run(matched)
    else:
        ordered = sorted(matched, key=lambda r: int(r["__time__"]), reverse=reverse)
        data = [dict(r) for r in ordered[offset:offset + line]]
        keys = sorted({k for r in data for k in r})
    meta = {"progress": "Complete", "count": len(data), "processedRows": len(window), "elapsedMillisecond": 1,
            "hasSQL": sql is not None, "whereQuery": search, "aggQuery": sql_text, "cpuSec": 0.0, "cpuCores": 0,
            "keys": keys, "isAccurate": True, "mode": 0, "powerSql": False, "limited": 0}
    return {"meta": meta, "data": data}
