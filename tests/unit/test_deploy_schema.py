"""template.yml, member-role.yml and s.yaml against the cloud's own published schemas (tests/deploy_schemas.py:
ROS resource definitions from PyPI ros-cdk-* 1.15.0, the fc3 component's schema.json), never a hand-typed table;
and mutations that prove the validator sees a wrong property, value, type, required property and attribute."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from tests.deploy_schemas import OUT, ROS_CDK_VERSION, fc3_errors, fc3_schema, ros_errors, ros_schema
from tests.paths import ROOT
from tests.serverless.test_deploy import (
    ROS_FILES,
    Ros,
    _deployer_environment,  # noqa: F401 - autouse: s.yaml reads the deployer environment
    s_props,
    t_doc,
)

# parameter sets that switch every condition of template.yml at least once
PARAMETER_SETS: list[dict[str, Any]] = [
    {}, {"KmsInstanceId": "kst-hzz0123456789", "Accounts": "resource-directory", "MemberExternalId": "ext-1"},
    {"Accounts": "1234567890123456,2234567890123456"}, {"DeployFunctions": "false"}]


def test_the_fixtures_say_where_they_come_from():
    ros = ros_schema()
    assert ros["version"] == ROS_CDK_VERSION and {"ros-cdk-fc3", "ros-cdk-core"} <= set(ros["packages"])
    for rtype, r in ros["resources"].items():
        assert r["source"].startswith("ros_cdk_") and ".generated.js" in r["source"], rtype
        assert r["doc"].startswith("https://www.alibabacloud.com/help/ros/developer-reference/"), rtype
    readme = (OUT / "README.md").read_text()
    assert "python -m tests.deploy_schemas" in readme and ROS_CDK_VERSION in readme and "4ca1c1b" in readme
    assert fc3_schema()["properties"]["diskSize"]["enum"] == [10240, 512]  # FC 3.0: 512 MB or 10 GB


@pytest.mark.parametrize("name", list(ROS_FILES))
def test_ros_templates_match_the_ros_cdk_definitions(name):
    """Every resource type, property name, required property, type, allowed value, range, length, pattern and
    Fn::GetAtt attribute, as written (both branches of every Fn::If)."""
    doc = ROS_FILES[name]()
    used = {r["Type"] for r in doc["Resources"].values()}
    assert used <= set(ros_schema()["resources"]), "run `python -m tests.deploy_schemas` for the new types"
    assert ros_errors(doc) == []


@pytest.mark.parametrize("params", PARAMETER_SETS)
def test_template_yml_resolved_for_each_parameter_set_matches(params):
    """The values ROS would see once Ref, Fn::Sub and Fn::If are resolved (numbers from Number parameters,
    strings built by Fn::Sub), for the resources each parameter set creates."""
    ros = Ros(t_doc(), **params)
    resolved = {lid: {"Type": r["Type"], "Properties": ros.props(lid)}
                for lid, r in ros.resources.items() if ros.active(lid)}
    assert ros_errors({"Resources": resolved}) == []


def test_pseudo_parameters_are_ros_cdk_cores():
    used = set(re.findall(r"ALIYUN::\w+(?=[}\"])", json.dumps([load() for load in ROS_FILES.values()])))
    assert used and used <= set(ros_schema()["pseudo_parameters"]), used


def test_s_yaml_matches_the_fc3_component_schema():
    props = s_props()
    assert props
    errors = {name: fc3_errors(p) for name, p in props.items()}
    assert errors == {name: [] for name in props}


# --- mutations: the validator is not vacuous ------------------------------------------------------------

def _mutated(change: Any) -> list[str]:
    doc = copy.deepcopy(t_doc())
    change(doc["Resources"])
    return ros_errors(doc)


def _fn(resources: dict[str, Any]) -> dict[str, Any]:
    return resources["FnAggregator"]["Properties"]


@pytest.mark.parametrize(("change", "expected"), [
    (lambda r: r["FcRole"]["Properties"].update(RoleNmae="x"), "FcRole.RoleNmae: unknown property"),
    (lambda r: _fn(r)["LogConfig"].update(Projekt="p"), "FnAggregator.LogConfig.Projekt: unknown property"),
    (lambda r: r["FcRole"]["Properties"].pop("RoleName"), "FcRole.RoleName: required property missing"),
    (lambda r: _fn(r).update(MemorySize=10), "FnAggregator.MemorySize: 10 is outside [128, 65536]"),
    (lambda r: _fn(r).update(Timeout="900"), "FnAggregator.Timeout: '900' is not a number"),
    (lambda r: r["ReportBucket"]["Properties"].update(AccessControl="privat"),
     "ReportBucket.AccessControl: 'privat' is not one of"),
    (lambda r: r["FindingsAlert"]["Properties"]["Detail"]["Configuration"].update(NoDataSeverity=7),
     "FindingsAlert.Detail.Configuration.NoDataSeverity: 7 is not one of [2, 4, 6, 8, 10]"),
    (lambda r: r["ReportBucket"]["Properties"]["VersioningConfiguration"].update(Status="On"),
     "ReportBucket.VersioningConfiguration.Status: 'On' is not one of"),
    (lambda r: r["FindingsIndex"]["Properties"]["KeyIndices"][0].update(Type="txt"),
     "FindingsIndex.KeyIndices[0].Type: 'txt' is not one of"),
    (lambda r: r.update(Extra={"Type": "ALIYUN::FC3::Functoin", "Properties": {}}),
     "Extra: resource type 'ALIYUN::FC3::Functoin' is not in ros-cdk"),
    (lambda r: r["ReportBucket"]["Properties"].update(
        VersioningConfiguration={"Fn::If": ["UseOwnKey", {"Status": "Enabled"}, {"Status": "On"}]}),
     "ReportBucket.VersioningConfiguration.Status: 'On' is not one of"),
    (lambda r: _fn(r)["EnvironmentVariables"].update(X={"Fn::GetAtt": ["FcRole", "Name"]}),
     "FnAggregator: ALIYUN::RAM::Role FcRole has no attribute Name"),
    (lambda r: _fn(r).update(Role={"Fn::Sub": "${FcRole.RoleArn}"}),
     "FnAggregator: ALIYUN::RAM::Role FcRole has no attribute RoleArn"),
], ids=["property", "nested-property", "required", "range", "type", "allowed-value", "allowed-number",
        "nested-value", "list-item-value", "resource-type", "fn-if-branch", "getatt", "sub-attribute"])
def test_the_validator_catches_each_kind_of_mistake(change, expected):
    errors = _mutated(change)
    assert any(e.startswith(expected) for e in errors), errors


def test_item_1_the_report_keys_arn_attribute_is_caught():
    """Issue 18 item 1: ALIYUN::KMS::Key has no Arn attribute (only KeyId)."""
    def old_form(r: dict[str, Any]) -> None:
        r["ReportKeyUsePolicy"]["Properties"]["PolicyDocument"]["Statement"][0]["Resource"] = [
            {"Fn::GetAtt": ["ReportKey", "Arn"]}]

    assert _mutated(old_form) == ["ReportKeyUsePolicy: ALIYUN::KMS::Key ReportKey has no attribute Arn (it has KeyId)"]


def test_item_1_the_template_before_the_fix_fails():
    """The template.yml of the commit before the fix (2e5ed1f), read from the history when the clone has it."""
    git = shutil.which("git")
    out = subprocess.run([git, "show", "2e5ed1f^:template.yml"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60) if git else None
    if out is None or out.returncode:
        pytest.skip("no git history here (shallow clone)")
    errors = ros_errors(yaml.safe_load(out.stdout))
    assert "ReportKeyUsePolicy: ALIYUN::KMS::Key ReportKey has no attribute Arn (it has KeyId)" in errors


def _s_mutated(change: Any) -> list[str]:
    props = copy.deepcopy(s_props())
    p = props["aliaudit-dispatcher"]
    change(p)
    return fc3_errors(p)


def _trigger(p: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(t["triggerConfig"] for t in p["triggers"] if t["triggerType"] == kind)


@pytest.mark.parametrize(("change", "expected"), [
    (lambda p: p.update(memorysize=1024), "<props>.memorysize: unknown property"),
    (lambda p: p.update(diskSize=1024), "diskSize: 1024 is not one of [10240, 512]"),
    (lambda p: p.update(memorySize=100), "memorySize: 100 is less than the minimum of 128"),
    (lambda p: p.update(runtime="python3.11"), "runtime: 'python3.11' is not one of"),
    (lambda p: p.pop("handler"), "<props>: 'handler' is a required property"),
    (lambda p: p["logConfig"].update(logBeginRule="Regex"), "logConfig: {'project'"),
    (lambda p: p["logConfig"].update(projekt="x"), "<props>.logConfig.projekt: unknown property"),
    (lambda p: _trigger(p, "timer").update(cronExpresion="x"), "triggers[0].triggerConfig.cronExpresion: unknown"),
    (lambda p: _trigger(p, "timer").pop("enable"), "triggers[0].triggerConfig.: 'enable' is a required property"),
    (lambda p: _trigger(p, "eventbridge").update(asyncInvocationType="true"),
     "triggers[1].triggerConfig.asyncInvocationType: 'true' is not of type 'boolean'"),
    (lambda p: p["triggers"][0].update(triggerType="timers"), "triggers[0].triggerConfig: no fc3 config known"),
], ids=["property", "enum", "minimum", "runtime", "required", "nested-enum", "nested-property", "trigger-property",
        "trigger-required", "trigger-type", "trigger-kind"])
def test_the_fc3_validator_catches_each_kind_of_mistake(change, expected):
    errors = _s_mutated(change)
    assert any(e.startswith(expected) for e in errors), json.dumps(errors, indent=1)
