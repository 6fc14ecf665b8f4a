"""Credential providers built explicitly, so every STS, metadata and URI call follows our endpoint
and proxy settings. They implement alibabacloud-credentials' provider interface, so any SDK client
takes them through `alibabacloud_credentials.client.Client(provider=...)`.

STS-based providers refresh before expiry: a margin of a fifth of the lifetime, at most 15 minutes,
so sessions far shorter than a run keep working without re-fetching on every call.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_credentials.http import HttpOptions
from alibabacloud_credentials.provider.ecs_ram_role import EcsRamRoleCredentialsProvider
from alibabacloud_credentials.provider.refreshable import Credentials
from alibabacloud_credentials_api import ICredentialsProvider
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.models import Config
from pydantic import BaseModel, ValidationError
from Tea.exceptions import TeaException

from .. import errors
from ..redact import SECRETS, mask
from ..settings import EndpointSettings

MAX_MARGIN = 15 * 60


def _epoch(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


class StaticProvider(ICredentialsProvider):
    """A permanent AccessKey, or an STS token that the caller refreshes (FC runtime, env)."""

    def __init__(self, access_key_id: str, secret: str, token: str | None = None, name: str = "static_ak") -> None:
        SECRETS.add(secret, token)
        self._creds = Credentials(access_key_id=access_key_id, access_key_secret=secret, security_token=token,
                                  provider_name=name)
        self._name = name

    def get_credentials(self) -> Credentials:
        return self._creds

    async def get_credentials_async(self) -> Credentials:
        return self._creds

    def get_provider_name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"StaticProvider({mask(self._creds.get_access_key_id())})"


class RefreshingProvider(ICredentialsProvider):
    """Caches credentials and fetches new ones shortly before they expire."""

    name = "refreshing"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: Credentials | None = None
        self._refresh_at = 0.0
        self.fetches = 0

    def _fetch(self) -> tuple[Credentials, float]:
        """New credentials and their expiry (epoch seconds)."""
        raise NotImplementedError

    def get_credentials(self) -> Credentials:
        with self._lock:
            if self._cached is None or time.time() >= self._refresh_at:
                creds, expires = self._fetch()
                SECRETS.add(creds.get_access_key_secret(), creds.get_security_token())
                lifetime = max(expires - time.time(), 0.0)
                self._refresh_at = expires - min(MAX_MARGIN, lifetime / 5)
                self._cached = creds
                self.fetches += 1
            return self._cached

    def expire(self) -> None:
        """The cloud called the credentials expired (a call that waited long between signing and arriving,
        e.g. on a starved machine, can outlive the refresh margin of a short session): fetch anew on next use."""
        with self._lock:
            self._refresh_at = 0.0

    async def get_credentials_async(self) -> Credentials:
        return self.get_credentials()

    def get_provider_name(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class _StsReply(BaseModel):
    AccessKeyId: str
    AccessKeySecret: str
    SecurityToken: str
    Expiration: str


def _sts_client(settings: EndpointSettings, source: ICredentialsProvider | None) -> StsClient:
    from ..clients import retry_options  # late: clients imports nothing of ours, but keep the layers apart

    # 5xx and timeouts are retried as for every other call: a refresh mid-scan must not fail on a blip
    cfg = Config(endpoint=settings.sts_host(), protocol=settings.sts_protocol(),
                 connect_timeout=settings.connect_timeout_ms, read_timeout=settings.read_timeout_ms,
                 http_proxy=settings.proxy, https_proxy=settings.proxy, retry_options=retry_options(settings))
    if source is not None:
        cfg.credential = CredentialClient(provider=source)
    return StsClient(cfg)


class AssumeRoleProvider(RefreshingProvider):
    """STS AssumeRole from source credentials (AccessKey, STS token, or another role: role chaining)."""

    name = "ram_role_arn"

    def __init__(self, source: ICredentialsProvider, settings: EndpointSettings, *, role_arn: str,
                 session_name: str, duration: int = 3600, external_id: str | None = None,
                 policy: str | None = None, describe_source: str = "") -> None:
        super().__init__()
        self.source, self.settings = source, settings
        self.role_arn, self.session_name, self.duration = role_arn, session_name, duration
        self.external_id, self.policy, self.describe_source = external_id, policy, describe_source

    def _fetch(self) -> tuple[Credentials, float]:
        req = sts_models.AssumeRoleRequest(role_arn=self.role_arn, role_session_name=self.session_name,
                                           duration_seconds=self.duration, external_id=self.external_id,
                                           policy=self.policy)
        try:
            body = _sts_client(self.settings, self.source).assume_role(req).body
        except TeaException as err:
            raise assume_role_error(err, self.role_arn, self.external_id) from None
        c = body.credentials
        return (Credentials(access_key_id=c.access_key_id, access_key_secret=c.access_key_secret,
                            security_token=c.security_token, provider_name=self.name), _epoch(c.expiration))


class OidcRoleProvider(RefreshingProvider):
    """STS AssumeRoleWithOIDC (ACK RRSA); the token file is re-read on every refresh (it rotates)."""

    name = "oidc_role_arn"

    def __init__(self, settings: EndpointSettings, *, role_arn: str, provider_arn: str, token_file: str,
                 session_name: str, duration: int = 3600, policy: str | None = None) -> None:
        super().__init__()
        self.settings, self.role_arn, self.provider_arn = settings, role_arn, provider_arn
        self.token_file, self.session_name, self.duration, self.policy = token_file, session_name, duration, policy

    def _fetch(self) -> tuple[Credentials, float]:
        path = Path(self.token_file)
        try:
            token = path.read_text().strip()
        except OSError as err:
            raise errors.OidcTokenFileMissing(
                f"OIDC role: cannot read the OIDC token file {path} ({err.strerror}); check "
                "ALIBABA_CLOUD_OIDC_TOKEN_FILE or --oidc-token-file (ACK mounts it in RRSA-enabled pods)") from None
        SECRETS.add(token)
        req = sts_models.AssumeRoleWithOIDCRequest(role_arn=self.role_arn, oidcprovider_arn=self.provider_arn,
                                                   oidctoken=token, role_session_name=self.session_name,
                                                   duration_seconds=self.duration, policy=self.policy)
        try:
            body = _sts_client(self.settings, None).assume_role_with_oidc(req).body
        except TeaException as err:
            raise assume_role_error(err, self.role_arn, None, method="OIDC role") from None
        c = body.credentials
        return (Credentials(access_key_id=c.access_key_id, access_key_secret=c.access_key_secret,
                            security_token=c.security_token, provider_name=self.name), _epoch(c.expiration))


class UriProvider(RefreshingProvider):
    """A credentials URI serving {Code, AccessKeyId, AccessKeySecret, SecurityToken, Expiration}."""

    name = "credentials_uri"

    def __init__(self, uri: str, settings: EndpointSettings) -> None:
        super().__init__()
        self.uri, self.settings = uri, settings

    def _fetch(self) -> tuple[Credentials, float]:
        proxies = {"http": self.settings.proxy, "https": self.settings.proxy} if self.settings.proxy else {}
        opener = urllib.request.build_opener(urllib.request.ProxyHandler(proxies))
        try:
            with opener.open(self.uri, timeout=self.settings.read_timeout_ms / 1000) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as err:
            raise errors.CredentialsUriUnreachable(
                f"credentials URI: {self.uri} answered HTTP {err.code}; check the URI and the service behind it"
            ) from None
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise errors.CredentialsUriUnreachable(
                f"credentials URI: cannot reach {self.uri} ({reason}); check the URI and that the service runs"
            ) from None
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            if data.get("Code", "Success") != "Success":
                raise ValueError(f"Code is {data.get('Code')!r}, expected 'Success'")
            reply = _StsReply.model_validate(data)
            expires = _epoch(reply.Expiration)
        except (ValueError, ValidationError) as err:
            detail = err.errors()[0]["loc"][0] if isinstance(err, ValidationError) else str(err).split("\n")[0]
            raise errors.MalformedCredentialsUriReply(
                f"credentials URI: the reply of {self.uri} is not valid credentials JSON ({_describe(detail)}); it "
                "must hold Code, AccessKeyId, AccessKeySecret, SecurityToken and Expiration "
                "(%Y-%m-%dT%H:%M:%SZ)") from None
        return (Credentials(access_key_id=reply.AccessKeyId, access_key_secret=reply.AccessKeySecret,
                            security_token=reply.SecurityToken, provider_name=self.name), expires)


def _describe(detail: object) -> str:
    text = str(detail)
    return f"missing or invalid field {text}" if text[:1].isupper() and " " not in text else text


class EcsRoleProvider(ICredentialsProvider):
    """The ECS instance RAM role from the metadata service (IMDSv2 token first, v1 fallback unless
    disabled); the library's provider with our proxy, errors translated."""

    name = "ecs_ram_role"

    def __init__(self, settings: EndpointSettings, role_name: str | None, disable_imds_v1: bool) -> None:
        self.role_name = role_name
        self._inner = EcsRamRoleCredentialsProvider(
            role_name=role_name or None, disable_imds_v1=disable_imds_v1, async_update_enabled=False,
            http_options=HttpOptions(proxy=settings.proxy, connect_timeout=settings.connect_timeout_ms,
                                     read_timeout=settings.read_timeout_ms))

    def get_credentials(self) -> Credentials:
        try:
            creds = self._inner.get_credentials()
        except Exception as err:  # the library raises CredentialException or transport errors
            raise errors.MetadataUnreachable(
                "ECS RAM role: the instance metadata service (100.100.100.200) did not return role credentials "
                f"({type(err).__name__}); run on an ECS instance with a RAM role attached, or pick another method"
            ) from None
        SECRETS.add(creds.get_access_key_secret(), creds.get_security_token())
        return creds

    async def get_credentials_async(self) -> Credentials:
        return self.get_credentials()

    def get_provider_name(self) -> str:
        return self.name


