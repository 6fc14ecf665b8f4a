"""The four risky changes of issue 17, made with the official SDKs against the emulator, whose own ActionTrail events
reach the deployed pipeline through its EventBridge trigger; what each event run costs and finds. Shared by
tests/serverless/test_event_runs.py and the benchmark's event table (tests/bench_events.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aliaudit.deploy.catalogue import filter_pattern
from tests.emulator.client import AdminClient
from tests.pipeline import PROJECT, pop_config_for

REGION = "cn-hangzhou"
USER = "event-user"  # one active key: CreateAccessKey makes it two (ram_user_single_active_key FAIL)
BUCKET = "event-bucket"  # private: PutBucketAcl public-read makes it public
GROUP = "sg-event0000000000001"  # no rule open to the world: 0.0.0.0/0:22 opens SSH
INSTANCE = "i-event0000000000001"  # in GROUP, with a public IP: SSH becomes a risky open port
DB = "rm-event000000000001"  # whitelist 10.0.0.0/8: 0.0.0.0/0 opens it

# the new FAIL each event must produce: (check, resource)
EXPECTED: dict[str, set[tuple[str, str]]] = {
    "PutBucketAcl": {("oss_bucket_not_publicly_accessible", BUCKET), ("oss_bucket_not_exposed", BUCKET),
                     ("oss_bucket_objects_not_public", BUCKET)},
    "CreateAccessKey": {("ram_user_single_active_key", USER)},
    "AuthorizeSecurityGroup": {("ecs_security_group_ssh_restricted", GROUP),
                               ("ecs_security_group_ssh_not_exposed", GROUP),
                               ("ecs_instance_risky_ports_not_public", INSTANCE)},
    "ModifySecurityIps": {("rds_instance_whitelist_not_open", DB)},
}
# the API calls the pipeline makes for its own work (its bucket's objects, its functions, its logs, its credentials);
# the rest read the audited account
OWN_APIS = ("fc:", "sls:", "sts:", "oss:PutObject", "oss:GetObject", "oss:HeadObject", "oss:ListObjects",
            "oss:ListObjectsV2", "oss:CopyObject", "oss:DeleteObject", "oss:DeleteMultipleObjects",
            "oss:GetObjectMeta", "oss:AppendObject")


def names(k: int | None = None) -> dict[str, str]:
    """The resources one set of changes touches: the single targets (k None) or the k-th set of a burst."""
    if k is None:
        return {"user": USER, "bucket": BUCKET, "group": GROUP, "instance": INSTANCE, "db": DB}
    return {"user": f"{USER}-{k}", "bucket": f"{BUCKET}-{k}", "group": f"sg-burst{k:012d}",
            "instance": f"i-burst{k:013d}", "db": f"rm-burst{k:012d}"}


def expected(event: str, k: int | None = None) -> set[tuple[str, str]]:
    """EXPECTED for the k-th set of resources."""
    single, mine = names(), names(k)
    swap = {single[r]: mine[r] for r in single}
    return {(check, swap[resource]) for check, resource in EXPECTED[event]}


def add_targets(data: dict[str, Any], k: int | None = None) -> None:
    """The resources the events change (one set, or the k-th set of a burst), added to a scenario's first account
    (the sample or a generated one)."""
    n = names(k)
    acct = data["accounts"][0]
    ram = acct.setdefault("ram", {})
    key = f"LTAIevent{k if k is not None else 'x'}user0001"
    ram.setdefault("users", []).append({"name": n["user"], "access_keys": [{"id": key, "secret": "s" * 30}],
                                        "last_login": "2099-01-01T00:00:00Z"})
    acct.setdefault("oss", {}).setdefault("buckets", []).append({"name": n["bucket"], "region": REGION,
                                                                 "acl": "private"})
    ecs = acct.setdefault("ecs", {})
    ecs.setdefault("security_groups", []).append({"id": n["group"], "name": f"event-group-{k}", "region": REGION})
    ecs.setdefault("instances", []).append({"id": n["instance"], "name": f"event-instance-{k}", "region": REGION,
                                            "public_ips": [f"47.99.{k or 0}.1"], "private_ips": ["10.9.0.1"],
                                            "security_groups": [n["group"]]})
    acct.setdefault("rds", {}).setdefault("instances", []).append(
        {"id": n["db"], "region": REGION, "description": f"event-db-{k}", "whitelist": [{"ips": ["10.0.0.0/8"]}]})


def add_trigger(data: dict[str, Any]) -> None:
    """The dispatcher's EventBridge trigger as s.yaml deploys it (the shipped filter pattern)."""
    dispatcher = next(f for f in data["accounts"][0]["fc"]["functions"] if f["name"] == "aliaudit-dispatcher")
    dispatcher["triggers"].append({"name": "actiontrail-changes", "type": "eventbridge",
                                   "config": {"eventRuleFilterPattern": filter_pattern(),
                                              "asyncInvocationType": False}})


