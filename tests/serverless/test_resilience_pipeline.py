"""Resilience of the serverless pipeline in the emulator, and secrets.

One deployment serves the module (cold starts are the expensive part): a fault-free daily run ("manual-clean"),
then the same run under faults ("manual-faulty"): 5% 5xx, 5% calls slower than the functions' read timeout, a
region down, a worker instance that dies mid-run, and duplicate deliveries of the dispatcher's event, the
workers' tasks and the aggregator's request. Then malformed payloads and stored objects, and a scan of
everything written for the secrets the emulator issued."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import oss2
import pytest
from alibabacloud_fc20230330 import models as fc_models
from alibabacloud_fc20230330.client import Client as FcClient
from darabonba.runtime import RuntimeOptions

from aliaudit.findings import Finding, Status
from aliaudit.runtime.models import PartHeader, new_seal
from aliaudit.runtime.sls_sink import alert_config, index_config
from tests.emulator import EmulatorServer
from tests.emulator.client import AdminClient
from tests.pipeline import (
    BUCKET,
    PROJECT,
    RUN_SECRET,
    add_pipeline,
    pop_config_for,
    put_signed,
    read_json,
    reports_bucket,
    writer_bucket,
)
from tests.resilience import (
    AUDITOR_AK,
    AUDITOR_SECRET,
    DOWN,
    ROLE_ARN,
    assert_summary_counts,
    compare,
    from_ocsf,
    issued_secrets,
    leaks,
    world,
)
from tests.sdk import load

CRASH_FAMILY = "kms"  # one of its instances dies mid-run, once
RUN_REGIONS = ["cn-hangzhou", DOWN]  # (two of the account's regions keep the cold starts few)
CRASHING_WORKER = '''"""Test double: the worker, but an armed instance dies after its scan, before storing its part."""
import os
from pathlib import Path

from aliaudit.runtime import store
from aliaudit.runtime.worker import handler as _handler

_ARM = Path(os.environ["RESILIENCE_CRASH_ARM"])
_put_file = store.RunStore.put_file


def _dying_put_file(self, key, path):
    if "/parts/" in key and _ARM.exists():
        try:
            _ARM.unlink()
        except FileNotFoundError:
            pass
        os._exit(70)  # the process is gone: no result, no exception anyone could catch
    return _put_file(self, key, path)


store.RunStore.put_file = _dying_put_file


def handler(event, context):
    return _handler(event, context)
'''


class Pipeline:
    """The deployed pipeline and what its runs left behind."""

    def __init__(self, server: EmulatorServer, data: dict[str, Any], arm: Path) -> None:
        self.server, self.data, self.arm = server, data, arm
        self.admin = AdminClient(server.url)
        self.fc = FcClient(pop_config_for(server.url))
        self.throttled: dict[str, int] = {}  # throttled answers per API, by the end of the faulty run

    def invoke(self, function: str, payload: Any, *, asynchronous: bool = True) -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = fc_models.InvokeFunctionHeaders(x_fc_invocation_type="Async" if asynchronous else "Sync")
        for attempt in range(10):  # the test's own calls meet the injected faults too
            try:
                # (a synchronous call waits for the function: longer than the SDK's default read timeout of 10 s
                # on a loaded machine, and a timed-out call retried here would invoke it twice)
                self.fc.invoke_function_with_options(function, fc_models.InvokeFunctionRequest(
                    body=io.BytesIO(body)), headers, RuntimeOptions(read_timeout=None if asynchronous else 300_000))
                return
            except Exception:
                if attempt == 9:
                    raise
                time.sleep(0.2)

    def invocations(self, function: str | None = None) -> list[dict[str, Any]]:
        path = "fc/invocations" + (f"?function={function}" if function else "")
        return self.admin.request("GET", path)["invocations"]

    def wait(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while not self.admin.request("POST", "fc/wait", {"timeout": 40})["idle"]:  # the admin socket allows 60 s
            assert time.monotonic() < deadline, "the pipeline did not settle"

    def bucket(self) -> oss2.Bucket:
        return reports_bucket(self.server.url)

    def writer(self) -> oss2.Bucket:
        """A role session that may write run state (the bucket policy refuses long-term keys under runs/)."""
        return writer_bucket(self.server.url)

    def objects(self) -> dict[str, bytes]:
        b = self.bucket()
        return {o.key: b.get_object(o.key).read() for o in oss2.ObjectIterator(b)}

    def report(self, run_id: str) -> tuple[list[Finding], dict[str, Any]]:
        prefix = f"reports/{date.today():%Y-%m-%d}/{run_id}/"
        ocsf = read_json(self.bucket(), prefix + "aliaudit.ocsf.json")
        return [from_ocsf(i) for i in ocsf], read_json(self.bucket(), prefix + "aliaudit.summary.json")

    def logs(self) -> list[dict[str, Any]]:
        return self.admin.request("GET", f"sls/logs?project={PROJECT}&logstore=findings")["logs"]


def _deploy(server: EmulatorServer, code: Path, arm: Path) -> dict[str, Any]:
    data = world()
    add_pipeline(data, deadline=900, bucket_writer=True)  # objects planted under runs/: writer()
    acct = data["accounts"][0]
    # the findings logstore, its index and the alert exist already (a first run creates them): both runs
    # then audit the same account
    project = next(p for p in acct["sls"]["projects"] if p["name"] == PROJECT)
    project["logstores"] = [{"name": "findings", "ttl": 365, "index": index_config()}]
    project["alerts"] = [alert_config("aliaudit-unmuted-fail", PROJECT, "findings", "cn-hangzhou")]
    for fn in acct["fc"]["functions"]:
        fn["environment"] = {**fn["environment"], "ALIAUDIT_BACKOFF_MS": "50"}  # a region down costs less waiting
        fn["async_invoke_config"] = {"max_async_retry_attempts": 3}  # FC's default
        if fn["name"] != "aliaudit-aggregator":  # reads and idempotent writes: a short read timeout
            fn["environment"]["ALIAUDIT_READ_TIMEOUT_MS"] = "3000"
        else:  # its SLS logs from their own process, as a large run sends them
            fn["environment"]["ALIAUDIT_LOG_PROCESS_MIN_FINDINGS"] = "0"
        if fn["name"] == f"aliaudit-{CRASH_FAMILY}":
            fn["code_dir"] = str(code)
            fn["environment"] = {**fn["environment"], "RESILIENCE_CRASH_ARM": str(arm)}
    load(server, data)
    return data


@pytest.fixture(scope="module")
def pipeline(emulator_server: EmulatorServer, tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    base = tmp_path_factory.mktemp("crashing-worker")
    (base / "code").mkdir()
    (base / "code" / "index.py").write_text(CRASHING_WORKER)
    arm = base / "armed"
    p = Pipeline(emulator_server, _deploy(emulator_server, base / "code", arm), arm)
    p.invoke("aliaudit-dispatcher", {"run_id": "manual-clean", "regions": RUN_REGIONS})
    p.wait()
    # the same run under faults
    arm.write_text("armed")
    # (object requests share one OSS quota, answered beyond with TotalQpsLimitExceeded: the run store's reads and
    # writes are throttled too)
    p.admin.faults(error_rate=0.05, slow_rate=0.05, slow_ms=4500, regions_down=[DOWN], seed=11,
                   rate_limits={"oss:object": 25})
    for _ in range(2):  # the timer's event, delivered twice
        p.invoke("aliaudit-dispatcher", {"run_id": "manual-faulty", "regions": RUN_REGIONS})
    deadline = time.monotonic() + 60
    while not any(i["status"] == "succeeded" and '"run_id": "manual-faulty"' in (i["result"] or "")
                  for i in p.invocations("aliaudit-dispatcher")):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    for family, region in (("ram", "global"), ("ecs", "cn-hangzhou"), ("vpc", DOWN)):  # tasks delivered again
        p.invoke(f"aliaudit-{family}", {"run_id": "manual-faulty", "family": family, "region": region})
    p.invoke("aliaudit-aggregator", {"run_id": "manual-faulty"})  # and an early aggregation request
    p.wait()
    p.invoke("aliaudit-aggregator", {"run_id": "manual-faulty"})  # and a late one
    p.wait()
    p.throttled = p.admin.request("GET", "calls")["throttled"]
    p.admin.faults(error_rate=0.0, slow_rate=0.0, regions_down=[], rate_limits={})
    if not p.bucket().object_exists("runs/manual-faulty/aggregated.json.done"):  # say why, not just "no report"
        failed = [(i["function"], i["event"], [str(a.get("error"))[:300] for a in i["attempts"]])
                  for i in p.invocations() if i["status"] != "succeeded"]
        parts = sorted(k for k in p.objects() if k.startswith("runs/manual-faulty/parts/"))
        pytest.fail(f"the faulty run was not aggregated; failed invocations: {failed}; parts: {parts}")
    return p


def test_a_run_under_faults_accounts_for_every_finding_once(pipeline):
    expected, clean_summary = pipeline.report("manual-clean")
    assert_summary_counts(clean_summary, expected)
    findings, summary = pipeline.report("manual-faulty")
    result = compare(expected, findings)
    assert_summary_counts(summary, findings)
    assert summary["missing_parts"] == []  # the crashed worker was retried and reported
    down = {(f.check_id, f.region, f.resource_id) for f in expected if f.region == DOWN}
    lost = set(result.collapsed) | {(f.check_id, f.region, f.resource_id) for f in result.error} | set(result.parent)
    assert down <= lost  # the region that is down: ERROR, with the reason
    unexplained = {f.message for f in findings if f.status == Status.ERROR and f.region == DOWN
                   and not any(c in f.message for c in ("ServiceUnavailable", "InternalServerError", "timed out"))}
    assert not unexplained, unexplained
    # (an ERROR that names the region that is down is explained: e.g. the alert checks' central-project lookup)
    elsewhere = [f for f in findings if f.status == Status.ERROR and f.region != DOWN and DOWN not in f.message]
    assert len(elsewhere) <= 3, [(f.check_id, f.resource_id, f.message) for f in elsewhere]  # transient: retried
    # one log per finding and run in SLS, whatever was delivered twice
    logs = pipeline.logs()
    for run_id, items in (("manual-clean", expected), ("manual-faulty", findings)):
        uids = Counter(lg["finding_uid"] for lg in logs if lg["run_id"] == run_id)
        assert set(uids.values()) == {1} and len(uids) == len(items), run_id
    # the faults really happened: the run store's object requests were throttled, the instance died, deliveries
    # were duplicated, nothing ran twice to the end
    assert sum(n for api, n in pipeline.throttled.items() if api.startswith("oss:")) >= 1, pipeline.throttled
    kms = pipeline.invocations(f"aliaudit-{CRASH_FAMILY}")
    crashed = [i for i in kms if any((a.get("error") or {}).get("errorType") == "ProcessExited"
                                     for a in i["attempts"])]
    assert crashed and all(i["status"] == "succeeded" for i in crashed) and not pipeline.arm.exists()
    everything = pipeline.invocations()
    assert not [i["function"] for i in everything if not i["event"]]  # a retried invoke still carries its payload
    dispatches = [i for i in pipeline.invocations("aliaudit-dispatcher") if "manual-faulty" in (i["event"] or "")]
    assert len(dispatches) == 2 and all(i["status"] == "succeeded" for i in dispatches)
    objects = pipeline.objects()
    done = [k for k in objects if k.endswith("aggregated.json.done")]
    assert sorted(done) == ["runs/manual-clean/aggregated.json.done", "runs/manual-faulty/aggregated.json.done"]
    aggregations = [i for i in pipeline.invocations("aliaudit-aggregator") if '"state": "aggregated"'
                    in (i["result"] or "") and "manual-faulty" in (i["result"] or "")]
    assert len(aggregations) == 1


def _sync(pipeline: Pipeline, function: str, payload: Any) -> dict[str, Any]:
    before = len(pipeline.invocations(function))
    pipeline.invoke(function, payload, asynchronous=False)
    return pipeline.invocations(function)[before]


MALFORMED = [
    ("aliaudit-dispatcher", b"\xff\xfe not json"),
    ("aliaudit-dispatcher", b"[" * 100_000),
    ("aliaudit-dispatcher", {"triggerName": "daily", "triggerTime": "yesterday", "payload": "{}"}),
    ("aliaudit-dispatcher", {"triggerName": "daily", "payload": '{"regions": "cn-hangzhou"}'}),
    ("aliaudit-dispatcher", {"triggerName": "daily", "payload": '{"families": ["nope"], "extra": 1}'}),
    ("aliaudit-dispatcher", {"type": "x:ActionTrail:ApiCall", "id": "e1",
                             "data": {"eventName": "PutBucketAcl", "acsRegion": ["cn-hangzhou"]}}),
    ("aliaudit-dispatcher", {"type": "x:ActionTrail:ApiCall", "id": "e2",
                             "data": {"eventName": "NoSuchEvent", "referencedResources": [1, {"a": 2}]}}),
    ("aliaudit-ram", b"not json"),
    ("aliaudit-ram", {"run_id": "manual-clean", "region": "global"}),
    ("aliaudit-ram", {"run_id": "manual-clean", "family": "ram"}),  # the family's task, for a run already aggregated
    ("aliaudit-ram", {"run_id": "../../latest", "family": "ram", "region": "global"}),
    ("aliaudit-ram", {"run_id": "manual-clean", "family": "ram", "region": "cn-shanghai"}),  # no such part
    ("aliaudit-oss", {"run_id": "manual-clean", "family": "ram", "region": "global"}),  # another family's task
    ("aliaudit-ram", {"run_id": "manual-broken-manifest", "family": "ram", "region": "global"}),
    ("aliaudit-aggregator", b"\x00\x01"),
    ("aliaudit-aggregator", {"run_id": 5}),
    ("aliaudit-aggregator", {"nothing": True}),
    ("aliaudit-aggregator", {"run_id": "manual-broken-manifest"}),
    ("aliaudit-aggregator", {"run_id": "manual-no-such-run"}),
]


def test_malformed_payloads_and_objects_never_crash_a_function_or_lose_reports(pipeline):
    pipeline.writer().put_object("runs/manual-broken-manifest/manifest.json",
                                 b'{"run_id": "manual-broken-manifest", "parts": [')
    before = pipeline.objects()
    logs_before = pipeline.logs()
    for function, payload in MALFORMED:
        record = _sync(pipeline, function, payload)
        assert record["status"] == "succeeded", (function, payload, record["error"])
        result = json.loads(record["result"])
        assert "ignored" in result or result.get("state") in ("malformed manifest", "unknown run") \
            or result.get("parts") == 0, (function, payload, result)
        assert "ERROR" in record["log"] or "nothing to do" in record["log"] or "unknown run" in record["result"], \
            (function, payload, record["log"])
    sweep = _sync(pipeline, "aliaudit-aggregator", {"sweep": True})  # finds the broken run and carries on
    assert sweep["status"] == "succeeded" and "malformed manifest" in sweep["result"]
    assert pipeline.objects() == {**before}  # nothing written, nothing lost
    assert pipeline.logs() == logs_before


def test_a_corrupt_part_and_a_corrupt_mutelist_still_give_a_complete_run(pipeline):
    b = pipeline.bucket()
    earlier = {k: v for k, v in pipeline.objects().items() if k.startswith("reports/")}
    logs_before = len(pipeline.logs())
    manifest = read_json(b, "runs/manual-clean/manifest.json")
    # a run as its dispatcher and one worker left it (signed and sealed with the deployment's run secret), and a
    # corrupt part beside
    manifest.update(run_id="manual-corrupt", parts=[{"family": "ram", "region": "global"},
                                                    {"family": "kms", "region": "cn-hangzhou"}])
    w = pipeline.writer()
    put_signed(w, "runs/manual-corrupt/manifest.json", manifest)
    w.put_object("runs/manual-corrupt/parts/ram/global.json",
                 b'{"run_id": "manual-corrupt", "family": "ram", "findings": [{')
    head, *lines = b.get_object("runs/manual-clean/parts/kms/cn-hangzhou.json").read().splitlines(keepends=True)
    header = PartHeader.model_validate_json(head).model_copy(update={"run_id": "manual-corrupt", "seal": ""})
    seal = new_seal(hmac.new(RUN_SECRET.encode(), f"manual-corrupt/{manifest['nonce']}".encode(),
                             hashlib.sha256).digest(), header)
    for line in lines:
        seal.update(line.rstrip(b"\n") + b"\n")
    header.seal = seal.hexdigest()
    w.put_object("runs/manual-corrupt/parts/kms/cn-hangzhou.json",
                 header.model_dump_json().encode() + b"\n" + b"".join(lines))
    b.put_object("config/mutelist.yaml", b"mutelist:\n  - check: '('\n    reason: r\n    expires: 2030-01-01\n")
    try:
        record = _sync(pipeline, "aliaudit-aggregator", {"run_id": "manual-corrupt"})
    finally:
        b.delete_object("config/mutelist.yaml")
    assert record["status"] == "succeeded" and '"state": "aggregated"' in record["result"], record
    findings, summary = pipeline.report("manual-corrupt")
    assert_summary_counts(summary, findings)
    ram = [f for f in findings if f.family == "ram"]
    assert ram and all(f.status == Status.ERROR and "unreadable worker result" in f.message for f in ram)
    assert any(f.family == "kms" and f.status != Status.ERROR for f in findings)
    assert "mutelist" in summary["mutelist_error"] and "line 2" in summary["mutelist_error"]
    assert "nothing is muted" in record["log"]
    now = pipeline.objects()
    assert all(now[k] == v for k, v in earlier.items())  # the earlier runs' reports are untouched
    assert len(pipeline.logs()) == logs_before + len(findings)


# --- secrets -----------------------------------------------------------------------------------------

def _texts_of_pipeline(pipeline: Pipeline) -> dict[str, str]:
    texts = {f"oss://{BUCKET}/{k}": v.decode("utf-8", "replace") for k, v in pipeline.objects().items()}
    texts["sls findings logs"] = json.dumps(pipeline.logs())
    for project in pipeline.data["accounts"][0]["sls"]["projects"]:
        for store in project.get("logstores", []):
            logs = pipeline.admin.request("GET", f"sls/logs?project={project['name']}&logstore={store['name']}")
            texts[f"sls {project['name']}/{store['name']}"] = json.dumps(logs)
    texts["fc invocations"] = json.dumps(pipeline.invocations())  # events, results, errors, logs
    return texts


def test_no_secret_or_token_reaches_any_output_log_or_report(pipeline, tmp_path):
    out = tmp_path / "out"
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "ALIAUDIT_ENDPOINT_PROXY": pipeline.server.url,
           "ALIAUDIT_ENDPOINT_PROTOCOL": "http", "ALIBABA_CLOUD_ACCESS_KEY_ID": AUDITOR_AK,
           "ALIBABA_CLOUD_ACCESS_KEY_SECRET": AUDITOR_SECRET}
    script = str(Path(sys.executable).parent / "aliaudit")
    # the full scan, assuming a role (STS keys and token in play), with the most verbose logging
    args = ["scan", "--log-level", "DEBUG", "--role-arn", ROLE_ARN, "--output-dir", str(out), "--compliance", "cis_2.0"]
    cli = subprocess.run([script, *args], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert cli.returncode in (3, 4), cli.stderr[-2000:]
    assert "DEBUG" in cli.stderr  # the verbose log really was written
    texts = {"cli stdout": cli.stdout, "cli stderr": cli.stderr}
    texts.update({f"cli {p.name}": p.read_text(errors="replace") for p in out.iterdir()})
    texts.update(_texts_of_pipeline(pipeline))
    secrets = issued_secrets(pipeline.server, pipeline.data) | {RUN_SECRET}  # (the deployment's MAC and seal key)
    sessions = len(pipeline.server.emulator.world.sessions)
    assert sessions >= 3 and len(secrets) >= 2 * sessions  # the CLI's role sessions and the functions' roles
    assert leaks({"probe": f"x{next(iter(secrets))}x"}, secrets)  # the scan would see one
    found = leaks(texts, secrets)
    assert not found, found
    assert len(texts) > 20 and any(k.startswith("cli aliaudit.") for k in texts)  # really looked everywhere
