"""Alibaba Cloud DNS checks (DNSSEC; CNAME records to OSS buckets that no longer exist) through the scan entry point,
with buckets of this account and of another one, plus the emulator's writes that remediate them."""

from __future__ import annotations

from typing import Any

from alibabacloud_alidns20150109 import models as dns_models
from alibabacloud_alidns20150109.client import Client as DnsClient

from tests.scanning import by_resource, scan
from tests.sdk import READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

DNSSEC = "dns_domain_dnssec_enabled"
DANGLING = "dns_record_no_dangling_cname"


def section() -> dict[str, Any]:
    return {"domains": [
        {"name": "example.com", "dnssec": "ON", "records": [
            {"id": "1001", "rr": "@", "type": "A", "value": "47.96.10.21"},
            {"id": "1002", "rr": "static", "type": "CNAME", "value": "example-static.oss-cn-hangzhou.aliyuncs.com"},
            {"id": "1003", "rr": "old", "type": "CNAME", "value": "example-old-site.oss-cn-shanghai.aliyuncs.com"},
            {"id": "1004", "rr": "partner", "type": "CNAME", "value": "partner-assets.oss-cn-hangzhou.aliyuncs.com"},
            {"id": "1005", "rr": "off", "type": "CNAME", "value": "example-gone.oss-cn-hangzhou.aliyuncs.com",
             "status": "Disable"},
            {"id": "1006", "rr": "www", "type": "CNAME", "value": "www.example.com.w.kunlunsl.com"},
        ]},
        {"name": "example.net", "version_code": "version_personal"},
    ]}


def account() -> dict[str, Any]:
    data = base_scenario(regions=["cn-hangzhou", "cn-shanghai"], alidns=section(),
                         oss={"buckets": [{"name": "example-static", "region": "cn-hangzhou"}]})
    data["accounts"].append({"id": "2222222222222222", "alias": "partner",
                             "oss": {"buckets": [{"name": "partner-assets", "region": "cn-hangzhou"}]}})
    return data


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def dns_client(cloud) -> DnsClient:
    return DnsClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                                region_id="cn-hangzhou"))


def test_dnssec_and_dangling_cnames(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["dns"])
    assert by_resource(findings, DNSSEC) == {"example.com": "PASS", "example.net": "FAIL"}
    # the A record, the disabled CNAME and the CDN CNAME are not judged
    assert by_resource(findings, DANGLING) == {"1002": "PASS", "1003": "FAIL", "1004": "MANUAL"}
    by_key = {(f.check_id, f.resource_id): f for f in findings}
    old = by_key[(DANGLING, "1003")]
    assert old.resource_name == "old.example.com" and "example-old-site" in old.message
    assert "NoSuchBucket" in old.message and old.severity.value == "high"
    assert "another account" in by_key[(DANGLING, "1004")].message
    assert by_key[(DNSSEC, "example.net")].message == "DNSSEC is OFF"


def test_no_domain_gives_no_finding(cloud):
    load(cloud, base_scenario(regions=["cn-hangzhou"]))
    assert scan(cloud, families=["dns"]) == []


def test_denied_apis_give_error_findings(cloud):
    load(cloud, _deny(account(), ["alidns:DescribeDomainRecords", "alidns:DescribeDomainDnssecInfo"]))
    findings = scan(cloud, families=["dns"], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, DNSSEC) == {"example.com": "ERROR", "example.net": "ERROR"}
    assert by_resource(findings, DANGLING) == {"example.com": "ERROR", "example.net": "ERROR"}
    assert all("NoPermission" in f.message for f in findings)

    load(cloud, _deny(account(), ["alidns:DescribeDomains"]))
    findings = scan(cloud, families=["dns"], ak=READER_AK, secret=READER_SECRET)
    assert sorted((f.check_id, f.status.value) for f in findings) == sorted([(DANGLING, "ERROR"), (DNSSEC, "ERROR")])


def test_every_page_is_read(cloud, admin):
    data = account()
    data["accounts"][0]["alidns"]["domains"] += [{"name": f"bulk{i:03d}.example.org"} for i in range(120)]
    data["accounts"][0]["alidns"]["domains"][0]["records"] += [
        {"rr": f"h{i:03d}", "value": f"10.0.{i // 200}.{i % 200}"} for i in range(600)]
    load(cloud, data)
    findings = scan(cloud, families=["dns"])
    assert len(by_resource(findings, DNSSEC)) == 122
    calls = admin.calls()
    assert calls["alidns:DescribeDomains"] == 2  # PageSize 100
    assert calls["alidns:DescribeDomainRecords"] == 2 + 121  # 606 records in pages of 500, one page per other domain
    assert calls["oss:GetBucketLocation"] == 3  # one per enabled CNAME to a bucket host


def test_dnssec_off_on_the_free_edition_is_manual(cloud):
    """SetDomainDnssecStatus 'is available only to users of paid Alibaba Cloud DNS': on the free edition (the
    emulator's default VersionCode, mianfei) DNSSEC off is MANUAL, not a FAIL with a fix the API refuses."""
    data = account()
    data["accounts"][0]["alidns"]["domains"].append({"name": "example.org"})
    load(cloud, data)
    findings = scan(cloud, checks=[DNSSEC])
    got = next(f for f in findings if f.resource_id == "example.org")
    assert got.status.value == "MANUAL" and "(mianfei) is not a paid one" in got.message
    assert by_resource(findings, DNSSEC)["example.net"] == "FAIL"  # (version_personal)


def test_remediation_flips_the_checks_and_is_audited(cloud, admin):
    load(cloud, account())
    dns = dns_client(cloud)
    dns.set_domain_dnssec_status(dns_models.SetDomainDnssecStatusRequest(domain_name="example.net", status="ON"))
    dns.delete_domain_record(dns_models.DeleteDomainRecordRequest(record_id="1003"))
    findings = scan(cloud, families=["dns"])
    assert by_resource(findings, DNSSEC) == {"example.com": "PASS", "example.net": "PASS"}
    assert "1003" not in by_resource(findings, DANGLING)
    names = [e["eventName"] for e in admin.events() if e["serviceName"] == "Alidns"]
    assert names == ["SetDomainDnssecStatus", "DeleteDomainRecord"]
