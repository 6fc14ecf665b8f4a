"""CDN checks (global): every accelerated domain serves HTTPS and redirects HTTP to it, and does not accept the
deprecated TLS 1.0 and 1.1. One finding per domain."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..collectors.cdn import DOMAINS, HTTPS_FORCE, TLS_ARGS, TLS_VERSION, CdnDomain
from ..findings import Result, Status
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL
WEAK_TLS = {"tls10": "TLS 1.0", "tls11": "TLS 1.1"}
# "By default, TLSv1.0, TLSv1.1, TLSv1.2, and TLSv1.3 are enabled" (CDN user guide, Configure TLS version control,
# https://www.alibabacloud.com/help/en/cdn/user-guide/configure-tls-version-control), and each tls1x argument of
# https_tls_version is optional with "on" as its default (doc-detail 388460): a version the feature does not name
# is enabled.
TLS_DEFAULT = "on"
# DomainStatus values of a domain CDN does not serve (the enumeration: DescribeUserDomainsRequest.domain_status,
# alibabacloud_cdn20180510): "After the domain name is disabled, the value of the DomainStatus parameter is changed
# to Offline" and CDN stops accelerating it, resolving it to an invalid address (StopCdnDomain,
# https://www.alibabacloud.com/help/en/cdn/api-stopcdndomain, https://help.aliyun.com/document_detail/91194.html);
# stopping and deleting are on the way there. The others (online, configuring, configure_failed, checking,
# check_failed) are judged: nothing documents them as not serving.
NOT_SERVED = {"offline": "disabled (DomainStatus offline)", "stopping": "being disabled (DomainStatus stopping)",
              "deleting": "being deleted (DomainStatus deleting)"}
# a domain started or stopped changes whether CDN serves it (offline ones are MANUAL)
DOMAIN_STATE = ["StartCdnDomain", "StopCdnDomain", "BatchStartCdnDomain", "BatchStopCdnDomain",
                "PublishStagingConfigToProduction"]  # (a staged configuration made live)


def _not_served(d: CdnDomain) -> Result | None:
    """MANUAL for a domain CDN does not serve: its HTTPS settings protect nothing until it is online again."""
    if (why := NOT_SERVED.get(d.status.strip().lower())) is None:
        return None
    return _result(d, MANUAL, f"not judged: the domain is {why}, so CDN does not serve it; check its HTTPS "
                              "settings before it is enabled again")


def _conditions(d: CdnDomain, feature: str) -> str:
    return ", ".join(dict.fromkeys(c.condition for c in d.conditional.get(feature, [])))


def _conditional_weak(d: CdnDomain, feature: str, weak: Callable[[dict[str, str]], bool]) -> str:
    """The rule conditions under which `feature` is configured weaker than domain-wide ('' when none is)."""
    return ", ".join(dict.fromkeys(c.condition for c in d.conditional.get(feature, []) if weak(c.args)))


def _weak(args: dict[str, str]) -> list[str]:
    """The deprecated TLS versions these https_tls_version arguments leave on (a version not named is on)."""
    return [name for key, name in WEAK_TLS.items() if args.get(key, TLS_DEFAULT).lower() == "on"]


def _result(d: CdnDomain, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=d.name, resource_type="cdn:domain", resource_name=d.name,
                  message=message, details={"status": d.status, "ssl_protocol": d.ssl_protocol,
                                            "cdn_type": d.cdn_type})


@check(id="cdn_domain_https_enforced", severity="medium",
       title="CDN domains serve HTTPS and redirect HTTP requests to HTTPS",
       risk="A domain reachable over plain HTTP lets anyone on the path read and alter what users download (session "
            "cookies, scripts, software); without a forced redirect, links and typed addresses stay on HTTP.",
       console="CDN console > Domain Names > the domain > HTTPS: configure the certificate (HTTPS on), then Force "
               "Redirect: HTTP -> HTTPS.",
       cli="aliyun cdn BatchSetCdnDomainConfig --DomainNames <domain> --Functions "
           "'[{\"functionName\":\"https_force\",\"functionArgs\":[{\"argName\":\"enable\",\"argValue\":\"on\"}]}]'",
       events=[*DOMAIN_STATE, "SetCdnDomainSSLCertificate", "SetCdnDomainSMCertificate", "BatchSetCdnDomainConfig",
               "BatchDeleteCdnDomainConfig",
               "DeleteSpecificConfig", "AddCdnDomain"], needs=[DOMAINS],
       evaluates="DescribeUserDomains SslProtocol and DescribeCdnDomainConfigs https_force of every accelerated "
                 "domain; only configurations whose ParentId names none of the domain's rule conditions (the "
                 "`condition` feature's ConfigIds) are domain-wide: PASS when SslProtocol is on and https_force's "
                 "argument enable is on; FAIL when SslProtocol is off (HTTPS not "
                 "served) or the domain-wide https_force is not configured, not on or its configuration Status is "
                 "failed; MANUAL while its Status is testing or configuring (not yet in effect), when https_force "
                 "exists only under rule conditions (it redirects only the requests they match) or a condition "
                 "turns it off for some requests, and when the domain is not served (DomainStatus offline, "
                 "stopping or deleting); ERROR when the domain's configurations could not be read.",
       source="Cloud Config cdn-domain-https-enabled | https://www.alibabacloud.com/help/doc-detail/388460.htm | "
              "https://help.aliyun.com/document_detail/90924.html (ParentId) | "
              "https://www.alibabacloud.com/help/en/cdn/api-stopcdndomain")
def https_enforced(inp: Inputs) -> Iterator[Result]:
    for d in inp[DOMAINS]:
        if idle := _not_served(d):
            yield idle
        elif d.error:
            yield _result(d, ERROR, f"could not read the domain's HTTPS configuration: {d.error}")
        elif not d.https:
            yield _result(d, FAIL, f"HTTPS is off (SslProtocol {d.ssl_protocol or 'not reported'}): the domain is "
                                   "served over plain HTTP only")
        elif (pending := d.unapplied.get(HTTPS_FORCE)) and pending != "failed":
            yield _result(d, MANUAL, f"the forced redirect to HTTPS is being applied (https_force status {pending}): "
                                     "check it once the configuration is done")
        elif d.https_force is None and (only := _conditions(d, HTTPS_FORCE)):
            yield _result(d, MANUAL, f"https_force is configured only under rule condition {only} (ParentId): it "
                                     "redirects only the requests that condition matches; check that it covers "
                                     "every request, or configure it for the whole domain")
        elif d.https_force is None:
            why = "its configuration failed" if pending else "https_force not configured"
            yield _result(d, FAIL, f"HTTPS is on but HTTP requests are not redirected ({why})")
        elif d.https_force.get("enable", "").lower() != "on":
            yield _result(d, FAIL, "HTTPS is on but the forced redirect to HTTPS is "
                                   f"{d.https_force.get('enable') or 'not enabled'} (https_force enable)")
        elif off := _conditional_weak(d, HTTPS_FORCE, lambda a: a.get("enable", "").lower() != "on"):
            yield _result(d, MANUAL, "HTTP requests are redirected to HTTPS domain-wide, but not those matching "
                                     f"rule condition {off} (https_force under that ParentId is not on); check them")
        else:
            yield _result(d, PASS, "HTTPS is on and HTTP requests are redirected to HTTPS")


@check(id="cdn_domain_tls_version_strong", severity="medium",
       title="CDN domains do not accept TLS 1.0 or TLS 1.1",
       risk="TLS 1.0 and 1.1 allow weak cipher suites and downgrade attacks (BEAST, POODLE-style); PCI DSS and "
            "current browsers have dropped them, so leaving them on only serves attackers and outdated clients.",
       console="CDN console > Domain Names > the domain > HTTPS > TLS Version Control: turn off TLSv1.0 and TLSv1.1.",
       cli="aliyun cdn BatchSetCdnDomainConfig --DomainNames <domain> --Functions '[{\"functionName\":"
           "\"https_tls_version\",\"functionArgs\":[{\"argName\":\"tls10\",\"argValue\":\"off\"},{\"argName\":"
           "\"tls11\",\"argValue\":\"off\"},{\"argName\":\"tls12\",\"argValue\":\"on\"},{\"argName\":\"tls13\","
           "\"argValue\":\"on\"}]}]'",
       events=[*DOMAIN_STATE, "BatchSetCdnDomainConfig", "BatchDeleteCdnDomainConfig", "DeleteSpecificConfig",
               "SetCdnDomainSSLCertificate", "AddCdnDomain"], needs=[DOMAINS],
       evaluates="DescribeCdnDomainConfigs https_tls_version of every domain with HTTPS on (SslProtocol on); only "
                 "configurations whose ParentId names none of the domain's rule conditions are domain-wide: PASS "
                 "when its arguments tls10 and tls11 are both off; FAIL when either is on, or not set (CDN enables "
                 "TLS 1.0-1.3 by "
                 "default, so a domain without the feature, with it only under rule conditions, or whose "
                 "configuration Status is failed, accepts TLS 1.0 and 1.1 for the other requests); MANUAL while its "
                 "Status is testing or configuring, when a condition enables TLS 1.0/1.1 for some requests of a "
                 "domain strong otherwise, and when the domain "
                 "is not served (DomainStatus offline, stopping or deleting); ERROR when the configurations could "
                 "not be read. Domains without HTTPS give no result (see cdn_domain_https_enforced).",
       source="https://www.alibabacloud.com/help/en/cdn/user-guide/configure-tls-version-control | "
              "https://www.alibabacloud.com/help/doc-detail/388460.htm | "
              "https://help.aliyun.com/document_detail/90924.html (ParentId)")
def tls_version_strong(inp: Inputs) -> Iterator[Result]:
    for d in inp[DOMAINS]:
        if d.https and (idle := _not_served(d)):
            yield idle
            continue
        if d.error:
            yield _result(d, ERROR, f"could not read the domain's TLS configuration: {d.error}")
            continue
        if not d.https:
            continue
        if (pending := d.unapplied.get(TLS_VERSION)) and pending != "failed":
            yield _result(d, MANUAL, f"TLS version control is being applied (https_tls_version status {pending}): "
                                     "check it once the configuration is done")
            continue
        args = d.tls_versions or {}  # (a failed configuration is not in effect: the defaults apply)
        weak = _weak(args)
        enabled = [a for a in TLS_ARGS if args.get(a, TLS_DEFAULT).lower() == "on"]
        if d.tls_versions is None and (only := _conditions(d, TLS_VERSION)):
            yield _result(d, FAIL, f"{' and '.join(weak)} accepted: TLS version control is configured only under "
                                   f"rule condition {only} (ParentId), and the other requests keep the default "
                                   "(TLS 1.0 to 1.3); configure it for the whole domain")
        elif not weak and (opened := _conditional_weak(d, TLS_VERSION, lambda a: bool(_weak(a)))):
            yield _result(d, MANUAL, f"TLS versions enabled domain-wide: {', '.join(enabled) or 'none'}; but "
                                     f"https_tls_version under rule condition {opened} accepts TLS 1.0 or 1.1: "
                                     "check it")
        elif not weak:
            yield _result(d, PASS, f"TLS versions enabled: {', '.join(enabled) or 'none'}")
        elif d.tls_versions is None:
            state = "failed to apply" if pending else "is not configured"
            yield _result(d, FAIL, f"{' and '.join(weak)} accepted: TLS version control {state} (CDN "
                                   "enables TLS 1.0 to 1.3 by default)")
        else:
            yield _result(d, FAIL, f"{' and '.join(weak)} accepted (https_tls_version: "
                                   + ", ".join(f"{a}={args.get(a, 'default on')}" for a in TLS_ARGS) + ")")
