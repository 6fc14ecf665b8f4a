"""The TLS versions of a load balancer's security policy judged (ALB and NLB: both list a policy's versions as
TLSv1.0 ... TLSv1.3; ALB ListSecurityPolicies TLSVersions, NLB ListSecurityPolicy TlsVersion, OpenMeta alb
2020-06-16 and nlb 2022-04-30). TLS 1.0 and 1.1 are deprecated (RFC 8996); a value neither list documents is not
judged."""

from __future__ import annotations

from .findings import Status

WEAK_TLS = ("TLSv1.0", "TLSv1.1")
STRONG_TLS = ("TLSv1.2", "TLSv1.3")  # the other documented values
_WEAK = {v.lower() for v in WEAK_TLS}
_KNOWN = _WEAK | {v.lower() for v in STRONG_TLS}


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
