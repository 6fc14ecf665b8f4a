"""RAM and IMS datasets (global): users with keys, console and MFA state; password policy; custom
policies with their documents; the credential report for the root account."""

from __future__ import annotations

import base64
import csv
import io
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import Field

from .. import apierrors
from ..datasets import RAM_ACCESS_KEY, RAM_ROOT, RAM_USER, Dataset, Record, Scope
from ..jsontext import load_object
from ..lazy import lazy_import
from .paging import by_marker, no_way_on
from .registry import CollectContext, collector

ims_models = lazy_import("alibabacloud_ims20190815.models")
ram_models = lazy_import("alibabacloud_ram20150501.models")
tea_exceptions = lazy_import("Tea.exceptions")

log = logging.getLogger("aliaudit.collect")


def parse_time(text: str | None) -> datetime | None:
    if not text or text in ("N/A", "-", "no_information", "not_supported"):
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


class AccessKeyInfo(Record):
    id: str
    status: str
    created: datetime | None
    last_used: datetime | None = None


class UserInfo(Record):
    name: str
    id: str
    created: datetime | None
    last_login: datetime | None = None
    console: bool = False  # console logon enabled (a login profile whose Status is Active)
    mfa_bound: bool = False
    access_keys: list[AccessKeyInfo] = Field(default_factory=list)
    policies: list[str] = Field(default_factory=list)  # directly attached, "Type:Name"
    error: str | None = None  # a per-user call failed: checks report ERROR for this user


class PasswordPolicy(Record):
    minimum_length: int
    require_lowercase: bool
    require_uppercase: bool
    require_numbers: bool
    require_symbols: bool
    hard_expiry: bool
    max_age: int
    reuse_prevention: int
    max_login_attempts: int


class CustomPolicy(Record):
    name: str
    document: dict[str, Any]
    attachments: int
    error: str | None = None  # why the default version could not be read (the policy's ERROR)


class RootInfo(Record):
    last_login: datetime | None
    mfa_active: bool
    active_keys: list[str]  # last-rotated dates or "key N" labels of active root keys
    inactive_keys: list[str] = Field(default_factory=list)  # root keys that exist but are disabled ("key N")
    report_generated: datetime | None = None  # when IMS generated the credential report these come from
    # the account security report (GetAccountSecurityPracticeReport: the RAM console's Overview > Security Check,
    # which the CIS 1.2 and 1.3 audits read): its root AccessKey count and root MFA flag, None where not answered
    practice_keys: int | None = None
    practice_mfa: bool | None = None
    practice_error: str | None = None  # why it could not be read (the root checks say so and rest on the report)
    key_last_used: datetime | None
    # why the credential report (or its root row) could not be had: the fields above from it are then unknown, and
    # the root checks rest on the account security report alone ("If the number of RAM users exceeds 3,500, no user
    # credential reports can be generated": "Generate and download user credential reports",
    # https://www.alibabacloud.com/help/doc-detail/143477.htm)
    report_error: str | None = None


def _not_found(err: Exception) -> bool:
    return apierrors.sdk_code(err).startswith("EntityNotExist")


# GetLoginProfile's and GetUserMFAInfo's own "none" answers, apart from the user itself being unknown
# (EntityNotExist.User, 404 "The user does not exist.", which is that user's ERROR, never "no console" or "no MFA"):
# "EntityNotExist.User.LoginProfile" 404 "The user login profile does not exist." and "EntityNotExist.User.MFADevice"
# "The user has not bound any MFA device." (RAM API reference, GetLoginProfile and the RAM error codes)
NO_LOGIN_PROFILE = "EntityNotExist.User.LoginProfile"
NO_MFA_DEVICE = "EntityNotExist.User.MFADevice"


def _document(read: Callable[[], str | None], what: str,
              absent: str) -> tuple[dict[str, Any] | None, str | None] | None:
    """A policy document read with `read` and parsed within the bound: (document, None), or (None, why it could not
    be read: that entity's ERROR, the others still judged), or None when the entity was deleted since it was listed
    (EntityNotExist.*)."""
    try:
        doc = load_object(read(), what)
        if doc is None:
            raise ValueError(absent)
        return doc, None
    except Exception as err:
        if _not_found(err):
            return None
        return None, apierrors.describe(err)


