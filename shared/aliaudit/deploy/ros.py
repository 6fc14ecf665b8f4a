"""template.yml: the whole deployment as one ROS stack."""

from __future__ import annotations

import copy
import re
from typing import Any

from ..runtime.settings import RUN_SECRET_MIN_LENGTH, RUN_SECRET_PATTERN
from .bucket import report_bucket, report_lifecycle_rules
from .catalogue import (
    ALERT_NAME,
    AUDIT_POLICY,
    CREDENTIAL_REPORT_POLICY,
    FINDINGS_LOGSTORE,
    FUNCTION_LOGSTORE,
    HANDLER,
    LAYER_NAME,
    LOG_RETENTION_DAYS,
    MEMBER_ROLE_NAME,
    ORGANISATION_POLICY,
    PIPELINE_POLICY,
    PREFIX,
    REPORT_KEY_POLICY,
    ROLE_NAME,
    RUN_SECRET_MAX_LENGTH,
    RUNTIME,
    TRAIL_POLICY,
    TRAIL_TRIGGER_NAME,
    TRAIL_TRIGGER_ROLE,
    FunctionSpec,
    environment,
    functions,
    log_project_name,
    report_bucket_name,
    trail_trigger_config,
)
from .permissions import (
    ACCOUNTS_PATTERN,
    EXTERNAL_ID_PATTERN,
    MEMBER_ROLE_PATTERN,
    REPORT_KEY_ACTIONS,
    audit_policy,
    credential_report_policy,
    fc_trust_policy,
    max_accounts_length,
    organisation_policy,
    pipeline_write_policy,
    trail_read_policy,
)
from .yamlout import comment_header, dump_yaml


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_]", name) if part)


def _pascal_keys(value: Any) -> Any:
    """FC/SLS API camelCase keys -> ROS PascalCase property names (queryList -> QueryList)."""
    if isinstance(value, dict):
        return {k[:1].upper() + k[1:]: _pascal_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_pascal_keys(v) for v in value]
    return value


def _replace(value: Any, mapping: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: _replace(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, mapping) for v in value]
    return mapping.get(value, value) if isinstance(value, str) else value


def fn_logical_id(fn: FunctionSpec) -> str:
    return f"Fn{_camel(fn.name.removeprefix(PREFIX))}"


def _getatt(resource: str, attribute: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [resource, attribute]}


def _sub(text: str) -> dict[str, Any]:
    return {"Fn::Sub": text}


ACCOUNT_SUB = "${ALIYUN::TenantId}"  # the Alibaba Cloud account ID (ALIYUN::AccountId is the executor's)
ROS_BUCKET_NAME = report_bucket_name(ACCOUNT_SUB)
ROS_PROJECT_NAME = log_project_name(ACCOUNT_SUB)


def _ros_alert() -> dict[str, Any]:
    """The runtime's own "any unmuted FAIL" alert (sls_sink.alert_config), as ROS ALIYUN::SLS::Alert."""
    from ..runtime.sls_sink import alert_config

    marks = {"@project@": _getatt("LogProject", "Name"), "@logstore@": _getatt("FindingsLogstore", "LogstoreName"),
             "@region@": {"Ref": "ALIYUN::Region"}}
    detail = alert_config(ALERT_NAME, "@project@", "@logstore@", "@region@")
    detail.pop("state", None)  # ROS enables the alert by default and spells the values differently
    detail.pop("type", None)  # the alert type is implied by the resource type
    ros = _replace(_pascal_keys(detail), marks)
    ros["Configuration"]["PolicyConfiguration"]["ActionPolicyId"] = {"Ref": "AlertActionPolicyId"}
    return {"Type": "ALIYUN::SLS::Alert", "DependsOn": ["FindingsIndex"],
            "Properties": {"Project": _getatt("LogProject", "Name"), "Detail": ros}}


