"""The SDKs' model packages, each model loaded when first used.

The OpenAPI SDKs generated for darabonba (alibabacloud-tea-openapi 0.4) put every request, response and nested
model in a module of its own, and `<sdk>.models/__init__.py` is nothing but `from ._x import X` for every one of
them: importing a client imports them all (2,850 modules for Security Center, 1,150 for ECS; about 1.1 s and
0.5 s of CPU), 13 s for the 33 SDKs a full scan uses, where a scan calls a few APIs of each. This finder loads
such a package as a module whose attributes are looked up in that same table on first access (PEP 562
module __getattr__), importing the defining submodule then: the same classes from the same modules, only later.
A package that is not purely that table (anything else in its __init__) is left to the normal import."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

_IMPORT = re.compile(r"^from \.(\w+) import (\([^)]*\)|[^\n(]+)$", re.M)
# what else the generated __init__ holds: its header comments, the future import and __all__
_REST = re.compile(r"\A(?:\s|#[^\n]*|from __future__ import annotations|__all__ = \[[^\]]*\])*\Z")
_NAME = re.compile(r"\A[A-Za-z_]\w*\Z")


def model_table(text: str) -> dict[str, str] | None:
    """Model name -> the submodule defining it, for a generated models/__init__.py; None for anything else."""
    table: dict[str, str] = {}
    for sub, names in _IMPORT.findall(text):
        for name in names.strip("()").replace("\n", " ").split(","):
            name = name.strip()
            if name:
                if not _NAME.match(name):  # (an alias or anything unexpected: not the generated shape)
                    return None
                table[name] = sub
    if not table or not _REST.match(_IMPORT.sub("", text)):
        return None
    return table


class _Loader(importlib.abc.Loader):
    def __init__(self, table: dict[str, str]) -> None:
        self.table = table

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        table, name = self.table, module.__name__

        def __getattr__(attr: str) -> Any:  # noqa: N807 - PEP 562's name
            sub = table.get(attr)
            if sub is None:
                raise AttributeError(f"module {name!r} has no attribute {attr!r}")
            value = getattr(importlib.import_module(f"{name}.{sub}"), attr)
            setattr(module, attr, value)  # (later reads find it directly)
            return value

        module.__getattr__ = __getattr__  # type: ignore[method-assign]
        module.__all__ = list(table)  # type: ignore[attr-defined]


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        head, _, tail = fullname.partition(".")
        if tail != "models" or not head.startswith("alibabacloud_"):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not spec.origin or not spec.origin.endswith("__init__.py"):
            return None
        try:
            table = model_table(Path(spec.origin).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            return None
        if table is None:
            return None
        spec.loader = _Loader(table)
        return spec


_FINDER = _Finder()


def install() -> None:
    """Load the SDKs' model packages lazily from now on (idempotent)."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
