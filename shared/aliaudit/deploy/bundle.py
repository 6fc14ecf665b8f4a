"""``make build``: the function bundles for FC's python3.10 runtime."""

from __future__ import annotations

import email.parser
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .catalogue import ROOT, functions

# The FC runtime the bundles target: python3.10 on x86_64 Linux (Function Compute, "Built-in modules" of the Python
# runtimes: https://www.alibabacloud.com/help/en/functioncompute/fc/python/).
PLATFORM = "manylinux2014_x86_64"
PYTHON_VERSION = "3.10"
# pip evaluates environment markers for the interpreter it runs on, not for --python-version: these are the
# marker values of the FC python3.10 runtime (Debian 10, x86_64) to find what python3.10 needs on top.
TARGET_MARKERS = {"python_version": "3.10", "python_full_version": "3.10.0", "implementation_name": "cpython",
                  "implementation_version": "3.10.0", "platform_python_implementation": "CPython",
                  "os_name": "posix", "sys_platform": "linux", "platform_system": "Linux",
                  "platform_machine": "x86_64", "extra": ""}
VENDOR_FORMAT = 1  # bump to force a re-vendor when the recipe below changes


class BuildError(RuntimeError):
    pass


def runtime_requirements(root: Path = ROOT) -> list[str]:
    """[project].dependencies of pyproject.toml: what the functions import (never the dev extras)."""
    try:
        import tomllib  # novermin - Python 3.11+
    except ImportError:  # Python 3.10: the installed distribution's metadata (make setup keeps it current)
        from importlib.metadata import requires

        return [r for r in requires("aliaudit") or [] if "extra ==" not in r]
    return list(tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"])


def _pip(*args: str, env: dict[str, str] | None = None) -> None:
    cmd = [sys.executable, "-m", "pip", *args]
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode:
        raise BuildError(f"{' '.join(cmd[:6])} ... failed:\n{proc.stdout[-4000:]}")


def _wheel_tags(path: Path) -> list[str]:
    """The wheel's tags (py3-none-any, cp310-cp310-manylinux_2_17_x86_64, ...)."""
    name = path.name[:-4]
    parts = name.split("-")
    py, abi, plats = parts[-3], parts[-2], parts[-1]
    return [f"{p}-{a}-{pl}" for p in py.split(".") for a in abi.split(".") for pl in plats.split(".")]


def _installed_tags(dist_info: Path) -> list[str]:
    wheel = dist_info / "WHEEL"
    if not wheel.exists():
        return []
    meta = email.parser.Parser().parsestr(wheel.read_text())
    return [str(t) for t in meta.get_all("Tag") or []]


def tag_fits_runtime(tag: str) -> bool:
    """Does a wheel tag run on CPython 3.10 / manylinux x86_64 (the FC python3.10 runtime)?"""
    py, abi, plat = tag.split("-")
    if plat != "any" and not (plat.startswith("manylinux") and plat.endswith("_x86_64")):
        return False
    if py in ("py3", "py2", "py30", "py310"):
        return abi == "none" or plat == "any"
    m = re.fullmatch(r"cp3(\d+)", py)
    if not m:
        return False
    minor = int(m.group(1))
    return (abi == "abi3" and minor <= 10) or (minor == 10 and abi in ("cp310", "none"))


def missing_for_target(target: Path) -> list[str]:
    """Requirements of the installed distributions that the FC python3.10 runtime needs but pip skipped (it
    evaluated the markers for this interpreter, e.g. exceptiongroup; python_version < "3.11")."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    metas = [email.parser.Parser().parsestr((d / "METADATA").read_text())
             for d in sorted(target.glob("*.dist-info")) if (d / "METADATA").exists()]
    have = {canonicalize_name(m["Name"]) for m in metas}
    missing: dict[str, str] = {}
    for m in metas:
        for line in m.get_all("Requires-Dist") or []:
            req = Requirement(line)
            if (req.marker and not req.marker.evaluate(TARGET_MARKERS)) or canonicalize_name(req.name) in have:
                continue
            extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
            missing.setdefault(canonicalize_name(req.name), f"{req.name}{extras}{req.specifier}")
    return sorted(missing.values())


def vendor_dependencies(requirements: Sequence[str], dest: Path) -> None:
    """Install the requirements into dest as the FC python3.10 runtime needs them. Needs PyPI only."""
    platform = ["--platform", PLATFORM, "--python-version", PYTHON_VERSION, "--implementation", "cp",
                "--only-binary", ":all:"]
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".vendor-") as tmp:
        dl, wheels, target = Path(tmp, "dl"), Path(tmp, "wheels"), Path(tmp, "target")
        wheels.mkdir()
        # 1. every distribution of the dependency tree as published: wheels, or sdists where PyPI has no wheel
        _pip("download", "--quiet", "--dest", str(dl), *requirements)
        # 2. sdist-only packages (oss2, aliyun-log-python-sdk, crcmod, alibabacloud utilities) -> wheels; CC=false
        #    makes optional C extensions (crcmod) fall back to pure Python instead of compiling for this machine
        sdists = sorted(str(p) for p in dl.iterdir() if not p.name.endswith(".whl"))
        if sdists:
            _pip("wheel", "--quiet", "--no-deps", "--no-cache-dir", "--wheel-dir", str(wheels), *sdists,
                 env={**os.environ, "CC": "false", "CXX": "false"})
        foreign = [w.name for w in wheels.iterdir() if not any(tag_fits_runtime(t) for t in _wheel_tags(w))]
        if foreign:
            raise BuildError(f"these sdists need compiling, no manylinux wheel exists: {', '.join(foreign)}")
        # 3. the tree for CPython 3.10 on manylinux x86_64, the local pure wheels standing in for the sdists
        install = ["install", "--quiet", "--no-compile", "--target", str(target), "--find-links", str(wheels),
                   *platform]
        _pip(*install, *requirements)
        # 4. what python3.10 needs on top (pip resolved the markers for this interpreter)
        for _ in range(5):
            missing = missing_for_target(target)
            if not missing:
                break
            _pip(*install, "--no-deps", *missing)
        else:
            raise BuildError(f"still missing for python3.10: {', '.join(missing_for_target(target))}")
        shutil.rmtree(target / "bin", ignore_errors=True)  # console scripts are of no use in FC
        wrong = [d.name for d in target.glob("*.dist-info")
                 if _installed_tags(d) and not any(tag_fits_runtime(t) for t in _installed_tags(d))]
        if wrong:
            raise BuildError(f"not for CPython 3.10 manylinux x86_64: {', '.join(wrong)}")
        if dest.exists():
            shutil.rmtree(dest)
        target.rename(dest)


@dataclass
class Bundle:
    function: str
    path: Path
    size: int  # bytes of the files the function ships (what the fc3 component zips)
    files: int
    zip_path: Path | None = None
    zip_size: int = 0


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)  # one copy of the vendored tree on disk, shared by every bundle
    except OSError:
        shutil.copy2(src, dst)


_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo")


def _product_code(directory: str, names: list[str]) -> set[str]:
    """What a function ships of shared/aliaudit: everything but caches and this deploy package (the deployer's
    tool: no function imports it, and it would only grow every bundle)."""
    skip = set(_IGNORE(directory, names))
    if Path(directory).name == "aliaudit" and (Path(directory) / "deploy" / "__init__.py").is_file():
        skip.add("deploy")
    return skip


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


def vendor_key(requirements: Sequence[str]) -> str:
    data = {"requirements": sorted(requirements), "platform": PLATFORM, "python": PYTHON_VERSION,
            "format": VENDOR_FORMAT}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def build(root: Path = ROOT, out: Path | None = None, *, zip_bundles: bool = False, force: bool = False,
          only: Iterable[str] = (), log: Callable[[str], None] = print) -> list[Bundle]:
    """build/<dir>/ for every function: its functions/<dir>/ files, the aliaudit package and the vendored
    dependencies (installed once into build/.vendor/, reused while the requirements are unchanged)."""
    out = out or root / "build"
    out.mkdir(parents=True, exist_ok=True)
    reqs = runtime_requirements(root)
    vendor, stamp = out / ".vendor", out / ".vendor.stamp"
    key = vendor_key(reqs)
    if force or not vendor.is_dir() or not stamp.exists() or stamp.read_text().strip() != key:
        log(f"vendoring {len(reqs)} requirements for CPython {PYTHON_VERSION} {PLATFORM} into {vendor} ...")
        stamp.unlink(missing_ok=True)
        vendor_dependencies(reqs, vendor)
        stamp.write_text(key + "\n")
    wanted = set(only)
    specs = [f for f in functions() if not wanted or f.name in wanted or f.directory in wanted]
    if wanted and not specs:
        raise BuildError(f"no function named {', '.join(sorted(wanted))}")
    bundles = []
    for fn in specs:
        src = root / "functions" / fn.directory
        if not (src / "index.py").is_file():
            raise BuildError(f"{src}/index.py is missing: every deployed function needs its entry point")
        dest = out / fn.directory
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(vendor, dest, copy_function=_link_or_copy)
        shutil.copytree(root / "shared" / "aliaudit", dest / "aliaudit", ignore=_product_code)
        shutil.copytree(src, dest, ignore=_IGNORE, dirs_exist_ok=True)
        size, files = _tree_size(dest)
        bundle = Bundle(fn.name, dest, size, files)
        if zip_bundles:
            bundle.zip_path = out / f"{fn.directory}.zip"
            bundle.zip_size = _zip(dest, bundle.zip_path)
        bundles.append(bundle)
        zipped = f"  zip {bundle.zip_size / 1e6:6.1f} MB" if bundle.zip_path else ""
        log(f"{dest.relative_to(out.parent) if out.parent in dest.parents else dest}  "
            f"{size / 1e6:6.1f} MB  {files} files{zipped}")
    return bundles