def _ros_findings_index() -> dict[str, Any]:
    """The indexed fields the runtime writes and queries (sls_sink.INDEXED), with analytics."""
    from ..runtime.sls_sink import INDEXED

    return {"Type": "ALIYUN::SLS::Index", "Properties": {
        "ProjectName": _getatt("LogProject", "Name"), "LogstoreName": _getatt("FindingsLogstore", "LogstoreName"),
        "FullTextIndex": {"Enable": True},
        "KeyIndices": [{"Name": k, "Type": "text", "EnableAnalytics": True} for k in INDEXED]}}


def _ros_policy(name: str, description: str, document: dict[str, Any], condition: str = "",
                role: str = "FcRole") -> dict[str, Any]:
    doc = copy.deepcopy(document)
    for st in doc["Statement"]:  # ROS types Action and Resource as lists
        for key in ("Action", "Resource"):
            if key in st and not isinstance(st[key], list):
                st[key] = [st[key]]
    res: dict[str, Any] = {"Type": "ALIYUN::RAM::ManagedPolicy", "Properties": {
        "PolicyName": name, "Description": description, "PolicyDocument": doc,
        "Roles": [_getatt(role, "RoleName")]}}
    if condition:
        res["Condition"] = condition
    return res


def _ros_parameters() -> dict[str, Any]:
    longest_accounts = max_accounts_length()
    return {
        "DeployFunctions": {
            "Type": "String", "AllowedValues": ["true", "false"], "Default": "true",
            "Description": "false: only the role, bucket, key and SLS resources (then deploy the functions with "
                           "`s deploy` from s.yaml)"},
        "CodeBucket": {
            "Type": "String", "Default": "",
            "Description": "OSS bucket (same region) holding the zips: `python -m aliaudit.deploy build --zip` "
                           "writes build/layer.zip and build/<function>.zip; upload them under CodeObjectPrefix"},
        "CodeObjectPrefix": {"Type": "String", "Default": "aliaudit/code/",
                             "Description": "object key prefix of the zips, e.g. aliaudit/code/ram.zip"},
        "KmsInstanceId": {
            "Type": "String", "Default": "",
            "Description": "a KMS instance: when set, the report bucket is encrypted with the auditor's own "
                           "rotated KMS key there; empty: SSE-KMS with the OSS-managed KMS key"},
        "LogRetentionDays": {"Type": "Number", "Default": LOG_RETENTION_DAYS, "MinValue": 365, "MaxValue": 3600,
                             "Description": "retention of the findings and function logstores (CIS 2.23: >= 365)"},
        "ReportRetentionDays": {"Type": "Number", "Default": 365, "MinValue": 1,
                                "Description": "days before reports/ and access-logs/ objects expire (their "
                                               "earlier versions go 30 days later, once `python -m aliaudit.deploy "
                                               "lifecycle` has set the noncurrent-version rules ROS cannot set)"},
        "AlertActionPolicyId": {"Type": "String", "Default": "sls.builtin",
                                "Description": "SLS action policy that routes the alert's notifications"},
        "Accounts": {
            "Type": "String", "Default": "", "AllowedPattern": ACCOUNTS_PATTERN, "MaxLength": longest_accounts,
            "Description": "organisation mode: 'resource-directory' (every member of the directory) or the member "
                           "account ids, comma-separated; empty: only this account. Only in organisation mode may "
                           "the role list the directory and assume the member roles (docs/organisations.md). The "
                           "list is kept in every function's environment, which FC limits to 4 KB: for more "
                           f"accounts than {(longest_accounts + 1) // 17} use resource-directory"},
        "MemberRoleName": {
            "Type": "String", "Default": MEMBER_ROLE_NAME, "AllowedPattern": MEMBER_ROLE_PATTERN,
            "Description": "organisation mode: the audit role in each member (member-role.yml's RoleName), the "
                           "only role the functions may assume"},
        "MemberExternalId": {
            "Type": "String", "Default": "", "AllowedPattern": EXTERNAL_ID_PATTERN,
            "Description": "organisation mode: the external id the member roles' trust requires (member-role.yml's "
                           "ExternalId); empty: none"},
        "TrailLogProject": {
            "Type": "String", "Default": "", "AllowedPattern": "^([a-z0-9][a-z0-9-]{1,61}[a-z0-9])?$",
            "Description": "the SLS project, in this region, to which an ActionTrail trail of every region delivers "
                           "(its SlsProjectArn): the dispatcher then also re-audits the changes made in the other "
                           "regions, about a minute after them (README 'which events reach the pipeline'); empty: "
                           "only this region's EventBridge events"},
        "TrailLogstore": {
            "Type": "String", "Default": "", "AllowedPattern": "^([a-z0-9_][a-z0-9_-]{1,61}[a-z0-9_])?$",
            "Description": "the trail's logstore in TrailLogProject: actiontrail_<trail name>, which ActionTrail "
                           "creates"},
        "TrailTriggerRoleName": {
            "Type": "String", "Default": TRAIL_TRIGGER_ROLE, "AllowedPattern": "^[a-zA-Z0-9.-]{1,64}$",
            "Description": "the role Simple Log Service invokes the dispatcher as for the trail's log trigger "
                           "(AliyunLogETLRole, which the SLS console creates when you authorize it)"},
        "RunSecret": {
            "Type": "String", "NoEcho": True, "MinLength": RUN_SECRET_MIN_LENGTH, "MaxLength": RUN_SECRET_MAX_LENGTH,
            "AllowedPattern": RUN_SECRET_PATTERN,
            "Description": f"ALIAUDIT_RUN_SECRET: keys the seals of the runs' parts, manifests and dispatch marks, "
                           f"so that no other writer of the bucket can forge them (at least {RUN_SECRET_MIN_LENGTH} "
                           "characters, e.g. `openssl rand -hex 32`; keep it out of the bucket)"},
    }


