"""Resource Manager (2020-03-31): the Resource Directory of an organisation, read side: GetResourceDirectory,
ListAccounts, GetAccount, ListAccountsForParent, ListFoldersForParent, GetFolder, ListAncestors, and its control
policies (GetControlPolicyEnablementStatus, ListControlPolicyAttachmentsForTarget, GetControlPolicy; the write
AttachControlPolicy); and each account's resource groups (ListResourceGroups, the account's ``resourcemanager:``
section: every account has its default group, DEFAULT_RESOURCE_GROUP).

The directory is scenario-level (``resource_directory:`` beside ``accounts:``, see ``ResourceDirectory``), not
part of an account: its management account and every member are accounts of the scenario. As in the cloud, only
the management account (its root, RAM users and roles, each with the RAM action ``resourcemanager:<API>``)
reads the directory; GetResourceDirectory also answers members (it describes the directory they belong to).

Refusals, as documented for the Resource Directory APIs:

- a member account's caller: ``MemberAccountOperationNotAllowed`` (403, "The member account is not allowed to
  perform the operation.");
- an account outside any directory (or a scenario without one): ``EntityNotExists.ResourceDirectory`` (404, "The
  resource directory for the account is not enabled..."), as ListAccounts, ListFoldersForParent and GetAccount
  document it; GetResourceDirectory documents ``ResourceDirectoryNotInUse`` (404, "The specified account is not an
  Alibaba Cloud account or a member account of the resource directory.": OpenMeta resourcemanager 2020-03-31);
- unknown folder / member: ``EntityNotExists.Folder`` / ``EntityNotExists.Account`` (404).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..call import Call
from ..clock import iso
from ..errors import ApiError
from ..pop import PopApi, page_by_number, require
from . import Product

if TYPE_CHECKING:
    from ..state import Scenario

api = PopApi("resourcemanager", "2020-03-31")

# Member.status values the API documents (GetAccount / ListAccounts)
MEMBER_STATUSES = ("CreateSuccess", "PromoteVerifying", "PromoteFailed", "PromoteExpired", "PromoteCancelled",
                   "PromoteSuccess", "InviteSuccess")


class Folder(BaseModel):
    """A folder of the directory (the root folder is implicit: ``ResourceDirectory.root_folder_id``)."""

    model_config = ConfigDict(extra="forbid")

    id: str  # fd-xxxx
    name: str
    parent_id: str | None = None  # None = directly under the root folder
    created: datetime = datetime(2024, 1, 1)


class Member(BaseModel):
    """A member account: ``account_id`` is the id of an account of the scenario's ``accounts``."""

    model_config = ConfigDict(extra="forbid")

    account_id: str
    display_name: str = ""  # '' = the account's alias
    account_name: str = ""  # logon name; '' = <alias>@<directory id>.aliyunid.com
    folder_id: str | None = None  # None = the root folder
    status: str = "CreateSuccess"  # one of MEMBER_STATUSES
    type: str = "ResourceAccount"  # ResourceAccount | CloudAccount
    join_method: str = "created"  # created | invited
    join_time: datetime = datetime(2024, 1, 1)
    modify_time: datetime | None = None  # None = join_time
    tags: dict[str, str] = Field(default_factory=dict)


# Control policies (GetControlPolicyEnablementStatus, ListControlPolicyAttachmentsForTarget, GetControlPolicy,
# AttachControlPolicy; OpenMeta resourcemanager 2020-03-31, tests/fixtures/wire/resourcemanager): PolicyType System |
# Custom, EffectScope All | RAM, AttachmentCount a string ("0"), PolicyDocument a JSON text. The system policy
# FullAliyunAccess (allow everything) is attached to the root folder when the feature is enabled and nothing else
# is named; its id here is ours (the API reference shows none).
FULL_ALIYUN_ACCESS = "cp-FullAliyunAccess"


class ControlPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str  # cp-xxxx
    name: str
    type: str = "Custom"  # System | Custom
    description: str = ""
    effect_scope: str = "RAM"  # All | RAM
    document: dict[str, Any]
    created: datetime = datetime(2024, 1, 1)


