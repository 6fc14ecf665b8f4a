"""OSS datasets (global: ListBuckets returns every bucket of the account whatever the endpoint's
region). Each bucket's configuration is then read on the bucket's own regional endpoint, one API per
aspect, and a failed read is kept per bucket and aspect: a denied GetBucketAcl turns the checks that
need the ACL into ERROR for that bucket while the others still give their verdict."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from pydantic import Field

from .. import apierrors
from ..datasets import Dataset, Record, Scope
from ..jsontext import load_object
from ..lazy import lazy_import
from . import kms
from .kms import KmsKey
from .paging import no_way_on
from .registry import CollectContext, collector

oss2 = lazy_import("oss2")

BUCKET_PAGE_SIZE = 1000  # ListBuckets max-keys (the OSS maximum)

# Answers that mean "not configured" rather than a failure.
_ABSENT = {"NoSuchBucketPolicy", "NoSuchServerSideEncryptionRule"}
# Block Public Access never set (or deleted) answers 200 with BlockPublicAccess false, at the account and the bucket
# level (oss2 tests/test_public_access_block.py: after Delete(Bucket)PublicAccessBlock, Get answers status 200 and
# false); no "not configured" error is documented, so any error is the setting's ERROR


def _block_answer(result: Any, api: str) -> bool:
    """BlockPublicAccess as answered. oss2 sets it only when the element is present and leaves None otherwise
    (oss2.xml_utils.parse_get_public_access_block_result, shared by the account, bucket and access point answers): an
    answer without it tells nothing, so it is unread (ERROR for the checks it decides), never "off"."""
    value = result.block_public_access
    if value is None:
        raise ValueError(f"{api} answered without BlockPublicAccess")
    return bool(value)


class BucketInfo(Record):
    name: str
    region: str  # e.g. cn-hangzhou; findings carry it
    created: datetime | None = None
    storage_class: str = ""
    acl: str | None = None  # private | public-read | public-read-write
    policy: dict[str, Any] | None = None  # bucket policy document, None = no policy
    logging_target: str | None = None  # access-log target bucket, None = logging off
    sse_algorithm: str | None = None  # AES256 | KMS | SM4, None = no default encryption
    kms_key_id: str | None = None  # with KMS: the customer's CMK, None = the OSS-managed KMS key
    kms_data_encryption: str | None = None
    versioning: str | None = None  # Enabled | Suspended, None = never enabled
    block_public_access: bool | None = None  # bucket-level Block Public Access
    errors: dict[str, str] = Field(default_factory=dict)  # aspect -> why it could not be read

    def missing(self, *aspects: str) -> list[str]:
        return [f"{a}: {self.errors[a]}" for a in aspects if a in self.errors]


class OssInventory(Record):
    buckets: list[BucketInfo]
    account_block: bool | None = None  # account-level Block Public Access (GetPublicAccessBlock)
    account_block_error: str | None = None
    # the account's KMS keys of each region where a bucket's default encryption names a KMS key (CIS 5.9 looks the
    # key up), read as the kms.keys dataset reads them (ListKeys, DescribeKey); a region whose listing failed is in
    # kms_keys_error instead
    kms_keys: dict[str, list[KmsKey]] = Field(default_factory=dict)
    kms_keys_error: dict[str, str] = Field(default_factory=dict)

    def bucket(self, name: str) -> BucketInfo | None:
        return next((b for b in self.buckets if b.name == name), None)


def _region_of(listed: Any) -> str:
    if listed.region:
        return str(listed.region)
    location = str(listed.location or "")
    return location[4:] if location.startswith("oss-") else location


def _read(info: BucketInfo, aspect: str, fn: Callable[[], None]) -> None:
    try:
        fn()
    except oss2.exceptions.OssError as err:
        if err.code not in _ABSENT:
            info.errors[aspect] = apierrors.describe(err)
    except Exception as err:  # an unparseable answer (e.g. a policy that is not JSON): ERROR, not a guess
        info.errors[aspect] = f"{type(err).__name__}: {err}"[:300]


def _details(ctx: CollectContext, listed: Any) -> BucketInfo:
    created = datetime.fromtimestamp(listed.creation_date, timezone.utc) if listed.creation_date else None
    info = BucketInfo(name=listed.name, region=_region_of(listed), created=created,
                      storage_class=listed.storage_class or "")
    bucket = ctx.factory.oss_bucket(info.name, info.region)

    def acl() -> None:
        info.acl = bucket.get_bucket_acl().acl

    def policy() -> None:
        doc = load_object(bucket.get_bucket_policy().policy, "the bucket policy")
        if doc is None:
            raise ValueError("GetBucketPolicy gave an empty policy")
        info.policy = doc

    def logging() -> None:
        info.logging_target = bucket.get_bucket_logging().target_bucket or None

    def encryption() -> None:
        rule = bucket.get_bucket_encryption()
        info.sse_algorithm = rule.sse_algorithm or None
        info.kms_key_id = rule.kms_master_keyid or None
        info.kms_data_encryption = rule.kms_data_encryption or None

    def versioning() -> None:
        info.versioning = bucket.get_bucket_versioning().status or None

    def block() -> None:
        info.block_public_access = _block_answer(bucket.get_bucket_public_access_block(), "GetBucketPublicAccessBlock")

    for aspect, fn in (("acl", acl), ("policy", policy), ("logging", logging), ("encryption", encryption),
                       ("versioning", versioning), ("public_access_block", block)):
        _read(info, aspect, fn)
    return info


def _listed_one(service: Any, name: str) -> Any | None:
    """One bucket as ListBuckets describes it (its region, creation date and storage class), None when the account
    has no such bucket: ListBuckets with prefix=<name> and max-keys=1. Buckets come back in alphabetical order and
    the name itself sorts before every longer name it prefixes, so the first one is the bucket when it exists
    (prefix, marker and max-keys: "ListBuckets (GetService)", https://www.alibabacloud.com/help/en/oss/developer-
    reference/listbuckets; oss2.Service.list_buckets(prefix, marker, max_keys)). One call, however many buckets the
    account has; GetBucketInfo would need the bucket's region first."""
    page = service.list_buckets(prefix=name, max_keys=1)
    return next((b for b in page.buckets if b.name == name), None)


