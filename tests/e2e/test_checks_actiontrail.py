"""ActionTrail trail-bucket protection through the scan entry point: the trails' OSS buckets with versioning, a
locked retention policy (WORM), default encryption, another account's bucket and a denied read; then the OSS
writes that remediate it (InitiateBucketWorm + CompleteBucketWorm, PutBucketEncryption), recorded as events."""

from __future__ import annotations

from typing import Any

import oss2

from aliaudit.clients import ClientFactory
from aliaudit.credentials.providers import StaticProvider
from aliaudit.settings import EndpointSettings
from tests.scanning import by_resource, scan
from tests.sdk import ACCOUNT, READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load

CHECK = "actiontrail_trail_bucket_protected"


def account() -> dict[str, Any]:
    trails = [
        {"name": "main", "trail_region": "All", "event_rw": "All", "oss_bucket_name": "logs-versioned"},
        {"name": "compliance", "trail_region": "All", "event_rw": "All", "oss_bucket_name": "logs-worm"},
        {"name": "compliance-copy", "trail_region": "cn-hangzhou", "event_rw": "Write",
         "oss_bucket_name": "logs-worm"},
        {"name": "legacy", "trail_region": "cn-hangzhou", "event_rw": "Write", "oss_bucket_name": "logs-bare"},
        {"name": "pending", "trail_region": "cn-hangzhou", "event_rw": "All", "oss_bucket_name": "logs-unlocked"},
        {"name": "org", "trail_region": "All", "event_rw": "All", "oss_bucket_name": "rd-log-archive"},
        {"name": "sls-only", "trail_region": "All", "event_rw": "All",
         "sls_project_arn": f"acs:log:cn-hangzhou:{ACCOUNT}:project/audit"},
    ]
    buckets = [
        {"name": "logs-versioned", "region": "cn-hangzhou", "versioning": "Enabled",
         "encryption": {"sse_algorithm": "KMS"}},
        {"name": "logs-worm", "region": "cn-shanghai", "worm": {"state": "Locked", "retention_days": 365},
         "encryption": {"sse_algorithm": "AES256"}},
        {"name": "logs-bare", "region": "cn-hangzhou"},
        {"name": "logs-unlocked", "region": "cn-hangzhou", "encryption": {"sse_algorithm": "AES256"},
         "worm": {"state": "InProgress", "retention_days": 30, "created": "2099-01-01T00:00:00Z"}},
    ]
    return base_scenario(regions=["cn-hangzhou", "cn-shanghai"], actiontrail={"trails": trails},
                         oss={"buckets": buckets})


def test_trail_buckets_protected_or_not(cloud):
    load(cloud, account())
    findings = scan(cloud, checks=[CHECK])
    assert by_resource(findings, CHECK) == {"logs-versioned": "PASS", "logs-worm": "PASS", "logs-bare": "FAIL",
                                            "logs-unlocked": "FAIL", "rd-log-archive": "MANUAL"}
    by_id = {f.resource_id: f for f in findings}
    assert by_id["logs-worm"].resource_name == "compliance, compliance-copy"
    assert by_id["logs-worm"].region == "cn-shanghai"
    assert "locked 365-day retention policy" in by_id["logs-worm"].message
    assert "no default server-side encryption" in by_id["logs-bare"].message
    assert "InProgress (not locked)" in by_id["logs-unlocked"].message
    assert by_id["logs-bare"].severity.value == "medium"


def test_remediation_with_worm_and_encryption_is_recorded(cloud, admin):
    load(cloud, account())
    factory = ClientFactory(StaticProvider(ROOT_AK, ROOT_SECRET), EndpointSettings(protocol="http", proxy=cloud.url))
    bucket = factory.oss_bucket("logs-bare", "cn-hangzhou")
    worm_id = bucket.init_bucket_worm(365).worm_id
    bucket.put_bucket_encryption(oss2.models.ServerSideEncryptionRule(sse_algorithm="KMS"))
    assert by_resource(scan(cloud, checks=[CHECK]), CHECK)["logs-bare"] == "FAIL"  # InProgress: not locked yet
    bucket.complete_bucket_worm(worm_id)
    assert bucket.get_bucket_worm().state == "Locked"
    assert by_resource(scan(cloud, checks=[CHECK]), CHECK)["logs-bare"] == "PASS"
    recorded = {e["eventName"] for e in admin.events(ACCOUNT)}
    assert {"InitiateBucketWorm", "CompleteBucketWorm", "PutBucketEncryption"} <= recorded
    # versioning and a retention policy exclude each other (OSS API reference)
    try:
        bucket.put_bucket_versioning(oss2.models.BucketVersioningConfig("Enabled"))
    except oss2.exceptions.OssError as err:
        assert err.status == 400
    else:
        raise AssertionError("versioning was enabled on a bucket with a retention policy")


