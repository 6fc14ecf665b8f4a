"""Function Compute checks (credentials in environment variables, anonymous HTTP triggers) through the scan entry
point against the emulated FC 3.0 API, a denied API giving ERROR findings, and the proof that no environment
variable value reaches a finding, a log line or the dataset."""

from __future__ import annotations

import json
import logging
from typing import Any

from alibabacloud_fc20230330 import models as fc_models
from alibabacloud_fc20230330.client import Client as FcClient

from aliaudit.clients import ClientFactory
from aliaudit.collectors.fc import FUNCTIONS
from aliaudit.collectors.registry import COLLECTORS, CollectContext
from aliaudit.config import AuditConfig
from aliaudit.credentials.providers import StaticProvider
from aliaudit.settings import EndpointSettings
from tests.scanning import by_resource, scan
from tests.sdk import ACCOUNT, READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

REGIONS = ["cn-hangzhou", "cn-shanghai"]
ROLE = "fc_function_role_least_privilege"
AK_VALUE = "LTAI5tQ9m2XvKp7Lr8sWyZab"  # an AccessKey id in a value
PW_VALUE = "s3cr3t-Passw0rd-value"
SECRET_VALUES = (AK_VALUE, PW_VALUE)


def arn(name: str, region: str = "cn-hangzhou") -> str:
    return f"acs:fc:{region}:{ACCOUNT}:functions/{name}"


def functions() -> list[dict[str, Any]]:
    return [
        {"name": "clean", "environment": {"LOG_LEVEL": "INFO", "API_TOKEN": ""}, "role": role("auditor"),
         "triggers": [{"name": "signed", "type": "http", "config": {"authType": "function", "methods": ["GET"]}},
                      {"name": "nightly", "type": "timer", "config": {"cronExpression": "0 0 2 * * *"}}]},
        {"name": "leaky", "environment": {"CLOUD_ID": AK_VALUE, "DB_PASSWORD": PW_VALUE, "DB_HOST": "10.0.0.8"},
         "role": role("fc-admin"),
         "triggers": [{"name": "public", "type": "http", "config": {"authType": "anonymous", "methods": ["POST"]}},
                      {"name": "internal", "type": "http",
                       "config": {"authType": "anonymous", "disableURLInternet": True, "methods": ["GET"]}}]},
        {"name": "sh-fn", "region": "cn-shanghai", "environment": {"ALIBABA_CLOUD_ACCESS_KEY_SECRET": PW_VALUE},
         "role": "acs:ram::9999999999999999:role/vendor-runner"},  # another account's role
    ]


def role(name: str) -> str:
    return f"acs:ram::{ACCOUNT}:role/{name}"


def account() -> dict[str, Any]:
    data = base_scenario(regions=REGIONS, fc={"functions": functions()})
    data["accounts"][0]["ram"]["roles"].append({  # an administrator role functions may assume
        "name": "fc-admin", "policies": [{"name": "AdministratorAccess"}],
        "trust_policy": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                        "Principal": {"Service": ["fc.aliyuncs.com"]}}]}})
    return data


def fc_client(cloud: Any, region: str = "cn-hangzhou") -> FcClient:
    return FcClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                               region_id=region))


