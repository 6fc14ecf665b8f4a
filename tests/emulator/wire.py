"""The HTTP request and response as the emulator sees them, independent of the server."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    target: str  # request target as received (origin or absolute form)
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    client_ip: str = "127.0.0.1"
    host: str = ""  # logical host, lower-case, without port
    port: int | None = None
    raw_path: str = "/"  # path exactly as sent (still percent-encoded)
    raw_query: str = ""
    query: list[tuple[str, str]] = field(default_factory=list)
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()).upper())

    @classmethod
    def build(cls, method: str, target: str, headers: dict[str, str], body: bytes,
              client_ip: str = "127.0.0.1") -> Request:
        headers = {k.lower(): v for k, v in headers.items()}
        if target.startswith(("http://", "https://")):  # forward-proxy (absolute) form
            parts = urlsplit(target)
            hostport = parts.netloc
            raw_path = parts.path or "/"
            raw_query = parts.query
        else:
            hostport = headers.get("host", "")
            raw_path, _, raw_query = target.partition("?")
        hostport = hostport.removeprefix("http://").removeprefix("https://")
        host, port = _split_host(hostport)
        return cls(method=method.upper(), target=target, headers=headers, body=body, client_ip=client_ip,
                   host=host, port=port, raw_path=raw_path or "/", raw_query=raw_query,
                   query=parse_qsl(raw_query, keep_blank_values=True))

    @property
    def params(self) -> dict[str, str]:
        """Query parameters (last value wins), merged with a form body."""
        out = dict(self.query)
        if self.body and self.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            out.update(parse_qsl(self.body.decode(), keep_blank_values=True))
        return out

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)


def _split_host(hostport: str) -> tuple[str, int | None]:
    hostport = hostport.strip().lower()
    if hostport.startswith("["):
        host, _, rest = hostport[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    host, sep, port = hostport.rpartition(":")
    if sep and port.isdigit():
        return host, int(port)
    return hostport, None


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # how long the server holds the answer back (faults: latency, slow calls)
    drop: bool = False  # close the connection instead of answering (faults: resets)

    @classmethod
    def json(cls, data: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        import json

        return cls(status, json.dumps(data).encode(),
                   {"Content-Type": "application/json;charset=utf-8", **(headers or {})})

    @classmethod
    def xml(cls, text: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return cls(status, text.encode(), {"Content-Type": "application/xml", **(headers or {})})

    @classmethod
    def text(cls, text: str, status: int = 200) -> Response:
        return cls(status, text.encode(), {"Content-Type": "text/plain"})
