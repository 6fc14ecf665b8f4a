"""CLB (Server Load Balancer) checks: access control on internet-facing listeners of risky ports, HTTP-to-HTTPS
redirection on internet-facing HTTP listeners, the TLS policy of HTTPS listeners, and deletion protection.
Listener findings name the listener `<load balancer id>/<protocol>/<port>`, in the load balancer's region."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from ..cidrs import IPNetwork, covers_world
from ..collectors.slb import LOAD_BALANCERS, SlbListener, SlbLoadBalancer
from ..collectors.vpc import EIPS
from ..findings import Result, Status
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL
# a listener started or stopped, a load balancer set active or inactive: whether it forwards (idle ones are MANUAL)
SERVING_STATE = ["StartLoadBalancerListener", "StopLoadBalancerListener", "SetLoadBalancerStatus"]

# TLSCipherPolicy values and the TLS versions each allows (OpenMeta slb 2014-05-15,
# DescribeLoadBalancerHTTPSListenerAttribute TLSCipherPolicy: 1_0 allows TLS 1.0, 1.1 and 1.2; 1_1 TLS 1.1 and 1.2;
# 1_2 and 1_2_strict TLS 1.2; 1_2_strict_with_1_3 TLS 1.2 and 1.3; 1_0, 1_1 and 1_2 also offer DES-CBC3-SHA,
# the strict ones not: this check judges the TLS versions, the title's subject)
WEAK_TLS_POLICIES = {"tls_cipher_policy_1_0": "TLS 1.0, 1.1 and 1.2", "tls_cipher_policy_1_1": "TLS 1.1 and 1.2"}
STRONG_TLS_POLICIES = {"tls_cipher_policy_1_2": "TLS 1.2", "tls_cipher_policy_1_2_strict": "TLS 1.2",
                       "tls_cipher_policy_1_2_strict_with_1_3": "TLS 1.2 and 1.3"}


# LoadBalancerStatus values of a CLB that forwards no traffic: "inactive: The CLB instance is disabled. CLB instances
# in the inactive state do not forward traffic"; "locked: ... A locked CLB instance cannot forward traffic"
# (DescribeLoadBalancersRequest.load_balancer_status, alibabacloud_slb20140515). active is judged.
IDLE_LB_STATUSES = {"inactive": "disabled (LoadBalancerStatus inactive), so it forwards no traffic",
                    "locked": "locked (LoadBalancerStatus locked, e.g. an overdue payment), so it cannot forward "
                              "traffic"}
# PayType of a subscription instance, for which SetLoadBalancerDeleteProtection documents the error
# OperationUnsupported.DeleteProtectionForPrePayInstance, "The operation failed because prepay instance does not
# support delete protection" (https://www.alibabacloud.com/help/en/slb/classic-load-balancer/developer-reference/
# api-slb-2014-05-15-setloadbalancerdeleteprotection)
PREPAY = "PrePay"
# the listener Status that serves nothing: running | stopped (Describe*ListenerAttribute Status, the SDK models of
# alibabacloud_slb20140515)
STOPPED_LISTENER = "stopped"


def _listener_result(lb: SlbLoadBalancer, lst: SlbListener, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=f"{lb.id}/{lst.key}", resource_type="slb:listener",
                  resource_name=lb.name, region=lb.region, message=message,
                  details={"load_balancer": lb.id, "address": lb.address, "address_type": lb.address_type,
                           "protocol": lst.protocol, "port": str(lst.port)})


def _lb_error(lb: SlbLoadBalancer) -> Result:
    """A load balancer whose listeners are unknown: ERROR, or MANUAL when it forwards nothing anyway."""
    if lb.status in IDLE_LB_STATUSES:
        return Result(status=MANUAL, resource_id=lb.id, resource_type="slb:load_balancer", resource_name=lb.name,
                      region=lb.region, message=f"listeners not judged: the load balancer is "
                                                f"{IDLE_LB_STATUSES[lb.status]} (and they could not be read: "
                                                f"{lb.error})")
    return Result(status=ERROR, resource_id=lb.id, resource_type="slb:load_balancer", resource_name=lb.name,
                  region=lb.region, message=f"could not read the load balancer's listeners: {lb.error}")


def _decided(lb: SlbLoadBalancer, lst: SlbListener) -> Result | None:
    """The result that decides a listener without judging its settings: MANUAL when it serves nothing (its load
    balancer inactive or locked, whatever the listener's own read gave; the listener stopped), ERROR when it could
    not be read; None when its settings are to be judged."""
    idle = None
    if lb.status in IDLE_LB_STATUSES:
        idle = f"the load balancer is {IDLE_LB_STATUSES[lb.status]}"
    elif lst.error:
        return _listener_result(lb, lst, ERROR, f"could not read the listener: {lst.error}")
    elif lst.status == STOPPED_LISTENER:
        idle = "the listener is stopped (Status stopped), so it serves nothing"
    if idle is None:
        return None
    return _listener_result(lb, lst, MANUAL, f"{lst.protocol.upper()} port {lst.port} not judged: {idle}; check "
                                             "its settings before it serves again")


def _listeners(inp: Inputs, protocols: set[str], internet_only: bool,
               ) -> Iterator[tuple[SlbLoadBalancer, SlbListener | None, Result | None]]:
    """The listeners of these protocols (of internet-facing load balancers only, when asked), each with the result
    that decides it without judging its settings: ERROR when it could not be read, MANUAL when it serves nothing
    (load balancer inactive or locked, listener stopped: what it would expose is judged once it serves again); a
    load balancer whose listeners are unknown gives (lb, None, its ERROR).
    Internet-facing: AddressType internet, or an internal CLB with an EIP associated ("You can associate EIPs with
    SLB instances, including internal-facing CLB instances in VPCs": https://www.alibabacloud.com/help/doc-detail/
    197100.htm; DescribeEipAddresses InstanceType SlbInstance)."""
    with_eip = {e.instance_id for e in inp[EIPS] if e.instance_type == "SlbInstance"} if internet_only else set()
    for lb in inp[LOAD_BALANCERS]:
        if internet_only and not lb.internet and lb.id not in with_eip:
            continue
        if lb.error:
            yield lb, None, _lb_error(lb)
            continue
        for lst in lb.listeners:
            if lst.protocol in protocols:
                yield lb, lst, _decided(lb, lst)


def _open_entries(entries: list[tuple[str, str]]) -> list[str]:
    """The entries, given as (ACL id, entry), that match every address ('<entry> (<ACL id>)'): a /0 (0.0.0.0/0, ::/0),
    or, when none is, every entry of an address family whose entries together cover all of it (0.0.0.0/1 +
    128.0.0.0/1, in one ACL or across a listener's ACLs), as the database whitelists are read."""
    nets: list[tuple[str, IPNetwork]] = []
    for acl_id, e in entries:
        try:
            nets.append((f"{e.strip()} ({acl_id})", ipaddress.ip_network(e.strip(), strict=False)))
        except ValueError:
            continue  # not an address: it cannot open anything
    opened = [e for e, net in nets if net.prefixlen == 0]
    if opened:
        return opened
    for family in (4, 6):
        if covers_world((net for _, net in nets), family):
            return [e for e, net in nets if net.version == family]
    return []


def _legacy_whitelist(lb: SlbLoadBalancer, lst: SlbListener, where: str) -> Result:
    """A listener whose access control (AclStatus) is off, judged by its older whitelist."""
    if lst.whitelist_status == "open_white_list":
        if opened := _open_entries([("whitelist", e) for e in lst.whitelist]):
            return _listener_result(lb, lst, FAIL, f"{where} whitelists every address: {', '.join(opened)}")
        if not lst.whitelist:
            return _listener_result(lb, lst, PASS, f"{where} has its listener whitelist enabled with no entry: "
                                                   "no traffic is forwarded")
        return _listener_result(lb, lst, PASS, f"{where} is restricted to its listener whitelist of "
                                               f"{len(lst.whitelist)} entries")
    if lst.whitelist_error:
        return _listener_result(lb, lst, ERROR, f"{where} has access control off, and its listener whitelist "
                                                f"could not be read: {lst.whitelist_error}")
    return _listener_result(lb, lst, FAIL, f"{where} is open to the internet: access control is off")


@check(id="slb_listener_acl_restricted", severity="high",
       title="Internet-facing CLB listeners on risky ports are restricted by a whitelist",
       risk="A listener of an internet-facing load balancer forwards to its backends whatever reaches it: SSH, RDP, "
            "database and cache ports open to the whole internet are brute-forced and exploited within hours.",
       console="SLB console > Instances > the instance > Listener > the listener > Access Control: enable it with "
               "a whitelist of the addresses that need the port (or remove the listener).",
       cli="aliyun slb SetLoadBalancerTCPListenerAttribute --RegionId <region> --LoadBalancerId <id> "
           "--ListenerPort <port> --AclStatus on --AclType white --AclId <acl-id>",
       events=[*SERVING_STATE, "CreateLoadBalancerTCPListener", "CreateLoadBalancerUDPListener",
               "CreateLoadBalancerHTTPListener",
               "CreateLoadBalancerHTTPSListener", "SetLoadBalancerTCPListenerAttribute",
               "SetLoadBalancerUDPListenerAttribute", "SetLoadBalancerHTTPListenerAttribute",
               "SetLoadBalancerHTTPSListenerAttribute", "AddAccessControlListEntry",
               "RemoveAccessControlListEntry", "CreateLoadBalancer", "ModifyLoadBalancerInternetSpec",
               "AssociateEipAddress", "UnassociateEipAddress", "SetListenerAccessControlStatus",
               "AddListenerWhiteListItem",
               "RemoveListenerWhiteListItem"],
       needs=[LOAD_BALANCERS, EIPS],
       evaluates="Internet-facing CLBs (DescribeLoadBalancers AddressType internet, or an internal CLB with an EIP: "
                 "DescribeEipAddresses InstanceType SlbInstance), each listener of "
                 "DescribeLoadBalancerAttribute ListenerPortsAndProtocol whose port is one of the configured "
                 "risky_ports (tcp, http, https listeners) or risky_udp_ports (udp listeners): PASS when the "
                 "listener's attribute has AclStatus on, AclType white and its ACLs (AclId, AclIds; "
                 "DescribeAccessControlListAttribute AclEntrys) hold at least one entry and none matching every "
                 "address (0.0.0.0/0, ::/0, or entries that together cover an address family, such as 0.0.0.0/1 + "
                 "128.0.0.0/1, across the listener's ACLs), or AclStatus is off and the listener's older whitelist "
                 "is enabled (DescribeListenerAccessControlAttribute AccessControlStatus open_white_list) with "
                 "entries (SourceItems) none of which admit every address, or with none (documented: no traffic "
                 "is then forwarded); FAIL when AclStatus is off without that whitelist, AclType is black (everyone "
                 "else gets in), or the whitelist is empty (documented: a whitelist without entries forwards all "
                 "requests) or contains 0.0.0.0/0; MANUAL, not judged, when the listener serves nothing: its load "
                 "balancer's LoadBalancerStatus is inactive or locked (documented: no traffic is forwarded) or "
                 "the listener's Status is stopped; ERROR when the load balancer, the listener or one of its ACLs "
                 "could not be read. Listeners on other ports and intranet load balancers give no result.",
       source="Cloud Config slb-acl-public-access-check, slb-listener-risk-ports-check | "
              "https://api.alibabacloud.com/api/Slb/2014-05-15/DescribeLoadBalancerTCPListenerAttribute (AclType: "
              "'If you enable a whitelist but do not add an IP address to the ACL, the listener forwards all "
              "requests')")
def listener_acl_restricted(inp: Inputs) -> Iterator[Result]:
    tcp, udp = set(inp.config.risky_ports), set(inp.config.risky_udp_ports)
    for lb, lst, err in _listeners(inp, {"tcp", "udp", "http", "https"}, internet_only=True):
        if lst is None:
            if err:
                yield err
            continue
        if lst.port not in (udp if lst.protocol == "udp" else tcp):
            continue  # the check is about risky ports only
        if err:
            yield err
            continue
        where = f"{lst.protocol.upper()} port {lst.port} of {lb.address or lb.id}"
        if lst.acl_status != "on":
            yield _legacy_whitelist(lb, lst, where)
        elif lst.acl_type != "white":
            yield _listener_result(lb, lst, FAIL, f"{where} uses a {lst.acl_type or 'non-white'} list: every "
                                                  "address not listed gets in")
        elif failed := [a for a in lst.acls if a.error]:
            yield _listener_result(lb, lst, ERROR, f"could not read ACL {failed[0].id}: {failed[0].error}")
        elif not lst.acls:
            yield _listener_result(lb, lst, FAIL, f"{where} has access control on but names no ACL")
        elif opened := _open_entries([(a.id, e) for a in lst.acls for e in a.entries]):
            yield _listener_result(lb, lst, FAIL, f"{where} whitelists every address: {', '.join(opened)}")
        elif not any(a.entries for a in lst.acls):
            names = ", ".join(a.id for a in lst.acls)
            yield _listener_result(lb, lst, FAIL, f"{where} uses an empty whitelist ({names}), which forwards "
                                                  "all requests")
        else:
            n = sum(len(a.entries) for a in lst.acls)
            yield _listener_result(lb, lst, PASS, f"{where} is restricted to a whitelist of {n} entries "
                                                  f"({', '.join(a.id for a in lst.acls)})")


@check(id="slb_listener_https_enforced", severity="medium",
       title="Internet-facing CLB HTTP listeners redirect to HTTPS",
       risk="Plain HTTP from the internet carries credentials, session cookies and data readable and modifiable by "
            "anyone on the path.",
       console="SLB console > Instances > the instance > Listener > the HTTP listener > Modify: enable 'Redirect "
               "HTTP to HTTPS' towards an HTTPS listener.",
       cli="aliyun slb CreateLoadBalancerHTTPListener --RegionId <region> --LoadBalancerId <id> --ListenerPort 80 "
           "--ListenerForward on --ForwardPort 443 (a listener's redirection is set when it is created)",
       events=[*SERVING_STATE, "CreateLoadBalancerHTTPListener", "DeleteLoadBalancerListener",
               "SetLoadBalancerHTTPListenerAttribute",
               "CreateLoadBalancer", "AssociateEipAddress", "UnassociateEipAddress"],
       needs=[LOAD_BALANCERS, EIPS],
       evaluates="HTTP listeners of internet-facing CLBs (DescribeLoadBalancers AddressType internet, or an internal "
                 "CLB with an EIP: DescribeEipAddresses InstanceType SlbInstance): PASS when "
                 "DescribeLoadBalancerHTTPListenerAttribute ListenerForward is on (with its ForwardPort), FAIL "
                 "when it is off or absent; MANUAL, not judged, when the load balancer is inactive or locked "
                 "(LoadBalancerStatus; documented: no traffic is forwarded) or the listener is stopped; ERROR when "
                 "the load balancer or the listener could not be read. HTTPS, TCP and UDP listeners and intranet "
                 "load balancers give no result.",
       source="Cloud Config slb-listener-https-enabled, slb-all-listener-http-redirect-https | "
              "https://api.alibabacloud.com/api/Slb/2014-05-15/DescribeLoadBalancerHTTPListenerAttribute")
def listener_https_enforced(inp: Inputs) -> Iterator[Result]:
    for lb, lst, err in _listeners(inp, {"http"}, internet_only=True):
        if err or lst is None:
            yield from [err] if err else []
        elif lst.listener_forward == "on":
            to = f" to port {lst.forward_port}" if lst.forward_port else ""
            yield _listener_result(lb, lst, PASS, f"HTTP port {lst.port} redirects to HTTPS{to}")
        else:
            yield _listener_result(lb, lst, FAIL, f"HTTP port {lst.port} of {lb.address or lb.id} serves plain "
                                                  "HTTP from the internet (ListenerForward "
                                                  f"{lst.listener_forward or 'off'})")


@check(id="slb_listener_tls_policy_strong", severity="medium",
       title="CLB HTTPS listeners use a TLS policy without TLS 1.0 and 1.1",
       risk="TLS 1.0 and 1.1 have known attacks and are deprecated (RFC 8996); a client can be downgraded to them. "
            "(Every policy but the strict ones also still offers the 3DES suite.)",
       console="SLB console > Instances > the instance > Listener > the HTTPS listener > Modify > Advanced: TLS "
               "Security Policy tls_cipher_policy_1_2_strict or tls_cipher_policy_1_2_strict_with_1_3.",
       cli="aliyun slb SetLoadBalancerHTTPSListenerAttribute --RegionId <region> --LoadBalancerId <id> "
           "--ListenerPort 443 --TLSCipherPolicy tls_cipher_policy_1_2_strict_with_1_3",
       events=[*SERVING_STATE, "CreateLoadBalancerHTTPSListener", "SetLoadBalancerHTTPSListenerAttribute"],
       needs=[LOAD_BALANCERS],
       evaluates="HTTPS listeners of every CLB: DescribeLoadBalancerHTTPSListenerAttribute TLSCipherPolicy: FAIL "
                 "for tls_cipher_policy_1_0 and tls_cipher_policy_1_1 (documented to allow TLS 1.0 / 1.1), PASS "
                 "for tls_cipher_policy_1_2, _1_2_strict and _1_2_strict_with_1_3; MANUAL when the policy is "
                 "absent (documented for high-performance instances only) or not one of the documented values, and "
                 "when the listener serves nothing (load balancer inactive or locked, listener stopped); ERROR when "
                 "the load balancer or the listener could not be read.",
       source="Cloud Config slb-all-listenter-tls-policy-check | "
              "https://api.alibabacloud.com/api/Slb/2014-05-15/DescribeLoadBalancerHTTPSListenerAttribute")
def listener_tls_policy_strong(inp: Inputs) -> Iterator[Result]:
    for lb, lst, err in _listeners(inp, {"https"}, internet_only=False):
        if err or lst is None:
            yield from [err] if err else []
            continue
        policy = lst.tls_cipher_policy
        if policy in WEAK_TLS_POLICIES:
            yield _listener_result(lb, lst, FAIL, f"HTTPS port {lst.port} uses {policy}, which allows "
                                                  f"{WEAK_TLS_POLICIES[policy]}")
        elif policy in STRONG_TLS_POLICIES:
            yield _listener_result(lb, lst, PASS, f"HTTPS port {lst.port} uses {policy} "
                                                  f"({STRONG_TLS_POLICIES[policy]})")
        else:
            yield _listener_result(lb, lst, MANUAL, f"HTTPS port {lst.port}: CLB reports "
                                                    f"{'TLS policy ' + repr(policy) if policy else 'no TLS policy'}"
                                                    "; check the TLS versions it allows in the console")


@check(id="slb_instance_deletion_protection_enabled", severity="low",
       title="CLB instances have deletion protection enabled",
       risk="Without deletion protection, one mistaken or malicious call releases the load balancer and its "
            "public address, taking the service offline.",
       console="SLB console > Instances > the instance > More > Manage Deletion Protection: enable.",
       cli="aliyun slb SetLoadBalancerDeleteProtection --RegionId <region> --LoadBalancerId <id> "
           "--DeleteProtection on",
       events=["ModifyLoadBalancerPayType", "SetLoadBalancerDeleteProtection", "CreateLoadBalancer"],
       needs=[LOAD_BALANCERS],
       evaluates="Every CLB of the region: PASS when DescribeLoadBalancers / DescribeLoadBalancerAttribute "
                 "DeleteProtection is on; MANUAL when it is not and PayType is PrePay (subscription: "
                 "SetLoadBalancerDeleteProtection documents OperationUnsupported.DeleteProtectionForPrePayInstance, "
                 "'prepay instance does not support delete protection'); FAIL when it is off or absent.",
       source="Cloud Config slb-delete-protection-enabled | "
              "https://www.alibabacloud.com/help/en/slb/classic-load-balancer/developer-reference/"
              "api-slb-2014-05-15-setloadbalancerdeleteprotection (error codes)")
def deletion_protection_enabled(inp: Inputs) -> Iterator[Result]:
    for lb in inp[LOAD_BALANCERS]:
        if lb.delete_protection == "on":
            status, message = PASS, "deletion protection is on"
        elif lb.pay_type == PREPAY:
            status, message = MANUAL, ("subscription instance (PayType PrePay): CLB does not support deletion "
                                       "protection for prepay instances (SetLoadBalancerDeleteProtection answers "
                                       "OperationUnsupported.DeleteProtectionForPrePayInstance); guard its release "
                                       "with RAM permissions instead")
        else:
            status, message = FAIL, f"deletion protection is {lb.delete_protection or 'off'}"
        yield Result(status=status, resource_id=lb.id, resource_type="slb:load_balancer", resource_name=lb.name,
                     region=lb.region, details={"address_type": lb.address_type, "pay_type": lb.pay_type},
                     message=message)
