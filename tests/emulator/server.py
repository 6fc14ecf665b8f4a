"""The HTTP listener on 127.0.0.1: both a plain-HTTP forward proxy (absolute-form request targets) and a direct
endpoint. One event loop (a thread) reads every connection's requests, serves them and holds each answer back for its
latency (faults.delay) on a timer; a request that may wait on something else (Emulator.may_block: FC invocations,
the admin API) is served in a thread of its own.

Why a loop, not http.server's thread per connection: the benchmark runs the emulator on the auditor's own cores, and
a thread per connection (a scan opens one for every endpoint and bucket) with a sleeping thread per call cost as
much CPU again as serving the calls (0.4-0.5 ms a call against 0.2 ms in Emulator.handle): a cost the real cloud's
servers never put on the auditor's machine. At generated scale 0.25 the loop took the emulator's CPU from 7.1-7.4 s
to 4.8-4.9 s for the same scan, at full size from 34-39 s to 27 s."""

from __future__ import annotations

import collections
import contextlib
import heapq
import io
import logging
import selectors
import socket
import threading
import time
from email.utils import formatdate
from http import HTTPStatus
from http.server import ThreadingHTTPServer

from .app import Emulator
from .wire import Request, Response

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


class LocalHTTPServer(ThreadingHTTPServer):
    """A threaded server whose listen backlog holds a burst: the stdlib's 5 overflows when the pipeline's
    functions and the test open connections at once, and the overflowing client sees ECONNRESET."""

    request_queue_size = 1024
    daemon_threads = True




# a request line longer than this answers 414, as http.server does
_MAX_REQUEST_LINE = 65536
_RECV = 1 << 18
_PHRASES = {s.value: s.phrase for s in HTTPStatus}


