"""The least-privilege RAM policy for the selected checks: exactly the read actions their collectors call, and,
for organisation mode (accounts.py), what the auditing identity in the management account needs on top.

The per-account part (``policy_document(checks)``) is what every audited account grants: a single-account
identity, the pipeline's role and every member account's audit role (member-role.yml) get exactly that. The
organisation part is only for the identity that runs an organisation audit (the CLI user or the pipeline's role in
the management account or a delegated administrator): it lists the directory and assumes the members' roles. It
is kept out of the per-account document so that no member role can list the directory or assume further roles."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .accounts import DEFAULT_ROLE
from .checks.registry import Check
from .collectors import load_all
from .collectors.registry import COLLECTORS
from .datasets import Scope
from .offered import REGION_LISTS

# what every scan calls besides the collectors: the account's regions
BASE_ACTIONS = ["ecs:DescribeRegions"]

# organisation mode, resource-directory: the directory, its members (ListAccounts) and the folder names
# (ListFoldersForParent, for include/exclude by folder); accounts._directory_targets calls exactly these
ORGANISATION_READ_ACTIONS = ["resourcemanager:GetResourceDirectory", "resourcemanager:ListAccounts",
                             "resourcemanager:ListFoldersForParent"]
# organisation mode, any: sts:AssumeRole on the audit role in each member (accounts.provider_for), by its NAME in
# any account: the member roles live in other accounts, under the name the deployment configures (accounts.role_name,
# member-role.yml's RoleName). Never acs:ram::*:role/*: that would let the auditing identity assume every role of
# its own account whose trust policy names the account (an administrator's break-glass role included)
MEMBER_ROLE_NAME = re.compile(r"^[\w.@-]{1,64}$")


def member_role_resource(role_name: str) -> str:
    """The member audit roles of every account, by name: acs:ram::*:role/<name>."""
    if not MEMBER_ROLE_NAME.match(role_name):
        raise ValueError(f"not a RAM role name: {role_name!r}")
    return f"acs:ram::*:role/{role_name}"


def actions_for(checks: Iterable[Check]) -> list[str]:
    load_all()
    needed: set[str] = set(BASE_ACTIONS)
    for c in checks:
        for dataset in c.meta.needs:
            needed.update(COLLECTORS[dataset].apis)
        if c.meta.scope == Scope.REGIONAL and c.meta.family in REGION_LISTS:  # where its product is offered
            needed.update(REGION_LISTS[c.meta.family].apis)
    return sorted(needed)


def organisation_statements(member_role: str = DEFAULT_ROLE, *, resource: Any = None) -> list[dict[str, Any]]:
    """What organisation mode needs besides the per-account read actions (the management account's identity): the
    directory reads and sts:AssumeRole on the member roles named member_role (resource: that ARN pattern as the
    deployment tool spells it, e.g. a ROS Fn::Sub; default member_role_resource(member_role))."""
    return [{"Effect": "Allow", "Action": list(ORGANISATION_READ_ACTIONS), "Resource": "*"},
            {"Effect": "Allow", "Action": ["sts:AssumeRole"],
             "Resource": member_role_resource(member_role) if resource is None else resource}]


def policy_document(checks: Iterable[Check], *, organisation: bool = False,
                    member_role: str = DEFAULT_ROLE) -> dict[str, Any]:
    """The read actions of the checks; with organisation, also the directory reads and the assumption of the
    member roles named member_role."""
    statements = [{"Effect": "Allow", "Action": actions_for(checks), "Resource": "*"}]
    if organisation:
        statements += organisation_statements(member_role)
    return {"Version": "1", "Statement": statements}
