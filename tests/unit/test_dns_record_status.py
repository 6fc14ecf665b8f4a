"""dns_record_no_dangling_cname: a record whose Status is spelt ENABLE (as the service answers besides the
reference's Enable) is judged; only a disabled record is skipped. A dangling CNAME spelt so gave no finding."""

from __future__ import annotations

import pytest

from aliaudit.checks.registry import Inputs, all_checks
from aliaudit.collectors.dns import DOMAINS, DnsDomain, DnsRecord
from aliaudit.config import AuditConfig


@pytest.mark.parametrize("status, expected", [
    ("Enable", ["FAIL"]), ("ENABLE", ["FAIL"]), ("enable", ["FAIL"]), ("Disable", []), ("DISABLE", [])])
def test_record_status_in_any_case(status: str, expected: list[str]) -> None:
    record = DnsRecord(id="r1", rr="static", type="CNAME", value="gone.oss-cn-hangzhou.aliyuncs.com", status=status,
                       bucket="gone", bucket_region="cn-hangzhou", bucket_state="missing")
    domain = DnsDomain(id="d1", name="example.com", dnssec="ON", records=[record])
    check = all_checks()["dns_record_no_dangling_cname"]
    got = [r.status.value for r in check.fn(Inputs({DOMAINS.name: [domain]}, AuditConfig(), "global", "1", None))]  # type: ignore[arg-type]
    assert got == expected
