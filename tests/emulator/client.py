"""A small client for the emulator's admin interface (tests and the demo use it)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any


class AdminClient:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        # never through an inherited proxy: the admin interface is local
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def request(self, method: str, path: str, body: Any = None, timeout: float = 60) -> Any:
        data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(f"{self.url}/_emulator/{path.lstrip('/')}", data=data, method=method)
        with self._opener.open(req, timeout=timeout) as resp:
            return json.loads(resp.read() or b"null")

    def load(self, scenario_yaml: str) -> Any:
        return self.request("POST", "scenario", scenario_yaml.encode())

    def calls(self) -> dict[str, int]:
        return self.request("GET", "calls")["calls"]

    def events(self, account: str | None = None) -> list[dict[str, Any]]:
        return self.request("GET", "events" + (f"?account={account}" if account else ""))["events"]

    def deliveries(self) -> list[dict[str, Any]]:
        return self.request("GET", "eventbridge")["deliveries"]

    def faults(self, **settings: Any) -> Any:
        return self.request("POST", "faults", settings)

    def advance(self, seconds: float) -> str:
        return self.request("POST", "clock", {"advance": seconds})["now"]

    def record(self, limit: int = 3) -> Any:
        """Keep the first `limit` successful answers of each API from now on (until the next load)."""
        return self.request("POST", "responses", {"limit": limit})

    def responses(self) -> dict[str, list[dict[str, Any]]]:
        """Recorded answers by "product:Action": method, path, params, status, content_type, body (text)."""
        return self.request("GET", "responses")["responses"]
