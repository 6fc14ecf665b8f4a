"""Static reading of RAM policy documents (aliaudit.ram_policy): full administrator rights and the rights to
become administrator, on documents written as the RAM policy grammar allows (string or list elements, wildcards,
conditions, mixed-case Effect)."""

from __future__ import annotations

from typing import Any

import pytest

from aliaudit.ram_policy import admin_reasons, full_admin_document


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "1", "Statement": list(statements)}


ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}


@pytest.mark.parametrize("policy, reasons", [
    (doc(ALLOW_ALL), ["p allows *:* on every resource"]),
    (doc({"Effect": "allow", "Action": ["*:*"], "Resource": ["acs:*:*:*:*"],
          "Condition": {"Bool": {"acs:MFAPresent": "true"}}}), ["p allows *:* on every resource"]),
    (doc({"Effect": "Allow", "Action": "ram:*", "Resource": "*"}),
     [f"p allows ram:{a} on every resource" for a in (
         "AttachPolicyToUser", "AttachPolicyToGroup", "AttachPolicyToRole", "CreatePolicyVersion",
         "SetDefaultPolicyVersion", "UpdateRole", "CreateAccessKey", "CreateLoginProfile", "UpdateLoginProfile",
         "AddUserToGroup")]),
    (doc({"Effect": "Allow", "Action": "ram:Attach*", "Resource": "acs:ram:*:*:*"}),
     [f"p allows ram:AttachPolicyTo{t} on every resource" for t in ("User", "Group", "Role")]),
    (doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}),
     ["p allows sts:AssumeRole on every resource"]),
    (doc({"Effect": "Allow", "NotAction": "ram:*", "Resource": "*"}),
     ["p allows every action but those NotAction lists on every resource"]),
    # NotAction on narrower resources: only the escalation actions it leaves in, where their resources are covered
    (doc({"Effect": "Allow", "NotAction": ["oss:*", "ram:Create*", "ram:Update*", "ram:SetDefault*",
                                           "ram:AddUserToGroup", "sts:*"], "Resource": "acs:ram:*:*:*"}),
     [f"p allows ram:AttachPolicyTo{t} on every resource" for t in ("User", "Group", "Role")]),
])
def test_admin_and_escalation_rights(policy: dict[str, Any], reasons: list[str]) -> None:
    assert admin_reasons("p", policy) == reasons


@pytest.mark.parametrize("policy", [
    doc({"Effect": "Allow", "Action": ["ecs:Describe*", "oss:GetObject"], "Resource": "*"}),
    doc({"Effect": "Deny", "Action": "*", "Resource": "*"}),
    doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "acs:ram::123:role/reader"}),
    doc({"Effect": "Allow", "Action": "ram:AttachPolicyToRole", "Resource": "acs:ram::123:role/app"}),
    # every action but one, on one bucket's objects: no administrator (RAM "Policy elements": NotAction inverts the
    # actions only, on the statement's resources)
    doc({"Effect": "Allow", "NotAction": "oss:DeleteObject", "Resource": "acs:oss:*:*:app-bucket/*"}),
    {"Statement": "not a statement"}, {}, [],
])
def test_narrow_or_malformed_documents_grant_nothing(policy: Any) -> None:
    assert admin_reasons("p", policy) == []
    assert not full_admin_document(policy if isinstance(policy, dict) else {})


def test_a_single_statement_object_is_read_like_a_list() -> None:
    assert full_admin_document({"Version": "1", "Statement": ALLOW_ALL})


@pytest.mark.parametrize("statement, reason", [
    # the account's own id in the ARN (how the console and most policies write RAM resources): every resource still
    ({"Effect": "Allow", "Action": "ram:AttachPolicyToRole", "Resource": "acs:ram:*:1234567890123456:*"},
     "p allows ram:AttachPolicyToRole on every resource"),
    ({"Effect": "Allow", "Action": "ram:AttachPolicyToRole", "Resource": "acs:ram::1234567890123456:role/*"},
     "p allows ram:AttachPolicyToRole on every resource"),
    ({"Effect": "Allow", "Action": "ram:CreateAccessKey", "Resource": "acs:ram::1234567890123456:user/*"},
     "p allows ram:CreateAccessKey on every resource"),
    # sts:AssumeRole acts on RAM roles: its resources are acs:ram ARNs
    ({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "acs:ram:*:*:role/*"},
     "p allows sts:AssumeRole on every resource"),
    ({"Effect": "Allow", "Action": "*", "Resource": "acs:*:*:1234567890123456:*"},
     "p allows *:* on every resource"),
    # NotResource: every resource but those listed
    ({"Effect": "Allow", "Action": "*", "NotResource": "acs:oss:*:*:audit-bucket"},
     "p allows *:* on every resource"),
    ({"Effect": "Allow", "Action": "ram:UpdateRole", "NotResource": "acs:ram::123:role/break-glass"},
     "p allows ram:UpdateRole on every resource"),
])
def test_account_scoped_and_not_resource_grants_are_escalation(statement: dict[str, Any], reason: str) -> None:
    assert reason in admin_reasons("p", doc(statement))


@pytest.mark.parametrize("statement", [
    {"Effect": "Allow", "Action": "ram:AttachPolicyToRole", "Resource": "acs:ram::1234567890123456:role/app-*"},
    {"Effect": "Allow", "Action": "*", "Resource": "acs:oss:*:1234567890123456:*"},
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "acs:ram::1234567890123456:role/reader"},
])
def test_narrowed_grants_stay_narrow(statement: dict[str, Any]) -> None:
    assert admin_reasons("p", doc(statement)) == []
