"""The emulator's HTTP/1.1 serving (tests/emulator/server.py): header sections as the SDKs send them, the answers a
server gives to broken ones, bodies in every framing, over a raw socket; and answers held back for their latency
without holding back the others."""

from __future__ import annotations

import io
import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient

from tests.emulator.server import EmulatorServer, HeaderError, read_headers
from tests.sdk import base_scenario, load, pop_config

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


def _faults_request(body: bytes, *, framing: str) -> bytes:
    head = "POST /_emulator/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    if framing == "chunked":
        return (head + "Transfer-Encoding: chunked\r\n\r\n").encode() + b"".join(
            f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (body[:5], body[5:])) + b"0\r\n\r\n"
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_a_body_that_comes_in_pieces_is_read_whole(cloud: EmulatorServer, framing: str) -> None:
    raw = _faults_request(b'{"latency_ms": 7, "seed": 3}', framing=framing)
    with socket.create_connection((cloud.host, cloud.port), timeout=10) as sock:
        for i in range(0, len(raw), 9):  # (nine bytes at a time: every boundary falls somewhere odd)
            sock.sendall(raw[i:i + 9])
            time.sleep(0.001)
        stream = sock.makefile("rb")
        assert stream.readline().startswith(b"HTTP/1.1 200")
    state = json.loads(_exchange(cloud, (HEALTH.replace("health", "state") + "\r\n").encode())[0][2])
    assert (state["faults"]["latency_ms"], state["faults"]["seed"]) == (7, 3)


def test_expect_100_continue_gets_the_interim_answer_before_the_body(cloud: EmulatorServer) -> None:
    body = b'{"seed": 5}'
    head = ("POST /_emulator/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection((cloud.host, cloud.port), timeout=10) as sock:
        sock.sendall(head)
        stream = sock.makefile("rb")
        assert stream.readline().startswith(b"HTTP/1.1 100")
        assert stream.readline() == b"\r\n"
        sock.sendall(body)
        assert stream.readline().startswith(b"HTTP/1.1 200")


def test_a_request_whose_client_leaves_mid_body_is_not_served(cloud: EmulatorServer) -> None:
    raw = _faults_request(b'{"latency_ms": 9}', framing="length")
    with socket.create_connection((cloud.host, cloud.port), timeout=10) as sock:
        sock.sendall(raw[:-4])
    time.sleep(0.2)
    state = json.loads(_exchange(cloud, (HEALTH.replace("health", "state") + "\r\n").encode())[0][2])
    assert state["faults"]["latency_ms"] == 0


def test_a_bad_content_length_gets_400(cloud: EmulatorServer) -> None:
    ((got, headers, _),) = _exchange(cloud, (HEALTH + "Content-Length: -1\r\n\r\n").encode())
    assert got == 400
    assert headers["connection"] == "close"


def test_answers_held_back_for_their_latency_do_not_hold_back_each_other(cloud: EmulatorServer, admin) -> None:
    # every call waits out its latency, but on a timer of the server's loop: sixteen calls at once take about one
    # latency, not sixteen (a server that slept through each in turn would make the benchmark measure the emulator)
    load(cloud, base_scenario())
    admin.faults(latency_ms=400)
    ram = RamClient(pop_config(cloud))

    def call(_: int) -> float:
        started = time.monotonic()
        ram.list_users(ram_models.ListUsersRequest())
        return time.monotonic() - started

    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        each = list(pool.map(call, range(16)))
    assert min(each) >= 0.4
    assert time.monotonic() - started < 16 * 0.4 / 2


def test_requests_sent_before_the_client_ends_its_input_are_all_answered(cloud: EmulatorServer) -> None:
    with socket.create_connection((cloud.host, cloud.port), timeout=10) as sock:
        sock.sendall((HEALTH + "\r\n").encode() * 3)
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):  # (answered, then closed: recv returns b"" instead of blocking)
            data += chunk
    assert data.count(b"HTTP/1.1 200") == 3