def _ros_storage() -> dict[str, Any]:
    """The report bucket (report_bucket: private, BPA, SSE-KMS, versioned, access-logged, its policy) with its
    lifecycle, and its own key."""
    spec = report_bucket(_sub(ROS_BUCKET_NAME), ACCOUNT_SUB, kms_key=_getatt("ReportKey", "KeyId"),
                         resource=lambda suffix: _sub(f"acs:oss:*:{ACCOUNT_SUB}:{ROS_BUCKET_NAME}{suffix}"))
    return {
        "ReportKey": {"Type": "ALIYUN::KMS::Key", "Condition": "UseOwnKey", "Properties": {
            "Description": "aliaudit report bucket encryption", "KeySpec": "Aliyun_AES_256",
            "KeyUsage": "ENCRYPT/DECRYPT", "EnableAutomaticRotation": True, "RotationInterval": "365d",
            "DKMSInstanceId": {"Ref": "KmsInstanceId"}}},
        "ReportBucket": {"Type": "ALIYUN::OSS::Bucket", "Properties": {
            "BucketName": spec["name"], "AccessControl": spec["acl"], "BlockPublicAccess": spec["block_public_access"],
            "ServerSideEncryptionConfiguration": {
                "SSEAlgorithm": spec["sse_algorithm"],
                "KMSMasterKeyID": {"Fn::If": ["UseOwnKey", spec["kms_key_id"], {"Ref": "ALIYUN::NoValue"}]}},
            "VersioningConfiguration": {"Status": spec["versioning"]},
            "LoggingConfiguration": {"TargetBucket": spec["logging"]["target_bucket"],
                                     "TargetPrefix": spec["logging"]["target_prefix"]},
            "Policy": spec["policy"],
            # the current versions' rules; the noncurrent versions': `python -m aliaudit.deploy lifecycle`
            "LifecycleConfiguration": {"Rule": report_lifecycle_rules({"Ref": "ReportRetentionDays"},
                                                                      noncurrent=False)},
        }},
    }


