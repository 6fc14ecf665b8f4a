"""oss2, without the imports of its package's __init__ that aliaudit never uses (installed by aliaudit/__init__.py,
before any module of aliaudit imports oss2).

`import oss2` runs oss2/__init__.py (oss2 2.19), which imports every module of the SDK: client-side encryption
(crypto, crypto_bucket: aliyun-python-sdk-core with its vendored requests, the KMS SDK, cffi) and resumable
transfers among them. That is 115 ms of CPU in every process that reads OSS: the CLI, its OSS scan process, and
each Function Compute worker and the aggregator at every cold start. aliaudit uses the client (api), auth,
sessions, exceptions and models, 43 ms of it. So the package is registered without running its __init__:

- a name the __init__ imports from a submodule (`from .api import Service, Bucket`) loads that submodule on first
  use;
- a submodule (oss2.exceptions) loads as usual;
- any other name (oss2.set_file_logger) runs the whole __init__ first.

oss2.utils, which every client imports, also imports pycryptodome's AES, Counter and Random for client-side
encryption at its top; loading AES's C library parses its declarations with cffi's pycparser: 50-60 ms of CPU in
each process that reads OSS, for ciphers aliaudit never runs. Those three modules are registered with the
standard library's LazyLoader: each runs when one of its attributes is first read.

The same classes come from the same modules; fewer modules are loaded. A package whose __init__ does not have
the expected shape (no `__version__ = '...'` line, no `from .x import` table) is imported the normal way."""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import re
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

_PACKAGE = "oss2"
_FROM = re.compile(r"^from \.(\w+) import (\([^)]*\)|[^\n(]+)$", re.M)
_VERSION = re.compile(r"^__version__ = ['\"]([^'\"]+)['\"]$", re.M)
_NAME = re.compile(r"\A[A-Za-z_]\w*\Z")


def name_table(source: str) -> dict[str, str]:
    """Name -> the submodule the package's __init__ imports it from (`from .api import Service, Bucket`)."""
    table: dict[str, str] = {}
    for sub, names in _FROM.findall(source):
        for name in names.strip("()").replace("\n", " ").split(","):
            name = name.strip()
            if _NAME.match(name):  # (an alias or a star import stays with the whole __init__)
                table[name] = sub
    return table


class _Loader:  # (importlib's protocols, not its ABCs: importlib.abc costs 30 ms to import, on every command's path)
    def __init__(self, source: str, version: str) -> None:
        self.source, self.version = source, version

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        source, name, origin = self.source, module.__name__, module.__spec__.origin  # type: ignore[union-attr]
        table = name_table(source)
        submodules = {f.removesuffix(".py") for d in module.__path__ for f in os.listdir(d)
                      if f.endswith(".py") and f != "__init__.py"}
        lock = threading.RLock()
        whole: list[bool] = []

        def __getattr__(attr: str) -> Any:  # noqa: N807 - PEP 562's name
            sub = table.get(attr)
            if sub is not None:
                value = getattr(importlib.import_module(f"{name}.{sub}"), attr)
            elif attr in submodules:
                value = importlib.import_module(f"{name}.{attr}")
            elif attr.startswith("__"):  # (a probe for a dunder: no reason to load everything)
                raise AttributeError(f"module {name!r} has no attribute {attr!r}")
            else:
                with lock:  # the whole __init__, once: the names it defines itself
                    if not whole:
                        whole.append(True)
                        exec(compile(source, origin or name, "exec"), module.__dict__)  # noqa: S102 - the SDK's own file
                if attr not in module.__dict__:
                    raise AttributeError(f"module {name!r} has no attribute {attr!r}")
                return module.__dict__[attr]
            setattr(module, attr, value)  # (later reads find it directly)
            return value

        module.__version__ = self.version  # type: ignore[attr-defined]  # (oss2.http imports it from the package)
        module.__getattr__ = __getattr__  # type: ignore[method-assign]


class _Finder:
    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != _PACKAGE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not spec.origin or not spec.origin.endswith("__init__.py"):
            return None
        try:
            source = Path(spec.origin).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        version = _VERSION.search(source)
        if version is None or not name_table(source):
            return None
        spec.loader = _Loader(source, version.group(1))  # type: ignore[assignment]  # (a Loader by protocol)
        return spec


class _DeferredCrypto:
    """The pycryptodome modules oss2.utils imports for client-side encryption, each executed on first use."""

    MODULES = frozenset({"Crypto.Cipher.AES", "Crypto.Util.Counter", "Crypto.Random"})

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.MODULES:
            return None
        import importlib.util  # (only when oss2 is imported)

        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return None
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


_FINDERS = (_Finder(), _DeferredCrypto())


def install() -> None:
    """Import oss2 this way from now on (idempotent; an oss2 already imported stays as it is)."""
    for finder in reversed(_FINDERS):
        if finder not in sys.meta_path:
            sys.meta_path.insert(0, finder)
