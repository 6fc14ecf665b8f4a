"""NLB (Network Load Balancer, API 2022-04-30): listeners per region (TCP, UDP, TCPSSL) and the TLS security
policies (system and custom); the reads aliaudit's nlb family calls and the write that remediates its finding (a
listener's security policy).

Routing: alibabacloud_nlb20220430 has no endpoint map and the 'regional' rule, nlb.<region>.aliyuncs.com; the
product code is the host's first label, so every region reaches this module, the region from the host (RegionId is
also accepted, as the SDK sends it).

Shapes and types: OpenMeta nlb 2022-04-30 (dew-serverless/acs-metadata en_us/nlb/2022-04-30/api-docs.json), the
corpus files tests/fixtures/wire/nlb/*.json and alibabacloud_nlb20220430's response models: TlsVersion and Ciphers
are comma-separated strings; StartPort/EndPort strings; ports and timeouts integers. Paging: NextToken and
MaxResults (1-100, default 20) on ListListeners and ListSecurityPolicy; ListSystemSecurityPolicy has none. Error
codes: the documented ResourceNotFound.listener and ResourceNotFound.securitypolicy (404) of
UpdateListenerAttribute."""

from __future__ import annotations

import secrets
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..call import Call
from ..errors import ApiError
from ..pop import PopApi, page_by_token, require
from ..regions import offered_regions, region_exists
from .alb import unflatten

api = PopApi("nlb", "2022-04-30")  # RAM actions nlb:<Action>

# The system security policies and the TLS versions each allows, as ListSystemSecurityPolicy documents its sample
# (tls_cipher_policy_1_0: "TLSv1.0,TLSv1.1,TLSv1.2") and NLB's TLS security policy page lists the others
# (https://www.alibabacloud.com/help/en/slb/network-load-balancer/user-guide/tls-security-policies; the same names
# and versions as CLB's TLSCipherPolicy, OpenMeta slb 2014-05-15). Cipher lists abbreviated.
SYSTEM_POLICIES: dict[str, tuple[str, str]] = {
    "tls_cipher_policy_1_0": ("TLSv1.0,TLSv1.1,TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256,AES128-SHA,DES-CBC3-SHA"),
    "tls_cipher_policy_1_1": ("TLSv1.1,TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256,AES128-SHA,DES-CBC3-SHA"),
    "tls_cipher_policy_1_2": ("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256,AES128-SHA,DES-CBC3-SHA"),
    "tls_cipher_policy_1_2_strict": ("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256,ECDHE-RSA-AES256-SHA"),
    "tls_cipher_policy_1_2_strict_with_1_3": ("TLSv1.2,TLSv1.3", "TLS_AES_128_GCM_SHA256,ECDHE-RSA-AES128-GCM-SHA256"),
}


