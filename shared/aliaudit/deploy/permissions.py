"""The execution role: its trust, the audit read policy, the pipeline's writes, organisation mode's grants,
and ALIAUDIT_ACCOUNTS, which must name the member role those grants allow."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .catalogue import ENV_MAX_BYTES, MEMBER_ROLE_NAME, PREFIX, largest_environment_bytes


def fc_trust_policy() -> dict[str, Any]:
    return {"Version": "1", "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                                           "Principal": {"Service": ["fc.aliyuncs.com"]}}]}


# What the collectors call that is not a read: ram:GenerateCredentialReport makes IMS (re)build the account's
# credential report, which GetCredentialReport then reads (IMS API GenerateCredentialReport,
# https://www.alibabacloud.com/help/en/ram/developer-reference/api-ims-2019-08-15-generatecredentialreport). It
# changes no resource or permission, but it is a write, so it gets a policy of its own (CREDENTIAL_REPORT_POLICY)
# and AliauditAuditReadOnly stays read-only; without it the CIS 1.x credential-report checks are ERROR.
AUDIT_WRITE_ACTIONS = ("ram:GenerateCredentialReport",)


def _collector_policy() -> dict[str, Any]:
    from ..checks.registry import all_checks
    from ..policy import policy_document

    return policy_document(all_checks().values())


def audit_policy() -> dict[str, Any]:
    """Exactly the read actions the collectors call, for every check (AUDIT_WRITE_ACTIONS apart)."""
    doc = _collector_policy()
    for st in doc["Statement"]:
        st["Action"] = [a for a in st["Action"] if a not in AUDIT_WRITE_ACTIONS]
    return {**doc, "Statement": [st for st in doc["Statement"] if st["Action"]]}


def credential_report_policy() -> dict[str, Any]:
    """The collectors' AUDIT_WRITE_ACTIONS, those they actually call (account-level: Resource *)."""
    called = {a for st in _collector_policy()["Statement"] for a in st["Action"]}
    return {"Version": "1", "Statement": [{"Effect": "Allow", "Action": [a for a in AUDIT_WRITE_ACTIONS if a in called],
                                           "Resource": "*"}]}


PIPELINE_OSS_ACTIONS = ["oss:PutObject", "oss:GetObject", "oss:ListObjects", "oss:GetBucketInfo"]
# runtime/sls_sink.py: PutLogs, and ensure() reads (and creates when missing) the logstore, index and alert
PIPELINE_LOG_ACTIONS = ["log:PostLogStoreLogs", "log:GetLogStoreLogs", "log:GetLogStore", "log:CreateLogStore",
                        "log:GetProject", "log:CreateIndex", "log:GetIndex", "log:UpdateIndex", "log:CreateJob",
                        "log:GetJob", "log:UpdateJob", "log:ListJobs"]
REPORT_KEY_ACTIONS = ["kms:GenerateDataKey", "kms:Decrypt"]  # SSE-KMS with the auditor's own key


def pipeline_write_policy(bucket: Any, project: Any, *, arn: Callable[[str, Any], Any] | None = None) -> dict[str, Any]:
    """Write access to the auditor's own bucket, log project and functions only. ``arn(template, name)`` builds a
    resource ARN from a template with one ``{}``; the default formats plain strings, template.yml passes one that
    builds ROS Fn::Sub expressions. Organisation mode's grants are organisation_policy, deployed only then."""
    make = arn or (lambda template, name: template.format(name))
    return {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": list(PIPELINE_OSS_ACTIONS),
         "Resource": [make("acs:oss:*:*:{}", bucket), make("acs:oss:*:*:{}/*", bucket)]},
        {"Effect": "Allow", "Action": list(PIPELINE_LOG_ACTIONS),
         "Resource": [make("acs:log:*:*:project/{}", project), make("acs:log:*:*:project/{}/*", project)]},
        {"Effect": "Allow", "Action": ["fc:InvokeFunction"], "Resource": [f"acs:fc:*:*:functions/{PREFIX}*"]}]}


def trail_logstore_arn(project: str, logstore: str) -> str:
    return f"acs:log:*:*:project/{project}/logstore/{logstore}"


