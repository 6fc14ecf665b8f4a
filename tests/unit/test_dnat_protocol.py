"""vpc_nat_dnat_risky_ports_not_exposed: an entry whose IpProtocol is none of TCP, UDP, Any (empty, or a value the
reference does not list) cannot be judged: ERROR, not PASS."""

from __future__ import annotations

import pytest

from aliaudit.checks.registry import Inputs, all_checks
from aliaudit.collectors.vpc import NAT_GATEWAYS, DnatEntry, NatGatewayInfo
from aliaudit.config import AuditConfig


@pytest.mark.parametrize("protocol, expected", [
    ("tcp", "FAIL"), ("Any", "FAIL"), ("", "ERROR"), ("SCTP", "ERROR")])
def test_unknown_protocol_is_error(protocol: str, expected: str) -> None:
    entry = DnatEntry(id="fwd-1", external_ip="203.0.113.1", external_port="22", internal_ip="192.168.0.2",
                      internal_port="22", protocol=protocol)
    gw = NatGatewayInfo(id="ngw-1", network_type="internet", dnat=[entry])
    check = all_checks()["vpc_nat_dnat_risky_ports_not_exposed"]
    [r] = check.fn(Inputs({NAT_GATEWAYS.name: [gw]}, AuditConfig(), "cn-hangzhou", "1", None))  # type: ignore[arg-type]
    assert r.status.value == expected
