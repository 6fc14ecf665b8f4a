"""RAM and IMS datasets (global): users with keys, console and MFA state; password policy; custom
policies with their documents; the credential report for the root account."""

from __future__ import annotations

import base64
import csv
import io
import json
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any

from alibabacloud_ims20190815 import models as ims_models
from alibabacloud_ram20150501 import models as ram_models
from pydantic import BaseModel, Field
from Tea.exceptions import TeaException

from .. import apierrors
from .paging import by_marker
from .registry import CollectContext, collector

log = logging.getLogger("aliaudit.collect")


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


def credential_report(ims: Any) -> list[dict[str, str]]:
    """The IMS credential report's rows: one per RAM user plus the root account ('<root>'), with console,
    last logon, MFA and per-key creation and last-use dates; paged by rows (NextToken), header first."""
    ims.generate_credential_report()
    text, token = "", None
    while True:
        body = ims.get_credential_report(ims_models.GetCredentialReportRequest(next_token=token)).body
        text += base64.b64decode(body.content or "").decode()
        token = body.next_token
        if not (str(body.is_truncated).lower() == "true" and token):
            break
    return list(csv.DictReader(io.StringIO(text)))


def _direct_policies_or_none(ram: Any, ctx: CollectContext, users: int) -> dict[str, list[str]] | None:
    try:
        return _direct_policies(ram, ctx, users)
    except TeaException as err:
        log.warning("cannot list policy attachments (%s): asking per user instead", apierrors.describe(err))
        return None


def _direct_policies(ram: Any, ctx: CollectContext, users: int) -> dict[str, list[str]] | None:
    """User name -> policies attached to the user directly, from the attached policies' entity lists, when
    there are fewer attached policies than users (else None: ask per user). ListPolicies tells each policy's
    AttachmentCount, so this costs one call per attached policy instead of one per user."""
    listed = list(by_marker(lambda m: ram.list_policies(ram_models.ListPoliciesRequest(max_items=1000,
                                                                                        marker=m)).body,
                            lambda b: b.policies.policy if b.policies else []))
    attached = [p for p in listed if (p.attachment_count or 0) > 0]
    if len(attached) >= users:
        return None
    out: dict[str, list[str]] = {}

    def entities(p: Any) -> None:
        body = ram.list_entities_for_policy(ram_models.ListEntitiesForPolicyRequest(
            policy_name=p.policy_name, policy_type=p.policy_type)).body
        for u in (body.users.user if body.users else None) or []:
            out.setdefault(u.user_name, []).append(f"{p.policy_type}:{p.policy_name}")

    ctx.map(entities, attached)
    return out


@collector("ram.users", scope="global", apis=["ram:ListUsers", "ram:GenerateCredentialReport",
                                               "ram:GetCredentialReport", "ram:ListAccessKeys",
                                               "ram:ListVirtualMFADevices", "ram:ListPolicies",
                                               "ram:ListEntitiesForPolicy", "ram:ListPoliciesForUser",
                                               "ram:GetUser", "ram:GetLoginProfile", "ram:GetAccessKeyLastUsed"])
