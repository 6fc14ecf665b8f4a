"""Aggregator: when every part of a run is in (or its deadline passed: missing parts become ERROR findings),
exactly once per run (a claim in OSS, released on failure; see aggregate()), it writes the reports to OSS
(dated and latest/), one SLS log per finding, and makes sure the logstore index and the alert exist. A
timer 'sweep' finishes runs whose workers never reported, or whose aggregation failed."""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import json
import logging
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import oss2
from pydantic import ValidationError

from .. import apierrors
from .. import mutelist as mutelist_mod
from ..checks.registry import all_checks
from ..datasets import Scope
from ..errors import ConfigError
from ..findings import Finding, Status
from ..mutelist import Mutelist
from ..outcome import Tally
from ..reports import org_summary, writer
from ..reports.compliance import Compliance
from ..reports.spool import Spool
from . import latest as latest_parts
from .fc_context import Runtime, fc_entry
from .jsonstream import array_items, write_array
from .log_sender import LogProcess, send_logs
from .models import Manifest, Part, PayloadError, file_lines, parse_aggregation, read_part, with_mac
from .parts import seal_key
from .sls_sink import BATCH, batches
from .store import MAX_PART_BYTES, baseline_key, claims_prefix, part_key

log = logging.getLogger("aliaudit.aggregator")
LATEST = "latest/findings.json"
# what the last verdicts in latest/ say of their mutelist (total, muted, the file's SHA-256), under the deployment's
# MAC: the "before" the mutelist alert compares with. latest/aliaudit.summary.json says the same, but anyone who can
# write latest/ could plant one naming a changed mutelist's hash, and the change would not alert
MUTELIST_STATE = "latest/mutelist-state.json"
MUTELIST_KEY = "config/mutelist.yaml"


def _missing_part_findings(manifest: Manifest, part: Part, reason: str) -> list[Finding]:
    checks = all_checks()
    account = part.account or manifest.account_id
    target = manifest.target(part.account) if part.account else None
    out = []
    for cid in manifest.check_ids:
        c = checks.get(cid)
        if c is not None and manifest.worker_family(cid) == part.family and c.runs_in(part.region):
            f = c.error(account, part.region, reason)
            f.account_name = target.name if target else ""
            out.append(f)
    return out


def _mutelist(rt: Runtime) -> tuple[Mutelist, str | None, dict[str, Any]]:
    """The accepted risks in the bucket, why they could not be used (a malformed, oversized or hostile file
    mutes nothing in this run, says so in the summary and the log, and does not stop the reports), and what the
    summary says of the file: where it is, its SHA-256 and size, when it was last written and its version ({}
    without a file). OSS does not record who wrote an object (an object's owner is the bucket's account, and
    x-oss-meta-* is whatever the writer says): the bucket's access log or ActionTrail tells, by that time."""
    where = f"oss://{rt.settings.report_bucket}/{MUTELIST_KEY}"
    info: dict[str, Any] = {"source": where}
    try:
        stream = rt.store.bucket.get_object(MUTELIST_KEY)
        size = stream.content_length
        raw = b"" if size is not None and size > mutelist_mod.MAX_BYTES else stream.read(mutelist_mod.MAX_BYTES + 1)
        stream.close()
    except oss2.exceptions.NoSuchKey:
        log.info("no mutelist at %s", where)
        return Mutelist(), None, {}
    except oss2.exceptions.OssError as err:  # e.g. denied: nothing muted, and say so
        reason = f"cannot read {where}: {apierrors.describe(err)}"
        log.error("%s; nothing is muted in this run", reason)
        return Mutelist(), reason, {**info, "error": reason}
    if stream.last_modified:
        written = datetime.fromtimestamp(stream.last_modified, timezone.utc)
        info["last_modified"] = written.strftime("%Y-%m-%dT%H:%M:%SZ")
    if stream.versionid:
        info["version_id"] = stream.versionid
    info.update(sha256=hashlib.sha256(raw).hexdigest() if raw else "", bytes=size if size is not None else len(raw))
    try:
        if len(raw) > mutelist_mod.MAX_BYTES or (size is not None and size > mutelist_mod.MAX_BYTES):
            raise ConfigError(f"mutelist {where}: more than the {mutelist_mod.MAX_BYTES:,} bytes a mutelist may have")
        mutelist = mutelist_mod.parse(raw, where)
    except ConfigError as err:
        log.error("%s; nothing is muted in this run", err)
        return Mutelist(), str(err), {**info, "entries": 0, "error": str(err)}
    return mutelist, None, {**info, "entries": len(mutelist.entries)}


