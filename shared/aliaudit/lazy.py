"""Modules imported when first used: the SDKs weigh seconds and tens of megabytes each, and a command or a
process that never calls a product should not pay for it (`aliaudit --help`, a worker of another family)."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

from . import sdk_models

_lock = threading.Lock()
sdk_models.install()  # (an SDK's models load one by one as they are used)


class _LazyModule(ModuleType):
    """Stands for a module until an attribute is read, then imports it (once, thread-safe: collectors run in
    threads) and answers from it. Unlike importlib.util.LazyLoader it never exposes a half-loaded module to a
    second thread on Python 3.10/3.11."""

    def __init__(self, name: str, then: Callable[[], None] | None) -> None:
        super().__init__(name)
        self._target: ModuleType | None = None
        self._then = then

    def __getattr__(self, attr: str) -> Any:
        target = self._target
        if target is None:
            with _lock:
                if self._target is None:
                    self._target = importlib.import_module(self.__name__)
                    if self._then is not None:
                        self._then()
                target = self._target
        return getattr(target, attr)


def lazy_import(name: str, then: Callable[[], None] | None = None) -> Any:
    """`models = lazy_import("alibabacloud_ecs20140526.models")`: the module, imported on first attribute access
    (typed Any, as the SDKs' generated modules are to a type checker anyway); `then` runs once it is imported (an
    SDK that sets up logging as it is imported is routed through ours again: redact.route_credentials_log)."""
    return _LazyModule(name, then)
