"""NLB's collectors on Alibaba's documented samples (tests/fixtures/wire/nlb): expectations written by hand from the
sample values."""

from __future__ import annotations

from tests.wire_replay import WireReplay
from tests.wire_samples import REGION, collect, covers, pick


@covers("nlb.listeners")
def test_nlb_listeners(replay: WireReplay) -> None:
    got = collect(replay, "nlb.listeners")
    # nlb/ListListeners.json: one TCPSSL listener on 443 with policy tls_cipher_policy_1_1
    expected = [{"id": "lsn-ga6sjjcll6ou34l1et****", "region": REGION, "load_balancer_id": "nlb-83ckzc8d4xlp8o****",
                 "port": 443, "protocol": "TCPSSL", "status": "Running", "description": "tcpssl_443",
                 "security_policy_id": "tls_cipher_policy_1_1"}]
    assert pick(got, expected) == expected


@covers("nlb.security_policies")
def test_nlb_security_policies(replay: WireReplay) -> None:
    got = collect(replay, "nlb.security_policies")
    expected = [
        # nlb/ListSystemSecurityPolicy.json: TlsVersion "TLSv1.0,TLSv1.1,TLSv1.2", 19 cipher suites ending DES-CBC3-SHA
        {"id": "tls_cipher_policy_1_0", "name": "test", "system": True,
         "tls_versions": ["TLSv1.0", "TLSv1.1", "TLSv1.2"]},
        # nlb/ListSecurityPolicy.json: the id is documented with a trailing newline ("sp-wuytp9pa******\n"), which
        # the product strips; TlsVersion "TLSv1.0", Ciphers "ECDHE-ECDSA-AES128-SHA"
        {"id": "sp-wuytp9pa******", "name": "TLSCipherPolicy", "system": False, "tls_versions": ["TLSv1.0"],
         "ciphers": ["ECDHE-ECDSA-AES128-SHA"]}]
    assert pick(got, expected) == expected
    assert len(got[0].ciphers) == 19 and got[0].ciphers[-1] == "DES-CBC3-SHA"
