"""CLB listeners from every list DescribeLoadBalancerAttribute's answer carries (collectors/slb.listed_listeners),
read through the SDK model from the documented sample (tests/fixtures/wire/slb)."""

import copy
import json
from pathlib import Path

from alibabacloud_slb20140515 import models as slb_models

from aliaudit.collectors.slb import listed_listeners

SAMPLE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "wire" / "slb" /
                     "DescribeLoadBalancerAttribute.json").read_text())["response"]


def _answer(**changes: object) -> slb_models.DescribeLoadBalancerAttributeResponseBody:
    body = copy.deepcopy(SAMPLE)
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return slb_models.DescribeLoadBalancerAttributeResponseBody().from_map(body)


def test_the_documented_sample_gives_a_listener_of_each_list():
    got = {(lst.port, lst.protocol): lst for lst in listed_listeners(_answer())}
    assert set(got) == {(80, "https"), (443, "http")}  # the newer list's, then the older list's other one
    assert (got[(80, "https")].listener_forward, got[(80, "https")].forward_port) == ("on", 443)
    assert not any(lst.error for lst in got.values())


def test_a_listener_named_only_by_the_older_list_is_read_not_dropped():
    got = listed_listeners(_answer(ListenerPortsAndProtocol=None))
    assert [(lst.port, lst.protocol) for lst in got] == [(443, "http"), (80, "")]  # (80: ListenerPorts only)
    assert not got[0].error and "ListenerPorts only" in (got[1].error or "")


def test_a_port_without_its_protocol_is_an_unread_listener():
    got = listed_listeners(_answer(ListenerPortsAndProtocol=None, ListenerPortsAndProtocal=None,
                                   ListenerPorts={"ListenerPort": [8080]}))
    assert [(lst.port, lst.protocol) for lst in got] == [(8080, "")]
    assert "without its protocol" in (got[0].error or "")


def test_no_listeners():
    assert listed_listeners(_answer(ListenerPortsAndProtocol=None, ListenerPortsAndProtocal=None,
                                    ListenerPorts=None)) == []