def _ros_logging() -> dict[str, Any]:
    project = _getatt("LogProject", "Name")
    return {
        "LogProject": {"Type": "ALIYUN::SLS::Project", "Properties": {
            "Name": _sub(ROS_PROJECT_NAME), "Description": "aliaudit findings and function logs"}},
        "FindingsLogstore": {"Type": "ALIYUN::SLS::Logstore", "Properties": {
            "ProjectName": project, "LogstoreName": FINDINGS_LOGSTORE, "TTL": {"Ref": "LogRetentionDays"},
            "ShardCount": 2, "AutoSplit": True, "MaxSplitShard": 16}},
        "FindingsIndex": _ros_findings_index(),
        "FindingsAlert": _ros_alert(),
        "FunctionLogstore": {"Type": "ALIYUN::SLS::Logstore", "Properties": {
            "ProjectName": project, "LogstoreName": FUNCTION_LOGSTORE, "TTL": {"Ref": "LogRetentionDays"},
            "ShardCount": 2, "AutoSplit": True, "MaxSplitShard": 16}},
        "FunctionLogIndex": {"Type": "ALIYUN::SLS::Index", "Properties": {
            "ProjectName": project, "LogstoreName": _getatt("FunctionLogstore", "LogstoreName"),
            "FullTextIndex": {"Enable": True}}},
    }


def _ros_identity() -> dict[str, Any]:
    def arn(template: str, name: str) -> dict[str, Any]:
        return _sub(template.format(name))

    # ALIYUN::KMS::Key returns only KeyId (ros-cdk-kms 1.15.0: RosKey.attrKeyId; ROS doc aliyun-kms-key), so the
    # key's ARN is built in KMS's format acs:kms:<region>:<account>:key/<key id> (KMS DescribeKey doc)
    key_use = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": list(REPORT_KEY_ACTIONS),
                                              "Resource": [_sub("acs:kms:${ALIYUN::Region}:" + ACCOUNT_SUB
                                                                + ":key/${ReportKey.KeyId}")]}]}
    return {
        "FcRole": {"Type": "ALIYUN::RAM::Role", "Properties": {
            "RoleName": ROLE_NAME, "Description": "aliaudit functions: read-only audit, writes only its own results",
            "AssumeRolePolicyDocument": fc_trust_policy(), "MaxSessionDuration": 3600}},
        "AuditReadOnlyPolicy": _ros_policy(
            AUDIT_POLICY, "aliaudit: exactly the read actions its collectors call", audit_policy()),
        "CredentialReportPolicy": _ros_policy(
            CREDENTIAL_REPORT_POLICY, "aliaudit: ram:GenerateCredentialReport, the one write its audit needs "
            "(IMS builds the credential report the CIS 1.x checks read)", credential_report_policy()),
        "PipelineWritePolicy": _ros_policy(
            PIPELINE_POLICY, "aliaudit: write access to its own report bucket, log project and functions",
            pipeline_write_policy(ROS_BUCKET_NAME, ROS_PROJECT_NAME, arn=arn)),
        "TrailReadPolicy": _ros_policy(
            TRAIL_POLICY, "aliaudit: the dispatcher's read of the ActionTrail trail's logstore (PullLogs)",
            trail_read_policy(_sub("acs:log:*:*:project/${TrailLogProject}/logstore/${TrailLogstore}")),
            "HasTrailLogs"),
        "OrganisationPolicy": _ros_policy(
            ORGANISATION_POLICY, "aliaudit organisation mode: resource directory reads and sts:AssumeRole on the "
                                 "member audit role (by name) only",
            organisation_policy(resource=_sub("acs:ram::*:role/${MemberRoleName}")), "OrganisationMode"),
        "ReportKeyUsePolicy": _ros_policy(
            REPORT_KEY_POLICY, "aliaudit: use of the report bucket's own KMS key", key_use, "UseOwnKey"),
    }


def _ros_accounts_setting() -> dict[str, Any]:
    """ALIAUDIT_ACCOUNTS built from the Accounts, MemberRoleName and MemberExternalId parameters: the very string
    accounts_setting() returns for them (tests/serverless/test_deploy.py compares both)."""
    ids = {"Fn::Join": ['","', {"Fn::Split": [",", {"Ref": "Accounts"}]}]}
    mode = {"Fn::If": ["DirectoryMode", '"mode":"resource-directory"',
                       {"Fn::Sub": ['"mode":"list","ids":["${Ids}"]', {"Ids": ids}]}]}
    ext = {"Fn::If": ["HasMemberExternalId", _sub('"external_id":"${MemberExternalId}",'), ""]}
    return {"Fn::If": ["OrganisationMode", {"Fn::Sub": ['{${Mode},${External}"role_name":"${MemberRoleName}"}',
                                                          {"Mode": mode, "External": ext}]}, "single"]}