def test_fc_checks_pass_and_fail(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["fc"], regions=REGIONS)
    assert by_resource(findings, "fc_function_env_no_access_keys") == {
        arn("clean"): "PASS", arn("leaky"): "FAIL", arn("sh-fn", "cn-shanghai"): "FAIL"}
    assert by_resource(findings, "fc_http_trigger_auth_required") == {
        f"{arn('clean')}/triggers/signed": "PASS", f"{arn('leaky')}/triggers/public": "FAIL",
        f"{arn('leaky')}/triggers/internal": "MANUAL"}
    by_key = {(f.check_id, f.resource_id): f for f in findings}
    leaky = by_key[("fc_function_env_no_access_keys", arn("leaky"))]
    assert leaky.message == ("environment variables that look like credentials: CLOUD_ID (value is an AccessKey ID); "
                             "DB_PASSWORD (name suggests a secret)")
    assert leaky.severity.value == "high" and leaky.resource_name == "leaky" and leaky.region == "cn-hangzhou"
    assert by_key[("fc_function_env_no_access_keys", arn("sh-fn", "cn-shanghai"))].region == "cn-shanghai"
    public = by_key[("fc_http_trigger_auth_required", f"{arn('leaky')}/triggers/public")]
    assert "anonymous requests from the Internet at https://" in public.message
    assert by_resource(findings, ROLE) == {arn("clean"): "PASS", arn("leaky"): "FAIL",
                                           arn("sh-fn", "cn-shanghai"): "MANUAL"}
    admin_role = by_key[(ROLE, arn("leaky"))]
    assert admin_role.message == ("the role fc-admin is administrator-equivalent: System policy AdministratorAccess "
                                  "allows *:* on every resource")
    assert "account 9999999999999999" in by_key[(ROLE, arn("sh-fn", "cn-shanghai"))].message


def test_an_admin_role_fc_injects_into_no_code_is_manual(cloud):
    """disableInjectCredentials All: FC gives the role's STS token to no code (alibabacloud_fc20230330 Function doc
    comment), so the administrator role is reviewed (MANUAL), not failed; Env still hands it over the context."""
    data = account()
    data["accounts"][0]["fc"]["functions"] = [
        {"name": "sealed", "role": role("fc-admin"), "disable_inject_credentials": "All"},
        {"name": "ctx-only", "role": role("fc-admin"), "disable_inject_credentials": "Env"}]
    load(cloud, data)
    listed = fc_client(cloud).list_functions(fc_models.ListFunctionsRequest()).body.functions
    assert {f.function_name: f.disable_inject_credentials for f in listed} == {"sealed": "All", "ctx-only": "Env"}
    findings = scan(cloud, families=["fc"], regions=REGIONS)
    assert by_resource(findings, ROLE) == {arn("sealed"): "MANUAL", arn("ctx-only"): "FAIL"}
    sealed = next(f for f in findings if f.check_id == ROLE and f.resource_id == arn("sealed"))
    assert "disableInjectCredentials All" in sealed.message


def test_no_secret_value_reaches_findings_logs_or_the_dataset(cloud, caplog):
    load(cloud, account())
    caplog.set_level(logging.DEBUG)
    findings = scan(cloud, families=["fc"], regions=REGIONS)
    settings = EndpointSettings(protocol="http", proxy=cloud.url, max_attempts=1, backoff_ms=1)
    factory = ClientFactory(StaticProvider(ROOT_AK, ROOT_SECRET), settings)
    dataset = [COLLECTORS[FUNCTIONS.name].fn(CollectContext(factory, r, ACCOUNT, AuditConfig())) for r in REGIONS]
    dumped = json.dumps([[f.model_dump(mode="json") for f in part] for part in dataset])
    assert "DB_PASSWORD" in dumped and "CLOUD_ID" in dumped  # the names are kept ...
    texts = {"findings": json.dumps([f.model_dump(mode="json") for f in findings]), "logs": caplog.text,
             "dataset": dumped}
    for where, text in texts.items():
        for value in SECRET_VALUES:  # ... the values never
            assert value not in text, f"an environment variable's value reached the {where}"
    assert "10.0.0.8" not in dumped  # nor a harmless variable's value


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def test_denied_apis_give_error_findings(cloud):
    load(cloud, _deny(account(), ["fc:ListTriggers"]))
    findings = scan(cloud, families=["fc"], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, "fc_http_trigger_auth_required") == {arn("clean"): "ERROR", arn("leaky"): "ERROR"}
    assert all("NoPermission" in f.message for f in findings if f.status.value == "ERROR")
    # the environment check does not need the triggers
    assert by_resource(findings, "fc_function_env_no_access_keys") == {arn("clean"): "PASS", arn("leaky"): "FAIL"}

    load(cloud, _deny(account(), ["ram:GetPolicy"]))
    findings = scan(cloud, families=["fc"], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, ROLE) == {arn("clean"): "ERROR", arn("leaky"): "ERROR"}
    assert all("NoPermission" in f.message for f in findings if f.check_id == ROLE)

    load(cloud, _deny(account(), ["fc:ListFunctions"]))
    findings = scan(cloud, families=["fc"], ak=READER_AK, secret=READER_SECRET, regions=REGIONS)
    assert sorted((f.check_id, f.resource_id, f.status.value) for f in findings) == sorted(
        (c, r, "ERROR") for c in ("fc_function_env_no_access_keys", "fc_http_trigger_auth_required", ROLE)
        for r in REGIONS)


