"""Resource Directory (Resource Manager 2020-03-31) and cross-account access to its members, through the
unmodified resourcemanager and STS SDKs, on the organisation of scenarios/org.yaml."""

from __future__ import annotations

import json
from typing import Any

import oss2
import pytest
import yaml
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_resourcemanager20200331 import models as rm_models
from alibabacloud_resourcemanager20200331.client import Client as RmClient
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from oss2 import exceptions as oss_errors
from Tea.exceptions import TeaException

from tests.emulator import Scenario
from tests.emulator.generate import ACCOUNT as BENCH_ACCOUNT
from tests.emulator.generate import (
    AUDIT_EXTERNAL_ID,
    AUDIT_ROLE,
    MEMBER_BASE,
    ORG_AUDITOR_AK,
    ORG_AUDITOR_SECRET,
    generate_org,
)
from tests.emulator.generate import ROOT_AK as BENCH_ROOT_AK
from tests.emulator.generate import ROOT_SECRET as BENCH_ROOT_SECRET
from tests.emulator.generate import main as generate_main
from tests.paths import TESTS
from tests.sdk import base_scenario, load, pop_config

ORG = TESTS / "emulator" / "scenarios" / "org.yaml"
MGMT, PROD, DEV, SUSPENDED, NOROLE, PARTNER = (f"100000000000000{n}" for n in range(1, 7))
ADMIN = ("LTAIorgadmin00000001", "org-admin-secret-0000000000000")
AUDITOR = ("LTAIorgauditor000001", "org-auditor-secret-00000000000")
ROOT = ("LTAIorgroot000000001", "org-root-secret-00000000000000")
ROLE = "ResourceDirectoryAccountAccessRole"
EXTERNAL_ID = "aliaudit-org"
PROD_FOLDER, DEV_FOLDER, ROOT_FOLDER = "fd-acmeprod01", "fd-acmedev001", "r-acme01"


def _org() -> dict[str, Any]:
    return yaml.safe_load(ORG.read_text())


def _account(data: dict[str, Any], account_id: str) -> dict[str, Any]:
    return next(a for a in data["accounts"] if a["id"] == account_id)


@pytest.fixture()
def org(cloud):
    load(cloud, _org())
    return cloud


def _rm(cloud, creds: tuple[str, ...] = ADMIN, **kw: Any) -> RmClient:
    return RmClient(pop_config(cloud, *creds, **kw))


def _assume(cloud, account_id: str, external_id: str | None = EXTERNAL_ID, creds: tuple[str, str] = AUDITOR,
            role: str = ROLE) -> tuple[str, str, str]:
    sts = StsClient(pop_config(cloud, *creds))
    body = sts.assume_role(sts_models.AssumeRoleRequest(
        role_arn=f"acs:ram::{account_id}:role/{role}", role_session_name="aliaudit", external_id=external_id)).body
    c = body.credentials
    return c.access_key_id, c.access_key_secret, c.security_token


def _error(fn, *args: Any) -> TeaException:
    with pytest.raises(TeaException) as err:
        fn(*args)
    return err.value


def _all_accounts(rm: RmClient, page_size: int) -> tuple[list[Any], list[int]]:
    """Every member through PageNumber paging; also the size of each page."""
    out: list[Any] = []
    sizes: list[int] = []
    page = 1
    while True:
        body = rm.list_accounts(rm_models.ListAccountsRequest(page_number=page, page_size=page_size)).body
        sizes.append(len(body.accounts.account))
        out += body.accounts.account
        if page * body.page_size >= body.total_count:
            return out, sizes
        page += 1


# --- the scenario ---------------------------------------------------------------------------------

def test_org_scenario_loads():
    scenario = Scenario.from_file(ORG)
    assert [a.id for a in scenario.accounts] == [MGMT, PROD, DEV, SUSPENDED, NOROLE, PARTNER]
    assert [a.id for a in scenario.accounts if a.suspended] == [SUSPENDED]
    rd = scenario.resource_directory
    assert rd is not None and rd.management_account_id == MGMT
    assert {m.account_id for m in rd.members} == {a.id for a in scenario.accounts}
    for a in scenario.accounts[1:]:  # every member has something to find
        assert a.ram.users and a.oss.buckets and a.ecs.security_groups


