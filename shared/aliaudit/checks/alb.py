"""ALB (Application Load Balancer) checks: the TLS versions of HTTPS listeners' security policies, and HTTP-to-HTTPS
redirection on internet-facing HTTP listeners. One finding per listener (its ListenerId), in its region."""

from __future__ import annotations

from collections.abc import Iterator

from ..collectors.alb import LOAD_BALANCERS, SECURITY_POLICIES, AlbListener, AlbLoadBalancer, AlbRule
from ..findings import Result, Status
from ..tls_policy import LISTENER_STATE, listener_verdict
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL
CATCH_ALL_PATHS = {"/*", "*"}


def _result(lb: AlbLoadBalancer, lst: AlbListener, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=lst.id, resource_type="alb:listener", resource_name=lb.name,
                  region=lb.region, message=message,
                  details={"load_balancer": lb.id, "address_type": lb.address_type, "protocol": lst.protocol,
                           "port": str(lst.port)})


def _idle(lb: AlbLoadBalancer, lst: AlbListener, where: str) -> Result | None:
    """MANUAL for a listener that serves nothing (its load balancer Inactive: "ALB instances in the Inactive state do
    not forward traffic"; the listener Stopped): not judged. None for one that serves."""
    if lb.status == "Inactive":
        why = "the load balancer is Inactive (LoadBalancerStatus), so it forwards no traffic"
    elif lst.stopped:
        why = f"the listener is {lst.status} (ListenerStatus), so it serves nothing"
    else:
        return None
    return _result(lb, lst, MANUAL, f"{where} not judged: {why}; check its settings before it serves again")


@check(id="alb_listener_tls_policy_strong", severity="medium",
       title="ALB HTTPS listeners use a security policy without TLS 1.0 and 1.1",
       risk="TLS 1.0 and 1.1 have known attacks and are deprecated (RFC 8996); a listener that offers them lets "
            "clients, or an attacker in the path, downgrade the connection.",
       console="ALB console > Instances > the instance > Listener > the HTTPS listener > Modify Listener > TLS "
               "Security Policy: tls_cipher_policy_1_2_strict_with_1_3 (or a custom policy with TLS 1.2+ only).",
       cli="aliyun alb UpdateListenerAttribute --ListenerId <id> --SecurityPolicyId "
           "tls_cipher_policy_1_2_strict_with_1_3",
       events=[*LISTENER_STATE, "CreateListener", "UpdateListenerAttribute", "UpdateSecurityPolicyAttribute",
               "CreateSecurityPolicy"],
       needs=[LOAD_BALANCERS, SECURITY_POLICIES],
       evaluates="HTTPS listeners of every ALB (ListListeners ListenerProtocol HTTPS): the SecurityPolicyId is looked "
                 "up in ListSystemSecurityPolicies and ListSecurityPolicies (a listener answered without one is "
                 "judged as the documented default, tls_cipher_policy_1_0, and the message says so); PASS when its "
                 "TLSVersions are only TLSv1.2 and TLSv1.3, FAIL when they hold TLSv1.0 or TLSv1.1 (any letter "
                 "case); MANUAL when the policy is in neither list, lists no TLS version or lists an undocumented "
                 "one (nothing to judge), and when the listener is Stopped (ListenerStatus) or its load balancer "
                 "Inactive (LoadBalancerStatus): it serves nothing. "
                 "HTTP and QUIC listeners give no result.",
       source="https://api.alibabacloud.com/api/Alb/2020-06-16/ListSecurityPolicies | RFC 8996 | "
              "https://api.alibabacloud.com/api/Alb/2020-06-16/CreateListener (SecurityPolicyId default)")
def listener_tls_policy_strong(inp: Inputs) -> Iterator[Result]:
    policies = {p.id: p for p in inp[SECURITY_POLICIES]}
    for lb in inp[LOAD_BALANCERS]:
        for lst in lb.listeners:
            if lst.protocol != "HTTPS":
                continue
            where = f"HTTPS port {lst.port}"
            idle = _idle(lb, lst, where)
            if idle is not None:
                yield idle
                continue
            status, message = listener_verdict(where, lst.security_policy_id, policies)
            yield _result(lb, lst, status, message)