# --- the IMS credential report ---------------------------------------------------------------------------
# Its format ("Generate and download user credential reports", https://www.alibabacloud.com/help/doc-detail/143477.htm):
# flags are TRUE / FALSE (or N/A), the `user` column is the user principal name name@<alias>.onaliyun.com with the
# root account's row `<root>` first, never-logged-on is `-`. Key slots access_key_1/2 and, for the root account,
# additional_access_key_1..3 (column names as Steampipe's client reads the real CSV:
# turbot/steampipe-plugin-alicloud alicloud/table_alicloud_ram_credential_report.go). Flags are compared without
# regard to case, so an older lower-case form still reads right.
ROOT_ROWS = ("<root>", "<root_account>")
REPORT_READY = "COMPLETED"  # GenerateCredentialReport State: STARTED | INPROGRESS | COMPLETED (IMS SDK doc comment)


def flag(value: str | None) -> bool:
    return (value or "").strip().upper() == "TRUE"


def key_slots(row: dict[str, str]) -> list[str]:
    """The row's key slot prefixes, in column order: access_key_1, access_key_2, additional_access_key_1..."""
    return [c[:-len("_exist")] for c in row if c.endswith("_exist") and "access_key_" in c]


def report_user(row: dict[str, str]) -> str:
    """The RAM user name of a report row (the UPN's part before '@'; RAM user names cannot contain '@')."""
    user = row.get("user", "")
    return user if user in ROOT_ROWS else user.partition("@")[0]


def wait_for_report(ims: Any, wait_seconds: float) -> None:
    """GenerateCredentialReport until its State is COMPLETED: IMS generates the report asynchronously. Polled
    with growing pauses (0.05 s doubling to 2 s) for at most `wait_seconds`: the users' keys wait for the report
    (it tells which users have keys), and a first pause of 0.25 s was most of that wait on an account whose report
    was ready at the second ask (generated scale 0.05: the key reads, the scan's busiest, began 0.35 s after the
    users were listed)."""
    deadline = time.monotonic() + wait_seconds
    pause = 0.05
    while True:
        state = str(ims.generate_credential_report().body.state or "")
        if state.upper() in (REPORT_READY, "COMPLETE"):
            return
        if time.monotonic() + pause > deadline:
            raise TimeoutError(f"the IMS credential report was not generated within {wait_seconds:g} s "
                               f"(State {state or 'empty'})")
        time.sleep(pause)
        pause = min(pause * 2, 2.0)


class ReportRows(list[dict[str, str]]):
    """The credential report's rows, and when IMS generated the report (GetCredentialReport GeneratedTime): IMS
    makes a new report at most once every four hours and answers the previous one until then ("Generate and
    download user credential reports"), so a report can be hours old. `stale`: generated before this scan asked
    for it (REPORT_SKEW allowed for clocks), so it may miss what changed since."""

    generated: datetime | None = None
    stale: bool = False


REPORT_SKEW = timedelta(minutes=1)  # the local clock against IMS's GeneratedTime


def credential_report(ims: Any, wait_seconds: float = 120) -> ReportRows:
    """The IMS credential report's rows: one per RAM user plus the root account ('<root>'), with console,
    last logon, MFA and per-key creation and last-use dates; paged by rows (NextToken), header first (a header
    repeated on a later page is dropped: the paging of long reports is not documented)."""
    asked = datetime.now(timezone.utc)
    wait_for_report(ims, wait_seconds)
    header: str | None = None
    lines: list[str] = []
    token = None
    out = ReportRows()
    while True:
        body = ims.get_credential_report(ims_models.GetCredentialReportRequest(next_token=token)).body
        out.generated = out.generated or parse_time(body.generated_time)
        for line in base64.b64decode(body.content or "").decode().splitlines():
            if header is None:
                header = line
            elif line != header and line.strip():
                lines.append(line)
        token = body.next_token
        if str(body.is_truncated).lower() != "true":
            break
        if not token:
            raise no_way_on("the credential report", "NextToken")
    if header is not None:
        out.extend(csv.DictReader(io.StringIO("\n".join([header, *lines]))))
    out.stale = out.generated is None or out.generated < asked - REPORT_SKEW
    return out


