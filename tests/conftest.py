"""Shared fixtures: one emulator per test session (random free port); each test loads its scenario."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# The SDK transports ignore NO_PROXY; an inherited proxy would hijack calls to the emulator.
for _var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_var, None)

from tests.emulator import Emulator, EmulatorServer, Scenario  # noqa: E402
from tests.emulator.client import AdminClient  # noqa: E402


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    server = EmulatorServer(Emulator()).start()
    yield server
    server.stop()


@pytest.fixture()
def cloud(emulator_server: EmulatorServer) -> Iterator[EmulatorServer]:
    """The emulator, reset to an empty default account; tests call cloud.emulator.load(...)."""
    emulator_server.emulator.load(Scenario())
    yield emulator_server


@pytest.fixture()
def admin(cloud: EmulatorServer) -> AdminClient:
    return AdminClient(cloud.url)
