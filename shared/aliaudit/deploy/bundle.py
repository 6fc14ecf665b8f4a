"""``make build``: one dependency layer and a small code package per function, for FC's python3.10 runtime.

    build/layer/python/...   the vendored dependencies (vendor.py), byte-compiled for CPython 3.10; FC unpacks a
                             layer into /opt and puts /opt/python on a Python function's path
    build/<function>/        index.py and the aliaudit package (not this deploy package), byte-compiled too
    build/layer.zip, build/<function>.zip   with --zip: what template.yml's LayerVersion and Functions take

The code directory and the layers are read-only in FC, so a module without a usable .pyc is compiled again at every
cold start: the .pyc files are written by a CPython 3.10 (the runtime's version: a 3.11 .pyc is ignored by 3.10)
with unchecked hashes, which never go stale on files whose modification times the zip does not keep.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .catalogue import ROOT, functions
from .vendor import PYTHON_VERSION, BuildError, runtime_requirements, vendor_dependencies, vendor_key

LAYER_DIR = "layer"  # build/layer/: the layer's root, unpacked by FC into /opt
LAYER_PYTHON = "python"  # the layer's subdirectory FC adds to a Python function's path (/opt/python)
FC_CODE_ROOT = "/code"  # where FC puts the code package; paths in the .pyc tracebacks
FC_LAYER_ROOT = "/opt"
LAYER_FORMAT = 1  # bump when the layer's recipe (not its requirements) changes


@dataclass
class Bundle:
    function: str  # a function's name, or "layer"
    path: Path
    size: int  # bytes of the files it ships (what the fc3 component zips)
    files: int
    zip_path: Path | None = None
    zip_size: int = 0


def python310() -> str | None:
    """A CPython 3.10 to byte-compile with: ALIAUDIT_PYTHON310, else pyenv's 3.10.x, else python3.10 on PATH."""
    candidates = [os.environ.get("ALIAUDIT_PYTHON310", "")]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.10*/bin/python3.10")), reverse=True)
    candidates.append(shutil.which("python3.10") or "")
    for exe in filter(None, candidates):
        try:
            probe = subprocess.run([exe, "-c", "import sys; print(sys.implementation.name, sys.version_info[:2])"],
                                   capture_output=True, text=True, timeout=60)
        except OSError:
            continue
        if probe.returncode == 0 and probe.stdout.strip() == "cpython (3, 10)":
            return exe
    return None


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)  # one copy of the vendored tree on disk
    except OSError:
        shutil.copy2(src, dst)


_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo")


def _product_code(directory: str, names: list[str]) -> set[str]:
    """What a function ships of shared/aliaudit: everything but caches and this deploy package (the deployer's
    tool: no function imports it)."""
    skip = set(_IGNORE(directory, names))
    if Path(directory).name == "aliaudit" and (Path(directory) / "deploy" / "__init__.py").is_file():
        skip.add("deploy")
    return skip


def _compile(py310: str | None, tree: Path, shown_as: str) -> None:
    """.pyc for CPython 3.10 next to every module of tree; tracebacks name the files as FC sees them (shown_as).
    Reproducible: a fixed hash seed (a set literal is marshalled as a frozenset in hash order) and one process, in
    compileall's sorted order (marshal's references depend on what the process compiled before), so unchanged code
    keeps its zip's checksum."""
    if py310 is None:
        return
    proc = subprocess.run([py310, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash",
                           "-d", shown_as, str(tree)], capture_output=True, text=True, timeout=1800,
                          env={**os.environ, "PYTHONHASHSEED": "0"})
    if proc.returncode:
        raise BuildError(f"byte-compiling {tree} with {py310} failed:\n{(proc.stdout + proc.stderr)[-4000:]}")


def _tree_size(path: Path) -> tuple[int, int]:
    size = files = 0
    for p in path.rglob("*"):
        if p.is_file():
            size += p.stat().st_size
            files += 1
    return size, files


