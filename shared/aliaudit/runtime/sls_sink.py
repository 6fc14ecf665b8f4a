"""Findings into SLS: one log per finding with indexed fields, batched within PutLogs limits; and the
findings logstore, its index and the two alerts, created when missing: "any unmuted FAIL", and "the mutelist
changed or mutes a larger share" (issue 21: a mutelist written by any bucket writer must not mute silently).
Every log of a run carries the run's mutelist fields (RUN_FIELDS): its SHA-256, whether it raises the
mutelist alert, and the sentence that says why."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from aliyun.log import LogException, LogItem, PutLogsRequest

from ..findings import Finding
from .settings import INDEX_SETTLE_S

log = logging.getLogger("aliaudit.sls")
INDEXED = ["status", "severity", "check_id", "family", "region", "resource_id", "account_id", "account_name",
           "run_id", "muted", "new_fail", "title", "run_new_fails", "mutelist_sha256", "mutelist_alert",
           "run_mutelist"]
RUN_FIELDS = ("mutelist_sha256", "mutelist_alert", "run_mutelist")  # the same on every log of a run
BATCH = 1000  # logs per PutLogs (the service allows 4096 and 5 MB; findings are small)
RETENTION_DAYS = 365


def _log_item(f: Finding, run_id: str, new: bool, new_fails: str, when: int,
              run_fields: dict[str, str] | None = None) -> LogItem:
    fields = {"status": f.status.value, "severity": f.severity.value, "check_id": f.check_id, "family": f.family,
              "region": f.region, "resource_id": f.resource_id, "account_id": f.account_id,
              "account_name": f.account_name, "run_id": run_id, "muted": str(f.muted).lower(),
              "mute_reason": f.mute_reason, "title": f.title, "message": f.message, "cis": " ".join(f.cis),
              "finding_uid": f.uid, "new_fail": str(new).lower(), "run_new_fails": new_fails, **(run_fields or {})}
    item = LogItem(timestamp=when)
    # (not LogItem(contents=...) nor set_contents: they deep-copy the fields, half the cost of a put)
    item.contents = list(fields.items())  # type: ignore[attr-defined]
    return item


def batches(findings: Iterable[Finding]) -> Iterator[list[Finding]]:
    """The findings in PutLogs-sized batches, in their stable order (a retried aggregation skips sent batches),
    one batch at a time."""
    batch: list[Finding] = []
    for f in findings:
        batch.append(f)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def put_findings(client: Any, project: str, logstore: str, findings: Sequence[Finding], run_id: str,
                 new_uids: set[str], new_fails: str, run_fields: dict[str, str] | None = None) -> int:
    now = int(time.time())
    items = [_log_item(f, run_id, f.uid in new_uids, new_fails, now, run_fields) for f in findings]
    for start in range(0, len(items), BATCH):
        client.put_logs(PutLogsRequest(project, logstore, topic=f"aliaudit:{run_id}", source="aliaudit",
                                       logitems=items[start:start + BATCH]))
    return len(items)


def index_config() -> dict[str, Any]:
    keys = {k: {"type": "text", "token": [",", " ", ";", "\n"], "caseSensitive": False, "doc_value": True}
            for k in INDEXED}
    return {"line": {"token": [",", " ", "'", '"', ";", "=", "(", ")", "[", "]", "{", "}", "?", "@", "&", "<", ">",
                               "/", ":", "\n", "\t"], "caseSensitive": False}, "keys": keys}


def alert_config(name: str, project: str, logstore: str, region: str) -> dict[str, Any]:
    """Fires on any unmuted FAIL ingested in the window; its content names the run's new FAILs."""
    return {
        "name": name, "displayName": "aliaudit: unmuted FAIL findings", "type": "Alert", "state": "Enabled",
        "schedule": {"type": "FixedRate", "interval": "5m", "delay": 60, "runImmediately": False},
        "configuration": {
            "version": "2.0", "type": "default", "dashboard": "internal-alert-analysis",
            "queryList": [{"storeType": "log", "region": region, "project": project, "store": logstore,
                           "query": "status: FAIL and muted: false | select run_id, arbitrary(run_new_fails) as "
                                    "new_fails, count(*) as fails group by run_id",
                           # (a minute more than the 5 minutes between checks: "do not set the time range for a query
                           # to the same relative time that is specified for the Check Frequency", logs arrive late;
                           # SLS alert monitoring timeliness, doc-detail/209188; the overlap alerts once, below)
                           "timeSpanType": "Relative", "start": "-6m", "end": "now", "powerSqlMode": "auto"}],
            # each run its own alert: "The fields that you specify when you set the Group Evaluation parameter are
            # automatically used as labels", and labels make the fingerprint that deduplicates alerts (SLS, Add
            # labels and annotations): ungrouped, every run shared one alert and a run's FAILs within the hour's
            # repeat interval of another's were never notified
            "groupConfiguration": {"type": "custom", "fields": ["run_id"]}, "joinConfigurations": [],
            "severityConfigurations": [{"severity": 8, "evalCondition": {"condition": "fails > 0",
                                                                          "countCondition": ""}}],
            "labels": [{"key": "app", "value": "aliaudit"}],
            "annotations": [{"key": "title", "value": "aliaudit: ${fails} unmuted FAIL finding(s) in run ${run_id}"},
                            {"key": "desc", "value": "New since the previous run: ${new_fails}"}],
            "autoAnnotation": True, "sendResolved": False, "threshold": 1, "noDataFire": False,
            "noDataSeverity": 6,
            "policyConfiguration": {"alertPolicyId": "sls.builtin.dynamic", "actionPolicyId": "sls.builtin",
                                    "repeatInterval": "1h", "useDefault": False}}}