def all_buckets(ctx: CollectContext) -> list[Any]:
    """Every bucket of the account as ListBuckets describes it, Marker paging to the end; listed once per scan for
    every collector that needs the list (oss.buckets, oss.access_points)."""
    def read() -> list[Any]:
        service = ctx.factory.oss_service()
        listed: list[Any] = []
        marker = ""
        while True:
            page = service.list_buckets(marker=marker, max_keys=BUCKET_PAGE_SIZE)
            listed.extend(page.buckets)
            if not page.is_truncated:
                return listed
            if not page.next_marker:
                raise no_way_on("the bucket list", "NextMarker")
            marker = page.next_marker

    return list(ctx.factory.shared(f"oss.list_buckets/{ctx.account_id}", read))


def run_buckets(ctx: CollectContext) -> tuple[list[Any], set[str] | None]:
    """The buckets this run reads and the names it is narrowed to: an event run's named buckets, each looked up by
    name (_listed_one: one call each, however many buckets the account has), else every bucket (all_buckets, None).
    Looked up once per scan for every collector that needs them (oss.buckets, oss.access_points)."""
    names = ctx.only("oss.bucket")
    if names is None:
        return all_buckets(ctx), None
    service = ctx.factory.oss_service()

    def read() -> list[Any]:
        return [b for b in ctx.map(lambda n: _listed_one(service, n), sorted(names)) if b is not None]

    return list(ctx.factory.shared(f"oss.listed_buckets/{ctx.account_id}/{','.join(sorted(names))}", read)), names


