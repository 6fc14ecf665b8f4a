"""The scan engine: collect the datasets the selected checks need (each once per region, concurrently
within a bound), run each check as soon as the data it reads is in, hand its findings on, and drop each
dataset once the last check that reads it has run; every failure to collect becomes ERROR findings."""

from __future__ import annotations

import ctypes
import importlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from . import apierrors
from .checks.registry import REGISTRY, Check, Inputs, all_checks
from .clients import ClientFactory, import_sdks
from .collectors import load_all as load_collectors
from .collectors.registry import COLLECTORS, CollectContext
from .config import AuditConfig
from .datasets import GLOBAL, build_records
from .findings import Finding, Result, Status

log = logging.getLogger("aliaudit.scan")


@dataclass
class ScanRequest:
    account_id: str
    regions: list[str]
    check_ids: list[str] | None = None  # None = every check
    families: list[str] | None = None
    config: AuditConfig = field(default_factory=AuditConfig)
    # datasets collected at once, and per-item calls at once within each; the clients' adaptive per-API limits
    # (throttle.py) keep each API under its rate limit, so this only bounds threads
    concurrency: int = 16
    # an event run's resources by kind (datasets.KINDS): collectors that can read one resource read only
    # these and the resources they imply; None = every resource
    resources: dict[str, set[str]] | None = None
    judged: set[str] = field(default_factory=set)  # filled by the collectors: the resources read for the event
    # every region of the run when this request scans only some of them (a pipeline worker's parts); None: regions
    run_regions: list[str] | None = None
    # family -> the regions where its product is not offered (offered.not_offered): its checks do not run there
    not_offered: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Failed:
    reason: str


ProgressFn = Callable[[str, dict[str, Any]], None]
Job = tuple[str, str]  # (dataset, region)


def select_checks(families: Iterable[str] | None = None, check_ids: Iterable[str] | None = None) -> list[Check]:
    """The checks of these families (default all) and ids (None: all), in id order. Naming both imports only the
    families' check modules (checks/<family>.py), in the order given and only until every named check is
    known, and so only the collectors and SDKs those read (a worker's cold start), unless a wanted check is
    elsewhere."""
    fams = set(families) if families else None
    wanted = set(check_ids) if check_ids is not None else None
    if fams is None or wanted is None:  # (a family may have checks in other modules: only ids tell)
        checks = all_checks()
    else:
        for family in dict.fromkeys(families or []):  # in the order given, until every wanted check is known
            if wanted <= REGISTRY.keys():
                break
            _import_if_present(f"{__package__}.checks.{family}")
        checks = dict(sorted(REGISTRY.items()))
        if not wanted <= checks.keys():
            checks = all_checks()
    return [c for cid, c in checks.items()
            if (wanted is None or cid in wanted) and (fams is None or c.meta.family in fams)]


def dataset_jobs(checks: Iterable[Check], regions: list[str],
                 not_offered: dict[str, list[str]] | None = None) -> set[tuple[str, str]]:
    """(dataset, region) pairs the checks need, each collected once."""
    return {(dataset, region) for c in checks for region in c.regions(regions, not_offered)
            for dataset in c.meta.needs}


def _load_collectors(jobs: Iterable[Job]) -> None:
    """The collector modules of these datasets (a dataset 'ecs.disks' is usually in collectors/ecs.py); all of
    them when one is elsewhere. Their models' validators are built here, before the collectors' threads use them
    (datasets.build_records)."""
    datasets = sorted({d for d, _ in jobs})
    for dataset in datasets:
        if dataset not in COLLECTORS:
            _import_if_present(f"{__package__}.collectors.{dataset.split('.', 1)[0]}")
        if dataset not in COLLECTORS:
            load_collectors()
    build_records({COLLECTORS[d].fn.__module__ for d in datasets if d in COLLECTORS})
    # their SDKs too, before the scan's threads start: imported by the first call instead, an SDK competed for the
    # CPU with every other thread, and the first logstore reads started 0.2-1.3 s late (generated scale 0.02: 3.44-
    # 4.21 s, median 3.78, over five runs; warmed first, 3.51-3.61 s, median 3.57)
    import_sdks(api for d in datasets if d in COLLECTORS for api in COLLECTORS[d].apis)


