"""The per-invocation setup every function shares: settings, the execution role's credentials, clients."""

from __future__ import annotations

import logging
import os
from typing import Any

from ..clients import ClientFactory
from ..credentials.fc import from_fc_runtime
from ..redact import configure_logging
from ..settings import EndpointSettings
from .settings import PipelineSettings
from .store import RunStore

log = logging.getLogger("aliaudit.runtime")


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
