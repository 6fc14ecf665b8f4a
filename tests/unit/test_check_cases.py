"""The standing oracle of issue 15: every case of tests/check_cases runs through run_check and its statuses are
asserted; every registered check has at least one case that PASSes and one that FAILs, but for the allow-list."""

from __future__ import annotations

import pytest

from aliaudit.checks.registry import all_checks
from tests.check_cases import Case, all_cases
from tests.check_inputs import run_check, statuses

CASES = all_cases()

# checks that by design never PASS or never FAIL; the reason is read from the check's code
NEVER_PASS: dict[str, str] = {
    # checks/sls.py log_audit: needs no dataset and always yields MANUAL (the Log Audit Service's collection switch
    # has no read API)
    "sls_log_audit_integrated": "always MANUAL: no API reads the Log Audit Service global configuration",
    # checks/vpc.py peering_routes: which routes a peering needs is a design decision; every VPC is MANUAL
    "vpc_peering_routes_least_access": "always MANUAL: each VPC's route tables are listed for review",
}
NEVER_FAIL: dict[str, str] = {
    **NEVER_PASS,
    # checks/oss.py signed_url_expiry: OSS has no server-side limit on a signed URL's lifetime: PASS when the account
    # has no bucket, else MANUAL
    "oss_signed_url_short_expiry": "PASS without buckets, else MANUAL: the lifetime is the signer's choice",
    # checks/oss.py signed_url_https: PASS when a bucket policy denies HTTP, else MANUAL (whether signed URLs are
    # handed out over HTTP is not visible in the API); ERROR when the policy is unreadable
    "oss_signed_url_https_only": "PASS when HTTPS is enforced, else MANUAL",
    # checks/ecs.py default encryption: EnableDiskEncryptionByDefault is "available only in specific regions and to
    # specific users" and no read API tells whether this account may enable it: off is MANUAL, never FAIL
    "ecs_disk_encryption_by_default_enabled": "PASS when Encrypted, else MANUAL: offered to specific users only",
    # checks/ack.py rbac: a managed cluster always enforces RBAC (PASS); a dedicated cluster's API server flags are
    # only visible on its masters (MANUAL), a registered one is MANUAL
    "ack_cluster_rbac_enabled": "PASS for managed clusters, else MANUAL",
    # checks/ack.py basic_auth: Kubernetes 1.19 removed basic authentication (PASS); older versions need a look at
    # the masters' --basic-auth-file (MANUAL)
    "ack_cluster_basic_auth_disabled": "PASS from Kubernetes 1.19, else MANUAL",
}


@pytest.mark.parametrize("case", CASES, ids=[f"{c.check_id}:{c.description}" for c in CASES])
def test_case(case: Case) -> None:
    got = statuses(run_check(case.check_id, case.data, config=case.config, region=case.region))
    if case.exact:
        assert got == case.expected
    else:
        assert {k: got.get(k) for k in case.expected} == case.expected


def test_every_check_has_pass_and_fail() -> None:
    passing = {c.check_id for c in CASES if "PASS" in c.expected.values()}
    failing = {c.check_id for c in CASES if "FAIL" in c.expected.values()}
    registered = set(all_checks())
    assert {c.check_id for c in CASES} <= registered
    missing_pass = sorted(registered - passing - set(NEVER_PASS))
    missing_fail = sorted(registered - failing - set(NEVER_FAIL))
    assert (missing_pass, missing_fail) == ([], [])
    # the allow-lists stay honest: an allowed check really has no such case
    assert not set(NEVER_PASS) & passing and not set(NEVER_FAIL) & failing