def test_scenario_rejects_unknown_members_and_folders():
    data = _org()
    data["resource_directory"]["members"].append({"account_id": "1999999999999999"})
    with pytest.raises(ValueError, match="not one of the scenario's accounts"):
        Scenario.model_validate(data)
    data = _org()
    data["resource_directory"]["members"][1]["folder_id"] = "fd-nope"
    with pytest.raises(ValueError, match="unknown folder_id"):
        Scenario.model_validate(data)
    data = _org()
    data["resource_directory"]["members"][1]["status"] = "Suspended"
    with pytest.raises(ValueError, match="not one of CreateSuccess"):
        Scenario.model_validate(data)
    data = _org()
    data["resource_directory"]["surprise"] = 1
    with pytest.raises(ValueError, match="surprise"):
        Scenario.model_validate(data)


# --- Resource Directory APIs ----------------------------------------------------------------------

def test_get_resource_directory(org):
    rd = _rm(org).get_resource_directory().body.resource_directory
    assert (rd.resource_directory_id, rd.master_account_id, rd.root_folder_id) == ("rd-acme01", MGMT, ROOT_FOLDER)
    assert rd.master_account_name == "acme-mgmt" and rd.create_time == "2024-01-01T00:00:00Z"


def test_list_accounts_pages_through_every_member(org):
    rm = _rm(org)
    accounts, sizes = _all_accounts(rm, page_size=4)
    assert sizes == [4, 2]
    assert [a.account_id for a in accounts] == [MGMT, PROD, DEV, SUSPENDED, NOROLE, PARTNER]
    first = rm.list_accounts(rm_models.ListAccountsRequest()).body
    assert (first.page_number, first.page_size, first.total_count, len(first.accounts.account)) == (1, 10, 6, 6)
    by_id = {a.account_id: a for a in accounts}
    prod = by_id[PROD]
    assert (prod.display_name, prod.folder_id, prod.resource_directory_id, prod.status, prod.type,
            prod.join_method, prod.join_time, prod.modify_time) == (
        "acme-prod", PROD_FOLDER, "rd-acme01", "CreateSuccess", "ResourceAccount", "created",
        "2024-01-05T00:00:00Z", "2024-01-05T00:00:00Z")
    assert prod.resource_directory_path == f"rd-acme01/{ROOT_FOLDER}/{PROD_FOLDER}/{PROD}"
    assert prod.tags is None  # only with IncludeTags
    assert (by_id[NOROLE].status, by_id[NOROLE].join_method, by_id[NOROLE].type) == (
        "InviteSuccess", "invited", "CloudAccount")
    assert by_id[MGMT].folder_id == ROOT_FOLDER
    assert rm.list_accounts(rm_models.ListAccountsRequest(page_number=3, page_size=4)).body.accounts.account == []
    tagged = rm.list_accounts(rm_models.ListAccountsRequest(
        include_tags=True, tag=[rm_models.ListAccountsRequestTag(key="env", value="dev")])).body
    assert [a.account_id for a in tagged.accounts.account] == [DEV, SUSPENDED, PARTNER]
    assert [(t.key, t.value) for t in tagged.accounts.account[0].tags.tag] == [("env", "dev")]
    err = _error(rm.list_accounts, rm_models.ListAccountsRequest(page_size=101))
    assert (err.code, err.statusCode) == ("InvalidParameter.PageSize", 400)


def test_get_account(org):
    acct = _rm(org).get_account(rm_models.GetAccountRequest(account_id=DEV)).body.account
    assert (acct.account_id, acct.display_name, acct.folder_id, acct.location) == (DEV, "acme-dev", DEV_FOLDER,
                                                                                   "Root/dev")
    assert acct.account_name == "acme-dev@rd-acme01.aliyunid.com" and acct.tags == []
    tagged = _rm(org).get_account(rm_models.GetAccountRequest(account_id=DEV, include_tags=True)).body.account
    assert [(t.key, t.value) for t in tagged.tags] == [("env", "dev")]
    err = _error(_rm(org).get_account, rm_models.GetAccountRequest(account_id="1999999999999999"))
    assert (err.code, err.statusCode) == ("EntityNotExists.Account", 404)


