"""The one SDK client factory: per product and region, with credentials, endpoints, proxy, timeouts
and retry settings in one place. Everything that calls the cloud gets its clients here.

Each SDK is imported when its first client is built (OSS and Log Service through clients_oss / clients_log):
a command that calls no cloud (`aliaudit --help`, list-checks) or a process that scans a few families does not
pay the others' imports (seconds of CPU and tens of megabytes each)."""

from __future__ import annotations

import importlib
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from alibabacloud_credentials_api import ICredentialsProvider

from . import sdk_models, sdk_sessions, sdk_tls
from .redact import route_credentials_log
from .settings import CONNECTIONS_PER_ENDPOINT, EndpointSettings
from .throttle import BACKOFF_CAP_MS, MAX_RETRY_AFTER_MS, ApiLimits, call_with_limit, quota_key

if TYPE_CHECKING:  # (the SDKs are imported when a client of theirs is first built: see the module's doc)
    import oss2
    from alibabacloud_credentials.client import Client as CredentialClient
    from alibabacloud_tea_openapi.models import Config
    from darabonba.policy.retry import RetryOptions

    from .clients_oss import RetryingOssSession

sdk_models.install()  # (an SDK's models load one by one as they are used: its import costs a tenth)

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
    # issue 20's families (keys are the emulator's product keys and the wire corpus folders)
    "kvstore": ("alibabacloud_r_kvstore20150101.client", "Client"),  # Redis / Tair
    "dds": ("alibabacloud_dds20151201.client", "Client"),  # MongoDB
    "polardb": ("alibabacloud_polardb20170801.client", "Client"),
    "nas": ("alibabacloud_nas20170626.client", "Client"),
    "slb": ("alibabacloud_slb20140515.client", "Client"),  # CLB
    "alb": ("alibabacloud_alb20200616.client", "Client"),
    "nlb": ("alibabacloud_nlb20220430.client", "Client"),
    "cloudapi": ("alibabacloud_cloudapi20160714.client", "Client"),  # API Gateway
    "cdn": ("alibabacloud_cdn20180510.client", "Client"),
    "cr": ("alibabacloud_cr20181201.client", "Client"),  # Container Registry
    "elasticsearch": ("alibabacloud_elasticsearch20170613.client", "Client"),
    "alikafka": ("alibabacloud_alikafka20190916.client", "Client"),
    "mse": ("alibabacloud_mse20190531.client", "Client"),
    "bastionhost": ("alibabacloud_yundun_bastionhost20191209.client", "Client"),
    "cloudfw": ("alibabacloud_cloudfw20171207.client", "Client"),  # Cloud Firewall
    "waf": ("alibabacloud_waf_openapi20211001.client", "Client"),  # WAF 3.0
    "ddoscoo": ("alibabacloud_ddoscoo20200101.client", "Client"),  # Anti-DDoS Proxy
    "alidns": ("alibabacloud_alidns20150109.client", "Client"),
    "cloudsso": ("alibabacloud_cloudsso20210515.client", "Client"),
}
# RAM service codes (a collector's `apis`, e.g. yundun-sas:DescribeVersionConfig) whose SDK is filed under another
# product key above
SERVICE_PRODUCTS = {"apigateway": "cloudapi", "yundun-bastionhost": "bastionhost", "yundun-cloudfirewall": "cloudfw",
                    "yundun-ddoscoo": "ddoscoo", "yundun-sas": "sas", "yundun-aegis": "sas", "yundun-waf": "waf"}
# the modules of the products with their own SDKs (Log Service's client, OSS's)
OTHER_SDKS = {"log": "aliaudit.clients_log", "oss": "oss2"}
GLOBAL_REGION = "cn-hangzhou"  # RAM, IMS and central STS ignore the region but the SDKs want one
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
    from darabonba.policy.retry import RetryOptions

    return RetryOptions({"retryable": True, "retryCondition": [{
        "maxAttempts": settings.max_attempts, "exception": RETRYABLE_EXCEPTIONS, "errorCode": RETRYABLE_CODES,
        "backoff": {"policy": "ExponentialWithEqualJitter", "period": settings.backoff_ms, "cap": BACKOFF_CAP_MS},
        "maxDelay": MAX_RETRY_AFTER_MS}]})


# OpenAPI throttling codes that do not say "Throttling": Function Compute's concurrency and instance limits
# (ResourceExhausted 429, ResourceThrottled 503: FC "Error codes" and "Retry policy",
# https://www.alibabacloud.com/help/en/fc/user-guide/retry-policy)
THROTTLING_CODES = frozenset({"ResourceExhausted", "ResourceThrottled"})


