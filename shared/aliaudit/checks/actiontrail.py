"""ActionTrail checks: CIS Alibaba Cloud Foundations v2.0.0 section 2 (trails)."""

from __future__ import annotations

from collections.abc import Iterator

from ..collectors.actiontrail import TRAIL_BUCKETS, TRAILS, TrailBucket, TrailInfo
from ..findings import Result, Status
from .registry import Inputs, check


def _trail_list(trails: list[TrailInfo]) -> str:
    return ", ".join(f"{t.name} ({t.status}, {t.trail_region}, {t.event_rw})" for t in trails) or "none"


@check(id="actiontrail_trail_all_regions_enabled", severity="high",
       title="Ensure ActionTrail is configured to export copies of all log entries",
       risk="Without an enabled trail applied to every region, incidents cannot be investigated and changes go "
            "unnoticed.",
       console="ActionTrail console > Trails > Create Trail: all regions, All events, deliver to OSS or SLS.",
       cli="aliyun actiontrail CreateTrail --Name audit --EventRW All --TrailRegion All --OssBucketName <b>; "
           "aliyun actiontrail StartLogging --Name audit",
       cis=["2.1"], events=["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"],
       needs=[TRAILS],
       evaluates="DescribeTrails (with shadow and multi-account trails): PASS when at least one trail has Status "
                 "Enable, TrailRegion All and a delivery target (OssBucketName, SlsProjectArn or "
                 "MaxComputeProjectArn); otherwise one FAIL for the account listing every trail. The audit asks "
                 "for the region All, logging enabled and 'Apply Trail to All Regions', not for EventRW: a trail "
                 "recording Write events only passes here, and the message says so; "
                 "actiontrail_trail_records_all_events asks for read events too. TrailRegion is compared exactly "
                 "('All'). The console steps say 'to OSS for storage', the CLI step only that the trail is enabled "
                 "for region All: a trail delivering to Log Service or MaxCompute only passes too, and the message "
                 "names where it delivers.",
       cis_audit="Ensure at least one Trail has All specified in the Region column, Logging is set to Enable to "
                 "export log copies to OSS for storage, and Yes is selected for Apply Trail to All Regions. Using "
                 "CLI: Ensure Trail is set to enable and Trail Region is set to All (aliyun actiontrail "
                 "DescribeTrails).")
def all_regions(inp: Inputs) -> Iterator[Result]:
    trails: list[TrailInfo] = inp[TRAILS]
    good = sorted((t for t in trails if t.logging and t.trail_region == "All" and t.delivers),
                  key=lambda t: t.event_rw != "All")  # (one recording every event first: the message names it)
    if good:
        t = good[0]
        kind = "multi-account trail" if t.organization else "trail"
        events = "all events" if t.event_rw == "All" else f"{t.event_rw or 'unstated'} events only (EventRW)"
        where = ", ".join(w for w, on in (("OSS", t.oss_bucket), ("Log Service", t.sls_project_arn),
                                          ("MaxCompute", t.max_compute_project_arn)) if on)
        yield Result(status=Status.PASS, resource_id=t.name, resource_type="actiontrail:trail",
                     message=f"{kind} {t.name} logs {events} of all regions to {where}")
    else:
        yield Result(status=Status.FAIL, resource_id=inp.account_id, resource_type="actiontrail:trail",
                     message=f"no enabled trail logs all regions to a delivery target; trails: {_trail_list(trails)}")


@check(id="actiontrail_trail_records_all_events", severity="medium",
       title="An enabled all-region trail records read events as well as write events",
       risk="A trail of write events only keeps no record of what was read: listing secrets, "
            "downloading objects, describing keys, the reconnaissance and exfiltration steps of an intrusion.",
       console="ActionTrail console > Trails > the trail > Event Type: All Events.",
       cli="aliyun actiontrail UpdateTrail --Name <trail> --EventRW All",
       events=["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"], needs=[TRAILS],
       evaluates="DescribeTrails (with shadow and multi-account trails): PASS when a trail with Status Enable, "
                 "TrailRegion All and a delivery target records EventRW All; FAIL otherwise, naming the trails and "
                 "their EventRW (Write is the default in the SDK and DescribeTrails, All in CreateTrail's "
                 "reference). A stricter view of CIS 2.1 "
                 "(actiontrail_trail_all_regions_enabled), whose audit does not ask for EventRW.",
       source="CIS Alibaba Cloud v2.0.0 2.1's title ('export copies of all log entries'); DescribeTrails EventRW: "
              "Write | Read | All")
