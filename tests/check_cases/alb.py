"""ALB cases, from the documented samples of alb 2020-06-16: ListLoadBalancers (alb-o9ulmq5hgn68jk****, AddressType
Internet | Intranet), ListListeners (lsn-o4u34y73wq7b******, HTTP 80, SecurityPolicyId tls_cipher_policy_1_1,
ListenerStatus Provisioning | Running | Configuring | Stopped), CreateListener (SecurityPolicyId default
tls_cipher_policy_1_0), ListRules (RuleActions Type Redirect with RedirectConfig Protocol HTTP | HTTPS, conditions
Path), and the security policies' samples (sp-n0kn923****: TLSVersions TLSv1.0; sp-9cdjz6o******: TLSv1.1)."""

from __future__ import annotations

from typing import Any

from aliaudit.collectors.alb import AlbAction, AlbCondition, AlbListener, AlbLoadBalancer, AlbRule, AlbSecurityPolicy
from tests.check_cases import Case

LB = "alb-o9ulmq5hgn68jk****"
LSN = "lsn-o4u34y73wq7b******"


def lb(*listeners: AlbListener, **kw: Any) -> AlbLoadBalancer:
    base: dict[str, Any] = {"id": LB, "name": "alb-instance-test", "region": "cn-hangzhou", "address_type": "Internet",
                            "dns_name": "alb-95qnr2itwu9orb****.cn-hangzhou.alb.aliyuncs.com",
                            "listeners": list(listeners)}
    base.update(kw)
    return AlbLoadBalancer(**base)


def listener(lid: str = LSN, port: int = 80, protocol: str = "HTTP", **kw: Any) -> AlbListener:
    return AlbListener(**{"id": lid, "port": port, "protocol": protocol, "status": "Running", **kw})


def rule(rid: str, priority: int, *, path: str | None = "/*", protocol: str = "HTTPS",
         action: str = "Redirect") -> AlbRule:
    conditions = [AlbCondition(type="Path", values=[path])] if path else []
    act = AlbAction(type=action, order=1, redirect_protocol=protocol if action == "Redirect" else "")
    return AlbRule(id=rid, name=rid, priority=priority, conditions=conditions, actions=[act])


POLICIES = [
    AlbSecurityPolicy(id="tls_cipher_policy_1_1", system=True, tls_versions=["TLSv1.1", "TLSv1.2"]),
    AlbSecurityPolicy(id="tls_cipher_policy_1_2_strict_with_1_3", system=True, tls_versions=["TLSv1.2", "TLSv1.3"]),
    AlbSecurityPolicy(id="sp-n0kn923****", system=True, tls_versions=["TLSv1.0"]),
    AlbSecurityPolicy(id="sp-9cdjz6o******", name="test-secrity", tls_versions=["TLSv1.2"]),
]

