"""The one SDK client factory: per product and region, with credentials, endpoints, proxy, timeouts
and retry settings in one place. Everything that calls the cloud gets its clients here."""

from __future__ import annotations

import importlib
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import oss2
from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_credentials_api import ICredentialsProvider
from alibabacloud_tea_openapi.models import Config
from aliyun.log import LogClient, LogException
from aliyun.log.credentials import Credentials as LogCredentials
from aliyun.log.credentials import CredentialsProvider as LogCredentialsProvider
from darabonba.policy.retry import RetryOptions

from .errors import ConfigError
from .settings import EndpointSettings
from .throttle import BACKOFF_CAP_MS, MAX_RETRY_AFTER_MS, ApiLimits, ThrottleBudget, backoff_seconds, call_with_limit

# product code -> (SDK module, client class name); regional endpoints come from each SDK's own map
POP_SDKS = {
    "sts": ("alibabacloud_sts20150401.client", "Client"),
    "ram": ("alibabacloud_ram20150501.client", "Client"),
    "ims": ("alibabacloud_ims20190815.client", "Client"),
    "actiontrail": ("alibabacloud_actiontrail20200706.client", "Client"),
    "ecs": ("alibabacloud_ecs20140526.client", "Client"),
    "vpc": ("alibabacloud_vpc20160428.client", "Client"),
    "rds": ("alibabacloud_rds20140815.client", "Client"),
    "kms": ("alibabacloud_kms20160120.client", "Client"),
    "fc": ("alibabacloud_fc20230330.client", "Client"),
    "sas": ("alibabacloud_sas20181203.client", "Client"),  # Security Center: tds.<cn-shanghai|ap-southeast-1>
    "cs": ("alibabacloud_cs20151215.client", "Client"),
    "resourcemanager": ("alibabacloud_resourcemanager20200331.client", "Client"),  # resource directory members
}
GLOBAL_REGION = "cn-hangzhou"  # RAM, IMS and central STS ignore the region but the SDKs want one
# Transient answers worth retrying; anything else (auth, not found, bad input) fails at once.
OSS_RETRYABLE_STATUS = {500, 502, 503, 504}  # OSS throttling is SlowDown 503; oss2 itself never retries
# Server-side failures darabonba retries in place; throttling (Throttling*, ThrottlingException) is retried by
# _Counted instead, where the API's adaptive concurrency limit sees every throttled attempt.
RETRYABLE_CODES = ["ServiceUnavailable", "InternalError", "InternalError.Server", "RequestTimeout",
                   "OperationConflict", "ServiceBusy", "LastTokenProcessing"]
# darabonba raises RetryError for transport failures: connection refused or reset, and read timeouts
RETRYABLE_EXCEPTIONS = ["RetryError"]


def retry_options(settings: EndpointSettings) -> RetryOptions:
    """darabonba's retry policy for 5xx and transport failures (timeouts): bounded attempts, exponential
    backoff with equal jitter. All the SDK's calls are reads except FC InvokeFunction, whose payloads are
    idempotent (a run's manifest, parts and marker make repeats harmless)."""
    return RetryOptions({"retryable": True, "retryCondition": [{
        "maxAttempts": settings.max_attempts, "exception": RETRYABLE_EXCEPTIONS, "errorCode": RETRYABLE_CODES,
        "backoff": {"policy": "ExponentialWithEqualJitter", "period": settings.backoff_ms, "cap": BACKOFF_CAP_MS},
        "maxDelay": MAX_RETRY_AFTER_MS}]})


def pop_throttle(err: BaseException) -> tuple[bool, float | None]:
    """Is this OpenAPI error throttling, and the server's retry-after (ms) if it sent x-acs-retry-after."""
    inner = getattr(err, "inner_exception", None) or err
    code = str(getattr(inner, "code", "") or "")
    if getattr(inner, "name", "") == "ThrottlingException" or code.startswith("Throttling"):
        retry_after = getattr(inner, "retry_after", None)
        return True, float(retry_after) if retry_after is not None else None
    return False, None


def _token_expired(err: BaseException) -> bool:
    inner = getattr(err, "inner_exception", None) or err
    return str(getattr(inner, "code", "") or "") in ("InvalidSecurityToken.Expired", "SecurityTokenExpired")


