"""The deployment descriptions and the build: s.yaml, template.yml and member-role.yml are generated from the
metadata (never stale), agree with each other (functions, handlers, env, triggers, role, policies), deploy every
function directory, use only documented ROS types and properties, render with the Serverless Devs CLI
(`s preview`) and deploy into the emulator; the member accounts' audit role works for organisation mode in the
emulator; the bundle layout (fast, with a stand-in vendor tree) and, marked slow, the real build for the FC
python3.10 runtime."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from aliaudit import deploy
from aliaudit.checks import families
from aliaudit.checks.registry import all_checks
from aliaudit.policy import policy_document
from tests.deploy_schemas import ros_attributes, ros_schema
from tests.paths import ROOT
from tests.sdk import ACCOUNT, ADMIN_AK, ADMIN_SECRET, base_scenario, load

REGION = "cn-hangzhou"
BUCKET = f"aliaudit-reports-{ACCOUNT}"
PROJECT = f"aliaudit-{ACCOUNT}"
ROLE_ARN = f"acs:ram::{ACCOUNT}:role/aliaudit-fc"
RUN_SECRET = "test-run-secret-0123456789abcdef0123456789"  # template.yml's RunSecret, s.yaml's env in these tests
S_VERSION = "3.1.10"  # @serverless-devs/s on npm, as S_VERSION in the Makefile (`s preview` works offline)

# --- what Alibaba Cloud documents ------------------------------------------------------------------
# Resource types, properties, values and attributes: tests/unit/test_deploy_schema.py, against the ROS CDK's own
# definitions (tests/fixtures/deploy-schemas). What follows is the template structure around the resources.
# Template sections, resource attributes, parameter and output keys: ROS template structure
# (https://www.alibabacloud.com/help/en/ros/user-guide/template-structure, .../parameters, .../outputs,
# .../conditions; functions: .../function-sub, .../function-equals, pseudo parameters .../pseudo-parameters).
ROS_SECTIONS = {"ROSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Mappings", "Conditions",
                "Resources", "Outputs", "Rules", "Workspace", "Transform"}
ROS_RESOURCE_KEYS = {"Type", "Properties", "DependsOn", "Condition", "DeletionPolicy", "Metadata", "Count"}
ROS_PARAMETER_KEYS = {"Type", "Default", "AllowedValues", "AllowedPattern", "MinLength", "MaxLength", "MinValue",
                      "MaxValue", "Description", "ConstraintDescription", "Label", "NoEcho", "AssociationProperty",
                      "AssociationPropertyMetadata", "Confirm", "TextArea", "Placeholder", "Required"}
ROS_PARAMETER_TYPES = {"String", "Number", "CommaDelimitedList", "Json", "Boolean"}
ROS_OUTPUT_KEYS = {"Value", "Description", "Condition", "Label", "NoEcho"}
ROS_PSEUDO = set(ros_schema()["pseudo_parameters"])  # ros-cdk-core lib/ros-pseudo.js

# CreatePolicy PolicyDocument, https://www.alibabacloud.com/help/en/ram/developer-reference/api-ram-2015-05-01-createpolicy
RAM_POLICY_MAX_CHARS = 6144
# FC environment variables, all together (FC 3.0 limits:
# https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/product-overview/limits-of-usage)
FC_ENV_MAX_BYTES = 4096


# --- reading the two files ---------------------------------------------------------------------------

def s_doc() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "s.yaml").read_text())


def t_doc() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "template.yml").read_text())


def m_doc() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "member-role.yml").read_text())


ROS_FILES = {"template.yml": t_doc, "member-role.yml": m_doc}


def s_props() -> dict[str, dict[str, Any]]:
    """Every fc3 resource's props, template merged and variables resolved, as the emulator deploys them."""
    from tests.emulator.products.fc import _SYaml

    doc = s_doc()
    syaml = _SYaml(doc, ACCOUNT)
    out = {}
    for name in doc["resources"]:
        raw = syaml.props(name)
        out[name] = syaml.resolve(raw, raw)
    return out


_NOVALUE = object()


@pytest.fixture(autouse=True)
def _deployer_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """s.yaml reads ALIAUDIT_RUN_SECRET (required) and ALIAUDIT_ACCOUNTS from the deployer's environment."""
    monkeypatch.setenv("ALIAUDIT_RUN_SECRET", RUN_SECRET)
    monkeypatch.delenv("ALIAUDIT_ACCOUNTS", raising=False)


class Ros:
    """A small evaluator of the template's intrinsic functions for one account, region and parameter set."""

    def __init__(self, doc: dict[str, Any], **params: Any) -> None:
        self.doc = doc
        given = {"RunSecret": RUN_SECRET} if "RunSecret" in doc.get("Parameters", {}) else {}  # no default
        self.params = {k: v.get("Default") for k, v in doc.get("Parameters", {}).items()} | given | params
        self.resources: dict[str, Any] = doc["Resources"]

    def condition(self, expr: Any) -> bool:
        if isinstance(expr, str):
            return self.condition(self.doc["Conditions"][expr])
        (fn, arg), = expr.items()
        if fn == "Fn::Equals":
            return self.value(arg[0]) == self.value(arg[1])
        if fn == "Fn::Not":
            return not self.condition(arg[0] if isinstance(arg, list) else arg)
        if fn == "Fn::And":
            return all(self.condition(a) for a in arg)
        if fn == "Fn::Or":
            return any(self.condition(a) for a in arg)
        raise AssertionError(f"unknown condition function {fn}")

    def active(self, logical_id: str) -> bool:
        cond = self.resources[logical_id].get("Condition")
        return cond is None or self.condition(cond)

    def props(self, logical_id: str) -> dict[str, Any]:
        return self.value(self.resources[logical_id].get("Properties", {}))

    def value(self, v: Any) -> Any:
        if isinstance(v, list):
            return [x for x in (self.value(i) for i in v) if x is not _NOVALUE]
        if not isinstance(v, dict):
            return v
        if len(v) == 1:
            (fn, arg), = v.items()
            if fn == "Ref":
                return self.ref(arg)
            if fn == "Fn::GetAtt":
                return self.getatt(*arg)
            if fn == "Fn::Sub":
                return self.sub(arg)
            if fn == "Fn::If":
                return self.value(arg[1] if self.condition(arg[0]) else arg[2])
            if fn == "Fn::Join":
                return str(self.value(arg[0])).join(str(x) for x in self.value(arg[1]))
            if fn == "Fn::Split":
                return str(self.value(arg[1])).split(str(self.value(arg[0])))
        out = {k: self.value(x) for k, x in v.items()}
        return {k: x for k, x in out.items() if x is not _NOVALUE}

    def ref(self, name: str) -> Any:
        pseudo = {"ALIYUN::Region": REGION, "ALIYUN::TenantId": ACCOUNT, "ALIYUN::AccountId": ACCOUNT,
                  "ALIYUN::NoValue": _NOVALUE, "ALIYUN::StackName": "aliaudit"}
        if name in pseudo:
            return pseudo[name]
        if name in self.params:
            return self.params[name]
        raise AssertionError(f"Ref to {name}: not a parameter or pseudo parameter")

    def sub(self, arg: Any) -> str:
        text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

        def one(m: re.Match[str]) -> str:
            name = m.group(1)
            if name in extra:
                return str(self.value(extra[name]))
            if "." in name and not name.startswith("ALIYUN::"):
                return str(self.getatt(*name.split(".", 1)))
            return str(self.ref(name))

        return re.sub(r"\$\{([^!}][^}]*)\}", one, text)

    def getatt(self, logical_id: str, attr: str) -> Any:
        res = self.resources[logical_id]
        assert attr in ros_attributes(res["Type"]), f"{res['Type']} has no attribute {attr}"
        p = self.props(logical_id)
        by_type: dict[str, Any] = {
            "ALIYUN::OSS::Bucket": lambda: {"Name": p["BucketName"]}[attr],
            "ALIYUN::SLS::Project": lambda: p["Name"],
            "ALIYUN::SLS::Logstore": lambda: p[attr],
            "ALIYUN::SLS::Alert": lambda: p["Detail"]["Name"],
            "ALIYUN::RAM::Role": lambda: {"Arn": f"acs:ram::{ACCOUNT}:role/{p['RoleName']}",
                                          "RoleName": p["RoleName"]}[attr],
            "ALIYUN::RAM::ManagedPolicy": lambda: p["PolicyName"],
            "ALIYUN::FC3::Function": lambda: {"FunctionName": p["FunctionName"],
                                              "ARN": f"acs:fc:{REGION}:{ACCOUNT}:functions/{p['FunctionName']}"}[attr],
            "ALIYUN::KMS::Key": lambda: {"KeyId": "key-test"}[attr],
            "ALIYUN::FC3::LayerVersion": lambda: {
                "LayerVersionArn": f"acs:fc:{REGION}:{ACCOUNT}:layers/{p['LayerName']}/versions/1"}[attr],
        }
        return by_type[res["Type"]]()

    def of_type(self, rtype: str) -> dict[str, dict[str, Any]]:
        return {lid: self.props(lid) for lid, r in self.resources.items() if r["Type"] == rtype and self.active(lid)}


