"""The last verdicts in shards: latest/parts/[<account>/]<family>/<region>.jsonl holds the current findings of a
worker family in a region, and latest/parts/[<account>/]<family>/global/<nn>.jsonl those of a global part spread
over GLOBAL_SHARDS shards by resource (a global part holds the account's every user or bucket: one event must not
read them all). A global check's findings are in its global part whatever region they name; one finding a line, as
the spool stored them. An event run reads and rewrites only the shards of the findings it produced, however large
the account; a whole run writes every shard (and, as before, latest/findings.json and the latest/ reports, which
show the last whole run). latest/parts/index.json, written after a whole run's shards, says they are complete:
without it an event run falls back to the whole file."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
from collections.abc import Iterable
from pathlib import Path

import oss2
from pydantic import ValidationError

from ..checks.registry import all_checks
from ..datasets import GLOBAL, Scope
from ..findings import Finding, Status
from ..reports.spool import Spool
from .fc_context import Runtime
from .models import Manifest, Part
from .sls_sink import BATCH

log = logging.getLogger("aliaudit.latest")
PREFIX = "latest/parts/"
INDEX = PREFIX + "index.json"
GLOBAL_SHARDS = 32
# a finding line as Spool writes it (pydantic's compact JSON): the fields that route it to its shard
_FIELDS = {name: re.compile(rb'"' + name.encode() + rb'":"((?:[^"\\]|\\.)*)"')
           for name in ("check_id", "region", "account_id", "resource_id")}


def shard_keys(part: Part) -> list[str]:
    """Every shard of a part."""
    base = f"{PREFIX}{part.account + '/' if part.account else ''}{part.family}/{part.region}"
    if part.region != GLOBAL:
        return [base + ".jsonl"]
    return [f"{base}/{n:02d}.jsonl" for n in range(GLOBAL_SHARDS)]


def _shard(account: str, family: str, region: str, resource_id: str) -> str:
    base = f"{PREFIX}{account + '/' if account else ''}{family}/{region}"
    if region != GLOBAL:
        return base + ".jsonl"
    n = int(hashlib.sha256(resource_id.encode()).hexdigest()[:8], 16) % GLOBAL_SHARDS
    return f"{base}/{n:02d}.jsonl"


class Router:
    """The shard of a finding line (its check's worker family, its part's region, the account in an organisation
    run, and for a global part its resource)."""

    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self.scopes = {cid: c.meta.scope for cid, c in all_checks().items()}

    def __call__(self, line: bytes) -> str:
        fields = {name: m.group(1).decode() if (m := rx.search(line)) else "" for name, rx in _FIELDS.items()}
        account = fields["account_id"] if self.manifest.accounts else ""
        # a global check's part is 'global' whatever region its finding names (a bucket's carry the bucket's)
        region = GLOBAL if self.scopes.get(fields["check_id"]) == Scope.GLOBAL else fields["region"]
        return _shard(account, self.manifest.worker_family(fields["check_id"]), region, fields["resource_id"])


def ready(rt: Runtime) -> bool:
    """Whether a whole run has written every shard (else an event run reads latest/findings.json instead)."""
    return rt.store.exists(INDEX)


def touched(manifest: Manifest, lines: Iterable[bytes]) -> set[str]:
    """The shards of these findings (an event run's: what it reads and rewrites)."""
    route = Router(manifest)
    return {route(line) for line in lines}


def read(rt: Runtime, keys: Iterable[str], spool: Spool, tmp: Path) -> set[str]:
    """The shards' last verdicts into the spool; the uids of their unmuted FAILs (what "new" is measured against).
    A shard never written (a region or family new since the last whole run) has none; an unreadable line is set
    aside (the run replaces it)."""
    fails: set[str] = set()
    with spool.atomic():
        for n, name in enumerate(sorted(keys)):
            path = tmp / f"latest-{n}.jsonl"
            try:
                rt.store.get_file(name, path)
            except oss2.exceptions.NoSuchKey:
                continue
            batch: list[Finding] = []
            with path.open("rb") as fh:
                for line in fh:
                    if not line.strip():
                        continue
                    try:
                        f = Finding.model_validate_json(line)
                    except ValidationError as err:
                        log.error("ignoring a finding of %s: %s", name, str(err).splitlines()[0])
                        continue
                    if f.status == Status.FAIL and not f.muted:
                        fails.add(f.uid)
                    batch.append(f)
                    if len(batch) == BATCH:
                        spool.add(batch)
                        batch = []
            spool.add(batch)
            path.unlink()
    return fails


def all_fails(rt: Runtime, tmp: Path) -> set[str]:
    """The uids of every shard's unmuted FAILs (what a whole run's "new" is measured against: the event runs'
    verdicts included, which latest/findings.json does not hold), parsing only the FAIL lines."""
    fails: set[str] = set()
    for n, name in enumerate(k for k in rt.store.keys(PREFIX) if k.endswith(".jsonl")):
        path = tmp / f"latest-all-{n}.jsonl"
        rt.store.get_file(name, path)
        with path.open("rb") as fh:
            for line in fh:
                if b'"status":"FAIL"' not in line:
                    continue
                try:
                    f = Finding.model_validate_json(line)
                except ValidationError:
                    continue
                if not f.muted:
                    fails.add(f.uid)
        path.unlink()
    return fails


def write(rt: Runtime, manifest: Manifest, lines: Iterable[bytes], keys: Iterable[str], tmp: Path, *,
          every: bool = False) -> None:
    """The findings' lines, routed to their shards and uploaded; each of `keys` is written, empty when no line is
    its, and with every=True also the other shards the lines hold (a whole latest/ file's)."""
    wanted = set(keys)
    route = Router(manifest)
    files: dict[str, Path] = {}
    with contextlib.ExitStack() as stack:
        handles = {}
        for line in lines:
            name = route(line)
            if name not in wanted:
                if not every:
                    continue  # (a finding of a shard this run did not read: never, but not a reason to fail)
                wanted.add(name)
            if name not in handles:
                files[name] = tmp / f"shard-{len(files)}.jsonl"
                handles[name] = stack.enter_context(files[name].open("wb"))
            handles[name].write(line if line.endswith(b"\n") else line + b"\n")
    for name in sorted(wanted):
        path = files.get(name)
        if path is None:
            rt.store.put_text(name, "")
            continue
        rt.store.put_file(name, path)
        path.unlink()


def mark_complete(rt: Runtime, run_id: str) -> None:
    rt.store.put_text(INDEX, json.dumps({"run_id": run_id}))
