"""FC's side of EventBridge: the account's eventbridge triggers as targets, and their delivery
(called by the emulator's eventbridge.py).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .model import _new_id
from .runtime import _runtime

if TYPE_CHECKING:
    from ...state import Account, World


@dataclass
class EventTarget:
    function: str
    trigger: str
    pattern: str
    qualifier: str = "LATEST"
    asynchronous: bool = True
    region: str = ""  # the function's region


def eventbridge_targets(account: Account) -> list[EventTarget]:
    """Every enabled eventbridge trigger of the account's functions."""
    targets = []
    for fn in account.fc.functions:
        for t in fn.triggers:
            if t.type != "eventbridge" or t.config.get("triggerEnable", True) is False:
                continue
            pattern = t.config.get("eventRuleFilterPattern", "{}")
            targets.append(EventTarget(
                function=fn.name, trigger=t.name, qualifier=t.qualifier, region=fn.region,
                pattern=pattern if isinstance(pattern, str) else json.dumps(pattern),
                # asyncInvocationType true is taken as async, as FC 2.0's EventBridge trigger documents it (FC 3.0's
                # EventBridgeTriggerConfig page has described it both ways: https://www.alibabacloud.com/help/en/
                # functioncompute/fc-3-0/developer-reference/api-fc-2023-03-30-struct-eventbridgetriggerconfig);
                # events default to async
                asynchronous=t.config.get("asyncInvocationType", True) not in (False, "false", "False")))
    return targets


def deliver(world: World, account: Account, target: EventTarget, payload: bytes) -> None:
    """Queue the function's invocation with the CloudEvents envelope; EventBridge never blocks the
    call that caused the event. A synchronous trigger is recorded as Sync and not retried by FC."""
    with world.lock:
        fn = account.fc.function(target.region, target.function) if target.region else next(
            (f for f in account.fc.functions if f.name == target.function), None)
        fn = fn.model_copy(deep=True) if fn else None
    if fn is None:
        return
    with contextlib.suppress(RuntimeError):  # shutting down: drop the event, never fail the write behind it
        _runtime(world).submit(account.id, fn, payload, request_id=_new_id().upper(), source="eventbridge",
                               invocation_type="Async" if target.asynchronous else "Sync", trigger=target.trigger,
                               retries=None if target.asynchronous else 0)
