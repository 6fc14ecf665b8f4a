"""Security-group rules and the one question the network checks ask of them: is this port reachable from
the whole internet?

Alibaba Cloud evaluates the inbound rules of every group an instance (network interface) belongs to
together: the rule with the smallest Priority number that matches the packet decides, a Drop beats an
Accept of the same priority, and a packet no rule matches is dropped.

A rule may name its ports by a port list (PortRangeListId) and its sources by a prefix list
(SourcePrefixListId); the collector reads those lists' entries into the rule. When a list could not be
read, what the rule matches is unknown, and so may be the answer: `exposure` then says which rules
decide it instead of guessing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from ipaddress import ip_network
from itertools import groupby, pairwise
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from .cidrs import WORLD, IPNetwork, covers_world

ALL_PORTS = (1, 65535)
PORTED = {"TCP", "UDP"}  # protocols with ports; ICMP, ICMPV6 and GRE have none
FAMILIES = (4, 6)
Span = tuple[int, int]
T = TypeVar("T")


class cached(Generic[T]):
    """functools.cached_property without its lock: before Python 3.12 that lock is one for every instance of the
    class, taken at each first read, and a scan reads ten properties of each of its tens of thousands of rules, from
    several threads (a fifth of the port checks' time). Two threads may both compute a value: the same value."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func, self.name = func, func.__name__

    def __get__(self, instance: Any, owner: type | None = None) -> T:
        value = instance.__dict__[self.name] = self.func(instance)
        return value


def _span(text: str) -> Span:
    """Inclusive port bounds of a PortRange such as "22/22"; -1/-1 (and anything unparsable) means every port."""
    lo, _, hi = text.partition("/")
    try:
        a, b = int(lo), int(hi or lo)
    except ValueError:
        return ALL_PORTS
    return ALL_PORTS if a < 1 or b < 1 else (a, b)


class Rule(BaseModel):
    """One ingress or egress rule, normalised from DescribeSecurityGroupAttribute."""

    model_config = ConfigDict(ignored_types=(cached,))

    group_id: str = ""
    rule_id: str = ""
    direction: str = "ingress"
    policy: str = "Accept"  # Accept | Drop
    priority: int = 1
    protocol: str = "ALL"  # upper case: TCP, UDP, ICMP, ICMPV6, GRE, ALL
    port_range: str = "-1/-1"
    port_list: str = ""  # PortRangeListId
    port_list_ranges: list[str] | None = None  # its entries' PortRange (DescribePortRangeListEntries); None: unread
    source_v4: str = ""  # SourceCidrIp
    source_v6: str = ""  # Ipv6SourceCidrIp
    source_group: str = ""
    source_prefix_list: str = ""  # SourcePrefixListId
    prefix_list_cidrs: list[str] | None = None  # its entries' Cidr (DescribePrefixListAttributes); None: unread
    unread: str = ""  # which list the rule uses could not be read, and why

    # (cached: the port checks probe every rule once per port boundary; a rule is complete once collected, its
    # lists' entries put in before any check reads it)
    @cached
    def accepts(self) -> bool:
        return self.policy.lower() == "accept"

    @cached
    def _ingress(self) -> bool:
        return self.direction.lower() == "ingress"

    @cached
    def _protocol(self) -> str:
        return self.protocol.upper()

    @cached
    def uses_port_list(self) -> bool:
        # AuthorizeSecurityGroup Permissions.N.PortRangeListId: "If you specify Permissions.N.PortRange, this
        # parameter is ignored"; and only TCP and UDP have ports (PortRange is -1/-1 for ICMP, GRE and ALL)
        return bool(self.port_list) and self.protocol.upper() in PORTED and self.port_range.strip() in ("", "-1/-1")

    @cached
    def uses_prefix_list(self) -> bool:
        # AuthorizeSecurityGroup Permissions.N.SourcePrefixListId: "If you specify SourceCidrIp, Ipv6SourceCidrIp,
        # or SourceGroupId, this parameter is ignored"
        return bool(self.source_prefix_list) and not (self.source_v4 or self.source_v6 or self.source_group)

    @cached
    def ports_known(self) -> bool:
        return not self.uses_port_list or self.port_list_ranges is not None

    @cached
    def sources_known(self) -> bool:
        return not self.uses_prefix_list or self.prefix_list_cidrs is not None

    @cached
    def known(self) -> bool:
        """False when a port list or prefix list the rule uses could not be read: what it matches is unknown."""
        return self.ports_known and self.sources_known

    @cached
    def spans(self) -> tuple[Span, ...]:
        """The port ranges the rule covers: its PortRange, or its port list's entries (none while unread)."""
        if self.uses_port_list:
            return tuple(_span(p) for p in self.port_list_ranges or [])
        return (_span(self.port_range),)

    @cached
    def inbound_reach(self) -> dict[int, int]:
        """IP family -> how many addresses the rule admits inbound (0 for Drops and egress rules), overlaps
        counted: Accepts whose counts cannot add up to a family's size cannot cover it, whatever the ports."""
        out = {4: 0, 6: 0}
        if self.accepts and self._ingress:
            for n in self.networks():
                out[n.version] += 1 << (n.max_prefixlen - n.prefixlen)
        return out

    def networks(self) -> list[IPNetwork]:
        """The source networks: SourceCidrIp and Ipv6SourceCidrIp, or the prefix list's entries (none while
        unread, see `known`)."""
        return self._networks

    @cached
    def _networks(self) -> list[IPNetwork]:
        cidrs = (self.prefix_list_cidrs or []) if self.uses_prefix_list else [self.source_v4, self.source_v6]
        # (a malformed source matches nothing we can reason about)
        return [n for n in (_network(c) for c in cidrs if c) if n is not None]

    def matches(self, protocol: str, port: int | None, *, any_port: bool = False) -> bool:
        """Whether the rule applies to inbound `protocol`/`port`; any_port: as if it covered every port."""
        proto, mine = protocol.upper(), self._protocol
        if not self._ingress or mine not in ("ALL", proto):
            return False
        if proto not in PORTED or mine not in PORTED:
            return True  # ALL covers every port; ICMP and GRE have no ports
        return port is not None and (any_port or any(lo <= port <= hi for lo, hi in self.spans))

    @cached
    def names_world_v4(self) -> bool:
        """Whether the rule's authorization object is 0.0.0.0/0 itself (SourceCidrIp, or an entry of its prefix
        list): the CIS audits' test, which pieces adding up to every address do not meet. False while its prefix
        list is unread (see `sources_known`)."""
        return any(n.version == 4 and n.prefixlen == 0 for n in self.networks())

    @property
    def ports_text(self) -> str:
        if not self.uses_port_list:
            return self.port_range
        entries = ", ".join(self.port_list_ranges) if self.port_list_ranges is not None else "entries unread"
        return f"port list {self.port_list} ({entries})"

    @property
    def source_text(self) -> str:
        if not self.uses_prefix_list:
            return " and ".join(s for s in (self.source_v4, self.source_v6) if s)
        entries = ", ".join(self.prefix_list_cidrs) if self.prefix_list_cidrs is not None else "entries unread"
        return f"prefix list {self.source_prefix_list} ({entries})"


@lru_cache(maxsize=1 << 16)
def _network(cidr: str) -> IPNetwork | None:
    """A source CIDR parsed once: an account's rules repeat few sources, and parsing them one rule at a time was
    most of the security-group checks' CPU (networks are immutable, so rules may share one)."""
    try:
        return ip_network(cidr.strip(), strict=False)
    except ValueError:
        return None


@dataclass(frozen=True)
class Exposure:
    """How the internet reaches one protocol/port through a set of rules."""

    rules: tuple[Rule, ...] = ()  # the Accepts it comes through; empty: it does not, or that cannot be told
    unknown: tuple[Rule, ...] = ()  # when it cannot be told: the rules with unread lists that decide it


def exposure(rules: Iterable[Rule], protocol: str, port: int | None = None,
             families: Collection[int] = FAMILIES) -> Exposure:
    """Whether `protocol`/`port` is reachable from the internet through these rules, from addresses of `families`.

    "From the internet" means from anywhere: Accepts whose sources together cover every address of a family
    (0.0.0.0/0, ::/0, or 0.0.0.0/1 plus 128.0.0.0/1). The first priority at which the Accepts so far cover the
    family is where the internet gets in, unless the Drops evaluated by then (smaller Priority number, or the same
    one) cover the whole family too; narrower Drops only carve holes. Pass the rules of all groups of an instance
    to judge the instance, or of one group to judge the group.

    A rule whose port list or prefix list could not be read is assumed, in turn, to widen the Drops and to widen
    the Accepts as far as it could (every port, and every address when its sources are unread): if the answer
    differs, `unknown` names the rules that decide it.
    """
    rules = list(rules)
    if all(r.known for r in rules):
        if not reachable_at_all(rules, families):
            return Exposure()
        return Exposure(rules=tuple(_through(rules, protocol, port, families, widen="")))
    certain = _through(rules, protocol, port, families, widen="drop")
    if certain:
        return Exposure(rules=tuple(certain))
    if not _through(rules, protocol, port, families, widen="accept"):
        return Exposure()
    return Exposure(unknown=tuple(r for r in rules
                                  if not r.known and r.matches(protocol, port, any_port=not r.ports_known)))


def reachable_at_all(rules: Iterable[Rule], families: Collection[int] = FAMILIES) -> bool:
    """False when no port can be reachable from the internet through these rules: their inbound Accepts, all
    ports together, hold fewer addresses than a family has (most groups; a cheap test a check may make once per
    group before asking about each port). True when it may be, or when a list could not be read."""
    rules = list(rules)
    if not all(r.known for r in rules):
        return True
    return any(sum(r.inbound_reach[f] for r in rules) >= 1 << (32 if f == 4 else 128) for f in families)


def exposing_rule(rules: Iterable[Rule], protocol: str, port: int | None = None) -> Rule | None:
    """The first Accept through which `protocol`/`port` is certainly reachable from the internet, or None."""
    found = exposure(rules, protocol, port).rules
    return found[0] if found else None


View = tuple[Rule, list[IPNetwork]]


def _views(rules: list[Rule], protocol: str, port: int | None, widen: str) -> list[View]:
    """The rules that apply to protocol/port with their source networks. A rule with an unread list takes part
    only if it has the policy `widen` names ('accept' or 'drop'), then as covering every port and, when its
    sources are unread, every address."""
    out = []
    for r in rules:
        if r.known:
            if r.matches(protocol, port):
                out.append((r, r.networks()))
        elif widen and r.policy.lower() == widen and r.matches(protocol, port, any_port=not r.ports_known):
            out.append((r, r.networks() if r.sources_known else list(WORLD.values())))
    return out


def _through(rules: list[Rule], protocol: str, port: int | None, families: Collection[int],
             widen: str) -> list[Rule]:
    views = _views(rules, protocol, port, widen)
    for family in families:
        found = _through_family(views, family)
        if found:
            return found
    return []


def _through_family(views: list[View], family: int) -> list[Rule]:
    """The Accepts through which every address of `family` gets in, or [] (see `exposure`)."""
    mine = [(r, [n for n in nets if n.version == family]) for r, nets in views if r.accepts]
    # cheap first: Accepts holding fewer addresses than the family has, overlaps counted, cannot cover it at any
    # priority (most ports of most groups; the port scans ask this once per rule boundary)
    bits = 32 if family == 4 else 128
    if sum(1 << (bits - n.prefixlen) for _, nets in mine for n in nets) < 1 << bits:
        return []
    accepts = sorted(mine, key=lambda v: v[0].priority)
    seen: list[View] = []
    for priority, batch in groupby((v for v in accepts if v[1]), key=lambda v: v[0].priority):
        seen += batch
        if covers_world((n for _, nets in seen for n in nets), family):
            # Drops only grow with the priority: if they cover the family here, they do at every later priority
            drops = (n for r, nets in views if not r.accepts and r.priority <= priority for n in nets)
            if covers_world(drops, family):
                return []
            whole = [r for r, nets in seen if covers_world(nets, family)]
            return whole[:1] or [r for r, _ in seen]
    return []


@dataclass(frozen=True)
class PortScan:
    """The TCP or UDP ports the internet reaches, merged, ascending."""

    open: list[Span]  # certainly reachable
    undecided: list[Span]  # reachable or not depending on lists that could not be read
    unknown: list[Rule]  # those rules

    def touches(self, lo: int, hi: int) -> bool:
        """Whether a port of lo..hi is open or undecided: only then may `exposure` find rules or unread lists for
        one of them (a check asking about many ports asks this first, and `exposure` only where it says yes)."""
        return any(a <= hi and lo <= b for a, b in (*self.open, *self.undecided))


def port_scans(rules: Iterable[Rule], families: Collection[int] = FAMILIES) -> dict[str, PortScan]:
    """The port scans of TCP and UDP."""
    rules = list(rules)
    return {p: port_scan(rules, p, families) for p in ("TCP", "UDP")}


def port_scan(rules: Iterable[Rule], protocol: str, families: Collection[int] = FAMILIES) -> PortScan:
    """Every port of `protocol` reachable from the internet. The answer only changes at rule boundaries, so
    probing one port per segment between boundaries is exact without walking 65535 ports."""
    rules = [r for r in rules if r.direction.lower() == "ingress"]
    if not reachable_at_all(rules, families):
        return PortScan(open=[], undecided=[], unknown=[])
    cuts = {ALL_PORTS[0], ALL_PORTS[1] + 1}
    for r in rules:
        for lo, hi in r.spans:
            cuts.update((lo, hi + 1))
    bounds = sorted(c for c in cuts if ALL_PORTS[0] <= c <= ALL_PORTS[1] + 1)
    opened: list[Span] = []
    undecided: list[Span] = []
    unknown: dict[int, Rule] = {}
    known = all(r.known for r in rules)  # (then exposure's own test, reachable_at_all, is the one made above)
    for start, nxt in pairwise(bounds):
        found = (Exposure(rules=tuple(_through(rules, protocol, start, families, widen=""))) if known
                 else exposure(rules, protocol, start, families))
        if found.rules:
            _extend(opened, start, nxt - 1)
        elif found.unknown:
            _extend(undecided, start, nxt - 1)
            unknown.update((id(r), r) for r in found.unknown)
    return PortScan(opened, undecided, list(unknown.values()))


def _extend(ranges: list[Span], lo: int, hi: int) -> None:
    if ranges and ranges[-1][1] == lo - 1:
        ranges[-1] = (ranges[-1][0], hi)
    else:
        ranges.append((lo, hi))


def open_port_ranges(rules: Iterable[Rule], protocol: str) -> list[Span]:
    """Every TCP or UDP port range certainly reachable from the internet, merged, ascending."""
    return port_scan(rules, protocol).open


def all_ports_open(rules: Iterable[Rule], families: Collection[int] = FAMILIES) -> str | None:
    """'TCP' or 'UDP' when the internet certainly reaches every port of that protocol, else None."""
    return every_port_open(port_scans(rules, families))


def every_port_open(scans: dict[str, PortScan]) -> str | None:
    """all_ports_open from the scans port_scans made."""
    return next((proto for proto, scan in scans.items() if scan.open == [ALL_PORTS]), None)


def describe_ranges(ranges: list[Span]) -> str:
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)


def unread_lists(rules: Iterable[Rule]) -> str:
    """The unread lists behind these rules, each once: 'rule sgr-1 of sg-1: port list prl-1 could not be read
    (NoPermission: ...)'."""
    seen = dict.fromkeys(f"rule {r.rule_id or '?'} of {r.group_id}: {r.unread or 'a list it uses was not read'}"
                         for r in rules)
    return "; ".join(seen)