def records_all_events(inp: Inputs) -> Iterator[Result]:
    trails: list[TrailInfo] = inp[TRAILS]
    good = [t for t in trails if t.logging and t.trail_region == "All" and t.delivers and t.event_rw == "All"]
    if good:
        yield Result(status=Status.PASS, resource_id=good[0].name, resource_type="actiontrail:trail",
                     message=f"trail {good[0].name} records read and write events of all regions")
    else:
        yield Result(status=Status.FAIL, resource_id=inp.account_id, resource_type="actiontrail:trail",
                     message="no enabled all-region trail records read events as well as write events (EventRW "
                             f"All); trails: {_trail_list(trails)}")


@check(id="actiontrail_trail_bucket_protected", severity="medium",
       title="Ensure the OSS buckets receiving ActionTrail logs keep them from deletion and encrypt them",
       risk="Whoever can write to the trail's bucket can delete or overwrite the audit logs of what they did; "
            "without a locked retention policy or versioning the traces are gone for good, and without default "
            "encryption the logs sit in plain form.",
       console="OSS console > the trail's bucket > Basic Settings: Retention Policy (create, then lock it) or "
               "Versioning (enable); Server-side Encryption: OSS-managed or KMS.",
       cli="aliyun oss worm init oss://<bucket> --days 365 && aliyun oss worm complete oss://<bucket> <worm-id>  (or"
           " aliyun oss bucket-versioning --method put oss://<bucket> enabled); aliyun oss bucket-encryption --method "
           "put oss://<bucket> --sse-algorithm KMS",
       events=["CreateTrail", "UpdateTrail", "PutBucketVersioning", "InitiateBucketWorm", "CompleteBucketWorm",
               "AbortBucketWorm", "PutBucketEncryption", "DeleteBucketEncryption"],
       needs=[TRAIL_BUCKETS],
       source="Cloud Governance Center protection rules (audit log bucket encryption); CIS Alibaba Cloud v2.0.0 2.2 "
              "spirit; https://www.alibabacloud.com/help/en/oss/user-guide/oss-retention-policies",
       evaluates="Each OssBucketName of the trails (DescribeTrails with shadow and multi-account trails): PASS when "
                 "deletion is prevented, by a retention policy whose State is Locked (GetBucketWorm) or by versioning "
                 "Enabled (GetBucketVersioning; OSS allows one or the other, never both), and default server-side "
                 "encryption is configured (GetBucketEncryption SSEAlgorithm); FAIL when either is missing (a policy "
                 "InProgress is not locked yet: it lapses after 24 hours). MANUAL when a retention policy exists but "
                 "its State is not told (the documented sample has none) and versioning is off; MANUAL when the "
                 "bucket is not in the account's ListBuckets (another account's bucket, e.g. a resource directory's "
                 "log archive); ERROR when the bucket or one of the three settings could not be read. Trails "
                 "delivering to SLS only give no result.")
def trail_bucket_protected(inp: Inputs) -> Iterator[Result]:
    buckets: list[TrailBucket] = inp[TRAIL_BUCKETS]
    def result(bucket: TrailBucket, status: Status, message: str) -> Result:
        return Result(status=status, resource_id=bucket.name, resource_type="actiontrail:trail-bucket",
                      resource_name=", ".join(bucket.trails), region=bucket.region or None, message=message)

    for b in buckets:
        trails = ", ".join(b.trails)

        if b.errors:
            yield result(b, Status.ERROR, "could not read " + "; ".join(f"{k}: {v}" for k, v in b.errors.items()))
            continue
        if not b.in_account:
            yield result(b, Status.MANUAL, f"the bucket of trail(s) {trails} is not this account's: check its "
                                        "retention policy, versioning and encryption in the account that owns it")
            continue
        missing = []
        if b.worm_state == "Locked":
            kept = f"a locked {b.worm_days}-day retention policy" if b.worm_days else "a locked retention policy"
        elif b.versioning == "Enabled":
            kept = ("versioning (deleted logs stay as earlier versions; only a locked retention policy also stops "
                    "a principal allowed to delete object versions)")
        elif b.worm_state not in (None, "InProgress"):
            yield result(b, Status.MANUAL, f"GetBucketWorm did not tell whether the retention policy of the trail log "
                                           f"bucket (trails {trails}) is locked (State {b.worm_state}): check it in "
                                           "the console")
            continue
        else:
            kept = ""
            state = f"retention policy {b.worm_state} (not locked)" if b.worm_state else "no retention policy"
            missing.append(f"{state} and versioning {b.versioning or 'never enabled'}: logs can be deleted")
        if not b.sse_algorithm:
            missing.append("no default server-side encryption")
        if missing:
            yield result(b, Status.FAIL, f"trail log bucket (trails {trails}): " + "; ".join(missing))
        else:
            yield result(b, Status.PASS, f"trail log bucket (trails {trails}) protected by {kept}, encrypted with "
                                      f"{b.sse_algorithm}")
