"""Credential providers built explicitly, so every STS, metadata and URI call follows our endpoint
and proxy settings. They implement alibabacloud-credentials' provider interface, so any SDK client
takes them through `alibabacloud_credentials.client.Client(provider=...)`.

STS-based providers refresh before expiry: a margin of a fifth of the lifetime, at most 15 minutes,
so sessions far shorter than a run keep working without re-fetching on every call.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib
import json
import logging
import os
import re
import socket
import stat
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from alibabacloud_credentials_api import ICredentialsProvider
from pydantic import BaseModel, ValidationError

from .. import errors
from ..lazy import lazy_import
from ..redact import SECRETS, mask, route_credentials_log, url_for_display
from ..settings import EndpointSettings

if TYPE_CHECKING:
    from alibabacloud_credentials.provider.refreshable import Credentials
    from alibabacloud_sts20150401.client import Client as StsClient

# The credentials and STS SDKs cost a quarter second to import (Tea, aiohttp): imported when credentials are
# first built or fetched, not by commands that never use them (`aliaudit --help`, list-checks, policy).
# Importing them imports alibabacloud-credentials' provider modules, which give the 'credentials' logger a handler
# of their own: routed through ours again (redaction, level) once they are in.
_openapi_models = lazy_import("alibabacloud_tea_openapi.models", then=route_credentials_log)
_sts = lazy_import("alibabacloud_sts20150401.client", then=route_credentials_log)
_tea_exceptions = lazy_import("Tea.exceptions")
sts_models = lazy_import("alibabacloud_sts20150401.models", then=route_credentials_log)


def _sdk(name: str) -> Any:
    """A module of alibabacloud-credentials, imported on first use; its provider modules give the 'credentials'
    logger their own handler when imported, so it is routed through ours again."""
    module = sys.modules.get(name)
    if module is None:
        module = importlib.import_module(name)
        route_credentials_log()
    return module


def _new_credentials(**fields: Any) -> Credentials:
    return _sdk("alibabacloud_credentials.provider.refreshable").Credentials(**fields)


MAX_MARGIN = 15 * 60
log = logging.getLogger("aliaudit.credentials")
MAX_URI_REPLY = 1024 * 1024  # a credentials JSON is a few hundred bytes
STALE_GRACE = 120.0  # s: cached credentials this close to expiry are not kept when their refresh fails
RETRY_REFRESH = 30.0  # s: how soon a failed refresh is tried again while the cached credentials hold
ROLE_PATH = "/latest/meta-data/ram/security-credentials/"  # the metadata service's RAM role path
MAX_OIDC_TOKEN = 64 * 1024  # an OIDC token (a JWT) is a few KiB
T = TypeVar("T")


def _epoch(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


def within(seconds: float, what: str, call: Callable[[], T]) -> T:
    """call() given up after seconds in total. The SDKs' timeouts bound each socket operation, so a peer that
    answers a byte at a time holds a call forever: the call runs in a daemon thread, and the caller goes on
    with a one-line error when the deadline passes (the thread ends with its connection, holding nothing)."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as err:  # handed to the caller, who raises it as its own
            box["error"] = err
        finally:
            done.set()

    threading.Thread(target=run, name="aliaudit-deadline", daemon=True).start()
    if not done.wait(seconds):
        raise errors.ConnectionFailed(f"{what}: no complete answer within {seconds:g} s (the sum of its attempts' "
                                      "ALIAUDIT_CONNECT_TIMEOUT_MS + ALIAUDIT_READ_TIMEOUT_MS and backoff); check "
                                      "the endpoint, the network and the proxy")
    if "error" in box:
        raise box["error"]
    return box["value"]