def _full_access() -> ControlPolicy:
    return ControlPolicy(id=FULL_ALIYUN_ACCESS, name="FullAliyunAccess", type="System", effect_scope="All",
                         description="Full Aliyun Access", document={"Version": "1", "Statement": [
                             {"Effect": "Allow", "Action": "*", "Resource": "*"}]})


class ResourceDirectory(BaseModel):
    """The organisation. The management account is listed as a member of the root folder (as in the cloud)
    unless ``members`` names it explicitly."""

    model_config = ConfigDict(extra="forbid")

    id: str = "rd-emulator01"
    management_account_id: str
    management_account_name: str = ""  # '' = the management account's alias
    root_folder_id: str = "r-emulator01"
    created: datetime = datetime(2024, 1, 1)
    control_policy_status: str = "Disabled"  # Enabled | Disabled | PendingEnable | PendingDisable
    member_deletion_status: str = "Disabled"
    folders: list[Folder] = Field(default_factory=list)
    members: list[Member] = Field(default_factory=list)
    control_policies: list[ControlPolicy] = Field(default_factory=list)  # custom ones (FullAliyunAccess is built in)
    # target (root folder, folder or member account id) -> attached policy ids; the root folder defaults to
    # [FullAliyunAccess] while the feature is Enabled
    attachments: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> ResourceDirectory:
        ids = [self.root_folder_id] + [f.id for f in self.folders]
        if len(set(ids)) != len(ids):
            raise ValueError("resource_directory: folder ids must be unique (and differ from root_folder_id)")
        known = set(ids)
        for f in self.folders:
            if f.parent_id is not None and f.parent_id not in known:
                raise ValueError(f"resource_directory: folder {f.id} has an unknown parent_id {f.parent_id}")
        seen: set[str] = set()
        for m in self.members:
            if m.account_id in seen:
                raise ValueError(f"resource_directory: account {m.account_id} is a member twice")
            seen.add(m.account_id)
            if m.folder_id is not None and m.folder_id not in known:
                raise ValueError(f"resource_directory: member {m.account_id} has an unknown folder_id {m.folder_id}")
            if m.status not in MEMBER_STATUSES:
                raise ValueError(f"resource_directory: member {m.account_id} has status {m.status!r}, "
                                 f"not one of {', '.join(MEMBER_STATUSES)}")
        if self.management_account_id not in seen:
            self.members.insert(0, Member(account_id=self.management_account_id, type="CloudAccount",
                                          join_time=self.created))
        return self

    def check_accounts(self, account_ids: set[str]) -> None:
        """Every member (and the management account) must be an account of the scenario."""
        for m in self.members:
            if m.account_id not in account_ids:
                raise ValueError(f"resource_directory: member {m.account_id} is not one of the scenario's accounts")

    def control_policy(self, policy_id: str) -> ControlPolicy | None:
        return next((p for p in [_full_access(), *self.control_policies] if p.id == policy_id), None)

    def attached(self, target_id: str) -> list[str]:
        default = [FULL_ALIYUN_ACCESS] if target_id == self.root_folder_id and self.control_policy_status == "Enabled" \
            else []
        return self.attachments.get(target_id, default)

    def is_target(self, target_id: str) -> bool:
        return target_id == self.root_folder_id or self.folder(target_id) is not None or \
            self.member(target_id) is not None

    def folder(self, folder_id: str) -> Folder | None:
        return next((f for f in self.folders if f.id == folder_id), None)

    def member(self, account_id: str) -> Member | None:
        return next((m for m in self.members if m.account_id == account_id), None)

    def parent_of_folder(self, f: Folder) -> str:
        return f.parent_id or self.root_folder_id

    def folder_of(self, m: Member) -> str:
        return m.folder_id or self.root_folder_id

    def ancestors(self, folder_id: str) -> list[str]:
        """Folder ids from the root folder down to folder_id itself."""
        chain = [folder_id]
        while chain[-1] != self.root_folder_id:
            f = self.folder(chain[-1])
            if f is None or len(chain) > len(self.folders) + 1:
                break
            chain.append(self.parent_of_folder(f))
        return chain[::-1]


# --- helpers -------------------------------------------------------------------------------------

