"""The emulator's request pipeline: route, resolve, authenticate, fault, authorize, handle, record."""

from __future__ import annotations

import logging
import traceback

from . import admin, auth, events, faults
from .call import Call
from .errors import RENDERERS, ApiError
from .products import registry
from .routing import route
from .state import Scenario, World
from .wire import Request, Response

log = logging.getLogger("emulator")

# every module (or package) under products/ registers itself (products/__init__.py); adding a product is adding
# a module. PRODUCTS: product code -> its API (PopApi for RPC products, RestApi for the REST ones)
REGISTRY = registry()
PRODUCTS = {name: p.api for name, p in REGISTRY.items() if p.api is not None}
# products whose calls may wait on something else (Product.blocking), and the admin API (it waits for FC to go idle)
BLOCKING = frozenset({"admin", *(name for name, p in REGISTRY.items() if p.blocking)})


class Emulator:
    def __init__(self, scenario: Scenario | None = None) -> None:
        self.world = World()
        self.limiter = faults.RateLimiter()
        self.load(scenario or Scenario())

    def load(self, scenario: Scenario) -> None:
        self._shutdown()
        self.world.load(scenario)
        self.limiter.reset()

    def close(self) -> None:
        self._shutdown()

    def _shutdown(self) -> None:
        """Stop what products run beside the state (FC's instances)."""
        for p in REGISTRY.values():
            if p.shutdown is not None:
                p.shutdown(self.world)

    def handle(self, req: Request) -> Response:
        product, region = route(req)
        if product == "admin":
            return admin.handle(self, req)
        registered = REGISTRY.get(product)
        if registered is not None and registered.serve is not None:  # outside the API pipeline (ECS metadata)
            return registered.serve(self.world, req)
        api = PRODUCTS.get(product)
        if api is None:
            return RENDERERS["pop"](ApiError("InvalidProduct.NotFound",
                                             f"The emulator does not serve host {req.host!r}.", 404), req)
        if region and region in self.world.scenario.not_offered.get(product, ()):
            return not_offered(req.host)
        call = Call(self.world, req, product, region, params=req.params)
        call.region = region or call.params.get("RegionId", "")
        style = api.error_style
        delay = 0.0  # (faults: the answer's latency, held back by the server)
        try:
            call.op = api.resolve(call)
            with self.world.lock:
                self.world.calls[f"{product}:{call.op.name}"] += 1
            auth.authenticate(call, style)
            delay = faults.delay(call)
            faults.apply(call, style, self.limiter, api.quota(call))
            auth.authorize(call, style)
            if call.op.locked:
                with self.world.lock:
                    result = call.op.handler(call)
            else:
                result = call.op.handler(call)
            if call.op.write:
                events.record(call, call.op.event(call, result) if call.op.event else None)
            response = api.respond(call, result)
            response.drop = faults.reset(call, f"{product}:{call.op.name}")
            if self.world.recording is not None:
                self.world.record_response(f"{product}:{call.op.name}", call.req, response)
        except ApiError as err:
            response = RENDERERS[style](err, req)
        except Exception as err:  # a bug in the emulator: say so loudly, answer like the cloud's 500
            log.error("emulator error on %s %s\n%s", req.method, req.target, traceback.format_exc())
            response = RENDERERS[style](ApiError("InternalError", f"emulator bug: {type(err).__name__}: {err}", 500),
                                        req)
        response.delay_s = delay
        return response

    def may_block(self, req: Request) -> bool:
        """Whether serving req may wait on something else (FC runs a function and waits for its answer; the admin
        API waits for FC to go idle): the server serves it in a thread of its own, the rest in its loop."""
        product, _ = route(req)
        return product in BLOCKING


def not_offered(host: str) -> Response:
    """A product has no endpoint in a region it is not offered in (every SDK builds <product>.<region>.aliyuncs.com
    for a region its endpoint map lacks): DNS finds no such host. Reached as a forward proxy, the emulator stands for
    the proxy, which answers 502 Bad Gateway when it cannot reach the host a request names (RFC 9110 15.6.3)."""
    return Response(502, f"cannot resolve host {host}\n".encode(), {"Content-Type": "text/plain"})
