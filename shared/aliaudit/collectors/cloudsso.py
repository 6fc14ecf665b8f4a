"""CloudSSO (2021-05-15) datasets (global): the account's CloudSSO directory with the MFA policy of its users.

Endpoints: CloudSSO answers in the regions its API reference lists (cloudsso.<region>.aliyuncs.com: cn-shanghai,
cn-hongkong, ap-northeast-2, ap-southeast-1, us-west-1, eu-central-1; the SDK's endpoint rule is `regional`), and a
directory lives in one of them (ListDirectories Directories[].Region). Where ListDirectories lists an account's
directory is not documented, so the product asks every listed region and keeps each directory once, then reads its
MFA setting in the directory's own region. An account that never enabled CloudSSO has no directory: no finding. A
region whose listing fails is one record with `listing_error` (its ERROR: a directory there may be unseen), the
others still judged."""

from __future__ import annotations

from typing import Any

from .. import apierrors
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from .registry import CollectContext, collector

sso_models = lazy_import("alibabacloud_cloudsso20210515.models")

# the endpoint regions of the API reference (CloudSSO "Endpoints",
# https://alibabacloud.com/help/en/cloudsso/developer-reference/api-cloudsso-2021-05-15-endpoint, which lists
# Singapore beside OpenMeta cloudsso 2021-05-15's five `endpoints`; "CloudSSO directory regions" names the same six)
REGIONS = ("cn-shanghai", "cn-hongkong", "ap-northeast-2", "ap-southeast-1", "us-west-1", "eu-central-1")


class SsoDirectory(Record):
    id: str
    name: str = ""
    region: str
    mfa: str = ""  # MfaAuthenticationAdvanceSettings: Enabled | Byuser | Disabled | OnlyRiskyLogin
    risky_login: str = ""  # OperationForRiskLogin: Autonomous | EnforceVerify (with Byuser / OnlyRiskyLogin)
    error: str | None = None  # GetMFAAuthenticationSettingInfo failed: the check reports ERROR
    # ListDirectories failed in this region: this record stands for the region, where a directory may be unseen
    listing_error: str | None = None


DIRECTORIES: Dataset[list[SsoDirectory]] = Dataset("cloudsso.directories", Scope.GLOBAL)


@collector(DIRECTORIES, apis=["cloudsso:ListDirectories", "cloudsso:GetMFAAuthenticationSettingInfo"])
def directories(ctx: CollectContext) -> list[SsoDirectory]:
    found: dict[str, SsoDirectory] = {}
    unlisted: list[SsoDirectory] = []

    def listing(region: str) -> list[Any]:
        # ListDirectories takes no paging parameters (API reference): one call answers every directory
        try:
            return ctx.factory.pop("cloudsso", region).list_directories().body.directories or []
        except Exception as err:  # this region's ERROR; directories listed elsewhere are still judged
            unlisted.append(SsoDirectory(id=f"cloudsso-{region}", region=region,
                                         listing_error=apierrors.describe(err)))
            return []

    for listed in ctx.map(listing, list(REGIONS)):
        for d in listed:
            if d.directory_id and d.directory_id not in found:
                found[d.directory_id] = SsoDirectory(id=d.directory_id, name=d.directory_name or "",
                                                     region=d.region or REGIONS[0])

    def mfa(d: SsoDirectory) -> SsoDirectory:
        try:
            info = ctx.factory.pop("cloudsso", d.region).get_mfaauthentication_setting_info(
                sso_models.GetMFAAuthenticationSettingInfoRequest(directory_id=d.id)).body.mfaauthentication_setting_info
            if info is None or not info.mfa_authentication_advance_settings:  # (documented always answered)
                raise ValueError("GetMFAAuthenticationSettingInfo answered no MfaAuthenticationAdvanceSettings")
            d.mfa = info.mfa_authentication_advance_settings
            d.risky_login = info.operation_for_risk_login or ""
        except Exception as err:
            d.error = apierrors.describe(err)
        return d

    return ctx.map(mfa, list(found.values())) + sorted(unlisted, key=lambda d: d.region)
