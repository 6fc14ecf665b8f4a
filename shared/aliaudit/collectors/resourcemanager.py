"""Resource Manager datasets (global): the Resource Directory's guardrails, the access control policies attached to
its root folder, read from the management account (control policies apply to every member below the root).

Read only where the audited account manages a directory: GetResourceDirectory tells the directory and its
management account (MasterAccountId); a member account, or an account without a directory, gets a dataset that says
so and no control policy is read."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .. import apierrors
from ..datasets import Dataset, Record, Scope
from ..jsontext import load_object
from ..lazy import lazy_import
from .registry import CollectContext, collector

rm_models = lazy_import("alibabacloud_resourcemanager20200331.models")

# GetResourceDirectory for an account outside any directory: ResourceDirectoryNotInUse (404, the API reference's
# error code); EntityNotExists.ResourceDirectory is the Resource Directory APIs' "not enabled" code, accepted too
NO_DIRECTORY = {"ResourceDirectoryNotInUse", "EntityNotExists.ResourceDirectory"}


class ControlPolicy(Record):
    id: str
    name: str
    type: str  # System | Custom
    document: dict[str, Any] | None = None  # GetControlPolicy PolicyDocument (a JSON text on the wire), parsed
    error: str | None = None  # GetControlPolicy failed or the document is not JSON


class Guardrails(Record):
    managed: bool  # the audited account is a directory's management account (else nothing else is read)
    directory_id: str = ""
    root_folder_id: str = ""
    enablement: str = ""  # GetControlPolicyEnablementStatus: Enabled | PendingEnable | Disabled | PendingDisable
    root_policies: list[ControlPolicy] = Field(default_factory=list)  # attached to the root folder


GUARDRAILS: Dataset[Guardrails] = Dataset("resourcemanager.guardrails", Scope.GLOBAL)


@collector(GUARDRAILS, apis=["resourcemanager:GetResourceDirectory", "resourcemanager:GetControlPolicyEnablementStatus",
                             "resourcemanager:ListControlPolicyAttachmentsForTarget",
                             "resourcemanager:GetControlPolicy"])
def guardrails(ctx: CollectContext) -> Guardrails:
    rm = ctx.client("resourcemanager")
    try:
        rd = rm.get_resource_directory().body.resource_directory
    except Exception as err:
        if apierrors.sdk_code(err) in NO_DIRECTORY:
            return Guardrails(managed=False)
        raise
    if rd is None or str(rd.master_account_id or "") != ctx.account_id:
        return Guardrails(managed=False, directory_id=(rd.resource_directory_id or "") if rd else "")
    out = Guardrails(managed=True, directory_id=rd.resource_directory_id or "", root_folder_id=rd.root_folder_id or "")
    out.enablement = str(rm.get_control_policy_enablement_status().body.enablement_status or "")
    if out.enablement != "Enabled" or not out.root_folder_id:
        return out
    out.root_policies = attached_policies(ctx, rm, out.root_folder_id)
    return out


def attached_policies(ctx: CollectContext, rm: Any, target_id: str) -> list[ControlPolicy]:
    """The control policies attached to a target (folder or member) with their documents. The attachments of one
    target are answered whole (ListControlPolicyAttachmentsForTarget takes no paging parameters); a document that
    cannot be read, or is not JSON, is kept as that policy's error."""
    body = rm.list_control_policy_attachments_for_target(rm_models.ListControlPolicyAttachmentsForTargetRequest(
        target_id=target_id)).body
    attached = (body.control_policy_attachments.control_policy_attachment
                if body.control_policy_attachments else None) or []

    def read(a: Any) -> ControlPolicy:
        policy = ControlPolicy(id=a.policy_id or "", name=a.policy_name or "", type=a.policy_type or "")
        try:
            got = rm.get_control_policy(rm_models.GetControlPolicyRequest(policy_id=policy.id)).body.control_policy
            doc = load_object(got.policy_document if got else None, "the control policy document")
            if doc is None:
                raise ValueError("GetControlPolicy gave no policy document")
            policy.document = doc
        except Exception as err:
            policy.error = apierrors.describe(err)
        return policy

    return ctx.map(read, attached)
