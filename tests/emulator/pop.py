"""OpenAPI (POP) products: an action registry per product, JSON answers, and the cloud's paging."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .call import Call, Operation
from .errors import ApiError
from .faults import Quota
from .wire import Response

T = TypeVar("T")
Handler = Callable[[Call], dict[str, Any]]


class PopApi:
    """Actions of one RPC product (ROA products route by path, see rest.py)."""

    error_style = "pop"

    def __init__(self, product: str, version: str, ram_prefix: str | None = None,
                 throttle: tuple[str, int, str] | None = None) -> None:
        self.product = product
        self.version = version
        self.ram_prefix = ram_prefix or product
        self.actions: dict[str, Operation] = {}
        self.throttle = throttle  # the product's own throttling answer (code, status, message); None: the gateway's

    def quota(self, call: Call) -> Quota:
        """RPC products limit each API per account (or per region: faults.REGIONAL_LIMITS), never per resource."""
        return Quota(answer=self.throttle)

    def action(self, name: str, *, resource: Callable[[Call], str] | str = "*", write: bool = False,
               anonymous: bool = False, ram_action: str | None = None) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            action = f"{self.ram_prefix}:{name}" if ram_action is None else ram_action
            self.actions[name] = Operation(name, fn, action, resource, anonymous, write)
            return fn

        return register

    def resolve(self, call: Call) -> Operation:
        name = call.req.header("x-acs-action") or call.params.get("Action", "")
        op = self.actions.get(name)
        if op is None:
            raise ApiError("InvalidAction.NotFound",
                           f"Specified api is not found, please check your url and method. Action: {name}", 404)
        return op

    def respond(self, call: Call, result: Any) -> Response:
        if isinstance(result, Response):
            return result
        body = {"RequestId": call.req.request_id, **(result or {})}
        return Response.json(body, headers={"x-acs-request-id": call.req.request_id})


def require(params: dict[str, str], name: str) -> str:
    value = params.get(name, "")
    if value == "":
        raise ApiError(f"MissingParameter.{name}" if name else "MissingParameter",
                       f"The parameter - {name} needs to be set", 400)
    return value


def int_param(params: dict[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = params.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as err:
        raise ApiError(f"InvalidParameter.{name}", f"The parameter {name} is invalid: {raw}", 400) from err
    if not lo <= value <= hi:
        raise ApiError(f"InvalidParameter.{name}", f"The parameter {name} must be between {lo} and {hi}.", 400)
    return value


def page_by_marker(items: Sequence[T], params: dict[str, str], *, default: int = 100,
                   limit: int = 1000) -> tuple[Sequence[T], dict[str, Any]]:
    """RAM style: MaxItems + Marker in, IsTruncated + Marker out (Marker only when truncated)."""
    size = int_param(params, "MaxItems", default, 1, limit)
    marker = params.get("Marker", "")
    start = 0
    if marker:
        if not marker.isdigit() or int(marker) > len(items):
            raise ApiError("InvalidParameter.Marker", f"The marker is invalid: {marker}", 400)
        start = int(marker)
    page = items[start:start + size]
    meta: dict[str, Any] = {"IsTruncated": start + size < len(items)}
    if meta["IsTruncated"]:
        meta["Marker"] = str(start + size)
    return page, meta


def page_by_number(items: Sequence[T], params: dict[str, str], *, default: int = 10,
                   limit: int = 100) -> tuple[Sequence[T], dict[str, Any]]:
    """ECS/VPC style: PageNumber (from 1) + PageSize in, TotalCount + PageNumber + PageSize out."""
    size = int_param(params, "PageSize", default, 1, limit)
    number = int_param(params, "PageNumber", 1, 1, 1_000_000)
    start = (number - 1) * size
    return items[start:start + size], {"TotalCount": len(items), "PageNumber": number, "PageSize": size}


def page_by_token(items: Sequence[T], params: dict[str, str], *, default: int = 10,
                  limit: int = 100) -> tuple[Sequence[T], dict[str, Any]]:
    """NextToken + MaxResults in, NextToken ('' on the last page) + TotalCount out."""
    size = int_param(params, "MaxResults", default, 1, limit)
    token = params.get("NextToken", "")
    if token and (not token.isdigit() or int(token) > len(items)):
        raise ApiError("InvalidParameter.NextToken", f"The NextToken is invalid: {token}", 400)
    start = int(token) if token else 0
    nxt = str(start + size) if start + size < len(items) else ""
    return items[start:start + size], {"NextToken": nxt, "TotalCount": len(items), "MaxResults": size}