def _catch_all(rule: AlbRule) -> bool:
    """A rule that matches every request: no condition, or only Path conditions naming /* (ALB's wildcard)."""
    return all(c.type == "Path" and CATCH_ALL_PATHS & set(c.values) for c in rule.conditions)


def _redirects_https(rule: AlbRule) -> bool:
    return any(a.type == "Redirect" and a.redirect_protocol == "HTTPS" for a in rule.actions)


@check(id="alb_listener_https_enforced", severity="medium",
       title="Internet-facing ALB HTTP listeners redirect to HTTPS",
       risk="Plain HTTP from the internet carries credentials, session cookies and data readable and modifiable by "
            "anyone on the path.",
       console="ALB console > Instances > the instance > Listener > the HTTP listener > Forwarding Rules: add a rule "
               "for path /* whose action is Redirect to protocol HTTPS, port 443 (highest priority).",
       cli="aliyun alb CreateRule --ListenerId <id> --Priority 1 --RuleName to-https "
           "--RuleConditions '[{\"Type\":\"Path\",\"PathConfig\":{\"Values\":[\"/*\"]}}]' "
           "--RuleActions '[{\"Type\":\"Redirect\",\"Order\":1,\"RedirectConfig\":{\"Protocol\":\"HTTPS\","
           "\"Port\":\"443\",\"HttpCode\":\"301\"}}]'",
       events=[*LISTENER_STATE, "CreateListener", "CreateRule", "CreateRules", "UpdateRuleAttribute",
               "UpdateRulesAttribute", "DeleteRule", "DeleteRules", "UpdateLoadBalancerAddressTypeConfig",
               "EnableLoadBalancerIpv6Internet", "DisableLoadBalancerIpv6Internet"],
       needs=[LOAD_BALANCERS],
       evaluates="HTTP listeners of internet-facing ALBs (ListLoadBalancers AddressType Internet, or "
                 "AddressIpVersion DualStack with Ipv6AddressType Internet), their Request "
                 "forwarding rules (ListRules) by Priority: PASS when the first rule that matches every request (no "
                 "condition, or only Path /*) redirects to HTTPS (RuleActions Type Redirect, RedirectConfig "
                 "Protocol HTTPS) and no rule before it forwards elsewhere; FAIL when no rule redirects to HTTPS "
                 "(the default action, documented as ForwardGroup only, serves plain HTTP); MANUAL when redirects "
                 "to HTTPS cover only some requests (conditions) or follow other rules, and when the listener is "
                 "Stopped (ListenerStatus) or its load balancer Inactive (LoadBalancerStatus): it serves nothing; "
                 "ERROR when ListRules failed.",
       source="Cloud Config slb-all-listener-http-redirect-https | "
              "https://api.alibabacloud.com/api/Alb/2020-06-16/ListRules")
def listener_https_enforced(inp: Inputs) -> Iterator[Result]:
    for lb in inp[LOAD_BALANCERS]:
        if not lb.internet:
            continue
        for lst in lb.listeners:
            if lst.protocol != "HTTP":
                continue
            idle = _idle(lb, lst, f"HTTP port {lst.port}")
            if idle is not None:
                yield idle
                continue
            if lst.rules_error:
                yield _result(lb, lst, ERROR, f"could not list the listener's forwarding rules: {lst.rules_error}")
                continue
            rules = sorted((r for r in lst.rules if r.direction == "Request"), key=lambda r: r.priority)
            redirects = [r for r in rules if _redirects_https(r)]
            first_all = next((r for r in rules if _catch_all(r)), None)
            # rules matched before the catch-all that do not redirect let some requests through in plain HTTP
            before = [r for r in rules if first_all is not None and r.priority < first_all.priority
                      and not _redirects_https(r)]
            if not redirects:
                yield _result(lb, lst, FAIL, f"HTTP port {lst.port} of {lb.dns_name or lb.id} serves plain HTTP "
                                             "from the internet: no forwarding rule redirects to HTTPS")
            elif first_all is not None and _redirects_https(first_all) and not before:
                yield _result(lb, lst, PASS, f"HTTP port {lst.port}: rule {first_all.name or first_all.id} "
                                             "redirects every request to HTTPS")
            else:
                names = ", ".join(r.name or r.id for r in redirects)
                yield _result(lb, lst, MANUAL, f"HTTP port {lst.port}: rules {names} redirect to HTTPS only for "
                                               "some requests; check the other rules and the default action")
