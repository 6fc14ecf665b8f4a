"""RAM through the unmodified alibabacloud-ram20150501 client: reads, paging, writes, auth errors."""

from __future__ import annotations

import pytest
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from Tea.exceptions import TeaException

from tests.sdk import ADMIN_AK, READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config


@pytest.fixture()
def ram(cloud):
    load(cloud, base_scenario())
    return RamClient(pop_config(cloud))


def _all_users(client: RamClient, page: int) -> list[str]:
    names, marker = [], None
    while True:
        body = client.list_users(ram_models.ListUsersRequest(max_items=page, marker=marker)).body
        names += [u.user_name for u in body.users.user]
        if not body.is_truncated:
            return names
        marker = body.marker


def test_list_users_pages_every_user_with_acs3_and_rpc_v1(cloud):
    data = base_scenario()
    data["accounts"][0]["ram"]["users"] += [{"name": f"u{i:03d}"} for i in range(25)]
    load(cloud, data)
    expected = ["admin", "reader", "nokeys"] + [f"u{i:03d}" for i in range(25)]
    assert _all_users(RamClient(pop_config(cloud)), 4) == expected
    assert _all_users(RamClient(pop_config(cloud, signature_algorithm="v2")), 7) == expected


def test_get_user_and_not_found_error(ram):
    assert ram.get_user(ram_models.GetUserRequest(user_name="reader")).body.user.user_name == "reader"
    with pytest.raises(TeaException) as err:
        ram.get_user(ram_models.GetUserRequest(user_name="ghost"))
    assert err.value.code == "EntityNotExist.User"
    assert err.value.statusCode == 404


@pytest.mark.parametrize(("ak", "secret", "code", "status"), [
    (ADMIN_AK, "wrong-secret", "SignatureDoesNotMatch", 400),
    ("LTAInosuchkey000000", "x", "InvalidAccessKeyId.NotFound", 404),
])
def test_bad_credentials_get_the_cloud_error(cloud, ak, secret, code, status):
    load(cloud, base_scenario())
    for algo in (None, "v2"):
        with pytest.raises(TeaException) as err:
            RamClient(pop_config(cloud, ak, secret, signature_algorithm=algo)).list_users(
                ram_models.ListUsersRequest())
        assert (err.value.code, err.value.statusCode) == (code, status)


def test_disabled_key_is_refused(cloud):
    data = base_scenario()
    data["accounts"][0]["ram"]["users"][1]["access_keys"][0]["status"] = "Inactive"
    load(cloud, data)
    with pytest.raises(TeaException) as err:
        RamClient(pop_config(cloud, READER_AK, READER_SECRET)).list_users(ram_models.ListUsersRequest())
    assert err.value.code == "InvalidAccessKeyId.Inactive"


def test_read_only_user_can_read_but_not_write(cloud):
    load(cloud, base_scenario())
    reader = RamClient(pop_config(cloud, READER_AK, READER_SECRET))
    assert len(reader.list_users(ram_models.ListUsersRequest()).body.users.user) == 3
    with pytest.raises(TeaException) as err:
        reader.create_user(ram_models.CreateUserRequest(user_name="mallory"))
    assert (err.value.code, err.value.statusCode) == ("NoPermission", 403)
    assert "ram:CreateUser" in err.value.message


def test_explicit_deny_beats_allow(cloud):
    data = base_scenario()
    data["accounts"][0]["ram"]["policies"] = [{"name": "DenyListUsers", "document": {
        "Version": "1", "Statement": [{"Effect": "Deny", "Action": "ram:ListUsers", "Resource": "*"}]}}]
    data["accounts"][0]["ram"]["users"][0]["policies"].append({"name": "DenyListUsers", "type": "Custom"})
    load(cloud, data)
    admin_client = RamClient(pop_config(cloud))
    with pytest.raises(TeaException) as err:
        admin_client.list_users(ram_models.ListUsersRequest())
    assert err.value.code == "NoPermission"
    assert admin_client.list_groups(ram_models.ListGroupsRequest()).body.groups.group[0].group_name == "readers"