def _mutelist_before_key(run_id: str) -> str:
    return f"runs/{run_id}/mutelist-before.json"


def _mutelist_before(rt: Runtime, run_id: str) -> tuple[dict[str, Any], bool]:
    """What the last verdicts say of their mutelist and muted share (MUTELIST_STATE, only with the deployment's
    MAC: none, or another writer's, is unknown), fixed by this run's first attempt (a retry compares with the same,
    even after latest/ holds the first attempt's); and whether it is this attempt's, to be stored (once the claim
    is held)."""
    stored = before_shape(rt.store.fixed(_mutelist_before_key(run_id), run_id))
    if stored is not None:
        return stored, False
    state = rt.store.signed(MUTELIST_STATE, "the last mutelist state")
    before = before_shape({**state, "known": True} if state is not None else None) or {"known": False}
    return before, True


def _put_mutelist_state(rt: Runtime, summary: dict[str, Any]) -> None:
    """MUTELIST_STATE for the verdicts latest/ now holds (their summary)."""
    block = summary.get("mutelist") or {}
    rt.store.put_json(MUTELIST_STATE, with_mac(rt.settings.run_secret, {
        "total": summary["total"], "muted": summary["muted"], "sha256": block.get("sha256", "")}))


def before_shape(value: Any) -> dict[str, Any] | None:
    """A stored "mutelist before" as _mutelist_before makes it, None for anything else."""
    if not isinstance(value, dict) or not isinstance(value.get("known"), bool):
        return None
    if not value["known"]:
        return {"known": False}
    total, muted, sha = value.get("total"), value.get("muted"), value.get("sha256")
    if isinstance(total, int) and isinstance(muted, int) and 0 <= muted <= total \
            and (sha is None or isinstance(sha, str)):
        return {"known": True, "total": total, "muted": muted, "sha256": sha}
    return None


def finding_ids(value: Any) -> list[str] | None:
    """A stored baseline (the FAILs before the run, by finding uid), None for anything else."""
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


MUTED_SHARE_JUMP = 0.10  # the muted share of a whole run's findings may rise this much before the alert fires


def _mutelist_verdict(info: dict[str, Any], before: dict[str, Any], muted: int, total: int,
                      whole: bool) -> tuple[dict[str, Any], str]:
    """The summary's mutelist block and the reason for the mutelist alert ('' = none): the file changed since
    the last verdicts (its SHA-256; appearing and disappearing count), or, for a run that shows the account
    whole, the share of muted findings rose by MUTED_SHARE_JUMP or more."""
    block = {**info, "muted": muted, "total": total, "muted_share": round(muted / total, 4) if total else 0.0}
    sha = info.get("sha256", "")
    changed = ""
    share_before = 0.0
    if not before.get("known"):
        changed = "a mutelist is in use and no earlier run recorded one" if sha else ""
    else:
        share_before = before["muted"] / before["total"] if before["total"] else 0.0
        block.update(previous_sha256=before.get("sha256"), previous_muted=before["muted"],
                     previous_total=before["total"])
        if before.get("sha256") is None:  # (a summary written before the mutelist was recorded)
            changed = "a mutelist is in use and the last run did not record which" if sha else ""
        elif before["sha256"] != sha:
            changed = "the mutelist changed" if sha else "the mutelist was removed"
    block["changed"] = bool(changed)
    reasons = [changed] if changed else []
    share = muted / total if total else 0.0
    if whole and share - share_before >= MUTED_SHARE_JUMP:
        reasons.append(f"the muted share rose from {share_before:.0%} to {share:.0%}")
    return block, "; ".join(reasons)


def _mutelist_text(block: dict[str, Any], alert: str) -> str:
    """One sentence for the logs and the alert: which file, its hash, what it muted, and why it alerts."""
    if not block.get("source"):
        head = "no mutelist"
    else:
        sha = block.get("sha256") or "-"
        head = (f"mutelist {block['source']} sha256 {sha[:16]}, {block.get('entries', 0)} entries"
                + (f", written {block['last_modified']}" if block.get("last_modified") else "")
                + (f" (refused: {block['error']})" if block.get("error") else ""))
    text = f"{head}; muted {block['muted']} of {block['total']} findings ({block['muted_share']:.0%})"
    if "previous_muted" in block:
        was = block["previous_muted"] / block["previous_total"] if block["previous_total"] else 0.0
        text += f", was {block['previous_muted']} of {block['previous_total']} ({was:.0%})"
    return text + (f": ALERT: {alert}" if alert else "")


