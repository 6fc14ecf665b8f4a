"""Aggregator: when every part of a run is in (or its deadline passed: missing parts become ERROR findings),
exactly once per run (a forbid-overwrite marker in OSS), it writes the reports to OSS (dated and latest/),
one SLS log per finding, and makes sure the logstore index and the alert exist. A timer 'sweep' finishes
runs whose workers never reported."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any

from ..checks.registry import all_checks
from ..findings import Finding, Result, Status
from ..mutelist import Mutelist
from ..reports import summary as summary_mod
from ..reports import writer
from ..reports.compliance import report as compliance_report
from ..scan import GLOBAL, _finding
from .fc_context import Runtime
from .models import Manifest, PartResult
from .sls_sink import ensure, put_findings
from .store import manifest_key, marker_key, part_key

log = logging.getLogger("aliaudit.aggregator")
LATEST = "latest/findings.json"
MUTELIST_KEY = "config/mutelist.yaml"


def _missing_part_findings(manifest: Manifest, family: str, region: str) -> list[Finding]:
    checks = all_checks()
    scope = "global" if region == GLOBAL else "regional"
    out = []
    for cid in manifest.check_ids:
        c = checks[cid]
        if c.meta.family == family and c.meta.scope == scope:
            out.append(_finding(c, manifest.account_id, region, Result(
                status=Status.ERROR, resource_id=manifest.account_id if region == GLOBAL else region,
                message=f"the {family} worker did not report for {region} before the run's deadline")))
    return out


def _mutelist(rt: Runtime) -> Mutelist:
    import tempfile
    from pathlib import Path

    from ..mutelist import load

    try:
        text = rt.store.bucket.get_object(MUTELIST_KEY).read().decode()
    except Exception:  # no mutelist configured (or unreadable): nothing muted, and say so
        log.info("no mutelist at oss://%s/%s", rt.settings.report_bucket, MUTELIST_KEY)
        return Mutelist()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mutelist.yaml"
        path.write_text(text)
        return load(path)


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


def aggregate(rt: Runtime, run_id: str, *, sweep: bool = False) -> dict[str, Any]:
    raw = rt.store.get_json(manifest_key(run_id))
    if raw is None:
        return {"run_id": run_id, "state": "unknown run"}
    manifest = Manifest.model_validate(raw)
    if rt.store.exists(marker_key(run_id)):
        return {"run_id": run_id, "state": "already aggregated"}
    present = set(rt.store.keys(f"runs/{run_id}/parts/"))
    missing = [p for p in manifest.parts if part_key(run_id, p.family, p.region) not in present]
    created = datetime.fromisoformat(manifest.created.replace("Z", "+00:00"))
    overdue = (datetime.now(timezone.utc) - created).total_seconds() > rt.settings.aggregation_deadline_seconds
    if missing and not overdue:
        return {"run_id": run_id, "state": "waiting", "missing": len(missing)}
    if not rt.store.put_json(marker_key(run_id), {"state": "aggregating"}, exclusive=True):
        return {"run_id": run_id, "state": "already aggregated"}
    findings: list[Finding] = []
    calls = 0
    for p in manifest.parts:
        if p in missing:
            findings.extend(_missing_part_findings(manifest, p.family, p.region))
            continue
        part = PartResult.model_validate(rt.store.get_json(part_key(run_id, p.family, p.region)))
        findings.extend(part.findings)
        calls += part.calls
    expired = _mutelist(rt).apply(findings, datetime.now(timezone.utc).date())
    previous = [Finding.model_validate(f) for f in rt.store.get_json(LATEST) or []]
    before = {f.uid for f in previous if f.status == Status.FAIL and not f.muted}
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
    run_summary = summary_mod.summarize(findings, meta)
    contents = writer.render_all(findings, list(writer.FORMATS), run_summary, compliance_report("cis_2.0", findings))
    prefix = f"reports/{now:%Y-%m-%d}/{run_id}/"
    for name, text in contents.items():
        rt.store.put_text(prefix + name, text)
    latest_summary = summary_mod.summarize(latest, {**meta, "latest_of": run_id})
    for name, text in writer.render_all(latest, list(writer.FORMATS), latest_summary,
                                        compliance_report("cis_2.0", latest)).items():
        rt.store.put_text("latest/" + name, text)
    rt.store.put_json(LATEST, [f.model_dump(mode="json") for f in latest])
    client = rt.factory.log(rt.settings.region)
    ensure(client, rt.settings.log_project, rt.settings.findings_logstore, rt.settings.alert_name,
           rt.settings.region)
    logged = put_findings(client, rt.settings.log_project, rt.settings.findings_logstore, findings, run_id,
                          {f.uid for f in new}, new_text)
    result = {"run_id": run_id, "state": "aggregated", "findings": len(findings), "logs": logged,
              "new_fails": len(new), "missing_parts": meta["missing_parts"], "reports": prefix}
    rt.store.put_json(marker_key(run_id) + ".done", result)
    log.info("run %s aggregated: %s", run_id, json.dumps(result))
    return result


def handler(event: bytes, context: Any) -> str:
    rt = Runtime(context)
    try:
        payload = json.loads(event or b"{}")
        if isinstance(payload, dict) and "triggerName" in payload:  # the sweep timer
            payload = {"sweep": True}
        if not isinstance(payload, dict) or not (payload.get("sweep") or isinstance(payload.get("run_id"), str)):
            raise ValueError("expected {\"run_id\": ...} or {\"sweep\": true}")
    except ValueError as err:
        log.error("ignoring a malformed aggregation request: %s", err)
        return json.dumps({"ignored": str(err)})
    if payload.get("sweep"):
        runs = sorted({k.split("/")[1] for k in rt.store.keys("runs/") if k.endswith("/manifest.json")})
        return json.dumps([aggregate(rt, r, sweep=True) for r in runs
                           if not rt.store.exists(marker_key(r))])
    return json.dumps(aggregate(rt, payload["run_id"]))