def shared_report(ctx: CollectContext) -> ReportRows:
    """The credential report, generated and read once per scan for every collector that needs it."""
    wait = ctx.factory.settings.report_wait_seconds
    return ctx.factory.shared(f"ims.credential_report/{ctx.account_id}",
                              lambda: credential_report(ctx.client("ims"), wait))


def _direct_policies_or_none(ram: Any, ctx: CollectContext, users: int) -> dict[str, list[str]] | None:
    try:
        return _direct_policies(ram, ctx, users)
    except tea_exceptions.TeaException as err:
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


USERS: Dataset[list[UserInfo]] = Dataset("ram.users", Scope.GLOBAL)


@collector(USERS, apis=["ram:ListUsers", "ram:GenerateCredentialReport", "ram:GetCredentialReport",
                        "ram:ListAccessKeys", "ram:ListVirtualMFADevices", "ram:GetUserMFAInfo", "ram:ListPolicies",
                        "ram:ListEntitiesForPolicy", "ram:ListPoliciesForUser", "ram:GetUser", "ram:GetLoginProfile",
                        "ram:GetAccessKeyLastUsed"], reads_one=[RAM_USER, RAM_ACCESS_KEY], long=True)
def users(ctx: CollectContext) -> list[UserInfo]:
    """Every user with console, last logon, MFA, keys and direct policies. The credential report answers
    console, last logon, MFA (virtual devices and security keys alike) and key last use for all users at once;
    per user only ListAccessKeys (the key ids) remains. Users the report does not know (created after it, or
    the report denied) fall back to IMS per-user calls (GetUser, GetLoginProfile's Status, the virtual MFA
    devices then GetUserMFAInfo), and keys it cannot be matched to, to GetAccessKeyLastUsed. A report generated
    before the scan asked (IMS keeps one for four hours) may miss keys created since: every user's keys are then
    listed, not only those it shows. An event run reads only its users (one_user), never the report."""
    ram = ctx.client("ram")
    names = ctx.only(RAM_USER, RAM_ACCESS_KEY)
    if names is not None:
        wanted, unknown = _event_users(ctx)
        ctx.judge(wanted | {u.name for u in unknown})
        return [*unknown, *(u for u in ctx.map(lambda n: one_user(ctx, ram, n), sorted(wanted)) if u is not None)]

    def list_users() -> Iterator[Any]:
        return by_marker(lambda m: ram.list_users(ram_models.ListUsersRequest(max_items=1000, marker=m)).body,
                         lambda b: b.users.user if b.users else [])

    def read_report() -> tuple[dict[str, dict[str, str]], bool]:
        try:
            report = shared_report(ctx)
        except (tea_exceptions.TeaException, TimeoutError) as err:
            log.warning("credential report unavailable (%s): asking per user instead", apierrors.describe(err))
            return {}, False
        if report.stale:
            log.info("the credential report was generated at %s, before this scan: each user's console, MFA and "
                     "keys are read from RAM and IMS instead", report.generated)
        return {report_user(r): r for r in report}, report.stale

    # the report and the policy attachments (per attached policy) are read while the users' keys are (one call
    # per user at the API's pace: the long part, started with the first page of users)
    with ThreadPoolExecutor(max_workers=2) as pool, \
            ThreadPoolExecutor(max_workers=max(1, ctx.concurrency)) as per_user:
        report_f = pool.submit(read_report)

        def detail(u: Any) -> UserInfo:
            # A stale report (IMS makes one at most every four hours) may predate an MFA device unbound or a console
            # logon enabled since: it decides nothing then, each user is read as one the report does not list
            rows, stale = report_f.result()
            return _detail(ctx, ram, u, None if stale else rows.get(u.user_name))

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
            info.policies = _user_policies(ram, info.name)
        except Exception as err:
            info.error = apierrors.describe(err)

    ctx.map(policies, infos)
    return infos


