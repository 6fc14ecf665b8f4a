"""ALB (Application Load Balancer, API 2020-06-16) datasets (regional): every load balancer with its listeners
(ListListeners), the forwarding rules of the HTTP listeners of internet-facing load balancers (ListRules), and
the TLS security policies listeners may name (ListSystemSecurityPolicies, ListSecurityPolicies).

Wire facts (OpenMeta alb 2020-06-16, alibabacloud_alb20200616 models): the list APIs page by NextToken and
MaxResults (1-100); ListSystemSecurityPolicies has no paging; a listener's default action is documented as
ForwardGroup only, so HTTP-to-HTTPS redirection is a forwarding rule (RuleActions Type Redirect, RedirectConfig
Protocol HTTPS); TLSVersions values are TLSv1.0, TLSv1.1, TLSv1.2, TLSv1.3."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .. import apierrors
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from ..offered import region_list
from .paging import by_token
from .registry import CollectContext, collector

alb_models = lazy_import("alibabacloud_alb20200616.models")

MAX_RESULTS = 100  # ListLoadBalancers / ListListeners / ListRules / ListSecurityPolicies MaxResults maximum


class AlbCondition(Record):
    type: str  # Host | Path | Header | QueryString | Method | Cookie | SourceIp | ResponseHeader | ...
    values: list[str] = Field(default_factory=list)  # PathConfig / HostConfig / MethodConfig / SourceIpConfig


class AlbAction(Record):
    type: str  # ForwardGroup | Redirect | FixedResponse | Rewrite | InsertHeader | ...
    order: int = 0
    redirect_protocol: str = ""  # RedirectConfig.Protocol: ${protocol} | HTTP | HTTPS


class AlbRule(Record):
    id: str
    name: str = ""
    priority: int = 0  # 1-10000, smaller first
    direction: str = "Request"
    conditions: list[AlbCondition] = Field(default_factory=list)
    actions: list[AlbAction] = Field(default_factory=list)


# ListenerStatus values of a listener that serves nothing: the documented values are Provisioning (being created),
# Running, Configuring (being configured) and Stopped (ListListenersResponseBody.listener_status,
# alibabacloud_alb20200616). Provisioning and Configuring are judged: that configuration is about to serve.
STOPPED_LISTENER_STATUSES = frozenset({"Stopped"})


class AlbListener(Record):
    id: str
    port: int = 0
    protocol: str = ""  # HTTP | HTTPS | QUIC
    status: str = ""  # ListenerStatus: Provisioning | Running | Configuring | Stopped
    # HTTPS only; '' when the answer names none (the documented default then applies: tls_policy.DEFAULT_POLICY)
    security_policy_id: str = ""
    default_actions: list[str] = Field(default_factory=list)  # DefaultActions[].Type
    rules: list[AlbRule] = Field(default_factory=list)  # read for HTTP listeners of internet-facing ALBs
    rules_error: str | None = None  # ListRules failed

    @property
    def stopped(self) -> bool:
        return self.status in STOPPED_LISTENER_STATUSES


class AlbLoadBalancer(Record):
    id: str
    name: str = ""
    region: str
    address_type: str = ""  # Internet | Intranet
    address_ip_version: str = ""  # AddressIpVersion: IPv4 | DualStack
    ipv6_address_type: str = ""  # Ipv6AddressType (dual-stack): Internet | Intranet
    dns_name: str = ""
    # LoadBalancerStatus: Inactive | Active | Provisioning | Configuring | CreateFailed; "ALB instances in the
    # Inactive state do not forward traffic" (ListLoadBalancers, alb 2020-06-16 API reference)
    status: str = ""
    listeners: list[AlbListener] = Field(default_factory=list)

    @property
    def internet(self) -> bool:
        """Reachable from the internet over IPv4 (AddressType Internet) or, dual-stack, over IPv6 (Ipv6AddressType
        Internet: "the ALB instance can be accessed over the Internet", the SDK model ListLoadBalancersResponseBody
        of alibabacloud_alb20200616), whatever AddressType says."""
        return self.address_type == "Internet" or (self.address_ip_version == "DualStack"
                                                   and self.ipv6_address_type == "Internet")


class AlbSecurityPolicy(Record):
    id: str
    name: str = ""
    system: bool = False
    tls_versions: list[str] = Field(default_factory=list)
    ciphers: list[str] = Field(default_factory=list)


LOAD_BALANCERS: Dataset[list[AlbLoadBalancer]] = Dataset("alb.load_balancers", Scope.REGIONAL)
SECURITY_POLICIES: Dataset[list[AlbSecurityPolicy]] = Dataset("alb.security_policies", Scope.REGIONAL)


# a condition's Type -> the attribute of the SDK model that holds its values (the other configs are not its own)
_CONDITION_CONFIGS = {"Path": "path_config", "Host": "host_config", "Method": "method_config",
                      "SourceIp": "source_ip_config", "Header": "header_config", "Cookie": "cookie_config",
                      "QueryString": "query_string_config", "ResponseHeader": "response_header_config",
                      "ResponseStatusCode": "response_status_code_config"}


def _condition_values(c: Any) -> list[str]:
    cfg = getattr(c, _CONDITION_CONFIGS.get(c.type or "", ""), None)
    values = (cfg.values or []) if cfg is not None else []
    # Cookie and QueryString values are key/value pairs
    return [v if isinstance(v, str) else f"{getattr(v, 'key', '')}={getattr(v, 'value', '')}" for v in values]


def _rule(r: Any) -> AlbRule:
    conditions = [AlbCondition(type=c.type or "", values=_condition_values(c)) for c in r.rule_conditions or []]
    # an action's RedirectConfig counts only for a Redirect action (documented samples fill every config)
    actions = [AlbAction(type=a.type or "", order=a.order or 0,
                         redirect_protocol=(a.redirect_config.protocol or "")
                         if a.type == "Redirect" and a.redirect_config else "")
               for a in r.rule_actions or []]
    return AlbRule(id=r.rule_id, name=r.rule_name or "", priority=r.priority or 0, direction=r.direction or "Request",
                   conditions=conditions, actions=actions)


@collector(LOAD_BALANCERS, apis=["alb:ListLoadBalancers", "alb:ListListeners", "alb:ListRules"])
def load_balancers(ctx: CollectContext) -> list[AlbLoadBalancer]:
    alb = ctx.client("alb")
    lbs = [AlbLoadBalancer(id=b.load_balancer_id, name=b.load_balancer_name or "", region=ctx.region,
                           address_type=b.address_type or "", address_ip_version=b.address_ip_version or "",
                           ipv6_address_type=b.ipv_6address_type or "", dns_name=b.dnsname or "",
                           status=b.load_balancer_status or "")
           for b in by_token(lambda t: alb.list_load_balancers(alb_models.ListLoadBalancersRequest(
               max_results=MAX_RESULTS, next_token=t)).body, lambda b: b.load_balancers or [])]
    by_id = {b.id: b for b in lbs}
    for item in by_token(lambda t: alb.list_listeners(alb_models.ListListenersRequest(
            max_results=MAX_RESULTS, next_token=t)).body, lambda b: b.listeners or []):
        lb = by_id.get(item.load_balancer_id)
        if lb is None:
            continue  # a listener of a load balancer created after the list: audited next time
        lb.listeners.append(AlbListener(
            id=item.listener_id, port=item.listener_port or 0, protocol=item.listener_protocol or "",
            status=item.listener_status or "", security_policy_id=item.security_policy_id or "",
            default_actions=[a.type or "" for a in item.default_actions or []]))

    def rules(lst: AlbListener) -> None:
        try:
            lst.rules = [_rule(r) for r in by_token(lambda t: alb.list_rules(alb_models.ListRulesRequest(
                listener_ids=[lst.id], max_results=MAX_RESULTS, next_token=t)).body, lambda b: b.rules or [])]
        except Exception as err:
            lst.rules_error = apierrors.describe(err)

    ctx.map(rules, [x for b in lbs if b.internet for x in b.listeners if x.protocol == "HTTP"])
    return lbs


@collector(SECURITY_POLICIES, apis=["alb:ListSystemSecurityPolicies", "alb:ListSecurityPolicies"])
def security_policies(ctx: CollectContext) -> list[AlbSecurityPolicy]:
    alb = ctx.client("alb")
    system = alb.list_system_security_policies().body  # the API takes no parameter
    out = [AlbSecurityPolicy(id=p.security_policy_id, name=p.security_policy_id, system=True,
                             tls_versions=list(p.tlsversions or []), ciphers=list(p.ciphers or []))
           for p in system.security_policies or []]
    out += [AlbSecurityPolicy(id=p.security_policy_id, name=p.security_policy_name or "", system=False,
                              tls_versions=list(p.tlsversions or []), ciphers=list(p.ciphers or []))
            for p in by_token(lambda t: alb.list_security_policies(alb_models.ListSecurityPoliciesRequest(
                max_results=MAX_RESULTS, next_token=t)).body, lambda b: b.security_policies or [])]
    return out


# DescribeRegions: "Queries available regions" ("查询ALB可用地域"); Regions[] a plain array
# (https://www.alibabacloud.com/help/en/slb/application-load-balancer/developer-reference/api-alb-2020-06-16-describeregions;
# alibabacloud_alb20200616 DescribeRegionsResponseBody). No RAM action is documented: alb:DescribeRegions by convention
@region_list("alb", product="alb", apis=["alb:DescribeRegions"])
def alb_regions(client: Any) -> list[str]:
    return [r.region_id for r in client.describe_regions(alb_models.DescribeRegionsRequest()).body.regions or []]
