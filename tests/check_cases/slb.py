"""CLB cases, from the documented samples of slb 2014-05-15: DescribeLoadBalancers (lb-bp1b6c719dfa****,
DeleteProtection off, LoadBalancerStatus active | inactive | locked, PayType PayOnDemand; PrePay from
ModifyLoadBalancerPayType), DescribeLoadBalancerAttribute (address 42.XX.XX.6, AddressType internet, listener https 80
with ListenerForward on to ForwardPort 443), DescribeAccessControlListAttribute (acl-bp1ut10zzvh1y8dfs****, entry
192.168.0.1) and the listener attributes' enumerations (AclStatus on | off, AclType white | black,
TLSCipherPolicy tls_cipher_policy_1_0 ... _1_2_strict_with_1_3, Status running | stopped)."""

from __future__ import annotations

from aliaudit.collectors.slb import SlbAcl, SlbListener, SlbLoadBalancer
from aliaudit.collectors.vpc import EipInfo
from tests.check_cases import Case

LB = "lb-bp1b6c719dfa****"
ACL = "acl-bp1ut10zzvh1y8dfs****"


def acl(entries: list[str] | None = None, **kw: object) -> SlbAcl:
    return SlbAcl(id=str(kw.pop("id", ACL)), name="doctest", entries=["192.168.0.1"] if entries is None else entries,
                  **kw)  # type: ignore[arg-type]


def listener(port: int, protocol: str = "tcp", **kw: object) -> SlbListener:
    base: dict[str, object] = {"port": port, "protocol": protocol, "status": "running", "acl_status": "off"}
    base.update(kw)
    return SlbListener(**base)  # type: ignore[arg-type]


def lb(*listeners: SlbListener, lb_id: str = LB, **kw: object) -> SlbLoadBalancer:
    base: dict[str, object] = {"id": lb_id, "name": "lb-instance-test", "region": "cn-hangzhou",
                               "address": "42.XX.XX.6", "address_type": "internet", "delete_protection": "off",
                               "status": "active", "pay_type": "PayOnDemand", "listeners": list(listeners)}
    base.update(kw)
    return SlbLoadBalancer(**base)  # type: ignore[arg-type]


