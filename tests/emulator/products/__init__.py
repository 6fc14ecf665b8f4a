"""One module (or package) per emulated product: its state model, routes and response shapes, and what
registers it with the emulator's core. The core discovers the products by iterating this package:
state.py builds each account's scenario sections from them, routing.py routes requests with them and
app.py serves them, so adding a product is adding a module (README.md, "Adding a product").

A module declares ``PRODUCT = Product(...)``. A module without one is registered from its ``api`` and its
state model, when those say everything: an RPC product (a ``PopApi``, whose version routes direct requests)
whose state is the one ``<Name>State`` model it defines (the account's section named after the module).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from ..state import Scenario, World
    from ..wire import Request, Response

# Claim orders: claims by host name (as the cloud's DNS routes) come before claims of direct requests to the
# emulator's own address (by signature scheme, client or path); the generic OpenAPI rules (host label, then
# x-acs-version/Version) come after every claim.
BY_HOST = 100
DIRECT = 200


@dataclass(frozen=True)
class Claim:
    """A routing rule of a product: ``match`` returns the request's region ('' when it names none), or None when
    the request is not the product's. Claims run in ``order`` (then by product name), so claims that could both
    match one request need distinct orders."""

    order: int
    match: Callable[[Request], str | None]


@dataclass(frozen=True)
class Product:
    """What the core needs to know about one product."""

    name: str  # product code: the account's scenario section, call counts and rate limits ('name:Action')
    api: Any = None  # PopApi or RestApi (resolve, respond, error_style); None: served by `serve` only
    state: type[BaseModel] | None = None  # the account's `name:` section (None: the product keeps no state)
    # OpenAPI versions (x-acs-version or Version) that route direct requests here; () = the PopApi's version
    versions: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()  # other first labels of <label>[.<region>].aliyuncs.com that name this product
    claims: tuple[Claim, ...] = ()  # routing ahead of the OpenAPI rules (own host forms, signature schemes)
    serve: Callable[[World, Request], Response] | None = None  # answers outside the API pipeline (no auth)
    # a scenario-level section beside `accounts:` (name, type, default), and a check across the whole scenario
    scenario_section: tuple[str, Any, Any] | None = None
    check: Callable[[Scenario], None] | None = None
    shutdown: Callable[[World], None] | None = None  # stops runtime pieces (scenario load, server stop)
    # its calls may wait on something else (FC runs a function and waits for its answer): the server serves each in
    # a thread of its own instead of in its loop (server.py)
    blocking: bool = False

    @property
    def route_versions(self) -> tuple[str, ...]:
        version = getattr(self.api, "version", None)
        return self.versions or ((version,) if version else ())


def load_all() -> dict[str, ModuleType]:
    return {m.name: importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__)}


def _derived(name: str, module: ModuleType) -> Product | None:
    """The registration of a module that declares none (see the module docstring)."""
    api = getattr(module, "api", None)
    states = [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, BaseModel)
              and v.__module__ == module.__name__ and v.__name__.endswith("State")]
    if api is None and not states:
        return None  # a helper module, not a product
    if len(states) > 1:
        raise TypeError(f"products/{name}: several *State models ({', '.join(s.__name__ for s in states)}); "
                        "declare PRODUCT = Product(...)")
    return Product(name, api=api, state=states[0] if states else None)


@functools.cache
def registry() -> dict[str, Product]:
    """Every product of this package, by name (imported once; the core builds its tables from this)."""
    found: dict[str, Product] = {}
    for name, module in load_all().items():
        product = getattr(module, "PRODUCT", None) or _derived(name, module)
        if product is None:
            continue
        if product.name in found:
            raise ValueError(f"products/{name}: product {product.name!r} is registered twice")
        api_name = getattr(product.api, "product", product.name)
        if api_name != product.name:
            raise ValueError(f"products/{name}: the product is {product.name!r} but its api's is {api_name!r}")
        found[product.name] = product
    return found