def _import_if_present(module: str) -> None:
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as err:
        if err.name != module:  # the module is there but fails to import: that is a bug to see
            raise


def schedule(jobs: list[Job]) -> tuple[list[Job], list[list[Job]]]:
    """The order of collection: (the long lane, the waves). The long lane holds the collections whose calls grow
    with the account under one account-wide quota (a call per logstore, per user: Collector.long), all started at
    once on threads of their own, so that quota is busy from the start while the regions open one after another
    on the other threads (generated scale 0.02: the logstores' reads began region by region, 0.9 s into the scan,
    and ended it 2.5 s later). The waves: the other global datasets, then each region's, in the jobs' order."""
    long: list[Job] = []
    waves: dict[str, list[Job]] = {GLOBAL: []}
    for job in jobs:
        if job[0] in COLLECTORS and COLLECTORS[job[0]].long:
            long.append(job)
        else:
            waves.setdefault(job[1], []).append(job)
    return long, list(waves.values())


def run_scan(factory: ClientFactory, request: ScanRequest, progress: ProgressFn | None = None) -> list[Finding]:
    """Every finding, in the order of the checks (by id), then of the regions."""
    chunks = list(scan_findings(factory, request, progress))
    regions = {r: n for n, r in enumerate([GLOBAL, *request.regions])}
    chunks.sort(key=lambda chunk: (chunk[0].meta.id, regions[chunk[1]]))
    return [f for _, _, items in chunks for f in items]


