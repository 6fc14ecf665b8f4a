"""CloudSSO checks: MFA for the users of the account's CloudSSO directory. An account without a directory (CloudSSO
never enabled) gets no finding."""

from __future__ import annotations

from collections.abc import Iterator

from ..collectors.cloudsso import DIRECTORIES, SsoDirectory
from ..findings import Result, Status
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL


def _result(d: SsoDirectory, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=d.id, resource_type="cloudsso:directory", resource_name=d.name,
                  region=d.region, message=message, details={"mfa": d.mfa, "risky_login": d.risky_login})


@check(id="cloudsso_mfa_required", severity="medium",
       title="CloudSSO requires MFA for every user",
       risk="CloudSSO users reach the member accounts of the organisation; a stolen password alone then opens "
            "every account and role the user is assigned to.",
       console="CloudSSO console > Settings > Security Settings > MFA: require MFA for all users (Enabled).",
       cli="aliyun cloudsso UpdateMFAAuthenticationSettings --DirectoryId <id> --MFAAuthenticationSettings Enabled",
       events=["UpdateMFAAuthenticationSettings", "SetMFAAuthenticationStatus", "UpdateUserMFAAuthenticationSettings"],
       needs=[DIRECTORIES],
       evaluates="ListDirectories (every CloudSSO endpoint region), then GetMFAAuthenticationSettingInfo of the "
                 "directory: PASS when MfaAuthenticationAdvanceSettings is Enabled (MFA for all users); FAIL when "
                 "Disabled, or OnlyRiskyLogin (MFA only for unusual logons); MANUAL when Byuser (per-user settings, "
                 "not read) or any other value; ERROR when the setting could not be read, and for each region whose "
                 "ListDirectories failed. No directory gives no result. The setting applies to username-password "
                 "logon; users who sign in through an external identity provider get that provider's MFA, which is not "
                 "evaluated.",
       source="Mondoo cnspec (CloudSSO MFA) | "
              "https://www.alibabacloud.com/help/en/cloudsso/developer-reference/api-cloudsso-2021-05-15-"
              "getmfaauthenticationsettinginfo")
def mfa_required(inp: Inputs) -> Iterator[Result]:
    for d in inp[DIRECTORIES]:
        if d.listing_error:
            yield Result(status=ERROR, resource_id=d.id, resource_type="cloudsso:region", region=d.region,
                         message=f"could not list the CloudSSO directories of {d.region}: {d.listing_error}")
        elif d.error:
            yield _result(d, ERROR, f"could not read the directory's MFA setting: {d.error}")
        elif d.mfa == "Enabled":
            yield _result(d, PASS, "MFA is required for all users")
        elif d.mfa == "Disabled":
            yield _result(d, FAIL, "MFA is disabled for all users")
        elif d.mfa == "OnlyRiskyLogin":
            yield _result(d, FAIL, "MFA is required only for unusual logons "
                                   f"({d.risky_login or 'policy not reported'}), not for every logon")
        elif d.mfa == "Byuser":
            yield _result(d, MANUAL, "MFA is set per user (Byuser): check that every user requires it")
        else:
            yield _result(d, MANUAL, f"unrecognised MFA setting {d.mfa or '(empty)'}: review it in the console")
