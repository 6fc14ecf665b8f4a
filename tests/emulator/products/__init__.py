"""One module per emulated product: its state model, routes and response shapes."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def load_all() -> dict[str, ModuleType]:
    return {m.name: importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__)}
