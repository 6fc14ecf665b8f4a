"""NLB (Network Load Balancer) checks: the TLS versions of TCPSSL listeners' security policies. One finding per
TCPSSL listener (its ListenerId), in its region."""

from __future__ import annotations

from collections.abc import Iterator

from ..collectors.nlb import LISTENERS, SECURITY_POLICIES, NlbListener
from ..findings import Result, Status
from ..tls_policy import LISTENER_STATE, listener_verdict
from .registry import Inputs, check

PASS, FAIL, MANUAL = Status.PASS, Status.FAIL, Status.MANUAL


def _result(lst: NlbListener, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=lst.id, resource_type="nlb:listener", resource_name=lst.description,
                  region=lst.region, message=message,
                  details={"load_balancer": lst.load_balancer_id, "protocol": lst.protocol, "port": str(lst.port)})


@check(id="nlb_listener_tls_policy_strong", severity="medium",
       title="NLB TCPSSL listeners use a security policy without TLS 1.0 and 1.1",
       risk="TLS 1.0 and 1.1 have known attacks and are deprecated (RFC 8996); a listener that offers them lets "
            "clients, or an attacker in the path, downgrade the connection.",
       console="NLB console > Instances > the instance > Listener > the TCPSSL listener > Edit Listener > TLS "
               "Security Policy: tls_cipher_policy_1_2_strict_with_1_3 (or a custom policy with TLS 1.2+ only).",
       cli="aliyun nlb UpdateListenerAttribute --RegionId <region> --ListenerId <id> --SecurityPolicyId "
           "tls_cipher_policy_1_2_strict_with_1_3",
       events=[*LISTENER_STATE, "CreateListener", "UpdateListenerAttribute", "UpdateSecurityPolicyAttribute",
               "CreateSecurityPolicy"],
       needs=[LISTENERS, SECURITY_POLICIES],
       evaluates="TCPSSL listeners of every NLB (ListListeners ListenerProtocol TCPSSL): the SecurityPolicyId is "
                 "looked up in ListSystemSecurityPolicy and ListSecurityPolicy; PASS when its TlsVersion (a "
                 "comma-separated list) holds only TLSv1.2 and TLSv1.3, FAIL when it holds TLSv1.0 or TLSv1.1 (any "
                 "letter case); a listener answered without a SecurityPolicyId is judged as the documented "
                 "default, tls_cipher_policy_1_0, and the message says so; MANUAL when the policy is in neither "
                 "list, lists no TLS version or an undocumented one, and when the listener serves nothing "
                 "(ListenerStatus Stopping, Stopped, Deleting or Deleted). TCP and UDP listeners give no result.",
       source="https://api.alibabacloud.com/api/Nlb/2022-04-30/ListSecurityPolicy | RFC 8996 | "
              "https://api.alibabacloud.com/api/Nlb/2022-04-30/CreateListener (SecurityPolicyId default)")
def listener_tls_policy_strong(inp: Inputs) -> Iterator[Result]:
    policies = {p.id: p for p in inp[SECURITY_POLICIES]}
    for lst in inp[LISTENERS]:
        if lst.protocol != "TCPSSL":
            continue
        where = f"TCPSSL port {lst.port}"
        if lst.stopped:
            yield _result(lst, MANUAL, f"{where} not judged: the listener is {lst.status} (ListenerStatus), so it "
                                       "serves nothing; check its settings before it is started again")
            continue
        status, message = listener_verdict(where, lst.security_policy_id, policies)
        yield _result(lst, status, message)
