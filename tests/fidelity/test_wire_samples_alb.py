"""ALB's collectors on Alibaba's documented samples (tests/fixtures/wire/alb): expectations written by hand from the
sample values."""

from __future__ import annotations

import json

from alibabacloud_alb20200616 import models as alb_models

from aliaudit.collectors.alb import _rule
from tests.paths import TESTS
from tests.wire_replay import WireReplay
from tests.wire_samples import REGION, collect, covers, pick


@covers("alb.load_balancers")
def test_alb_load_balancers(replay: WireReplay) -> None:
    got = collect(replay, "alb.load_balancers")
    # alb/ListLoadBalancers.json: one Intranet instance. alb/ListListeners.json's one listener belongs to another
    # instance (alb-bd6oylbckp6k9x****), which the list did not name: it is left out, and an intranet
    # load balancer's rules are not read
    expected = [{"id": "alb-o9ulmq5hgn68jk****", "name": "alb-instance-test", "region": REGION,
                 "address_type": "Intranet", "dns_name": "alb-95qnr2itwu9orb****.cn-hangzhou.alb.aliyuncs.com",
                 "listeners": []}]
    assert pick(got, expected) == expected


def test_alb_rule_from_the_documented_list_rules_sample() -> None:
    """alb/ListRules.json parsed by the SDK model, as ListRules answers it: rule-bpn0kn908w4nbw****, Priority 1,
    Direction Request, one Host condition (www.example.com; the sample fills every config, only the Type's own
    counts), one ForwardGroup action (Order 1, its RedirectConfig Protocol HTTP is not its own)."""
    sample = json.loads((TESTS / "fixtures" / "wire" / "alb" / "ListRules.json").read_text())["response"]
    body = alb_models.ListRulesResponseBody().from_map(sample)
    got = _rule(body.rules[0])
    expected = {"id": "rule-bpn0kn908w4nbw****", "name": "rule-instance-test", "priority": 1, "direction": "Request",
                "conditions": [{"type": "Host", "values": ["www.example.com"]}],
                "actions": [{"type": "ForwardGroup", "order": 1, "redirect_protocol": ""}]}
    assert got.model_dump() == expected


@covers("alb.security_policies")
def test_alb_security_policies(replay: WireReplay) -> None:
    got = collect(replay, "alb.security_policies")
    expected = [
        # alb/ListSystemSecurityPolicies.json
        {"id": "sp-n0kn923****", "system": True, "tls_versions": ["TLSv1.0"], "ciphers": ["ECDHE-ECDSA-AES128-SHA"]},
        # alb/ListSecurityPolicies.json
        {"id": "sp-9cdjz6o******", "name": "test-secrity", "system": False, "tls_versions": ["TLSv1.1"],
         "ciphers": ["ECDHE-ECDSA-AES128-SHA"]}]
    assert pick(got, expected) == expected
