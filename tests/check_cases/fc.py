"""Function Compute cases, from the documented samples of fc 2023-03-30: ListFunctions (functionName my-function-1,
functionArn acs:fc:cn-shanghai:123:functions/functionName, runtime python3.10, role
acs:ram::188077086902****:role/fc-test, environmentVariables {"key": "value1"}) and ListTriggers / HTTPTriggerConfig
(triggerType http, authType anonymous | function | jwt, disableURLInternet, httpTrigger.urlInternet
https://svc-func-xxxxxxxx.cn-hangzhou.fcapp.run)."""

from __future__ import annotations

from aliaudit.collectors.fc import FcFunction, FcTrigger, FcVersion, SecretVariable, suspicious_variables
from aliaudit.role_privilege import RolePrivilege
from tests.check_cases import Case

ARN = "acs:fc:cn-hangzhou:123:functions/my-function-1"
URL = "https://svc-func-xxxxxxxx.cn-hangzhou.fcapp.run"


def fn(name: str = "my-function-1", **kw: object) -> FcFunction:
    base: dict[str, object] = {"name": name, "arn": f"acs:fc:cn-hangzhou:123:functions/{name}", "region": "cn-hangzhou",
                               "runtime": "python3.10", "role": "acs:ram::1880770869020000:role/fc-test",
                               "env_count": 1}
    base.update(kw)
    return FcFunction(**base)  # type: ignore[arg-type]


def http(name: str = "defaultTrigger", auth: str = "anonymous", **kw: object) -> FcTrigger:
    return FcTrigger(name=name, type="http", auth_type=auth, url_internet=URL, **kw)  # type: ignore[arg-type]


_ENV = "fc_function_env_no_access_keys"
_HTTP = "fc_http_trigger_auth_required"
_ROLE = "fc_function_role_least_privilege"
OWN_ROLE = "acs:ram::123:role/fc-test"


def priv(**kw: object) -> RolePrivilege:
    base: dict[str, object] = {"role": "fc-test", "policies": ["System:AliyunOSSReadOnlyAccess"]}
    base.update(kw)
    return RolePrivilege(**base)  # type: ignore[arg-type]


def fa(name: str) -> str:
    return f"acs:fc:cn-hangzhou:123:functions/{name}"