def ros_functions(ros: Ros) -> dict[str, dict[str, Any]]:
    """Function name -> its ROS properties plus its async retries and triggers, resolved."""
    fns = ros.of_type("ALIYUN::FC3::Function")
    by_lid = {lid: p["FunctionName"] for lid, p in fns.items()}
    out = {p["FunctionName"]: {**p, "triggers": [], "retries": None} for p in fns.values()}
    for lid, r in ros.resources.items():  # in template order: the order triggers are listed
        if not ros.active(lid):
            continue
        fn_ref = r.get("Properties", {}).get("FunctionName")
        target = by_lid.get(fn_ref["Fn::GetAtt"][0]) if isinstance(fn_ref, dict) else None
        if r["Type"] == "ALIYUN::FC3::Trigger":
            p = ros.props(lid)
            out[target]["triggers"].append({"triggerName": p["TriggerName"], "triggerType": p["TriggerType"],
                                            "triggerConfig": p["TriggerConfig"]})
        elif r["Type"] == "ALIYUN::FC3::AsyncInvokeConfig":
            out[target]["retries"] = ros.props(lid)["MaxAsyncRetryAttempts"]
    return out


def listify(doc: dict[str, Any]) -> dict[str, Any]:
    """A policy document with Action/Resource always lists (ROS types them as lists)."""
    doc = json.loads(json.dumps(doc))
    for st in doc["Statement"]:
        for key in ("Action", "Resource"):
            if isinstance(st.get(key), str):
                st[key] = [st[key]]
    return doc


# --- generated, never stale ----------------------------------------------------------------------

def test_s_yaml_and_template_yml_are_up_to_date():
    """Regenerate with `make deploy-files` (python -m aliaudit.deploy render) after changing checks or families."""
    stale = deploy.render(ROOT, check=True)
    assert stale == [], f"{', '.join(stale)} stale: run `make deploy-files`"
    for name in ("s.yaml", "template.yml", "member-role.yml"):
        assert (ROOT / name).read_text().startswith("# Generated by `python -m aliaudit.deploy render`"), name


def test_render_check_reports_a_stale_file(tmp_path, capsys):
    (tmp_path / "s.yaml").write_text(deploy.render_s_yaml())
    (tmp_path / "template.yml").write_text("old\n")
    assert deploy.render(tmp_path, check=True) == ["template.yml", "member-role.yml"]  # member-role.yml missing
    assert (tmp_path / "template.yml").read_text() == "old\n"  # --check writes nothing
    assert not (tmp_path / "member-role.yml").exists()
    assert deploy.main(["render", "--check", "--root", str(tmp_path)]) == 1
    assert "member-role.yml is stale" in capsys.readouterr().err
    assert deploy.render(tmp_path) == ["template.yml", "member-role.yml"]
    assert deploy.render(tmp_path, check=True) == []
    (tmp_path / "member-role.yml").write_text(deploy.render_member_role().replace("aliaudit-member-audit", "x"))
    assert deploy.render(tmp_path, check=True) == ["member-role.yml"]


def test_every_function_directory_is_deployed_and_every_function_has_its_directory():
    dirs = {p.parent.name for p in (ROOT / "functions").glob("*/index.py")}
    s_code = {p["functionName"]: p["code"] for p in s_props().values()}
    assert {c.removeprefix("./build/") for c in s_code.values()} == dirs
    assert {fn: f"./build/{fn.removeprefix('aliaudit-')}" for fn in s_code} == s_code
    expected = {"aliaudit-dispatcher", "aliaudit-aggregator"} | {f"aliaudit-{f}" for f in families()}
    assert set(s_code) == expected
    ros_code = {p["FunctionName"]: p["Code"]["OssObjectName"]
                for p in Ros(t_doc()).of_type("ALIYUN::FC3::Function").values()}
    assert ros_code == {fn: f"aliaudit/code/{fn.removeprefix('aliaudit-')}.zip" for fn in expected}
    for d in dirs:  # the entry point is a thin shell over aliaudit.runtime
        text = (ROOT / "functions" / d / "index.py").read_text()
        assert re.search(r"from aliaudit\.runtime\.(worker|dispatcher|aggregator) import handler", text), d


# --- s.yaml ------------------------------------------------------------------------------------------

def test_s_yaml_follows_the_contract():
    doc = s_doc()
    assert doc["edition"] == "3.0.0" and doc["vars"]["region"] == "cn-hangzhou"
    assert set(doc["template"]) == {"aliaudit-function"}
    props = s_props()
    for name, res in doc["resources"].items():
        assert res["component"] == "fc3" and res["extend"]["name"] == "aliaudit-function", name
        assert res["props"]["functionName"] == name
        hook = res["actions"]["pre-deploy"]
        assert len(hook) == 1 and hook[0]["run"].startswith("make build") and hook[0]["path"] == "./"
        p = props[name]
        aggregator = name == "aliaudit-aggregator"  # 2 vCPUs: its SLS logs go out from a second process
        assert (p["region"], p["runtime"], p["handler"], p["memorySize"], p.get("cpu"), p.get("diskSize")) == (
            REGION, "python3.10", "index.handler", 2048 if aggregator else 1024, 2 if aggregator else None,
            10240 if aggregator else None)  # the aggregator's spool and reports outgrow FC's default 512 MB
        assert p["role"] == ROLE_ARN and p["internetAccess"] is True
        family = name.removeprefix("aliaudit-")
        env = {"ALIAUDIT_REPORT_BUCKET": BUCKET, "ALIAUDIT_LOG_PROJECT": PROJECT,
               "ALIAUDIT_FINDINGS_LOGSTORE": "findings", "ALIAUDIT_FUNCTION_PREFIX": "aliaudit-",
               "ALIAUDIT_ALERT_NAME": "aliaudit-unmuted-fail", "ALIAUDIT_AGGREGATION_DEADLINE_SECONDS": "1800",
               # from the deployer's environment (ALIAUDIT_ACCOUNTS unset: the own account only)
               "ALIAUDIT_ACCOUNTS": "single", "ALIAUDIT_RUN_SECRET": RUN_SECRET}
        if family in families():
            env["ALIAUDIT_FAMILY"] = family
        if name == "aliaudit-dispatcher":  # the trail logstore (ALIAUDIT_TRAIL_* unset: none)
            env.update({"ALIAUDIT_TRAIL_LOG_PROJECT": "", "ALIAUDIT_TRAIL_LOGSTORE": ""})
        assert p["environmentVariables"] == env, name
        assert len(json.dumps(p["environmentVariables"])) < FC_ENV_MAX_BYTES
        if name == "aliaudit-dispatcher":
            assert p["timeout"] == 120 and "asyncInvokeConfig" not in p
        else:
            assert p["timeout"] == 900 and p["asyncInvokeConfig"] == {"maxAsyncRetryAttempts": 2}, name
    assert [t["triggerName"] for t in props["aliaudit-dispatcher"]["triggers"]] == ["daily", "actiontrail-changes"]
    assert [t["triggerName"] for t in props["aliaudit-aggregator"]["triggers"]] == ["sweep"]
    assert all("triggers" not in props[f"aliaudit-{f}"] for f in families())
    daily, events = props["aliaudit-dispatcher"]["triggers"]
    assert daily == {"triggerName": "daily", "triggerType": "timer",
                     "triggerConfig": {"cronExpression": "0 0 2 * * *", "enable": True, "payload": "{}"}}
    sweep = props["aliaudit-aggregator"]["triggers"][0]["triggerConfig"]
    assert sweep == {"cronExpression": "0 */30 * * * *", "enable": True, "payload": '{"sweep": true}'}
    assert json.loads(sweep["payload"]) == {"sweep": True}
    for cron in (daily["triggerConfig"]["cronExpression"], sweep["cronExpression"]):
        assert len(cron.split()) == 6 and not cron.startswith("CRON_TZ")  # seconds first, UTC
    assert events["triggerType"] == "eventbridge"
    cfg = events["triggerConfig"]
    # FC 3.0's asyncInvocationType: false is the asynchronous invocation (fc20230330 EventBridgeTriggerConfig)
    assert (cfg["triggerEnable"], cfg["asyncInvocationType"], cfg["eventSourceConfig"]) == (
        True, False, {"eventSourceType": "Default"})