def mutelist_alert_config(name: str, project: str, logstore: str, region: str,
                          action_policy: str = "sls.builtin") -> dict[str, Any]:
    """Fires when a run's logs say its mutelist changed or mutes a larger share of the findings than the last
    run (mutelist_alert: true); its content is the run's sentence about the mutelist (hash, entries, muted
    share before and after, why)."""
    config = alert_config(name, project, logstore, region)
    config["displayName"] = "aliaudit: mutelist changed"
    query = config["configuration"]["queryList"][0]
    query["query"] = ("mutelist_alert: true | select run_id, arbitrary(run_mutelist) as mutelist, count(*) as logs "
                      "group by run_id")
    config["configuration"]["severityConfigurations"] = [{"severity": 6, "evalCondition": {
        "condition": "logs > 0", "countCondition": ""}}]
    config["configuration"]["annotations"] = [
        {"key": "title", "value": "aliaudit: the mutelist changed or mutes more in run ${run_id}"},
        {"key": "desc", "value": "${mutelist}"}]
    config["configuration"]["policyConfiguration"]["actionPolicyId"] = action_policy
    return config


MISSING = ("ProjectNotExist", "LogStoreNotExist")  # what PutLogs answers when the project or logstore is gone
ENSURED_FOR_S = 3600.0  # how long a warm instance trusts its last ensure() (a whole run always checks again)
_ensured: dict[tuple[str, ...], tuple[float, float]] = {}  # key -> (when ensured: monotonic, index_modified)
_ensured_lock = threading.Lock()


def ensure_once(client: Any, project: str, logstore: str, alert_name: str, region: str,
                mutelist_alert_name: str = "", *, again: bool = False) -> float:
    """ensure(), skipped when this process did it within ENSURED_FOR_S: an event run would otherwise spend five SLS
    reads (a tenth of its calls, and as many round trips before its FAIL is logged) finding what the last run
    found. again: check anyway (a whole run; or PutLogs found the project or logstore gone, MISSING). Returns
    when the index last changed (ensure)."""
    key = (project, logstore, alert_name, region, mutelist_alert_name)
    with _ensured_lock:
        last = _ensured.get(key)
    if again or last is None or time.monotonic() - last[0] > ENSURED_FOR_S:
        modified = ensure(client, project, logstore, alert_name, region, mutelist_alert_name)
        with _ensured_lock:
            _ensured[key] = (time.monotonic(), modified)
        return modified
    return last[1]


