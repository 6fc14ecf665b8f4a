"""`make bench` (python -m tests.bench --scale F): the auditor on a large generated account under cloud-like
rate limits and latency, through the CLI and through the serverless pipeline.

For each size (F/8, F/4, F/2 and F; F defaults to 1.0, issue 7's account) it generates the account
(tests/emulator/generate.py), starts the emulator as its own process (`python -m tests.emulator`, so its CPU
does not share the scan's GIL) with 20 ms added to every call and the rate limits of RATE_LIMITS, then:

- cli: `aliaudit scan` as a subprocess, every check and region, reports written to a temporary folder;
- pipeline: the functions deployed in the emulated FC (dispatcher, one worker function per family, the
  aggregator; workers run in parallel instances), the daily timer fired, until FC is idle.

For each it records wall seconds, API calls and throttled answers per API (the emulator's counters), the
findings, the peak RSS of the largest product process (the CLI, or the largest FC instance) and of the
emulator, and the lower bound the emulator's own limits and latency allow (see lower_bound), with the ratio
wall / lower bound. Results go to bench/results.json (see README.md, "Benchmark").
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

from tests.emulator.client import AdminClient
from tests.emulator.faults import limit_for
from tests.emulator.generate import ACCOUNT, ROOT_AK, ROOT_SECRET, Sizes, generate

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
LATENCY_MS = 20
# Calls per second per account and API ("product:Action"; "product:*" and "*" are fallbacks; "oss:object" the
# quota OSS's object APIs share), answered beyond with the product's real throttling error (Throttling.User,
# TotalQpsLimitExceeded, ...). Cloud-like values: list APIs and the control-plane products are the tightest, per-item
# reads of the big products the loosest.
RATE_LIMITS: dict[str, float] = {
    "*": 100,  # anything not listed (STS, FC, SAS settings reads...)
    "ram:*": 100,  # RAM per-user and per-key reads: GetUser, GetLoginProfile, ListAccessKeys, ...
    "ram:ListUsers": 20, "ram:ListPolicies": 20, "ram:ListVirtualMFADevices": 20,
    "ims:*": 20,  # credential report
    "ecs:*": 50, "ecs:DescribeSecurityGroupAttribute": 100,
    "vpc:*": 50,
    "rds:*": 50,
    "kms:*": 50,
    "cs:*": 20,  # ACK
    "sas:*": 20,  # Security Center
    "actiontrail:*": 20,
    "oss:*": 100,  # each management API: bucket configuration reads (GetBucketAcl, ...), listings
    # the account's object requests together: OSS documents 10,000 QPS, 2,000 where keys share a sequential prefix
    # (as the run store's do) ("Limits", https://www.alibabacloud.com/help/en/oss/user-guide/limits)
    "oss:object": 2000,
    "sls:*": 100,
    "fc:*": 100,
}
GOALS = {"ratio": 1.5, "rss_mb": 300}
LARGE = "0.125,0.25,0.5,1"  # fractions of --scale: the scaling table
WORKER_TIMEOUT_S = 1200  # FC timeout of the bench's functions: a full-size worker may run minutes


# --- processes ---------------------------------------------------------------------------------------

class Emulator:
    """`python -m tests.emulator --scenario FILE` in its own process, on a free port."""

    def __init__(self, scenario: Path, log: Path) -> None:
        self.log = log.open("w")
        env = _clean_env()
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.emulator", "--scenario", str(scenario), "--port",
                                      "0"], cwd=ROOT, stdout=subprocess.PIPE, stderr=self.log, text=True, env=env)
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline()
        if "listening on" not in first:
            self.proc.kill()
            raise RuntimeError(f"the emulator did not start: {first}\n{log.read_text()[-2000:]}")
        self.url = first.split("listening on", 1)[1].strip()
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()  # keep draining its prints
        self.admin = AdminClient(self.url)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def _clean_env() -> dict[str, str]:
    # the SDK transports ignore NO_PROXY: an inherited proxy must not reach the emulator
    drop = {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"}
    return {k: v for k, v in os.environ.items() if k not in drop and not k.startswith(("ALIAUDIT_", "ALIBABA_"))}


class PeakRss:
    """Polls the RSS of processes (and their descendants) until stopped; peak per process name, and per process
    (pid_peaks, with its label: an FC instance's function)."""

    def __init__(self, roots: dict[str, Callable[[], list[psutil.Process]]], period: float = 0.1,
                 labelled: frozenset[str] = frozenset(), proportional: frozenset[str] = frozenset()) -> None:
        self.roots = roots
        # roots whose processes count only once labelled: an FC instance is started by the emulator, and between
        # its fork and its exec the child still maps the emulator's whole memory (and environment), which its
        # RSS then shows (a 10-second Anti-DDoS worker read as 343 MB, the emulator's size at that moment)
        self.labelled = labelled
        self.peaks: dict[str, int] = {name: 0 for name in roots}
        self.total_peaks: dict[str, int] = {name: 0 for name in roots}  # the most the processes held together
        # roots whose processes' PSS is summed too (total_pss_peaks): a page several processes share (a fork's
        # copy-on-write memory: the interpreter, the imported core) counts once, split between them, where summed
        # RSS counts it once per process (about 1 ms of smaps_rollup per process and poll)
        self.proportional = proportional
        self.total_pss_peaks: dict[str, int] = {name: 0 for name in proportional}
        self.pid_peaks: dict[int, int] = {}
        self.labels: dict[int, str] = {}
        self._cpu: dict[str, dict[int, float]] = {name: {} for name in roots}  # last CPU seconds seen per pid
        self._first: dict[str, dict[int, float]] = {name: {} for name in roots}
        self._started = time.time()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.period = period

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, procs in self.roots.items():
                together = together_pss = 0
                for p in procs():
                    with contextlib.suppress(psutil.Error):
                        if name in self.labelled and p.pid not in self.labels:
                            label = p.environ().get("FC_FUNCTION_NAME")
                            if not label:
                                continue  # not yet the instance's own process image
                            self.labels[p.pid] = label
                        info = p.memory_full_info() if name in self.proportional else p.memory_info()
                        rss = info.rss
                        together += rss
                        together_pss += getattr(info, "pss", 0)
                        self.peaks[name] = max(self.peaks[name], rss)
                        self.pid_peaks[p.pid] = max(self.pid_peaks.get(p.pid, 0), rss)
                        if p.pid not in self.labels:  # (a child just forked still has its parent's environment)
                            label = p.environ().get("FC_FUNCTION_NAME")
                            if label:
                                self.labels[p.pid] = label
                        t = p.cpu_times()
                        if p.pid not in self._first[name]:  # what a process used before the run is not the run's
                            before = p.create_time() < self._started
                            self._first[name][p.pid] = t.user + t.system if before else 0.0
                        self._cpu[name][p.pid] = t.user + t.system
                self.total_peaks[name] = max(self.total_peaks[name], together)
                if name in self.proportional:
                    self.total_pss_peaks[name] = max(self.total_pss_peaks[name], together_pss)
            self._stop.wait(self.period)


    def cpu_s(self, name: str) -> float:
        """CPU seconds used by the processes seen (up to their last poll; since they started)."""
        return round(sum(v - self._first[name].get(pid, 0.0) for pid, v in self._cpu[name].items()), 1)

    def by_label(self, name: str) -> dict[str, dict[str, float]]:
        """label (an FC instance's function) -> the largest peak RSS of its processes and their CPU seconds."""
        out: dict[str, dict[str, float]] = {}
        for pid, cpu in self._cpu[name].items():
            entry = out.setdefault(self.labels.get(pid, name), {"peak_rss_mb": 0.0, "cpu_s": 0.0})
            entry["peak_rss_mb"] = max(entry["peak_rss_mb"], _mb(self.pid_peaks.get(pid, 0)))
            entry["cpu_s"] = round(entry["cpu_s"] + cpu - self._first[name].get(pid, 0.0), 1)
        return out


def _mb(n: int) -> float:
    return round(n / 2**20, 1)


# --- lower bound -----------------------------------------------------------------------------------------

def chain_calls(s: Sizes, pipeline: bool) -> int:
    """The longest chain of calls that each need the answer of the one before (list pages follow their marker,
    per-item reads follow the listing), whatever the concurrency. Identity + regions, then the deepest
    dataset: RAM users (ListUsers pages, ListVirtualMFADevices, then per user GetUser, GetLoginProfile,
    ListAccessKeys, GetAccessKeyLastUsed per key in turn, ListPoliciesForUser), OSS buckets (pages, then six
    aspect reads), SLS (projects, logstores, each logstore's GetLogStore), RDS (pages, then up to eight reads),
    ECS groups (pages, then the rules). The pipeline adds the dispatcher's manifest write and invocation, the
    worker's manifest read, part write and invocation, and the aggregator's manifest read, part listing,
    part read, marker write, report writes (two rounds) and SLS (project, logstore, index, alert, logs)."""
    ram = math.ceil(s.users / 1000) + 1 + 4 + s.keys_per_user
    oss = math.ceil(s.buckets / 1000) + 6
    sls = 2 + s.logstores_per_project
    rds = math.ceil(s.rds_instances / 100) + 8
    ecs = math.ceil(s.security_groups / 100) + 1
    chain = 2 + max(ram, oss, sls, rds, ecs)
    if pipeline:
        chain += 2 + 3 + 4 + 2 + 5
    return chain


def lower_bound(admitted: dict[str, dict[str, int]], s: Sizes, pipeline: bool) -> dict[str, Any]:
    """max(busiest quota's calls / its limit, longest dependent chain x latency), in seconds. admitted: the
    emulator's calls past the rate limits by account and quota (GET /_emulator/calls by_account: "product:Action",
    "...@region" where the limits are per region, as ECS's); throttled attempts are the client's cost, not the
    data's. The busiest quota of any account bounds the run (each account has its own)."""
    worst = {"account": "", "api": "", "calls": 0, "seconds": 0.0}
    for account, quotas in admitted.items():
        for api, n in quotas.items():
            lim = limit_for(RATE_LIMITS, api)
            if lim and n / lim > worst["seconds"]:
                worst = {"account": account, "api": api, "calls": n, "seconds": n / lim}
    chain = chain_calls(s, pipeline)
    chain_s = chain * LATENCY_MS / 1000
    return {"seconds": round(max(worst["seconds"], chain_s), 2), "worst_account": worst["account"],
            "busiest_api": worst["api"], "busiest_api_calls": worst["calls"],
            "busiest_api_limit": limit_for(RATE_LIMITS, worst["api"]) if worst["api"] else None,
            "busiest_api_seconds": round(worst["seconds"], 2), "chain_calls": chain, "chain_seconds": round(chain_s, 2)}


# --- runs --------------------------------------------------------------------------------------------------

def _reset(emu: Emulator) -> None:
    emu.admin.request("DELETE", "calls")
    emu.admin.faults(latency_ms=LATENCY_MS, rate_limits=RATE_LIMITS, throttle_retry_after_ms=None, error_rate=0.0)


def _counters(emu: Emulator) -> tuple[dict[str, int], dict[str, int], dict[str, dict[str, int]]]:
    """Calls and throttled calls per API, and the calls past the limits per account and quota (lower_bound)."""
    got = emu.admin.request("GET", "calls")
    return dict(sorted(got["calls"].items())), dict(sorted(got["throttled"].items())), got["by_account"]


def cli_env(emu: Emulator, work: Path) -> dict[str, str]:
    """The CLI's environment: the emulator through the proxy setting, the management account's root key."""
    return {**_clean_env(), "HOME": str(work), "ALIAUDIT_ENDPOINT_PROXY": emu.url, "ALIAUDIT_ENDPOINT_PROTOCOL": "http",
            "ALIBABA_CLOUD_ACCESS_KEY_ID": ROOT_AK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": ROOT_SECRET}


def run_cli(emu: Emulator, work: Path, *, faults: bool = True, env: dict[str, str] | None = None,
            args: tuple[str, ...] = ()) -> dict[str, Any]:
    """`aliaudit scan` once (faults: the benchmark's latency and limits, else none; env: the CLI's
    environment, else cli_env's; args: more options)."""
    if faults:
        _reset(emu)
    else:
        emu.admin.request("DELETE", "calls")
        emu.admin.faults(latency_ms=0, rate_limits={}, throttle_retry_after_ms=None, error_rate=0.0)
    out = work / "cli-out"
    env, script = env or cli_env(emu, work), str(Path(sys.executable).parent / "aliaudit")
    emu_proc = psutil.Process(emu.proc.pid)
    started = time.monotonic()
    with (work / "cli.log").open("w") as log:
        proc = subprocess.Popen([script, "scan", "--quiet", "--output-dir", str(out), *args],
                                cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
        cli_proc = psutil.Process(proc.pid)

        def cli_procs() -> list[psutil.Process]:  # the CLI and its scan processes (and fork server)
            try:
                return [cli_proc, *cli_proc.children(recursive=True)]
            except psutil.Error:
                return []

        with PeakRss({"product": cli_procs, "emulator": lambda: [emu_proc]},
                     proportional=frozenset({"product"})) as rss:
            code = proc.wait()
    wall = time.monotonic() - started
    if code not in (0, 3, 4):  # 3: FAIL findings, 4: some ERROR findings; anything else is a broken run
        raise RuntimeError(f"aliaudit scan exited {code}: {(work / 'cli.log').read_text()[-3000:]}")
    summary = json.loads((out / "aliaudit.summary.json").read_text())
    calls, throttled, admitted = _counters(emu)
    shutil.rmtree(out, ignore_errors=True)
    plan = [line.split("processes: ", 1)[1] for line in (work / "cli.log").read_text().splitlines()
            if "aliaudit.processes" in line and "processes: " in line]
    return {"wall_s": round(wall, 2), "exit_code": code, "findings": summary["total"],
            "findings_by_status": summary.get("status", {}), "calls_total": sum(calls.values()),
            "throttled_total": sum(throttled.values()), "peak_rss_mb": _mb(rss.peaks["product"]),
            # the most the scan's processes (the CLI, its scan processes, the fork server) held at once, and the
            # sum of each one's own peak (more: not every process lives at the same time)
            "total_rss_mb": _mb(rss.total_peaks["product"]),
            "total_pss_mb": _mb(rss.total_pss_peaks["product"]),  # the same, each shared page counted once
            "rss_peaks_sum_mb": _mb(sum(v for pid, v in rss.pid_peaks.items() if pid != emu_proc.pid)),
            "processes": len([pid for pid in rss.pid_peaks if pid != emu_proc.pid]),
            "plan": plan[0] if plan else "",
            "emulator_peak_rss_mb": _mb(rss.peaks["emulator"]), "product_cpu_s": rss.cpu_s("product"),
            "emulator_cpu_s": rss.cpu_s("emulator"), "calls": calls, "throttled": throttled,
            "admitted": admitted}


def run_pipeline(emu: Emulator) -> dict[str, Any]:
    from tests.pipeline import fire_daily, reports_bucket, run_summaries

    _reset(emu)
    emu_proc = psutil.Process(emu.proc.pid)

    def instances() -> list[psutil.Process]:
        try:
            return emu_proc.children(recursive=True)
        except psutil.Error:
            return []

    started = time.monotonic()
    with PeakRss({"product": instances, "emulator": lambda: [emu_proc]}, labelled=frozenset({"product"})) as rss:
        fire_daily(emu.admin)
        deadline = time.monotonic() + 3 * WORKER_TIMEOUT_S
        idle = False
        while not idle and time.monotonic() < deadline:  # short waits: the admin client times out at 60 s
            try:
                idle = emu.admin.request("POST", "fc/wait", {"timeout": 0.5})["idle"]
            except OSError:  # a busy emulator may reset a connection (listen backlog); ask again
                time.sleep(0.5)
    wall = time.monotonic() - started
    calls, throttled, admitted = _counters(emu)
    invocations = emu.admin.request("GET", "fc/invocations")["invocations"]
    failed = [i for i in invocations if i["status"] != "succeeded"]
    summaries = run_summaries(reports_bucket(emu.url))
    summary = next(iter(summaries.values()), {})
    per_function: dict[str, dict[str, float]] = {}
    per_instance = rss.by_label("product")
    for i in invocations:
        f = per_function.setdefault(i["function"], {"invocations": 0, "busy_s": 0.0, "longest_s": 0.0,
                                                    **per_instance.get(i["function"], {})})
        f["invocations"] += 1
        for a in i["attempts"]:
            f["busy_s"] = round(f["busy_s"] + a["duration_ms"] / 1000, 2)
            f["longest_s"] = max(f["longest_s"], round(a["duration_ms"] / 1000, 2))
    # when each function was busy, from the first invocation's queueing (seconds): where the wall time goes
    def at(stamp: str) -> float:  # the emulated FC's times: ISO 8601 with milliseconds, UTC
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()

    origin = min((at(i["queued"]) for i in invocations), default=0.0)
    for i in invocations:
        f = per_function[i["function"]]
        for a in i["attempts"]:
            f["first_start_s"] = round(min(f.get("first_start_s", 1e9), at(a["started"]) - origin), 2)
            f["last_end_s"] = round(max(f.get("last_end_s", 0.0), at(a["finished"]) - origin), 2)
    aggregation = [line.split("] ", 1)[-1] for i in invocations if i["function"].endswith("aggregator")
                   for line in i["log"].splitlines() if " in " in line and "run " in line][:6]
    return {"wall_s": round(wall, 2), "idle": idle, "invocations": len(invocations), "functions": per_function,
            "aggregator_log": aggregation,
            "failed_invocations": [(i["function"], (i.get("error") or {}).get("errorType")) for i in failed][:20],
            "instances_started": len({a["instance_id"] for i in invocations for a in i["attempts"]}),
            "findings": summary.get("total"), "findings_by_status": summary.get("status", {}),
            "missing_parts": summary.get("missing_parts"), "calls_total": sum(calls.values()),
            "throttled_total": sum(throttled.values()), "peak_rss_mb": _mb(rss.peaks["product"]),
            "emulator_peak_rss_mb": _mb(rss.peaks["emulator"]), "product_cpu_s": rss.cpu_s("product"),
            "emulator_cpu_s": rss.cpu_s("emulator"), "calls": calls, "throttled": throttled,
            "admitted": admitted}


def bench_scenario(scale: float, seed: int) -> tuple[Any, Sizes]:
    """The generated account with the pipeline deployed in it (as tests/pipeline.py deploys it)."""
    sizes = Sizes().scaled(scale)
    scenario = generate(seed=seed, sizes=sizes)
    deploy_pipeline(scenario.accounts[0])
    return scenario, sizes


def deploy_pipeline(acct: Any, env: dict[str, str] | None = None) -> None:
    """The pipeline as tests/pipeline.py deploys it, into a generated account (the bench's worker timeout;
    env: extra function settings)."""
    from tests.emulator.state import Account
    from tests.pipeline import add_pipeline

    data: dict[str, Any] = {"accounts": [{"id": ACCOUNT}]}
    add_pipeline(data)
    for fn in data["accounts"][0]["fc"]["functions"]:
        fn["timeout"] = WORKER_TIMEOUT_S
        fn["environment"].update(env or {})
    extra = Account.model_validate(data["accounts"][0])
    acct.ram.policies += extra.ram.policies
    acct.ram.roles += extra.ram.roles
    acct.kms.keys += extra.kms.keys
    acct.oss.buckets += extra.oss.buckets
    acct.sls.projects += extra.sls.projects
    acct.sls.index_delay_seconds = extra.sls.index_delay_seconds
    acct.fc = extra.fc


def bench_size(scale: float, seed: int, work: Path, modes: list[str]) -> dict[str, Any]:
    t0 = time.monotonic()
    scenario, sizes = bench_scenario(scale, seed)
    path = work / f"scenario-{scale:g}.json"
    path.write_text(scenario.model_dump_json(exclude_defaults=True))
    del scenario
    generated = time.monotonic() - t0
    emu = Emulator(path, work / f"emulator-{scale:g}.log")
    result: dict[str, Any] = {"scale": scale, "sizes": asdict(sizes), "resources": sizes.total_resources(),
                              "generate_and_load_s": round(time.monotonic() - t0, 2), "generate_s": round(generated, 2)}
    try:
        for mode in modes:
            print(f"  scale {scale:g}: {mode} ...", file=sys.stderr, flush=True)
            r = run_cli(emu, work) if mode == "cli" else run_pipeline(emu)
            r["lower_bound"] = lower_bound(r.pop("admitted"), sizes, mode == "pipeline")
            r["ratio"] = round(r["wall_s"] / r["lower_bound"]["seconds"], 2) if r["lower_bound"]["seconds"] else None
            # the CPU this machine had to give (product and emulated cloud share its cores): no wall below it
            r["cpu_floor_s"] = round((r["product_cpu_s"] + r["emulator_cpu_s"]) / (os.cpu_count() or 1), 1)
            result[mode] = r
            print(f"  scale {scale:g}: {mode} {r['wall_s']} s (lower bound {r['lower_bound']['seconds']} s), "
                  f"{r['calls_total']} calls, {r['throttled_total']} throttled, peak RSS {r['peak_rss_mb']} MB",
                  file=sys.stderr, flush=True)
    finally:
        emu.stop()
    return result


def table(results: list[dict[str, Any]], modes: list[str]) -> str:
    head = (f"{'scale':>6} {'mode':<9} {'resources':>9} {'wall s':>8} {'bound s':>8} {'ratio':>6} {'CPU s':>6} "
            f"{'calls':>7} "
            f"{'throttled':>9} {'findings':>8} {'RSS MB':>7} {'RSS sum':>7} {'PSS sum':>7} {'emu MB':>7}  busiest API")
    lines = [head, "-" * len(head)]
    for r in results:
        for mode in modes:
            m = r.get(mode)
            if not m:
                continue
            lb = m["lower_bound"]
            lines.append(f"{r['scale']:>6g} {mode:<9} {r['resources']:>9} {m['wall_s']:>8.1f} {lb['seconds']:>8.1f} "
                         f"{m['ratio'] or 0:>6.2f} {m.get('cpu_floor_s', 0):>6.1f} {m['calls_total']:>7} "
                         f"{m['throttled_total']:>9} "
                         f"{m['findings'] or 0:>8} {m['peak_rss_mb']:>7.0f} {_total(m):>7} "
                         f"{_total(m, 'total_pss_mb'):>7} "
                         f"{m['emulator_peak_rss_mb']:>7.0f}  "
                         f"{lb['busiest_api']} ({lb['busiest_api_calls']} at {lb['busiest_api_limit']:g}/s)")
    return "\n".join(lines)


def _total(m: dict[str, Any], key: str = "total_rss_mb") -> str:
    """The most the CLI's processes held together, RSS or PSS (the pipeline's instances are not summed)."""
    return f"{m[key]:.0f}" if key in m else "-"


def goals(results: list[dict[str, Any]]) -> dict[str, Any]:
    if not results:  # only the organisation case was run
        return {}
    full = results[-1]
    out: dict[str, Any] = {"targets": {"ratio_max": GOALS["ratio"], "peak_rss_mb_max": GOALS["rss_mb"],
                                       "pipeline_faster_than_cli": True}}
    for mode in ("cli", "pipeline"):
        if mode in full:
            out[f"{mode}_ratio_met"] = (full[mode]["ratio"] or 99) <= GOALS["ratio"]
            out[f"{mode}_rss_met"] = full[mode]["peak_rss_mb"] < GOALS["rss_mb"]
    if "cli" in full and "pipeline" in full:
        out["pipeline_faster_than_cli"] = full["pipeline"]["wall_s"] < full["cli"]["wall_s"]
    # linear growth: wall and calls per resource at each size, relative to the largest size
    out["per_resource"] = [{"scale": r["scale"], **{f"{m}_calls_per_resource": round(r[m]["calls_total"]
                                                                                      / r["resources"], 3)
                                                    for m in ("cli", "pipeline") if m in r},
                            **{f"{m}_ms_per_resource": round(1000 * r[m]["wall_s"] / r["resources"], 3)
                               for m in ("cli", "pipeline") if m in r}} for r in results]
    return out


SPEED: dict[str, float] = {}  # the machine's speed probe at the start and the end of this benchmark run


def speed_probe() -> float:
    """The machine's speed now, in ms (less is faster): a fixed single-threaded workload of what a scan does most
    (JSON, hashing, small objects), best of 5. This machine is shared; its speed changes by a third within an
    hour, so runs compare only at similar probes."""
    import hashlib

    doc = {"Instances": {"Instance": [{"InstanceId": f"i-{n:08d}", "Tags": {"Tag": [{"Key": "k", "Value": "v"}]},
                                       "Cpu": n % 8, "Status": "Running"} for n in range(200)]}}
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(200):
            text = json.dumps(doc)
            hashlib.sha256(text.encode()).hexdigest()
            sum(len(i["InstanceId"]) for i in json.loads(text)["Instances"]["Instance"])
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def compile_product() -> None:
    """Bytecode for the product's modules, as a regular (non-editable) install and the FC bundle carry them: the
    benchmark times the auditor as installed. An editable install in an environment with PYTHONDONTWRITEBYTECODE
    set (this machine's) would otherwise compile all its modules again in every run (0.2-0.5 s of CPU)."""
    import compileall

    compileall.compile_dir(str(ROOT / "shared" / "aliaudit"), quiet=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="the largest size, a fraction of issue 7's account")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sizes", default="all",
                        help="'small' (the sample account, scales 0.02 and 0.05, start-up: tests/bench_small.py), "
                             "'large' (0.125,0.25,0.5,1), 'all' (both; the default), or fractions of --scale for "
                             "the scaling table ('' for none)")
    parser.add_argument("--modes", default="cli,pipeline", help="cli, pipeline or both")
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--org", type=int, default=0, metavar="N",
                        help="add the organisation case: N accounts of --org-scale each (make bench ORG=50)")
    parser.add_argument("--org-scale", type=float, default=0.02, help="each organisation account's size")
    parser.add_argument("--mutelist", action="store_true",
                        help="only the mutelist's costs (tests/bench_mutelist.py; bench/results-mutelist.json)")
    parser.add_argument("--events", default="", metavar="SCALES",
                        help="only event runs (issue 17; tests/bench_events.py) at these sizes, e.g. 0.05,0.25 "
                             "(bench/results-events.json)")
    parser.add_argument("--no-events", action="store_true",
                        help="leave out the event table the large sizes otherwise end with")
    args = parser.parse_args(argv)
    compile_product()
    if args.events:
        return events_main(args.events, args.seed)
    if args.mutelist:
        from tests.bench_mutelist import main as bench_mutelist

        return bench_mutelist()
    modes = [m for m in args.modes.split(",") if m]
    small = args.sizes in ("small", "all")
    sizes = LARGE if args.sizes in ("large", "all") else "" if args.sizes == "small" else args.sizes
    fractions = sorted(float(f) for f in sizes.split(",") if f.strip())  # '' = only the organisation case
    SPEED["start_ms"] = speed_probe()  # (only the runs that report it: not the event or mutelist runs above)
    started = time.monotonic()
    results = []
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    org: dict[str, Any] | None = None
    few: dict[str, Any] | None = None
    with tempfile.TemporaryDirectory(prefix="aliaudit-bench-") as tmp:
        if small:
            from tests.bench_small import bench_small

            few = bench_small(args.seed, Path(tmp))
            write_report(out, args, started, results, small=few)
        for fraction in fractions:
            results.append(bench_size(round(args.scale * fraction, 6), args.seed, Path(tmp), modes))
            write_report(out, args, started, results, small=few)  # after every size: a stopped run keeps it
        if args.org > 1:
            from tests.bench_org import bench_org

            org = bench_org(args.org, args.org_scale, args.seed, Path(tmp), modes)
    SPEED["end_ms"] = speed_probe()
    report = write_report(out, args, started, results, org, few)
    print(f"machine speed probe: {SPEED['start_ms']} ms at the start, {SPEED['end_ms']} ms at the end (less is "
          "faster; compare runs at similar probes)")
    if results:
        print(table(results, modes))
    if few:
        from tests.bench_small import table as small_table

        print(small_table(few))
        print(json.dumps(few["goals"]))
    if org:
        print(org_table(org, modes))
    if results:
        print(json.dumps({k: v for k, v in report["goals"].items() if k != "per_resource"}))
    print(f"total {report['total_s']} s; wrote {out}")
    if results and not args.no_events:  # the event runs at the same sizes (bench/results-events.json)
        return events_main(",".join(str(r["scale"]) for r in results), args.seed)
    return 0


def events_main(scales: str, seed: int) -> int:
    from tests.bench_events import bench_events
    from tests.bench_events import table as events_table

    out = ROOT / "bench" / "results-events.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="aliaudit-bench-") as tmp:
        result = bench_events(sorted(float(s) for s in scales.split(",") if s.strip()), seed, Path(tmp))
    out.write_text(json.dumps({"generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                               "settings": {"seed": seed, "latency_ms": LATENCY_MS, "rate_limits": RATE_LIMITS},
                               **result}, indent=1))
    print(events_table(result))
    print(json.dumps(result["goals"]))
    print(f"wrote {out}")
    return 0


def org_table(org: dict[str, Any], modes: list[str]) -> str:
    head = (f"{'accounts':>8} {'mode':<9} {'resources':>9} {'wall s':>8} {'bound s':>8} {'ratio':>6} {'calls':>7} "
            f"{'throttled':>9} {'findings':>8} {'RSS MB':>7}  not audited")
    lines = ["", "organisation case", head, "-" * len(head)]
    for mode in modes:
        m = org.get(mode)
        if m:
            lines.append(f"{org['accounts']:>8} {mode:<9} {org['resources']:>9} {m['wall_s']:>8.1f} "
                         f"{m['lower_bound']['seconds']:>8.1f} {m['ratio'] or 0:>6.2f} {m['calls_total']:>7} "
                         f"{m['throttled_total']:>9} {m['findings'] or 0:>8} {m['peak_rss_mb']:>7.0f}  "
                         f"{m.get('accounts_not_audited', '-')}")
    return "\n".join(lines)


def write_report(out: Path, args: argparse.Namespace, started: float, results: list[dict[str, Any]],
                 org: dict[str, Any] | None = None, small: dict[str, Any] | None = None) -> dict[str, Any]:
    report = {"generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "total_s": round(time.monotonic() - started, 1),
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                          "speed_probe": dict(SPEED)},
              "settings": {"scale": args.scale, "seed": args.seed, "latency_ms": LATENCY_MS,
                           "rate_limits": RATE_LIMITS},
              "runs": results, "goals": goals(results), **({"small": small} if small else {}),
              **({"organisation": org} if org else {})}
    out.write_text(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    sys.exit(main())
