"""Resource Manager checks: the Resource Directory's guardrails (access control policies) that keep member accounts
from switching off their own audit trail. Judged in the directory's management account only."""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

from ..collectors.resourcemanager import GUARDRAILS, ControlPolicy, Guardrails
from ..findings import Result, Status
from .registry import Inputs, check

# The ActionTrail actions that stop, change or delete a trail (ActionTrail RAM actions: DeleteTrail, StopLogging,
# UpdateTrail): a guardrail should deny each of them below the root folder
AUDIT_ACTIONS = ("actiontrail:DeleteTrail", "actiontrail:StopLogging", "actiontrail:UpdateTrail")


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value] if isinstance(value, list) else []


def _matches(action: str, patterns: list[str]) -> bool:
    """RAM action patterns: service:Action with * wildcards, compared without regard to case."""
    return any(fnmatchcase(action.lower(), p.strip().lower()) for p in patterns)


# two trail ARNs that share no region, account or name characters: a Resource pattern matching both covers the
# trails of every region, account and name (acs:actiontrail:*:*:*, acs:actiontrail:*:*:trail/*), where a pattern that
# merely ends in * (acs:actiontrail:cn-hangzhou:*:trail/*, ...:trail/prod-*) covers only some
_ANY_TRAILS = ("acs:actiontrail:a:1:trail/x", "acs:actiontrail:zz-zzzz-99:9876543210987654:trail/q_long-name.9")


def _all_trails(resources: list[str]) -> bool:
    """The statement covers every trail: Resource * or an ActionTrail ARN pattern matching any region, account and
    trail name (wildcards, any letter case)."""
    return any(all(fnmatchcase(arn, r.strip().lower()) for arn in _ANY_TRAILS) for r in resources)


def _exempts_only(condition: Any) -> bool:
    """Whether a Deny statement's Condition leaves it applying to everyone but some exemptions: none at all, or
    only negated operators (StringNotLike acs:PrincipalARN <admin role>, StringNotEquals, NotIpAddress...). A
    positive operator (StringEquals, StringLike, Bool, IpAddress...) limits the Deny to the identities or requests it
    matches, and the others may still delete, stop or change trails."""
    if condition is None:
        return True
    return isinstance(condition, dict) and all("not" in str(op).lower() for op in condition)


def _deny_statements(doc: dict[str, Any], action: str) -> list[dict[str, Any]]:
    """The Deny statements of the document covering the action on every trail: Action matching it (or NotAction not
    matching it), Resource * or all ActionTrail resources."""
    out = []
    statements = doc.get("Statement", [])
    for st in [statements] if isinstance(statements, dict) else statements if isinstance(statements, list) else []:
        if not isinstance(st, dict) or str(st.get("Effect", "")).lower() != "deny":
            continue
        if "Action" in st:
            hit = _matches(action, _listed(st.get("Action")))
        else:
            hit = "NotAction" in st and not _matches(action, _listed(st.get("NotAction")))
        if hit and _all_trails(_listed(st.get("Resource"))):
            out.append(st)
    return out


def denies(doc: dict[str, Any], action: str) -> bool:
    """A Deny statement of the document covers the action on every trail for every identity: without a Condition,
    or with one that only exempts (negated operators: guardrails commonly exempt an administrative role that way,
    and the members' own identities stay denied)."""
    return any(_exempts_only(st.get("Condition")) for st in _deny_statements(doc, action))


def denies_only_some(doc: dict[str, Any], action: str) -> bool:
    """A Deny statement covers the action on every trail, but only for what a positive Condition matches."""
    return any(not _exempts_only(st.get("Condition")) for st in _deny_statements(doc, action))