def _create(create: Any, exists: str, *args: Any, **kwargs: Any) -> None:
    """A create call that another aggregator may have made first (its AlreadyExist answer is success)."""
    try:
        create(*args, **kwargs)
    except LogException as err:
        if err.get_error_code() != exists:
            raise


def ensure(client: Any, project: str, logstore: str, alert_name: str, region: str,
           mutelist_alert_name: str = "") -> float:
    """Create what is missing (project, logstore, index, alerts); never recreate what exists. An index that
    lacks keys the logs now carry (a deployment older than them) gets them added; the mutelist alert, when
    missing, sends its notifications where the FAIL alert sends its own. Returns when the index last changed
    (epoch seconds: GetIndex lastModifyTime, or now when this call created or changed it): see index_wait."""
    from aliyun.log import IndexConfig

    try:
        client.get_project(project)
    except LogException as err:
        if err.get_error_code() != "ProjectNotExist":
            raise
        _create(client.create_project, "ProjectAlreadyExist", project, "aliaudit findings")
    try:
        client.get_logstore(project, logstore)
    except LogException as err:
        if err.get_error_code() != "LogStoreNotExist":
            raise
        _create(client.create_logstore, "LogStoreAlreadyExist", project, logstore, ttl=RETENTION_DAYS, shard_count=2)
    try:
        answer = client.get_index_config(project, logstore)
        current = answer.get_index_config()
    except LogException as err:
        if err.get_error_code() != "IndexConfigNotExist":
            raise
        config = IndexConfig()
        config.from_json(index_config())
        _create(client.create_index, "IndexAlreadyExist", project, logstore, config)
        index_modified = time.time()
    else:
        index_modified = index_modified_at(answer)
        missing = {k: v for k, v in index_config()["keys"].items() if k not in (current.key_config_list or {})}
        if missing:
            log.info("adding %s to the index of %s/%s", ", ".join(missing), project, logstore)
            merged = current.to_json()
            merged["keys"] = {**(merged.get("keys") or {}), **missing}
            config = IndexConfig()
            config.from_json(merged)
            client.update_index(project, logstore, config)
            index_modified = time.time()
    action_policy = "sls.builtin"
    try:
        existing = client.get_alert(project, alert_name).get_entity()
        policy = ((existing or {}).get("configuration") or {}).get("policyConfiguration") or {}
        action_policy = str(policy.get("actionPolicyId") or action_policy)
    except LogException as err:
        if err.get_error_code() not in ("JobNotExist", "ParameterInvalid"):
            raise
        client.create_alert(project, alert_config(alert_name, project, logstore, region))
    if not mutelist_alert_name:
        return index_modified
    try:
        client.get_alert(project, mutelist_alert_name)
    except LogException as err:
        if err.get_error_code() not in ("JobNotExist", "ParameterInvalid"):
            raise
        client.create_alert(project, mutelist_alert_config(mutelist_alert_name, project, logstore, region,
                                                           action_policy))
    return index_modified


def index_modified_at(answer: Any) -> float:
    """GetIndex's lastModifyTime: "a UNIX timestamp representing the number of seconds" (OpenMeta sls 2020-12-30).
    Read from the answer itself: the SDK's IndexConfig.modify_time is its own clock when the answer has none, which
    would make every run wait; an answer without it counts as an index long in effect."""
    body = answer.get_body() if hasattr(answer, "get_body") else None
    stamp = body.get("lastModifyTime") if isinstance(body, dict) else None
    return float(stamp) if isinstance(stamp, int | float) and not isinstance(stamp, bool) else 0.0


def index_wait(index_modified: float, settle: float = INDEX_SETTLE_S, now: float | None = None) -> float:
    """Seconds to wait before writing logs the index must find: until `settle` after its last change, never longer
    than `settle` (a clock ahead of ours)."""
    now = time.time() if now is None else now
    return max(0.0, min(settle, index_modified + settle - now))
