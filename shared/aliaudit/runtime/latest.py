"""The last verdicts, one object per part: latest/parts/[<account>/]<family>/<region>.jsonl holds the current
findings of a worker family in a region (or globally: a global check's findings are in its 'global' part, whatever
region they name), one finding a line, as the spool stored them. An event run reads and rewrites only the parts it
re-checked, however large the account; a whole run writes every part (and, as before, latest/findings.json and the
latest/ reports, which show the last whole run). latest/parts/index.json, written after a whole run's parts, says
the parts are complete: without it an event run falls back to the whole file."""

from __future__ import annotations

import contextlib
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
# a finding line as Spool writes it (pydantic's compact JSON): the fields that route it to its part
_FIELDS = {name: re.compile(rb'"' + name.encode() + rb'":"([^"\\]*)"') for name in ("check_id", "region",
                                                                                      "account_id")}


def key(part: Part) -> str:
    return f"{PREFIX}{part.account + '/' if part.account else ''}{part.family}/{part.region}.jsonl"


def ready(rt: Runtime) -> bool:
    """Whether a whole run has written every part (else an event run reads latest/findings.json instead)."""
    return rt.store.exists(INDEX)


def read(rt: Runtime, parts: Iterable[Part], spool: Spool, tmp: Path) -> set[str]:
    """The parts' last verdicts into the spool; the uids of their unmuted FAILs (what "new" is measured against).
    A part never written (a region or family new since the last whole run) has none; an unreadable line is set
    aside (the run replaces it)."""
    fails: set[str] = set()
    with spool.atomic():
        for n, part in enumerate(parts):
            path = tmp / f"latest-{n}.jsonl"
            try:
                rt.store.get_file(key(part), path)
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
                        log.error("ignoring a finding of %s: %s", key(part), str(err).splitlines()[0])
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
    """The uids of every part's unmuted FAILs (what a whole run's "new" is measured against: the event runs'
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


def write(rt: Runtime, manifest: Manifest, lines: Iterable[bytes], parts: Iterable[Part], tmp: Path, *,
          every: bool = False) -> None:
    """The findings' lines, routed to their parts (the worker family of the check, the region, the account in an
    organisation run) and uploaded, one object per part; each of `parts` is written, empty when it has none, and
    with every=True also the other parts the lines hold (a whole latest/ file's)."""
    wanted = {(p.account, p.family, p.region): p for p in parts}
    scopes = {cid: c.meta.scope for cid, c in all_checks().items()}
    files: dict[tuple[str, str, str], Path] = {}
    with contextlib.ExitStack() as stack:
        handles = {}
        for line in lines:
            fields = {name: m.group(1).decode() if (m := rx.search(line)) else "" for name, rx in _FIELDS.items()}
            account = fields["account_id"] if manifest.accounts else ""
            # a global check's part is 'global' whatever region its finding names (a bucket's findings carry the
            # bucket's region)
            region = GLOBAL if scopes.get(fields["check_id"]) == Scope.GLOBAL else fields["region"]
            where = (account, manifest.worker_family(fields["check_id"]), region)
            if where not in wanted:
                if not every or not where[1] or not where[2]:
                    continue  # (a finding of a part this run did not plan: never, but not a reason to fail)
                wanted[where] = Part(family=where[1], region=where[2], account=where[0])
            if where not in handles:
                files[where] = tmp / f"shard-{len(files)}.jsonl"
                handles[where] = stack.enter_context(files[where].open("wb"))
            handles[where].write(line if line.endswith(b"\n") else line + b"\n")
    for where, part in wanted.items():
        path = files.get(where)
        if path is None:
            rt.store.put_text(key(part), "")
            continue
        rt.store.put_file(key(part), path)
        path.unlink()


def mark_complete(rt: Runtime, run_id: str) -> None:
    rt.store.put_text(INDEX, json.dumps({"run_id": run_id}))
