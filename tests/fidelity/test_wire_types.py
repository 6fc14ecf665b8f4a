"""SDK type conformance (issue 14): every answer the emulator gives to the product's calls has, value by value,
the JSON type the official SDK's response model declares (str vs int vs bool vs float vs list vs object), so a
wrong belief about the wire that the emulator and the product share cannot hide behind our own tests.

The calls are the product's own: a full scan (every region the account has, every family) of the sample account
and of a small generated benchmark account, through the public entry points (regions.account_regions, then
scan.run_scan), while the emulator records its answers. The inventory is the action list of ``aliaudit policy``
(every read the checks' collectors declare, plus DescribeRegions); each recorded answer is matched to it by the
RAM action the emulator authorises the call as, and checked against the SDK the product uses for that product
(aliaudit.clients.POP_SDKS), see tests/sdk_types.py for how declared types are read.

Log Service and OSS are not Tea SDK calls in the product (aliyun-log-python-sdk, oss2); their answers are checked
against the official generated SDKs of the same APIs: alibabacloud-sls20201230 (JSON, types as above) and, for
OSS XML, the models the OSS gateway of alibabacloud-oss20190517 parses answers with (alibabacloud-gateway-oss-util's
``_models_oss``: element names, repeated elements, numeric and boolean text). Their coverage is reported apart.
OpenAPI calls must be covered 100%; any type mismatch fails; undeclared fields are printed only.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest

from aliaudit.clients import POP_SDKS, ClientFactory
from aliaudit.config import AuditConfig
from aliaudit.credentials.providers import StaticProvider
from aliaudit.offered import not_offered
from aliaudit.policy import policy_document
from aliaudit.regions import account_regions
from aliaudit.scan import ScanRequest, run_scan, select_checks
from aliaudit.settings import EndpointSettings
from tests.emulator import EmulatorServer, Scenario
from tests.emulator.app import PRODUCTS
from tests.emulator.client import AdminClient
from tests.emulator.generate import Sizes, generate
from tests.paths import TESTS
from tests.sdk import ACCOUNT, ROOT_AK, ROOT_SECRET
from tests.sdk_types import (
    Findings,
    check_json,
    check_xml_body,
    fields,
    from_map_reads,
    models_under,
    response_body_spec,
)

SAMPLE = TESTS / "emulator" / "scenarios" / "sample.yaml"
SAMPLE_ROOT = ("LTAIsampleroot000001", "sample-root-secret-0000000000")
TINY = dataclasses.replace(Sizes().scaled(0.002), regions=3)  # a few seconds to scan
RECORD_LIMIT = 100_000  # keep every answer: the first ones of a regional list are often empty

# which SDK's models describe each emulated product's answers
OPENAPI_MODELS = {product: module.rsplit(".", 1)[0] + ".models" for product, (module, _) in POP_SDKS.items()}
OTHER_MODELS = {"sls": "alibabacloud_sls20201230.models", "oss": "_models_oss.models"}
# the inventory's RAM namespaces that are not OpenAPI (Tea) calls in the product
NON_OPENAPI = {"log": "sls", "oss": "oss"}

# What a scan of the generated account would not see (its answers would lack the fields, or the calls would not
# be made): a user that cannot generate the credential report (so the per-user IMS fallbacks are called), a user
# with a security key (IMS GetUserMFAInfo answers only for a bound device that is not virtual), a bucket with a
# policy, and one of each item a list answer would otherwise only ever show empty.
NO_REPORT_AK, NO_REPORT_SECRET = "LTAIwiretypesnoreport", "wiretypes-noreport-secret-000000"


def _generated() -> Scenario:
    data = json.loads(generate(seed=1, sizes=TINY).model_dump_json())
    acct = data["accounts"][0]
    ram, oss, ecs, vpc = acct["ram"], acct["oss"], acct["ecs"], acct["vpc"]
    ram["policies"].append({"name": "WireTypesNoReport", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": ["ram:GenerateCredentialReport", "ram:GetCredentialReport"], "Resource": "*"}]}})
    ram["users"] += [
        {"name": "wiretypes-noreport", "access_keys": [{"id": NO_REPORT_AK, "secret": NO_REPORT_SECRET}],
         "policies": [{"name": "ReadOnlyAccess"}, {"name": "WireTypesNoReport", "type": "Custom"}]},
        {"name": "wiretypes-u2f", "login_profile": {},
         "mfa_device": {"serial": f"acs:ram::{ACCOUNT}:u2f/wiretypes-u2f", "type": "U2F"}}]
    bucket = oss["buckets"][0]
    bucket["policy"] = {"Version": "1", "Statement": [{"Effect": "Allow", "Principal": ["*"],
                                                      "Action": ["oss:GetObject"],
                                                      "Resource": [f"acs:oss:*:*:{bucket['name']}/*"]}]}
    instance = ecs["instances"][0]
    instance.update(ram_role=ram["roles"][0]["name"], public_ips=["47.100.0.1"])
    first_vpc = next(v for v in vpc["vpcs"] if v["region"] == instance["region"])
    vpc["flow_logs"].append({"name": "wiretypes", "region": first_vpc["region"], "resource_id": first_vpc["id"]})
    vpc["eips"].append({"ip": "47.100.0.2", "region": instance["region"], "instance_id": instance["id"]})
    # a rule on a port list and one on a prefix list (read per list), a secondary ENI, a public IPv6 address
    region = instance["region"]
    group = next(g for g in ecs["security_groups"] if g["id"] == instance["security_groups"][0])
    group["permissions"] += [
        {"ip_protocol": "TCP", "port_range": "", "port_range_list_id": "prl-wiretypes", "source_cidr_ip": "0.0.0.0/0"},
        {"ip_protocol": "TCP", "port_range": "22/22", "source_prefix_list_id": "pl-wiretypes"}]
    ecs["port_range_lists"] = [{"id": "prl-wiretypes", "region": region, "entries": ["80/80", "443/443"]}]
    ecs["prefix_lists"] = [{"id": "pl-wiretypes", "region": region, "entries": ["203.0.113.0/24"]}]
    ecs["network_interfaces"] = [{"id": "eni-wiretypes", "region": region, "instance_id": instance["id"],
                                  "private_ip": "10.0.0.9", "security_groups": [group["id"]]}]
    vpc["ipv6_addresses"] = [{"ip": "2408:4000::9", "region": region, "instance_id": instance["id"],
                              "internet_bandwidth": 5}]
    acct["rds"]["instances"][0]["parameters"] = {"slow_query_log": "OFF"}
    cluster = acct["cs"]["clusters"][0]
    cluster["tags"] = {"team": "sec"}
    cluster["inspect_reports"] = [{"start": "2026-01-01T00:00:00Z", "warnings": 1}]
    acct["sls"]["projects"][0]["alerts"] = [{"name": "wiretypes", "displayName": "wire types", "configuration": {
        "queryList": [{"store": "store-00", "query": "status: FAIL", "start": "-15m", "end": "now"}]}}]
    return Scenario.model_validate(data)


def _scan(server: EmulatorServer, ak: str, secret: str, families: list[str] | None = None) -> None:
    """A full scan as the CLI runs it: the account's regions (ECS DescribeRegions), where each product is offered
    (its region API), then every check."""
    settings = EndpointSettings(protocol="http", proxy=server.url, max_attempts=2, backoff_ms=10)
    factory = ClientFactory(StaticProvider(ak, secret), settings)
    regions = account_regions(factory)
    skipped = not_offered(factory, {c.meta.family for c in select_checks(families)}, regions)
    run_scan(factory, ScanRequest(account_id=ACCOUNT, regions=regions, families=families, config=AuditConfig(),
                                  not_offered=skipped))


def _merge(into: dict[str, list[dict[str, Any]]], got: dict[str, list[dict[str, Any]]]) -> None:
    for api, answers in got.items():
        into.setdefault(api, []).extend(answers)


@pytest.fixture(scope="module")
def recorded(emulator_server: EmulatorServer) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """product:Action -> every successful answer the emulator gave the product's scans."""
    admin = AdminClient(emulator_server.url)
    out: dict[str, list[dict[str, Any]]] = {}
    emulator_server.emulator.load(Scenario.from_file(SAMPLE))
    admin.record(limit=RECORD_LIMIT)
    _scan(emulator_server, *SAMPLE_ROOT)
    _merge(out, admin.responses())
    emulator_server.emulator.load(_generated())
    admin.record(limit=RECORD_LIMIT)
    _scan(emulator_server, ROOT_AK, ROOT_SECRET)
    _scan(emulator_server, NO_REPORT_AK, NO_REPORT_SECRET, families=["ram"])
    _merge(out, admin.responses())
    yield out
    emulator_server.emulator.load(Scenario())


