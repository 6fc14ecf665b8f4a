"""sdk_tls: darabonba-core's endpoints share one verifying TLS context per minimum version, each with its own
adapter; an endpoint whose certificate is not trusted is still refused."""

from __future__ import annotations

import datetime
import ssl
import threading
import types
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import certifi
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from darabonba.core import DaraCore

from aliaudit import sdk_tls


@pytest.fixture(autouse=True)
def installed() -> None:
    assert sdk_tls.install()


def test_https_endpoints_get_their_own_adapters_over_one_verifying_context() -> None:
    first = DaraCore.get_adapter("https", "TLSv1.2")
    second = DaraCore.get_adapter("HTTPS", "TLSv1.2", pool_size=7)
    assert first is not second  # (each endpoint keeps its own connection pools)
    assert first._pool_maxsize == 40 and second._pool_maxsize == 7
    context = first.ssl_context
    assert second.ssl_context is context
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    certifi_roots = Path(certifi.where()).read_text().count("BEGIN CERTIFICATE")
    assert len(context.get_ca_certs()) >= certifi_roots


def test_each_minimum_version_has_its_own_context() -> None:
    v12 = DaraCore.get_adapter("HTTPS", "TLSv1.2").ssl_context
    v13 = DaraCore.get_adapter("HTTPS", "TLSv1.3").ssl_context
    default = DaraCore.get_adapter("HTTPS", None).ssl_context
    assert v13.minimum_version == ssl.TLSVersion.TLSv1_3
    assert len({id(v12), id(v13), id(default)}) == 3
    assert DaraCore.get_adapter("HTTPS", "TLSv1.3").ssl_context is v13


def test_plain_http_endpoints_build_no_context() -> None:
    assert DaraCore.get_adapter("HTTP").ssl_context is None


def test_an_unexpected_darabonba_is_left_alone() -> None:
    assert not sdk_tls._expected_shape(types.SimpleNamespace())

    class Other:
        @staticmethod
        def get_adapter(prefix: str, tls_min_version: str | None = None) -> None: ...

        @staticmethod
        def _set_tls_minimum_version(context: ssl.SSLContext, version: str | None) -> ssl.SSLContext:
            return context

    shape = types.SimpleNamespace(DaraCore=Other, _TLSAdapter=object, DEFAULT_POOL_SIZE=1, DEFAULT_POOL_MAXSIZE=1,
                                  certifi=certifi)
    assert not sdk_tls._expected_shape(shape)


@pytest.fixture
def untrusted_https(tmp_path: Path) -> Iterator[str]:
    """A local HTTPS server whose certificate (self-signed, for 127.0.0.1) no CA vouches for."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))

    class Ok(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None: ...

    server = HTTPServer(("127.0.0.1", 0), Ok)
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server.socket = served.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_an_endpoint_no_ca_vouches_for_is_refused(untrusted_https: str) -> None:
    session = requests.Session()
    session.mount("https://", DaraCore.get_adapter("HTTPS", "TLSv1.2"))
    with pytest.raises(requests.exceptions.SSLError, match="CERTIFICATE_VERIFY_FAILED"):
        session.get(untrusted_https, timeout=5)