class _Watch:
    """A total deadline for urllib: every socket it opens is shut down when the deadline passes, so a read
    blocked on a slow peer returns at once (urllib's timeout bounds each read, not the whole reply)."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            socks = list(self._socks)
        for sock in socks:
            self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    def add(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            self._socks.append(sock)
            late = self.expired
        if late:
            self._shut(sock)
        return sock

    def cancel(self) -> None:
        self._timer.cancel()

    def connection(self, base: type[http.client.HTTPConnection]) -> type[http.client.HTTPConnection]:
        watch = self

        class Watched(base):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                create: Callable[..., socket.socket] = self._create_connection  # type: ignore[has-type]
                self._create_connection = lambda *a, **k: watch.add(create(*a, **k))

        return Watched

    def opener(self, proxy: str | None) -> urllib.request.OpenerDirector:
        watch = self

        class Http(urllib.request.HTTPHandler):
            def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
                return self.do_open(watch.connection(http.client.HTTPConnection), req)

        class Https(urllib.request.HTTPSHandler):
            def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
                return self.do_open(watch.connection(http.client.HTTPSConnection), req,
                                    context=self._context)  # type: ignore[attr-defined]

        proxies = {"http": proxy, "https": proxy} if proxy else {}
        return urllib.request.build_opener(urllib.request.ProxyHandler(proxies), Http(), Https())


class StaticProvider(ICredentialsProvider):
    """A permanent AccessKey, or an STS token that the caller refreshes (FC runtime, env)."""

    def __init__(self, access_key_id: str, secret: str, token: str | None = None, name: str = "static_ak") -> None:
        SECRETS.add(secret, token)
        self._creds = _new_credentials(access_key_id=access_key_id, access_key_secret=secret, security_token=token,
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
        self._expires = 0.0  # the cached credentials' expiry; 0 once the cloud called them expired
        self.fetches = 0

    def _fetch(self) -> tuple[Credentials, float]:
        """New credentials and their expiry (epoch seconds)."""
        raise NotImplementedError

    def get_credentials(self) -> Credentials:
        with self._lock:
            if self._cached is None or time.time() >= self._refresh_at:
                try:
                    creds, expires = self._fetch()
                except errors.AliauditError as err:
                    # an early refresh that failed (a blip of the metadata service, STS, the URI) while the cached
                    # credentials still hold for a while: keep them and try again shortly, as the official library's
                    # cache does (StaleValueBehavior.ALLOW), instead of failing the calls made meanwhile
                    left = self._expires - time.time()
                    if self._cached is None or left < STALE_GRACE:
                        raise
                    self._refresh_at = time.time() + min(RETRY_REFRESH, left / 4)
                    log.warning("%s: refreshing the credentials failed, the current ones hold %d s more (%s)",
                                self.name, left, err)
                    return self._cached
                SECRETS.add(creds.get_access_key_secret(), creds.get_security_token())
                lifetime = max(expires - time.time(), 0.0)
                self._refresh_at = expires - min(MAX_MARGIN, lifetime / 5)
                self._expires = expires
                self._cached = creds
                self.fetches += 1
            return self._cached

    def expire(self) -> None:
        """The cloud called the credentials expired (a call that waited long between signing and arriving,
        e.g. on a starved machine, can outlive the refresh margin of a short session): fetch anew on next use,
        and never fall back on them."""
        with self._lock:
            self._refresh_at = self._expires = 0.0

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
    cfg = _openapi_models.Config(endpoint=settings.sts_host(), protocol=settings.sts_protocol(),
                 connect_timeout=settings.connect_timeout_ms, read_timeout=settings.read_timeout_ms,
                 http_proxy=settings.proxy, https_proxy=settings.proxy, retry_options=retry_options(settings))
    if source is not None:
        cfg.credential = _sdk("alibabacloud_credentials.client").Client(provider=source)
    return _sts.Client(cfg)


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
        sts = _sts_client(self.settings, self.source)
        try:
            body = within(self.settings.fetch_deadline_seconds(), f"RAM role: STS at {self.settings.sts_host()}",
                          lambda: sts.assume_role(req)).body
        except errors.AliauditError:
            raise
        except Exception as err:
            raise assume_role_error(err, self.role_arn, self.external_id, settings=self.settings) from None
        c = body.credentials
        return (_new_credentials(access_key_id=c.access_key_id, access_key_secret=c.access_key_secret,
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
        token = read_oidc_token(Path(self.token_file))
        req = sts_models.AssumeRoleWithOIDCRequest(role_arn=self.role_arn, oidcprovider_arn=self.provider_arn,
                                                   oidctoken=token, role_session_name=self.session_name,
                                                   duration_seconds=self.duration, policy=self.policy)
        sts = _sts_client(self.settings, None)
        try:
            body = within(self.settings.fetch_deadline_seconds(), f"OIDC role: STS at {self.settings.sts_host()}",
                          lambda: sts.assume_role_with_oidc(req)).body
        except errors.AliauditError:
            raise
        except Exception as err:
            raise assume_role_error(err, self.role_arn, None, method="OIDC role", settings=self.settings) from None
        c = body.credentials
        return (_new_credentials(access_key_id=c.access_key_id, access_key_secret=c.access_key_secret,
                                 security_token=c.security_token, provider_name=self.name), _epoch(c.expiration))


def read_oidc_token(path: Path) -> str:
    """The token in the file (re-read on every refresh: it rotates), at most MAX_OIDC_TOKEN bytes of text; the
    file is opened without blocking (a FIFO would) and must be a regular file."""
    fix = "check ALIBABA_CLOUD_OIDC_TOKEN_FILE or --oidc-token-file (ACK mounts it in RRSA-enabled pods)"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        raise errors.OidcTokenFileMissing(f"OIDC role: cannot read the OIDC token file {path} ({err.strerror}); "
                                          f"{fix}") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise errors.OidcTokenFileMissing(f"OIDC role: the OIDC token file {path} is not a regular file; {fix}")
        raw = fh.read(MAX_OIDC_TOKEN + 1)
    if len(raw) > MAX_OIDC_TOKEN:
        raise errors.OidcTokenFileMissing(f"OIDC role: the OIDC token file {path} is larger than "
                                          f"{MAX_OIDC_TOKEN // 1024} KiB, too large for an OIDC token; {fix}")
    try:
        token = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        raise errors.OidcTokenFileMissing(f"OIDC role: the OIDC token file {path} is not a token (a JWT is ASCII "
                                          f"text); {fix}") from None
    if not token:
        raise errors.OidcTokenFileMissing(f"OIDC role: the OIDC token file {path} is empty; {fix}")
    SECRETS.add(token)
    return token


class UriProvider(RefreshingProvider):
    """A credentials URI serving {Code, AccessKeyId, AccessKeySecret, SecurityToken, Expiration}."""

    name = "credentials_uri"

    def __init__(self, uri: str, settings: EndpointSettings) -> None:
        super().__init__()
        self.uri, self.settings = uri, settings

    def _fetch(self) -> tuple[Credentials, float]:
        shown = url_for_display(self.uri)
        deadline = self.settings.fetch_deadline_seconds(retried=False)
        watch = _Watch(deadline)
        try:
            with watch.opener(self.settings.proxy).open(self.uri, timeout=self.settings.read_timeout_ms / 1000) as resp:
                declared = resp.headers.get("Content-Length") or ""
                too_large = declared.isdigit() and int(declared) > MAX_URI_REPLY
                raw = b"" if too_large else resp.read(MAX_URI_REPLY + 1)
        except urllib.error.HTTPError as err:
            if err.code >= 500:
                raise errors.ConnectionFailed(f"credentials URI: {shown} answered HTTP {err.code}: the service is "
                                              "unavailable; check the service behind it") from None
            raise errors.CredentialsUriUnreachable(
                f"credentials URI: {shown} answered HTTP {err.code}; check the URI and the service behind it"
            ) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as err:
            if watch.expired:
                raise self._too_slow(shown, deadline) from None
            reason = getattr(err, "reason", None) or type(err).__name__
            via = f" through the proxy {url_for_display(self.settings.proxy)}" if self.settings.proxy else ""
            raise errors.ConnectionFailed(
                f"credentials URI: cannot reach {shown}{via} ({_short(reason)}); check the URI and that the service "
                "runs") from None
        finally:
            watch.cancel()
        if watch.expired:
            raise self._too_slow(shown, deadline)
        if too_large or len(raw) > MAX_URI_REPLY:
            raise errors.MalformedCredentialsUriReply(
                f"credentials URI: the reply of {shown} is larger than {MAX_URI_REPLY // 1024} KiB; credentials JSON "
                "is a few hundred bytes: check the URI") from None
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
                f"credentials URI: the reply of {shown} is not valid credentials JSON ({_describe(detail)}); it "
                "must hold Code, AccessKeyId, AccessKeySecret, SecurityToken and Expiration "
                "(%Y-%m-%dT%H:%M:%SZ)") from None
        return (_new_credentials(access_key_id=reply.AccessKeyId, access_key_secret=reply.AccessKeySecret,
                                 security_token=reply.SecurityToken, provider_name=self.name), expires)

    @staticmethod
    def _too_slow(shown: str, deadline: float) -> errors.ConnectionFailed:
        return errors.ConnectionFailed(
            f"credentials URI: {shown} sent no complete reply within {deadline:g} s (ALIAUDIT_CONNECT_TIMEOUT_MS + "
            "ALIAUDIT_READ_TIMEOUT_MS); check the service behind it")


def _short(reason: object) -> str:
    """An OS or library reason in a few words (never a URL: they may carry a token)."""
    text = str(reason.strerror if isinstance(reason, OSError) and reason.strerror else reason)
    return re.sub(r"\w+://\S+", "<url>", text).split("\n")[0][:120]


def _describe(detail: object) -> str:
    text = str(detail)
    return f"missing or invalid field {text}" if text[:1].isupper() and " " not in text else text


class EcsRoleProvider(RefreshingProvider):
    """The ECS instance RAM role from the metadata service: an IMDSv2 token first (PUT /latest/api/token), the
    role name when not given (GET /latest/meta-data/ram/security-credentials/), then its credentials (GET .../<role>),
    without the token (IMDSv1) when the token or a read with it fails, unless IMDSv1 is disabled; as the official
    library's EcsRamRoleCredentialsProvider (alibabacloud-credentials 1.0, the same paths, header names and token
    lifetime) and ECS's "Obtain instance metadata" page describe it.

    Fetched here, not by that library, because it sends these requests through a proxy (the given one, else
    HTTP_PROXY, whatever NO_PROXY says): the metadata service is on the instance's own link (100.100.100.200), so
    a proxy either cannot reach it (a misleading "no role attached") or, on another ECS instance, answers with
    that instance's role: another identity's credentials, in clear text through the proxy. Its requests never go
    through any proxy; ALIAUDIT_METADATA_ENDPOINT moves the service's address (a local cloud)."""

    name = "ecs_ram_role"
    WHAT = "ECS RAM role"
    TOKEN_TTL = "21600"  # seconds (the library's DEFAULT_METADATA_TOKEN_DURATION; the service allows 1-21600)

    def __init__(self, settings: EndpointSettings, role_name: str | None, disable_imds_v1: bool | None) -> None:
        # disable_imds_v1 None: ALIBABA_CLOUD_IMDSV1_DISABLED, as the library reads it (the process environment)
        super().__init__()
        if os.environ.get("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "").lower() == "true":
            raise errors.ConfigError("ECS RAM role: ALIBABA_CLOUD_ECS_METADATA_DISABLED=true forbids the instance "
                                     "metadata service; unset it or pick another method")
        self.role_name, self.settings = role_name or None, settings
        self.v1_allowed = not (disable_imds_v1 if disable_imds_v1 is not None else
                               os.environ.get("ALIBABA_CLOUD_IMDSV1_DISABLED", "").lower() == "true")
        self.base = (settings.metadata_endpoint or "http://100.100.100.200").rstrip("/")
        self.shown = url_for_display(self.base)

    def _fetch(self) -> tuple[Credentials, float]:
        # the token, the role name when not given, the credentials, each perhaps again without the token
        deadline = self.settings.fetch_deadline_seconds(retried=False, requests=5)
        watch = _Watch(deadline)
        try:
            opener = watch.opener(None)  # (no proxy: ProxyHandler({}) also ignores HTTP_PROXY)
            token = self._token(opener)
            role = self.role_name or self._get(opener, ROLE_PATH, token).strip()
            if not role or "/" in role or "\n" in role:
                raise errors.MetadataUnreachable(f"{self.WHAT}: the metadata service at {self.shown} names no role "
                                                 "attached to this instance; attach one, or pick another method")
            raw = self._get(opener, ROLE_PATH + urllib.parse.quote(role), token)
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as err:
            if watch.expired:
                raise self._too_slow(deadline) from None
            if isinstance(err, urllib.error.HTTPError):  # (403: IMDSv1 refused by an instance in hardening mode)
                raise errors.MetadataUnreachable(
                    f"{self.WHAT}: the instance metadata service at {self.shown} answered HTTP {err.code} "
                    f"({_short(err.reason)}); check the instance's metadata access settings") from None
            reason = getattr(err, "reason", None) or type(err).__name__
            raise errors.MetadataUnreachable(
                f"{self.WHAT}: cannot reach the instance metadata service at {self.shown} ({_short(reason)}); run on "
                "an ECS instance with a RAM role attached, or pick another method") from None
        finally:
            watch.cancel()
        if watch.expired:  # (a reply cut short by the deadline: not a malformed one)
            raise self._too_slow(deadline)
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("Code") != "Success":
                raise ValueError("Code is not 'Success'")
            reply = _StsReply.model_validate(data)
            expires = _epoch(reply.Expiration)
        except (ValueError, ValidationError):
            raise errors.MetadataUnreachable(f"{self.WHAT}: the metadata service at {self.shown} did not return "
                                             f"credentials for the role {role!r}") from None
        return (_new_credentials(access_key_id=reply.AccessKeyId, access_key_secret=reply.AccessKeySecret,
                                 security_token=reply.SecurityToken, provider_name=self.name), expires)

    def _too_slow(self, deadline: float) -> errors.ConnectionFailed:
        return errors.ConnectionFailed(f"{self.WHAT}: the metadata service at {self.shown} gave no complete answer "
                                       f"within {deadline:g} s")

    def _token(self, opener: urllib.request.OpenerDirector) -> str | None:
        req = urllib.request.Request(self.base + "/latest/api/token", method="PUT",
                                     headers={"X-aliyun-ecs-metadata-token-ttl-seconds": self.TOKEN_TTL})
        try:  # (any failure: IMDSv1 if allowed, as the library's _get_metadata_token; else the failure)
            token = self._read(opener, req).decode("utf-8", "replace").strip()
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError):
            if self.v1_allowed:
                return None
            raise
        if not token and not self.v1_allowed:  # (an empty token would read without one: IMDSv1)
            raise ValueError("the metadata service answered an empty token")
        return token or None

    def _get(self, opener: urllib.request.OpenerDirector, path: str, token: str | None) -> str:
        def get(with_token: str | None) -> str:
            headers = {"X-aliyun-ecs-metadata-token": with_token} if with_token else {}
            return self._read(opener, urllib.request.Request(self.base + path, headers=headers)).decode("utf-8")

        try:
            return get(token)
        except urllib.error.HTTPError as err:
            if err.code == 404:
                what = "no RAM role attached to this instance" if path == ROLE_PATH else "no such role"
                raise errors.MetadataUnreachable(
                    f"{self.WHAT}: the metadata service at {self.shown} knows {what} (HTTP 404); attach a RAM role to "
                    "the instance, or name the attached one") from None
            if token and self.v1_allowed:
                return get(None)
            raise

    def _read(self, opener: urllib.request.OpenerDirector, req: urllib.request.Request) -> bytes:
        # (the connect timeout bounds every step: the service is on the instance's own link and answers at once)
        with opener.open(req, timeout=self.settings.connect_timeout_ms / 1000) as resp:
            raw: bytes = resp.read(MAX_URI_REPLY + 1)
        if len(raw) > MAX_URI_REPLY:
            raise ValueError("reply too large")
        return raw


