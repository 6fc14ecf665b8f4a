"""Security-group rules and the one question the network checks ask of them: is this port reachable from
the whole internet?

Alibaba Cloud evaluates the inbound rules of every group an instance (network interface) belongs to
together: the rule with the smallest Priority number that matches the packet decides, a Drop beats an
Accept of the same priority, and a packet no rule matches is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from ipaddress import IPv4Network, IPv6Network, collapse_addresses, ip_network

from pydantic import BaseModel

ALL_PORTS = (1, 65535)
PORTED = {"TCP", "UDP"}  # protocols with ports; ICMP, ICMPV6 and GRE have none
WORLD = {4: ip_network("0.0.0.0/0"), 6: ip_network("::/0")}


class Rule(BaseModel):
    """One ingress or egress rule, normalised from DescribeSecurityGroupAttribute."""

    group_id: str = ""
    rule_id: str = ""
    direction: str = "ingress"
    policy: str = "Accept"  # Accept | Drop
    priority: int = 1
    protocol: str = "ALL"  # upper case: TCP, UDP, ICMP, ICMPV6, GRE, ALL
    port_range: str = "-1/-1"
    source_v4: str = ""  # SourceCidrIp
    source_v6: str = ""  # Ipv6SourceCidrIp
    source_group: str = ""
    source_prefix_list: str = ""

    # (cached: the port checks probe every rule once per port boundary)
    @cached_property
    def ports(self) -> tuple[int, int]:
        """Inclusive port bounds; -1/-1 (and anything unparsable) means every port."""
        lo, _, hi = self.port_range.partition("/")
        try:
            a, b = int(lo), int(hi or lo)
        except ValueError:
            return ALL_PORTS
        return ALL_PORTS if a < 1 or b < 1 else (a, b)

    def networks(self) -> list[IPv4Network | IPv6Network]:
        return self._networks

    @cached_property
    def _networks(self) -> list[IPv4Network | IPv6Network]:
        out = []
        for cidr in (self.source_v4, self.source_v6):
            if cidr:
                try:
                    out.append(ip_network(cidr.strip(), strict=False))
                except ValueError:
                    continue  # a malformed source matches nothing we can reason about
        return out

    def matches(self, protocol: str, port: int | None) -> bool:
        proto, mine = protocol.upper(), self.protocol.upper()
        if self.direction.lower() != "ingress" or mine not in ("ALL", proto):
            return False
        if proto not in PORTED or mine not in PORTED:
            return True  # ALL covers every port; ICMP and GRE have no ports
        lo, hi = self.ports
        return port is not None and lo <= port <= hi


def exposing_rule(rules: Iterable[Rule], protocol: str, port: int | None = None) -> Rule | None:
    """The Accept rule through which `protocol`/`port` is reachable from the internet, or None.

    "From the internet" means from anywhere: a world-open source (0.0.0.0/0 or ::/0). Such an Accept
    is effective unless Drop rules evaluated before it (smaller Priority number, or the same one)
    together cover every address of its family; narrower Drops only carve holes in it. Pass the
    rules of all groups of an instance to judge the instance, or of one group to judge the group.
    """
    matching = [r for r in rules if r.matches(protocol, port)]
    for family, world in WORLD.items():
        accepts = [r for r in matching if r.policy.lower() == "accept"
                   and any(n == world for n in r.networks())]
        if not accepts:
            continue
        first = min(accepts, key=lambda r: r.priority)  # later world-open Accepts face even more Drops
        drops = [n for r in matching if r.policy.lower() == "drop" and r.priority <= first.priority
                 for n in r.networks() if n.version == family]
        if list(collapse_addresses(drops)) != [world]:
            return first
    return None


def open_port_ranges(rules: Iterable[Rule], protocol: str) -> list[tuple[int, int]]:
    """Every TCP or UDP port range reachable from the internet, merged, ascending.

    The answer only changes at rule boundaries, so probing one port per segment between boundaries
    is exact without walking 65535 ports.
    """
    rules = [r for r in rules if r.direction.lower() == "ingress"]
    cuts = {ALL_PORTS[0], ALL_PORTS[1] + 1}
    for r in rules:
        lo, hi = r.ports
        cuts.update((lo, hi + 1))
    bounds = sorted(c for c in cuts if ALL_PORTS[0] <= c <= ALL_PORTS[1] + 1)
    out: list[tuple[int, int]] = []
    for start, nxt in zip(bounds, bounds[1:], strict=False):
        if exposing_rule(rules, protocol, start):
            if out and out[-1][1] == start - 1:
                out[-1] = (out[-1][0], nxt - 1)
            else:
                out.append((start, nxt - 1))
    return out


def all_ports_open(rules: Iterable[Rule]) -> str | None:
    """'TCP' or 'UDP' when the internet reaches every port of that protocol, else None."""
    rules = list(rules)
    for proto in ("TCP", "UDP"):
        if open_port_ranges(rules, proto) == [ALL_PORTS]:
            return proto
    return None


def describe_ranges(ranges: list[tuple[int, int]]) -> str:
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)
