"""One TLS context per (minimum TLS version, CA file) for the OpenAPI SDKs' HTTPS connections, built once.

darabonba-core (1.0.9, `DaraCore._get_session`) keeps a requests Session per endpoint (scheme://host:port) and
builds each one's adapter with a new `ssl.create_default_context()` loaded with the system CAs and then certifi's:
75-150 ms of CPU per endpoint. A scan reaches an endpoint per product and region (hundreds for a full scan, tens
for every pipeline worker): seconds of CPU spent building the same context again, most of a small account's scan.
Here the context is built once and shared (an SSLContext is safe to share between threads and connections); each
endpoint still gets its own adapter and connection pools, as before, with the same CAs and minimum version.

The hook replaces `DaraCore.get_adapter` only if the private names it relies on are there with the shape it
expects; otherwise the SDK is left as it is (slower, never wrong)."""

from __future__ import annotations

import inspect
import ssl
import threading
from typing import Any

_lock = threading.Lock()
_contexts: dict[tuple[str | None, str], ssl.SSLContext] = {}
_installed = False


def https_context(tls_min_version: str | None, ca_file: str, set_minimum: Any) -> ssl.SSLContext:
    """The shared context for HTTPS endpoints: what darabonba builds for each (system CAs, then ca_file, the
    minimum version set by its own helper), built once per (minimum version, CA file)."""
    key = (tls_min_version, ca_file)
    with _lock:
        context = _contexts.get(key)
        if context is None:
            context = set_minimum(ssl.create_default_context(), tls_min_version)
            context.load_verify_locations(ca_file)
            _contexts[key] = context
    return context


def _expected_shape(core: Any) -> bool:
    dara = getattr(core, "DaraCore", None)
    needed = ("_TLSAdapter", "DEFAULT_POOL_SIZE", "DEFAULT_POOL_MAXSIZE", "certifi")
    if dara is None or not all(hasattr(core, name) for name in needed):
        return False
    if not hasattr(dara, "_set_tls_minimum_version") or not hasattr(dara, "get_adapter"):
        return False
    try:
        params = list(inspect.signature(dara.get_adapter).parameters)
    except (TypeError, ValueError):
        return False
    return params == ["prefix", "tls_min_version", "pool_size"]


def install() -> bool:
    """Share TLS contexts in darabonba-core from now on (idempotent); False when its shape is not the expected one."""
    global _installed
    with _lock:
        if _installed:
            return True
    from darabonba import core

    if not _expected_shape(core):
        return False

    def get_adapter(prefix: str, tls_min_version: str | None = None, pool_size: int | None = None) -> Any:
        maxsize = pool_size if pool_size is not None and pool_size > 0 else core.DEFAULT_POOL_MAXSIZE
        ca_file = core.certifi.where()
        context = None  # (an adapter mounted for http:// never uses one)
        if prefix.upper() == "HTTPS":
            if ca_file:
                context = https_context(tls_min_version, ca_file, core.DaraCore._set_tls_minimum_version)
            else:  # (darabonba's own behaviour without a CA bundle: the system defaults, no minimum version)
                context = ssl.create_default_context()
        return core._TLSAdapter(ssl_context=context, pool_connections=core.DEFAULT_POOL_SIZE, pool_maxsize=maxsize)

    with _lock:
        if not _installed:
            core.DaraCore.get_adapter = staticmethod(get_adapter)
            _installed = True
    return True
