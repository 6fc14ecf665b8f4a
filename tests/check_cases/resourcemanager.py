"""Resource Manager cases. Values from tests/fixtures/wire/resourcemanager: GetResourceDirectory ResourceDirectoryId
rd-St****, RootFolderId r-Zo****; GetControlPolicyEnablementStatus EnablementStatus Enabled | PendingEnable |
Disabled | PendingDisable; ListControlPolicyAttachmentsForTarget cp-jExXAqIYkwHN**** (ExampleControlPolicy, Custom);
GetControlPolicy's documented document (Deny ram:UpdateRole, ram:DeleteRole... on
role/ResourceDirectoryAccountAccessRole)."""

from __future__ import annotations

from typing import Any

from aliaudit.collectors.resourcemanager import ControlPolicy, Guardrails
from tests.check_cases import Case

ROOT = "r-Zo****"
DOC_POLICY = {"Version": "1", "Statement": [{"Effect": "Deny", "Action": [
    "ram:UpdateRole", "ram:DeleteRole", "ram:AttachPolicyToRole", "ram:DetachPolicyFromRole"],
    "Resource": "acs:ram:*:*:role/ResourceDirectoryAccountAccessRole"}]}
FULL = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
PROTECT = {"Version": "1", "Statement": [{"Effect": "Deny", "Resource": "*", "Action": [
    "actiontrail:DeleteTrail", "actiontrail:StopLogging"],
    "Condition": {"StringNotLike": {"acs:PrincipalARN": "acs:ram:*:*:role/audit-admin"}}}]}
D, S, U = "actiontrail:DeleteTrail", "actiontrail:StopLogging", "actiontrail:UpdateTrail"


def policy(doc: dict[str, Any] | None, name: str = "ExampleControlPolicy", **kw: Any) -> ControlPolicy:
    return ControlPolicy(id=kw.pop("id", "cp-jExXAqIYkwHN****"), name=name, type=kw.pop("type", "Custom"),
                         document=doc, **kw)


def rd(*policies: ControlPolicy, enablement: str = "Enabled", managed: bool = True) -> dict[str, Guardrails]:
    return {"resourcemanager.guardrails": Guardrails(managed=managed, directory_id="rd-St****", root_folder_id=ROOT,
                                                     enablement=enablement, root_policies=list(policies))}


_C = "resourcemanager_guardrails_protect_audit"
CASES: list[Case] = [
    Case(_C, "documented sample policy (RAM role protection) and FullAliyunAccess: no trail action denied",
         rd(policy(DOC_POLICY), policy(FULL, "FullAliyunAccess", id="cp-FullAliyunAccess", type="System")),
         {D: "FAIL", S: "FAIL", U: "FAIL"}, region="global"),
    Case(_C, "a guardrail denying Delete and Stop (with an exempted admin role); Update left open",
         rd(policy(FULL, "FullAliyunAccess"), policy(PROTECT, "protect-audit")),
         {D: "PASS", S: "PASS", U: "FAIL"}, region="global"),
    Case(_C, "actiontrail:* wildcard in any letter case denies all three",
         rd(policy({"Statement": {"Effect": "Deny", "Action": "ActionTrail:*", "Resource": "acs:actiontrail:*:*:*"}})),
         {D: "PASS", S: "PASS", U: "PASS"}, region="global"),
    Case(_C, "a Deny on one region's trails or on some trail names covers only some trails; trail/* of any region "
             "and account covers all",
         rd(policy({"Statement": [
             {"Effect": "Deny", "Action": D, "Resource": "acs:actiontrail:cn-hangzhou:*:trail/*"},
             {"Effect": "Deny", "Action": S, "Resource": "acs:actiontrail:*:*:trail/prod-*"},
             {"Effect": "Deny", "Action": U, "Resource": ["acs:actiontrail:*:*:trail/*"]}]})),
         {D: "FAIL", S: "FAIL", U: "PASS"}, region="global"),
    Case(_C, "a Deny limited by a positive Condition (only one role, only without MFA) is MANUAL; an exemption "
             "(StringNotLike) still counts",
         rd(policy({"Statement": [
             {"Effect": "Deny", "Action": D, "Resource": "*",
              "Condition": {"StringLike": {"acs:PrincipalARN": "acs:ram:*:*:role/intern"}}},
             {"Effect": "Deny", "Action": S, "Resource": "*", "Condition": {"Bool": {"acs:MFAPresent": "false"}}},
             {"Effect": "Deny", "Action": U, "Resource": "*",
              "Condition": {"StringNotLike": {"acs:PrincipalARN": "acs:ram:*:*:role/audit-admin"}}}]})),
         {D: "MANUAL", S: "MANUAL", U: "PASS"}, region="global"),
    Case(_C, "Control Policy feature disabled: FAIL", rd(policy(PROTECT), enablement="Disabled"),
         {D: "FAIL", S: "FAIL", U: "FAIL"}, region="global"),
    Case(_C, "an attached policy could not be read: ERROR where no readable one denies",
         rd(policy(PROTECT, "protect-audit"), policy(None, "other", error="Forbidden: denied")),
         {D: "PASS", S: "PASS", U: "ERROR"}, region="global"),
    Case(_C, "not a management account: no result", rd(managed=False), {}, region="global"),
]