def _event_users(ctx: CollectContext) -> tuple[set[str], list[UserInfo]]:
    """The users an event named, and the owners of the keys it named: IMS GetUser takes one of
    UserPrincipalName, UserId or UserAccessKeyId ("The AccessKey ID of the RAM user", alibabacloud_ims20190815
    GetUserRequest). A key IMS knows no user for (EntityNotExist*: deleted, or no RAM user's) names no user. No
    public source says which code IMS answers for the root account's key, so any other failure (that code, a
    denial, a fault past the retries) is not taken as "no user": the key is returned as an ERROR entry (its id as
    the name, the reason), and the other users are still read."""
    users = set(ctx.only(RAM_USER) or ())
    ims = ctx.client("ims")

    def owner(key: str) -> str | UserInfo | None:
        try:
            got = ims.get_user(ims_models.GetUserRequest(user_access_key_id=key)).body.user
        except Exception as err:
            if _not_found(err):
                return None
            log.warning("cannot tell whose AccessKey %s is: %s", key, apierrors.describe(err))
            return UserInfo(name=key, id="", created=None,
                            error=f"cannot tell whose AccessKey {key} is (IMS GetUser): {apierrors.describe(err)}")
        return (got.user_name or report_user({"user": got.user_principal_name or ""})) if got else None

    found = ctx.map(owner, sorted(ctx.only(RAM_ACCESS_KEY) or ()))
    return users | {u for u in found if isinstance(u, str) and u}, [u for u in found if isinstance(u, UserInfo)]


def one_user(ctx: CollectContext, ram: Any, name: str) -> UserInfo | None:
    """One user as users() describes it, from per-user calls only (the credential report is the whole account's:
    its size grows with the users): RAM GetUser (UserId, CreateDate, LastLoginDate: alibabacloud_ram20150501
    GetUserResponseBodyUser), IMS GetLoginProfile's Status and GetUserMFAInfo (a bound device of either type: its
    MFADevice.Type is VMFA or U2F, alibabacloud_ims20190815 GetUserMFAInfoResponseBodyMFADevice), ListAccessKeys
    with GetAccessKeyLastUsed per key, ListPoliciesForUser. None when the user does not exist (deleted)."""
    try:
        u = ram.get_user(ram_models.GetUserRequest(user_name=name)).body.user
    except tea_exceptions.TeaException as err:
        if _not_found(err):
            return None
        return UserInfo(name=name, id="", created=None, error=apierrors.describe(err))
    info = UserInfo(name=u.user_name or name, id=u.user_id or "", created=parse_time(u.create_date),
                    last_login=parse_time(u.last_login_date))
    try:
        ims = ctx.client("ims")
        upn = ims.get_user(ims_models.GetUserRequest(user_id=info.id)).body.user.user_principal_name
        info.console = _console(ims, upn)
        info.mfa_bound = _mfa_info(ims, upn)
        info.access_keys = _keys(ram, info.name, None)
        info.policies = _user_policies(ram, info.name)
    except Exception as err:
        info.error = apierrors.describe(err)
    return info


def _virtual_mfa_users(ctx: CollectContext) -> set[str]:
    """Ids of the users with a bound virtual MFA device: IMS ListVirtualMFADevices, paged (MaxItems 1-100,
    Marker; the RAM 2015 call takes no paging parameters). Security keys (U2F) are not listed here."""
    ims = ctx.client("ims")

    def read() -> set[str]:
        devices = by_marker(lambda m: ims.list_virtual_mfadevices(ims_models.ListVirtualMFADevicesRequest(
            max_items=100, marker=m)).body, lambda b: b.virtual_mfadevices.virtual_mfadevice
            if b.virtual_mfadevices else [])
        return {d.user.user_id for d in devices if d.user and d.user.user_id}

    return ctx.factory.shared(f"ims.virtual_mfa/{ctx.account_id}", read)


def _detail(ctx: CollectContext, ram: Any, u: Any, row: dict[str, str] | None) -> UserInfo:
    info = UserInfo(name=u.user_name, id=u.user_id, created=parse_time(u.create_date))
    try:
        if row is not None:
            info.last_login = parse_time(row.get("user_last_logon"))
            info.console = _report_console(ctx, row)
            info.mfa_bound = flag(row.get("mfa_active"))
        else:
            _detail_without_report(ctx, info)
        if row is None or any(flag(row.get(f"{slot}_exist")) for slot in key_slots(row)):
            info.access_keys = _keys(ram, u.user_name, row)
    except Exception as err:
        info.error = apierrors.describe(err)
    return info


