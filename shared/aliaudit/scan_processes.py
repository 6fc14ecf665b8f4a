"""The scan split across processes: the checks in groups of families, each group scanned by its own process
(all at once by default), its findings streamed back to the caller as each check runs.

Why: one Python process runs one thread at a time, and a large account keeps it busy parsing answers and
judging resources while the rate limits would let it go faster; the RAM family, paced by the cloud's limits,
then waits on the others for the CPU. Processes use every core, keep each API's pace, and each imports only
its families' SDKs and holds only their endpoints (memory).

A family whose datasets another family reads anyway runs in that family's process (KMS keys with RDS, trails
with OSS), and so does a check whose data another family collects anyway (placement.runs_with): only the ECS
instances RAM's key check reads are collected twice (moving it would load the ECS, VPC and ActionTrail SDKs
into one process). A process that dies or fails turns its checks that had not reported into ERROR findings
with the reason; nothing is lost.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from typing import Any

from . import apierrors, gcpolicy
from .checks.registry import Check, all_checks
from .clients import ClientFactory
from .collectors.registry import COLLECTORS
from .config import AuditConfig
from .credentials import AuthOptions, resolve_credentials
from .datasets import Scope
from .findings import Finding
from .forking import forks
from .offered import not_offered
from .placement import runs_with
from .redact import configure_logging
from .scan import ProgressFn, ScanRequest, dataset_jobs, scan_findings
from .settings import EndpointSettings

log = logging.getLogger("aliaudit.processes")


@dataclass
class ProcessScan:
    """What every process needs to scan its share: the caller's credentials choice (each process resolves
    them itself: credential providers do not cross processes) and environment, and the scan's scope."""

    auth: AuthOptions
    settings: EndpointSettings
    env: dict[str, str] = field(repr=False)  # (the AccessKey secret may be in it: never in a debug line)
    account_id: str
    regions: list[str]
    config: AuditConfig = field(default_factory=AuditConfig)
    log_level: str = "WARNING"
    # family -> regions not audited (offered.py); None: each process asks its own families' region lists first (in
    # parallel with the others, instead of the caller asking every family's before any process starts) and reports
    # them (ScanProcesses.not_offered)
    not_offered: dict[str, list[str]] | None = field(default_factory=dict)


@dataclass
class _Share:
    index: int
    families: list[str]  # its family group (its name)
    scanned: list[str]  # the families of its checks (one may be another group's: check_groups)
    check_ids: list[str]
    # behind the first process for the CPU (more processes than cores); packed, one a core, none waits
    yields: bool = True


def family_groups(checks: list[Check]) -> list[list[str]]:
    """The families in process groups: a family whose datasets another family's checks read too joins that
    family (the larger reader); groups with global datasets (one long collection each: every user, every
    bucket) come first, then by their number of checks."""
    needs: dict[str, set[str]] = {}
    has_global: dict[str, bool] = {}
    count: dict[str, int] = {}
    for c in checks:
        needs.setdefault(c.meta.family, set()).update(c.meta.needs)
        has_global[c.meta.family] = has_global.get(c.meta.family, False) or c.meta.scope == Scope.GLOBAL
        count[c.meta.family] = count.get(c.meta.family, 0) + 1
    host: dict[str, str] = {}
    for fam in sorted(needs):
        readers = [g for g in needs if g != fam and needs[fam] <= needs[g] and needs[g] != needs[fam]]
        if readers:
            host[fam] = max(readers, key=lambda g: (len(needs[g]), g))
    groups: dict[str, list[str]] = {}
    for fam in sorted(needs):
        root = fam
        while root in host:
            root = host[root]
        groups.setdefault(root, []).append(fam)
    return sorted(groups.values(), key=lambda g: (not any(has_global[f] for f in g), -sum(count[f] for f in g), g))


def check_groups(checks: list[Check]) -> list[tuple[list[str], list[Check]]]:
    """The checks of each process: its family group's (family_groups), a check that runs with another
    family's data (placement.runs_with) in that family's group."""
    groups = family_groups(checks)
    home = {f: n for n, g in enumerate(groups) for f in g}
    moved = runs_with(checks)
    out: list[list[Check]] = [[] for _ in groups]
    for c in checks:
        out[home[moved.get(c.meta.id, c.meta.family)]].append(c)
    return [(fams, mine) for fams, mine in zip(groups, out, strict=True) if mine]


