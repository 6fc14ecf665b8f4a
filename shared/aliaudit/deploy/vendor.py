"""The runtime dependencies, vendored once for FC's python3.10 runtime (manylinux2014 x86_64 wheels, CPython 3.10):
what the dependency layer ships."""

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
from collections.abc import Sequence
from pathlib import Path

from .catalogue import ROOT

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
VENDOR_FORMAT = 2  # bump to force a re-vendor when the recipe below changes
# oss2 checks every upload and download with CRC64 through crcmod, which PyPI has as an sdist only: built here
# without a compiler it is pure Python (oss2's CRC64 at about 14 MB/s, so a 250 MB report costs ~18 s of CPU per
# transfer). crcmod-plus (PyPI, MIT) is a maintained fork with the same `crcmod` package and API and manylinux
# cp310 wheels carrying the C extension, so the layer ships it in crcmod's place and keeps the CRC checks on (they
# catch a corrupted transfer that TLS would not: a truncated or mangled body on either side). Pinned: the
# layer is rebuilt only when this changes.
CRC_DISTRIBUTION = "crcmod-plus==2.3.6"
PROVIDES = {"crcmod-plus": "crcmod"}  # distribution -> the one whose requirement it satisfies


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
    have |= {canonicalize_name(PROVIDES[n]) for n in list(have) if n in PROVIDES}
    missing: dict[str, str] = {}
    for m in metas:
        for line in m.get_all("Requires-Dist") or []:
            req = Requirement(line)
            if (req.marker and not req.marker.evaluate(TARGET_MARKERS)) or canonicalize_name(req.name) in have:
                continue
            extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
            missing.setdefault(canonicalize_name(req.name), f"{req.name}{extras}{req.specifier}")
    return sorted(missing.values())


def _swap_crcmod(target: Path, platform: list[str]) -> None:
    """crcmod (pure Python here) out, crcmod-plus (its C extension for CPython 3.10) in (CRC_DISTRIBUTION)."""
    if not list(target.glob("crcmod-*.dist-info")):
        return
    for path in [target / "crcmod", *target.glob("crcmod-*.dist-info")]:
        shutil.rmtree(path)
    _pip("install", "--quiet", "--no-compile", "--no-deps", "--target", str(target), *platform, CRC_DISTRIBUTION)
    if not list((target / "crcmod").glob("_crcfunext.cpython-310-*.so")):
        raise BuildError(f"{CRC_DISTRIBUTION} brought no C extension for CPython 3.10")


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
        _swap_crcmod(target, platform)
        shutil.rmtree(target / "bin", ignore_errors=True)  # console scripts are of no use in FC
        wrong = [d.name for d in target.glob("*.dist-info")
                 if _installed_tags(d) and not any(tag_fits_runtime(t) for t in _installed_tags(d))]
        if wrong:
            raise BuildError(f"not for CPython 3.10 manylinux x86_64: {', '.join(wrong)}")
        if dest.exists():
            shutil.rmtree(dest)
        target.rename(dest)


def vendor_key(requirements: Sequence[str]) -> str:
    data = {"requirements": sorted(requirements), "platform": PLATFORM, "python": PYTHON_VERSION,
            "format": VENDOR_FORMAT, "crc": CRC_DISTRIBUTION}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