def test_every_function_and_trigger_is_paged_to_the_end(cloud, admin):
    data = account()
    fns = data["accounts"][0]["fc"]["functions"]
    fns += [{"name": f"bulk{i:03d}"} for i in range(120)]
    fns[0]["triggers"] += [{"name": f"h{i:03d}", "type": "http", "config": {"authType": "anonymous"}}
                           for i in range(105)]
    load(cloud, data)
    findings = scan(cloud, families=["fc"])
    assert len(by_resource(findings, "fc_function_env_no_access_keys")) == 2 + 120
    assert len(by_resource(findings, "fc_http_trigger_auth_required")) == 3 + 105
    calls = admin.calls()
    assert calls["fc:ListFunctions"] == 2  # limit 100
    assert calls["fc:ListTriggers"] == 2 + 120 + 1  # one per function, the one with 106 triggers twice
    assert calls["ram:ListPoliciesForRole"] == 2  # each role read once per scan (the bulk functions have none)


def test_remediation_flips_the_checks_and_is_audited(cloud, admin):
    data = account()
    data["accounts"][0]["ram"]["roles"].append({  # a least-privilege role to move the function to
        "name": "fc-reader", "policies": [{"name": "AliyunOSSReadOnlyAccess"}],
        "trust_policy": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                        "Principal": {"Service": ["fc.aliyuncs.com"]}}]}})
    load(cloud, data)
    fc = fc_client(cloud)
    fc.update_function("leaky", fc_models.UpdateFunctionRequest(body=fc_models.UpdateFunctionInput(
        environment_variables={"DB_HOST": "10.0.0.8"})))
    fc.update_function("leaky", fc_models.UpdateFunctionRequest(body=fc_models.UpdateFunctionInput(
        role=role("fc-reader"))))
    fc.update_trigger("leaky", "public", fc_models.UpdateTriggerRequest(body=fc_models.UpdateTriggerInput(
        trigger_config=json.dumps({"authType": "function", "methods": ["POST"]}))))
    findings = scan(cloud, families=["fc"])
    assert by_resource(findings, "fc_function_env_no_access_keys")[arn("leaky")] == "PASS"
    assert by_resource(findings, "fc_http_trigger_auth_required")[f"{arn('leaky')}/triggers/public"] == "PASS"
    assert by_resource(findings, ROLE)[arn("leaky")] == "PASS"
    events = [e["eventName"] for e in admin.events() if e["eventName"] in ("UpdateFunction", "UpdateTrigger")]
    assert events == ["UpdateFunction", "UpdateFunction", "UpdateTrigger"]


