"""The one SDK client factory: per product and region, with credentials, endpoints, proxy, timeouts
and retry settings in one place. Everything that calls the cloud gets its clients here."""

from __future__ import annotations

import importlib
import threading
from typing import Any

from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_credentials_api import ICredentialsProvider
from alibabacloud_tea_openapi.models import Config
from darabonba.policy.retry import RetryOptions

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
    "fc": ("alibabacloud_fc20230330.client", "Client"),
}
GLOBAL_REGION = "cn-hangzhou"  # RAM, IMS and central STS ignore the region but the SDKs want one
# Transient answers worth retrying; anything else (auth, not found, bad input) fails at once.
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


class ClientFactory:
    """Builds and caches SDK clients; safe to share between threads."""

    def __init__(self, provider: ICredentialsProvider, settings: EndpointSettings) -> None:
        self.provider = provider
        self.settings = settings
        self.credential = CredentialClient(provider=provider)
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], Any] = {}

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
                client = getattr(importlib.import_module(module), cls)(self.config(region, endpoint))
                self._cache[key] = client
            return client
