"""FC's log (SLS) triggers: a function consuming a logstore gets, for each shard with new data, the shard's cursor
range to read with PullLogs.

The event FC sends (SLS "Develop a custom function", help.aliyun.com doc 60781): {"parameter": the trigger's
functionParameter, "source": {"endpoint", "projectName", "logstoreName", "shardId", "beginCursor", "endCursor"},
"jobName", "taskId", "cursorTime"}; the range is [beginCursor, endCursor). The trigger's sourceArn names the project
(acs:log:<region>:<uid>:project/<name>), its sourceConfig.logstore the logstore. FC invokes every triggerInterval
seconds (3 to 600); the emulator invokes at once after each write that adds logs (no interval batching), and only
for shard 0, where it keeps a logstore's logs (sls/api.py)."""

from __future__ import annotations

import contextlib
import json
import uuid
from typing import TYPE_CHECKING

from .model import _new_id
from .runtime import _runtime

if TYPE_CHECKING:
    from ...state import Account, World

_CONSUMED = "fc.log_triggers.consumed"  # {(account, region, function, trigger): logs already handed over}


def fire(world: World, account: Account, project: str, region: str, logstore: str, total: int) -> None:
    from ..sls.api import cursor_at

    for fn in account.fc.functions:
        for t in fn.triggers:
            if t.type != "log" or t.config.get("enable", True) is False:
                continue
            if t.source_arn.rsplit("/", 1)[-1] != project or fn.region != region \
                    or (t.config.get("sourceConfig") or {}).get("logstore") != logstore:
                continue
            key = (account.id, fn.region, fn.name, t.name)
            with world.lock:
                consumed = world.extras.setdefault(_CONSUMED, {})
                begin = consumed.get(key, 0)
                if begin >= total:
                    continue
                consumed[key] = total
                snapshot = fn.model_copy(deep=True)
            event = {"parameter": t.config.get("functionParameter") or {},
                     "source": {"endpoint": f"http://{region}-intranet.log.aliyuncs.com", "projectName": project,
                                "logstoreName": logstore, "shardId": 0, "beginCursor": cursor_at(begin),
                                "endCursor": cursor_at(total)},
                     "jobName": t.id, "taskId": str(uuid.uuid4()), "cursorTime": int(world.clock.timestamp())}
            with contextlib.suppress(RuntimeError):  # shutting down: the logs stay, unconsumed
                _runtime(world).submit(account.id, snapshot, json.dumps(event).encode(), request_id=_new_id().upper(),
                                       source="log", invocation_type="Async", trigger=t.name)
