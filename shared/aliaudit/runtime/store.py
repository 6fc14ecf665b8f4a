"""The run's state in the report bucket: manifest, parts, the aggregation claims and done marker, reports."""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any

import oss2

from ..clients import ClientFactory
from ..clients_oss import OSS_RETRYABLE_STATUS, RetryingOssSession, throttling_answer
from ..throttle import backoff_seconds
from .models import (
    MAX_LINE_BYTES,
    OBJECT_MAC,
    Manifest,
    PayloadError,
    mac_matches,
    object_mac,
    parse_manifest,
    with_mac,
)
from .settings import oss_endpoint

log = logging.getLogger("aliaudit.store")
# The largest JSON object the runtime reads (manifests, marks, baselines, summaries): an organisation run's manifest
# of 50 accounts, 31 families and 24 regions is about 3 MB, a full-size baseline of 60,000 FAILs about 2.5 MB
MAX_JSON_BYTES = 64 << 20
# A JSON object without the MAC of its bytes (object_mac: an object written before they carried it, or planted) is
# parsed only up to this size, so its parsing takes a few dozen MiB at most; what it says still counts only with the
# MAC inside it (with_mac), as before
UNMARKED_JSON_BYTES = 1 << 20
_HEX_MAC = re.compile(r"[0-9a-f]{64}")  # (a header of other characters is no MAC: compare_digest takes ASCII only)
# The largest part read (downloaded by the aggregator, read back by its worker): a generated full-size account's
# largest (RAM, 5,000 users) is estimated at 30 MB (about 50,000 findings of 600 bytes); a larger object at a part's
# key is another writer's, and must not fill the function's /tmp (512 MB by default) or memory
MAX_PART_BYTES = 128 << 20

CLAIM, TICK, RELEASED = "claim-", "tick-", "released-"  # the objects of RunStore.claim, by caller
COPY_LIMIT = 1 << 30  # the largest object CopyObject copies (beyond it OSS needs a multipart copy)


SMALL_FILE = 4 << 20  # bytes: a file this small is uploaded from memory, within the adaptive limit
# Throttled answers in a row a run-state request takes before giving up (the audit's own calls take the settings'
# max_attempts, 5): OSS's object quota is the account's (TotalQpsLimitExceeded), shared with every function of the
# run and whatever else the account runs, so a function that sees its own requests throttled cannot tell how long
# the others will hold it; and giving up costs more than waiting: a worker's part, a claim or a batch's sent mark not
# written fails the invocation (FC runs it all again), and a sent mark lost sends that batch of SLS logs twice. With
# the default 200 ms first step (doubling, capped at 10 s) this waits about 45 s before giving up.
RUN_STATE_THROTTLE_ATTEMPTS = 12


class ForeignObject(PayloadError):
    """A stored object this deployment did not write (get_json: its bytes' MAC is missing or does not match)."""


