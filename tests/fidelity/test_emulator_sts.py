"""STS, instance metadata and the credentials URI through the unmodified SDKs and alibabacloud-credentials."""

from __future__ import annotations

import base64
import json
import time

import pytest
from alibabacloud_credentials.client import Client as CredClient
from alibabacloud_credentials.models import Config as CredConfig
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.models import Config
from Tea.exceptions import TeaException

from tests.sdk import ACCOUNT, ADMIN_AK, ADMIN_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

ROLE_ARN = f"acs:ram::{ACCOUNT}:role/auditor"


def _assume(cloud, **kw):
    sts = StsClient(pop_config(cloud, ADMIN_AK, ADMIN_SECRET))
    req = sts_models.AssumeRoleRequest(role_arn=ROLE_ARN, role_session_name="s1", duration_seconds=3600, **kw)
    return sts.assume_role(req).body


def test_get_caller_identity_for_root_user_and_role(cloud):
    load(cloud, base_scenario())
    root = StsClient(pop_config(cloud, ROOT_AK, ROOT_SECRET)).get_caller_identity().body
    assert (root.account_id, root.identity_type, root.arn) == (ACCOUNT, "Account", f"acs:ram::{ACCOUNT}:root")
    user = StsClient(pop_config(cloud)).get_caller_identity().body
    assert (user.identity_type, user.arn) == ("RAMUser", f"acs:ram::{ACCOUNT}:user/admin")
    creds = _assume(cloud).credentials
    role = StsClient(pop_config(cloud, creds.access_key_id, creds.access_key_secret, creds.security_token))
    body = role.get_caller_identity().body
    assert body.identity_type == "AssumedRoleUser"
    assert body.arn == f"acs:ram::{ACCOUNT}:assumed-role/auditor/s1"


def test_role_credentials_carry_the_role_policies(cloud):
    load(cloud, base_scenario())
    c = _assume(cloud).credentials
    ram = RamClient(pop_config(cloud, c.access_key_id, c.access_key_secret, c.security_token))
    assert ram.list_users(ram_models.ListUsersRequest()).body.users.user  # ReadOnlyAccess
    with pytest.raises(TeaException) as err:
        ram.create_user(ram_models.CreateUserRequest(user_name="x"))
    assert err.value.code == "NoPermission"


def test_session_policy_narrows_the_role(cloud):
    load(cloud, base_scenario())
    narrow = json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ram:GetUser",
                                                        "Resource": "*"}]})
    c = _assume(cloud, policy=narrow).credentials
    ram = RamClient(pop_config(cloud, c.access_key_id, c.access_key_secret, c.security_token))
    ram.get_user(ram_models.GetUserRequest(user_name="admin"))
    with pytest.raises(TeaException) as err:
        ram.list_users(ram_models.ListUsersRequest())
    assert err.value.code == "NoPermission"


def test_sts_token_missing_wrong_and_expired(cloud, admin):
    load(cloud, base_scenario())
    c = _assume(cloud).credentials
    cases = [(None, "InvalidSecurityToken.MismatchWithAccessKey"), ("CAISwrong", "InvalidSecurityToken.Malformed")]
    for token, code in cases:
        with pytest.raises(TeaException) as err:
            StsClient(pop_config(cloud, c.access_key_id, c.access_key_secret, token)).get_caller_identity()
        assert err.value.code == code
    admin.advance(3601)
    with pytest.raises(TeaException) as err:
        StsClient(pop_config(cloud, c.access_key_id, c.access_key_secret, c.security_token)).get_caller_identity()
    assert (err.value.code, err.value.statusCode) == ("InvalidSecurityToken.Expired", 400)


def test_trust_policy_and_external_id(cloud):
    data = base_scenario()
    data["accounts"][0]["ram"]["roles"].append({"name": "partner", "trust_policy": {"Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": [f"acs:ram::{ACCOUNT}:root"]},
        "Condition": {"StringEquals": {"sts:ExternalId": "abc-123"}}}]}})
    load(cloud, data)
    sts = StsClient(pop_config(cloud, ADMIN_AK, ADMIN_SECRET))
    arn = f"acs:ram::{ACCOUNT}:role/partner"
    with pytest.raises(TeaException) as err:
        sts.assume_role(sts_models.AssumeRoleRequest(role_arn=arn, role_session_name="ss", external_id="nope"))
    assert err.value.code == "NoPermission"
    ok = sts.assume_role(sts_models.AssumeRoleRequest(role_arn=arn, role_session_name="ss", external_id="abc-123"))
    assert ok.body.assumed_role_user.arn.endswith("assumed-role/partner/ss")
    with pytest.raises(TeaException) as err:
        sts.assume_role(sts_models.AssumeRoleRequest(role_arn=f"acs:ram::{ACCOUNT}:role/ghost", role_session_name="ss"))
    assert (err.value.code, err.value.statusCode) == ("EntityNotExist.Role", 404)
    with pytest.raises(TeaException) as err:
        sts.assume_role(sts_models.AssumeRoleRequest(role_arn=ROLE_ARN, role_session_name="ss", duration_seconds=7200))
    assert err.value.code == "InvalidParameter.DurationSeconds"


def test_short_sts_lifetimes_fault(cloud, admin):
    load(cloud, base_scenario())
    admin.faults(sts_max_lifetime_seconds=60)
    c = _assume(cloud).credentials
    assert c.expiration  # the SDK parsed it
    admin.advance(61)
    with pytest.raises(TeaException) as err:
        StsClient(pop_config(cloud, c.access_key_id, c.access_key_secret, c.security_token)).get_caller_identity()
    assert err.value.code == "InvalidSecurityToken.Expired"


