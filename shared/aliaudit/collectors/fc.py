"""Function Compute 3.0 dataset (regional, API 2023-03-30, ROA): every function of the region with what the
security checks need: which environment variables look like credentials (their NAMES only), the role FC assumes
for it and how much that role may do (role_privilege: ListPoliciesForRole, GetPolicy), and its triggers' HTTP
authentication.

Secrets never enter the dataset: ListFunctions answers every environment variable's value, and the collector keeps
only the names of the suspicious ones (and why each is suspicious), so no value can reach a finding, a log line or
a stored report."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import Field

from .. import apierrors
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from ..offered import region_list
from ..role_privilege import ROLE_PRIVILEGE_APIS, RolePrivilege, role_privilege
from .paging import by_token
from .registry import CollectContext, collector

fc_models = lazy_import("alibabacloud_fc20230330.models")

# ListFunctions `limit`: "The number of functions to return. The minimum value is 1 and the maximum value is 100"
# (fc 2023-03-30 api-docs.json). FC 3.0's ListTriggers documents no range ("The number of triggers returned"); FC
# 2.0's says "Default value: 20. Maximum value: 100" (fc-open 2021-04-06 ListTriggers `limit`): the same 100 is asked
PAGE_SIZE = 100

# An AccessKey ID of Alibaba Cloud: "LTAI" then letters and digits (issue 20 candidate #9; permanent keys of RAM
# users and of the root account have this prefix, STS keys start with "STS.")
ACCESS_KEY_ID = re.compile(r"LTAI[0-9A-Za-z]{12,30}")
# Variable names that say they hold a credential: a word of the upper-cased name (split on _ - .) holding one of these
SECRET_WORD = re.compile(r"SECRET|PASSWORD|PASSWD|PWD|ACCESSKEY|PRIVATEKEY|APIKEY|TOKEN|CREDENTIAL")
KEY_PAIRS = frozenset({"ACCESSKEY", "PRIVATEKEY", "APIKEY"})  # two adjacent words making one (ACCESS_KEY)
# words that hold one of those without naming a credential (an LLM's token budget, a tokenizer's setting)
NOT_SECRET_WORDS = frozenset({"TOKENS", "TOKENIZER", "TOKENIZERS", "TOKENIZATION"})
# a last word that makes the name a reference to a secret or a setting about one, not the secret: DB_SECRET_NAME (what
# the check's own remediation, reading the secret from KMS Secrets Manager, leaves in the environment), KMS_SECRET_ID,
# TOKEN_ENDPOINT, PASSWORD_MIN_LENGTH
REFERENCE_WORDS = frozenset({"NAME", "NAMES", "ID", "IDS", "ARN", "URL", "URI", "ENDPOINT", "HOST", "PATH", "FILE",
                             "DIR", "LENGTH", "LEN", "TTL", "EXPIRY", "EXPIRES", "TIMEOUT", "SIZE", "COUNT", "LIMIT",
                             "TYPE", "MODE", "HEADER", "FIELD", "ENABLED", "REGION", "VERSION"})


def names_a_secret(name: str) -> bool:
    """Whether a variable name says it holds a credential (a value, not a reference to one)."""
    words = [w for w in re.split(r"[_\-.]+", name.upper()) if w]
    if not words or words[-1] in REFERENCE_WORDS:
        return False
    if any(a + b in KEY_PAIRS for a, b in zip(words, words[1:], strict=False)):
        return True
    return any(SECRET_WORD.search(w) for w in words if w not in NOT_SECRET_WORDS)
# an HTTP trigger's triggerConfig is a small JSON object (authType, methods, disableURLInternet, a JWT setting);
# larger text is not parsed
MAX_TRIGGER_CONFIG = 64 * 1024
# A role ARN as FC documents `role` ("acs:ram::188077086902****:role/fc-test", ListFunctions sample)
ROLE_ARN = re.compile(r"^acs:ram::(?P<account>[^:]*):role/(?P<name>.+)$", re.IGNORECASE)


class SecretVariable(Record):
    """An environment variable that looks like a credential: its name and why, never its value."""

    name: str
    reason: str  # "value is an AccessKey ID" | "name is an AccessKey ID" | "name suggests a secret"


def suspicious_variables(env: dict[str, Any] | None) -> list[SecretVariable]:
    """The variables whose value holds an AccessKey ID, or whose name says secret and whose value is not empty.
    Only names and reasons leave this function."""
    found: list[SecretVariable] = []
    for name, value in sorted((env or {}).items()):
        text = "" if value is None else str(value)
        shown = ACCESS_KEY_ID.sub("LTAI****", name)  # (a name holding an AccessKey ID is shown masked)
        if ACCESS_KEY_ID.search(text):
            found.append(SecretVariable(name=shown, reason="value is an AccessKey ID"))
        elif shown != name:
            found.append(SecretVariable(name=shown, reason="name is an AccessKey ID"))
        elif text.strip() and names_a_secret(name):
            found.append(SecretVariable(name=shown, reason="name suggests a secret"))
    return found


class FcTrigger(Record):
    name: str
    type: str = ""  # triggerType: http | timer | oss | log | eventbridge | ...
    auth_type: str = ""  # http triggerConfig.authType: function (FC's default) | anonymous | jwt
    internet_disabled: bool = False  # http triggerConfig.disableURLInternet
    url_internet: str = ""  # httpTrigger.urlInternet
    config_error: str | None = None  # an http trigger whose triggerConfig is not a JSON object


class FcConfig(Record):
    """What the checks judge of a function's configuration: LATEST's (FcFunction) or a published version's
    (FcVersion)."""

    role: str = ""  # the role ARN FC assumes for the function ('' = none)
    # disableInjectCredentials: None (or "") injects the role's STS token into the code through the environment and
    # the request context, Env not through the environment, Request not through the context, All not at all
    # (alibabacloud_fc20230330 Function doc comment)
    inject_disabled: str = ""
    env_count: int = 0  # how many environment variables it has
    secret_variables: list[SecretVariable] = Field(default_factory=list)  # names only (see the module's doc)
    # the role's attached policies judged (role_privilege), read for a role of the scanned account only; None without
    # a role or with another account's role (which this account's RAM cannot read)
    role_privilege: RolePrivilege | None = None

    @property
    def role_account(self) -> str:
        m = ROLE_ARN.match(self.role)
        return m.group("account") if m else ""

    @property
    def role_name(self) -> str:
        m = ROLE_ARN.match(self.role)
        return m.group("name") if m else ""


class FcVersion(FcConfig):
    """A published version: an immutable snapshot of the function's code and configuration, its environment
    variables and role included ("Manage versions": "Publishing a version captures the current code and
    configuration as an immutable snapshot ... environment variables ... and permissions (role)",
    https://help.aliyun.com/en/functioncompute/fc/user-guide/manage-versions). It stays invocable by its id (an
    alias, a trigger, a custom domain route or InvokeFunction's qualifier) until it is deleted, whatever LATEST
    holds."""

    version_id: str


class FcFunction(FcConfig):
    """A function as LATEST holds it, with its triggers and published versions."""

    name: str
    arn: str = ""
    region: str
    runtime: str = ""
    triggers: list[FcTrigger] = Field(default_factory=list)
    triggers_error: str | None = None  # ListTriggers failed: trigger checks report ERROR for this function
    versions: list[FcVersion] = Field(default_factory=list)  # its published versions (FcVersion)
    versions_error: str | None = None  # ListFunctionVersions or a version's GetFunction failed: checks say ERROR


FUNCTIONS: Dataset[list[FcFunction]] = Dataset("fc.functions", Scope.REGIONAL)


def http_trigger(t: Any) -> FcTrigger:
    """A trigger as the checks need it. triggerConfig is JSON text (Trigger.triggerConfig is documented as a string;
    HTTPTriggerConfig has authType, disableURLInternet, methods)."""
    out = FcTrigger(name=t.trigger_name or "", type=t.trigger_type or "")
    http = getattr(t, "http_trigger", None)
    out.url_internet = (getattr(http, "url_internet", None) or "") if http else ""
    if out.type != "http":
        return out
    text = t.trigger_config or ""
    if len(text) > MAX_TRIGGER_CONFIG:
        out.config_error = f"triggerConfig is larger than {MAX_TRIGGER_CONFIG} characters: not parsed"
        return out
    try:
        config = json.loads(text)
        if not isinstance(config, dict):
            raise ValueError("not a JSON object")
    except (ValueError, RecursionError) as err:  # (nesting past the parser's depth: this trigger's ERROR)
        out.config_error = f"triggerConfig is not a JSON object ({str(err)[:120]})"
        return out
    # "The default value is function" (HTTPTriggerConfig.authType): an absent authType requires authentication
    out.auth_type = str(config.get("authType") or "function")
    out.internet_disabled = config.get("disableURLInternet") is True
    return out


def judged_config(ctx: CollectContext, f: Any) -> dict[str, Any]:
    """FcConfig's fields of an SDK Function (ListFunctions' items and GetFunction's answer are both Function), the
    role's privileges read for a role of the scanned account (errors are kept in them: the check reports ERROR)."""
    env = f.environment_variables or {}
    config = FcConfig(role=f.role or "", inject_disabled=f.disable_inject_credentials or "", env_count=len(env),
                      secret_variables=suspicious_variables(env))
    if config.role and config.role_account == ctx.account_id:
        config.role_privilege = role_privilege(ctx, config.role)
    return dict(config)


def versions(ctx: CollectContext, fc: Any, name: str) -> list[FcVersion]:
    """Every published version of the function with its own configuration: ListFunctionVersions (GET
    /2023-03-30/functions/{name}/versions, nextToken paging; its page size has no documented maximum, so the
    server's default is used) names them without their configuration, GetFunction with the version id as qualifier
    ("The function version or alias") reads each one's (alibabacloud_fc20230330 ListVersionsOutput, Function)."""
    ids = [v.version_id for v in by_token(
        lambda token: fc.list_function_versions(name, fc_models.ListFunctionVersionsRequest(next_token=token)).body,
        lambda b: b.versions or []) if v.version_id]

    def read(version_id: str) -> FcVersion:
        f = fc.get_function(name, fc_models.GetFunctionRequest(qualifier=version_id)).body
        return FcVersion(version_id=version_id, **judged_config(ctx, f))

    return [read(v) for v in ids]


@collector(FUNCTIONS, apis=["fc:ListFunctions", "fc:ListTriggers", "fc:ListFunctionVersions", "fc:GetFunction",
                            *ROLE_PRIVILEGE_APIS])
def functions(ctx: CollectContext) -> list[FcFunction]:
    fc = ctx.client("fc")
    listed = list(by_token(
        lambda token: fc.list_functions(fc_models.ListFunctionsRequest(limit=PAGE_SIZE, next_token=token)).body,
        lambda b: b.functions or []))

    def read(f: Any) -> FcFunction:
        fn = FcFunction(name=f.function_name or "", arn=f.function_arn or "", region=ctx.region,
                        runtime=f.runtime or "", **judged_config(ctx, f))
        try:
            fn.triggers = [http_trigger(t) for t in by_token(
                lambda token: fc.list_triggers(fn.name, fc_models.ListTriggersRequest(
                    limit=PAGE_SIZE, next_token=token)).body,
                lambda b: b.triggers or [])]
        except Exception as err:
            fn.triggers_error = apierrors.describe(err)
        try:
            fn.versions = versions(ctx, fc, fn.name)
        except Exception as err:
            fn.versions_error = apierrors.describe(err)
        return fn

    return ctx.map(read, listed)


# DescribeRegions (GET /2023-03-30/regions): "Queries the regions where Function Compute 3.0 is available"; body
# Regions.Region[].RegionId (https://www.alibabacloud.com/help/en/functioncompute/api-fc-2023-03-30-describeregions;
# alibabacloud_fc20230330 DescribeRegionsOutput). The page names no RAM action ("No authorization for this
# operation"): fc:DescribeRegions by the product's convention
@region_list("fc", product="fc", apis=["fc:DescribeRegions"])
def fc_regions(client: Any) -> list[str]:
    body = client.describe_regions(fc_models.DescribeRegionsRequest()).body
    return [r.region_id for r in (body.regions.region if body.regions else None) or []]