def assume_role_error(err: Exception, role_arn: str, external_id: str | None, method: str = "RAM role",
                      settings: EndpointSettings | None = None) -> errors.AuthError:
    code = str(getattr(err, "code", ""))
    message = str(getattr(err, "message", ""))
    if code == "EntityNotExist.Role":
        return errors.RoleNotFound(f"{method}: the role {role_arn} does not exist; check --role-arn / "
                                   "ALIBABA_CLOUD_ROLE_ARN (acs:ram::<account-id>:role/<name>)")
    if code.startswith("NoPermission") and "root account" in message.lower():
        # "Roles may not be assumed by root accounts" (STS "AssumeRole common errors", doc-detail/42775): "The
        # requester of this operation can only be a RAM user or RAM role" (AssumeRole reference)
        return errors.AssumeRoleDenied(f"{method}: the Alibaba Cloud account's own AccessKey cannot assume {role_arn}"
                                       " (STS: 'Roles may not be assumed by root accounts'); use a RAM user's "
                                       "AccessKey (with the AliyunSTSAssumeRoleAccess policy) or a RAM role")
    if code.startswith("NoPermission") and external_id and "externalid" in message.lower():
        return errors.ExternalIdMismatch(f"{method}: the trust policy of {role_arn} refused the external id given "
                                         "with --external-id; use the value the role owner configured")
    if "AccountSuspended" in code:
        return errors.AssumeRoleDenied(f"{method}: the account of {role_arn} is suspended ({code}); its resources "
                                       "cannot be read until it is reactivated")
    if code.startswith(("NoPermission", "Forbidden")):
        # (STS answers a mismatched ExternalId with the same documented NoPermission message as any refusal)
        also = " and match the external id given" if external_id else ""
        return errors.AssumeRoleDenied(f"{method}: AssumeRole on {role_arn} was denied ({code}); the caller needs "
                                       f"sts:AssumeRole on the role and the role's trust policy must name it{also}")
    if code.startswith("AuthenticationFail.OIDCToken"):
        return errors.AuthError(f"{method}: the OIDC token was refused ({code}); check the token file and the "
                                "OIDC provider ARN")
    return translate_auth_error(err, method, settings=settings)