def test_eventbridge_trigger_is_last_everywhere():
    """fc3 stops deploying a function's triggers after an unchanged eventbridge trigger (devsapp/fc3
    src/subCommands/deploy/impl/trigger.ts, Trigger.run() at 4ca1c1b)."""
    for name, p in s_props().items():
        types = [t["triggerType"] for t in p.get("triggers", [])]
        if "eventbridge" in types:
            assert types.index("eventbridge") == len(types) - 1 and types.count("eventbridge") == 1, name
    assert any("eventbridge" in [t["triggerType"] for t in p.get("triggers", [])] for p in s_props().values())


def test_event_pattern_is_the_union_of_every_checks_events():
    # (but ConsoleSignin, which EventBridge never carries: deploy/catalogue.py NOT_ON_EVENTBRIDGE)
    events = sorted({e for c in all_checks().values() for e in c.meta.events} - {"ConsoleSignin"})
    assert len(events) > 50
    (t,) = [t for t in s_props()["aliaudit-dispatcher"]["triggers"] if t["triggerType"] == "eventbridge"]
    pattern_text = t["triggerConfig"]["eventRuleFilterPattern"]
    assert isinstance(pattern_text, str)  # FC wants the pattern as a JSON string
    assert json.loads(pattern_text) == {"type": [{"suffix": ":ActionTrail:ApiCall"},
                                                 {"suffix": ":ActionTrail:ConsoleOperation"},
                                                 {"suffix": ":ActionTrail:AliyunServiceEvent"}],
                                        "data": {"eventName": events}}
    # e.g. the events that make an OSS bucket public, create an access key, open a security group
    assert {"PutBucketAcl", "CreateAccessKey", "AuthorizeSecurityGroup"} <= set(events)


def test_s_yaml_names_the_log_project_and_store():
    """The fc3 schema itself: tests/unit/test_deploy_schema.py."""
    for p in s_props().values():
        assert p["logConfig"]["project"] == PROJECT and p["logConfig"]["logstore"] == "fc-logs"


# --- s.yaml and template.yml agree -----------------------------------------------------------------------

def test_s_yaml_and_template_yml_describe_the_same_functions():
    ros = Ros(t_doc())
    rf = ros_functions(ros)
    sp = {p["functionName"]: p for p in s_props().values()}
    assert set(rf) == set(sp)
    for name, s in sp.items():
        r = rf[name]
        assert (r["Runtime"], r["Handler"], r["MemorySize"], r.get("Cpu"), r.get("DiskSize"), r["Timeout"]) == (
            s["runtime"], s["handler"], s["memorySize"], s.get("cpu"), s.get("diskSize"), s["timeout"]), name
        assert r["Role"] == s["role"] == ROLE_ARN
        assert r["EnvironmentVariables"] == s["environmentVariables"], name
        assert r["InternetAccess"] == s["internetAccess"]
        assert {k[:1].lower() + k[1:]: v for k, v in r["LogConfig"].items()} == s["logConfig"]
        assert r["retries"] == s.get("asyncInvokeConfig", {}).get("maxAsyncRetryAttempts"), name
        assert r["triggers"] == s.get("triggers", []), name
        assert r["Description"] == s["description"]
    # the shared names: bucket, log project, logstore, role
    assert ros.of_type("ALIYUN::OSS::Bucket")["ReportBucket"]["BucketName"] == BUCKET
    assert ros.of_type("ALIYUN::SLS::Project")["LogProject"]["Name"] == PROJECT
    stores = {p["LogstoreName"] for p in ros.of_type("ALIYUN::SLS::Logstore").values()}
    assert stores == {"findings", "fc-logs"}
    assert ros.getatt("FcRole", "Arn") == ROLE_ARN


def test_template_yml_without_functions_keeps_only_the_shared_resources():
    ros = Ros(t_doc(), DeployFunctions="false")
    assert ros_functions(ros) == {}
    left = {r["Type"] for lid, r in ros.resources.items() if ros.active(lid)}
    assert left == {"ALIYUN::RAM::Role", "ALIYUN::RAM::ManagedPolicy", "ALIYUN::OSS::Bucket", "ALIYUN::SLS::Project",
                    "ALIYUN::SLS::Logstore", "ALIYUN::SLS::Index", "ALIYUN::SLS::Alert"}


def test_role_and_policies_are_the_metadatas():
    ros = Ros(t_doc())
    (role,) = ros.of_type("ALIYUN::RAM::Role").values()
    assert role["RoleName"] == "aliaudit-fc"
    assert role["AssumeRolePolicyDocument"] == listify(deploy.fc_trust_policy()) | {
        "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": ["fc.aliyuncs.com"]}}]}
    policies = {p["PolicyName"]: p for p in ros.of_type("ALIYUN::RAM::ManagedPolicy").values()}
    # + the key's with KmsInstanceId, + the organisation policy with Accounts
    assert set(policies) == {"AliauditAuditReadOnly", "AliauditCredentialReport", "AliauditPipelineWrite"}
    for p in policies.values():
        assert p["Roles"] == ["aliaudit-fc"]
        assert len(json.dumps(p["PolicyDocument"], separators=(",", ":"))) <= RAM_POLICY_MAX_CHARS
    read = policies["AliauditAuditReadOnly"]["PolicyDocument"]
    # the read-only policy holds reads only; the collectors' one write (IMS builds the credential report) has its own
    report = policies["AliauditCredentialReport"]["PolicyDocument"]["Statement"]
    assert report == [{"Effect": "Allow", "Action": ["ram:GenerateCredentialReport"], "Resource": ["*"]}]
    assert sorted(read["Statement"][0]["Action"] + report[0]["Action"]) == listify(
        policy_document(all_checks().values()))["Statement"][0]["Action"]
    # (MSE names its reads Query*, as ReadOnlyAccess's Query* pattern grants)
    assert all(re.match(r"(Describe|Get|List|Lookup|Query)[A-Z]", a.split(":")[1])
               for a in read["Statement"][0]["Action"])
    write = policies["AliauditPipelineWrite"]["PolicyDocument"]
    assert write == listify(deploy.pipeline_write_policy(BUCKET, PROJECT))
    oss, log, fc = write["Statement"]
    assert oss["Action"] == ["oss:PutObject", "oss:GetObject", "oss:ListObjects", "oss:GetBucketInfo"]
    assert oss["Resource"] == [f"acs:oss:*:*:{BUCKET}", f"acs:oss:*:*:{BUCKET}/*"]
    assert {"log:PostLogStoreLogs", "log:GetLogStoreLogs", "log:GetLogStore", "log:CreateIndex", "log:GetIndex",
            "log:UpdateIndex", "log:CreateJob", "log:GetJob", "log:UpdateJob", "log:ListJobs"} <= set(log["Action"])
    assert log["Resource"] == [f"acs:log:*:*:project/{PROJECT}", f"acs:log:*:*:project/{PROJECT}/*"]
    assert fc == {"Effect": "Allow", "Action": ["fc:InvokeFunction"], "Resource": ["acs:fc:*:*:functions/aliaudit-*"]}
    # a single-account deployment may neither list the directory's accounts nor assume any role (issue 21 item 1);
    # it reads the directory's control policies (resourcemanager_guardrails_protect_audit) and the account's own
    # resource groups (Anti-DDoS Proxy answers one group per call), never the directory's members
    granted = {a for p in policies.values() for st in p["PolicyDocument"]["Statement"] for a in st["Action"]}
    members = re.compile(r"resourcemanager:(List|Get)(Account|Folder)")
    assert not {a for a in granted if a.startswith("sts:") or members.match(a)}
    assert {a for a in granted if a.startswith("resourcemanager:")} == {
        "resourcemanager:GetResourceDirectory", "resourcemanager:GetControlPolicyEnablementStatus",
        "resourcemanager:ListControlPolicyAttachmentsForTarget", "resourcemanager:GetControlPolicy",
        "resourcemanager:ListResourceGroups"}
    # organisation mode: exactly what accounts.py calls in the management account (the directory, its members and
    # folders) and sts:AssumeRole on the member audit role BY NAME (not acs:ram::*:role/*, which let the role
    # assume an admin role of its own account); none of it in the read policy
    org = Ros(t_doc(), Accounts="resource-directory", MemberRoleName="audit-x")
    org_policies = {p["PolicyName"]: p["PolicyDocument"] for p in org.of_type("ALIYUN::RAM::ManagedPolicy").values()}
    directory, assume = org_policies["AliauditOrganisationAudit"]["Statement"]
    assert directory == {"Effect": "Allow", "Resource": ["*"], "Action": [
        "resourcemanager:GetResourceDirectory", "resourcemanager:ListAccounts", "resourcemanager:ListFoldersForParent"]}
    assert assume == {"Effect": "Allow", "Action": ["sts:AssumeRole"], "Resource": ["acs:ram::*:role/audit-x"]}
    assert org_policies["AliauditOrganisationAudit"] == listify(deploy.organisation_policy("audit-x"))
    assert org_policies["AliauditPipelineWrite"] == write
    assert not any(a.startswith("sts:") or members.match(a) for a in read["Statement"][0]["Action"])
    printed = listify(policy_document(all_checks().values(), organisation=True, member_role="audit-x"))["Statement"]
    assert printed[1:] == [directory, assume]  # what `aliaudit policy --organisation --member-role` prints
    # with the auditor's own KMS key the role may use that key, and nothing else more
    own = Ros(t_doc(), KmsInstanceId="kst-test")
    keyed = {p["PolicyName"]: p["PolicyDocument"] for p in own.of_type("ALIYUN::RAM::ManagedPolicy").values()}
    assert keyed["AliauditReportKeyUse"]["Statement"] == [{
        "Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
        "Resource": [f"acs:kms:{REGION}:{ACCOUNT}:key/key-test"]}]