def linked(groups: list[tuple[list[str], list[Check]]],
           apart: frozenset[str] = frozenset()) -> list[tuple[list[str], list[Check]]]:
    """Groups whose checks read one global dataset, or one made from its listing (Collector.follows), merged into
    the first of them, so that a process lists it once for all its readers; a group with a family of `apart` (a
    large account's RAM or OSS, which get a process of their own) stays as it is. (The trails, asked in every
    region at ActionTrail's 20 calls a second, are read by the ActionTrail, OSS and SLS groups: listed by two
    processes that throttled each other, generated scale 0.02 took 4.26-5.53 s and 3.92-5.34 s in two series of
    interleaved runs, with tails of 1-3 s; in one, 4.16-4.31 s and 4.17-4.32 s. At scales 0.5 and 1, OSS's process
    with SLS's work too took 31.0 and 59.0 s instead of 28.8 and 56.8: hence `apart`.)"""
    merged: list[tuple[list[str], list[Check]]] = []
    owner: dict[str, int] = {}  # global dataset -> index in merged
    for fams, mine in groups:
        if apart & set(fams):
            merged.append((fams, mine))
            continue
        reads = {d for c in mine if c.meta.scope == Scope.GLOBAL for d in c.meta.needs}
        reads |= {f for d in reads if d in COLLECTORS for f in COLLECTORS[d].follows}
        into = sorted({owner[d] for d in reads if d in owner})
        if not into:
            merged.append((list(fams), list(mine)))
            into = [len(merged) - 1]
        else:
            merged[into[0]][0].extend(fams)
            merged[into[0]][1].extend(mine)
        for other in into[1:]:  # this group links two earlier ones: they become one
            merged[into[0]][0].extend(merged[other][0])
            merged[into[0]][1].extend(merged[other][1])
            merged[other] = ([], [])
        for d in reads | {d for d, n in owner.items() if n in into[1:]}:
            owner[d] = into[0]
    return [g for g in merged if g[1]]


def pack(groups: list[tuple[list[str], list[Check]]], processes: int, regions: list[str],
         heavy: frozenset[str] = frozenset()) -> list[tuple[list[str], list[Check]]]:
    """The family groups in `processes` processes, each scanning its groups with its threads (as one process
    scans everything), after the groups that read one global listing are merged (linked): the groups with global
    datasets each start a process while there are processes, then the heaviest group first goes into the least
    loaded process. A group's weight is what it
    collects: its (dataset, region) pairs, a global one counting as one. (Counted as one in every region,
    the global RAM group's process finished 2 s before the other at generated scales 0.02 and 0.05: a global
    listing is paced by its API's limit, not by the CPU; as one, the scans took 5.1-5.4 s and 6.4-6.8 s
    instead of 5.4-5.8 s and 7.1-7.5 s.) A group with a `heavy` family (scan_plan: RAM or OSS of a large account,
    whose per-user and per-bucket reads a count of datasets does not see) gets a process of its own. The processes
    keep the groups' order: the one with the first group (family_groups: the longest, paced, global collection)
    comes first and keeps the first process's priority."""
    groups = linked(groups, heavy)
    if processes >= len(groups):
        return groups
    jobs = [len(dataset_jobs(checks, regions)) for _, checks in groups]
    alone = sum(jobs) + 1  # more than all the others together: no other group joins a heavy one

    def weight(n: int) -> int:
        return alone if any(c.meta.family in heavy for c in groups[n][1]) else jobs[n]

    bins: list[tuple[list[int], list[int], list[Check]]] = [([0], [], []) for _ in range(processes)]
    # the groups with global datasets (the long, paced collections: every user, bucket, logstore) each start a
    # process of their own while there are processes (by weight alone, OSS's and SLS's joined RAM's: generated scale
    # 0.05 took 5.6-6.7 s, median 5.8, over five runs, against 4.6-5.9 s, median 5.1)
    seeds = sorted((n for n in range(len(groups)) if any(c.meta.scope == Scope.GLOBAL for c in groups[n][1])),
                   key=lambda n: weight(n) != alone)[:processes]  # (a heavy group first: it keeps its own process)
    rest = sorted((n for n in range(len(groups)) if n not in seeds), key=lambda n: -weight(n))
    for n in [*seeds, *rest]:
        load, members, checks = bins[seeds.index(n)] if n in seeds else min(bins, key=lambda b: b[0][0])
        load[0] += weight(n)
        members.append(n)
        checks += groups[n][1]
    bins.sort(key=lambda b: min(b[1], default=len(groups)))
    return [([f for n in sorted(members) for f in groups[n][0]], checks) for _, members, checks in bins if checks]