def _ros_layer() -> dict[str, Any]:
    """The dependency layer every function mounts (bundle.py: build/layer.zip, uploaded under CodeObjectPrefix)."""
    return {"DependencyLayer": {"Type": "ALIYUN::FC3::LayerVersion", "Condition": "CreateFunctions", "Properties": {
        "LayerName": LAYER_NAME, "CompatibleRuntime": [RUNTIME],
        "Description": "aliaudit: the functions' python3.10 dependencies, byte-compiled (make build)",
        "Code": {"OssBucketName": {"Ref": "CodeBucket"}, "OssObjectName": _sub("${CodeObjectPrefix}layer.zip")}}}}


def _ros_functions() -> dict[str, Any]:
    out: dict[str, Any] = _ros_layer()
    fns = functions()
    targets = [fn_logical_id(f) for f in fns if f.kind != "dispatcher"]
    policies = ["AuditReadOnlyPolicy", "CredentialReportPolicy", "PipelineWritePolicy"]
    for fn in fns:
        lid = fn_logical_id(fn)
        env = environment(fn, bucket=_getatt("ReportBucket", "Name"), project=_getatt("LogProject", "Name"),
                          logstore=_getatt("FindingsLogstore", "LogstoreName"), accounts=_ros_accounts_setting(),
                          run_secret={"Ref": "RunSecret"}, trail=({"Ref": "TrailLogProject"}, {"Ref": "TrailLogstore"}))
        out[lid] = {"Type": "ALIYUN::FC3::Function", "Condition": "CreateFunctions", "DependsOn": list(policies),
                    "Properties": {
                        "FunctionName": fn.name, "Description": fn.description, "Runtime": RUNTIME,
                        "Handler": HANDLER, "MemorySize": fn.memory_mb, "Timeout": fn.timeout,
                        "Role": _getatt("FcRole", "Arn"), "InternetAccess": True,
                        "Code": {"OssBucketName": {"Ref": "CodeBucket"},
                                 "OssObjectName": _sub(f"${{CodeObjectPrefix}}{fn.directory}.zip")},
                        "LogConfig": {"Project": _getatt("LogProject", "Name"),
                                      "Logstore": _getatt("FunctionLogstore", "LogstoreName"),
                                      "EnableRequestMetrics": True, "EnableInstanceMetrics": True,
                                      "LogBeginRule": "DefaultRegex"},
                        "EnvironmentVariables": env,
                        "Layers": [_getatt("DependencyLayer", "LayerVersionArn")]}}
        if fn.cpu is not None:
            out[lid]["Properties"]["Cpu"] = fn.cpu
        if fn.disk_mb is not None:
            out[lid]["Properties"]["DiskSize"] = fn.disk_mb
        if fn.async_retries is not None:
            out[f"{lid}AsyncConfig"] = {"Type": "ALIYUN::FC3::AsyncInvokeConfig", "Condition": "CreateFunctions",
                                        "Properties": {"FunctionName": _getatt(lid, "FunctionName"),
                                                       "MaxAsyncRetryAttempts": fn.async_retries}}
        for t in fn.triggers:
            trig: dict[str, Any] = {
                "Type": "ALIYUN::FC3::Trigger", "Condition": "CreateFunctions",
                "Properties": {"FunctionName": _getatt(lid, "FunctionName"), "TriggerName": t["triggerName"],
                               "TriggerType": t["triggerType"], "TriggerConfig": copy.deepcopy(t["triggerConfig"])}}
            if fn.kind == "dispatcher":  # runs start only once every function they fan out to exists
                trig = {"Type": trig["Type"], "Condition": trig["Condition"], "DependsOn": list(targets),
                        "Properties": trig["Properties"]}
            out[f"{lid}Trigger{_camel(t['triggerName'])}"] = trig
        if fn.kind == "dispatcher":  # the trail's log trigger, with TrailLogProject (runtime/trail_events.py)
            out[f"{lid}Trigger{_camel(TRAIL_TRIGGER_NAME)}"] = {
                "Type": "ALIYUN::FC3::Trigger", "Condition": "CreateTrailTrigger",
                "DependsOn": [*targets, "TrailReadPolicy"],
                "Properties": {
                    "FunctionName": _getatt(lid, "FunctionName"), "TriggerName": TRAIL_TRIGGER_NAME,
                    "TriggerType": "log",
                    "SourceArn": _sub("acs:log:${ALIYUN::Region}:" + ACCOUNT_SUB + ":project/${TrailLogProject}"),
                    "InvocationRole": _sub("acs:ram::" + ACCOUNT_SUB + ":role/${TrailTriggerRoleName}"),
                    "TriggerConfig": trail_trigger_config({"Ref": "TrailLogstore"},
                                                          _getatt("LogProject", "Name"))}}
    return out