def _report_console(ctx: CollectContext, row: dict[str, str]) -> bool:
    """Console logon from a report row: password_active TRUE or FALSE (a disabled login profile is no console
    access). "Valid values are TRUE, FALSE, and N/A" with N/A as the example ("Generate and download user credential
    reports", https://www.alibabacloud.com/help/doc-detail/143477.htm), and the page does not say what N/A means for
    a user with a password (password_exist TRUE): then IMS GetLoginProfile's Status decides, as for a user the
    report does not list."""
    active = (row.get("password_active") or "").strip().upper()
    if active in ("TRUE", "FALSE") or not flag(row.get("password_exist")):
        return active == "TRUE"
    return _console(ctx.client("ims"), row.get("user") or "")


def _detail_without_report(ctx: CollectContext, info: UserInfo) -> None:
    """Console, last logon and MFA of a user the report does not list, from IMS (which names users by their
    logon name): GetUser by id, GetLoginProfile's Status (Active | Inactive: console logon can be disabled, by
    hand or automatically for idle users), a virtual MFA device or else GetUserMFAInfo (a U2F security key)."""
    ims = ctx.client("ims")
    user = ims.get_user(ims_models.GetUserRequest(user_id=info.id)).body.user
    upn = user.user_principal_name
    info.last_login = parse_time(user.last_login_date)
    info.console = _console(ims, upn)
    # the virtual devices are listed once for every user: a call per user is left for the others (U2F keys)
    info.mfa_bound = info.id in _virtual_mfa_users(ctx) or _mfa_info(ims, upn)


def _console(ims: Any, upn: str) -> bool:
    """Console logon enabled: IMS GetLoginProfile's Status is Active (Active | Inactive: it can be disabled, by hand
    or automatically for idle users); a user without a login profile (NO_LOGIN_PROFILE) has none."""
    try:
        status = ims.get_login_profile(ims_models.GetLoginProfileRequest(user_principal_name=upn)) \
            .body.login_profile.status
    except tea_exceptions.TeaException as err:
        if apierrors.sdk_code(err) != NO_LOGIN_PROFILE:
            raise
        return False
    return str(status or "").lower() == "active"


def _mfa_info(ims: Any, upn: str) -> bool:
    """An MFA device bound, of either type: IMS GetUserMFAInfo (its MFADevice.Type is VMFA or U2F,
    alibabacloud_ims20190815 GetUserMFAInfoResponseBodyMFADevice); none bound (NO_MFA_DEVICE): False."""
    try:
        body = ims.get_user_mfainfo(ims_models.GetUserMFAInfoRequest(user_principal_name=upn)).body
    except tea_exceptions.TeaException as err:
        if apierrors.sdk_code(err) != NO_MFA_DEVICE:
            raise
        return False
    # IsMFAEnable: "Indicates whether the MFA device is enabled" (GetUserMFAInfoResponseBody): a device answered as
    # not enabled is no MFA; an answer without the field keeps the device's word
    device = body.mfadevice
    return bool(device and device.serial_number) and body.is_mfaenable is not False


def _user_policies(ram: Any, user: str) -> list[str]:
    """The policies attached to the user directly, "Type:Name" (RAM ListPoliciesForUser)."""
    pols = ram.list_policies_for_user(ram_models.ListPoliciesForUserRequest(user_name=user)).body
    return [f"{p.policy_type}:{p.policy_name}" for p in ((pols.policies.policy if pols.policies else None) or [])]


def _keys(ram: Any, user: str, row: dict[str, str] | None) -> list[AccessKeyInfo]:
    """The user's keys; last use from the report row whose key slot has the key's creation time (the
    report names keys by slot, not id), else GetAccessKeyLastUsed."""
    row = row or {}
    used_by_created = {}
    for slot in key_slots(row):
        created = parse_time(row.get(f"{slot}_last_rotated"))
        if created is not None:
            used_by_created[created] = parse_time(row.get(f"{slot}_last_used"))
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


PASSWORD_POLICY: Dataset[PasswordPolicy] = Dataset("ram.password_policy", Scope.GLOBAL)


