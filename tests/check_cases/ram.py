"""RAM cases: root account, users, password policy, custom policies. Values from the documented samples of
tests/fixtures/wire/ram and ims (AccessKeyId 0wNEpMMlzy7s****, UserName zhangq****, GetPasswordPolicy's sample)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from aliaudit.collectors.ram import (
    AccessKeyInfo,
    CustomPolicy,
    PasswordPolicy,
    RoleInfo,
    RootInfo,
    SecurityPreference,
    UserInfo,
)
from tests.check_cases import Case
from tests.check_inputs import ACCOUNT

NOW = datetime.now(timezone.utc)
DOC_KEY = "0wNEpMMlzy7s****"  # ListAccessKeys sample
DOC_USER = "zhangq****"  # ListUsers sample
DOC_USER_ID = "20732900249392****"


def ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def root(**kw: object) -> RootInfo:
    base: dict[str, object] = {"last_login": ago(200), "mfa_active": True, "active_keys": [], "key_last_used": None}
    base.update(kw)
    return RootInfo(**base)  # type: ignore[arg-type]


def user(name: str = DOC_USER, **kw: object) -> UserInfo:
    base: dict[str, object] = {"name": name, "id": DOC_USER_ID, "created": ago(400)}
    base.update(kw)
    return UserInfo(**base)  # type: ignore[arg-type]


def key(kid: str = DOC_KEY, *, status: str = "Active", created: int = 10, used: int | None = 1) -> AccessKeyInfo:
    return AccessKeyInfo(id=kid, status=status, created=ago(created), last_used=None if used is None else ago(used))


# GetPasswordPolicy's documented sample: MinimumPasswordLength 12, reuse 0, MaxPasswordAge 0, MaxLoginAttemps 5
DOC_PP = {"minimum_length": 12, "require_lowercase": True, "require_uppercase": True, "require_numbers": True,
          "require_symbols": True, "hard_expiry": False, "max_age": 0, "reuse_prevention": 0, "max_login_attempts": 5}


def pp(**kw: object) -> dict[str, PasswordPolicy]:
    base = dict(DOC_PP)
    base.update(kw)
    return {"ram.password_policy": PasswordPolicy(**base)}  # type: ignore[arg-type]


DOC_SP = {"mfa_for_login": "adaptive", "risk_login": "autonomous", "save_mfa_ticket": False,
          "max_idle_days_users": 730, "max_idle_days_access_keys": 730}


def sp(**kw: object) -> dict[str, SecurityPreference]:
    return {"ram.security_preference": SecurityPreference(**{**DOC_SP, **kw})}  # type: ignore[arg-type]


# GetRole's documented sample: role ECSAdmin trusted by RAM acs:ram::123456789012****:root (another account)
DOC_TRUST = {"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                            "Principal": {"RAM": "acs:ram::123456789012****:root"}}], "Version": "1"}


def trust(Condition: object = None, **principal: object) -> dict[str, object]:  # noqa: N803 - the policy's key
    st: dict[str, object] = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal}
    if Condition is not None:
        st["Condition"] = Condition
    return {"Version": "1", "Statement": [st]}


def role(name: str, doc: dict[str, object]) -> RoleInfo:
    return RoleInfo(name=name, id="901234567890****", arn=f"acs:ram::{ACCOUNT}:role/{name.lower()}",
                    trust=doc)


ADMIN_DOC = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
READ_DOC = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:Describe*", "Resource": "*"}]}

_R = "<root>"
CASES: list[Case] = [
    Case("ram_root_account_unused", "root last login 200 days ago", {"ram.root": root()}, {_R: "PASS"}),
    Case("ram_root_account_unused", "root logged in 3 days ago", {"ram.root": root(last_login=ago(3))},
         {_R: "FAIL"}),
    Case("ram_root_account_unused", "root AccessKey used yesterday", {"ram.root": root(key_last_used=ago(1))},
         {_R: "FAIL"}),
    Case("ram_root_access_key_absent", "no active root key", {"ram.root": root()}, {_R: "PASS"}),
    Case("ram_root_access_key_absent", "one active root key", {"ram.root": root(active_keys=["2015-01-23"])},
         {_R: "FAIL"}),
    Case("ram_root_access_key_absent", "a disabled root key still exists (CIS 1.2: no root key exists)",
         {"ram.root": root(inactive_keys=["key 1"])}, {_R: "FAIL"}),
    Case("ram_root_mfa_enabled", "MFA bound", {"ram.root": root()}, {_R: "PASS"}),
    Case("ram_root_mfa_enabled", "no MFA", {"ram.root": root(mfa_active=False)}, {_R: "FAIL"}),
    # the account security report (GetAccountSecurityPracticeReport), read beside the credential report, which IMS
    # renews at most every four hours
    Case("ram_root_access_key_absent", "the security report counts a key the credential report does not list yet",
         {"ram.root": root(practice_keys=1, practice_mfa=True)}, {_R: "FAIL"}),
    Case("ram_root_access_key_absent", "both reports without a key",
         {"ram.root": root(practice_keys=0, practice_mfa=True)}, {_R: "PASS"}),
    Case("ram_root_access_key_absent", "the security report unread: the credential report decides, and says so",
         {"ram.root": root(practice_error="NoPermission: denied")}, {_R: "PASS"}),
    Case("ram_root_mfa_enabled", "the security report says no MFA (BindMfa false) though the credential report does",
         {"ram.root": root(practice_keys=0, practice_mfa=False)}, {_R: "FAIL"}),
    Case("ram_root_mfa_enabled", "both reports with MFA", {"ram.root": root(practice_keys=0, practice_mfa=True)},
         {_R: "PASS"}),
    # the audit reads the Security Check (BindMfa): a device bound since the credential report was generated passes
    Case("ram_root_mfa_enabled", "BindMfa true while the lagging credential report still says FALSE",
         {"ram.root": root(mfa_active=False, practice_keys=0, practice_mfa=True)}, {_R: "PASS"}),
    # no credential report (none is generated for more than 3,500 RAM users): the security report alone decides 1.2
    # and 1.3; the root account's recorded use is unknown
    Case("ram_root_access_key_absent", "no credential report: the security report's count decides",
         {"ram.root": root(report_error="the credential report has no root-account row", practice_keys=0,
                           practice_mfa=False)}, {_R: "PASS"}),
    Case("ram_root_access_key_absent", "no credential report, the security report counts a root key",
         {"ram.root": root(report_error="GenerateCredentialReport: too many users", practice_keys=1,
                           practice_mfa=True)}, {_R: "FAIL"}),
    Case("ram_root_mfa_enabled", "no credential report: BindMfa decides",
         {"ram.root": root(report_error="timed out", mfa_active=False, practice_keys=0, practice_mfa=True)},
         {_R: "PASS"}),
    Case("ram_root_account_unused", "no credential report: the root account's use is unknown",
         {"ram.root": root(report_error="timed out", practice_keys=0, practice_mfa=True)}, {_R: "ERROR"}),
    Case("ram_user_console_mfa_enabled", "console users with and without MFA; API-only user not reported",
         {"ram.users": [user(console=True, mfa_bound=True), user("bob", console=True),
                        user("api", access_keys=[key()])]},
         {DOC_USER: "PASS", "bob": "FAIL"}),
    Case("ram_user_console_mfa_enabled", "a user whose details could not be read",
         {"ram.users": [user(error="Forbidden.RAM")]}, {DOC_USER: "ERROR"}),
    Case("ram_user_console_inactive_disabled", "recent login, old login, never logged in since creation 400 days ago",
         {"ram.users": [user(console=True, last_login=ago(2)), user("old", console=True, last_login=ago(200)),
                        user("never", console=True), user("new", console=True, created=ago(5))]},
         {DOC_USER: "PASS", "old": "FAIL", "never": "FAIL", "new": "PASS"}),
    Case("ram_user_console_inactive_disabled", "neither last logon nor creation time known: ERROR, never PASS",
         {"ram.users": [user("unknown", console=True, created=None)]}, {"unknown": "ERROR"}),
    Case("ram_user_access_key_rotated", "key 10 days old passes, key 200 days old fails, an old Inactive key fails "
         "too (CIS 1.6: no key created earlier than 90 days ago)",
         {"ram.users": [user(access_keys=[key(), key("LTAIold", created=200),
                                          key("LTAIoff", status="Inactive", created=500)])]},
         {DOC_KEY: "PASS", "LTAIold": "FAIL", "LTAIoff": "FAIL"}),
    Case("ram_user_access_key_rotated", "a key whose CreateDate could not be read is ERROR, the others still judged",
         {"ram.users": [user(access_keys=[key(), AccessKeyInfo(id="LTAInodate", status="Active", created=None)])]},
         {DOC_KEY: "PASS", "LTAInodate": "ERROR"}),
    Case("ram_user_access_key_unused", "used yesterday, last used 150 days ago, never used and 200 days old",
         {"ram.users": [user(access_keys=[key(), key("LTAIstale", created=300, used=150),
                                          key("LTAInever", created=200, used=None),
                                          key("LTAIfresh", created=3, used=None)])]},
         {DOC_KEY: "PASS", "LTAIstale": "FAIL", "LTAInever": "FAIL", "LTAIfresh": "PASS"}),
    Case("ram_user_access_key_unused", "neither last use nor creation date known: ERROR, never PASS",
         {"ram.users": [user(access_keys=[AccessKeyInfo(id="LTAIblank", status="Active", created=None)])]},
         {"LTAIblank": "ERROR"}),
    Case("ram_user_single_active_key", "one active (+ one inactive) vs two active; keyless user not reported",
         {"ram.users": [user(access_keys=[key(), key("LTAIoff", status="Inactive")]),
                        user("bob", access_keys=[key("LTAIb1"), key("LTAIb2")]), user("nokey")]},
         {DOC_USER: "PASS", "bob": "FAIL"}),
    Case("ram_user_console_and_access_key_separated",
         "console + active key fails; console only, key only, console + inactive key pass; neither: no result",
         {"ram.users": [user("both", console=True, access_keys=[key()]), user("human", console=True),
                        user("robot", access_keys=[key("LTAIrobot")]),
                        user("retired", console=True, access_keys=[key("LTAIoff", status="Inactive")]),
                        user("nothing")]},
         {"both": "FAIL", "human": "PASS", "robot": "PASS", "retired": "PASS"}),
    Case("ram_user_console_and_access_key_separated", "a user whose details could not be read",
         {"ram.users": [user(error="Forbidden.RAM")]}, {DOC_USER: "ERROR"}),
    Case("ram_user_no_direct_policies", "no direct policy vs a system policy attached to the user",
         {"ram.users": [user(), user("bob", policies=["System:AliyunOSSFullAccess"])]},
         {DOC_USER: "PASS", "bob": "FAIL"}),
    Case("ram_password_policy_uppercase", "documented sample", pp(), {ACCOUNT: "PASS"}),
    Case("ram_password_policy_uppercase", "not required", pp(require_uppercase=False), {ACCOUNT: "FAIL"}),
    Case("ram_password_policy_lowercase", "documented sample", pp(), {ACCOUNT: "PASS"}),
    Case("ram_password_policy_lowercase", "not required", pp(require_lowercase=False), {ACCOUNT: "FAIL"}),
    Case("ram_password_policy_symbol", "documented sample", pp(), {ACCOUNT: "PASS"}),
    Case("ram_password_policy_symbol", "not required", pp(require_symbols=False), {ACCOUNT: "FAIL"}),
    Case("ram_password_policy_number", "documented sample", pp(), {ACCOUNT: "PASS"}),
    Case("ram_password_policy_number", "not required", pp(require_numbers=False), {ACCOUNT: "FAIL"}),
    Case("ram_password_policy_min_length", "documented sample: 12 < 14", pp(), {ACCOUNT: "FAIL"}),
    Case("ram_password_policy_min_length", "14", pp(minimum_length=14), {ACCOUNT: "PASS"}),
    Case("ram_password_policy_reuse_prevention", "documented sample: 0", pp(), {ACCOUNT: "FAIL"}),
    Case("ram_password_policy_reuse_prevention", "5", pp(reuse_prevention=5), {ACCOUNT: "PASS"}),
    Case("ram_password_policy_max_age", "documented sample: 0 (expiry disabled, CIS 1.13 accepts)", pp(),
         {ACCOUNT: "PASS"}),
    Case("ram_password_policy_max_age", "365", pp(max_age=365), {ACCOUNT: "PASS"}),
    Case("ram_password_policy_max_age", "90 days", pp(max_age=90), {ACCOUNT: "FAIL"}),
    Case("ram_password_policy_expiry_enabled", "documented sample: 0, never expires", pp(), {ACCOUNT: "FAIL"}),
    Case("ram_password_policy_expiry_enabled", "365", pp(max_age=365), {ACCOUNT: "PASS"}),
    Case("ram_password_policy_login_attempts", "documented sample: 5", pp(), {ACCOUNT: "PASS"}),
    Case("ram_password_policy_login_attempts", "0 (no lockout)", pp(max_login_attempts=0), {ACCOUNT: "FAIL"}),
    Case("ram_password_policy_login_attempts", "10", pp(max_login_attempts=10), {ACCOUNT: "FAIL"}),
    Case("ram_policy_no_full_admin", "attached *:* fails, unattached *:* passes (CIS 1.15), narrow passes",
         {"ram.custom_policies": [CustomPolicy(name="GodMode", document=ADMIN_DOC, attachments=2),
                                  CustomPolicy(name="Idle", document=ADMIN_DOC, attachments=0),
                                  CustomPolicy(name="ReadEcs", document=READ_DOC, attachments=3)]},
         {"GodMode": "FAIL", "Idle": "PASS", "ReadEcs": "PASS"}),
    Case("ram_policy_no_full_admin", "Statement as one object, Action list with *:*, lower-case allow",
         {"ram.custom_policies": [CustomPolicy(name="Obj", attachments=1, document={
             "Version": "1", "Statement": {"Effect": "allow", "Action": ["*:*"], "Resource": "acs:*:*:*:*"}})]},
         {"Obj": "FAIL"}),
    Case("ram_policy_no_full_admin", "a default version that could not be read is ERROR, the others judged",
         {"ram.custom_policies": [CustomPolicy(name="Huge", document={}, attachments=1,
                                               error="ValueError: the policy's default version has 70,000 "
                                                     "characters"),
                                  CustomPolicy(name="GodMode", document=ADMIN_DOC, attachments=2)]},
         {"Huge": "ERROR", "GodMode": "FAIL"}),
    Case("ram_policy_full_admin_absent", "a default version that could not be read is ERROR",
         {"ram.custom_policies": [CustomPolicy(name="Huge", document={}, attachments=0, error="Throttling: ..."),
                                  CustomPolicy(name="ReadEcs", document=READ_DOC, attachments=3)]},
         {"Huge": "ERROR", "ReadEcs": "PASS"}),
    Case("ram_policy_full_admin_absent", "any *:* policy fails, attached or not",
         {"ram.custom_policies": [CustomPolicy(name="GodMode", document=ADMIN_DOC, attachments=2),
                                  CustomPolicy(name="Idle", document=ADMIN_DOC, attachments=0),
                                  CustomPolicy(name="ReadEcs", document=READ_DOC, attachments=3)]},
         {"GodMode": "FAIL", "Idle": "FAIL", "ReadEcs": "PASS"}),
    # every resource of the account (acs:*:*:<account>:*) and NotResource are every resource too (RAM ARN form
    # acs:<service>:<region>:<account>:<resource>); CIS 1.15's literal Resource * does not name them
    Case("ram_policy_full_admin_absent", "*:* on the account's every resource, or with NotResource, fails",
         {"ram.custom_policies": [
             CustomPolicy(name="Scoped", attachments=1, document={"Version": "1", "Statement": [
                 {"Effect": "Allow", "Action": "*", "Resource": "acs:*:*:1234567890123456:*"}]}),
             CustomPolicy(name="AllBut", attachments=0, document={"Version": "1", "Statement": [
                 {"Effect": "Allow", "Action": "*", "NotResource": "acs:oss:*:*:audit-logs/*"}]})]},
         {"Scoped": "FAIL", "AllBut": "FAIL"}),
    # IMS GetSecurityPreference's documented sample: MFAOperationForLogin adaptive, OperationForRiskLogin autonomous,
    # EnableSaveMFATicket false, MaxIdleDaysForUsers 730, MaxIdleDaysForAccessKeys 730
    Case("ram_security_preference_mfa_enforced", "documented sample: adaptive", sp(), {ACCOUNT: "FAIL"}),
    Case("ram_security_preference_mfa_enforced", "independent (the default)", sp(mfa_for_login="independent"),
         {ACCOUNT: "FAIL"}),
    Case("ram_security_preference_mfa_enforced", "mandatory", sp(mfa_for_login="mandatory"), {ACCOUNT: "PASS"}),
    Case("ram_security_preference_mfa_enforced", "absent: MANUAL, never PASS", sp(mfa_for_login=None),
         {ACCOUNT: "MANUAL"}),
    Case("ram_security_preference_idle_disable", "documented sample: 730 and 730", sp(), {ACCOUNT: "FAIL"}),
    Case("ram_security_preference_idle_disable", "90 and 60", sp(max_idle_days_users=90, max_idle_days_access_keys=60),
         {ACCOUNT: "PASS"}),
    Case("ram_security_preference_idle_disable", "users 90, keys 730",
         sp(max_idle_days_users=90), {ACCOUNT: "FAIL"}),
    Case("ram_security_preference_idle_disable", "absent: MANUAL", sp(max_idle_days_access_keys=None),
         {ACCOUNT: "MANUAL"}),
    Case("ram_role_trust_policy_restricted",
         "documented GetRole sample (another account's root, no ExternalId) fails; service, own account, "
         "ExternalId-conditioned and OIDC with aud+sub pass; * and bare OIDC fail",
         {"ram.roles": [role("ECSAdmin", DOC_TRUST), role("svc", trust(Service=["ecs.aliyuncs.com"])),
                        role("own", trust(RAM=[f"acs:ram::{ACCOUNT}:root", f"acs:ram::{ACCOUNT}:user/alice"])),
                        role("vendor", trust(RAM="acs:ram::9999999999:root",
                                             Condition={"StringEquals": {"sts:ExternalId": "abc-123"}})),
                        role("rrsa", trust(Federated=f"acs:ram::{ACCOUNT}:oidc-provider/ack-rrsa-c1", Condition={
                            "StringEquals": {"oidc:aud": "sts.aliyuncs.com", "oidc:iss": "https://oidc-ack",
                                             "oidc:sub": "system:serviceaccount:ns:app"}})),
                        role("open", {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                    "Principal": {"RAM": ["*"]}}]}),
                        role("anyoidc", trust(Federated=f"acs:ram::{ACCOUNT}:oidc-provider/github",
                                              Condition={"StringEquals": {"oidc:aud": "sts.aliyuncs.com"}})),
                        role("saml", trust(Federated=f"acs:ram::{ACCOUNT}:saml-provider/idp", Condition={
                            "StringEquals": {"saml:recipient": "https://signin.aliyun.com/saml-role/sso"}}))]},
         {"ECSAdmin": "FAIL", "svc": "PASS", "own": "PASS", "vendor": "PASS", "rrsa": "PASS", "open": "FAIL",
          "anyoidc": "FAIL", "saml": "PASS"}),
    Case("ram_role_trust_policy_restricted", "an ExternalId or audience tested with a negative operator, a Null test "
         "or a wildcard pins nothing: FAIL",
         {"ram.roles": [role("noteq", trust(RAM="acs:ram::9999999999:root",
                                            Condition={"StringNotEquals": {"sts:ExternalId": "abc-123"}})),
                        role("null", trust(RAM="acs:ram::9999999999:root",
                                           Condition={"Null": {"sts:ExternalId": "false"}})),
                        role("star", trust(RAM="acs:ram::9999999999:root",
                                           Condition={"StringLike": {"sts:ExternalId": "*"}})),
                        role("like", trust(RAM="acs:ram::9999999999:root",
                                           Condition={"StringLike": {"sts:ExternalId": ["abc-123"]}})),
                        role("oidcstar", trust(Federated=f"acs:ram::{ACCOUNT}:oidc-provider/github", Condition={
                            "StringEquals": {"oidc:aud": "sts.aliyuncs.com"}, "StringLike": {"oidc:sub": "*"}}))]},
         {"noteq": "FAIL", "null": "FAIL", "star": "FAIL", "like": "PASS", "oidcstar": "FAIL"}),
    # SLS's documented cross-account form: "Principal": {"Service": ["165421896534****@log.aliyuncs.com",
    # "log.aliyuncs.com"]} ("account A has the permission to use Log Service to obtain the temporary token")
    Case("ram_role_trust_policy_restricted", "another account's service (<account ID>@log.aliyuncs.com) may assume "
         "it: FAIL without an ExternalId; the audited account's own prefix passes",
         {"ram.roles": [role("shipper", trust(Service=["165421896534****@log.aliyuncs.com", "log.aliyuncs.com"])),
                        role("own-sls", trust(Service=[f"{ACCOUNT}@log.aliyuncs.com"]))]},
         {"shipper": "FAIL", "own-sls": "PASS"}),
    Case("ram_role_trust_policy_restricted", "a Deny statement is not a grant; an undocumented principal is MANUAL",
         {"ram.roles": [role("denied", {"Version": "1", "Statement": [
             {"Effect": "Deny", "Action": "sts:AssumeRole", "Principal": {"RAM": ["*"]}},
             {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "fc.aliyuncs.com"}}]}),
                        role("odd", trust(Partner="acs:foo::1:bar"))]},
         {"denied": "PASS", "odd": "MANUAL"}),
    Case("ram_role_trust_policy_restricted",
         "wildcard actions grant assumption too (sts:Assume*, STS:AssumeRole*, Allow NotAction); a Service * is anyone",
         {"ram.roles": [
             role("wild", {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:Assume*",
                                                         "Principal": {"RAM": "acs:ram::9999999999:root"}}]}),
             role("case", {"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["STS:AssumeRole*"],
                                                         "Principal": {"RAM": "*"}}]}),
             role("notaction", {"Version": "1", "Statement": [{"Effect": "Allow", "NotAction": "ecs:*",
                                                              "Principal": {"RAM": "acs:ram::9999999999:root"}}]}),
             role("notassume", {"Version": "1", "Statement": [{"Effect": "Allow", "NotAction": "sts:*",
                                                              "Principal": {"RAM": "acs:ram::9999999999:root"}}]}),
             role("anysvc", trust(Service="*")),
             role("other", {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity",
                                                          "Principal": {"RAM": "*"}}]})]},
         {"wild": "FAIL", "case": "FAIL", "notaction": "FAIL", "notassume": "PASS", "anysvc": "FAIL", "other": "PASS"}),
    Case("ram_role_trust_policy_restricted", "GetRole failed: ERROR", {"ram.roles": [RoleInfo(
        name="ECSAdmin", error="Forbidden.RAM: denied")]}, {"ECSAdmin": "ERROR"}),
]