# what a failed connection says about itself, somewhere in its exception chain (requests, urllib3, the OS)
_TRANSPORT = [
    (re.compile(r"ProxyError|Unable to connect to proxy|Tunnel connection failed", re.I),
     "the proxy refused the connection or cannot be reached"),
    (re.compile(r"NameResolution|Failed to resolve|Name or service not known|name resolution|nodename nor servname"
                r"|getaddrinfo failed|No address associated", re.I), "the host name does not resolve (DNS)"),
    (re.compile(r"Connection refused|ConnectionRefused|Errno 111\b", re.I), "the connection was refused"),
    (re.compile(r"timed out|Timeout", re.I), "no answer in time"),
    (re.compile(r"SSLError|CERTIFICATE_VERIFY_FAILED|certificate verify failed|SSL:", re.I),
     "the TLS handshake failed (certificate or protocol)"),
    (re.compile(r"Connection reset|Connection aborted|RemoteDisconnected|BrokenPipe|Network is unreachable"
                r"|No route to host|Max retries exceeded|Failed to establish", re.I), "the connection failed"),
]
_UNAVAILABLE_CODES = ("ServiceUnavailable", "InternalError", "Throttling", "RequestTimeout", "GatewayTimeout")


def _chain_text(err: BaseException) -> str:
    parts: list[str] = []
    seen: set[int] = set()
    todo: list[BaseException | None] = [err]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen or len(seen) > 8:
            continue
        seen.add(id(e))
        parts += [type(e).__name__, str(getattr(e, "message", "") or ""), repr(e)[:2000]]
        inner = getattr(e, "inner_exception", None)
        todo += [inner if isinstance(inner, BaseException) else None, e.__cause__, e.__context__]
    return " ".join(parts)


