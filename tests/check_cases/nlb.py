"""NLB cases, from the documented samples of nlb 2022-04-30: ListListeners (lsn-ga6sjjcll6ou34l1et****, TCPSSL 443,
SecurityPolicyId tls_cipher_policy_1_1, description tcpssl_443, ListenerStatus Running; the other statuses from the
SDK model), CreateListener (SecurityPolicyId default tls_cipher_policy_1_0), ListSystemSecurityPolicy
(tls_cipher_policy_1_0: TlsVersion "TLSv1.0,TLSv1.1,TLSv1.2") and ListSecurityPolicy (sp-wuytp9pa******: TlsVersion
"TLSv1.0")."""

from __future__ import annotations

from typing import Any

from aliaudit.collectors.nlb import NlbListener, NlbSecurityPolicy
from tests.check_cases import Case

LSN = "lsn-ga6sjjcll6ou34l1et****"


def listener(lid: str = LSN, port: int = 443, protocol: str = "TCPSSL", **kw: Any) -> NlbListener:
    base: dict[str, Any] = {"id": lid, "region": "cn-hangzhou", "load_balancer_id": "nlb-83ckzc8d4xlp8o****",
                            "port": port, "protocol": protocol, "status": "Running", "description": "tcpssl_443"}
    base.update(kw)
    return NlbListener(**base)


POLICIES = [
    NlbSecurityPolicy(id="tls_cipher_policy_1_0", name="test", system=True,
                      tls_versions=["TLSv1.0", "TLSv1.1", "TLSv1.2"]),
    NlbSecurityPolicy(id="tls_cipher_policy_1_1", system=True, tls_versions=["TLSv1.1", "TLSv1.2"]),
    NlbSecurityPolicy(id="tls_cipher_policy_1_2_strict_with_1_3", system=True, tls_versions=["TLSv1.2", "TLSv1.3"]),
    NlbSecurityPolicy(id="sp-wuytp9pa******", name="TLSCipherPolicy", tls_versions=["TLSv1.0"]),
    NlbSecurityPolicy(id="sp-modern", name="modern", tls_versions=["TLSv1.2"]),
]

_T = "nlb_listener_tls_policy_strong"
CASES: list[Case] = [
    Case(_T, "1_2_strict_with_1_3 and a TLS 1.2 custom policy pass; 1_1, 1_0 and a TLSv1.0 custom policy fail; TCP "
             "and UDP listeners are not reported",
         {"nlb.listeners": [listener(security_policy_id="tls_cipher_policy_1_1"),
                            listener("lsn-a", 8443, security_policy_id="tls_cipher_policy_1_2_strict_with_1_3"),
                            listener("lsn-b", 9443, security_policy_id="sp-modern"),
                            listener("lsn-c", 10443, security_policy_id="tls_cipher_policy_1_0"),
                            listener("lsn-d", 11443, security_policy_id="sp-wuytp9pa******"),
                            listener("lsn-tcp", 80, "TCP"), listener("lsn-udp", 53, "UDP")],
          "nlb.security_policies": POLICIES},
         {LSN: "FAIL", "lsn-a": "PASS", "lsn-b": "PASS", "lsn-c": "FAIL", "lsn-d": "FAIL"}),
    Case(_T, "TLS versions in another letter case are still judged; an undocumented version is MANUAL, not PASS",
         {"nlb.listeners": [listener(security_policy_id="sp-lower"),
                            listener("lsn-odd", 8443, security_policy_id="sp-odd")],
          "nlb.security_policies": [NlbSecurityPolicy(id="sp-lower", tls_versions=["tlsv1.1", "TLSv1.2"]),
                                    NlbSecurityPolicy(id="sp-odd", tls_versions=["TLSv1.2", "TLSv1"])]},
         {LSN: "FAIL", "lsn-odd": "MANUAL"}),
    Case(_T, "a TCPSSL listener answered without SecurityPolicyId is judged as the documented default "
             "tls_cipher_policy_1_0; Stopping, Stopped, Deleting and Deleted listeners are MANUAL; Starting is judged",
         {"nlb.listeners": [listener("lsn-dflt", security_policy_id=""),
                            listener("lsn-stopping", 8443, status="Stopping", security_policy_id="sp-wuytp9pa******"),
                            listener("lsn-stopped", 9443, status="Stopped", security_policy_id="sp-wuytp9pa******"),
                            listener("lsn-deleting", 10443, status="Deleting", security_policy_id="sp-modern"),
                            listener("lsn-deleted", 11443, status="Deleted", security_policy_id="sp-modern"),
                            listener("lsn-starting", 12443, status="Starting",
                                     security_policy_id="tls_cipher_policy_1_1")],
          "nlb.security_policies": POLICIES},
         {"lsn-dflt": "FAIL", "lsn-stopping": "MANUAL", "lsn-stopped": "MANUAL", "lsn-deleting": "MANUAL",
          "lsn-deleted": "MANUAL", "lsn-starting": "FAIL"}),
    Case(_T, "the default's documented TLS versions decide when the system list does not name it",
         {"nlb.listeners": [listener("lsn-dflt", security_policy_id="")],
          "nlb.security_policies": [NlbSecurityPolicy(id="sp-modern", tls_versions=["TLSv1.2"])]},
         {"lsn-dflt": "FAIL"}),
    Case(_T, "a policy found in neither list is MANUAL",
         {"nlb.listeners": [listener(security_policy_id="sp-gone")], "nlb.security_policies": POLICIES},
         {LSN: "MANUAL"}),
]