class ScanProcesses:
    """The scan of `check_ids` by one process per family group (`packed`: the groups packed into that many
    processes), at most `processes` at once (None: all;
    they share the cores, and the operating system schedules them better than one process's threads):
    findings() gives (check, region, findings) as scan_findings does; calls() counts the API calls the
    processes made."""

    def __init__(self, job: ProcessScan, check_ids: list[str], processes: int | None = None,
                 packed: int | None = None, local: ClientFactory | None = None,
                 heavy: frozenset[str] = frozenset()) -> None:
        self.job = job
        # packed: the first share is scanned in this process (its own threads, with `local`'s clients): the
        # caller is running anyway and has imported the core, so that share costs no process
        self.local = local if packed else None
        self.checks = all_checks()
        chosen = [self.checks[c] for c in check_ids]
        groups = check_groups(chosen)
        self.packed = bool(packed)
        if packed:
            groups = pack(groups, packed, job.regions, heavy)
        self.shares = [_Share(n, fams, [*fams, *sorted({c.meta.family for c in mine} - set(fams))],
                              [c.meta.id for c in mine], yields=not packed)
                       for n, (fams, mine) in enumerate(groups)]
        self.processes = max(1, processes or len(self.shares))
        self._running: dict[int, Any] = {}
        self._calls: dict[int, int] = {}
        self._skipped: dict[int, dict[str, list[str]]] = {}  # as each process reported (job.not_offered None)
        self._collections = {s.index: self._count(s, self.not_offered) for s in self.shares}

    def calls(self) -> int:
        return sum(self._calls.values())

    def pids(self) -> dict[str, int]:
        """The running processes: their families ("kms,rds") -> process id."""
        return {",".join(self.shares[i].families): p.pid for i, p in list(self._running.items())
                if not isinstance(p, threading.Thread)}

    @property
    def not_offered(self) -> dict[str, list[str]]:
        """family -> the regions not audited: the job's, or those no process that scans the family audited (a family
        whose checks two processes run may have its region list read by one and not by the other)."""
        if self.job.not_offered is not None:
            return dict(self.job.not_offered)
        out: dict[str, list[str]] = {}
        for family in sorted({f for sk in self._skipped.values() for f in sk}):
            answers = [set(sk.get(family, ())) for i, sk in self._skipped.items() if family in self.shares[i].scanned]
            common = set.intersection(*answers)
            if common:
                out[family] = [r for r in self.job.regions if r in common]
        return out

    def _count(self, share: _Share, skipped: dict[str, list[str]]) -> int:
        return len(dataset_jobs([self.checks[c] for c in share.check_ids], self.job.regions, skipped))

    def _due(self, share: _Share, skipped: dict[str, list[str]]) -> set[tuple[str, str]]:
        return {(cid, r) for cid in share.check_ids for r in self.checks[cid].regions(self.job.regions, skipped)}

    def collections(self) -> int:
        """Datasets the processes collect (one the checks of two processes read is collected by both); while processes
        have yet to report where their families are offered, counted in every region."""
        return sum(self._collections.values())

    def findings(self, progress: ProgressFn | None = None,
                 started: Callable[[], None] | None = None) -> Iterator[tuple[Check, str, list[Finding]]]:
        """started: called once the first processes run (work the caller does meanwhile in threads of its own
        starts there, after the forks)."""
        checks, job = self.checks, self.job
        # packed, each process is started once: a fork server would only add a process (its memory) to start it
        ctx = _packed_context() if self.packed else _context()
        # the processes first, the caller's own share (a thread) after them: a fork copies no running thread
        waiting = sorted(self.shares, key=lambda s: self.local is not None and s.index == 0)
        running = self._running
        pipes: dict[Any, int] = {}  # each process's own pipe: one that dies mid-message harms no other
        due = {s.index: self._due(s, self.not_offered) for s in self.shares}
        finished: set[int] = set()
        problems: dict[int, str] = {}
        found = 0

        def handle(msg: tuple[Any, ...]) -> Iterator[tuple[Check, str, list[Finding]]]:
            nonlocal found
            kind, index = msg[0], msg[1]
            if kind == "findings":
                _, _, cid, region, lines, self._calls[index] = msg
                due[index].discard((cid, region))
                found += len(lines)
                yield checks[cid], region, [Finding.model_validate_json(line) for line in lines]
                if progress:
                    progress("checked", {"check": cid, "region": region, "findings": found})
            elif kind == "offered":  # (before the process's first findings: its pipe keeps the order)
                _, _, skipped, self._calls[index] = msg
                self._skipped[index] = skipped  # (what this process audits; not_offered unites them)
                share = self.shares[index]
                due[index] = self._due(share, skipped)
                self._collections[index] = self._count(share, skipped)
                if progress:
                    progress("total", {"total": self.collections()})
            elif kind == "collected":
                _, _, data, self._calls[index] = msg
                if progress:
                    progress("collected", data)
            elif kind == "failed":
                problems[index] = msg[2]
            elif kind == "done":
                self._calls[index] = msg[2]
                finished.add(index)

        def ended(index: int) -> Iterator[tuple[Check, str, list[Finding]]]:
            nonlocal found
            proc = running.pop(index)
            proc.join()
            if index in finished and not due[index]:
                return
            families = ", ".join(self.shares[index].families)
            reason = problems.get(index) or (f"the scan process for {families} ended unexpectedly "
                                             f"(exit code {getattr(proc, 'exitcode', None)})")
            log.error("%s; its unfinished checks are reported as ERROR", reason)
            for cid, region in sorted(due[index]):
                found += 1
                yield checks[cid], region, [_error(checks[cid], job.account_id, region, reason)]
            due[index].clear()

        try:
            while waiting or running:
                while waiting and len(running) < self.processes:
                    share = waiting.pop(0)
                    reader, writer = ctx.Pipe(duplex=False)
                    name = f"aliaudit-scan-{'-'.join(share.families)}"
                    proc: Any
                    if self.local is not None and share.index == 0:
                        proc = threading.Thread(target=_local, args=(self.local, job, share, writer), name=name,
                                                daemon=True)  # (it closes its end when done)
                        proc.start()
                    else:
                        proc = ctx.Process(target=_child, args=(job, share, writer), name=name, daemon=True)
                        proc.start()
                        writer.close()  # (the process holds its own end: its exit ends the pipe)
                    running[share.index] = proc
                    pipes[reader] = share.index
                if started is not None:
                    started()
                    started = None
                ready: list[Any] = wait(list(pipes))  # (the pipes' readers: Connections)
                for reader in ready:
                    try:
                        msg = reader.recv()
                    except Exception:  # the process exited (what it sent before was read) or died mid-message
                        reader.close()
                        yield from ended(pipes.pop(reader))
                        continue
                    yield from handle(msg)
        finally:
            for proc in running.values():  # the caller stopped early (an error, Ctrl-C): no orphans
                if not isinstance(proc, threading.Thread):  # (the local scan stops at its next send)
                    proc.kill()
                    proc.join()
            for reader in pipes:
                reader.close()
        if progress:
            progress("done", {"findings": found})


