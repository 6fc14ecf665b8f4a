"""The last verdicts in shards: latest/parts/<family>/<region>.jsonl holds the current findings of a family in a
region (a global part's region is 'global'); a part the last whole run found large is spread over several shards by
resource, latest/parts/<family>/<region>/<n>-of-<count>.jsonl, so that one event reads and rewrites about
ALIAUDIT_LATEST_SHARD_FINDINGS (1000) findings however large the account (a region's security groups, an account's
users: one event must not read them all). The family is the check's home (home()): where it runs when every check
runs, whatever a run selected, so every run reads and writes a check's verdicts in the same shard (a run's own
placement moves a check with the checks it selected). A global check's findings are in its global part whatever
region they name; one finding a line, as the spool stored them, then the shard's seal line (an HMAC under the
deployment's run secret of its key and lines: a shard another writer of the bucket planted or altered is ignored,
its verdicts re-judged and its FAILs new again, never hidden). A whole run writes every shard (and, as before,
latest/findings.json and the latest/ reports, which show the last whole run), choosing each part's count from its
findings, and empties the shards of its parts it did not write (a resource gone, a count changed).
latest/parts/index.json, written after a whole run's shards with the deployment's MAC, says they are complete, of
this layout, and how many shards each part has: without it (or with one that does not verify) an event run falls
back to the whole file. Only single-account deployments keep shards (an organisation's latest/ stays whole:
aggregator.py)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import logging
import re
from collections.abc import Iterable, Iterator
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
LAYOUT = 3  # the index's layout: 3 = shards by home family, sealed, each part's count in the index (an index of
# another layout is not used)
MAX_SHARDS = 4096
SEAL = b'{"seal":"'  # a shard's last line
EMPTY_SIZE = len(SEAL) + 64 + len(b'"}\n')  # a shard holding only its seal (an HMAC-SHA256, hex)
LIST_FIRST = 8  # more empty shards to write than this: list the shards first, and write only those that held lines
UPLOADS = 8  # shard uploads (and downloads) at once
# a finding line as Spool writes it (pydantic's compact JSON): the fields that route it to its shard
_FIELDS = {name: re.compile(rb'"' + name.encode() + rb'":"((?:[^"\\]|\\.)*)"')
           for name in ("check_id", "region", "resource_id")}

Layout = dict[str, int]  # "<family>/<region>" -> its number of shards (absent: one)


@functools.cache
def _homes() -> dict[str, str]:
    return runs_with(all_checks().values())


def home(check_id: str) -> str:
    """The family whose shards hold a check's verdicts: placement.runs_with over every check (where the daily run
    runs it), else its own family; the same for every run, whichever checks it selected."""
    return _homes().get(check_id) or check_id.split("_", 1)[0]


def run_keys(manifest: Manifest, layout: Layout) -> list[str]:
    """Every shard the run's checks can have verdicts in (its regions, at their home families)."""
    checks = all_checks()
    keys: set[str] = set()
    for part in manifest.parts:
        for cid in manifest.check_ids:
            c = checks.get(cid)
            if c is not None and manifest.worker_family(cid) == part.family and c.runs_in(part.region):
                keys.update(_part_keys(f"{home(cid)}/{part.region}", layout))
    return sorted(keys)


def _key(part: str, n: int, count: int) -> str:
    """Shard n of a part ("<family>/<region>") of count shards."""
    return f"{PREFIX}{part}.jsonl" if count == 1 else f"{PREFIX}{part}/{n:04d}-of-{count:04d}.jsonl"


def _part_keys(part: str, layout: Layout) -> list[str]:
    """Every shard of a part."""
    count = layout.get(part, 1)
    return [_key(part, n, count) for n in range(count)]


def _shard(part: str, resource_id: str, layout: Layout) -> str:
    count = layout.get(part, 1)
    return _key(part, int(hashlib.sha256(resource_id.encode()).hexdigest()[:8], 16) % count, count)


def part_of(key: str) -> str | None:
    """The part ("<family>/<region>") a shard's key belongs to (any layout's), None for another object."""
    if not key.startswith(PREFIX) or not key.endswith(".jsonl"):
        return None
    family, _, rest = key[len(PREFIX):].partition("/")
    region = rest.split("/", 1)[0].removesuffix(".jsonl")
    return f"{family}/{region}" if family and region else None


class Router:
    """The shard of a finding line (its check's home family, its part's region, and for a part of several shards
    its resource). Shards are a single account's (the aggregator keeps an organisation's latest/ whole)."""

    def __init__(self, layout: Layout | None = None) -> None:
        self.scopes = {cid: c.meta.scope for cid, c in all_checks().items()}
        self.layout = layout or {}

    def part(self, line: bytes) -> tuple[str, str]:
        """The line's part ("<family>/<region>") and resource."""
        fields = {name: m.group(1).decode() if (m := rx.search(line)) else "" for name, rx in _FIELDS.items()}
        # a global check's part is 'global' whatever region its finding names (a bucket's carry the bucket's)
        region = GLOBAL if self.scopes.get(fields["check_id"]) == Scope.GLOBAL else fields["region"]
        return f"{home(fields['check_id'])}/{region}", fields["resource_id"]

    def __call__(self, line: bytes) -> str:
        part, resource = self.part(line)
        return _shard(part, resource, self.layout)


def plan(lines: Iterable[bytes], per_shard: int) -> Layout:
    """A whole run's layout: each part's shard count from its number of findings (per_shard a shard at most, a
    power of two), parts of one shard left out."""
    route = Router()
    sizes: dict[str, int] = {}
    for line in lines:
        part = route.part(line)[0]
        sizes[part] = sizes.get(part, 0) + 1
    layout = {}
    for part, n in sizes.items():
        count = 1
        while count * per_shard < n and count < MAX_SHARDS:
            count *= 2
        if count > 1:
            layout[part] = count
    return layout


