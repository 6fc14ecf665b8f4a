"""A requests Session for the SDKs that send through requests' Session.request (oss2, aliyun-log): what it takes
from the environment (HTTP(S)_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE) is read once per host, not on every request.

requests (2.32-2.34, `Session.merge_environment_settings`) walks every environment variable several times for each
request to find the proxy settings: about 95 us, a tenth of an OSS call's CPU, 1.3 s of CPU over the benchmark's
full-size account. A scan's environment is settled before its clients are built (a scan process sets it first),
so the answer for a host does not change during the scan; the first request to each host still gets exactly what
requests would give it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests


class EnvironmentOnceSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        # what requests gave each (host, arguments); threads racing on a new host both compute the same answer
        self._settings: dict[tuple[Any, ...], dict[str, Any]] = {}

    def merge_environment_settings(self, url: str, proxies: Any, stream: Any, verify: Any,
                                   cert: Any) -> dict[str, Any]:
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, tuple(sorted((proxies or {}).items())), stream, verify, cert,
               self.trust_env)
        known = self._settings.get(key)
        if known is None:
            known = self._settings[key] = super().merge_environment_settings(url, dict(proxies or {}), stream,
                                                                             verify, cert)
        return {**known, "proxies": dict(known["proxies"])}  # (requests may add to the proxies it is given)


def adopt(session: requests.Session) -> EnvironmentOnceSession:
    """An EnvironmentOnceSession with the given session's adapters (its connection pools) and settings, for an
    SDK that builds its own requests.Session."""
    new = EnvironmentOnceSession()
    for prefix, adapter in session.adapters.items():
        new.mount(prefix, adapter)
    for attr in ("headers", "auth", "proxies", "hooks", "params", "stream", "verify", "cert", "max_redirects",
                 "trust_env", "cookies"):
        setattr(new, attr, getattr(session, attr))
    return new
