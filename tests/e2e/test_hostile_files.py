"""Property-based fuzzing (hypothesis) of the files a person writes and aliaudit parses (issue 21, items 8 and
11): ~/.alibabacloud/credentials.ini, ~/.aliyun/config.json and the --config YAML. Whatever the bytes, the
parser gives a usable result or one clear error of its own type: one line, naming the file, never a secret
planted in the file, never a traceback (RecursionError, OverflowError, UnicodeDecodeError, TypeError, ...).
A loaded config's thresholds also survive the date arithmetic the checks do with them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aliaudit import errors
from aliaudit.accounts import AccountsSpec
from aliaudit.config import AuditConfig
from aliaudit.credentials.profiles import Built, build_cli_profile, build_ini_profile, load_cli_config
from aliaudit.settings import EndpointSettings

PROFILE = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                          HealthCheck.function_scoped_fixture])
MARKER = "S3CRET-MARKER-7f3a9c"
SETTINGS = EndpointSettings()

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
secrets = st.builds(lambda a, b: f"{a}{MARKER}{b}", st.text(max_size=6), st.text(max_size=6))
names = st.sampled_from(["default", "prod", "a", "b", "c"])


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile-files")


def _clear(err: BaseException, kind: type[BaseException], path: Path) -> None:
    """The parser's own error type; one line naming the file; the planted secret nowhere in it."""
    assert isinstance(err, kind), f"{type(err).__name__}: {err}"
    text = str(err)
    assert text.strip() and "\n" not in text and len(text) < 2000, text
    assert str(path) in text, text
    assert MARKER not in text, text


# --- credentials.ini ---------------------------------------------------------------------------------

ini_keys = st.sampled_from(["type", "access_key_id", "access_key_secret", "security_token", "role_arn",
                            "role_session_name", "oidc_provider_arn", "oidc_token_file_path", "credentials_uri",
                            "role_name"])
ini_types = st.sampled_from(["access_key", "sts", "ram_role_arn", "ecs_ram_role", "oidc_role_arn", "credentials_uri",
                             "bogus"])
ini_values = st.one_of(secrets, st.text(max_size=12).filter(lambda t: "\n" not in t and "\r" not in t),
                       st.sampled_from(["%", "%(x)s", "%%", "%(", "$HOME", "${x}", "a = b", "[x]", ";c", "#c"]))
ini_lines = st.one_of(
    st.tuples(ini_keys, ini_values).map(lambda kv: f"{kv[0]} = {kv[1]}"),
    ini_types.map(lambda t: f"type = {t}"),
    names.map(lambda n: f"[{n}]"),
    secrets.map(lambda s: f"  {s}"),  # a continuation line, or a line before any section
    secrets,  # a bare line
    st.sampled_from(["", "; comment", "# comment", "[", "]", "=", "[default", "key"]),
)
ini_docs = st.one_of(
    st.lists(ini_lines, max_size=12).map(lambda lines: "\n".join(lines).encode()),
    st.lists(ini_lines, max_size=8).map(lambda lines: "\n".join(["[default]", *lines]).encode()),
    st.binary(max_size=120).map(lambda b: b"[default]\naccess_key_secret = " + b),
    st.binary(max_size=80))


@PROFILE
@given(ini_docs, names)
def test_credentials_ini_gives_a_profile_or_one_clear_error(files: Path, content: bytes, name: str):
    path = files / "credentials.ini"
    path.write_bytes(content)
    try:
        built = build_ini_profile(path, name, SETTINGS, "aliaudit-fuzz")
    except Exception as err:
        _clear(err, errors.AuthError, path)
        return
    assert built is None or isinstance(built, Built)


def test_a_percent_in_an_ini_secret_is_kept_as_written(files: Path):
    path = files / "pct.ini"
    path.write_text(f"[default]\naccess_key_id = LTAIx\naccess_key_secret = a%(b)s%{MARKER}%\n")
    built = build_ini_profile(path, "default", SETTINGS, "s")
    assert built is not None
    assert built.provider.get_credentials().get_access_key_secret() == f"a%(b)s%{MARKER}%"


# --- ~/.aliyun/config.json -------------------------------------------------------------------------------

modes = st.sampled_from(["AK", "StsToken", "RamRoleArn", "EcsRamRole", "ChainableRamRoleArn", "OIDC",
                         "CredentialsURI", "External", ""])
profile_fields = {
    "name": st.one_of(names, json_values), "mode": st.one_of(modes, json_values),
    "access_key_id": st.one_of(st.just("LTAIx"), json_values), "access_key_secret": st.one_of(secrets, json_values),
    "sts_token": st.one_of(secrets, json_values), "ram_role_arn": st.one_of(st.just("acs:ram::1:role/r"), json_values),
    "source_profile": st.one_of(names, json_values), "expired_seconds": st.one_of(st.integers(), json_values),
    "ram_session_name": json_values, "external_id": json_values, "policy": json_values,
    "oidc_provider_arn": json_values, "oidc_token_file": json_values, "credentials_uri": json_values,
    "ram_role_name": json_values}
