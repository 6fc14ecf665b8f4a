"""The least-privilege RAM policy for the selected checks: exactly the read actions their collectors call, and,
for organisation mode (accounts.py), what the auditing identity in the management account needs on top.

The per-account part (``policy_document(checks)``) is what every audited account grants: a single-account
identity, the pipeline's role and every member account's audit role (member-role.yml) get exactly that. The
organisation part is only for the identity that runs an organisation audit (the CLI user or the pipeline's role in
the management account or a delegated administrator): it lists the directory and assumes the members' roles. It
is kept out of the per-account document so that no member role can list the directory or assume further roles."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .checks.registry import Check
from .collectors import load_all
from .collectors.registry import COLLECTORS

# what every scan calls besides the collectors: the account's regions
BASE_ACTIONS = ["ecs:DescribeRegions"]

# organisation mode, resource-directory: the directory, its members (ListAccounts) and the folder names
# (ListFoldersForParent, for include/exclude by folder); accounts._directory_targets calls exactly these
ORGANISATION_READ_ACTIONS = ["resourcemanager:GetResourceDirectory", "resourcemanager:ListAccounts",
                             "resourcemanager:ListFoldersForParent"]
# organisation mode, any: the audit role in each member (accounts.provider_for). Any account's role: the member
# roles live in other accounts and are named by configuration (accounts.role_name, or role ARNs), and it is their
# trust policies (auditor principal + sts:ExternalId) that decide who may assume them
MEMBER_ROLE_RESOURCE = "acs:ram::*:role/*"


def actions_for(checks: Iterable[Check]) -> list[str]:
    load_all()
    needed: set[str] = set(BASE_ACTIONS)
    for c in checks:
        for dataset in c.meta.needs:
            needed.update(COLLECTORS[dataset].apis)
    return sorted(needed)


def organisation_statements() -> list[dict[str, Any]]:
    """What organisation mode needs besides the per-account read actions (the management account's identity)."""
    return [{"Effect": "Allow", "Action": list(ORGANISATION_READ_ACTIONS), "Resource": "*"},
            {"Effect": "Allow", "Action": ["sts:AssumeRole"], "Resource": MEMBER_ROLE_RESOURCE}]


def policy_document(checks: Iterable[Check], *, organisation: bool = False) -> dict[str, Any]:
    """The read actions of the checks; with organisation, also the directory reads and member role assumption."""
    statements = [{"Effect": "Allow", "Action": actions_for(checks), "Resource": "*"}]
    if organisation:
        statements += organisation_statements()
    return {"Version": "1", "Statement": statements}
