"""Issue 14 item 7: DescribeTrails lists only single-account trails unless IncludeOrganizationTrail=true
(https://www.alibabacloud.com/help/doc-detail/28842.htm; SDK DescribeTrailsRequest doc comment). A member account
covered by its resource directory's multi-account trail passes CIS 2.1; the trail's SLS project lives in the
management account, which the member cannot read: the alert and retention items say so (MANUAL), not ERROR."""

from __future__ import annotations

from alibabacloud_actiontrail20200706 import models as at_models
from alibabacloud_actiontrail20200706.client import Client as TrailClient

from tests.scanning import scan
from tests.sdk import ACCOUNT, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

MANAGER = "1000000000000009"


def _org() -> dict:
    data = base_scenario()
    data["accounts"].append({
        "id": MANAGER, "alias": "mgmt", "root": {"access_keys": [{"id": "LTAImgmtroot0000001", "secret": "m"}]},
        "actiontrail": {"trails": [{"name": "org-audit", "is_organization_trail": True, "trail_region": "All",
                                    "event_rw": "All", "oss_bucket_name": "org-trail-logs",
                                    "sls_project_arn": f"acs:log:cn-hangzhou:{MANAGER}:project/org-audit-logs"}]},
        "oss": {"buckets": [{"name": "org-trail-logs", "region": "cn-shanghai"}]},
        "sls": {"projects": [{"name": "org-audit-logs", "region": "cn-hangzhou"}]}})
    data["resource_directory"] = {"management_account_id": MANAGER, "members": [
        {"account_id": MANAGER, "display_name": "mgmt"}, {"account_id": ACCOUNT, "display_name": "member"}]}
    return data


def test_organisation_trails_are_listed_only_when_asked(cloud):
    load(cloud, _org())
    trail = TrailClient(pop_config(cloud, ROOT_AK, ROOT_SECRET))
    assert trail.describe_trails(at_models.DescribeTrailsRequest()).body.trail_list == []
    listed = trail.describe_trails(at_models.DescribeTrailsRequest(include_organization_trail=True)).body.trail_list
    assert [(t.name, t.is_organization_trail, t.organization_id, t.oss_bucket_location) for t in listed] == [
        ("org-audit", True, "rd-emulator01", "cn-shanghai")]


def test_a_member_covered_by_the_organisation_trail_passes_cis_2_1(cloud):
    load(cloud, _org())
    findings = scan(cloud, families=["actiontrail", "sls"])
    trail = [f for f in findings if f.check_id == "actiontrail_trail_all_regions_enabled"]
    assert [(f.status.value, f.message) for f in trail] == [
        ("PASS", "multi-account trail org-audit logs all events of all regions to OSS, Log Service")]
    alerts = [f for f in findings if f.check_id.startswith("sls_alert_")]
    assert alerts and {f.status.value for f in alerts} == {"MANUAL"}
    assert f"org-audit-logs/actiontrail_org-audit of account {MANAGER}" in alerts[0].message
    retention = [f for f in findings if f.check_id == "sls_actiontrail_logstore_retention_sufficient"]
    assert [f.status.value for f in retention] == ["MANUAL"]
    assert not [f for f in findings if f.status.value == "ERROR"]