def assume_role_error(err: TeaException, role_arn: str, external_id: str | None,
                      method: str = "RAM role") -> errors.AuthError:
    code = str(getattr(err, "code", ""))
    message = str(getattr(err, "message", ""))
    if code == "EntityNotExist.Role":
        return errors.RoleNotFound(f"{method}: the role {role_arn} does not exist; check --role-arn / "
                                   "ALIBABA_CLOUD_ROLE_ARN (acs:ram::<account-id>:role/<name>)")
    if code.startswith("NoPermission") and external_id and "externalid" in message.lower():
        return errors.ExternalIdMismatch(f"{method}: the trust policy of {role_arn} refused the external id given "
                                         "with --external-id; use the value the role owner configured")
    if "AccountSuspended" in code:
        return errors.AssumeRoleDenied(f"{method}: the account of {role_arn} is suspended ({code}); its resources "
                                       "cannot be read until it is reactivated")
    if code.startswith(("NoPermission", "Forbidden")):
        return errors.AssumeRoleDenied(f"{method}: AssumeRole on {role_arn} was denied ({code}); the caller needs "
                                       "sts:AssumeRole on the role and the role's trust policy must name it")
    if code.startswith("AuthenticationFail.OIDCToken"):
        return errors.AuthError(f"{method}: the OIDC token was refused ({code}); check the token file and the "
                                "OIDC provider ARN")
    return translate_auth_error(err, method)