class _OssCredentials(oss2.credentials.CredentialsProvider):
    """oss2's provider interface over ours: oss2 asks for credentials when it signs each request, so
    refreshed STS credentials are picked up without rebuilding clients."""

    def __init__(self, provider: ICredentialsProvider) -> None:
        self._provider = provider

    def get_credentials(self) -> oss2.credentials.Credentials:
        c = self._provider.get_credentials()
        return oss2.credentials.Credentials(c.get_access_key_id(), c.get_access_key_secret(),
                                            c.get_security_token() or "")


def oss_api(req: oss2.http.Request) -> str:
    """The OSS API a request calls, as a key for its adaptive limit: the method and the sub-resources
    (the parameters without a value: acl, policy, versioning...), e.g. "oss:GET acl"."""
    subresources = ",".join(sorted(k for k, v in (req.params or {}).items() if v in ("", None)))
    return f"oss:{req.method} {subresources}".rstrip()


class _Drained:
    """A response whose body was already read (to tell SlowDown from other 503s), for oss2's error parser."""

    def __init__(self, resp: oss2.http.Response, body: bytes) -> None:
        self.status, self.headers, self.request_id, self._body = resp.status, resp.headers, resp.request_id, body

    def read(self, amt: int | None = None) -> bytes:
        body, self._body = self._body, b""
        return body


def _body_bytes(data: Any) -> bytes:
    if hasattr(data, "read"):
        return bytes(data.read())
    return b"".join(bytes(chunk) for chunk in data)


class _RetryingOssSession(oss2.Session):
    """oss2.Session with the factory's retry policy: bounded attempts, exponential backoff with equal jitter,
    on 5xx (SlowDown, ServiceUnavailable) and transport errors (timeouts), within each API's adaptive limit.
    GET, HEAD, PUT and DELETE are retried: a PUT writes the same bytes to the same key again, and a
    forbid-overwrite PUT that already landed answers 409, which RunStore.claim resolves by reading back."""

    RETRIED_METHODS = ("GET", "HEAD", "PUT", "DELETE")

    def __init__(self, settings: EndpointSettings, limits: ApiLimits, count: Callable[[str], None]) -> None:
        super().__init__(pool_size=32)  # shared by every bucket client of the scan's worker threads
        self._settings = settings
        self._limits = limits
        self._count = count

    def do_request(self, req: oss2.http.Request, timeout: Any) -> Any:
        retried = req.method in self.RETRIED_METHODS  # a POST (append, multipart) could repeat a change
        if retried and req.data is not None and not isinstance(req.data, bytes | bytearray):
            # oss2 wraps a body in a one-shot reader (it computes the CRC as it is read): a retry would send
            # an empty body under the original Content-Length. Read it once (the CRC with it), send the bytes.
            req.data = _body_bytes(req.data)
        api = oss_api(req)
        self._count(api)
        limit = self._limits.get(api)
        budget = ThrottleBudget(limit, self._settings.max_attempts)  # SlowDown answers
        failures = 0  # other 5xx and transport errors
        while True:
            sent = limit.acquire()
            try:
                resp = super().do_request(req, timeout)
            except oss2.exceptions.RequestError:
                limit.release(sent, ok=False)
                failures += 1
                if not retried or failures >= self._settings.max_attempts:
                    raise
                time.sleep(backoff_seconds(self._settings.backoff_ms, failures))
                continue
            if resp.status not in OSS_RETRYABLE_STATUS or not retried:
                limit.release(sent, ok=resp.status < 500)
                return resp
            body = resp.read()  # drain so the connection goes back to the pool; SlowDown is OSS throttling
            if b"<Code>SlowDown</Code>" in body:
                give_up = budget.exhausted()
                delay = backoff_seconds(self._settings.backoff_ms, budget.strikes)
                limit.release(sent, throttled=True, ok=False, pause=delay)
            else:
                failures += 1
                give_up = failures >= self._settings.max_attempts
                delay = backoff_seconds(self._settings.backoff_ms, failures)
                limit.release(sent, ok=False)
            if give_up:
                return _Drained(resp, body)  # oss2 raises the error from it
            time.sleep(delay)


