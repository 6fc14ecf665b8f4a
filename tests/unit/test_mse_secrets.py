"""MSE: QueryConfig answers a ZooKeeper super-ACL UserName and PassWord; neither reaches the dataset, a finding or a
log line, whatever the instance's verdicts (including when the other read fails)."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest

from aliaudit.checks.registry import Inputs, all_checks
from aliaudit.collectors.mse import CLUSTERS, clusters
from aliaudit.config import AuditConfig

USER, PASSWORD = "zk-super-admin-7f3a", "Zk!S3cret-Pa55w0rd-91c2"


class FakeMse:
    def list_clusters(self, request: Any) -> Any:
        data = [SimpleNamespace(instance_id=f"mse-{t}", cluster_alias_name=t, cluster_type=t, app_version="3.8")
                for t in ("ZooKeeper", "Nacos-Ans")]
        return SimpleNamespace(body=SimpleNamespace(data=data, total_count=2))

    def query_config(self, request: Any) -> Any:
        data = SimpleNamespace(config_auth_enabled=False, config_auth_supported=True, naming_auth_enabled=False,
                               naming_auth_supported=True, auth_enabled=False, user_name=USER, pass_word=PASSWORD)
        return SimpleNamespace(body=SimpleNamespace(data=data))

    def query_cluster_detail(self, request: Any) -> Any:
        raise RuntimeError("Throttling.User: request was denied due to user flow control")


def test_the_zookeeper_password_reaches_no_output(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ctx = SimpleNamespace(region="cn-hangzhou", client=lambda product: FakeMse(),
                          map=lambda fn, items: [fn(i) for i in items])
    data = clusters(ctx)  # type: ignore[arg-type]
    findings = []
    for cid in ("mse_cluster_config_auth_enabled", "mse_cluster_internet_access_restricted"):
        findings += [r.model_dump(mode="json") for r in all_checks()[cid].fn(
            Inputs({CLUSTERS.name: data}, AuditConfig(), "cn-hangzhou", "1", None))]  # type: ignore[arg-type]
    statuses = {(f["resource_id"], f["status"]) for f in findings}
    assert ("mse-ZooKeeper", "FAIL") in statuses and ("mse-ZooKeeper", "ERROR") in statuses
    text = json.dumps([c.model_dump(mode="json") for c in data]) + json.dumps(findings) + caplog.text
    assert USER not in text and PASSWORD not in text