def _part_findings(manifest: Manifest, part: Part, download: Future[Path | None] | None, spool: Spool,
                   add: Callable[[list[Finding]], None], key: bytes | None) -> tuple[int, bool]:
    """Add the part's findings (add: mute, spool and count them) as they are read from its download, one
    batch at a time; its API calls, and False when a corrupt part was taken back from the spool half-way
    (what counted its findings must count again). A missing (no download) or unreadable part adds ERROR
    findings for its checks instead, with the reason."""
    run_id = manifest.run_id
    if download is None:
        where = f"{part.region} of account {part.account}" if part.account else part.region
        add(_missing_part_findings(manifest, part, f"the {part.family} worker did not report for {where} before "
                                   "the run's deadline"))
        return 0, True
    added = 0
    try:
        path = download.result()
        if path is None:
            raise PayloadError(f"the {part.family}/{part.region} part of run {run_id} is gone")
        with path.open("rb") as fh, spool.atomic():  # a part that turns out corrupt half-way adds nothing
            if key is not None:  # its seal first, over the raw lines: nothing a planted part holds is parsed
                for _ in read_part(file_lines(fh), run_id, part, key, parse=False)[1]:
                    pass
                fh.seek(0)
            calls, findings = read_part(file_lines(fh), run_id, part, key)
            dropped = 0
            for batch in batches(findings):
                own = [f for f in batch if manifest.worker_family(f.check_id) == part.family]
                dropped += len(batch) - len(own)
                add(own)
                added += len(own)
        path.unlink()
    except PayloadError as err:  # a corrupt part must not sink the run: its checks are ERROR, with the reason
        log.error("run %s: %s", run_id, err)
        add(_missing_part_findings(manifest, part, f"unreadable worker result: {err}"))
        return 0, not added
    if dropped:
        log.error("run %s: the %s/%s part holds findings of other workers' checks; dropped", run_id, part.family,
                  part.region)
    return calls, True


def _download(rt: Runtime, key: str, path: Path) -> Path | None:
    try:
        rt.store.get_file(key, path, limit=MAX_PART_BYTES)
    except oss2.exceptions.NoSuchKey:
        return None
    return path


def aggregate(rt: Runtime, run_id: str, *, sweep: bool = False) -> dict[str, Any]:
    """Exactly once per run: the claim (RunStore.claim) keeps concurrent aggregators out; a failure
    releases it so FC's retry (or the sweep) can finish the run, and every step after the claim is
    repeatable: reports overwrite the same keys, SLS batches already sent are skipped, "new" FAILs are
    measured against the baseline the first attempt fixed. The sweep also takes over claims older than
    the lease (an aggregator that died without releasing)."""
    try:
        manifest = rt.store.manifest(run_id)
    except PayloadError as err:
        log.error("cannot aggregate: %s", err)
        return {"run_id": run_id, "state": "malformed manifest", "error": str(err)}
    if manifest is None:
        return {"run_id": run_id, "state": "unknown run"}
    if rt.store.done(run_id):
        return {"run_id": run_id, "state": "already aggregated"}
    present = set(rt.store.keys(f"runs/{run_id}/parts/"))
    missing = [p for p in manifest.parts if part_key(run_id, p.family, p.region, p.account) not in present]
    try:
        created = datetime.fromisoformat(manifest.created.replace("Z", "+00:00"))
    except ValueError:
        created = datetime.fromtimestamp(0, timezone.utc)  # an unreadable time: treat the run as overdue
    overdue = (datetime.now(timezone.utc) - created).total_seconds() > rt.settings.aggregation_deadline_seconds
    if missing and not overdue:
        return {"run_id": run_id, "state": "waiting", "missing": len(missing)}
    owner = uuid.uuid4().hex
    # the claim waits for OSS's clock to tick past it (RunStore.claim: a second or so): it is made while the run's
    # findings and the last verdicts are read, which writes nothing, and held before the first write (hold)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="aliaudit-claim") as pool:
        claiming = pool.submit(rt.store.claim, claims_prefix(run_id), owner,
                               lease_seconds=rt.settings.aggregation_lease_seconds if sweep else None)

        try:
            with tempfile.TemporaryDirectory(prefix="aliaudit-aggregate-") as tmp:
                return _aggregate_claimed(rt, manifest, missing, created, Path(tmp), _Claim(rt, run_id, claiming))
        except _NotHolder as not_holder:
            return not_holder.state
        except Exception:
            log.error("run %s: aggregation failed; releasing the claim for a retry", run_id)
            try:
                claiming.exception()  # (its writes are over before ours: a release must come after the claim)
                rt.store.release(claims_prefix(run_id), owner)
            except Exception as err:  # the sweep takes the claim over once the lease ends
                log.error("run %s: cannot release the claim: %s", run_id, apierrors.describe(err))
            raise