@check(id="resourcemanager_guardrails_protect_audit", severity="high",
       title="Ensure a Resource Directory guardrail keeps member accounts from deleting, stopping or changing trails",
       risk="Without a control policy denying it, an administrator (or an intruder) in any member account can stop or "
            "delete that account's ActionTrail trail and act unrecorded.",
       console="Resource Management console > Resource Directory > Control Policies: create a custom policy denying "
               "actiontrail:DeleteTrail, actiontrail:StopLogging and actiontrail:UpdateTrail on *, and attach it to "
               "the Root folder.",
       cli="aliyun resourcemanager CreateControlPolicy --PolicyName protect-audit --EffectScope RAM --PolicyDocument "
           "'<deny document>'; aliyun resourcemanager AttachControlPolicy --PolicyId <cp-id> --TargetId <root folder>",
       events=["AttachControlPolicy", "DetachControlPolicy", "UpdateControlPolicy", "EnableControlPolicy",
               "DisableControlPolicy", "DeleteControlPolicy"],
       needs=[GUARDRAILS],
       source="Cloud Governance Center protection rules (guardrails for audit logs); "
              "https://www.alibabacloud.com/help/en/resource-management/resource-directory/user-guide/overview-of-a-"
              "control-policy",
       evaluates="In the directory's management account only (GetResourceDirectory MasterAccountId is the audited "
                 "account; otherwise, or without a directory, no result): for each of actiontrail:DeleteTrail, "
                 "actiontrail:StopLogging and actiontrail:UpdateTrail, PASS when a control policy attached to the "
                 "root folder (ListControlPolicyAttachmentsForTarget, GetControlPolicy PolicyDocument) has a Deny "
                 "statement whose Action matches it (wildcards, any letter case; or whose NotAction does not) on "
                 "Resource * or a pattern of every region's, account's and name's trails (acs:actiontrail:*:*:*; one "
                 "ending in * after a region or name prefix covers only some), without a Condition or with one of "
                 "negated operators only (exemptions such as StringNotLike acs:PrincipalARN); MANUAL when the only "
                 "such Deny has a positive Condition (StringEquals, Bool...), which limits it to what it matches; "
                 "FAIL when none does, or when the Control Policy feature is not Enabled "
                 "(GetControlPolicyEnablementStatus); ERROR when no readable policy denies it and an attached policy "
                 "could not be read. Policies attached to folders or members below the root are not counted (they "
                 "cover only part of the directory); control policies never apply to the management account itself. "
                 "A custom control policy's EffectScope can only be RAM (\"takes effect only for RAM users or RAM "
                 "roles\": CreateControlPolicy, the SDK model alibabacloud_resourcemanager20200331), so a PASS covers "
                 "the members' RAM identities, not their root identities: the message says so.")
def protect_audit(inp: Inputs) -> Iterator[Result]:
    g: Guardrails = inp[GUARDRAILS]
    if not g.managed:
        return
    readable: list[ControlPolicy] = [p for p in g.root_policies if p.document is not None]
    unreadable = [f"{p.name or p.id}: {p.error}" for p in g.root_policies if p.document is None]
    for action in AUDIT_ACTIONS:
        def result(status: Status, message: str, action: str = action) -> Result:
            return Result(status=status, resource_id=action, resource_type="resourcemanager:guardrail",
                          resource_name=g.root_folder_id, message=message)

        if g.enablement != "Enabled":
            yield result(Status.FAIL, f"the Control Policy feature is {g.enablement or 'not enabled'}: nothing denies "
                                      f"{action} in member accounts")
            continue
        by = [p.name or p.id for p in readable if p.document is not None and denies(p.document, action)]
        if by:
            yield result(Status.PASS, f"{action} is denied below the root folder by {', '.join(by)} (for the "
                                      "member accounts' RAM users and roles: a custom control policy's only "
                                      "EffectScope is RAM, so their root identities are not covered)")
        elif unreadable:
            yield result(Status.ERROR, f"no readable root-folder control policy denies {action}; could not read "
                                       + "; ".join(unreadable))
        elif some := [p.name or p.id for p in readable if p.document is not None and denies_only_some(p.document,
                                                                                                     action)]:
            yield result(Status.MANUAL, f"{action} is denied below the root folder only under a Condition that "
                                        f"selects whom or what it applies to ({', '.join(some)}): check that it "
                                        "covers every member identity")
        else:
            names = ", ".join(p.name or p.id for p in readable) or "none"
            yield result(Status.FAIL, f"no control policy attached to the root folder denies {action} (attached: "
                                      f"{names})")