def scan_findings(factory: ClientFactory, request: ScanRequest,
                  progress: ProgressFn | None = None) -> Iterator[tuple[Check, str, list[Finding]]]:
    """(check, region, its findings) for every check and region, each as soon as the check has run: a check
    runs when the datasets it reads are collected, and a dataset is dropped once every check reading it has
    run, so memory holds the datasets in flight, not the account's. Datasets are collected global ones first
    (the largest: every RAM user, every bucket), then region by region, a few regions at a time."""
    checks = select_checks(request.families, request.check_ids)
    units = [(c, region) for c in checks for region in c.regions(request.regions, request.not_offered)]
    readers: dict[Job, list[int]] = {}  # dataset -> the units (check, region) that read it
    waiting: list[int] = []  # per unit: its datasets not collected yet
    for n, (c, region) in enumerate(units):
        needs = dict.fromkeys(c.meta.needs)
        waiting.append(len(needs))
        for dataset in needs:
            readers.setdefault((dataset, region), []).append(n)
    _load_collectors(readers)
    rank = {r: n for n, r in enumerate([GLOBAL, *request.regions])}
    jobs = sorted(readers, key=lambda j: (rank.get(j[1], len(rank)), j[0]))
    unread = {job: len(readers[job]) for job in jobs}  # units that have yet to run, per dataset
    uncollected = Counter(region for _, region in jobs)  # per region: its datasets not collected yet
    # regions open one after another, as many as keep the threads busy: the global datasets at once, then a
    # region's datasets whenever fewer than `budget` regional ones are being collected (the per-API limits,
    # not the number of regions at once, bound the speed; the regions open at once bound the memory)
    long, queue = schedule(jobs)
    budget = 2 * max(1, request.concurrency)
    data: dict[Job, Any] = {}
    now = datetime.now(timezone.utc)
    found = 0
    targets = None if request.resources is None else {k: frozenset(v) for k, v in request.resources.items()}
    wanted = frozenset(d for d, _ in readers)

    def collect(job: Job) -> Any:
        dataset, region = job
        ctx = CollectContext(factory, region, request.account_id, request.config, request.concurrency,
                             targets, wanted, request.judged, tuple(request.run_regions or request.regions))
        try:
            value: Any = COLLECTORS[dataset].fn(ctx)
        except Exception as err:  # any failure becomes ERROR findings for the checks that needed it
            value = Failed(apierrors.describe(err))
            log.warning("could not collect %s in %s: %s", dataset, region, value.reason)
        if progress:
            progress("collected", {"dataset": dataset, "region": region, "ok": not isinstance(value, Failed)})
        _release_memory()  # (the pages and their parsed answers are garbage now)
        return value

    def run(n: int, collecting: bool) -> tuple[Check, str, list[Finding]]:
        nonlocal found
        c, region = units[n]
        items = _run_check(c, region, data, request, now)
        found += len(items)
        for dataset in dict.fromkeys(c.meta.needs):
            job = (dataset, region)
            unread[job] -= 1
            if not unread[job]:
                del data[job]
                _release_memory()
        if progress and not collecting:  # (the live line shows collection until it ends)
            progress("checked", {"check": c.meta.id, "region": region, "findings": found})
        return c, region, items

    for n in range(len(units)):
        if not waiting[n]:
            yield run(n, bool(jobs))
    pool = ThreadPoolExecutor(max_workers=max(1, request.concurrency))
    lane, lane_jobs = ThreadPoolExecutor(max_workers=max(1, request.concurrency // 4)), set(long)
    pending: dict[Future[Any], Job] = {lane.submit(collect, job): job for job in long}

    def open_regions() -> None:
        regional = sum(1 for job in pending.values() if job[1] != GLOBAL and job not in lane_jobs)
        while queue and (regional < budget or not pending):
            wave = queue.pop(0)
            pending.update((pool.submit(collect, job), job) for job in wave)
            regional += sum(1 for job in wave if job[1] != GLOBAL)

    try:
        open_regions()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            ready = []
            for future in done:
                job = pending.pop(future)
                data[job] = future.result()
                uncollected[job[1]] -= 1
                if not uncollected[job[1]] and job[1] != GLOBAL:  # (its endpoints' connections are idle for good)
                    factory.release(job[1])
                for n in readers[job]:
                    waiting[n] -= 1
                    if not waiting[n]:
                        ready.append(n)
            open_regions()
            for n in sorted(ready):
                yield run(n, bool(pending))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        lane.shutdown(wait=False, cancel_futures=True)
    if progress:
        progress("done", {"findings": found})


_trim: Any = None
_trimmed = 0.0


def _release_memory(every: float = 1.0) -> None:
    """Hand freed memory (answers parsed and dropped, datasets whose checks have run) back to the system, at
    most once a second. CPython frees it, but glibc keeps the freed heap pages (tens of megabytes over a large
    scan) until asked (malloc_trim); elsewhere this does nothing."""
    global _trim, _trimmed
    if _trim is None:
        try:
            _trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _trim = False
    now = time.monotonic()
    if _trim and now - _trimmed >= every:
        _trimmed = now
        _trim(0)


def _run_check(c: Check, region: str, data: dict[tuple[str, str], Any], request: ScanRequest,
               now: datetime) -> list[Finding]:
    inputs: dict[str, Any] = {}
    for dataset in c.meta.needs:
        value = data[(dataset, region)]
        if isinstance(value, Failed):
            return [c.error(request.account_id, region, f"could not collect {dataset}: {value.reason}")]
        inputs[dataset] = value
    try:
        results = list(c.fn(Inputs(inputs, request.config, region, request.account_id, now)))
    except Exception as err:  # a bug in a check must not hide the others
        log.exception("check %s failed in %s", c.meta.id, region)
        results = [Result(status=Status.ERROR, resource_id=request.account_id,
                          message=f"check failed: {apierrors.describe(err)}")]
    return [c.finding(request.account_id, region, r) for r in results]
