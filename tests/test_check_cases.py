"""The standing oracle of issue 15: every case of tests/check_cases runs through run_check and its statuses are
asserted; every registered check has at least one case that PASSes and one that FAILs, but for the allow-list."""

from __future__ import annotations

import pytest

from aliaudit.checks.registry import all_checks
from tests.check_cases import Case, all_cases
from tests.check_inputs import run_check, statuses

CASES = all_cases()

# checks that by design never PASS or never FAIL; the reason is read from the check's code
NEVER_PASS: dict[str, str] = {}
NEVER_FAIL: dict[str, str] = {}


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