def test_denied_worm_read_gives_an_error_for_that_bucket(cloud):
    data = account()
    acct = data["accounts"][0]
    acct["ram"]["policies"] = [{"name": "NoWorm", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Resource": "*", "Action": ["oss:GetBucketWorm"]}]}}]
    acct["ram"]["groups"][0]["policies"].append({"name": "NoWorm", "type": "Custom"})
    load(cloud, data)
    findings = scan(cloud, checks=[CHECK], ak=READER_AK, secret=READER_SECRET)
    verdicts = by_resource(findings, CHECK)
    assert verdicts == {"logs-versioned": "ERROR", "logs-worm": "ERROR", "logs-bare": "ERROR",
                        "logs-unlocked": "ERROR", "rd-log-archive": "MANUAL"}
    assert all("AccessDenied" in f.message for f in findings if f.status.value == "ERROR")


def test_a_single_region_trail_is_seen_from_its_home_region(cloud):
    # DescribeTrails answers the current region's trails (plus shadows of those applying to all regions): a trail of
    # cn-shanghai alone is seen only when that region is asked, and every region of the scan is
    from alibabacloud_actiontrail20200706 import models as at_models
    from alibabacloud_actiontrail20200706.client import Client as TrailClient

    from tests.sdk import pop_config

    data = account()
    data["accounts"][0]["actiontrail"]["trails"].append(
        {"name": "sh-only", "home_region": "cn-shanghai", "trail_region": "cn-shanghai", "event_rw": "All",
         "oss_bucket_name": "logs-sh"})
    data["accounts"][0]["oss"]["buckets"].append({"name": "logs-sh", "region": "cn-shanghai"})
    load(cloud, data)

    def names(region: str) -> set[str]:
        client = TrailClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                                        region_id=region))
        body = client.describe_trails(at_models.DescribeTrailsRequest(include_shadow_trails=True)).body
        return {t.name for t in body.trail_list or []}

    assert "sh-only" not in names("cn-hangzhou") and "main" in names("cn-shanghai")  # (a shadow of main)
    assert "sh-only" in names("cn-shanghai") and "legacy" not in names("cn-shanghai")
    findings = scan(cloud, checks=[CHECK], regions=["cn-hangzhou", "cn-shanghai"])
    assert by_resource(findings, CHECK)["logs-sh"] == "FAIL"
    assert by_resource(scan(cloud, checks=[CHECK]), CHECK).get("logs-sh") is None  # cn-hangzhou alone: not seen


def test_a_default_trail_passes_cis_2_1_but_records_write_events_only(cloud):
    """CreateTrail without EventRW records write events only ("Write: ... the default value") and is Fresh until
    StartLogging (alibabacloud_actiontrail20200706 doc comments). CIS 2.1's audit asks for the region All and
    logging, not for EventRW: it passes once logging starts; the stricter check asks for EventRW All."""
    from alibabacloud_actiontrail20200706 import models as at_models
    from alibabacloud_actiontrail20200706.client import Client as TrailClient

    from tests.sdk import pop_config

    load(cloud, base_scenario(regions=["cn-hangzhou"]))
    client = TrailClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                                    region_id="cn-hangzhou"))
    client.create_trail(at_models.CreateTrailRequest(name="audit", trail_region="All",
                                                     sls_project_arn=f"acs:log:cn-hangzhou:{ACCOUNT}:project/a"))
    (created,) = client.describe_trails(at_models.DescribeTrailsRequest()).body.trail_list
    assert (created.status, created.event_rw) == ("Fresh", "Write")
    checks = ["actiontrail_trail_all_regions_enabled", "actiontrail_trail_records_all_events"]
    assert {f.check_id: f.status.value for f in scan(cloud, checks=checks)} == {c: "FAIL" for c in checks}

    client.start_logging(at_models.StartLoggingRequest(name="audit"))
    findings = {f.check_id: f for f in scan(cloud, checks=checks)}
    assert findings[checks[0]].status.value == "PASS" and "Write events only" in findings[checks[0]].message
    assert findings[checks[1]].status.value == "FAIL" and "audit (Enable, All, Write)" in findings[checks[1]].message

    client.update_trail(at_models.UpdateTrailRequest(name="audit", event_rw="All"))
    assert {f.check_id: f.status.value for f in scan(cloud, checks=checks)} == {c: "PASS" for c in checks}