class RunStore:
    def __init__(self, factory: ClientFactory, bucket: str, region: str, secret: str) -> None:
        if not secret:  # (settings.run_secret requires it)
            raise ValueError("a run store needs the deployment's run secret")
        b = factory.oss_bucket(bucket, region)
        # the factory's client (credentials, adaptive limits, proxy, timeouts) on the endpoint the runtime chooses:
        # the internal one inside FC (settings.oss_endpoint), with a longer patience for throttling
        session = RetryingOssSession(factory.settings, factory.limits, factory.count, factory.renew_credentials,
                                     throttle_attempts=RUN_STATE_THROTTLE_ATTEMPTS)
        self.bucket = oss2.Bucket(b.auth, oss_endpoint(region, os.environ, factory.settings.protocol), b.bucket_name,
                                  session=session, connect_timeout=b.timeout, proxies=b.proxies, region=b.region)
        self._secret = secret  # ALIAUDIT_RUN_SECRET: manifests are trusted only with its MAC
        self._settings = factory.settings
        self._files: oss2.Bucket | None = None

    def put_file(self, key: str, path: str | os.PathLike[str]) -> None:
        """Upload a local file streamed from disk: a large report never sits in memory (the factory's session
        reads a body whole, to send it again on a retry). Retried here instead, reading the file anew: 5xx and 429
        (throttling included) and transport errors, with the factory's attempts and backoff. A small file goes
        through the factory's session instead: within PutObject's adaptive limit, which many uploads at once (the
        latest/ shards) must share rather than each meet throttling alone."""
        if os.path.getsize(path) <= SMALL_FILE:
            with open(path, "rb") as fh:
                self.bucket.put_object(key, fh.read())
            return
        if self._files is None:
            b = self.bucket
            self._files = oss2.Bucket(b.auth, b.endpoint, b.bucket_name, session=oss2.Session(),
                                      connect_timeout=b.timeout, proxies=b.proxies, region=b.region)
        attempt = 0
        while True:
            attempt += 1
            try:
                with open(path, "rb") as fh:
                    self._files.put_object(key, fh)
                return
            except (oss2.exceptions.RequestError, oss2.exceptions.ServerError) as err:
                transient = isinstance(err, oss2.exceptions.RequestError) or err.status in OSS_RETRYABLE_STATUS
                throttled = throttling_answer(getattr(err, "status", 0), getattr(err, "code", ""))
                if not transient or attempt >= (RUN_STATE_THROTTLE_ATTEMPTS if throttled
                                                else self._settings.max_attempts):
                    raise
            time.sleep(backoff_seconds(self._settings.backoff_ms, attempt))

    def put_file_as(self, keys: list[str], path: str | os.PathLike[str]) -> None:
        """The file under every key: uploaded once, then copied inside OSS (a report of hundreds of MB is not
        sent, checksummed and stored again for latest/); a file too large to copy is uploaded again."""
        first, *rest = keys
        self.put_file(first, path)
        small = os.path.getsize(path) <= COPY_LIMIT
        for key in rest:
            if small:
                self.bucket.copy_object(self.bucket.bucket_name, first, key)
            else:
                self.put_file(key, path)

    def get_file(self, key: str, path: str | os.PathLike[str], limit: int | None = None) -> None:
        """The object into a local file, streamed; NoSuchKey when there is none; PayloadError (the file removed) when
        it is larger than limit bytes, read no further: a planted object must not fill the function's /tmp."""
        if limit is None:
            self.bucket.get_object_to_file(key, os.fspath(path))
            return
        body = self.bucket.get_object(key)  # (NoSuchKey before any file is made)
        try:
            with open(path, "wb") as out:
                for chunk in self._chunks(body, key, limit):
                    out.write(chunk)
        except PayloadError:
            os.remove(path)
            raise

    def _chunks(self, body: Any, key: str, limit: int) -> Iterator[bytes]:
        """An object's body as it arrives; PayloadError once it passes limit bytes, read no further."""
        size = 0
        while chunk := body.read(1 << 20):
            size += len(chunk)
            if size > limit:
                body.close()
                raise PayloadError(f"oss://{self.bucket.bucket_name}/{key} is larger than {limit >> 20} MiB: not read")
            yield chunk

    def lines(self, key: str, limit: int = MAX_PART_BYTES) -> Iterator[bytes]:
        """The object's lines (without the newline), read as they arrive; NoSuchKey when there is none;
        PayloadError, read no further, past limit bytes or at a line longer than MAX_LINE_BYTES (a planted object
        must not exhaust the function's memory: a worker reads its stored part back to check the seal)."""
        body = self.bucket.get_object(key)
        rest = b""
        for data in self._chunks(body, key, limit):
            *whole, rest = (rest + data).split(b"\n")
            if len(rest) > MAX_LINE_BYTES:
                body.close()
                raise PayloadError(f"oss://{self.bucket.bucket_name}/{key} has a line longer than "
                                   f"{MAX_LINE_BYTES >> 20} MiB: not read")
            yield from whole
        if rest:
            yield rest

    def put_json(self, key: str, data: Any, *, exclusive: bool = False) -> bool:
        """Write a JSON object. exclusive=True asks OSS not to overwrite an existing key (x-oss-forbid-overwrite;
        False when OSS refused). That is no guarantee here: OSS ignores the header in a bucket with versioning
        enabled or suspended (OSS PutObject API reference), and the report bucket is versioned, so on it a second
        writer simply adds a version. Callers must tolerate that (the dispatcher's manifest: both writers write the
        same run's plan and the workers are idempotent); what must happen once goes through claim()."""
        return self.put_text(key, json.dumps(data, indent=1), exclusive=exclusive)

    def put_text(self, key: str, text: str, *, exclusive: bool = False, content_type: str | None = None) -> bool:
        raw = text.encode()
        headers = {OBJECT_MAC: object_mac(self._secret, key, raw)}  # (get_json reads only what carries it)
        if exclusive:
            headers["x-oss-forbid-overwrite"] = "true"
        if content_type:
            headers["Content-Type"] = content_type
        try:
            self.bucket.put_object(key, raw, headers=headers)
        except oss2.exceptions.ServerError as err:
            if exclusive and err.status == 409:
                return False
            raise
        return True

    def get_json(self, key: str) -> Any | None:
        """The object's JSON, None when there is no such object; PayloadError, before any parsing, when the MAC of its
        bytes (object_mac) does not match, or it carries none and is larger than UNMARKED_JSON_BYTES, or it is larger
        than MAX_JSON_BYTES (read no further), and when it is not JSON: anyone who can write to the bucket could
        otherwise exhaust the memory of every function that reads the object, on every attempt. (A small object
        without the MAC, as this deployment wrote them before they carried it, is parsed: its own MAC, with_mac,
        still decides whether it counts.)"""
        try:
            body = self.bucket.get_object(key)
        except oss2.exceptions.NoSuchKey:
            return None
        where = f"oss://{self.bucket.bucket_name}/{key}"
        claimed = str(body.headers.get(OBJECT_MAC, ""))
        if not claimed:  # (written before objects carried the MAC, or planted: parsed only when small)
            try:
                raw = b"".join(self._chunks(body, key, UNMARKED_JSON_BYTES))
            except PayloadError:
                raise ForeignObject(f"{where} was not written by this deployment (it carries no MAC and is larger "
                                    f"than {UNMARKED_JSON_BYTES >> 20} MiB): not read") from None
        else:
            raw = b"".join(self._chunks(body, key, MAX_JSON_BYTES))
            if not (_HEX_MAC.fullmatch(claimed) and hmac.compare_digest(claimed, object_mac(self._secret, key, raw))):
                raise ForeignObject(f"{where} was not written by this deployment (its MAC does not match): not "
                                    "parsed")
        try:
            return json.loads(raw)
        except (ValueError, RecursionError) as err:
            raise PayloadError(f"oss://{self.bucket.bucket_name}/{key} is not JSON ({str(err)[:120]})") from None

    def claim(self, prefix: str, owner: str, *, lease_seconds: float | None = None,
              poll_seconds: float = 0.1, give_up_seconds: float = 10.5) -> bool:
        """Claim something only one caller may do (aggregate a run); True if this caller holds the claim.

        The report bucket is versioned, and OSS ignores forbid-overwrite on versioned buckets, so a claim
        cannot be a create-if-absent PUT. Each caller writes its own claim object under prefix instead, waits
        until the server's clock (OSS's Last-Modified, whole seconds) has moved past it, and lists: every claim
        written in or before that second is then visible to every caller, any later one sorts after it, so all
        callers agree that the earliest claim (Last-Modified, then name) that is neither released nor older
        than lease_seconds holds. A caller that does not hold releases its own claim at once.

        The wait is for the next second of OSS's clock, which may be a few milliseconds or a whole second away:
        a tick is written every poll_seconds until its answer's Date (OSS's clock, whole seconds, as every
        answer carries it: OSS API reference, "Common HTTP headers",
        https://help.aliyun.com/document_detail/31955.htm) is past the claim's, then the listing confirms it by
        Last-Modified (on average half a second instead of a second). An answer without a Date falls back to
        waiting a whole second."""
        mine, tick = f"{prefix}{CLAIM}{owner}", f"{prefix}{TICK}{owner}"
        claimed = self._put_at(mine, with_mac(self._secret, {"owner": owner, "claim": prefix}))
        listing: dict[str, float] = {}
        deadline = time.monotonic() + give_up_seconds
        while True:
            if time.monotonic() > deadline:
                self.release(prefix, owner)
                return False
            time.sleep(poll_seconds if claimed is not None else 1.05)
            ticked = self._put_at(tick, {})
            if claimed is not None and ticked is not None and ticked <= claimed:
                continue  # OSS's clock is still in the claim's second
            listing = {o.key: float(o.last_modified) for o in self._objects(prefix)}
            if mine in listing and listing.get(tick, 0) > listing[mine]:
                break
        now = listing[tick]  # the server's time
        released = {k[len(prefix) + len(RELEASED):] for k in listing if k.startswith(prefix + RELEASED)}
        claims = sorted((modified, k[len(prefix) + len(CLAIM):]) for k, modified in listing.items()
                        if k.startswith(prefix + CLAIM))
        for modified, who in claims:
            if who == owner:
                return True
            if lease_seconds is not None and now - modified > lease_seconds:
                continue  # its holder died
            if who in released and self._ours(f"{prefix}{RELEASED}{who}", who, prefix):
                continue  # given up
            if not self._ours(f"{prefix}{CLAIM}{who}", who, prefix):
                continue  # planted: it must not keep the run from being aggregated
            break
        self.release(prefix, owner)  # someone else holds: ours must not block the callers after us
        return False

    def _put_at(self, key: str, data: Any) -> float | None:
        """Write a JSON object; OSS's clock as it answered (its Date: whole seconds), None without one."""
        raw = json.dumps(data).encode()
        result = self.bucket.put_object(key, raw, headers={OBJECT_MAC: object_mac(self._secret, key, raw)})
        try:
            return parsedate_to_datetime(result.headers.get("Date", "")).timestamp()
        except (TypeError, ValueError):
            return None

    def release(self, prefix: str, owner: str) -> None:
        """Give up our claim (after a failure, or when someone else holds), for the callers after us."""
        self.put_json(f"{prefix}{RELEASED}{owner}", with_mac(self._secret, {"owner": owner, "claim": prefix}))

    def _ours(self, key: str, owner: str, prefix: str) -> bool:
        """Whether a claim's or release's object was written by this deployment for this caller and claim: a claim
        planted and rewritten now and then would keep a run from ever being aggregated, a planted release would let
        two callers hold at once."""
        return self.signed(key, "a claim or release", owner=owner, claim=prefix) is not None

    def manifest(self, run_id: str) -> Manifest | None:
        """The run's manifest, None if the run is unknown; PayloadError if what is stored is malformed."""
        raw = self.get_json(manifest_key(run_id))
        return None if raw is None else parse_manifest(raw, run_id, self._secret)

    def put_dispatched(self, run_id: str, parts: int) -> None:
        self.put_json(dispatched_key(run_id), with_mac(self._secret, {"run_id": run_id, "parts": parts}))

    def dispatched(self, run_id: str) -> bool:
        """Whether the run was dispatched in full: its mark exists and this deployment wrote it; a planted mark
        must not make the real run a 'duplicate'."""
        return self.signed(dispatched_key(run_id), "a dispatch mark", run_id=run_id) is not None

    def put_fixed(self, key: str, run_id: str, value: Any) -> None:
        """A value a run's first attempt fixes for its retries (what "new" means, the mutelist before), with its MAC
        under the deployment's secret."""
        self.put_json(key, with_mac(self._secret, {"run_id": run_id, "value": value}))

    def fixed(self, key: str, run_id: str) -> Any | None:
        """The value put_fixed stored for this run; None when there is none, or it is not JSON, or this deployment
        did not write it for this run (logged): a planted baseline would decide which FAILs count as new, and a
        malformed one stopped every attempt to aggregate the run."""
        data = self.signed(key, "a value", run_id=run_id)
        return data.get("value") if data is not None else None

    def put_done(self, run_id: str, result: dict[str, Any]) -> None:
        """The run's done marker (done_key), with its MAC under the deployment's secret."""
        self.put_json(done_key(run_id), with_mac(self._secret, {**result, "run_id": run_id}))

    def done(self, run_id: str) -> bool:
        """Whether the run is aggregated: its done marker exists and this deployment wrote it for this run. A marker
        anyone else planted (the bucket's other writers: docs/security.md) would otherwise make every worker skip
        the run and the aggregator and the sweep pass it by: a day with no findings, no reports and no alert. It is
        logged and ignored; the real marker overwrites it."""
        return self.signed(done_key(run_id), "a done marker", run_id=run_id) is not None

    def signed(self, key: str, what: str, **bound: Any) -> dict[str, Any] | None:
        """The JSON object at key if this deployment wrote it (its MAC under the deployment's secret) with these
        field values (what it is bound to: a run, a caller and claim, a generation); None when there is none, and
        (logged, naming `what`) when it is not JSON or another writer's, or was written for something else."""
        try:
            data = self.get_json(key)
        except ForeignObject:
            data = {}
        except PayloadError as err:
            log.warning("ignoring %s: %s", what, err)
            return None
        if data is None:
            return None
        if isinstance(data, dict) and all(data.get(k) == v for k, v in bound.items()) \
                and mac_matches(self._secret, data):
            return data
        log.warning("ignoring %s this deployment did not write%s (%s)", what,
                    "".join(f" for {k} {v}" for k, v in bound.items()), key)
        return None

    def put_manifest(self, manifest: Manifest) -> bool:
        """Write the run's manifest once (False if it exists), with its MAC under the deployment's secret."""
        return self.put_json(manifest_key(manifest.run_id), with_mac(self._secret, manifest.model_dump(mode="json")),
                             exclusive=True)

    def exists(self, key: str) -> bool:
        return bool(self.bucket.object_exists(key))

    def _objects(self, prefix: str) -> oss2.ObjectIterator:
        """The objects under prefix, a thousand a page (ListObjects' max-keys: 1 to 1000, default 100; OSS API
        reference, ListObjects (GetBucket)): a daily run lists hundreds of parts and shards."""
        return oss2.ObjectIterator(self.bucket, prefix=prefix, max_keys=1000)

    def keys(self, prefix: str) -> list[str]:
        return [o.key for o in self._objects(prefix)]

    def sizes(self, prefix: str) -> dict[str, int]:
        """Every object under prefix and its size in bytes (ListObjects' Size)."""
        return {o.key: int(o.size) for o in self._objects(prefix)}

    def listing(self, prefix: str) -> list[tuple[str, float]]:
        """(key, Last-Modified) of every object under prefix, in key order. Last-Modified is the server's clock in
        whole seconds (ListObjects' LastModified): callers that order by it break ties themselves."""
        return [(o.key, float(o.last_modified)) for o in self._objects(prefix)]


def manifest_key(run_id: str) -> str:
    return f"runs/{run_id}/manifest.json"


def part_key(run_id: str, family: str, region: str, account: str = "") -> str:
    """A part's object; an organisation run's parts are per member account too."""
    return f"runs/{run_id}/parts/{family}/{account + '/' if account else ''}{region}.json"


def claims_prefix(run_id: str) -> str:
    """Where aggregators claim the run (RunStore.claim)."""
    return f"runs/{run_id}/claims/"


def done_key(run_id: str) -> str:
    """Written last, when every report and log of the run is out: the run is aggregated, exactly once."""
    return f"runs/{run_id}/aggregated.json.done"


def dispatched_key(run_id: str) -> str:
    """Written when the dispatcher invoked every part's worker: a later delivery of the event has nothing to do."""
    return f"runs/{run_id}/dispatched.json"


def logs_key(run_id: str, batch: int) -> str:
    """One per batch of findings put into SLS: an aggregation retried after a failure skips the batches
    already sent."""
    return f"runs/{run_id}/logs/{batch:05d}.json"


def baseline_key(run_id: str) -> str:
    """The unmuted FAILs before this run (what "new" is measured against), fixed by the first attempt."""
    return f"runs/{run_id}/baseline.json"