def ram_action(api: str) -> str:
    """The RAM action the emulator authorises an operation as (product:Name -> e.g. log:ListJobs)."""
    product, _, name = api.partition(":")
    registry = PRODUCTS[product]
    actions = getattr(registry, "actions", None)
    if actions is not None:
        return str(actions[name].ram_action)
    return next(str(r.op.ram_action) for r in registry.routes if r.op.name == name)


def inventory() -> list[str]:
    """The product's calls: the action list of `aliaudit policy` (every check)."""
    return list(policy_document(select_checks())["Statement"][0]["Action"])


def family(action: str) -> str:
    return NON_OPENAPI.get(action.split(":")[0], "openapi")


@dataclasses.dataclass
class Result:
    findings: Findings
    checked: dict[str, set[str]]  # RAM action -> recorded APIs checked for it
    answers: int
    no_model: list[str]  # recorded APIs whose SDK has no response model
    models: set[type] = dataclasses.field(default_factory=set)  # every SDK model the answers were checked with


def check(recorded: dict[str, list[dict[str, Any]]], families: set[str]) -> Result:
    result = Result(Findings(), {}, 0, [])
    for api in sorted(recorded):
        product, _, name = api.partition(":")
        models = OPENAPI_MODELS.get(product) or OTHER_MODELS.get(product)
        if models is None or family(ram_action(api)) not in families:
            continue
        declared = response_body_spec(models, name)
        if declared is None:
            result.no_model.append(f"{api} ({models} has no {name}Response)")
            continue
        _, spec = declared
        result.models |= models_under(spec)
        for answer in recorded[api]:
            body = answer["body"]
            if "xml" in answer["content_type"]:
                check_xml_body(result.findings, api, body, spec)
            elif str(spec) == "str":  # the body is text (OSS GetBucketPolicy: the policy document)
                assert isinstance(body, str)
            else:
                check_json(result.findings, api, json.loads(body), spec)
            result.answers += 1
        result.checked.setdefault(ram_action(api), set()).add(api)
    return result


