"""CDN datasets (global: CDN domains belong to the account, not to a region; the SDK's endpoint rule is 'central',
cdn.aliyuncs.com, so they are collected once). Every accelerated domain (DescribeUserDomains) with, for those
serving HTTPS, the two HTTPS features the checks read (DescribeCdnDomainConfigs FunctionNames=https_force,
https_tls_version)."""

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
TLS_ARGS = ("tls10", "tls11", "tls12", "tls13")


class CdnDomain(Record):
    name: str
    status: str = ""  # online | offline | configuring | configure_failed | checking | check_failed | stopping | ...
    ssl_protocol: str = ""  # SslProtocol: on | off (whether HTTPS is enabled)
    cdn_type: str = ""
    coverage: str = ""
    # the feature's arguments as configured (ArgName -> ArgValue); None when the feature is not configured
    https_force: dict[str, str] | None = None
    tls_versions: dict[str, str] | None = None
    configs_read: bool = False  # DescribeCdnDomainConfigs was called (only for domains with HTTPS on)
    # features whose DomainConfig Status is not success (failed | testing | configuring): function name -> status.
    # Such a configuration is not (yet) in effect, so its arguments are not taken as the domain's behaviour.
    unapplied: dict[str, str] = Field(default_factory=dict)
    error: str | None = None  # DescribeCdnDomainConfigs failed: checks report ERROR for this domain
    sources: list[str] = Field(default_factory=list)  # origin addresses (Sources.Source[].Content)

    @property
    def https(self) -> bool:
        return self.ssl_protocol.lower() == "on"


DOMAINS: Dataset[list[CdnDomain]] = Dataset("cdn.domains", Scope.GLOBAL)


def _args(config: Any) -> dict[str, str]:
    fa = config.function_args.function_arg if config.function_args and config.function_args.function_arg else []
    return {a.arg_name or "": a.arg_value or "" for a in fa}


def read_configs(dom: CdnDomain, configs: list[Any]) -> None:
    """Set the domain's two HTTPS features from DescribeCdnDomainConfigs DomainConfigs.DomainConfig[]: a configuration
    whose Status is not success (failed | testing | configuring) is not in effect, so it goes to `unapplied` and its
    arguments are not taken as the domain's behaviour."""
    for c in configs:
        status = (c.status or "success").strip().lower()  # (an answer without Status: as configured)
        if c.function_name in (HTTPS_FORCE, TLS_VERSION) and status != "success":
            dom.unapplied[c.function_name] = status
        elif c.function_name == HTTPS_FORCE:
            dom.https_force = _args(c)
        elif c.function_name == TLS_VERSION:
            dom.tls_versions = _args(c)
    dom.configs_read = True


@collector(DOMAINS, apis=["cdn:DescribeUserDomains", "cdn:DescribeCdnDomainConfigs"])
def domains(ctx: CollectContext) -> list[CdnDomain]:
    cdn = ctx.client("cdn")
    listed = list(by_page_number(
        lambda n: cdn.describe_user_domains(
            cdn_models.DescribeUserDomainsRequest(page_number=n, page_size=PAGE_SIZE)).body,
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
                domain_name=dom.name, function_names=f"{HTTPS_FORCE},{TLS_VERSION}")).body
            configs = body.domain_configs.domain_config if body.domain_configs and body.domain_configs.domain_config \
                else []
            read_configs(dom, configs)
        except Exception as err:
            dom.error = apierrors.describe(err)
        return dom

    return ctx.map(read, listed)
