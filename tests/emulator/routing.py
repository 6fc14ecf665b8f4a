"""Which product a request is for, from its Host (as the cloud routes) or, for direct requests to
the emulator's own address, from the signature scheme and the x-acs-version header.

Product-specific rules live in the product modules (``Product.claims``, ``hosts`` and ``versions``, see
products/__init__.py); this module applies them in order, then the OpenAPI rules every RPC product shares."""

from __future__ import annotations

import functools
import re

from .products import Claim, registry
from .wire import Request

_POP = re.compile(r"^(?P<product>[a-z0-9]+)(?:[.-](?:vpc\.)?(?P<region>[a-z]{2}-[a-z0-9-]+?))?(?:-vpc)?"
                  r"\.aliyuncs\.com$")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}


@functools.cache
def _tables() -> tuple[list[tuple[Claim, str]], dict[str, str], dict[str, str]]:
    """(claims in order with their product, host label -> product, OpenAPI version -> product); built on first
    use, since the product modules import this module."""
    products = registry()
    claims = sorted(((c, p.name) for p in products.values() for c in p.claims), key=lambda cp: (cp[0].order, cp[1]))
    labels = {label: p.name for p in products.values() for label in p.hosts}
    versions: dict[str, str] = {}
    for p in products.values():
        for v in p.route_versions:
            if versions.setdefault(v, p.name) != p.name:
                raise ValueError(f"OpenAPI version {v} is claimed by {versions[v]} and {p.name}")
    return claims, labels, versions


def route(req: Request) -> tuple[str, str]:
    """(product, region). Region '' when the host does not carry one."""
    host = req.host
    if req.raw_path.startswith("/_emulator/") and host in LOCAL_HOSTS:
        return "admin", ""
    claims, labels, versions = _tables()
    for claim, product in claims:
        region = claim.match(req)
        if region is not None:
            return product, region
    version = req.header("x-acs-version") or dict(req.query).get("Version", "")
    if m := _POP.match(host):
        label = m.group("product")
        return labels.get(label, label), m.group("region") or ""
    if version in versions:
        return versions[version], ""
    return "unknown", ""


def pop_region(host: str) -> str:
    """The region of an OpenAPI host (<product>.<region>.aliyuncs.com and its -vpc forms), '' for none."""
    m = _POP.match(host)
    return (m.group("region") or "") if m else ""