def translate_auth_error(err: Exception, method: str, access_key_id: str | None = None) -> errors.AuthError:
    """The cloud's authentication codes as aliaudit errors with a fix."""
    code = str(getattr(err, "code", ""))
    key = f" {mask(access_key_id)}" if access_key_id else ""
    if code.startswith("InvalidAccessKeyId"):
        state = "is disabled" if code.endswith("Inactive") else "does not exist"
        return errors.InvalidAccessKey(f"{method}: the AccessKey{key} {state}; create or enable a key in the RAM "
                                       "console and update your credentials")
    if code in ("SignatureDoesNotMatch", "IncompleteSignature"):
        return errors.SignatureMismatch(f"{method}: the AccessKey secret for{key or ' the key'} is wrong (signature "
                                        "mismatch); copy the secret again, without spaces")
    if code.startswith("InvalidSecurityToken"):
        return errors.TokenExpired(f"{method}: the STS security token{key and ' for' + key} is expired or invalid "
                                   f"({code}); get a fresh token or use a method that refreshes")
    if isinstance(err, errors.AuthError):
        return err
    text = SECRETS.scrub(str(getattr(err, "message", err)).split("\n")[0])[:200]
    return errors.AuthError(f"{method}: authentication failed ({code or type(err).__name__}: {text})")


ProviderFactory = Callable[[], ICredentialsProvider]
