"""Which credentials to use, in the documented priority:

1 credentials URI, 2 OIDC role (ACK RRSA), 3 ECS RAM role, 4 RAM role assumption, 5 STS token,
6 permanent AccessKey, 7 default chain (~/.aliyun/config.json profile, then ~/.alibabacloud/credentials.ini).
A role named beside methods 1 and 3 is assumed with their identity (role chaining).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from alibabacloud_credentials_api import ICredentialsProvider
from pydantic import BaseModel, Field, field_validator

from .. import errors
from ..settings import EndpointSettings
from .profiles import Built, build_cli_profile, build_ini_profile, load_cli_config, profile_names
from .providers import AssumeRoleProvider, EcsRoleProvider, OidcRoleProvider, StaticProvider, UriProvider


class AuthOptions(BaseModel):
    """What the user chose on the command line (all optional; the environment fills the rest)."""

    credentials_uri: str | None = None
    role_arn: str | None = None
    oidc_provider_arn: str | None = None
    oidc_token_file: str | None = None
    ecs_ram_role: str | None = None  # '' = discover the role name from the metadata service
    role_session_name: str | None = None
    external_id: str | None = None
    session_duration: int | None = Field(None, ge=900, le=43200)
    policy: str | None = None
    profile: str | None = None

    @field_validator("role_session_name")
    @classmethod
    def _session(cls, value: str | None) -> str | None:
        if value is not None and not (2 <= len(value) <= 64 and all(c.isalnum() or c in "._@-" for c in value)):
            raise ValueError("role session name must be 2-64 characters of letters, digits and . _ @ -")
        return value


@dataclass
class ResolvedCredentials:
    method: str  # e.g. "credentials URI", "RAM role assumption"
    origin: str  # where it came from, e.g. "env ALIBABA_CLOUD_CREDENTIALS_URI"
    provider: ICredentialsProvider
    access_key_hint: str | None = None
    tried: list[str] = field(default_factory=list)


def default_session_name() -> str:
    return f"aliaudit-{int(time.time())}"


def _env_flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").lower() == "true"


def resolve_credentials(opts: AuthOptions, env: Mapping[str, str], settings: EndpointSettings,
                        home: Path | None = None) -> ResolvedCredentials:
    home = home or Path(env.get("HOME") or Path.home())
    session = opts.role_session_name or env.get("ALIBABA_CLOUD_ROLE_SESSION_NAME") or default_session_name()
    duration = opts.session_duration or 3600
    tried: list[str] = []

    def found(method: str, origin: str, provider: ICredentialsProvider, hint: str | None = None) -> ResolvedCredentials:
        return ResolvedCredentials(method, origin, provider, hint, tried)

    role_arn, role_origin = _pick(opts.role_arn, "--role-arn", env, "ALIBABA_CLOUD_ROLE_ARN")
    provider_arn, _ = _pick(opts.oidc_provider_arn, "--oidc-provider-arn", env, "ALIBABA_CLOUD_OIDC_PROVIDER_ARN")
    token_file, token_origin = _pick(opts.oidc_token_file, "--oidc-token-file", env, "ALIBABA_CLOUD_OIDC_TOKEN_FILE")
    oidc = bool(provider_arn and token_file)
    # the role a credentials URI's or an ECS role's identity assumes in turn (role chaining, as the library's
    # RamRoleArnCredentialsProvider(credentials_provider=...) and the CLI's RamRoleArnWithEcs do): --role-arn, or
    # ALIBABA_CLOUD_ROLE_ARN unless it is the OIDC environment's own role. (With OIDC, --role-arn replaces the
    # environment's role, as the CLI's flag replaces a profile's: the role assumed with the token.)
    then_role = opts.role_arn or (None if oidc else env.get("ALIBABA_CLOUD_ROLE_ARN") or None)

    def chained(method: str, origin: str, base: ICredentialsProvider, role: str | None) -> ResolvedCredentials:
        if not role:
            return found(method, origin, base)
        provider = AssumeRoleProvider(base, settings, role_arn=role, session_name=session, duration=duration,
                                      external_id=opts.external_id, policy=opts.policy, describe_source=method)
        return found("RAM role assumption", f"{role_origin}, source: {method} ({origin})", provider)

    # 1. credentials URI
    uri, uri_origin = _pick(opts.credentials_uri, "--credentials-uri", env, "ALIBABA_CLOUD_CREDENTIALS_URI")
    if uri:
        return chained("credentials URI", uri_origin, UriProvider(uri, settings), then_role)
    tried.append("credentials URI (--credentials-uri / ALIBABA_CLOUD_CREDENTIALS_URI): not set")

    # 2. OIDC role: the standard RRSA environment alone is enough
    if role_arn and oidc:
        return found("OIDC role (ACK RRSA)", f"{role_origin}, {token_origin}",
                     OidcRoleProvider(settings, role_arn=role_arn, provider_arn=str(provider_arn),
                                      token_file=str(token_file), session_name=session, duration=duration,
                                      policy=opts.policy))
    tried.append("OIDC role (ALIBABA_CLOUD_ROLE_ARN + _OIDC_PROVIDER_ARN + _OIDC_TOKEN_FILE): not all set")

    # 3. ECS RAM role
    if opts.ecs_ram_role is not None or env.get("ALIBABA_CLOUD_ECS_METADATA"):
        name = opts.ecs_ram_role or env.get("ALIBABA_CLOUD_ECS_METADATA") or None
        origin = "--ecs-ram-role" if opts.ecs_ram_role is not None else "env ALIBABA_CLOUD_ECS_METADATA"
        return chained("ECS RAM role", f"{origin} ({name or 'role name from the metadata service'})",
                       EcsRoleProvider(settings, name, _env_flag(env, "ALIBABA_CLOUD_IMDSV1_DISABLED")), then_role)
    tried.append("ECS RAM role (--ecs-ram-role / ALIBABA_CLOUD_ECS_METADATA): not set")

    # 4-6. AccessKey from the environment: as the source of a role, an STS token, or a permanent key
    ak, secret = env.get("ALIBABA_CLOUD_ACCESS_KEY_ID"), env.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    token = env.get("ALIBABA_CLOUD_SECURITY_TOKEN") or None
    if (ak or secret) and not (ak and secret):
        raise errors.CredentialsNotFound("AccessKey: ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET "
                                         "must both be set")
    env_source: Built | None = None
    if ak and secret:
        kind = "STS token" if token else "permanent AccessKey"
        origin = "env ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET" + ("/_SECURITY_TOKEN" if token else "")
        env_source = Built(StaticProvider(ak, secret, token, "static_sts" if token else "static_ak"),
                           f"{kind} ({origin})", ak)
    if role_arn:
        source = env_source or _default_chain(opts, env, settings, home, session, tried)
        provider = AssumeRoleProvider(source.provider, settings, role_arn=role_arn, session_name=session,
                                      duration=duration, external_id=opts.external_id, policy=opts.policy,
                                      describe_source=source.method)
        return found("RAM role assumption", f"{role_origin}, source: {source.method}", provider,
                     source.access_key_hint)
    tried.append("RAM role assumption (--role-arn / ALIBABA_CLOUD_ROLE_ARN): not set")
    if env_source is not None:
        method = "STS token" if token else "permanent AccessKey"
        return found(method, env_source.method.split("(", 1)[1].rstrip(")"), env_source.provider, ak)
    tried.append("STS token / AccessKey (ALIBABA_CLOUD_ACCESS_KEY_ID, _SECRET[, _SECURITY_TOKEN]): not set")

    # 7. default chain
    built = _default_chain(opts, env, settings, home, session, tried)
    return found("default chain", built.method, built.provider, built.access_key_hint)


def _pick(flag: str | None, flag_name: str, env: Mapping[str, str], var: str) -> tuple[str | None, str]:
    if flag:
        return flag, flag_name
    if env.get(var):
        return env[var], f"env {var}"
    return None, ""


def _default_chain(opts: AuthOptions, env: Mapping[str, str], settings: EndpointSettings, home: Path,
                   session: str, tried: list[str]) -> Built:
    explicit = opts.profile or env.get("ALIBABA_CLOUD_PROFILE")
    cli_path = home / ".aliyun" / "config.json"
    listed = ""  # config.json's profiles, for the error when the one asked for is in neither file
    if not _env_flag(env, "ALIBABA_CLOUD_CLI_PROFILE_DISABLED"):
        config = load_cli_config(cli_path)
        if config is not None:
            name = explicit or config.get("current") or "default"
            names = [str(p["name"]) for p in config.get("profiles", []) if isinstance(p, dict) and "name" in p]
            if name in names:
                return build_cli_profile(config, name, cli_path, settings, session)
            tried.append(f"{cli_path}: no profile '{name}'")
            listed = profile_names(names)
        else:
            tried.append(f"{cli_path}: not found")
    # (a profile named only in credentials.ini is that file's section, as the SDKs' default chain reads it)
    ini_path = Path(env.get("ALIBABA_CLOUD_CREDENTIALS_FILE") or home / ".alibabacloud" / "credentials.ini")
    built = build_ini_profile(ini_path, explicit or "default", settings, session)
    if built is not None:
        return built
    tried.append(f"{ini_path}: no section [{explicit or 'default'}]")
    if explicit:
        raise errors.UnknownProfile(f"profile '{explicit}' is neither in {cli_path}"
                                    + (f" (profiles: {listed})" if listed else "")
                                    + f" nor a section of {ini_path}; pick one with --profile / ALIBABA_CLOUD_PROFILE")
    raise errors.CredentialsNotFound("no credentials found; tried, in order: " + "; ".join(tried)
                                     + ". See the README section 'Authentication'.")
