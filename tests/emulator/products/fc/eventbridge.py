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
                # FC 3.0: asyncInvocationType "true: synchronous call. false: asynchronous invocation. Default value:
                # false" (alibabacloud_fc20230330 EventBridgeTriggerConfig's doc comment, SDK 4.x; FC 2.0 used the
                # opposite meaning)
                asynchronous=t.config.get("asyncInvocationType", False) not in (True, "true", "True")))
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
