"""Elasticsearch and Bastionhost: an answer that leaves out the public-access switch (enablePublic,
enableKibanaPublicNetwork, PublicNetworkAccess) says nothing about exposure; it was read as 'disabled' and PASSed.
It is now ERROR for that resource."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from aliaudit.checks.registry import Inputs, all_checks
from aliaudit.collectors import bastionhost as bh
from aliaudit.collectors import elasticsearch as es
from aliaudit.config import AuditConfig


def run(check_id: str, dataset: str, data: Any) -> list[str]:
    check = all_checks()[check_id]
    return [r.status.value for r in check.fn(Inputs({dataset: data}, AuditConfig(), "cn-hangzhou", "1", None))]  # type: ignore[arg-type]


def fake_ctx(client: Any) -> Any:
    return SimpleNamespace(region="cn-hangzhou", client=lambda product: client,
                           map=lambda fn, items: [fn(i) for i in items])


class FakeEs:
    def list_instance(self, request: Any) -> Any:
        item = SimpleNamespace(instance_id="es-1", description="search", status="active", es_version="7.10")
        return SimpleNamespace(body=SimpleNamespace(result=[item], headers=SimpleNamespace(x_total_count=1)))

    def describe_instance(self, instance_id: str) -> Any:
        result = SimpleNamespace(network_config=None, enable_public=None, public_domain="es-1.public",
                                 public_ip_whitelist=["0.0.0.0/0"], enable_kibana_public_network=None,
                                 kibana_domain="", kibana_ipwhitelist=[])
        return SimpleNamespace(body=SimpleNamespace(result=result))


class FakeBh:
    def describe_instances(self, request: Any) -> Any:
        item = SimpleNamespace(instance_id="bh-1", description="ops", instance_status="RUNNING",
                               plan_code="cloudbastion", public_network_access=None, internet_endpoint="")
        return SimpleNamespace(body=SimpleNamespace(instances=[item], total_count=1))

    def describe_instance_attribute(self, request: Any) -> Any:
        attr = SimpleNamespace(public_network_access=None, public_white_list=[], white_list_policies=[])
        return SimpleNamespace(body=SimpleNamespace(instance_attribute=attr))


def test_elasticsearch_switches_left_out_are_errors() -> None:
    data = es.instances(fake_ctx(FakeEs()))
    assert run("elasticsearch_instance_public_access_restricted", es.INSTANCES.name, data) == ["ERROR"]
    assert run("elasticsearch_kibana_public_access_restricted", es.INSTANCES.name, data) == ["ERROR"]


def test_bastionhost_switch_left_out_is_an_error() -> None:
    data = bh.instances(fake_ctx(FakeBh()))
    assert run("bastionhost_public_access_restricted", bh.INSTANCES.name, data) == ["ERROR"]


def test_elasticsearch_whitelist_text_is_parsed_within_bounds() -> None:
    nested = "[" * 20000 + "]" * 20000  # past the JSON parser's depth: read as the text it is, not a crash
    assert es._items([nested, '[ "0.0.0.0/0" ]']) == [nested, "0.0.0.0/0"]
    with pytest.raises(ValueError, match="larger than"):
        es._items(["[" + '"10.0.0.1",' * 10000 + '"10.0.0.2"]'])