def _error(check: Check, account_id: str, region: str, reason: str) -> Finding:
    return check.error(account_id, region, reason)


# What every scan process needs besides this module (the scan engine, without any SDK): the credentials library
# and the OpenAPI core every family's SDK builds on, imported once by the fork server and shared by the processes
# it forks (copy on write) instead of imported by each. A family's own SDK is imported by its process only.
PRELOAD = ["alibabacloud_credentials.client", "alibabacloud_tea_openapi.client"]


def _context() -> Any:
    """forkserver where there is one (a child forks from a clean server that imported the scan engine once:
    no thread of the caller is copied, and starting a child is cheap); spawn elsewhere."""
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload([__name__, *PRELOAD])
        return ctx
    return multiprocessing.get_context("spawn")


def _packed_context() -> Any:
    """fork where it can (forking.forks: a packed scan starts its processes before its own share's threads), spawn
    otherwise."""
    return multiprocessing.get_context("fork" if forks() else "spawn")


# The SDK cores' connection pools: one requests.Session per endpoint, cached on the class for the whole process
_POOLS = (("darabonba.core", "DaraCore"), ("Tea.core", "TeaCore"))


def forget_inherited_connections() -> None:
    """A forked child holds its parent's pooled keep-alive sockets: two processes writing requests on one
    connection read each other's answers (or wait for one that never comes). The child starts with empty pools;
    the parent's sockets stay the parent's (closing a copied descriptor in the child leaves the connection open).
    A no-op in a spawned child (nothing pooled yet)."""
    for module_name, core in _POOLS:
        module = sys.modules.get(module_name)
        if module is not None:
            getattr(module, core)._sessions = {}


