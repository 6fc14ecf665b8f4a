"""ActionTrail CreateTrail's documented errors, through the unmodified alibabacloud_actiontrail20200706 SDK."""

from __future__ import annotations

import pytest
from alibabacloud_actiontrail20200706 import models as at_models
from alibabacloud_actiontrail20200706.client import Client as TrailClient
from alibabacloud_tea_openapi.exceptions import ClientException

from tests.sdk import ACCOUNT, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config


def test_create_trail_needs_a_delivery_target_and_a_free_name(cloud):
    """CreateTrail's errorCodes (OpenMeta actiontrail/2020-07-06 api-docs.json), both HTTP 400:
    InvalidDeliveryConfigurationException "You must specify at least one Log Service project or OSS bucket for a
    Trail." (OssBucketName, SlsProjectArn or MaxComputeProjectArn: "You must specify at least one"), and
    TrailAlreadyExistsException."""
    load(cloud, base_scenario())
    client = TrailClient(pop_config(cloud, ROOT_AK, ROOT_SECRET))
    with pytest.raises(ClientException) as err:
        client.create_trail(at_models.CreateTrailRequest(name="no-target", event_rw="All"))
    assert (err.value.code, err.value.statusCode) == ("InvalidDeliveryConfigurationException", 400)
    assert "at least one Log Service project or OSS bucket" in err.value.message
    assert client.describe_trails(at_models.DescribeTrailsRequest()).body.trail_list == []

    arn = f"acs:log:cn-hangzhou:{ACCOUNT}:project/audit"
    client.create_trail(at_models.CreateTrailRequest(name="to-sls", sls_project_arn=arn))
    client.create_trail(at_models.CreateTrailRequest(
        name="to-maxcompute", max_compute_project_arn=f"acs:odps:cn-hangzhou:{ACCOUNT}:project/audit"))
    with pytest.raises(ClientException) as err:
        client.create_trail(at_models.CreateTrailRequest(name="to-sls", sls_project_arn=arn))
    assert (err.value.code, err.value.statusCode) == ("TrailAlreadyExistsException", 400)
    listed = client.describe_trails(at_models.DescribeTrailsRequest()).body.trail_list
    assert sorted(t.name for t in listed) == ["to-maxcompute", "to-sls"]
