"""The security-group reachability function, table-driven over the cases that trip peer tools: priority,
Drop shadowing (ties included), IPv6, port ranges, ALL, ICMP, partial Drops, egress, non-world sources."""

from __future__ import annotations

import random

import pytest

from aliaudit.secgroup import (
    Exposure,
    Rule,
    all_ports_open,
    describe_ranges,
    exposing_rule,
    exposure,
    open_port_ranges,
    port_scan,
    unread_lists,
)


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


# --- port lists, prefix lists, the world split across rules (issue 15 items 1-3) --------------------------------

def listed(ports: list[str] | None, policy: str = "Accept", prio: int = 1, src: str = "0.0.0.0/0", *,
           pid: str = "prl-1", rid: str = "") -> Rule:
    """A TCP rule on port list `pid` (entries `ports`; None: the list could not be read)."""
    return Rule(protocol="TCP", port_range="-1/-1", port_list=pid, port_list_ranges=ports, source_v4=src,
                policy=policy, priority=prio, rule_id=rid, unread="" if ports is not None else
                f"port list {pid} could not be read (NoPermission: denied)")


def prefixed(cidrs: list[str] | None, ports: str = "22/22", policy: str = "Accept", prio: int = 1, *,
             pid: str = "pl-1") -> Rule:
    """A TCP rule whose source is prefix list `pid` (entries `cidrs`; None: the list could not be read)."""
    return Rule(protocol="TCP", port_range=ports, source_prefix_list=pid, prefix_list_cidrs=cidrs, policy=policy,
                priority=prio, unread="" if cidrs is not None else f"prefix list {pid} could not be read (x)")


def test_a_world_drop_on_a_port_list_does_not_hide_an_open_ssh_accept():
    # the Drop names only the database ports of its list; it was read as a Drop of every port
    rules = [listed(["3306/3306", "5432/5432"], policy="Drop"), rule(rid="ssh")]
    assert exposing_rule(rules, "TCP", 22).rule_id == "ssh"
    assert exposing_rule(rules, "TCP", 3306) is None


def test_accept_on_port_list_80_443_is_not_every_port():
    rules = [listed(["80/80", "443/443"])]
    assert open_port_ranges(rules, "TCP") == [(80, 80), (443, 443)]
    assert all_ports_open(rules) is None and exposing_rule(rules, "TCP", 22) is None


def test_a_port_range_of_its_own_wins_over_the_port_list():
    # AuthorizeSecurityGroup: "If you specify Permissions.N.PortRange, this parameter [PortRangeListId] is ignored"
    assert open_port_ranges([Rule(protocol="TCP", port_range="22/22", port_list="prl-1", port_list_ranges=["80/80"],
                                  source_v4="0.0.0.0/0")], "TCP") == [(22, 22)]


def test_prefix_list_holding_the_world_exposes_ssh():
    assert exposing_rule([prefixed(["0.0.0.0/0"])], "TCP", 22) is not None
    assert exposing_rule([prefixed(["::/1", "8000::/1"])], "TCP", 22) is not None  # split inside the list
    assert exposing_rule([prefixed(["203.0.113.0/24", "10.0.0.0/8"])], "TCP", 22) is None


def test_a_prefix_list_is_ignored_when_the_rule_names_a_cidr():
    # AuthorizeSecurityGroup: SourcePrefixListId is ignored "if you specify SourceCidrIp, Ipv6SourceCidrIp, or
    # SourceGroupId"
    narrow = Rule(protocol="TCP", port_range="22/22", source_v4="10.0.0.0/8", source_prefix_list="pl-1",
                  prefix_list_cidrs=["0.0.0.0/0"])
    assert exposing_rule([narrow], "TCP", 22) is None


SPLIT_CASES = [
    ("two IPv4 halves", [rule(src="0.0.0.0/1"), rule(src="128.0.0.0/1")], True),
    ("two IPv6 halves", [rule(src="", v6="::/1"), rule(src="", v6="8000::/1")], True),
    ("three pieces at three priorities", [rule(src="0.0.0.0/1", prio=3), rule(src="128.0.0.0/2", prio=1),
                                          rule(src="192.0.0.0/2", prio=2)], True),
    ("one half only", [rule(src="0.0.0.0/1")], False),
    ("halves of different families", [rule(src="0.0.0.0/1"), rule(src="", v6="8000::/1")], False),
    ("a world Drop before the second half", [rule(src="0.0.0.0/1"), rule(policy="Drop", prio=2),
                                             rule(src="128.0.0.0/1", prio=3)], False),
    ("a half Drop before the second half only carves a hole",
     [rule(src="0.0.0.0/1"), rule(src="0.0.0.0/1", policy="Drop", prio=2), rule(src="128.0.0.0/1", prio=3)], True),
    ("Drops split in halves shadow Accepts split in halves",
     [rule(src="0.0.0.0/1", policy="Drop"), rule(src="128.0.0.0/1", policy="Drop"), rule(src="0.0.0.0/1"),
      rule(src="128.0.0.0/1")], False),
]