class _LogCredentials(LogCredentialsProvider):
    """aliyun-log-python-sdk asks its provider on every request (AuthV1/V4.sign_request), so handing it ours
    means refreshed STS credentials are used as soon as the provider has them."""

    def __init__(self, provider: ICredentialsProvider) -> None:
        self._provider = provider

    def get_credentials(self) -> LogCredentials:
        c = self._provider.get_credentials()
        return LogCredentials(c.get_access_key_id(), c.get_access_key_secret(), c.get_security_token() or None)


# SLS quota answers (403) worth retrying; the log SDK itself retries only 5xx (ten times, a second apart)
LOG_RETRYABLE_CODES = {"ReadQuotaExceed", "WriteQuotaExceed", "QuotaExceed", "ServerBusy", "Throttling"}


def _log_throttle(err: BaseException) -> tuple[bool, float | None]:
    return isinstance(err, LogException) and err.get_error_code() in LOG_RETRYABLE_CODES, None


class _RetryingLogClient:
    """A LogClient whose calls retry SLS throttling with the factory's policy (bounded attempts, exponential
    backoff with equal jitter) within each API's adaptive limit. Everything else is the LogClient's own."""

    def __init__(self, client: LogClient, settings: EndpointSettings, limits: ApiLimits,
                 count: Callable[[str], None]) -> None:
        self._client = client
        self._settings = settings
        self._limits = limits
        self._count = count

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr
        api = f"sls:{name}"
        limit = self._limits.get(api)

        def call(*args: Any, **kwargs: Any) -> Any:
            self._count(api)
            return call_with_limit(limit, lambda: attr(*args, **kwargs), max_attempts=self._settings.max_attempts,
                                   backoff_ms=self._settings.backoff_ms, throttle_of=_log_throttle)

        return call


class _Counted:
    """An SDK client whose public method calls are counted (for progress and the benchmark) and run within
    the API's adaptive concurrency limit, throttled answers retried (darabonba retries 5xx and timeouts)."""

    def __init__(self, client: Any, product: str, factory: ClientFactory) -> None:
        self._client, self._product, self._factory = client, product, factory

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if name.startswith("_") or not callable(attr):
            return attr
        api = f"{self._product}:{name}"
        factory = self._factory
        limit = factory.limits.get(api)

        def once(*args: Any, **kwargs: Any) -> Any:
            return call_with_limit(limit, lambda: attr(*args, **kwargs), max_attempts=factory.settings.max_attempts,
                                   backoff_ms=factory.settings.backoff_ms, throttle_of=pop_throttle)

        def call(*args: Any, **kwargs: Any) -> Any:
            factory.count(api)
            try:
                return once(*args, **kwargs)
            except Exception as err:  # an STS token the cloud calls expired: once more with fresh credentials
                if not _token_expired(err) or not factory.renew_credentials():
                    raise
            return once(*args, **kwargs)

        return call


