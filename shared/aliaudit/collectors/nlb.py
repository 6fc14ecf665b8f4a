"""NLB (Network Load Balancer, API 2022-04-30) datasets (regional): every listener of the region (ListListeners)
and the TLS security policies a TCPSSL listener may name (ListSystemSecurityPolicy, ListSecurityPolicy).

Wire facts (OpenMeta nlb 2022-04-30, alibabacloud_nlb20220430 models): ListListeners and ListSecurityPolicy page by
NextToken and MaxResults (1-100); ListSystemSecurityPolicy has no paging; a policy's TlsVersion and Ciphers are
comma-separated strings (the SDK declares str), e.g. "TLSv1.0,TLSv1.1,TLSv1.2"."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from ..offered import region_list
from .paging import by_token
from .registry import CollectContext, collector

nlb_models = lazy_import("alibabacloud_nlb20220430.models")

MAX_RESULTS = 100  # ListListeners / ListSecurityPolicy MaxResults maximum


def split_list(text: str | None) -> list[str]:
    """A comma-separated wire value as a list (TlsVersion, Ciphers); blanks and stray whitespace dropped."""
    return [p.strip() for p in (text or "").split(",") if p.strip()]


# ListenerStatus values of a listener that serves nothing: the documented values are Provisioning, Running,
# Configuring, Stopping, Stopped, Starting, Deleting and Deleted (ListListenersResponseBody.listener_status,
# alibabacloud_nlb20220430). Provisioning, Configuring and Starting are judged: that configuration is about to serve.
STOPPED_LISTENER_STATUSES = frozenset({"Stopping", "Stopped", "Deleting", "Deleted"})


class NlbListener(Record):
    id: str
    region: str
    load_balancer_id: str = ""
    port: int = 0
    protocol: str = ""  # TCP | UDP | TCPSSL
    status: str = ""  # ListenerStatus (see STOPPED_LISTENER_STATUSES)
    description: str = ""
    # TCPSSL only; '' when the answer names none (the documented default then applies: tls_policy.DEFAULT_POLICY)
    security_policy_id: str = ""

    @property
    def stopped(self) -> bool:
        return self.status in STOPPED_LISTENER_STATUSES


class NlbSecurityPolicy(Record):
    id: str
    name: str = ""
    system: bool = False
    tls_versions: list[str] = Field(default_factory=list)
    ciphers: list[str] = Field(default_factory=list)


LISTENERS: Dataset[list[NlbListener]] = Dataset("nlb.listeners", Scope.REGIONAL)
SECURITY_POLICIES: Dataset[list[NlbSecurityPolicy]] = Dataset("nlb.security_policies", Scope.REGIONAL)


@collector(LISTENERS, apis=["nlb:ListListeners"])
def listeners(ctx: CollectContext) -> list[NlbListener]:
    nlb = ctx.client("nlb")
    return [NlbListener(id=x.listener_id, region=ctx.region, load_balancer_id=x.load_balancer_id or "",
                        port=x.listener_port or 0, protocol=x.listener_protocol or "", status=x.listener_status or "",
                        description=x.listener_description or "", security_policy_id=x.security_policy_id or "")
            for x in by_token(lambda t: nlb.list_listeners(nlb_models.ListListenersRequest(
                region_id=ctx.region, max_results=MAX_RESULTS, next_token=t)).body, lambda b: b.listeners or [])]


@collector(SECURITY_POLICIES, apis=["nlb:ListSystemSecurityPolicy", "nlb:ListSecurityPolicy"])
def security_policies(ctx: CollectContext) -> list[NlbSecurityPolicy]:
    nlb = ctx.client("nlb")
    system = nlb.list_system_security_policy(nlb_models.ListSystemSecurityPolicyRequest(region_id=ctx.region)).body
    out = [NlbSecurityPolicy(id=(p.security_policy_id or "").strip(), name=p.security_policy_name or "", system=True,
                             tls_versions=split_list(p.tls_version), ciphers=split_list(p.ciphers))
           for p in system.security_policies or []]
    out += [NlbSecurityPolicy(id=(p.security_policy_id or "").strip(), name=p.security_policy_name or "",
                              system=False, tls_versions=split_list(p.tls_version), ciphers=split_list(p.ciphers))
            for p in by_token(lambda t: nlb.list_security_policy(nlb_models.ListSecurityPolicyRequest(
                region_id=ctx.region, max_results=MAX_RESULTS, next_token=t)).body,
                lambda b: b.security_policies or [])]
    return out


# DescribeRegions: "Queries regions that support Network Load Balancer (NLB) instances"; Regions[] a plain array
# (https://www.alibabacloud.com/help/en/slb/network-load-balancer/developer-reference/api-nlb-2022-04-30-describeregions;
# alibabacloud_nlb20220430 DescribeRegionsResponseBody). No RAM action is documented: nlb:DescribeRegions by convention
@region_list("nlb", product="nlb", apis=["nlb:DescribeRegions"])
def nlb_regions(client: Any) -> list[str]:
    return [r.region_id for r in client.describe_regions(nlb_models.DescribeRegionsRequest()).body.regions or []]
