"""The typed check contract: datasets are handles declared beside their collectors, a check names the handles it
reads, and every mistake in that contract fails when the module is imported, not in a run."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from aliaudit.checks.registry import REGISTRY, Inputs, all_checks, check
from aliaudit.collectors import load_all
from aliaudit.collectors.oss import BUCKETS, OssInventory
from aliaudit.collectors.registry import COLLECTORS, collector
from aliaudit.config import AuditConfig
from aliaudit.datasets import GLOBAL, Dataset, Scope
from aliaudit.findings import Result, Status

META = {"title": "t", "severity": "low", "risk": "r", "console": "c", "cli": "x"}


def test_a_dataset_named_by_string_is_refused_at_registration() -> None:
    with pytest.raises(TypeError, match="Dataset handles"):
        check(id="test_string_dataset", needs=["oss.buckets"], **META)  # type: ignore[list-item]
    assert "test_string_dataset" not in REGISTRY


def test_a_misspelt_handle_fails_at_import() -> None:
    source = "from aliaudit.collectors.oss import BUCKET\n"  # (BUCKETS)
    with pytest.raises(ImportError, match="BUCKET"):
        exec(compile(source, "<check module>", "exec"), {})


def test_a_check_cannot_mix_global_and_regional_datasets() -> None:
    regional: Dataset[list[str]] = Dataset("test.things", Scope.REGIONAL)
    with pytest.raises(ValueError, match="mixes global and regional"):
        check(id="test_mixed", needs=[BUCKETS, regional], **META)


def test_only_a_check_that_reads_nothing_names_its_scope() -> None:
    with pytest.raises(ValueError, match="scope comes from the datasets"):
        check(id="test_scoped", needs=[BUCKETS], scope=Scope.REGIONAL, **META)
    with pytest.raises(ValueError, match="scope comes from the datasets"):
        check(id="test_unscoped", needs=[], **META)


def test_dataset_names_are_family_dot_what_and_scopes_are_scopes() -> None:
    with pytest.raises(ValueError, match="<family>.<what>"):
        Dataset("buckets", Scope.GLOBAL)
    with pytest.raises(TypeError, match="must be a Scope"):
        Dataset("oss.buckets", "global")  # type: ignore[arg-type]
    assert f"{Scope.GLOBAL}" == str(Scope.GLOBAL) == GLOBAL == "global"


def test_one_collector_per_dataset() -> None:
    load_all()
    with pytest.raises(ValueError, match="two collectors"):
        collector(BUCKETS, apis=[])(lambda ctx: OssInventory(buckets=[]))


def test_a_collector_follows_only_global_datasets_that_have_collectors() -> None:
    regional: Dataset[list[str]] = Dataset("test.things", Scope.REGIONAL)
    with pytest.raises(ValueError, match="only follow global datasets"):
        collector(Dataset("test.more", Scope.GLOBAL), apis=[], follows=[regional])
    load_all()
    followed = {d for c in COLLECTORS.values() for d in c.follows}
    assert "actiontrail.trails" in followed and followed <= set(COLLECTORS)


def test_every_dataset_a_check_reads_has_its_collector_with_the_same_scope() -> None:
    load_all()
    for c in all_checks().values():
        for name in c.meta.needs:
            assert name in COLLECTORS, f"{c.meta.id} reads {name}, which no collector produces"
            assert COLLECTORS[name].scope == c.meta.scope, c.meta.id


def test_inputs_are_read_by_handle() -> None:
    inventory = OssInventory(buckets=[])
    inp = Inputs({BUCKETS.name: inventory}, AuditConfig(), GLOBAL, "1", datetime.now(timezone.utc))
    assert inp[BUCKETS] is inventory


def test_a_checks_findings_and_errors_come_from_its_public_builders() -> None:
    c = all_checks()["oss_bucket_versioning_enabled"]
    f = c.finding("1", GLOBAL, Result(status=Status.FAIL, resource_id="b", message="m", region="cn-hangzhou"))
    assert (f.check_id, f.family, f.region, f.status, f.remediation.startswith(c.meta.remediation.console)) == (
        "oss_bucket_versioning_enabled", "oss", "cn-hangzhou", Status.FAIL, True)
    e = c.error("1", GLOBAL, "could not collect oss.buckets: denied")
    assert (e.status, e.resource_id, e.region, e.message) == (Status.ERROR, "1", GLOBAL,
                                                              "could not collect oss.buckets: denied")
    regional = next(x for x in all_checks().values() if x.meta.scope == Scope.REGIONAL)
    assert regional.error("1", "cn-beijing", "down").resource_id == "cn-beijing"
