"""The products' throttling answers, as their error pages document them, are told from other failures: OpenAPI's
(clients.pop_throttle), Log Service's (clients_log) and OSS's (clients_oss)."""

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException
from aliyun.log import LogException

from aliaudit.clients import pop_throttle
from aliaudit.clients_log import _log_throttle
from aliaudit.clients_oss import OSS_RETRYABLE_STATUS, oss_throttled


@pytest.mark.parametrize("err", [
    ClientException(status_code=400, code="Throttling.User", message="Request was denied due to user flow control."),
    ClientException(status_code=400, code="Throttling.Api", message="Request was denied due to api flow control."),
    ClientException(status_code=400, code="Throttling", message="Request was denied due to request throttling."),
    ClientException(status_code=429, code="Rejected.Throttling", message="QPS Limit Exceeded"),  # KMS
    ClientException(status_code=429, code="ResourceExhausted", message="concurrency exceeds the limit"),  # FC
    ServerException(status_code=503, code="ResourceThrottled", message="Reserve resource exceeded limit"),  # FC
    ThrottlingException(status_code=400, code="AnyCode", retry_after=300),  # the gateway's x-acs-retry-after
])
def test_openapi_throttling_answers(err):
    assert pop_throttle(err)[0]


@pytest.mark.parametrize("err", [
    ClientException(status_code=403, code="NoPermission", message="denied"),
    ServerException(status_code=503, code="ServiceUnavailable", message="busy"),
    ClientException(status_code=404, code="EntityNotExist.Role", message="no role"),
])
def test_other_openapi_failures_are_not_throttling(err):
    assert not pop_throttle(err)[0]


@pytest.mark.parametrize(("code", "throttled"), [
    ("MetaOperationQpsLimitExceeded", True),  # projects, logstores, indexes, alerts
    ("WriteQuotaExceed", True), ("ReadQuotaExceed", True), ("ShardWriteQuotaExceed", True),
    ("ShardReadQuotaExceed", True), ("ServerBusy", True),
    ("QuotaExceed", False),  # a count of configurations or alerts: waiting never helps
    ("Unauthorized", False), ("LogStoreNotExist", False),
])
def test_log_service_throttling_answers(code, throttled):
    assert _log_throttle(LogException(code, "message", "request-id", 403))[0] is throttled


def _error(code: str, message: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>{code}</Code>\n  <Message>{message}</Message>\n'
            "  <RequestId>5C3D9175B6FC201293AD****</RequestId>\n  <HostId>oss-cn-hangzhou.aliyuncs.com</HostId>\n"
            "</Error>\n").encode()


@pytest.mark.parametrize(("status", "code", "message"), [
    (503, "TotalQpsLimitExceeded", "Max total qps limit is exceeded"),
    (503, "MetaOperationQpsLimitExceeded", "Qps limit for the meta operation is exceeded"),
    (503, "ActiveRequestLimitExceeded", "Max active request limit is exceeded"),
    (503, "PartitionQpsLimitted", "Please reduce your request rate."),
    (429, "QpsLimitExceeded", "Please reduce your request rate."),
])
def test_documented_throttling_answers_are_throttling_and_retried(status, code, message):
    assert oss_throttled(status, _error(code, message))
    assert status in OSS_RETRYABLE_STATUS


@pytest.mark.parametrize(("status", "code"), [
    (503, "ServiceUnavailable"), (500, "InternalError"), (403, "AccessDenied"), (404, "NoSuchKey")])
def test_other_failures_are_not_throttling(status, code):
    assert not oss_throttled(status, _error(code, "..."))


def test_any_429_is_throttling_even_without_an_error_document():
    assert oss_throttled(429, b"")
