"""Whitelist text the cloud answers, read into the entries the exposure checks judge: bracketed and comma-separated
forms are the addresses they name (an open entry in such a form was read as one unparsable entry, so it PASSed)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from aliaudit.checks.cr import open_entries
from aliaudit.collectors.bastionhost import _whitelist


def attr(public: list[str], policies: list[str] = ()) -> SimpleNamespace:  # type: ignore[assignment]
    return SimpleNamespace(public_white_list=public,
                           white_list_policies=[SimpleNamespace(entry=e) for e in policies])


@pytest.mark.parametrize("public, policies, opened", [
    (["[0.0.0.0/0]"], [], ["0.0.0.0/0"]),  # the documented sample's bracketed form
    (["[10.0.0.0/8,0.0.0.0/0]"], [], ["0.0.0.0/0"]),
    (["10.0.0.0/8, ::/0"], [], ["::/0"]),
    (["[10.162.168.1/32]"], ["0.0.0.0/1,128.0.0.0/1"], ["10.162.168.1/32", "0.0.0.0/1", "128.0.0.0/1"]),
    (["[10.162.168.1/32]"], [""], []),
])
def test_bastionhost_whitelist_items_are_read_as_addresses(public: list[str], policies: list[str],
                                                            opened: list[str]) -> None:
    entries = _whitelist(attr(public, policies))
    assert not any("[" in e or "]" in e or "," in e for e in entries)
    assert open_entries(entries) == opened
