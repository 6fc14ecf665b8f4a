"""The last verdicts in shards: latest/parts/<family>/<region>.jsonl holds the current findings of a family in a
region, and latest/parts/<family>/global/<nn>.jsonl those of a global part spread over GLOBAL_SHARDS shards by
resource (a global part holds the account's every user or bucket: one event must not read them all). The family is
the check's home (home()): where it runs when every check runs, whatever a run selected, so every run reads and
writes a check's verdicts in the same shard (a run's own placement moves a check with the checks it selected).
A global check's findings are in its global part whatever region they name; one finding a line, as the spool
stored them, then the shard's seal line (an HMAC under the deployment's run secret of its key and lines: a shard
another writer of the bucket planted or altered is ignored, its verdicts re-judged and its FAILs new again, never
hidden). An event run reads and rewrites only the shards of the findings it produced, however large the account; a
whole run writes every shard (and, as before, latest/findings.json and the latest/ reports, which show the last
whole run). latest/parts/index.json, written after a whole run's shards with the deployment's MAC, says they are
complete and of this layout: without it (or with one that does not verify) an event run falls back to the whole
file. Only single-account deployments keep shards (an organisation's latest/ stays whole: aggregator.py)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import logging
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import oss2
from pydantic import ValidationError

from ..checks.registry import all_checks
from ..datasets import GLOBAL, Scope
from ..findings import Finding, Status
from ..placement import runs_with
from ..reports.spool import Spool
from .fc_context import Runtime
from .models import Manifest, PayloadError, mac_matches, with_mac
from .sls_sink import BATCH

log = logging.getLogger("aliaudit.latest")
PREFIX = "latest/parts/"
INDEX = PREFIX + "index.json"
GLOBAL_SHARDS = 32
LAYOUT = 2  # the index's layout: 2 = shards by home family, sealed (an index of another layout is not used)
SEAL = b'{"seal":"'  # a shard's last line
EMPTY_SIZE = len(SEAL) + 64 + len(b'"}\n')  # a shard holding only its seal (an HMAC-SHA256, hex)
LIST_FIRST = 8  # more empty shards to write than this: list the shards first, and write only those that held lines
UPLOADS = 8  # shard uploads (and downloads) at once
# a finding line as Spool writes it (pydantic's compact JSON): the fields that route it to its shard
_FIELDS = {name: re.compile(rb'"' + name.encode() + rb'":"((?:[^"\\]|\\.)*)"')
           for name in ("check_id", "region", "resource_id")}


@functools.cache
def _homes() -> dict[str, str]:
    return runs_with(all_checks().values())


def home(check_id: str) -> str:
    """The family whose shards hold a check's verdicts: placement.runs_with over every check (where the daily run
    runs it), else its own family; the same for every run, whichever checks it selected."""
    return _homes().get(check_id) or check_id.split("_", 1)[0]


def run_keys(manifest: Manifest) -> list[str]:
    """Every shard the run's checks can have verdicts in (its regions, at their home families)."""
    checks = all_checks()
    keys: set[str] = set()
    for part in manifest.parts:
        for cid in manifest.check_ids:
            c = checks.get(cid)
            if c is not None and manifest.worker_family(cid) == part.family and c.runs_in(part.region):
                keys.update(_family_keys(home(cid), part.region))
    return sorted(keys)


def _family_keys(family: str, region: str) -> list[str]:
    """Every shard of a family in a region."""
    base = f"{PREFIX}{family}/{region}"
    if region != GLOBAL:
        return [base + ".jsonl"]
    return [f"{base}/{n:02d}.jsonl" for n in range(GLOBAL_SHARDS)]


def _shard(family: str, region: str, resource_id: str) -> str:
    base = f"{PREFIX}{family}/{region}"
    if region != GLOBAL:
        return base + ".jsonl"
    n = int(hashlib.sha256(resource_id.encode()).hexdigest()[:8], 16) % GLOBAL_SHARDS
    return f"{base}/{n:02d}.jsonl"


class Router:
    """The shard of a finding line (its check's home family, its part's region, and for a global part its
    resource). Shards are a single account's (the aggregator keeps an organisation's latest/ whole)."""

    def __init__(self) -> None:
        self.scopes = {cid: c.meta.scope for cid, c in all_checks().items()}

    def __call__(self, line: bytes) -> str:
        fields = {name: m.group(1).decode() if (m := rx.search(line)) else "" for name, rx in _FIELDS.items()}
        # a global check's part is 'global' whatever region its finding names (a bucket's carry the bucket's)
        region = GLOBAL if self.scopes.get(fields["check_id"]) == Scope.GLOBAL else fields["region"]
        return _shard(home(fields["check_id"]), region, fields["resource_id"])


def ready(rt: Runtime) -> bool:
    """Whether a whole run of this deployment has written every shard of this layout (else an event run reads
    latest/findings.json instead): the index carries the deployment's MAC, as manifests do; a planted or older
    index is ignored, with an error."""
    try:
        data = rt.store.get_json(INDEX)
    except PayloadError as err:
        log.error("ignoring latest/parts/: %s", err)
        return False
    if data is None:
        return False
    if not (isinstance(data, dict) and mac_matches(rt.settings.run_secret, data) and data.get("layout") == LAYOUT):
        log.error("ignoring latest/parts/: its index was not written by this deployment for this layout (MAC or "
                  "layout do not match); event runs merge into latest/findings.json until a whole run")
        return False
    return True


