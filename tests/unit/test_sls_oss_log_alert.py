"""CIS 2.14's alert is on the OSS access log (oss_log): what passes, and what the messages say when it does not."""

from __future__ import annotations

import pytest

from tests.check_cases.sls import OSS_ACL, alert, audit
from tests.check_inputs import run_check

CID = "sls_alert_oss_permission_changes_enabled"


@pytest.mark.parametrize(("query", "store", "status", "says"), [
    (OSS_ACL, "oss_log", "PASS", "enabled alert cis-alert on zhengze-audit-log's OSS access log covers"),
    ("operation: PutBucket and request_uri: acl", "oss_log", "FAIL", "on the OSS access log misses PutObjectAcl"),
    ("event.eventName: PutBucketAcl or event.eventName: PutObjectAcl", "oss_log", "FAIL",
     "misses PutBucketAcl, PutObjectAcl"),
    (OSS_ACL, "boss-logstore", "FAIL", "no enabled alert on the OSS access log (oss_log)"),  # not an OSS access log
    ("event.eventName: PutBucketAcl or event.eventName: PutObjectAcl", "actiontrail_test-4", "FAIL",
     "covers its events on an ActionTrail logstore, but the CIS 2.14 audit asks for the alert on the OSS access log"),
])
def test_the_alert_is_judged_on_the_oss_access_log(query: str, store: str, status: str, says: str) -> None:
    (got,) = run_check(CID, audit(alert(query, store=store)), region="global")
    assert got.status.value == status and says in got.message, got.message