CASES: list[Case] = [
    Case(_ENV, "the sample's {key: value1} passes; an AccessKey id value and a PASSWORD variable fail",
         {"fc.functions": [
             fn(secret_variables=suspicious_variables({"key": "value1"})),
             fn("ak-fn", secret_variables=suspicious_variables({"CLOUD_ID": "LTAI5tQ9m2XvKp7Lr8sWyZab"})),
             fn("pw-fn", secret_variables=suspicious_variables({"DB_PASSWORD": "hunter2", "DB_HOST": "10.0.0.1"}))]},
         {ARN: "PASS", "acs:fc:cn-hangzhou:123:functions/ak-fn": "FAIL",
          "acs:fc:cn-hangzhou:123:functions/pw-fn": "FAIL"}),
    Case(_ENV, "a secret-looking name with an empty value and a function without variables pass",
         {"fc.functions": [fn(secret_variables=suspicious_variables({"API_TOKEN": ""})),
                           fn("bare", env_count=0)]},
         {ARN: "PASS", "acs:fc:cn-hangzhou:123:functions/bare": "PASS"}),
    Case(_ENV, "the dataset's own names fail as given",
         {"fc.functions": [fn(secret_variables=[SecretVariable(name="ACCESS_KEY_SECRET", reason="name suggests a "
                                                                                                 "secret")])]},
         {ARN: "FAIL"}),
    Case(_HTTP, "anonymous with the public URL fails, in any letter case; function and jwt pass; anonymous with the "
                "default URL disabled is MANUAL (a custom domain may still route to it), as is an undocumented "
                "authType; timer triggers are not reported",
         {"fc.functions": [fn(triggers=[http(), http("upper", "Anonymous"), http("signed", "function"),
                                        http("jwt", "JWT"), http("url-off", internet_disabled=True),
                                        http("odd", "none"), FcTrigger(name="cron", type="timer")])]},
         {f"{ARN}/triggers/defaultTrigger": "FAIL", f"{ARN}/triggers/upper": "FAIL", f"{ARN}/triggers/signed": "PASS",
          f"{ARN}/triggers/jwt": "PASS", f"{ARN}/triggers/url-off": "MANUAL", f"{ARN}/triggers/odd": "MANUAL"}),
    Case(_HTTP, "ListTriggers failed; an unreadable triggerConfig",
         {"fc.functions": [fn(triggers_error="NoPermission: denied"),
                           fn("bad-cfg", triggers=[FcTrigger(name="h", type="http",
                                                             config_error="triggerConfig is not a JSON object")])]},
         {ARN: "ERROR", "acs:fc:cn-hangzhou:123:functions/bad-cfg/triggers/h": "ERROR"}),
    Case(_ROLE, "a read-only role passes, an administrator role fails, no role passes",
         {"fc.functions": [fn(role=OWN_ROLE, role_privilege=priv()),
                           fn("admin-fn", role=OWN_ROLE, role_privilege=priv(
                               policies=["System:AdministratorAccess"],
                               admin_reasons=["System policy AdministratorAccess allows *:* on every resource"])),
                           fn("no-role", role="")]},
         {ARN: "PASS", fa("admin-fn"): "FAIL", fa("no-role"): "PASS"}),
    Case(_ROLE, "the sample's role of another account (188077086902****) is MANUAL; an unreadable role is ERROR",
         {"fc.functions": [fn(role="acs:ram::188077086902****:role/fc-test"),
                           fn("broken", role=OWN_ROLE, role_privilege=priv(error="NoPermission: denied")),
                           # administrator rights already read stay FAIL when another policy is unreadable
                           fn("admin-err", role=OWN_ROLE, role_privilege=priv(
                               policies=["System:AdministratorAccess"], error="Custom:x: EntityNotExist.Policy",
                               admin_reasons=["System policy AdministratorAccess allows *:* on every resource"]))]},
         {ARN: "MANUAL", fa("broken"): "ERROR", fa("admin-err"): "FAIL"}),
    Case(_ROLE, "an administrator role FC injects into no code (disableInjectCredentials All) is MANUAL; withheld "
                "from the environment or the request only, the code still gets it: FAIL",
         {"fc.functions": [fn(role=OWN_ROLE, inject_disabled="All", role_privilege=priv(
                               policies=["System:AdministratorAccess"],
                               admin_reasons=["System policy AdministratorAccess allows *:* on every resource"])),
                           fn("env-only", role=OWN_ROLE, inject_disabled="Env", role_privilege=priv(
                               policies=["System:AdministratorAccess"],
                               admin_reasons=["System policy AdministratorAccess allows *:* on every resource"]))]},
         {ARN: "MANUAL", fa("env-only"): "FAIL"}),
    # published versions (ListFunctionVersions sample versionId "1"): a snapshot of the configuration
    Case(_ENV, "a clean LATEST with a published version holding an AccessKey fails; clean versions pass; unread "
               "versions are ERROR",
         {"fc.functions": [
             fn(versions=[FcVersion(version_id="1", secret_variables=suspicious_variables(
                 {"CLOUD_ID": "LTAI5tQ9m2XvKp7Lr8sWyZab"}))]),
             fn("clean-versions", versions=[FcVersion(version_id="1", env_count=1)]),
             fn("unread", versions_error="NoPermission: fc:ListFunctionVersions denied")]},
         {ARN: "FAIL", fa("clean-versions"): "PASS", fa("unread"): "ERROR"}),
    Case(_ROLE, "a published version still running with an administrator role fails though LATEST's role is "
                "read-only; a version with LATEST's role adds nothing; unread versions turn a PASS into ERROR",
         {"fc.functions": [
             fn(role=OWN_ROLE, role_privilege=priv(), versions=[FcVersion(
                 version_id="1", role="acs:ram::123:role/fc-admin", role_privilege=priv(
                     role="fc-admin", policies=["System:AdministratorAccess"],
                     admin_reasons=["System policy AdministratorAccess allows *:* on every resource"]))]),
             fn("same", role=OWN_ROLE, role_privilege=priv(), versions=[FcVersion(version_id="1", role=OWN_ROLE)]),
             fn("unread", role=OWN_ROLE, role_privilege=priv(), versions_error="NoPermission: denied")]},
         {ARN: "FAIL", fa("same"): "PASS", fa("unread"): "ERROR"}),
]
