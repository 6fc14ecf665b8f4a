"""Storing a part (a family's findings in one region) and telling when a run has all of its parts: shared by
the workers and by the dispatcher, which stores ERROR parts for a worker it could not invoke."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import datetime, timezone
from pathlib import Path

import oss2

from .. import apierrors
from ..reports.spool import Spool
from .fc_context import Runtime
from .models import Manifest, Part, PartHeader, PayloadError, new_seal, read_part
from .store import part_key

log = logging.getLogger("aliaudit.worker")


def run_nonce(secret: str, run_id: str) -> str:
    """The run's nonce: derived from its id under the deployment's secret, so that every delivery of the run's
    event plans it with the same one. The report bucket is versioned and OSS ignores x-oss-forbid-overwrite there
    (RunStore.put_json): two deliveries planning at once both write the manifest, and with a random nonce each, the
    parts a worker sealed under the first were refused by an aggregator that read the second. A bucket writer
    without the secret still cannot derive it, nor a part's seal."""
    return hmac.new(secret.encode(), f"aliaudit-run-nonce/{run_id}".encode(), hashlib.sha256).hexdigest()[:32]


def seal_key(rt: Runtime, manifest: Manifest) -> bytes | None:
    """The run's part seal key: HMAC of the run's nonce (in its manifest) under the deployment's secret
    (ALIAUDIT_RUN_SECRET). Only this run's workers, dispatcher and aggregator derive it; a part
    planted before the run began cannot carry a matching seal. None for a run planned without a nonce."""
    if not manifest.nonce:
        return None
    return hmac.new(rt.settings.run_secret.encode(), f"{manifest.run_id}/{manifest.nonce}".encode(),
                    hashlib.sha256).digest()


def put_part(rt: Runtime, tmp: Path, manifest: Manifest, family: str, region: str, findings: Spool, calls: int,
             account: str = "") -> None:
    run_id = manifest.run_id
    path = tmp / f"{region}.jsonl"
    header = PartHeader(run_id=run_id, family=family, region=region, calls=calls, findings=findings.total,
                        account=account)
    key = seal_key(rt, manifest)
    if key is not None:  # the seal covers the header and every line: computed first, as the header leads
        mac = new_seal(key, header)
        for line in findings.lines():
            mac.update(line.rstrip(b"\n") + b"\n")
        header.seal = mac.hexdigest()
    with path.open("wb") as out:
        out.write(header.model_dump_json().encode() + b"\n")
        for line in findings.lines():
            out.write(line)
    rt.store.put_file(part_key(run_id, family, region, account), path)
    path.unlink()
    log.info("run %s: part %s%s/%s stored, %d findings", run_id, account + "/" if account else "", family, region,
             findings.total)


def sealed(rt: Runtime, manifest: Manifest, part: Part) -> bool:
    """Whether the stored part was written by this run (its seal matches); False, with a warning, for a part
    planted or altered by another writer of the bucket (it is then audited again and overwritten)."""
    key = seal_key(rt, manifest)
    if key is None:
        return True
    try:
        _, findings = read_part(rt.store.lines(part_key(manifest.run_id, part.family, part.region, part.account)),
                                manifest.run_id, part, key, parse=False)  # (the seal alone: nothing parsed)
        for _ in findings:
            pass
        return True
    except PayloadError as err:
        log.warning("run %s: ignoring a stored part: %s", manifest.run_id, err)
        return False
    except oss2.exceptions.NoSuchKey:
        return False


def signal_if_last(rt: Runtime, manifest: Manifest) -> None:
    """Wake the aggregator when the run's last part is in (or its deadline passed)."""
    if last_part(rt, manifest):
        rt.invoke_async(rt.settings.function_prefix + "aggregator", json.dumps({"run_id": manifest.run_id}).encode())


def last_part(rt: Runtime, manifest: Manifest) -> bool:
    """Whether every part of the run is in now, or its deadline passed: then this worker signals the
    aggregator. The last worker to store its part always sees them all (its own write comes before its
    listing); the others need not wake the aggregator only for it to wait. When unsure (the listing failed),
    signal: the aggregator checks again."""
    try:
        created = datetime.fromisoformat(manifest.created.replace("Z", "+00:00"))
        if (datetime.now(timezone.utc) - created).total_seconds() > rt.settings.aggregation_deadline_seconds:
            return True
    except ValueError:
        return True
    try:
        present = set(rt.store.keys(f"runs/{manifest.run_id}/parts/"))
    except Exception as err:
        log.warning("run %s: cannot list the parts (%s); signalling the aggregator", manifest.run_id,
                    apierrors.describe(err))
        return True
    return all(part_key(manifest.run_id, p.family, p.region, p.account) in present for p in manifest.parts)
