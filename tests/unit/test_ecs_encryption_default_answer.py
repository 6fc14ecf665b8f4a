"""ecs.encryption_by_default: an answer without Encrypted is not 'default encryption off' (FAIL) but an unread
value: the dataset fails, so the region's finding is ERROR with the reason."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from aliaudit.collectors.ecs import encryption_by_default


def ctx(encrypted: Any) -> Any:
    answer = SimpleNamespace(body=SimpleNamespace(encrypted=encrypted))
    ecs = SimpleNamespace(describe_disk_encryption_by_default_status=lambda request: answer)
    return SimpleNamespace(region="cn-hangzhou", client=lambda product: ecs)


def test_an_answer_without_encrypted_fails_the_read() -> None:
    with pytest.raises(ValueError, match="answered no Encrypted"):
        encryption_by_default(ctx(None))


@pytest.mark.parametrize("value", [True, False])
def test_the_answered_value_is_kept(value: bool) -> None:
    assert encryption_by_default(ctx(value)).encrypted is value