profiles = st.fixed_dictionaries({}, optional=profile_fields)
cli_docs = st.one_of(
    st.fixed_dictionaries({}, optional={"current": st.one_of(names, json_values),
                                        "profiles": st.one_of(st.lists(profiles, max_size=5), json_values)})
    .map(lambda d: json.dumps(d).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=80),
    st.integers(1, 5000).map(lambda n: b'{"profiles": ' + b"[" * n + b"]" * n + b"}"))


@PROFILE
@given(cli_docs)
def test_cli_config_gives_profiles_or_one_clear_error(files: Path, content: bytes):
    path = files / "config.json"
    path.write_bytes(content)
    try:
        config = load_cli_config(path)
        assert isinstance(config, dict)
        wanted = {config.get("current") or "default", "default", "a", "b", "c"}
        built = [build_cli_profile(config, name, path, SETTINGS, "aliaudit-fuzz") for name in sorted(wanted)]
    except Exception as err:
        _clear(err, errors.AuthError, path)
        return
    assert all(isinstance(b, Built) for b in built)


def test_a_profile_chain_is_bounded(files: Path):
    path = files / "chain.json"
    chain = [{"name": "p0", "mode": "AK", "access_key_id": "LTAIx", "access_key_secret": MARKER}]
    chain += [{"name": f"p{n}", "mode": "ChainableRamRoleArn", "source_profile": f"p{n - 1}",
               "ram_role_arn": "acs:ram::1:role/r"} for n in range(1, 5000)]
    path.write_text(json.dumps({"profiles": chain}))
    config = load_cli_config(path)
    assert config is not None
    assert isinstance(build_cli_profile(config, "p15", path, SETTINGS, "s"), Built)  # 16 profiles: fine
    with pytest.raises(errors.ProfileLoop, match="longer than 16 profiles"):
        build_cli_profile(config, "p16", path, SETTINGS, "s")
    with pytest.raises(errors.ProfileLoop, match="longer than 16 profiles") as caught:
        build_cli_profile(config, "p4999", path, SETTINGS, "s")
    _clear(caught.value, errors.AuthError, path)


# --- the --config YAML -----------------------------------------------------------------------------------

DAY_FIELDS = ["access_key_max_age_days", "access_key_unused_days", "console_inactivity_days", "log_retention_days",
              "audit_retention_days", "rds_backup_retention_days", "kms_rotation_days", "ack_inspection_max_age_days",
              "access_key_event_days"]
numbers = st.one_of(st.integers(), st.integers(-(2 ** 70), 2 ** 70), st.floats(), st.sampled_from(
    [99999999999, 10 ** 30, -1, 0, 1, 36500, 36501, float("inf"), float("nan"), 1e308, "90", "1e9", True]))
thresholds = st.fixed_dictionaries({}, optional={
    **{f: numbers for f in DAY_FIELDS},
    "security_center_fingerprint_max_hours": numbers, "public_port_range_max": numbers,
    "risky_ports": st.lists(numbers, max_size=3), "risky_udp_ports": st.one_of(st.lists(numbers, max_size=3), numbers),
    "password_policy": st.one_of(st.fixed_dictionaries({}, optional={
        "minimum_length": numbers, "reuse_prevention": numbers, "max_age_days": numbers,
        "max_login_attempts": numbers}), json_values)})


def _yaml(value: Any) -> bytes:
    return yaml.safe_dump(value, allow_unicode=True).encode()


config_docs = st.one_of(
    thresholds.map(_yaml),
    thresholds.map(lambda t: _yaml({"thresholds": t})),
    st.tuples(thresholds, json_values).map(lambda tv: _yaml({**tv[0], "accounts": tv[1]})),
    st.sampled_from(["resource-directory", ["1234567890123456"], {"mode": "list", "ids": ["x"]},
                     {"mode": "resource-directory", "concurrency": 10 ** 12}]).map(lambda a: _yaml({"accounts": a})),
    st.binary(max_size=80), st.text(max_size=80).map(str.encode),
    st.integers(1, 3000).map(lambda n: b"a: " + b"[" * n + b"]" * n + b"\n"))


@PROFILE
@given(config_docs)
@example(b"accounts:\n? '\n\n'")  # a key holding newlines (found by this test): its error is still one line
@example(b"? '\n\n'\n: 1")
def test_config_yaml_loads_usable_thresholds_or_one_clear_error(files: Path, content: bytes):
    path = files / "config.yaml"
    path.write_bytes(content)
    try:
        config = AuditConfig.load(path)
        spec = AccountsSpec.parse(AuditConfig.accounts_section(path), f"config file {path}")
    except Exception as err:
        _clear(err, errors.ConfigError, path)
        return
    assert isinstance(spec, AccountsSpec)
    now = datetime.now(timezone.utc)
    for field in DAY_FIELDS:  # what the checks do with them must not overflow
        assert now - timedelta(days=getattr(config, field)) < now
    assert now - timedelta(hours=config.security_center_fingerprint_max_hours) < now
    assert now - timedelta(days=config.password_policy.max_age_days) <= now
    assert all(1 <= p <= 65535 for p in config.risky_ports + config.risky_udp_ports)
