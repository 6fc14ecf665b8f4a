"""ACK Secret encryption "is supported only on ACK Pro clusters and ACK Serverless Pro clusters" (doc-detail/177372):
a Basic or dedicated cluster without it still FAILs (its Secrets are unencrypted), and the message says the fix is
ACK Pro, not a switch."""

from __future__ import annotations

from aliaudit.checks.registry import Inputs, all_checks
from aliaudit.config import AuditConfig
from tests.check_cases.ack import ack, cluster

OFF = {"Capabilities": {"Network": "terway-eniip"}}


def messages(*clusters: object) -> dict[str, tuple[str, str]]:
    check = all_checks()["ack_cluster_secret_encryption_enabled"]
    results = check.fn(Inputs(ack(*clusters), AuditConfig(), "cn-beijing", "1", None))  # type: ignore[arg-type]
    return {r.resource_id: (r.status.value, r.message) for r in results}


def test_the_fail_names_the_pro_edition_where_the_switch_does_not_exist() -> None:
    got = messages(cluster("c-pro", cluster_spec="ack.pro.small", meta_data=OFF),
                   cluster("c-basic", cluster_spec="ack.standard", meta_data=OFF),
                   cluster("c-dedicated", cluster_type="Kubernetes", meta_data=OFF))
    assert {cid: status for cid, (status, _) in got.items()} == {"c-pro": "FAIL", "c-basic": "FAIL",
                                                                  "c-dedicated": "FAIL"}
    assert "ACK Pro" not in got["c-pro"][1]
    assert got["c-basic"][1].endswith("this ACK Basic cluster (cluster_spec ack.standard) cannot enable it: migrate "
                                      "it to ACK Pro")
    assert "dedicated clusters do not offer Secret encryption" in got["c-dedicated"][1]
