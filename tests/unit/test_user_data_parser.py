"""ECS user data (DescribeUserData UserData, Base64): decoded within bounds, scanned in linear time, and no value (nor
an AccessKey ID inside a variable's name) reaches the dataset or a finding; what cannot be decoded is ERROR for the
instance, never PASS and never an exception that loses the region. The emulator holds user data as text (it cannot
answer gzip or text that is not Base64), so the collector's reader, read_user_data, is fed the answered UserData
text; plain user data through the SDK is in tests/e2e/test_checks_ecs.py."""

from __future__ import annotations

import base64
import gzip
import json
import time

import pytest

from aliaudit.checks.registry import Inputs, all_checks
from aliaudit.collectors.ecs import (
    MAX_USER_DATA,
    USER_DATA,
    UserDataInfo,
    UserDataUnreadable,
    decode_user_data,
    read_user_data,
    user_data_hits,
)
from aliaudit.config import AuditConfig

AK = "LTAI5tAbCdEfGhIjKlMnOpQr"
SECRET = "s3cr3tValue-9f8e7d6c5b4a"


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def read(answers: dict[str, str]) -> list[UserDataInfo]:
    """The dataset the collector builds from these DescribeUserData answers (UserData text by instance id)."""
    return [read_user_data(UserDataInfo(instance_id=i, name=i), raw) for i, raw in answers.items()]


def verdicts(answers: dict[str, str]) -> dict[str, tuple[str, str]]:
    check = all_checks()["ecs_instance_user_data_no_access_keys"]
    results = list(check.fn(Inputs({USER_DATA.name: read(answers)}, AuditConfig(), "cn-hangzhou", "1", None)))
    return {r.resource_id: (r.status.value, r.message) for r in results}


def test_a_long_line_is_scanned_in_linear_time() -> None:
    # the old name pattern ([A-Z0-9_.-]* around the keyword) backtracked cubically: 4 KB took minutes
    for line in ("SECRET" * 6000, "a" * 40000, "PASSWORD=" * 4000, "x_secret" * 5000):
        start = time.monotonic()
        user_data_hits(line)
        assert time.monotonic() - start < 1.0


def test_an_access_key_id_in_a_variable_name_is_masked() -> None:
    hits = user_data_hits(f"{AK}_SECRET={SECRET}\n")
    assert hits and not any(AK in h or SECRET in h for h in hits)
    assert "line 1: a value assigned to LTAI****_SECRET" in hits


@pytest.mark.parametrize("raw, reason", [
    ("#!/bin/sh\nexport KEY=" + AK, "not Base64"),
    ("abcde", "not Base64"),
    ("A" * (MAX_USER_DATA + 4), "larger than"),
    (b64(b"\x1f\x8b\x08\x00garbage-not-gzip"), "does not decompress"),
    (b64(gzip.compress(b"\0" * 10**6)), "decompresses to more than"),
])
def test_undecodable_user_data_is_error_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(UserDataUnreadable, match=reason):
        decode_user_data(raw)
    status, message = verdicts({"i-bad": raw})["i-bad"]
    assert status == "ERROR" and reason in message and AK not in message


def test_gzip_user_data_is_scanned() -> None:
    raw = b64(gzip.compress(f"#!/bin/sh\nexport ALIBABA_CLOUD_ACCESS_KEY_ID={AK}\n".encode()))
    assert verdicts({"i-gz": raw})["i-gz"][0] == "FAIL"


def test_no_value_reaches_the_dataset_or_findings() -> None:
    text = (f"#!/bin/sh\nexport ALIBABA_CLOUD_ACCESS_KEY_ID={AK}\nexport ALIBABA_CLOUD_ACCESS_KEY_SECRET={SECRET}\n"
            f"{AK}_PASSWORD={SECRET}\naliyun configure --access-key-secret {SECRET}\n")
    answers = {"i-leak": b64(text), "i-gz": b64(gzip.compress(text.encode())), "i-bad": text}
    data = read(answers)
    dumped = json.dumps([u.model_dump(mode="json") for u in data]) + json.dumps(verdicts(answers))
    assert AK not in dumped and SECRET not in dumped
    got = verdicts(answers)
    assert got["i-leak"][0] == got["i-gz"][0] == "FAIL" and got["i-bad"][0] == "ERROR"


