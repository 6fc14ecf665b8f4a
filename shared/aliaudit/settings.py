"""Endpoint, proxy, timeout and retry settings shared by every SDK client and credential provider.

Production defaults: HTTPS to the real `*.aliyuncs.com` hosts, no proxy. Each setting is a documented
option (CLI flag or environment variable), used the same way by the CLI and the FC functions.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, Field, field_validator

from .errors import ConfigError
from .redact import SECRETS

# Connections every SDK client (OpenAPI, OSS, Log Service) keeps per endpoint: as many as a scan's threads can have
# in flight to one endpoint (16 collectors, each mapping its items over 16 threads). A smaller pool (darabonba's
# default is 40, requests' 10) drops each connection returned to a full one, logging a WARNING "Connection pool is
# full" per drop, and the next call pays a new TCP and TLS handshake.
CONNECTIONS_PER_ENDPOINT = 256


def _register_proxy_password(value: str | None) -> None:
    """A proxy's password (http://user:password@proxy:3128) is a secret: scrubbed wherever the URL is logged (oss2
    logs its proxies at DEBUG); errors show the proxy through redact.url_for_display, without it. One shorter than
    the registry's minimum is registered in the URL's own form (":password@"): alone it would blank every such
    string of the logs."""
    if value and "@" in value:
        from urllib.parse import unquote, urlsplit

        try:
            password = urlsplit(value if "://" in value else "//" + value).password
        except ValueError:
            password = None
        if password:
            SECRETS.add(password, unquote(password))
            if len(unquote(password)) < SECRETS.MIN_LENGTH:
                SECRETS.add(f":{password}@", f":{unquote(password)}@", min_length=1)


class EndpointSettings(BaseModel):
    protocol: str = "https"  # ALIAUDIT_ENDPOINT_PROTOCOL: https | http
    proxy: str | None = None  # ALIAUDIT_ENDPOINT_PROXY: forward proxy for every API call, e.g. http://proxy:3128
    sts_endpoint: str | None = None  # ALIAUDIT_STS_ENDPOINT: host or URL; overrides region/VPC choice
    sts_region: str | None = None  # ALIBABA_CLOUD_STS_REGION: use sts.<region>.aliyuncs.com
    sts_vpc: bool = False  # ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true: use sts-vpc.<region>.aliyuncs.com
    # ALIAUDIT_METADATA_ENDPOINT: the ECS metadata service's address (default http://100.100.100.200), reached
    # directly: never through the proxy (credentials.providers.EcsRoleProvider says why)
    metadata_endpoint: str | None = None
    connect_timeout_ms: int = Field(5000, ge=100)  # ALIAUDIT_CONNECT_TIMEOUT_MS
    read_timeout_ms: int = Field(20000, ge=100)  # ALIAUDIT_READ_TIMEOUT_MS
    max_attempts: int = Field(5, ge=1, le=20)  # ALIAUDIT_MAX_ATTEMPTS: per call, on throttling and 5xx
    backoff_ms: int = Field(200, ge=1)  # ALIAUDIT_BACKOFF_MS: first backoff step (doubles, jittered)
    # ALIAUDIT_API_CONCURRENCY: most calls in flight per API; halved while the API throttles, regrown on success
    api_concurrency: int = Field(16, ge=1, le=512)
    # ALIAUDIT_REPORT_WAIT_SECONDS: how long to wait for IMS to generate the credential report (asynchronous)
    report_wait_seconds: float = Field(120, ge=0, le=3600)

    @field_validator("proxy")
    @classmethod
    def _proxy(cls, value: str | None) -> str | None:
        _register_proxy_password(value)
        return value

    def register_secrets(self) -> None:
        """Register the proxy's password for scrubbing in this process: a process that got these settings pickled
        (a scan process) ran no validator."""
        _register_proxy_password(self.proxy)

    @field_validator("metadata_endpoint")
    @classmethod
    def _metadata(cls, value: str | None) -> str | None:
        if value is None:
            return None
        url = value if "://" in value else "http://" + value
        scheme, _, rest = url.partition("://")
        if scheme.lower() != "http" or not rest.strip("/") or any(c in rest for c in "?#@ "):
            raise ValueError("the metadata endpoint is http://host[:port] (the service speaks plain HTTP)")
        return url.rstrip("/")

    @field_validator("protocol")
    @classmethod
    def _protocol(cls, value: str) -> str:
        value = value.lower()
        if value not in ("https", "http"):
            raise ValueError("protocol must be https or http")
        return value

    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: object) -> EndpointSettings:
        values: dict[str, object] = {}
        mapping = {"ALIAUDIT_ENDPOINT_PROTOCOL": "protocol", "ALIAUDIT_ENDPOINT_PROXY": "proxy",
                   "ALIAUDIT_STS_ENDPOINT": "sts_endpoint", "ALIBABA_CLOUD_STS_REGION": "sts_region",
                   "ALIAUDIT_METADATA_ENDPOINT": "metadata_endpoint",
                   "ALIAUDIT_CONNECT_TIMEOUT_MS": "connect_timeout_ms", "ALIAUDIT_READ_TIMEOUT_MS": "read_timeout_ms",
                   "ALIAUDIT_MAX_ATTEMPTS": "max_attempts", "ALIAUDIT_BACKOFF_MS": "backoff_ms",
                   "ALIAUDIT_API_CONCURRENCY": "api_concurrency",
                   "ALIAUDIT_REPORT_WAIT_SECONDS": "report_wait_seconds"}
        for var, field in mapping.items():
            if env.get(var):
                values[field] = env[var]
        if env.get("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED", "").lower() == "true":
            values["sts_vpc"] = True
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls.model_validate(values)
        except ValueError as err:
            raise ConfigError(f"invalid endpoint settings: {err}") from None

    def fetch_deadline_seconds(self, *, retried: bool = True, requests: int = 1) -> float:
        """The longest one credentials fetch (credentials URI, metadata service, STS role or OIDC assumption)
        may take in total: its requests' attempts at connect + read timeout each, and the backoff between them.
        The timeouts bound each socket operation only: a peer answering a byte at a time would hold forever."""
        from .throttle import BACKOFF_CAP_MS

        attempts = self.max_attempts if retried else 1
        backoff = sum(min(BACKOFF_CAP_MS, self.backoff_ms * 2 ** i) for i in range(attempts - 1))
        return (requests * attempts * (self.connect_timeout_ms + self.read_timeout_ms) + backoff) / 1000

    def sts_host(self) -> str:
        """Where STS calls go: explicit endpoint, else the regional (VPC) endpoint, else the central one."""
        if self.sts_endpoint:
            return self.sts_endpoint.split("://", 1)[-1].rstrip("/")
        if self.sts_region:
            return f"{'sts-vpc' if self.sts_vpc else 'sts'}.{self.sts_region}.aliyuncs.com"
        return "sts.aliyuncs.com"

    def sts_protocol(self) -> str:
        if self.sts_endpoint and "://" in self.sts_endpoint:
            return self.sts_endpoint.split("://", 1)[0]
        return self.protocol
