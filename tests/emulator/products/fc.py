"""Function Compute 3.0: functions, triggers and invocations run in worker processes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from ..state import Account, World


class FcState(BaseModel):
    functions: list[dict[str, Any]] = Field(default_factory=list)


@dataclass
class EventTarget:
    function: str
    trigger: str
    pattern: str
    qualifier: str = "LATEST"
    asynchronous: bool = True


def eventbridge_targets(account: Account) -> list[EventTarget]:
    return []


def deliver(world: World, account: Account, target: EventTarget, payload: bytes) -> None:
    return None


def shutdown(world: World) -> None:
    """Stop the function worker processes (none yet)."""


from ..rest import RestApi  # noqa: E402

api = RestApi("fc", "pop", "fc")
