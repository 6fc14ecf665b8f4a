"""CDN datasets (global: CDN domains belong to the account, not to a region; the SDK's endpoint rule is 'central',
cdn.aliyuncs.com, so they are collected once). Every accelerated domain (DescribeUserDomains) with, for those
serving HTTPS, the two HTTPS features the checks read (DescribeCdnDomainConfigs FunctionNames=https_force,
https_tls_version), domain-wide or under a rule condition (ParentId)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .. import apierrors
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from .paging import by_page_number
from .registry import CollectContext, collector

cdn_models = lazy_import("alibabacloud_cdn20180510.models")

# DescribeUserDomains PageSize: "Valid values: 1 to 500. Default value: 20" (OpenMeta cdn 2018-05-10)
PAGE_SIZE = 500
# Feature names of "Parameters for configuring features for domain names"
# (https://www.alibabacloud.com/help/doc-detail/388460.htm): https_force (argument enable: on | off, required;
# https_rewrite: 301 | 308) and https_tls_version (arguments tls10, tls11, tls12, tls13: on | off, each optional
# and "on" by default)
HTTPS_FORCE, TLS_VERSION = "https_force", "https_tls_version"
CONDITION = "condition"  # the rule engine's feature: its configurations' ConfigIds are the ParentIds others name
TLS_ARGS = ("tls10", "tls11", "tls12", "tls13")


class CdnConditional(Record):
    """A configuration of a feature that applies only to the requests matching a rule condition."""

    condition: str  # ParentId: the ConfigId of the rule condition (feature `condition`) it refers to
    status: str = "success"  # success | testing | configuring (failed ones are not kept: never in effect)
    args: dict[str, str] = Field(default_factory=dict)


class CdnDomain(Record):
    name: str
    # DomainStatus: online | offline | configuring | configure_failed | checking | check_failed | stopping |
    # deleting (DescribeUserDomainsRequest.domain_status, alibabacloud_cdn20180510)
    status: str = ""
    ssl_protocol: str = ""  # SslProtocol: on | off (whether HTTPS is enabled)
    cdn_type: str = ""
    coverage: str = ""
    # the feature's domain-wide arguments (ArgName -> ArgValue), from its configurations without a rule condition
    # (empty ParentId) whose Status is success; None when there is none. Several are merged, the weakest value
    # winning (never the answer's last one).
    https_force: dict[str, str] | None = None
    tls_versions: dict[str, str] | None = None
    configs_read: bool = False  # DescribeCdnDomainConfigs was called (only for domains with HTTPS on)
    # features whose domain-wide DomainConfig Status is not success (failed | testing | configuring): function name
    # -> status (a pending one before failed). Such a configuration is not (yet) in effect, so its arguments are not
    # taken as the domain's behaviour.
    unapplied: dict[str, str] = Field(default_factory=dict)
    # configurations under a rule condition (ParentId set), function name -> them: they apply only to the requests
    # the condition matches, so they never decide the domain-wide verdict
    conditional: dict[str, list[CdnConditional]] = Field(default_factory=dict)
    error: str | None = None  # DescribeCdnDomainConfigs failed: checks report ERROR for this domain
    sources: list[str] = Field(default_factory=list)  # origin addresses (Sources.Source[].Content)

    @property
    def https(self) -> bool:
        return self.ssl_protocol.lower() == "on"


DOMAINS: Dataset[list[CdnDomain]] = Dataset("cdn.domains", Scope.GLOBAL)


def _args(config: Any) -> dict[str, str]:
    fa = config.function_args.function_arg if config.function_args and config.function_args.function_arg else []
    return {a.arg_name or "": a.arg_value or "" for a in fa}


def _condition(config: Any, conditions: set[str]) -> str:
    """The rule condition a configuration applies under, '' for every request. ParentId is "The ID of the rule
    condition. This parameter is optional": the ConfigId of one of the domain's `condition` configurations (the rule
    engine; DescribeCdnDomainConfigs, https://help.aliyun.com/document_detail/90924.html). What an unconditional
    configuration answers is not documented (Alibaba's Terraform provider expects a non-empty parent_id of one set
    without any: resource_alicloud_cdn_domain_config_test.go), so a ParentId counts only when it names one of the
    domain's rule conditions (asked for beside the features); "-1" is BatchSetCdnDomainConfig's "no rule condition"
    (https://help.aliyun.com/document_detail/90915.htm)."""
    parent = (config.parent_id or "").strip()
    return parent if parent in conditions else ""


def _weakest(name: str, found: list[dict[str, str]]) -> dict[str, str]:
    """One feature's domain-wide arguments when several unconditional configurations answer (not documented): the
    weakest, so that answer order cannot turn a FAIL into a PASS. https_force: the first whose enable is not on;
    https_tls_version: a version is off only when every configuration turns it off (each tls1x is "on" by default)."""
    if len(found) == 1:
        return found[0]
    if name == HTTPS_FORCE:
        return next((a for a in found if a.get("enable", "").lower() != "on"), found[0])
    return {v: "off" if all(a.get(v, "on").lower() == "off" for a in found) else "on" for v in TLS_ARGS}


def read_configs(dom: CdnDomain, configs: list[Any]) -> None:
    """Set the domain's two HTTPS features from DescribeCdnDomainConfigs DomainConfigs.DomainConfig[]. Only
    configurations without a rule condition (ParentId) are domain-wide; the others go to `conditional`. A
    configuration whose Status is not success (failed | testing | configuring) is not in effect, so it goes to
    `unapplied` (or, under a condition, is kept only while pending) and its arguments are not taken as the domain's
    behaviour."""
    wide: dict[str, list[dict[str, str]]] = {}
    conditions = {str(c.config_id).strip() for c in configs if c.function_name == CONDITION and c.config_id}
    for c in configs:
        if c.function_name not in (HTTPS_FORCE, TLS_VERSION):
            continue
        status = (c.status or "success").strip().lower()  # (an answer without Status: as configured)
        if condition := _condition(c, conditions):
            if status != "failed":
                dom.conditional.setdefault(c.function_name, []).append(
                    CdnConditional(condition=condition, status=status, args=_args(c)))
        elif status != "success":
            if dom.unapplied.get(c.function_name) in (None, "failed"):  # a pending status outranks failed
                dom.unapplied[c.function_name] = status
        else:
            wide.setdefault(c.function_name, []).append(_args(c))
    if HTTPS_FORCE in wide:
        dom.https_force = _weakest(HTTPS_FORCE, wide[HTTPS_FORCE])
    if TLS_VERSION in wide:
        dom.tls_versions = _weakest(TLS_VERSION, wide[TLS_VERSION])
    dom.configs_read = True


@collector(DOMAINS, apis=["cdn:DescribeUserDomains", "cdn:DescribeCdnDomainConfigs"])
def domains(ctx: CollectContext) -> list[CdnDomain]:
    cdn = ctx.client("cdn")
    # CheckDomainShow: "Specifies whether to display domain names that are under review, failed the review, or failed
    # to be configured" (true | false, no default documented): asked for, so that no domain is left out of the list
    listed = list(by_page_number(
        lambda n: cdn.describe_user_domains(cdn_models.DescribeUserDomainsRequest(
            page_number=n, page_size=PAGE_SIZE, check_domain_show=True)).body,
        lambda b: b.domains.page_data if b.domains and b.domains.page_data else [], PAGE_SIZE))

    def read(d: Any) -> CdnDomain:
        sources = d.sources.source if d.sources and d.sources.source else []
        dom = CdnDomain(name=d.domain_name, status=d.domain_status or "", ssl_protocol=d.ssl_protocol or "",
                        cdn_type=d.cdn_type or "", coverage=d.coverage or "",
                        sources=[s.content for s in sources if s.content])
        if not dom.https:
            return dom  # no HTTPS: neither feature applies, nothing more to read
        try:
            body = cdn.describe_cdn_domain_configs(cdn_models.DescribeCdnDomainConfigsRequest(
                domain_name=dom.name, function_names=f"{HTTPS_FORCE},{TLS_VERSION},{CONDITION}")).body
            configs = body.domain_configs.domain_config if body.domain_configs and body.domain_configs.domain_config \
                else []
            read_configs(dom, configs)
        except Exception as err:
            dom.error = apierrors.describe(err)
        return dom

    return ctx.map(read, listed)
