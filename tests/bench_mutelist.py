"""`python -m tests.bench --mutelist` (or `make bench-mutelist`): the mutelist's costs, issue 21 item 6.

- 50,000 entries (mostly literal check and resource ids, one in 1,000 a regular expression, some expired) on
  the 35 findings of a small scan: load (YAML, validation, compilation), the first apply (which indexes the
  active entries) and a second apply (the index built);
- the same with 50,000 distinct regular expressions as check patterns (the worst case for the index);
- `(a+)+$` against a 41-character resource name (catastrophic backtracking in Python's re).

Goals: muting the 35 findings well under a second (the issue measured 51 s), the catastrophic pattern under
10 ms. Results in bench/results-mutelist.json and on stdout."""

from __future__ import annotations

import json
import platform
import time
from datetime import date
from pathlib import Path
from typing import Any

from aliaudit.checks.registry import all_checks
from aliaudit.findings import Finding, Severity, Status
from aliaudit.mutelist import parse

OUT = Path("bench/results-mutelist.json")
GOAL_APPLY_S = 1.0
GOAL_CATASTROPHIC_S = 0.01


def _finding(check: str, resource: str) -> Finding:
    return Finding(check_id=check, title=check, family=check.split("_")[0], severity=Severity.HIGH,
                   status=Status.FAIL, message="m", account_id="1234567890123456", region="cn-hangzhou",
                   resource_id=resource)


def _document(checks: list[str], regex_checks: bool) -> bytes:
    entries = []
    for n in range(50_000):
        check = checks[n % len(checks)]
        if regex_checks:
            entries.append({"check": f"{check}|{check}_{n}", "resource": f"user-{n}", "reason": f"r{n}",
                            "expires": "2099-01-31"})
        elif n % 1000 == 7:
            entries.append({"check": check[:4] + ".*", "resource": f"svc-{n}-[0-9]+", "reason": f"r{n}",
                            "expires": "2099-01-31"})
        else:
            entries.append({"check": check, "resource": f"user-{n}", "region": "cn-.*", "reason": f"r{n}",
                            "expires": "2099-01-31" if n % 1000 != 11 else "2000-01-01"})
    return json.dumps({"mutelist": entries}).encode()


def _case(name: str, data: bytes, findings: list[Finding]) -> dict[str, Any]:
    started = time.perf_counter()
    ml = parse(data, name)
    loaded = time.perf_counter()
    ml.apply(findings, date.today())
    first = time.perf_counter()
    for f in findings:
        f.muted, f.mute_reason = False, ""
    ml.apply(findings, date.today())
    second = time.perf_counter()
    return {"case": name, "entries": len(ml.entries), "bytes": len(data), "findings": len(findings),
            "muted": sum(f.muted for f in findings), "load_s": round(loaded - started, 3),
            "first_apply_s": round(first - loaded, 4), "apply_s": round(second - first, 4)}


def run() -> dict[str, Any]:
    checks = sorted(all_checks())
    # 35 findings, 30 of them named by an entry (entry k: check k mod the checks, resource user-k)
    findings = [_finding(checks[k % len(checks)], f"user-{k}") for k in range(3, 30_003, 1000)]
    findings += [_finding(checks[n], f"other-{n}") for n in range(5)]
    cases = [_case("literal ids, 1 in 1,000 a regex", _document(checks, False), findings),
             _case("50,000 distinct regex checks", _document(checks, True), findings)]
    ml = parse(b'mutelist: [{check: x_y, resource: "(a+)+$", reason: r, expires: 2099-01-31}]', "catastrophic")
    victim = _finding("x_y", "a" * 40 + "!")
    started = time.perf_counter()
    ml.apply([victim], date.today())
    catastrophic = round(time.perf_counter() - started, 5)
    goals = {"apply_under_s": GOAL_APPLY_S, "catastrophic_under_s": GOAL_CATASTROPHIC_S,
             "met": all(c["first_apply_s"] < GOAL_APPLY_S for c in cases) and catastrophic < GOAL_CATASTROPHIC_S}
    return {"generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "machine": {"python": platform.python_version(), "platform": platform.platform()},
            "cases": cases, "catastrophic_s": catastrophic, "goals": goals}


def main() -> int:
    report = run()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=1))
    print(f"{'case':<34} {'entries':>8} {'MB':>5} {'load s':>7} {'1st apply s':>11} {'apply s':>8} {'muted':>6}")
    for c in report["cases"]:
        print(f"{c['case']:<34} {c['entries']:>8} {c['bytes'] / 1e6:>5.1f} {c['load_s']:>7.2f} "
              f"{c['first_apply_s']:>11.3f} {c['apply_s']:>8.4f} {c['muted']:>6}")
    print(f"(a+)+$ on a 41-character name: {report['catastrophic_s'] * 1000:.2f} ms")
    print(json.dumps(report["goals"]))
    print(f"wrote {OUT}")
    return 0 if report["goals"]["met"] else 1