def test_every_gzip_member_is_scanned() -> None:
    """cloud-init inflates every member of gzip user data: a secret in the second counts."""
    raw = b64(gzip.compress(b"echo hi\n") + gzip.compress(f"export DB_PASSWORD={SECRET}\n{AK}\n".encode()))
    status, message = verdicts({"i-two": raw})["i-two"]
    assert status == "FAIL" and "line 2: a value assigned to DB_PASSWORD" in message and SECRET not in message
    for raw, reason in ((b64(gzip.compress(b"echo hi\n") + b"trailing"), "other data after"),
                        (b64(gzip.compress(b"echo hi\n" * 100)[:-9]), "cut short"),
                        (b64(gzip.compress(b"\0" * 200_000) * 2), "decompresses to more than")):
        assert verdicts({"i-bad": raw})["i-bad"][0] == "ERROR", reason
        with pytest.raises(UserDataUnreadable, match=reason):
            decode_user_data(raw)
    assert verdicts({"i-pad": b64(gzip.compress(b"echo hi\n") + b"\0\0\0")})["i-pad"][0] == "PASS"


def _mime(*parts: tuple[str, str, bytes]) -> bytes:
    """A cloud-init MIME multi-part archive: (content type, transfer encoding, payload) per part."""
    out = [b'Content-Type: multipart/mixed; boundary="BOUNDARY"', b"MIME-Version: 1.0", b""]
    for ctype, encoding, payload in parts:
        out += [b"--BOUNDARY", f"Content-Type: {ctype}".encode(), f"Content-Transfer-Encoding: {encoding}".encode(),
                b"", payload]
    return b"\n".join([*out, b"--BOUNDARY--", b""])


def test_each_part_of_a_mime_archive_is_decoded_and_scanned() -> None:
    """cloud-init reads user data with 'mime-version:' in its first 4096 bytes as a MIME archive, each part decoded
    by its transfer encoding and inflated when gzip (cloudinit/user_data.py): a secret in a Base64 or gzip part
    counts, and the finding names the part."""
    secret_part = f"#!/bin/sh\nexport ALIBABA_CLOUD_ACCESS_KEY_SECRET={SECRET}\n".encode()
    archive = _mime(("text/cloud-config", "7bit", b"#cloud-config\npackages: [nginx]"),
                    ("text/x-shellscript", "base64", base64.b64encode(secret_part)),
                    ("application/x-gzip", "base64", base64.b64encode(gzip.compress(f"{AK}\n".encode()))))
    status, message = verdicts({"i-mime": b64(archive)})["i-mime"]
    assert status == "FAIL", message
    assert "part 2 line 2: a value assigned to ALIBABA_CLOUD_ACCESS_KEY_SECRET" in message
    assert "part 3 line 1: an AccessKey ID" in message and SECRET not in message and AK not in message
    clean = _mime(("text/x-shellscript", "base64", base64.b64encode(b"echo hello\n")))
    assert verdicts({"i-clean": b64(gzip.compress(clean))})["i-clean"][0] == "PASS"
    many = _mime(*[("text/plain", "7bit", b"x")] * 101)
    assert verdicts({"i-many": b64(many)})["i-many"][0] == "ERROR"


def test_a_name_is_shown_only_when_it_is_a_secret_words_name() -> None:
    """A token that merely contains a secret word can itself be the secret (`sshpass -p MySecret9x = ...`): only a
    name with SECRET, PASSWORD or PASSWD as a whole word is shown."""
    assert user_data_hits("export DB_PASSWORD=abcdefghij") == ["line 1: a value assigned to DB_PASSWORD"]
    assert user_data_hits("aliyun configure --access-key-secret abcdefghijk") == [
        "line 1: a value assigned to --access-key-secret"]
    hidden = user_data_hits("sshpass -p MySecretPw1 = somethinglong")
    assert hidden == ["line 1: a value assigned to a name that is not shown (it may be the value)"]
    assert "MySecretPw1" not in hidden[0]
