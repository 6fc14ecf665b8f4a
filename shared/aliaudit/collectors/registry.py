"""Collectors: named datasets fetched with the official SDKs, global or per region, paged to the end."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from ..clients import ClientFactory
from ..config import AuditConfig

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class CollectContext:
    factory: ClientFactory
    region: str  # 'global' for global datasets
    account_id: str
    config: AuditConfig
    concurrency: int = 16

    def client(self, product: str) -> Any:
        return self.factory.pop(product, None if self.region == "global" else self.region)

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """Per-item calls, concurrently within the bound, results in input order."""
        items = list(items)
        if len(items) <= 1 or self.concurrency <= 1:
            return [fn(i) for i in items]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(items))) as pool:
            return list(pool.map(fn, items))


@dataclass
class Collector:
    name: str  # e.g. ram.users
    scope: str  # global | regional
    apis: list[str]  # RAM actions it calls, e.g. ram:ListUsers (feeds the least-privilege policy)
    fn: Callable[[CollectContext], Any]


COLLECTORS: dict[str, Collector] = {}


def collector(name: str, *, scope: str, apis: list[str]) -> Callable[[Callable[[CollectContext], Any]],
                                                                   Callable[[CollectContext], Any]]:
    def register(fn: Callable[[CollectContext], Any]) -> Callable[[CollectContext], Any]:
        COLLECTORS[name] = Collector(name, scope, apis, fn)
        return fn

    return register
