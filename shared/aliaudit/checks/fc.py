"""Function Compute 3.0 checks: credentials in environment variables, HTTP triggers without authentication, and
admin-equivalent function roles. One finding per function (per HTTP trigger for the trigger check), in its region.
Messages name variables, never their values (the dataset holds none)."""

from __future__ import annotations

from collections.abc import Iterator

from ..collectors.fc import FUNCTIONS, FcConfig, FcFunction, FcTrigger
from ..findings import WORST_FIRST, Result, Status
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL
# HTTPTriggerConfig.authType values that require a caller's identity: function (documented, and FC's default) and
# jwt (the console's JWT authentication); anonymous is the other documented value
AUTHENTICATED = ("function", "jwt")


def _result(f: FcFunction, status: Status, message: str, **details: str) -> Result:
    return Result(status=status, resource_id=f.arn or f.name, resource_type="fc:function", resource_name=f.name,
                  region=f.region, message=message, details={"runtime": f.runtime, **details})


def _trigger_result(f: FcFunction, t: FcTrigger, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=f"{f.arn or f.name}/triggers/{t.name}", resource_type="fc:trigger",
                  resource_name=f"{f.name}/{t.name}", region=f.region, message=message,
                  details={"function": f.name, "auth_type": t.auth_type,
                           "internet_disabled": str(t.internet_disabled).lower()})


@check(id="fc_function_env_no_access_keys", severity="high",
       title="Function Compute functions do not keep AccessKeys or secrets in environment variables",
       risk="Environment variables are readable by anyone who can read the function's configuration (fc:GetFunction, "
            "ListFunctions, the console) and end up in logs and crash dumps; an AccessKey there is a long-lived "
            "credential that outlives the function. The function's role gives it temporary credentials instead.",
       console="Function Compute console > Functions > the function > Configuration > Environment Variables: remove "
               "the credential, give the function a RAM role (or read the secret from KMS Secrets Manager) and "
               "disable the leaked AccessKey in RAM.",
       cli="aliyun fc PUT /2023-03-30/functions/<name> --body '{\"environmentVariables\": {...without secrets...}, "
           "\"role\": \"acs:ram::<account>:role/<role>\"}'",
       events=["CreateFunction", "UpdateFunction"], needs=[FUNCTIONS],
       evaluates="ListFunctions environmentVariables of every function in the region, and those of each published "
                 "version (ListFunctionVersions, then GetFunction with the version id as qualifier: a version keeps "
                 "the environment it was published with, and runs with it when invoked): FAIL when a value contains an "
                 "AccessKey ID (LTAI followed by 12-30 letters or digits), a name does (shown masked), or when a "
                 "variable whose name says SECRET, PASSWORD, PASSWD, PWD, ACCESS_KEY, PRIVATE_KEY, API_KEY, TOKEN or "
                 "CREDENTIAL has a non-empty value, unless its last word makes it a reference or a setting (NAME, ID, "
                 "ARN, URL, ENDPOINT, PATH, FILE, LENGTH, TTL...: DB_SECRET_NAME, the remediation's own) or the word "
                 "is TOKENS or TOKENIZER(S) (the message names the variables, never their values); PASS "
                 "otherwise (the message names the published versions that hold them). A failed ListFunctions gives "
                 "ERROR for the region, unread versions ERROR for the function.",
       source="Alibaba Cloud best practice: no AccessKey in code or configuration, a function reads its role's "
              "temporary credentials instead (no peer check); FC environment variables: "
              "https://www.alibabacloud.com/help/en/functioncompute/fc/environment-variables")
def env_no_access_keys(inp: Inputs) -> Iterator[Result]:
    for f in inp[FUNCTIONS]:
        found = [("", f.secret_variables)] if f.secret_variables else []  # (where, its variables)
        found += [(f"in published version {v.version_id}: ", v.secret_variables) for v in f.versions
                  if v.secret_variables]
        if found:
            why = "; ".join(where + "; ".join(f"{s.name} ({s.reason})" for s in variables)
                            for where, variables in found)
            names = sorted({s.name for _, variables in found for s in variables})
            yield _result(f, FAIL, f"environment variables that look like credentials: {why}",
                          variables=", ".join(names))
        elif f.versions_error:
            yield _result(f, ERROR, f"could not read the function's published versions: {f.versions_error}")
        else:
            also = f", and in its {len(f.versions)} published versions" if f.versions else ""
            yield _result(f, PASS, f"no environment variable looks like a credential ({f.env_count} checked{also})")


@check(id="fc_http_trigger_auth_required", severity="high",
       title="Function Compute HTTP triggers require authentication",
       risk="An HTTP trigger with anonymous access lets anyone on the Internet invoke the function with any input, "
            "running its code and spending the account's money under its role's permissions.",
       console="Function Compute console > Functions > the function > Configuration > Triggers > the HTTP trigger > "
               "Modify: set Authentication Method to Signature Authentication (function) or JWT, or disable the "
               "public URL.",
       cli="aliyun fc PUT /2023-03-30/functions/<name>/triggers/<trigger> --body "
           "'{\"triggerConfig\": \"{\\\"authType\\\": \\\"function\\\", \\\"methods\\\": [\\\"GET\\\"]}\"}'",
       events=["CreateTrigger", "UpdateTrigger", "DeleteTrigger", "DeleteFunction"], needs=[FUNCTIONS],
       evaluates="ListTriggers of every function in the region, triggers of triggerType http: FAIL when the "
                 "triggerConfig JSON has authType anonymous and disableURLInternet is not true (the public URL "
                 "answers anyone); PASS when authType is function (FC's default when absent) or jwt, in any letter "
                 "case; MANUAL when the anonymous trigger's default public URL is disabled (disableURLInternet "
                 "covers only the default domain name: a custom domain routed to the function still answers) or "
                 "authType is another value; ERROR when ListTriggers failed for the function or the "
                 "triggerConfig is not a JSON object. Other trigger types give no result.",
       source="Cloud Config fc-trigger-http-not-anonymous")
