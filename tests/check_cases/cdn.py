"""CDN cases, from DescribeUserDomains' documented sample (example.com, SslProtocol on, DomainStatus
configure_failed, CdnType download, Coverage domestic) and DescribeCdnDomainConfigs' shape (FunctionName with
FunctionArgs ArgName/ArgValue); the https_force (enable on | off) and https_tls_version (tls10..tls13 on | off)
arguments are those of "Parameters for configuring features for domain names" (doc-detail 388460)."""

from __future__ import annotations

from aliaudit.collectors.cdn import CdnDomain
from tests.check_cases import Case

NAME = "example.com"
STRONG = {"tls10": "off", "tls11": "off", "tls12": "on", "tls13": "on"}


def domain(name: str = NAME, **kw: object) -> CdnDomain:
    base: dict[str, object] = {
        "name": name, "status": "online", "ssl_protocol": "on", "cdn_type": "download", "coverage": "domestic",
        "https_force": {"enable": "on"}, "tls_versions": dict(STRONG), "configs_read": True,
        "sources": ["***.oss-cn-hangzhou.aliyuncs.com"]}
    base.update(kw)
    return CdnDomain(**base)  # type: ignore[arg-type]


_H = "cdn_domain_https_enforced"
_T = "cdn_domain_tls_version_strong"
CASES: list[Case] = [
    Case(_H, "HTTPS on with the redirect passes; HTTPS off, redirect off and no redirect fail",
         {"cdn.domains": [domain(), domain("plain.example.com", ssl_protocol="off", https_force=None,
                                           tls_versions=None, configs_read=False),
                          domain("noforce.example.com", https_force=None),
                          domain("off.example.com", https_force={"enable": "off"})]},
         {NAME: "PASS", "plain.example.com": "FAIL", "noforce.example.com": "FAIL", "off.example.com": "FAIL"},
         region="global"),
    Case(_H, "configurations could not be read", {"cdn.domains": [domain(error="NoPermission")]}, {NAME: "ERROR"},
         region="global"),
    Case(_T, "TLS 1.2/1.3 only passes; TLS 1.0 on, TLS 1.1 on and no TLS configuration (default all on) fail",
         {"cdn.domains": [domain(), domain("t10.example.com", tls_versions={**STRONG, "tls10": "on"}),
                          domain("t11.example.com", tls_versions={**STRONG, "tls11": "on"}),
                          domain("dflt.example.com", tls_versions=None)]},
         {NAME: "PASS", "t10.example.com": "FAIL", "t11.example.com": "FAIL", "dflt.example.com": "FAIL"},
         region="global"),
    Case(_T, "a version the feature leaves unset is on (the default)",
         {"cdn.domains": [domain(tls_versions={"tls12": "on", "tls13": "on"})]}, {NAME: "FAIL"}, region="global"),
    Case(_T, "no HTTPS: no result; unreadable: ERROR",
         {"cdn.domains": [domain("plain.example.com", ssl_protocol="off", tls_versions=None),
                          domain(error="Throttling.User")]}, {NAME: "ERROR"}, region="global"),
]
