"""Which accounts an organisation run audits (Resource Directory listing, folders, filters, explicit lists)
and the member credentials (AssumeRole with the external id), against the emulator's org scenario."""

from __future__ import annotations

import pytest

from aliaudit import errors
from aliaudit.accounts import AccountsSpec, provider_for, session_name, targets
from aliaudit.clients import ClientFactory
from aliaudit.credentials.providers import StaticProvider
from aliaudit.settings import EndpointSettings
from tests.emulator.state import Scenario
from tests.paths import TESTS

ORG = TESTS / "emulator" / "scenarios" / "org.yaml"
MGMT, PROD, DEV, SUSPENDED, NOROLE, PARTNER = (f"100000000000000{i}" for i in range(1, 7))
AUDITOR = ("LTAIorgauditor000001", "org-auditor-secret-00000000000")


@pytest.fixture
def org(cloud):
    cloud.emulator.load(Scenario.from_file(ORG))
    return cloud


def _factory(cloud, ak=AUDITOR) -> tuple[ClientFactory, EndpointSettings, StaticProvider]:
    settings = EndpointSettings(protocol="http", proxy=cloud.url)
    source = StaticProvider(*ak)
    return ClientFactory(source, settings), settings, source


def test_resource_directory_lists_every_member_with_folders(org):
    factory, _, _ = _factory(org)
    got = targets(AccountsSpec.parse("resource-directory", "test"), factory, MGMT)
    assert [t.account_id for t in got] == [MGMT, PROD, DEV, SUSPENDED, NOROLE, PARTNER]
    assert got[0].role_arn is None  # the management account: the caller's own credentials
    assert got[1].role_arn == f"acs:ram::{PROD}:role/ResourceDirectoryAccountAccessRole"
    assert {t.account_id: t.folder for t in got}[PROD] == "prod"
    assert {t.account_id: t.name for t in got}[DEV] == "acme-dev"


@pytest.mark.parametrize(("include", "exclude", "expected"), [
    (["prod"], [], [PROD, NOROLE]),  # folder name
    ([], ["dev", MGMT], [PROD, NOROLE]),  # folder name and account id
    (["acme-partner", DEV], [], [DEV, PARTNER]),  # account name and id
])
def test_include_and_exclude_by_id_name_or_folder(org, include, exclude, expected):
    factory, _, _ = _factory(org)
    spec = AccountsSpec.parse({"mode": "resource-directory", "include": include, "exclude": exclude}, "test")
    assert [t.account_id for t in targets(spec, factory, MGMT)] == expected


def test_explicit_list_of_ids_and_role_arns(org):
    factory, _, _ = _factory(org)
    arn = f"acs:ram::{DEV}:role/OtherAuditRole"
    got = targets(AccountsSpec.parse([MGMT, PROD, arn], "test"), factory, MGMT)
    assert [(t.account_id, t.role_arn) for t in got] == [
        (MGMT, None), (PROD, f"acs:ram::{PROD}:role/ResourceDirectoryAccountAccessRole"), (DEV, arn)]


@pytest.mark.parametrize(("value", "message"), [
    (["123"], "not a 16-digit account id or a role ARN"),
    ({"mode": "everything"}, "accounts.mode"),
    (42, "accounts must be 'resource-directory'"),
    ({"mode": "list", "ids": [PROD], "colour": "red"}, "accounts.colour"),
])
def test_malformed_accounts_setting_is_refused_clearly(value, message):
    with pytest.raises(errors.ConfigError, match=message):
        AccountsSpec.parse(value, "config.yaml")


def test_a_member_account_cannot_list_the_directory(org):
    factory, settings, source = _factory(org)
    spec = AccountsSpec.parse({"mode": "list", "ids": [PROD], "external_id": "aliaudit-org"}, "test")
    member = ClientFactory(provider_for(targets(spec, factory, MGMT)[0], source, settings, spec, "r1"), settings)
    with pytest.raises(errors.AliauditError, match="management account"):
        targets(AccountsSpec.parse("resource-directory", "test"), member, PROD)


def test_member_credentials_and_the_three_ways_to_fail(org):
    factory, settings, source = _factory(org)
    spec = AccountsSpec.parse({"mode": "resource-directory", "external_id": "aliaudit-org"}, "test")
    by_id = {t.account_id: t for t in targets(spec, factory, MGMT)}
    prod = ClientFactory(provider_for(by_id[PROD], source, settings, spec, "run-1"), settings)
    who = prod.pop("sts").get_caller_identity().body
    assert who.account_id == PROD and who.arn.endswith("/aliaudit-run-1")
    reasons = {}
    for account in (SUSPENDED, NOROLE, PARTNER):
        with pytest.raises(errors.AuthError) as err:
            provider_for(by_id[account], source, settings, spec, "run-1").get_credentials()
        reasons[account] = str(err.value)
    assert "suspended" in reasons[SUSPENDED]
    assert "does not exist" in reasons[NOROLE]
    assert "external id" in reasons[PARTNER]
    assert not any(AUDITOR[1] in r for r in reasons.values())


def test_session_name_fits_sts_rules():
    assert session_name("2026-11-25T10:00:00Z/abc") == "aliaudit-2026-11-25T10-00-00Z-abc"
    assert len(session_name("x" * 100)) == 64


def test_org_scan_audits_the_reachable_accounts_and_reports_the_others_as_error(org):
    from aliaudit.config import AuditConfig
    from aliaudit.org_scan import OrgRequest, account_findings
    from aliaudit.scan import select_checks

    factory, settings, source = _factory(org)
    spec = AccountsSpec.parse({"mode": "resource-directory", "external_id": "aliaudit-org"}, "test")
    found = targets(spec, factory, MGMT)
    checks = [c.meta.id for c in select_checks(["ram", "oss", "ecs"])]
    req = OrgRequest(spec=spec, source=source, settings=settings, run_id="r1", check_ids=checks, regions=None,
                     default_regions=["cn-hangzhou", "cn-shanghai"], config=AuditConfig())
    findings = [f for t in found for _, items in account_findings(t, req) for f in items]
    by_account: dict[str, set[str]] = {}
    for f in findings:
        by_account.setdefault(f.account_id, set()).add(f.status.value)
    for healthy in (MGMT, PROD, DEV):
        assert "ERROR" not in by_account[healthy] and {"PASS", "FAIL"} <= by_account[healthy], healthy
    for failed, reason in ((SUSPENDED, "suspended"), (NOROLE, "does not exist"), (PARTNER, "external id")):
        errs = [f for f in findings if f.account_id == failed]
        assert by_account[failed] == {"ERROR"} and all(reason in f.message for f in errs), failed
        assert len(errs) == len([c for c in checks if select_checks(None, [c])[0].meta.scope == "global"]) + 2 * len(
            [c for c in checks if select_checks(None, [c])[0].meta.scope == "regional"])
    assert {f.account_name for f in findings if f.account_id == PROD} == {"acme-prod"}
