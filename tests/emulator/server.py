"""The HTTP listener: one threaded server on 127.0.0.1 that is both a plain-HTTP forward proxy
(absolute-form request targets) and a direct endpoint."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .app import Emulator
from .wire import Request

log = logging.getLogger("emulator")

# http.client's bounds on a header section, kept: a longer line or more fields answer 431
_MAX_LINE = 65536
_MAX_HEADERS = 100


class Headers:
    """A request's header fields as sent (names in their own case, in order); `get` gives a name's first value,
    as http.server's HTTPMessage does. That message class runs each request's header section through the email
    package's parser, which was a third of the emulator's CPU for each call (a benchmark's cost that the real
    cloud's servers do not put on the auditor's machine)."""

    __slots__ = ("_fields", "_first")

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        self._fields = fields
        self._first: dict[str, str] = {}
        for name, value in fields:
            self._first.setdefault(name.lower(), value)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._first.get(name.lower(), default)

    def items(self) -> list[tuple[str, str]]:
        return list(self._fields)


class HeaderError(Exception):
    def __init__(self, message: str, status: HTTPStatus = HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE) -> None:
        super().__init__(message)
        self.status = status


def read_headers(rfile: object) -> Headers:
    """The header section up to its empty line (an obsolete folded line continues the field before it)."""
    fields: list[tuple[str, str]] = []
    readline = rfile.readline  # type: ignore[attr-defined]
    while True:
        line = readline(_MAX_LINE + 1)
        if len(line) > _MAX_LINE:
            raise HeaderError("Line too long")
        if line in (b"\r\n", b"\n", b""):
            return Headers(fields)
        text = line.decode("iso-8859-1").rstrip("\r\n")
        if text[:1] in (" ", "\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, f"{value} {text.strip()}")
            continue
        if len(fields) >= _MAX_HEADERS:
            raise HeaderError("Too many headers")
        name, sep, value = text.partition(":")
        if not sep or not name or name != name.strip():
            raise HeaderError(f"Malformed header line {text[:80]!r}", HTTPStatus.BAD_REQUEST)
        fields.append((name, value.strip()))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "aliaudit-emulator"
    # headers and body go out in separate writes; with Nagle on, each answer waits ~40 ms for a delayed ACK
    disable_nagle_algorithm = True
    emulator: Emulator
    raw_requestline: bytes  # (set by handle_one_request)

    def date_time_string(self, timestamp: float | None = None) -> str:
        """Every answer's Date is the emulated cloud's clock (the one Last-Modified and signatures use), as a real
        server's Date and its objects' Last-Modified come from one clock (OSS: RunStore.claim relies on it). OSS
        sends Date on every answer: "Common HTTP headers", common response headers (Date, GMT as in HTTP 1.1),
        https://help.aliyun.com/document_detail/31955.htm."""
        return super().date_time_string(self.emulator.world.clock.timestamp() if timestamp is None else timestamp)

    def parse_request(self) -> bool:
        """http.server's parse_request for the HTTP/1.x requests the SDKs send, the header section read by
        read_headers. Returns False once an error answer is sent."""
        self.command = None  # type: ignore[assignment]  # (as the stdlib: set in case the first line is bad)
        self.request_version = self.default_request_version
        self.close_connection = True
        self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = self.requestline.split()
        if len(words) != 3 or words[2] not in ("HTTP/1.0", "HTTP/1.1"):
            if words:  # (answered as HTTP/1.1, with a status line; the stdlib answers a bare HTML page)
                self.request_version = "HTTP/1.1"
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({self.requestline!r})")
            return False
        self.command, self.path, self.request_version = words
        self.close_connection = self.request_version == "HTTP/1.0"
        if self.path.startswith("//"):  # (as the stdlib: //path is no scheme-relative URL here)
            self.path = "/" + self.path.lstrip("/")
        try:
            self.headers = read_headers(self.rfile)  # type: ignore[assignment]
        except HeaderError as err:
            self.send_error(err.status, str(err))
            return False
        connection = (self.headers.get("Connection") or "").lower()
        if connection == "close":
            self.close_connection = True
        elif connection == "keep-alive":
            self.close_connection = False
        if (self.headers.get("Expect") or "").lower() == "100-continue" and self.request_version == "HTTP/1.1":
            return bool(self.handle_expect_100())
        return True

    def _serve(self) -> None:
        body = self._read_body()
        if len(body) < int(self.headers.get("Content-Length") or 0):  # the client went away mid-body: as a
            self.close_connection = True  # server does, never act on a truncated request
            return
        headers = {k: v for k, v in self.headers.items()}
        req = Request.build(self.command, self.path, headers, body, client_ip=self.client_address[0])
        resp = self.emulator.handle(req)
        self.send_response(resp.status)
        sent = {k.lower() for k in resp.headers}
        for k, v in resp.headers.items():
            self.send_header(k, v)
        if "content-length" not in sent:
            self.send_header("Content-Length", str(len(resp.body)))
        if "x-acs-request-id" not in sent and "x-oss-request-id" not in sent:
            self.send_header("x-acs-request-id", req.request_id)
        self.end_headers()
        if self.command != "HEAD" and resp.body:
            self.wfile.write(resp.body)

    def _read_body(self) -> bytes:
        # Through requests' proxy manager the client keeps Nagle on and sends the body after the headers;
        # ACK the headers now (Linux) instead of ~40 ms later, or every proxied POST waits that long.
        if hasattr(socket, "TCP_QUICKACK"):
            with contextlib.suppress(OSError):
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _serve

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s - %s", self.address_string(), format % args)


class LocalHTTPServer(ThreadingHTTPServer):
    """A threaded server whose listen backlog holds a burst: the stdlib's 5 overflows when the pipeline's
    functions and the test open connections at once, and the overflowing client sees ECONNRESET."""

    request_queue_size = 1024
    daemon_threads = True


class EmulatorServer:
    """Runs an Emulator on a port (0 = a free one) in a background thread."""

    def __init__(self, emulator: Emulator | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator or Emulator()
        handler = type("Handler", (_Handler,), {"emulator": self.emulator})
        self.httpd = LocalHTTPServer((host, port), handler)
        self.host, self.port = self.httpd.server_address[:2]
        self.emulator.world.address = self.url
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def endpoint(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> EmulatorServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.emulator.close()