def put_bucket_acl(url: str, k: int | None = None) -> None:
    import oss2

    from tests.pipeline import ROOT_AK, ROOT_SECRET

    oss2.Bucket(oss2.AuthV4(ROOT_AK, ROOT_SECRET), f"http://oss-{REGION}.aliyuncs.com", names(k)["bucket"],
                proxies={"http": url}, region=REGION).put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)


def create_access_key(url: str, k: int | None = None) -> None:
    from alibabacloud_ram20150501 import models as ram_models
    from alibabacloud_ram20150501.client import Client as RamClient

    RamClient(pop_config_for(url)).create_access_key(ram_models.CreateAccessKeyRequest(user_name=names(k)["user"]))


def authorize_ssh(url: str, k: int | None = None) -> None:
    from alibabacloud_ecs20140526 import models as ecs_models
    from alibabacloud_ecs20140526.client import Client as EcsClient

    EcsClient(pop_config_for(url)).authorize_security_group(ecs_models.AuthorizeSecurityGroupRequest(
        region_id=REGION, security_group_id=names(k)["group"],
        permissions=[ecs_models.AuthorizeSecurityGroupRequestPermissions(
            ip_protocol="TCP", port_range="22/22", source_cidr_ip="0.0.0.0/0", policy="accept", priority="1")]))


def open_whitelist(url: str, k: int | None = None) -> None:
    from alibabacloud_rds20140815 import models as rds_models
    from alibabacloud_rds20140815.client import Client as RdsClient

    RdsClient(pop_config_for(url)).modify_security_ips(rds_models.ModifySecurityIpsRequest(
        dbinstance_id=names(k)["db"], security_ips="0.0.0.0/0", dbinstance_iparray_name="default"))


CHANGES: dict[str, Callable[[str, int | None], None]] = {
    "PutBucketAcl": put_bucket_acl, "CreateAccessKey": create_access_key, "AuthorizeSecurityGroup": authorize_ssh,
    "ModifySecurityIps": open_whitelist}


@dataclass
class EventRun:
    event: str
    calls: dict[str, int]  # per API, every call the change set off (the change itself apart)
    invocations: int
    new_fails: set[tuple[str, str]]  # (check, resource) of the SLS logs with new_fail true
    first_fail_s: float | None  # from the change to the first new FAIL log in SLS
    wall_s: float
    aggregator_busy_s: float

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def audit_calls(self) -> int:
        """Calls that read the audited account (the customer's API quota), not the pipeline's own work."""
        return sum(n for api, n in self.calls.items() if not api.startswith(OWN_APIS))


def _diff(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: n - before.get(k, 0) for k, n in after.items() if n - before.get(k, 0)}


def sls_logs(admin: AdminClient, after: int = 0) -> list[dict[str, Any]]:
    """The findings logstore's logs after the first `after` (a poll asks for the new ones only: answering a full-size
    account's every log again and again would load the emulator the pipeline runs against)."""
    return admin.request("GET", f"sls/logs?project={PROJECT}&logstore=findings&offset={after}")["logs"]


def sls_log_count(admin: AdminClient) -> int:
    return int(admin.request("GET", f"sls/logs?project={PROJECT}&logstore=findings&offset={1 << 60}")["total"])


