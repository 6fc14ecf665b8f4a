"""Documented-sample test of the dns collector: alidns/DescribeDomains.json (example.com, sent as "example.com\\n",
DomainId 00efd71a-770e-4255-*********), DescribeDomainDnssecInfo.json (Status ON) and DescribeDomainRecords.json (one
MX record 9******* www -> mail1.hichina.com, Status Enable). The sample has no CNAME to an OSS bucket host, so OSS
GetBucketLocation (oss/GetBucketLocation.json) is not called here; its answer is compared in test_wire_corpus."""

from __future__ import annotations

from tests.wire_replay import WireReplay
from tests.wire_samples import collect, covers, pick


@covers("dns.domains")
def test_dns_domains(replay: WireReplay) -> None:
    got = collect(replay, "dns.domains")
    # (alidns/DescribeDomains.json VersionCode version_enterprise_basic: a paid edition)
    expected = [{"id": "00efd71a-770e-4255-*********", "name": "example.com", "dnssec": "ON", "dnssec_error": None,
                 "version_code": "version_enterprise_basic",
                 "records_error": None, "records": [{
                     "id": "9*******", "rr": "www", "type": "MX", "value": "mail1.hichina.com", "status": "Enable",
                     "bucket": None, "bucket_state": None, "bucket_error": None}]}]
    assert pick(got, expected) == expected
