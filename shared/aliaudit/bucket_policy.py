"""Bucket policies and ACLs read as an attacker would: who, from where, may do what on a bucket. One place decides
"public" for every OSS check (`public_exposure`): a public-read(-write) ACL, or a bucket policy Allow to everyone
(Principal "*", or an empty Principal list, which OSS reads as "*") without a condition that really restricts who
can call (acs:SourceIp to specific public ranges, acs:SourceVpc, acs:AccessId), makes a bucket public unless
Block Public Access (on the bucket or the account) neutralises it, or a Deny for everyone outside given IPs/VPCs
fences it in. Private source ranges restrict nothing without acs:SourceVpc (VPC addresses are not unique across
tenants); weak conditions (acs:Referer, acs:UserAgent, acs:SecureTransport, time, prefix) restrict nothing: any
client can send them."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from .collectors.oss import BucketInfo

PUBLIC_ACLS = ("public-read", "public-read-write")
# Narrower than this a source range names someone's network; broader is "anywhere" (0.0.0.0/1 is half the Internet).
# OSS draws the same line: acs:SourceIp / acs:SourceVpcIp make a statement non-public when "For IPv4 addresses, the
# mask must be greater than or equal to 8. For IPv6 addresses, the mask must be greater than or equal to 32" (OSS
# "Block Public Access", https://www.alibabacloud.com/help/en/oss/user-guide/block-public-access).
MIN_PREFIX = {4: 8, 6: 32}
# Source addresses that do not name one network: every tenant's VPC may use them. "acs:SourceIp ... does not
# distinguish whether the IP address is from the public network or a VPC ... requests from another VPC that uses
# the same IP address range are also allowed ... if you specify acs:SourceIp, you must also specify acs:SourceVpc"
# (OSS "Bucket Policy", https://www.alibabacloud.com/help/en/oss/user-guide/oss-bucket-policy/; enforced for new
# policies only, so older ones remain).
NON_PUBLIC = [ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",  # RFC 1918
    "100.64.0.0/10",  # RFC 6598 shared address space (carrier-grade NAT, Alibaba Cloud's internal services)
    "127.0.0.0/8", "169.254.0.0/16",  # loopback, link-local
    "fc00::/7", "fe80::/10", "::1/128")]  # IPv6 unique-local, link-local, loopback
_NETWORK_KEYS = ("acs:sourcevpc", "acs:sourcevpcid")
# What OSS itself calls a non-public statement, which Block Public Access leaves in force: "A statement in a bucket
# policy is considered non-public if its Principal or Condition element meets any of the criteria": a Principal,
# acs:SourceVpcId, acs:SourceVpc or acs:AccessId with "one or more fixed values that do not contain the asterisk (*)
# wildcard", or acs:SourceVpcIp / acs:SourceIp with masks of at least MIN_PREFIX ("Block Public Access", above;
# "When enabled, this feature ignores existing public permissions"). The table names no operator, so none is read.
_OSS_FIXED_KEYS = ("acs:sourcevpcid", "acs:sourcevpc", "acs:accessid")
_OSS_RANGE_KEYS = ("acs:sourceip", "acs:sourcevpcip")
_IDENTITY_KEYS = ("acs:accessid",)
# The condition keys a bucket policy delegates to access points with ("Accessing OSS with access points":
# oss:DataAccessPointArn, oss:DataAccessPointAccount, oss:AccessPointNetworkOrigin): only requests made through an
# access point carry them, so a grant matching them opens nothing to direct requests on the bucket
_ACCESS_POINT_KEYS = ("oss:dataaccesspointarn", "oss:dataaccesspointaccount", "oss:accesspointnetworkorigin")
# What a public ACL lets anyone do (checked against fencing Deny statements).
_ACL_ACTIONS = {"public-read": ["oss:GetObject", "oss:ListObjects"],
                "public-read-write": ["oss:GetObject", "oss:ListObjects", "oss:PutObject", "oss:DeleteObject"]}



def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, dict):  # RAM-style {"RAM": [...]} principals
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def statements(policy: dict[str, Any] | None) -> list[dict[str, Any]]:
    raw = (policy or {}).get("Statement", [])
    if isinstance(raw, dict):
        return [raw]
    return [s for s in raw if isinstance(s, dict)] if isinstance(raw, list) else []


def effect(st: dict[str, Any]) -> str:
    return str(st.get("Effect", "")).lower()


def to_everyone(st: dict[str, Any]) -> bool:
    """Principal "*" (a string or in a list), or an empty list: "If Principal is set to an empty array [], it is
    equivalent to ["*"]" (OSS "Authorization syntax and elements", Principal,
    https://www.alibabacloud.com/help/en/oss/user-guide/authorization-syntax-and-elements)."""
    principal = st.get("Principal")
    return principal == [] or "*" in _strings(principal)


