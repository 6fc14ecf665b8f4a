"""The scan split across processes (aliaudit.scan_processes): the same findings as one process, and a
process that dies or cannot start turns its unfinished checks into ERROR findings with the reason."""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from aliaudit.checks.registry import all_checks
from aliaudit.credentials import AuthOptions
from aliaudit.findings import Status
from aliaudit.forking import cores
from aliaudit.placement import runs_with
from aliaudit.scan import select_checks
from aliaudit.scan_plan import MAX_PROCESSES, SMALL_ITEMS, SPLIT_ITEMS, _sized
from aliaudit.scan_processes import (
    ProcessScan,
    ScanProcesses,
    check_groups,
    family_groups,
    forget_inherited_connections,
    forks,
    linked,
    pack,
)
from aliaudit.settings import EndpointSettings
from tests.emulator import Scenario
from tests.paths import TESTS
from tests.scanning import scan
from tests.sdk import ACCOUNT, ROOT_AK, ROOT_SECRET, base_scenario, load

SCRIPT = str(Path(sys.executable).parent / "aliaudit")
SAMPLE = TESTS / "emulator" / "scenarios" / "sample.yaml"
SAMPLE_AK, SAMPLE_SECRET = "LTAIsampleaudit00001", "sample-audit-secret-000000000"


def test_family_groups_keep_shared_datasets_together():
    groups = family_groups(select_checks())
    assert sorted(f for g in groups for f in g) == sorted({c.meta.family for c in all_checks().values()})
    assert groups[0] == ["ram"]  # the global collections first: the longest
    # a family whose datasets another family reads anyway joins it: the KMS key checks read only the keys the RDS
    # TDE check reads (with the KMS secrets check, KMS reads more than RDS does and is a group of its own)
    keys_only = [c for c in select_checks() if c.meta.family == "rds" or c.meta.needs == ["kms.keys"]]
    assert ["kms", "rds"] in family_groups(keys_only)
    assert ["kms"] in groups and ["rds"] in groups
    assert family_groups([c for c in select_checks() if c.meta.family == "vpc"]) == [["vpc"]]


def _cli(cloud, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "TMPDIR": str(tmp_path / "tmp"),
           "ALIAUDIT_ENDPOINT_PROXY": cloud.url,
           "ALIAUDIT_ENDPOINT_PROTOCOL": "http", "ALIBABA_CLOUD_ACCESS_KEY_ID": SAMPLE_AK,
           "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SAMPLE_SECRET}
    return subprocess.run([SCRIPT, "scan", *args], capture_output=True, text=True, env=env, timeout=300,
                          cwd=tmp_path)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_processes_report_what_one_process_reports(cloud, tmp_path):
    cloud.emulator.load(Scenario.from_file(SAMPLE))
    split = _cli(cloud, tmp_path, "--output-dir", "split", "--processes", "8")  # (a small account: split on demand)
    # two processes: the family groups packed, the first share scanned by the aliaudit process itself
    packed = _cli(cloud, tmp_path, "--output-dir", "packed", "--processes", "2")
    single = _cli(cloud, tmp_path, "--output-dir", "single", "--processes", "1")
    assert split.returncode == packed.returncode == single.returncode == 3, split.stderr + single.stderr
    for out in (split, packed, single):
        assert SAMPLE_SECRET not in out.stdout + out.stderr
        # the command ends without tearing its interpreter down (cli.run): its output is flushed all the same,
        # and its spools are gone
        assert "Wrote:" in out.stdout and out.stdout.rstrip().endswith("aliaudit.summary.json")
        assert "collected ram.users in global" in out.stderr and "Traceback" not in out.stderr
    a, b = _rows(tmp_path / "split" / "aliaudit.csv"), _rows(tmp_path / "single" / "aliaudit.csv")
    assert len(a) > 100 and a == b == _rows(tmp_path / "packed" / "aliaudit.csv")  # the same findings, in order
    summaries = [json.loads((tmp_path / d / "aliaudit.summary.json").read_text())
                 for d in ("split", "packed", "single")]
    for s in summaries:
        s.pop("generated_at")
    assert summaries[0] == summaries[1] == summaries[2] and summaries[0]["status"].get("ERROR", 0) == 0
    assert not list((tmp_path / "tmp").iterdir())
    # every family group's process reported its collections in the progress lines
    done = next(line for line in split.stderr.splitlines() if line.startswith("collected "))
    assert "(0 failed)" in done


def _scan_in_child(cloud, inherited: list[int], pipe) -> None:
    from darabonba.core import DaraCore

    forget_inherited_connections()  # (what a scan process does first)
    kept = [id(s) for s in DaraCore._sessions.values() if id(s) in inherited]
    found = scan(cloud, regions=["cn-hangzhou"], families=["ecs"])
    pipe.send((kept, len(found)))


def test_a_forked_scan_process_opens_its_own_connections(cloud):
    """A packed scan forks its processes from the aliaudit process, whose SDK cores pool keep-alive connections
    to the endpoints it has called: a child that wrote on one of them would read its parent's answers."""
    from darabonba.core import DaraCore

    load(cloud, _scenario())
    here = scan(cloud, regions=["cn-hangzhou"], families=["ecs"])  # (pools a connection to the emulator)
    inherited = [id(s) for s in DaraCore._sessions.values()]
    assert inherited
    reader, writer = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=_scan_in_child, args=(cloud, inherited, writer))
    child.start()
    kept, found = reader.recv()
    child.join(60)
    assert child.exitcode == 0 and kept == [] and found == len(here)
    assert len(scan(cloud, regions=["cn-hangzhou"], families=["ecs"])) == len(here)  # the parent's pool still works


