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


@pytest.mark.parametrize("acl, opened", [
    ('["0.0.0.0/1","128.0.0.0/1"]', ["0.0.0.0/1", "128.0.0.0/1"]),  # split halves of IPv4
    ("10.0.0.0/8,0.0.0.0/00", ["0.0.0.0/00"]),
    ("::0/0", ["::0/0"]),
    ("0.0.0.0", ["0.0.0.0"]),
    ("[]", []),
    ("10.0.0.0/8,192.168.0.0/16", []),
])
def test_mse_public_whitelist_open_forms(acl: str, opened: list[str]) -> None:
    from aliaudit.checks.registry import Inputs, all_checks
    from aliaudit.collectors.mse import CLUSTERS, MseCluster, acl_entries
    from aliaudit.config import AuditConfig

    cluster = MseCluster(id="mse-1", region="cn-hangzhou", type="Nacos-Ans", public_bandwidth=3, acl=acl_entries(acl))
    assert cluster.open_entries == opened
    check = all_checks()["mse_cluster_internet_access_restricted"]
    [result] = check.fn(Inputs({CLUSTERS.name: [cluster]}, AuditConfig(), "cn-hangzhou", "1", None))  # type: ignore[arg-type]
    assert result.status.value == ("FAIL" if opened or not cluster.acl else "PASS")


@pytest.mark.parametrize("entries, opened", [
    (["10.0.0.0/8,0.0.0.0/0"], ["0.0.0.0/0"]),  # Kafka UpdateAllowedIp's comma-separated form in one item
    (['["0.0.0.0/0"]'], ["0.0.0.0/0"]),
    (["[::/0]"], ["::/0"]),
    (["0.0.0.0/1, 128.0.0.0/1"], ["0.0.0.0/1", "128.0.0.0/1"]),
    (["10.0.0.0/8,192.168.0.0/16"], []),
])
def test_open_entries_reads_items_holding_several_entries(entries: list[str], opened: list[str]) -> None:
    assert open_entries(entries) == opened
