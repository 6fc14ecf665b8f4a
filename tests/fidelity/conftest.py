"""Fixtures of the fidelity tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.wire_replay import WireReplay


@pytest.fixture()
def replay() -> Iterator[WireReplay]:
    """Alibaba's documented sample answers played back over HTTP (tests/wire_samples.py); a request no sample
    answers fails the test."""
    with WireReplay() as server:
        yield server
    assert not server.misses, "requests no documented sample answered:\n" + "\n".join(server.misses)