def touched(lines: Iterable[bytes]) -> set[str]:
    """The shards of these findings (an event run's: what it reads and rewrites)."""
    route = Router()
    return {route(line) for line in lines}


def _seal(secret: str, key: str) -> hmac.HMAC:
    """A shard's running seal: its key first (a shard copied under another key does not verify), then its lines."""
    return hmac.new(secret.encode(), key.encode() + b"\n", hashlib.sha256)


def _verified(rt: Runtime, key: str, path: Path) -> bool:
    """Whether the downloaded shard ends with its seal under the deployment's secret (always, without one)."""
    secret = rt.settings.run_secret
    if not secret:
        return True
    mac, last = _seal(secret, key), b""
    with path.open("rb") as fh:
        for line in fh:
            if line.startswith(SEAL):
                last = line
                continue
            mac.update(line)
    if hmac.compare_digest(last.strip(), SEAL + mac.hexdigest().encode() + b'"}'):
        return True
    log.error("ignoring %s: its seal does not match (not written by this deployment); its verdicts are judged "
              "again", key)
    return False


def read(rt: Runtime, keys: Iterable[str], spool: Spool, tmp: Path) -> set[str]:
    """The shards' last verdicts into the spool; the uids of their unmuted FAILs (what "new" is measured against).
    A shard never written (a region or family new since the last whole run) has none; an unreadable line is set
    aside (the run replaces it)."""
    fails: set[str] = set()
    names = sorted(keys)
    # the shards download side by side (small objects: round trips, not bytes), and are read in order
    with spool.atomic(), ThreadPoolExecutor(max_workers=UPLOADS, thread_name_prefix="aliaudit-shard") as pool:
        downloads = [pool.submit(_get_shard, rt, name, tmp / f"latest-{n}.jsonl") for n, name in enumerate(names)]
        for name, download in zip(names, downloads, strict=True):
            path = download.result()
            if path is None:
                continue
            if not _verified(rt, name, path):
                path.unlink()
                continue
            batch: list[Finding] = []
            with path.open("rb") as fh:
                for line in fh:
                    if not line.strip() or line.startswith(SEAL):
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


def _get_shard(rt: Runtime, name: str, path: Path) -> Path | None:
    """The shard downloaded into path; None when it was never written."""
    try:
        rt.store.get_file(name, path)
    except oss2.exceptions.NoSuchKey:
        return None
    return path


def all_fails(rt: Runtime, tmp: Path) -> set[str]:
    """The uids of every shard's unmuted FAILs (what a whole run's "new" is measured against: the event runs'
    verdicts included, which latest/findings.json does not hold), parsing only the FAIL lines."""
    fails: set[str] = set()
    for n, name in enumerate(k for k in rt.store.keys(PREFIX) if k.endswith(".jsonl")):
        path = tmp / f"latest-all-{n}.jsonl"
        rt.store.get_file(name, path)
        if not _verified(rt, name, path):
            path.unlink()
            continue
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


def write(rt: Runtime, lines: Iterable[bytes], keys: Iterable[str], tmp: Path, *, every: bool = False) -> None:
    """The findings' lines, routed to their shards and uploaded; each of `keys` is written, empty when no line is
    its, and with every=True also the other shards the lines hold (a whole latest/ file's)."""
    wanted = set(keys)
    route = Router()
    secret = rt.settings.run_secret
    files: dict[str, Path] = {}
    seals: dict[str, hmac.HMAC] = {}
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
                seals[name] = _seal(secret, name)
            line = line if line.endswith(b"\n") else line + b"\n"
            handles[name].write(line)
            seals[name].update(line)
        for name, fh in handles.items():
            fh.write(SEAL + seals[name].hexdigest().encode() + b'"}\n')
    empty = sorted(wanted - files.keys())
    if len(empty) > LIST_FIRST:  # a whole run: one listing spares the puts of shards that are empty or absent already
        held = rt.store.sizes(PREFIX)
        empty = [name for name in empty if held.get(name, EMPTY_SIZE) != EMPTY_SIZE]
    # each shard is a small object: their round trips, not the bytes, take the time; they go out side by side
    with ThreadPoolExecutor(max_workers=UPLOADS, thread_name_prefix="aliaudit-shard") as pool:
        done = [pool.submit(_put_shard, rt, name, files.get(name)) for name in sorted([*files, *empty])]
        for future in done:
            future.result()
    log.info("latest/parts/: %d shards written, %d emptied", len(files), len(empty))


def _put_shard(rt: Runtime, name: str, path: Path | None) -> None:
    """A shard's file, or (None) the shard emptied: only its seal."""
    if path is None:
        rt.store.put_text(name, (SEAL + _seal(rt.settings.run_secret, name).hexdigest().encode() + b'"}\n').decode())
        return
    rt.store.put_file(name, path)
    path.unlink()


def mark_complete(rt: Runtime, run_id: str) -> None:
    rt.store.put_json(INDEX, with_mac(rt.settings.run_secret, {"run_id": run_id, "layout": LAYOUT}))