def template() -> dict[str, Any]:
    dispatcher = next(fn_logical_id(f) for f in functions() if f.kind == "dispatcher")
    deploying = {"Fn::Equals": ["true", {"Ref": "DeployFunctions"}]}
    has_trail = {"Fn::And": [{"Fn::Not": {"Fn::Equals": ["", {"Ref": "TrailLogProject"}]}},  # (both: an empty
                             {"Fn::Not": {"Fn::Equals": ["", {"Ref": "TrailLogstore"}]}}]}  # logstore is no trail)
    return {
        "ROSTemplateFormatVersion": "2015-09-01",
        "Description": "aliaudit: serverless security-posture auditor for Alibaba Cloud (FC 3.0 python3.10): "
                       "the functions and triggers of s.yaml, the report bucket, the SLS findings logstore with "
                       "its index and FAIL alert, and the least-privilege execution role.",
        "Parameters": _ros_parameters(),
        "Conditions": {"CreateFunctions": deploying,
                       "UseOwnKey": {"Fn::Not": {"Fn::Equals": ["", {"Ref": "KmsInstanceId"}]}},
                       "OrganisationMode": {"Fn::Not": {"Fn::Equals": ["", {"Ref": "Accounts"}]}},
                       "DirectoryMode": {"Fn::Equals": ["resource-directory", {"Ref": "Accounts"}]},
                       "HasMemberExternalId": {"Fn::Not": {"Fn::Equals": ["", {"Ref": "MemberExternalId"}]}},
                       "HasTrailLogs": has_trail,
                       "CreateTrailTrigger": {"Fn::And": [deploying, has_trail]}},
        "Resources": {**_ros_identity(), **_ros_storage(), **_ros_logging(), **_ros_functions()},
        "Outputs": {
            "ReportBucket": {"Description": "OSS bucket with the reports", "Value": _getatt("ReportBucket", "Name")},
            "LogProject": {"Description": "SLS project", "Value": _getatt("LogProject", "Name")},
            "FindingsLogstore": {"Description": "one log per finding",
                                 "Value": _getatt("FindingsLogstore", "LogstoreName")},
            "AlertName": {"Description": "SLS alert on unmuted FAIL findings",
                          "Value": _getatt("FindingsAlert", "Name")},
            "ExecutionRoleArn": {"Description": "the functions' role", "Value": _getatt("FcRole", "Arn")},
            "DispatcherFunction": {"Condition": "CreateFunctions", "Description": "starts runs",
                                   "Value": _getatt(dispatcher, "FunctionName")},
        },
    }


TEMPLATE_HEADER = [
    "Generated by `python -m aliaudit.deploy render` (make deploy-files) from the check metadata; do not edit.",
    "ROS template: the functions and triggers of s.yaml with their dependency layer (code and layer zips from OSS:",
    "CodeBucket/CodeObjectPrefix), the report bucket, the SLS findings logstore with its index and alert, and the",
    "role aliaudit-fc with its policies.",
    "DeployFunctions=false creates only the shared resources, for a deployment of the functions with s.yaml.",
]


def render_template() -> str:
    return dump_yaml(template(), comment_header(TEMPLATE_HEADER))

