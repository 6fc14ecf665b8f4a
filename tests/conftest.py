"""Shared fixtures: one emulator per test session (random free port); each test loads its scenario."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# The SDK transports ignore NO_PROXY; an inherited proxy would hijack calls to the emulator.
for _var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_var, None)


def _preload() -> str:
    """What the emulated FC's instances find imported (tests/emulator/fc_zygote.py: the suite starts over a thousand
    instances, each importing the same SDKs for about a second of CPU). The benchmark never sets it: its pipeline
    times include real cold starts."""
    from pathlib import Path

    import aliaudit.checks
    from aliaudit.clients import POP_SDKS

    families = sorted(p.stem for p in Path(aliaudit.checks.__file__).parent.glob("*.py")
                      if p.stem not in ("__init__", "registry"))
    return ",".join(["aliaudit.runtime.worker", "aliaudit.runtime.dispatcher", "aliaudit.runtime.aggregator",
                     "aliyun.log", *(f"aliaudit.checks.{f}" for f in families), *(m for m, _ in POP_SDKS.values())])


os.environ.setdefault("ALIAUDIT_EMULATOR_FC_PRELOAD", _preload())

from tests.emulator import Emulator, EmulatorServer, Scenario  # noqa: E402
from tests.emulator.client import AdminClient  # noqa: E402


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    from tests.emulator.products.fc.zygote import zygote

    warm = zygote()
    if warm is not None:
        warm.start()  # preloads while the first tests run
    server = EmulatorServer(Emulator()).start()
    yield server
    server.stop()
    if warm is not None:
        warm.close()


@pytest.fixture()
def cloud(emulator_server: EmulatorServer) -> Iterator[EmulatorServer]:
    """The emulator, reset to an empty default account; tests call cloud.emulator.load(...)."""
    emulator_server.emulator.load(Scenario())
    yield emulator_server


@pytest.fixture()
def admin(cloud: EmulatorServer) -> AdminClient:
    return AdminClient(cloud.url)