@collector(PASSWORD_POLICY, apis=["ram:GetPasswordPolicy"])
def password_policy(ctx: CollectContext) -> PasswordPolicy:
    p = ctx.client("ram").get_password_policy().body.password_policy
    return PasswordPolicy(minimum_length=p.minimum_password_length or 0,
                          require_lowercase=bool(p.require_lowercase_characters),
                          require_uppercase=bool(p.require_uppercase_characters),
                          require_numbers=bool(p.require_numbers), require_symbols=bool(p.require_symbols),
                          hard_expiry=bool(p.hard_expiry), max_age=p.max_password_age or 0,
                          reuse_prevention=p.password_reuse_prevention or 0,
                          max_login_attempts=p.max_login_attemps or 0)


CUSTOM_POLICIES: Dataset[list[CustomPolicy]] = Dataset("ram.custom_policies", Scope.GLOBAL)


@collector(CUSTOM_POLICIES, apis=["ram:ListPolicies", "ram:GetPolicy"])
def custom_policies(ctx: CollectContext) -> list[CustomPolicy]:
    ram = ctx.client("ram")
    listed = list(by_marker(
        lambda m: ram.list_policies(ram_models.ListPoliciesRequest(policy_type="Custom", max_items=1000,
                                                                   marker=m)).body,
        lambda b: b.policies.policy if b.policies else []))

    def fetch(p: Any) -> CustomPolicy | None:
        def read() -> str | None:
            body = ram.get_policy(ram_models.GetPolicyRequest(policy_name=p.policy_name, policy_type="Custom")).body
            return body.default_policy_version.policy_document if body.default_policy_version else None

        got = _document(read, "the policy's default version", "GetPolicy gave no default version document")
        if got is None:
            return None
        doc, error = got
        return CustomPolicy(name=p.policy_name, document=doc or {}, attachments=p.attachment_count or 0, error=error)

    return [p for p in ctx.map(fetch, listed) if p is not None]


ROOT: Dataset[RootInfo] = Dataset("ram.root", Scope.GLOBAL)


@collector(ROOT, apis=["ram:GenerateCredentialReport", "ram:GetCredentialReport",
                       "ims:GetAccountSecurityPracticeReport"], reads_one=[RAM_ROOT])
def root(ctx: CollectContext) -> RootInfo:
    try:
        report = shared_report(ctx)
        row = next((r for r in report if r.get("user") in ROOT_ROWS), None)
        if row is None:
            raise ValueError("the credential report has no root-account row")
    except Exception as err:  # the security report may still answer the CIS 1.2 / 1.3 audits' questions
        info = RootInfo(last_login=None, mfa_active=False, active_keys=[], key_last_used=None,
                        report_error=apierrors.describe(err))
        _read_practice(ctx, info)
        if info.practice_error:
            raise RuntimeError(f"credential report: {info.report_error}; account security report: "
                               f"{info.practice_error}") from err
        return info
    slots = key_slots(row)  # every slot: the root account may hold more keys than a user's two
    keys = [f"key {n}" for n, slot in enumerate(slots, 1) if flag(row.get(f"{slot}_active"))]
    inactive = [f"key {n}" for n, slot in enumerate(slots, 1)
                if flag(row.get(f"{slot}_exist")) and not flag(row.get(f"{slot}_active"))]
    used = [parse_time(row.get(f"{slot}_last_used")) for slot in slots]
    info = RootInfo(last_login=parse_time(row.get("user_last_logon")), mfa_active=flag(row.get("mfa_active")),
                    active_keys=keys, inactive_keys=inactive, key_last_used=max((u for u in used if u), default=None),
                    report_generated=report.generated)
    _read_practice(ctx, info)
    return info


