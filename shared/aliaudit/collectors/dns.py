"""Alibaba Cloud DNS (alidns 2015-01-09) datasets (global): every authoritative domain of the account with its DNSSEC
state and its DNS records; CNAME records that point at an OSS bucket's host name carry whether that bucket exists
(OSS GetBucketLocation), for the dangling-CNAME (subdomain takeover) check.

Endpoint: alidns.aliyuncs.com (alibabacloud_alidns20150109 Client._endpoint_map: cn-hangzhou and `public`); the
service is global, so the dataset is read once per scan."""

from __future__ import annotations

import re

from pydantic import Field

from .. import apierrors
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from .paging import by_page_number
from .registry import CollectContext, collector

dns_models = lazy_import("alibabacloud_alidns20150109.models")

DOMAIN_PAGE = 100  # DescribeDomains PageSize: "Maximum value: 100"
RECORD_PAGE = 500  # DescribeDomainRecords PageSize: "Valid values: 1 to 500"
# An OSS bucket's public or internal host: <bucket>.oss-<region>[-internal].aliyuncs.com (OSS "Regions and endpoints";
# bucket names: 3-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit)
OSS_HOST = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9-]{1,61}[a-z0-9])\.oss-(?P<region>[a-z]{2}-[a-z0-9-]+?)"
                      r"(?:-internal)?\.aliyuncs\.com\.?$")


class DnsRecord(Record):
    id: str
    rr: str  # host record: www, @, *...
    type: str  # A | CNAME | MX | TXT | ...
    value: str
    status: str = "Enable"  # Enable | Disable
    bucket: str | None = None  # CNAME to an OSS bucket host: the bucket
    bucket_region: str | None = None
    bucket_state: str | None = None  # exists | missing (NoSuchBucket) | denied (AccessDenied); None = not read
    bucket_error: str | None = None  # any other failure of GetBucketLocation

    @property
    def enabled(self) -> bool:
        """Not disabled: the API reference documents Enable | Disable, and the service also answers ENABLE | DISABLE
        (its console and Terraform provider spell them so); any other value is judged like an enabled record."""
        return self.status.strip().lower() != "disable"


class DnsDomain(Record):
    id: str
    name: str
    dnssec: str | None = None  # DescribeDomainDnssecInfo Status: ON | OFF
    # DescribeDomains VersionCode: the domain's DNS edition. The paid editions are version_personal,
    # version_enterprise_basic and version_enterprise_advanced (the Alidns instance's VersionCode values: the Terraform
    # provider's alicloud_alidns_instance, help.aliyun.com/zh/terraform/alicloud-alidns-instance); the documented
    # DescribeDomains sample says version_enterprise_basic
    version_code: str = ""
    dnssec_error: str | None = None
    records: list[DnsRecord] = Field(default_factory=list)
    records_error: str | None = None  # DescribeDomainRecords failed: the record check reports ERROR


DOMAINS: Dataset[list[DnsDomain]] = Dataset("dns.domains", Scope.GLOBAL)


def _bucket_state(ctx: CollectContext, r: DnsRecord) -> None:
    """Whether the bucket a CNAME names exists: OSS answers NoSuchBucket (404) for a name nobody owns, and AccessDenied
    (403) for a bucket this account may not read (another account's, a region other than the host's, or a caller
    without oss:GetBucketLocation: the check's MANUAL names all three)."""
    assert r.bucket and r.bucket_region
    try:
        ctx.factory.oss_bucket(r.bucket, r.bucket_region).get_bucket_location()
        r.bucket_state = "exists"
    except Exception as err:
        code = getattr(err, "code", "") or ""
        if code == "NoSuchBucket":
            r.bucket_state = "missing"
        elif code == "AccessDenied":
            r.bucket_state = "denied"
        else:
            r.bucket_error = apierrors.describe(err)


@collector(DOMAINS, apis=["alidns:DescribeDomains", "alidns:DescribeDomainRecords", "alidns:DescribeDomainDnssecInfo",
                          "oss:GetBucketLocation"])
def domains(ctx: CollectContext) -> list[DnsDomain]:
    dns = ctx.client("alidns")
    listed = list(by_page_number(
        lambda n: dns.describe_domains(dns_models.DescribeDomainsRequest(page_number=n, page_size=DOMAIN_PAGE)).body,
        lambda b: b.domains.domain if b.domains else [], DOMAIN_PAGE))

    def describe(d: object) -> DnsDomain:
        name = (getattr(d, "domain_name", "") or "").strip()
        dom = DnsDomain(id=getattr(d, "domain_id", "") or name, name=name,
                        version_code=getattr(d, "version_code", "") or "")
        try:
            dom.dnssec = dns.describe_domain_dnssec_info(
                dns_models.DescribeDomainDnssecInfoRequest(domain_name=name)).body.status or ""
        except Exception as err:
            dom.dnssec_error = apierrors.describe(err)
        try:
            for rec in by_page_number(
                    lambda n: dns.describe_domain_records(dns_models.DescribeDomainRecordsRequest(
                        domain_name=name, page_number=n, page_size=RECORD_PAGE)).body,
                    lambda b: b.domain_records.record if b.domain_records else [], RECORD_PAGE):
                r = DnsRecord(id=rec.record_id or "", rr=rec.rr or "", type=(rec.type or "").upper(),
                              value=(rec.value or "").strip(), status=rec.status or "Enable")
                m = OSS_HOST.match(r.value.lower()) if r.type == "CNAME" else None
                if m:
                    r.bucket, r.bucket_region = m.group("bucket"), m.group("region")
                dom.records.append(r)
        except Exception as err:
            dom.records_error = apierrors.describe(err)
        return dom

    found = ctx.map(describe, listed)
    targets = [r for d in found for r in d.records if r.bucket and r.enabled]
    ctx.map(lambda r: _bucket_state(ctx, r), targets)
    return found
