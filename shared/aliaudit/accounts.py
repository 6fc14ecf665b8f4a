"""Which accounts a run audits, and as whom: the caller's own account (default), every member of the
caller's Resource Directory, or an explicit list of account ids / role ARNs. Member accounts are audited
through a role assumed in each (default ResourceDirectoryAccountAccessRole, the role Resource Directory
creates in accounts it creates), with an optional external id; the session name carries the run id so
ActionTrail in the member shows which run read it."""

from __future__ import annotations

import re
from typing import Any, Literal

from alibabacloud_credentials_api import ICredentialsProvider
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import apierrors, errors
from .clients import ClientFactory
from .collectors.paging import by_page_number
from .credentials.providers import AssumeRoleProvider
from .lazy import lazy_import
from .settings import EndpointSettings

rm_models = lazy_import("alibabacloud_resourcemanager20200331.models")  # (when a directory is listed: not for `policy`)

DEFAULT_ROLE = "ResourceDirectoryAccountAccessRole"
# ListAccounts statuses of members that exist and can be audited; any other is reported as ERROR for that account
# rather than silently left out. The Promote* statuses are a member's "upgrade" (PromoteResourceAccount: "Upgrades a
# resource account to a cloud account") "being confirmed", failed, expired or cancelled (ListAccounts Status, OpenMeta
# resourcemanager 2020-03-31): the resource account is a member all along, and is audited
AUDITABLE = {"CreateSuccess", "InviteSuccess", "PromoteSuccess", "PromoteVerifying", "PromoteFailed", "PromoteExpired",
             "PromoteCancelled"}
ACCOUNT_ID = re.compile(r"^\d{16}$")
_ROLE_ARN = re.compile(r"^acs:ram::(\d{16}):role/([\w.@-]{1,64})$", re.IGNORECASE)


class AccountsSpec(BaseModel):
    """The `accounts:` setting (config file, timer payload, CLI options)."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["single", "resource-directory", "list"] = "single"
    ids: list[str] = Field(default_factory=list)  # list mode: 16-digit account ids or role ARNs
    role_name: str = Field(DEFAULT_ROLE, pattern=r"^[\w.@-]{1,64}$")
    external_id: str | None = Field(None, min_length=2, max_length=1224)
    include: list[str] = Field(default_factory=list)  # account ids, names, folder ids or folder names
    exclude: list[str] = Field(default_factory=list)
    concurrency: int = Field(4, ge=1, le=64)  # accounts audited at once (rate limits are per account)

    @field_validator("ids")
    @classmethod
    def _ids(cls, ids: list[str]) -> list[str]:
        bad = [i for i in ids if not (ACCOUNT_ID.match(i) or _ROLE_ARN.match(i))]
        if bad:
            raise ValueError(f"not a 16-digit account id or a role ARN (acs:ram::<id>:role/<name>): {', '.join(bad)}")
        return ids

    @classmethod
    def parse(cls, value: Any, where: str) -> AccountsSpec:
        """`accounts: resource-directory`, `accounts: [ids or ARNs]`, or the mapping form."""
        if value is None:
            return cls()
        if value == "resource-directory":
            value = {"mode": "resource-directory"}
        elif isinstance(value, list):
            value = {"mode": "list", "ids": value}
        elif not isinstance(value, dict):
            raise errors.ConfigError(f"{where}: accounts must be 'resource-directory', a list of account ids or "
                                     "role ARNs, or a mapping with mode")
        try:
            return cls.model_validate(value)
        except ValidationError as err:
            first = err.errors()[0]
            field = errors.field_path(first["loc"], "")
            raise errors.ConfigError(f"{where}: accounts{'.' + field if field else ''}: {first['msg']}") from None

    @property
    def multi(self) -> bool:
        return self.mode != "single"


class Target(BaseModel):
    """One account to audit."""

    account_id: str
    name: str = ""
    folder: str = ""  # folder name (resource directory mode)
    role_arn: str | None = None  # None: the caller's own credentials (its own account)
    problem: str | None = None  # known before trying: why this account cannot be audited

    def label(self) -> str:
        return f"{self.account_id} ({self.name})" if self.name else self.account_id


def session_name(run_id: str) -> str:
    """The STS session name: 'aliaudit-<run id>' within STS's 64 characters of [\\w.@-]."""
    return ("aliaudit-" + re.sub(r"[^\w.@-]", "-", run_id))[:64]