def _job(cloud, env: dict[str, str], regions: list[str]) -> ProcessScan:
    return ProcessScan(auth=AuthOptions(), settings=EndpointSettings(protocol="http", proxy=cloud.url,
                                                                     max_attempts=2, backoff_ms=10),
                       env=env, account_id=ACCOUNT, regions=regions)


def _scenario() -> dict:
    data = base_scenario(regions=["cn-hangzhou", "cn-shanghai"])
    acct = data["accounts"][0]
    acct["ecs"] = {"instances": [{"id": "i-web", "region": "cn-hangzhou"}]}
    return data


@pytest.mark.parametrize("asked_by_processes", [False, True], ids=["region-lists-given", "asked-by-processes"])
def test_a_process_that_dies_leaves_error_findings_not_gaps(cloud, admin, asked_by_processes):
    """asked_by_processes: each process asks its families' region lists and reports them first (the CLI's way), which
    re-counts what it owes."""
    load(cloud, _scenario())
    regions = ["cn-hangzhou", "cn-shanghai"]
    ids = [c.meta.id for c in select_checks(["ecs", "vpc", "kms"])]
    whole = Counter((f.check_id, f.region) for f in scan(cloud, regions=regions, checks=ids))  # (one process)
    admin.faults(latency_ms=150)  # every call slow: the ECS process is still at work when it is killed
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": ROOT_AK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": ROOT_SECRET}
    job = _job(cloud, env, regions)
    if asked_by_processes:
        job.not_offered = None
    scanner = ScanProcesses(job, ids)
    got = []
    killed = False
    for _check, _region, items in scanner.findings():
        got += items
        pid = scanner.pids().get("ecs")
        if not killed and pid:
            os.kill(pid, signal.SIGKILL)
            killed = True
    assert killed
    units = Counter((f.check_id, f.region) for f in got)
    # nothing missing: whatever the killed process had not sent is ERROR (including checks that would have
    # found nothing to report in a region)
    assert set(whole) <= set(units)
    extra = set(units) - set(whole)
    assert all(u[0].startswith("ecs_") for u in extra)
    assert all(f.status == Status.ERROR for f in got if (f.check_id, f.region) in extra)
    ecs_errors = [f for f in got if f.family == "ecs" and f.status == Status.ERROR]
    assert ecs_errors and all("the scan process for ecs ended unexpectedly (exit code -9)" in f.message
                              for f in ecs_errors)
    for f in ecs_errors:  # an ERROR stands alone for its check and region: no half-reported unit
        assert units[(f.check_id, f.region)] == 1
    others = [f for f in got if f.family != "ecs"]  # the other processes are unharmed
    assert Counter((f.check_id, f.region) for f in others) == Counter({u: n for u, n in whole.items()
                                                                      if not u[0].startswith("ecs_")})
    assert not [f for f in others if f.status == Status.ERROR]
    assert scanner.not_offered == {}  # (ECS, VPC and KMS have no region list: audited everywhere)


