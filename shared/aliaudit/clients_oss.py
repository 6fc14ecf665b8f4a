"""OSS through oss2 for the client factory (clients.py): credentials from our provider, and a session that
retries within each API's adaptive limit. Its own module so that only a process that calls OSS imports oss2."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import oss2
from alibabacloud_credentials_api import ICredentialsProvider

from .http_session import adopt
from .settings import CONNECTIONS_PER_ENDPOINT, EndpointSettings
from .throttle import ApiLimits, ThrottleBudget, backoff_seconds

# Transient answers worth retrying; anything else (auth, not found, bad input) fails at once. oss2 itself never
# retries; OSS's own v2 SDK retries every 5xx and 429 (alibabacloud_oss_v2/retry/error_retryable.py).
OSS_RETRYABLE_STATUS = {429, 500, 502, 503, 504}
# OSS's throttling answers, retried within the API's adaptive limit (which they slow down): 503
# TotalQpsLimitExceeded (the account's total QPS), MetaOperationQpsLimitExceeded (management APIs),
# ActiveRequestLimitExceeded (concurrent requests) ("HTTP status code 503",
# https://www.alibabacloud.com/help/en/oss/support/http-status-code-503), PartitionQpsLimitted (a hot key prefix,
# https://help.aliyun.com/en/oss/user-guide/0026-00000028), and any 429 (QpsLimitExceeded, "HTTP status code 429",
# https://help.aliyun.com/en/oss/user-guide/429-error)
OSS_THROTTLING_CODES = frozenset({"TotalQpsLimitExceeded", "MetaOperationQpsLimitExceeded",
                                  "ActiveRequestLimitExceeded", "PartitionQpsLimitted", "QpsLimitExceeded",
                                  # the account's bandwidth, and image processing's CPU (the same 503 page)
                                  "DownloadTrafficRateLimitExceeded", "UploadTrafficRateLimitExceeded",
                                  "CpuLimitExceeded"})
_CODE = re.compile(rb"<Code>([^<]{1,128})</Code>")


def oss_throttled(status: int, body: bytes) -> bool:
    """Whether an OSS error answer (its status and error document) is throttling."""
    m = _CODE.search(body[:4096])
    return throttling_answer(status, m.group(1).decode(errors="replace") if m else "")


def throttling_answer(status: int, code: str) -> bool:
    """Whether an OSS error answer with this status and error code is throttling (oss2's ServerError carries both)."""
    return status == 429 or code in OSS_THROTTLING_CODES


class OssCredentials(oss2.credentials.CredentialsProvider):
    """oss2's provider interface over ours: oss2 asks for credentials when it signs each request, so
    refreshed STS credentials are picked up without rebuilding clients."""

    def __init__(self, provider: ICredentialsProvider) -> None:
        self._provider = provider

    def get_credentials(self) -> oss2.credentials.Credentials:
        c = self._provider.get_credentials()
        return oss2.credentials.Credentials(c.get_access_key_id(), c.get_access_key_secret(),
                                            c.get_security_token() or "")


class ResigningAuthV4(oss2.ProviderAuthV4):
    """V4 signing that the session can repeat: a retry after a backoff, or after the cloud called the STS token
    expired, must carry the credentials (and date) current then, not those of the first attempt (a 5xx retried
    past a short session's end otherwise fails as SecurityTokenExpired)."""

    def _sign_request(self, req: oss2.http.Request, bucket_name: str, key: str,
                      in_additional_headers: Any = None) -> None:
        sign = super()._sign_request
        sign(req, bucket_name, key, in_additional_headers)
        req.resign = lambda: sign(req, bucket_name, key, in_additional_headers)


def _resign(req: oss2.http.Request) -> None:
    resign = getattr(req, "resign", None)
    if resign is not None:
        resign()


def oss_api(req: oss2.http.Request) -> str:
    """The OSS API a request calls, as a key for its adaptive limit: the method and the sub-resources
    (the parameters without a value: acl, policy, versioning...), e.g. "oss:GET acl"."""
    subresources = ",".join(sorted(k for k, v in (req.params or {}).items() if v in ("", None)))
    return f"oss:{req.method} {subresources}".rstrip()


class _Drained:
    """A response whose body was already read (to tell throttling from other 503s), for oss2's error parser."""

    def __init__(self, resp: oss2.http.Response, body: bytes) -> None:
        self.status, self.headers, self.request_id, self._body = resp.status, resp.headers, resp.request_id, body

    def read(self, amt: int | None = None) -> bytes:
        body, self._body = self._body, b""
        return body


def _body_bytes(data: Any) -> bytes:
    if hasattr(data, "read"):
        return bytes(data.read())
    return b"".join(bytes(chunk) for chunk in data)


class RetryingOssSession(oss2.Session):
    """oss2.Session with the factory's retry policy: bounded attempts, exponential backoff with equal jitter,
    on throttling (oss_throttled), other 5xx (ServiceUnavailable) and transport errors (timeouts), within each API's
    adaptive limit.
    GET, HEAD, PUT and DELETE are retried: a PUT writes the same bytes to the same key again, and a
    forbid-overwrite PUT that already landed answers 409, which RunStore.claim resolves by reading back."""

    RETRIED_METHODS = ("GET", "HEAD", "PUT", "DELETE")

    def __init__(self, settings: EndpointSettings, limits: ApiLimits, count: Callable[[str], None],
                 renew: Callable[[], bool] = lambda: False, throttle_attempts: int | None = None) -> None:
        super().__init__(pool_size=CONNECTIONS_PER_ENDPOINT)  # (bucket hosts, and connections each)
        # (the environment read once per bucket host, not per request)
        self.session = adopt(self.session)  # type: ignore[has-type]  # (oss2's attribute, untyped)
        self._settings = settings
        self._limits = limits
        self._count = count
        self._renew = renew  # makes the credentials provider fetch anew; False when it cannot
        # throttled answers in a row a call takes (ThrottleBudget): the settings' attempts unless the caller needs more
        self._throttle_attempts = throttle_attempts or settings.max_attempts

    def do_request(self, req: oss2.http.Request, timeout: Any) -> Any:
        retried = req.method in self.RETRIED_METHODS  # a POST (append, multipart) could repeat a change
        if retried and req.data is not None and not isinstance(req.data, bytes | bytearray):
            # oss2 wraps a body in a one-shot reader (it computes the CRC as it is read): a retry would send
            # an empty body under the original Content-Length. Read it once (the CRC with it), send the bytes.
            req.data = _body_bytes(req.data)
        api = oss_api(req)
        self._count(api)
        limit = self._limits.get(api)
        budget = ThrottleBudget(limit, self._throttle_attempts)  # throttling answers
        failures = 0  # other 5xx and transport errors
        renewed = False
        attempt = 0
        while True:
            if attempt:
                _resign(req)
            attempt += 1
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
            if resp.status == 403 and not renewed:
                body = resp.read()  # a short error document
                # the token expired between signing and arriving (a request the cloud refused changed nothing,
                # so any method may go once more, with fresh credentials)
                if b"<Code>SecurityTokenExpired</Code>" in body and self._renew():
                    renewed = True
                    limit.release(sent, ok=True)
                    continue
                limit.release(sent, ok=True)
                return _Drained(resp, body)
            if resp.status not in OSS_RETRYABLE_STATUS or not retried:
                limit.release(sent, ok=resp.status < 500)
                return resp
            body = resp.read()  # drain so the connection goes back to the pool, and tell throttling from failures
            if oss_throttled(resp.status, body):
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
