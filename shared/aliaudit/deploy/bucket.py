"""The report bucket: its policy, its lifecycle (in ROS's spelling and as PutBucketLifecycle) and
``python -m aliaudit.deploy lifecycle``, which puts what ROS cannot."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

ACCESS_LOG_PREFIX = "access-logs/"
RUN_STATE_PREFIXES = ("runs/", "reports/", "latest/")  # written by the functions only
CONFIG_PREFIX = "config/"  # the mutelist: written by the account (the bucket owner) only
# what changes an object's content or existence: PutObject also covers CopyObject, AppendObject, PutSymlink,
# PostObject and the multipart uploads (OSS's RAM action list); the version deletes undo versioning's protection
OBJECT_WRITE_ACTIONS = ["oss:PutObject", "oss:DeleteObject", "oss:DeleteObjectVersion", "oss:PutObjectAcl"]


def report_bucket_policy(resource: Callable[[str], Any]) -> dict[str, Any]:
    """The report bucket's policy. ``resource(suffix)``: the bucket's ARN with suffix ('' the bucket, '/*' every
    object, '/runs/*' ...), as plain strings or as the deployment tool's expressions.

    1. HTTPS only: every request over plain HTTP is denied, the owner's too (a "*" statement with a Condition
       applies to the bucket owner as well; OSS bucket policy doc).
    2. Run state and reports (runs/, reports/, latest/): no write with a long-term AccessKey (any RAM user's, the
       account's own). The functions write with their role's STS credentials (AccessKeyId STS.*). OSS documents
       no way to exempt one role from a Deny (no NotPrincipal, no principal condition key for bucket policies),
       so a session of another role that holds OSS write permission can still write there: the runs' HMAC seals
       (ALIAUDIT_RUN_SECRET) are what makes such a write untrusted (docs/security.md).
    3. config/ (the mutelist): no write by anyone but the bucket owner, i.e. the Alibaba Cloud account itself
       (a "*" statement without a Condition spares the owner): not the functions, not any RAM user or role.
       An administrator who must change the mutelist either signs in as the account or lifts this statement
       with PutBucketPolicy, a change ActionTrail records and the auditor's event trigger re-audits."""
    objects = [resource(f"/{prefix}*") for prefix in RUN_STATE_PREFIXES]
    return {"Version": "1", "Statement": [
        {"Effect": "Deny", "Principal": ["*"], "Action": ["oss:*"], "Resource": [resource(""), resource("/*")],
         "Condition": {"Bool": {"acs:SecureTransport": ["false"]}}},
        {"Effect": "Deny", "Principal": ["*"], "Action": list(OBJECT_WRITE_ACTIONS), "Resource": objects,
         "Condition": {"StringNotLike": {"acs:AccessId": ["STS.*"]}}},
        {"Effect": "Deny", "Principal": ["*"], "Action": list(OBJECT_WRITE_ACTIONS),
         "Resource": [resource(f"/{CONFIG_PREFIX}*")]}]}


NONCURRENT_VERSION_DAYS = 30  # how long an overwritten or deleted object's earlier version is kept
RUN_STATE_DAYS = 30  # runs/: parts, claims, manifests (a run is aggregated within the hour)
MULTIPART_DAYS = 7


def report_lifecycle_rules(report_days: Any = 365, noncurrent_days: Any = NONCURRENT_VERSION_DAYS, *,
                           noncurrent: bool = True) -> list[dict[str, Any]]:
    """The report bucket's lifecycle (OSS PutBucketLifecycle rules in ROS's spelling). The bucket is versioned,
    and there an expiration only adds a delete marker ("previous versions are stored indefinitely unless a
    lifecycle rule removes them", OSS versioning + lifecycle doc), so every prefix also expires its noncurrent
    versions (NoncurrentVersionExpiration) and latest/ and config/, rewritten in place, drop the delete markers left
    without versions: an object is gone at most noncurrent_days after it expired or was replaced.
    noncurrent=False: without those parts, for ROS (ALIYUN::OSS::Bucket's Rule has no NoncurrentVersionExpiration:
    ros-cdk-oss 1.15.0); `python -m aliaudit.deploy lifecycle` puts the whole set."""
    def rule(rid: str, prefix: str, expiration: dict[str, Any], multipart: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"ID": rid, "Prefix": prefix, "Status": "Enabled", "Expiration": expiration}
        if multipart:
            out["AbortMultipartUpload"] = {"Days": MULTIPART_DAYS}
        if noncurrent:
            out["NoncurrentVersionExpiration"] = {"NoncurrentDays": noncurrent_days}
        return out

    rules = [rule("expire-run-parts", RUN_STATE_PREFIXES[0], {"Days": RUN_STATE_DAYS}, multipart=True),
             rule("expire-reports", RUN_STATE_PREFIXES[1], {"Days": report_days}, multipart=True),
             rule("expire-access-logs", ACCESS_LOG_PREFIX, {"Days": report_days})]
    if noncurrent:  # without noncurrent versions to expire, a delete-marker rule alone has nothing to do
        rules += [rule("expire-latest-versions", RUN_STATE_PREFIXES[2], {"ExpiredObjectDeleteMarker": True}),
                  rule("expire-config-versions", CONFIG_PREFIX, {"ExpiredObjectDeleteMarker": True})]
    return rules


def oss_lifecycle(rules: list[dict[str, Any]]) -> Any:
    """report_lifecycle_rules as oss2's BucketLifecycle (what PutBucketLifecycle sends)."""
    import oss2.models as m

    def one(r: dict[str, Any]) -> Any:
        exp = r["Expiration"]
        return m.LifecycleRule(
            r["ID"], r["Prefix"], status=r["Status"],
            # oss2 writes the marker flag with str(): "true", as the OSS API spells it, not Python's "True"
            expiration=m.LifecycleExpiration(days=exp.get("Days"), expired_detete_marker=(
                "true" if exp.get("ExpiredObjectDeleteMarker") else None)),
            abort_multipart_upload=m.AbortMultipartUpload(days=r["AbortMultipartUpload"]["Days"])
            if "AbortMultipartUpload" in r else None,
            noncurrent_version_expiration=m.NoncurrentVersionExpiration(
                r["NoncurrentVersionExpiration"]["NoncurrentDays"]) if "NoncurrentVersionExpiration" in r else None)

    return m.BucketLifecycle([one(r) for r in rules])


def report_bucket(name: Any, account: Any, *, kms_key: Any = None,
                  resource: Callable[[str], Any] | None = None) -> dict[str, Any]:
    """The report bucket as every deployment makes it (template.yml, and tests/pipeline.py in the emulator):
    private, Block Public Access, SSE-KMS (with the auditor's own key kms_key, else the OSS-managed KMS key),
    versioned, access-logged into itself, and report_bucket_policy. resource: as report_bucket_policy's (default:
    plain ARNs acs:oss:*:<account>:<name><suffix>)."""
    make = resource or (lambda suffix: f"acs:oss:*:{account}:{name}{suffix}")
    return {"name": name, "acl": "private", "block_public_access": True, "versioning": "Enabled",
            "sse_algorithm": "KMS", "kms_key_id": kms_key,
            "logging": {"target_bucket": name, "target_prefix": ACCESS_LOG_PREFIX},
            "policy": report_bucket_policy(make)}


def put_lifecycle(bucket: str, region: str, report_days: int, noncurrent_days: int, *, show: bool = False) -> int:
    """PutBucketLifecycle with report_lifecycle_rules, as the deployer (aliaudit's credential chain: environment,
    profile, ...; oss:PutBucketLifecycle on the bucket). show: print the request body only."""
    import oss2.xml_utils

    from .. import errors
    from ..clients import ClientFactory
    from ..credentials.resolve import AuthOptions, resolve_credentials
    from ..settings import EndpointSettings

    if not 1 <= report_days <= 36500 or not 1 <= noncurrent_days <= 36500:
        print("lifecycle: --report-days and --noncurrent-days are 1-36500", file=sys.stderr)
        return 1
    lifecycle = oss_lifecycle(report_lifecycle_rules(report_days, noncurrent_days))
    if show:
        print(oss2.xml_utils.to_put_bucket_lifecycle(lifecycle).decode())
        return 0
    try:
        settings = EndpointSettings.from_env(os.environ)
        resolved = resolve_credentials(AuthOptions(), os.environ, settings)
        ClientFactory(resolved.provider, settings).oss_bucket(bucket, region).put_bucket_lifecycle(lifecycle)
    except errors.AliauditError as err:
        print(f"lifecycle: {err}", file=sys.stderr)
        return 1
    except oss2.exceptions.OssError as err:
        print(f"lifecycle: oss://{bucket}: {err.code}: {err.message}", file=sys.stderr)
        return 1
    print(f"oss://{bucket}: {len(lifecycle.rules)} lifecycle rules, noncurrent versions expire after "
          f"{noncurrent_days} days")
    return 0

