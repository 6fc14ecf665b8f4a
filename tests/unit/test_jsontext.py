"""Policy documents that arrive as JSON text (GetRole's trust policy, GetControlPolicy's document, an access point's
policy) are parsed within bounds: an oversized or deeply nested text is the resource's ERROR, never parsed."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace
from typing import Any

import pytest

from aliaudit.checks.registry import Inputs, all_checks
from aliaudit.collectors import ram
from aliaudit.config import AuditConfig
from aliaudit.jsontext import MAX_CHARS, MAX_DEPTH, load_object

TRUST = json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                   "Principal": {"Service": ["ecs.aliyuncs.com"]}}]})


def test_a_policy_document_is_parsed() -> None:
    assert load_object(TRUST, "doc") == json.loads(TRUST)
    assert load_object("", "doc") is None
    assert load_object('{"a": "[[[[{{{{"}', "doc") == {"a": "[[[[{{{{"}  # brackets inside strings do not nest


@pytest.mark.parametrize("text, reason", [
    ('{"Statement": "' + "x" * MAX_CHARS + '"}', "characters"),
    ('{"a": ' + "[" * 30_000 + "]" * 30_000 + "}", "nests deeper"),  # json would recurse 30,000 deep
    ('{"a": ' + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "}", "nests deeper"),
    ("[1, 2]", "not a JSON object"),
])
def test_an_oversized_or_odd_document_is_refused_quickly(text: str, reason: str) -> None:
    start = time.monotonic()
    with pytest.raises(ValueError, match=reason):
        load_object(text, "the trust policy")
    assert time.monotonic() - start < 1.0


class FakeRam:
    def __init__(self, documents: dict[str, str]) -> None:
        self.documents = documents

    def list_roles(self, request: Any) -> Any:
        roles = [SimpleNamespace(role_name=n, role_id=n, arn=f"acs:ram::1:role/{n}") for n in self.documents]
        return SimpleNamespace(body=SimpleNamespace(roles=SimpleNamespace(role=roles), is_truncated=False,
                                                    marker=None))

    def get_role(self, request: Any) -> Any:
        doc = self.documents[request.role_name]
        return SimpleNamespace(body=SimpleNamespace(role=SimpleNamespace(assume_role_policy_document=doc)))


class FakeCtx:
    region, account_id = "global", "1"

    def __init__(self, client: Any) -> None:
        self.ram = client

    def client(self, product: str) -> Any:
        return self.ram

    def map(self, fn: Any, items: Any) -> list[Any]:
        return [fn(i) for i in items]


def test_an_oversized_trust_policy_is_the_roles_error() -> None:
    huge = json.dumps({"Version": "1", "Statement": [json.loads(TRUST)["Statement"][0]] * 2000})
    data = ram.roles(FakeCtx(FakeRam({"svc": TRUST, "huge": huge})))  # type: ignore[arg-type]
    check = all_checks()["ram_role_trust_policy_restricted"]
    got = {r.resource_id: r.status.value for r in check.fn(Inputs({ram.ROLES.name: data}, AuditConfig(), "global",
                                                                    "1", None))}
    assert got == {"svc": "PASS", "huge": "ERROR"}