class _NotHolder(Exception):
    """Another aggregator holds the run's claim, or finished it: this one stops before writing anything."""

    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__(state["state"])
        self.state = state


class _Claim:
    """The run's claim, being made in a thread while the aggregator reads."""

    def __init__(self, rt: Runtime, run_id: str, making: Future[bool]) -> None:
        self.rt, self.run_id, self.making = rt, run_id, making

    def check(self) -> None:
        """Stop reading (_NotHolder) as soon as the claim is known to be another's."""
        if self.making.done() and self.making.exception() is None and not self.making.result():
            self.hold()

    def hold(self) -> None:
        """Return once this caller holds the claim; _NotHolder when another does (_fix_first then checks that no
        earlier holder finished the run meanwhile)."""
        if not self.making.result():
            raise _NotHolder({"run_id": self.run_id, "state": "being aggregated"})


def _fix_first(rt: Runtime, run_id: str, mutelist_before: dict[str, Any], first_attempt: bool,
               baseline: list[str] | None) -> tuple[dict[str, Any], bool, list[str] | None, bool]:
    """Once the claim is held: _NotHolder if an earlier holder finished the run; else what the first attempt fixes
    (the mutelist before; the baseline, None when this attempt read it fixed), read again, as an attempt that held
    the claim while this one read may have fixed it, and stored when it is still this attempt's. The reads go at
    once, then the writes (an event run's logs wait for them). Returns the mutelist before, whether it was this
    attempt's, the baseline and whether it was found fixed by another attempt."""
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="aliaudit-fixed") as pool:
        done = pool.submit(rt.store.done, run_id)
        recorded = pool.submit(rt.store.fixed, _mutelist_before_key(run_id), run_id) if first_attempt else None
        stored = pool.submit(rt.store.fixed, baseline_key(run_id), run_id) if baseline is not None else None
        if done.result():
            raise _NotHolder({"run_id": run_id, "state": "already aggregated"})
        writes = []
        if recorded is not None:
            recorded_before = before_shape(recorded.result())
            if recorded_before is not None:
                mutelist_before, first_attempt = recorded_before, False
            else:
                writes.append(pool.submit(rt.store.put_fixed, _mutelist_before_key(run_id), run_id, mutelist_before))
        refixed = False
        if stored is not None:
            stored_ids = finding_ids(stored.result())
            if stored_ids is not None:
                baseline, refixed = stored_ids, True
            else:
                writes.append(pool.submit(rt.store.put_fixed, baseline_key(run_id), run_id, baseline))
        for w in writes:
            w.result()
    return mutelist_before, first_attempt, baseline, refixed


_RANK = {s: i for i, s in enumerate(["critical", "high", "medium", "low", "informational"])}


class _Tally(Tally):
    """What the reports need from one pass over the findings, kept as they are added: the run's tally (the
    summary's counts, the CIS compliance report, the organisation summary) and, given the baseline, the FAILs
    new since it: their uids, and the 20 most severe (the alert lists them)."""

    compliance: Compliance  # (always: the CIS report is one of the run's reports)
    org: org_summary.OrgSummary  # (always: an organisation run has its summary)

    def __init__(self, tmp: Path, before: set[str] | None = None, selected: list[str] | None = None) -> None:
        super().__init__("cis_2.0", tmp, organisation=True, selected=selected)
        self.before = before
        self.new_uids: set[str] = set()
        self.new_accounts: dict[str, str] = {}  # accounts with new FAILs: id -> name
        self.first: list[tuple[int, str, str, int, str, str]] = []  # (rank, check, resource, position, region, acct)
        self.n = 0

    def add(self, f: Finding, order: tuple[Any, ...] = ()) -> None:
        super().add(f, order)
        if self.before is not None and f.status == Status.FAIL and not f.muted and f.uid not in self.before:
            self.new_uids.add(f.uid)
            self.new_accounts.setdefault(f.account_id, f.account_name)
            entry = (_RANK[f.severity.value], f.check_id, f.resource_id, self.n, f.region, f.account_id)
            if len(self.first) < 20 or entry < self.first[-1]:
                bisect.insort(self.first, entry)
                del self.first[20:]
        self.n += 1

    def new_text(self) -> str:
        new = len(self.new_uids)
        if not new:
            return "none"
        org = len(self.new_accounts) > 1 or any(self.new_accounts.values())
        listed = "; ".join(f"{account + ' ' if org else ''}{check_id} {resource_id} ({region})"
                           for _, check_id, resource_id, _, region, account in self.first)
        accounts = ""
        if org:  # an organisation run names the accounts with new FAILs first
            names = [f"{a} ({n})" if n else a for a, n in sorted(self.new_accounts.items())]
            accounts = f"in {len(names)} account(s): {', '.join(names[:20])}" + ("; ..." if len(names) > 20 else "")
            accounts += "; "
        return f"{new} new: {accounts}{listed}" + (f"; and {new - 20} more" if new > 20 else "")


