"""SLS state (projects, logstores, alerts) and the runtime data kept in ``world.extras`` (ingested logs,
fired alerts), reset with the scenario.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from ...state import Account, World


# world.extras keys (runtime data, reset with the scenario)
_LOGS = "sls.logs"  # {(project, logstore): [log dict as GetLogs returns it]}
_FIRED = "sls.alerts.fired"  # [fired alert record]
_ERRORS = "sls.alerts.errors"  # [alert evaluation error]
_SEEN = "sls.alerts.seen"  # {(project, alert, query project, logstore): logs already evaluated}
_UNINDEXED = "sls.unindexed"  # {(project, logstore): how many of its first logs were stored before its index worked}


# --- state ---------------------------------------------------------------------------------------

class Logstore(BaseModel):
    """A logstore; its index is the JSON the SDK sends to CreateIndex (None = no index)."""

    name: str  # 3-63 characters: a-z, 0-9, '-' and '_'
    ttl: int = 30  # days logs are kept (3650 = forever)
    shard_count: int = 2
    enable_tracking: bool = False  # WebTracking (anonymous writes from browsers)
    append_meta: bool = False  # add the client IP and receive time to every log
    auto_split: bool = True  # shards split automatically under load
    max_split_shard: int = 64  # upper bound for auto_split
    telemetry_type: str = "None"  # None (logs) | Metrics (GetLogStore telemetryType, OpenMeta sls 2020-12-30)
    mode: str = "standard"  # standard | query
    hot_ttl: int | None = None  # days in hot storage (None = all of ttl)
    encrypt_conf: dict[str, Any] | None = None  # server-side encryption settings as the SDK sends them
    created: datetime = datetime(2024, 1, 1)
    updated: datetime | None = None  # last UpdateLogStore / index change
    index: dict[str, Any] | None = None  # {"line": {...}, "keys": {"status": {"type": "text", "doc_value": true}}}
    index_created: datetime | None = None  # the CreateIndex of the current index (None: loaded with the scenario)
    index_modified: datetime | None = None  # its last UpdateIndex (GetIndex lastModifyTime: this, else index_created)


class Alert(BaseModel):
    """An alert job exactly as the SDK sends it to POST /jobs (alert 2.0 JSON); unknown keys are kept."""

    model_config = ConfigDict(extra="allow")

    name: str  # the job name (unique in the project)
    displayName: str = ""  # the wire names are camelCase
    description: str = ""
    type: str = "Alert"  # the only job type the emulator implements
    state: str = "Enabled"  # Enabled | Disabled (only enabled alerts are evaluated)
    # when the cloud would run it; the emulator evaluates on PutLogs and on /_emulator/sls/alerts/evaluate
    schedule: dict[str, Any] = Field(default_factory=lambda: {"type": "FixedRate", "interval": "15m"})
    configuration: dict[str, Any] = Field(default_factory=dict)  # queryList, conditions, annotations...
    createTime: int = 1704067200  # epoch seconds, as the cloud reports it
    lastModifiedTime: int = 1704067200  # epoch seconds


class Project(BaseModel):
    """A project: the Host <name>.<region>.log.aliyuncs.com addresses it (names are unique across accounts)."""

    name: str  # 3-63 characters: a-z, 0-9 and '-'
    region: str = "cn-hangzhou"  # only that region's endpoint finds it
    description: str = ""
    resource_group_id: str = ""
    data_redundancy_type: str = "LRS"  # LRS | ZRS
    status: str = "Normal"
    created: datetime = datetime(2024, 1, 1)
    updated: datetime | None = None  # last UpdateProject
    logstores: list[Logstore] = Field(default_factory=list)
    alerts: list[Alert] = Field(default_factory=list)  # alert jobs (/jobs)

    def logstore(self, name: str) -> Logstore | None:
        return next((ls for ls in self.logstores if ls.name == name), None)

    def alert(self, name: str) -> Alert | None:
        return next((a for a in self.alerts if a.name == name), None)


class SlsState(BaseModel):
    """Log Service of one account. Ingested logs and fired alerts are runtime data (see the admin routes)."""

    projects: list[Project] = Field(default_factory=list)
    # GetLogs and alert queries need an index like the cloud: none -> IndexConfigNotExist; `key: value` needs a
    # field index on key, full-text terms the line index, SQL columns a field index with analytics (doc_value)
    strict_index: bool = True
    # "An index takes effect within approximately one minute after creation. The index applies only to newly
    # written data" (SLS, Create an index: https://help.aliyun.com/en/sls/developer-reference/index-create-index):
    # logs stored sooner after CreateIndex are never found by GetLogs or an alert (until a manual rebuild, not
    # modelled). A scenario may shorten it; UpdateIndex's own delay for the keys it adds is not modelled
    index_delay_seconds: float = 60.0

    def project(self, name: str) -> Project | None:
        return next((p for p in self.projects if p.name == name), None)


def _find_project_anywhere(world: World, name: str) -> tuple[Account, Project] | None:
    """Project names are unique across all accounts, as in the cloud."""
    for account in world.scenario.accounts:
        p = account.sls.project(name)
        if p:
            return account, p
    return None


def _logs(world: World) -> dict[tuple[str, str], list[dict[str, str]]]:
    return world.extras.setdefault(_LOGS, {})


def unindexed(world: World, project: str, logstore: str) -> int:
    """How many of the logstore's first logs no query finds: stored before its index took effect (logs are kept in
    the order they were stored, so these are the first ones)."""
    return int(world.extras.get(_UNINDEXED, {}).get((project, logstore), 0))


def logs_stored(world: World, account: Account, project: Project, ls: Logstore, trigger: str) -> list[dict[str, Any]]:
    """After logs were stored in the logstore (PutLogs, a trail's delivery, the admin route): the index's bookkeeping,
    the alerts that query it (the ones fired), FC's log triggers that consume it (products/fc/logtrigger.py)."""
    from ..fc.logtrigger import fire
    from .evaluation import evaluate_alerts

    _note_stored(world, account, project.name, ls)
    fired = evaluate_alerts(world, account, trigger=trigger, target=(project.name, ls.name))
    fire(world, account, project.name, project.region, ls.name, len(_logs(world).get((project.name, ls.name), [])))
    return fired


def _note_stored(world: World, account: Account, project: str, ls: Logstore) -> None:
    """While the index is not in effect yet, the logs stored join the logs no query finds."""
    if ls.index is None or ls.index_created is None:
        return
    if world.clock.now() < ls.index_created + timedelta(seconds=account.sls.index_delay_seconds):
        world.extras.setdefault(_UNINDEXED, {})[(project, ls.name)] = len(_logs(world).get((project, ls.name), []))


def forget_index(world: World, project: str, logstore: str, created: datetime | None = None) -> None:
    """A new index (created: the logs stored so far stay unsearchable) or none any more (a deleted logstore)."""
    hidden = world.extras.setdefault(_UNINDEXED, {})
    if created is None:
        hidden.pop((project, logstore), None)
    else:
        hidden[(project, logstore)] = len(_logs(world).get((project, logstore), []))

