"""Who is calling: the identity behind an access key, and the policies that apply to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Principal:
    account_id: str
    kind: str  # root | user | role
    name: str = ""  # user name or role name ('' for root)
    principal_id: str = ""
    access_key_id: str = ""
    session_name: str = ""
    session_policy: dict[str, Any] | None = None
    policies: list[dict[str, Any]] = field(default_factory=list)

    @property
    def arn(self) -> str:
        if self.kind == "root":
            return f"acs:ram::{self.account_id}:root"
        if self.kind == "user":
            return f"acs:ram::{self.account_id}:user/{self.name}"
        return f"acs:ram::{self.account_id}:assumed-role/{self.name.lower()}/{self.session_name}"

    @property
    def identity_type(self) -> str:
        return {"root": "Account", "user": "RAMUser", "role": "AssumedRoleUser"}[self.kind]

    @property
    def event_identity(self) -> dict[str, Any]:
        """userIdentity of an ActionTrail event."""
        kind = {"root": "root-account", "user": "ram-user", "role": "assumed-role"}[self.kind]
        out: dict[str, Any] = {"type": kind, "principalId": self.principal_id, "accountId": self.account_id,
                               "accessKeyId": self.access_key_id}
        if self.kind == "user":
            out["userName"] = self.name
        if self.kind == "role":
            out["userName"] = f"{self.name}:{self.session_name}"
            out["sessionContext"] = {"attributes": {"mfaAuthenticated": "false"}}
        return out
