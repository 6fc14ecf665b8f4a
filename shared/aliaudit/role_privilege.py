"""How much a RAM role can do, for the checks of the identities compute runs as (an ECS instance's role, an FC
function's role): anyone who runs code there (an SSRF to the metadata service, a compromised dependency) holds
the role's rights, so a role with administrator rights, or rights to grant itself more, turns one vulnerable
workload into an account takeover.

A role is read once per scan (the factory's shared answers), whichever collectors and regions ask:
ListPoliciesForRole (ram20150501: Policies.Policy[].PolicyName, PolicyType System | Custom), then GetPolicy for
each (DefaultPolicyVersion.PolicyDocument, a JSON text, for system policies too; API reference samples in
tests/fixtures/wire/ram/). The documents are judged by ram_policy.admin_reasons."""

from __future__ import annotations

from pydantic import BaseModel, Field

from . import apierrors, jsontext
from .collectors.registry import CollectContext
from .lazy import lazy_import
from .ram_policy import admin_reasons

ram_models = lazy_import("alibabacloud_ram20150501.models")

# what a collector that calls role_privilege lists in its `apis`
ROLE_PRIVILEGE_APIS = ["ram:ListPoliciesForRole", "ram:GetPolicy"]


class RolePrivilege(BaseModel):
    role: str
    policies: list[str] = Field(default_factory=list)  # "<type>:<name>" of the attached policies
    admin_reasons: list[str] = Field(default_factory=list)  # empty: not administrator, cannot become one
    error: str | None = None  # the role or one of its policies could not be read: the verdict is ERROR


def role_name(arn_or_name: str) -> str:
    """'acs:ram::123:role/Name' or 'Name' -> 'Name' (ECS answers the name, FC the ARN)."""
    return arn_or_name.rsplit(":role/", 1)[-1].rsplit("/", 1)[-1] if ":role/" in arn_or_name else arn_or_name


def document_reasons(label: str, text: str | None) -> list[str]:
    """Why a policy's document (GetPolicy DefaultPolicyVersion.PolicyDocument, JSON text) makes its holder
    administrator; ValueError saying why the document cannot be judged (none, too large or deep: RAM documents
    are at most 6,144 characters, jsontext bounds them; not JSON; no Statement): an unreadable document grants
    unknown rights and is never judged as granting none."""
    try:
        doc = jsontext.load_object(text if text and text.strip() else None, "its document")
    except ValueError as err:
        raise ValueError(f"policy {label}: {err}") from None
    if doc is None:
        raise ValueError(f"policy {label} has no document in the GetPolicy answer")
    if not isinstance(doc.get("Statement"), list | dict):
        raise ValueError(f"policy {label} has a document that is not a policy (no Statement)")
    return admin_reasons(label, doc)


def _read(ctx: CollectContext, name: str) -> RolePrivilege:
    ram = ctx.factory.pop("ram")
    out = RolePrivilege(role=name)
    try:
        body = ram.list_policies_for_role(ram_models.ListPoliciesForRoleRequest(role_name=name)).body
        attached = body.policies.policy if body.policies and body.policies.policy else []
        for p in attached:  # ListPoliciesForRole has no paging: every attached policy
            label = f"{p.policy_type}:{p.policy_name}"
            out.policies.append(label)
            got = ram.get_policy(ram_models.GetPolicyRequest(policy_name=p.policy_name,
                                                             policy_type=p.policy_type)).body
            text = got.default_policy_version.policy_document if got.default_policy_version else None
            try:
                out.admin_reasons += document_reasons(f"{p.policy_type} policy {p.policy_name}", text)
            except ValueError as err:
                out.error = str(err)
    except Exception as err:  # noqa: BLE001 - any failure makes this role's verdict ERROR, never PASS
        out.error = apierrors.describe(err)
    return out


def role_privilege(ctx: CollectContext, role: str) -> RolePrivilege:
    """The role's attached policies and why they make it administrator (read once per scan)."""
    name = role_name(role)
    result: RolePrivilege = ctx.factory.shared(f"role_privilege:{name}", lambda: _read(ctx, name))
    return result
