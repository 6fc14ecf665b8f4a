"""Hostile input to the `aliaudit` command (issue 21, items 8, 10 and 11): credentials files, the --config
file, the output directory, slow or huge credential services, unreachable endpoints. Every case ends in one
line on stderr with the documented exit code, never a traceback, a hang or a secret. The command runs as a
subprocess against the emulator (or against nothing, when the error must come before any call)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.sdk import ACCOUNT, base_scenario, load

SCRIPT = str(Path(sys.executable).parent / "aliaudit")
PCT_AK = "LTAIpercent00000001"
# configparser's interpolation chokes on '%' and its message printed the rest of the secret
PCT_SECRET = "pct%(x)s%zz-REST-OF-THE-SECRET-0001"
MARKER = "S3CRET-MARKER-7f3a9c"  # a secret planted in hostile files: it must never be printed


def scenario() -> dict:
    data = base_scenario()
    data["accounts"][0]["ram"]["users"].append({"name": "pct", "access_keys": [{"id": PCT_AK, "secret": PCT_SECRET}],
                                                "policies": [{"name": "ReadOnlyAccess"}]})
    return data


@pytest.fixture()
def run(cloud, tmp_path):
    load(cloud, scenario())
    home = tmp_path / "home"
    (home / ".alibabacloud").mkdir(parents=True)
    (home / ".aliyun").mkdir()

    def run_cli(*args: str, env: dict | None = None, proxy: bool = True, timeout: float = 60,
                prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
        full = {"PATH": os.environ["PATH"], "HOME": str(home)}
        if proxy:
            full.update(ALIAUDIT_ENDPOINT_PROXY=cloud.url, ALIAUDIT_ENDPOINT_PROTOCOL="http")
        full.update(env or {})
        return subprocess.run([*prefix, SCRIPT, *args], capture_output=True, text=True, env=full, timeout=timeout,
                              cwd=tmp_path)

    run_cli.home = home  # type: ignore[attr-defined]
    return run_cli


def one_line(result: subprocess.CompletedProcess, code: int, *fragments: str, secrets: tuple[str, ...] = ()) -> str:
    """The documented exit code, one error line naming what failed, no traceback, no secret."""
    emitted = result.stdout + result.stderr
    assert "Traceback" not in emitted, emitted[-3000:]
    assert result.returncode == code, (result.returncode, emitted[-3000:])
    line = result.stderr.strip()
    assert line.count("\n") == 0 and ": error: " in line, line
    for fragment in fragments:
        assert fragment in line, line
    for secret in (MARKER, PCT_SECRET, PCT_SECRET.split("%")[-1], *secrets):
        assert secret not in emitted, emitted
    return line


def ini(run, text: str | bytes) -> Path:
    path = run.home / ".alibabacloud" / "credentials.ini"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def cli_config(run, data: object) -> Path:
    path = run.home / ".aliyun" / "config.json"
    path.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode())
    return path


# --- item 8: a secret in a traceback ---------------------------------------------------------------

def test_ini_secret_with_a_percent_sign_is_read_as_written(run):
    ini(run, f"[default]\ntype = access_key\naccess_key_id = {PCT_AK}\naccess_key_secret = {PCT_SECRET}\n")
    out = run("whoami", "--format", "json")
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout)["arn"] == f"acs:ram::{ACCOUNT}:user/pct"
    assert PCT_SECRET not in out.stdout + out.stderr


@pytest.mark.parametrize(("text", "problem"), [
    (f"access_key_secret = {MARKER}\n[default]\n", "line 1: a setting before any [section] header"),
    (f"[default]\naccess_key_id = LTAIx\n{MARKER}%(oops\n", "line 3: not a [section] header, a 'key = value' line"),
    (f"[default]\naccess_key_secret = {MARKER}\naccess_key_secret = {MARKER}2\n",
     "line 3: 'access_key_secret' appears twice in section [default]"),
    (f"[default]\naccess_key_secret = a\n[default]\nx = {MARKER}\n", "line 3: section [default] appears twice"),
])
def test_malformed_ini_is_one_line_with_file_and_line_and_no_value(run, text, problem):
    path = ini(run, text)
    one_line(run("whoami"), 2, f"{path} is not a valid ini file", problem)


def test_ini_type_on_the_wrong_line_is_not_echoed(run):
    ini(run, f"[default]\ntype = {MARKER}\naccess_key_id = LTAIx\n")
    one_line(run("whoami"), 2, "unsupported type (not a known type)")


# --- item 11: files that are not what they should be -----------------------------------------------

def test_non_utf8_credentials_ini_is_one_line(run):
    path = ini(run, b"[default]\naccess_key_id = LTAIx\naccess_key_secret = \xff\xfe" + MARKER.encode() + b"\n")
    one_line(run("whoami"), 2, f"{path} is not UTF-8 text (line 3)")


def test_non_utf8_cli_config_is_one_line(run):
    path = cli_config(run, b'{"current": "a", "profiles": [{"name": "a", "access_key_secret": "\xc3\x28' +
                      MARKER.encode() + b'"}]}')
    one_line(run("whoami"), 2, f"{path} is not UTF-8 text (line 1)")


@pytest.mark.parametrize(("config", "problem"), [
    ({"current": ["a"], "profiles": []}, "'current' must be a profile name"),
    ({"current": "a", "profiles": [{"name": ["a"], "mode": "AK"}]}, "profiles[0]: 'name' must be a string"),
    ({"current": "a", "profiles": [{"name": "a", "mode": "AK", "access_key_id": "LTAIx",
                                    "access_key_secret": {"v": MARKER}}]},
     "profile 'a': 'access_key_secret' must be a string, not dict"),
    ({"current": "a", "profiles": [{"name": "a", "mode": "RamRoleArn", "access_key_id": "LTAIx",
                                    "access_key_secret": MARKER, "ram_role_arn": "acs:ram::1:role/r",
                                    "expired_seconds": "an hour"}]}, "'expired_seconds' must be a whole number"),
    ({"current": "a", "profiles": [{"name": "a", "mode": "RamRoleArn", "access_key_id": "LTAIx",
                                    "access_key_secret": MARKER, "ram_role_arn": "acs:ram::1:role/r",
                                    "expired_seconds": 1e300}]}, "'expired_seconds' must be a whole number"),
    ({"current": "a", "profiles": [{"name": "a", "mode": ["AK"], "access_key_secret": MARKER}]},
     "has mode '<list>', which aliaudit does not support"),
])
def test_mistyped_cli_config_is_one_line(run, config, problem):
    path = cli_config(run, config)
    one_line(run("whoami"), 2, str(path), problem)


def test_cli_config_nested_too_deeply_is_one_line(run):
    path = cli_config(run, b'{"profiles": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    one_line(run("whoami"), 2, f"{path} is nested too deeply")


def test_a_thousand_deep_profile_chain_is_refused_not_recursed(run):
    profiles = [{"name": "p0", "mode": "AK", "access_key_id": "LTAIx", "access_key_secret": MARKER}]
    profiles += [{"name": f"p{n}", "mode": "ChainableRamRoleArn", "source_profile": f"p{n - 1}",
                  "ram_role_arn": f"acs:ram::{ACCOUNT}:role/auditor"} for n in range(1, 1000)]
    cli_config(run, {"current": "p999", "profiles": profiles})
    one_line(run("whoami"), 2, "source_profile chain from 'p999' is longer than 16 profiles")


def test_a_credentials_file_that_is_a_fifo_does_not_block(run):
    path = run.home / ".alibabacloud" / "credentials.ini"
    os.mkfifo(path)
    one_line(run("whoami", timeout=30), 2, f"{path} is not a regular file")


# --- item 11: the output directory, checked before any call; reports never written through a link ---------

def _no_credentials_needed(result: subprocess.CompletedProcess, *fragments: str) -> str:
    """Refused with exit 1 before credentials are even resolved (none are configured: a scan that got that far
    would have failed with 'no credentials found', exit 2)."""
    line = one_line(result, 1, *fragments)
    assert "no credentials found" not in line and "Identity:" not in result.stderr
    return line


def test_output_dir_that_is_a_file_is_refused_first(run, tmp_path):
    (tmp_path / "out").write_text("not a directory")
    _no_credentials_needed(run("scan", "--output-dir", "out", proxy=False),
                           "--output-dir out: it is a file, not a directory")


def test_output_dir_under_a_file_is_refused_first(run, tmp_path):
    (tmp_path / "file").write_text("x")
    _no_credentials_needed(run("scan", "--output-dir", "file/reports", proxy=False),
                           "--output-dir file/reports: file is a file, not a directory")


def test_output_dir_that_is_a_dangling_link_is_refused_first(run, tmp_path):
    (tmp_path / "out").symlink_to(tmp_path / "gone")
    _no_credentials_needed(run("scan", "--output-dir", "out", proxy=False),
                           f"--output-dir out: it is a symbolic link to {tmp_path / 'gone'}, which does not exist")


def test_read_only_output_dir_is_refused_first(run, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:  # root ignores the mode: run without the capabilities that let it
        setpriv = shutil.which("setpriv")
        if not setpriv:
            pytest.skip("running as root without setpriv: a read-only directory cannot be made")
        prefix = (setpriv, "--bounding-set=-dac_override,-dac_read_search", "--")
    _no_credentials_needed(run("scan", "--output-dir", "ro/out", proxy=False, prefix=prefix),
                           "--output-dir ro/out: cannot create it (Permission denied)")
    _no_credentials_needed(run("scan", "--output-dir", "ro", proxy=False, prefix=prefix),
                           "--output-dir ro: cannot write in it (Permission denied)")


def test_a_link_planted_in_the_output_dir_is_replaced_not_followed(run, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    for name in ("aliaudit.csv", "aliaudit.summary.json"):
        (out / name).symlink_to(victim)
    (out / "aliaudit.html").symlink_to(tmp_path / "created-elsewhere.html")  # a link to a file not there yet
    result = run("scan", "--check", "ram_password_policy_lowercase", "--processes", "1", "--quiet",
                 "--output-formats", "csv", "summary", "html", "--output-dir", "out",
                 env={"ALIBABA_CLOUD_ACCESS_KEY_ID": PCT_AK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": PCT_SECRET})
    assert result.returncode in (0, 3, 4), result.stderr[-3000:]
    assert victim.read_text() == "precious" and not (tmp_path / "created-elsewhere.html").exists()
    for name in ("aliaudit.csv", "aliaudit.summary.json", "aliaudit.html"):
        assert not (out / name).is_symlink() and (out / name).stat().st_size > 0
    assert sorted(p.name for p in out.iterdir()) == ["aliaudit.csv", "aliaudit.html", "aliaudit.summary.json"]


def test_a_link_planted_for_an_account_directory_is_refused(tmp_path):
    from aliaudit.reports import writer

    (tmp_path / "accounts").mkdir()
    (tmp_path / "accounts" / "1000000000000002").symlink_to(tmp_path)
    with pytest.raises(writer.OutputError, match="1000000000000002 is a symbolic link"):
        writer.subdirectory(tmp_path, "accounts", "1000000000000002")
    with pytest.raises(writer.OutputError, match="cannot name a directory"):
        writer.subdirectory(tmp_path, "accounts", "..")
    assert writer.subdirectory(tmp_path, "accounts", "1000000000000003").is_dir()


# --- item 11: the --config file ----------------------------------------------------------------------

def test_an_absurd_threshold_is_refused_not_overflowed(run, tmp_path):
    """access_key_max_age_days: 99999999999 once passed validation and overflowed the date arithmetic mid-scan."""
    (tmp_path / "c.yaml").write_text("access_key_max_age_days: 99999999999\n")
    line = one_line(run("scan", "--family", "ram", "--processes", "1", "--config", "c.yaml", "--output-dir", "out",
                        env={"ALIBABA_CLOUD_ACCESS_KEY_ID": PCT_AK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": PCT_SECRET}),
                    1, "config file c.yaml: access_key_max_age_days: Input should be less than or equal to 36500")
    assert "Identity:" not in line


@pytest.mark.parametrize(("content", "problem"), [
    (b"risky_ports: [22, 70000]\n", "risky_ports.1: Input should be less than or equal to 65535"),
    (b"security_center_fingerprint_max_hours: 1.0e+400\n", "Input should be a finite number"),
    (b"log_retention_days: \xff\xfe\n", "not UTF-8 text"),
    (b"password_policy: [14]\n", "password_policy: Input should be a valid dictionary"),
    (b"accounts: 5\n", "config file c.yaml: accounts must be"),  # (validated before any call too)
])
def test_bad_config_files_are_one_line_before_any_call(run, tmp_path, content, problem):
    (tmp_path / "c.yaml").write_bytes(content)
    _no_credentials_needed(run("scan", "--config", "c.yaml", "--output-dir", "out", proxy=False), "c.yaml", problem)


# --- item 10: slow and huge credential services ----------------------------------------------------------

class _Server:
    """A local TCP server in a thread that answers every request with `reply(conn)` (its own connection each)."""

    def __init__(self, reply) -> None:
        self.reply, self.stop = reply, threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.requests: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        head = b""
        with contextlib.suppress(OSError), conn:
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            self.requests.append(head.split(b"\r\n", 1)[0])
            self.reply(conn, self.stop)

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def _drip(data: bytes, every: float = 0.3):
    def reply(conn: socket.socket, stop: threading.Event) -> None:
        for n in range(len(data)):
            if stop.is_set():
                return
            conn.sendall(data[n:n + 1])
            time.sleep(every)
    return reply


BODY = json.dumps({"Code": "Success", "AccessKeyId": "STS.x", "AccessKeySecret": MARKER, "SecurityToken": MARKER,
                   "Expiration": "2099-01-01T00:00:00Z"}).encode() + b" " * 1000
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(BODY)


def _drip_body(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(HEAD)
    _drip(BODY)(conn, stop)


@pytest.fixture()
def server():
    made: list[_Server] = []

    def make(reply) -> _Server:
        made.append(_Server(reply))
        return made[-1]

    yield make
    for s in made:
        s.close()


FAST = {"ALIAUDIT_CONNECT_TIMEOUT_MS": "500", "ALIAUDIT_READ_TIMEOUT_MS": "1000", "ALIAUDIT_MAX_ATTEMPTS": "1"}


@pytest.mark.parametrize("case", ["uri-body", "uri-headers", "sts-caller-identity", "sts-assume-role", "ecs-metadata",
                                  "oidc"])
def test_a_service_dripping_one_byte_at_a_time_meets_a_total_deadline(run, server, tmp_path, case):
    """Each read arrives within the read timeout, so only a total deadline ends the call: the sum of the
    timeouts (1.5 s here; 7.5 s for the metadata service's five at most: the token, the role name, the credentials
    and those two again without the token), then one line and exit 6."""
    drip = server(_drip_body if case != "uri-headers" else _drip(HEAD + BODY))
    env = {**FAST, "ALIBABA_CLOUD_ACCESS_KEY_ID": PCT_AK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": PCT_SECRET}
    token = tmp_path / "token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.e30.sig")
    args = {"uri-body": ["--credentials-uri", f"{drip.url}/creds?token={MARKER}"],
            "uri-headers": ["--credentials-uri", f"{drip.url}/creds"],
            "sts-caller-identity": ["--sts-endpoint", drip.url],
            "sts-assume-role": ["--role-arn", f"acs:ram::{ACCOUNT}:role/auditor", "--proxy", drip.url],
            "ecs-metadata": ["--ecs-ram-role", "auditor"],  # (asked directly: ALIAUDIT_METADATA_ENDPOINT below)
            "oidc": ["--role-arn", f"acs:ram::{ACCOUNT}:role/auditor", "--oidc-provider-arn",
                     f"acs:ram::{ACCOUNT}:oidc-provider/ack", "--oidc-token-file", str(token), "--proxy",
                     drip.url]}[case]
    started = time.monotonic()
    # (no emulator proxy: the calls go to the drip server itself, or through it as the proxy)
    env["ALIAUDIT_METADATA_ENDPOINT"] = drip.url
    result = run("whoami", *args, env={**env, "ALIAUDIT_ENDPOINT_PROTOCOL": "http"}, timeout=40, proxy=False)
    took = time.monotonic() - started
    line = one_line(result, 6, "within")
    assert took < 20, took
    assert drip.requests, "the drip server was never asked"
    assert "token=" not in line  # the URI's query (it may carry a token) is not printed


def _huge(declare_length: bool):
    def reply(conn: socket.socket, stop: threading.Event) -> None:
        size = 100 * 1024 * 1024
        length = b"Content-Length: %d\r\n" % size if declare_length else b""
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n" + length + b"\r\n")
        chunk = b'{"a": "' + b"x" * (1024 * 1024)
        for _ in range(100):
            if stop.is_set():
                return
            conn.sendall(chunk)
    return reply


@pytest.mark.parametrize("declare_length", [True, False])
def test_a_huge_credentials_uri_reply_is_not_read_whole(run, server, declare_length):
    big = server(_huge(declare_length))
    one_line(run("whoami", "--credentials-uri", f"{big.url}/creds", env=FAST, proxy=False), 2,
             f"credentials URI: the reply of {big.url}/creds is larger than 1024 KiB")


def test_a_huge_oidc_token_file_is_not_sent(run, tmp_path):
    token = tmp_path / "token"
    with token.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    one_line(run("whoami", env={"ALIBABA_CLOUD_ROLE_ARN": f"acs:ram::{ACCOUNT}:role/auditor",
                                "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": f"acs:ram::{ACCOUNT}:oidc-provider/ack",
                                "ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(token)}),
             2, f"OIDC role: the OIDC token file {token} is larger than 64 KiB")


# --- item 11: exit codes: usage errors, and unreachable is not "authentication failed" --------------------

@pytest.mark.parametrize("args", [["scan", "--bogus"], ["scan", "--output-formats", "pdf"], ["nope"],
                                  ["scan", "--processes", "x"], ["list-compliance", "nist"], ["whoami", "--format"]])
def test_usage_errors_have_their_own_exit_code(run, args):
    """argparse exits 2, which the README reserves for authentication errors: usage errors exit 5."""
    line = one_line(run(*args, proxy=False), 5, "error: ", "--help")
    assert line.startswith("aliaudit")


def test_an_unreachable_proxy_is_not_an_authentication_failure(run, server):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: connection refused
    env = {**FAST, "ALIBABA_CLOUD_ACCESS_KEY_ID": PCT_AK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": PCT_SECRET}
    for extra in ([], ["--role-arn", f"acs:ram::{ACCOUNT}:role/auditor"]):
        line = one_line(run("whoami", "--proxy", f"http://proxyuser:{MARKER}@127.0.0.1:{port}", *extra, env=env,
                            proxy=False), 6, "cannot reach STS at sts.aliyuncs.com through the proxy "
                                             f"http://127.0.0.1:{port}", "proxy refused the connection")
        assert "authentication failed" not in line


def test_a_host_that_does_not_resolve_is_not_an_authentication_failure(run):
    env = {**FAST, "ALIBABA_CLOUD_ACCESS_KEY_ID": PCT_AK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": PCT_SECRET}
    line = one_line(run("whoami", "--sts-endpoint", "sts.does-not-exist.invalid", env=env, proxy=False), 6,
                    "cannot reach STS at sts.does-not-exist.invalid", "does not resolve")
    assert "authentication failed" not in line


def test_a_total_outage_is_not_an_authentication_failure(run, admin):
    admin.faults(error_rate=1.0)
    env = {**FAST, "ALIAUDIT_READ_TIMEOUT_MS": "5000", "ALIBABA_CLOUD_ACCESS_KEY_ID": PCT_AK,
           "ALIBABA_CLOUD_ACCESS_KEY_SECRET": PCT_SECRET}
    for extra in ([], ["--role-arn", f"acs:ram::{ACCOUNT}:role/auditor"]):
        line = one_line(run("whoami", *extra, env=env), 6, "STS at sts.aliyuncs.com", "answered ServiceUnavailable",
                        "unavailable")
        assert "authentication failed" not in line
    admin.faults(error_rate=0.0)
    assert run("whoami", env=env).returncode == 0  # the same credentials, once the cloud answers
