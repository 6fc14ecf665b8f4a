"""CLB (Server Load Balancer, API 2014-05-15) datasets (regional): every load balancer of the region with its
deletion protection, status and billing method, its listeners (DescribeLoadBalancerAttribute
ListenerPortsAndProtocol, then the protocol's Describe*ListenerAttribute) and the access control lists the listeners
use (entries only).

Wire facts (OpenMeta slb 2014-05-15, alibabacloud_slb20140515 models): DescribeLoadBalancers pages by
PageNumber/PageSize (1-100) with TotalCount; DescribeAccessControlListAttribute pages its AclEntrys by
Page/PageSize (maximum 50) with TotalAclEntry. CLB's endpoint for the central regions is slb.aliyuncs.com,
which carries no region: every request names its RegionId."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .. import apierrors
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from ..offered import region_list
from .paging import by_page_number, count, cut_short
from .registry import CollectContext, collector

slb_models = lazy_import("alibabacloud_slb20140515.models")

PAGE_SIZE = 100  # DescribeLoadBalancers PageSize maximum (OpenMeta: "Valid values: 1 to 100")
ACL_PAGE_SIZE = 50  # DescribeAccessControlListAttribute PageSize maximum (OpenMeta: "Maximum value: 50")


class SlbAcl(Record):
    id: str
    name: str = ""
    entries: list[str] = Field(default_factory=list)  # AclEntryIP: addresses and CIDR blocks
    error: str | None = None  # DescribeAccessControlListAttribute failed


class SlbListener(Record):
    port: int
    protocol: str  # tcp | udp | http | https (ListenerProtocol, lower case on the wire)
    status: str = ""  # running | stopped
    acl_status: str = ""  # on | off
    acl_type: str = ""  # white | black
    acls: list[SlbAcl] = Field(default_factory=list)  # AclId and AclIds.AclId, read when AclStatus is on
    listener_forward: str = ""  # HTTP: on = HTTP requests are redirected to ForwardPort (HTTPS)
    forward_port: int | None = None
    tls_cipher_policy: str = ""  # HTTPS: TLSCipherPolicy (documented for high-performance instances only)
    # the older per-listener whitelist, read when AclStatus is not on (DescribeListenerAccessControlAttribute:
    # AccessControlStatus open_white_list | close, SourceItems; tests/fixtures/wire/slb). "After the whitelist is
    # enabled, if no IP address is added to the whitelist, the CLB instance does not distribute network traffic"
    # (SetListenerAccessControlStatus, the SDK model alibabacloud_slb20140515)
    whitelist_status: str = ""
    whitelist: list[str] = Field(default_factory=list)  # SourceItems, comma-separated on the wire
    whitelist_error: str | None = None
    error: str | None = None  # the listener's attribute could not be read

    @property
    def key(self) -> str:
        return f"{self.protocol}/{self.port}"


class SlbLoadBalancer(Record):
    id: str
    name: str = ""
    region: str
    address: str = ""
    address_type: str = ""  # internet | intranet
    delete_protection: str = ""  # on | off
    # LoadBalancerStatus: active | inactive | locked. "inactive: The CLB instance is disabled. CLB instances in the
    # inactive state do not forward traffic"; "locked: ... A locked CLB instance cannot forward traffic"
    # (DescribeLoadBalancersRequest.load_balancer_status, DescribeLoadBalancerAttributeResponseBody, the SDK
    # models of alibabacloud_slb20140515)
    status: str = ""
    # PayType: PayOnDemand (pay-as-you-go) | PrePay (subscription; ModifyLoadBalancerPayTypeRequest.pay_type,
    # alibabacloud_slb20140515, and https://help.aliyun.com/zh/slb/classic-load-balancer/developer-reference/
    # api-slb-2014-05-15-modifyloadbalancerpaytype: "PrePay：包年包月")
    pay_type: str = ""
    listeners: list[SlbListener] = Field(default_factory=list)
    error: str | None = None  # DescribeLoadBalancerAttribute failed: the listeners are unknown

    @property
    def internet(self) -> bool:
        return self.address_type == "internet"


LOAD_BALANCERS: Dataset[list[SlbLoadBalancer]] = Dataset("slb.load_balancers", Scope.REGIONAL)

# ListenerProtocol -> (request model, client method) of its attribute API
_ATTRIBUTE_APIS = {
    "tcp": ("DescribeLoadBalancerTCPListenerAttributeRequest", "describe_load_balancer_tcplistener_attribute"),
    "udp": ("DescribeLoadBalancerUDPListenerAttributeRequest", "describe_load_balancer_udplistener_attribute"),
    "http": ("DescribeLoadBalancerHTTPListenerAttributeRequest", "describe_load_balancer_httplistener_attribute"),
    "https": ("DescribeLoadBalancerHTTPSListenerAttributeRequest", "describe_load_balancer_httpslistener_attribute"),
}


def listed_listeners(attr: Any) -> list[SlbListener]:
    """The listeners a DescribeLoadBalancerAttribute answer names. It carries three lists (the SDK model
    alibabacloud_slb20140515 DescribeLoadBalancerAttributeResponseBody, and the documented sample in
    tests/fixtures/wire/slb): ListenerPortsAndProtocol (with forwarding), the older ListenerPortsAndProtocal and the
    bare ListenerPorts. A listener only the older list names is read too; a port only ListenerPorts names has no
    protocol to read it by: its listener is unread (ERROR), never dropped."""
    out: dict[tuple[int, str], SlbListener] = {}
    ports = attr.listener_ports_and_protocol
    for i in ports.listener_port_and_protocol or [] if ports else []:
        protocol = (i.listener_protocol or "").lower()
        out[(i.listener_port or 0, protocol)] = SlbListener(
            port=i.listener_port or 0, protocol=protocol, listener_forward=i.listener_forward or "",
            forward_port=i.forward_port)
    older = attr.listener_ports_and_protocal
    for i in older.listener_port_and_protocal or [] if older else []:
        protocol = (i.listener_protocal or "").lower()
        out.setdefault((i.listener_port or 0, protocol), SlbListener(port=i.listener_port or 0, protocol=protocol))
    named = {port for port, _ in out}
    bare = attr.listener_ports
    for port in bare.listener_port or [] if bare else []:
        if port not in named:
            named.add(port)
            out[(port, "")] = SlbListener(port=port, protocol="", error=(
                f"listener port {port} is listed without its protocol (ListenerPorts only): not read"))
    return list(out.values())


def _acl_ids(body: Any) -> list[str]:
    """AclId and the AclIds.AclId list (both documented; a listener may use several ACLs), in order, once each. AclId
    is split on commas: Alibaba's Terraform provider sends a listener's several ACLs as one comma-joined AclId
    (resource_alicloud_slb_listener.go), and no sample shows whether the answer joins them alike."""
    ids = [i.strip() for i in (body.acl_id or "").split(",")]
    ids += list(body.acl_ids.acl_id or []) if body.acl_ids else []
    return list(dict.fromkeys(i for i in ids if i))


@collector(LOAD_BALANCERS, apis=[
    "slb:DescribeLoadBalancers", "slb:DescribeLoadBalancerAttribute", "slb:DescribeLoadBalancerTCPListenerAttribute",
    "slb:DescribeLoadBalancerUDPListenerAttribute", "slb:DescribeLoadBalancerHTTPListenerAttribute",
    "slb:DescribeLoadBalancerHTTPSListenerAttribute", "slb:DescribeAccessControlListAttribute",
    "slb:DescribeListenerAccessControlAttribute"])
def load_balancers(ctx: CollectContext) -> list[SlbLoadBalancer]:
    slb = ctx.client("slb")
    region = ctx.region
    listed = list(by_page_number(
        lambda n: slb.describe_load_balancers(slb_models.DescribeLoadBalancersRequest(
            region_id=region, page_number=n, page_size=PAGE_SIZE)).body,
        lambda b: b.load_balancers.load_balancer if b.load_balancers else [], PAGE_SIZE))
    acl_ids: dict[tuple[str, int, str], list[str]] = {}  # (lb, port, protocol) -> the listener's ACL ids

    def acl(acl_id: str) -> SlbAcl:
        out = SlbAcl(id=acl_id)
        try:
            page, seen = 1, 0
            while True:
                body = slb.describe_access_control_list_attribute(slb_models.DescribeAccessControlListAttributeRequest(
                    region_id=region, acl_id=acl_id, page=page, page_size=ACL_PAGE_SIZE)).body
                out.name = body.acl_name or ""
                batch = body.acl_entrys.acl_entry if body.acl_entrys and body.acl_entrys.acl_entry else []
                out.entries += [e.acl_entry_ip for e in batch if e.acl_entry_ip]
                seen += len(batch)
                if body.total_acl_entry is None:  # no total answered: a short page is the last one
                    if len(batch) < ACL_PAGE_SIZE:
                        break
                elif seen >= count(body.total_acl_entry):
                    break
                elif not batch:  # (an entry never read could be 0.0.0.0/0: unread, never taken as complete)
                    raise cut_short(f"the entries of ACL {acl_id}", seen, count(body.total_acl_entry))
                page += 1
        except Exception as err:
            out.error = apierrors.describe(err)
        return out

    def listener(lb_id: str, lst: SlbListener) -> SlbListener:
        protocol = lst.protocol
        if lst.error:
            return lst
        if protocol not in _ATTRIBUTE_APIS:
            lst.error = f"unknown listener protocol {protocol!r}"
            return lst
        model, method = _ATTRIBUTE_APIS[protocol]
        try:
            body = getattr(slb, method)(getattr(slb_models, model)(
                region_id=region, load_balancer_id=lb_id, listener_port=lst.port)).body
        except Exception as err:
            lst.error = apierrors.describe(err)
            return lst
        lst.status, lst.acl_status, lst.acl_type = body.status or "", body.acl_status or "", body.acl_type or ""
        if protocol == "http":
            lst.listener_forward = body.listener_forward or lst.listener_forward
            lst.forward_port = body.forward_port if body.forward_port is not None else lst.forward_port
        if protocol == "https":
            lst.tls_cipher_policy = body.tlscipher_policy or ""
        if lst.acl_status == "on":
            acl_ids[(lb_id, lst.port, protocol)] = _acl_ids(body)
        else:
            try:
                legacy = slb.describe_listener_access_control_attribute(
                    slb_models.DescribeListenerAccessControlAttributeRequest(
                        region_id=region, load_balancer_id=lb_id, listener_port=lst.port,
                        listener_protocol=protocol)).body
                lst.whitelist_status = legacy.access_control_status or ""
                lst.whitelist = [i.strip() for i in (legacy.source_items or "").split(",") if i.strip()]
            except Exception as err:
                lst.whitelist_error = apierrors.describe(err)
        return lst

    def describe(b: Any) -> SlbLoadBalancer:
        lb = SlbLoadBalancer(id=b.load_balancer_id, name=b.load_balancer_name or "", region=region,
                             address=b.address or "", address_type=b.address_type or "",
                             delete_protection=b.delete_protection or "", status=b.load_balancer_status or "",
                             pay_type=b.pay_type or "")
        try:
            attr = slb.describe_load_balancer_attribute(slb_models.DescribeLoadBalancerAttributeRequest(
                region_id=region, load_balancer_id=lb.id)).body
        except Exception as err:
            lb.error = apierrors.describe(err)
            return lb
        lb.delete_protection = attr.delete_protection or lb.delete_protection
        lb.status = attr.load_balancer_status or lb.status
        lb.pay_type = attr.pay_type or lb.pay_type
        lb.listeners = [listener(lb.id, lst) for lst in listed_listeners(attr)]
        return lb

    lbs = ctx.map(describe, listed)
    # each ACL read once, however many listeners use it (an ACL's entries page by 50)
    wanted = list(dict.fromkeys(i for ids in acl_ids.values() for i in ids))
    acls = {a.id: a for a in ctx.map(acl, wanted)}
    for lb in lbs:
        for lst in lb.listeners:
            lst.acls = [acls[i] for i in acl_ids.get((lb.id, lst.port, lst.protocol), [])]
    return lbs


# DescribeRegions: "Queries available regions"; Regions.Region[]
# (https://www.alibabacloud.com/help/en/slb/classic-load-balancer/developer-reference/api-slb-2014-05-15-describeregions;
# alibabacloud_slb20140515 DescribeRegionsResponseBody). "No authorization for this operation": slb:DescribeRegions by
# the product's convention
@region_list("slb", product="slb", apis=["slb:DescribeRegions"])
def slb_regions(client: Any) -> list[str]:
    body = client.describe_regions(slb_models.DescribeRegionsRequest()).body
    return [r.region_id for r in (body.regions.region if body.regions else None) or []]
