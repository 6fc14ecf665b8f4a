"""Collectors: named datasets fetched with the official SDKs, global or per region, paged to the end."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from ..clients import ClientFactory
from ..config import AuditConfig
from ..datasets import GLOBAL, Dataset, Scope

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class CollectContext:
    factory: ClientFactory
    region: str  # GLOBAL ('global') for global datasets
    account_id: str
    config: AuditConfig
    concurrency: int = 16

    def client(self, product: str) -> Any:
        return self.factory.pop(product, None if self.region == GLOBAL else self.region)

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """Per-item calls, concurrently within the bound, results in input order."""
        items = list(items)
        if len(items) <= 1 or self.concurrency <= 1:
            return [fn(i) for i in items]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(items))) as pool:
            return list(pool.map(fn, items))


@dataclass
class Collector:
    dataset: Dataset[Any]
    apis: list[str]  # RAM actions it calls, e.g. ram:ListUsers (feeds the least-privilege policy)
    fn: Callable[[CollectContext], Any]

    @property
    def name(self) -> str:  # e.g. ram.users
        return self.dataset.name

    @property
    def scope(self) -> Scope:
        return self.dataset.scope


COLLECTORS: dict[str, Collector] = {}  # dataset name -> its collector


def collector(dataset: Dataset[T], *, apis: list[str]) -> Callable[[Callable[[CollectContext], T]],
                                                                  Callable[[CollectContext], T]]:
    """Registers the function that produces `dataset` (one per dataset) and the actions it calls."""
    if not isinstance(dataset, Dataset):
        raise TypeError(f"collector: {dataset!r} is not a Dataset handle")

    def register(fn: Callable[[CollectContext], T]) -> Callable[[CollectContext], T]:
        if dataset.name in COLLECTORS:
            raise ValueError(f"dataset {dataset.name} has two collectors")
        COLLECTORS[dataset.name] = Collector(dataset, apis, fn)
        return fn

    return register