BUCKETS: Dataset[OssInventory] = Dataset("oss.buckets", Scope.GLOBAL)


def kms_key_ref(ref: str) -> str:
    """What a bucket's KMSMasterKeyID names: "service" (a service key's alias alias/acs/<service>, bare or as an alias
    ARN acs:kms:<region>:<uid>:alias/...), "alias" (another alias, which the keys dataset cannot resolve), "key" (a
    key ID or key ARN)."""
    r = ref.strip().lower()
    name = r.split(":", 4)[4] if r.startswith("acs:kms:") and r.count(":") >= 4 else r
    if name.startswith("alias/acs/"):
        return "service"
    return "alias" if name.startswith("alias/") else "key"


def _named_key(b: BucketInfo) -> bool:
    """A bucket whose default encryption names a KMS key the keys dataset can find (a key ID or ARN, not an
    alias: see checks/oss.py, CIS 5.9)."""
    return b.sse_algorithm == "KMS" and bool(b.kms_key_id) and kms_key_ref(b.kms_key_id or "") == "key"


def _read_kms_keys(ctx: CollectContext, inventory: OssInventory) -> None:
    """The account's KMS keys of each region holding a bucket that names a key: the kms.keys collector run for that
    region (its ListKeys and DescribeKey, its KmsKey records), so 5.9 judges the key as the KMS checks see it."""
    # one region at a time: the kms.keys collector describes its keys in parallel already
    for region in sorted({b.region for b in inventory.buckets if _named_key(b)}):
        try:
            inventory.kms_keys[region] = kms.keys(replace(ctx, region=region))
        except Exception as err:  # a denied or failed listing: ERROR for the buckets that need it
            inventory.kms_keys_error[region] = apierrors.describe(err)


@collector(BUCKETS, apis=[
    "oss:ListBuckets", "oss:GetPublicAccessBlock", "oss:GetBucketAcl", "oss:GetBucketPolicy", "oss:GetBucketLogging",
    "oss:GetBucketEncryption", "oss:GetBucketVersioning", "oss:GetBucketPublicAccessBlock", "kms:ListKeys",
    "kms:DescribeKey"], reads_one=["oss.bucket"])
def buckets(ctx: CollectContext) -> OssInventory:
    service = ctx.factory.oss_service()
    listed, names = run_buckets(ctx)
    if names is not None:  # an event run: the named buckets only (the account's block is read as always)
        ctx.judge(b.name for b in listed)
    inventory = OssInventory(buckets=ctx.map(lambda b: _details(ctx, b), listed))
    try:
        inventory.account_block = _block_answer(service.get_public_access_block(), "GetPublicAccessBlock")
    except oss2.exceptions.OssError as err:
        inventory.account_block_error = apierrors.describe(err)
    except ValueError as err:
        inventory.account_block_error = str(err)
    _read_kms_keys(ctx, inventory)
    return inventory


class AccessPointInfo(Record):
    """A bucket access point (OSS ListAccessPoints on the bucket's host, GetAccessPointPolicy,
    GetAccessPointPublicAccessBlock)."""

    name: str
    bucket: str
    region: str
    network_origin: str  # internet | vpc (ListAccessPoints NetworkOrigin)
    vpc_id: str = ""
    status: str = ""  # enable | disable | creating | deleting
    policy: dict[str, Any] | None = None  # the access point policy, None = none
    block_public_access: bool | None = None  # the access point's own Block Public Access
    errors: dict[str, str] = Field(default_factory=dict)  # aspect (policy, public_access_block) -> why