@pytest.mark.parametrize(("name", "rules", "reachable"), SPLIT_CASES, ids=[c[0] for c in SPLIT_CASES])
def test_world_split_across_rules(name, rules, reachable):
    assert (exposing_rule(rules, "TCP", 22) is not None) is reachable


def test_world_split_in_two_halves_is_the_world():
    halves = [rule(src="0.0.0.0/1", rid="low"), rule(src="128.0.0.0/1", rid="high")]
    found = exposure(halves, "TCP", 22)
    assert [r.rule_id for r in found.rules] == ["low", "high"]  # both are named: neither is the world alone
    assert all_ports_open([rule("ALL", "-1/-1", src="", v6="::/1"), rule("ALL", "-1/-1", src="", v6="8000::/1")])


def test_an_unread_list_makes_the_answer_unknown_only_when_it_decides():
    drop_unread = listed(None, policy="Drop", rid="d")
    # an unread Drop list before an open SSH Accept: it may or may not hold 22
    found = exposure([drop_unread, rule(prio=2)], "TCP", 22)
    assert (found.rules, [r.rule_id for r in found.unknown]) == ((), ["d"])
    # ... and at the same priority too (a Drop wins a tie)
    assert exposure([drop_unread, rule(prio=1)], "TCP", 22).unknown == (drop_unread,)
    # the Accept comes first: whatever the Drop's list holds, SSH is open
    assert exposure([listed(None, policy="Drop", prio=2), rule(prio=1, rid="a")], "TCP", 22).rules[0].rule_id == "a"
    # an unread Accept behind a Drop of everything cannot open anything; behind an IPv4 Drop it may hold ::/0
    drops = [rule("ALL", "-1/-1", policy="Drop"), rule("ALL", "-1/-1", src="", v6="::/0", policy="Drop")]
    assert exposure([*drops, prefixed(None, prio=2)], "TCP", 22) == Exposure()
    assert exposure([drops[0], prefixed(None, prio=2)], "TCP", 22).unknown
    # an unread prefix list on an Accept of another port does not matter for 22
    assert exposure([prefixed(None, ports="80/80")], "TCP", 22) == Exposure()
    assert exposure([prefixed(None)], "TCP", 22).unknown[0].unread.startswith("prefix list pl-1 could not be read")


def test_port_scan_reports_the_ports_an_unread_list_leaves_undecided():
    scan = port_scan([rule(ports="443/443"), listed(None, rid="x")], "TCP")
    assert scan.open == [(443, 443)]
    assert scan.undecided == [(1, 442), (444, 65535)] and [r.rule_id for r in scan.unknown] == ["x"]
    assert unread_lists(scan.unknown) == "rule x of : port list prl-1 could not be read (NoPermission: denied)"


def test_only_the_families_an_instance_is_reached_by_count():
    open_v6 = [rule(ports="3306/3306", src="", v6="::/0")]
    assert exposure(open_v6, "TCP", 3306, families=[4]) == Exposure()
    assert exposure(open_v6, "TCP", 3306, families=[6]).rules
    assert all_ports_open([rule("ALL", "-1/-1")], families=[6]) is None


def test_the_port_scan_touches_every_port_exposure_answers_for():
    """The port checks ask `exposure` only about ports their scan touches (open or undecided): over random rule
    sets (priorities, Drops, split and narrow sources, IPv6, ALL and ICMP, unread port and prefix lists, egress),
    exposure finds rules or unread lists at exactly those ports."""
    rng = random.Random(7)
    sources = ["0.0.0.0/0", "0.0.0.0/1", "128.0.0.0/1", "10.0.0.0/8", ""]

    def random_rule(n: int) -> Rule:
        lo = rng.randint(1, 30)
        kind = rng.random()
        if kind < 0.1:
            return listed(rng.choice([None, ["5/9"]]), policy=rng.choice(["Accept", "Drop"]), prio=rng.randint(1, 4),
                          rid=f"l{n}")
        if kind < 0.2:
            return prefixed(rng.choice([None, ["0.0.0.0/0"]]), ports=f"{lo}/{lo + 3}", prio=rng.randint(1, 4))
        return rule(rng.choice(["TCP", "TCP", "UDP", "ALL", "ICMP"]), rng.choice([f"{lo}/{lo + rng.randint(0, 9)}",
                                                                                 "-1/-1"]),
                    src=rng.choice(sources), v6=rng.choice(["", "", "::/0", "::/1"]),
                    policy=rng.choice(["Accept", "Accept", "Drop"]), prio=rng.randint(1, 4),
                    direction=rng.choice(["ingress"] * 5 + ["egress"]), rid=f"r{n}")

    decided = 0
    for _ in range(300):
        rules = [random_rule(n) for n in range(rng.randint(1, 6))]
        for protocol in ("TCP", "UDP"):
            for families in ([4, 6], [4], [6]):
                scan = port_scan(rules, protocol, families)
                for port in [*range(1, 45), 65535]:
                    found = exposure(rules, protocol, port, families)
                    assert bool(found.rules or found.unknown) == scan.touches(port, port), (rules, protocol, port)
                    decided += bool(found.rules or found.unknown)
    assert decided > 1000  # (the random rules do open ports)
