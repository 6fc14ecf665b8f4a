"""The OCSF output's fields as the OCSF 1.5.0 schema defines them (ocsf-schema at tag 1.5.0)."""

from __future__ import annotations


def test_ocsf_fields_mean_what_the_schema_says():
    """OCSF 1.5.0: timestamps are epoch milliseconds (dictionary.json timestamp_t); status is status_id's caption,
    or for Other the source's own value; is_alert marks an alertable signal (detection_finding.json); the resource
    group is an Alibaba Cloud resource group, not the check's family."""
    from datetime import datetime, timezone

    from aliaudit.findings import Finding, Severity, Status
    from aliaudit.reports import ocsf

    when = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)
    base = {"check_id": "ram_user_mfa", "title": "MFA", "family": "ram", "severity": Severity.HIGH,
            "account_id": "1234567890123456", "region": "global", "resource_id": "alice"}
    events = {s: ocsf.to_ocsf(Finding(**base, status=s, message="m"), when) for s in Status}
    muted = ocsf.to_ocsf(Finding(**base, status=Status.FAIL, message="m", muted=True), when)
    assert events[Status.FAIL]["time"] == 1767323045678 == events[Status.FAIL]["finding_info"]["created_time"]
    assert {s.value: (e["status_id"], e["status"], e["is_alert"]) for s, e in events.items()} == {
        "FAIL": (1, "New", True), "PASS": (99, "PASS", False), "MANUAL": (99, "MANUAL", False),
        "ERROR": (99, "ERROR", False)}
    assert (muted["status_id"], muted["is_alert"]) == (3, False)
    assert "group" not in events[Status.FAIL]["resources"][0]
    assert events[Status.FAIL]["metadata"]["profiles"] == ["cloud", "datetime"]
