"""OSS's throttling answers, as its error pages document them, are told from other failures (clients_oss)."""

import pytest

from aliaudit.clients_oss import OSS_RETRYABLE_STATUS, oss_throttled


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