def report(title: str, result: Result, wanted: list[str]) -> str:
    covered = [a for a in wanted if a in result.checked]
    lines = [f"{title}: {len(covered)}/{len(wanted)} APIs of the inventory checked "
             f"({100 * len(covered) // max(1, len(wanted))}%), {result.answers} answers, "
             f"{result.findings.values} values, {len(result.findings.mismatches)} type mismatches, "
             f"{len(result.findings.undeclared)} undeclared fields"]
    lines += [f"  not checked: {a}" for a in wanted if a not in result.checked]
    lines += [f"  no SDK model: {a}" for a in result.no_model]
    lines += [f"  MISMATCH {m}" for m in result.findings.mismatches.values()]
    lines += [f"  undeclared {u}" for u in result.findings.undeclared.values()]
    lines += [f"  always empty (its items' types unchecked): {api} {path}"
              for (api, path), n in sorted(result.findings.items.items()) if n == 0]
    return "\n".join(lines)


def test_recorded_apis_are_all_accounted_for(recorded):
    """Every API the scans called is checked by one of the tests below (none falls between the families)."""
    known = set(OPENAPI_MODELS) | set(OTHER_MODELS)
    assert sorted(api for api in recorded if api.partition(":")[0] not in known) == []
    called = {ram_action(api) for api in recorded}
    assert sorted(a for a in inventory() if a not in called) == [], "the scans called every API of the inventory"
    assert sorted(called - set(inventory())) == [], "the inventory (aliaudit policy) lists every API the scans called"


def test_wire_keys_read_from_to_map_are_the_keys_from_map_reads(recorded):
    """The wire key of each field comes from the model's to_map(); its from_map() must read the same key back, for
    every model (nested ones too) of every answer checked."""
    result = check(recorded, {"openapi", "sls", "oss"})
    assert len(result.models) > 100
    assert [w for cls in sorted(result.models, key=lambda c: c.__module__ + c.__name__)
            for w in from_map_reads(cls)] == []