class _HttpError(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Connection:
    """One client connection: the bytes read and not yet served, the answers not yet sent."""

    __slots__ = ("sock", "client_ip", "inbuf", "out", "busy", "closed", "close_after", "writing", "continued", "eof",
                 "pending")

    def __init__(self, sock: socket.socket, client_ip: str) -> None:
        self.sock = sock
        self.client_ip = client_ip
        self.inbuf = bytearray()
        self.out: collections.deque[memoryview] = collections.deque()
        self.busy = False  # a request is being served (answers go out in order: the next waits)
        self.closed = False
        self.close_after = False  # close once what is queued is sent
        self.writing = False  # registered for EVENT_WRITE
        self.continued = False  # "100 Continue" sent for the request being read
        self.eof = False  # the client sent all it will
        self.pending: _Pending | None = None  # the request being read


def _head_end(buf: bytearray) -> tuple[int, int] | None:
    """(where the header section ends, where the body starts), once the empty line is in buf."""
    crlf, lf = buf.find(b"\r\n\r\n"), buf.find(b"\n\n")
    if crlf < 0 and lf < 0:
        return None
    if lf < 0 or 0 <= crlf < lf:
        return crlf, crlf + 4
    return lf, lf + 2


def _check_partial_head(buf: bytearray) -> None:
    """A header section still being read breaks http.client's bounds already: answer now, not when it ends."""
    first = buf.find(b"\n")
    if first < 0:
        if len(buf) > _MAX_REQUEST_LINE:
            raise _HttpError(HTTPStatus.REQUEST_URI_TOO_LONG, "Request-URI Too Long")
        return
    if len(buf) - (buf.rfind(b"\n") + 1) > _MAX_LINE:
        raise _HttpError(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long")
    if buf.count(b"\n") > _MAX_HEADERS + 1:
        raise _HttpError(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers")


def parse_head(head: bytes) -> tuple[str, str, str, Headers]:
    """(method, target, version, headers) of a request's head (its request line and header section)."""
    line, _, rest = head.partition(b"\n")
    if len(line) > _MAX_REQUEST_LINE:
        raise _HttpError(HTTPStatus.REQUEST_URI_TOO_LONG, "Request-URI Too Long")
    requestline = line.decode("iso-8859-1").rstrip("\r")
    words = requestline.split()
    if len(words) != 3 or words[2] not in ("HTTP/1.0", "HTTP/1.1"):
        raise _HttpError(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({requestline!r})")
    method, target, version = words
    if target.startswith("//"):  # (as http.server: //path is no scheme-relative URL here)
        target = "/" + target.lstrip("/")
    try:
        headers = read_headers(io.BytesIO(rest + b"\r\n\r\n"))
    except HeaderError as err:
        raise _HttpError(err.status, str(err)) from None
    return method, target, version, headers


class _Pending:
    """A request whose head is read and whose body is still coming: the head is parsed once, the body read on as its
    bytes arrive (a report of tens of megabytes comes in hundreds of reads)."""

    __slots__ = ("method", "target", "version", "headers", "length", "pos", "chunks")

    def __init__(self, method: str, target: str, version: str, headers: Headers, body_start: int) -> None:
        self.method, self.target, self.version, self.headers = method, target, version, headers
        self.pos = body_start  # where the unread part of the body starts in the connection's buffer
        self.chunks: list[bytes] = []
        if (headers.get("Transfer-Encoding") or "").lower() == "chunked":
            self.length: int | None = None
        else:
            length = headers.get("Content-Length") or "0"
            if not length.isdigit():
                raise _HttpError(HTTPStatus.BAD_REQUEST, f"Bad Content-Length {length[:40]!r}")
            self.length = int(length)

    def body(self, buf: bytearray) -> bytes | None:
        """The whole body once it is in buf (self.pos is then where the request ends), else None."""
        if self.length is not None:
            if len(buf) < self.pos + self.length:
                return None
            self.pos += self.length
            return bytes(buf[self.pos - self.length:self.pos])
        while True:  # chunked: each complete chunk taken as it arrives
            eol = buf.find(b"\n", self.pos)
            if eol < 0:
                return None
            line = bytes(buf[self.pos:eol])
            try:
                size = int(line.split(b";")[0].strip() or b"0", 16)
            except ValueError:
                raise _HttpError(HTTPStatus.BAD_REQUEST, "Bad chunk size") from None
            if size == 0:
                pos = eol + 1
                while True:  # the trailer section, up to its empty line
                    end = buf.find(b"\n", pos)
                    if end < 0:
                        return None
                    trailer, pos = bytes(buf[pos:end]).strip(), end + 1
                    if not trailer:
                        self.pos = pos
                        return b"".join(self.chunks)
            data_end = eol + 1 + size
            chunk_end = buf.find(b"\n", data_end) if len(buf) > data_end else -1
            if chunk_end < 0:
                return None
            self.chunks.append(bytes(buf[eol + 1:data_end]))
            self.pos = chunk_end + 1


class EmulatorServer:
    """Runs an Emulator on a port (0 = a free one): start() serves in a background thread, stop() ends it."""

    def __init__(self, emulator: Emulator | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator or Emulator()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._listener.bind((host, port))
            # a listen backlog that holds a burst (the pipeline's functions and a test connecting at once)
            self._listener.listen(1024)
        except OSError:
            self._listener.close()
            raise
        self._listener.setblocking(False)
        self.host, self.port = self._listener.getsockname()[:2]
        self.emulator.world.address = self.url
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ, None)
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, self._wake_r)
        self._timers: list[tuple[float, int, _Connection, bytes]] = []  # answers held back, by due time
        self._seq = 0
        self._posted: list[tuple[_Connection, bytes]] = []  # answers served in threads, for the loop to send
        self._lock = threading.Lock()
        self._connections: set[_Connection] = set()
        self._stopping = False
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def endpoint(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> EmulatorServer:
        self._thread = threading.Thread(target=self._serve, name="emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping = True
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout=10)
        for conn in list(self._connections):
            self._close(conn)
        self._selector.close()
        self._listener.close()
        self._wake_r.close()
        self._wake_w.close()
        self.emulator.close()

    # --- the loop ---
    def _serve(self) -> None:
        select, timers = self._selector.select, self._timers
        while not self._stopping:
            timeout = max(0.0, timers[0][0] - time.monotonic()) if timers else None
            for key, mask in select(timeout):
                if key.data is None:
                    self._accept()
                elif key.data is self._wake_r:
                    self._take_posted()
                else:
                    conn = key.data
                    if mask & selectors.EVENT_WRITE:
                        self._flush(conn)
                    if mask & selectors.EVENT_READ and not conn.closed:
                        self._read(conn)
            now = time.monotonic()
            while timers and timers[0][0] <= now:
                _, _, conn, data = heapq.heappop(timers)
                self._answer(conn, data)

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # (stopped, or the pipe is full: the loop wakes anyway)
            self._wake_w.send(b"\0")

    def _take_posted(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        with self._lock:
            posted, self._posted = self._posted, []
        for conn, data in posted:
            self._answer(conn, data)

    def _accept(self) -> None:
        while True:
            try:
                sock, address = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as err:  # (out of descriptors: the client retries; the loop must go on)
                log.warning("accept failed: %s", err)
                return
            sock.setblocking(False)
            # answers go out in one write each, but a client's request may come in pieces: no Nagle either way
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = _Connection(sock, address[0])
            self._connections.add(conn)
            self._selector.register(sock, selectors.EVENT_READ, conn)

    def _close(self, conn: _Connection) -> None:
        if conn.closed:
            return
        conn.closed = True
        self._connections.discard(conn)
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(conn.sock)
        conn.sock.close()
        conn.out.clear()

    def _read(self, conn: _Connection) -> None:
        try:
            data = conn.sock.recv(_RECV)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(conn)
            return
        if not data:  # the client is done sending: what it asked in full is answered, a request cut short is not
            conn.eof = True
            self._watch(conn)  # (nothing more to read; answers still go out)
            self._next(conn)
            return
        conn.inbuf += data
        self._next(conn)

    def _next(self, conn: _Connection) -> None:
        """Serve the next complete request in conn's buffer, if it is not serving one."""
        if conn.busy or conn.closed or conn.close_after:
            return
        buf = conn.inbuf
        try:
            pending = conn.pending
            if pending is None:
                ends = _head_end(buf)
                if ends is None:
                    _check_partial_head(buf)
                    if conn.eof:
                        self._finish(conn)
                    return
                end, start = ends
                if end == 0 or not buf[:end].strip():  # (an empty request line: as http.server, end the connection)
                    self._finish(conn)
                    return
                pending = conn.pending = _Pending(*parse_head(bytes(buf[:end])), start)
            body = pending.body(buf)
        except _HttpError as err:
            conn.busy, conn.pending = True, None
            self._answer(conn, _error(err.status, str(err)), close=True)
            return
        if body is None:  # the body is still coming
            if conn.eof:
                self._finish(conn)
            elif (not conn.continued and pending.version == "HTTP/1.1"
                    and (pending.headers.get("Expect") or "").lower() == "100-continue"):
                conn.continued = True
                self._send(conn, b"HTTP/1.1 100 Continue\r\n\r\n")
            return
        del buf[:pending.pos]
        conn.busy, conn.continued, conn.pending = True, False, None
        headers = pending.headers
        connection = (headers.get("Connection") or "").lower()
        if connection == "close" or (pending.version == "HTTP/1.0" and connection != "keep-alive"):
            conn.close_after = True
        req = Request.build(pending.method, pending.target, dict(headers.items()), body, client_ip=conn.client_ip)
        if self.emulator.may_block(req):
            threading.Thread(target=self._serve_blocking, args=(conn, req), name="emulator-call", daemon=True).start()
            return
        resp = self._handle(req)
        if resp.drop:  # (a connection reset in flight: the call was served, its answer is lost)
            self._close(conn)
            return
        data = _encode(req, resp, self.emulator)
        if resp.delay_s > 0:
            self._seq += 1
            heapq.heappush(self._timers, (time.monotonic() + resp.delay_s, self._seq, conn, data))
        else:
            self._answer(conn, data)

    def _finish(self, conn: _Connection) -> None:
        """Serve nothing more on conn: close it once its answers are out."""
        conn.close_after = True
        if not conn.out:
            self._close(conn)

    def _handle(self, req: Request) -> Response:
        try:
            return self.emulator.handle(req)
        except Exception as err:  # (Emulator.handle answers its own errors; this is one of the server's pieces)
            log.exception("emulator error on %s %s", req.method, req.target)
            return Response(500, f"emulator bug: {type(err).__name__}: {err}".encode(),
                            {"Content-Type": "text/plain"})

    def _serve_blocking(self, conn: _Connection, req: Request) -> None:
        resp = self._handle(req)
        if resp.delay_s > 0:
            time.sleep(resp.delay_s)
        data = _encode(req, resp, self.emulator)
        with self._lock:
            self._posted.append((conn, data))
        self._wake()

    def _answer(self, conn: _Connection, data: bytes, close: bool = False) -> None:
        """Send the answer to conn's request being served, then serve its next one."""
        if conn.closed:
            return
        conn.busy = False
        if close:
            conn.close_after = True
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s - %s", conn.client_ip, bytes(data[:data.find(b"\r\n")]).decode("iso-8859-1"))
        self._send(conn, data)
        self._next(conn)

    def _send(self, conn: _Connection, data: bytes) -> None:
        conn.out.append(memoryview(data))
        self._flush(conn)

    def _flush(self, conn: _Connection) -> None:
        out = conn.out
        while out:
            try:
                sent = conn.sock.send(out[0])
            except (BlockingIOError, InterruptedError):
                break
            except OSError:  # the client went away: its answer has nowhere to go
                self._close(conn)
                return
            if sent < len(out[0]):
                out[0] = out[0][sent:]
                break
            out.popleft()
        if out:
            if not conn.writing:
                conn.writing = True
                self._watch(conn)
        elif conn.close_after and not conn.busy:
            self._close(conn)
        elif conn.writing:
            conn.writing = False
            self._watch(conn)

    def _watch(self, conn: _Connection) -> None:
        """Select conn for reading until its client's end of input, and for writing while answers wait."""
        events = (0 if conn.eof else selectors.EVENT_READ) | (selectors.EVENT_WRITE if conn.writing else 0)
        registered = conn.sock in self._selector.get_map()
        if events and registered:
            self._selector.modify(conn.sock, events, conn)
        elif events:
            self._selector.register(conn.sock, events, conn)
        elif registered:
            self._selector.unregister(conn.sock)


def _encode(req: Request, resp: Response, emulator: Emulator) -> bytes:
    """The answer as http.server would send it: status line, Server, Date (the emulated cloud's clock, the one
    Last-Modified and signatures use, as a real server's Date and its objects' Last-Modified come from one clock;
    OSS sends Date on every answer: "Common HTTP headers", https://help.aliyun.com/document_detail/31955.htm), the
    answer's headers, its length and a request id where the answer has none."""
    lines = [f"HTTP/1.1 {resp.status} {_PHRASES.get(resp.status, '')}", "Server: aliaudit-emulator",
             f"Date: {formatdate(emulator.world.clock.timestamp(), usegmt=True)}"]
    sent = set()
    for name, value in resp.headers.items():
        lines.append(f"{name}: {value}")
        sent.add(name.lower())
    if "content-length" not in sent:
        lines.append(f"Content-Length: {len(resp.body)}")
    if "x-acs-request-id" not in sent and "x-oss-request-id" not in sent:
        lines.append(f"x-acs-request-id: {req.request_id}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + resp.body if req.method != "HEAD" and resp.body else head


def _error(status: HTTPStatus, message: str) -> bytes:
    body = message.encode("utf-8", "replace")
    return (f"HTTP/1.1 {status.value} {status.phrase}\r\nServer: aliaudit-emulator\r\nConnection: close\r\n"
            f"Content-Type: text/plain;charset=utf-8\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