# What GetAccessPointPolicy answers an access point without a policy is not documented (its reference lists no
# error; no SDK test reads a deleted policy). OSS names a missing sub-resource with a 404 NoSuch<Thing> code
# (NoSuchBucketPolicy, NoSuchServerSideEncryptionRule: the GetBucketPolicy reference's error table, oss2.exceptions),
# and Alibaba's Terraform provider reads any OSS 404 or NoSuch... code as "not found" (alicloud/errors.go
# NotFoundError): a 404
# NoSuch... answer is "no policy", except the codes that name the bucket or the access point itself missing (404
# NoSuchBucket; 404 NoSuchAccessPoint: alibabacloud-oss-go-sdk-v2 oss/client_integration_test.go TestAccessPoint,
# Terraform service_alicloud_oss_v2.go), which are that access point's ERROR like any other failure.
_MISSING_ITSELF = {"NoSuchBucket", "NoSuchAccessPoint"}


def _no_ap_policy(err: Any) -> bool:
    code = str(getattr(err, "code", "") or "")
    return getattr(err, "status", None) == 404 and code.startswith("NoSuch") and code not in _MISSING_ITSELF
AP_PAGE_SIZE = 100  # ListAccessPoints max-keys (oss2's default)
ACCESS_POINTS: Dataset[list[AccessPointInfo]] = Dataset("oss.access_points", Scope.GLOBAL)


def bucket_access_points(ctx: CollectContext, name: str, region: str) -> list[AccessPointInfo]:
    """One bucket's access points with their policy and Block Public Access, ListAccessPoints paged by
    continuation-token (IsTruncated, NextContinuationToken: API reference)."""
    bucket = ctx.factory.oss_bucket(name, region)
    listed: list[Any] = []
    token = ""
    while True:
        page = bucket.list_bucket_access_points(max_keys=AP_PAGE_SIZE, continuation_token=token)
        listed.extend(page.access_points)
        if not page.is_truncated:
            break
        token = page.next_continuation_token or ""
        if not token:
            raise no_way_on(f"bucket {name}'s access point list", "NextContinuationToken")
    out = []
    for a in listed:
        ap = AccessPointInfo(name=a.access_point_name, bucket=a.bucket or name, region=region,
                             network_origin=a.network_origin or "", status=a.status or "",
                             vpc_id=(a.vpc.vpc_id or "") if getattr(a, "vpc", None) else "")

        def policy(ap: AccessPointInfo = ap) -> None:
            try:
                text = bucket.get_access_point_policy(ap.name).policy
            except oss2.exceptions.OssError as err:
                if not _no_ap_policy(err):
                    raise
                return
            doc = load_object(text, "the access point policy")
            if doc is None:
                raise ValueError("the access point policy is empty")
            ap.policy = doc

        def block(ap: AccessPointInfo = ap) -> None:
            ap.block_public_access = _block_answer(bucket.get_access_point_public_access_block(ap.name),
                                                   "GetAccessPointPublicAccessBlock")

        for aspect, fn in (("policy", policy), ("public_access_block", block)):
            try:
                fn()
            except Exception as err:  # a denied or unreadable answer: ERROR for this access point, never a guess
                ap.errors[aspect] = apierrors.describe(err) if isinstance(err, oss2.exceptions.OssError) \
                    else f"{type(err).__name__}: {err}"[:300]
        out.append(ap)
    return out


@collector(ACCESS_POINTS, apis=["oss:ListBuckets", "oss:ListAccessPoints", "oss:GetAccessPointPolicy",
                                "oss:GetAccessPointPublicAccessBlock"])
def access_points(ctx: CollectContext) -> list[AccessPointInfo]:
    """Every bucket's access points, listed on each bucket's own endpoint (the account-level listing's reach across
    regions is not documented); a failed listing fails the dataset (ERROR findings), a failed per-access-point read
    is kept on that access point."""
    listed, names = run_buckets(ctx)  # (an event run: the event's buckets' access points only)
    found = [ap for aps in ctx.map(lambda b: bucket_access_points(ctx, b.name, _region_of(b)), listed) for ap in aps]
    if names is not None:  # (judged anew by their findings' resource id, bucket/access point, which no event names)
        ctx.judge(f"{ap.bucket}/{ap.name}" for ap in found)
    return found
