"""The ACK collector and checks on Alibaba's documented samples (tests/fixtures/wire/cs): ListClusterInspectReports
answers one completed report whose summary.code is "warning" with errorCount and warnCount 0 (normalCount 1);
DescribeClusterDetail answers control_plane_config.cloud_monitor_flags true for the dedicated (cluster_type
Kubernetes) cluster DescribeClustersV1 lists, whose one node pool (DescribeClusterNodePools) has cms_enabled true."""

from __future__ import annotations

from aliaudit.config import AuditConfig
from tests.check_inputs import run_check, statuses
from tests.wire_replay import WireReplay
from tests.wire_samples import collect, covers, pick

CID = "c3fb96524f9274b4495df0f12a6b5****"


@covers("ack.clusters")
def test_the_documented_inspection_summary_is_not_normal(replay: WireReplay) -> None:
    got = collect(replay, "ack.clusters")
    expected = {"clusters": [{"id": CID, "cluster_type": "Kubernetes", "state": "running",
                              "last_inspection_code": "warning", "last_inspection_errors": 0,
                              "last_inspection_warnings": 0, "errors": {}}]}
    assert pick(got, expected) == expected
    # the sample's report is from 2024-12-18: the age limit is lifted so that only its result is judged
    config = AuditConfig.model_validate({"ack_inspection_max_age_days": 36500})
    results = run_check("ack_cluster_inspection_recent", {"ack.clusters": got}, config=config)
    assert statuses(results) == {CID: "FAIL"}
    assert "warning" in results[0].message


def test_the_documented_dedicated_cluster_has_cloudmonitor_on_its_masters(replay: WireReplay) -> None:
    got = collect(replay, "ack.clusters")
    assert [(c.dedicated, c.control_plane_cms) for c in got.clusters] == [(True, True)]
    assert statuses(run_check("ack_cluster_cloudmonitor_enabled", {"ack.clusters": got})) == {CID: "PASS"}
