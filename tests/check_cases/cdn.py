"""CDN cases, from DescribeUserDomains' documented sample (example.com, SslProtocol on, DomainStatus
configure_failed, CdnType download, Coverage domestic; the other DomainStatus values from the SDK's request model)
and DescribeCdnDomainConfigs' shape (FunctionName with FunctionArgs ArgName/ArgValue, ParentId 222728944812032: a
rule condition); the https_force (enable on | off) and https_tls_version (tls10..tls13 on | off) arguments are
those of "Parameters for configuring features for domain names" (doc-detail 388460)."""

from __future__ import annotations

from aliaudit.collectors.cdn import CdnConditional, CdnDomain
from tests.check_cases import Case

NAME = "example.com"
STRONG = {"tls10": "off", "tls11": "off", "tls12": "on", "tls13": "on"}
RULE = "222728944812032"  # the documented sample's ParentId (a rule condition's ConfigId)


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
    Case(_H, "https_force only under a rule condition (ParentId) redirects only the matching requests: MANUAL "
             "naming the condition; domain-wide on but off under a condition: MANUAL; domain-wide off stays FAIL",
         {"cdn.domains": [
             domain(https_force=None, conditional={"https_force": [
                 CdnConditional(condition=RULE, args={"enable": "on"})]}),
             domain("carved.example.com", conditional={"https_force": [
                 CdnConditional(condition=RULE, args={"enable": "off"})]}),
             domain("scoped.example.com", conditional={"https_force": [
                 CdnConditional(condition=RULE, args={"enable": "on"})]}),
             domain("off.example.com", https_force={"enable": "off"}, conditional={"https_force": [
                 CdnConditional(condition=RULE, args={"enable": "on"})]})]},
         {NAME: "MANUAL", "carved.example.com": "MANUAL", "scoped.example.com": "PASS", "off.example.com": "FAIL"},
         region="global"),
    Case(_T, "https_tls_version only under a rule condition: FAIL (the other requests keep TLS 1.0 and 1.1); "
             "domain-wide strong but TLS 1.0 on under a condition: MANUAL; domain-wide weak stays FAIL whatever the "
             "conditions say",
         {"cdn.domains": [
             domain(tls_versions=None, conditional={"https_tls_version": [CdnConditional(condition=RULE,
                                                                                         args=STRONG)]}),
             domain("carved.example.com", conditional={"https_tls_version": [
                 CdnConditional(condition=RULE, args={**STRONG, "tls10": "on"})]}),
             domain("weak.example.com", tls_versions={**STRONG, "tls11": "on"}, conditional={"https_tls_version": [
                 CdnConditional(condition=RULE, args=STRONG)]})]},
         {NAME: "FAIL", "carved.example.com": "MANUAL", "weak.example.com": "FAIL"}, region="global"),
    Case(_H, "a domain CDN does not serve (DomainStatus offline, stopping, deleting) is MANUAL, even on plain HTTP; "
             "configuring and configure_failed are judged",
         {"cdn.domains": [domain(status="offline", ssl_protocol="off", https_force=None, tls_versions=None),
                          domain("stopping.example.com", status="stopping", https_force=None),
                          domain("deleting.example.com", status="deleting", error="Throttling"),
                          domain("configuring.example.com", status="configuring", https_force=None),
                          domain("failed.example.com", status="configure_failed")]},
         {NAME: "MANUAL", "stopping.example.com": "MANUAL", "deleting.example.com": "MANUAL",
          "configuring.example.com": "FAIL", "failed.example.com": "PASS"}, region="global"),
    Case(_T, "TLS of a domain CDN does not serve is MANUAL; an offline domain without HTTPS gives no result",
         {"cdn.domains": [domain(status="offline", tls_versions=None),
                          domain("plain.example.com", status="offline", ssl_protocol="off", tls_versions=None),
                          domain("online.example.com", tls_versions=None)]},
         {NAME: "MANUAL", "online.example.com": "FAIL"}, region="global"),
    Case(_T, "no HTTPS: no result; unreadable: ERROR",
         {"cdn.domains": [domain("plain.example.com", ssl_protocol="off", tls_versions=None),
                          domain(error="Throttling.User")]}, {NAME: "ERROR"}, region="global"),
]
