"""CIS 2.19's and 2.22's audit text print queries that match no ActionTrail event as the logstores hold them (a
trailing `not event.errorCode :`; the field `event_name`): an alert copied from them verbatim fails, and its message
says it mentions the events without matching them."""

from __future__ import annotations

import pytest

from tests.check_cases.sls import alert, audit
from tests.check_inputs import run_check

# the audit procedures' queries, as ../shared/reference/prowler_cis2.json prints them
PRINTED = {
    "sls_alert_console_auth_failures_enabled": (
        "event.eventName: ConsoleSignin and event.errorCode : * and not event.errorCode :  | select count(1) as cnt",
        "ConsoleSignin"),
    "sls_alert_security_group_changes_enabled": (
        "(event_name: CreateSecurityGroup or event_name: AuthorizeSecurityGroup or event_name: "
        "AuthorizeSecurityGroupEgress or event_name: RevokeSecurityGroup or event_name: RevokeSecurityGroupEgress or "
        "event_name: JoinSecurityGroup or event_name: LeaveSecurityGroup or event_name: DeleteSecurityGroup or "
        "event_name: ModifySecurityGroupPolicy) | select count(1) as cnt", "CreateSecurityGroup"),
}


@pytest.mark.parametrize("check_id", sorted(PRINTED))
def test_a_printed_query_copied_verbatim_fails_saying_what_it_mentions(check_id: str) -> None:
    query, event = PRINTED[check_id]
    (got,) = run_check(check_id, audit(alert(query)), region="global")
    assert got.status.value == "FAIL"
    assert f"cis-alert mentions {event}" in got.message and "matches no event as ActionTrail writes it" in got.message
