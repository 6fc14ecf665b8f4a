"""MSE: QueryConfig answers a ZooKeeper super-ACL UserName and PassWord; neither reaches the dataset, a finding or a
log line, whatever the instance's verdicts (including when the other read fails). The emulator's QueryConfig does not
answer these two fields, so read_config is fed the SDK's own QueryConfig Data model holding them."""

from __future__ import annotations

import json
import logging

import pytest
from alibabacloud_mse20190531 import models as mse_models
from alibabacloud_tea_openapi.exceptions import ThrottlingException

from aliaudit import apierrors
from aliaudit.checks.registry import Inputs, all_checks
from aliaudit.collectors.mse import CLUSTERS, MseCluster, read_config
from aliaudit.config import AuditConfig

USER, PASSWORD = "zk-super-admin-7f3a", "Zk!S3cret-Pa55w0rd-91c2"


def answered() -> mse_models.QueryConfigResponseBodyData:
    return mse_models.QueryConfigResponseBodyData().from_map({
        "ConfigAuthEnabled": False, "ConfigAuthSupported": True, "NamingAuthEnabled": False,
        "NamingAuthSupported": True, "AuthEnabled": False, "UserName": USER, "PassWord": PASSWORD})


def test_the_answer_holds_the_secrets() -> None:
    data = answered()  # (the SDK model carries them: the test would prove nothing otherwise)
    assert (data.user_name, data.pass_word) == (USER, PASSWORD)


def test_the_zookeeper_password_reaches_no_output(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    clusters = []
    for kind in ("ZooKeeper", "Nacos-Ans"):
        cl = MseCluster(id=f"mse-{kind}", name=kind, region="cn-hangzhou", type=kind, version="3.8")
        read_config(cl, answered())
        # QueryClusterDetail failed: the collector keeps the error's description
        cl.detail_error = apierrors.describe(ThrottlingException(
            status_code=400, code="Throttling.User", message="Request was denied due to user flow control."))
        clusters.append(cl)
    findings = []
    for cid in ("mse_cluster_config_auth_enabled", "mse_cluster_internet_access_restricted"):
        findings += [r.model_dump(mode="json") for r in all_checks()[cid].fn(
            Inputs({CLUSTERS.name: clusters}, AuditConfig(), "cn-hangzhou", "1", None))]  # type: ignore[arg-type]
    statuses = {(f["resource_id"], f["status"]) for f in findings}
    assert ("mse-ZooKeeper", "FAIL") in statuses and ("mse-ZooKeeper", "ERROR") in statuses
    text = json.dumps([c.model_dump(mode="json") for c in clusters]) + json.dumps(findings) + caplog.text
    assert USER not in text and PASSWORD not in text


def test_an_answer_without_data_fails_the_read() -> None:
    with pytest.raises(ValueError, match="no Data"):
        read_config(MseCluster(id="mse-1", region="cn-hangzhou"), None)


def test_an_answer_with_success_false_is_an_error_never_an_empty_region() -> None:
    """MSE answers carry Success ("false: The request failed"): such an answer raises with its ErrorCode, so a failed
    ListClusters never reads as a region without instances (SDK response models, built as the SDK builds them)."""
    import pytest
    from alibabacloud_mse20190531 import models as mse_models

    from aliaudit import apierrors
    from aliaudit.collectors.mse import _ok

    failed = mse_models.ListClustersResponseBody().from_map(
        {"Success": False, "ErrorCode": "AnyErrorCode", "Message": "request failed", "Data": []})  # (illustrative)
    with pytest.raises(apierrors.AnswerFailure) as caught:
        _ok(failed)
    assert "AnyErrorCode" in apierrors.describe(caught.value)
    fine = mse_models.ListClustersResponseBody().from_map({"Success": True, "Data": [], "TotalCount": 0})
    assert _ok(fine) is fine
