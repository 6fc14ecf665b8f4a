"""What a RAM policy document grants, read statically: full administrative rights (CIS 1.15's "*:*") and the
rights that let a holder make itself administrator (privilege escalation). Used by the RAM policy checks and by
the checks of identities that compute resources run as (ECS instance roles, FC function roles).

Policy grammar (RAM "Policy elements", https://www.alibabacloud.com/help/en/ram/policy-elements): Effect Allow |
Deny, Action and Resource a string or a list, `*` wildcards in both, Condition optional. A Condition narrows
when a statement applies but the rights stay with the holder (an SSRF from the instance meets the condition), so
a statement with a Condition still counts; Deny statements are not subtracted (a verdict "not admin" must never
rest on guessing how a Deny and its conditions combine)."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from typing import Any

ALL_ACTIONS = ("*", "*:*")
ALL_RESOURCES = ("*", "acs:*:*:*:*")
# Actions that let the holder grant itself more (attach a policy, rewrite one, take over a user or a role) or
# become another identity: RAM API reference (AttachPolicyToRole, CreatePolicyVersion, SetDefaultPolicyVersion,
# UpdateRole, CreateAccessKey, CreateLoginProfile, UpdateLoginProfile, AddUserToGroup) and STS AssumeRole
ESCALATION_ACTIONS = (
    "ram:AttachPolicyToUser", "ram:AttachPolicyToGroup", "ram:AttachPolicyToRole", "ram:CreatePolicyVersion",
    "ram:SetDefaultPolicyVersion", "ram:UpdateRole", "ram:CreateAccessKey", "ram:CreateLoginProfile",
    "ram:UpdateLoginProfile", "ram:AddUserToGroup", "sts:AssumeRole",
)

# the service in the ARN of an action's resources, where it is not the action's: sts:AssumeRole acts on RAM roles
# (acs:ram::<account>:role/<name>)
RESOURCE_SERVICE = {"sts": "ram"}


def listed(value: Any) -> list[str]:
    """A policy element that is a string or a list, as a list of strings."""
    return [value] if isinstance(value, str) else [str(v) for v in value] if isinstance(value, list) else []


def statements(doc: Any) -> list[dict[str, Any]]:
    raw = doc.get("Statement", []) if isinstance(doc, dict) else []
    items = [raw] if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    return [st for st in items if isinstance(st, dict)]


def _allows(st: dict[str, Any]) -> bool:
    return str(st.get("Effect", "")).lower() == "allow"


def full_admin_statement(st: Any) -> bool:
    """An Allow of every action on every resource: Resource * (or acs:*:*:<any account>:*), or a NotResource
    (every resource but some)."""
    if not isinstance(st, dict) or not _allows(st):
        return False
    actions = [a.strip() for a in listed(st.get("Action"))]
    return any(a in ALL_ACTIONS for a in actions) and _broad_resource(st, "*")


def full_admin_document(doc: dict[str, Any]) -> bool:
    """The policy document allows every action on every resource, in any form it can be written (Resource *, the
    account-scoped acs:*:*:<account>:*, NotResource): wider than CIS 1.15's literal reading (checks/ram.py)."""
    return any(full_admin_statement(st) for st in statements(doc))


def _every_resource(pattern: str, service: str) -> bool:
    """A Resource pattern covers every resource of `service` ('*': of every service). ARNs are
    acs:<service>:<region>:<account>:<resource>; the region and account fields may be anything (a policy of the
    account names its own id, acs:ram:*:1234567890123456:*, and RAM, a global service, leaves the region empty), the
    resource field must be * or a whole resource type (role/*, user/*)."""
    p = pattern.strip().lower()
    if p in ALL_RESOURCES:
        return True
    fields = p.split(":", 4)
    if len(fields) != 5 or not fnmatchcase("acs", fields[0]):
        return False
    if fields[1] != "*" and (service == "*" or not fnmatchcase(service, fields[1])):
        return False
    return fields[4] == "*" or (service != "*" and bool(re.fullmatch(r"[a-z0-9_-]+/\*", fields[4])))


def _broad_resource(st: dict[str, Any], service: str) -> bool:
    # a statement with NotResource applies to every resource but those it lists
    return "NotResource" in st or any(_every_resource(p, service) for p in listed(st.get("Resource")))


def admin_reasons(name: str, doc: dict[str, Any]) -> list[str]:
    """Why a policy makes its holder administrator or lets it become one: '<name> allows *:*', '<name> allows
    ram:AttachPolicyToRole on *' (one reason per escalation action), [] when neither."""
    reasons: list[str] = []
    for st in statements(doc):
        if not _allows(st):
            continue
        if full_admin_statement(st):
            reasons.append(f"{name} allows *:* on every resource")
            continue
        # NotAction allows every action but those it lists, on the statement's resources only (RAM "Policy
        # elements"): every action on every resource is administrator; on narrower resources, only the escalation
        # actions it does not exclude count, as for Action
        inverted = "NotAction" in st
        if inverted and _broad_resource(st, "*"):
            reasons.append(f"{name} allows every action but those NotAction lists on every resource")
            continue
        patterns = [a.strip().lower() for a in listed(st.get("NotAction" if inverted else "Action"))]
        for action in ESCALATION_ACTIONS:
            named = any(fnmatchcase(action.lower(), p) for p in patterns)
            if named != inverted and \
                    _broad_resource(st, RESOURCE_SERVICE.get(action.split(":", 1)[0], action.split(":", 1)[0])):
                reasons.append(f"{name} allows {action} on every resource")
    return list(dict.fromkeys(reasons))
