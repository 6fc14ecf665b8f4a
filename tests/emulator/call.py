"""One API call in flight: the request, who makes it, and the operation it resolved to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .principal import Principal
from .wire import Request, Response

if TYPE_CHECKING:
    from .state import Account, World


@dataclass
class Operation:
    """What a request asks for, as resolved by its product module."""

    name: str  # API name, e.g. ListUsers, GetBucketAcl, PutLogs
    handler: Callable[[Call], Any]
    ram_action: str  # e.g. ram:ListUsers, oss:GetBucketAcl, log:PostLogStoreLogs ('' = needs no permission)
    resource: Callable[[Call], str] | str = "*"  # ARN checked against the caller's policies
    anonymous: bool = False  # callable without a signature (AssumeRoleWithOIDC, public OSS reads)
    write: bool = False  # recorded as an ActionTrail event when it succeeds
    event: Callable[[Call, Any], dict[str, Any] | None] | None = None  # extra event fields
    locked: bool = True  # run under the world lock (off for calls that wait on other calls, like invoke)


@dataclass
class Call:
    world: World
    req: Request
    product: str
    region: str
    op: Operation | None = None
    principal: Principal | None = None
    account: Account | None = None
    params: dict[str, str] = field(default_factory=dict)
    path_params: dict[str, str] = field(default_factory=dict)
    event_resources: dict[str, list[str]] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.world.clock.now()

    @property
    def acct(self) -> Account:
        assert self.account is not None
        return self.account

    def resource_arn(self) -> str:
        op = self.op
        assert op is not None
        res = op.resource(self) if callable(op.resource) else op.resource
        if res.startswith("acs:"):
            return res
        account = self.account.id if self.account else "*"
        return f"acs:{op.ram_action.split(':')[0]}:{self.region or '*'}:{account}:{res}"

    def touch(self, kind: str, *ids: str) -> None:
        """Name resources the call touched, for its ActionTrail event (referencedResources)."""
        self.event_resources.setdefault(kind, []).extend(ids)


Result = Response | dict[str, Any] | None