class ClientFactory:
    """Builds and caches SDK clients; safe to share between threads."""

    def __init__(self, provider: ICredentialsProvider, settings: EndpointSettings) -> None:
        self.provider = provider
        self.settings = settings
        self.credential = CredentialClient(provider=provider)
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], Any] = {}
        self.calls: Counter[str] = Counter()  # API calls made (OpenAPI, OSS, SLS), by product:method
        self.limits = ApiLimits(settings.api_concurrency)  # adaptive concurrency per API, shared by all clients
        # V4 signatures: OSS withdraws V1 for new accounts (from 2025-03) and new buckets (from 2025-09), in phases
        # (https://alibabacloud.com/en/notice/notice_on_the_discontinuation_of_the_oss_v1_signature_algorithm_40f);
        # V4 signs the region, so every Service and Bucket is built with its region
        self._oss_auth = oss2.ProviderAuthV4(_OssCredentials(provider))
        self._shared: dict[str, Any] = {}
        # one connection pool for every OSS client
        self._oss_session = _RetryingOssSession(settings, self.limits, self.count)

    def shared(self, key: str, build: Callable[[], Any]) -> Any:
        """One answer per factory (one scan's credentials) for an account-wide read several collectors need,
        e.g. the IMS credential report: built once, by the first caller, the others wait for it. A failure is
        kept too (each caller sees the same error)."""
        with self._lock:
            future = self._shared.get(key)
            owner = future is None
            if owner:
                future = self._shared[key] = Future()
        if owner:
            try:
                future.set_result(build())
            except BaseException as err:
                future.set_exception(err)
        return future.result()

    def renew_credentials(self) -> bool:
        """Make the provider fetch new credentials (the cloud said they expired); False when it cannot."""
        expire = getattr(self.provider, "expire", None)
        if expire is None:
            return False
        expire()
        return True

    def count(self, api: str) -> None:
        with self._lock:
            self.calls[api] += 1

    def config(self, region: str | None = None, endpoint: str | None = None) -> Config:
        s = self.settings
        return Config(credential=self.credential, region_id=region or GLOBAL_REGION, endpoint=endpoint,
                      protocol=s.protocol, http_proxy=s.proxy, https_proxy=s.proxy,
                      connect_timeout=s.connect_timeout_ms, read_timeout=s.read_timeout_ms,
                      retry_options=retry_options(s))

    def pop(self, product: str, region: str | None = None) -> Any:
        """An OpenAPI client, e.g. factory.pop('ecs', 'cn-shanghai')."""
        key = (product, region or GLOBAL_REGION)
        with self._lock:
            client = self._cache.get(key)
            if client is None:
                module, cls = POP_SDKS[product]
                endpoint = self.settings.sts_host() if product == "sts" else None
                sdk = getattr(importlib.import_module(module), cls)(self.config(region, endpoint))
                client = _Counted(sdk, product, self)
                self._cache[key] = client
            return client

    def _oss_options(self) -> dict[str, Any]:
        s = self.settings
        proxies = {"http": s.proxy, "https": s.proxy} if s.proxy else None
        # requests takes (connect, read) seconds where oss2 documents a single number
        return {"session": self._oss_session, "proxies": proxies,
                "connect_timeout": (s.connect_timeout_ms / 1000, s.read_timeout_ms / 1000)}

    def oss_endpoint(self, region: str | None = None) -> str:
        return f"{self.settings.protocol}://oss-{region or GLOBAL_REGION}.aliyuncs.com"

    def oss_service(self, region: str | None = None) -> oss2.Service:
        """Account-level OSS calls (ListBuckets, GetPublicAccessBlock); any region's endpoint lists every bucket."""
        region = region or GLOBAL_REGION
        return oss2.Service(self._oss_auth, self.oss_endpoint(region), region=region, **self._oss_options())

    def oss_bucket(self, name: str, region: str) -> oss2.Bucket:
        """A bucket's client on its own region's endpoint (OSS refuses other regions' endpoints)."""
        return oss2.Bucket(self._oss_auth, self.oss_endpoint(region), name, region=region, **self._oss_options())

    def log(self, region: str) -> Any:
        """An aliyun-log-python-sdk LogClient for one region's SLS endpoint (<region>.log.aliyuncs.com),
        retrying throttled calls."""
        key = ("log", region)
        with self._lock:
            client = self._cache.get(key)
            if client is None:
                client = _RetryingLogClient(self._new_log_client(region), self.settings, self.limits, self.count)
                self._cache[key] = client
            return client

    def _new_log_client(self, region: str) -> LogClient:
        s = self.settings
        # source='' skips the SDK's guess of the local IP (a DNS lookup of the endpoint outside the proxy);
        # it only labels logs we would write, and the auditor writes none
        client = LogClient(f"{s.protocol}://{region}.log.aliyuncs.com", source="",
                           credentials_provider=_LogCredentials(self.provider), region=region)
        client.timeout = (s.connect_timeout_ms / 1000, s.read_timeout_ms / 1000)  # requests' (connect, read)
        if s.proxy:
            # LogClient has no proxy option; it sends everything through its requests.Session (`_session`),
            # so the proxy goes there. requests lets HTTP(S)_PROXY from the environment override a session's
            # proxies, so the environment is ignored for this session (the configured proxy wins, as it does
            # for the OpenAPI SDKs); a CA bundle named in the environment is kept.
            session = getattr(client, "_session", None)
            if session is None:
                raise ConfigError("this aliyun-log-python-sdk version exposes no HTTP session: export "
                                  "ALIAUDIT_ENDPOINT_PROXY also as HTTP_PROXY and HTTPS_PROXY for Log Service calls")
            session.proxies = {"http": s.proxy, "https": s.proxy}
            session.trust_env = False
            session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        return client