def pop_throttle(err: BaseException) -> tuple[bool, float | None]:
    """Is this OpenAPI error throttling (the gateway's Throttling, Throttling.User, Throttling.Api...; KMS's
    Rejected.Throttling, https://help.aliyun.com/document_detail/163625.html; THROTTLING_CODES), and the server's
    retry-after (ms) if it sent x-acs-retry-after."""
    inner = getattr(err, "inner_exception", None) or err
    code = str(getattr(inner, "code", "") or "")
    if getattr(inner, "name", "") == "ThrottlingException" or "Throttling" in code or code in THROTTLING_CODES:
        retry_after = getattr(inner, "retry_after", None)
        return True, float(retry_after) if retry_after is not None else None
    return False, None


def _token_expired(err: BaseException) -> bool:
    inner = getattr(err, "inner_exception", None) or err
    return str(getattr(inner, "code", "") or "") in ("InvalidSecurityToken.Expired", "SecurityTokenExpired")


def _clean_endpoint(client: Any) -> Any:
    """The client with its resolved endpoint stripped of whitespace. An SDK's generated endpoint map can carry it:
    alibabacloud-fc20230330 (4.8.3, the newest) maps ap-southeast-5 to 'fcv3.ap-southeast-5.aliyuncs.com\\t', and
    every call there fails with InvalidURL (a region of FC functions never checked)."""
    endpoint = getattr(client, "_endpoint", None)
    if isinstance(endpoint, str) and endpoint != endpoint.strip():
        client._endpoint = endpoint.strip()
    return client


def sdk_module(service: str) -> str | None:
    """The module a RAM service code's calls go through ('ecs' -> alibabacloud_ecs20140526.client), if known."""
    product = SERVICE_PRODUCTS.get(service, service)
    return POP_SDKS[product][0] if product in POP_SDKS else OTHER_SDKS.get(service)


def import_sdks(actions: Iterable[str]) -> None:
    """Import the SDKs behind these RAM actions (a scan's collectors' `apis`), each once."""
    for module in sorted({m for a in actions if (m := sdk_module(a.split(":", 1)[0]))}):
        importlib.import_module(module)


def _host_of(client: Any) -> str | None:
    """The endpoint host of an OpenAPI client (_Counted), None for the others."""
    endpoint = getattr(getattr(client, "_client", None), "_endpoint", None) if isinstance(client, _Counted) else None
    return endpoint if isinstance(endpoint, str) else None


