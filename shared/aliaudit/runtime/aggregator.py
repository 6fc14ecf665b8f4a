"""Aggregator: when every part of a run is in (or its deadline passed: missing parts become ERROR findings),
exactly once per run (a claim in OSS, released on failure; see aggregate()), it writes the reports to OSS
(dated and latest/), one SLS log per finding, and makes sure the logstore index and the alert exist. A
timer 'sweep' finishes runs whose workers never reported, or whose aggregation failed."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timezone
from typing import Any

import oss2
from pydantic import ValidationError

from .. import apierrors
from ..checks.registry import all_checks
from ..errors import ConfigError
from ..findings import Finding, Result, Status
from ..mutelist import Mutelist
from ..reports import summary as summary_mod
from ..reports import writer
from ..reports.compliance import report as compliance_report
from ..scan import GLOBAL, _finding
from .fc_context import Runtime
from .models import Manifest, Part, PayloadError, parse_aggregation, parse_part
from .sls_sink import batches, ensure, put_findings
from .store import baseline_key, claims_prefix, done_key, logs_key, part_key

log = logging.getLogger("aliaudit.aggregator")
LATEST = "latest/findings.json"
MUTELIST_KEY = "config/mutelist.yaml"


def _missing_part_findings(manifest: Manifest, family: str, region: str, reason: str) -> list[Finding]:
    checks = all_checks()
    scope = "global" if region == GLOBAL else "regional"
    out = []
    for cid in manifest.check_ids:
        c = checks.get(cid)
        if c is not None and c.meta.family == family and c.meta.scope == scope:
            out.append(_finding(c, manifest.account_id, region, Result(
                status=Status.ERROR, resource_id=manifest.account_id if region == GLOBAL else region,
                message=reason)))
    return out


def _mutelist(rt: Runtime) -> tuple[Mutelist, str | None]:
    """The accepted risks in the bucket, and why they could not be used (a malformed file mutes nothing in
    this run, says so in the summary and the log, and does not stop the reports)."""
    import tempfile
    from pathlib import Path

    from ..mutelist import load

    where = f"oss://{rt.settings.report_bucket}/{MUTELIST_KEY}"
    try:
        raw = rt.store.bucket.get_object(MUTELIST_KEY).read()
    except oss2.exceptions.NoSuchKey:
        log.info("no mutelist at %s", where)
        return Mutelist(), None
    except oss2.exceptions.OssError as err:  # e.g. denied: nothing muted, and say so
        log.error("cannot read the mutelist at %s: %s; nothing is muted in this run", where, apierrors.describe(err))
        return Mutelist(), f"cannot read {where}: {apierrors.describe(err)}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mutelist.yaml"
        path.write_bytes(raw)
        try:
            return load(path), None
        except ConfigError as err:
            reason = str(err).replace(str(path), where)
            log.error("%s; nothing is muted in this run", reason)
            return Mutelist(), reason


def _merge_latest(previous: list[Finding], current: list[Finding], manifest: Manifest) -> list[Finding]:
    """Event runs replace only what they re-checked: the same check, region and (when the event named
    resources) resource; everything else keeps its last verdict."""
    if manifest.kind != "event":
        return current
    redone = {(f.check_id, f.region, f.resource_id) for f in current}
    checked = {(f.check_id, f.region) for f in current}
    keep = [f for f in previous if (f.check_id, f.region, f.resource_id) not in redone
            and ((f.check_id, f.region) not in checked or manifest.resource_ids)]
    return keep + current


def _part_findings(rt: Runtime, manifest: Manifest, part: Part, missing: bool) -> tuple[list[Finding], int]:
    run_id = manifest.run_id
    if missing:
        return _missing_part_findings(manifest, part.family, part.region, f"the {part.family} worker did not "
                                      f"report for {part.region} before the run's deadline"), 0
    try:
        result = parse_part(rt.store.get_json(part_key(run_id, part.family, part.region)), run_id, part)
    except PayloadError as err:  # a corrupt part must not sink the run: its checks are ERROR, with the reason
        log.error("run %s: %s", run_id, err)
        return _missing_part_findings(manifest, part.family, part.region, f"unreadable worker result: {err}"), 0
    own = [f for f in result.findings if f.family == part.family]
    if len(own) != len(result.findings):
        log.error("run %s: the %s/%s part holds findings of other families; dropped", run_id, part.family,
                  part.region)
    return own, result.calls


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
    if rt.store.exists(done_key(run_id)):
        return {"run_id": run_id, "state": "already aggregated"}
    present = set(rt.store.keys(f"runs/{run_id}/parts/"))
    missing = [p for p in manifest.parts if part_key(run_id, p.family, p.region) not in present]
    try:
        created = datetime.fromisoformat(manifest.created.replace("Z", "+00:00"))
    except ValueError:
        created = datetime.fromtimestamp(0, timezone.utc)  # an unreadable time: treat the run as overdue
    overdue = (datetime.now(timezone.utc) - created).total_seconds() > rt.settings.aggregation_deadline_seconds
    if missing and not overdue:
        return {"run_id": run_id, "state": "waiting", "missing": len(missing)}
    owner = uuid.uuid4().hex
    if not rt.store.claim(claims_prefix(run_id), owner,
                          lease_seconds=rt.settings.aggregation_lease_seconds if sweep else None):
        return {"run_id": run_id, "state": "being aggregated"}
    if rt.store.exists(done_key(run_id)):  # an earlier holder finished meanwhile
        return {"run_id": run_id, "state": "already aggregated"}
    try:
        return _aggregate_claimed(rt, manifest, missing, created)
    except Exception:
        log.error("run %s: aggregation failed; releasing the claim for a retry", run_id)
        try:
            rt.store.release(claims_prefix(run_id), owner)
        except Exception as err:  # the sweep takes the claim over once the lease ends
            log.error("run %s: cannot release the claim: %s", run_id, apierrors.describe(err))
        raise


def _aggregate_claimed(rt: Runtime, manifest: Manifest, missing: list[Part], created: datetime) -> dict[str, Any]:
    run_id = manifest.run_id
    findings: list[Finding] = []
    calls = 0
    for p in manifest.parts:
        items, n = _part_findings(rt, manifest, p, p in missing)
        findings.extend(items)
        calls += n
    mutelist, mutelist_error = _mutelist(rt)
    expired = mutelist.apply(findings, datetime.now(timezone.utc).date())
    previous = [Finding.model_validate(f) for f in _latest(rt)]
    baseline = rt.store.get_json(baseline_key(run_id))
    if not isinstance(baseline, list):  # the first attempt fixes what "new" means for this run
        baseline = sorted(f.uid for f in previous if f.status == Status.FAIL and not f.muted)
        rt.store.put_json(baseline_key(run_id), baseline)
    before = set(baseline)
    latest = _merge_latest(previous, findings, manifest)
    rank = {s: i for i, s in enumerate(["critical", "high", "medium", "low", "informational"])}
    new = sorted((f for f in findings if f.status == Status.FAIL and not f.muted and f.uid not in before),
                 key=lambda f: (rank[f.severity.value], f.check_id, f.resource_id))
    listed = "; ".join(f"{f.check_id} {f.resource_id} ({f.region})" for f in new[:20])
    new_text = f"{len(new)} new: {listed}" + (f"; and {len(new) - 20} more" if len(new) > 20 else "") if new \
        else "none"
    now = datetime.now(timezone.utc)
    meta = {"account_id": manifest.account_id, "run_id": run_id, "kind": manifest.kind,
            "generated_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "regions": manifest.regions,
            "missing_parts": [f"{p.family}/{p.region}" for p in missing], "api_calls": calls,
            "new_fails": len(new), "expired_mutelist_entries": len(expired)}
    if mutelist_error:
        meta["mutelist_error"] = mutelist_error
    run_summary = summary_mod.summarize(findings, meta)
    contents = writer.render_all(findings, list(writer.FORMATS), run_summary, compliance_report("cis_2.0", findings))
    prefix = f"reports/{created:%Y-%m-%d}/{run_id}/"  # the run's date, not the attempt's: a retry overwrites
    for name, text in contents.items():
        rt.store.put_text(prefix + name, text)
    client = rt.factory.log(rt.settings.region)
    ensure(client, rt.settings.log_project, rt.settings.findings_logstore, rt.settings.alert_name,
           rt.settings.region)
    sent = set(rt.store.keys(f"runs/{run_id}/logs/"))
    logged = 0
    for batch, items in enumerate(batches(findings)):
        if logs_key(run_id, batch) in sent:
            logged += len(items)
            continue
        logged += put_findings(client, rt.settings.log_project, rt.settings.findings_logstore, items, run_id,
                               {f.uid for f in new}, new_text)
        rt.store.put_json(logs_key(run_id, batch), {"logs": len(items)})
    latest_summary = summary_mod.summarize(latest, {**meta, "latest_of": run_id})
    for name, text in writer.render_all(latest, list(writer.FORMATS), latest_summary,
                                        compliance_report("cis_2.0", latest)).items():
        rt.store.put_text("latest/" + name, text)
    rt.store.put_json(LATEST, [f.model_dump(mode="json") for f in latest])
    result = {"run_id": run_id, "state": "aggregated", "findings": len(findings), "logs": logged,
              "new_fails": len(new), "missing_parts": meta["missing_parts"], "reports": prefix}
    rt.store.put_json(done_key(run_id), result)
    log.info("run %s aggregated: %s", run_id, json.dumps(result))
    return result


def _latest(rt: Runtime) -> list[Any]:
    """The last verdicts (latest/findings.json); unreadable ones are set aside, not fatal: a run replaces them."""
    try:
        data = rt.store.get_json(LATEST)
        if data is None:
            return []
        if not isinstance(data, list):
            raise PayloadError(f"{LATEST} is not a list of findings")
        for item in data:
            Finding.model_validate(item)
        return data
    except (PayloadError, ValidationError) as err:
        log.error("ignoring the previous latest findings: %s", str(err).splitlines()[0])
        return []


def handler(event: bytes, context: Any) -> str:
    rt = Runtime(context)
    try:
        request = parse_aggregation(event)
    except PayloadError as err:
        log.error("ignoring a malformed aggregation request: %s", err)
        return json.dumps({"ignored": str(err)})
    if request.sweep:
        runs = sorted({k.split("/")[1] for k in rt.store.keys("runs/") if k.endswith("/manifest.json")})
        results = []
        for r in runs:
            if rt.store.exists(done_key(r)):
                continue
            try:
                results.append(aggregate(rt, r, sweep=True))
            except Exception as err:  # one run's failure must not keep the sweep from the others
                log.error("run %s: %s", r, apierrors.describe(err))
                results.append({"run_id": r, "state": "failed", "error": apierrors.describe(err)})
        return json.dumps(results)
    return json.dumps(aggregate(rt, request.run_id or ""))
