"""The one SDK client factory: per product and region, with credentials, endpoints, proxy, timeouts
and retry settings in one place. Everything that calls the cloud gets its clients here."""

from __future__ import annotations

import importlib
import os
import random
import threading
import time
from collections import Counter
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
}
GLOBAL_REGION = "cn-hangzhou"  # RAM, IMS and central STS ignore the region but the SDKs want one
# Transient answers worth retrying; anything else (auth, not found, bad input) fails at once.
OSS_RETRYABLE_STATUS = {500, 502, 503, 504}  # OSS throttling is SlowDown 503; oss2 itself never retries
RETRYABLE_CODES = ["Throttling", "Throttling.User", "Throttling.Api", "Throttling.Concurrent", "ServiceUnavailable",
                   "InternalError", "InternalError.Server", "RequestTimeout", "OperationConflict",
                   "ServiceBusy", "LastTokenProcessing"]


def retry_options(settings: EndpointSettings) -> RetryOptions:
    """darabonba's retry policy: bounded attempts, exponential backoff with equal jitter, honouring the
    cloud's x-acs-retry-after (ThrottlingException.retry_after) when present."""
    return RetryOptions({"retryable": True, "retryCondition": [{
        "maxAttempts": settings.max_attempts, "exception": ["ThrottlingException"], "errorCode": RETRYABLE_CODES,
        "backoff": {"policy": "ExponentialWithEqualJitter", "period": settings.backoff_ms, "cap": 10_000},
        "maxDelay": 20_000}]})


class _OssCredentials(oss2.credentials.CredentialsProvider):
    """oss2's provider interface over ours: oss2 asks for credentials when it signs each request, so
    refreshed STS credentials are picked up without rebuilding clients."""

    def __init__(self, provider: ICredentialsProvider) -> None:
        self._provider = provider

    def get_credentials(self) -> oss2.credentials.Credentials:
        c = self._provider.get_credentials()
        return oss2.credentials.Credentials(c.get_access_key_id(), c.get_access_key_secret(),
                                            c.get_security_token() or "")


class _RetryingOssSession(oss2.Session):
    """oss2.Session with the factory's retry policy for reads: bounded attempts, exponential backoff
    with equal jitter, on 5xx (SlowDown, ServiceUnavailable) and connection errors."""

    def __init__(self, settings: EndpointSettings) -> None:
        super().__init__(pool_size=32)  # shared by every bucket client of the scan's worker threads
        self._settings = settings

    def _pause(self, attempt: int) -> None:
        step = min(self._settings.backoff_ms * 2 ** (attempt - 1), 10_000) / 1000
        time.sleep(step / 2 + random.uniform(0, step / 2))  # jitter, not crypto

    def do_request(self, req: oss2.http.Request, timeout: Any) -> oss2.http.Response:
        idempotent = req.method in ("GET", "HEAD")  # retrying a write could repeat it
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self._settings.max_attempts or not idempotent
            try:
                resp = super().do_request(req, timeout)
            except oss2.exceptions.RequestError:
                if last:
                    raise
                self._pause(attempt)
                continue
            if resp.status not in OSS_RETRYABLE_STATUS or last:
                return resp
            resp.read()  # drain so the connection goes back to the pool
            self._pause(attempt)


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


class _RetryingLogClient:
    """A LogClient whose calls retry SLS throttling with the factory's policy: bounded attempts,
    exponential backoff with equal jitter. Everything else is the LogClient's own."""

    def __init__(self, client: LogClient, settings: EndpointSettings) -> None:
        self._client = client
        self._settings = settings

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            attempt = 0
            while True:
                attempt += 1
                try:
                    return attr(*args, **kwargs)
                except LogException as err:
                    if err.get_error_code() not in LOG_RETRYABLE_CODES or attempt >= self._settings.max_attempts:
                        raise
                step = min(self._settings.backoff_ms * 2 ** (attempt - 1), 10_000) / 1000
                time.sleep(step / 2 + random.uniform(0, step / 2))  # jitter, not crypto

        return call


class _Counted:
    """An SDK client whose public method calls are counted (for progress and the benchmark)."""

    def __init__(self, client: Any, product: str, counter: Counter[str], lock: threading.Lock) -> None:
        self._client, self._product, self._counter, self._lock = client, product, counter, lock

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if name.startswith("_") or not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self._counter[f"{self._product}:{name}"] += 1
            return attr(*args, **kwargs)

        return call


class ClientFactory:
    """Builds and caches SDK clients; safe to share between threads."""

    def __init__(self, provider: ICredentialsProvider, settings: EndpointSettings) -> None:
        self.provider = provider
        self.settings = settings
        self.credential = CredentialClient(provider=provider)
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], Any] = {}
        self.calls: Counter[str] = Counter()  # OpenAPI calls made, by product:method
        self._oss_auth = oss2.ProviderAuth(_OssCredentials(provider))
        self._oss_session = _RetryingOssSession(settings)  # one connection pool for every OSS client

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
                client = _Counted(sdk, product, self.calls, self._lock)
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
        return oss2.Service(self._oss_auth, self.oss_endpoint(region), **self._oss_options())

    def oss_bucket(self, name: str, region: str) -> oss2.Bucket:
        """A bucket's client on its own region's endpoint (OSS refuses other regions' endpoints)."""
        return oss2.Bucket(self._oss_auth, self.oss_endpoint(region), name, **self._oss_options())

    def log(self, region: str) -> Any:
        """An aliyun-log-python-sdk LogClient for one region's SLS endpoint (<region>.log.aliyuncs.com),
        retrying throttled calls."""
        key = ("log", region)
        with self._lock:
            client = self._cache.get(key)
            if client is None:
                client = _RetryingLogClient(self._new_log_client(region), self.settings)
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
