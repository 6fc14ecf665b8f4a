"""The run's state in the report bucket: manifest, parts, the exactly-once aggregation marker, reports."""

from __future__ import annotations

import json
from typing import Any

import oss2

from ..clients import ClientFactory


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
        try:
            return json.loads(self.bucket.get_object(key).read())
        except oss2.exceptions.NoSuchKey:
            return None

    def exists(self, key: str) -> bool:
        return bool(self.bucket.object_exists(key))

    def keys(self, prefix: str) -> list[str]:
        return [o.key for o in oss2.ObjectIterator(self.bucket, prefix=prefix)]


def manifest_key(run_id: str) -> str:
    return f"runs/{run_id}/manifest.json"


def part_key(run_id: str, family: str, region: str) -> str:
    return f"runs/{run_id}/parts/{family}/{region}.json"


def marker_key(run_id: str) -> str:
    return f"runs/{run_id}/aggregated.json"