def test_folders_and_the_accounts_in_them(org):
    rm = _rm(org)
    top = rm.list_folders_for_parent(rm_models.ListFoldersForParentRequest()).body
    assert [(f.folder_id, f.folder_name) for f in top.folders.folder] == [(PROD_FOLDER, "prod"), (DEV_FOLDER, "dev")]
    assert top.total_count == 2
    same = rm.list_folders_for_parent(rm_models.ListFoldersForParentRequest(parent_folder_id=ROOT_FOLDER)).body
    assert [f.folder_id for f in same.folders.folder] == [PROD_FOLDER, DEV_FOLDER]
    paged = rm.list_folders_for_parent(rm_models.ListFoldersForParentRequest(page_size=1, page_number=2)).body
    assert [f.folder_id for f in paged.folders.folder] == [DEV_FOLDER]
    keyword = rm.list_folders_for_parent(rm_models.ListFoldersForParentRequest(query_keyword="DE")).body
    assert [f.folder_id for f in keyword.folders.folder] == [DEV_FOLDER]
    empty = rm.list_folders_for_parent(rm_models.ListFoldersForParentRequest(parent_folder_id=PROD_FOLDER)).body
    assert empty.folders.folder == [] and empty.total_count == 0

    folder = rm.get_folder(rm_models.GetFolderRequest(folder_id=PROD_FOLDER)).body.folder
    assert (folder.folder_name, folder.parent_folder_id, folder.resource_directory_path) == (
        "prod", ROOT_FOLDER, f"rd-acme01/{ROOT_FOLDER}/{PROD_FOLDER}")
    root = rm.get_folder(rm_models.GetFolderRequest(folder_id=ROOT_FOLDER)).body.folder
    assert (root.folder_name, root.parent_folder_id) == ("Root", None)

    def members(parent: str, **kw: Any) -> list[str]:
        body = rm.list_accounts_for_parent(rm_models.ListAccountsForParentRequest(parent_folder_id=parent, **kw))
        return [a.account_id for a in body.body.accounts.account]

    assert members(PROD_FOLDER) == [PROD, NOROLE]
    assert members(DEV_FOLDER) == [DEV, SUSPENDED, PARTNER]
    assert members(DEV_FOLDER, page_size=2, page_number=2) == [PARTNER]
    assert members(DEV_FOLDER, query_keyword="partner") == [PARTNER]
    assert members(ROOT_FOLDER) == [MGMT]

    ancestors = rm.list_ancestors(rm_models.ListAncestorsRequest(child_id=PARTNER)).body.folders.folder
    assert [f.folder_id for f in ancestors] == [ROOT_FOLDER, DEV_FOLDER]
    ancestors = rm.list_ancestors(rm_models.ListAncestorsRequest(child_id=DEV_FOLDER)).body.folders.folder
    assert [f.folder_name for f in ancestors] == ["Root"]

    for call in (lambda: rm.get_folder(rm_models.GetFolderRequest(folder_id="fd-missing")),
                 lambda: rm.list_accounts_for_parent(rm_models.ListAccountsForParentRequest(parent_folder_id="fd-x")),
                 lambda: rm.list_folders_for_parent(rm_models.ListFoldersForParentRequest(parent_folder_id="fd-x"))):
        err = _error(call)
        assert (err.code, err.statusCode) == ("EntityNotExists.Folder", 404)
    err = _error(rm.list_accounts_for_parent, rm_models.ListAccountsForParentRequest())
    assert err.code == "MissingParameter.ParentFolderId"


def test_real_host_name_through_the_forward_proxy(org):
    rm = _rm(org, endpoint=None, http_proxy=org.url)  # resourcemanager.aliyuncs.com, like ram/sts/ims
    assert rm.get_resource_directory().body.resource_directory.master_account_id == MGMT
    assert rm.list_accounts(rm_models.ListAccountsRequest()).body.total_count == 6


def test_only_the_management_account_lists_the_directory(org):
    member = _rm(org, _assume(org, PROD))
    err = _error(member.list_accounts, rm_models.ListAccountsRequest())
    assert (err.code, err.statusCode) == ("MemberAccountOperationNotAllowed", 403)
    err = _error(member.list_folders_for_parent, rm_models.ListFoldersForParentRequest())
    assert err.code == "MemberAccountOperationNotAllowed"
    # a member may see which directory it belongs to, as in the cloud
    assert member.get_resource_directory().body.resource_directory.master_account_id == MGMT
    # the root of the management account passes without RAM policies
    assert _rm(org, ROOT).list_accounts(rm_models.ListAccountsRequest()).body.total_count == 6


def test_accounts_outside_any_directory_are_told_so(cloud):
    data = _org()
    data["accounts"].append({"id": "1999999999999999", "alias": "outsider",
                             "root": {"access_keys": [{"id": "LTAIoutsider00000001", "secret": "outsider-secret"}]}})
    load(cloud, data)
    outsider = _rm(cloud, ("LTAIoutsider00000001", "outsider-secret"))
    # each API's documented code (OpenMeta resourcemanager 2020-03-31 errorCodes)
    assert (_error(outsider.get_resource_directory).code, _error(outsider.get_resource_directory).statusCode) == (
        "ResourceDirectoryNotInUse", 404)
    err = _error(lambda: outsider.list_accounts(rm_models.ListAccountsRequest()))
    assert (err.code, err.statusCode) == ("EntityNotExists.ResourceDirectory", 404)
    load(cloud, base_scenario())  # no resource_directory at all
    err = _error(RmClient(pop_config(cloud)).list_accounts, rm_models.ListAccountsRequest())
    assert err.code == "EntityNotExists.ResourceDirectory"


