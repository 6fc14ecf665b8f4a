"""ALB (Application Load Balancer, API 2020-06-16): load balancers per region with their listeners and forwarding
rules, and the TLS security policies (system and custom); the reads aliaudit's alb family calls and the writes that
remediate its findings (a listener's security policy, forwarding rules).

Routing: alibabacloud_alb20200616 resolves its endpoint with the 'regional' rule, alb.<region>.aliyuncs.com (its
endpoint map names only cn-hangzhou-finance, at alb.cn-hangzhou.aliyuncs.com); the product code is the host's first
label, so every region reaches this module, the region from the host.

Shapes and types: OpenMeta alb 2020-06-16 (dew-serverless/acs-metadata en_us/alb/2020-06-16/api-docs.json), the
corpus files tests/fixtures/wire/alb/*.json and alibabacloud_alb20200616's response models. Paging: NextToken and
MaxResults (1-100, default 20) on the list APIs; ListSystemSecurityPolicies has none. Error codes: the documented
ones (ResourceNotFound.Listener, ResourceNotFound.SecurityPolicy, ResourceNotFound.Rule: 404; Conflict.Priority:
400). Array parameters arrive flattened by the SDK (Utils.query: `ListenerIds.1`, `RuleConditions.1.PathConfig.
Values.1`)."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..call import Call
from ..clock import iso
from ..errors import ApiError
from ..pop import PopApi, int_param, page_by_token, require
from ..regions import offered_regions, region_exists

api = PopApi("alb", "2020-06-16")  # RAM actions alb:<Action>

# The system security policies and the TLS versions each allows: ALB's documented TLS security policies
# (https://www.alibabacloud.com/help/en/slb/application-load-balancer/user-guide/tls-security-policies; the same
# names and versions as CLB's TLSCipherPolicy, OpenMeta slb 2014-05-15). Cipher lists abbreviated to their
# distinguishing suites.
SYSTEM_POLICIES: dict[str, tuple[list[str], list[str]]] = {
    "tls_cipher_policy_1_0": (["TLSv1.0", "TLSv1.1", "TLSv1.2"],
                              ["ECDHE-RSA-AES128-GCM-SHA256", "AES128-SHA", "DES-CBC3-SHA"]),
    "tls_cipher_policy_1_1": (["TLSv1.1", "TLSv1.2"], ["ECDHE-RSA-AES128-GCM-SHA256", "AES128-SHA", "DES-CBC3-SHA"]),
    "tls_cipher_policy_1_2": (["TLSv1.2"], ["ECDHE-RSA-AES128-GCM-SHA256", "AES128-SHA", "DES-CBC3-SHA"]),
    "tls_cipher_policy_1_2_strict": (["TLSv1.2"], ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-SHA"]),
    "tls_cipher_policy_1_2_strict_with_1_3": (["TLSv1.2", "TLSv1.3"],
                                              ["TLS_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"]),
}
_FLAT = re.compile(r"^(?P<name>[A-Za-z]+)\.(?P<index>\d+)(?:\.(?P<rest>.+))?$")


def _new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(8)}"


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = "Path"  # Host | Path | Method | SourceIp (the ones modelled)
    values: list[str] = Field(default_factory=lambda: ["/*"])


class Action(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = "ForwardGroup"  # ForwardGroup | Redirect | FixedResponse
    order: int = 1
    server_group_id: str = "sgp-default"  # ForwardGroup
    redirect_protocol: str = "HTTPS"  # Redirect: ${protocol} | HTTP | HTTPS
    redirect_port: str = "443"
    redirect_code: str = "301"


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(default_factory=lambda: _new_id("rule"))
    name: str = "rule"
    priority: int = 1  # 1-10000, unique per listener
    direction: str = "Request"  # Request | Response
    conditions: list[Condition] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)


class Listener(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(default_factory=lambda: _new_id("lsn"))
    port: int = 80
    protocol: str = "HTTP"  # HTTP | HTTPS | QUIC
    status: str = "Running"  # Provisioning | Running | Configuring | Stopped
    description: str = ""
    security_policy_id: str = ""  # HTTPS: '' = the documented default, tls_cipher_policy_1_0
    server_group_id: str = "sgp-default"  # the default action (ForwardGroup)
    rules: list[Rule] = Field(default_factory=list)


class LoadBalancer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str = ""
    region: str = "cn-hangzhou"
    address_type: str = "Intranet"  # Internet | Intranet
    # AddressIpVersion IPv4 | DualStack, and for dual-stack Ipv6AddressType Internet | Intranet (the documented
    # sample: DualStack with Ipv6AddressType Intranet; tests/fixtures/wire/alb/ListLoadBalancers.json)
    address_ip_version: str = "IPv4"
    ipv6_address_type: str = "Intranet"
    status: str = "Active"
    edition: str = "Standard"  # Basic | Standard | StandardWithWaf
    vpc_id: str = ""
    deletion_protection: bool = False
    created: datetime = datetime(2024, 1, 1)
    listeners: list[Listener] = Field(default_factory=list)


class SecurityPolicy(BaseModel):
    """A custom security policy (system ones are SYSTEM_POLICIES)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(default_factory=lambda: _new_id("spy"))
    name: str = ""
    region: str = "cn-hangzhou"
    tls_versions: list[str] = Field(default_factory=lambda: ["TLSv1.2"])  # TLSv1.0 | TLSv1.1 | TLSv1.2 | TLSv1.3
    ciphers: list[str] = Field(default_factory=lambda: ["ECDHE-RSA-AES128-GCM-SHA256"])
    created: datetime = datetime(2024, 1, 1)