class _Uploads:
    """The aggregation's writes that wait on the network (report uploads, SLS batches) run in threads while
    the main thread renders the next report. One report file is uploading while the next one is written:
    the disk holds two at most (FC's is small)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="aliaudit-upload")
        self.stop = threading.Event()  # set when the aggregation fails: the threads give up
        self.futures: list[Future[Any]] = []
        self.file: Future[Any] | None = None

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future = self.pool.submit(fn, *args)
        self.futures.append(future)
        return future

    def put_file(self, path: Path, keys: list[str]) -> None:
        """Upload the file under every key, then delete it (after the file before it is up)."""
        if self.file is not None:
            self.file.result()

        def upload() -> None:
            if self.stop.is_set():
                return
            self.rt.store.put_file_as(keys, path)
            path.unlink()

        self.file = self.submit(upload)

    def wait(self) -> None:
        for future in self.futures:
            future.result()

    def close(self) -> None:
        self.stop.set()
        self.pool.shutdown(wait=True, cancel_futures=True)


def _aggregate_claimed(rt: Runtime, manifest: Manifest, missing: list[Part], created: datetime,
                       tmp: Path, claim: _Claim) -> dict[str, Any]:
    """The run's findings stream through temporary files: each part is read, muted, spooled to disk and
    counted one batch at a time; each report is rendered once into a file and uploaded from it (to the run's
    folder and, for a daily run, which latest/ shows whole, to latest/ too) while the next one renders and
    the SLS batches go out; latest/findings.json is the spool's lines, copied. Memory holds a batch of
    findings, never the run's. Everything before claim.hold() only reads; it returns once this caller holds the
    run's claim (else it raises _NotHolder). What the first attempt fixes (the baseline of "new", the mutelist
    before) is read again once the claim is held: an attempt that held it while this one read may have fixed it."""
    run_id = manifest.run_id
    started = time.monotonic()
    mutelist, mutelist_error, mutelist_info = _mutelist(rt)
    mutelist_before, first_attempt = _mutelist_before(rt, run_id)
    today = datetime.now(timezone.utc).date()
    event = manifest.kind == "event" or manifest.narrowed  # both merge into latest/, never replace it
    # an event run reads and rewrites only the parts it re-checked (latest.py), once a whole run wrote them all
    # (an organisation deployment keeps latest/ whole: its parts would mix the accounts' findings)
    shards = rt.settings.accounts.strip() in ("", "single")
    layout = latest_parts.ready(rt) if event and shards else None  # (None: not written whole yet, or not trusted)
    by_part = layout is not None
    with contextlib.ExitStack() as stack:
        previous = stack.enter_context(Spool(tmp)) if event else None  # event runs merge into the last verdicts
        baseline = finding_ids(rt.store.fixed(baseline_key(run_id), run_id))
        fixed = baseline is not None  # (the first attempt fixes what "new" means for this run: stored below)
        # (by shards: read once the run's findings say which; "new" is counted again then)
        if not by_part and (previous is not None or not fixed):
            whole = latest_parts.ready(rt) if previous is None and shards else None
            # (the shards hold the event runs' verdicts too)
            fails = latest_parts.all_fails(rt, tmp, manifest, whole) if whole is not None else _previous(rt, previous)
            if not fixed:
                baseline = sorted(fails)
        before = set(baseline) if isinstance(baseline, list) else set()
        findings = stack.enter_context(Spool(tmp))
        tally = _Tally(tmp, before, manifest.check_ids)
        stack.callback(lambda: tally.close())

        def add(items: list[Finding]) -> None:
            mutelist.apply(items, today)
            findings.add(items)
            tally.add_all(items)

        calls, clean = 0, True
        key = seal_key(rt, manifest)  # a part whose seal does not match is another writer's: ERROR, not read
        # the parts download at once (many are small: their round trips add up), and are read in order
        fetch = ThreadPoolExecutor(max_workers=8, thread_name_prefix="aliaudit-part")
        stack.callback(fetch.shutdown, wait=True, cancel_futures=True)
        downloads = {p: fetch.submit(_download, rt, part_key(run_id, p.family, p.region, p.account),
                                     tmp / f"part-{n}.jsonl")
                     for n, p in enumerate(manifest.parts) if p not in missing}
        for p in manifest.parts:
            claim.check()
            n, ok = _part_findings(manifest, p, downloads.get(p), findings, add, key)
            calls, clean = calls + n, clean and ok
        log.info("run %s: %d findings of %d parts read in %.1f s", run_id, len(findings), len(manifest.parts),
                 time.monotonic() - started)
        if layout is not None and previous is not None:  # the last verdicts of the shards this run's findings fall in
            shard_keys = latest_parts.touched(findings.lines(), layout)
            if not _targeted(manifest):  # it re-checked whole families: every shard they can hold (a resource gone
                shard_keys |= set(latest_parts.run_keys(manifest, layout))  # since the last run: shard emptied)
            fails = latest_parts.read(rt, shard_keys, previous, tmp)
            if not fixed:
                baseline = sorted(fails)
            before, clean = set(baseline or ()), False
        claim.hold()  # every write from here on is the claim holder's
        mutelist_before, first_attempt, baseline, refixed = _fix_first(rt, run_id, mutelist_before, first_attempt,
                                                                        None if fixed else baseline)
        if refixed:  # fixed by an attempt that held the claim while this one read
            before, clean = set(baseline or ()), False
        if not clean:  # the counts saw findings a corrupt part had added before it was taken back (or "new" was not
            # known yet): count again
            tally.close()
            tally = _Tally(tmp, before, manifest.check_ids)
            tally.add_all(findings)
        expired = mutelist.apply([], today)
        new = len(tally.new_uids)
        now = datetime.now(timezone.utc)
        meta = {"account_id": manifest.account_id, "run_id": run_id, "kind": manifest.kind,
                "generated_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "regions": manifest.regions,
                "missing_parts": [p.label() for p in missing], "api_calls": calls,
                "new_fails": new, "expired_mutelist_entries": len(expired), "not_offered": manifest.not_offered}
        if mutelist_error:
            meta["mutelist_error"] = mutelist_error
        block, alert = _mutelist_verdict(mutelist_info, mutelist_before, tally.summary.muted, tally.summary.total,
                                         whole=not event)
        meta["mutelist"] = block
        text = _mutelist_text(block, alert)
        (log.warning if alert else log.info)("run %s: %s", run_id, text)
        run_fields = {"mutelist_sha256": block.get("sha256", ""), "mutelist_alert": str(bool(alert)).lower(),
                      "run_mutelist": text}
        prefix = f"reports/{created:%Y-%m-%d}/{run_id}/"  # the run's date, not the attempt's: a retry overwrites
        summaries = {prefix: tally.summary.result(meta)}
        if not event:  # latest/ shows this run whole: the same files
            summaries["latest/"] = tally.summary.result({**meta, "latest_of": run_id})
        uploads = _Uploads(rt)
        stack.callback(uploads.close)
        logs: Callable[[], int]
        if len(findings) >= rt.settings.log_process_min_findings:  # its own process: a second vCPU's work
            sender = LogProcess(rt, run_id, findings, tally.new_uids, tally.new_text(), run_fields, first_attempt)
            stack.callback(sender.stop)
            logs = sender.result
        else:
            logs = uploads.submit(send_logs, rt, run_id, findings, tally.new_uids, tally.new_text(),
                                  uploads.stop, run_fields, not event, first_attempt).result
        _put_reports(rt, uploads, tmp, findings, summaries, tally.compliance)
        if manifest.accounts:  # an organisation run: its summary, and each account's own reports
            meta["accounts"] = len(manifest.accounts)
            _put_org_reports(rt, uploads, tmp, manifest, findings, tally.org, meta, prefix)
        latest = findings
        if previous is not None and layout is not None:  # the re-checked parts' current verdicts, nothing else
            latest = stack.enter_context(Spool(tmp))
            _merge_latest(previous, findings, manifest, latest)
            previous.close()
            if _targeted(manifest):
                latest_parts.write(rt, latest.lines(), shard_keys, tmp, layout)
            else:  # it re-checked whole parts (a narrowed daily run): their counts are chosen again, as a whole run's
                layout = latest_parts.replan(layout, manifest, latest.lines(), rt.settings.latest_shard_findings)
                latest_parts.write(rt, latest.lines(), latest_parts.run_keys(manifest, layout), tmp, layout,
                                   every=True)
                latest_parts.mark_complete(rt, run_id, layout)
        elif previous is not None:
            latest = stack.enter_context(Spool(tmp))
            _merge_latest(previous, findings, manifest, latest)
            previous.close()  # (its disk is needed for the reports)
            latest_tally = _Tally(tmp)
            stack.callback(latest_tally.close)
            latest_tally.add_all(latest)
            _put_reports(rt, uploads, tmp, latest,
                         {"latest/": latest_tally.summary.result({**meta, "latest_of": run_id})},
                         latest_tally.compliance)
        if not by_part:  # latest/findings.json: a whole run's, or an event run's before the parts were written
            path = tmp / "findings.json"
            with path.open("wb") as fh:
                write_array(fh, latest.lines())
            uploads.put_file(path, [LATEST])
            if shards:  # every part's verdicts are in `latest` (an event run's merge holds the other parts too)
                layout = latest_parts.plan(latest.lines(), rt.settings.latest_shard_findings)
                latest_parts.write(rt, latest.lines(), latest_parts.run_keys(manifest, layout), tmp, layout,
                                   every=True)
        uploads.wait()
        if shards and not by_part:
            latest_parts.mark_complete(rt, run_id, layout or {})
        log.info("run %s: reports written in %.1f s", run_id, time.monotonic() - started)
        result = {"run_id": run_id, "state": "aggregated", "findings": len(findings), "logs": logs(),
                  "new_fails": new, "missing_parts": meta["missing_parts"], "reports": prefix,
                  "muted": tally.summary.muted, **({"mutelist_alert": alert} if alert else {})}
    rt.store.put_done(run_id, result)
    log.info("run %s aggregated in %.1f s: %s", run_id, time.monotonic() - started, json.dumps(result))
    return result


def _put_reports(rt: Runtime, uploads: _Uploads, tmp: Path, findings: Spool, summaries: dict[str, dict[str, Any]],
                 compliance: Compliance) -> None:
    """Each report rendered once, into a temporary file, and uploaded under every prefix (summaries: prefix ->
    its summary, the only report that differs between them)."""
    head = compliance.head()
    first = next(iter(summaries.values()))
    tmp = Path(tempfile.mkdtemp(dir=tmp))  # (the files of an earlier call may still be uploading)
    for fmt, name in writer.FORMATS.items():
        if fmt == "summary":
            for prefix, summary in summaries.items():
                rt.store.put_text(prefix + name, json.dumps(summary, indent=1))
                if prefix == "latest/":
                    _put_mutelist_state(rt, summary)
            continue
        path = tmp / name
        with path.open("w", encoding="utf-8") as fh:
            out = writer.open_writer(fmt, fh, first, head)
            for f in findings:
                out.add(f)
            out.close()
        uploads.put_file(path, [prefix + name for prefix in summaries])
    for fmt, pattern in writer.COMPLIANCE_FILES.items():
        name = pattern.format(framework=compliance.framework_id)
        path = tmp / name
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer.write_compliance(fh, compliance, fmt)
        uploads.put_file(path, [prefix + name for prefix in summaries])


def _targeted(manifest: Manifest) -> bool:
    """An event run that named its resources (it re-checked those, not the whole families)."""
    return bool(manifest.resource_ids or any(manifest.resources.values()))


def _merge_latest(previous: Spool, current: Spool, manifest: Manifest, out: Spool) -> None:
    """Event and narrowed runs replace only what they re-checked: the same check, region and resource when the
    event named resources; else every verdict of the run's checks in the run's regions (a global check's
    everywhere), found again or not (a resource deleted since leaves no verdict behind); everything else keeps
    its last verdict."""
    redone = {(f.check_id, f.region, f.resource_id) for f in current}
    checks = all_checks()
    ran = set(manifest.check_ids)
    regions = set(manifest.regions)
    accounts = {t.account_id for t in manifest.accounts}  # an organisation run's (others keep their verdicts)
    targeted = _targeted(manifest)

    def rechecked(f: Finding) -> bool:
        if (f.check_id, f.region, f.resource_id) in redone:
            return True
        if targeted or f.check_id not in ran or (accounts and f.account_id not in accounts):
            return False
        c = checks.get(f.check_id)
        return c is not None and (c.meta.scope == Scope.GLOBAL or f.region in regions)

    for batch in batches(previous):
        out.add([f for f in batch if not rechecked(f)])
    for batch in batches(current):
        out.add(batch)


def _previous(rt: Runtime, spool: Spool | None) -> set[str]:
    """The last verdicts (latest/findings.json), read one finding at a time: the uids of their unmuted FAILs,
    and (when a spool is given) the findings themselves. Unreadable ones are set aside, not fatal: a run
    replaces them."""
    fails: set[str] = set()
    try:
        with contextlib.ExitStack() as stack:
            if spool is not None:
                stack.enter_context(spool.atomic())
            batch: list[Finding] = []
            for item in array_items(_chunks(rt, LATEST)):
                f = Finding.model_validate(item)
                if f.status == Status.FAIL and not f.muted:
                    fails.add(f.uid)
                if spool is not None:
                    batch.append(f)
                    if len(batch) == BATCH:
                        spool.add(batch)
                        batch = []
            if spool is not None:
                spool.add(batch)
    except oss2.exceptions.NoSuchKey:
        return set()
    except (ValueError, ValidationError) as err:  # not JSON, not an array, a malformed finding
        log.error("ignoring the previous latest findings: %s", str(err).splitlines()[0])
        return set()
    return fails


def _chunks(rt: Runtime, key: str, size: int = 1 << 16) -> Iterator[bytes]:
    stream = rt.store.bucket.get_object(key)
    while True:
        data = stream.read(size)
        if not data:
            return
        yield data


@fc_entry
def handler(event: bytes, context: Any) -> str:
    rt = Runtime(context)
    try:
        request = parse_aggregation(event)
    except PayloadError as err:
        log.error("ignoring a malformed aggregation request: %s", err)
        return json.dumps({"ignored": str(err)})
    if request.sweep:
        _sweep_events(rt)
        runs = sorted({k.split("/")[1] for k in rt.store.keys("runs/") if k.endswith("/manifest.json")})
        results = []
        for r in runs:
            if rt.store.done(r):
                continue
            try:
                results.append(aggregate(rt, r, sweep=True))
            except Exception as err:  # one run's failure must not keep the sweep from the others
                log.error("run %s: %s", r, apierrors.describe(err))
                results.append({"run_id": r, "state": "failed", "error": apierrors.describe(err)})
        return json.dumps(results)
    return json.dumps(aggregate(rt, request.run_id or ""))


def _sweep_events(rt: Runtime) -> None:
    """Queued events whose generation nobody closed (burst.sweep); a failure here must not keep the runs' sweep."""
    from . import burst
    from .dispatcher import dispatch  # (imported here: only the sweep dispatches, and the dispatcher imports burst)

    try:
        burst.sweep(rt, dispatch)
    except Exception as err:
        log.error("cannot sweep the queued events: %s", apierrors.describe(err))


def _put_org_reports(rt: Runtime, uploads: _Uploads, tmp: Path, manifest: Manifest, findings: Spool,
                     org: org_summary.OrgSummary, meta: dict[str, Any], prefix: str) -> None:
    """The organisation summary (accounts by status and severity, worst first; the accounts that could not be
    audited and why) and each account's report set under accounts/<id>/, read from the run's spool one
    account at a time (a line is only parsed when it is that account's)."""
    for t in manifest.accounts:
        org.account(t.account_id, t.name, t.folder)
    rt.store.put_text(prefix + org_summary.FILE, json.dumps(org.result(meta), indent=1))
    for t in manifest.accounts:
        marker = f'"account_id":"{t.account_id}"'.encode()
        with Spool(tmp) as own:
            own.add(Finding.model_validate_json(line) for line in findings.lines() if marker in line)
            tally = _Tally(tmp, selected=manifest.check_ids)
            try:
                tally.add_all(own)
                summary = tally.summary.result({**meta, "account_id": t.account_id, "account_name": t.name})
                _put_reports(rt, uploads, tmp, own, {f"{prefix}accounts/{t.account_id}/": summary},
                             tally.compliance)
            finally:
                tally.close()