def http_trigger_auth_required(inp: Inputs) -> Iterator[Result]:
    for f in inp[FUNCTIONS]:
        if f.triggers_error:
            yield _result(f, ERROR, f"could not list the function's triggers: {f.triggers_error}")
            continue
        for t in f.triggers:
            if t.type != "http":
                continue
            if t.config_error:
                yield _trigger_result(f, t, ERROR, t.config_error)
            elif t.auth_type.lower() in AUTHENTICATED:
                yield _trigger_result(f, t, PASS, f"the HTTP trigger requires authentication (authType {t.auth_type})")
            elif t.auth_type.lower() != "anonymous":
                yield _trigger_result(f, t, MANUAL, f"authType {t.auth_type!r} is not a known value (function, jwt, "
                                                    "anonymous): check whether the trigger requires authentication")
            elif t.internet_disabled:
                # "disable access through the default public domain name": a custom domain routed to the function
                # is not covered by it and still answers anyone
                yield _trigger_result(f, t, MANUAL, "the HTTP trigger is anonymous with its default public URL "
                                                    "disabled (disableURLInternet true): check that no custom "
                                                    "domain routes to the function")
            else:
                url = f" at {t.url_internet}" if t.url_internet else ""
                yield _trigger_result(f, t, FAIL, f"the HTTP trigger accepts anonymous requests from the Internet{url}")


def _role_verdict(c: FcConfig) -> tuple[Status, str]:
    """The verdict on the role LATEST or a published version runs with."""
    role, priv, inject_disabled = c.role, c.role_privilege, c.inject_disabled
    if not role:
        return PASS, "the function has no role, so its code gets no credentials"
    if priv is None:
        return MANUAL, (f"the role {role} belongs to account {c.role_account or '(unknown)'}: review its "
                        "permissions there")
    if priv.admin_reasons and inject_disabled.lower() == "all":
        return MANUAL, (f"the role {priv.role} is administrator-equivalent (" + "; ".join(priv.admin_reasons)
                        + "), but FC gives its credentials to no code (disableInjectCredentials All): review why the "
                        "platform needs these rights")
    if priv.admin_reasons:  # (before an unread policy: what was read already makes it an administrator)
        return FAIL, (f"the role {priv.role} is administrator-equivalent: " + "; ".join(priv.admin_reasons)
                      + (f" (also: {priv.error})" if priv.error else ""))
    if priv.error:
        return ERROR, f"could not read the permissions of role {priv.role}: {priv.error}"
    return PASS, f"the role {priv.role} has no administrator rights ({', '.join(priv.policies) or 'no policy'})"


@check(id="fc_function_role_least_privilege", severity="high",
       title="Function Compute functions do not run with an administrator role",
       risk="Code running in the function holds its role's temporary credentials: a vulnerable dependency, an "
            "injection or an anonymous trigger then hands whoever exploits it administrator rights (or the right "
            "to grant them) over the whole account.",
       console="RAM console > Roles > the function's role > Permissions: replace AdministratorAccess (or the custom "
               "policy granting *:* or RAM write actions) with a policy limited to what the function uses; or give "
               "the function a dedicated least-privilege role in its Configuration.",
       cli="aliyun ram DetachPolicyFromRole --PolicyType System --PolicyName AdministratorAccess --RoleName <role>; "
           "aliyun ram AttachPolicyToRole --PolicyType Custom --PolicyName <least-privilege> --RoleName <role>",
       events=["CreateFunction", "UpdateFunction", "AttachPolicyToRole", "DetachPolicyFromRole",
               "CreatePolicyVersion", "SetDefaultPolicyVersion"], needs=[FUNCTIONS],
       evaluates="ListFunctions role (an ARN) of every function in the region; for a role of the scanned account, "
                 "ListPoliciesForRole and GetPolicy of each attached policy (role_privilege): FAIL when a policy "
                 "allows *:* or an action that grants privileges (ram:AttachPolicyToRole, ram:CreatePolicyVersion, "
                 "... on every resource; the message names them); PASS when none does, or when the function has no "
                 "role (it gets no credentials); MANUAL for another account's role, which this account cannot read, "
                 "and for an administrator-equivalent role FC injects into no code (disableInjectCredentials All); "
                 "ERROR when the role or a policy could not be read. Each published version whose role (or "
                 "disableInjectCredentials) differs from LATEST's is judged the same way (it runs with the role it "
                 "was published with), and the function's verdict is the worst of them, naming the version; "
                 "versions that could not be read turn a PASS into ERROR.",
       source="Cloud Config fc-service-bind-role (a function has a role); the administrator test is aliaudit's "
              "(ram_policy.admin_reasons, shared with the ECS instance-role check)")
def role_least_privilege(inp: Inputs) -> Iterator[Result]:
    for f in inp[FUNCTIONS]:
        status, message = _role_verdict(f)
        if f.versions_error and status == PASS:
            status, message = ERROR, f"{message}; could not read the function's published versions: {f.versions_error}"
        details = {"role": f.role} if f.role else {}
        # a published version keeps the role it was published with, and runs with it when invoked
        for v in f.versions:
            if v.role == f.role and v.inject_disabled == f.inject_disabled:
                continue
            v_status, v_message = _role_verdict(v)
            if WORST_FIRST.index(v_status) < WORST_FIRST.index(status):
                status, message = v_status, f"published version {v.version_id}: {v_message}"
                details = {"role": v.role, "version": v.version_id}
        yield _result(f, status, message, **details)