def _directory(call: Call, *, members_too: bool = False) -> ResourceDirectory:
    """The caller's directory, or the cloud's refusal (see the module's docstring for the codes chosen)."""
    rd = call.world.scenario.resource_directory
    caller = call.acct.id
    if rd is None or rd.member(caller) is None:
        raise ApiError("EntityNotExists.ResourceDirectory", "The resource directory for the account is not "
                       "enabled. We recommend that you first enable the resource directory for the account.", 404)
    if caller != rd.management_account_id and not members_too:
        raise ApiError("MemberAccountOperationNotAllowed",
                       "The member account is not allowed to perform the operation.", 403)
    return rd


def _bool(call: Call, name: str) -> bool:
    return call.params.get(name, "").lower() == "true"


def _tag_filter(params: dict[str, str]) -> list[tuple[str, str | None]]:
    """Tag.N.Key / Tag.N.Value pairs (a key without a value matches any value)."""
    out = []
    for n in range(1, 21):
        key = params.get(f"Tag.{n}.Key")
        if key is None:
            continue
        out.append((key, params.get(f"Tag.{n}.Value")))
    return out


def _tags_match(m: Member, wanted: list[tuple[str, str | None]]) -> bool:
    return all(k in m.tags and (v is None or m.tags[k] == v) for k, v in wanted)


def _keyword(call: Call, *values: str) -> bool:
    kw = call.params.get("QueryKeyword", "").lower()
    return not kw or any(kw in v.lower() for v in values)


def _path(rd: ResourceDirectory, folder_id: str, *tail: str) -> str:
    return "/".join([rd.id, *rd.ancestors(folder_id), *tail])


def _account_row(call: Call, rd: ResourceDirectory, m: Member, *, detail: bool = False) -> dict[str, Any]:
    acct = call.world.account(m.account_id)
    alias = acct.alias if acct else m.account_id
    folder = rd.folder_of(m)
    row: dict[str, Any] = {
        "AccountId": m.account_id, "DisplayName": m.display_name or alias,
        "AccountName": m.account_name or f"{alias}@{rd.id}.aliyunid.com",
        "FolderId": folder, "ResourceDirectoryId": rd.id, "ResourceDirectoryPath": _path(rd, folder, m.account_id),
        "Status": m.status, "Type": m.type, "JoinMethod": m.join_method, "JoinTime": iso(m.join_time),
        "ModifyTime": iso(m.modify_time or m.join_time)}
    if detail:
        row["Location"] = "/".join(_folder_name(rd, f) for f in rd.ancestors(folder))
    if _bool(call, "IncludeTags"):  # GetAccount: a plain list; the lists: {"Tag": [...]}
        tags = [{"Key": k, "Value": v} for k, v in m.tags.items()]
        row["Tags"] = tags if detail else {"Tag": tags}
    return row


def _folder_name(rd: ResourceDirectory, folder_id: str) -> str:
    if folder_id == rd.root_folder_id:
        return "Root"
    f = rd.folder(folder_id)
    return f.name if f else folder_id


def _folder_row(rd: ResourceDirectory, folder_id: str) -> dict[str, Any]:
    if folder_id == rd.root_folder_id:
        return {"FolderId": folder_id, "FolderName": "Root", "CreateTime": iso(rd.created)}
    f = rd.folder(folder_id)
    assert f is not None
    return {"FolderId": f.id, "FolderName": f.name, "CreateTime": iso(f.created)}


def _known_folder(rd: ResourceDirectory, folder_id: str) -> str:
    if folder_id != rd.root_folder_id and rd.folder(folder_id) is None:
        raise ApiError("EntityNotExists.Folder", f"The folder does not exist: {folder_id}", 404)
    return folder_id


def _accounts(call: Call, rd: ResourceDirectory, members: list[Member]) -> dict[str, Any]:
    wanted = _tag_filter(call.params)
    hits = [m for m in members if _tags_match(m, wanted)
            and _keyword(call, m.display_name or _alias(call, m), m.account_id)]
    page, meta = page_by_number(hits, call.params, default=10, limit=100)
    return {"Accounts": {"Account": [_account_row(call, rd, m) for m in page]}, **meta}


def _alias(call: Call, m: Member) -> str:
    acct = call.world.account(m.account_id)
    return acct.alias if acct else ""


