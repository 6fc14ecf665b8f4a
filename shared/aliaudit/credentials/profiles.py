"""Profiles of the Alibaba Cloud CLI (~/.aliyun/config.json) and of the SDKs' ini file
(~/.alibabacloud/credentials.ini), turned into providers that follow our endpoint settings.

Modes (config.json `mode`): AK, StsToken, RamRoleArn, EcsRamRole, ChainableRamRoleArn (source_profile, any
depth, loops refused), OIDC, CredentialsURI; a profile without one has the mode the CLI infers from its
fields. ini `type`: access_key, sts, ram_role_arn, ecs_ram_role, oidc_role_arn, credentials_uri.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alibabacloud_credentials_api import ICredentialsProvider

from .. import errors
from ..settings import EndpointSettings
from .providers import AssumeRoleProvider, EcsRoleProvider, OidcRoleProvider, StaticProvider, UriProvider

DEFAULT_SESSION_PREFIX = "aliaudit"


@dataclass
class Built:
    provider: ICredentialsProvider
    method: str  # human name of the method, e.g. "RAM role (profile 'prod')"
    access_key_hint: str | None = None  # the static AccessKey id involved, for error messages


MAX_FILE_BYTES = 1024 * 1024  # a credentials file larger than this is not one
MAX_CHAIN = 16  # source_profile hops: a deeper chain is refused, not recursed into


def read_credentials_file(path: Path) -> str | None:
    """A credentials file's text, None when it does not exist. Anything else that is not a regular UTF-8 file
    of at most MAX_FILE_BYTES is refused with one line naming the file (never its content)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # (a FIFO must not block the open)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise errors.MalformedCredentialsFile(f"cannot read {path}: {err.strerror}") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise errors.MalformedCredentialsFile(f"{path} is not a regular file")
        try:
            raw = fh.read(MAX_FILE_BYTES + 1)
        except OSError as err:
            raise errors.MalformedCredentialsFile(f"cannot read {path}: {err.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise errors.MalformedCredentialsFile(f"{path} is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB; it is "
                                              "not a credentials file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        raise errors.MalformedCredentialsFile(f"{path} is not UTF-8 text (line {line}); save it as UTF-8") from None


def load_cli_config(path: Path) -> dict[str, Any] | None:
    """The parsed config.json, None when absent; malformed files are refused with line and column."""
    text = read_credentials_file(path)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise errors.MalformedCredentialsFile(
            f"{path} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg}); fix it or run "
            "`aliyun configure`") from None
    except RecursionError:
        raise errors.MalformedCredentialsFile(f"{path} is nested too deeply to be a CLI configuration") from None
    if not isinstance(data, dict) or not isinstance(data.get("profiles", []), list):
        raise errors.MalformedCredentialsFile(f"{path}: expected an object with a 'profiles' list")
    if not isinstance(data.get("current", ""), str):
        raise errors.MalformedCredentialsFile(f"{path}: 'current' must be a profile name (a string)")
    for n, profile in enumerate(data.get("profiles", [])):
        if isinstance(profile, dict) and not isinstance(profile.get("name", ""), str):
            raise errors.MalformedCredentialsFile(f"{path}: profiles[{n}]: 'name' must be a string")
    return data


def _need(profile: dict[str, Any], key: str, path: Path) -> str:
    value = _opt(profile, key, path)
    if not value:
        raise errors.MalformedCredentialsFile(
            f"{path}: profile '{profile.get('name')}' (mode {_mode(profile)}) lacks '{key}'")
    return value


def _opt(profile: dict[str, Any], key: str, path: Path) -> str | None:
    """An optional text field; any other type is refused, naming the field (never its value)."""
    value = profile.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise errors.MalformedCredentialsFile(
            f"{path}: profile '{profile.get('name')}': '{key}' must be a string, not {type(value).__name__}")
    return value


def _mode(profile: dict[str, Any]) -> str:
    mode = profile.get("mode") or inferred_mode(profile) or ""
    return mode[:40] if isinstance(mode, str) else f"<{type(mode).__name__}>"


def inferred_mode(profile: dict[str, Any]) -> str | None:
    """The mode of a profile written without one, as the CLI infers it from the fields present
    (aliyun-cli config/profile.go, AutoModeRecognition): AccessKey and secret make AK, StsToken with sts_token,
    RamRoleArn with ram_role_arn; else private_key and key_pair_name RsaKeyPair, ram_role_name EcsRamRole,
    process_command External, oidc_provider_arn + oidc_token_file + ram_role_arn OIDC, cloud_sso_sign_in_url
    CloudSSO, bearer_token BearerToken. None: the fields name no mode."""
    def has(*keys: str) -> bool:
        return all(profile.get(k) not in (None, "") for k in keys)

    if has("access_key_id", "access_key_secret"):
        return "StsToken" if has("sts_token") else "RamRoleArn" if has("ram_role_arn") else "AK"
    for keys, mode in ((("private_key", "key_pair_name"), "RsaKeyPair"), (("ram_role_name",), "EcsRamRole"),
                       (("process_command",), "External"),
                       (("oidc_provider_arn", "oidc_token_file", "ram_role_arn"), "OIDC"),
                       (("cloud_sso_sign_in_url",), "CloudSSO"), (("bearer_token",), "BearerToken")):
        if has(*keys):
            return mode
    return None


def profile_names(names: Iterable[str]) -> str:
    """Profile names for an error: sorted, the first 20 and how many more."""
    known = sorted(names)
    return ", ".join(known[:20]) + (f" and {len(known) - 20} more" if len(known) > 20 else "") or "none"


def _duration(profile: dict[str, Any], path: Path) -> int:
    """expired_seconds: 0 or absent for the default hour, else 900-43200 (what STS accepts)."""
    value = profile.get("expired_seconds")
    if value in (None, "", 0, "0"):
        return 3600
    if isinstance(value, str) and value.isdigit() and len(value) < 7:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 900 <= value <= 43200:
        raise errors.MalformedCredentialsFile(f"{path}: profile '{profile.get('name')}': 'expired_seconds' must "
                                              "be a whole number of seconds from 900 to 43200 (or 0: one hour)")
    return value


def build_cli_profile(config: dict[str, Any], name: str, path: Path, settings: EndpointSettings,
                      session_name: str, chain: tuple[str, ...] = ()) -> Built:
    profiles = {p.get("name"): p for p in config.get("profiles", []) if isinstance(p, dict)
                and isinstance(p.get("name"), str)}
    if name in chain:
        loop = " -> ".join((*chain, name))
        raise errors.ProfileLoop(f"{path}: source_profile loop {loop}; point the last profile at an AK profile")
    if len(chain) >= MAX_CHAIN:
        raise errors.ProfileLoop(f"{path}: the source_profile chain from '{chain[0]}' is longer than {MAX_CHAIN} "
                                 f"profiles (at '{name}'); point a profile nearer the start at an AK profile")
    profile = profiles.get(name)
    if profile is None:
        listed = profile_names(str(n) for n in profiles)
        raise errors.UnknownProfile(f"profile '{name}' is not in {path} (profiles: {listed}); pick one with "
                                    "--profile / ALIBABA_CLOUD_PROFILE")
    mode = profile.get("mode") or inferred_mode(profile)
    where = f"profile '{name}' in {path}"
    if mode is None:
        raise errors.MalformedCredentialsFile(
            f"{path}: profile '{name}' has no 'mode' and its fields name none (an AccessKey pair, ram_role_name, or "
            f"an OIDC provider, token file and role); run `aliyun configure --profile {name}`")
    duration = _duration(profile, path)
    session = _opt(profile, "ram_session_name", path) or session_name
    # the profile's STS endpoint or region (aliyun-cli profile.go: sts_endpoint, else sts.<sts_region>), where the
    # command line and the environment name none
    sts = {key: value for key in ("sts_endpoint", "sts_region") if (value := _opt(profile, key, path))}
    given = settings  # (a source profile starts from these, its own STS settings applying to its own hop)
    if sts and not (settings.sts_endpoint or settings.sts_region):
        settings = settings.model_copy(update=sts)

    def need(key: str) -> str:
        return _need(profile, key, path)

    def opt(key: str) -> str | None:
        return _opt(profile, key, path)

    if mode == "AK":
        ak = need("access_key_id")
        return Built(StaticProvider(ak, need("access_key_secret")), f"AccessKey ({where})", ak)
    if mode == "StsToken":
        ak = need("access_key_id")
        return Built(StaticProvider(ak, need("access_key_secret"), need("sts_token"), "static_sts"),
                     f"STS token ({where})", ak)
    if mode == "RamRoleArn":
        ak = need("access_key_id")
        source = StaticProvider(ak, need("access_key_secret"), opt("sts_token"))
        role = need("ram_role_arn")
        return Built(AssumeRoleProvider(source, settings, role_arn=role, session_name=session, duration=duration,
                                        external_id=opt("external_id"), policy=opt("policy")),
                     f"RAM role {role} ({where})", ak)
    if mode == "ChainableRamRoleArn":
        role = need("ram_role_arn")
        inner = build_cli_profile(config, need("source_profile"), path, given, session_name, (*chain, name))
        return Built(AssumeRoleProvider(inner.provider, settings, role_arn=role, session_name=session,
                                        duration=duration, external_id=opt("external_id"), policy=opt("policy")),
                     f"RAM role {role} ({where}) via {inner.method}", inner.access_key_hint)
    if mode == "EcsRamRole":
        # (None: the library applies ALIBABA_CLOUD_IMDSV1_DISABLED, as for the environment's ECS role)
        return Built(EcsRoleProvider(settings, opt("ram_role_name"), None), f"ECS RAM role ({where})")
    if mode == "OIDC":
        return Built(OidcRoleProvider(settings, role_arn=need("ram_role_arn"), provider_arn=need("oidc_provider_arn"),
                                      token_file=need("oidc_token_file"),
                                      session_name=opt("role_session_name") or session,
                                      duration=duration), f"OIDC role ({where})")
    if mode == "CredentialsURI":
        return Built(UriProvider(need("credentials_uri"), settings), f"credentials URI ({where})")
    raise errors.MalformedCredentialsFile(f"{path}: profile '{name}' has mode '{_mode(profile)}', which aliaudit "
                                          "does not support (AK, StsToken, RamRoleArn, EcsRamRole, "
                                          "ChainableRamRoleArn, OIDC, CredentialsURI)")


def parse_ini(text: str, path: Path) -> configparser.ConfigParser:
    """credentials.ini parsed as written: no interpolation (a '%' in a secret is a character, not a reference).
    A malformed file is refused with one line naming the file, the line and the problem, never a value."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as err:
        raise errors.MalformedCredentialsFile(f"{path} is not a valid ini file ({_ini_problem(err)})") from None
    return parser


def _ini_problem(err: configparser.Error) -> str:
    line = getattr(err, "lineno", None) or next(iter(getattr(err, "errors", None) or []), (None,))[0]
    at = f"line {line}: " if line else ""
    if isinstance(err, configparser.MissingSectionHeaderError):
        return f"{at}a setting before any [section] header"
    if isinstance(err, configparser.DuplicateSectionError):
        return f"{at}section [{str(err.section)[:64]}] appears twice"
    if isinstance(err, configparser.DuplicateOptionError):
        return f"{at}'{str(err.option)[:64]}' appears twice in section [{str(err.section)[:64]}]"
    if isinstance(err, configparser.ParsingError):
        return f"{at}not a [section] header, a 'key = value' line or a comment"
    return f"{at}{type(err).__name__}"


def build_ini_profile(path: Path, name: str, settings: EndpointSettings, session_name: str) -> Built | None:
    """A section of credentials.ini; None when the file or the section does not exist."""
    text = read_credentials_file(path)
    if text is None:
        return None
    parser = parse_ini(text, path)
    if not parser.has_section(name):
        return None
    sec = dict(parser[name])
    where = f"section [{name}] of {path}"
    kind = sec.get("type", "access_key")
    # the type is named in errors only when it looks like one (a value on the wrong line may be a secret)
    shown = kind if re.fullmatch(r"[a-z_]{1,32}", kind) else "not a known type"

    def need(key: str) -> str:
        if not sec.get(key):
            raise errors.MalformedCredentialsFile(f"{path}: section [{name}] (type {shown}) lacks '{key}'")
        return sec[key]

    if kind == "access_key":
        return Built(StaticProvider(need("access_key_id"), need("access_key_secret")), f"AccessKey ({where})",
                     sec["access_key_id"])
    if kind == "sts":
        return Built(StaticProvider(need("access_key_id"), need("access_key_secret"), need("security_token"),
                                    "static_sts"), f"STS token ({where})", sec["access_key_id"])
    if kind == "ram_role_arn":
        source = StaticProvider(need("access_key_id"), need("access_key_secret"))
        return Built(AssumeRoleProvider(source, settings, role_arn=need("role_arn"),
                                        session_name=sec.get("role_session_name") or session_name),
                     f"RAM role {sec['role_arn']} ({where})", sec["access_key_id"])
    if kind == "ecs_ram_role":
        return Built(EcsRoleProvider(settings, sec.get("role_name") or None, None), f"ECS RAM role ({where})")
    if kind == "oidc_role_arn":
        return Built(OidcRoleProvider(settings, role_arn=need("role_arn"), provider_arn=need("oidc_provider_arn"),
                                      token_file=need("oidc_token_file_path"),
                                      session_name=sec.get("role_session_name") or session_name),
                     f"OIDC role ({where})")
    if kind == "credentials_uri":
        return Built(UriProvider(need("credentials_uri"), settings), f"credentials URI ({where})")
    raise errors.MalformedCredentialsFile(f"{path}: section [{name}] has an unsupported type ({shown}); use "
                                          "access_key, sts, ram_role_arn, ecs_ram_role, oidc_role_arn or "
                                          "credentials_uri")
