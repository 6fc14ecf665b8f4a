"""role_privilege.document_reasons: a GetPolicy answer without a readable policy document makes the role's verdict
ERROR (its rights are unknown), never a policy that grants nothing. (The reads themselves go through the RAM SDK
against the emulator: tests/e2e/test_role_privilege.py.)"""

from __future__ import annotations

import json

import pytest

from aliaudit.role_privilege import document_reasons

ADMIN = json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


@pytest.mark.parametrize("text, why", [
    (None, "no document"),
    ("", "no document"),
    ("  ", "no document"),
    ("[1, 2]", "not a JSON object"),
    ('"text"', "not a JSON object"),
    ('{"Version": "1"}', "not a policy"),
    ("{not json", "Expecting property name"),
    ("[" * 100000 + "]" * 100000, "characters"),
    ("[" * 30000 + "]" * 30000, "nests deeper"),
])
def test_an_unreadable_document_is_an_error_not_a_clean_role(text: str | None, why: str) -> None:
    with pytest.raises(ValueError, match="policy Custom policy App") as err:
        document_reasons("Custom policy App", text)
    assert why in str(err.value)


def test_a_readable_document_is_judged() -> None:
    assert document_reasons("Custom policy App", ADMIN) == ["Custom policy App allows *:* on every resource"]