def test_functions_in_jakarta_are_checked_though_the_sdk_maps_its_endpoint_with_a_tab(cloud):
    # alibabacloud-fc20230330 4.8.3 maps ap-southeast-5 to 'fcv3.ap-southeast-5.aliyuncs.com\t' (its client.py):
    # the region's functions were ERROR (InvalidURL) until the factory stripped the endpoint
    from alibabacloud_fc20230330.client import Client

    sdk_endpoint = Client(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                                     region_id="ap-southeast-5"))._endpoint
    load(cloud, base_scenario(regions=["ap-southeast-5"], fc={"functions": [
        {"name": "jkt", "region": "ap-southeast-5", "environment": {"CLOUD_ID": AK_VALUE}}]}))
    findings = scan(cloud, families=["fc"], regions=["ap-southeast-5"])
    assert by_resource(findings, "fc_function_env_no_access_keys") == {arn("jkt", "ap-southeast-5"): "FAIL"}
    assert sdk_endpoint.strip() == "fcv3.ap-southeast-5.aliyuncs.com"  # (what the SDK maps, stray whitespace or not)


def test_a_published_version_keeps_the_credentials_and_role_latest_no_longer_has(cloud, admin):
    """A version is a snapshot of the configuration ("Manage versions"): cleaning LATEST leaves the AccessKey and
    the administrator role in the version published before, which still runs when invoked by its id."""
    data = account()
    data["accounts"][0]["ram"]["roles"].append({
        "name": "fc-reader", "policies": [{"name": "AliyunOSSReadOnlyAccess"}],
        "trust_policy": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                        "Principal": {"Service": ["fc.aliyuncs.com"]}}]}})
    load(cloud, data)
    fc = fc_client(cloud)
    published = fc.publish_function_version("leaky", fc_models.PublishFunctionVersionRequest(
        body=fc_models.PublishVersionInput(description="before the clean-up"))).body
    assert published.version_id == "1"
    fc.update_function("leaky", fc_models.UpdateFunctionRequest(body=fc_models.UpdateFunctionInput(
        environment_variables={"DB_HOST": "10.0.0.8"}, role=role("fc-reader"))))
    # the SDK reads the version's own configuration
    snapshot = fc.get_function("leaky", fc_models.GetFunctionRequest(qualifier="1")).body
    assert snapshot.role == role("fc-admin") and snapshot.environment_variables["CLOUD_ID"] == AK_VALUE
    assert fc.get_function("leaky", fc_models.GetFunctionRequest()).body.role == role("fc-reader")
    listed = fc.list_function_versions("leaky", fc_models.ListFunctionVersionsRequest()).body
    assert [v.version_id for v in listed.versions] == ["1"] and not listed.next_token
    findings = scan(cloud, families=["fc"])
    by_key = {(f.check_id, f.resource_id): f for f in findings}
    env = by_key[("fc_function_env_no_access_keys", arn("leaky"))]
    assert env.status.value == "FAIL" and "in published version 1: CLOUD_ID (value is an AccessKey ID)" in env.message
    assert not any(v in f.message for f in findings for v in SECRET_VALUES)
    role_finding = by_key[(ROLE, arn("leaky"))]
    assert role_finding.status.value == "FAIL"
    assert role_finding.message.startswith("published version 1: the role fc-admin is administrator-equivalent")
    assert role_finding.details["role"] == role("fc-admin") and role_finding.details["version"] == "1"
    assert by_resource(findings, "fc_function_env_no_access_keys")[arn("clean")] == "PASS"


def test_unreadable_versions_are_error_never_pass(cloud):
    data = account()
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "NoVersions", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": "fc:ListFunctionVersions", "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "NoVersions", "type": "Custom"})
    load(cloud, data)
    findings = scan(cloud, ak=READER_AK, secret=READER_SECRET, families=["fc"])
    env = by_resource(findings, "fc_function_env_no_access_keys")
    assert env[arn("clean")] == "ERROR" and env[arn("leaky")] == "FAIL"  # (what was read already fails)
    clean = next(f for f in findings
                 if f.check_id == "fc_function_env_no_access_keys" and f.resource_id == arn("clean"))
    assert "could not read the function's published versions" in clean.message
    assert by_resource(findings, ROLE)[arn("clean")] == "ERROR"
