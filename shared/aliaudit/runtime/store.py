"""The run's state in the report bucket: manifest, parts, the exactly-once aggregation marker, reports."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import oss2

from ..clients import ClientFactory
from .models import Manifest, PayloadError, parse_manifest


class RunStore:
    def __init__(self, factory: ClientFactory, bucket: str, region: str) -> None:
        self.bucket = factory.oss_bucket(bucket, region)

    def put_json(self, key: str, data: Any, *, exclusive: bool = False) -> bool:
        """Write a JSON object; with exclusive=True only if the key does not exist yet (False if it did):
        OSS's forbid-overwrite put makes this atomic, so two racing writers cannot both win."""
        return self.put_text(key, json.dumps(data, indent=1), exclusive=exclusive)

    def put_text(self, key: str, text: str, *, exclusive: bool = False, content_type: str | None = None) -> bool:
        headers = {"x-oss-forbid-overwrite": "true"} if exclusive else {}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            self.bucket.put_object(key, text.encode(), headers=headers)
        except oss2.exceptions.ServerError as err:
            if exclusive and err.status == 409:
                return False
            raise
        return True

    def get_json(self, key: str) -> Any | None:
        """The object's JSON, None when there is no such object; PayloadError when it is not JSON."""
        try:
            raw = self.bucket.get_object(key).read()
        except oss2.exceptions.NoSuchKey:
            return None
        try:
            return json.loads(raw)
        except (ValueError, RecursionError) as err:
            raise PayloadError(f"oss://{self.bucket.bucket_name}/{key} is not JSON ({str(err)[:120]})") from None

    def claim(self, key: str, owner: str, *, take_over: Callable[[dict[str, Any]], bool] | None = None) -> bool:
        """Write {"owner": owner, "claimed": <now>} to key if nobody holds it; True if we hold it then.

        A forbid-overwrite PUT that timed out may still have landed and its retry answers 409: reading the
        owner back tells ours from someone else's. take_over(current) may allow replacing a released or
        stale claim (the caller decides what is stale)."""
        record = {"owner": owner, "claimed": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
        if self.put_json(key, record, exclusive=True):
            return True
        try:
            current = self.get_json(key)
        except PayloadError:
            current = None  # an unreadable claim holds nothing
        if isinstance(current, dict) and current.get("owner") == owner:
            return True
        if not isinstance(current, dict) or current.get("released") or (take_over and take_over(current)):
            self.put_json(key, record)
            return True
        return False

    def manifest(self, run_id: str) -> Manifest | None:
        """The run's manifest, None if the run is unknown; PayloadError if what is stored is malformed."""
        raw = self.get_json(manifest_key(run_id))
        return None if raw is None else parse_manifest(raw, run_id)

    def exists(self, key: str) -> bool:
        return bool(self.bucket.object_exists(key))

    def keys(self, prefix: str) -> list[str]:
        return [o.key for o in oss2.ObjectIterator(self.bucket, prefix=prefix)]


def manifest_key(run_id: str) -> str:
    return f"runs/{run_id}/manifest.json"


def part_key(run_id: str, family: str, region: str) -> str:
    return f"runs/{run_id}/parts/{family}/{region}.json"


def marker_key(run_id: str) -> str:
    """The aggregation claim: held (owner, time) while a run is aggregated, {"released": true} after a failure."""
    return f"runs/{run_id}/aggregated.json"


def done_key(run_id: str) -> str:
    """Written last, when every report and log of the run is out: the run is aggregated, exactly once."""
    return marker_key(run_id) + ".done"


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
