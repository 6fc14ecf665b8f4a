"""ActionTrail datasets: the account's trails (global: DescribeTrails asked in every region of the scan, each trail
once) and the OSS buckets they deliver to, with what protects the logs there (versioning, retention policy,
encryption)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .. import apierrors
from ..datasets import GLOBAL, Dataset, Record, Scope
from ..lazy import lazy_import
from .oss import _listed_one, _region_of
from .registry import CollectContext, collector

at_models = lazy_import("alibabacloud_actiontrail20200706.models")
oss2 = lazy_import("oss2")


class TrailInfo(Record):
    """A trail as DescribeTrails answers it (alibabacloud_actiontrail20200706 DescribeTrailsResponseBodyTrailList:
    Status Enable | Disable | Fresh, EventRW Write | Read | All; the references disagree on the default: Write in
    DescribeTrails, UpdateTrail and the SDK, All in the OpenMeta CreateTrail reference)."""

    name: str
    status: str
    logging: bool
    home_region: str
    trail_region: str
    event_rw: str
    oss_bucket: str
    sls_project_arn: str
    max_compute_project_arn: str = ""  # MaxComputeProjectArn: the third delivery target CreateTrail documents
    organization: bool = False  # a multi-account trail of the resource directory (created in its management account)

    @property
    def delivers(self) -> bool:
        """It names a delivery target: "at least one of OssBucketName, SlsProjectArn, and MaxComputeProjectArn"
        (CreateTrailRequest doc comment)."""
        return bool(self.oss_bucket or self.sls_project_arn or self.max_compute_project_arn)


def describe_trails(ctx: CollectContext) -> list[Any]:  # DescribeTrailsResponseBodyTrailList
    """Every trail that covers the account, each once: shadow trails (a multi-region trail as seen from the other
    regions) and multi-account trails, which DescribeTrails leaves out unless asked: "Only single-account trails are
    queried" when IncludeOrganizationTrail is false, its default (https://www.alibabacloud.com/help/doc-detail/28842.htm).
    DescribeTrails answers "the trail associated with the current region" (same page): a trail that applies to one
    region is seen from its home region only, so every region of the scan is asked (the default region when the
    scan names none). A region that does not answer (down, denied) fails the dataset with its reason: its
    single-region trails would be missing, and a check reading the trails would judge without them."""
    regions = [r for r in ctx.regions if r != GLOBAL] or [GLOBAL]

    def listed(region: str) -> list[Any]:
        try:
            client = ctx.factory.pop("actiontrail", None if region == GLOBAL else region)
            return client.describe_trails(at_models.DescribeTrailsRequest(
                include_shadow_trails=True, include_organization_trail=True)).body.trail_list or []
        except Exception as err:
            raise RuntimeError(f"DescribeTrails in {region}: {apierrors.describe(err)}") from err

    def read() -> list[Any]:
        seen: dict[Any, Any] = {}
        for trails in ctx.map(listed, regions):
            for t in trails:  # (the ARN names the owner too: an organisation trail and a member's own of one name)
                seen.setdefault(t.trail_arn or (t.name, t.home_region, t.is_organization_trail), t)
        return list(seen.values())

    # (one listing per scan for the datasets that read the trails: the trails, their buckets, SLS's audit project)
    return list(ctx.factory.shared(f"actiontrail.trails/{ctx.account_id}/{','.join(regions)}", read))


TRAILS: Dataset[list[TrailInfo]] = Dataset("actiontrail.trails", Scope.GLOBAL)


@collector(TRAILS, apis=["actiontrail:DescribeTrails"])
def trails(ctx: CollectContext) -> list[TrailInfo]:
    out = []
    for t in describe_trails(ctx):
        status = str(t.status or "")
        out.append(TrailInfo(name=t.name, status=status, logging=status.lower() == "enable",
                             home_region=t.home_region or "", trail_region=t.trail_region or "",
                             event_rw=t.event_rw or "", oss_bucket=t.oss_bucket_name or "",
                             sls_project_arn=t.sls_project_arn or "",
                             max_compute_project_arn=t.max_compute_project_arn or "",
                             organization=str(t.is_organization_trail).lower() == "true"))
    return out


class TrailBucket(Record):
    """An OSS bucket trails deliver to, with what protects the logs in it."""

    name: str
    trails: list[str]  # the trails delivering to it
    region: str = ""
    in_account: bool = True  # False: the audited account's ListBuckets does not list it (another account's bucket)
    versioning: str | None = None  # Enabled | Suspended, None = never enabled (GetBucketVersioning)
    worm_state: str | None = None  # InProgress | Locked | unknown (not told), None = no retention policy
    worm_days: int | None = None  # RetentionPeriodInDays
    sse_algorithm: str | None = None  # AES256 | KMS | SM4, None = no default encryption (GetBucketEncryption)
    errors: dict[str, str] = Field(default_factory=dict)  # aspect (bucket, versioning, worm, encryption) -> why


# "not configured" answers (OSS error codes of GetBucketWorm and GetBucketEncryption, API reference)
_NOT_CONFIGURED = {"NoSuchWORMConfiguration", "NoSuchServerSideEncryptionRule"}


def read_protection(ctx: CollectContext, info: TrailBucket) -> None:
    """The bucket's versioning, retention policy and default encryption, read on its own regional endpoint; a failed
    read is kept in info.errors per aspect, "not configured" answers leave the field None."""
    bucket = ctx.factory.oss_bucket(info.name, info.region)

    def versioning() -> None:
        info.versioning = bucket.get_bucket_versioning().status or None

    def worm() -> None:
        got = bucket.get_bucket_worm()
        # oss2's parser stores State as `state` (oss2.xml_utils.parse_get_bucket_worm_result; the class declares
        # worm_state). The documented sample (oss/GetBucketWorm.json) carries no State at all: a policy whose
        # state is not told is kept as "unknown", never read as locked
        state = getattr(got, "state", None) or getattr(got, "worm_state", None)
        info.worm_state = state or ("unknown" if got.worm_id else None)
        info.worm_days = int(got.retention_period_days) if got.retention_period_days is not None else None

    def encryption() -> None:
        info.sse_algorithm = bucket.get_bucket_encryption().sse_algorithm or None

    for aspect, fn in (("versioning", versioning), ("worm", worm), ("encryption", encryption)):
        try:
            fn()
        except oss2.exceptions.OssError as err:
            if err.code not in _NOT_CONFIGURED:
                info.errors[aspect] = apierrors.describe(err)
        except Exception as err:  # an unreadable answer: ERROR, never a guess
            info.errors[aspect] = f"{type(err).__name__}: {err}"[:300]


TRAIL_BUCKETS: Dataset[list[TrailBucket]] = Dataset("actiontrail.trail_buckets", Scope.GLOBAL)


@collector(TRAIL_BUCKETS, apis=["actiontrail:DescribeTrails", "oss:ListBuckets", "oss:GetBucketVersioning",
                                "oss:GetBucketWorm", "oss:GetBucketEncryption"], follows=[TRAILS])
def trail_buckets(ctx: CollectContext) -> list[TrailBucket]:
    """Each trail's OssBucketName, looked up in the account's ListBuckets (its region; absent = another account's
    bucket, which this account cannot read), then its versioning, retention policy (WORM) and default encryption
    read on the bucket's own endpoint; a failed read is kept per aspect."""
    by_bucket: dict[str, list[str]] = {}
    for t in describe_trails(ctx):
        if t.oss_bucket_name:
            names = by_bucket.setdefault(t.oss_bucket_name, [])
            if t.name not in names:  # shadow trails repeat the home trail's name
                names.append(t.name)
    service = ctx.factory.oss_service()

    def read(name: str) -> TrailBucket:
        info = TrailBucket(name=name, trails=by_bucket[name])
        try:
            listed = _listed_one(service, name)
        except Exception as err:
            info.errors["bucket"] = apierrors.describe(err)
            return info
        if listed is None:
            info.in_account = False
            return info
        info.region = _region_of(listed)
        read_protection(ctx, info)
        return info

    return ctx.map(read, sorted(by_bucket))
