"""The emulator's HTTP/1.1 request reading (tests/emulator/server.py): header sections as the SDKs send them, and
the answers a server gives to broken ones, over a raw socket."""

from __future__ import annotations

import io
import json
import socket

import pytest

from tests.emulator.server import EmulatorServer, HeaderError, read_headers

HEALTH = "GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"


def _exchange(server: EmulatorServer, raw: bytes, answers: int = 1) -> list[tuple[int, dict[str, str], bytes]]:
    """Send raw bytes on one connection, read `answers` responses (status, lower-case headers, body)."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(raw)
        stream = sock.makefile("rb")
        out = []
        for _ in range(answers):
            status = int(stream.readline().split()[1])
            headers = {}
            while (line := stream.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("iso-8859-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            out.append((status, headers, stream.read(int(headers.get("content-length", "0")))))
        return out


def test_keep_alive_serves_two_requests_on_one_connection(cloud: EmulatorServer) -> None:
    (first, second) = _exchange(cloud, (HEALTH + "\r\n").encode() * 2, answers=2)
    assert first[0] == second[0] == 200
    assert json.loads(first[2])["ok"] is True


def test_connection_close_is_honoured(cloud: EmulatorServer) -> None:
    with socket.create_connection((cloud.host, cloud.port), timeout=10) as sock:
        sock.sendall((HEALTH + "Connection: close\r\n\r\n").encode())
        data = b""
        while chunk := sock.recv(65536):  # the server closes: recv returns b"" instead of blocking
            data += chunk
    assert data.startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize(("extra", "status"), [
    ("".join(f"X-Field-{i}: v\r\n" for i in range(101)), 431),  # more fields than http.client allows
    ("X-Long: " + "a" * 70000 + "\r\n", 431),
    ("no colon here\r\n", 400),
    ("X-Spaced : v\r\n", 400),
])
def test_a_broken_header_section_gets_an_error_answer(cloud: EmulatorServer, extra: str, status: int) -> None:
    ((got, _, _),) = _exchange(cloud, (HEALTH + extra + "\r\n").encode())
    assert got == status


@pytest.mark.parametrize("line", ["GET /_emulator/health HTTP/2.0", "GET /_emulator/health", "BREW"])
def test_a_request_line_that_is_not_http_1_gets_400(cloud: EmulatorServer, line: str) -> None:
    ((got, _, _),) = _exchange(cloud, f"{line}\r\nHost: x\r\n\r\n".encode())
    assert got == 400


def test_headers_keep_case_and_order_and_get_gives_the_first_value() -> None:
    headers = read_headers(io.BytesIO(b"Content-Type: a\r\nx-acs-date: d\r\nContent-Type: b\r\n"
                                      b"X-Folded: one\r\n two\r\n\r\nbody"))
    assert headers.items() == [("Content-Type", "a"), ("x-acs-date", "d"), ("Content-Type", "b"),
                               ("X-Folded", "one two")]
    assert headers.get("content-type") == "a"
    assert headers.get("X-ACS-DATE") == "d"
    assert headers.get("missing", "") == ""


def test_a_header_section_cut_short_ends_where_the_stream_does() -> None:
    assert read_headers(io.BytesIO(b"Host: x\r\n")).items() == [("Host", "x")]
    with pytest.raises(HeaderError):
        read_headers(io.BytesIO(b"Host x\r\n\r\n"))
