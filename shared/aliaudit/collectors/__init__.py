"""Collectors, one module per service family; importing them fills the registry."""

from __future__ import annotations

import importlib
import pkgutil

_SUPPORT = {"registry", "paging", "ip_templates"}


def families() -> list[str]:
    """Every family module in this package (adding a family is adding a module)."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in _SUPPORT)


def load_all() -> None:
    for family in families():
        importlib.import_module(f"{__name__}.{family}")