def test_a_process_that_cannot_authenticate_reports_why(cloud):
    load(cloud, _scenario())
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": ROOT_AK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "not-the-secret-000000"}
    ids = [c.meta.id for c in select_checks(["kms", "vpc"])]
    got = [f for _, _, items in ScanProcesses(_job(cloud, env, ["cn-hangzhou"]), ids).findings() for f in items]
    assert {f.check_id for f in got} == set(ids)
    assert all(f.status == Status.ERROR for f in got)
    assert "not-the-secret" not in json.dumps([f.model_dump(mode="json") for f in got])


def test_a_check_whose_data_another_family_collects_runs_with_that_family():
    """placement.runs_with: a check whose own family's other checks read none of its datasets runs with a family
    whose checks read them all. ActionTrail's two trail checks read the trails together (and its trail-bucket check
    what follows from them), so they stay; RAM's check of keys used from ECS instances also reads EIPs and trail
    events the ECS checks do not, so it stays too."""
    assert runs_with(select_checks()) == {}
    alone = [c for c in select_checks() if c.meta.id == "actiontrail_trail_all_regions_enabled"]
    alone += [c for c in select_checks() if c.meta.family == "oss"]
    assert runs_with(alone) == {"actiontrail_trail_all_regions_enabled": "oss"}  # no sibling: OSS reads the trails
    groups = {tuple(fams): {c.meta.id for c in mine} for fams, mine in check_groups(select_checks())}
    assert {"actiontrail_trail_all_regions_enabled", "actiontrail_trail_records_all_events",
            "actiontrail_trail_bucket_protected"} <= groups[("actiontrail",)]
    assert "ram_access_key_used_from_ecs" in groups[("ram",)]


def test_packed_the_groups_that_read_the_trails_scan_in_one_process():
    """The trails are listed in every region, at ActionTrail's 20 calls a second: ActionTrail's and OSS's checks
    read them, and SLS's audit and ActionTrail's trail buckets are made from their listing (Collector.follows),
    so packed, the three groups are one and a process lists the trails once for all of them; each group with
    global datasets (the long, paced collections) starts a process of its own."""
    groups = check_groups(select_checks())
    merged = linked(groups)
    assert len(merged) == len(groups) - 2
    ids = {c.meta.id for fams, mine in merged if fams == ["oss", "sls", "actiontrail"] for c in mine}
    assert {"actiontrail_trail_all_regions_enabled", "actiontrail_trail_bucket_protected",
            "oss_trail_bucket_not_public", "sls_actiontrail_logstore_retention_sufficient"} <= ids
    assert [fams[0] for fams, _ in pack(groups, 2, ["cn-hangzhou", "cn-shanghai"])] == ["ram", "oss"]
    # a large account's OSS group keeps its process to itself: SLS and ActionTrail join each other only
    apart = [fams for fams, _ in linked(groups, frozenset({"oss"})) if {"oss", "sls"} & set(fams)]
    assert apart == [["oss"], ["sls", "actiontrail"]]
    # a heavy group (scan_plan: a large account's listing) keeps a process to itself, wherever it is in the order
    alone = [fams for fams, _ in pack(groups, 2, ["cn-hangzhou"], frozenset({"cdn"})) if "cdn" in fams]
    assert alone == [["cdn"]]
    # a scan of SLS and KMS alone: nothing to link
    assert [fams for fams, _ in linked(check_groups(select_checks(["sls", "kms"])))] == [["sls"], ["kms"]]


