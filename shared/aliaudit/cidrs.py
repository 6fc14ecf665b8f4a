"""The address-space question the network checks share: do these CIDR blocks, together, admit every address of
an IP family? "Everyone" can be spread over several entries (0.0.0.0/1 plus 128.0.0.0/1, or ::/1 plus 8000::/1)
in a security group's rules as in an RDS whitelist, and is then the whole internet as surely as 0.0.0.0/0."""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Network, IPv6Network, collapse_addresses, ip_network

from .findings import Status

IPNetwork = IPv4Network | IPv6Network
WORLD: dict[int, IPNetwork] = {4: ip_network("0.0.0.0/0"), 6: ip_network("::/0")}


def covers_world(networks: Iterable[IPNetwork], family: int) -> bool:
    """Whether the networks of `family` (4 or 6) among `networks` hold every address of that family between them.
    Networks of the other family are ignored (collapse_addresses refuses mixed families)."""
    kind = IPv4Network if family == 4 else IPv6Network
    mine = [n for n in networks if isinstance(n, kind)]
    # cheap first: a /0 is the world; blocks holding fewer addresses than the family has, counted with their
    # overlaps, cannot cover it (most sources are narrow: this spares the collapse, the scan's costliest step)
    if any(n.prefixlen == 0 for n in mine):
        return True
    bits = 32 if family == 4 else 128
    if sum(1 << (bits - n.prefixlen) for n in mine) < 1 << bits:
        return False
    if family == 4:
        return WORLD[4] in list(collapse_addresses(n for n in mine if isinstance(n, IPv4Network)))
    return WORLD[6] in list(collapse_addresses(n for n in mine if isinstance(n, IPv6Network)))


def _whitelist_network(raw: str) -> IPNetwork | None:
    text = raw.strip()
    # a bare 0.0.0.0 is read as "any address": no Alibaba reference says what a database whitelist makes of it, and CIS
    # 6.2's audit names it beside /0 ("it is not configured as 0.0.0.0"), the conservative reading
    if text == "0.0.0.0":
        text = "0.0.0.0/0"
    try:
        return ip_network(text, strict=False)
    except ValueError:
        return None  # not an address (a template name, a typo): admits nobody


def open_whitelist_entries(groups: Iterable[tuple[str, Iterable[str]]]) -> list[str]:
    """The entries ('<group>: <entry>') of ApsaraDB IP whitelists, given as (group name, entries), that admit every
    address: a /0 (0.0.0.0/0, ::/0, a bare 0.0.0.0), or, when none is, every entry of an address family whose
    entries together cover all of it (0.0.0.0/1 + 128.0.0.0/1). Empty when the whitelists admit less."""
    entries = [(name, ip, net) for name, ips in groups for ip in ips
               if (net := _whitelist_network(ip)) is not None]
    opened = [f"{name}: {ip.strip()}" for name, ip, net in entries if net.prefixlen == 0]
    if opened:
        return opened
    for family in (4, 6):
        if covers_world((net for _, _, net in entries), family):
            return [f"{name}: {ip.strip()}" for name, ip, net in entries if net.version == family]
    return []


def whitelist_reach(endpoints_unread: bool, public: list[str]) -> str:
    """Who an ApsaraDB whitelist that admits every address lets in (the end of the whitelist checks' FAIL message):
    the internet through the public endpoints, else every host of the network; unknown when the endpoints were not
    read."""
    if endpoints_unread:
        return "whether it has a public endpoint could not be read"
    if public:
        return f"reachable from the internet through {', '.join(public)}"
    return "no public endpoint: any host of the network can connect"


def linked_templates_text(count: int) -> str:
    """The PASS message of a whitelist check that read the instance's linked templates."""
    linked = f"{count} linked whitelist template(s)" if count else "no linked whitelist template"
    return f"no whitelist entry admits every address ({linked})"


def whitelist_verdict(opened: list[str], endpoints_unread: bool, public: list[str], templates_error: str | None,
                      closed: str, templates: str = "global IP whitelist templates") -> tuple[Status, str]:
    """The verdict of an ApsaraDB whitelist check (RDS, Redis, MongoDB, PolarDB) over its groups and linked templates:
    FAIL naming the entries that admit every address (opened) and who that lets in; ERROR when none does but the
    linked templates could not be read (templates_error: the check's "could not read ..." message), since one might;
    PASS with `closed` otherwise."""
    if opened:
        return Status.FAIL, f"whitelist admits every address ({'; '.join(opened)}); " \
                            f"{whitelist_reach(endpoints_unread, public)}"
    if templates_error is not None:
        return Status.ERROR, f"no whitelist group admits every address, but the linked {templates} could not be " \
                             f"read: {templates_error.removeprefix('could not read ')}"
    return Status.PASS, closed