def replan(layout: Layout, manifest: Manifest, lines: Iterable[bytes], per_shard: int) -> Layout:
    """The layout after a run that re-checked whole parts (lines: every verdict of its parts): their counts chosen
    again, the other parts' kept."""
    mine = {part_of(k) for k in run_keys(manifest, {})}
    return {**{p: n for p, n in layout.items() if p not in mine},
            **{p: n for p, n in plan(lines, per_shard).items() if p in mine}}


def ready(rt: Runtime) -> Layout | None:
    """The layout of the shards when a whole run of this deployment has written every one of them (else None: an
    event run reads latest/findings.json instead): the index carries the deployment's MAC, as manifests do; a
    planted or older index is ignored, with an error."""
    try:
        data = rt.store.get_json(INDEX)
    except PayloadError as err:
        log.error("ignoring latest/parts/: %s", err)
        return None
    if data is None:
        return None
    shards = data.get("shards") if isinstance(data, dict) else None
    if not (isinstance(data, dict) and mac_matches(rt.settings.run_secret, data) and data.get("layout") == LAYOUT
            and isinstance(shards, dict)
            and all(isinstance(k, str) and type(v) is int and 1 < v <= MAX_SHARDS for k, v in shards.items())):
        log.error("ignoring latest/parts/: its index was not written by this deployment for this layout (MAC or "
                  "layout do not match); event runs merge into latest/findings.json until a whole run")
        return None
    return shards


def touched(lines: Iterable[bytes], layout: Layout) -> set[str]:
    """The shards of these findings (an event run's: what it reads and rewrites)."""
    route = Router(layout)
    return {route(line) for line in lines}


def _seal(secret: str, key: str) -> hmac.HMAC:
    """A shard's running seal: its key first (a shard copied under another key does not verify), then its lines."""
    return hmac.new(secret.encode(), key.encode() + b"\n", hashlib.sha256)


def _verified(rt: Runtime, key: str, path: Path) -> bool:
    """Whether the downloaded shard ends with its seal under the deployment's secret."""
    mac, last = _seal(rt.settings.run_secret, key), b""
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
    with spool.atomic():
        for name, path in _shards(rt, sorted(keys), tmp, "latest"):
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
    return fails


def _shards(rt: Runtime, names: list[str], tmp: Path, tag: str) -> Iterator[tuple[str, Path]]:
    """Each written shard whose seal verifies, downloaded into tmp, in the order of names; the shards download side
    by side (small objects: round trips, not bytes, take the time), and each file goes once the caller has read it."""
    with ThreadPoolExecutor(max_workers=UPLOADS, thread_name_prefix="aliaudit-shard") as pool:
        downloads = [pool.submit(_get_shard, rt, name, tmp / f"{tag}-{n}.jsonl") for n, name in enumerate(names)]
        for name, download in zip(names, downloads, strict=True):
            path = download.result()
            if path is None:
                continue
            if _verified(rt, name, path):
                yield name, path
            path.unlink()


# The largest shard read: a shard holds about latest_shard_findings (1,000) findings, a megabyte or two
MAX_SHARD_BYTES = 128 << 20


def _get_shard(rt: Runtime, name: str, path: Path) -> Path | None:
    """The shard downloaded into path; None when it was never written, or is larger than MAX_SHARD_BYTES (another
    writer's: ignored, as a shard whose seal does not match, so its verdicts are judged again)."""
    try:
        rt.store.get_file(name, path, limit=MAX_SHARD_BYTES)
    except oss2.exceptions.NoSuchKey:
        return None
    except PayloadError as err:
        log.error("ignoring %s: %s; its verdicts are judged again", name, err)
        return None
    return path


def all_fails(rt: Runtime, tmp: Path, manifest: Manifest, layout: Layout) -> set[str]:
    """The uids of the unmuted FAILs in the shards the run's checks can have verdicts in (what a whole run's "new"
    is measured against: the event runs' verdicts included, which latest/findings.json does not hold), parsing only
    the FAIL lines. Only those shards, under the trusted index's layout, are read: every other object listed under
    latest/parts/ (anyone who can write the bucket can put thousands there) is passed by unread; a FAIL of a shard
    outside the run cannot be one of its findings anyway."""
    fails: set[str] = set()
    listed = rt.store.sizes(PREFIX)
    names = [k for k in run_keys(manifest, layout) if k in listed and listed[k] != EMPTY_SIZE]
    for _, path in _shards(rt, names, tmp, "latest-all"):
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
    return fails


def write(rt: Runtime, lines: Iterable[bytes], keys: Iterable[str], tmp: Path, layout: Layout, *,
          every: bool = False) -> None:
    """The findings' lines, routed to their shards and uploaded; each of `keys` is written, empty when no line is
    its, and with every=True (a whole latest/ file's lines) also the other shards the lines hold, and every shard
    of the lines' parts listed under another count (the last whole run's layout) is emptied."""
    wanted = set(keys)
    route = Router(layout)
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
    if every or len(empty) > LIST_FIRST:  # a whole run: one listing spares the puts of shards that are empty or
        held = rt.store.sizes(PREFIX)  # absent already, and finds those of another count
        empty = [name for name in empty if held.get(name, EMPTY_SIZE) != EMPTY_SIZE]
        if every:
            parts = {part_of(k) for k in wanted}
            empty += sorted(k for k, size in held.items() if size != EMPTY_SIZE and k not in wanted
                            and part_of(k) in parts)
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


def mark_complete(rt: Runtime, run_id: str, layout: Layout) -> None:
    rt.store.put_json(INDEX, with_mac(rt.settings.run_secret, {"run_id": run_id, "layout": LAYOUT,
                                                              "shards": layout}))