def unreachable(err: BaseException, method: str, endpoint: str,
                settings: EndpointSettings | None) -> errors.ConnectionFailed | None:
    """A connection failure (proxy, DNS, refused, timed out) or an unavailable service (5xx, throttled) told
    apart from rejected credentials: its own error and exit code, naming the endpoint; None for anything else."""
    if isinstance(err, errors.ConnectionFailed):
        return err
    if isinstance(err, errors.AliauditError):
        return None
    code = str(getattr(err, "code", "") or "")
    code = "" if code == "None" else code
    status = getattr(err, "status_code", None) or getattr(err, "statusCode", None)
    via = f" through the proxy {url_for_display(settings.proxy)}" if settings is not None and settings.proxy else ""
    if code or status:
        if (isinstance(status, int) and status >= 500) or code.startswith(_UNAVAILABLE_CODES):
            answered = f"{code} (HTTP {status})" if code and status else code or f"HTTP {status}"
            return errors.ConnectionFailed(f"{method}: {endpoint}{via} answered {answered}: the service is "
                                           "unavailable, which says nothing about the credentials; try again later")
        return None
    text = _chain_text(err)
    for pattern, reason in _TRANSPORT:
        if pattern.search(text):
            return errors.ConnectionFailed(f"{method}: cannot reach {endpoint}{via} ({reason}); check the network, "
                                           "the proxy (--proxy / ALIAUDIT_ENDPOINT_PROXY) and the endpoint settings")
    if isinstance(err, (OSError, _tea_exceptions.TeaException)) or type(err).__name__ in ("RetryError",
                                                                                          "UnretryableException"):
        return errors.ConnectionFailed(f"{method}: cannot reach {endpoint}{via} (the connection failed: "
                                       f"{type(err).__name__}); check the network, the proxy (--proxy / "
                                       "ALIAUDIT_ENDPOINT_PROXY) and the endpoint settings")
    return None


def translate_auth_error(err: Exception, method: str, access_key_id: str | None = None, *,
                         settings: EndpointSettings | None = None) -> errors.AuthError:
    """The cloud's authentication codes as aliaudit errors with a fix; a connection failure or an unavailable
    service as ConnectionFailed (never 'authentication failed': the credentials were not judged)."""
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
    host = settings.sts_host() if settings is not None else "the endpoint"
    gone = unreachable(err, method, f"STS at {host}" if settings is not None else host, settings)
    if gone is not None:
        return gone
    text = SECRETS.scrub(str(getattr(err, "message", err)).split("\n")[0])
    text = re.sub(r"(\w+://|url: )\S+", "<url>", text)[:200]  # (a signed URL names the AccessKey id)
    return errors.AuthError(f"{method}: authentication failed ({code or type(err).__name__}: {text})")


ProviderFactory = Callable[[], ICredentialsProvider]