def test_authorization_off_lets_everyone_through(cloud):
    data = base_scenario()
    data["authorization"] = False
    load(cloud, data)
    reader = RamClient(pop_config(cloud, READER_AK, READER_SECRET))
    reader.create_user(ram_models.CreateUserRequest(user_name="newbie"))


def test_writes_change_state_and_are_recorded_as_actiontrail_events(cloud, admin):
    load(cloud, base_scenario())
    root = RamClient(pop_config(cloud, ROOT_AK, ROOT_SECRET))
    root.create_user(ram_models.CreateUserRequest(user_name="carol", display_name="Carol"))
    key = root.create_access_key(ram_models.CreateAccessKeyRequest(user_name="carol")).body.access_key
    assert key.access_key_id.startswith("LTAI")
    root.update_access_key(ram_models.UpdateAccessKeyRequest(user_name="carol", user_access_key_id=key.access_key_id,
                                                             status="Inactive"))
    root.create_login_profile(ram_models.CreateLoginProfileRequest(user_name="carol", password="S3cret!pass"))
    root.attach_policy_to_user(ram_models.AttachPolicyToUserRequest(user_name="carol", policy_name="ReadOnlyAccess",
                                                                    policy_type="System"))
    root.set_password_policy(ram_models.SetPasswordPolicyRequest(minimum_password_length=14, max_login_attemps=5))
    keys = root.list_access_keys(ram_models.ListAccessKeysRequest(user_name="carol")).body.access_keys.access_key
    assert [(k.access_key_id, k.status) for k in keys] == [(key.access_key_id, "Inactive")]
    pp = root.get_password_policy().body.password_policy
    assert (pp.minimum_password_length, pp.max_login_attemps) == (14, 5)
    events = admin.events()
    assert [e["eventName"] for e in events] == ["CreateUser", "CreateAccessKey", "UpdateAccessKey",
                                                "CreateLoginProfile", "AttachPolicyToUser", "SetPasswordPolicy"]
    first = events[0]
    assert first["serviceName"] == "Ram" and first["eventRW"] == "Write"
    assert first["userIdentity"]["type"] == "root-account"
    assert first["userIdentity"]["accessKeyId"] == ROOT_AK
    assert first["referencedResources"] == {"ACS::RAM::User": ["carol"]}
    assert "S3cret!pass" not in str(events)


def test_access_key_last_used_is_tracked(cloud):
    load(cloud, base_scenario())
    RamClient(pop_config(cloud, READER_AK, READER_SECRET)).list_users(ram_models.ListUsersRequest())
    last = RamClient(pop_config(cloud)).get_access_key_last_used(
        ram_models.GetAccessKeyLastUsedRequest(user_name="reader", user_access_key_id=READER_AK))
    assert last.body.access_key_last_used.last_used_date.endswith("Z")
    assert ADMIN_AK  # admin key used above as well


def test_tampered_requests_fail_signature_checks(cloud):
    from tests.tamper import TamperingProxy

    load(cloud, base_scenario())

    def bump_max_items(target, headers, body):
        return target.replace("MaxItems=5", "MaxItems=6"), headers, body

    proxy = TamperingProxy(cloud.url, bump_max_items)
    try:
        for algo in (None, "v2"):
            client = RamClient(pop_config(cloud, endpoint=None, http_proxy=proxy.url, signature_algorithm=algo))
            with pytest.raises(TeaException) as err:
                client.list_users(ram_models.ListUsersRequest(max_items=5))
            assert (err.value.code, err.value.statusCode) == ("SignatureDoesNotMatch", 400)
    finally:
        proxy.close()


def test_replayed_nonce_is_refused(cloud):
    from tests.tamper import TamperingProxy

    load(cloud, base_scenario())
    seen: list[tuple[str, dict, bytes]] = []

    def replay_first(target, headers, body):
        if not seen:
            seen.append((target, headers, body))
        return seen[0]

    proxy = TamperingProxy(cloud.url, replay_first)
    try:
        client = RamClient(pop_config(cloud, endpoint=None, http_proxy=proxy.url))
        client.list_users(ram_models.ListUsersRequest())
        with pytest.raises(TeaException) as err:
            client.list_users(ram_models.ListUsersRequest())
        assert err.value.code == "SignatureNonceUsed"
    finally:
        proxy.close()
