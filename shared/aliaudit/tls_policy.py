"""The TLS versions of a load balancer's security policy judged (ALB and NLB: both list a policy's versions as
TLSv1.0 ... TLSv1.3; ALB ListSecurityPolicies TLSVersions, NLB ListSecurityPolicy TlsVersion, OpenMeta alb
2020-06-16 and nlb 2022-04-30). TLS 1.0 and 1.1 are deprecated (RFC 8996); a value neither list documents is not
judged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from .findings import Status

# ALB and NLB listener events that change whether a listener serves (a stopped listener is MANUAL in their checks)
LISTENER_STATE = ["StartListener", "StopListener"]

WEAK_TLS = ("TLSv1.0", "TLSv1.1")
STRONG_TLS = ("TLSv1.2", "TLSv1.3")  # the other documented values
_WEAK = {v.lower() for v in WEAK_TLS}
_KNOWN = _WEAK | {v.lower() for v in STRONG_TLS}

# The policy of a listener created without SecurityPolicyId: "Default value: tls_cipher_policy_1_0 (system security
# policy)" (ALB CreateListenerRequest.security_policy_id, alibabacloud_alb20200616) and "tls_cipher_policy_1_0
# (default)" (NLB CreateListenerRequest.security_policy_id, alibabacloud_nlb20220430). Its TLS versions, used when the
# system policy list does not name it: "TLSv1.0,TLSv1.1,TLSv1.2" (NLB ListSystemSecurityPolicy's documented sample,
# tests/fixtures/wire/nlb; the same as CLB's TLSCipherPolicy tls_cipher_policy_1_0, OpenMeta slb 2014-05-15).
DEFAULT_POLICY = "tls_cipher_policy_1_0"
DEFAULT_POLICY_TLS = ("TLSv1.0", "TLSv1.1", "TLSv1.2")


class SecurityPolicy(Protocol):
    """What the verdict reads of an ALB or NLB security policy record."""

    @property
    def id(self) -> str: ...

    @property
    def system(self) -> bool: ...

    @property
    def tls_versions(self) -> list[str]: ...


def policy_verdict(where: str, policy_id: str, versions: list[str] | None, system: bool) -> tuple[Status, str]:
    """The verdict on a listener (`where`, e.g. 'HTTPS port 443') using policy `policy_id` with these TLS versions
    (None: the policy is in neither list); versions compare in any letter case."""
    if not versions:
        return Status.MANUAL, (f"{where}: security policy {policy_id or '(none)'} could not be resolved to TLS "
                               "versions; check it in the console")
    weak = [v for v in versions if v.strip().lower() in _WEAK]
    unknown = [v for v in versions if v.strip().lower() not in _KNOWN]
    uses = f"{where} uses {'system' if system else 'custom'} policy {policy_id}"
    if weak:
        return Status.FAIL, f"{uses}, which allows {', '.join(weak)}"
    if unknown:
        return Status.MANUAL, f"{uses}, whose TLS versions include undocumented {', '.join(unknown)}: check them"
    return Status.PASS, f"{uses} ({', '.join(versions)})"


def listener_verdict(where: str, policy_id: str, policies: Mapping[str, SecurityPolicy]) -> tuple[Status, str]:
    """The verdict on a TLS listener naming `policy_id`, looked up in `policies` (system and custom, by id). A
    listener answered without a policy id uses the documented default, DEFAULT_POLICY: judged as that policy, with a
    message saying the default was assumed."""
    if policy_id:
        policy = policies.get(policy_id)
        return policy_verdict(where, policy.id if policy else policy_id, policy.tls_versions if policy else None,
                              bool(policy and policy.system))
    listed = policies.get(DEFAULT_POLICY)
    versions = list(listed.tls_versions) if listed and listed.tls_versions else list(DEFAULT_POLICY_TLS)
    status, message = policy_verdict(where, DEFAULT_POLICY, versions, True)
    return status, (f"{message} (no security policy reported: the documented default {DEFAULT_POLICY} of a listener "
                    "created without one is assumed)")