def trail_read_policy(resource: Any) -> dict[str, Any]:
    """The dispatcher's read of the trail logstore its log trigger names (runtime/trail_events.py): PullLogs, whose
    RAM action is log:GetCursorOrData on acs:log:<region>:<account>:project/<project>/logstore/<logstore> (SLS
    "PullLogs" authorization). ``resource``: that ARN (trail_logstore_arn) as the deployment tool spells it; deployed
    only with a trail logstore (template.yml's TrailLogProject)."""
    return {"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["log:GetCursorOrData"],
                                           "Resource": [resource]}]}


def organisation_policy(member_role: str = MEMBER_ROLE_NAME, *, resource: Any = None) -> dict[str, Any]:
    """What the execution role needs in organisation mode only (policy.organisation_statements): the directory
    reads, and sts:AssumeRole on the member audit role by its name in any account (acs:ram::*:role/<name>), never
    on every role: a wildcard would let the functions assume any role of their own account that trusts the
    account, an administrator's included. Kept out of AliauditAuditReadOnly, which every member role gets too, and
    out of AliauditPipelineWrite, so a single-account deployment has neither. ``resource``: the ARN pattern as the
    deployment tool spells it (template.yml: an Fn::Sub on the MemberRoleName parameter)."""
    from ..policy import organisation_statements

    return {"Version": "1", "Statement": organisation_statements(member_role, resource=resource)}


ACCOUNTS_PATTERN = r"^(|resource-directory|[0-9]{16}(,[0-9]{16})*)$"  # the Accounts parameter / accounts_setting
MEMBER_ROLE_PATTERN = r"^[a-zA-Z0-9.-]{1,64}$"  # member-role.yml's RoleName
EXTERNAL_ID_PATTERN = r"^([a-zA-Z0-9=,.@:/_+-]{2,1224})?$"  # sts:ExternalId's characters (AssumeRole doc)


def accounts_setting(accounts: str = "", member_role: str = MEMBER_ROLE_NAME, external_id: str = "") -> str:
    """ALIAUDIT_ACCOUNTS from the deployment's settings (template.yml's Accounts, MemberRoleName and
    MemberExternalId parameters build exactly this string): '' -> "single" (the own account); "resource-directory"
    or comma-separated 16-digit member ids -> the JSON mapping with role_name (and external_id), so the role the
    functions assume is always the one organisation_policy lets them assume."""
    for value, pattern, what in ((accounts, ACCOUNTS_PATTERN, "accounts"),
                                 (member_role, MEMBER_ROLE_PATTERN, "member role name"),
                                 (external_id, EXTERNAL_ID_PATTERN, "external id")):
        if not re.fullmatch(pattern, value):
            raise ValueError(f"{what}: {value!r} does not match {pattern}")
    if not accounts:
        return "single"
    mode = '"mode":"resource-directory"' if accounts == "resource-directory" else \
        '"mode":"list","ids":["' + '","'.join(accounts.split(",")) + '"]'
    ext = f'"external_id":"{external_id}",' if external_id else ""
    setting = "{" + mode + "," + ext + f'"role_name":"{member_role}"' + "}"
    size = largest_environment_bytes(setting)
    if size > ENV_MAX_BYTES:  # (FC would refuse every function)
        raise ValueError(f"accounts: {len(accounts.split(','))} member ids make the functions' environment {size} "
                         f"bytes, more than FC's {ENV_MAX_BYTES}: use 'resource-directory' (every member of the "
                         "directory) or audit fewer accounts per deployment")
    return setting


def max_accounts_length(member_role_length: int = 64, external_id_length: int = 1224) -> int:
    """The longest Accounts id list whose ALIAUDIT_ACCOUNTS fits FC's environment limit with the longest member role
    name (MEMBER_ROLE_PATTERN) and external id (EXTERNAL_ID_PATTERN): template.yml's Accounts MaxLength."""
    n = 1
    while True:
        ids = ",".join(["1" * 16] * (n + 1))
        try:
            accounts_setting(ids, "r" * member_role_length, "e" * external_id_length)
        except ValueError:
            return len(",".join(["1" * 16] * n))
        n += 1