@pytest.mark.parametrize(("params", "want"), [
    ({}, "single"),
    ({"Accounts": "resource-directory", "MemberExternalId": "ext-1"},
     {"mode": "resource-directory", "external_id": "ext-1", "role_name": "aliaudit-member-audit"}),
    ({"Accounts": "2234567890123456,3234567890123456", "MemberRoleName": "audit-x"},
     {"mode": "list", "ids": ["2234567890123456", "3234567890123456"], "role_name": "audit-x"}),
])
def test_aliaudit_accounts_comes_from_the_parameters_that_grant_the_member_role(params, want):
    """ALIAUDIT_ACCOUNTS is built from the same parameters as the organisation policy's condition and resource,
    so the role the functions assume is the one they may assume; deploy.accounts_setting gives the same string
    (s.yaml's deployers and tests/pipeline.py use it)."""
    from aliaudit.accounts import AccountsSpec
    from aliaudit.runtime.dispatcher import _env_accounts

    ros = Ros(t_doc(), **params)
    envs = {json.dumps(f["EnvironmentVariables"]["ALIAUDIT_ACCOUNTS"]) for f in ros_functions(ros).values()}
    (raw,) = envs
    value = json.loads(raw)
    assert value == deploy.accounts_setting(params.get("Accounts", ""), params.get("MemberRoleName",
                                            deploy.MEMBER_ROLE_NAME), params.get("MemberExternalId", ""))
    assert (json.loads(value) if want != "single" else value) == want
    spec = AccountsSpec.parse(_env_accounts(value), "ALIAUDIT_ACCOUNTS")
    policies = {p["PolicyName"]: p["PolicyDocument"] for p in ros.of_type("ALIYUN::RAM::ManagedPolicy").values()}
    if want == "single":
        assert not spec.multi and "AliauditOrganisationAudit" not in policies
    else:
        assert policies["AliauditOrganisationAudit"]["Statement"][1]["Resource"] == [
            f"acs:ram::*:role/{spec.role_name}"]
    for bad in (("resource-directory,1234567890123456", "x", ""), ("", "bad role", ""), ("", "r", 'a"b')):
        with pytest.raises(ValueError):
            deploy.accounts_setting(*bad)


