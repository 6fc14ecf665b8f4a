"""`make demo`: the whole pipeline on the emulator's sample account.

Starts the emulator with tests/emulator/scenarios/sample.yaml plus the auditor's infrastructure, deploys
the functions from s.yaml, fires the daily timer, waits for the run, prints the summary, the reports' OSS
keys, the SLS log count and the fired alert (also written to demo-output/), then makes a bucket public
through the OSS API and shows the event-driven FAIL landing in SLS, with the time it took.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import oss2
import yaml

from aliaudit.checks import families
from aliaudit.reports.summary import render_table
from tests.emulator import Emulator, EmulatorServer, Scenario
from tests.emulator.client import AdminClient
from tests.pipeline import BUCKET, PROJECT, ROOT, add_pipeline, run_summaries

OUT = ROOT / "demo-output"
SAMPLE = ROOT / "tests" / "emulator" / "scenarios" / "sample.yaml"
ACCOUNT = "1234567890123456"
ROOT_KEY = ("LTAIsampleroot000001", "sample-root-secret-0000000000")


def _say(text: str) -> None:
    print(text, flush=True)


def _code_root() -> Path:
    """s.yaml deploys ./build/<function>; point those at the function sources (the emulator's workers
    import the installed aliaudit package, so no vendored bundle is needed locally)."""
    root = Path(tempfile.mkdtemp(prefix="aliaudit-demo-code-"))
    (root / "build").mkdir()
    for fn in (ROOT / "functions").iterdir():
        if fn.is_dir():
            (root / "build" / fn.name).symlink_to(fn)
    return root


def _scenario() -> Scenario:
    data: dict[str, Any] = yaml.safe_load(SAMPLE.read_text())
    data["accounts"][0]["regions"] = data["accounts"][0]["regions"][:3]
    add_pipeline(data)
    data["accounts"][0]["fc"]["functions"] = []  # deployed from s.yaml below
    return Scenario.model_validate(data)


def _logs(admin: AdminClient) -> list[dict[str, Any]]:
    return admin.request("GET", f"sls/logs?project={PROJECT}&logstore=findings")["logs"]


def main() -> int:
    server = EmulatorServer(Emulator(_scenario())).start()
    admin = AdminClient(server.url)
    code_root = _code_root()
    try:
        _say(f"emulator: {server.url} (sample account {ACCOUNT})")
        # s.yaml takes the run secret from the deployer's environment (README "Deploying"), as `s deploy` does
        os.environ.setdefault("ALIAUDIT_RUN_SECRET", secrets.token_hex(32))
        deployed = admin.request("POST", "fc/deploy", {"s_yaml": str(ROOT / "s.yaml"), "code_root": str(code_root)})
        _say(f"deployed from s.yaml: {', '.join(f['name'] for f in deployed.get('functions', []))}")
        started = time.monotonic()
        admin.request("POST", "fc/timers/fire", {"function": "aliaudit-dispatcher", "trigger": "daily"})
        _say("fired the daily timer; waiting for the run ...")
        assert admin.request("POST", "fc/wait", {"timeout": 300}, timeout=330)["idle"]
        invocations = admin.request("GET", "fc/invocations")["invocations"]
        _say(f"run finished in {time.monotonic() - started:.1f}s: {len(invocations)} function invocations")
        bucket = oss2.Bucket(oss2.AuthV4(*ROOT_KEY), "http://oss-cn-hangzhou.aliyuncs.com", BUCKET,
                             proxies={"http": server.url}, region="cn-hangzhou")
        runs = run_summaries(bucket)
        run_id = next(r for r in runs if r.startswith("daily-"))
        summary = runs[run_id]
        others = sorted(r for r in runs if r != run_id)
        if others:  # the pipeline's own first-run setup (logstore, index, alert) is itself audited by event
            _say(f"event-driven runs triggered meanwhile: {', '.join(others)}")
        _say("")
        _say(render_table(summary))
        missing = sorted(set(families()) - {f for f, counts in summary["by_family"].items() if any(counts.values())})
        # the sample account has resources of every family: a family without findings is a broken front door
        _say(f"\nfamilies without findings: {', '.join(missing)}" if missing
             else f"\nall {len(families())} families have findings")
        keys = [o.key for o in oss2.ObjectIterator(bucket, prefix="reports/") if f"/{run_id}/" in o.key]
        _say("\nreports in OSS (oss://" + BUCKET + "):")
        for key in keys:
            _say(f"  {key}")
        logs = _logs(admin)
        fired = admin.request("GET", f"sls/alerts/fired?project={PROJECT}")["fired"]
        _say(f"\nSLS: {len(logs)} finding logs in {PROJECT}/findings")
        for alert in fired:
            _say(f"alert fired: {json.dumps(alert.get('annotations', {}))}")
        if OUT.exists():
            shutil.rmtree(OUT)
        OUT.mkdir()
        for key in keys:
            (OUT / key.rsplit("/", 1)[1]).write_bytes(bucket.get_object(key).read())
        # the risky change: a private bucket becomes public through the OSS API
        victim = "acme-backups"
        _say(f"\nmaking oss://{victim} public-read through the OSS API ...")
        before = len(logs)
        start = time.monotonic()
        oss2.Bucket(oss2.AuthV4(*ROOT_KEY), "http://oss-cn-beijing.aliyuncs.com", victim,
                    proxies={"http": server.url}, region="cn-beijing").put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)
        landed = None
        while time.monotonic() - start < 60:
            new = [lg for lg in _logs(admin)[before:] if lg["resource_id"] == victim and lg["status"] == "FAIL"]
            if new:
                landed = time.monotonic() - start
                break
            time.sleep(0.2)
        admin.request("POST", "fc/wait", {"timeout": 60}, timeout=90)
        if landed is None:
            _say("the event-driven FAIL did not land within 60 s")
            return 1
        _say(f"event-driven re-audit: FAIL {new[0]['check_id']} for {victim} landed in SLS after {landed:.1f}s")
        result = {**summary, "run_id": run_id, "report_keys": keys, "sls_logs": len(logs),
                  "alert_fired": bool(fired), "alerts": fired, "event_fail_seconds": round(landed, 2)}
        (OUT / "summary.json").write_text(json.dumps(result, indent=1))
        _say(f"\nwrote {OUT}/ (summary.json with counts and alert_fired, and the reports)")
        return 0
    finally:
        server.stop()
        shutil.rmtree(code_root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