# --- resource groups (per account) -----------------------------------------------------------------------------
# Every account has a default resource group; other products' resources belong to it unless their scenario names
# another (their resource_group_id defaults to this id). Shape and types: ListResourceGroups' documented sample
# (tests/fixtures/wire/resourcemanager/ListResourceGroups.json): Id, Name, DisplayName, Status (Creating | OK |
# PendingDelete), AccountId and CreateDate strings; TotalCount, PageNumber, PageSize integers.
DEFAULT_RESOURCE_GROUP = "rg-acfmdefault0000"


class ResourceGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str  # rg-...
    name: str
    display_name: str = ""
    status: str = "OK"
    created: datetime = datetime(2024, 1, 1)


class ResourceManagerState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resource_groups: list[ResourceGroup] = Field(default_factory=list)  # the default group is always added

    @model_validator(mode="after")
    def _default_group(self) -> ResourceManagerState:
        if not any(g.id == DEFAULT_RESOURCE_GROUP for g in self.resource_groups):
            self.resource_groups.insert(0, ResourceGroup(id=DEFAULT_RESOURCE_GROUP, name="default",
                                                         display_name="Default Resource Group"))
        return self


# --- APIs ----------------------------------------------------------------------------------------

@api.action("ListResourceGroups", resource="resourcegroup/*")
def list_resource_groups(call: Call) -> dict[str, Any]:
    # PageSize "Valid values: 1 to 100. Default value: 10"; Status filters (the other filters are not emulated)
    status = call.params.get("Status", "")
    groups = [g for g in call.acct.resourcemanager.resource_groups if not status or g.status == status]
    page, meta = page_by_number(groups, call.params, default=10, limit=100)
    return {"ResourceGroups": {"ResourceGroup": [{
        "Id": g.id, "Name": g.name, "DisplayName": g.display_name, "Status": g.status, "AccountId": call.acct.id,
        "CreateDate": iso(g.created)} for g in page]}, **meta}


@api.action("GetResourceDirectory", resource="resourcedirectory/*")
def get_resource_directory(call: Call) -> dict[str, Any]:
    try:
        rd = _directory(call, members_too=True)
    except ApiError as err:
        if err.code != "EntityNotExists.ResourceDirectory":
            raise
        raise ApiError("ResourceDirectoryNotInUse", "The specified account is not an Alibaba Cloud account or a "
                       "member account of the resource directory.", 404) from None
    mgmt = call.world.account(rd.management_account_id)
    return {"ResourceDirectory": {
        "ResourceDirectoryId": rd.id, "RootFolderId": rd.root_folder_id, "CreateTime": iso(rd.created),
        "MasterAccountId": rd.management_account_id,
        "MasterAccountName": rd.management_account_name or (mgmt.alias if mgmt else ""),
        "ControlPolicyStatus": rd.control_policy_status, "MemberDeletionStatus": rd.member_deletion_status}}


@api.action("ListAccounts", resource="account/*")
def list_accounts(call: Call) -> dict[str, Any]:
    rd = _directory(call)
    return _accounts(call, rd, rd.members)


@api.action("ListAccountsForParent", resource="account/*")
def list_accounts_for_parent(call: Call) -> dict[str, Any]:
    rd = _directory(call)
    parent = _known_folder(rd, require(call.params, "ParentFolderId"))
    return _accounts(call, rd, [m for m in rd.members if rd.folder_of(m) == parent])


@api.action("GetAccount", resource=lambda c: f"account/{c.params.get('AccountId', '*')}")
def get_account(call: Call) -> dict[str, Any]:
    rd = _directory(call)
    account_id = require(call.params, "AccountId")
    m = rd.member(account_id)
    if m is None:
        raise ApiError("EntityNotExists.Account", "This resource directory account does not exist.", 404)
    return {"Account": _account_row(call, rd, m, detail=True)}


@api.action("ListFoldersForParent", resource="folder/*")
def list_folders_for_parent(call: Call) -> dict[str, Any]:
    rd = _directory(call)
    parent = _known_folder(rd, call.params.get("ParentFolderId") or rd.root_folder_id)
    hits = [f for f in rd.folders if rd.parent_of_folder(f) == parent and _keyword(call, f.name)]
    page, meta = page_by_number(hits, call.params, default=10, limit=100)
    return {"Folders": {"Folder": [_folder_row(rd, f.id) for f in page]}, **meta}


