"""RAM: users, access keys, login profiles, MFA, groups, roles, policies, password policy."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, PrivateAttr, model_validator

from .. import index
from ..call import Call
from ..clock import iso
from ..errors import ApiError
from ..pop import PopApi, int_param, page_by_marker, require

api = PopApi("ram", "2015-05-01")


def _new_id() -> str:
    return str(secrets.randbelow(9 * 10**15) + 10**15)


class AccessKey(BaseModel):
    id: str
    secret: str
    status: str = "Active"  # Active | Inactive
    created: datetime = datetime(2024, 1, 1)
    last_used: datetime | None = None
    last_used_service: str = ""


class LoginProfile(BaseModel):
    created: datetime = datetime(2024, 1, 1)
    password_reset_required: bool = False
    mfa_bind_required: bool = False
    status: str = "Active"
    # what the credential report's password_active column says for this profile: TRUE / FALSE from `status` by
    # default; "N/A" is the documented example value ("Valid values are TRUE, FALSE, and N/A", "Generate and
    # download user credential reports", https://www.alibabacloud.com/help/doc-detail/143477.htm), whose meaning
    # for a user with a password the page does not give, so a scenario may ask for it
    report_active: Literal["TRUE", "FALSE", "N/A"] | None = None


class MfaDevice(BaseModel):
    serial: str
    bound: bool = True
    type: str = "VMFA"  # VMFA (virtual) | U2F (security key): IMS GetUserMFAInfo MFADevice.Type
    activated: datetime = datetime(2024, 1, 1)
    # GetUserMFAInfo IsMFAEnable: "Indicates whether the MFA device is enabled. Valid values: true, false"
    # (alibabacloud_ims20190815 GetUserMFAInfoResponseBody); a scenario may answer false for a bound device
    enabled: bool = True


class PolicyRef(BaseModel):
    name: str
    type: str = "System"  # System | Custom
    attached: datetime = datetime(2024, 1, 1)


class User(BaseModel):
    name: str
    id: str = Field(default_factory=_new_id)
    display_name: str = ""
    created: datetime = datetime(2024, 1, 1)
    updated: datetime | None = None
    last_login: datetime | None = None
    email: str = ""
    comments: str = ""
    access_keys: list[AccessKey] = Field(default_factory=list)
    login_profile: LoginProfile | None = None
    mfa_device: MfaDevice | None = None
    groups: list[str] = Field(default_factory=list)
    policies: list[PolicyRef] = Field(default_factory=list)


class Group(BaseModel):
    name: str
    id: str = Field(default_factory=_new_id)
    comments: str = ""
    created: datetime = datetime(2024, 1, 1)
    policies: list[PolicyRef] = Field(default_factory=list)


class Role(BaseModel):
    name: str
    id: str = Field(default_factory=_new_id)
    description: str = ""
    created: datetime = datetime(2024, 1, 1)
    trust_policy: dict[str, Any] = Field(default_factory=lambda: {
        "Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                       "Principal": {"RAM": ["*"]}}]})
    max_session_duration: int = 3600
    policies: list[PolicyRef] = Field(default_factory=list)


class Policy(BaseModel):
    name: str
    type: str = "Custom"
    description: str = ""
    document: dict[str, Any]
    created: datetime = datetime(2024, 1, 1)
    version: str = "v1"


class PasswordPolicy(BaseModel):
    minimum_length: int = 8
    require_lowercase: bool = False
    require_uppercase: bool = False
    require_numbers: bool = False
    require_symbols: bool = False
    hard_expiry: bool = False
    max_password_age: int = 0
    password_reuse_prevention: int = 0
    max_login_attempts: int = 0


# IMS GetSecurityPreference's own values (OpenMeta ims 2019-08-15, tests/fixtures/wire/ims/GetSecurityPreference.json):
# MFAOperationForLogin mandatory | independent (default) | adaptive; OperationForRiskLogin autonomous (default) |
# enforceVerify; MaxIdleDays.MaxIdleDaysForUsers / MaxIdleDaysForAccessKeys int days, "The default value is 730".
MFA_FOR_LOGIN = ("mandatory", "independent", "adaptive")
RISK_LOGIN = ("autonomous", "enforceVerify")


class SecurityPreference(BaseModel):
    enable_save_mfa_ticket: bool = False
    allow_user_to_change_password: bool = True
    allow_user_to_manage_access_keys: bool = False
    allow_user_to_manage_mfa_devices: bool = True
    login_session_duration: int = 6
    login_network_masks: str = ""
    mfa_operation_for_login: str = "independent"
    operation_for_risk_login: str = "autonomous"
    allow_user_to_login_with_passkey: bool = True
    max_idle_days_for_users: int = 730
    max_idle_days_for_access_keys: int = 730

    @model_validator(mode="after")
    def _documented(self) -> SecurityPreference:
        if self.mfa_operation_for_login not in MFA_FOR_LOGIN or self.operation_for_risk_login not in RISK_LOGIN:
            raise ValueError("security_preference: mfa_operation_for_login or operation_for_risk_login not documented")
        return self


class OidcProvider(BaseModel):
    name: str
    issuer_url: str = "https://oidc-ack-cn-hangzhou.oss-cn-hangzhou.aliyuncs.com/emulator"
    client_ids: list[str] = Field(default_factory=lambda: ["sts.aliyuncs.com"])


SYSTEM_POLICIES: dict[str, dict[str, Any]] = {
    "AdministratorAccess": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    "ReadOnlyAccess": {"Version": "1", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
        "*:Get*", "*:List*", "*:Describe*", "*:Query*", "*:Lookup*", "*:BatchGet*", "*:Check*"]}]},
    "AliyunRAMFullAccess": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ram:*", "Resource": "*"}]},
    "AliyunRAMReadOnlyAccess": {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": ["ram:Get*", "ram:List*"], "Resource": "*"}]},
    "AliyunOSSFullAccess": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:*", "Resource": "*"}]},
    "AliyunOSSReadOnlyAccess": {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": ["oss:Get*", "oss:List*"], "Resource": "*"}]},
    "AliyunLogFullAccess": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "log:*", "Resource": "*"}]},
    "AliyunFCFullAccess": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "fc:*", "Resource": "*"}]},
    "AliyunActionTrailFullAccess": {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "actiontrail:*", "Resource": "*"}]},
    "AliyunSTSAssumeRoleAccess": {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]},
    "AliyunECSFullAccess": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}]},
}


class RamState(BaseModel):
    users: list[User] = Field(default_factory=list)
    groups: list[Group] = Field(default_factory=list)
    roles: list[Role] = Field(default_factory=list)
    policies: list[Policy] = Field(default_factory=list)
    password_policy: PasswordPolicy = Field(default_factory=PasswordPolicy)
    security_preference: SecurityPreference = Field(default_factory=SecurityPreference)
    oidc_providers: list[OidcProvider] = Field(default_factory=list)
    virtual_mfa_devices: list[MfaDevice] = Field(default_factory=list)  # created, not (yet) bound
    _user_index: dict[str, int] = PrivateAttr(default_factory=dict)  # name -> position (index.py)
    _role_index: dict[str, int] = PrivateAttr(default_factory=dict)  # lower-case name -> position
    _policy_index: dict[str, int] = PrivateAttr(default_factory=dict)  # custom policy name -> position

    def user(self, name: str) -> User | None:
        return index.find(self.users, name, self._user_index, lambda u: u.name)

    def group(self, name: str) -> Group | None:
        return next((g for g in self.groups if g.name == name), None)

    def role(self, name: str) -> Role | None:
        return index.find(self.roles, name.lower(), self._role_index, lambda r: r.name.lower())

    def policy_document(self, ref: PolicyRef) -> dict[str, Any] | None:
        if ref.type == "System":
            return SYSTEM_POLICIES.get(ref.name)
        custom = index.find(self.policies, ref.name, self._policy_index, lambda p: p.name)
        return custom.document if custom else None

    def _documents(self, refs: list[PolicyRef]) -> list[dict[str, Any]]:
        return [d for d in (self.policy_document(r) for r in refs) if d is not None]

    def policies_for_user(self, user: User) -> list[dict[str, Any]]:
        refs = list(user.policies)
        for g in user.groups:
            group = self.group(g)
            if group:
                refs.extend(group.policies)
        return self._documents(refs)

    def policies_for_role(self, role: Role) -> list[dict[str, Any]]:
        return self._documents(role.policies)

    def key_owner(self, access_key_id: str) -> tuple[User, AccessKey] | None:
        for u in self.users:
            for k in u.access_keys:
                if k.id == access_key_id:
                    return u, k
        return None


# --- helpers -------------------------------------------------------------------------------------

def _ram(call: Call) -> RamState:
    return call.acct.ram


def _user(call: Call, name_param: str = "UserName") -> User:
    name = require(call.params, name_param)
    user = _ram(call).user(name)
    if user is None:
        raise ApiError("EntityNotExist.User", f"The user does not exist: {name}", 404)
    return user


def _group(call: Call) -> Group:
    name = require(call.params, "GroupName")
    group = _ram(call).group(name)
    if group is None:
        raise ApiError("EntityNotExist.Group", f"The group does not exist: {name}", 404)
    return group


def _role(call: Call) -> Role:
    name = require(call.params, "RoleName")
    role = _ram(call).role(name)
    if role is None:
        raise ApiError("EntityNotExist.Role", f"The role does not exist: {name}", 404)
    return role


def _policy_ref(call: Call) -> PolicyRef:
    name = require(call.params, "PolicyName")
    ptype = require(call.params, "PolicyType")
    ref = PolicyRef(name=name, type=ptype, attached=call.now())
    if _ram(call).policy_document(ref) is None:
        raise ApiError("EntityNotExist.Policy", f"The policy does not exist: {name}", 404)
    return ref


def _user_arn(call: Call) -> str:
    return f"acs:ram:*:{call.acct.id}:user/{call.params.get('UserName', '*')}"


def _date(dt: datetime | None) -> str:
    return iso(dt) if dt else ""


def user_view(u: User, *, full: bool = False) -> dict[str, Any]:
    out = {"UserName": u.name, "UserId": u.id, "DisplayName": u.display_name, "CreateDate": _date(u.created),
           "UpdateDate": _date(u.updated or u.created), "Comments": u.comments}
    if full:
        out.update({"LastLoginDate": _date(u.last_login), "Email": u.email, "MobilePhone": ""})
    return out


def _policy_view(p: Policy, ram: RamState | None = None) -> dict[str, Any]:
    attached = 0
    if ram is not None:
        holders = [u.policies for u in ram.users] + [g.policies for g in ram.groups] + [r.policies for r in ram.roles]
        attached = sum(1 for refs in holders for r in refs if r.name == p.name and r.type == p.type)
    return {"PolicyName": p.name, "PolicyType": p.type, "Description": p.description, "DefaultVersion": p.version,
            "CreateDate": _date(p.created), "UpdateDate": _date(p.created), "AttachmentCount": attached}


def _refs_view(refs: list[PolicyRef], call: Call) -> dict[str, Any]:
    return {"Policies": {"Policy": [{"PolicyName": r.name, "PolicyType": r.type, "DefaultVersion": "v1",
                                     "Description": "", "AttachDate": _date(r.attached)} for r in refs]}}


def _exists(what: str, name: str) -> ApiError:
    return ApiError(f"EntityAlreadyExists.{what}", f"The {what.lower()} already exists: {name}", 409)


# --- users ---------------------------------------------------------------------------------------

@api.action("ListUsers", resource=lambda c: f"acs:ram:*:{c.acct.id}:user/*")
def list_users(call: Call) -> dict[str, Any]:
    page, meta = page_by_marker(_ram(call).users, call.params)
    return {**meta, "Users": {"User": [user_view(u) for u in page]}}


@api.action("GetUser", resource=_user_arn)
def get_user(call: Call) -> dict[str, Any]:
    return {"User": user_view(_user(call), full=True)}


@api.action("CreateUser", resource=_user_arn, write=True)
def create_user(call: Call) -> dict[str, Any]:
    name = require(call.params, "UserName")
    ram = _ram(call)
    if ram.user(name):
        raise _exists("User", name)
    user = User(name=name, display_name=call.params.get("DisplayName", ""), created=call.now(),
                email=call.params.get("Email", ""), comments=call.params.get("Comments", ""))
    ram.users.append(user)
    call.touch("ACS::RAM::User", name)
    return {"User": user_view(user)}


@api.action("UpdateUser", resource=_user_arn, write=True)
def update_user(call: Call) -> dict[str, Any]:
    user = _user(call)
    if call.params.get("NewDisplayName"):
        user.display_name = call.params["NewDisplayName"]
    if call.params.get("NewComments"):
        user.comments = call.params["NewComments"]
    user.updated = call.now()
    call.touch("ACS::RAM::User", user.name)
    return {"User": user_view(user)}


@api.action("DeleteUser", resource=_user_arn, write=True)
def delete_user(call: Call) -> dict[str, Any]:
    user = _user(call)
    if user.access_keys or user.policies or user.groups:
        raise ApiError("DeleteConflict.User.AccessKey" if user.access_keys else "DeleteConflict.User.Policy",
                       f"The user has attached resources: {user.name}", 409)
    _ram(call).users.remove(user)
    call.touch("ACS::RAM::User", user.name)
    return {}


# --- access keys ---------------------------------------------------------------------------------

def _key_owner_keys(call: Call) -> tuple[list[AccessKey], str]:
    """Keys of UserName, or of the caller (a user, or root) when UserName is omitted."""
    if call.params.get("UserName"):
        user = _user(call)
        return user.access_keys, user.name
    p = call.principal
    if p and p.kind == "user":
        user = _ram(call).user(p.name)
        assert user is not None
        return user.access_keys, user.name
    return call.acct.root.access_keys, ""


@api.action("ListAccessKeys", resource=_user_arn)
def list_access_keys(call: Call) -> dict[str, Any]:
    keys, _ = _key_owner_keys(call)
    return {"AccessKeys": {"AccessKey": [{"AccessKeyId": k.id, "Status": k.status, "CreateDate": _date(k.created)}
                                         for k in keys]}}


@api.action("CreateAccessKey", resource=_user_arn, write=True)
def create_access_key(call: Call) -> dict[str, Any]:
    keys, owner = _key_owner_keys(call)
    if len(keys) >= 2:
        raise ApiError("LimitExceeded.User.AccessKey", "The count of access keys exceeds the limit (2).", 409)
    key = AccessKey(id="LTAI" + secrets.token_hex(10), secret=secrets.token_urlsafe(22), created=call.now())
    keys.append(key)
    call.touch("ACS::RAM::AccessKey", key.id)
    return {"AccessKey": {"AccessKeyId": key.id, "AccessKeySecret": key.secret, "Status": key.status,
                          "CreateDate": _date(key.created)}}


def _find_own_key(call: Call) -> tuple[list[AccessKey], AccessKey]:
    keys, _ = _key_owner_keys(call)
    ak = require(call.params, "UserAccessKeyId")
    key = next((k for k in keys if k.id == ak), None)
    if key is None:
        raise ApiError("EntityNotExist.User.AccessKey", f"The access key does not exist: {ak}", 404)
    return keys, key


@api.action("UpdateAccessKey", resource=_user_arn, write=True)
def update_access_key(call: Call) -> dict[str, Any]:
    _, key = _find_own_key(call)
    status = require(call.params, "Status")
    if status not in ("Active", "Inactive"):
        raise ApiError("InvalidParameter.Status", f"The parameter Status is invalid: {status}", 400)
    key.status = status
    call.touch("ACS::RAM::AccessKey", key.id)
    return {}


@api.action("DeleteAccessKey", resource=_user_arn, write=True)
def delete_access_key(call: Call) -> dict[str, Any]:
    keys, key = _find_own_key(call)
    keys.remove(key)
    call.touch("ACS::RAM::AccessKey", key.id)
    return {}


@api.action("GetAccessKeyLastUsed", resource=_user_arn)
def get_access_key_last_used(call: Call) -> dict[str, Any]:
    _, key = _find_own_key(call)
    return {"AccessKeyLastUsed": {"LastUsedDate": _date(key.last_used)}}


# --- login profiles and MFA ----------------------------------------------------------------------

def _profile_view(user: User) -> dict[str, Any]:
    lp = user.login_profile
    assert lp is not None
    return {"LoginProfile": {"UserName": user.name, "PasswordResetRequired": lp.password_reset_required,
                             "MFABindRequired": lp.mfa_bind_required, "CreateDate": _date(lp.created)}}


@api.action("GetLoginProfile", resource=_user_arn)
def get_login_profile(call: Call) -> dict[str, Any]:
    user = _user(call)
    if user.login_profile is None:
        raise ApiError("EntityNotExist.User.LoginProfile", f"The login profile does not exist: {user.name}", 404)
    return _profile_view(user)


@api.action("CreateLoginProfile", resource=_user_arn, write=True)
def create_login_profile(call: Call) -> dict[str, Any]:
    user = _user(call)
    require(call.params, "Password")
    if user.login_profile is not None:
        raise _exists("User.LoginProfile", user.name)
    flag = {p: call.params.get(p, "").lower() == "true" for p in ("PasswordResetRequired", "MFABindRequired")}
    user.login_profile = LoginProfile(created=call.now(), password_reset_required=flag["PasswordResetRequired"],
                                      mfa_bind_required=flag["MFABindRequired"])
    call.touch("ACS::RAM::User", user.name)
    return _profile_view(user)


@api.action("UpdateLoginProfile", resource=_user_arn, write=True)
def update_login_profile(call: Call) -> dict[str, Any]:
    user = _user(call)
    if user.login_profile is None:
        raise ApiError("EntityNotExist.User.LoginProfile", f"The login profile does not exist: {user.name}", 404)
    for param, attr in (("PasswordResetRequired", "password_reset_required"), ("MFABindRequired",
                                                                             "mfa_bind_required")):
        if param in call.params:
            setattr(user.login_profile, attr, call.params[param].lower() == "true")  # Python SDK: "True"
    call.touch("ACS::RAM::User", user.name)
    return {}


@api.action("DeleteLoginProfile", resource=_user_arn, write=True)
def delete_login_profile(call: Call) -> dict[str, Any]:
    user = _user(call)
    user.login_profile = None
    call.touch("ACS::RAM::User", user.name)
    return {}


@api.action("GetUserMFAInfo", resource=_user_arn)
def get_user_mfa_info(call: Call) -> dict[str, Any]:
    user = _user(call)
    if user.mfa_device is None or not user.mfa_device.bound:
        raise ApiError("EntityNotExist.User.MFADevice", f"The MFA device of the user does not exist: {user.name}",
                       404)
    return {"MFADevice": {"SerialNumber": user.mfa_device.serial, "Type": user.mfa_device.type}}


@api.action("ListVirtualMFADevices", resource=lambda c: f"acs:ram:*:{c.acct.id}:mfa/*")
def list_virtual_mfa_devices(call: Call) -> dict[str, Any]:
    devices = [{"SerialNumber": d.serial, "ActivateDate": "",
                "User": {}} for d in _ram(call).virtual_mfa_devices]
    for u in _ram(call).users:  # virtual devices only: a U2F security key is not listed
        if u.mfa_device and u.mfa_device.bound and u.mfa_device.type == "VMFA":
            devices.append({"SerialNumber": u.mfa_device.serial, "ActivateDate": _date(u.mfa_device.activated),
                            "User": {"UserName": u.name, "UserId": u.id, "DisplayName": u.display_name}})
    return {"VirtualMFADevices": {"VirtualMFADevice": devices}}


@api.action("CreateVirtualMFADevice", resource=lambda c: f"acs:ram:*:{c.acct.id}:mfa/*", write=True)
def create_virtual_mfa_device(call: Call) -> dict[str, Any]:
    name = require(call.params, "VirtualMFADeviceName")
    serial = f"acs:ram::{call.acct.id}:mfa/{name}"
    _ram(call).virtual_mfa_devices.append(MfaDevice(serial=serial, bound=False))
    return {"VirtualMFADevice": {"SerialNumber": serial, "Base32StringSeed": secrets.token_hex(16).upper(),
                                 "QRCodePNG": ""}}


@api.action("BindMFADevice", resource=_user_arn, write=True)
def bind_mfa_device(call: Call) -> dict[str, Any]:
    user = _user(call)
    serial = require(call.params, "SerialNumber")
    ram = _ram(call)
    device = next((d for d in ram.virtual_mfa_devices if d.serial == serial), None)
    if device is None:
        raise ApiError("EntityNotExist.VirtualMFADevice", f"The MFA device does not exist: {serial}", 404)
    ram.virtual_mfa_devices.remove(device)
    user.mfa_device = MfaDevice(serial=serial, bound=True, activated=call.now())
    call.touch("ACS::RAM::User", user.name)
    return {}


@api.action("UnbindMFADevice", resource=_user_arn, write=True)
def unbind_mfa_device(call: Call) -> dict[str, Any]:
    user = _user(call)
    if user.mfa_device is None:
        raise ApiError("EntityNotExist.User.MFADevice", f"The MFA device of the user does not exist: {user.name}",
                       404)
    serial = user.mfa_device.serial
    user.mfa_device = None
    call.touch("ACS::RAM::User", user.name)
    return {"MFADevice": {"SerialNumber": serial}}


# --- groups --------------------------------------------------------------------------------------

def _group_view(g: Group) -> dict[str, Any]:
    return {"GroupName": g.name, "GroupId": g.id, "Comments": g.comments, "CreateDate": _date(g.created),
            "UpdateDate": _date(g.created)}


@api.action("ListGroups")
def list_groups(call: Call) -> dict[str, Any]:
    page, meta = page_by_marker(_ram(call).groups, call.params)
    return {**meta, "Groups": {"Group": [_group_view(g) for g in page]}}


@api.action("GetGroup")
def get_group(call: Call) -> dict[str, Any]:
    return {"Group": _group_view(_group(call))}


@api.action("CreateGroup", write=True)
def create_group(call: Call) -> dict[str, Any]:
    name = require(call.params, "GroupName")
    if _ram(call).group(name):
        raise _exists("Group", name)
    group = Group(name=name, comments=call.params.get("Comments", ""), created=call.now())
    _ram(call).groups.append(group)
    call.touch("ACS::RAM::Group", name)
    return {"Group": _group_view(group)}


@api.action("AddUserToGroup", write=True)
def add_user_to_group(call: Call) -> dict[str, Any]:
    user, group = _user(call), _group(call)
    if group.name not in user.groups:
        user.groups.append(group.name)
    call.touch("ACS::RAM::Group", group.name)
    return {}


@api.action("RemoveUserFromGroup", write=True)
def remove_user_from_group(call: Call) -> dict[str, Any]:
    user, group = _user(call), _group(call)
    if group.name in user.groups:
        user.groups.remove(group.name)
    call.touch("ACS::RAM::Group", group.name)
    return {}


@api.action("ListGroupsForUser", resource=_user_arn)
def list_groups_for_user(call: Call) -> dict[str, Any]:
    user = _user(call)
    groups = [g for g in (_ram(call).group(n) for n in user.groups) if g]
    return {"Groups": {"Group": [{"GroupName": g.name, "Comments": g.comments, "JoinDate": _date(g.created)}
                                 for g in groups]}}


@api.action("ListUsersForGroup")
def list_users_for_group(call: Call) -> dict[str, Any]:
    group = _group(call)
    members = [u for u in _ram(call).users if group.name in u.groups]
    page, meta = page_by_marker(members, call.params)
    return {**meta, "Users": {"User": [{"UserName": u.name, "DisplayName": u.display_name,
                                        "JoinDate": _date(u.created)} for u in page]}}


# --- roles ---------------------------------------------------------------------------------------

def _role_view(r: Role, account_id: str, *, full: bool = False) -> dict[str, Any]:
    out = {"RoleName": r.name, "RoleId": r.id, "Arn": f"acs:ram::{account_id}:role/{r.name.lower()}",
           "Description": r.description, "CreateDate": _date(r.created), "UpdateDate": _date(r.created),
           "MaxSessionDuration": r.max_session_duration}
    if full:
        out["AssumeRolePolicyDocument"] = json.dumps(r.trust_policy)
    return out


@api.action("ListRoles")
def list_roles(call: Call) -> dict[str, Any]:
    page, meta = page_by_marker(_ram(call).roles, call.params)
    # the listing carries no AssumeRolePolicyDocument: GetRole does (API reference ListRoles / GetRole, OpenMeta
    # ram 2015-05-01; SDK model ListRolesResponseBodyRolesRole has no such field)
    return {**meta, "Roles": {"Role": [_role_view(r, call.acct.id) for r in page]}}


@api.action("GetRole")
def get_role(call: Call) -> dict[str, Any]:
    return {"Role": _role_view(_role(call), call.acct.id, full=True)}


@api.action("CreateRole", write=True)
def create_role(call: Call) -> dict[str, Any]:
    name = require(call.params, "RoleName")
    if _ram(call).role(name):
        raise _exists("Role", name)
    try:
        trust = json.loads(require(call.params, "AssumeRolePolicyDocument"))
    except json.JSONDecodeError as err:
        raise ApiError("MalformedPolicyDocument", "The policy document is malformed.", 400) from err
    role = Role(name=name, description=call.params.get("Description", ""), created=call.now(), trust_policy=trust,
                max_session_duration=int(call.params.get("MaxSessionDuration") or 3600))
    _ram(call).roles.append(role)
    call.touch("ACS::RAM::Role", name)
    return {"Role": _role_view(role, call.acct.id, full=True)}


@api.action("UpdateRole", write=True)
def update_role(call: Call) -> dict[str, Any]:
    """NewAssumeRolePolicyDocument, NewMaxSessionDuration (3600-43200), NewDescription (API reference UpdateRole)."""
    role = _role(call)
    if call.params.get("NewAssumeRolePolicyDocument"):
        try:
            trust = json.loads(call.params["NewAssumeRolePolicyDocument"])
        except json.JSONDecodeError as err:
            raise ApiError("MalformedPolicyDocument", "The policy document is malformed.", 400) from err
        role.trust_policy = trust
    if call.params.get("NewMaxSessionDuration"):
        role.max_session_duration = int_param(call.params, "NewMaxSessionDuration", 3600, 3600, 43200)
    if "NewDescription" in call.params:
        role.description = call.params["NewDescription"]
    call.touch("ACS::RAM::Role", role.name)
    return {"Role": _role_view(role, call.acct.id, full=True)}


# --- policies ------------------------------------------------------------------------------------

@api.action("ListPolicies")
def list_policies(call: Call) -> dict[str, Any]:
    ptype = call.params.get("PolicyType", "")
    system = [Policy(name=n, type="System", document=d) for n, d in SYSTEM_POLICIES.items()]
    items = [p for p in system + list(_ram(call).policies) if not ptype or p.type == ptype]
    page, meta = page_by_marker(items, call.params)
    return {**meta, "Policies": {"Policy": [_policy_view(p, _ram(call)) for p in page]}}


def _policy(call: Call) -> Policy:
    name = require(call.params, "PolicyName")
    ptype = require(call.params, "PolicyType")
    if ptype == "System" and name in SYSTEM_POLICIES:
        return Policy(name=name, type="System", document=SYSTEM_POLICIES[name])
    found = next((p for p in _ram(call).policies if p.name == name and ptype == "Custom"), None)
    if found is None:
        raise ApiError("EntityNotExist.Policy", f"The policy does not exist: {name}", 404)
    return found


@api.action("GetPolicy")
def get_policy(call: Call) -> dict[str, Any]:
    p = _policy(call)
    version = {"VersionId": p.version, "IsDefaultVersion": True, "PolicyDocument": json.dumps(p.document),
               "CreateDate": _date(p.created)}
    return {"Policy": {**_policy_view(p, _ram(call)), "PolicyDocument": json.dumps(p.document)},
            "DefaultPolicyVersion": version}


@api.action("GetPolicyVersion")
def get_policy_version(call: Call) -> dict[str, Any]:
    p = _policy(call)
    return {"PolicyVersion": {"VersionId": p.version, "IsDefaultVersion": True,
                              "PolicyDocument": json.dumps(p.document), "CreateDate": _date(p.created)}}


@api.action("ListPolicyVersions")
def list_policy_versions(call: Call) -> dict[str, Any]:
    p = _policy(call)
    return {"PolicyVersions": {"PolicyVersion": [{"VersionId": p.version, "IsDefaultVersion": True,
                                                  "PolicyDocument": json.dumps(p.document),
                                                  "CreateDate": _date(p.created)}]}}


@api.action("CreatePolicy", write=True)
def create_policy(call: Call) -> dict[str, Any]:
    name = require(call.params, "PolicyName")
    if any(p.name == name for p in _ram(call).policies):
        raise _exists("Policy", name)
    try:
        doc = json.loads(require(call.params, "PolicyDocument"))
    except json.JSONDecodeError as err:
        raise ApiError("MalformedPolicyDocument", "The policy document is malformed.", 400) from err
    policy = Policy(name=name, description=call.params.get("Description", ""), document=doc, created=call.now())
    _ram(call).policies.append(policy)
    call.touch("ACS::RAM::Policy", name)
    return {"Policy": _policy_view(policy)}


def _attach(refs: list[PolicyRef], ref: PolicyRef) -> None:
    if any(r.name == ref.name and r.type == ref.type for r in refs):
        raise ApiError("EntityAlreadyExists.Policy.Attachment", f"The policy is already attached: {ref.name}", 409)
    refs.append(ref)


def _detach(refs: list[PolicyRef], name: str) -> None:
    found = next((r for r in refs if r.name == name), None)
    if found is None:
        raise ApiError("EntityNotExist.Policy.Attachment", f"The policy is not attached: {name}", 404)
    refs.remove(found)


@api.action("AttachPolicyToUser", resource=_user_arn, write=True)
def attach_policy_to_user(call: Call) -> dict[str, Any]:
    user, ref = _user(call), _policy_ref(call)
    _attach(user.policies, ref)
    call.touch("ACS::RAM::User", user.name)
    return {}


@api.action("DetachPolicyFromUser", resource=_user_arn, write=True)
def detach_policy_from_user(call: Call) -> dict[str, Any]:
    user = _user(call)
    _detach(user.policies, require(call.params, "PolicyName"))
    call.touch("ACS::RAM::User", user.name)
    return {}


@api.action("AttachPolicyToGroup", write=True)
def attach_policy_to_group(call: Call) -> dict[str, Any]:
    group, ref = _group(call), _policy_ref(call)
    _attach(group.policies, ref)
    call.touch("ACS::RAM::Group", group.name)
    return {}


@api.action("AttachPolicyToRole", write=True)
def attach_policy_to_role(call: Call) -> dict[str, Any]:
    role, ref = _role(call), _policy_ref(call)
    _attach(role.policies, ref)
    call.touch("ACS::RAM::Role", role.name)
    return {}


@api.action("ListPoliciesForUser", resource=_user_arn)
def list_policies_for_user(call: Call) -> dict[str, Any]:
    return _refs_view(_user(call).policies, call)


@api.action("ListPoliciesForGroup")
def list_policies_for_group(call: Call) -> dict[str, Any]:
    return _refs_view(_group(call).policies, call)


@api.action("ListPoliciesForRole")
def list_policies_for_role(call: Call) -> dict[str, Any]:
    return _refs_view(_role(call).policies, call)


@api.action("ListEntitiesForPolicy")
def list_entities_for_policy(call: Call) -> dict[str, Any]:
    p = _policy(call)
    ram = _ram(call)

    def has(refs: list[PolicyRef]) -> bool:
        return any(r.name == p.name and r.type == p.type for r in refs)

    return {"Users": {"User": [{"UserName": u.name, "UserId": u.id, "DisplayName": u.display_name,
                                "AttachDate": ""} for u in ram.users if has(u.policies)]},
            "Groups": {"Group": [{"GroupName": g.name, "Comments": g.comments, "AttachDate": ""}
                                 for g in ram.groups if has(g.policies)]},
            "Roles": {"Role": [{"RoleName": r.name, "RoleId": r.id, "Arn": _role_view(r, call.acct.id)["Arn"],
                                "Description": r.description, "AttachDate": ""}
                               for r in ram.roles if has(r.policies)]}}


# --- account settings ----------------------------------------------------------------------------

def _password_policy_view(pp: PasswordPolicy) -> dict[str, Any]:
    return {"PasswordPolicy": {"MinimumPasswordLength": pp.minimum_length,
                               "RequireLowercaseCharacters": pp.require_lowercase,
                               "RequireUppercaseCharacters": pp.require_uppercase,
                               "RequireNumbers": pp.require_numbers, "RequireSymbols": pp.require_symbols,
                               "HardExpiry": pp.hard_expiry, "MaxPasswordAge": pp.max_password_age,
                               "PasswordReusePrevention": pp.password_reuse_prevention,
                               "MaxLoginAttemps": pp.max_login_attempts}}


@api.action("GetPasswordPolicy")
def get_password_policy(call: Call) -> dict[str, Any]:
    return _password_policy_view(_ram(call).password_policy)


_PP_PARAMS = {"MinimumPasswordLength": "minimum_length", "RequireLowercaseCharacters": "require_lowercase",
              "RequireUppercaseCharacters": "require_uppercase", "RequireNumbers": "require_numbers",
              "RequireSymbols": "require_symbols", "HardExpiry": "hard_expiry",
              "MaxPasswordAge": "max_password_age", "PasswordReusePrevention": "password_reuse_prevention",
              "MaxLoginAttemps": "max_login_attempts"}


@api.action("SetPasswordPolicy", write=True)
def set_password_policy(call: Call) -> dict[str, Any]:
    pp = _ram(call).password_policy
    values = pp.model_dump()
    for param, attr in _PP_PARAMS.items():
        if param in call.params:
            raw = call.params[param]
            values[attr] = raw.lower() == "true" if isinstance(values[attr], bool) else int(raw)
    new = PasswordPolicy.model_validate(values)
    if not 8 <= new.minimum_length <= 32:
        raise ApiError("InvalidParameter.MinimumPasswordLength",
                       "The parameter MinimumPasswordLength must be between 8 and 32.", 400)
    _ram(call).password_policy = new
    return _password_policy_view(new)


@api.action("GetSecurityPreference")
def get_security_preference(call: Call) -> dict[str, Any]:
    sp = _ram(call).security_preference
    return {"SecurityPreference": {
        "LoginProfilePreference": {"EnableSaveMFATicket": sp.enable_save_mfa_ticket,
                                   "AllowUserToChangePassword": sp.allow_user_to_change_password,
                                   "LoginSessionDuration": sp.login_session_duration,
                                   "LoginNetworkMasks": sp.login_network_masks},
        "AccessKeyPreference": {"AllowUserToManageAccessKeys": sp.allow_user_to_manage_access_keys},
        "MFAPreference": {"AllowUserToManageMFADevices": sp.allow_user_to_manage_mfa_devices},
        "PublicKeyPreference": {"AllowUserToManagePublicKeys": False}}}


@api.action("GetAccountAlias")
def get_account_alias(call: Call) -> dict[str, Any]:
    return {"AccountAlias": call.acct.alias}
