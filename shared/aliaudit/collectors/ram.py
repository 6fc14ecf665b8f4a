"""RAM and IMS datasets (global): users with keys, console and MFA state; password policy; custom
policies with their documents; the credential report for the root account."""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import datetime, timezone
from typing import Any

from alibabacloud_ims20190815 import models as ims_models
from alibabacloud_ram20150501 import models as ram_models
from pydantic import BaseModel, Field
from Tea.exceptions import TeaException

from .. import apierrors
from .paging import by_marker
from .registry import CollectContext, collector


def parse_time(text: str | None) -> datetime | None:
    if not text or text in ("N/A", "-", "no_information", "not_supported"):
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


class AccessKeyInfo(BaseModel):
    id: str
    status: str
    created: datetime | None
    last_used: datetime | None = None


class UserInfo(BaseModel):
    name: str
    id: str
    created: datetime | None
    last_login: datetime | None = None
    console: bool = False  # has a login profile (console password)
    mfa_bind_required: bool = False
    mfa_bound: bool = False
    access_keys: list[AccessKeyInfo] = Field(default_factory=list)
    policies: list[str] = Field(default_factory=list)  # directly attached, "Type:Name"
    error: str | None = None  # a per-user call failed: checks report ERROR for this user


class PasswordPolicy(BaseModel):
    minimum_length: int
    require_lowercase: bool
    require_uppercase: bool
    require_numbers: bool
    require_symbols: bool
    hard_expiry: bool
    max_age: int
    reuse_prevention: int
    max_login_attempts: int


class CustomPolicy(BaseModel):
    name: str
    document: dict[str, Any]
    attachments: int


class RootInfo(BaseModel):
    last_login: datetime | None
    mfa_active: bool
    active_keys: list[str]  # last-rotated dates or "key N" labels of active root keys
    key_last_used: datetime | None


def _not_found(err: Exception) -> bool:
    return isinstance(err, TeaException) and str(getattr(err, "code", "")).startswith("EntityNotExist")


@collector("ram.users", scope="global", apis=["ram:ListUsers", "ram:GetUser", "ram:ListAccessKeys",
                                               "ram:GetAccessKeyLastUsed", "ram:GetLoginProfile",
                                               "ram:ListVirtualMFADevices", "ram:ListPoliciesForUser"])
def users(ctx: CollectContext) -> list[UserInfo]:
    ram = ctx.client("ram")
    listed = list(by_marker(lambda m: ram.list_users(ram_models.ListUsersRequest(max_items=1000, marker=m)).body,
                            lambda b: b.users.user if b.users else []))
    # one list call tells every bound MFA device: no per-user GetUserMFAInfo
    devices = ram.list_virtual_mfadevices().body
    bound = {d.user.user_name for d in (devices.virtual_mfadevices.virtual_mfadevice or [])
             if d.user and d.user.user_name}

    def detail(u: Any) -> UserInfo:
        info = UserInfo(name=u.user_name, id=u.user_id, created=parse_time(u.create_date),
                        mfa_bound=u.user_name in bound)
        try:
            info.last_login = parse_time(ram.get_user(ram_models.GetUserRequest(user_name=u.user_name))
                                         .body.user.last_login_date)
            try:
                lp = ram.get_login_profile(ram_models.GetLoginProfileRequest(user_name=u.user_name)).body.login_profile
                info.console, info.mfa_bind_required = True, bool(lp.mfabind_required)
            except TeaException as err:
                if not _not_found(err):
                    raise
            keys = ram.list_access_keys(ram_models.ListAccessKeysRequest(user_name=u.user_name)).body
            for k in keys.access_keys.access_key or []:
                last = ram.get_access_key_last_used(ram_models.GetAccessKeyLastUsedRequest(
                    user_name=u.user_name, user_access_key_id=k.access_key_id)).body.access_key_last_used
                info.access_keys.append(AccessKeyInfo(id=k.access_key_id, status=k.status,
                                                      created=parse_time(k.create_date),
                                                      last_used=parse_time(last.last_used_date if last else None)))
            pols = ram.list_policies_for_user(ram_models.ListPoliciesForUserRequest(user_name=u.user_name)).body
            info.policies = [f"{p.policy_type}:{p.policy_name}" for p in (pols.policies.policy or [])]
        except Exception as err:
            info.error = apierrors.describe(err)
        return info

    return ctx.map(detail, listed)


@collector("ram.password_policy", scope="global", apis=["ram:GetPasswordPolicy"])
def password_policy(ctx: CollectContext) -> PasswordPolicy:
    p = ctx.client("ram").get_password_policy().body.password_policy
    return PasswordPolicy(minimum_length=p.minimum_password_length or 0,
                          require_lowercase=bool(p.require_lowercase_characters),
                          require_uppercase=bool(p.require_uppercase_characters),
                          require_numbers=bool(p.require_numbers), require_symbols=bool(p.require_symbols),
                          hard_expiry=bool(p.hard_expiry), max_age=p.max_password_age or 0,
                          reuse_prevention=p.password_reuse_prevention or 0,
                          max_login_attempts=p.max_login_attemps or 0)


@collector("ram.custom_policies", scope="global", apis=["ram:ListPolicies", "ram:GetPolicy"])
def custom_policies(ctx: CollectContext) -> list[CustomPolicy]:
    ram = ctx.client("ram")
    listed = list(by_marker(
        lambda m: ram.list_policies(ram_models.ListPoliciesRequest(policy_type="Custom", max_items=1000,
                                                                   marker=m)).body,
        lambda b: b.policies.policy if b.policies else []))

    def fetch(p: Any) -> CustomPolicy:
        body = ram.get_policy(ram_models.GetPolicyRequest(policy_name=p.policy_name, policy_type="Custom")).body
        text = body.default_policy_version.policy_document if body.default_policy_version else "{}"
        return CustomPolicy(name=p.policy_name, document=json.loads(text or "{}"),
                            attachments=p.attachment_count or 0)

    return ctx.map(fetch, listed)


@collector("ram.root", scope="global", apis=["ram:GenerateCredentialReport", "ram:GetCredentialReport"])
def root(ctx: CollectContext) -> RootInfo:
    ims = ctx.client("ims")
    ims.generate_credential_report()
    text, token = "", None
    while True:  # the report pages by rows (NextToken), header first
        body = ims.get_credential_report(ims_models.GetCredentialReportRequest(next_token=token)).body
        text += base64.b64decode(body.content or "").decode()
        token = body.next_token
        if not (str(body.is_truncated).lower() == "true" and token):
            break
    rows = list(csv.DictReader(io.StringIO(text)))
    row = next((r for r in rows if r.get("user") in ("<root>", "<root_account>")), None)
    if row is None:
        raise ValueError("the credential report has no root-account row")
    keys = [f"key {n}" for n in (1, 2) if row.get(f"access_key_{n}_active") == "true"]
    used = [parse_time(row.get(f"access_key_{n}_last_used")) for n in (1, 2)]
    return RootInfo(last_login=parse_time(row.get("user_last_logon")), mfa_active=row.get("mfa_active") == "true",
                    active_keys=keys, key_last_used=max((u for u in used if u), default=None))