def _conditions(st: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(operator, key, values), operator and key lower-cased; every entry must hold for the statement."""
    block = st.get("Condition") or {}
    if not isinstance(block, dict):
        return [("invalid", "", [])]
    return [(str(op).lower(), str(key).lower(), _strings(values))
            for op, inner in block.items() if isinstance(inner, dict) for key, values in inner.items()]


def _resource_part(arn: str) -> str:
    """'acs:oss:*:<owner>:bucket/key' -> 'bucket/key': a bucket policy only reaches its own bucket."""
    parts = arn.split(":", 4)
    return parts[4] if len(parts) == 5 and arn.lower().startswith("acs:oss:") else arn


def _actions(st: dict[str, Any]) -> list[str]:
    return ["*"] if "NotAction" in st or "Action" not in st else _strings(st["Action"])


def _resources(st: dict[str, Any]) -> list[str]:
    return ["*"] if "NotResource" in st or "Resource" not in st else [_resource_part(r) for r in
                                                                      _strings(st["Resource"])]


def _covers(patterns: list[str], items: list[str], *, fold: bool = True) -> bool:
    """Every item (an action/resource, or itself a pattern) falls under one of the patterns. Actions compare in any
    letter case; resources (fold=False) exactly: OSS object keys are case-sensitive, so a Deny on b/public/* leaves
    a grant on b/Public/* standing."""
    def norm(text: str) -> str:
        return text.lower() if fold else text

    return bool(items) and all(any(fnmatchcase(norm(i), norm(p)) for p in patterns) for i in items)


def _networks(values: list[str]) -> Iterator[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network | None]]:
    """Each source IP value with its network, None when it cannot be read as one."""
    for v in values:
        try:
            yield v, ipaddress.ip_network(v.strip(), strict=False)
        except ValueError:
            yield v, None


def broad_ranges(values: list[str]) -> list[str]:
    """Source IP values that stand for (nearly) anywhere, or that cannot be read as addresses."""
    return [v for v, net in _networks(values) if net is None or net.prefixlen < MIN_PREFIX[net.version]]


def private_ranges(values: list[str]) -> list[str]:
    """Source IP values that overlap a range no single network owns (NON_PUBLIC); unreadable ones are
    broad_ranges' to report."""
    return [v for v, net in _networks(values) if net is not None
            and any(net.version == p.version and net.overlaps(p) for p in NON_PUBLIC)]


def _names_networks(values: list[str]) -> bool:
    """acs:SourceIp values that name someone's networks: narrow, and public addresses only."""
    return bool(values) and not broad_ranges(values) and not private_ranges(values)


def _exact(values: list[str]) -> bool:
    return bool(values) and not any("*" in v or "?" in v for v in values)


def ignored_by_block(st: dict[str, Any]) -> bool:
    """Whether Block Public Access ignores this statement: an Allow OSS calls public (_OSS_FIXED_KEYS above). A
    grant aliaudit calls public that OSS does not (a private source range, a negated network condition) stays in
    force under the block."""
    if effect(st) != "allow":
        return False
    principals = _strings(st.get("Principal"))
    if principals and not any("*" in p for p in principals):
        return False
    for _, key, values in _conditions(st):
        if key in _OSS_FIXED_KEYS and values and not any("*" in v for v in values):
            return False
        if key in _OSS_RANGE_KEYS and values and not broad_ranges(values):
            return False
    return True


def _restricts(op: str, key: str, values: list[str]) -> bool:
    """A condition entry that limits who can match to specific networks or keys."""
    if key == "acs:sourceip":  # private ranges restrict only with acs:SourceVpc, itself a restricting entry
        return op == "ipaddress" and _names_networks(values)
    if key in _NETWORK_KEYS or key in _IDENTITY_KEYS:
        return (op in ("stringequals", "stringequalsignorecase") and bool(values)) or (
            op == "stringlike" and _exact(values))
    return False


def _fence(st: dict[str, Any]) -> bool:
    """A Deny for everyone that applies outside specific IPs/VPCs/keys: only those remain allowed."""
    if effect(st) != "deny" or not to_everyone(st) or "NotAction" in st or "NotResource" in st:
        return False
    entries = _conditions(st)
    if len(entries) != 1:  # more entries narrow the Deny (all must hold)
        return False
    op, key, values = entries[0]
    if key == "acs:sourceip":  # a fence leaving private ranges open leaves them open to every tenant's VPC
        return op == "notipaddress" and _names_networks(values)
    if key in _NETWORK_KEYS or key in _IDENTITY_KEYS:
        return (op in ("stringnotequals", "stringnotequalsignorecase") and bool(values)) or (
            op == "stringnotlike" and _exact(values))
    return False


def _fenced(fences: list[dict[str, Any]], actions: list[str], resources: list[str], bucket: str) -> bool:
    # a grant on "*" in a bucket's policy means the bucket and all its objects
    items = [r for res in resources for r in ([bucket, f"{bucket}/*"] if res == "*" and bucket else [res])]
    return any(_covers(_actions(f), actions) and _covers(_resources(f), items, fold=False) for f in fences)


def _weak_entry(key: str, values: list[str]) -> str:
    if key != "acs:sourceip":
        return key
    if broad_ranges(values):
        return f"{key} {', '.join(broad_ranges(values))}"
    if private_ranges(values):
        return f"{key} {', '.join(private_ranges(values))} (private, without acs:SourceVpc)"
    return key


def _weakness(st: dict[str, Any]) -> str:
    weak = sorted({_weak_entry(key, values) for _, key, values in _conditions(st) if key})
    return "without a condition" if not weak else f"with only weak conditions ({'; '.join(weak)})"


def _through_access_points(op: str, key: str, values: list[str]) -> bool:
    """A condition only requests through an access point can meet (a positive test of one of their keys)."""
    return key in _ACCESS_POINT_KEYS and op in ("stringequals", "stringequalsignorecase", "stringlike") \
        and bool(values)


def _public_statements(policy: dict[str, Any] | None, bucket: str = "",
                       direct: bool = True) -> list[tuple[int, dict[str, Any]]]:
    """(position, statement) of the Allow statements to Principal "*" that nothing restricts (no strong condition,
    no fencing Deny). direct: for requests on the bucket itself, which a delegation to access points does not
    match; False for requests through an access point, which it does."""
    sts = statements(policy)
    fences = [s for s in sts if _fence(s)]
    return [(i, st) for i, st in enumerate(sts, 1) if effect(st) == "allow" and to_everyone(st)
            and not any(_restricts(*c) or (direct and _through_access_points(*c)) for c in _conditions(st))
            and not _fenced(fences, _actions(st), _resources(st), bucket)]


def _grant_text(i: int, st: dict[str, Any]) -> str:
    return f"policy statement {i} allows {', '.join(_actions(st))} to * {_weakness(st)}"


def public_grants(policy: dict[str, Any] | None, bucket: str = "", direct: bool = True) -> list[str]:
    """Allow statements to Principal "*" that nothing restricts (no strong condition, no fencing Deny). direct:
    False for an access point's own policy, every request of which carries the access point keys."""
    return [_grant_text(i, st) for i, st in _public_statements(policy, bucket, direct)]


def grants_under_block(policy: dict[str, Any] | None, bucket: str = "",
                       direct: bool = True) -> tuple[list[str], list[str]]:
    """(in force, ignored): public_grants with Block Public Access on, split by ignored_by_block; the grants left in
    force say why."""
    standing: list[str] = []
    ignored: list[str] = []
    for i, st in _public_statements(policy, bucket, direct):
        if ignored_by_block(st):
            ignored.append(_grant_text(i, st))
        else:
            standing.append(_grant_text(i, st) + ", which Block Public Access leaves in force (OSS does not call it "
                            "public)")
    return standing, ignored


def _head(pattern: str) -> str:
    """The literal part of a wildcard pattern before its first * or ?."""
    return re.split(r"[*?]", pattern, maxsplit=1)[0]


def _may_overlap(a: str, b: str) -> bool:
    """Whether two patterns (actions, resources: * and ? wildcards) can name one same thing. Two patterns with
    wildcards overlap here whenever their literal heads agree, which may say yes where they do not (oss:Get* and
    oss:*Acl are taken to overlap): an overlap is never missed, so an access point grant is never called inert
    wrongly."""
    literal_a, literal_b = _head(a) == a, _head(b) == b
    if literal_a and literal_b:
        return a == b
    if literal_a or literal_b:
        text, pattern = (a, b) if literal_a else (b, a)
        return fnmatchcase(text, pattern)
    return _head(a).startswith(_head(b)) or _head(b).startswith(_head(a))


# An access point policy's resources: "acs:oss:<region>:<uid>:accesspoint/<name>" (the access point, for listing)
# and "acs:oss:<region>:<uid>:accesspoint/<name>/object/<key>" (objects through it) (PutAccessPointPolicy,
# https://www.alibabacloud.com/help/en/oss/developer-reference/putaccesspointpolicy)
_AP_RESOURCE = re.compile(r"^accesspoint/[^/]+(?:/object/(?P<key>.*))?$")


def _bucket_resource(ap_resource: str, bucket: str) -> str:
    """An access point policy resource as the bucket's own resource it reaches (bucket, bucket/<key>); "*" when it
    does not read as one (the whole bucket: nothing is missed)."""
    m = _AP_RESOURCE.match(ap_resource)
    if m is None:
        return "*"
    return bucket if m.group("key") is None else f"{bucket}/{m.group('key')}"


def _both_grant(ap_st: dict[str, Any], bucket_st: dict[str, Any], bucket: str) -> bool:
    """Whether a bucket-policy statement covers some action on some resource an access point statement grants."""
    ap_resources = [_bucket_resource(r, bucket) for r in _resources(ap_st)]
    bucket_resources = [r for res in _resources(bucket_st) for r in ([bucket, f"{bucket}/*"] if res == "*" else [res])]
    return (any(_may_overlap(a.lower(), b.lower()) for a in _actions(ap_st) for b in _actions(bucket_st))
            and any(_may_overlap(a, b) for a in ap_resources for b in bucket_resources))


def access_point_public_grants(ap_policy: dict[str, Any] | None, ap_name: str, bucket_policy: dict[str, Any] | None,
                               bucket: str, *, ap_blocked: bool = False,
                               bucket_blocked: bool = False) -> tuple[list[str], list[str]]:
    """(public, inert): the access point policy's public grants (as public_grants reads them) that the bucket
    policy also grants to everyone, and those it does not. A request through an access point needs both: "you can
    use an access point to perform operations on OSS only if both of the following conditions are met: The merged
    result of the RAM policy and bucket policy is determined as Allow. The access point policy is determined as
    Allow" ("Relationships among the access point policy, bucket policy, and RAM policy",
    https://www.alibabacloud.com/help/en/oss/user-guide/relationship-between-ap-policy-bucket-policy-and-ram-policy).
    An anonymous caller has no RAM policy, so the bucket policy alone stands for the merged result. A bucket-policy
    grant to * with a condition that does not restrict the caller (oss:DataAccessPointArn, the documented
    delegation to access points, included) counts as granting everyone. ap_blocked, bucket_blocked: Block Public
    Access applies to the access point (set at any level) or to the bucket: the statements it ignores are left out."""
    bucket_grants = [(j, st) for j, st in _public_statements(bucket_policy, bucket, direct=False)
                     if not (bucket_blocked and ignored_by_block(st))]
    public, inert = [], []
    for i, st in _public_statements(ap_policy, ap_name, direct=False):
        if ap_blocked and ignored_by_block(st):
            continue
        text = f"access point policy statement {i} allows {', '.join(_actions(st))} to * {_weakness(st)}"
        also = [j for j, bst in bucket_grants if _both_grant(st, bst, bucket)]
        if also:
            public.append(text + f", and bucket policy statement {', '.join(map(str, also))} grants it to * too")
        else:
            inert.append(text)
    return public, inert


def _acl_fenced(bucket: str, acl: str, policy: dict[str, Any] | None) -> bool:
    """The policy's Deny stops everyone outside its networks, ACL grants included."""
    fences = [s for s in statements(policy) if _fence(s)]
    return _fenced(fences, _ACL_ACTIONS[acl], [bucket, f"{bucket}/*"], bucket)


def network_rules(policy: dict[str, Any] | None, bucket: str = "") -> tuple[list[str], list[str]]:
    """(open, restricted): grants to named principals whose acs:SourceIp names (nearly) anywhere (grants
    to * are public_grants' business), and the network restrictions the policy does have."""
    sts = statements(policy)
    fences = [s for s in sts if _fence(s)]
    open_, restricted = [], []
    for i, st in enumerate(sts, 1):
        for op, key, values in _conditions(st):
            if key == "acs:sourceip" and effect(st) == "allow" and op == "ipaddress" and broad_ranges(values):
                if not to_everyone(st) and not _fenced(fences, _actions(st), _resources(st), bucket):
                    open_.append(f"policy statement {i} allows source IPs {', '.join(broad_ranges(values))}")
            elif (key == "acs:sourceip" or key in _NETWORK_KEYS) and (
                    (effect(st) == "allow" and _restricts(op, key, values)) or _fence(st)):
                restricted.append(f"{key} {', '.join(values)}")
    return open_, restricted


def https_enforced(policy: dict[str, Any] | None, bucket: str) -> tuple[bool, str]:
    """CIS 5.4: a Deny for everyone, on every OSS action on the bucket's objects, when
    acs:SecureTransport is false. An Allow with SecureTransport true enforces nothing (other grants,
    RAM policies included, still allow HTTP)."""
    partial = ""
    for i, st in enumerate(statements(policy), 1):
        if effect(st) != "deny" or not to_everyone(st) or "NotAction" in st or "NotResource" in st:
            continue
        entries = _conditions(st)
        if len(entries) != 1:
            continue
        op, key, values = entries[0]
        if key != "acs:securetransport" or op not in ("bool", "stringequals", "stringequalsignorecase") \
                or "false" not in [v.lower() for v in values]:
            continue
        if _covers(_actions(st), ["oss:*"]) and _covers(_resources(st), [f"{bucket}/*"], fold=False):
            return True, f"policy statement {i} denies every request over HTTP"
        partial = (f"policy statement {i} denies HTTP only for {', '.join(_actions(st))} on "
                   f"{', '.join(_resources(st))}")
    return False, partial or "no bucket policy statement denies requests with acs:SecureTransport false"


@dataclass
class Exposure:
    state: str  # public | private | unknown
    reasons: list[str] = field(default_factory=list)  # what makes it public now
    blocked: list[str] = field(default_factory=list)  # public settings Block Public Access neutralises
    unknown: list[str] = field(default_factory=list)  # what could not be read (state unknown)
    blocked_by: str = ""  # bucket | account, when Block Public Access is on
    fenced: bool = False  # a public ACL that a bucket-policy Deny limits to given networks


def public_exposure(b: BucketInfo, account_block: bool | None, account_error: str | None = None) -> Exposure:
    """Whether anyone on the Internet can reach the bucket, from its ACL, policy and the bucket- and
    account-level Block Public Access; 'unknown' only when unreadable settings could change the answer."""
    acl_known, policy_known = "acl" not in b.errors, "policy" not in b.errors
    public_acl = acl_known and b.acl in PUBLIC_ACLS
    fenced = public_acl and policy_known and _acl_fenced(b.name, str(b.acl), b.policy)
    acl_grant = [f"ACL {b.acl}"] if public_acl and not fenced else []
    grants = acl_grant + (public_grants(b.policy, b.name) if policy_known else [])
    if b.block_public_access or account_block:
        by = "bucket" if b.block_public_access else "account"
        if not policy_known:  # (it may hold a grant the block leaves in force)
            return Exposure("unknown", blocked=acl_grant, blocked_by=by, unknown=b.missing("policy"))
        standing, ignored = grants_under_block(b.policy, b.name)
        return Exposure("public" if standing else "private", reasons=standing, blocked=acl_grant + ignored,
                        blocked_by=by)
    blocks_known = "public_access_block" not in b.errors and account_block is not None
    unknown = b.missing("acl", "policy", "public_access_block") + (
        [f"account public access block: {account_error}"] if account_block is None else [])
    if acl_known and policy_known:
        if not grants:
            return Exposure("private", fenced=fenced)
        if blocks_known:
            return Exposure("public", reasons=grants)
    elif policy_known and public_grants(b.policy, b.name) and blocks_known:
        return Exposure("public", reasons=grants)  # public by policy whatever the unread ACL says
    return Exposure("unknown", reasons=grants, unknown=unknown)
