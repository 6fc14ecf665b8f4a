"""Test helpers that build unmodified SDK clients pointed at the emulator."""

from __future__ import annotations

from typing import Any

from alibabacloud_tea_openapi.models import Config

from tests.emulator import EmulatorServer, Scenario

ACCOUNT = "1234567890123456"
ROOT_AK, ROOT_SECRET = "LTAIrootkey00000001", "root-secret-0000000000000000"
ADMIN_AK, ADMIN_SECRET = "LTAIadminkey0000001", "admin-secret-000000000000000"
READER_AK, READER_SECRET = "LTAIreaderkey000001", "reader-secret-00000000000000"


def base_scenario(**account: Any) -> dict[str, Any]:
    """A small account: root key, an admin user, a read-only user, a deny-ram user, an auditor role."""
    acct: dict[str, Any] = {
        "id": ACCOUNT,
        "alias": "tests",
        "root": {"access_keys": [{"id": ROOT_AK, "secret": ROOT_SECRET}]},
        "ram": {
            "users": [
                {"name": "admin", "access_keys": [{"id": ADMIN_AK, "secret": ADMIN_SECRET}],
                 "policies": [{"name": "AdministratorAccess"}]},
                {"name": "reader", "access_keys": [{"id": READER_AK, "secret": READER_SECRET}],
                 "groups": ["readers"]},
                {"name": "nokeys"},
            ],
            "groups": [{"name": "readers", "policies": [{"name": "ReadOnlyAccess"}]}],
            "roles": [{"name": "auditor", "policies": [{"name": "ReadOnlyAccess"}],
                       "trust_policy": {"Version": "1", "Statement": [
                           {"Effect": "Allow", "Action": "sts:AssumeRole",
                            "Principal": {"RAM": [f"acs:ram::{ACCOUNT}:root"]}}]}}],
        },
    }
    acct.update(account)
    return {"accounts": [acct]}


def load(server: EmulatorServer, data: dict[str, Any]) -> None:
    server.emulator.load(Scenario.model_validate(data))


def pop_config(server: EmulatorServer, ak: str = ADMIN_AK, secret: str = ADMIN_SECRET, token: str | None = None,
               **kw: Any) -> Config:
    """Direct to the emulator's address; pass endpoint=None, http_proxy=server.url for real host names."""
    kw.setdefault("endpoint", server.endpoint)
    kw.setdefault("region_id", "cn-hangzhou")
    return Config(access_key_id=ak, access_key_secret=secret, security_token=token, protocol="http", **kw)