def test_the_longest_accounts_list_fits_fcs_environment_limit():
    """FC: "The total size of all environment variables cannot exceed 4 KB". The Accounts parameter's MaxLength is
    the longest id list that fits with the longest member role name and external id; one more id is refused with
    advice (s.yaml's deployers build the setting with accounts_setting)."""
    params = t_doc()["Parameters"]
    longest = params["Accounts"]["MaxLength"]
    ids = ",".join(f"{n:016d}" for n in range(1, (longest + 1) // 17 + 1))
    assert len(ids) == longest
    ros = Ros(t_doc(), Accounts=ids, MemberRoleName="r" * 64, MemberExternalId="e" * 1224,
              RunSecret="s" * params["RunSecret"]["MaxLength"])
    for fn in ros_functions(ros).values():
        env = fn["EnvironmentVariables"]
        assert sum(len(k.encode()) + len(str(v).encode()) for k, v in env.items()) <= 4096
    with pytest.raises(ValueError, match="use 'resource-directory'"):
        deploy.accounts_setting(ids + ",9999999999999999", "r" * 64, "e" * 1224)


def test_bucket_logstores_index_and_alert():
    ros = Ros(t_doc())
    b = ros.of_type("ALIYUN::OSS::Bucket")["ReportBucket"]
    assert (b["AccessControl"], b["BlockPublicAccess"], b["VersioningConfiguration"]) == (
        "private", True, {"Status": "Enabled"})
    assert b["ServerSideEncryptionConfiguration"] == {"SSEAlgorithm": "KMS"}  # the OSS-managed KMS key by default
    own = Ros(t_doc(), KmsInstanceId="kst-test").of_type("ALIYUN::OSS::Bucket")["ReportBucket"]
    assert own["ServerSideEncryptionConfiguration"] == {"SSEAlgorithm": "KMS", "KMSMasterKeyID": "key-test"}
    (key,) = Ros(t_doc(), KmsInstanceId="kst-test").of_type("ALIYUN::KMS::Key").values()
    assert (key["EnableAutomaticRotation"], key["RotationInterval"], key["DKMSInstanceId"]) == (True, "365d",
                                                                                                 "kst-test")
    assert b["LoggingConfiguration"] == {"TargetBucket": BUCKET, "TargetPrefix": "access-logs/"}
    # the policy: HTTPS only; run state and reports written with STS credentials only (the functions' role);
    # config/ by the bucket owner only. The very document tests/pipeline.py gives the emulated bucket
    https, state, config = b["Policy"]["Statement"]
    assert https["Effect"] == "Deny" and https["Condition"] == {"Bool": {"acs:SecureTransport": ["false"]}}
    assert https["Resource"] == [f"acs:oss:*:{ACCOUNT}:{BUCKET}", f"acs:oss:*:{ACCOUNT}:{BUCKET}/*"]
    assert state["Resource"] == [f"acs:oss:*:{ACCOUNT}:{BUCKET}/{p}*" for p in ("runs/", "reports/", "latest/")]
    assert state["Condition"] == {"StringNotLike": {"acs:AccessId": ["STS.*"]}} and "Condition" not in config
    assert config["Resource"] == [f"acs:oss:*:{ACCOUNT}:{BUCKET}/config/*"]
    assert all(st["Effect"] == "Deny" and st["Principal"] == ["*"] for st in (https, state, config))
    assert {"oss:PutObject", "oss:DeleteObject"} <= set(state["Action"]) and state["Action"] == config["Action"]
    from tests.pipeline import emulated_bucket

    assert emulated_bucket(deploy.report_bucket(BUCKET, ACCOUNT))["policy"] == b["Policy"]
    rules = {r["Prefix"]: r for r in b["LifecycleConfiguration"]["Rule"]}
    assert set(rules) == {"runs/", "reports/", "access-logs/"}
    assert all(r["Status"] == "Enabled" and r["Expiration"]["Days"] >= 1 for r in rules.values())
    for store in ros.of_type("ALIYUN::SLS::Logstore").values():
        assert store["TTL"] >= 365 and store["ProjectName"] == PROJECT  # CIS 2.23 on the auditor's own logs
    from aliaudit.runtime.sls_sink import INDEXED, alert_config

    index = next(p for p in ros.of_type("ALIYUN::SLS::Index").values() if p["LogstoreName"] == "findings")
    assert [k["Name"] for k in index["KeyIndices"]] == INDEXED
    assert {"status", "muted", "severity", "check_id", "run_id"} <= set(INDEXED)
    (alert,) = ros.of_type("ALIYUN::SLS::Alert").values()
    detail = alert["Detail"]
    assert detail["Name"] == "aliaudit-unmuted-fail" and alert["Project"] == PROJECT
    (query,) = detail["Configuration"]["QueryList"]
    assert query["Query"].startswith("status: FAIL and muted: false")
    assert (query["Project"], query["Store"], query["Region"]) == (PROJECT, "findings", REGION)
    assert query["Query"] == alert_config("n", "p", "l", "r")["configuration"]["queryList"][0]["query"]
    assert detail["Configuration"]["PolicyConfiguration"]["ActionPolicyId"] == "sls.builtin"


def test_the_emulated_pipeline_runs_with_what_the_templates_ship():
    """tests/pipeline.py deploys the pipeline into the emulator by hand: same role, policies, functions, env."""
    from tests import pipeline

    assert listify(pipeline.pipeline_write_policy()) == listify(deploy.pipeline_write_policy(BUCKET, PROJECT))
    assert listify(pipeline.FC_TRUST) == listify(deploy.fc_trust_policy())
    emulated = {f["name"]: f for f in pipeline.functions(run_secret=RUN_SECRET)}
    shipped = {p["functionName"]: p for p in s_props().values()}
    assert set(emulated) == set(shipped)
    for name, f in emulated.items():
        assert f["role"] == shipped[name]["role"]
        assert f["environment"] == shipped[name]["environmentVariables"], name
        assert [(t["name"], t["type"]) for t in f.get("triggers", [])] == [
            (t["triggerName"], t["triggerType"]) for t in shipped[name].get("triggers", [])
            if t["triggerType"] != "eventbridge"], name  # EventBridge delivery is driven by the tests directly


# --- template.yml uses only what ROS documents ----------------------------------------------------------

@pytest.mark.parametrize("name", list(ROS_FILES))
def test_template_uses_only_documented_ros_sections_and_keys(name):
    doc = ROS_FILES[name]()
    assert doc["ROSTemplateFormatVersion"] == "2015-09-01" and set(doc) <= ROS_SECTIONS
    for name, p in doc["Parameters"].items():
        assert set(p) <= ROS_PARAMETER_KEYS and p["Type"] in ROS_PARAMETER_TYPES, name
    for name, o in doc["Outputs"].items():
        assert set(o) <= ROS_OUTPUT_KEYS, name
    for lid, res in doc["Resources"].items():
        assert set(res) <= ROS_RESOURCE_KEYS, lid


@pytest.mark.parametrize("name", list(ROS_FILES))
def test_template_parameters_are_used_and_their_defaults_valid(name):
    doc = ROS_FILES[name]()
    text = json.dumps({k: doc.get(k) for k in ("Conditions", "Resources", "Outputs")})
    for pname, p in doc["Parameters"].items():
        assert f'"Ref": "{pname}"' in text or f"${{{pname}}}" in text, f"{name}: parameter {pname} is never used"
        if "Default" not in p:
            continue
        value = p["Default"]
        if "AllowedValues" in p:
            assert value in p["AllowedValues"], pname
        if "AllowedPattern" in p:
            assert re.fullmatch(p["AllowedPattern"], str(value)), pname
        if "MinLength" in p or "MaxLength" in p:
            assert p.get("MinLength", 0) <= len(str(value)) <= p.get("MaxLength", 10**6), pname
        if p["Type"] == "Number":
            assert p.get("MinValue", value) <= value <= p.get("MaxValue", value), pname


def _references(value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, list):
        return [r for v in value for r in _references(v)]
    if not isinstance(value, dict):
        return []
    found = [(k, v) for k, v in value.items() if k in ("Ref", "Fn::GetAtt", "Fn::Sub", "Fn::If")]
    return found + [r for v in value.values() for r in _references(v)]


@pytest.mark.parametrize("name", list(ROS_FILES))
def test_template_references_resolve_and_conditions_are_consistent(name):
    doc = ROS_FILES[name]()
    resources, params, conds = doc["Resources"], doc["Parameters"], doc.get("Conditions", {})

    def condition_of(lid: str) -> str | None:
        return resources[lid].get("Condition")

    def implies(own: str | None, needed: str) -> bool:
        """own holds only where needed holds: the same condition, or a conjunction with needed's definition"""
        return own == needed or (own is not None and conds[needed] in conds[own].get("Fn::And", []))

    for lid, res in {**resources, **{f"Output {k}": v for k, v in doc["Outputs"].items()}}.items():
        own = res.get("Condition")
        assert own is None or own in conds, lid
        targets: list[str] = list(res.get("DependsOn", []))
        for fn, arg in _references(res.get("Properties", res.get("Value"))):
            if fn == "Ref":
                assert arg in params or arg in ROS_PSEUDO, (lid, arg)
            elif fn == "Fn::GetAtt":
                assert arg[1] in ros_attributes(resources[arg[0]]["Type"]), (lid, arg)
                targets.append(arg[0])
            elif fn == "Fn::Sub":
                local = set(arg[1]) if isinstance(arg, list) else set()  # Fn::Sub [text, {variable: value}]
                for var in re.findall(r"\$\{([^!}][^}]*)\}", arg if isinstance(arg, str) else arg[0]):
                    assert var in params or var in ROS_PSEUDO or var in local or var.split(".")[0] in resources, (
                        lid, var)
            elif fn == "Fn::If":
                assert arg[0] in conds, (lid, arg)
        for target in targets:  # a resource that may not exist is only used by resources with its condition
            needed = condition_of(target)
            if needed and not implies(own, needed):
                text = json.dumps(res)
                assert f'"Fn::If": ["{needed}"' in text, f"{lid} uses {target} outside condition {needed}"


# --- member-role.yml: the member accounts' audit role (organisation mode) -----------------------------------

MEMBER = "2234567890123456"  # a member account of the resource directory whose management account is ACCOUNT
EXTERNAL_ID = "aliaudit-org-4f2a"


def test_member_role_template_parameters_trust_policy_and_outputs():
    doc = m_doc()
    params = doc["Parameters"]
    assert list(params) == ["AuditorAccountId", "AuditorRoleName", "ExternalId", "RoleName"]
    assert "Default" not in params["AuditorAccountId"] and "Default" not in params["ExternalId"]  # both required
    pattern = params["AuditorAccountId"]["AllowedPattern"]
    assert re.fullmatch(pattern, ACCOUNT)
    for wrong in ("123456789012345", "12345678901234567", f"acs:ram::{ACCOUNT}:root", ""):
        assert not re.fullmatch(pattern, wrong), wrong
    assert params["ExternalId"]["MinLength"] == 2 and "NoEcho" not in params["ExternalId"]
    assert params["AuditorRoleName"]["Default"] == deploy.ROLE_NAME == "aliaudit-fc"  # the pipeline's FC role
    assert re.fullmatch(params["AuditorRoleName"]["AllowedPattern"], "")  # empty: trust the whole auditor account
    assert params["RoleName"]["Default"] == "aliaudit-member-audit"
    from aliaudit.accounts import AccountsSpec

    assert AccountsSpec(role_name=params["RoleName"]["Default"]).role_name == "aliaudit-member-audit"
    assert set(doc["Outputs"]) == {"RoleArn", "RoleName"}

    ros = Ros(doc, AuditorAccountId=ACCOUNT, ExternalId=EXTERNAL_ID)
    (role,) = ros.of_type("ALIYUN::RAM::Role").values()
    assert role["RoleName"] == "aliaudit-member-audit"
    trusted = {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"RAM": [ROLE_ARN]},
               "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}}
    assert role["AssumeRolePolicyDocument"] == {"Version": "1", "Statement": [trusted]}
    (whole,) = Ros(doc, AuditorAccountId=ACCOUNT, ExternalId=EXTERNAL_ID, AuditorRoleName="").of_type(
        "ALIYUN::RAM::Role").values()
    assert whole["AssumeRolePolicyDocument"]["Statement"] == [
        {**trusted, "Principal": {"RAM": [f"acs:ram::{ACCOUNT}:root"]}}]
    # the member's policies are the pipeline role's audit policies, exactly, under names of their own
    policy, report = ros.of_type("ALIYUN::RAM::ManagedPolicy").values()
    assert policy["PolicyDocument"] == listify(deploy.audit_policy()) == Ros(t_doc()).props(
        "AuditReadOnlyPolicy")["PolicyDocument"]
    assert policy["PolicyName"] == "AliauditMemberAuditReadOnly" and policy["Roles"] == ["aliaudit-member-audit"]
    assert report["PolicyDocument"] == listify(deploy.credential_report_policy()) == Ros(t_doc()).props(
        "CredentialReportPolicy")["PolicyDocument"]
    assert report["PolicyName"] == "AliauditMemberCredentialReport" and report["Roles"] == ["aliaudit-member-audit"]
    assert ros.value(doc["Outputs"]["RoleArn"]["Value"]) == f"acs:ram::{ACCOUNT}:role/aliaudit-member-audit"
    custom = Ros(doc, AuditorAccountId=ACCOUNT, ExternalId=EXTERNAL_ID, RoleName="SecAudit")
    assert [p["Roles"] for p in custom.of_type("ALIYUN::RAM::ManagedPolicy").values()] == [["SecAudit"]] * 2
    header = "".join(line for line in (ROOT / "member-role.yml").read_text().splitlines(True) if line.startswith("#"))
    for words in ("StackGroup", "service-managed", "accounts.role_name = RoleName",
                  "accounts.external_id = ExternalId", "ONE region"):
        assert words in header, words


def _organisation(cloud: Any, auditor_role_name: str) -> None:
    """The auditor's management account (ACCOUNT) with the pipeline's role and policies as template.yml ships
    them in organisation mode, a second role allowed to call sts:AssumeRole, and a member account with
    member-role.yml's role and policy (parameters as a StackGroup would pass them), both in one resource
    directory."""
    ros = Ros(t_doc(), Accounts="resource-directory", MemberExternalId=EXTERNAL_ID)
    pipeline = [{"name": p["PolicyName"], "document": p["PolicyDocument"]}
                for p in ros.of_type("ALIYUN::RAM::ManagedPolicy").values()]
    (fc_role,) = ros.of_type("ALIYUN::RAM::Role").values()
    data = base_scenario()
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).extend(pipeline)
    ram["roles"] += [
        {"name": fc_role["RoleName"], "trust_policy": fc_role["AssumeRolePolicyDocument"],
         "policies": [{"name": p["name"], "type": "Custom"} for p in pipeline]},
        {"name": "other-auditor", "policies": [{"name": "ReadOnlyAccess"}, {"name": "AliyunSTSAssumeRoleAccess"}],
         "trust_policy": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                         "Principal": {"RAM": [f"acs:ram::{ACCOUNT}:root"]}}]}}]
    member = Ros(m_doc(), AuditorAccountId=ACCOUNT, AuditorRoleName=auditor_role_name, ExternalId=EXTERNAL_ID)
    (role,) = member.of_type("ALIYUN::RAM::Role").values()
    policies = [{"name": p["PolicyName"], "document": p["PolicyDocument"]}
                for p in member.of_type("ALIYUN::RAM::ManagedPolicy").values()]
    assert all(p["Roles"] == [role["RoleName"]] for p in member.of_type("ALIYUN::RAM::ManagedPolicy").values())
    data["accounts"].append({"id": MEMBER, "alias": "member", "ram": {
        "users": [{"name": "member-alice"}, {"name": "member-bob"}], "policies": policies,
        "roles": [{"name": role["RoleName"], "trust_policy": role["AssumeRolePolicyDocument"],
                   "policies": [{"name": p["name"], "type": "Custom"} for p in policies]}]}})
    data["resource_directory"] = {"management_account_id": ACCOUNT, "members": [{"account_id": MEMBER}]}
    load(cloud, data)


