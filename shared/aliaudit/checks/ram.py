"""RAM checks: the root account, users (console, MFA, keys), password policy and custom policies.
CIS Alibaba Cloud Foundations v2.0.0 section 1, plus Alibaba's own AccessKey guidance."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta, timezone
from fnmatch import fnmatchcase
from typing import Any

from .. import ram_policy
from ..collectors.ram import (
    CUSTOM_POLICIES,
    PASSWORD_POLICY,
    ROLES,
    ROOT,
    SECURITY_PREFERENCE,
    USERS,
    CustomPolicy,
    PasswordPolicy,
    RoleInfo,
    RootInfo,
    SecurityPreference,
    UserInfo,
)
from ..findings import Result, Status
from .registry import Inputs, check

USER_EVENTS = ["CreateUser", "DeleteUser", "CreateLoginProfile", "UpdateLoginProfile", "DeleteLoginProfile",
               "BindMFADevice", "UnbindMFADevice", "DisableVirtualMFA", "CreateAccessKey", "UpdateAccessKey",
               "DeleteAccessKey", "RestoreAccessKeyFromRecycleBin", "RestoreUserFromRecycleBin"]
POLICY_EVENTS = ["SetPasswordPolicy"]
PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL


def _users(inp: Inputs) -> Iterator[tuple[UserInfo, Result | None]]:
    """Each user, with an ERROR result ready when its details could not be read."""
    for u in inp[USERS]:
        err = Result(status=ERROR, resource_id=u.name, resource_type="ram:user",
                     message=f"could not read the user's details: {u.error}") if u.error else None
        yield u, err


# --- root account ---------------------------------------------------------------------------------

@check(id="ram_root_account_unused", title="Avoid the use of the root account", severity="high",
       risk="The root account has unrestricted access to every resource and cannot be limited by policies.",
       console="Create RAM users or roles for daily work; keep the root password and MFA device offline.",
       cli="aliyun ims GenerateCredentialReport && aliyun ims GetCredentialReport",
       events=["ConsoleSignin"], needs=[ROOT],
       evaluates="The credential report's <root> row (GenerateCredentialReport/GetCredentialReport): FAIL when "
                 "user_last_logon or the latest last_used of any root key slot (active or not) falls within "
                 "console_inactivity_days (90) of the scan, PASS otherwise (never used counts as unused). Recorded "
                 "use, a view beside CIS 1.1, whose audit asks for an ActionTrail alarm on root usage instead: that "
                 "alarm is sls_alert_root_account_usage_enabled (CIS 1.1 and 2.18). ERROR when the credential report "
                 "could not be had.",
       source="CIS 1.1's recommendation (avoid the use of the root account), judged by the root account's recorded "
              "use in the IMS credential report")
def root_unused(inp: Inputs) -> Iterator[Result]:
    root: RootInfo = inp[ROOT]
    if root.report_error:
        yield Result(status=ERROR, resource_id="<root>", resource_type="ram:root",
                     message=f"could not read the root account's last use: credential report: {root.report_error}")
        return
    window = inp.now - timedelta(days=inp.config.console_inactivity_days)
    uses = [t for t in (root.last_login, root.key_last_used) if t and t > window]
    if uses:
        yield Result(status=FAIL, resource_id="<root>", resource_type="ram:root",
                     message=f"the root account was used on {max(uses):%Y-%m-%d} (within "
                             f"{inp.config.console_inactivity_days} days)")
    else:
        yield Result(status=PASS, resource_id="<root>", resource_type="ram:root",
                     message=f"the root account was not used in the last {inp.config.console_inactivity_days} days")


@check(id="ram_root_access_key_absent", title="Ensure no root account access key exists", severity="critical",
       risk="A root AccessKey grants full, unrestricted API access and cannot be scoped or audited per person.",
       console="Sign in as root, open AccessKey management and delete every root AccessKey.",
       cli="aliyun ram DeleteAccessKey --UserAccessKeyId <id>  (as the root account)",
       cis=["1.2"], events=["CreateAccessKey", "DeleteAccessKey"], needs=[ROOT],
       evaluates="The credential report's <root> row and the account security report that the CIS audit's "
                 "Security Check shows (GetAccountSecurityPracticeReport RootWithAccessKey): FAIL when any root key "
                 "slot (access_key_1/2, additional_access_key_1..3) has _exist or _active TRUE (a disabled key still "
                 "exists and can be enabled again: the recommendation is that none exists), or when the security "
                 "report counts a root AccessKey (IMS answers the same credential report for up to four hours: a key "
                 "created since is not in it); PASS when neither shows one, naming when the credential report was "
                 "generated, and saying so when the security report could not be read. When the credential report "
                 "cannot be had (no report is generated for more than 3,500 RAM users, or it has no root row) the "
                 "security report alone decides, saying so; ERROR (dataset not collected) when neither answers.",
       cis_audit="RAM console (as root) > Overview: in the Security Check section, make sure that No AK for Root "
                 "Account is marked as Finished.")
def root_keys(inp: Inputs) -> Iterator[Result]:
    root: RootInfo = inp[ROOT]
    if root.report_error:  # (the collector read the security report then, or failed the dataset)
        status = FAIL if root.practice_keys else PASS
        yield Result(status=status, resource_id="<root>", resource_type="ram:root",
                     message=f"the account security report (RAM console Overview > Security Check) counts "
                             f"{root.practice_keys or 0} root AccessKey(s); the credential report could not be read "
                             f"({root.report_error})")
    elif root.active_keys or root.inactive_keys:
        held = [f"{len(keys)} {kind}" for kind, keys in (("active", root.active_keys), ("disabled", root.inactive_keys))
                if keys]
        yield Result(status=FAIL, resource_id="<root>", resource_type="ram:root",
                     message=f"the root account has AccessKeys ({' and '.join(held)})")
    elif root.practice_keys:
        yield Result(status=FAIL, resource_id="<root>", resource_type="ram:root",
                     message=f"the account security report (RAM console Overview > Security Check) counts "
                             f"{root.practice_keys} root AccessKey(s), which the credential report does not list yet"
                             + _as_of(root))
    else:
        yield Result(status=PASS, resource_id="<root>", resource_type="ram:root",
                     message="the root account has no AccessKey" + _as_of(root))


@check(id="ram_root_mfa_enabled", title="Ensure MFA is enabled for the root account", severity="critical",
       risk="Without MFA, a leaked root password gives full control of the account.",
       console="Sign in as root, Security Settings > Enable virtual MFA device.",
       cli="(console only for the root account)", cis=["1.3"], events=["BindMFADevice", "UnbindMFADevice"],
       needs=[ROOT],
       evaluates="The account security report that the CIS audit's Security Check shows "
                 "(GetAccountSecurityPracticeReport BindMfa) decides: PASS when true, FAIL when false, whatever the "
                 "credential report says (IMS answers the same credential report for up to four hours, so an MFA "
                 "device bound since is not in it; the "
                 "message says when they disagree). When the security report could not be read, the credential "
                 "report's <root> row decides, saying so: PASS when mfa_active is TRUE (any letter case), FAIL "
                 "otherwise (FALSE, N/A or empty); ERROR (dataset not collected) when neither report answers.",
       cis_audit="RAM console (as root) > Overview: in the Security Check section, make sure that Enable MFA for Root"
                 " Account is marked as Finished.")
def root_mfa(inp: Inputs) -> Iterator[Result]:
    root: RootInfo = inp[ROOT]
    report = "the account security report (RAM console Overview > Security Check)"
    if root.practice_mfa is True:
        lag = "" if root.mfa_active or root.report_error else (
            "; the credential report, which IMS renews at most every four hours, does not show it")
        status, message = PASS, f"the root account has an MFA device bound ({report} says BindMfa true{lag})" + (
            _as_of(root))
    elif root.practice_mfa is False:
        status, message = FAIL, f"{report} says the root account has no MFA (BindMfa false)" + (
            ", though the credential report shows one" + _as_of(root) if root.mfa_active
            else _as_of(root) if root.report_error else "")
    elif root.mfa_active:  # (the security report unread: the collector had the credential report then)
        status, message = PASS, "the root account has an MFA device bound" + _as_of(root)
    else:
        status, message = FAIL, "the root account has no MFA device bound" + _as_of(root)
    yield Result(status=status, resource_id="<root>", resource_type="ram:root", message=message)


def _as_of(root: RootInfo) -> str:
    """When the credential report a root verdict rests on was generated (IMS answers the same report for up to four
    hours, so a change made since is not in it), and whether the account security report could be read."""
    when = root.report_generated
    out = f"credential report generated {when.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC" if when else ""
    if root.report_error:
        out = f"the credential report could not be read: {root.report_error}"
    if root.practice_error:
        out += ("; " if out else "") + f"the account security report could not be read: {root.practice_error}"
    return f" ({out})" if out else ""


# --- users ----------------------------------------------------------------------------------------

@check(id="ram_user_console_mfa_enabled", severity="high",
       title="Ensure MFA is enabled for all RAM users that have a console password",
       risk="A console password alone can be phished or guessed; MFA stops the takeover.",
       console="RAM console > Users > the user > Authentication > Enable MFA device.",
       cli="aliyun ram CreateVirtualMFADevice ... && aliyun ram BindMFADevice --UserName <user> ...",
       cis=["1.4"], events=USER_EVENTS, needs=[USERS],
       evaluates="Each RAM user with console logon enabled (credential report password_active TRUE, or an Active "
                 "GetLoginProfile): PASS when an MFA device is bound (report mfa_active, a virtual MFA device or "
                 "GetUserMFAInfo), FAIL otherwise; users without console logon give no result, ERROR when the user's "
                 "details could not be read. MFABindRequired alone (the console's Required to Enable MFA) does not "
                 "pass: the audit's CLI form, a device returned by GetUserMFAInfo, is what is followed.",
       cis_audit="For each RAM user whose Console Access is Enabled, make sure that Required to Enable MFA is set to "
                 "Yes; with the CLI, aliyun ram GetUserMFAInfo --UserName <ram_user> (an error means no MFA device is"
                 " enabled).")
def user_mfa(inp: Inputs) -> Iterator[Result]:
    for u, err in _users(inp):
        if err:
            yield err
        elif u.console:
            # MFA means a bound device; MFABindRequired alone does not protect the login
            yield Result(status=PASS if u.mfa_bound else FAIL, resource_id=u.name, resource_type="ram:user",
                         message="console user has an MFA device bound" if u.mfa_bound else
                         "console user has no MFA device bound")


@check(id="ram_user_console_inactive_disabled", severity="medium",
       title="Ensure users not logged on for 90 days or longer are disabled for console logon",
       risk="Dormant console logins are unmonitored doors into the account.",
       console="RAM console > Users > the user > Authentication > Console Logon Management > Disable.",
       cli="aliyun ram DeleteLoginProfile --UserName <user>", cis=["1.5"], events=USER_EVENTS,
       needs=[USERS],
       evaluates="Each RAM user with console logon enabled: FAIL when the last console logon (user_last_logon, or the"
                 " user's creation time when never logged on) is older than console_inactivity_days (90), PASS "
                 "otherwise; no result for users without console logon, ERROR when the user's details could not be "
                 "read, or when neither the last logon nor the creation time is known.",
       cis_audit="For each RAM user, check the Last Console Logon field and make sure that no user has a last console"
                 " logon time dated earlier than 90 days ago.")
def user_inactive(inp: Inputs) -> Iterator[Result]:
    days = inp.config.console_inactivity_days
    cutoff = inp.now - timedelta(days=days)
    for u, err in _users(inp):
        if err:
            yield err
        elif u.console:
            last = u.last_login or u.created  # never logged in: count from creation
            if last is None:  # neither is known: the verdict cannot be drawn, never a PASS
                yield Result(status=ERROR, resource_id=u.name, resource_type="ram:user",
                             message="console logon enabled, but neither the last logon nor the creation time is "
                                     "known")
            elif last < cutoff:
                seen = f"last logged in {u.last_login:%Y-%m-%d}" if u.last_login else "never logged in"
                yield Result(status=FAIL, resource_id=u.name, resource_type="ram:user",
                             message=f"console logon enabled but {seen} ({days}+ days)")
            else:
                yield Result(status=PASS, resource_id=u.name, resource_type="ram:user",
                             message=f"console user active within {days} days")


def _user_keys(inp: Inputs, *, active_only: bool = True) -> Iterator[tuple[UserInfo, Any, Result | None]]:
    """Each user's AccessKeys (active_only: the Active ones), or the user's error."""
    for u, err in _users(inp):
        if err:
            yield u, None, err
            continue
        for k in u.access_keys:
            if not active_only or k.status == "Active":
                yield u, k, None


@check(id="ram_user_access_key_rotated", title="Ensure access keys are rotated every 90 days or less",
       severity="medium", risk="Old keys have had more time to leak and are often embedded in forgotten places.",
       console="RAM console > Users > the user > AccessKey: create a new key, switch, disable and delete the old one.",
       cli="aliyun ram CreateAccessKey --UserName <user>; aliyun ram DeleteAccessKey --UserName <user> "
           "--UserAccessKeyId <old>", cis=["1.6"], events=USER_EVENTS, needs=[USERS],
       evaluates="Each AccessKey of each RAM user (ListAccessKeys, Active and Inactive: the audit asks that no "
                 "user has a key created earlier than 90 days ago): FAIL when its CreateDate is more than "
                 "access_key_max_age_days (90) before the scan, PASS otherwise; ERROR when the user's details or the "
                 "key's CreateDate could not be read.",
       cis_audit="aliyun ram ListAccessKeys --UserName <ram_user>: make sure that no user has an access key created "
                 "(CreateDate) earlier than 90 days ago.")
def key_rotation(inp: Inputs) -> Iterator[Result]:
    days = inp.config.access_key_max_age_days
    cutoff = inp.now - timedelta(days=days)
    for u, k, err in _user_keys(inp, active_only=False):
        if err:
            yield err
            continue
        if k.created is None:  # (its CreateDate could not be read: never a PASS, never a crash of the whole check)
            yield Result(status=ERROR, resource_id=k.id, resource_type="ram:accesskey", resource_name=u.name,
                         message=f"AccessKey of {u.name}: its creation date could not be read")
            continue
        old = k.created < cutoff
        yield Result(status=FAIL if old else PASS, resource_id=k.id, resource_type="ram:accesskey",
                     resource_name=u.name, message=f"AccessKey of {u.name} created {k.created:%Y-%m-%d}"
                     + (f", older than {days} days" if old else f", within {days} days")
                     + ("" if k.status == "Active" else f" ({k.status or 'status unknown'})"))


@check(id="ram_user_access_key_unused", title="Remove AccessKeys unused for 90 days", severity="medium",
       risk="Unused keys serve no one but an attacker who finds them.",
       console="RAM console > Users > the user > AccessKey: disable, then delete keys that are not used.",
       cli="aliyun ram UpdateAccessKey --UserName <user> --UserAccessKeyId <id> --Status Inactive",
       events=USER_EVENTS, needs=[USERS],
       evaluates="Each Active AccessKey of each RAM user: FAIL when its last use (credential report key slot "
                 "last_used, else GetAccessKeyLastUsed; the creation time when never used) is more than "
                 "access_key_unused_days (90) ago, PASS otherwise; Inactive keys are not judged, ERROR when the "
                 "user's details, or both the key's last use and creation date, could not be read.",
       source="Cloud Config ram-user-ak-used-expired-check")
def key_unused(inp: Inputs) -> Iterator[Result]:
    days = inp.config.access_key_unused_days
    cutoff = inp.now - timedelta(days=days)
    for u, k, err in _user_keys(inp):
        if err:
            yield err
            continue
        last = k.last_used or k.created
        if last is None:  # neither its last use nor its creation time is known: never a PASS
            yield Result(status=ERROR, resource_id=k.id, resource_type="ram:accesskey", resource_name=u.name,
                         message=f"AccessKey of {u.name}: neither its last use nor its creation date could be read")
            continue
        unused = last < cutoff
        seen = f"last used {k.last_used:%Y-%m-%d}" if k.last_used else "never used"
        yield Result(status=FAIL if unused else PASS, resource_id=k.id, resource_type="ram:accesskey",
                     resource_name=u.name, message=f"AccessKey of {u.name} {seen}"
                     + (f" ({days}+ days)" if unused else ""))


@check(id="ram_user_single_active_key", title="One active AccessKey per user", severity="low",
       risk="Several active keys per person multiply the places a key can leak and blur accountability.",
       console="RAM console > Users > the user > AccessKey: keep one active key.",
       cli="aliyun ram UpdateAccessKey --UserName <user> --UserAccessKeyId <id> --Status Inactive",
       events=USER_EVENTS, needs=[USERS],
       evaluates="Each RAM user's AccessKeys (ListAccessKeys Status): FAIL when more than one is Active, PASS with "
                 "exactly one; users with no active key give no result, ERROR when the user's details could not be "
                 "read.",
       source="CIS 1.6's rotation procedure: a second key exists only while the first is being replaced")
def single_key(inp: Inputs) -> Iterator[Result]:
    for u, err in _users(inp):
        if err:
            yield err
            continue
        active = [k.id for k in u.access_keys if k.status == "Active"]
        if active:
            yield Result(status=FAIL if len(active) > 1 else PASS, resource_id=u.name, resource_type="ram:user",
                         message=f"{len(active)} active AccessKeys")


@check(id="ram_user_console_and_access_key_separated", severity="medium",
       title="Ensure no RAM user has both console logon and an active AccessKey",
       risk="A person's identity and a program's identity in one user mean a leaked key acts as that person, and "
            "a key embedded in code keeps the human's permissions; separating them limits both blast radii.",
       console="RAM console > Users: create a separate user for programmatic access, move the key there, then "
               "disable the console logon or the AccessKey of the original user.",
       cli="aliyun ram UpdateAccessKey --UserName <user> --UserAccessKeyId <id> --Status Inactive  "
           "(or aliyun ram DeleteLoginProfile --UserName <user>)",
       events=USER_EVENTS, needs=[USERS],
       source="Cloud Config ram-user-login-check",
       evaluates="Each RAM user with console logon enabled (credential report password_active TRUE, or an Active "
                 "GetLoginProfile) or at least one Active AccessKey (ListAccessKeys Status): FAIL when the user has "
                 "both, PASS when only one of them; users with neither give no result; ERROR when the user's details"
                 " could not be read. Inactive keys are not counted.")
def console_and_key(inp: Inputs) -> Iterator[Result]:
    for u, err in _users(inp):
        if err:
            yield err
            continue
        active = [k.id for k in u.access_keys if k.status == "Active"]
        if u.console and active:
            yield Result(status=FAIL, resource_id=u.name, resource_type="ram:user",
                         message=f"console logon enabled and active AccessKey(s) {', '.join(active)}")
        elif u.console or active:
            yield Result(status=PASS, resource_id=u.name, resource_type="ram:user",
                         message="console logon only" if u.console else "programmatic access only "
                         "(no console logon)")


@check(id="ram_user_no_direct_policies", title="Ensure RAM policies are attached only to groups or roles",
       severity="low", risk="Permissions attached to individual users drift and are hard to review.",
       console="RAM console > Users > the user > Permissions: move the policies to a group and remove them.",
       cli="aliyun ram DetachPolicyFromUser --UserName <user> --PolicyName <p> --PolicyType <t>",
       cis=["1.16"], events=["AttachPolicyToUser", "DetachPolicyFromUser", "CreateUser"], needs=[USERS],
       evaluates="ListPoliciesForUser for each RAM user: FAIL when any policy (system or custom) is attached directly"
                 " to the user, PASS when none is; ERROR when the user's details could not be read.",
       cis_audit="aliyun ram ListUsers, then for each user aliyun ram ListPoliciesForUser --UserName <ram_user>; if "
                 "any policies are returned, the user has a direct policy attached.")
def direct_policies(inp: Inputs) -> Iterator[Result]:
    for u, err in _users(inp):
        if err:
            yield err
        else:
            yield Result(status=FAIL if u.policies else PASS, resource_id=u.name, resource_type="ram:user",
                         message=f"policies attached directly: {', '.join(u.policies)}" if u.policies
                         else "no policy attached directly")


# --- password policy ------------------------------------------------------------------------------

def _pp_check(id: str, title: str, cis: str, test: Any, describe: Any, *, severity: str = "medium",  # noqa: A002
              evaluates: str = "", cis_audit: str = "", source: str = "") -> None:
    @check(id=id, title=title, severity=severity, cis=[cis] if cis else [], events=POLICY_EVENTS, source=source,
           risk="Weak password rules make RAM user passwords easier to guess or reuse.",
           console="RAM console > Settings > Security Settings > Password Strength Settings.",
           cli="aliyun ram SetPasswordPolicy --MinimumPasswordLength 14 --RequireUppercaseCharacters true "
               "--RequireLowercaseCharacters true --RequireNumbers true --RequireSymbols true "
               "--PasswordReusePrevention 5 --MaxPasswordAge 365 --MaxLoginAttemps 5",
           needs=[PASSWORD_POLICY], evaluates=evaluates, cis_audit=cis_audit)
    def run(inp: Inputs) -> Iterator[Result]:
        pp: PasswordPolicy = inp[PASSWORD_POLICY]
        ok = test(pp, inp.config.password_policy)
        yield Result(status=PASS if ok else FAIL, resource_id=inp.account_id, resource_type="ram:password-policy",
                     message=describe(pp, inp.config.password_policy))


def max_age_cis(max_age: int, threshold: int) -> bool:
    """CIS 1.13: expiry disabled or set to the threshold (365) or more. MaxPasswordAge is an int of days, "Default
    value: 0. The default value indicates that the password never expires" (alibabacloud_ram20150501
    GetPasswordPolicyResponseBodyPasswordPolicy doc comment)."""
    return max_age == 0 or max_age >= threshold


def _max_age_message(p: PasswordPolicy, t: Any) -> str:
    if p.max_age == 0:
        return "MaxPasswordAge=0: expiry is disabled, which the CIS 1.13 audit accepts"
    return f"MaxPasswordAge={p.max_age} (required: disabled, or at least {t.max_age_days} days)"


_pp_check("ram_password_policy_uppercase", "Ensure RAM password policy requires at least one uppercase letter",
          "1.7", lambda p, t: p.require_uppercase, lambda p, t: f"RequireUppercaseCharacters={p.require_uppercase}",
          evaluates="GetPasswordPolicy RequireUppercaseCharacters: PASS when true, FAIL when false or absent.",
          cis_audit="aliyun ram GetPasswordPolicy: make sure that the RequireUppercaseCharacters parameter is set to "
                    "true (console: Charset contains Upper case).")
_pp_check("ram_password_policy_lowercase", "Ensure RAM password policy requires at least one lowercase letter",
          "1.8", lambda p, t: p.require_lowercase, lambda p, t: f"RequireLowercaseCharacters={p.require_lowercase}",
          evaluates="GetPasswordPolicy RequireLowercaseCharacters: PASS when true, FAIL when false or absent.",
          cis_audit="aliyun ram GetPasswordPolicy: make sure that the RequireLowercaseCharacters parameter is set to "
                    "true (console: Charset contains Lower case).")
_pp_check("ram_password_policy_symbol", "Ensure RAM password policy requires at least one symbol", "1.9",
          lambda p, t: p.require_symbols, lambda p, t: f"RequireSymbols={p.require_symbols}",
          evaluates="GetPasswordPolicy RequireSymbols: PASS when true, FAIL when false or absent.",
          cis_audit="aliyun ram GetPasswordPolicy: make sure that the RequireSymbols parameter is set to true "
                    "(console: Charset contains Symbol).")
_pp_check("ram_password_policy_number", "Ensure RAM password policy requires at least one number", "1.10",
          lambda p, t: p.require_numbers, lambda p, t: f"RequireNumbers={p.require_numbers}",
          evaluates="GetPasswordPolicy RequireNumbers: PASS when true, FAIL when false or absent.",
          cis_audit="aliyun ram GetPasswordPolicy: make sure that the RequireNumbers parameter is set to true "
                    "(console: Charset contains Number).")
_pp_check("ram_password_policy_min_length", "Ensure RAM password policy requires a minimum length of 14 or more",
          "1.11", lambda p, t: p.minimum_length >= t.minimum_length,
          lambda p, t: f"MinimumPasswordLength={p.minimum_length} (required >= {t.minimum_length})",
          evaluates="GetPasswordPolicy MinimumPasswordLength: PASS when at least password_policy.minimum_length (14),"
                    " FAIL when shorter or absent (read as 0).",
          cis_audit="aliyun ram GetPasswordPolicy: make sure that the MinimumPasswordLength parameter is set to 14 or"
                    " a greater number (console: Length 14 to 32).")
_pp_check("ram_password_policy_reuse_prevention", "Ensure RAM password policy prevents password reuse", "1.12",
          lambda p, t: p.reuse_prevention >= t.reuse_prevention,
          lambda p, t: f"PasswordReusePrevention={p.reuse_prevention} (required >= {t.reuse_prevention})",
          evaluates="GetPasswordPolicy PasswordReusePrevention: PASS when at least password_policy.reuse_prevention "
                    "(5), FAIL when lower or absent (0, reuse allowed). More than 5 passes, although the audit text "
                    "says 'set to 5'.",
          cis_audit="aliyun ram GetPasswordPolicy: make sure that the PasswordReusePrevention parameter is set to 5 "
                    "(console: Do Not Repeat History).")
_pp_check("ram_password_policy_max_age", "Ensure RAM password policy expires passwords in 365 days or greater",
          "1.13", lambda p, t: max_age_cis(p.max_age, t.max_age_days), _max_age_message,
          evaluates="GetPasswordPolicy MaxPasswordAge (days; 0 = passwords never expire, RAM's default): PASS when "
                    "0 or at least password_policy.max_age_days (365). Expiry disabled passes because the CIS audit "
                    "says so; the view that passwords must expire is the separate check "
                    "ram_password_policy_expiry_enabled (not mapped to CIS).",
          cis_audit="In the Password section, make sure that the value of Max Age is either disabled or greater "
                    "than 365. Using the CLI: aliyun ram GetPasswordPolicy; make sure that the MaxPasswordAge "
                    "parameter is set to <365> or a greater number.")
_pp_check("ram_password_policy_expiry_enabled", "Ensure RAM password policy makes passwords expire", "",
          lambda p, t: p.max_age > 0,
          lambda p, t: "MaxPasswordAge=0: passwords never expire" if p.max_age == 0
          else f"passwords expire after {p.max_age} days", severity="low",
          evaluates="GetPasswordPolicy MaxPasswordAge: FAIL when 0 (passwords never expire), PASS when set. Stricter "
                    "than CIS 1.13, whose audit accepts a disabled Max Age, so not mapped to CIS; how long the "
                    "maximum age is (365 or more) is ram_password_policy_max_age's (CIS 1.13) business.",
          source="Cloud Config ram-password-policy-check")
_pp_check("ram_password_policy_login_attempts",
          "Ensure RAM password policy blocks logon after 5 incorrect attempts within an hour", "1.14",
          lambda p, t: 0 < p.max_login_attempts <= t.max_login_attempts,
          lambda p, t: f"MaxLoginAttemps={p.max_login_attempts} (required 1-{t.max_login_attempts})",
          evaluates="GetPasswordPolicy MaxLoginAttemps: PASS when between 1 and password_policy.max_login_attempts "
                    "(5), FAIL when 0 or absent (no lockout) or higher. Fewer than 5 attempts passes, although the "
                    "audit text says 'set to 5'.",
          cis_audit="aliyun ram GetPasswordPolicy: make sure that the MaxLoginAttemps parameter is set to 5 (console:"
                    " Max Attempts is 5).")


# --- custom policies ------------------------------------------------------------------------------

# "*" and "*:*" both name every action of every service: the CIS v2.0.0 1.15 remediation names both ("Action: *"
# and the "*:*" of its title), as does Steampipe's alicloud CIS query. acs:*:*:*:* is every resource in RAM's ARN
# form (acs:<service>:<region>:<account>:<resource>; RAM "Policy elements").
_ALL_ACTIONS = ("*", "*:*")
_ALL_RESOURCES = ("*", "acs:*:*:*:*")
_CIS_1_15_AUDIT = ("In the Policy Document section, make sure that no policy has a statement that includes Effect: "
                   "Allow, Action: *, and Resource: *, or any policy with such statement is not attached to any RAM "
                   "identities (including RAM user, group, or role) ... or make sure that the value of "
                   "AttachmentCount under Policy is set to 0 for such policies")
_FULL_ADMIN = ("a statement (Statement an object or a list) with Effect Allow in any letter case, Action `*` or "
               "`*:*` (a string, or one entry of a list) and Resource `*` (or `acs:*:*:*:*`), with or without a "
               "Condition (`*:*` limited to an IP range or to MFA logons is still every permission; "
               "NotAction/NotResource statements are not counted)")


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value] if isinstance(value, list) else []


def _full_admin_statement(st: Any) -> bool:
    if not isinstance(st, dict) or str(st.get("Effect", "")).lower() != "allow":
        return False
    actions = [a.strip() for a in _listed(st.get("Action"))]
    resources = [r.strip().lower() for r in _listed(st.get("Resource"))]
    return any(a in _ALL_ACTIONS for a in actions) and any(r in _ALL_RESOURCES for r in resources)


def full_admin_document(doc: dict[str, Any]) -> bool:
    """The policy document allows every action on every resource (CIS 1.15's *:* administrative privileges)."""
    statements = doc.get("Statement", [])
    return any(_full_admin_statement(st) for st in ([statements] if isinstance(statements, dict) else
                                                     statements if isinstance(statements, list) else []))


POLICY_CHANGE_EVENTS = ["CreatePolicy", "CreatePolicyVersion", "SetDefaultPolicyVersion", "DeletePolicy"]
ATTACH_EVENTS = ["AttachPolicyToUser", "AttachPolicyToGroup", "AttachPolicyToRole", "DetachPolicyFromUser",
                 "DetachPolicyFromGroup", "DetachPolicyFromRole"]


def _policy_unread(p: CustomPolicy) -> Result:
    return Result(status=ERROR, resource_id=p.name, resource_type="ram:policy",
                  message=f"the policy's default version could not be read: {p.error}")


@check(id="ram_policy_no_full_admin", severity="high",
       title="Ensure RAM policies that allow full *:* administrative privileges are not created",
       risk="A custom *:* policy grants every permission; least privilege is lost wherever it is attached.",
       console="RAM console > Policies > the policy > References: revoke it from every user, group and role; then "
               "narrow Action and Resource, or delete it.",
       cli="aliyun ram ListEntitiesForPolicy --PolicyType Custom --PolicyName <name>; aliyun ram "
           "DetachPolicyFromUser|Group|Role ...; aliyun ram DeletePolicy --PolicyName <name>",
       cis=["1.15"], events=POLICY_CHANGE_EVENTS + ATTACH_EVENTS, needs=[CUSTOM_POLICIES],
       evaluates="each custom policy's default version (ListPolicies --PolicyType Custom, GetPolicy): FAIL when it "
                 "has " + _FULL_ADMIN + ", and ListPolicies' AttachmentCount is above 0; a full-admin policy "
                 "attached to no user, group or role PASSES, as the CIS audit allows. That such a policy exists at "
                 "all is the stricter check ram_policy_full_admin_absent (not mapped to CIS).",
       cis_audit=_CIS_1_15_AUDIT)
def full_admin(inp: Inputs) -> Iterator[Result]:
    # p.attachments is ListPolicies' Policies.Policy[].AttachmentCount, an int (alibabacloud_ram20150501
    # ListPoliciesResponseBodyPoliciesPolicy; API reference sample tests/fixtures/wire/ram/ListPolicies.json); the
    # CIS 1.15 audit names "AttachmentCount under Policy"
    policies: list[CustomPolicy] = inp[CUSTOM_POLICIES]
    for p in policies:
        if p.error:
            yield _policy_unread(p)
            continue
        if not full_admin_document(p.document):
            status, message = PASS, "custom policy does not allow *:*"
        elif p.attachments:
            status, message = FAIL, f"custom policy allows *:* and is attached to {p.attachments} identity(ies)"
        else:
            status, message = PASS, ("custom policy allows *:* but is attached to no user, group or role "
                                     "(AttachmentCount 0), which CIS 1.15 accepts")
        yield Result(status=status, resource_id=p.name, resource_type="ram:policy", message=message)


@check(id="ram_policy_full_admin_absent", severity="medium",
       title="Ensure no custom RAM policy allows full *:* administrative privileges, attached or not",
       risk="An unattached *:* policy is one AttachPolicy call away from granting every permission, and is the "
            "first thing an attacker with RAM attach rights looks for.",
       console="RAM console > Policies > the policy: narrow Action and Resource, or delete it.",
       cli="aliyun ram DeletePolicy --PolicyName <name>", events=POLICY_CHANGE_EVENTS,
       needs=[CUSTOM_POLICIES],
       evaluates="each custom policy's default version: FAIL when a statement allows every action (`*` or `*:*`) "
                 "on every resource: Resource `*`, `acs:*:*:*:*` or the account-scoped `acs:*:*:<account>:*`, or "
                 "any NotResource (every resource but those listed), with or without a Condition, whatever its "
                 "AttachmentCount. Stricter than CIS 1.15, whose audit accepts such a policy when it is attached to "
                 "nothing and names Resource `*` only, so it is not mapped to CIS (ram_policy_no_full_admin gives "
                 "the CIS 1.15 verdict).",
       source="Cloud Config ram-policy-no-statements-with-admin-access-check")
def full_admin_absent(inp: Inputs) -> Iterator[Result]:
    policies: list[CustomPolicy] = inp[CUSTOM_POLICIES]
    for p in policies:
        if p.error:
            yield _policy_unread(p)
            continue
        bad = ram_policy.full_admin_document(p.document)  # (the every-resource forms CIS 1.15's text leaves out)
        yield Result(status=FAIL if bad else PASS, resource_id=p.name, resource_type="ram:policy",
                     message=f"custom policy allows *:* ({p.attachments} attachment(s))" if bad
                     else "custom policy does not allow *:*")


# --- security preference (account-wide settings for RAM users) -------------------------------------------------

PREFERENCE_EVENTS = ["SetSecurityPreference"]
_SP_CONSOLE = "RAM console > Settings > Security Settings (User Security Settings)"


@check(id="ram_security_preference_mfa_enforced", severity="medium",
       title="Ensure MFA is required for every RAM user's console logon",
       risk="With MFA left to each user (independent) or asked only on unusual logons (adaptive), a user without a "
            "bound device, or a phished password on a familiar-looking logon, gets into the console on the password "
            "alone.",
       console=f"{_SP_CONSOLE} > MFA for logon: Required for all users.",
       cli="aliyun ims SetSecurityPreference --MFAOperationForLogin mandatory", events=PREFERENCE_EVENTS,
       needs=[SECURITY_PREFERENCE],
       source="Alibaba Cloud RAM security best practices (MFA for all users); IMS GetSecurityPreference "
              "(https://api.alibabacloud.com/api/Ims/2019-08-15/GetSecurityPreference)",
       evaluates="IMS GetSecurityPreference LoginProfilePreference.MFAOperationForLogin: PASS when mandatory, FAIL when"
                 " independent (user-specific settings, the default) or adaptive (MFA only for unusual logons); "
                 "MANUAL when the field is absent or holds a value the API reference does not document. "
                 "OperationForRiskLogin is reported in the message but does not change the verdict.")
def sp_mfa(inp: Inputs) -> Iterator[Result]:
    sp: SecurityPreference = inp[SECURITY_PREFERENCE]
    mode = sp.mfa_for_login
    risk = f" (OperationForRiskLogin={sp.risk_login})" if sp.risk_login else ""
    if mode == "mandatory":
        status, message = PASS, "MFAOperationForLogin=mandatory: every RAM user must pass MFA to log on" + risk
    elif mode == "independent":
        status, message = FAIL, ("MFAOperationForLogin=independent: MFA at logon is left to each user's own "
                                 "setting" + risk)
    elif mode == "adaptive":
        status, message = FAIL, ("MFAOperationForLogin=adaptive: MFA is asked only for unusual logons" + risk)
    else:
        status, message = MANUAL, (f"MFAOperationForLogin={mode!r} is not a documented value: check the console"
                                   if mode else "GetSecurityPreference did not tell MFAOperationForLogin: check "
                                   "the console")
    yield Result(status=status, resource_id=inp.account_id, resource_type="ram:security-preference",
                 message=message)


@check(id="ram_security_preference_idle_disable", severity="medium",
       title="Ensure idle RAM users and AccessKeys are disabled automatically within 90 days",
       risk="A console logon or an AccessKey that nobody uses stays valid for two years by default: a forgotten "
            "credential that leaks keeps working long after its owner has gone.",
       console=f"{_SP_CONSOLE}: set the maximum idle period of users and of AccessKeys to 90 days or less.",
       cli="aliyun ims SetSecurityPreference --MaxIdleDaysForUsers 90 --MaxIdleDaysForAccessKeys 90",
       events=PREFERENCE_EVENTS,
       needs=[SECURITY_PREFERENCE],
       source="Native enforcement of CIS Alibaba Cloud v2.0.0 1.5 (console users idle 90 days) and of unused "
              "AccessKeys; IMS GetSecurityPreference MaxIdleDays "
              "(https://api.alibabacloud.com/api/Ims/2019-08-15/GetSecurityPreference)",
       evaluates="IMS GetSecurityPreference MaxIdleDays: PASS when MaxIdleDaysForUsers is at most "
                 "console_inactivity_days (90) and MaxIdleDaysForAccessKeys at most access_key_unused_days (90); "
                 "FAIL when either is higher (the documented default is 730) or 0 or below; MANUAL when either field "
                 "is absent.")
def sp_idle(inp: Inputs) -> Iterator[Result]:
    sp: SecurityPreference = inp[SECURITY_PREFERENCE]
    users, keys = sp.max_idle_days_users, sp.max_idle_days_access_keys
    limits = {"MaxIdleDaysForUsers": (users, inp.config.console_inactivity_days),
              "MaxIdleDaysForAccessKeys": (keys, inp.config.access_key_unused_days)}
    shown = ", ".join(f"{k}={v}" for k, (v, _) in limits.items())
    if users is None or keys is None:
        status, message = MANUAL, f"GetSecurityPreference did not tell both idle periods ({shown}): check the console"
    else:
        bad = [f"{k}={v} (required 1-{limit})" for k, (v, limit) in limits.items() if v is not None
               and not 0 < v <= limit]
        status = FAIL if bad else PASS
        message = (f"idle credentials stay valid too long: {', '.join(bad)}" if bad
                   else f"idle users and AccessKeys are disabled automatically ({shown})")
    yield Result(status=status, resource_id=inp.account_id, resource_type="ram:security-preference",
                 message=message)


# --- roles: who may assume them ------------------------------------------------------------------------------

ROLE_EVENTS = ["CreateRole", "UpdateRole", "DeleteRole"]
# the actions that assume a role; a statement's Action patterns (with * and ? wildcards, any letter case) grant one
# when they match it: sts:AssumeRole*, sts:Assume*, sts:*, *
_ASSUME = ("sts:assumerole", "sts:assumerolewithoidc", "sts:assumerolewithsaml")


def _grants_assume(st: dict[str, Any]) -> bool:
    """Whether the statement's Action (or, without one, its NotAction) covers an sts:AssumeRole* action."""
    if "Action" in st:
        patterns = [a.strip().lower() for a in _listed(st.get("Action"))]
        return any(fnmatchcase(action, p) for action in _ASSUME for p in patterns)
    if "NotAction" in st:  # Allow with NotAction grants every action it does not name
        patterns = [a.strip().lower() for a in _listed(st.get("NotAction"))]
        return any(not any(fnmatchcase(action, p) for p in patterns) for action in _ASSUME)
    return False
_RAM_ACCOUNT = re.compile(r"^acs:ram::([^:]+):")  # acs:ram::<account>:root | user/<n> | role/<n>
_SERVICE_ACCOUNT = re.compile(r"^([^@]+)@(.+)$")  # <account ID>@<service>.aliyuncs.com: another account's service
_OIDC_PROVIDER = re.compile(r"^acs:ram::\d+:oidc-provider/", re.IGNORECASE)
_SAML_PROVIDER = re.compile(r"^acs:ram::\d+:saml-provider/", re.IGNORECASE)


def _condition_keys(st: dict[str, Any]) -> set[str]:
    """The condition keys a statement pins to given values, lower-cased: under StringEquals,
    StringEqualsIgnoreCase or StringLike, with values (strings or numbers) that are not empty nor wildcards alone
    (StringLike "system:serviceaccount:ns:*" still names a namespace). A key tested with another operator
    (StringNotEquals, a Null test) or against "*" restricts nothing: sts:ExternalId under StringNotEquals "x" admits
    every other value."""
    cond = st.get("Condition")
    if not isinstance(cond, dict):
        return set()
    keys = set()
    for op, block in cond.items():
        operator = str(op).lower()
        if operator not in ("stringequals", "stringequalsignorecase", "stringlike") or not isinstance(block, dict):
            continue
        for key, value in block.items():
            values = value if isinstance(value, list) else [value]
            if values and all(isinstance(v, (str, int)) and str(v).strip("*? ") for v in values):
                keys.add(str(key).lower())
    return keys


def trust_problems(doc: dict[str, Any], account_id: str) -> tuple[list[str], list[str]]:
    """(reasons to FAIL, reasons it cannot be judged) for a role's trust policy. Allow statements whose Action can
    be an sts:AssumeRole* are read; Deny statements, and statements of other actions, are not."""
    fails: list[str] = []
    unknown: list[str] = []
    statements = doc.get("Statement", [])
    for st in [statements] if isinstance(statements, dict) else statements if isinstance(statements, list) else []:
        if not isinstance(st, dict) or str(st.get("Effect", "")).lower() != "allow":
            continue
        if not _grants_assume(st):
            continue
        keys = _condition_keys(st)
        principal = st.get("Principal")
        if principal == "*" or not isinstance(principal, dict):
            if principal == "*":
                fails.append("Principal * (anyone)")
            else:
                unknown.append(f"Principal {str(principal)[:60]!r} is not a documented form")
            continue
        for kind, values in principal.items():
            for value in _listed(values):
                v = value.strip()
                if v == "*":
                    fails.append(f"{kind} principal * (anyone)")
                elif kind == "Service":
                    # a cloud service assumes it on the account's behalf (service roles), unless the principal names
                    # another account's service: "<account ID>@log.aliyuncs.com" lets that account's Log Service
                    # obtain the role's token (SLS cross-account shipping and data transformation, "to allow Alibaba
                    # Cloud Account 1 to assume Role B", https://www.alibabacloud.com/help/doc-detail/448356.html)
                    m = _SERVICE_ACCOUNT.match(v)
                    if m and m.group(1) != account_id and "sts:externalid" not in keys:
                        fails.append(f"account {m.group(1)}'s {m.group(2)} may assume it without an sts:ExternalId "
                                     "condition")
                elif kind == "RAM":
                    m = _RAM_ACCOUNT.match(v)
                    other = m.group(1) if m else (v if v.isdigit() else None)
                    if other is None:
                        unknown.append(f"RAM principal {v!r} names no account")
                    elif other == "*":
                        fails.append(f"RAM principal {v} (any account)")
                    elif other != account_id and "sts:externalid" not in keys:
                        fails.append(f"account {other} ({v}) may assume it without an sts:ExternalId condition")
                elif kind == "Federated":
                    if _OIDC_PROVIDER.match(v):
                        missing = [k for k in ("oidc:aud", "oidc:sub") if k not in keys]
                        if missing:
                            fails.append(f"OIDC provider {v} without a condition on {' and '.join(missing)}")
                    elif _SAML_PROVIDER.match(v):
                        if not any(k.startswith("saml:") for k in keys):
                            fails.append(f"SAML provider {v} without a saml: condition")
                    else:
                        unknown.append(f"Federated principal {v!r} is neither an OIDC nor a SAML provider")
                else:
                    unknown.append(f"principal type {kind!r} is not one RAM documents")
    return fails, unknown


@check(id="ram_role_trust_policy_restricted", severity="high",
       title="Ensure RAM role trust policies do not let anyone, or other accounts and identity providers without "
             "conditions, assume the role",
       risk="A role trusted by '*', by another account without an ExternalId, or by an OIDC/SAML provider without "
            "audience and subject conditions can be assumed by identities the account does not control: every "
            "permission of the role is theirs.",
       console="RAM console > Roles > the role > Trust Policy: name the trusted account's specific RAM users or roles,"
               " add an sts:ExternalId condition for third parties, oidc:aud and oidc:sub conditions for OIDC.",
       cli="aliyun ram UpdateRole --RoleName <role> --NewAssumeRolePolicyDocument '<document>'",
       events=ROLE_EVENTS, needs=[ROLES],
       source="RAM trust policy elements (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements); "
              "RAM role for OIDC SSO conditions oidc:aud/oidc:sub; AWS-peer analogue (IAM role trust checks)",
       evaluates="Each role's GetRole AssumeRolePolicyDocument, its Allow statements whose Action patterns match an "
                 "sts:AssumeRole* action (sts:AssumeRole, sts:Assume*, sts:*, *; any letter case), or whose NotAction "
                 "does not name one: FAIL when a principal is `*` (Principal `*` or a `*` value of any type), a RAM "
                 "principal of an account other than the audited one (acs:ram::<id>:... or a bare id) without an "
                 "sts:ExternalId condition key, a Federated OIDC provider without both oidc:aud and oidc:sub "
                 "condition keys, or a Federated SAML provider without any saml: condition key (a key counts under "
                 "StringEquals, StringEqualsIgnoreCase or StringLike with values that are not empty nor wildcards "
                 "alone; StringNotEquals, Null tests or '*' pin nothing), or a Service principal naming another "
                 "account's service (<account ID>@<service>, SLS's documented cross-account form) without an "
                 "sts:ExternalId condition key. PASS when every principal is a Service of the account, "
                 "or the audited account itself (its root, users or roles), or a conditioned provider or account. "
                 "MANUAL when a principal "
                 "has a form RAM does not document; ERROR when GetRole failed or the document is not JSON. Members "
                 "of the same resource directory count as other accounts.")
def role_trust(inp: Inputs) -> Iterator[Result]:
    for r in inp[ROLES]:
        role: RoleInfo = r
        if role.error or role.trust is None:
            yield Result(status=ERROR, resource_id=role.name, resource_type="ram:role", resource_name=role.arn,
                         message=f"could not read the role's trust policy: {role.error or 'none returned'}")
            continue
        fails, unknown = trust_problems(role.trust, inp.account_id)
        if fails:
            status, message = FAIL, "trust policy too open: " + "; ".join(fails)
        elif unknown:
            status, message = MANUAL, "trust policy needs review: " + "; ".join(unknown)
        else:
            status, message = PASS, "only services, this account or conditioned principals may assume the role"
        yield Result(status=status, resource_id=role.name, resource_type="ram:role", resource_name=role.arn,
                     message=message)