class AlbState(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    load_balancers: list[LoadBalancer] = Field(default_factory=list)
    security_policies: list[SecurityPolicy] = Field(default_factory=list)


# --- helpers -------------------------------------------------------------------------------------

def _region(call: Call) -> str:
    """The host's region (alb.<region>.aliyuncs.com): any public region or one of the account's. The code for an
    unknown region is not documented; InvalidRegionId is ours."""
    region = call.region or call.params.get("RegionId", "")
    if not region or not region_exists(call.acct.regions, region):
        raise ApiError("InvalidRegionId", f"The specified region {region or '(none)'} does not exist.", 400)
    call.region = region
    return region


def unflatten(params: dict[str, str], name: str) -> list[Any]:
    """A list parameter as the SDK flattens it (`Name.1`, `Name.1.Key.2`...), rebuilt in index order."""
    items: dict[int, Any] = {}
    for key, value in params.items():
        m = _FLAT.match(key)
        if not m or m.group("name") != name:
            continue
        index, rest = int(m.group("index")), m.group("rest")
        if rest is None:
            items[index] = value
        else:
            sub = items.setdefault(index, {})
            _set_path(sub, rest, value)
    return [_lists(items[i]) for i in sorted(items)]


def _set_path(into: dict[str, Any], path: str, value: str) -> None:
    head, _, tail = path.partition(".")
    if not tail:
        into[head] = value
    else:
        _set_path(into.setdefault(head, {}), tail, value)


def _lists(node: Any) -> Any:
    """Dicts whose keys are all numbers are the flattened lists: back to lists."""
    if not isinstance(node, dict):
        return node
    if node and all(k.isdigit() for k in node):
        return [_lists(node[k]) for k in sorted(node, key=int)]
    return {k: _lists(v) for k, v in node.items()}


def _listeners(call: Call) -> list[tuple[LoadBalancer, Listener]]:
    region = _region(call)
    return [(b, x) for b in call.acct.alb.load_balancers if b.region == region for x in b.listeners]


def _listener(call: Call) -> tuple[LoadBalancer, Listener]:
    lid = require(call.params, "ListenerId")
    found = next(((b, x) for b, x in _listeners(call) if x.id == lid), None)
    if found is None:
        raise ApiError("ResourceNotFound.Listener", f"The specified resource {lid} is not found.", 404)
    call.touch("ACS::ALB::Listener", lid)
    return found


def _policy_exists(call: Call, policy_id: str) -> bool:
    return policy_id in SYSTEM_POLICIES or any(
        p.id == policy_id and p.region == call.region for p in call.acct.alb.security_policies)


def _condition(c: Condition) -> dict[str, Any]:
    return {"Type": c.type, f"{c.type}Config": {"Values": list(c.values)}}


def _action(a: Action) -> dict[str, Any]:
    out: dict[str, Any] = {"Type": a.type, "Order": a.order}
    if a.type == "Redirect":
        out["RedirectConfig"] = {"Protocol": a.redirect_protocol, "Port": a.redirect_port,
                                 "HttpCode": a.redirect_code, "Host": "${host}", "Path": "${path}",
                                 "Query": "${query}"}
    else:
        out["ForwardGroupConfig"] = {"ServerGroupTuples": [{"ServerGroupId": a.server_group_id, "Weight": 100}]}
    return out


# --- reads ---------------------------------------------------------------------------------------

@api.action("ListLoadBalancers")
def list_load_balancers(call: Call) -> dict[str, Any]:
    region = _region(call)
    lbs = [b for b in call.acct.alb.load_balancers if b.region == region]
    if call.params.get("AddressType"):
        lbs = [b for b in lbs if b.address_type == call.params["AddressType"]]
    if ids := unflatten(call.params, "LoadBalancerIds"):
        lbs = [b for b in lbs if b.id in ids]
    page, meta = page_by_token(lbs, call.params, default=20, limit=100)
    return {**meta, "LoadBalancers": [{
        "LoadBalancerId": b.id, "LoadBalancerName": b.name, "AddressType": b.address_type,
        "AddressAllocatedMode": "Dynamic", "AddressIpVersion": b.address_ip_version,
        **({"Ipv6AddressType": b.ipv6_address_type} if b.address_ip_version == "DualStack" else {}),
        "LoadBalancerStatus": b.status,
        "LoadBalancerBussinessStatus": "Normal", "LoadBalancerEdition": b.edition, "VpcId": b.vpc_id,
        "DNSName": f"{b.id}.{b.region}.alb.aliyuncs.com", "CreateTime": iso(b.created),
        "DeletionProtectionConfig": {"Enabled": b.deletion_protection},
        "LoadBalancerBillingConfig": {"PayType": "PostPay"}, "ResourceGroupId": "", "Tags": []} for b in page]}


@api.action("ListListeners")
def list_listeners(call: Call) -> dict[str, Any]:
    found = _listeners(call)
    if ids := unflatten(call.params, "LoadBalancerIds"):
        found = [(b, x) for b, x in found if b.id in ids]
    if ids := unflatten(call.params, "ListenerIds"):
        found = [(b, x) for b, x in found if x.id in ids]
    if call.params.get("ListenerProtocol"):
        found = [(b, x) for b, x in found if x.protocol == call.params["ListenerProtocol"]]
    page, meta = page_by_token(found, call.params, default=20, limit=100)
    out = []
    for b, x in page:
        item: dict[str, Any] = {
            "LoadBalancerId": b.id, "ListenerId": x.id, "ListenerPort": x.port, "ListenerProtocol": x.protocol,
            "ListenerStatus": x.status, "ListenerDescription": x.description, "GzipEnabled": True,
            "Http2Enabled": x.protocol == "HTTPS", "IdleTimeout": 15, "RequestTimeout": 60, "Tags": [],
            "DefaultActions": [{"Type": "ForwardGroup", "ForwardGroupConfig": {
                "ServerGroupTuples": [{"ServerGroupId": x.server_group_id}]}}]}
        if x.protocol == "HTTPS":  # documented: only HTTPS listeners have a security policy
            item["SecurityPolicyId"] = x.security_policy_id or "tls_cipher_policy_1_0"
        out.append(item)
    return {**meta, "Listeners": out}


@api.action("ListRules")
def list_rules(call: Call) -> dict[str, Any]:
    found = [(b, x, r) for b, x in _listeners(call) for r in sorted(x.rules, key=lambda r: r.priority)]
    if ids := unflatten(call.params, "ListenerIds"):
        found = [(b, x, r) for b, x, r in found if x.id in ids]
    if ids := unflatten(call.params, "LoadBalancerIds"):
        found = [(b, x, r) for b, x, r in found if b.id in ids]
    if ids := unflatten(call.params, "RuleIds"):
        found = [(b, x, r) for b, x, r in found if r.id in ids]
    # Direction: "Request (default): The forwarding rule is applied to the client requests received by ALB"
    direction = call.params.get("Direction") or "Request"
    found = [(b, x, r) for b, x, r in found if r.direction == direction]
    page, meta = page_by_token(found, call.params, default=20, limit=100)
    return {**meta, "Rules": [{
        "LoadBalancerId": b.id, "ListenerId": x.id, "RuleId": r.id, "RuleName": r.name, "Priority": r.priority,
        "Direction": r.direction, "RuleStatus": "Available", "Tags": [],
        "RuleConditions": [_condition(c) for c in r.conditions],
        "RuleActions": [_action(a) for a in r.actions]} for b, x, r in page]}


def _policy_answer(pid: str, tls: list[str], ciphers: list[str]) -> dict[str, Any]:
    return {"SecurityPolicyId": pid, "TLSVersions": list(tls), "Ciphers": list(ciphers)}


@api.action("ListSystemSecurityPolicies")
def list_system_security_policies(call: Call) -> dict[str, Any]:
    _region(call)
    return {"SecurityPolicies": [_policy_answer(pid, tls, ciphers)
                                 for pid, (tls, ciphers) in SYSTEM_POLICIES.items()]}


@api.action("ListSecurityPolicies")
def list_security_policies(call: Call) -> dict[str, Any]:
    region = _region(call)
    policies = [p for p in call.acct.alb.security_policies if p.region == region]
    if ids := unflatten(call.params, "SecurityPolicyIds"):
        policies = [p for p in policies if p.id in ids]
    page, meta = page_by_token(policies, call.params, default=20, limit=100)
    return {**meta, "SecurityPolicies": [{
        **_policy_answer(p.id, p.tls_versions, p.ciphers), "SecurityPolicyName": p.name,
        "SecurityPolicyStatus": "Available", "ResourceGroupId": "", "CreateTime": iso(p.created), "Tags": []}
        for p in page]}


# --- writes --------------------------------------------------------------------------------------

def _job() -> dict[str, Any]:
    return {"JobId": secrets.token_hex(16)}  # the writes are asynchronous; the emulator applies them at once


@api.action("UpdateListenerAttribute", write=True)
def update_listener_attribute(call: Call) -> dict[str, Any]:
    _, lst = _listener(call)
    policy = call.params.get("SecurityPolicyId", "")
    if policy:
        if not _policy_exists(call, policy):
            raise ApiError("ResourceNotFound.SecurityPolicy", f"The specified resource {policy} is not found.", 404)
        lst.security_policy_id = policy
    return _job()


def _rule_from(call: Call, lst: Listener) -> Rule:
    priority = int_param(call.params, "Priority", 0, 1, 10000)
    if any(r.priority == priority for r in lst.rules):
        raise ApiError("Conflict.Priority", f"There is already a rule having the same configuration with priority "
                                            f"{priority}.", 400)
    conditions = [Condition(type=c.get("Type", ""), values=list((c.get(f"{c.get('Type', '')}Config") or {})
                                                                .get("Values") or []))
                  for c in unflatten(call.params, "RuleConditions")]
    actions = []
    for a in unflatten(call.params, "RuleActions"):
        redirect = a.get("RedirectConfig") or {}
        actions.append(Action(type=a.get("Type", ""), order=int(a.get("Order", 1)),
                              redirect_protocol=redirect.get("Protocol", "${protocol}"),
                              redirect_port=redirect.get("Port", "${port}"),
                              redirect_code=redirect.get("HttpCode", "301")))
    return Rule(name=require(call.params, "RuleName"), priority=priority,
                direction=call.params.get("Direction", "Request"), conditions=conditions, actions=actions)


@api.action("CreateRule", write=True)
def create_rule(call: Call) -> dict[str, Any]:
    _, lst = _listener(call)
    rule = _rule_from(call, lst)
    lst.rules.append(rule)
    call.touch("ACS::ALB::Rule", rule.id)
    return {**_job(), "RuleId": rule.id}


@api.action("DeleteRule", write=True)
def delete_rule(call: Call) -> dict[str, Any]:
    rid = require(call.params, "RuleId")
    for _, lst in _listeners(call):
        if any(r.id == rid for r in lst.rules):
            lst.rules = [r for r in lst.rules if r.id != rid]
            call.touch("ACS::ALB::Rule", rid)
            return _job()
    raise ApiError("ResourceNotFound.Rule", f"The specified resource {rid} is not found.", 404)


# DescribeRegions: the regions where ALB is available, Regions[] a plain array (sample: tests/fixtures/wire/alb);
# local names are not modelled
@api.action("DescribeRegions")
def describe_regions(call: Call) -> dict[str, Any]:
    return {"Regions": [{"RegionId": r, "LocalName": r, "RegionEndpoint": f"alb.{r}.aliyuncs.com"}
                        for r in offered_regions(call.world, "alb", call.acct.regions)]}
