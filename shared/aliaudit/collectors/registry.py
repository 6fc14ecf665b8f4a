"""Collectors: named datasets fetched with the official SDKs, global or per region, paged to the end."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from ..clients import ClientFactory
from ..config import AuditConfig
from ..datasets import GLOBAL, Dataset, Scope, check_kinds

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class CollectContext:
    factory: ClientFactory
    region: str  # GLOBAL ('global') for global datasets
    account_id: str
    config: AuditConfig
    concurrency: int = 16
    # an event run's resources by kind (datasets.KINDS, e.g. {"oss.bucket": {"logs"}}), None = every resource; a
    # collector that reads one resource at a time (Collector.reads_one) reads only these and what they imply
    targets: Mapping[str, frozenset[str]] | None = None
    wanted: frozenset[str] = frozenset()  # the datasets this scan collects (what an implied read is for)
    judged: set[str] | None = None  # resource ids a collector read because the event touched or implies them
    # every region of the scan (of the whole run, for a pipeline worker's part): a global dataset that must look
    # into each region (ActionTrail's single-region trails) reads them from here
    regions: tuple[str, ...] = ()

    def only(self, *kinds: str) -> set[str] | None:
        """The ids of these kinds the run is narrowed to (an empty set: none of them), None = read them all."""
        check_kinds(kinds, "CollectContext.only")  # (a misspelt kind would silently read the whole account)
        if self.targets is None or not any(k in self.targets for k in kinds):
            return None
        return {i for k in kinds for i in self.targets.get(k, ())}

    def judge(self, ids: Iterable[str]) -> None:
        """Resources read for the event whose verdicts the run reports (the ones read only as context, e.g. the
        other security groups of an instance, are not)."""
        if self.judged is not None:
            self.judged.update(ids)

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
    reads_one: tuple[str, ...] = ()  # resource kinds it can read one at a time (CollectContext.only)
    # its calls grow with the account's items under one account-wide quota (a call per logstore, per user): the
    # longest collections, which the scan starts first, in every region at once (scan.py, "the long lane")
    long: bool = False
    # global datasets whose account-wide listing it makes too (shared in a process: ClientFactory.shared), e.g.
    # sls.audit follows actiontrail.trails: a packed scan puts their readers in one process (scan_processes.linked)
    follows: tuple[str, ...] = ()

    @property
    def name(self) -> str:  # e.g. ram.users
        return self.dataset.name

    @property
    def scope(self) -> Scope:
        return self.dataset.scope


COLLECTORS: dict[str, Collector] = {}  # dataset name -> its collector


def collector(dataset: Dataset[T], *, apis: list[str], reads_one: Iterable[str] = (), long: bool = False,
              follows: Iterable[Dataset[Any]] = ()) -> Callable[
        [Callable[[CollectContext], T]], Callable[[CollectContext], T]]:
    """Registers the function that produces `dataset` (one per dataset), the actions it calls, the resource
    kinds an event run can narrow it to, whether it is long (Collector.long) and the global datasets whose listing
    it makes too (Collector.follows)."""
    if not isinstance(dataset, Dataset):
        raise TypeError(f"collector: {dataset!r} is not a Dataset handle")
    followed = tuple(d.name for d in follows)
    if any(d.scope != Scope.GLOBAL for d in follows):
        raise ValueError(f"collector {dataset.name}: it can only follow global datasets")
    kinds = check_kinds(reads_one, f"collector {dataset.name}")  # a typo fails when the module is imported

    def register(fn: Callable[[CollectContext], T]) -> Callable[[CollectContext], T]:
        if dataset.name in COLLECTORS:
            raise ValueError(f"dataset {dataset.name} has two collectors")
        COLLECTORS[dataset.name] = Collector(dataset, apis, fn, kinds, long, followed)
        return fn

    return register