def _session(cloud: Any, role: str) -> Any:
    """Credentials of a role session in the management account, as FC hands them to the functions."""
    from aliaudit.credentials.providers import StaticProvider

    s = cloud.emulator.world.new_session(account_id=ACCOUNT, role_name=role, session_name="aliaudit-dispatcher",
                                         source_arn="fc", duration=3600)
    return StaticProvider(s.access_key_id, s.secret, s.token)


def _assume(cloud: Any, source: Any, external_id: str | None = EXTERNAL_ID) -> Any:
    """A client factory for the member account through its audit role, as organisation mode builds it."""
    from aliaudit.accounts import AccountsSpec, Target, provider_for
    from aliaudit.clients import ClientFactory
    from aliaudit.settings import EndpointSettings

    settings = EndpointSettings(protocol="http", proxy=cloud.url)
    spec = AccountsSpec.parse({"mode": "list", "ids": [MEMBER], "role_name": "aliaudit-member-audit",
                               "external_id": external_id}, "test")
    target = Target(account_id=MEMBER, role_arn=f"acs:ram::{MEMBER}:role/aliaudit-member-audit")
    provider = provider_for(target, source, settings, spec, "run-1")
    provider.get_credentials()  # AssumeRole now: refusals surface here
    return ClientFactory(provider, settings)


def test_the_pipeline_role_audits_a_member_through_member_role_yml(cloud):
    """The pipeline's role as template.yml ships it lists the directory and assumes member-role.yml's role with
    the external id; the member role reads (RAM ListUsers) and writes nothing."""
    from alibabacloud_ram20150501 import models as ram_models

    from aliaudit.accounts import AccountsSpec, targets
    from aliaudit.clients import ClientFactory
    from aliaudit.settings import EndpointSettings

    _organisation(cloud, deploy.ROLE_NAME)
    source = _session(cloud, deploy.ROLE_NAME)
    spec = AccountsSpec.parse({"mode": "resource-directory", "role_name": "aliaudit-member-audit",
                               "external_id": EXTERNAL_ID}, "test")
    factory = ClientFactory(source, EndpointSettings(protocol="http", proxy=cloud.url))
    found = targets(spec, factory, ACCOUNT)  # resourcemanager reads of the pipeline policy
    assert [(t.account_id, t.role_arn) for t in found] == [
        (ACCOUNT, None), (MEMBER, f"acs:ram::{MEMBER}:role/aliaudit-member-audit")]
    member = _assume(cloud, source)
    who = member.pop("sts").get_caller_identity().body
    assert who.account_id == MEMBER and who.arn.endswith(":assumed-role/aliaudit-member-audit/aliaudit-run-1")
    users = member.pop("ram").list_users(ram_models.ListUsersRequest()).body.users.user
    assert sorted(u.user_name for u in users) == ["member-alice", "member-bob"]
    with pytest.raises(Exception, match="NoPermission|Forbidden"):  # read-only: the policy has no write action
        member.pop("ram").create_user(ram_models.CreateUserRequest(user_name="intruder"))


def test_member_role_refuses_a_wrong_or_missing_external_id(cloud):
    from aliaudit import errors

    _organisation(cloud, deploy.ROLE_NAME)
    source = _session(cloud, deploy.ROLE_NAME)
    # (STS answers a wrong external id as any refusal, NoPermission "You should be authorized by RAM": the message
    # names the external id given as a cause)
    with pytest.raises(errors.AssumeRoleDenied, match="match the external id given"):
        _assume(cloud, source, external_id="aliaudit-org-wrong")
    with pytest.raises(errors.AssumeRoleDenied):
        _assume(cloud, source, external_id=None)


@pytest.mark.parametrize(("auditor_role_name", "others_allowed"), [(deploy.ROLE_NAME, False), ("", True)])
def test_only_the_auditor_role_may_assume_the_member_role_when_named(cloud, auditor_role_name,
                                                                    others_allowed):
    """With AuditorRoleName set, other principals of the auditor account are refused by the trust policy even
    with sts:AssumeRole allowed and the right external id; with it empty, the whole auditor account is trusted."""
    from aliaudit import errors
    from aliaudit.credentials.providers import StaticProvider

    _organisation(cloud, auditor_role_name)
    assert _assume(cloud, _session(cloud, deploy.ROLE_NAME)).pop("sts").get_caller_identity().body.account_id \
        == MEMBER
    others = {"admin user (AdministratorAccess)": StaticProvider(ADMIN_AK, ADMIN_SECRET),
              "another role with AliyunSTSAssumeRoleAccess": _session(cloud, "other-auditor")}
    for who, source in others.items():
        if others_allowed:
            assert _assume(cloud, source).pop("sts").get_caller_identity().body.account_id == MEMBER, who
        else:
            with pytest.raises(errors.AssumeRoleDenied, match="trust policy must name it"):
                _assume(cloud, source)


# --- the Serverless Devs CLI ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def s_cli() -> Path:
    """`s` from npm @serverless-devs/s in .tools/ (make tools), installed here when missing."""
    exe = ROOT / ".tools" / "node_modules" / ".bin" / "s"
    if not exe.exists():
        npm = shutil.which("npm")
        if not npm:
            pytest.skip("npm is not installed, so @serverless-devs/s (s preview) cannot be installed; "
                        ".ci/run installs nodejs and npm")
        subprocess.run([npm, "install", "--prefix", str(ROOT / ".tools"), "--no-audit", "--no-fund",
                        "--loglevel=error", f"@serverless-devs/s@{S_VERSION}"], check=True, timeout=600)
    return exe


