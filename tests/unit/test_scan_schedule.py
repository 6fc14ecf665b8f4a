"""The order in which a scan collects (scan.schedule): the long collections first, in every region at once, then
the global datasets and the regions one after another."""

from __future__ import annotations

from aliaudit.collectors.registry import COLLECTORS
from aliaudit.scan import GLOBAL, dataset_jobs, schedule, select_checks

REGIONS = ["cn-hangzhou", "cn-shanghai", "eu-west-1"]


def _jobs(families: list[str]) -> list[tuple[str, str]]:
    rank = {r: n for n, r in enumerate([GLOBAL, *REGIONS])}
    return sorted(dataset_jobs(select_checks(families), REGIONS), key=lambda j: (rank[j[1]], j[0]))


def test_the_long_collections_start_first_in_every_region_and_the_rest_come_global_then_region_by_region():
    jobs = _jobs(["ram", "sls", "ecs"])
    long, waves = schedule(jobs)
    assert long == [("ram.users", GLOBAL)] + [("sls.logstores", r) for r in REGIONS]
    assert [{region for _, region in wave} for wave in waves] == [{GLOBAL}, *({r} for r in REGIONS)]
    assert not {job for wave in waves for job in wave} & set(long)
    assert sorted(long + [job for wave in waves for job in wave]) == sorted(jobs)  # each job once
    assert all(COLLECTORS[d].long for d, _ in long)


def test_without_long_collections_the_waves_are_the_whole_scan():
    jobs = _jobs(["ecs"])
    long, waves = schedule(jobs)
    assert long == [] and [job for wave in waves for job in wave] == jobs


def test_every_collector_s_actions_name_an_sdk_the_scan_imports_before_its_threads_start():
    # (clients.import_sdks: a family added without its RAM service code mapped would import its SDK mid-scan)
    from aliaudit.clients import sdk_module
    from aliaudit.collectors import load_all

    load_all()
    services = {api.split(":", 1)[0] for c in COLLECTORS.values() for api in c.apis}
    assert {s for s in services if sdk_module(s) is None} == set()


def test_the_pipeline_invokes_the_workers_of_long_collections_first():
    # (runtime/dispatcher.py: the workers that end a run start first, the others after by name)
    from aliaudit.runtime.dispatcher import invocation_order, plan_parts
    from aliaudit.runtime.models import Manifest
    from aliaudit.runtime.triggers import Plan

    check_ids, parts, moved = plan_parts(Plan(kind="daily", run_id="daily-1"), REGIONS)
    manifest = Manifest(run_id="daily-1", account_id="1", created="2026-01-01T00:00:00Z", kind="daily",
                        regions=REGIONS, check_ids=check_ids, parts=parts, runs_with=moved)
    order = [family for _, family in invocation_order({("", p.family) for p in parts}, manifest)]
    assert order[:2] == ["ram", "sls"] and order[2:] == sorted(order[2:])
    assert sorted(order) == sorted({p.family for p in parts})
