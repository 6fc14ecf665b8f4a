"""IMS 2019-08-15: the credential report and the per-user reads that name users by their logon name.

Wire facts and their sources:
- GenerateCredentialReport is asynchronous: `State` is STARTED | INPROGRESS | COMPLETED (the official SDK's
  doc comment, alibabacloud_ims20190815 models/_generate_credential_report_response_body.py).
- The report CSV ("Generate and download user credential reports",
  https://www.alibabacloud.com/help/doc-detail/143477.htm): flags are TRUE / FALSE (N/A where not
  applicable); the `user` column is the user principal name `name@<alias>.onaliyun.com`, the root account's
  row `<root>` comes first; a user who never logged on shows `-`. Columns, in order, as Steampipe's client for
  the real CSV declares them (turbot/steampipe-plugin-alicloud, alicloud/table_alicloud_ram_credential_report.go):
  slots access_key_1/2 and additional_access_key_1..3 (the root account may hold more than two keys).
- The error GetCredentialReport answers before a report is ready is not documented: ours is
  `CredentialReportNotReady` (409), see the README's open questions.
- GetUser / GetLoginProfile / GetUserMFAInfo / ListVirtualMFADevices take the user principal name and answer as
  the SDK models declare: LoginProfile.Status Active | Inactive, MFADevice.Type VMFA | U2F, ListVirtualMFADevices
  pages by MaxItems (1-100, default 100) + Marker (SDK doc comments of the same package).
"""

from __future__ import annotations

import base64
import csv
import io
import time
from datetime import datetime, timedelta
from typing import Any

from ..call import Call
from ..clock import iso, parse_time
from ..errors import ApiError
from ..pop import PopApi, int_param, page_by_marker, require
from .ram import MFA_FOR_LOGIN, RISK_LOGIN, User, _date  # (_date: '' for no date, as RAM answers)

api = PopApi("ims", "2019-08-15", ram_prefix="ram")

REPORT_RENEWAL = timedelta(hours=4)  # a newer report is not generated before this (GenerateCredentialReport)
KEY_SLOTS = ["access_key_1", "access_key_2", "additional_access_key_1", "additional_access_key_2",
             "additional_access_key_3"]
COLUMNS = ["user", "user_creation_time", "user_last_logon", "password_exist", "password_active",
           "password_last_changed", "password_next_rotation", "mfa_active"]
for _slot in KEY_SLOTS:
    COLUMNS += [f"{_slot}_exist", f"{_slot}_active", f"{_slot}_last_rotated", f"{_slot}_last_used"]


def domain(acct: Any) -> str:
    """The account's default domain: `<alias>.onaliyun.com` (the alias defaults to the account id)."""
    return f"{acct.alias or acct.id}.onaliyun.com"


def upn(acct: Any, user: User) -> str:
    return f"{user.name}@{domain(acct)}"


