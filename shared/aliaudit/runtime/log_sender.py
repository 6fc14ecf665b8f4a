"""The aggregator's SLS logs: one per finding, in PutLogs batches; the batches an earlier attempt sent are
skipped. A small run sends them from a thread of the aggregator; a large one from a process of its own
(LogProcess), because building 100,000 logs and rendering the reports each hold a GIL for tens of seconds,
and an aggregator with 2 vCPUs (s.yaml, template.yml) then does both at once instead of one after the other.

The process is this module run by the same Python (`python -m aliaudit.runtime.log_sender`); it gets its job
on stdin (the spool's path and layout, the run's new FAILs and the execution role's credentials, which a
python3.10 handler may only have on its context: never on the command line), reads the aggregator's spool
where it lies, logs through the aggregator (which relays its stderr), and prints how many logs it sent."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

from aliyun.log import LogException
from pydantic import BaseModel, ValidationError

from ..findings import Finding
from ..redact import SECRETS
from ..reports.spool import Spool, read_lines
from .sls_sink import MISSING, batches, ensure_once, index_wait, put_findings
from .store import logs_key

log = logging.getLogger("aliaudit.aggregator")
IN_FLIGHT = 4  # PutLogs batches sent at once
MISSING_RETRY_S = (0.5, 2.0)  # waits before a batch is sent again once a missing project or logstore is recreated


def send_logs(rt: Any, run_id: str, findings: Iterable[Finding], new_uids: set[str], new_text: str,
              stop: threading.Event | None = None, run_fields: dict[str, str] | None = None,
              whole: bool = True, fresh: bool = False) -> int:
    """One SLS log per finding, in batches, until stop is set; how many are in SLS. A few batches are in
    flight at once (each PutLogs and its marker is two round trips: one after the other, a large run would
    spend most of its time waiting), each marked sent once it is in SLS. A whole run checks the project,
    logstore, index and alerts first; an event run trusts the instance's last check (ensure_once) unless PutLogs
    finds the project or logstore gone. fresh: this attempt is the run's first to hold its claim (no batch was
    sent: the sent marks are not listed)."""
    client = rt.factory.log(rt.settings.region)
    s = rt.settings

    def setup(again: bool) -> None:
        modified = ensure_once(client, s.log_project, s.findings_logstore, s.alert_name, s.region,
                               s.mutelist_alert_name, again=again)
        wait = index_wait(modified, s.index_settle_seconds)
        if wait > 0:  # (a new or changed index: what is written sooner is never found, the alert included)
            log.info("the index of %s/%s changed %.0f s ago: waiting %.0f s for it to take effect before the logs",
                     s.log_project, s.findings_logstore, time.time() - modified, wait)
            (stop or threading.Event()).wait(wait)

    setup(again=whole)
    sent = set() if fresh else sent_batches(rt, run_id)
    rechecking = threading.Lock()
    rechecked = threading.Event()

    def send(batch: int, items: list[Finding]) -> int:
        for wait in (*MISSING_RETRY_S, None):
            try:
                n = put_findings(client, s.log_project, s.findings_logstore, items, run_id, new_uids, new_text,
                                 run_fields)
                break
            except LogException as err:
                if err.get_error_code() not in MISSING or wait is None:
                    raise
                with rechecking:  # (deleted since this instance last looked: one batch recreates it)
                    if not rechecked.is_set():
                        setup(again=True)
                        rechecked.set()
                time.sleep(wait)  # (a logstore just created may take a moment to take writes)
        rt.store.put_fixed(logs_key(run_id, batch), run_id, {"batch": batch, "logs": n})
        return n

    logged = 0
    pending: deque[Future[int]] = deque()
    failed: Future[int] | None = None
    with ThreadPoolExecutor(max_workers=IN_FLIGHT, thread_name_prefix="aliaudit-logs") as pool:
        for batch, items in enumerate(batches(findings)):
            if stop is not None and stop.is_set():
                break
            if logs_key(run_id, batch) in sent:
                logged += len(items)
                continue
            pending.append(pool.submit(send, batch, items))
            if len(pending) > IN_FLIGHT:  # (memory holds a few batches, never the run's)
                done = pending.popleft()
                if done.exception() is not None:
                    failed = done
                    break
                logged += done.result()
    # (the pool has waited for the batches in flight: each one is in SLS and marked, or failed)
    for future in pending:
        if future.exception() is None:
            logged += future.result()
        elif failed is None:
            failed = future
    if failed is not None:
        failed.result()  # raises its error
    return logged


def sent_batches(rt: Any, run_id: str) -> set[str]:
    """The keys of the run's batches an earlier attempt put into SLS: their marks, each only if this deployment
    wrote it for this run and this batch (RunStore.fixed). Marks planted in the bucket made a retry, or the log
    process, skip every batch: no finding reached SLS and no alert fired."""
    keys = rt.store.keys(f"runs/{run_id}/logs/")

    def marked(key: str) -> bool:
        value = rt.store.fixed(key, run_id)
        return isinstance(value, dict) and isinstance(value.get("batch"), int) and key == logs_key(run_id,
                                                                                                 value["batch"])

    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="aliaudit-marks") as pool:
        return {key for key, ok in zip(keys, pool.map(marked, keys), strict=True) if ok}


class LogJob(BaseModel):
    run_id: str
    spool: str  # the spool file's path
    layout: list[tuple[int, int]]  # Spool.layout()
    new_uids: list[str]
    new_text: str
    run_fields: dict[str, str] = {}  # the run's mutelist fields on every log (sls_sink.RUN_FIELDS)
    credentials: dict[str, str | None] = {}  # access_key_id, access_key_secret, security_token
    fresh: bool = False  # the run's first attempt to hold the claim: no batch was sent (send_logs)


class LogProcess:
    """send_logs in a child process, started at once; result() waits for it: the count, or RuntimeError with
    the child's exit code (its own error is in the log above). stop() ends it after the batch it is sending
    (the aggregation failed: a retry skips the batches sent, and none goes out twice)."""

    def __init__(self, rt: Any, run_id: str, findings: Spool, new_uids: set[str], new_text: str,
                 run_fields: dict[str, str] | None = None, fresh: bool = False) -> None:
        creds = rt.factory.provider.get_credentials()
        job = LogJob(run_id=run_id, spool=findings.path, layout=findings.layout(), new_uids=sorted(new_uids),
                     new_text=new_text, run_fields=run_fields or {}, fresh=fresh,
                     credentials={"access_key_id": creds.get_access_key_id(),
                                  "access_key_secret": creds.get_access_key_secret(),
                                  "security_token": creds.get_security_token()})
        # the child imports aliaudit as this process did: FC puts the code folder on sys.path, not in the env
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self.proc = subprocess.Popen([sys.executable, "-m", "aliaudit.runtime.log_sender"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.out = self.proc.stdout
        # its log lines go where this invocation's go (FC tags them with the request)
        self.relay = threading.Thread(target=self._relay, name="aliaudit-log-sender-stderr", daemon=True)
        self.relay.start()
        with self.proc.stdin:
            self.proc.stdin.write(job.model_dump_json().encode())

    def _relay(self) -> None:
        assert self.proc.stderr is not None
        with self.proc.stderr:
            for line in self.proc.stderr:  # (scrubbed: the child's own scrubbing starts only once its job is read)
                sys.stderr.write(SECRETS.scrub(line.decode(errors="replace")))

    def result(self) -> int:
        with self.out:
            out = self.out.read()
        self.proc.wait()
        self.relay.join()
        if self.proc.returncode != 0:
            raise RuntimeError(f"the SLS log process failed (exit code {self.proc.returncode})")
        return int(json.loads(out)["logged"])

    def stop(self, grace: float = 60) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.relay.join()


def main() -> int:
    from .fc_context import Runtime

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # LogProcess.stop: end after the current batch
    try:
        job = LogJob.model_validate_json(sys.stdin.buffer.read())
    except ValidationError:  # (its message would quote the input, credentials included)
        print("aliaudit log sender: the job on stdin is not a log job", file=sys.stderr)
        return 2
    rt = Runtime(SimpleNamespace(credentials=SimpleNamespace(**job.credentials)))
    findings = (Finding.model_validate_json(line) for line in read_lines(job.spool, job.layout))
    started = time.monotonic()
    try:
        logged = send_logs(rt, job.run_id, findings, set(job.new_uids), job.new_text, stop, job.run_fields,
                           fresh=job.fresh)
    except Exception as err:
        from .. import apierrors

        log.error("run %s: sending the SLS logs failed: %s", job.run_id, apierrors.describe(err))
        return 1
    log.info("run %s: %d SLS logs sent in %.1f s", job.run_id, logged, time.monotonic() - started)
    print(json.dumps({"logged": logged}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