def _zip(src: Path, dest: Path) -> int:
    """A reproducible zip (sorted entries, fixed times): unchanged code keeps its checksum."""
    tmp = dest.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for p in sorted(src.rglob("*")):
            if p.is_file():
                info = zipfile.ZipInfo(p.relative_to(src).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = (0o755 if os.access(p, os.X_OK) else 0o644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, p.read_bytes())
    tmp.replace(dest)
    return dest.stat().st_size


def _vendor(out: Path, reqs: list[str], force: bool, log: Callable[[str], None]) -> Path:
    vendor, stamp = out / ".vendor", out / ".vendor.stamp"
    key = vendor_key(reqs)
    if force or not vendor.is_dir() or not stamp.exists() or stamp.read_text().strip() != key:
        log(f"vendoring {len(reqs)} requirements for CPython {PYTHON_VERSION} manylinux2014_x86_64 into {vendor} ...")
        stamp.unlink(missing_ok=True)
        vendor_dependencies(reqs, vendor)
        stamp.write_text(key + "\n")
    return vendor


def build_layer(out: Path, vendor: Path, key: str, py310: str | None, *, force: bool = False) -> Path:
    """build/layer/python/: the vendored tree, byte-compiled; kept while the vendored tree and compiler are."""
    layer, stamp = out / LAYER_DIR, out / ".layer.stamp"
    want = json.dumps({"vendor": key, "python310": bool(py310), "format": LAYER_FORMAT})
    if not force and layer.is_dir() and stamp.exists() and stamp.read_text() == want:
        return layer
    stamp.unlink(missing_ok=True)
    if layer.exists():
        shutil.rmtree(layer)
    shutil.copytree(vendor, layer / LAYER_PYTHON, copy_function=_link_or_copy)
    _compile(py310, layer / LAYER_PYTHON, f"{FC_LAYER_ROOT}/{LAYER_PYTHON}")
    stamp.write_text(want)
    return layer


def _measure(name: str, path: Path, out: Path, zip_name: str | None, log: Callable[[str], None]) -> Bundle:
    size, files = _tree_size(path)
    bundle = Bundle(name, path, size, files)
    if zip_name:
        bundle.zip_path = out / zip_name
        bundle.zip_size = _zip(path, bundle.zip_path)
    zipped = f"  zip {bundle.zip_size / 1e6:6.1f} MB" if bundle.zip_path else ""
    shown = path.relative_to(out.parent) if out.parent in path.parents else path
    log(f"{shown}  {size / 1e6:6.1f} MB  {files} files{zipped}")
    return bundle


def build(root: Path = ROOT, out: Path | None = None, *, zip_bundles: bool = False, force: bool = False,
          only: Iterable[str] = (), log: Callable[[str], None] = print) -> list[Bundle]:
    """The layer (build/layer/) and build/<dir>/ for every function (or those in only): its functions/<dir>/
    files and the aliaudit package. The dependencies are vendored once into build/.vendor/ and the layer built
    from them, both reused while the requirements are unchanged. Returns the layer's bundle first."""
    out = out or root / "build"
    out.mkdir(parents=True, exist_ok=True)
    wanted = set(only)
    specs = [f for f in functions() if not wanted or f.name in wanted or f.directory in wanted]
    if wanted and not specs:
        raise BuildError(f"no function named {', '.join(sorted(wanted))}")
    for fn in specs:
        if not (root / "functions" / fn.directory / "index.py").is_file():
            raise BuildError(f"{root / 'functions' / fn.directory}/index.py is missing: every deployed function "
                             "needs its entry point")
    py310 = python310()
    if py310 is None:
        log("no CPython 3.10 here (ALIAUDIT_PYTHON310, ~/.pyenv/versions/3.10*, python3.10): building WITHOUT .pyc, "
            "so every cold start in FC compiles from source")
    reqs = runtime_requirements(root)
    vendor = _vendor(out, reqs, force, log)
    layer = build_layer(out, vendor, vendor_key(reqs), py310, force=force)
    bundles = [_measure("layer", layer, out, "layer.zip" if zip_bundles else None, log)]
    for fn in specs:
        dest = out / fn.directory
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(root / "shared" / "aliaudit", dest / "aliaudit", ignore=_product_code)
        shutil.copytree(root / "functions" / fn.directory, dest, ignore=_IGNORE, dirs_exist_ok=True)
        _compile(py310, dest, FC_CODE_ROOT)
        bundles.append(_measure(fn.name, dest, out, f"{fn.directory}.zip" if zip_bundles else None, log))
    if zip_bundles:
        total = sum(b.zip_size for b in bundles)
        log(f"upload per deploy: {total / 1e6:.1f} MB ({len(bundles)} zips: the layer and {len(bundles) - 1} "
            "functions)")
    return bundles