def test_the_checker_tells_wrong_types_and_undeclared_fields_apart():
    """Against the SDK's own models, without the emulator: the checks below fail for the right reasons."""
    found = Findings()
    _, flow_logs = response_body_spec("alibabacloud_vpc20160428.models", "DescribeFlowLogs")  # type: ignore[misc]
    check_json(found, "vpc:DescribeFlowLogs", {
        "RequestId": "r", "TotalCount": 3, "PageNumber": "1", "Success": True,
        "FlowLogs": {"FlowLog": [{"AggregationInterval": "10", "FlowLogId": "fl-1", "Extra": 1}]}}, flow_logs)
    _, versions = response_body_spec("alibabacloud_cs20151215.models",  # type: ignore[misc]
                                     "DescribeKubernetesVersionMetadata")
    check_json(found, "cs:DescribeKubernetesVersionMetadata", {"version": "1.30"}, versions)
    check_json(found, "cs:DescribeKubernetesVersionMetadata", [{"version": "1.30", "creatable": "yes"}], versions)
    _, buckets = response_body_spec("_models_oss.models", "ListBuckets")  # type: ignore[misc]
    check_xml_body(found, "oss:ListBuckets", "<ListAllMyBucketsResult><MaxKeys>many</MaxKeys><IsTruncated>false"
                   "</IsTruncated><Buckets><Bucket><Name>b</Name><Colour>red</Colour></Bucket></Buckets>"
                   "</ListAllMyBucketsResult>", buckets)
    got = {(m.api, m.path, m.wire, m.declared) for m in found.mismatches.values()}
    assert got == {("vpc:DescribeFlowLogs", "$.TotalCount", "int", "str"),
                   ("vpc:DescribeFlowLogs", "$.Success", "bool", "str"),
                   ("vpc:DescribeFlowLogs", "$.FlowLogs.FlowLog[].AggregationInterval", "str", "int"),
                   ("cs:DescribeKubernetesVersionMetadata", "$", "object",
                    "List[DescribeKubernetesVersionMetadataResponseBody]"),
                   ("cs:DescribeKubernetesVersionMetadata", "$[].creatable", "str", "bool"),
                   ("oss:ListBuckets", "$.ListAllMyBucketsResult.MaxKeys", "text", "int")}
    assert {(u.api, u.path, u.key) for u in found.undeclared.values()} == {
        ("vpc:DescribeFlowLogs", "$.FlowLogs.FlowLog[]", "Extra"),
        ("oss:ListBuckets", "$.ListAllMyBucketsResult.Buckets.Bucket[]", "Colour")}
    # a wire key is the model's, whatever the attribute is called (e.g. snake_case keys of ROA products)
    assert "release_date" in fields(versions.item.cls)  # type: ignore[union-attr]


def test_openapi_answers_have_the_types_the_sdk_models_declare(recorded):
    wanted = [a for a in inventory() if family(a) == "openapi"]
    result = check(recorded, {"openapi"})
    print("\n" + report("OpenAPI (RPC/ROA)", result, wanted))
    assert [a for a in wanted if a not in result.checked] == [], "every OpenAPI call of the product is checked"
    assert result.no_model == []
    assert [str(m) for m in result.findings.mismatches.values()] == []


def test_log_service_answers_have_the_types_of_alibabacloud_sls20201230(recorded):
    wanted = [a for a in inventory() if family(a) == "sls"]
    result = check(recorded, {"sls"})
    print("\n" + report("Log Service (alibabacloud-sls20201230)", result, wanted))
    assert result.checked, "the scans called Log Service"
    assert [str(m) for m in result.findings.mismatches.values()] == []


def test_oss_xml_answers_have_the_elements_the_oss_gateway_models_declare(recorded):
    wanted = [a for a in inventory() if family(a) == "oss"]
    result = check(recorded, {"oss"})
    print("\n" + report("OSS XML (alibabacloud-oss20190517 gateway models)", result, wanted))
    assert result.checked, "the scans called OSS"
    assert [str(m) for m in result.findings.mismatches.values()] == []