def _read_practice(ctx: CollectContext, info: RootInfo) -> None:
    """The account security report's root facts, a second source beside the credential report (which IMS renews
    at most every four hours). Its RAM action is ims:GetAccountSecurityPracticeReport (API reference; the other
    IMS reads are authorized as ram:*). Types as alibabacloud_ims20190815 declares them: RootWithAccessKey an int,
    BindMfa a bool (tests/fixtures/wire/ims/GetAccountSecurityPracticeReport.json); anything else is not a fact."""
    try:
        body = ctx.client("ims").get_account_security_practice_report().body
    except Exception as err:  # (a role deployed before this read existed lacks the action)
        info.practice_error = apierrors.describe(err)
        return
    user = body.account_security_practice_info.account_security_practice_user_info \
        if body.account_security_practice_info else None
    keys = getattr(user, "root_with_access_key", None)
    mfa = getattr(user, "bind_mfa", None)
    info.practice_keys = keys if isinstance(keys, int) and not isinstance(keys, bool) and keys >= 0 else None
    info.practice_mfa = mfa if isinstance(mfa, bool) else None
    if info.practice_keys is None or info.practice_mfa is None:
        info.practice_error = (f"the answer gave RootWithAccessKey {keys!r} and BindMfa {mfa!r}, not the documented "
                               "count and boolean")


class SecurityPreference(Record):
    """IMS GetSecurityPreference (2019-08-15; RAM 2015's form lacks the MFA-for-login mode and the idle limits).
    Field values as the API reference documents them (tests/fixtures/wire/ims/GetSecurityPreference.json); None
    where the answer leaves a field out."""

    mfa_for_login: str | None  # LoginProfilePreference.MFAOperationForLogin: mandatory | independent | adaptive
    risk_login: str | None  # LoginProfilePreference.OperationForRiskLogin: autonomous | enforceVerify
    save_mfa_ticket: bool | None  # LoginProfilePreference.EnableSaveMFATicket (remember the device 7 days)
    max_idle_days_users: int | None  # MaxIdleDays.MaxIdleDaysForUsers (default 730)
    max_idle_days_access_keys: int | None  # MaxIdleDays.MaxIdleDaysForAccessKeys (default 730)


SECURITY_PREFERENCE: Dataset[SecurityPreference] = Dataset("ram.security_preference", Scope.GLOBAL)


@collector(SECURITY_PREFERENCE, apis=["ram:GetSecurityPreference"])
def security_preference(ctx: CollectContext) -> SecurityPreference:
    # the IMS API is authorized as ram:GetSecurityPreference (IMS actions share the ram namespace, as
    # ram:GenerateCredentialReport does)
    sp = ctx.client("ims").get_security_preference().body.security_preference
    login = sp.login_profile_preference if sp else None
    idle = sp.max_idle_days if sp else None
    return SecurityPreference(mfa_for_login=getattr(login, "mfaoperation_for_login", None),
                              risk_login=getattr(login, "operation_for_risk_login", None),
                              save_mfa_ticket=getattr(login, "enable_save_mfaticket", None),
                              max_idle_days_users=getattr(idle, "max_idle_days_for_users", None),
                              max_idle_days_access_keys=getattr(idle, "max_idle_days_for_access_keys", None))


class RoleInfo(Record):
    name: str
    id: str = ""
    arn: str = ""
    trust: dict[str, Any] | None = None  # GetRole Role.AssumeRolePolicyDocument, parsed (a JSON text on the wire)
    error: str | None = None  # GetRole failed or its document is not JSON: checks report ERROR for this role


ROLES: Dataset[list[RoleInfo]] = Dataset("ram.roles", Scope.GLOBAL)


@collector(ROLES, apis=["ram:ListRoles", "ram:GetRole"])
def roles(ctx: CollectContext) -> list[RoleInfo]:
    """Every role with its trust policy. ListRoles (MaxItems 1-1000, Marker) does not carry
    AssumeRolePolicyDocument (API reference, SDK model ListRolesResponseBodyRolesRole): GetRole per role does."""
    ram = ctx.client("ram")
    listed = list(by_marker(lambda m: ram.list_roles(ram_models.ListRolesRequest(max_items=1000, marker=m)).body,
                            lambda b: b.roles.role if b.roles else []))

    def fetch(r: Any) -> RoleInfo | None:
        name = r.role_name or ""

        def read() -> str | None:
            role = ram.get_role(ram_models.GetRoleRequest(role_name=name)).body.role
            return role.assume_role_policy_document if role else None

        got = _document(read, "the trust policy", "GetRole gave no trust policy document")
        if got is None:
            return None
        trust, error = got
        return RoleInfo(name=name, id=r.role_id or "", arn=r.arn or "", trust=trust, error=error)

    return [r for r in ctx.map(fetch, listed) if r is not None]