@api.action("GetFolder", resource=lambda c: f"folder/{c.params.get('FolderId', '*')}")
def get_folder(call: Call) -> dict[str, Any]:
    rd = _directory(call)
    folder_id = _known_folder(rd, require(call.params, "FolderId"))
    row = _folder_row(rd, folder_id)
    f = rd.folder(folder_id)
    if f is not None:
        row["ParentFolderId"] = rd.parent_of_folder(f)
    row["ResourceDirectoryPath"] = _path(rd, folder_id)
    return {"Folder": row}


@api.action("ListAncestors", resource="folder/*")
def list_ancestors(call: Call) -> dict[str, Any]:
    """The folders above a folder or member account, from the root folder down."""
    rd = _directory(call)
    child = require(call.params, "ChildId")
    m = rd.member(child)
    chain = rd.ancestors(rd.folder_of(m)) if m is not None else rd.ancestors(_known_folder(rd, child))[:-1]
    return {"Folders": {"Folder": [_folder_row(rd, f) for f in chain]}}


# --- control policies ------------------------------------------------------------------------------

@api.action("GetControlPolicyEnablementStatus", resource="controlpolicy/*")
def get_control_policy_enablement_status(call: Call) -> dict[str, Any]:
    return {"EnablementStatus": _directory(call).control_policy_status}


def _target(call: Call, rd: ResourceDirectory) -> str:
    target = require(call.params, "TargetId")
    if not rd.is_target(target):  # the documented 404 of ListControlPolicyAttachmentsForTarget / AttachControlPolicy
        raise ApiError("EntityNotExists.Target", "The specified target does not exist in the resource directory.", 404)
    return target


@api.action("ListControlPolicyAttachmentsForTarget", resource="controlpolicy/*")
def list_control_policy_attachments_for_target(call: Call) -> dict[str, Any]:
    rd = _directory(call)
    rows = []
    for pid in rd.attached(_target(call, rd)):
        p = rd.control_policy(pid)
        if p is not None:
            rows.append({"PolicyId": p.id, "PolicyName": p.name, "PolicyType": p.type, "Description": p.description,
                         "EffectScope": p.effect_scope, "AttachDate": iso(p.created)})
    return {"ControlPolicyAttachments": {"ControlPolicyAttachment": rows}}


@api.action("GetControlPolicy", resource=lambda c: f"controlpolicy/{c.params.get('PolicyId', '*')}")
def get_control_policy(call: Call) -> dict[str, Any]:
    rd = _directory(call)
    p = rd.control_policy(require(call.params, "PolicyId"))
    if p is None:  # no error code is documented for an unknown policy: ours follows the EntityNotExists.* family
        raise ApiError("EntityNotExists.ControlPolicy", "The control policy does not exist.", 404)
    count = sum(p.id in rd.attached(t) for t in [rd.root_folder_id, *(f.id for f in rd.folders),
                                                  *(m.account_id for m in rd.members)])
    return {"ControlPolicy": {"PolicyId": p.id, "PolicyName": p.name, "PolicyType": p.type,
                              "Description": p.description, "EffectScope": p.effect_scope,
                              "PolicyDocument": json.dumps(p.document), "AttachmentCount": str(count),
                              "CreateDate": iso(p.created), "UpdateDate": iso(p.created)}}


@api.action("AttachControlPolicy", resource=lambda c: f"controlpolicy/{c.params.get('PolicyId', '*')}", write=True)
def attach_control_policy(call: Call) -> dict[str, Any]:
    rd = _directory(call)
    target = _target(call, rd)
    pid = require(call.params, "PolicyId")
    if rd.control_policy(pid) is None:
        raise ApiError("EntityNotExists.ControlPolicy", "The control policy does not exist.", 404)
    current = rd.attached(target)
    if pid not in current:
        rd.attachments[target] = [*current, pid]
    return {}


def _check_directory(scenario: Scenario) -> None:
    if scenario.resource_directory is not None:
        scenario.resource_directory.check_accounts({a.id for a in scenario.accounts})


# the directory is scenario-level: `resource_directory:` beside `accounts:` (None: no organisation)
PRODUCT = Product("resourcemanager", api=api, state=ResourceManagerState, versions=("2020-03-31", "2022-04-19"),
                  scenario_section=("resource_directory", ResourceDirectory | None, None), check=_check_directory)
