"""The small sizes of `make bench` (issue 19): most accounts are small, and there the fixed costs (start-up,
imports, processes) weigh more than the rate limits.

- the sample account (tests/emulator/scenarios/sample.yaml) with no added latency and no rate limits;
- generated accounts of scale 0.02 and 0.05 with the benchmark's latency and rate limits (tests/bench.py);

each scanned by `aliaudit scan` REPEATS times (the best wall counts: the machine is shared), with its calls, the
lower bound and ratio, and the total and the largest peak RSS of the scan's processes (the CLI, its scan
processes, the fork server); and the start-up: `aliaudit --help` and the import of a worker function's handler,
each a new process (cold: nothing imported yet), best of STARTS."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.bench import ROOT, Emulator, bench_scenario, cli_env, lower_bound

SAMPLE = ROOT / "tests" / "emulator" / "scenarios" / "sample.yaml"
SAMPLE_AK, SAMPLE_SECRET = "LTAIsampleaudit00001", "sample-audit-secret-000000000"  # its auditor user
SCALES = (0.02, 0.05)
REPEATS = 3
STARTS = 5
GOALS = {"sample_wall_s": 1.5, "small_wall_s": 3.5, "help_s": 0.3, "total_rss_mb": 500, "peak_rss_mb": 300}
# what `aliaudit --help` must not import: the cloud SDKs
SDK_MODULE = re.compile(r"\|\s+(alibabacloud_\w+|oss2|aliyun|Tea|darabonba|aiohttp)(\.|$)")
INFO = ("--log-level", "INFO")  # (the log names the scan's process plan)


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    best = dict(min(runs, key=lambda r: r["wall_s"]))
    best["walls_s"] = [r["wall_s"] for r in runs]
    best["total_rss_mb_max"] = max(r["total_rss_mb"] for r in runs)
    best["peak_rss_mb_max"] = max(r["peak_rss_mb"] for r in runs)
    for key in ("calls", "throttled"):  # (per API: in the large sizes' entries; here the totals do)
        best.pop(key, None)
    return best


def bench_sample(work: Path) -> dict[str, Any]:
    from tests.bench import run_cli

    emu = Emulator(SAMPLE, work / "emulator-sample.log")
    try:
        env = {**cli_env(emu, work), "ALIBABA_CLOUD_ACCESS_KEY_ID": SAMPLE_AK,
               "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SAMPLE_SECRET}
        runs = [run_cli(emu, work, faults=False, env=env, args=INFO) for _ in range(REPEATS)]
    finally:
        emu.stop()
    for r in runs:  # no latency and no limit: nothing bounds it but the work itself
        r.pop("admitted")
        r["lower_bound"] = {"seconds": 0.0}
        r["ratio"] = None
    return {"size": "sample", "scale": None, **_best(runs)}


def bench_scale(scale: float, seed: int, work: Path) -> dict[str, Any]:
    from tests.bench import run_cli

    scenario, sizes = bench_scenario(scale, seed)
    path = work / f"scenario-{scale:g}.json"
    path.write_text(scenario.model_dump_json(exclude_defaults=True))
    del scenario
    emu = Emulator(path, work / f"emulator-{scale:g}.log")
    try:
        runs = [run_cli(emu, work, args=INFO) for _ in range(REPEATS)]
    finally:
        emu.stop()
    for r in runs:
        r["lower_bound"] = lower_bound(r.pop("admitted"), sizes, False)
        r["ratio"] = round(r["wall_s"] / r["lower_bound"]["seconds"], 2) if r["lower_bound"]["seconds"] else None
    return {"size": f"scale {scale:g}", "scale": scale, "resources": sizes.total_resources(), **_best(runs)}


def _best_of(argv: list[str], n: int = STARTS) -> float:
    walls = []
    for _ in range(n):
        started = time.monotonic()
        subprocess.run(argv, cwd=ROOT, check=True, capture_output=True)
        walls.append(time.monotonic() - started)
    return round(min(walls), 3)


def startup() -> dict[str, Any]:
    script = str(Path(sys.executable).parent / "aliaudit")
    imported = subprocess.run([sys.executable, "-X", "importtime", "-m", "aliaudit.cli", "--help"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stderr
    sdks = sorted({m.group(1) for m in SDK_MODULE.finditer(imported)})
    return {"help_s": _best_of([script, "--help"]), "help_imports_sdks": sdks,
            "worker_import_s": _best_of([sys.executable, "-c", "from aliaudit.runtime.worker import handler"]),
            "python_s": _best_of([sys.executable, "-c", "pass"])}


def bench_small(seed: int, work: Path) -> dict[str, Any]:
    print("  small: sample account ...", file=sys.stderr, flush=True)
    rows = [bench_sample(work)]
    for scale in SCALES:
        print(f"  small: scale {scale:g} ...", file=sys.stderr, flush=True)
        rows.append(bench_scale(scale, seed, work))
    start = startup()
    return {"rows": rows, "startup": start, "goals": goals(rows, start)}


def goals(rows: list[dict[str, Any]], start: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {"targets": GOALS}
    for r in rows:
        limit = GOALS["sample_wall_s"] if r["size"] == "sample" else GOALS["small_wall_s"]
        out[r["size"]] = {"wall_met": r["wall_s"] <= limit, "total_rss_met": r["total_rss_mb"] <= GOALS["total_rss_mb"],
                          "peak_rss_met": r["peak_rss_mb"] < GOALS["peak_rss_mb"]}
    if start:
        out["help_met"] = start["help_s"] <= GOALS["help_s"] and not start["help_imports_sdks"]
    return out


def table(small: dict[str, Any]) -> str:
    head = (f"{'size':<11} {'wall s':>7} {'walls s':<17} {'bound s':>7} {'ratio':>6} {'CPU s':>6} {'calls':>6} "
            f"{'procs':>5} {'RSS total MB':>12} {'RSS max MB':>10}  plan")
    lines = ["", f"small sizes (best of {REPEATS})", head, "-" * len(head)]
    for r in small["rows"]:
        walls = ",".join(f"{w:.2f}" for w in r["walls_s"])
        lines.append(f"{r['size']:<11} {r['wall_s']:>7.2f} {walls:<17} {r['lower_bound']['seconds']:>7.2f} "
                     f"{r['ratio'] or 0:>6.2f} {r['product_cpu_s']:>6.1f} {r['calls_total']:>6} {r['processes']:>5} "
                     f"{r['total_rss_mb']:>12.0f} "
                     f"{r['peak_rss_mb']:>10.0f}  {r['plan']}")
    s = small["startup"]
    lines.append(f"start-up (best of {STARTS}): aliaudit --help {s['help_s']:.3f} s (SDKs imported: "
                 f"{', '.join(s['help_imports_sdks']) or 'none'}), worker handler import {s['worker_import_s']:.3f} s, "
                 f"python itself {s['python_s']:.3f} s")
    return "\n".join(lines)