def users(ctx: CollectContext) -> list[UserInfo]:
    """Every user with console, last logon, MFA, keys and direct policies. The credential report answers
    console, last logon and key last use for all users at once; per user only ListAccessKeys (the key ids)
    remains. Users the report does not know (created after it, or the report denied) and keys it cannot be
    matched to fall back to the per-user calls (GetUser, GetLoginProfile, GetAccessKeyLastUsed)."""
    ram = ctx.client("ram")

    def list_users() -> Iterator[Any]:
        return by_marker(lambda m: ram.list_users(ram_models.ListUsersRequest(max_items=1000, marker=m)).body,
                         lambda b: b.users.user if b.users else [])

    def read_report() -> dict[str, dict[str, str]]:
        try:
            return {r.get("user", ""): r for r in credential_report(ctx.client("ims"))}
        except TeaException as err:
            log.warning("credential report unavailable (%s): asking per user instead", apierrors.describe(err))
            return {}

    def bound_devices() -> set[str]:  # one list call tells every bound MFA device: no per-user GetUserMFAInfo
        devices = ram.list_virtual_mfadevices().body
        return {d.user.user_name for d in (devices.virtual_mfadevices.virtual_mfadevice or [])
                if d.user and d.user.user_name}

    # the account-wide reads are independent: at once, so the per-user calls start sooner (with the first page
    # of users: the keys, one call per user at the API's pace, are the long part); the policy attachments (per
    # attached policy) are read while the users' keys are
    with ThreadPoolExecutor(max_workers=3) as pool, \
            ThreadPoolExecutor(max_workers=max(1, ctx.concurrency)) as per_user:
        report_f, bound_f = pool.submit(read_report), pool.submit(bound_devices)

        def detail(u: Any) -> UserInfo:
            report, bound = report_f.result(), bound_f.result()  # (a failed MFA listing fails the dataset)
            return _detail(ram, u, report.get(u.user_name), u.user_name in bound)

        pending = [per_user.submit(detail, u) for u in list_users()]
        direct_f = pool.submit(_direct_policies_or_none, ram, ctx, len(pending))
        infos = [f.result() for f in pending]
        direct = direct_f.result()

    def policies(info: UserInfo) -> None:
        if info.error:
            return
        if direct is not None:
            info.policies = direct.get(info.name, [])
            return
        try:
            pols = ram.list_policies_for_user(ram_models.ListPoliciesForUserRequest(user_name=info.name)).body
            info.policies = [f"{p.policy_type}:{p.policy_name}" for p in (pols.policies.policy or [])]
        except Exception as err:
            info.error = apierrors.describe(err)

    ctx.map(policies, infos)
    return infos


def _detail(ram: Any, u: Any, row: dict[str, str] | None, mfa_bound: bool) -> UserInfo:
    info = UserInfo(name=u.user_name, id=u.user_id, created=parse_time(u.create_date), mfa_bound=mfa_bound)
    try:
        if row is not None:
            info.last_login = parse_time(row.get("user_last_logon"))
            info.console = row.get("password_exist") == "true"
        else:
            info.last_login = parse_time(ram.get_user(ram_models.GetUserRequest(user_name=u.user_name))
                                         .body.user.last_login_date)
            try:
                ram.get_login_profile(ram_models.GetLoginProfileRequest(user_name=u.user_name))
                info.console = True
            except TeaException as err:
                if not _not_found(err):
                    raise
        if row is None or any(row.get(f"access_key_{n}_exist") == "true" for n in (1, 2)):
            info.access_keys = _keys(ram, u.user_name, row)
    except Exception as err:
        info.error = apierrors.describe(err)
    return info


def _keys(ram: Any, user: str, row: dict[str, str] | None) -> list[AccessKeyInfo]:
    """The user's keys; last use from the report row whose key slot has the key's creation time (the
    report names keys by slot, not id), else GetAccessKeyLastUsed."""
    used_by_created = {}
    for n in (1, 2):
        created = parse_time((row or {}).get(f"access_key_{n}_last_rotated"))
        if created is not None:
            used_by_created[created] = parse_time(row.get(f"access_key_{n}_last_used")) if row else None
    out = []
    for k in ram.list_access_keys(ram_models.ListAccessKeysRequest(user_name=user)).body.access_keys.access_key or []:
        created = parse_time(k.create_date)
        if created in used_by_created:
            last = used_by_created[created]
        else:
            got = ram.get_access_key_last_used(ram_models.GetAccessKeyLastUsedRequest(
                user_name=user, user_access_key_id=k.access_key_id)).body.access_key_last_used
            last = parse_time(got.last_used_date if got else None)
        out.append(AccessKeyInfo(id=k.access_key_id, status=k.status, created=created, last_used=last))
    return out


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
    rows = credential_report(ctx.client("ims"))
    row = next((r for r in rows if r.get("user") in ("<root>", "<root_account>")), None)
    if row is None:
        raise ValueError("the credential report has no root-account row")
    keys = [f"key {n}" for n in (1, 2) if row.get(f"access_key_{n}_active") == "true"]
    used = [parse_time(row.get(f"access_key_{n}_last_used")) for n in (1, 2)]
    return RootInfo(last_login=parse_time(row.get("user_last_logon")), mfa_active=row.get("mfa_active") == "true",
                    active_keys=keys, key_last_used=max((u for u in used if u), default=None))
