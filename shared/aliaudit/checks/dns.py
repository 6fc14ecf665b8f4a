"""Alibaba Cloud DNS checks: DNSSEC of every authoritative domain, and CNAME records that point at an OSS bucket that
no longer exists (a dangling record anyone can take over by creating that bucket). The dangling check is a heuristic
kept to what the data proves: only CNAMEs to an OSS bucket host (<bucket>.oss-<region>[-internal].aliyuncs.com) are
judged; CNAMEs to other cloud host names (fcapp.run, CDN, SLB...) and A records are not (the account's inventories of
those are other families' data, collected per region)."""

from __future__ import annotations

from collections.abc import Iterator

from ..collectors.dns import DOMAINS, DnsDomain, DnsRecord
from ..findings import Result, Status
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL
GLOBAL = "global"


def _domain_result(d: DnsDomain, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=d.name, resource_type="dns:domain", resource_name=d.name,
                  region=GLOBAL, message=message, details={"domain_id": d.id})


def _fqdn(d: DnsDomain, r: DnsRecord) -> str:
    return d.name if r.rr in ("@", "") else f"{r.rr}.{d.name}"


def _record_result(d: DnsDomain, r: DnsRecord, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=r.id, resource_type="dns:record", resource_name=_fqdn(d, r),
                  region=GLOBAL, message=message,
                  details={"domain": d.name, "type": r.type, "value": r.value, "bucket": r.bucket or ""})


PAID_EDITION = "version_"  # DescribeDomains VersionCode of the paid DNS editions (collectors/dns.py)


@check(id="dns_domain_dnssec_enabled", severity="low",
       title="DNSSEC is enabled for Alibaba Cloud DNS domains",
       risk="Without DNSSEC, resolvers cannot verify the domain's answers, so spoofed or poisoned records can send "
            "users to an attacker's servers.",
       console="Alibaba Cloud DNS console > the domain > DNSSEC: enable it, then add the DS record at the registrar.",
       cli="aliyun alidns SetDomainDnssecStatus --DomainName <domain> --Status ON",
       events=["SetDomainDnssecStatus", "AddDomain", "DeleteDomain"], needs=[DOMAINS],
       evaluates="DescribeDomains, then DescribeDomainDnssecInfo per domain: PASS when Status is ON, FAIL when OFF (or "
                 "any other value) on a paid edition (DescribeDomains VersionCode version_*), MANUAL when off on any "
                 "other edition (SetDomainDnssecStatus 'is available only to users of paid Alibaba Cloud DNS'), ERROR "
                 "when it could not be read or no Status was answered. The DS record at the registrar is not checked.",
       source="https://www.alibabacloud.com/help/en/dns/api-alidns-2015-01-09-describedomaindnssecinfo")
def domain_dnssec_enabled(inp: Inputs) -> Iterator[Result]:
    for d in inp[DOMAINS]:
        if d.dnssec_error:
            yield _domain_result(d, ERROR, f"could not read the domain's DNSSEC state: {d.dnssec_error}")
        elif (d.dnssec or "").upper() == "ON":
            yield _domain_result(d, PASS, "DNSSEC is ON")
        elif not d.dnssec:
            yield _domain_result(d, ERROR, "DescribeDomainDnssecInfo answered no Status: the DNSSEC state is unknown")
        elif not d.version_code.lower().startswith(PAID_EDITION):
            edition = (f"the domain's DNS edition ({d.version_code}) is not a paid one" if d.version_code
                       else "DescribeDomains did not say the domain's DNS edition")
            yield _domain_result(d, MANUAL, f"DNSSEC is {d.dnssec} and {edition}, which DNSSEC needs "
                                            "(SetDomainDnssecStatus: paid Alibaba Cloud DNS only): upgrade the "
                                            "edition to enable it, or accept the risk")
        else:
            yield _domain_result(d, FAIL, f"DNSSEC is {d.dnssec}")


@check(id="dns_record_no_dangling_cname", severity="high",
       title="DNS CNAME records do not point at OSS buckets that no longer exist",
       risk="A CNAME to a deleted bucket's host lets anyone who creates a bucket of that name serve content, steal "
            "cookies or phish under the account's own domain (subdomain takeover).",
       console="Alibaba Cloud DNS console > the domain > DNS records: delete the record, or recreate the bucket in "
               "this account.",
       cli="aliyun alidns DeleteDomainRecord --RecordId <id>",
       events=["AddDomainRecord", "UpdateDomainRecord", "DeleteDomainRecord", "SetDomainRecordStatus",
               "OperateBatchDomain", "DeleteSubDomainRecords",
               "DeleteBucket", "PutBucket"], needs=[DOMAINS],
       evaluates="DescribeDomains and DescribeDomainRecords; every enabled CNAME whose value is an OSS bucket host "
                 "(<bucket>.oss-<region>[-internal].aliyuncs.com) is checked with OSS GetBucketLocation on that "
                 "region's endpoint: PASS when it answers (the bucket exists and this account may read it), FAIL on "
                 "NoSuchBucket (nobody owns the name: it can be taken over), MANUAL on AccessDenied (the bucket exists "
                 "but belongs to another account or lies in another region, or the auditor lacks "
                 "oss:GetBucketLocation), ERROR on any other "
                 "failure, and ERROR for a domain whose records could not be listed. Other records give no result.",
       source="https://www.alibabacloud.com/help/en/oss/user-guide/map-custom-domain-names-5 | "
              "https://www.alibabacloud.com/help/en/dns/api-alidns-2015-01-09-describedomainrecords")
def record_no_dangling_cname(inp: Inputs) -> Iterator[Result]:
    for d in inp[DOMAINS]:
        if d.records_error:
            yield _domain_result(d, ERROR, f"could not list the domain's records: {d.records_error}")
            continue
        for r in d.records:
            if not r.bucket or not r.enabled:
                continue
            where = f"{_fqdn(d, r)} CNAME {r.value}"
            if r.bucket_error:
                yield _record_result(d, r, ERROR, f"{where}: could not check bucket {r.bucket}: {r.bucket_error}")
            elif r.bucket_state == "exists":
                yield _record_result(d, r, PASS, f"{where}: bucket {r.bucket} exists")
            elif r.bucket_state == "missing":
                yield _record_result(d, r, FAIL, f"{where}: bucket {r.bucket} does not exist (NoSuchBucket); anyone "
                                                 "can create it and serve content on this name")
            elif r.bucket_state == "denied":
                yield _record_result(d, r, MANUAL, f"{where}: bucket {r.bucket} exists but OSS refused to say where "
                                                   "(AccessDenied: another account's bucket, one in another region, or "
                                                   "this auditor lacks oss:GetBucketLocation): confirm who owns it")
            else:
                yield _record_result(d, r, ERROR, f"{where}: bucket {r.bucket} was not checked")