class _Counted:
    """An SDK client whose public method calls are counted (for progress and the benchmark) and run within
    the API's adaptive concurrency limit, throttled answers retried (darabonba retries 5xx and timeouts)."""

    def __init__(self, client: Any, product: str, region: str, factory: ClientFactory) -> None:
        self._client, self._product, self._region, self._factory = client, product, region, factory

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if name.startswith("_") or not callable(attr):
            return attr
        api = f"{self._product}:{name}"
        factory = self._factory
        limit = factory.limits.get(quota_key(self._product, name, self._region))

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
        self._credential: CredentialClient | None = None
        self._lock = threading.Lock()
        self._init_lock = threading.Lock()  # (the lazy parts: the credential, OSS's signer and session)
        self._building: dict[tuple[str, str], threading.Lock] = {}  # one per client being built (_client)
        self._cache: dict[tuple[str, str], Any] = {}
        self.calls: Counter[str] = Counter()  # API calls made (OpenAPI, OSS, SLS), by product:method
        self.limits = ApiLimits(settings.api_concurrency)  # adaptive concurrency per API, shared by all clients
        self._shared: dict[str, Future[Any]] = {}
        self._oss: tuple[Any, RetryingOssSession] | None = None  # (auth, session), with the first OSS client

    @property
    def credential(self) -> CredentialClient:
        """The OpenAPI SDKs' credentials client over our provider (built with the first OpenAPI client)."""
        if self._credential is None:
            from alibabacloud_credentials.client import Client as CredentialClient

            route_credentials_log()  # (the library's modules set up their own logger as they are imported)
            with self._init_lock:
                if self._credential is None:
                    self._credential = CredentialClient(provider=self.provider)
        return self._credential

    def shared(self, key: str, build: Callable[[], Any]) -> Any:
        """One answer per factory (one scan's credentials) for an account-wide read several collectors need,
        e.g. the IMS credential report: built once, by the first caller, the others wait for it. A failure is
        kept too (each caller sees the same error)."""
        with self._lock:
            known = self._shared.get(key)
            owner = known is None
            future = self._shared[key] = Future() if known is None else known
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
        from alibabacloud_tea_openapi.models import Config

        s = self.settings
        return Config(credential=self.credential, region_id=region or GLOBAL_REGION, endpoint=endpoint,
                      protocol=s.protocol, http_proxy=s.proxy, https_proxy=s.proxy,
                      connect_timeout=s.connect_timeout_ms, read_timeout=s.read_timeout_ms,
                      max_idle_conns=CONNECTIONS_PER_ENDPOINT, retry_options=retry_options(s))

    def pop(self, product: str, region: str | None = None) -> Any:
        """An OpenAPI client, e.g. factory.pop('ecs', 'cn-shanghai')."""
        key = (product, region or GLOBAL_REGION)

        def build() -> Any:
            module, cls = POP_SDKS[product]
            endpoint = self.settings.sts_host() if product == "sts" else None
            sdk = importlib.import_module(module)
            sdk_tls.install()  # (one TLS context for every endpoint, not one per endpoint: see sdk_tls)
            return _Counted(_clean_endpoint(getattr(sdk, cls)(self.config(region, endpoint))), product, key[1], self)

        return self._client(key, build)

    def _client(self, key: tuple[str, str], build: Callable[[], Any]) -> Any:
        """The cached client of key, built once. The build (an SDK's import, a TLS context) runs outside the
        factory's lock: holding it there stalled every other thread's calls (count() takes it) for the import
        of each family's SDK in turn, most of a small scan's time."""
        client = self._cache.get(key)
        if client is None:
            with self._lock:
                building = self._building.setdefault(key, threading.Lock())
            with building:
                client = self._cache.get(key)
                if client is None:
                    client = build()
                    with self._lock:
                        self._cache[key] = client
        return client

    def release(self, region: str) -> None:
        """Close the connections of the region's clients (a scan is done with the region; sdk_sessions): the
        endpoints no other region's client uses. The global clients' region (GLOBAL_REGION) is kept."""
        if region == GLOBAL_REGION:
            return
        with self._lock:
            done = [self._cache.pop(key) for key in [k for k in self._cache if k[1] == region]]
            kept = list(self._cache.values())
        hosts = {_host_of(c) for c in done} - {_host_of(c) for c in kept}
        sdk_sessions.close_endpoints(h for h in hosts if h)
        for client in done:
            if callable(getattr(type(client), "close", None)):  # (a Log Service client owns its session)
                client.close()

    def _oss_parts(self) -> tuple[Any, RetryingOssSession]:
        """OSS's signer and the one connection pool of every OSS client, built with the first."""
        if self._oss is None:
            from .clients_oss import OssCredentials, ResigningAuthV4, RetryingOssSession

            with self._init_lock:
                if self._oss is None:
                    # V4 signatures: OSS withdraws V1 for new accounts (from 2025-03) and new buckets (from
                    # 2025-09), in phases (https://alibabacloud.com/en/notice/
                    # notice_on_the_discontinuation_of_the_oss_v1_signature_algorithm_40f); V4 signs the region,
                    # so every Service and Bucket is built with its region
                    self._oss = (ResigningAuthV4(OssCredentials(self.provider)),
                                 RetryingOssSession(self.settings, self.limits, self.count, self.renew_credentials))
        return self._oss

    def _oss_options(self) -> dict[str, Any]:
        s = self.settings
        proxies = {"http": s.proxy, "https": s.proxy} if s.proxy else None
        # requests takes (connect, read) seconds where oss2 documents a single number
        return {"session": self._oss_parts()[1], "proxies": proxies,
                "connect_timeout": (s.connect_timeout_ms / 1000, s.read_timeout_ms / 1000)}

    def oss_endpoint(self, region: str | None = None) -> str:
        return f"{self.settings.protocol}://oss-{region or GLOBAL_REGION}.aliyuncs.com"

    def oss_service(self, region: str | None = None) -> oss2.Service:
        """Account-level OSS calls (ListBuckets, GetPublicAccessBlock); any region's endpoint lists every bucket."""
        import oss2

        region = region or GLOBAL_REGION
        return oss2.Service(self._oss_parts()[0], self.oss_endpoint(region), region=region, **self._oss_options())

    def oss_bucket(self, name: str, region: str) -> oss2.Bucket:
        """A bucket's client on its own region's endpoint (OSS refuses other regions' endpoints)."""
        import oss2

        return oss2.Bucket(self._oss_parts()[0], self.oss_endpoint(region), name, region=region, **self._oss_options())

    def log(self, region: str) -> Any:
        """An aliyun-log-python-sdk LogClient for one region's SLS endpoint (<region>.log.aliyuncs.com),
        retrying throttled calls."""
        from .clients_log import RetryingLogClient

        return self._client(("log", region), lambda: RetryingLogClient(
            self._new_log_client(region), self.settings, self.limits, self.count, self.renew_credentials))

    def _new_log_client(self, region: str) -> Any:
        from .clients_log import log_client

        return log_client(self.provider, self.settings, region)