def test_ram_policies_decide_like_for_every_product(cloud):
    data = _org()
    mgmt = _account(data, MGMT)
    mgmt["ram"]["users"] += [
        {"name": "no-rd", "groups": ["auditors"], "policies": [{"name": "DenyDirectory", "type": "Custom"}],
         "access_keys": [{"id": "LTAIorgnord000000001", "secret": "org-nord-secret"}]},
        {"name": "nothing", "access_keys": [{"id": "LTAIorgnothing000001", "secret": "org-nothing-secret"}]}]
    mgmt["ram"]["policies"].append({"name": "DenyDirectory", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": "resourcemanager:ListAccounts", "Resource": "*"}]}})
    load(cloud, data)
    # ReadOnlyAccess grants resourcemanager:List*/Get*
    assert _rm(cloud, AUDITOR).list_accounts(rm_models.ListAccountsRequest()).body.total_count == 6
    denied = _rm(cloud, ("LTAIorgnord000000001", "org-nord-secret"))
    err = _error(denied.list_accounts, rm_models.ListAccountsRequest())
    assert (err.code, err.statusCode) == ("NoPermission", 403)
    assert err.data["AccessDeniedDetail"]["NoPermissionType"] == "ExplicitDeny"
    assert err.data["AccessDeniedDetail"]["AuthAction"] == "resourcemanager:ListAccounts"
    assert denied.list_folders_for_parent(rm_models.ListFoldersForParentRequest()).body.total_count == 2  # only one API
    err = _error(_rm(cloud, ("LTAIorgnothing000001", "org-nothing-secret")).get_resource_directory)
    assert err.code == "NoPermission" and err.data["AccessDeniedDetail"]["NoPermissionType"] == "ImplicitDeny"


# --- cross-account access to the members ----------------------------------------------------------

def test_assume_into_a_healthy_member_reads_that_member(org):
    for account_id, users, groups in ((PROD, ["prod-alice", "prod-legacy"], ["sg-prod0000000000001"]),
                                      (DEV, ["dev-bob", "dev-carol"], ["sg-dev00000000000001",
                                                                      "sg-dev00000000000002"])):
        creds = _assume(org, account_id)
        assert StsClient(pop_config(org, *creds)).get_caller_identity().body.arn == (
            f"acs:ram::{account_id}:assumed-role/{ROLE.lower()}/aliaudit")
        ram = RamClient(pop_config(org, *creds))
        assert [u.user_name for u in ram.list_users(ram_models.ListUsersRequest()).body.users.user] == users
        ecs = EcsClient(pop_config(org, *creds))
        found = ecs.describe_security_groups(ecs_models.DescribeSecurityGroupsRequest(region_id="cn-hangzhou"))
        assert [g.security_group_id for g in found.body.security_groups.security_group] == groups
    # not the management account's root: "Roles may not be assumed by root accounts" (STS common errors), although
    # the trust policy names acs:ram::<management>:root (which stands for the account's RAM identities)
    err = _error(lambda: _assume(org, PROD, creds=ROOT))
    assert (err.code, err.statusCode) == ("NoPermission", 403) and "root accounts" in err.message


def test_a_scan_of_a_member_finds_pass_and_fail(org):
    from aliaudit.clients import ClientFactory
    from aliaudit.credentials.providers import StaticProvider
    from aliaudit.scan import ScanRequest, run_scan
    from aliaudit.settings import EndpointSettings

    settings = EndpointSettings(protocol="http", proxy=org.url, max_attempts=2, backoff_ms=10)
    factory = ClientFactory(StaticProvider(*_assume(org, PROD)), settings)
    findings = run_scan(factory, ScanRequest(account_id=PROD, regions=["cn-hangzhou", "cn-shanghai"],
                                             families=["ram", "oss", "ecs"]))
    assert {"PASS", "FAIL"} <= {f.status.value for f in findings}
    failing = {f.resource_id for f in findings if f.status.value == "FAIL"}
    assert any("prod-legacy" in r for r in failing) and any("acme-prod-public" in r for r in failing)


def test_suspended_account_refuses_assume_role_and_its_own_credentials(cloud):
    data = _org()
    _account(data, SUSPENDED)["ram"]["users"][0]["access_keys"] = [
        {"id": "LTAIorgsuspended0001", "secret": "org-suspended-secret"}]
    _account(data, SUSPENDED)["root"] = {"access_keys": [{"id": "LTAIorgsuspendroot01", "secret": "org-susp-root"}]}
    load(cloud, data)
    err = _error(_assume, cloud, SUSPENDED)
    assert (err.code, err.statusCode) == ("Forbidden.AccountSuspended", 403)
    assert "suspended" in err.message
    for creds in (("LTAIorgsuspended0001", "org-suspended-secret"), ("LTAIorgsuspendroot01", "org-susp-root")):
        err = _error(StsClient(pop_config(cloud, *creds)).get_caller_identity)
        assert (err.code, err.statusCode) == ("Forbidden.AccountSuspended", 403)
    with pytest.raises(oss_errors.ServerError) as oss_err:
        oss2.Bucket(oss2.Auth("LTAIorgsuspendroot01", "org-susp-root"), f"http://{cloud.endpoint}",
                    "acme-suspended-archive").get_bucket_acl()
    assert (oss_err.value.status, oss_err.value.code) == (403, "UserDisable")
    # a session issued before the account was suspended stops working too
    creds = _assume(cloud, DEV)
    cloud.emulator.world.account(DEV).suspended = True
    err = _error(RamClient(pop_config(cloud, *creds)).list_users, ram_models.ListUsersRequest())
    assert (err.code, err.statusCode) == ("Forbidden.AccountSuspended", 403)
    # the directory still lists it: suspension is not a member status
    member = _rm(cloud).get_account(rm_models.GetAccountRequest(account_id=SUSPENDED)).body.account
    assert member.status == "CreateSuccess"


def test_external_id_must_match_the_trust_policy(org):
    for account_id, external_id in ((PARTNER, EXTERNAL_ID), (PARTNER, None), (PROD, "wrong"), (PROD, None)):
        err = _error(_assume, org, account_id, external_id)
        # the documented refusal, whatever the cause (OpenMeta sts AssumeRole errorCodes: 403 NoPermission)
        assert (err.code, err.statusCode) == ("NoPermission", 403)
        assert "You should be authorized by RAM" in err.message
    assert _assume(org, PARTNER, "something-else")[0].startswith("STS.")


def test_missing_role_or_account(org):
    for account_id in (NOROLE, "1999999999999999"):
        err = _error(_assume, org, account_id)
        assert (err.code, err.statusCode) == ("EntityNotExist.Role", 404)
        assert f"acs:ram::{account_id}:role/{ROLE}" in err.message


# --- generated organisations ----------------------------------------------------------------------

def test_generated_organisation_loads_and_answers(cloud, tmp_path):
    scenario = generate_org(3, 0.01, seed=7)
    members = [str(MEMBER_BASE + 1), str(MEMBER_BASE + 2)]
    assert [a.id for a in scenario.accounts] == [BENCH_ACCOUNT, *members]
    buckets = [b.name for a in scenario.accounts for b in a.oss.buckets]
    assert len(buckets) == len(set(buckets))  # a global namespace
    cloud.emulator.load(scenario)
    rm = RmClient(pop_config(cloud, BENCH_ROOT_AK, BENCH_ROOT_SECRET))
    listed = rm.list_accounts(rm_models.ListAccountsRequest()).body
    assert [a.account_id for a in listed.accounts.account] == [BENCH_ACCOUNT, *members]
    assert {a.folder_id for a in listed.accounts.account[1:]} == {"fd-benchprod1", "fd-benchdev01"}
    creds = _assume(cloud, members[1], AUDIT_EXTERNAL_ID, creds=(ORG_AUDITOR_AK, ORG_AUDITOR_SECRET), role=AUDIT_ROLE)
    users = RamClient(pop_config(cloud, *creds)).list_users(ram_models.ListUsersRequest()).body.users.user
    assert len(users) == len(scenario.accounts[2].ram.users) and users
    # the CLI writes the same organisation as JSON
    out = tmp_path / "org.json"
    assert generate_main(["--accounts", "3", "--scale", "0.01", "--seed", "7", "--out", str(out)]) == 0
    loaded = Scenario.from_file(out)
    assert [a.id for a in loaded.accounts] == [BENCH_ACCOUNT, *members]
    assert json.loads(out.read_text())["resource_directory"]["id"] == "rd-bench01"
