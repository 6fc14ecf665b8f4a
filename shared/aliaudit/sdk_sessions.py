"""Closing the connections of the endpoints a scan is done with.

The OpenAPI SDKs' HTTP core (darabonba-core 1.0, `DaraCore._sessions`; the older Tea core, `TeaCore._sessions`)
keeps one requests Session per endpoint, `<scheme>://<host>:<port>[:pool=N]`, for the life of the process, and
each keeps its idle connections open. A scan reaches an endpoint per product and region: at generated scale 1 a
scan process held 1,400-1,550 open sockets by its end and grew by about 100 MB with them (a region's connections
are never used again once its datasets are in), and a system's default limit of 1,024 open files would end the
scan. ClientFactory.release closes a finished region's endpoints here; a later call to one of them opens a new
session, as the first call did.

The tables are the SDK cores' own (private) attributes: a core without one, or with another shape, is left as
it is (the connections stay open until the process ends, as before)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

# (module, class) of the session tables, read only if the module is already imported
_TABLES = (("darabonba.core", "DaraCore"), ("Tea.core", "TeaCore"))


def _host(key: str) -> str:
    """'http://ecs.cn-beijing.aliyuncs.com:80:pool=256' -> 'ecs.cn-beijing.aliyuncs.com'."""
    rest = key.split("://", 1)[-1].split(":pool=", 1)[0]
    return rest.rsplit(":", 1)[0]


def _tables() -> list[dict[Any, Any]]:
    found = []
    for module, cls in _TABLES:
        if module not in sys.modules:  # (nothing to close in a core never imported)
            continue
        table = getattr(getattr(sys.modules[module], cls, None), "_sessions", None)
        if isinstance(table, dict):
            found.append(table)
    return found


def close_endpoints(hosts: Iterable[str]) -> int:
    """Close and forget the SDK cores' sessions of these hosts; the number closed."""
    wanted = set(hosts)
    closed = 0
    if not wanted:
        return closed
    for table in _tables():
        for key in list(table):
            if isinstance(key, str) and _host(key) in wanted:
                session = table.pop(key, None)
                if session is not None and callable(getattr(session, "close", None)):
                    session.close()
                    closed += 1
    return closed
