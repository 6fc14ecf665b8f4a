"""The previous run that sizes a scan (scan_plan.previous_findings) is the same scan: same account, same checks,
same regions; a one-region run does not make an all-region scan look small."""

from __future__ import annotations

import json
from pathlib import Path

from aliaudit.scan_plan import previous_findings


def _summary(directory: Path, **fields: object) -> None:
    summary = {"account_id": "1", "checks": 98, "regions": ["cn-hangzhou", "cn-shanghai"], "total": 300, **fields}
    (directory / "aliaudit.summary.json").write_text(json.dumps(summary))


def test_the_same_scan_sizes_the_next(tmp_path: Path) -> None:
    _summary(tmp_path)
    assert previous_findings(tmp_path, "1", 98, ["cn-shanghai", "cn-hangzhou"]) == 300


def test_another_account_other_checks_or_other_regions_do_not(tmp_path: Path) -> None:
    _summary(tmp_path)
    assert previous_findings(tmp_path, "2", 98, ["cn-hangzhou", "cn-shanghai"]) is None
    assert previous_findings(tmp_path, "1", 12, ["cn-hangzhou", "cn-shanghai"]) is None
    assert previous_findings(tmp_path, "1", 98, ["cn-hangzhou", "cn-shanghai", "cn-beijing"]) is None
    _summary(tmp_path, regions=["cn-hangzhou"])
    assert previous_findings(tmp_path, "1", 98, ["cn-hangzhou", "cn-shanghai"]) is None


def test_a_missing_or_malformed_summary_sizes_nothing(tmp_path: Path) -> None:
    assert previous_findings(tmp_path, "1", 98) is None
    (tmp_path / "aliaudit.summary.json").write_text("{not json")
    assert previous_findings(tmp_path, "1", 98) is None


def test_a_large_scan_of_every_family_runs_in_at_most_max_processes(tmp_path: Path) -> None:
    """31 families make more family groups than a machine should run processes at once: a large account's scan
    (its previous run had 20,000 findings) runs them in MAX_PROCESSES processes, RAM and OSS each alone."""
    from aliaudit.checks.registry import all_checks
    from aliaudit.scan_plan import MAX_PROCESSES, plan
    from aliaudit.scan_processes import check_groups, pack

    checks = list(all_checks().values())
    assert len(check_groups(checks)) > MAX_PROCESSES
    _summary(tmp_path, checks=len(checks), total=20_000)
    got = plan(None, checks, None, account_id="1", output_dir=tmp_path,  # type: ignore[arg-type]
               regions=["cn-hangzhou", "cn-shanghai"])
    assert (got.processes, got.packed, got.heavy) == (MAX_PROCESSES, MAX_PROCESSES, frozenset({"ram", "oss"}))
    assert f"the 31 family groups in {MAX_PROCESSES} processes (the OSS and RAM groups each in a process of their " \
           "own, the others packed)" in got.reason
    shares = pack(check_groups(checks), MAX_PROCESSES, ["cn-hangzhou", "cn-shanghai"], got.heavy)
    assert [fams for fams, _ in shares][:2] == [["ram"], ["oss"]]  # alone, in the groups' order
    assert sorted(f for fams, _ in shares for f in fams) == sorted(f for fams, _ in check_groups(checks) for f in fams)
    assert len(shares) == MAX_PROCESSES
