"""role_privilege: a GetPolicy answer without a readable policy document is ERROR for the role (its rights are
unknown), never read as a policy that grants nothing."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from aliaudit.role_privilege import MAX_DOCUMENT, role_privilege


class FakeRam:
    def __init__(self, document: str | None, with_version: bool = True) -> None:
        self.document, self.with_version = document, with_version

    def list_policies_for_role(self, request: Any) -> Any:
        policy = SimpleNamespace(policy_name="AppPolicy", policy_type="Custom")
        return SimpleNamespace(body=SimpleNamespace(policies=SimpleNamespace(policy=[policy])))

    def get_policy(self, request: Any) -> Any:
        version = SimpleNamespace(policy_document=self.document) if self.with_version else None
        return SimpleNamespace(body=SimpleNamespace(default_policy_version=version))


def judge(ram: FakeRam) -> Any:
    shared: dict[str, Any] = {}
    factory = SimpleNamespace(pop=lambda product, region=None: ram,
                              shared=lambda key, fn: shared.setdefault(key, fn()))
    return role_privilege(SimpleNamespace(factory=factory), "acs:ram::1234567890123456:role/app")  # type: ignore[arg-type]


ADMIN = json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


@pytest.mark.parametrize("ram, why", [
    (FakeRam(None, with_version=False), "no document"),
    (FakeRam(""), "no document"),
    (FakeRam("[1, 2]"), "not a policy"),
    (FakeRam('"text"'), "not a policy"),
    (FakeRam('{"Version": "1"}'), "not a policy"),
    (FakeRam("{not json"), "not JSON"),
    (FakeRam("[" * 100000 + "]" * 100000), "larger than"),
    (FakeRam("[" * 30000 + "]" * 30000), "not JSON"),
])
def test_an_unreadable_document_is_an_error_not_a_clean_role(ram: FakeRam, why: str) -> None:
    got = judge(ram)
    assert got.error and why in got.error and not got.admin_reasons
    assert len("[" * 30000) < MAX_DOCUMENT


def test_a_readable_document_is_judged() -> None:
    got = judge(FakeRam(ADMIN))
    assert got.error is None and got.admin_reasons == ["Custom policy AppPolicy allows *:* on every resource"]