class Listener(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    id: str = Field(default_factory=lambda: f"lsn-{secrets.token_hex(8)}")
    load_balancer_id: str = "nlb-default"
    region: str = "cn-hangzhou"
    port: int = 443
    protocol: str = "TCPSSL"  # TCP | UDP | TCPSSL
    status: str = "Running"
    description: str = ""
    server_group_id: str = "sgp-default"
    security_policy_id: str = ""  # TCPSSL: '' = tls_cipher_policy_1_0 (CreateListener's documented default)
    certificate_ids: list[str] = Field(default_factory=list)


class SecurityPolicy(BaseModel):
    """A custom security policy (system ones are SYSTEM_POLICIES)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(default_factory=lambda: f"spy-{secrets.token_hex(8)}")
    name: str = ""
    region: str = "cn-hangzhou"
    tls_versions: list[str] = Field(default_factory=lambda: ["TLSv1.2"])  # TLSv1.0 | TLSv1.1 | TLSv1.2 | TLSv1.3
    ciphers: list[str] = Field(default_factory=lambda: ["ECDHE-RSA-AES128-GCM-SHA256"])


class NlbState(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    listeners: list[Listener] = Field(default_factory=list)
    security_policies: list[SecurityPolicy] = Field(default_factory=list)


def _region(call: Call) -> str:
    """The host's region (or RegionId): any public region or one of the account's. The code for an unknown region is
    not documented; IllegalParam (documented for a bad parameter) is used."""
    region = call.region or call.params.get("RegionId", "")
    if not region or not region_exists(call.acct.regions, region):
        raise ApiError("IllegalParam", f"The param of RegionId {region or '(none)'} is illegal.", 400)
    call.region = region
    return region


def _policy_id(lst: Listener) -> str:
    return lst.security_policy_id or "tls_cipher_policy_1_0"


@api.action("ListListeners")
def list_listeners(call: Call) -> dict[str, Any]:
    region = _region(call)
    found = [x for x in call.acct.nlb.listeners if x.region == region]
    if ids := unflatten(call.params, "ListenerIds"):
        found = [x for x in found if x.id in ids]
    if ids := unflatten(call.params, "LoadBalancerIds"):
        found = [x for x in found if x.load_balancer_id in ids]
    if call.params.get("ListenerProtocol"):
        found = [x for x in found if x.protocol == call.params["ListenerProtocol"]]
    page, meta = page_by_token(found, call.params, default=20, limit=100)
    out = []
    for x in page:
        item: dict[str, Any] = {
            "ListenerId": x.id, "LoadBalancerId": x.load_balancer_id, "RegionId": x.region, "ListenerPort": x.port,
            "ListenerProtocol": x.protocol, "ListenerStatus": x.status, "ListenerDescription": x.description,
            "ServerGroupId": x.server_group_id, "IdleTimeout": 900, "ProxyProtocolEnabled": False,
            "SecSensorEnabled": False, "Tags": []}
        if x.protocol == "TCPSSL":  # documented: the policy and certificates take effect for SSL over TCP only
            item.update({"SecurityPolicyId": _policy_id(x), "CertificateIds": list(x.certificate_ids),
                         "CaEnabled": False, "AlpnEnabled": False})
        out.append(item)
    return {**meta, "Listeners": out}


@api.action("ListSystemSecurityPolicy")
def list_system_security_policy(call: Call) -> dict[str, Any]:
    _region(call)
    return {"SecurityPolicies": [{"SecurityPolicyId": pid, "SecurityPolicyName": pid, "TlsVersion": tls,
                                  "Ciphers": ciphers} for pid, (tls, ciphers) in SYSTEM_POLICIES.items()]}


@api.action("ListSecurityPolicy")
def list_security_policy(call: Call) -> dict[str, Any]:
    region = _region(call)
    policies = [p for p in call.acct.nlb.security_policies if p.region == region]
    if ids := unflatten(call.params, "SecurityPolicyIds"):
        policies = [p for p in policies if p.id in ids]
    page, meta = page_by_token(policies, call.params, default=20, limit=100)
    return {**meta, "SecurityPolicies": [{
        "SecurityPolicyId": p.id, "SecurityPolicyName": p.name, "TlsVersion": ",".join(p.tls_versions),
        "Ciphers": ",".join(p.ciphers), "RegionId": p.region, "SecurityPolicyStatus": "Available",
        "ResourceGroupId": "", "Tags": [],
        "RelatedListeners": [{"ListenerId": x.id, "ListenerPort": x.port, "ListenerProtocol": x.protocol,
                              "LoadBalancerId": x.load_balancer_id}
                             for x in call.acct.nlb.listeners if x.security_policy_id == p.id]} for p in page]}


@api.action("UpdateListenerAttribute", write=True)
def update_listener_attribute(call: Call) -> dict[str, Any]:
    region = _region(call)
    lid = require(call.params, "ListenerId")
    lst = next((x for x in call.acct.nlb.listeners if x.id == lid and x.region == region), None)
    if lst is None:
        raise ApiError("ResourceNotFound.listener", f"The specified resource {lid} is not found.", 404)
    call.touch("ACS::NLB::Listener", lid)
    policy = call.params.get("SecurityPolicyId", "")
    if policy:
        if policy not in SYSTEM_POLICIES and not any(
                p.id == policy and p.region == region for p in call.acct.nlb.security_policies):
            raise ApiError("ResourceNotFound.securitypolicy",
                           "The specified resource of securitypolicy is not found.", 404)
        lst.security_policy_id = policy
    # the update is asynchronous in the cloud (a JobId); the emulator applies it at once
    return {"JobId": secrets.token_hex(16)}


# DescribeRegions: "regions that support Network Load Balancer (NLB) instances", Regions[] a plain array (sample:
# tests/fixtures/wire/nlb); local names are not modelled
@api.action("DescribeRegions")
def describe_regions(call: Call) -> dict[str, Any]:
    return {"Regions": [{"RegionId": r, "LocalName": r, "RegionEndpoint": f"nlb.{r}.aliyuncs.com"}
                        for r in offered_regions(call.world, "nlb", call.acct.regions)]}