def test_credentials_library_ram_role_arn_uses_get_rpc_v1(cloud):
    load(cloud, base_scenario())
    cred = CredClient(CredConfig(type="ram_role_arn", access_key_id=ADMIN_AK, access_key_secret=ADMIN_SECRET,
                                 role_arn=ROLE_ARN, role_session_name="lib", role_session_expiration=3600,
                                 sts_endpoint=cloud.url))
    sts = StsClient(Config(credential=cred, endpoint=cloud.endpoint, protocol="http"))
    assert sts.get_caller_identity().body.arn.endswith("assumed-role/auditor/lib")


def _jwt(claims: dict) -> str:
    def enc(d: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")

    return f"{enc({'alg': 'RS256'})}.{enc(claims)}.sig"


def test_assume_role_with_oidc(cloud, tmp_path):
    data = base_scenario()
    issuer = "https://oidc.example/ack"
    data["accounts"][0]["ram"]["oidc_providers"] = [{"name": "ack", "issuer_url": issuer}]
    data["accounts"][0]["ram"]["roles"].append({"name": "pod", "trust_policy": {"Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"Federated": [f"acs:ram::{ACCOUNT}:oidc-provider/ack"]}}]}})
    load(cloud, data)
    token = tmp_path / "token"
    token.write_text(_jwt({"iss": issuer, "aud": "sts.aliyuncs.com", "exp": time.time() + 3600}))
    cred = CredClient(CredConfig(type="oidc_role_arn", role_arn=f"acs:ram::{ACCOUNT}:role/pod",
                                 oidc_provider_arn=f"acs:ram::{ACCOUNT}:oidc-provider/ack",
                                 oidc_token_file_path=str(token), role_session_name="pod1", sts_endpoint=cloud.url))
    sts = StsClient(Config(credential=cred, endpoint=cloud.endpoint, protocol="http"))
    assert sts.get_caller_identity().body.arn.endswith("assumed-role/pod/pod1")
    expired = _jwt({"iss": issuer, "aud": "sts.aliyuncs.com", "exp": time.time() - 10})
    with pytest.raises(TeaException) as err:
        StsClient(Config(endpoint=cloud.endpoint, protocol="http")).assume_role_with_oidc(
            sts_models.AssumeRoleWithOIDCRequest(role_arn=f"acs:ram::{ACCOUNT}:role/pod", role_session_name="xx",
                                                 oidcprovider_arn=f"acs:ram::{ACCOUNT}:oidc-provider/ack",
                                                 oidctoken=expired))
    assert err.value.code == "AuthenticationFail.OIDCToken.Expired"


def _metadata_scenario(http_tokens: str = "optional") -> dict:
    data = base_scenario()
    data["accounts"][0]["metadata"] = {"instance_id": "i-abc", "role_name": "auditor", "http_tokens": http_tokens}
    return data


def test_ecs_ram_role_via_metadata_imdsv2_and_v1(cloud):
    load(cloud, _metadata_scenario())
    for disable_v1 in (False, True):
        cred = CredClient(CredConfig(type="ecs_ram_role", proxy=cloud.url, disable_imds_v1=disable_v1))
        sts = StsClient(Config(credential=cred, endpoint=cloud.endpoint, protocol="http"))
        assert sts.get_caller_identity().body.arn == f"acs:ram::{ACCOUNT}:assumed-role/auditor/i-abc"


def test_metadata_hardening_mode_refuses_imdsv1(cloud):
    import urllib.error
    import urllib.request

    load(cloud, _metadata_scenario("required"))
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": cloud.url}))
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open("http://100.100.100.200/latest/meta-data/ram/security-credentials/", timeout=5)
    assert err.value.code == 403
    put = urllib.request.Request("http://100.100.100.200/latest/api/token", method="PUT",
                                 headers={"X-aliyun-ecs-metadata-token-ttl-seconds": "60"})
    token = opener.open(put, timeout=5).read().decode()
    get = urllib.request.Request("http://100.100.100.200/latest/meta-data/ram/security-credentials/",
                                 headers={"X-aliyun-ecs-metadata-token": token})
    assert opener.open(get, timeout=5).read().decode() == "auditor"


def test_credentials_uri(cloud):
    load(cloud, base_scenario())
    cred = CredClient(CredConfig(type="credentials_uri", credentials_uri=f"{cloud.url}/credentials-uri/auditor"))
    sts = StsClient(Config(credential=cred, endpoint=cloud.endpoint, protocol="http"))
    assert sts.get_caller_identity().body.arn.endswith("assumed-role/auditor/credentials-uri")


def test_forward_proxy_mode_with_real_hostnames(cloud):
    load(cloud, base_scenario())
    cfg = Config(access_key_id=ADMIN_AK, access_key_secret="admin-secret-000000000000000", region_id="cn-shanghai",
                 protocol="http", http_proxy=cloud.url)
    assert StsClient(cfg).get_caller_identity().body.account_id == ACCOUNT
    assert RamClient(cfg).get_user(ram_models.GetUserRequest(user_name="reader")).body.user.user_name == "reader"


def test_the_accounts_own_key_cannot_assume_a_role(cloud):
    """AssumeRole: "You cannot use an Alibaba Cloud account to call this operation. The requester of this operation
    can only be a RAM user or RAM role"; "ErrorCode: NoPermission ErrorMessage: Roles may not be assumed by root
    accounts." (STS common errors, doc-detail/42775)."""
    load(cloud, base_scenario())
    with pytest.raises(TeaException) as err:
        StsClient(pop_config(cloud, ROOT_AK, ROOT_SECRET)).assume_role(sts_models.AssumeRoleRequest(
            role_arn=ROLE_ARN, role_session_name="s1"))
    assert err.value.code == "NoPermission" and "Roles may not be assumed by root accounts." in err.value.message
