"""Alibaba Cloud DNS cases, from the documented samples: DescribeDomains (example.com, DomainId
00efd71a-770e-4255-*********), DescribeDomainDnssecInfo (Status ON | OFF), DescribeDomainRecords (record 9*******,
RR www, Status Enable | Disable); the OSS bucket host form is OSS's <bucket>.oss-<region>.aliyuncs.com."""

from __future__ import annotations

from aliaudit.collectors.dns import DnsDomain, DnsRecord
from tests.check_cases import Case

NAME = "example.com"


def record(rid: str = "9*******", **kw: object) -> DnsRecord:
    base: dict[str, object] = {"id": rid, "rr": "www", "type": "MX", "value": "mail1.hichina.com", "status": "Enable"}
    base.update(kw)
    return DnsRecord(**base)  # type: ignore[arg-type]


def cname(rid: str, bucket: str, state: str | None, **kw: object) -> DnsRecord:
    return record(rid, rr=rid, type="CNAME", value=f"{bucket}.oss-cn-hangzhou.aliyuncs.com", bucket=bucket,
                  bucket_region="cn-hangzhou", bucket_state=state, **kw)


def domain(name: str = NAME, **kw: object) -> DnsDomain:
    base: dict[str, object] = {"id": "00efd71a-770e-4255-*********", "name": name, "dnssec": "ON", "records": [],
                               "version_code": "version_enterprise_basic"}
    base.update(kw)
    return DnsDomain(**base)  # type: ignore[arg-type]


_S = "dns_domain_dnssec_enabled"
_C = "dns_record_no_dangling_cname"
CASES: list[Case] = [
    Case(_S, "ON passes, OFF fails", {"dns.domains": [domain(), domain("example.net", dnssec="OFF")]},
         {NAME: "PASS", "example.net": "FAIL"}),
    Case(_S, "OFF on the free edition (mianfei) or an edition not reported is MANUAL: DNSSEC needs a paid one; ON on "
         "the free edition passes",
         {"dns.domains": [domain("free.example", dnssec="OFF", version_code="mianfei"),
                          domain("noedition.example", dnssec="OFF", version_code=""),
                          domain("free-on.example", version_code="mianfei")]},
         {"free.example": "MANUAL", "noedition.example": "MANUAL", "free-on.example": "PASS"}),
    Case(_S, "edition code and Status in another letter case",
         {"dns.domains": [domain("upper.example", dnssec="OFF", version_code="VERSION_PERSONAL"),
                          domain("lower.example", dnssec="on")]},
         {"upper.example": "FAIL", "lower.example": "PASS"}),
    Case(_S, "no Status in the answer is unknown (ERROR), not off",
         {"dns.domains": [domain(dnssec=None)]}, {NAME: "ERROR"}),
    Case(_S, "the DNSSEC state could not be read",
         {"dns.domains": [domain(dnssec=None, dnssec_error="NoPermission")]}, {NAME: "ERROR"}),
    Case(_C, "existing bucket passes, missing bucket fails, another account's is MANUAL, other failures ERROR; "
             "non-OSS records and disabled records give no result",
         {"dns.domains": [domain(records=[
             record(), cname("static", "example-static", "exists"), cname("old", "example-old", "missing"),
             cname("partner", "partner-assets", "denied"),
             cname("flaky", "example-flaky", None, bucket_error="ServiceUnavailable"),
             cname("off", "example-gone", None, status="Disable"),
             record("cdn", type="CNAME", value="www.example.com.w.kunlunsl.com")])]},
         {"static": "PASS", "old": "FAIL", "partner": "MANUAL", "flaky": "ERROR"}),
    Case(_C, "the records could not be listed", {"dns.domains": [domain(records_error="Throttling")]},
         {NAME: "ERROR"}),
]