def test_s_preview_renders_s_yaml_as_the_emulator_reads_it(s_cli, tmp_path):
    env = {**os.environ, "HOME": str(tmp_path)}  # s keeps its config (~/.s) there, not in the user's home
    subprocess.run([str(s_cli), "config", "add", "--AccessKeyID", "x", "--AccessKeySecret", "y", "--AccountID",
                    ACCOUNT, "-a", "default", "-f", "--silent"], cwd=ROOT, env=env, check=True, timeout=120,
                   capture_output=True)
    out = subprocess.run([str(s_cli), "preview", "-t", "s.yaml", "-o", "json", "--silent"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    rendered = json.loads(out.stdout)
    assert rendered["edition"] == "3.0.0"
    props = {name: res["props"] for name, res in rendered["resources"].items()}
    assert props == s_props()  # the CLI's template/extend merge and variables agree with the emulator's
    assert "${" not in json.dumps(props)  # every variable resolved
    assert [t["triggerType"] for t in props["aliaudit-dispatcher"]["triggers"]][-1] == "eventbridge"


# --- s.yaml deploys into the emulator ---------------------------------------------------------------------

def test_s_yaml_deploys_into_the_emulator_with_the_templates_role(cloud, admin, tmp_path):
    from alibabacloud_fc20230330 import models as fc_models
    from alibabacloud_fc20230330.client import Client as FcClient
    from alibabacloud_tea_openapi.models import Config

    ros = Ros(t_doc())
    policies = [{"name": p["PolicyName"], "document": p["PolicyDocument"]}
                for p in ros.of_type("ALIYUN::RAM::ManagedPolicy").values()]
    (role,) = ros.of_type("ALIYUN::RAM::Role").values()
    data = base_scenario()
    data["accounts"][0]["ram"].setdefault("policies", []).extend(policies)
    data["accounts"][0]["ram"]["roles"].append({
        "name": role["RoleName"], "trust_policy": role["AssumeRolePolicyDocument"],
        "policies": [{"name": p["name"], "type": "Custom"} for p in policies]})
    load(cloud, data)
    for d in (ROOT / "functions").iterdir():  # stand-ins for build/<dir>: the emulator needs the directories
        if (d / "index.py").exists():
            (tmp_path / "build" / d.name).mkdir(parents=True)
    out = admin.request("POST", "fc/deploy", {"s_yaml": str(ROOT / "s.yaml"), "code_root": str(tmp_path)})
    assert [f["name"] for f in out["functions"]] == [f.name for f in deploy.functions()]
    assert out["skipped"] == []
    fc = FcClient(Config(access_key_id=ADMIN_AK, access_key_secret=ADMIN_SECRET, region_id=REGION, protocol="http",
                         http_proxy=cloud.url))
    for name, r in ros_functions(ros).items():
        got = fc.get_function(name, fc_models.GetFunctionRequest()).body
        assert (got.runtime, got.handler, got.memory_size, got.cpu, got.timeout, got.role) == (
            r["Runtime"], r["Handler"], r["MemorySize"], r.get("Cpu"), r["Timeout"], r["Role"]), name
        assert got.environment_variables == r["EnvironmentVariables"], name
        triggers = fc.list_triggers(name, fc_models.ListTriggersRequest()).body.triggers or []
        assert sorted((t.trigger_name, t.trigger_type, json.loads(t.trigger_config)) for t in triggers) == sorted(
            (t["triggerName"], t["triggerType"], t["triggerConfig"]) for t in r["triggers"]), name


# --- make build ------------------------------------------------------------------------------------------

def test_wheel_tags_that_fit_the_fc_python310_runtime():
    fits = ["py3-none-any", "py2-none-any", "cp310-cp310-manylinux_2_17_x86_64",
            "cp310-cp310-manylinux2014_x86_64", "cp37-abi3-manylinux_2_28_x86_64", "cp310-abi3-manylinux1_x86_64"]
    misfits = ["cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-linux_x86_64", "cp310-cp310-linux_x86_64",
               "cp310-cp310-manylinux_2_17_aarch64", "cp310-cp310-musllinux_1_1_x86_64", "cp312-abi3-manylinux1_x86_64",
               "cp310-cp310-win_amd64", "pp310-pypy310_pp73-manylinux_2_17_x86_64"]
    assert all(deploy.tag_fits_runtime(t) for t in fits)
    assert not any(deploy.tag_fits_runtime(t) for t in misfits)
    assert deploy.vendor._wheel_tags(Path("crcmod-1.7-py2.py3-none-any.whl")) == ["py2-none-any", "py3-none-any"]


def _dist(target: Path, name: str, version: str, requires: list[str], tag: str = "py3-none-any") -> None:
    d = target / f"{name}-{version}.dist-info"
    d.mkdir(parents=True)
    meta = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    meta += [f"Requires-Dist: {r}" for r in requires]
    (d / "METADATA").write_text("\n".join(meta) + "\n")
    (d / "WHEEL").write_text(f"Wheel-Version: 1.0\nTag: {tag}\n")


def test_missing_for_target_evaluates_markers_for_python310(tmp_path):
    """pip picks dependencies by this interpreter's markers (3.11 here); the bundle runs on 3.10."""
    _dist(tmp_path, "anyio", "4.16.0", ['exceptiongroup>=1.0.2; python_version < "3.11"', "idna>=2.8",
                                        'trio>=0.31; extra == "trio"', 'uvloop; sys_platform == "win32"'])
    _dist(tmp_path, "idna", "3.20", [])
    _dist(tmp_path, "aiohttp", "3.14.5", ['async-timeout<6.0,>=4.0; python_version < "3.11"',
                                          'tomli; python_version >= "3.12"'])
    assert deploy.missing_for_target(tmp_path) == ["async-timeout<6.0,>=4.0", "exceptiongroup>=1.0.2"]


def _stand_in_vendor(out: Path) -> Path:
    """build/.vendor as if vendored for the current requirements: the build then only assembles bundles."""
    vendor = out / ".vendor"
    (vendor / "fakedep").mkdir(parents=True)
    (vendor / "fakedep" / "__init__.py").write_text("VALUE = 1\n")
    _dist(vendor, "fakedep", "1.0", [])
    (out / ".vendor.stamp").write_text(deploy.vendor_key(deploy.runtime_requirements(ROOT)) + "\n")
    return vendor


def test_build_assembles_one_layer_and_small_function_packages(tmp_path):
    """Issue 18 item 6: one dependency layer (python/ inside, FC's /opt/python) and per-function packages of product
    code only, byte-compiled by CPython 3.10 with unchecked-hash .pyc (the code and layers are read-only in FC)."""
    import zipfile

    out = tmp_path / "build"
    vendor = _stand_in_vendor(out)
    lines: list[str] = []
    bundles = deploy.build(ROOT, out, only=["ram", "aliaudit-dispatcher"], zip_bundles=True, log=lines.append)
    assert [b.function for b in bundles] == ["layer", "aliaudit-ram", "aliaudit-dispatcher"]
    assert sorted(p.name for p in out.iterdir()) == [
        ".layer.stamp", ".vendor", ".vendor.stamp", "dispatcher", "dispatcher.zip", "layer", "layer.zip", "ram",
        "ram.zip"]
    layer = out / "layer" / "python"
    # the vendored tree is linked into the layer, not copied
    assert (layer / "fakedep" / "__init__.py").stat().st_ino == (vendor / "fakedep" / "__init__.py").stat().st_ino
    compiled = deploy.python310() is not None
    pycs = [layer / "fakedep" / "__pycache__" / "__init__.cpython-310.pyc"]
    for b, d in zip(bundles[1:], ["ram", "dispatcher"], strict=True):
        root = out / d
        assert (root / "index.py").read_text() == (ROOT / "functions" / d / "index.py").read_text()
        assert (root / "aliaudit/checks/ram.py").read_text() == (ROOT / "shared/aliaudit/checks/ram.py").read_text()
        assert not (root / "fakedep").exists() and not (root / "aliaudit" / "deploy").exists()  # product code only
        assert b.size == sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) and b.files > 50
        assert b.size < 20e6, b.size
        assert b.zip_path == out / f"{d}.zip" and b.zip_size == b.zip_path.stat().st_size
        assert any(line.startswith(f"{out.name}/{d} ") and "MB" in line for line in lines), lines
        assert not list(root.rglob("*.cpython-311.pyc"))
        pycs.append(root / "aliaudit" / "runtime" / "__pycache__" / "worker.cpython-310.pyc")
    for pyc in pycs:
        # PEP 552 flags word: 0b01, hash-based and never checked against the source
        assert (pyc.is_file() and pyc.read_bytes()[4:8] == b"\x01\0\0\0") if compiled else not pyc.exists(), pyc
    assert any(line.startswith(f"{out.name}/layer ") for line in lines) and any(
        line.startswith("upload per deploy:") for line in lines), lines
    assert all(n.startswith("python/") for n in zipfile.ZipFile(out / "layer.zip").namelist())
    names = zipfile.ZipFile(out / "ram.zip").namelist()
    assert "index.py" in names and "aliaudit/runtime/worker.py" in names and "fakedep/__init__.py" not in names
    assert not [n for n in names if n.startswith("aliaudit/deploy")]  # the deployer's tool is not shipped
    first = (out / "ram.zip").read_bytes(), (out / "layer.zip").read_bytes()
    lines.clear()
    deploy.build(ROOT, out, only=["ram"], zip_bundles=True, log=lines.append)
    # reproducible: unchanged code keeps its checksum
    assert ((out / "ram.zip").read_bytes(), (out / "layer.zip").read_bytes()) == first
    assert not any(line.startswith("vendoring") for line in lines)  # the stamp matched: nothing re-vendored


def test_build_refuses_unknown_functions_and_missing_entry_points(tmp_path):
    out = tmp_path / "build"
    _stand_in_vendor(out)
    with pytest.raises(deploy.BuildError, match="no function named nope"):
        deploy.build(ROOT, out, only=["nope"], log=lambda _: None)
    bare = tmp_path / "repo"  # a checkout whose functions/ lacks the ram entry point
    bare.mkdir()
    shutil.copy(ROOT / "pyproject.toml", bare)
    with pytest.raises(deploy.BuildError, match=r"functions/ram/index.py is missing"):
        deploy.build(bare, out, only=["ram"], log=lambda _: None)


@pytest.fixture(scope="module")
def real_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`python -m aliaudit.deploy build --zip` for real (PyPI): (the build directory, its output)."""
    out = tmp_path_factory.mktemp("real") / "build"
    proc = subprocess.run([sys.executable, "-m", "aliaudit.deploy", "build", "--zip", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    print(proc.stdout)  # the sizes, shown with -s
    return out, proc.stdout


@pytest.mark.slow
def test_make_build_vendors_one_layer_for_the_fc_python310_runtime(real_build):
    """The real build: one layer of compiled modules for CPython 3.10 manylinux x86_64 only, the python3.10-only
    dependencies and crcmod's C extension in it, byte-compiled for 3.10; function packages without dependencies."""
    out, stdout = real_build
    specs = deploy.functions()
    assert all(f"{out.name}/{f.directory} " in stdout for f in specs) and f"{out.name}/layer " in stdout
    layer = out / "layer" / "python"
    tags = {d.name: deploy.vendor._installed_tags(d) for d in layer.glob("*.dist-info")}
    assert tags and all(any(deploy.tag_fits_runtime(t) for t in ts) for ts in tags.values() if ts), tags
    sos = [p.name for p in layer.rglob("*.so")]
    assert sos and all("cpython-310-x86_64" in n or ".abi3." in n for n in sos), sos
    assert not list(layer.rglob("*cpython-311*")) and not (layer / "bin").exists()
    names = {n.split("-")[0].lower() for n in tags}
    assert {"oss2", "aliyun_log_python_sdk", "crcmod_plus", "exceptiongroup", "async_timeout",
            "pydantic_core"} <= names
    assert "crcmod" not in names and list((layer / "crcmod").glob("_crcfunext.cpython-310-*.so"))
    assert not {"pytest", "ruff", "selenium", "hypothesis", "vermin", "jsonschema"} & names  # no dev extras
    assert deploy.missing_for_target(layer) == []
    if deploy.python310():
        assert (layer / "oss2" / "__pycache__" / "api.cpython-310.pyc").is_file()
    for f in specs:
        assert (out / f.directory / "index.py").is_file() and not (out / f.directory / "oss2").exists()


@pytest.mark.slow
def test_the_built_functions_run_on_python310_with_only_their_layer(real_build, cloud, admin, monkeypatch,
                                                                     tmp_path):
    """FC's python3.10 runtime, emulated: each function's handler from its built package, every dependency from
    the built layer only (CPython 3.10, no site-packages: ALIAUDIT_EMULATOR_PYTHON310), a whole daily run of one
    family through dispatcher, worker and aggregator. A layer missing a dependency, or code needing Python 3.11,
    fails there as it would in FC."""
    from tests.emulator.products.fc.runtime import ISOLATED_PYTHON310_ENV
    from tests.pipeline import add_pipeline, fire_daily, invoke, reports_bucket, run_summaries, wait_idle

    py310 = deploy.python310()
    if py310 is None:
        pytest.skip("no CPython 3.10 here (~/.pyenv/versions/3.10*, python3.10): the runtime cannot be emulated")
    out, _ = real_build
    monkeypatch.setenv(ISOLATED_PYTHON310_ENV, py310)
    data = base_scenario()
    add_pipeline(data, payload='{"families": ["ram"]}', run_secret=RUN_SECRET)
    layer = f"acs:fc:{REGION}:{ACCOUNT}:layers/aliaudit-deps/versions/1"
    for fn in data["accounts"][0]["fc"]["functions"]:
        fn.update(code_dir=str(out / fn["name"].removeprefix("aliaudit-")), runtime="python3.10", layers=[layer])
    # a layer without oss2, and an aggregator package whose code needs Python 3.11 (tomllib)
    broken = tmp_path / "layer-without-oss2"
    shutil.copytree(out / "layer", broken, ignore=lambda d, names: {"oss2"} & set(names) if d.endswith("python")
                    else set())
    newer = tmp_path / "aggregator-3.11"
    shutil.copytree(out / "aggregator", newer)
    (newer / "index.py").write_text("import tomllib  # Python 3.11+\n" + (newer / "index.py").read_text())
    shutil.rmtree(newer / "__pycache__", ignore_errors=True)  # its unchecked-hash .pyc would run the old source
    base = dict(data["accounts"][0]["fc"]["functions"][1], triggers=[])  # the aggregator
    data["accounts"][0]["fc"]["functions"] += [
        dict(base, name="broken-layer", layers=[f"acs:fc:{REGION}:{ACCOUNT}:layers/broken/versions/1"]),
        dict(base, name="needs-311", code_dir=str(newer))]
    load(cloud, data)
    assert admin.request("POST", "fc/layers", {"name": "aliaudit-deps", "code_dir": str(out / "layer")})["arn"] == \
        layer
    admin.request("POST", "fc/layers", {"name": "broken", "code_dir": str(broken)})
    fire_daily(admin)
    invocations = wait_idle(admin, timeout=600)
    assert {i["function"] for i in invocations} >= {"aliaudit-dispatcher", "aliaudit-ram", "aliaudit-aggregator"}, \
        json.dumps(invocations)[-3000:]
    assert all(i["status"] == "succeeded" for i in invocations), json.dumps(invocations)[-3000:]
    summaries = run_summaries(reports_bucket(cloud.url))
    assert summaries and all(s["total"] > 0 for s in summaries.values()), summaries

    for name, missing in (("broken-layer", "No module named 'oss2'"), ("needs-311", "No module named 'tomllib'")):
        invoke(cloud.url, name, b'{"sweep": true}')
        (record,) = [i for i in wait_idle(admin, timeout=300) if i["function"] == name]
        assert record["status"] == "failed" and missing in json.dumps(record["attempts"]), record


# --- the functions' endpoints ------------------------------------------------------------------------------

@pytest.mark.parametrize(("env", "endpoint"), [
    ({}, "https://oss-cn-hangzhou.aliyuncs.com"),  # outside FC (the CLI, tests): the public endpoint
    ({"FC_FUNCTION_NAME": "aliaudit-ram"}, "https://oss-cn-hangzhou-internal.aliyuncs.com"),  # in FC: no egress
    ({"FC_FUNCTION_NAME": "aliaudit-ram", "ALIAUDIT_OSS_ENDPOINT": "public"}, "https://oss-cn-hangzhou.aliyuncs.com"),
    ({"ALIAUDIT_OSS_ENDPOINT": "internal"}, "https://oss-cn-hangzhou-internal.aliyuncs.com"),
    ({"ALIAUDIT_OSS_ENDPOINT": "http://127.0.0.1:9000"}, "http://127.0.0.1:9000"),
])
def test_the_report_bucket_is_reached_on_the_internal_endpoint_inside_fc(monkeypatch, env, endpoint):
    """OSS traffic from FC to the report bucket (same region) goes over the internal endpoint (issue 18 item 7)."""
    from aliaudit.clients import ClientFactory
    from aliaudit.clients_oss import RetryingOssSession
    from aliaudit.credentials.providers import StaticProvider
    from aliaudit.runtime.store import RunStore
    from aliaudit.settings import EndpointSettings

    for var in ("FC_FUNCTION_NAME", "ALIAUDIT_OSS_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    factory = ClientFactory(StaticProvider("ak", "secret"), EndpointSettings(proxy="http://127.0.0.1:1"))
    store = RunStore(factory, BUCKET, REGION, RUN_SECRET)
    assert store.bucket.endpoint == endpoint and store.bucket.bucket_name == BUCKET
    public = factory.oss_bucket(BUCKET, REGION)  # the rest is the factory's client: proxy, timeouts, retries
    assert (store.bucket.proxies, store.bucket.timeout, store.bucket.region) == (
        public.proxies, public.timeout, public.region)
    # its own session, more patient with throttling (RUN_STATE_THROTTLE_ATTEMPTS), within the factory's limits
    assert isinstance(store.bucket.session, RetryingOssSession) and store.bucket.session is not public.session
    assert store.bucket.session._limits is factory.limits
