"""The security-group reachability function, table-driven over the cases that trip peer tools: priority,
Drop shadowing (ties included), IPv6, port ranges, ALL, ICMP, partial Drops, egress, non-world sources."""

from __future__ import annotations

import pytest

from aliaudit.secgroup import Rule, all_ports_open, describe_ranges, exposing_rule, open_port_ranges


def rule(proto: str = "TCP", ports: str = "22/22", src: str = "0.0.0.0/0", policy: str = "Accept", prio: int = 1,
         *, v6: str = "", group: str = "", direction: str = "ingress", rid: str = "") -> Rule:
    return Rule(protocol=proto, port_range=ports, source_v4=src, source_v6=v6, policy=policy, priority=prio,
                source_group=group, direction=direction, rule_id=rid)


ACCEPT_22 = rule(rid="a22")
CASES = [
    # (name, rules, protocol, port, reachable)
    ("exact port", [ACCEPT_22], "TCP", 22, True),
    ("other port", [ACCEPT_22], "TCP", 23, False),
    ("other protocol", [ACCEPT_22], "UDP", 22, False),
    ("no rules: default deny", [], "TCP", 22, False),
    ("range contains port", [rule(ports="20/30")], "TCP", 22, True),
    ("range edge low", [rule(ports="22/30")], "TCP", 22, True),
    ("range edge high", [rule(ports="10/22")], "TCP", 22, True),
    ("range excludes port", [rule(ports="23/30")], "TCP", 22, False),
    ("-1/-1 on TCP is every port", [rule(ports="-1/-1")], "TCP", 65535, True),
    ("ALL opens TCP", [rule("ALL", "-1/-1")], "TCP", 3389, True),
    ("ALL opens UDP", [rule("ALL", "-1/-1")], "UDP", 53, True),
    ("ALL opens ICMP", [rule("ALL", "-1/-1")], "ICMP", None, True),
    ("ICMP rule has no ports", [rule("ICMP", "-1/-1")], "ICMP", None, True),
    ("ICMP rule does not open TCP", [rule("ICMP", "-1/-1")], "TCP", 22, False),
    ("GRE rule does not open TCP", [rule("GRE", "-1/-1")], "TCP", 22, False),
    ("lower-case protocol", [rule("tcp")], "tcp", 22, True),
    ("private source is not the internet", [rule(src="10.0.0.0/8")], "TCP", 22, False),
    ("single public IP is not the internet", [rule(src="203.0.113.7")], "TCP", 22, False),
    ("source group is not the internet", [rule(src="", group="sg-1")], "TCP", 22, False),
    ("egress is not ingress", [rule(direction="egress")], "TCP", 22, False),
    ("malformed source matches nothing", [rule(src="0.0.0.0/zz")], "TCP", 22, False),
    ("IPv6 world", [rule(src="", v6="::/0")], "TCP", 22, True),
    ("IPv6 narrow", [rule(src="", v6="2001:db8::/32")], "TCP", 22, False),
    ("higher-priority Drop shadows", [rule(policy="Drop", prio=1), rule(prio=2)], "TCP", 22, False),
    ("Drop wins a priority tie", [rule(prio=5), rule(policy="Drop", prio=5)], "TCP", 22, False),
    ("Accept before Drop wins", [rule(prio=1), rule(policy="Drop", prio=2)], "TCP", 22, True),
    ("Drop on another port does not shadow", [rule(ports="23/23", policy="Drop"), rule(prio=2)], "TCP", 22, True),
    ("Drop ALL shadows TCP", [rule("ALL", "-1/-1", policy="Drop"), rule(prio=2)], "TCP", 22, False),
    ("Drop UDP does not shadow TCP", [rule("UDP", policy="Drop"), rule(prio=2)], "TCP", 22, True),
    ("Drop TCP carves a hole in ALL", [rule(policy="Drop"), rule("ALL", "-1/-1", prio=2)], "TCP", 22, False),
    ("...and the rest stays open", [rule(policy="Drop"), rule("ALL", "-1/-1", prio=2)], "TCP", 23, True),
    ("Drop of part of the internet does not shadow",
     [rule(src="10.0.0.0/8", policy="Drop"), rule(prio=2)], "TCP", 22, True),
    ("Drops that together cover the internet shadow",
     [rule(src="0.0.0.0/1", policy="Drop"), rule(src="128.0.0.0/1", policy="Drop"), rule(prio=2)], "TCP", 22, False),
    ("IPv4 Drop does not shadow IPv6 Accept",
     [rule(policy="Drop"), rule(src="", v6="::/0", prio=2)], "TCP", 22, True),
    ("IPv6 Drop shadows IPv6 Accept",
     [rule(src="", v6="::/0", policy="Drop"), rule(src="", v6="::/0", prio=2)], "TCP", 22, False),
    ("IPv6 Drop does not shadow IPv4 Accept",
     [rule(src="", v6="::/0", policy="Drop"), rule(prio=2)], "TCP", 22, True),
    ("an earlier world Accept escapes a later Drop",
     [rule(prio=50), rule(policy="Drop", prio=3), rule(prio=2)], "TCP", 22, True),
    ("lower-priority Drop does not shadow", [rule(policy="Drop", prio=100), rule(prio=99)], "TCP", 22, True),
    ("priority over rule order", [rule(prio=10), rule(policy="Drop", prio=1)], "TCP", 22, False),
]


@pytest.mark.parametrize(("name", "rules", "protocol", "port", "reachable"), CASES, ids=[c[0] for c in CASES])
def test_exposing_rule(name, rules, protocol, port, reachable):
    assert (exposing_rule(rules, protocol, port) is not None) is reachable


def test_exposing_rule_names_the_effective_accept():
    rules = [rule(prio=30, rid="late"), rule(prio=3, rid="early"), rule(prio=20, policy="Drop", src="1.2.3.0/24")]
    assert exposing_rule(rules, "TCP", 22).rule_id == "early"


RANGE_CASES = [
    ("one port", [ACCEPT_22], "TCP", [(22, 22)]),
    ("hole punched by Drop", [rule(ports="1/65535", prio=2), rule(policy="Drop")], "TCP", [(1, 21), (23, 65535)]),
    ("adjacent ranges merge", [rule(ports="80/90"), rule(ports="91/100")], "TCP", [(80, 100)]),
    ("separate ports", [rule(ports="443/443"), rule(ports="80/80"), rule(ports="8000/8100")], "TCP",
     [(80, 80), (443, 443), (8000, 8100)]),
    ("ALL", [rule("ALL", "-1/-1")], "UDP", [(1, 65535)]),
    ("not for another protocol", [rule("UDP", "1/65535")], "TCP", []),
    ("private sources only", [rule("ALL", "-1/-1", src="10.0.0.0/8")], "TCP", []),
]


@pytest.mark.parametrize(("name", "rules", "protocol", "ranges"), RANGE_CASES, ids=[c[0] for c in RANGE_CASES])
def test_open_port_ranges(name, rules, protocol, ranges):
    assert open_port_ranges(rules, protocol) == ranges


def test_all_ports_open_and_describe():
    assert all_ports_open([rule("ALL", "-1/-1")]) == "TCP"
    assert all_ports_open([rule("UDP", "1/65535")]) == "UDP"
    assert all_ports_open([rule(ports="1/65535", prio=2), rule(policy="Drop")]) is None
    assert describe_ranges([(22, 22), (80, 90)]) == "22, 80-90"
