"""Log Service calls without an answer are retried like throttling (clients_log._log_throttle): the SDK retries
only 'httpconnectionpool' texts, so over HTTPS (production) a reset or refused connection failed the call at once."""

from __future__ import annotations

from aliyun.log import LogException

from aliaudit.clients_log import _log_throttle

RESET = ("HTTPSConnectionPool(host='aliaudit-1.cn-hangzhou.log.aliyuncs.com', port=443): Max retries exceeded with "
         "url: /logstores/findings/shards/lb (Caused by ProtocolError('Connection aborted.', "
         "ConnectionResetError(104, 'Connection reset by peer')))")


def test_a_lost_answer_is_retried_an_answer_is_not() -> None:
    # the SDK's own texts (logclient.py): whatever requests raised, as str(exception)
    assert _log_throttle(LogException("LogRequestError", RESET)) == (True, None)
    assert _log_throttle(LogException("LogRequestError", "('Connection aborted.', RemoteDisconnected("
                                                         "'Remote end closed connection without response'))"))[0]
    # an HTTP answer it could not read, and the service's own errors, are not this layer's to retry (5xx: the SDK's)
    assert not _log_throttle(LogException("LogRequestError", "Request is failed. Http code is 502."))[0]
    assert not _log_throttle(LogException("Unauthorized", "denied"))[0]
    assert _log_throttle(LogException("WriteQuotaExceed", "Write quota is exceeded."))[0]
    assert not _log_throttle(ValueError("x"))[0]