def run_event(admin: AdminClient, url: str, event: str, timeout: float = 300) -> EventRun:
    """Make the change, wait until FC is idle, and measure what the event run did (calls, invocations, the new
    FAILs in SLS, when the first of them landed, the aggregator's busy time)."""
    expected = EXPECTED[event]
    logs_before = sls_log_count(admin)
    invocations_before = len(admin.request("GET", "fc/invocations")["invocations"])
    calls_before = admin.calls()
    start = time.monotonic()
    CHANGES[event](url, None)
    first: float | None = None
    idle_since: float | None = None
    while time.monotonic() - start < timeout:  # the first new FAIL in SLS, polled as a reader of the logstore would
        new = sls_logs(admin, logs_before)
        if any((lg["check_id"], lg["resource_id"]) in expected and lg.get("new_fail") == "true" for lg in new):
            first = time.monotonic() - start
            break
        if admin.request("POST", "fc/wait", {"timeout": 0.05})["idle"]:  # (idle a while: no FAIL is coming)
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since > 5:
                break
        else:
            idle_since = None
    assert admin.request("POST", "fc/wait", {"timeout": timeout}, timeout=timeout + 30)["idle"]
    wall = time.monotonic() - start
    invocations = admin.request("GET", "fc/invocations")["invocations"][invocations_before:]
    calls = {api: n for api, n in _diff(admin.calls(), calls_before).items() if not api.endswith(":" + event)}
    new_logs = sls_logs(admin, logs_before)
    fails = {(lg["check_id"], lg["resource_id"]) for lg in new_logs if lg.get("new_fail") == "true"}
    busy = sum(a.get("duration_ms", 0) for i in invocations if i["function"] == "aliaudit-aggregator"
               for a in i.get("attempts", [])) / 1000
    return EventRun(event, calls, len(invocations), fails, first, wall, busy)


def describe(run: EventRun) -> str:
    return json.dumps({"event": run.event, "audit_calls": run.audit_calls, "total_calls": run.total,
                       "invocations": run.invocations, "first_fail_s": run.first_fail_s,
                       "calls": run.calls}, sort_keys=True)


@dataclass
class BurstRun:
    events: int
    runs: list[str]  # the event runs the burst started (their manifests)
    invocations: int
    calls: dict[str, int]
    missing: set[tuple[str, str]]  # expected new FAILs that did not reach SLS
    wall_s: float
    aggregator_busy_s: float

    @property
    def audit_calls(self) -> int:
        return sum(n for api, n in self.calls.items() if not api.startswith(OWN_APIS))


def burst_order(events: int) -> list[tuple[str, int]]:
    """The burst's changes: the four kinds in turn, each on its own set of resources (k = n // 4)."""
    kinds = list(EXPECTED)
    return [(kinds[n % len(kinds)], n // len(kinds)) for n in range(events)]


def run_burst(admin: AdminClient, url: str, bucket: Any, events: int, timeout: float = 600) -> BurstRun:
    """Make the changes one after another as fast as the SDKs go, wait until FC is idle; the runs they started
    (manifests under runs/event-*) and whether every expected new FAIL reached SLS."""
    import oss2

    before_runs = {o.key for o in oss2.ObjectIterator(bucket, prefix="runs/event-")}
    logs_before = sls_log_count(admin)
    invocations_before = len(admin.request("GET", "fc/invocations")["invocations"])
    calls_before = admin.calls()
    start = time.monotonic()
    order = burst_order(events)
    for event, k in order:
        CHANGES[event](url, k)
    assert admin.request("POST", "fc/wait", {"timeout": timeout}, timeout=timeout + 30)["idle"]
    wall = time.monotonic() - start
    runs = sorted(o.key.split("/")[1] for o in oss2.ObjectIterator(bucket, prefix="runs/event-")
                  if o.key.endswith("/manifest.json") and o.key not in before_runs)
    invocations = admin.request("GET", "fc/invocations")["invocations"][invocations_before:]
    changes = {f":{e}" for e in EXPECTED}
    calls = {api: n for api, n in _diff(admin.calls(), calls_before).items() if not api.endswith(tuple(changes))}
    fails = {(lg["check_id"], lg["resource_id"]) for lg in sls_logs(admin, logs_before)
             if lg.get("new_fail") == "true"}
    wanted = {f for event, k in order for f in expected(event, k)}
    busy = sum(a.get("duration_ms", 0) for i in invocations if i["function"] == "aliaudit-aggregator"
               for a in i.get("attempts", [])) / 1000
    return BurstRun(events, runs, len(invocations), calls, wanted - fails, wall, busy)