def _child(job: ProcessScan, share: _Share, pipe: Any) -> None:
    """One process's share of the scan. Its environment is the caller's at the time of the scan (a fork
    server started earlier holds an older one)."""
    forget_inherited_connections()
    lock = threading.Lock()

    def send(msg: tuple[Any, ...]) -> None:  # (collections report from the scan's threads)
        with lock:
            pipe.send(msg)

    os.environ.clear()
    os.environ.update(job.env)
    # the first group's long, paced collection keeps its priority: the others' parsing must not hold back its next
    # call (each late call is quota lost)
    if share.index and share.yields and hasattr(os, "nice"):
        os.nice(10)
    configure_logging(job.log_level)
    job.settings.register_secrets()  # (unpickled: the parent's registry is not this process's)
    gcpolicy.for_scan_process()
    _scan_share(None, job, share, send)


def _local(factory: ClientFactory, job: ProcessScan, share: _Share, pipe: Any) -> None:
    """The first share of a packed scan, in a thread of the caller's process, reporting as a process would."""
    lock = threading.Lock()

    def send(msg: tuple[Any, ...]) -> None:
        with lock:
            pipe.send(msg)

    try:
        _scan_share(factory, job, share, send)
    except OSError:  # the caller stopped reading (an error, Ctrl-C): nothing to report to
        pass
    finally:
        pipe.close()


def _scan_share(factory: ClientFactory | None, job: ProcessScan, share: _Share,
                send: Callable[[tuple[Any, ...]], None]) -> None:
    """Scan the share (`factory`: the clients to use, else its own from the job's credentials), sending its
    findings, collections and end (or failure) as messages."""
    own = factory is None
    try:
        if factory is None:
            factory = ClientFactory(resolve_credentials(job.auth, os.environ, job.settings).provider, job.settings)

        def calls() -> int:
            return sum(factory.calls.values()) if factory is not None else 0

        skipped = job.not_offered
        if skipped is None:
            skipped = not_offered(factory, share.scanned, job.regions)
            send(("offered", share.index, skipped, calls()))
        request = ScanRequest(account_id=job.account_id, regions=job.regions, check_ids=share.check_ids,
                              families=share.scanned, config=job.config, not_offered=skipped)

        def progress(event: str, data: dict[str, Any]) -> None:
            if event == "collected":  # (the caller counts the findings itself)
                send(("collected", share.index, data, calls()))

        for check, region, items in scan_findings(factory, request, progress):
            send(("findings", share.index, check.meta.id, region, [f.model_dump_json() for f in items], calls()))
        # (the CPU of a process of its own: the caller's share is a thread among the caller's)
        cpu = f", {time.process_time():.1f} s of CPU" if own else ""
        log.info("the scan process for %s is done: %d API calls%s, peak RSS %.0f MB", ", ".join(share.families),
                 calls(), cpu, _peak_rss_mb())
        send(("done", share.index, calls()))
    except Exception as err:  # the caller reports this process's remaining checks as ERROR, with this reason
        send(("failed", share.index, f"the scan process for {', '.join(share.families)} failed: "
                                     f"{apierrors.describe(err)}"))


def _peak_rss_mb() -> float:
    try:
        import resource
    except ImportError:  # (not on Windows)
        return 0.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # (kilobytes on Linux)
