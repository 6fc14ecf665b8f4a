"""Log Service through aliyun-log-python-sdk for the client factory (clients.py): credentials from our
provider, throttling retried within each API's adaptive limit, the configured proxy. Its own module so that only
a process that calls Log Service imports the log SDK."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from alibabacloud_credentials_api import ICredentialsProvider
from aliyun.log import LogClient, LogException
from aliyun.log.credentials import Credentials as LogCredentials
from aliyun.log.credentials import CredentialsProvider as LogCredentialsProvider
from requests.adapters import HTTPAdapter

from .errors import ConfigError
from .http_session import adopt
from .settings import CONNECTIONS_PER_ENDPOINT, EndpointSettings
from .throttle import ApiLimits, call_with_limit, quota_key


class ProviderLogCredentials(LogCredentialsProvider):
    """aliyun-log-python-sdk asks its provider on every request (AuthV1/V4.sign_request), so handing it ours
    means refreshed STS credentials are used as soon as the provider has them."""

    def __init__(self, provider: ICredentialsProvider) -> None:
        self._provider = provider

    def get_credentials(self) -> LogCredentials:
        c = self._provider.get_credentials()
        return LogCredentials(c.get_access_key_id(), c.get_access_key_secret(), c.get_security_token() or None)


# SLS's throttling answers (403), retried within the API's adaptive limit: the management APIs' (projects, logstores,
# indexes, alerts: every call aliaudit reads with) MetaOperationQpsLimitExceeded, PutLogs' and GetLogs' project and
# shard quotas; and ServerBusy (503) (SLS "Error codes", https://help.aliyun.com/zh/sls/developer-reference/error-codes,
# and "Handle resource throttling errors", https://help.aliyun.com/zh/sls/expansion-of-resources). The log SDK itself
# retries only 5xx (ten times, a second apart). QuotaExceed is a count (configurations, alerts): never retried.
LOG_RETRYABLE_CODES = {"MetaOperationQpsLimitExceeded", "ReadQuotaExceed", "WriteQuotaExceed", "ShardReadQuotaExceed",
                       "ShardWriteQuotaExceed", "ServerBusy"}


def _log_throttle(err: BaseException) -> tuple[bool, float | None]:
    """Throttling (LOG_RETRYABLE_CODES), or no answer at all: the SDK wraps whatever requests raised (a connection
    reset, refused or timed out) as LogRequestError with that exception's text, and its other LogRequestErrors, HTTP
    answers it could not read, open with "Request is failed" (aliyun-log-python-sdk logclient.py, _getHttpResponse
    and _sendRequest). Its own retry takes only texts naming 'httpconnectionpool', which an HTTPS pool's
    ('HTTPSConnectionPool') and a reset's ('Connection aborted.') are not: one lost answer failed a whole aggregation.
    A call whose answer was lost may have taken effect: a PutLogs sent again may store its logs twice."""
    if not isinstance(err, LogException):
        return False, None
    code = err.get_error_code()
    lost = code == "LogRequestError" and not str(err.get_error_message()).startswith("Request is failed")
    return code in LOG_RETRYABLE_CODES or lost, None


def _project_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """The project a LogClient call addresses (its project-scoped methods take project_name first; ListProject's
    arguments are numbers or keywords), whose quota it uses; "" for an account-level call."""
    project = kwargs.get("project_name", args[0] if args else "")
    return project if isinstance(project, str) else ""


class RetryingLogClient:
    """A LogClient whose calls retry SLS throttling with the factory's policy (bounded attempts, exponential
    backoff with equal jitter) within each API's adaptive limit. Everything else is the LogClient's own."""

    def __init__(self, client: LogClient, settings: EndpointSettings, limits: ApiLimits,
                 count: Callable[[str], None], renew: Callable[[], bool] = lambda: False) -> None:
        self._client = client
        self._settings = settings
        self._limits = limits
        self._count = count
        self._renew = renew  # makes the credentials provider fetch anew; False when it cannot

    def close(self) -> None:
        """Close the client's idle connections (its requests session; ClientFactory.release)."""
        session = getattr(self._client, "_session", None)
        if session is not None:
            session.close()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr
        api = f"sls:{name}"

        def once(*args: Any, **kwargs: Any) -> Any:
            limit = self._limits.get(quota_key("sls", name, "", _project_of(args, kwargs)))
            return call_with_limit(limit, lambda: attr(*args, **kwargs), max_attempts=self._settings.max_attempts,
                                   backoff_ms=self._settings.backoff_ms, throttle_of=_log_throttle)

        def call(*args: Any, **kwargs: Any) -> Any:
            self._count(api)
            try:
                return once(*args, **kwargs)
            except LogException as err:  # the STS token expired in flight: once more with fresh credentials
                if err.get_error_code() != "SecurityTokenExpired" or not self._renew():
                    raise
            return once(*args, **kwargs)

        return call


def log_client(provider: ICredentialsProvider, settings: EndpointSettings, region: str) -> LogClient:
    """A LogClient for one region's SLS endpoint (<region>.log.aliyuncs.com) through the configured proxy."""
    s = settings
    # source='' skips the SDK's guess of the local IP (a DNS lookup of the endpoint outside the proxy);
    # it only labels logs we would write, and the auditor writes none
    client = LogClient(f"{s.protocol}://{region}.log.aliyuncs.com", source="",
                       credentials_provider=ProviderLogCredentials(provider), region=region)
    client.timeout = (s.connect_timeout_ms / 1000, s.read_timeout_ms / 1000)  # type: ignore[assignment]  # requests' (connect, read)
    session = getattr(client, "_session", None)
    if session is not None:  # (requests' default pool keeps 10 connections: see CONNECTIONS_PER_ENDPOINT; the
        # environment is read once per host, not per request: http_session)
        client._session = session = adopt(session)  # type: ignore[attr-defined]  # (the SDK's, undeclared)
        for prefix in ("http://", "https://"):
            session.mount(prefix, HTTPAdapter(pool_connections=4, pool_maxsize=CONNECTIONS_PER_ENDPOINT))
    if s.proxy:
        # LogClient has no proxy option; it sends everything through its requests.Session (`_session`),
        # so the proxy goes there. requests lets HTTP(S)_PROXY from the environment override a session's
        # proxies, so the environment is ignored for this session (the configured proxy wins, as it does
        # for the OpenAPI SDKs); a CA bundle named in the environment is kept.
        if session is None:
            raise ConfigError("this aliyun-log-python-sdk version exposes no HTTP session: export "
                              "ALIAUDIT_ENDPOINT_PROXY also as HTTP_PROXY and HTTPS_PROXY for Log Service calls")
        session.proxies = {"http": s.proxy, "https": s.proxy}
        session.trust_env = False
        session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    return client
