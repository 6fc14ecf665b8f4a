"""ActionTrail cases, from DescribeTrails' documented sample (trail test-4: TrailRegion All, EventRW All, Status Enable,
OssBucketName secloud, SlsProjectArn acs:log:cn-qingdao:...:project/zhengze-audit-log)."""

from __future__ import annotations

from aliaudit.collectors.actiontrail import TrailBucket, TrailInfo
from tests.check_cases import Case
from tests.check_inputs import ACCOUNT


def trail(**kw: object) -> TrailInfo:
    base: dict[str, object] = {"name": "test-4", "status": "Enable", "logging": True, "home_region": "cn-hangzhou",
                               "trail_region": "All", "event_rw": "All", "oss_bucket": "secloud",
                               "sls_project_arn": "acs:log:cn-qingdao:159498693826****:project/zhengze-audit-log"}
    base.update(kw)
    return TrailInfo(**base)  # type: ignore[arg-type]


_C = "actiontrail_trail_all_regions_enabled"
_B = "actiontrail_trail_bucket_protected"
_E = "actiontrail_trail_records_all_events"
CASES: list[Case] = [
    Case(_C, "documented sample trail", {"actiontrail.trails": [trail()]}, {"test-4": "PASS"}, region="global"),
    Case(_C, "SLS delivery only", {"actiontrail.trails": [trail(oss_bucket="")]}, {"test-4": "PASS"},
         region="global"),
    Case(_C, "multi-account trail", {"actiontrail.trails": [trail(organization=True)]}, {"test-4": "PASS"},
         region="global"),
    Case(_C, "no trail", {"actiontrail.trails": []}, {ACCOUNT: "FAIL"}, region="global"),
    Case(_C, "trail stopped", {"actiontrail.trails": [trail(status="Disable", logging=False)]}, {ACCOUNT: "FAIL"},
         region="global"),
    Case(_C, "one region only", {"actiontrail.trails": [trail(trail_region="cn-hangzhou")]}, {ACCOUNT: "FAIL"},
         region="global"),
    # the CIS 2.1 audit asks for the region All, logging enabled and all regions, not for EventRW (Write is the
    # API's default): actiontrail_trail_records_all_events asks for read events
    Case(_C, "write events only (the default) passes the CIS reading",
         {"actiontrail.trails": [trail(event_rw="Write")]}, {"test-4": "PASS"}, region="global"),
    Case(_C, "no delivery target", {"actiontrail.trails": [
        trail(oss_bucket="", sls_project_arn="")]}, {ACCOUNT: "FAIL"}, region="global"),
    Case(_C, "MaxCompute delivery only", {"actiontrail.trails": [trail(
        oss_bucket="", sls_project_arn="", max_compute_project_arn="acs:odps:cn-hangzhou:159498693826****:project/a")]},
         {"test-4": "PASS"}, region="global"),
    Case(_E, "the sample trail records All events",
         {"actiontrail.trails": [trail()]}, {"test-4": "PASS"}, region="global"),
    Case(_E, "write events only (CreateTrail's default) fails, as does a stopped All trail",
         {"actiontrail.trails": [trail(event_rw="Write"), trail(name="old", status="Disable", logging=False)]},
         {ACCOUNT: "FAIL"}, region="global"),
    # the documented samples' values: DescribeTrails OssBucketName secloud; GetBucketVersioning Status Enabled;
    # GetBucketWorm State Locked, RetentionPeriodInDays 20 (oss/GetBucketWorm.json); GetBucketEncryption
    # SSEAlgorithm KMS
    Case(_B, "versioning + KMS, locked WORM + AES256 pass; unlocked WORM, nothing, no encryption fail",
         {"actiontrail.trail_buckets": [
             TrailBucket(name="secloud", trails=["test-4"], region="cn-hangzhou", versioning="Enabled",
                         sse_algorithm="KMS"),
             TrailBucket(name="worm", trails=["t2"], region="cn-hangzhou", worm_state="Locked", worm_days=20,
                         sse_algorithm="AES256"),
             TrailBucket(name="pending", trails=["t3"], region="cn-hangzhou", worm_state="InProgress", worm_days=20,
                         sse_algorithm="AES256"),
             TrailBucket(name="bare", trails=["t4"], region="cn-hangzhou"),
             TrailBucket(name="plain", trails=["t5"], region="cn-hangzhou", versioning="Enabled")]},
         {"secloud": "PASS", "worm": "PASS", "pending": "FAIL", "bare": "FAIL", "plain": "FAIL"}, region="global"),
    Case(_B, "another account's bucket, a retention policy whose State is not told: MANUAL; a read that failed: "
         "ERROR",
         {"actiontrail.trail_buckets": [
             TrailBucket(name="rd-log-archive", trails=["org-trail"], in_account=False),
             TrailBucket(name="stateless", trails=["t6"], region="cn-hangzhou", worm_state="unknown", worm_days=20,
                         sse_algorithm="KMS"),
             TrailBucket(name="secloud", trails=["test-4"], region="cn-hangzhou", versioning="Enabled",
                         errors={"encryption": "AccessDenied: denied"})]},
         {"rd-log-archive": "MANUAL", "stateless": "MANUAL", "secloud": "ERROR"}, region="global"),
    Case(_B, "no trail delivers to OSS: no result", {"actiontrail.trail_buckets": []}, {}, region="global"),
]
