"""The per-invocation setup every function shares: settings, the execution role's credentials, clients."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from typing import Any, TypeVar

from ..clients import ClientFactory
from ..credentials.fc import from_fc_runtime
from ..redact import SECRETS, configure_logging
from ..settings import EndpointSettings
from .settings import PipelineSettings
from .store import RunStore

log = logging.getLogger("aliaudit.runtime")
Handler = TypeVar("Handler", bound=Callable[[bytes, Any], str])


class InvocationFailed(RuntimeError):
    """An FC entry point's failure from an SDK, as FC logs it: our one-line description (apierrors.describe) only."""


def fc_entry(handler: Handler) -> Handler:
    """An FC entry point whose failures still fail the invocation (FC retries it) but carry nothing secret: FC prints
    what a handler raises, with its traceback and the exceptions chained to it, past our logging, and an SDK error's
    text can hold what was signed (oss2's ServerError shows the error XML: a SignatureDoesNotMatch's canonical
    request, the STS token among its headers). Our own errors and Python's keep their type and (scrubbed) message,
    without what is chained to them; an SDK's becomes InvocationFailed with its code and message."""
    @functools.wraps(handler)
    def entry(event: bytes, context: Any) -> str:
        try:
            return handler(event, context)
        except Exception as err:
            from .. import apierrors

            if type(err).__module__.split(".")[0] in ("aliaudit", "builtins"):
                err.args = tuple(SECRETS.scrub(a) if isinstance(a, str) else a for a in err.args)
                err.__cause__, err.__suppress_context__ = None, True
                raise
            reason = apierrors.describe(err)
            log.error("%s failed: %s", handler.__module__.rsplit(".", 1)[-1], reason)
            raise InvocationFailed(reason) from None
    return entry  # type: ignore[return-value]


class Runtime:
    def __init__(self, context: Any) -> None:
        configure_logging(os.environ.get("ALIAUDIT_LOG_LEVEL", "INFO"))
        self.settings = PipelineSettings.from_env()
        self.endpoints = EndpointSettings.from_env(os.environ)
        resolved = from_fc_runtime(context, os.environ)
        self.factory = ClientFactory(resolved.provider, self.endpoints)
        self.store = RunStore(self.factory, self.settings.report_bucket, self.settings.region,
                              self.settings.run_secret)
        self.account_id = self.settings.account_id or str(getattr(context, "account_id", "") or "")

    def invoke_async(self, function: str, payload: bytes) -> None:
        from alibabacloud_fc20230330 import models as fc_models
        from darabonba.runtime import RuntimeOptions

        fc = self.factory.pop("fc", self.settings.region)
        # bytes, not a stream: a retried attempt (5xx, timeout, throttling) re-reads the body, and a stream
        # read by the first attempt would send an empty payload
        fc.invoke_function_with_options(function, fc_models.InvokeFunctionRequest(body=bytes(payload)),
                                        fc_models.InvokeFunctionHeaders(x_fc_invocation_type="Async"),
                                        RuntimeOptions())