_A = "slb_listener_acl_restricted"
_H = "slb_listener_https_enforced"
_T = "slb_listener_tls_policy_strong"
_D = "slb_instance_deletion_protection_enabled"
WHITE = {"acl_status": "on", "acl_type": "white"}
CASES: list[Case] = [
    Case(_A, "risky ports: whitelist passes; ACL off, blacklist, 0.0.0.0/0 and an empty whitelist fail; port 80 "
             "and UDP 22 are not risky",
         {"vpc.eips": [], "slb.load_balancers": [lb(
             listener(22, **WHITE, acls=[acl()]), listener(3389), listener(3306, **{**WHITE, "acl_type": "black"},
                                                                          acls=[acl()]),
             listener(6379, **WHITE, acls=[acl(["10.0.0.0/8", "0.0.0.0/0"])]),
             listener(9200, "http", **WHITE, acls=[acl([])]), listener(80, "http"), listener(22, "udp"),
             listener(53, "udp"))]},
         {f"{LB}/tcp/22": "PASS", f"{LB}/tcp/3389": "FAIL", f"{LB}/tcp/3306": "FAIL", f"{LB}/tcp/6379": "FAIL",
          f"{LB}/http/9200": "FAIL", f"{LB}/udp/53": "FAIL"}),
    Case(_A, "intranet load balancers are not reported; ::/0 opens too",
         {"vpc.eips": [], "slb.load_balancers": [lb(listener(22), lb_id="lb-in", address_type="intranet"),
                                 lb(listener(22, **WHITE, acls=[acl(["::/0"])]), lb_id="lb-v6")]},
         {"lb-v6/tcp/22": "FAIL"}),
    Case(_A, "split ranges open too: 0.0.0.0/1 + 128.0.0.0/1 in one ACL, or across the listener's two ACLs; two "
             "halves that leave a gap do not",
         {"vpc.eips": [], "slb.load_balancers": [lb(
             listener(22, **WHITE, acls=[acl(["0.0.0.0/1", "128.0.0.0/1"])]),
             listener(3389, **WHITE, acls=[acl(["0.0.0.0/1"]), acl(["128.0.0.0/1"], id="acl-2")]),
             listener(3306, **WHITE, acls=[acl(["0.0.0.0/1", "128.0.0.0/2"])]),
             listener(6379, **WHITE, acls=[acl([" 0.0.0.0/0 "])]))]},
         {f"{LB}/tcp/22": "FAIL", f"{LB}/tcp/3389": "FAIL", f"{LB}/tcp/3306": "PASS", f"{LB}/tcp/6379": "FAIL"}),
    Case(_A, "unreadable load balancer, listener or ACL",
         {"vpc.eips": [], "slb.load_balancers": [lb(error="NoPermission"), lb(
             listener(22, error="Throttling.User"), listener(3389, **WHITE, acls=[acl(error="AclNotExist")]),
             lb_id="lb-2")]},
         {LB: "ERROR", "lb-2/tcp/22": "ERROR", "lb-2/tcp/3389": "ERROR"}),
    Case(_H, "HTTP listener redirecting to 443 passes, one without redirection fails; HTTPS is not reported",
         {"vpc.eips": [], "slb.load_balancers": [lb(listener(80, "http", listener_forward="on", forward_port=443),
                                    listener(8080, "http", listener_forward="off"), listener(443, "https"))]},
         {f"{LB}/http/80": "PASS", f"{LB}/http/8080": "FAIL"}),
    Case(_A, "access control off but the listener's older whitelist enabled: entries pass, none pass (no traffic "
             "forwarded), halves covering IPv4 fail, closed fails, unreadable is ERROR",
         {"vpc.eips": [], "slb.load_balancers": [lb(
             listener(22, whitelist_status="open_white_list", whitelist=["203.0.113.0/24", "198.51.100.7"]),
             listener(3389, whitelist_status="open_white_list"),
             listener(3306, whitelist_status="open_white_list", whitelist=["0.0.0.0/1", "128.0.0.0/1"]),
             listener(6379, whitelist_status="close", whitelist=["10.0.0.0/8"]),
             listener(9200, whitelist_error="Throttling"))]},
         {f"{LB}/tcp/22": "PASS", f"{LB}/tcp/3389": "PASS", f"{LB}/tcp/3306": "FAIL", f"{LB}/tcp/6379": "FAIL",
          f"{LB}/tcp/9200": "ERROR"}),
    Case(_A, "an intranet load balancer with an EIP associated (InstanceType SlbInstance) is reached from the "
             "internet: its open risky port fails; an EIP of another instance changes nothing",
         {"vpc.eips": [EipInfo(id="eip-lb", ip="47.0.0.20", instance_id="lb-eip", instance_type="SlbInstance"),
                       EipInfo(id="eip-ecs", ip="47.0.0.21", instance_id="lb-in", instance_type="EcsInstance")],
          "slb.load_balancers": [lb(listener(22), lb_id="lb-eip", address_type="intranet"),
                                 lb(listener(22), lb_id="lb-in", address_type="intranet")]},
         {"lb-eip/tcp/22": "FAIL"}),
    Case(_H, "intranet load balancer not reported; unreadable listener",
         {"vpc.eips": [], "slb.load_balancers": [lb(listener(80, "http"), lb_id="lb-in", address_type="intranet"),
                                 lb(listener(80, "http", error="InvalidParameter"))]},
         {f"{LB}/http/80": "ERROR"}),
    Case(_T, "tls_cipher_policy_1_2_strict_with_1_3 passes, _1_0 and _1_1 fail, none is MANUAL",
         {"slb.load_balancers": [lb(listener(443, "https", tls_cipher_policy="tls_cipher_policy_1_2_strict_with_1_3"),
                                    listener(8443, "https", tls_cipher_policy="tls_cipher_policy_1_0"),
                                    listener(9443, "https", tls_cipher_policy="tls_cipher_policy_1_1"),
                                    listener(10443, "https"), listener(80, "http"), address_type="intranet")]},
         {f"{LB}/https/443": "PASS", f"{LB}/https/8443": "FAIL", f"{LB}/https/9443": "FAIL",
          f"{LB}/https/10443": "MANUAL"}),
    Case(_T, "unreadable listener", {"slb.load_balancers": [lb(listener(443, "https", error="Throttling"))]},
         {f"{LB}/https/443": "ERROR"}),
    Case(_D, "DeleteProtection on passes, off fails (even when the listeners could not be read)",
         {"vpc.eips": [], "slb.load_balancers": [lb(delete_protection="on"), lb(lb_id="lb-off", error="NoPermission")]},
         {LB: "PASS", "lb-off": "FAIL"}),
    Case(_D, "a subscription instance (PayType PrePay) cannot have deletion protection "
             "(OperationUnsupported.DeleteProtectionForPrePayInstance): MANUAL; PayOnDemand off still fails",
         {"slb.load_balancers": [lb(pay_type="PrePay"), lb(lb_id="lb-ondemand", pay_type="PayOnDemand")]},
         {LB: "MANUAL", "lb-ondemand": "FAIL"}),
    Case(_A, "a load balancer inactive or locked (LoadBalancerStatus: no traffic forwarded) and a stopped listener "
             "are MANUAL, even open; running listeners of an active one are judged",
         {"vpc.eips": [], "slb.load_balancers": [
             lb(listener(22), listener(3389, error="Throttling"), lb_id="lb-inactive", status="inactive"),
             lb(listener(22), lb_id="lb-locked", status="locked"),
             lb(listener(22, status="stopped"), listener(3389), status="active"),
             lb(lb_id="lb-gone", status="inactive", error="NoPermission")]},
         {"lb-inactive/tcp/22": "MANUAL", "lb-inactive/tcp/3389": "MANUAL", "lb-locked/tcp/22": "MANUAL",
          f"{LB}/tcp/22": "MANUAL", f"{LB}/tcp/3389": "FAIL", "lb-gone": "MANUAL"}),
    Case(_H, "HTTP listeners of an inactive load balancer, or stopped, are MANUAL",
         {"vpc.eips": [], "slb.load_balancers": [
             lb(listener(80, "http"), lb_id="lb-inactive", status="inactive"),
             lb(listener(80, "http", status="stopped"), listener(8080, "http"))]},
         {"lb-inactive/http/80": "MANUAL", f"{LB}/http/80": "MANUAL", f"{LB}/http/8080": "FAIL"}),
    Case(_T, "a weak TLS policy on a stopped listener or a locked load balancer is MANUAL",
         {"slb.load_balancers": [
             lb(listener(443, "https", tls_cipher_policy="tls_cipher_policy_1_0"), lb_id="lb-locked",
                status="locked"),
             lb(listener(443, "https", status="stopped", tls_cipher_policy="tls_cipher_policy_1_0"),
                listener(8443, "https", tls_cipher_policy="tls_cipher_policy_1_0"))]},
         {"lb-locked/https/443": "MANUAL", f"{LB}/https/443": "MANUAL", f"{LB}/https/8443": "FAIL"}),
]
