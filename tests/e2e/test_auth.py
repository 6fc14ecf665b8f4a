"""Authentication end to end: `aliaudit whoami` as a subprocess against the emulator, one test per
method and profile mode, priority, refresh, every error with its message, and no secret in output."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient

from tests.sdk import ACCOUNT, ADMIN_AK, ADMIN_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

SCRIPT = str(Path(sys.executable).parent / "aliaudit")
AUDITOR = f"acs:ram::{ACCOUNT}:role/auditor"
ISSUER = "https://oidc.example/ack"


def scenario() -> dict:
    data = base_scenario()
    ram = data["accounts"][0]["ram"]
    trust_all = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                "Principal": {"RAM": [f"acs:ram::{ACCOUNT}:root"]}}]}
    ram["roles"] += [{"name": "hop1", "trust_policy": trust_all, "policies": [{"name": "AliyunSTSAssumeRoleAccess"}]},
                     {"name": "hop2", "trust_policy": trust_all, "policies": [{"name": "AliyunSTSAssumeRoleAccess"}]},
                     {"name": "partner", "policies": [{"name": "ReadOnlyAccess"}], "trust_policy": {"Statement": [{
                         "Effect": "Allow", "Action": "sts:AssumeRole",
                         "Principal": {"RAM": [f"acs:ram::{ACCOUNT}:root"]},
                         "Condition": {"StringEquals": {"sts:ExternalId": "ext-42"}}}]}},
                     {"name": "pod", "policies": [{"name": "ReadOnlyAccess"}], "trust_policy": {"Statement": [{
                         "Effect": "Allow", "Action": "sts:AssumeRole",
                         "Principal": {"Federated": [f"acs:ram::{ACCOUNT}:oidc-provider/ack"]}}]}}]
    ram["oidc_providers"] = [{"name": "ack", "issuer_url": ISSUER}]
    data["accounts"][0]["metadata"] = {"instance_id": "i-web1", "role_name": "auditor"}
    return data


@pytest.fixture()
def run(cloud, tmp_path):
    load(cloud, scenario())
    home = tmp_path / "home"
    home.mkdir()

    def run_cli(*args: str, env: dict | None = None, proxy: bool = True) -> subprocess.CompletedProcess:
        full = {"PATH": os.environ["PATH"], "HOME": str(home)}
        if proxy:  # (the metadata service is asked directly, never through the proxy)
            full.update(ALIAUDIT_ENDPOINT_PROXY=cloud.url, ALIAUDIT_ENDPOINT_PROTOCOL="http",
                        ALIAUDIT_METADATA_ENDPOINT=cloud.url)
        full.update(env or {})
        return subprocess.run([SCRIPT, "whoami", "--format", "json", *args], capture_output=True, text=True,
                              env=full, timeout=60)

    run_cli.home = home  # type: ignore[attr-defined]
    return run_cli


def ok(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def fails(result: subprocess.CompletedProcess, exit_code: int, *fragments: str) -> str:
    assert result.returncode == exit_code, (result.stdout, result.stderr)
    line = result.stderr.strip()
    assert line.count("\n") == 0 and line.startswith("aliaudit: error: "), line
    for fragment in fragments:
        assert fragment in line, line
    return line


AK_ENV = {"ALIBABA_CLOUD_ACCESS_KEY_ID": ADMIN_AK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": ADMIN_SECRET}


def write_config(home: Path, profiles: list[dict], current: str) -> None:
    (home / ".aliyun").mkdir(exist_ok=True)
    (home / ".aliyun" / "config.json").write_text(json.dumps({"current": current, "profiles": profiles}))


def jwt(claims: dict) -> str:
    def enc(d: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")

    return f"{enc({'alg': 'RS256'})}.{enc(claims)}.sig"


# --- methods --------------------------------------------------------------------------------------

def test_permanent_access_key(run):
    out = ok(run(env=AK_ENV))
    assert out["arn"] == f"acs:ram::{ACCOUNT}:user/admin" and out["identity_type"] == "RAMUser"
    assert out["method"] == "permanent AccessKey" and out["access_key_id"] == "LTAI****"
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in out["origin"]


def test_sts_token(run, cloud):
    creds = StsClient(pop_config(cloud, ADMIN_AK, ADMIN_SECRET)).assume_role(sts_models.AssumeRoleRequest(
        role_arn=AUDITOR, role_session_name="handmade")).body.credentials
    out = ok(run(env={"ALIBABA_CLOUD_ACCESS_KEY_ID": creds.access_key_id,
                      "ALIBABA_CLOUD_ACCESS_KEY_SECRET": creds.access_key_secret,
                      "ALIBABA_CLOUD_SECURITY_TOKEN": creds.security_token}))
    assert out["method"] == "STS token" and out["arn"].endswith("assumed-role/auditor/handmade")


def test_ram_role_assumption_with_session_name_and_default(run):
    out = ok(run("--role-arn", AUDITOR, "--role-session-name", "nightly-audit", env=AK_ENV))
    assert out["arn"] == f"acs:ram::{ACCOUNT}:assumed-role/auditor/nightly-audit"
    assert out["method"] == "RAM role assumption" and "source: permanent AccessKey" in out["origin"]
    default = ok(run(env={**AK_ENV, "ALIBABA_CLOUD_ROLE_ARN": AUDITOR}))
    assert "/auditor/aliaudit-" in default["arn"]


def test_role_assumption_from_an_sts_source_keeps_its_token(run, cloud):
    creds = StsClient(pop_config(cloud, ADMIN_AK, ADMIN_SECRET)).assume_role(sts_models.AssumeRoleRequest(
        role_arn=f"acs:ram::{ACCOUNT}:role/hop1", role_session_name="first")).body.credentials
    out = ok(run("--role-arn", AUDITOR, "--role-session-name", "second", env={
        "ALIBABA_CLOUD_ACCESS_KEY_ID": creds.access_key_id, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": creds.access_key_secret,
        "ALIBABA_CLOUD_SECURITY_TOKEN": creds.security_token}))
    assert out["arn"].endswith("assumed-role/auditor/second")


def test_credentials_uri_flag_and_env(run, cloud):
    uri = f"{cloud.url}/credentials-uri/auditor"
    assert ok(run("--credentials-uri", uri))["method"] == "credentials URI"
    out = ok(run(env={"ALIBABA_CLOUD_CREDENTIALS_URI": uri}))
    assert out["origin"] == "env ALIBABA_CLOUD_CREDENTIALS_URI" and out["arn"].endswith("auditor/credentials-uri")


def test_oidc_from_the_standard_rrsa_environment_alone(run, tmp_path):
    token = tmp_path / "token"
    token.write_text(jwt({"iss": ISSUER, "aud": "sts.aliyuncs.com", "exp": time.time() + 3600}))
    out = ok(run("--role-session-name", "pod-a", env={
        "ALIBABA_CLOUD_ROLE_ARN": f"acs:ram::{ACCOUNT}:role/pod",
        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": f"acs:ram::{ACCOUNT}:oidc-provider/ack",
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(token)}))
    assert out["method"] == "OIDC role (ACK RRSA)" and out["arn"].endswith("assumed-role/pod/pod-a")


def test_ecs_ram_role_named_and_discovered(run):
    assert ok(run("--ecs-ram-role", "auditor"))["arn"].endswith("assumed-role/auditor/i-web1")
    out = ok(run("--ecs-ram-role"))
    assert out["method"] == "ECS RAM role" and "metadata service" in out["origin"]
    assert ok(run(env={"ALIBABA_CLOUD_ECS_METADATA": "auditor",
                       "ALIBABA_CLOUD_IMDSV1_DISABLED": "true"}))["method"] == "ECS RAM role"


# --- profiles -------------------------------------------------------------------------------------

def test_cli_profiles_every_mode(run, cloud, tmp_path):
    token = tmp_path / "token"
    token.write_text(jwt({"iss": ISSUER, "aud": "sts.aliyuncs.com", "exp": time.time() + 3600}))
    sts = StsClient(pop_config(cloud, ADMIN_AK, ADMIN_SECRET)).assume_role(sts_models.AssumeRoleRequest(
        role_arn=AUDITOR, role_session_name="viasts")).body.credentials
    profiles = [
        {"name": "ak", "mode": "AK", "access_key_id": ADMIN_AK, "access_key_secret": ADMIN_SECRET},
        {"name": "sts", "mode": "StsToken", "access_key_id": sts.access_key_id,
         "access_key_secret": sts.access_key_secret, "sts_token": sts.security_token},
        {"name": "role", "mode": "RamRoleArn", "access_key_id": ADMIN_AK, "access_key_secret": ADMIN_SECRET,
         "ram_role_arn": AUDITOR, "ram_session_name": "from-profile"},
        {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "auditor"},
        {"name": "hop1", "mode": "ChainableRamRoleArn", "source_profile": "ak",
         "ram_role_arn": f"acs:ram::{ACCOUNT}:role/hop1", "ram_session_name": "h1"},
        {"name": "hop2", "mode": "ChainableRamRoleArn", "source_profile": "hop1",
         "ram_role_arn": f"acs:ram::{ACCOUNT}:role/hop2", "ram_session_name": "h2"},
        {"name": "hop3", "mode": "ChainableRamRoleArn", "source_profile": "hop2", "ram_role_arn": AUDITOR,
         "ram_session_name": "h3"},
        {"name": "oidc", "mode": "OIDC", "ram_role_arn": f"acs:ram::{ACCOUNT}:role/pod",
         "oidc_provider_arn": f"acs:ram::{ACCOUNT}:oidc-provider/ack", "oidc_token_file": str(token)},
        {"name": "uri", "mode": "CredentialsURI", "credentials_uri": f"{cloud.url}/credentials-uri/auditor"},
    ]
    write_config(run.home, profiles, current="ak")
    assert ok(run())["arn"].endswith("user/admin")  # the current profile
    expected = {"sts": "auditor/viasts", "role": "auditor/from-profile", "ecs": "auditor/i-web1",
                "hop3": "auditor/h3", "oidc": "assumed-role/pod/", "uri": "auditor/credentials-uri"}
    for name, arn_end in expected.items():
        out = ok(run("--profile", name))
        assert arn_end in out["arn"], (name, out)
        assert out["method"] == "default chain" and f"'{name}'" in out["origin"]
    hop3 = ok(run(env={"ALIBABA_CLOUD_PROFILE": "hop3"}))
    assert "via RAM role acs:ram::" in hop3["origin"] and "hop1" in hop3["origin"]


def test_a_profile_without_mode_has_the_mode_the_cli_infers(run, admin):
    """aliyun-cli's AutoModeRecognition: AccessKey and secret are AK, with sts_token StsToken, with ram_role_arn
    RamRoleArn; ram_role_name alone EcsRamRole; fields naming no mode are refused."""
    write_config(run.home, [
        {"name": "ak", "access_key_id": ADMIN_AK, "access_key_secret": ADMIN_SECRET},
        {"name": "role", "access_key_id": ADMIN_AK, "access_key_secret": ADMIN_SECRET, "ram_role_arn": AUDITOR,
         "ram_session_name": "inferred"},
        {"name": "ecs", "mode": "", "ram_role_name": "auditor"},
        {"name": "none", "region_id": "cn-hangzhou"}], current="ak")
    assert ok(run())["arn"].endswith("user/admin")
    assert ok(run("--profile", "role"))["arn"].endswith("assumed-role/auditor/inferred")
    assert ok(run("--profile", "ecs"))["arn"].endswith("assumed-role/auditor/i-web1")
    fails(run("--profile", "none"), 2, "profile 'none' has no 'mode'", "aliyun configure --profile none")
    # a profile's own STS region (aliyun-cli: sts_endpoint, else sts.<sts_region>) is where it assumes its role, as
    # the SDKs' profile providers do (the identity check follows --sts-region / ALIBABA_CLOUD_STS_REGION)
    write_config(run.home, [{"name": "role", "mode": "RamRoleArn", "access_key_id": ADMIN_AK,
                             "access_key_secret": ADMIN_SECRET, "ram_role_arn": AUDITOR,
                             "sts_region": "cn-shanghai"}], current="role")
    admin.faults(regions_down=["cn-shanghai"])
    fails(run(), 6, "STS at sts.cn-shanghai.aliyuncs.com")


def test_ini_profile(run):
    (run.home / ".alibabacloud").mkdir()
    (run.home / ".alibabacloud" / "credentials.ini").write_text(
        f"[default]\ntype = access_key\naccess_key_id = {ADMIN_AK}\naccess_key_secret = {ADMIN_SECRET}\n\n"
        f"[assume]\ntype = ram_role_arn\naccess_key_id = {ADMIN_AK}\naccess_key_secret = {ADMIN_SECRET}\n"
        f"role_arn = {AUDITOR}\nrole_session_name = ini-sess\n")
    assert ok(run())["arn"].endswith("user/admin")
    assert ok(run("--profile", "assume"))["arn"].endswith("auditor/ini-sess")
    # a profile named only in credentials.ini is its section, config.json or not (as the SDKs' default chain)
    write_config(run.home, [{"name": "ak", "mode": "AK", "access_key_id": ROOT_AK, "access_key_secret": ROOT_SECRET}],
                 current="ak")
    assert ok(run("--profile", "assume"))["arn"].endswith("auditor/ini-sess")
    fails(run("--profile", "nope"), 2, "profile 'nope' is neither in", "profiles: ak", "nor a section of")


def test_priority_order(run, cloud, tmp_path):
    write_config(run.home, [{"name": "ak", "mode": "AK", "access_key_id": ROOT_AK,
                             "access_key_secret": ROOT_SECRET}], current="ak")
    assert ok(run())["identity_type"] == "Account"  # only the profile
    assert ok(run(env=AK_ENV))["method"] == "permanent AccessKey"  # env AK beats the default chain
    assert ok(run("--role-arn", AUDITOR, env=AK_ENV))["method"] == "RAM role assumption"  # role beats plain AK
    # a role beside an ECS role is assumed with the instance's identity (the instance role may not: denied)
    fails(run("--ecs-ram-role", "auditor", "--role-arn", f"acs:ram::{ACCOUNT}:role/hop1", env=AK_ENV), 2,
          "was denied")
    token = tmp_path / "token"
    token.write_text(jwt({"iss": ISSUER, "aud": "sts.aliyuncs.com", "exp": time.time() + 3600}))
    oidc_env = {**AK_ENV, "ALIBABA_CLOUD_ROLE_ARN": f"acs:ram::{ACCOUNT}:role/pod",
                "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": f"acs:ram::{ACCOUNT}:oidc-provider/ack",
                "ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(token)}
    assert ok(run("--ecs-ram-role", "auditor", env=oidc_env))["method"] == "OIDC role (ACK RRSA)"
    uri = f"{cloud.url}/credentials-uri/auditor"
    assert ok(run("--credentials-uri", uri, env=oidc_env))["method"] == "credentials URI"


# --- errors ---------------------------------------------------------------------------------------

def test_no_credentials_lists_every_source_tried(run):
    line = fails(run(), 2, "no credentials found", "credentials URI", "OIDC role", "ECS RAM role",
                 "RAM role assumption", "config.json: not found", "credentials.ini")
    assert "README" in line


def test_config_errors(run):
    (run.home / ".aliyun").mkdir()
    (run.home / ".aliyun" / "config.json").write_text('{"current": "x",\n "profiles": [}')
    fails(run(), 2, "config.json is not valid JSON (line 2")
    write_config(run.home, [{"name": "a", "mode": "ChainableRamRoleArn", "source_profile": "b", "ram_role_arn": "x"},
                            {"name": "b", "mode": "ChainableRamRoleArn", "source_profile": "a",
                             "ram_role_arn": "y"}], current="a")
    fails(run(), 2, "source_profile loop a -> b -> a")
    fails(run("--profile", "nope"), 2, "profile 'nope' is neither in", "profiles: a, b")
    write_config(run.home, [{"name": "a", "mode": "AK", "access_key_id": ADMIN_AK}], current="a")
    fails(run(), 2, "profile 'a' (mode AK) lacks 'access_key_secret'")
    fails(run("--session-duration", "100", env=AK_ENV), 1, "--session-duration")


def test_bad_keys_secret_and_expired_token(run, cloud, admin):
    fails(run(env={**AK_ENV, "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIunknown00000000"}), 2,
          "permanent AccessKey: the AccessKey LTAI**** does not exist")
    fails(run(env={**AK_ENV, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "wrong"}), 2, "secret", "signature mismatch")
    creds = StsClient(pop_config(cloud, ADMIN_AK, ADMIN_SECRET)).assume_role(sts_models.AssumeRoleRequest(
        role_arn=AUDITOR, role_session_name="old", duration_seconds=900)).body.credentials
    admin.advance(1000)
    fails(run(env={"ALIBABA_CLOUD_ACCESS_KEY_ID": creds.access_key_id,
                   "ALIBABA_CLOUD_ACCESS_KEY_SECRET": creds.access_key_secret,
                   "ALIBABA_CLOUD_SECURITY_TOKEN": creds.security_token}), 2, "STS token", "expired")


def test_assume_role_errors(run):
    fails(run("--role-arn", f"acs:ram::{ACCOUNT}:role/ghost", env=AK_ENV), 2, "role", "ghost does not exist")
    # STS answers a mismatched external id as any refusal (the documented NoPermission message): the hint names it
    fails(run("--role-arn", f"acs:ram::{ACCOUNT}:role/partner", "--external-id", "wrong", env=AK_ENV), 2,
          "was denied", "match the external id given")
    # the account's own AccessKey: "Roles may not be assumed by root accounts" (STS common errors)
    root = {"ALIBABA_CLOUD_ACCESS_KEY_ID": ROOT_AK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": ROOT_SECRET}
    fails(run("--role-arn", AUDITOR, env=root), 2, "account's own AccessKey cannot assume", "RAM user")
    partner = ok(run("--role-arn", f"acs:ram::{ACCOUNT}:role/partner", "--external-id", "ext-42", env=AK_ENV))
    assert "assumed-role/partner/aliaudit-" in partner["arn"]
    reader = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIreaderkey000001",
              "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "reader-secret-00000000000000"}
    fails(run("--role-arn", AUDITOR, env=reader), 2, "AssumeRole on", "was denied")


def test_a_role_beside_a_credentials_uri_or_ecs_identity_is_assumed_with_it(run, cloud, tmp_path):
    """Role chaining: --role-arn (or ALIBABA_CLOUD_ROLE_ARN outside an OIDC environment) beside a credentials URI or
    an ECS role is the role that identity assumes next, not ignored. With the RRSA environment --role-arn replaces
    the environment's role (the role assumed with the token), as the CLI's flag replaces a profile's."""
    data = scenario()
    data["accounts"][0]["metadata"]["role_name"] = "hop1"  # (hop1 may assume roles)
    load(cloud, data)
    uri = f"{cloud.url}/credentials-uri/hop1"
    for out in (ok(run("--credentials-uri", uri, "--role-arn", AUDITOR, "--role-session-name", "chained")),
                ok(run("--role-session-name", "chained", env={"ALIBABA_CLOUD_CREDENTIALS_URI": uri,
                                                              "ALIBABA_CLOUD_ROLE_ARN": AUDITOR}))):
        assert out["method"] == "RAM role assumption" and "source: credentials URI" in out["origin"], out
        assert out["arn"].endswith("assumed-role/auditor/chained")
    out = ok(run("--ecs-ram-role", "hop1", "--role-arn", AUDITOR))
    assert "source: ECS RAM role" in out["origin"] and "assumed-role/auditor/" in out["arn"], out
    token = tmp_path / "token"
    token.write_text(jwt({"iss": ISSUER, "aud": "sts.aliyuncs.com", "exp": time.time() + 3600}))
    rrsa = {"ALIBABA_CLOUD_ROLE_ARN": f"acs:ram::{ACCOUNT}:role/pod", "ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(token),
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": f"acs:ram::{ACCOUNT}:oidc-provider/ack"}
    assert ok(run(env=rrsa))["arn"].split("/")[1] == "pod"  # the environment's own role
    # --role-arn: the token's role instead (the auditor role trusts no OIDC provider: STS refuses it)
    fails(run("--role-arn", AUDITOR, env=rrsa), 2, "OIDC role")


def test_the_metadata_service_is_never_asked_through_a_proxy(run, cloud):
    """The proxy (here the emulator, which would answer for 100.100.100.200) carries API calls only: a proxy
    cannot reach the instance's own metadata service, or answers with another instance's role. Without a reachable
    service the ECS role fails, naming it; HTTP_PROXY changes nothing."""
    env = {"ALIAUDIT_METADATA_ENDPOINT": "http://127.0.0.1:9", "HTTP_PROXY": cloud.url, "http_proxy": cloud.url,
           "ALIAUDIT_CONNECT_TIMEOUT_MS": "500"}
    fails(run("--ecs-ram-role", "auditor", env=env), 2, "cannot reach the instance metadata service at "
          "http://127.0.0.1:9")
    fails(run("--ecs-ram-role", "auditor", env={"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"}), 1,
          "ALIBABA_CLOUD_ECS_METADATA_DISABLED")


def test_metadata_unreachable_and_oidc_token_missing(run, cloud, tmp_path):
    data = scenario()
    data["accounts"][0]["metadata"] = {"instance_id": "i-norole"}
    load(cloud, data)
    fails(run("--ecs-ram-role"), 2, "ECS RAM role", "metadata service")
    fails(run(env={"ALIBABA_CLOUD_ROLE_ARN": f"acs:ram::{ACCOUNT}:role/pod",
                   "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": f"acs:ram::{ACCOUNT}:oidc-provider/ack",
                   "ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(tmp_path / "missing")}), 2, "cannot read the OIDC token file")


def test_malformed_credentials_uri_reply(run, cloud):
    fails(run("--credentials-uri", f"{cloud.url}/_emulator/health"), 2, "not valid credentials JSON")
    fails(run("--credentials-uri", f"{cloud.url}/credentials-uri/ghost"), 2, "answered HTTP 404")


@pytest.mark.parametrize("sdk_debug", [False, True])
def test_no_secret_in_output_at_debug(run, cloud, sdk_debug):
    # DEBUG=sdk: the SDK cores' own switch for dumping every request's headers (the STS token among them) through
    # handlers of their own, which would bypass our scrubbing: they are kept silent
    out = run("--log-level", "DEBUG", "--role-arn", AUDITOR, env={**AK_ENV, **({"DEBUG": "sdk"} if sdk_debug else {})})
    assert out.returncode == 0, out.stderr
    emitted = out.stdout + out.stderr
    assert "x-acs-security-token" not in emitted.lower()
    sessions = list(cloud.emulator.world.sessions.values())
    assert sessions
    for s in sessions:
        assert s.secret not in emitted and s.token not in emitted
    assert ADMIN_SECRET not in emitted


# --- refresh (library API: a long run with short STS lifetimes) ----------------------------------

def test_refresh_across_expiry(cloud, admin):
    from aliaudit.clients import ClientFactory
    from aliaudit.credentials import AuthOptions, resolve_credentials
    from aliaudit.settings import EndpointSettings

    load(cloud, scenario())
    admin.faults(sts_max_lifetime_seconds=2)
    settings = EndpointSettings(protocol="http", proxy=cloud.url)
    resolved = resolve_credentials(AuthOptions(role_arn=AUDITOR, role_session_name="long-run"), AK_ENV, settings,
                                   home=Path("/nonexistent"))
    factory = ClientFactory(resolved.provider, settings)
    sts = factory.pop("sts")
    for _ in range(3):
        assert sts.get_caller_identity().body.arn.endswith("auditor/long-run")
        time.sleep(1.2)
    assert resolved.provider.fetches >= 2  # type: ignore[attr-defined]


@pytest.mark.parametrize("product", ["pop", "oss", "sls"])
def test_a_token_the_cloud_calls_expired_is_renewed_and_the_call_repeated(cloud, admin, product):
    """A call that waits long between signing and arriving (a starved machine, or a 5xx retried after a backoff)
    can meet an expired session the provider still thinks valid: the call is signed again with fresh
    credentials and repeated once, not failed. OpenAPI, OSS and SLS each say so in their own error style."""
    from aliaudit.clients import ClientFactory
    from aliaudit.credentials import AuthOptions, resolve_credentials
    from aliaudit.settings import EndpointSettings

    load(cloud, scenario())
    settings = EndpointSettings(protocol="http", proxy=cloud.url)
    resolved = resolve_credentials(AuthOptions(role_arn=AUDITOR, role_session_name="starved"), AK_ENV, settings,
                                   home=Path("/nonexistent"))
    factory = ClientFactory(resolved.provider, settings)
    calls = {"pop": lambda: factory.pop("sts").get_caller_identity().body.arn,
             "oss": lambda: [b.name for b in factory.oss_service().list_buckets().buckets],
             "sls": lambda: factory.log("cn-hangzhou").list_project().get_projects()}
    first = calls[product]()
    admin.advance(7200)  # the cloud's clock passes the session's end; ours still holds the session valid
    assert calls[product]() == first
    assert resolved.provider.fetches == 2  # type: ignore[attr-defined]