_T = "alb_listener_tls_policy_strong"
_H = "alb_listener_https_enforced"
CASES: list[Case] = [
    Case(_T, "system 1_2_strict_with_1_3 and a TLS 1.2 custom policy pass; 1_1 and a TLSv1.0 policy fail; an "
             "unknown policy is MANUAL; HTTP listeners are not reported",
         {"alb.load_balancers": [lb(
             listener("lsn-a", 443, "HTTPS", security_policy_id="tls_cipher_policy_1_2_strict_with_1_3"),
             listener("lsn-b", 8443, "HTTPS", security_policy_id="sp-9cdjz6o******"),
             listener("lsn-c", 9443, "HTTPS", security_policy_id="tls_cipher_policy_1_1"),
             listener("lsn-d", 10443, "HTTPS", security_policy_id="sp-n0kn923****"),
             listener("lsn-e", 11443, "HTTPS", security_policy_id="sp-gone"), listener(),
             address_type="Intranet")],
          "alb.security_policies": POLICIES},
         {"lsn-a": "PASS", "lsn-b": "PASS", "lsn-c": "FAIL", "lsn-d": "FAIL", "lsn-e": "MANUAL"}),
    Case(_T, "TLS versions in another letter case are still judged; an undocumented version is MANUAL, not PASS",
         {"alb.load_balancers": [lb(
             listener("lsn-lower", 443, "HTTPS", security_policy_id="sp-lower"),
             listener("lsn-odd", 8443, "HTTPS", security_policy_id="sp-odd"))],
          "alb.security_policies": [AlbSecurityPolicy(id="sp-lower", tls_versions=["tlsv1.0", "TLSv1.2"]),
                                    AlbSecurityPolicy(id="sp-odd", tls_versions=["TLSv1.2", "SSLv3"])]},
         {"lsn-lower": "FAIL", "lsn-odd": "MANUAL"}),
    Case(_T, "an HTTPS listener answered without SecurityPolicyId is judged as the documented default "
             "tls_cipher_policy_1_0 (its listed TLS versions, or the documented ones when the system list lacks it); "
             "a Stopped listener is MANUAL; Provisioning and Configuring are judged",
         {"alb.load_balancers": [lb(
             listener("lsn-dflt", 443, "HTTPS"),
             listener("lsn-stop", 8443, "HTTPS", status="Stopped", security_policy_id="tls_cipher_policy_1_1"),
             listener("lsn-prov", 9443, "HTTPS", status="Provisioning", security_policy_id="tls_cipher_policy_1_1"),
             listener("lsn-conf", 10443, "HTTPS", status="Configuring",
                      security_policy_id="tls_cipher_policy_1_2_strict_with_1_3"))],
          "alb.security_policies": POLICIES},
         {"lsn-dflt": "FAIL", "lsn-stop": "MANUAL", "lsn-prov": "FAIL", "lsn-conf": "PASS"}),
    Case(_T, "the default policy as the system list reports it: a listed tls_cipher_policy_1_0 decides",
         {"alb.load_balancers": [lb(listener("lsn-dflt", 443, "HTTPS"))],
          "alb.security_policies": [AlbSecurityPolicy(id="tls_cipher_policy_1_0", system=True,
                                                      tls_versions=["TLSv1.0", "TLSv1.1", "TLSv1.2"])]},
         {"lsn-dflt": "FAIL"}),
    Case(_H, "a Stopped HTTP listener serves nothing: MANUAL, not FAIL (even when its rules could not be read)",
         {"alb.load_balancers": [lb(listener("lsn-stop", status="Stopped"),
                                    listener("lsn-stop-err", 81, status="Stopped", rules_error="Throttling"),
                                    listener("lsn-run", 82))]},
         {"lsn-stop": "MANUAL", "lsn-stop-err": "MANUAL", "lsn-run": "FAIL"}),
    # the review's defect: "ALB instances in the Inactive state do not forward traffic" (ListLoadBalancers), yet their
    # listeners were judged as serving (CLB's inactive load balancers were already MANUAL)
    Case(_H, "an Inactive load balancer's HTTP listener serves nothing: MANUAL",
         {"alb.load_balancers": [lb(listener("lsn-idle"), status="Inactive"),
                                 lb(listener("lsn-live", 81), id="alb-live", status="Active")]},
         {"lsn-idle": "MANUAL", "lsn-live": "FAIL"}),
    Case(_T, "an Inactive load balancer's HTTPS listener is MANUAL",
         {"alb.load_balancers": [lb(listener("lsn-idle-tls", 443, "HTTPS", security_policy_id="tls_cipher_policy_1_0"),
                                    status="Inactive")],
          "alb.security_policies": [AlbSecurityPolicy(id="tls_cipher_policy_1_0", system=True,
                                                      tls_versions=["TLSv1.0", "TLSv1.1", "TLSv1.2"])]},
         {"lsn-idle-tls": "MANUAL"}),
    Case(_H, "a /* redirect to HTTPS passes; no redirect or a redirect to HTTP fails",
         {"alb.load_balancers": [lb(listener("lsn-ok", rules=[rule("to-https", 1)]),
                                    listener("lsn-none", 81, rules=[rule("fwd", 1, action="ForwardGroup")]),
                                    listener("lsn-http", 82, rules=[rule("to-http", 1, protocol="HTTP")]),
                                    listener("lsn-empty", 83))]},
         {"lsn-ok": "PASS", "lsn-none": "FAIL", "lsn-http": "FAIL", "lsn-empty": "FAIL"}),
    Case(_H, "a redirect for /login only, or after a forwarding rule, is MANUAL; intranet ALBs and HTTPS listeners "
             "are not reported; ListRules failed is ERROR",
         {"alb.load_balancers": [
             lb(listener("lsn-part", rules=[rule("login", 1, path="/login")]),
                listener("lsn-late", 81, rules=[rule("api", 1, path="/api", action="ForwardGroup"),
                                                rule("all", 2)]),
                listener("lsn-tls", 443, "HTTPS"), listener("lsn-err", 84, rules_error="Throttling.User")),
             lb(listener("lsn-in"), id="alb-in", address_type="Intranet")]},
         {"lsn-part": "MANUAL", "lsn-late": "MANUAL", "lsn-err": "ERROR"}),
    Case(_H, "an intranet ALB that is dual-stack with Ipv6AddressType Internet is reached from the internet: its "
             "plain HTTP listener fails; dual-stack with IPv6 Intranet is not reported",
         {"alb.load_balancers": [
             lb(listener("lsn-v6"), id="alb-v6", address_type="Intranet", address_ip_version="DualStack",
                ipv6_address_type="Internet"),
             lb(listener("lsn-v6-in"), id="alb-v6-in", address_type="Intranet", address_ip_version="DualStack",
                ipv6_address_type="Intranet")]},
         {"lsn-v6": "FAIL"}),
]
