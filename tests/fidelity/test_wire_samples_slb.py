"""CLB's collector on Alibaba's documented samples (tests/fixtures/wire/slb): expectations written by hand from the
sample values."""

from __future__ import annotations

from tests.wire_replay import WireReplay
from tests.wire_samples import REGION, collect, covers, pick


@covers("slb.load_balancers")
def test_slb_load_balancers(replay: WireReplay) -> None:
    got = collect(replay, "slb.load_balancers")
    expected = [{
        # slb/DescribeLoadBalancers.json: the listed instance (its AddressType intranet, Address 100.XX.XX.28)
        "id": "lb-bp1b6c719dfa****", "name": "lb-bp1o94dp5i6ea****", "region": REGION, "address": "100.XX.XX.28",
        "address_type": "intranet",
        # slb/DescribeLoadBalancerAttribute.json: DeleteProtection off, LoadBalancerStatus active, PayType
        # PayOnDemand, a listener in ListenerPortsAndProtocol (port 80, protocol https, ListenerForward on,
        # ForwardPort 443) and another in the older ListenerPortsAndProtocal (port 443, http)
        "delete_protection": "off", "status": "active", "pay_type": "PayOnDemand", "error": None,
        "listeners": [{
            "port": 80, "protocol": "https", "listener_forward": "on", "forward_port": 443,
            # slb/DescribeLoadBalancerHTTPSListenerAttribute.json: Status stopped, AclStatus off (so no ACL is
            # read), AclType white, TLSCipherPolicy tls_cipher_policy_1_0
            "status": "stopped", "acl_status": "off", "acl_type": "white", "acls": [],
            "tls_cipher_policy": "tls_cipher_policy_1_0", "error": None}, {
            # slb/DescribeLoadBalancerHTTPListenerAttribute.json: Status stopped, AclStatus off, AclType white,
            # ListenerForward on, ForwardPort 80
            "port": 443, "protocol": "http", "listener_forward": "on", "forward_port": 80, "status": "stopped",
            "acl_status": "off", "acl_type": "white", "acls": [], "error": None}]}]
    assert pick(got, expected) == expected
