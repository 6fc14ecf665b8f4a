"""REST-style products (OSS, SLS, FC): a route table of (method, path pattern, required query key)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .call import Call, Operation
from .errors import ApiError
from .faults import Quota
from .wire import Response

Handler = Callable[[Call], Any]


@dataclass
class _Route:
    method: str
    regex: re.Pattern[str]
    query_key: str | None
    op: Operation


class RestApi:
    """Routes match ``path_of(call)`` (a decoded path the product defines) against patterns where
    ``{name}`` captures one segment and ``{name+}`` the rest; a route may require a query key
    (OSS sub-resources such as ``?acl``). First match wins, so list specific routes first."""

    def __init__(self, product: str, error_style: str, ram_prefix: str,
                 path_of: Callable[[Call], str] | None = None,
                 not_found: Callable[[Call], ApiError] | None = None) -> None:
        self.product = product
        self.error_style = error_style
        self.ram_prefix = ram_prefix
        self.routes: list[_Route] = []
        self._path_of = path_of or (lambda call: call.req.raw_path)
        self._not_found = not_found or (lambda call: ApiError(
            "InvalidAction.NotFound", f"No such API: {call.req.method} {call.req.raw_path}", 404))

    def route(self, method: str, pattern: str, *, name: str, query: str | None = None, ram_action: str | None = None,
              resource: Callable[[Call], str] | str = "*", write: bool = False, anonymous: bool = False,
              locked: bool = True) -> Callable[[Handler], Handler]:
        def capture(m: re.Match[str]) -> str:
            return f"(?P<{m.group(1)}>{'.+' if m.group(2) else '[^/]+'})"

        regex = re.compile("^" + re.sub(r"\{(\w+)(\+?)\}", capture, pattern) + "$")

        def register(fn: Handler) -> Handler:
            op = Operation(name, fn, ram_action or f"{self.ram_prefix}:{name}", resource, anonymous, write,
                           locked=locked)
            self.routes.append(_Route(method, regex, query, op))
            return fn

        return register

    def resolve(self, call: Call) -> Operation:
        path = self._path_of(call)
        keys = {k for k, _ in call.req.query}
        for r in self.routes:
            if r.method != call.req.method or (r.query_key and r.query_key not in keys):
                continue
            m = r.regex.match(path)
            if m:
                call.path_params = m.groupdict()
                return r.op
        raise self._not_found(call)

    def quota(self, call: Call) -> Quota:
        """The rate limit the call uses (faults.Quota): its API's own, per account (or per region:
        faults.REGIONAL_LIMITS), unless the product limits per resource or shares a limit between APIs."""
        return Quota()

    def respond(self, call: Call, result: Any) -> Response:
        if isinstance(result, Response):
            return result
        if result is None:
            return Response(200, b"", {})
        return Response.json(result)
