"""CloudSSO (2021-05-15): the account's CloudSSO directory (at most one) with the MFA policy of its users:
ListDirectories, GetMFAAuthenticationSettingInfo, and the write UpdateMFAAuthenticationSettings.

Regions: CloudSSO answers at cloudsso.<region>.aliyuncs.com in the regions its API reference lists (cn-shanghai,
cn-hongkong, ap-northeast-2, ap-southeast-1, us-west-1, eu-central-1: CloudSSO "Endpoints",
https://alibabacloud.com/help/en/cloudsso/developer-reference/api-cloudsso-2021-05-15-endpoint); a directory lives
in one of them. The emulator lists a
directory in its own region only (where else ListDirectories shows it is not documented). Shapes and types: the API
reference (tests/fixtures/wire/cloudsso) and alibabacloud_cloudsso20210515's models (TotalCounts an integer, the
times ISO 8601 strings)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..call import Call
from ..clock import iso
from ..errors import ApiError
from ..pop import PopApi, require
from . import Product

api = PopApi("cloudsso", "2021-05-15")

# MfaAuthenticationAdvanceSettings and OperationForRiskLogin values (GetMFAAuthenticationSettingInfo reference)
MFA_SETTINGS = {"Enabled", "Byuser", "Disabled", "OnlyRiskyLogin"}
RISKY_LOGIN = {"Autonomous", "EnforceVerify"}


class Directory(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    id: str  # d-...
    name: str = ""
    region: str = "cn-shanghai"
    created: datetime = datetime(2024, 1, 1)
    mfa: str = "Byuser"  # the MFA policy of all users (a new directory's default is not documented: set it)
    risky_login: str = "Autonomous"  # the policy for unusual logons, shown with Byuser and OnlyRiskyLogin


class CloudssoState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    directories: list[Directory] = Field(default_factory=list)


def _directory(call: Call) -> Directory:
    directory_id = require(call.params, "DirectoryId")
    for d in call.acct.cloudsso.directories:
        if d.id == directory_id and d.region == call.region:
            call.touch("ACS::CloudSSO::Directory", d.id)
            return d
    # the reference pages list no error code for an unknown directory: this one is our choice
    raise ApiError("EntityNotExists.Directory", f"The specified directory {directory_id} does not exist.", 404)


@api.action("ListDirectories")
def list_directories(call: Call) -> dict[str, Any]:
    dirs = [d for d in call.acct.cloudsso.directories if d.region == call.region]
    return {"TotalCounts": len(dirs), "Directories": [
        {"DirectoryId": d.id, "DirectoryName": d.name, "Region": d.region, "CreateTime": iso(d.created),
         "UpdateTime": iso(d.created)} for d in dirs]}


@api.action("GetMFAAuthenticationSettingInfo")
def get_mfa_authentication_setting_info(call: Call) -> dict[str, Any]:
    d = _directory(call)
    info: dict[str, Any] = {"MfaAuthenticationAdvanceSettings": d.mfa}
    if d.mfa in ("Byuser", "OnlyRiskyLogin"):  # "displayed only when Byuser or OnlyRiskyLogin is returned"
        info["OperationForRiskLogin"] = d.risky_login
    return {"MFAAuthenticationSettingInfo": info}


@api.action("UpdateMFAAuthenticationSettings", write=True)
def update_mfa_authentication_settings(call: Call) -> dict[str, Any]:
    d = _directory(call)
    setting = require(call.params, "MFAAuthenticationSettings")
    if setting not in MFA_SETTINGS:
        raise ApiError("InvalidParameter.MFAAuthenticationSettings", f"Invalid value: {setting}", 400)
    risky = call.params.get("OperationForRiskLogin", "")
    if risky and risky not in RISKY_LOGIN:
        raise ApiError("InvalidParameter.OperationForRiskLogin", f"Invalid value: {risky}", 400)
    d.mfa, d.risky_login = setting, risky or d.risky_login
    return {}


PRODUCT = Product("cloudsso", api=api, state=CloudssoState)
