"""Elasticsearch and Bastionhost: an answer that leaves out the public-access switch (enablePublic,
enableKibanaPublicNetwork, PublicNetworkAccess) says nothing about exposure; it was read as 'disabled' and PASSed.
It is now ERROR for that resource. The emulator always answers these switches, so the collectors' readers are fed
the SDK's own response models (built from the wire keys, as the SDK parses an answer) without them."""

from __future__ import annotations

from typing import Any

import pytest
from alibabacloud_elasticsearch20170613 import models as es_models
from alibabacloud_yundun_bastionhost20191209 import models as bh_models

from aliaudit import apierrors
from aliaudit.checks.registry import Inputs, all_checks
from aliaudit.collectors import bastionhost as bh
from aliaudit.collectors import elasticsearch as es
from aliaudit.config import AuditConfig


def run(check_id: str, dataset: str, data: Any) -> list[str]:
    check = all_checks()[check_id]
    return [r.status.value for r in check.fn(Inputs({dataset: data}, AuditConfig(), "cn-hangzhou", "1", None))]  # type: ignore[arg-type]


def es_instance(answer: dict[str, Any]) -> es.EsInstance:
    inst = es.EsInstance(id="es-1", description="search", region="cn-hangzhou", status="active", version="7.10")
    es.read_description(inst, es_models.DescribeInstanceResponseBodyResult().from_map(answer))
    return inst


OPEN_ES = {"instanceId": "es-1", "publicDomain": "es-1.public", "publicIpWhitelist": ["0.0.0.0/0"],
           "kibanaDomain": "es-1.kibana", "kibanaIPWhitelist": ["0.0.0.0/0"]}


def test_elasticsearch_switches_left_out_are_errors() -> None:
    data = [es_instance(OPEN_ES)]
    assert (data[0].public_enabled, data[0].kibana_public_enabled) == (None, None)
    assert run("elasticsearch_instance_public_access_restricted", es.INSTANCES.name, data) == ["ERROR"]
    assert run("elasticsearch_kibana_public_access_restricted", es.INSTANCES.name, data) == ["ERROR"]


def test_elasticsearch_switches_answered_are_judged() -> None:
    data = [es_instance({**OPEN_ES, "enablePublic": True, "enableKibanaPublicNetwork": True})]
    assert run("elasticsearch_instance_public_access_restricted", es.INSTANCES.name, data) == ["FAIL"]
    assert run("elasticsearch_kibana_public_access_restricted", es.INSTANCES.name, data) == ["FAIL"]
    data = [es_instance({**OPEN_ES, "enablePublic": False, "enableKibanaPublicNetwork": False})]
    assert run("elasticsearch_instance_public_access_restricted", es.INSTANCES.name, data) == ["PASS"]
    assert run("elasticsearch_kibana_public_access_restricted", es.INSTANCES.name, data) == ["PASS"]


def listed(switch: bool | None) -> bh_models.DescribeInstancesResponseBodyInstances:
    return bh_models.DescribeInstancesResponseBodyInstances(
        instance_id="bh-1", description="ops", instance_status="RUNNING", plan_code="cloudbastion",
        public_network_access=switch, internet_endpoint="")


def attribute(switch: bool | None) -> bh_models.DescribeInstanceAttributeResponseBodyInstanceAttribute:
    return bh_models.DescribeInstanceAttributeResponseBodyInstanceAttribute(
        public_network_access=switch, public_white_list=["[0.0.0.0/0]"], white_list_policies=[])


def test_bastionhost_switch_left_out_is_an_error() -> None:
    item = listed(None)
    host = bh.listed_host(item, "cn-hangzhou")
    assert bh.attribute_needed(item)  # a listing without the switch does not settle it
    with pytest.raises(ValueError, match="no PublicNetworkAccess") as raised:
        bh.read_attribute(host, attribute(None))
    host.error = apierrors.describe(raised.value)  # (as the collector keeps a failed read)
    assert run("bastionhost_public_access_restricted", bh.INSTANCES.name, [host]) == ["ERROR"]


def test_bastionhost_switch_answered_is_judged() -> None:
    assert not bh.attribute_needed(listed(False))
    host = bh.listed_host(listed(None), "cn-hangzhou")
    bh.read_attribute(host, attribute(True))
    assert run("bastionhost_public_access_restricted", bh.INSTANCES.name, [host]) == ["FAIL"]


def test_elasticsearch_whitelist_text_is_parsed_within_bounds() -> None:
    nested = "[" * 20000 + "]" * 20000  # past the JSON parser's depth: read as the text it is, not a crash
    assert es._items([nested, '[ "0.0.0.0/0" ]']) == [nested, "0.0.0.0/0"]
    with pytest.raises(ValueError, match="larger than"):
        es._items(["[" + '"10.0.0.1",' * 10000 + '"10.0.0.2"]'])