def _flag(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def _t(dt: datetime | None, missing: str = "N/A") -> str:
    return iso(dt) if dt else missing


def _row(name: str, created: datetime, last_logon: datetime | None, password: bool, password_active: bool | str,
         mfa: bool, keys: list[Any]) -> dict[str, str]:
    active = password_active if isinstance(password_active, str) else _flag(password_active)
    row = {"user": name, "user_creation_time": _t(created), "user_last_logon": _t(last_logon, "-"),
           "password_exist": _flag(password), "password_active": active if password else "N/A",
           "password_last_changed": "N/A", "password_next_rotation": "N/A", "mfa_active": _flag(mfa)}
    for n, slot in enumerate(KEY_SLOTS):
        key = keys[n] if len(keys) > n else None
        row[f"{slot}_exist"] = _flag(key is not None)
        row[f"{slot}_active"] = _flag(key.status == "Active") if key else "N/A"
        row[f"{slot}_last_rotated"] = _t(key.created) if key else "N/A"
        row[f"{slot}_last_used"] = _t(key.last_used) if key else "N/A"
    return row


def _render(acct: Any) -> str:
    root = acct.root
    rows = [_row("<root>", root.created, root.last_login, True, True, root.mfa_bound, root.access_keys)]
    for u in acct.ram.users:
        lp = u.login_profile
        active: bool | str = lp is not None and lp.status == "Active"
        if lp is not None and lp.report_active is not None:
            active = lp.report_active
        rows.append(_row(upn(acct, u), u.created, u.last_login, lp is not None, active,
                         bool(u.mfa_device and u.mfa_device.bound),
                         u.access_keys))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _reports(call: Call) -> dict[str, Any]:
    return call.world.extras.setdefault("ims.reports", {}).setdefault(call.acct.id, {})


@api.action("GenerateCredentialReport")
def generate_credential_report(call: Call) -> dict[str, Any]:
    """A generation snapshots the account when it starts and is ready `credential_report_seconds` later; asked
    again meanwhile it is INPROGRESS, then COMPLETED. A report generated less than four hours ago is kept: "RAM
    first checks whether a report has been generated within the last four hours. If [so], the latest report is
    downloaded. If the latest report is generated four hours or more earlier, or if no previous report has been
    generated, RAM generates a new report" (Generate and download user credential reports,
    https://www.alibabacloud.com/help/doc-detail/143477.htm). What GenerateCredentialReport answers then is not
    documented: the emulator says COMPLETED (README, open questions)."""
    state = _reports(call)
    pending = state.get("pending")
    ready = state.get("ready")
    if pending is None and ready is not None and call.now() - parse_time(ready[1]) < REPORT_RENEWAL:
        return {"State": "COMPLETED"}
    if pending is None:
        delay = call.world.scenario.faults.credential_report_seconds
        state["pending"] = (_render(call.acct), iso(call.now()), time.monotonic() + delay)
        return {"State": "STARTED"}
    content, generated, ready_at = pending
    if time.monotonic() < ready_at:
        return {"State": "INPROGRESS"}
    state["ready"] = (content, generated)
    del state["pending"]
    return {"State": "COMPLETED"}


@api.action("GetCredentialReport")
def get_credential_report(call: Call) -> dict[str, Any]:
    state = _reports(call)
    pending = state.get("pending")
    if pending is not None and time.monotonic() >= pending[2]:  # finished while nobody asked
        state["ready"] = pending[:2]
        del state["pending"]
    report = state.get("ready")
    if report is None:
        if "pending" in state:
            raise ApiError("CredentialReportNotReady", "The credential report is still being generated.", 409)
        raise ApiError("CredentialReportNotExist", "The credential report does not exist; generate it first.", 404)
    content, generated = report
    # pages of MaxItems rows (default and maximum 3501); the header line comes with the first page (whether
    # later pages repeat it is not documented: the product accepts both)
    lines = content.splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    size = int_param(call.params, "MaxItems", 3501, 1, 3501)
    token = call.params.get("NextToken", "")
    start = int(token) if token.isdigit() else 0
    page = rows[start:start + size]
    text = (header if start == 0 else "") + "".join(page)
    truncated = start + size < len(rows)
    # IsTruncated is a string on this API ("true" | "false": alibabacloud_ims20190815 declares it str)
    out: dict[str, Any] = {"Content": base64.b64encode(text.encode()).decode(), "GeneratedTime": generated,
                           "IsTruncated": str(truncated).lower()}
    if truncated:
        out["NextToken"] = str(start + size)
    return out


# --- users by their logon name ------------------------------------------------------------------

def _by_upn(call: Call) -> User:
    name = require(call.params, "UserPrincipalName")
    local, _, dom = name.partition("@")
    user = call.acct.ram.user(local) if dom == domain(call.acct) else None
    if user is None:
        raise ApiError("EntityNotExist.User", f"The user does not exist: {name}", 404)
    return user


def _user_arn(call: Call) -> str:
    return f"acs:ram:*:{call.acct.id}:user/{call.params.get('UserPrincipalName', '*').partition('@')[0]}"


@api.action("GetUser", resource=_user_arn)
def get_user(call: Call) -> dict[str, Any]:
    """By UserPrincipalName, UserId or UserAccessKeyId (one of them)."""
    ram = call.acct.ram
    user: User | None
    if call.params.get("UserPrincipalName"):
        user = _by_upn(call)
    elif call.params.get("UserId"):
        user = next((u for u in ram.users if u.id == call.params["UserId"]), None)
    else:
        owner = ram.key_owner(require(call.params, "UserAccessKeyId"))
        user = owner[0] if owner else None
    if user is None:
        raise ApiError("EntityNotExist.User", "The user does not exist.", 404)
    return {"User": {"UserPrincipalName": upn(call.acct, user), "UserName": user.name, "UserId": user.id,
                     "DisplayName": user.display_name, "Email": user.email, "Comments": user.comments,
                     "CreateDate": _date(user.created), "UpdateDate": _date(user.updated or user.created),
                     "LastLoginDate": _date(user.last_login), "ProvisionType": "Manual"}}


@api.action("GetLoginProfile", resource=_user_arn)
def get_login_profile(call: Call) -> dict[str, Any]:
    user = _by_upn(call)
    lp = user.login_profile
    if lp is None:
        raise ApiError("EntityNotExist.User.LoginProfile", f"The login profile does not exist: {user.name}", 404)
    return {"LoginProfile": {"UserPrincipalName": upn(call.acct, user), "Status": lp.status,
                             "PasswordResetRequired": lp.password_reset_required,
                             "MFABindRequired": lp.mfa_bind_required, "UpdateDate": _date(lp.created),
                             "LastLoginTime": _date(user.last_login),
                             # "The default value is true, and you cannot change the value" (OpenMeta ims 2019-08-15
                             # GetLoginProfile, a string, example "true")
                             "AutoDisableLoginStatus": "true",
                             "PasswordStatus": "NotInitial"}}


@api.action("GetUserMFAInfo", resource=_user_arn)
def get_user_mfa_info(call: Call) -> dict[str, Any]:
    user = _by_upn(call)
    device = user.mfa_device
    if device is None or not device.bound:
        raise ApiError("EntityNotExist.User.MFADevice", f"The MFA device of the user does not exist: {user.name}",
                       404)
    # IsMFAEnable beside the device, as the documented sample answers it (tests/fixtures/wire/ims/GetUserMFAInfo.json)
    return {"MFADevice": {"SerialNumber": device.serial, "Type": device.type}, "IsMFAEnable": device.enabled}


@api.action("ListVirtualMFADevices", resource=lambda c: f"acs:ram:*:{c.acct.id}:mfa/*")
def list_virtual_mfa_devices(call: Call) -> dict[str, Any]:
    """Virtual devices only (a U2F security key is not one), bound or not; paged."""
    ram = call.acct.ram
    devices: list[dict[str, Any]] = [{"SerialNumber": d.serial, "ActivateDate": ""} for d in ram.virtual_mfa_devices]
    for u in ram.users:
        d = u.mfa_device
        if d and d.bound and d.type == "VMFA":
            devices.append({"SerialNumber": d.serial, "ActivateDate": _date(d.activated),
                            "User": {"UserPrincipalName": upn(call.acct, u), "UserId": u.id,
                                     "DisplayName": u.display_name}})
    page, meta = page_by_marker(devices, call.params, default=100, limit=100)
    return {"VirtualMFADevices": {"VirtualMFADevice": list(page)}, **meta}


# --- security preference (GetSecurityPreference / SetSecurityPreference, IMS 2019-08-15) --------------------------
# The IMS form carries what RAM 2015's lacks: LoginProfilePreference.MFAOperationForLogin (mandatory | independent |
# adaptive), OperationForRiskLogin (autonomous | enforceVerify) and MaxIdleDays (ints, default 730). Source: OpenMeta
# ims 2019-08-15 and the SDK model alibabacloud_ims20190815 GetSecurityPreferenceResponseBody
# (tests/fixtures/wire/ims/GetSecurityPreference.json). SetSecurityPreference sets the idle periods:
# MaxIdleDaysForUsers and MaxIdleDaysForAccessKeys, "one of the following numbers: 90, 180, 365, 730 (default)"
# (alibabacloud_ims20190815 SetSecurityPreferenceRequest).
IDLE_DAYS = ("90", "180", "365", "730")


def _bool_param(call: Call, name: str) -> bool | None:
    raw = call.params.get(name, "")
    if raw == "":
        return None
    if raw.lower() not in ("true", "false"):
        raise ApiError(f"InvalidParameter.{name}", f"The parameter {name} is invalid: {raw}", 400)
    return raw.lower() == "true"


@api.action("GetSecurityPreference")
def get_security_preference(call: Call) -> dict[str, Any]:
    sp = call.acct.ram.security_preference
    return {"SecurityPreference": {
        "AccessKeyPreference": {"AllowUserToManageAccessKeys": sp.allow_user_to_manage_access_keys},
        "LoginProfilePreference": {"EnableSaveMFATicket": sp.enable_save_mfa_ticket,
                                   "LoginSessionDuration": sp.login_session_duration,
                                   "LoginNetworkMasks": sp.login_network_masks,
                                   "AllowUserToChangePassword": sp.allow_user_to_change_password,
                                   "OperationForRiskLogin": sp.operation_for_risk_login,
                                   "MFAOperationForLogin": sp.mfa_operation_for_login,
                                   "AllowUserToLoginWithPasskey": sp.allow_user_to_login_with_passkey},
        "MFAPreference": {"AllowUserToManageMFADevices": sp.allow_user_to_manage_mfa_devices},
        "VerificationPreference": {"VerificationTypes": []},
        "PersonalInfoPreference": {"AllowUserToManagePersonalDingTalk": True},
        "MaxIdleDays": {"MaxIdleDaysForUsers": sp.max_idle_days_for_users,
                        "MaxIdleDaysForAccessKeys": sp.max_idle_days_for_access_keys}}}


@api.action("SetSecurityPreference", write=True)
def set_security_preference(call: Call) -> dict[str, Any]:
    """The login and MFA switches and the idle periods."""
    sp = call.acct.ram.security_preference
    mfa, risk = call.params.get("MFAOperationForLogin", ""), call.params.get("OperationForRiskLogin", "")
    if (mfa and mfa not in MFA_FOR_LOGIN) or (risk and risk not in RISK_LOGIN):
        raise ApiError("InvalidParameter", f"MFAOperationForLogin or OperationForRiskLogin is invalid: {mfa} {risk}",
                       400)
    sp.mfa_operation_for_login = mfa or sp.mfa_operation_for_login
    sp.operation_for_risk_login = risk or sp.operation_for_risk_login
    for param, attr in (("EnableSaveMFATicket", "enable_save_mfa_ticket"),
                        ("AllowUserToChangePassword", "allow_user_to_change_password"),
                        ("AllowUserToManageAccessKeys", "allow_user_to_manage_access_keys"),
                        ("AllowUserToManageMFADevices", "allow_user_to_manage_mfa_devices"),
                        ("AllowUserToLoginWithPasskey", "allow_user_to_login_with_passkey")):
        value = _bool_param(call, param)
        if value is not None:
            setattr(sp, attr, value)
    for param, attr in (("MaxIdleDaysForUsers", "max_idle_days_for_users"),
                        ("MaxIdleDaysForAccessKeys", "max_idle_days_for_access_keys")):
        if call.params.get(param):
            if call.params[param] not in IDLE_DAYS:
                raise ApiError("InvalidParameter", f"The parameter {param} is invalid: {call.params[param]}", 400)
            setattr(sp, attr, int(call.params[param]))
    if call.params.get("LoginSessionDuration"):
        sp.login_session_duration = int_param(call.params, "LoginSessionDuration", 6, 1, 24)
    if "LoginNetworkMasks" in call.params:
        sp.login_network_masks = call.params["LoginNetworkMasks"]
    return get_security_preference(call)


# --- the account security report (the RAM console's Overview > Security Check) ---------------------------

@api.action("GetAccountSecurityPracticeReport", ram_action="ims:GetAccountSecurityPracticeReport")
def get_account_security_practice_report(call: Call) -> dict[str, Any]:
    """Field names and types: the API reference's sample (tests/fixtures/wire/ims/GetAccountSecurityPracticeReport.json)
    and alibabacloud_ims20190815's model (RootWithAccessKey "The number of AccessKey pairs for the Alibaba Cloud
    account", BindMfa "Indicates whether multi-factor authentication (MFA) is enabled"). Whether the cloud computes
    the report on each call or periodically is not documented: the emulator answers from the account as it is now
    (README, open questions). RootWithAccessKey, BindMfa, SubUser and SubUserBindMfa come from the account; the
    counts of old and unused keys (their thresholds are not documented), the password level and the score are the
    documented sample's values, which the product does not read."""
    acct = call.acct
    users = acct.ram.users
    info = {"RootWithAccessKey": len(acct.root.access_keys), "BindMfa": acct.root.mfa_bound, "SubUser": len(users),
            "SubUserBindMfa": sum(1 for u in users if u.mfa_device and u.mfa_device.bound),
            "UnusedAkNum": 0, "OldAkNum": 0, "SubUserWithOldAccessKey": 0, "SubUserWithUnusedAccessKey": 0,
            "SubUserPwdLevel": "low"}
    return {"AccountSecurityPracticeInfo": {"AccountSecurityPracticeUserInfo": info, "Score": 63}}