def test_a_packed_scan_lists_the_trails_once_in_each_region(cloud, admin, tmp_path):
    cloud.emulator.load(Scenario.from_file(SAMPLE))
    out = _cli(cloud, tmp_path, "--output-dir", "packed", "--processes", "2")
    assert out.returncode == 3, out.stderr
    regions = ["cn-hangzhou", "cn-shanghai", "cn-beijing", "ap-southeast-1"]  # (sample.yaml's)
    assert admin.calls()["actiontrail:DescribeTrails"] == len(regions)
    rows = _rows(tmp_path / "packed" / "aliaudit.csv")
    assert {r["check_id"] for r in rows if r["status"] != "ERROR"} >= {
        "actiontrail_trail_all_regions_enabled", "actiontrail_trail_bucket_protected", "oss_trail_bucket_not_public",
        "sls_actiontrail_logstore_retention_sufficient"}


def test_the_scan_decides_its_processes_from_the_account_and_says_why(cloud, tmp_path):
    """scan_plan: the sample account (8 users and buckets) is small: its family groups packed into one process a
    core, forked from the aliaudit process (one process on one core), without asking; the choice and the reason
    are in the INFO log (ours, not oss2's line for each 404); --processes overrides; a second run sizes itself by
    the first one's findings."""
    cloud.emulator.load(Scenario.from_file(SAMPLE))
    n = min(len(check_groups(select_checks())), cores())
    first = _cli(cloud, tmp_path, "--output-dir", "out", "--log-level", "INFO")
    assert first.returncode == 3, first.stderr
    how = f"the family groups in {n} processes forked from this one (one a core)" if n > 1 else "one process"
    assert f"scan processes: {n} (8 RAM users and OSS buckets on the first pages, under 50: a small account, {how})" \
        in first.stderr
    assert "aliaudit-scan" not in first.stderr
    assert "oss2" not in first.stderr  # (its INFO line for every expected 404 would bury ours)
    again = _cli(cloud, tmp_path, "--output-dir", "out", "--log-level", "info")  # (any case)
    total = json.loads((tmp_path / "out" / "aliaudit.summary.json").read_text())["total"]
    assert f"scan processes: {n} (the previous run in the output directory had {total} findings" in again.stderr
    forced = _cli(cloud, tmp_path, "--output-dir", "forced", "--log-level", "INFO", "--processes", "3")
    assert "scan processes: 3 (--processes 3)" in forced.stderr
    assert "the scan process for" in forced.stderr  # (each process logs its end at INFO)


def test_sizes_between_small_and_large_share_thecores():
    """Medium: the family groups packed into one process a core, the RAM group's first."""
    small = _sized(8, SMALL_ITEMS - 1, SMALL_ITEMS, SPLIT_ITEMS, "seen")  # (forked where there are cores)
    n = min(8, cores())
    assert (small.processes, small.packed) == ((n, n) if n > 1 and forks() else (1, None))
    large = _sized(8, SPLIT_ITEMS, SMALL_ITEMS, SPLIT_ITEMS, "seen", frozenset({"ram"}))  # packed, RAM alone
    assert (large.processes, large.packed, large.heavy) == (MAX_PROCESSES, MAX_PROCESSES, frozenset({"ram"}))
    medium = _sized(8, SMALL_ITEMS, SMALL_ITEMS, SPLIT_ITEMS, "seen")
    assert medium.processes == min(8, cores()) and "medium" in medium.reason
    packed = pack(check_groups(select_checks()), 2, ["cn-hangzhou", "cn-shanghai"])
    assert len(packed) == 2 and "ram" in packed[0][0]  # (the global collections' process first)
    assert sorted(f for fams, _ in packed for f in fams) == sorted(f for g in family_groups(select_checks()) for f in g)
    assert sorted(c.meta.id for _, mine in packed for c in mine) == sorted(c.meta.id for c in select_checks())
