"""The benchmark's organisation case (issue 8): a resource directory of ORG_ACCOUNTS accounts of a medium size
each (tests/emulator/generate.py generate_org), audited from the management account through each member's
role, by the CLI (`aliaudit scan --all-accounts`) and by the pipeline (organisation mode from the functions'
ALIAUDIT_ACCOUNTS), under the same latency and per-account rate limits as the single-account case.

Rate limits are per account and API (ECS's per region too), so the lower bound is the worst account's
(tests.bench.lower_bound): max over accounts of (its busiest quota's calls / that API's limit), or the longest
dependent chain times the latency if longer."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

from tests.bench import (
    Emulator,
    PeakRss,
    _mb,
    _reset,
    cli_env,
    deploy_pipeline,
    lower_bound,
    run_pipeline,
)
from tests.emulator.generate import AUDIT_EXTERNAL_ID, ORG_AUDITOR_AK, ORG_AUDITOR_SECRET, Sizes, generate_org

ORG_ACCOUNTS = 50
ORG_SCALE = 0.02  # a medium account: 100 users, 40 buckets, per region 6 instances, 3 security groups, ...
ORG_CONCURRENCY = 8  # accounts audited at once by the CLI


def org_scenario(accounts: int, scale: float, seed: int) -> tuple[Any, Sizes]:
    """The organisation with the pipeline in its management account, in organisation mode (ALIAUDIT_ACCOUNTS)."""
    sizes = Sizes().scaled(scale)
    scenario = generate_org(accounts, seed=seed, sizes=sizes)
    spec = json.dumps({"mode": "resource-directory", "external_id": AUDIT_EXTERNAL_ID})
    deploy_pipeline(scenario.accounts[0], {"ALIAUDIT_ACCOUNTS": spec})
    return scenario, sizes


def _counts(emu: Emulator) -> dict[str, Any]:
    got = emu.admin.request("GET", "calls")
    return {"calls_total": sum(got["calls"].values()), "throttled_total": sum(got["throttled"].values()),
            "by_account": got.get("by_account", {})}


def run_org_cli(emu: Emulator, work: Path) -> dict[str, Any]:
    _reset(emu)
    out = work / "org-cli-out"
    env, script = cli_env(emu, work), str(Path(sys.executable).parent / "aliaudit")
    # the management account's auditor user: STS refuses the root key ("Roles may not be assumed by root accounts")
    env.update(ALIBABA_CLOUD_ACCESS_KEY_ID=ORG_AUDITOR_AK, ALIBABA_CLOUD_ACCESS_KEY_SECRET=ORG_AUDITOR_SECRET)
    started = time.monotonic()
    with (work / "org-cli.log").open("w") as log:
        proc = subprocess.Popen([script, "scan", "--all-accounts", "--member-external-id", AUDIT_EXTERNAL_ID,
                                 "--account-concurrency", str(ORG_CONCURRENCY), "--quiet", "--output-dir", str(out)],
                                cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
        cli_proc, emu_proc = psutil.Process(proc.pid), psutil.Process(emu.proc.pid)
        with PeakRss({"product": lambda: [cli_proc], "emulator": lambda: [emu_proc]}) as rss:
            code = proc.wait()
    wall = time.monotonic() - started
    if code not in (0, 3, 4):
        raise RuntimeError(f"aliaudit scan --all-accounts exited {code}: {(work / 'org-cli.log').read_text()[-3000:]}")
    org = json.loads((out / "aliaudit.org-summary.json").read_text())
    summary = json.loads((out / "aliaudit.summary.json").read_text())
    shutil.rmtree(out, ignore_errors=True)
    return {"wall_s": round(wall, 2), "exit_code": code, "accounts": org["accounts"],
            "accounts_not_audited": org["accounts_not_audited"], "findings": summary["total"],
            "findings_by_status": summary["status"], **_counts(emu), "peak_rss_mb": _mb(rss.peaks["product"]),
            "emulator_peak_rss_mb": _mb(rss.peaks["emulator"]), "product_cpu_s": rss.cpu_s("product"),
            "emulator_cpu_s": rss.cpu_s("emulator")}


def bench_org(accounts: int, scale: float, seed: int, work: Path, modes: list[str]) -> dict[str, Any]:
    t0 = time.monotonic()
    scenario, sizes = org_scenario(accounts, scale, seed)
    path = work / f"org-{accounts}.json"
    path.write_text(scenario.model_dump_json(exclude_defaults=True))
    del scenario
    emu = Emulator(path, work / f"emulator-org-{accounts}.log")
    result: dict[str, Any] = {"accounts": accounts, "scale_per_account": scale,
                              "resources": accounts * sizes.total_resources(),
                              "generate_and_load_s": round(time.monotonic() - t0, 2)}
    try:
        for mode in modes:
            print(f"  org of {accounts}: {mode} ...", file=sys.stderr, flush=True)
            if mode == "cli":
                r = run_org_cli(emu, work)
            else:  # the functions' ALIAUDIT_ACCOUNTS puts the daily run in organisation mode
                r = run_pipeline(emu)
                for key in ("calls", "throttled"):
                    r.pop(key, None)
                r["by_account"] = r.pop("admitted")
            by_account = r.pop("by_account")
            r["lower_bound"] = lower_bound(by_account, sizes, mode == "pipeline")
            r["ratio"] = round(r["wall_s"] / r["lower_bound"]["seconds"], 2) if r["lower_bound"]["seconds"] else None
            result[mode] = r
            print(f"  org of {accounts}: {mode} {r['wall_s']} s (lower bound {r['lower_bound']['seconds']} s), "
                  f"{r['calls_total']} calls, peak RSS {r['peak_rss_mb']} MB", file=sys.stderr, flush=True)
    finally:
        emu.stop()
    return result
