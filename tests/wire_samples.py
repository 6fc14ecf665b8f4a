"""Support for the documented-sample tests (tests/fidelity/test_wire_samples*.py): a collector runs, unmodified,
against Alibaba's documented sample answers (tests/fixtures/wire) played back by tests/wire_replay.py. Each family
may keep its expectations in its own file, tests/fidelity/test_wire_samples_<family>.py; `covers` records which
collectors a test runs, and the coverage test (test_wire_samples.py) imports every such file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timezone
from typing import Any, TypeVar

from aliaudit.clients import ClientFactory
from aliaudit.collectors import load_all
from aliaudit.collectors.registry import COLLECTORS, CollectContext
from aliaudit.config import AuditConfig
from aliaudit.credentials.providers import StaticProvider
from aliaudit.settings import EndpointSettings
from tests.wire_replay import WireReplay

load_all()
ACCOUNT = "1234567890"
REGION = "cn-hangzhou"
UTC = timezone.utc
F = TypeVar("F", bound=Callable[..., Any])
COVERED: set[str] = set()  # collectors a documented-sample test runs


def covers(*names: str) -> Callable[[F], F]:
    COVERED.update(names)
    return lambda fn: fn


def factory_for(replay: WireReplay) -> ClientFactory:
    # report_wait_seconds: GenerateCredentialReport answers STARTED, INPROGRESS, then COMPLETED (0.75 s of polling)
    settings = EndpointSettings(protocol="http", proxy=replay.url, max_attempts=1, backoff_ms=1,
                                report_wait_seconds=10)
    return ClientFactory(StaticProvider("LTAIwiresamples00001", "wire-samples-secret"), settings)


def context(replay: WireReplay, region: str) -> CollectContext:
    return CollectContext(factory_for(replay), region, ACCOUNT, AuditConfig(), concurrency=4)


def collect(replay: WireReplay, name: str, region: str | None = None) -> Any:
    c = COLLECTORS[name]
    return c.fn(context(replay, region or ("global" if c.scope == "global" else REGION)))


def pick(obj: Any, like: Any) -> Any:
    """The parts of `obj` that `like` names (dict keys or attributes, recursively; lists item by item, extra or
    missing items kept so that a comparison with `like` shows them)."""
    if isinstance(like, dict) and not isinstance(obj, dict | list | str | int | float | type(None)):
        return {k: pick(getattr(obj, k), v) for k, v in like.items()}
    if isinstance(like, dict) and isinstance(obj, dict):
        return {k: pick(obj[k], v) if k in obj else "<missing>" for k, v in like.items()}
    if isinstance(like, list) and isinstance(obj, list):
        return [pick(o, lk) for o, lk in zip(obj, like, strict=False)] + obj[len(like):]
    return obj
