"""Profiles of the Alibaba Cloud CLI (~/.aliyun/config.json) and of the SDKs' ini file
(~/.alibabacloud/credentials.ini), turned into providers that follow our endpoint settings.

Modes (config.json `mode`): AK, StsToken, RamRoleArn, EcsRamRole, ChainableRamRoleArn (source_profile, any
depth, loops refused), OIDC, CredentialsURI. ini `type`: access_key, sts, ram_role_arn, ecs_ram_role,
oidc_role_arn, credentials_uri.
"""

from __future__ import annotations

import configparser
import json
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


def load_cli_config(path: Path) -> dict[str, Any] | None:
    """The parsed config.json, None when absent; malformed files are refused with line and column."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise errors.MalformedCredentialsFile(f"cannot read {path}: {err.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise errors.MalformedCredentialsFile(
            f"{path} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg}); fix it or run "
            "`aliyun configure`") from None
    if not isinstance(data, dict) or not isinstance(data.get("profiles", []), list):
        raise errors.MalformedCredentialsFile(f"{path}: expected an object with a 'profiles' list")
    return data


def _need(profile: dict[str, Any], key: str, path: Path) -> str:
    value = profile.get(key)
    if not value:
        raise errors.MalformedCredentialsFile(
            f"{path}: profile '{profile.get('name')}' (mode {profile.get('mode')}) lacks '{key}'")
    return str(value)


def build_cli_profile(config: dict[str, Any], name: str, path: Path, settings: EndpointSettings,
                      session_name: str, chain: tuple[str, ...] = ()) -> Built:
    profiles = {p.get("name"): p for p in config.get("profiles", []) if isinstance(p, dict)}
    if name in chain:
        loop = " -> ".join((*chain, name))
        raise errors.ProfileLoop(f"{path}: source_profile loop {loop}; point the last profile at an AK profile")
    profile = profiles.get(name)
    if profile is None:
        known = ", ".join(sorted(str(n) for n in profiles)) or "none"
        raise errors.UnknownProfile(f"profile '{name}' is not in {path} (profiles: {known}); pick one with "
                                    "--profile / ALIBABA_CLOUD_PROFILE")
    mode = profile.get("mode", "AK")
    where = f"profile '{name}' in {path}"
    duration = int(profile.get("expired_seconds") or 3600)
    session = profile.get("ram_session_name") or session_name
    if mode == "AK":
        ak = _need(profile, "access_key_id", path)
        return Built(StaticProvider(ak, _need(profile, "access_key_secret", path)), f"AccessKey ({where})", ak)
    if mode == "StsToken":
        ak = _need(profile, "access_key_id", path)
        return Built(StaticProvider(ak, _need(profile, "access_key_secret", path), _need(profile, "sts_token", path),
                                    "static_sts"), f"STS token ({where})", ak)
    if mode == "RamRoleArn":
        ak = _need(profile, "access_key_id", path)
        source = StaticProvider(ak, _need(profile, "access_key_secret", path),
                                profile.get("sts_token") or None)
        return Built(AssumeRoleProvider(source, settings, role_arn=_need(profile, "ram_role_arn", path),
                                        session_name=session, duration=duration,
                                        external_id=profile.get("external_id") or None,
                                        policy=profile.get("policy") or None),
                     f"RAM role {profile['ram_role_arn']} ({where})", ak)
    if mode == "ChainableRamRoleArn":
        inner = build_cli_profile(config, _need(profile, "source_profile", path), path, settings, session_name,
                                  (*chain, name))
        return Built(AssumeRoleProvider(inner.provider, settings, role_arn=_need(profile, "ram_role_arn", path),
                                        session_name=session, duration=duration,
                                        external_id=profile.get("external_id") or None,
                                        policy=profile.get("policy") or None),
                     f"RAM role {profile['ram_role_arn']} ({where}) via {inner.method}", inner.access_key_hint)
    if mode == "EcsRamRole":
        return Built(EcsRoleProvider(settings, profile.get("ram_role_name") or None, False),
                     f"ECS RAM role ({where})")
    if mode == "OIDC":
        return Built(OidcRoleProvider(settings, role_arn=_need(profile, "ram_role_arn", path),
                                      provider_arn=_need(profile, "oidc_provider_arn", path),
                                      token_file=_need(profile, "oidc_token_file", path),
                                      session_name=profile.get("role_session_name") or session,
                                      duration=duration), f"OIDC role ({where})")
    if mode == "CredentialsURI":
        return Built(UriProvider(_need(profile, "credentials_uri", path), settings), f"credentials URI ({where})")
    raise errors.MalformedCredentialsFile(f"{path}: profile '{name}' has mode '{mode}', which aliaudit does not "
                                          "support (AK, StsToken, RamRoleArn, EcsRamRole, ChainableRamRoleArn, "
                                          "OIDC, CredentialsURI)")


def build_ini_profile(path: Path, name: str, settings: EndpointSettings, session_name: str) -> Built | None:
    """A section of credentials.ini; None when the file or the section does not exist."""
    if not path.exists():
        return None
    parser = configparser.ConfigParser()
    try:
        parser.read(path)
    except configparser.Error as err:
        raise errors.MalformedCredentialsFile(f"{path} is not a valid ini file: {str(err).splitlines()[0]}") from None
    if not parser.has_section(name):
        return None
    sec = dict(parser[name])
    where = f"section [{name}] of {path}"

    def need(key: str) -> str:
        if not sec.get(key):
            raise errors.MalformedCredentialsFile(f"{path}: section [{name}] (type {sec.get('type')}) lacks '{key}'")
        return sec[key]

    kind = sec.get("type", "access_key")
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
        return Built(EcsRoleProvider(settings, sec.get("role_name") or None, False), f"ECS RAM role ({where})")
    if kind == "oidc_role_arn":
        return Built(OidcRoleProvider(settings, role_arn=need("role_arn"), provider_arn=need("oidc_provider_arn"),
                                      token_file=need("oidc_token_file_path"),
                                      session_name=sec.get("role_session_name") or session_name),
                     f"OIDC role ({where})")
    if kind == "credentials_uri":
        return Built(UriProvider(need("credentials_uri"), settings), f"credentials URI ({where})")
    raise errors.MalformedCredentialsFile(f"{path}: section [{name}] has unsupported type '{kind}'")
