"""CLB (Server Load Balancer, API 2014-05-15): load balancers per region with their listeners (TCP, UDP, HTTP,
HTTPS) and the network ACLs listeners use; the reads aliaudit's slb family calls and the writes that remediate its
findings (deletion protection, listener access control and TLS policy, ACL entries).

Routing: alibabacloud_slb20140515's endpoint map sends the central regions (cn-hangzhou, cn-shanghai, cn-beijing,
...) to slb.aliyuncs.com, which names no region, and the others to slb.<region>.aliyuncs.com (endpoint rule
'regional'); the product code is the host's first label, so both forms reach this module, and the region comes from
the host or from the request's RegionId (required by every API used here, OpenMeta slb 2014-05-15).

Shapes and types: OpenMeta slb 2014-05-15 (dew-serverless/acs-metadata en_us/slb/2014-05-15/api-docs.json), the
corpus files tests/fixtures/wire/slb/*.json, and alibabacloud_slb20140515's response models (ports, bandwidth,
counts and timestamps are integers; everything else strings). Error codes are not in the metadata: the codes
used here are the ones CLB answers (InvalidLoadBalancerId.NotFound, 400, in the CLB API error-code list;
OperationUnsupported.DeleteProtectionForPrePayInstance, 400, documented by SetLoadBalancerDeleteProtection;
AclNotExist; an unknown listener port answers InvalidParameter "The specified resource does not exist", as
terraform-provider-alicloud's error constants record it)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..call import Call
from ..clock import iso
from ..errors import ApiError
from ..pop import PopApi, int_param, page_by_number, require
from ..regions import offered_regions, region_exists

api = PopApi("slb", "2014-05-15")  # RAM actions slb:<Action>

PROTOCOLS = ("tcp", "udp", "http", "https")
# TLSCipherPolicy values (DescribeLoadBalancerHTTPSListenerAttribute / SetLoadBalancerHTTPSListenerAttribute)
TLS_POLICIES = ("tls_cipher_policy_1_0", "tls_cipher_policy_1_1", "tls_cipher_policy_1_2",
                "tls_cipher_policy_1_2_strict", "tls_cipher_policy_1_2_strict_with_1_3")


class Listener(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    port: int  # ListenerPort, 1-65535
    protocol: str = "tcp"  # tcp | udp | http | https
    status: str = "running"  # running | stopped
    backend_port: int = 80
    description: str = ""
    acl_status: str = "off"  # on | off
    acl_type: str = ""  # white | black (required when acl_status is on)
    acl_ids: list[str] = Field(default_factory=list)  # the first is AclId, all are AclIds.AclId
    listener_forward: str = "off"  # http: on = redirect to forward_port (an HTTPS listener)
    forward_port: int | None = None
    tls_cipher_policy: str = ""  # https: '' = not reported (shared-performance instances)
    server_certificate_id: str = ""
    # the older per-listener whitelist (DescribeListenerAccessControlAttribute: AccessControlStatus
    # open_white_list | close, SourceItems; tests/fixtures/wire/slb/DescribeListenerAccessControlAttribute.json)
    whitelist_status: str = "close"
    whitelist: list[str] = Field(default_factory=list)


class LoadBalancer(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    id: str
    name: str = ""
    region: str = "cn-hangzhou"
    address: str = ""
    address_type: str = "intranet"  # internet | intranet
    network_type: str = "vpc"  # vpc | classic
    vpc_id: str = ""
    vswitch_id: str = ""
    spec: str = "slb.s1.small"  # LoadBalancerSpec ('' for pay-by-CU instances)
    status: str = "active"  # LoadBalancerStatus: active | inactive | locked
    delete_protection: str = "off"  # on | off
    # PayType: PayOnDemand | PrePay (subscription, China site; ModifyLoadBalancerPayTypeRequest.pay_type of
    # alibabacloud_slb20140515). SetLoadBalancerDeleteProtection refuses to enable protection on PrePay instances.
    pay_type: str = "PayOnDemand"
    created: datetime = datetime(2024, 1, 1)
    listeners: list[Listener] = Field(default_factory=list)


class AclEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ip: str  # an address or CIDR block
    comment: str = ""


class Acl(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str = ""
    region: str = "cn-hangzhou"
    ip_version: str = "ipv4"  # ipv4 | ipv6
    created: datetime = datetime(2024, 1, 1)
    entries: list[AclEntry] = Field(default_factory=list)


class SlbState(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    load_balancers: list[LoadBalancer] = Field(default_factory=list)
    acls: list[Acl] = Field(default_factory=list)


# --- helpers -------------------------------------------------------------------------------------

def _region(call: Call) -> str:
    """RegionId is required by these APIs (slb.aliyuncs.com names no region): any public region (a list there is
    empty when the account has nothing in it) or one of the account's. The code for an unknown region is not
    documented; InvalidRegionId is ours."""
    region = call.region or require(call.params, "RegionId")
    if not region_exists(call.acct.regions, region):
        raise ApiError("InvalidRegionId", f"The specified RegionId {region} does not exist.", 400)
    call.region = region
    return region


def _lb(call: Call) -> LoadBalancer:
    region = _region(call)
    lb_id = require(call.params, "LoadBalancerId")
    lb = next((b for b in call.acct.slb.load_balancers if b.id == lb_id and b.region == region), None)
    if lb is None:
        raise ApiError("InvalidLoadBalancerId.NotFound", f"The specified LoadBalancerId {lb_id} does not exist.", 400)
    call.touch("ACS::SLB::LoadBalancer", lb.id)
    return lb


def _listener(call: Call, protocol: str) -> tuple[LoadBalancer, Listener]:
    lb = _lb(call)
    port = int_param(call.params, "ListenerPort", 0, 1, 65535)
    lst = next((x for x in lb.listeners if x.port == port and x.protocol == protocol), None)
    if lst is None:
        raise ApiError("InvalidParameter", "The specified resource does not exist.", 400)
    return lb, lst


def _acl(call: Call) -> Acl:
    region = _region(call)
    acl_id = require(call.params, "AclId")
    acl = next((a for a in call.acct.slb.acls if a.id == acl_id and a.region == region), None)
    if acl is None:
        raise ApiError("AclNotExist", f"The specified acl {acl_id} does not exist.", 400)
    call.touch("ACS::SLB::Acl", acl.id)
    return acl


def _lb_resource(call: Call) -> str:
    return f"loadbalancer/{call.params.get('LoadBalancerId', '*')}"


def _acl_resource(call: Call) -> str:
    return f"acl/{call.params.get('AclId', '*')}"


def _summary(lb: LoadBalancer) -> dict[str, Any]:
    """The fields DescribeLoadBalancers and DescribeLoadBalancerAttribute share (same names and types)."""
    return {
        "LoadBalancerId": lb.id, "LoadBalancerName": lb.name, "RegionId": lb.region, "RegionIdAlias": lb.region,
        "Address": lb.address, "AddressType": lb.address_type, "AddressIPVersion": "ipv4",
        "NetworkType": lb.network_type, "VpcId": lb.vpc_id, "VSwitchId": lb.vswitch_id,
        "LoadBalancerSpec": lb.spec, "LoadBalancerStatus": lb.status, "DeleteProtection": lb.delete_protection,
        "PayType": lb.pay_type, "InstanceChargeType": "PayBySpec",
        "MasterZoneId": f"{lb.region}-b", "SlaveZoneId": f"{lb.region}-d",
        "ModificationProtectionStatus": "NonProtection", "ModificationProtectionReason": "",
        "CreateTime": iso(lb.created), "CreateTimeStamp": int(lb.created.timestamp() * 1000),
        "Bandwidth": -1, "ResourceGroupId": "", "Tags": {"Tag": []},
    }


def _acl_fields(lst: Listener) -> dict[str, Any]:
    out: dict[str, Any] = {"AclStatus": lst.acl_status, "AclIds": {"AclId": list(lst.acl_ids)}}
    if lst.acl_type:
        out["AclType"] = lst.acl_type
    if lst.acl_ids:
        out["AclId"] = lst.acl_ids[0]
    return out


def _listener_common(lb: LoadBalancer, lst: Listener) -> dict[str, Any]:
    return {"LoadBalancerId": lb.id, "ListenerPort": lst.port, "BackendServerPort": lst.backend_port,
            "Status": lst.status, "Description": lst.description, "Bandwidth": -1, "Scheduler": "wrr",
            "HealthCheck": "on", "Tags": {"Tag": []}, **_acl_fields(lst)}


# --- reads ---------------------------------------------------------------------------------------

@api.action("DescribeLoadBalancers")
def describe_load_balancers(call: Call) -> dict[str, Any]:
    region = _region(call)
    lbs = [b for b in call.acct.slb.load_balancers if b.region == region]
    if call.params.get("AddressType"):
        lbs = [b for b in lbs if b.address_type == call.params["AddressType"]]
    if call.params.get("LoadBalancerId"):
        wanted = set(call.params["LoadBalancerId"].split(","))
        lbs = [b for b in lbs if b.id in wanted]
    # PageSize 1-100, "default": "10" (OpenMeta DescribeLoadBalancers)
    page, meta = page_by_number(lbs, call.params, default=10, limit=100)
    return {**meta, "LoadBalancers": {"LoadBalancer": [_summary(b) for b in page]}}


@api.action("DescribeLoadBalancerAttribute", resource=_lb_resource)
def describe_load_balancer_attribute(call: Call) -> dict[str, Any]:
    lb = _lb(call)
    ports = []
    for lst in lb.listeners:
        item: dict[str, Any] = {"ListenerPort": lst.port, "ListenerProtocol": lst.protocol,
                                "Description": lst.description}
        if lst.protocol == "http":
            item["ListenerForward"] = lst.listener_forward
            if lst.listener_forward == "on" and lst.forward_port:
                item["ForwardPort"] = lst.forward_port
        ports.append(item)
    return {**_summary(lb), "ListenerPorts": {"ListenerPort": [x.port for x in lb.listeners]},
            "ListenerPortsAndProtocal": {"ListenerPortAndProtocal": [
                {"ListenerPort": x.port, "ListenerProtocal": x.protocol} for x in lb.listeners]},
            "ListenerPortsAndProtocol": {"ListenerPortAndProtocol": ports},
            "BackendServers": {"BackendServer": []}}


@api.action("DescribeLoadBalancerTCPListenerAttribute", resource=_lb_resource)
def describe_tcp_listener(call: Call) -> dict[str, Any]:
    lb, lst = _listener(call, "tcp")
    return {**_listener_common(lb, lst), "PersistenceTimeout": 0, "EstablishedTimeout": 900,
            "HealthCheckType": "tcp", "SynProxy": "disable", "ConnectionDrain": "off"}


@api.action("DescribeListenerAccessControlAttribute", resource=_lb_resource)
def describe_listener_access_control(call: Call) -> dict[str, Any]:
    # ListenerProtocol is optional in the reference (the listener is found by its port): the named one, else any
    protocol = call.params.get("ListenerProtocol", "").lower()
    lb = _lb(call)
    port = int_param(call.params, "ListenerPort", 0, 1, 65535)
    lst = next((x for x in lb.listeners if x.port == port and protocol in ("", x.protocol)), None)
    if lst is None:
        raise ApiError("InvalidParameter", "The specified resource does not exist.", 400)
    # SourceItems is one string (the documented sample); its items comma-separated, as AddListenerWhiteListItem
    # takes them ("Separate multiple IP addresses or CIDR blocks with commas")
    return {"AccessControlStatus": lst.whitelist_status, "SourceItems": ",".join(lst.whitelist)}


@api.action("DescribeLoadBalancerUDPListenerAttribute", resource=_lb_resource)
def describe_udp_listener(call: Call) -> dict[str, Any]:
    lb, lst = _listener(call, "udp")
    return _listener_common(lb, lst)


@api.action("DescribeLoadBalancerHTTPListenerAttribute", resource=_lb_resource)
def describe_http_listener(call: Call) -> dict[str, Any]:
    lb, lst = _listener(call, "http")
    out = {**_listener_common(lb, lst), "ListenerForward": lst.listener_forward, "XForwardedFor": "on",
           "StickySession": "off", "Gzip": "on", "SecurityStatus": "on", "Rules": {"Rule": []}}
    if lst.listener_forward == "on" and lst.forward_port:
        out["ForwardPort"] = lst.forward_port  # documented: not displayed when ListenerForward is off
    return out


@api.action("DescribeLoadBalancerHTTPSListenerAttribute", resource=_lb_resource)
def describe_https_listener(call: Call) -> dict[str, Any]:
    lb, lst = _listener(call, "https")
    out = {**_listener_common(lb, lst), "XForwardedFor": "on", "StickySession": "off", "Gzip": "on",
           "SecurityStatus": "on", "EnableHttp2": "on", "ServerCertificateId": lst.server_certificate_id,
           "Rules": {"Rule": []}, "DomainExtensions": {"DomainExtension": []}}
    if lst.tls_cipher_policy:
        out["TLSCipherPolicy"] = lst.tls_cipher_policy  # documented for high-performance instances
    return out


@api.action("DescribeAccessControlListAttribute", resource=_acl_resource)
def describe_access_control_list_attribute(call: Call) -> dict[str, Any]:
    acl = _acl(call)
    # Page / PageSize: "Maximum value: 50. Default value: 10" (OpenMeta); TotalAclEntry counts every entry
    size = int_param(call.params, "PageSize", 10, 1, 50)
    number = int_param(call.params, "Page", 1, 1, 1_000_000)
    entries = acl.entries[(number - 1) * size:number * size]
    related = [{"LoadBalancerId": lb.id, "ListenerPort": lst.port, "Protocol": lst.protocol,
                "AclType": lst.acl_type or "white"}
               for lb in call.acct.slb.load_balancers for lst in lb.listeners if acl.id in lst.acl_ids]
    return {"AclId": acl.id, "AclName": acl.name, "AddressIPVersion": acl.ip_version, "ResourceGroupId": "",
            "CreateTime": iso(acl.created), "TotalAclEntry": len(acl.entries), "Tags": {"Tag": []},
            "AclEntrys": {"AclEntry": [{"AclEntryIP": e.ip, "AclEntryComment": e.comment} for e in entries]},
            "RelatedListeners": {"RelatedListener": related}}


# --- writes --------------------------------------------------------------------------------------

def _on_off(call: Call, name: str) -> str:
    value = require(call.params, name)
    if value not in ("on", "off"):
        raise ApiError(f"InvalidParameter.{name}", f"The parameter {name} must be on or off.", 400)
    return value


@api.action("SetLoadBalancerDeleteProtection", resource=_lb_resource, write=True)
def set_delete_protection(call: Call) -> dict[str, Any]:
    lb = _lb(call)
    value = _on_off(call, "DeleteProtection")
    if value == "on" and lb.pay_type == "PrePay":
        # the API's documented error (https://www.alibabacloud.com/help/en/slb/classic-load-balancer/
        # developer-reference/api-slb-2014-05-15-setloadbalancerdeleteprotection; the Chinese page says prepay
        # instances cannot *enable* it, 不支持开启删除保护, so turning it off is accepted)
        raise ApiError("OperationUnsupported.DeleteProtectionForPrePayInstance",
                       "The operation failed because prepay instance does not support delete protection.", 400)
    lb.delete_protection = value
    return {}


def _set_acl(call: Call, lst: Listener) -> None:
    """AclStatus / AclType / AclId of the Set*ListenerAttribute APIs (AclId required when AclStatus is on)."""
    if call.params.get("AclStatus"):
        lst.acl_status = _on_off(call, "AclStatus")
    if call.params.get("AclType"):
        if call.params["AclType"] not in ("white", "black"):
            raise ApiError("InvalidParameter.AclType", "The parameter AclType must be white or black.", 400)
        lst.acl_type = call.params["AclType"]
    if call.params.get("AclId"):
        _acl(call)
        lst.acl_ids = [call.params["AclId"]]
    if lst.acl_status == "on" and (not lst.acl_ids or not lst.acl_type):
        raise ApiError("MissingParameter", "AclId and AclType are required when AclStatus is on.", 400)


@api.action("SetLoadBalancerTCPListenerAttribute", resource=_lb_resource, write=True)
def set_tcp_listener(call: Call) -> dict[str, Any]:
    _set_acl(call, _listener(call, "tcp")[1])
    return {}


@api.action("SetLoadBalancerUDPListenerAttribute", resource=_lb_resource, write=True)
def set_udp_listener(call: Call) -> dict[str, Any]:
    _set_acl(call, _listener(call, "udp")[1])
    return {}


@api.action("SetLoadBalancerHTTPListenerAttribute", resource=_lb_resource, write=True)
def set_http_listener(call: Call) -> dict[str, Any]:
    _set_acl(call, _listener(call, "http")[1])
    return {}


@api.action("SetLoadBalancerHTTPSListenerAttribute", resource=_lb_resource, write=True)
def set_https_listener(call: Call) -> dict[str, Any]:
    lst = _listener(call, "https")[1]
    _set_acl(call, lst)
    policy = call.params.get("TLSCipherPolicy", "")
    if policy:
        if policy not in TLS_POLICIES:
            raise ApiError("InvalidParameter.TLSCipherPolicy", f"The TLSCipherPolicy {policy} is invalid.", 400)
        lst.tls_cipher_policy = policy
    return {}


def _entries(call: Call) -> list[AclEntry]:
    """AclEntrys: a JSON list of {"entry": CIDR, "comment": text} (OpenMeta AddAccessControlListEntry)."""
    try:
        raw = json.loads(require(call.params, "AclEntrys"))
        return [AclEntry(ip=str(e["entry"]), comment=str(e.get("comment", ""))) for e in raw]
    except (ValueError, TypeError, KeyError) as err:
        raise ApiError("InvalidParameter.AclEntrys", "The parameter AclEntrys is invalid.", 400) from err


@api.action("AddAccessControlListEntry", resource=_acl_resource, write=True)
def add_acl_entry(call: Call) -> dict[str, Any]:
    acl = _acl(call)
    known = {e.ip for e in acl.entries}
    acl.entries += [e for e in _entries(call) if e.ip not in known]
    return {}


@api.action("RemoveAccessControlListEntry", resource=_acl_resource, write=True)
def remove_acl_entry(call: Call) -> dict[str, Any]:
    acl = _acl(call)
    gone = {e.ip for e in _entries(call)}
    acl.entries = [e for e in acl.entries if e.ip not in gone]
    return {}


# DescribeRegions: "available regions", Regions.Region[] (sample: tests/fixtures/wire/slb); local names are not modelled
@api.action("DescribeRegions")
def describe_regions(call: Call) -> dict[str, Any]:
    return {"Regions": {"Region": [{"RegionId": r, "LocalName": r, "RegionEndpoint": f"slb.{r}.aliyuncs.com"}
                                   for r in offered_regions(call.world, "slb", call.acct.regions)]}}
