"""An ActionTrail event selects the checks its name lists and that read its service (runtime/targets.py
service_checks): API names repeat across products, so an RDS whitelist change re-audits RDS, not every Redis and
MongoDB instance; a change in another service a check reads (a RAM policy for the ECS instance-role check, a KMS
key for the RDS TDE check) still selects it; an unknown serviceName loses only narrowing, never a check."""

from __future__ import annotations

import pytest

from aliaudit.checks.registry import all_checks
from aliaudit.runtime.targets import service_checks


def families(event: str, service: object) -> set[str]:
    named = [c for c in all_checks().values() if event in c.meta.events]
    return {c.meta.family for c in service_checks(named, service)}


@pytest.mark.parametrize("event, service, expected", [
    ("ModifySecurityIps", "Rds", {"rds"}),
    ("ModifySecurityIps", "R-kvstore", {"redis"}),
    ("ModifySecurityIps", "Dds", {"mongodb"}),
    ("CreateInstance", "Ecs", {"ecs"}),
    ("AttachPolicyToRole", "Ram", {"ram", "ecs", "fc"}),  # the instance and function role checks read RAM
    ("CancelKeyDeletion", "Kms", {"kms", "rds", "oss"}),  # the TDE-with-a-customer-key check reads KMS
    ("ModifySqlLogConfig", "DAS", {"rds", "polardb"}),  # DAS's SQL Explorer and Audit, which no collector reads
])
def test_an_event_selects_the_checks_that_read_its_service(event: str, service: str, expected: set[str]) -> None:
    assert families(event, service) == expected


@pytest.mark.parametrize("service", ["SomethingNew", "", None, 7])
def test_an_unknown_or_missing_service_keeps_every_check_the_name_selects(service: object) -> None:
    assert families("ModifySecurityIps", service) == {"rds", "redis", "mongodb"}


@pytest.mark.parametrize("kind", ["ApiCall", "ConsoleOperation", "AliyunServiceEvent"])
def test_every_write_event_type_eventbridge_carries_starts_an_event_run(kind: str) -> None:
    """EventBridge carries ActionTrail's write events as ApiCall, ConsoleOperation and AliyunServiceEvent ("operation
    performed by Alibaba Cloud on a resource": EventBridge, ActionTrail events): a change is a change, whoever made it.
    Anything else is no ActionTrail event."""
    import json

    from aliaudit.runtime.triggers import TriggerError, parse

    event = {"type": f"ecs:ActionTrail:{kind}", "data": {
        "eventName": "AuthorizeSecurityGroup", "serviceName": "Ecs", "acsRegion": "cn-hangzhou",
        "eventId": "e-1", "requestParameters": {"SecurityGroupId": "sg-1"}}}
    plan = parse(json.dumps(event))
    assert plan.kind == "event" and "ecs_security_group_ssh_restricted" in (plan.check_ids or [])
    with pytest.raises(TriggerError, match="unknown event"):
        parse(json.dumps({**event, "type": "ecs:ActionTrail:ConsoleSignin"}))
