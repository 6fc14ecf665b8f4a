"""A role's rights as the ECS and FC role checks see them (aliaudit.role_privilege), read through the RAM SDK
from the emulator: system and custom policies, read once per scan, and an unreadable role is an error."""

from __future__ import annotations

from typing import Any

from aliaudit.clients import ClientFactory
from aliaudit.collectors.registry import CollectContext
from aliaudit.config import AuditConfig
from aliaudit.credentials.providers import StaticProvider
from aliaudit.role_privilege import role_name, role_privilege
from aliaudit.settings import EndpointSettings
from tests.sdk import ACCOUNT, READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load

TRUST = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                        "Principal": {"Service": ["ecs.aliyuncs.com"]}}]}


def account() -> dict[str, Any]:
    data = base_scenario()
    ram = data["accounts"][0]["ram"]
    ram["policies"] = [{"name": "AppEscalate", "document": {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": ["oss:GetObject", "ram:AttachPolicyToRole"], "Resource": "*"}]}}]
    ram["roles"] += [
        {"name": "web-admin", "policies": [{"name": "AdministratorAccess"}], "trust_policy": TRUST},
        {"name": "app-escalate", "policies": [{"name": "AppEscalate", "type": "Custom"}], "trust_policy": TRUST},
        {"name": "app-reader", "policies": [{"name": "AliyunOSSReadOnlyAccess"}], "trust_policy": TRUST},
    ]
    return data


def context(cloud, ak: str = ROOT_AK, secret: str = ROOT_SECRET) -> CollectContext:
    settings = EndpointSettings(protocol="http", proxy=cloud.url, max_attempts=1, backoff_ms=1)
    return CollectContext(ClientFactory(StaticProvider(ak, secret), settings), "cn-hangzhou", ACCOUNT, AuditConfig())


def test_roles_with_admin_or_escalation_rights(cloud):
    load(cloud, account())
    ctx = context(cloud)
    admin = role_privilege(ctx, "web-admin")
    assert admin.policies == ["System:AdministratorAccess"] and admin.error is None
    assert admin.admin_reasons == ["System policy AdministratorAccess allows *:* on every resource"]
    assert role_privilege(ctx, f"acs:ram::{ACCOUNT}:role/app-escalate").admin_reasons == [
        "Custom policy AppEscalate allows ram:AttachPolicyToRole on every resource"]
    assert role_privilege(ctx, "app-reader").admin_reasons == []


def test_a_role_is_read_once_per_scan(cloud):
    load(cloud, account())
    ctx = context(cloud)
    for _ in range(3):
        role_privilege(ctx, "web-admin")
    assert ctx.factory.calls["ram:list_policies_for_role"] == 1


def test_a_role_that_cannot_be_read_is_an_error(cloud):
    data = account()
    ram = data["accounts"][0]["ram"]
    ram["policies"].append({"name": "DenyRoles", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": "ram:ListPoliciesForRole", "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenyRoles", "type": "Custom"})
    load(cloud, data)
    got = role_privilege(context(cloud, READER_AK, READER_SECRET), "web-admin")
    assert got.error and "NoPermission" in got.error and got.admin_reasons == []


def test_role_names_from_arns() -> None:
    assert role_name("acs:ram::123:role/fc-role") == "fc-role"
    assert role_name("EcsRole") == "EcsRole"