def _matches(t: Target, folder_id: str, wanted: list[str]) -> bool:
    keys = {t.account_id, t.name.lower(), folder_id, t.folder.lower()} - {""}
    return any(w in keys or w.lower() in keys for w in wanted)


def targets(spec: AccountsSpec, factory: ClientFactory, caller_account: str) -> list[Target]:
    """The accounts of the spec, filtered by include/exclude; the caller's own account is audited with its
    own credentials."""
    if spec.mode == "single":
        return [Target(account_id=caller_account)]
    if spec.mode == "list":
        out = []
        for item in dict.fromkeys(spec.ids):
            m = _ROLE_ARN.match(item)
            account = m.group(1) if m else item
            arn = item if m else f"acs:ram::{account}:role/{spec.role_name}"
            out.append(Target(account_id=account, role_arn=None if account == caller_account and not m else arn))
        return [t for t in out if (not spec.include or _matches(t, "", spec.include))
                and not _matches(t, "", spec.exclude)]
    return _directory_targets(spec, factory, caller_account)


def _directory_targets(spec: AccountsSpec, factory: ClientFactory, caller_account: str) -> list[Target]:
    rm = factory.pop("resourcemanager")
    try:
        directory = rm.get_resource_directory().body.resource_directory
        folders = _folder_names(rm, directory.root_folder_id)
        members = list(by_page_number(
            lambda page: rm.list_accounts(rm_models.ListAccountsRequest(page_number=page, page_size=100)).body,
            lambda b: b.accounts.account if b.accounts else [], 100))
    except Exception as err:
        raise errors.AliauditError(f"cannot list the resource directory's accounts (Resource Manager): "
                                   f"{apierrors.describe(err)}; the caller must be the management account (or a "
                                   "delegated administrator) with resourcemanager:ListAccounts") from None
    out = []
    for m in members:
        t = Target(account_id=m.account_id, name=m.display_name or "", folder=folders.get(m.folder_id or "", ""),
                   role_arn=None if m.account_id == caller_account
                   else f"acs:ram::{m.account_id}:role/{spec.role_name}")
        if m.status not in AUDITABLE:
            t.problem = f"the account's resource directory status is {m.status}, not audited"
        if (spec.include and not _matches(t, m.folder_id or "", spec.include)) \
                or _matches(t, m.folder_id or "", spec.exclude):
            continue
        out.append(t)
    return sorted(out, key=lambda t: (t.role_arn is not None, t.account_id))


def _folder_names(rm: Any, root: str) -> dict[str, str]:
    """Folder id -> name, every level below the root (folders nest up to five levels)."""
    names = {root: "Root"}
    todo = [root]
    while todo:
        parent = todo.pop()

        def page_of(page: int, p: str = parent) -> Any:
            return rm.list_folders_for_parent(
                rm_models.ListFoldersForParentRequest(parent_folder_id=p, page_number=page, page_size=100)).body

        for f in by_page_number(page_of, lambda b: b.folders.folder if b.folders else [], 100):
            names[f.folder_id] = f.folder_name
            todo.append(f.folder_id)
    return names


def provider_for(target: Target, source: ICredentialsProvider, settings: EndpointSettings, spec: AccountsSpec,
                 run_id: str) -> ICredentialsProvider:
    """The credentials that audit the target: the source itself for the caller's own account, else the
    target's role assumed from the source (refreshed before expiry like every STS session)."""
    if target.role_arn is None:
        return source
    return AssumeRoleProvider(source, settings, role_arn=target.role_arn, session_name=session_name(run_id),
                              external_id=spec.external_id, describe_source="member account audit role")
