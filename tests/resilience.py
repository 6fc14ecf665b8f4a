"""Shared pieces of the resilience suite (tests/test_resilience_*.py): an account with resources in three
regions, the comparison of a faulty run's findings with a fault-free run's, and the collection of every
secret the emulator issued."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aliaudit.findings import Finding, Severity, Status
from tests.emulator import EmulatorServer
from tests.sdk import ACCOUNT, base_scenario

REGIONS = ["cn-hangzhou", "cn-shanghai", "cn-beijing"]
DOWN = "cn-beijing"  # the region taken down (the pipeline's own bucket, project and functions are in cn-hangzhou)
AUDITOR_AK, AUDITOR_SECRET = "LTAIresilaudit000001", "resilience-auditor-secret-00000001"
ROLE_ARN = f"acs:ram::{ACCOUNT}:role/resilience-auditor"


def _region_resources(region: str, n: int) -> dict[str, Any]:
    """Per region: security groups (open and closed), instances, disks, VPCs with and without flow logs,
    KMS keys, an RDS instance and an ACK cluster: several resources per check, PASS and FAIL."""
    tag = region.split("-")[1][:2]
    perm = {"ip_protocol": "TCP", "port_range": "22/22", "source_cidr_ip": "0.0.0.0/0", "policy": "Accept",
            "priority": 1}
    return {
        "sgs": [{"id": f"sg-{tag}-open{i}", "name": f"open{i}", "region": region, "vpc_id": f"vpc-{tag}0",
                 "permissions": [perm]} for i in range(n)]
        + [{"id": f"sg-{tag}-closed{i}", "name": f"closed{i}", "region": region, "vpc_id": f"vpc-{tag}0",
            "permissions": [{**perm, "source_cidr_ip": "10.0.0.0/8"}]} for i in range(n)],
        "instances": [{"id": f"i-{tag}{i}", "region": region, "vpc_id": f"vpc-{tag}0",
                       "private_ips": [f"172.16.0.{10 + i}"], "security_groups": [f"sg-{tag}-open{i % n}"],
                       **({"http_tokens": "required"} if i % 2 else {})} for i in range(n)],
        "disks": [{"id": f"d-{tag}{i}", "region": region, "instance_id": f"i-{tag}{i}", "encrypted": bool(i % 2)}
                  for i in range(n)],
        "vpcs": [{"id": f"vpc-{tag}{i}", "region": region, "vswitch_ids": [f"vsw-{tag}{i}"]} for i in range(n)],
        "flow_logs": [{"id": f"fl-{tag}0", "region": region, "resource_id": f"vpc-{tag}0"}],
        "keys": [{"id": f"key-{tag}-rotated", "region": region, "automatic_rotation": "Enabled",
                  "rotation_interval_seconds": 365 * 86400}, {"id": f"key-{tag}-never", "region": region}],
        "rds": [{"id": f"rm-{tag}-open", "region": region, "whitelist": [{"name": "default", "ips": ["0.0.0.0/0"]}]},
                {"id": f"rm-{tag}-closed", "region": region, "ssl_enabled": True, "sql_collector": "Enable",
                 "sql_retention_days": 365, "whitelist": [{"name": "default", "ips": ["10.0.0.0/8"]}]}],
        "clusters": [{"name": f"k8s-{tag}", "id": f"c{tag}", "region": region, "audit_project": "k8s-audit",
                      "addons": [{"name": "terway-eniip"}]}],
    }


def world(users: int = 12, per_region: int = 3) -> dict[str, Any]:
    """The resilience account: every family has resources, and the regional ones have some in each region."""
    data = base_scenario(regions=list(REGIONS))
    acct = data["accounts"][0]
    ram = acct["ram"]
    ram["users"] += [
        {"name": f"user{i:02d}", "login_profile": {}, "last_login": "2099-01-01T00:00:00Z",
         **({"mfa_device": {"serial": f"acs:ram::{ACCOUNT}:mfa/user{i:02d}"}} if i % 2 else {}),
         "access_keys": [{"id": f"LTAIresiluser{i:02d}0001", "secret": f"resilience-user-secret-{i:02d}-000000",
                          "created": "2020-01-01T00:00:00Z"}]} for i in range(users)]
    ram["users"].append({"name": "auditor", "groups": ["auditors"],
                         "access_keys": [{"id": AUDITOR_AK, "secret": AUDITOR_SECRET}]})
    ram["policies"] = [{"name": "AuditorExtras", "document": {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": ["ram:GenerateCredentialReport", "sts:AssumeRole"], "Resource": "*"}]}}]
    ram["groups"].append({"name": "auditors", "policies": [{"name": "ReadOnlyAccess"},
                                                          {"name": "AuditorExtras", "type": "Custom"}]})
    ram["roles"].append({"name": "resilience-auditor", "max_session_duration": 3600,
                         "policies": [{"name": "ReadOnlyAccess"}, {"name": "AuditorExtras", "type": "Custom"}],
                         "trust_policy": {"Version": "1", "Statement": [
                             {"Effect": "Allow", "Action": "sts:AssumeRole",
                              "Principal": {"RAM": [f"acs:ram::{ACCOUNT}:root"]}}]}})
    ram["password_policy"] = {"minimum_length": 10, "max_login_attempts": 5}
    acct["actiontrail"] = {"trails": [{"name": "ops", "status": "Enable", "event_rw": "Write",
                                       "trail_region": "cn-hangzhou", "oss_bucket_name": "trail-hz"}]}
    acct["oss"] = {"buckets": [
        {"name": "trail-hz", "region": "cn-hangzhou", "versioning": "Enabled", "encryption": {"sse_algorithm": "KMS"}},
        {"name": "public-sh", "region": "cn-shanghai", "acl": "public-read"},
        {"name": "backups-bj", "region": "cn-beijing"},
        {"name": "logs-bj", "region": "cn-beijing", "encryption": {"sse_algorithm": "AES256"}}]}
    acct["sls"] = {"projects": [{"name": f"ops-{r}", "region": r, "logstores": [{"name": "app", "ttl": 30}]}
                                for r in REGIONS]}
    parts = [_region_resources(r, per_region) for r in REGIONS]
    acct["ecs"] = {"security_groups": [g for p in parts for g in p["sgs"]],
                   "instances": [i for p in parts for i in p["instances"]],
                   "disks": [d for p in parts for d in p["disks"]]}
    acct["vpc"] = {"vpcs": [v for p in parts for v in p["vpcs"]],
                   "flow_logs": [f for p in parts for f in p["flow_logs"]]}
    acct["kms"] = {"keys": [k for p in parts for k in p["keys"]]}
    acct["rds"] = {"instances": [i for p in parts for i in p["rds"]]}
    acct["cs"] = {"clusters": [c for p in parts for c in p["clusters"]]}
    return data


# --- comparing a run under faults with a fault-free run ---------------------------------------------

def from_ocsf(item: dict[str, Any]) -> Finding:
    """An item of an OCSF output back as a Finding (the fields the comparison needs)."""
    resource = item["resources"][0]
    return Finding(check_id=item["unmapped"]["check_id"], title=item["finding_info"]["title"],
                   family=item["unmapped"]["family"], severity=Severity(item["severity"].lower()),
                   status=Status(item["status_code"]), message=item["status_detail"],
                   account_id=item["cloud"]["account"]["uid"], region=item["cloud"]["region"],
                   resource_id=resource["uid"],
                   resource_name=resource["name"] if resource["name"] != resource["uid"] else "")


Key = tuple[str, str, str]  # (check, region, resource)


def key(f: Finding) -> Key:
    return f.check_id, f.region, f.resource_id


def _collapsed(f: Finding) -> bool:
    """The engine's ERROR for a check whose data could not be collected: one per check and region (or one
    for a global check), on the account or region instead of on each resource."""
    return f.status == Status.ERROR and f.resource_id in (f.account_id, f.region)


@dataclass
class Comparison:
    same: int = 0  # same pair, same verdict
    error: list[Finding] = field(default_factory=list)  # same pair, now ERROR
    collapsed: list[Key] = field(default_factory=list)  # covered by an ERROR of its check in that region
    parent: list[Key] = field(default_factory=list)  # covered by an ERROR on its parent (an AccessKey's user)

    @property
    def covered(self) -> int:
        return self.same + len(self.error) + len(self.collapsed) + len(self.parent)


def compare(expected: Iterable[Finding], actual: Iterable[Finding]) -> Comparison:
    """Every expected (check, region, resource) pair ends up once in `actual`: with the fault-free verdict,
    or as ERROR with a reason: its own, its parent's (the user of an AccessKey, whose keys could not be
    listed) or its check's in that region (the data could not be collected). Nothing is duplicated, and
    nothing appears that the fault-free run did not have but ERRORs on resources it knew."""
    expected, actual = list(expected), list(actual)
    assert expected and not [f for f in expected if f.status == Status.ERROR], "the fault-free run has ERRORs"
    dupes = [k for k, n in Counter(map(key, actual)).items() if n > 1]
    assert not dupes, f"duplicated findings: {dupes[:5]}"
    exp = {key(f): f for f in expected}
    act = {key(f): f for f in actual}
    check_errors = {(f.check_id, f.region): f for f in actual if _collapsed(f)}
    out = Comparison()
    missing = []
    for k, e in exp.items():
        a = act.get(k)
        parent = act.get((k[0], k[1], e.resource_name)) if e.resource_name else None
        if a is not None and a.status != Status.ERROR:
            assert a.status == e.status, f"{k}: {e.status.value} without faults, {a.status.value} with them"
            out.same += 1
        elif a is not None:
            out.error.append(a)
        elif parent is not None and parent.status == Status.ERROR:
            out.parent.append(k)
        elif (k[0], k[1]) in check_errors or (k[0], "global") in check_errors:
            out.collapsed.append(k)
        else:
            missing.append(k)
    assert not missing, f"{len(missing)} expected findings missing, e.g. {missing[:5]}"
    known = {f.resource_id for f in expected} | {f.resource_name for f in expected if f.resource_name}
    extra = [k for k, f in act.items() if k not in exp and not _collapsed(f)
             and not (f.status == Status.ERROR and f.resource_id in known)]
    assert not extra, f"findings the fault-free run did not have: {extra[:5]}"
    no_reason = [key(f) for f in actual if f.status == Status.ERROR and not f.message.strip()]
    assert not no_reason, f"ERROR without a reason: {no_reason[:5]}"
    return out


def assert_summary_counts(summary: dict[str, Any], findings: list[Finding]) -> None:
    """The summary counts exactly these findings, by status."""
    assert summary["total"] == len(findings)
    counts = Counter(f.status.value for f in findings)
    assert summary["status"] == {s.value: counts.get(s.value, 0) for s in Status}


# --- secrets -----------------------------------------------------------------------------------------

def issued_secrets(server: EmulatorServer, scenario: dict[str, Any]) -> set[str]:
    """Every AccessKey secret of the scenario and every STS secret and token the emulator issued so far."""
    out: set[str] = set()
    for acct in scenario["accounts"]:
        out.update(k["secret"] for k in acct.get("root", {}).get("access_keys", []))
        for user in acct.get("ram", {}).get("users", []):
            out.update(k["secret"] for k in user.get("access_keys", []))
    with server.emulator.world.lock:
        for s in server.emulator.world.sessions.values():
            out.update((s.secret, s.token))
    return out


def leaks(texts: dict[str, str], secrets: set[str]) -> list[str]:
    """'where: which secret (masked)' for every secret found in any text."""
    found = []
    for where, text in texts.items():
        for s in secrets:
            if s and s in text:
                found.append(f"{where}: {s[:6]}...")
    return found
