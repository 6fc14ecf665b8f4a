"""The documented wire corpus (issue 14): Alibaba's documented sample answer of every API the product calls, in
tests/fixtures/wire/<product>/<Action>.json (format and sources: tests/fixtures/wire/README.md), and the
emulator's answers compared with it.

- Coverage: every action of the least-privilege inventory (`aliaudit policy`) has a corpus file with a source.
- Fidelity: a full scan of the sample account (and of the sample with one resource of every kind added, so that
  every API answers with content) records the emulator's answers; each one must use only documented field names
  at documented places, with the documented JSON types, and documented values for enumerated fields. OSS answers
  (XML) are compared by element names and enumerated values. Every mismatch is reported in one message.
"""

from __future__ import annotations

import base64
import copy
import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

import yaml
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient

from aliaudit.clients import ClientFactory
from aliaudit.credentials.providers import StaticProvider
from aliaudit.policy import actions_for
from aliaudit.regions import account_regions
from aliaudit.scan import select_checks
from aliaudit.settings import EndpointSettings
from tests.emulator import EmulatorServer, Scenario
from tests.emulator.client import AdminClient
from tests.paths import TESTS
from tests.scanning import scan
from tests.sdk import pop_config

WIRE = TESTS / "fixtures" / "wire"
SAMPLE = TESTS / "emulator" / "scenarios" / "sample.yaml"
AUDITOR_AK, AUDITOR_SECRET = "LTAIsampleaudit00001", "sample-audit-secret-000000000"
SAMPLE_ROOT_AK, SAMPLE_ROOT_SECRET = "LTAIsampleroot000001", "sample-root-secret-0000000000"

# Documented fields that neither the sample answer nor the documented schema of a corpus file carries:
# ("product:Action", path) -> where it is documented. Keep every entry sourced; nothing else belongs here.
ALLOWED_UNDOCUMENTED_IN_SAMPLE: dict[tuple[str, str], str] = {
    # the product lists alerts with aliyun-log-python-sdk's GET /jobs?jobType=Alert (ListJobs), which the 2020-12-30
    # reference does not document; a job is answered as it was created, and the job body that SDK's alert
    # samples create carries the job `type` ("Alert") and `state` (Enabled | Disabled). Open question in
    # tests/emulator/README.md: the real /jobs answer may carry only `status`; the product reads `status`, and
    # `state` only without it.
    ("sls:ListAlerts", "results[].type"): "aliyun-log-python-sdk alert job body (POST /jobs)",
    ("sls:ListAlerts", "results[].state"): "aliyun-log-python-sdk alert job body (POST /jobs)",
}

Problems = list[str]


def corpus() -> dict[str, dict[str, Any]]:
    """'product:Action' -> the corpus file's content (with its path under 'file')."""
    out = {}
    for path in sorted(WIRE.glob("*/*.json")):
        data = json.loads(path.read_text())
        data["file"] = str(path.relative_to(WIRE))
        out[f"{path.parent.name}:{path.stem}"] = data
    return out


def inventory() -> list[str]:
    """The product's API inventory: the action list of `aliaudit policy` for every check."""
    return actions_for(select_checks())


# --- coverage -------------------------------------------------------------------------------------------------

def test_every_api_of_the_inventory_has_a_documented_sample() -> None:
    docs = corpus()
    problems: Problems = []
    for key, doc in docs.items():
        if doc.get("api") != key:
            problems.append(f"{doc['file']}: 'api' is {doc.get('api')!r}, the path says {key!r}")
        if not str(doc.get("source") or "").strip():
            problems.append(f"{doc['file']}: no source")
        if not any(k in doc for k in ("response", "response_xml")):
            problems.append(f"{doc['file']}: no documented sample ('response' or 'response_xml')")
    covered = {doc.get("ram_action") for doc in docs.values() if str(doc.get("source") or "").strip()}
    problems += [f"{action}: no corpus file in tests/fixtures/wire (ram_action {action})"
                 for action in inventory() if action not in covered]
    assert not problems, "\n".join(problems)


# Where a documented sample contradicts its own page (the enumeration in the field description): kept as documented.
SAMPLE_CONTRADICTS_ITS_ENUMS = {
    "cs:DescribeClusterNodePools": "the sample's system_disk_categories[] is 'EESSD云盘', not a category name",
    "ecs:DescribeInstances": "the sample's LockReason is 'Recycling', the description lists 'recycling'",
    "sls:ListAlerts": "the sample's status is 'ENABLED/DISABLED', both documented values in one string",
    "vpc:DescribeForwardTableEntries": "the sample's IpProtocol is 'tcp', the description lists 'TCP'",
}


def test_each_documented_sample_passes_its_own_comparison() -> None:
    """The corpus is consistent: each sample (XML, JSON, the credential report CSV) compared with its own file
    finds nothing, except the listed contradictions in Alibaba's pages."""
    problems: Problems = []
    for key, doc in corpus().items():
        found: Problems = []
        if "response_xml" in doc:
            compare_xml(key, doc, doc["response_xml"], found)
        else:
            body = doc["response"]
            if "content_csv" in doc:
                body = {**body, "Content": base64.b64encode(doc["content_csv"].encode()).decode()}
            compare(key, doc, {"body": json.dumps(body)}, found)
        if key in SAMPLE_CONTRADICTS_ITS_ENUMS:
            found = [p for p in found if "documented values" not in p]
        problems += found
    assert not problems, "\n".join(problems)


def test_the_comparison_catches_the_wrong_beliefs_of_issue_14() -> None:
    """What the emulator used to answer (and the product to expect) is reported: numbers where VPC documents
    strings, lower-case report flags and short user names, State COMPLETE, an undocumented field, an OSS element."""
    docs = corpus()

    def problems_of(key: str, body: Any) -> Problems:
        found: Problems = []
        compare(key, docs[key], {"body": body if isinstance(body, str) else json.dumps(body)}, found)
        return found

    flow = copy.deepcopy(docs["vpc:DescribeFlowLogs"]["response"])
    flow.update(TotalCount=1, PageNumber=1, PageSize=50)
    assert len(problems_of("vpc:DescribeFlowLogs", flow)) == 3
    assert problems_of("ims:GenerateCredentialReport", {"RequestId": "r", "State": "COMPLETE"}) == [
        "ims:GenerateCredentialReport: State = 'COMPLETE', documented values ['STARTED', 'INPROGRESS', 'COMPLETED']"]
    old_report = "user,password_exist,mfa_active\nalice,true,false\n"
    found = problems_of("ims:GetCredentialReport", {"Content": base64.b64encode(old_report.encode()).decode()})
    assert any("first report row is 'alice'" in p for p in found)
    assert any("password_exist = 'true'" in p for p in found) and any("'alice' does not match" in p for p in found)
    assert problems_of("ims:GetUser", {"User": {"UserName": "a", "Status": "Active"}}) == [
        "ims:GetUser: field User.Status (str 'Active') is not documented"]
    xml = "<VersioningConfiguration><Status>On</Status><Mfa>x</Mfa></VersioningConfiguration>"
    assert problems_of("oss:GetBucketVersioning", xml) == [
        "oss:GetBucketVersioning: VersioningConfiguration.Status = 'On', documented values ['Enabled', 'Suspended']",
        "oss:GetBucketVersioning: element VersioningConfiguration.Mfa is not documented"]


# --- comparison -----------------------------------------------------------------------------------------------

def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        return "list"
    return "object"


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def sample_types(value: Any, path: str = "", out: dict[str, str] | None = None) -> dict[str, str]:
    """path -> JSON type of every field of a sample (list items as path[])."""
    out = {} if out is None else out
    if isinstance(value, dict):
        for k, v in value.items():
            out.setdefault(join(path, k), json_type(v))
            sample_types(v, join(path, k), out)
    elif isinstance(value, list):
        for v in value:
            out.setdefault(path + "[]", json_type(v))
            sample_types(v, path + "[]", out)
    return out


def type_matches(expected: str, actual: str) -> bool:
    return actual == "null" or expected in ("any", actual) or (expected == "float" and actual == "int")


class JsonSpec:
    """What the documentation says about one JSON answer: field types, free-form maps, enumerations."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.types = {**doc.get("documented_fields", {}), **sample_types(doc["response"])}
        if isinstance(doc["response"], list):
            self.types.setdefault("", "list")
        self.free = set(doc.get("free_form", []))
        self.enums: dict[str, list[Any]] = doc.get("enums", {})
        self.items: dict[str, dict[str, Any]] = doc.get("item_samples", {})


def compare_json(key: str, spec: JsonSpec, value: Any, path: str, problems: Problems) -> None:
    if path in spec.items:
        compare_item(key, spec.items[path], value, path, problems)
        return
    if path in spec.free:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            p = join(path, k)
            expected = spec.types.get(p)
            if expected is None:
                if (key, p) not in ALLOWED_UNDOCUMENTED_IN_SAMPLE:
                    problems.append(f"{key}: field {p} ({json_type(v)} {short(v)}) is not documented")
                continue
            check_value(key, spec, p, expected, v, problems)
    elif isinstance(value, list):
        p = path + "[]"
        expected = spec.types.get(p)
        for v in value:
            if expected is None:
                problems.append(f"{key}: {path or 'the body'} is documented without items, the emulator sends "
                                f"{json_type(v)} {short(v)}")
                break
            check_value(key, spec, p, expected, v, problems)


def check_value(key: str, spec: JsonSpec, path: str, expected: str, value: Any, problems: Problems) -> None:
    actual = json_type(value)
    if not type_matches(expected, actual):
        problems.append(f"{key}: {path} is {actual} {short(value)}, documented {expected}")
        return
    allowed = spec.enums.get(path)
    if allowed and value is not None and not isinstance(value, (dict, list)) \
            and str(value) not in {str(a) for a in allowed}:
        problems.append(f"{key}: {path} = {value!r}, documented values {allowed}")
    compare_json(key, spec, value, path, problems)


def compare_item(key: str, item: dict[str, Any], value: Any, path: str, problems: Problems) -> None:
    """A free-form list item the API documents elsewhere (ActionTrail events): field names only."""
    if isinstance(value, str):  # some deliveries carry each event as a JSON string
        try:
            value = json.loads(value)
        except ValueError:
            problems.append(f"{key}: {path} is a string that is not JSON: {short(value)}")
            return
    if not isinstance(value, dict):
        problems.append(f"{key}: {path} is {json_type(value)}, documented object")
        return
    known = set(item.get("fields", [])) | set(sample_types(item["sample"]))
    free = set(item.get("free_form", []))

    def walk(obj: dict[str, Any], prefix: str) -> None:
        for k, v in obj.items():
            p = join(prefix, k)
            if p not in known:
                problems.append(f"{key}: {path}.{p} ({json_type(v)} {short(v)}) is not a documented event field")
            elif isinstance(v, dict) and p not in free:
                walk(v, p)

    walk(value, "")


def compare_credential_report(key: str, doc: dict[str, Any], body: dict[str, Any], problems: Problems) -> None:
    """GetCredentialReport's Content: the Base64 of a CSV report with the documented columns and values."""
    spec = doc["csv"]
    try:
        text = base64.b64decode(body.get("Content") or "").decode()
    except (ValueError, UnicodeDecodeError) as err:
        problems.append(f"{key}: Content is not Base64 of UTF-8 text ({err})")
        return
    if not text.strip():
        return
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or "user" not in rows[0]:  # a later page carries rows only
        return
    header, data = rows[0], rows[1:]
    extra = [c for c in header if c not in spec["columns"]]
    if extra:
        problems.append(f"{key}: report columns {extra} are not documented")
    if data and data[0] and data[0][0] != spec["first_user"]:
        problems.append(f"{key}: the first report row is {data[0][0]!r}, documented {spec['first_user']!r}")
    for row in data:
        if len(row) != len(header):
            problems.append(f"{key}: a report row has {len(row)} values for {len(header)} columns: {row[:1]}")
            continue
        for column, value in zip(header, row, strict=True):
            allowed = spec["enums"].get(column)
            if allowed and value not in allowed:
                problems.append(f"{key}: report column {column} = {value!r}, documented values {allowed}")
            pattern = spec["patterns"].get(column)
            if pattern and not re.match(pattern, value):
                problems.append(f"{key}: report column {column} = {value!r} does not match the documented form "
                                f"{pattern}")


def xml_paths(el: ElementTree.Element, prefix: str = "") -> Iterator[tuple[str, ElementTree.Element]]:
    tag = el.tag.split("}", 1)[-1]
    path = join(prefix, tag)
    yield path, el
    for child in el:
        yield from xml_paths(child, path)


def compare_xml(key: str, doc: dict[str, Any], text: str, problems: Problems) -> None:
    documented = dict(doc.get("documented_elements", {}))
    sample = ElementTree.fromstring(doc["response_xml"].encode())
    for p, _el in xml_paths(sample):
        documented.setdefault(p, "str")
    try:
        root = ElementTree.fromstring(text.encode())
    except ElementTree.ParseError as err:
        problems.append(f"{key}: the answer is not XML ({err})")
        return
    for p, el in xml_paths(root):
        if p not in documented:
            problems.append(f"{key}: element {p} is not documented")
            continue
        if len(el):
            continue
        value = (el.text or "").strip()
        kind = documented[p]
        if value and kind == "bool" and value not in ("true", "false"):
            problems.append(f"{key}: {p} = {value!r}, documented boolean (true/false)")
        if value and kind == "int" and not value.lstrip("-").isdigit():
            problems.append(f"{key}: {p} = {value!r}, documented integer")
        allowed = doc.get("enums", {}).get(p)
        if allowed and value and value not in allowed:
            problems.append(f"{key}: {p} = {value!r}, documented values {allowed}")


def compare(key: str, doc: dict[str, Any], answer: dict[str, Any], problems: Problems) -> None:
    body = answer["body"]
    if "response_xml" in doc:
        compare_xml(key, doc, body, problems)
        return
    try:
        value = json.loads(body)
    except ValueError:
        problems.append(f"{key}: the answer is not JSON: {short(body)}")
        return
    spec = JsonSpec(doc)
    documented_root = json_type(doc["response"])
    if json_type(value) != documented_root:
        problems.append(f"{key}: the body is {json_type(value)}, documented {documented_root}")
        return
    compare_json(key, spec, value, "", problems)
    if "csv" in doc and isinstance(value, dict):
        compare_credential_report(key, doc, value, problems)


def short(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- the scans ------------------------------------------------------------------------------------------------

def sample_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SAMPLE.read_text())
    return data


def with_every_resource(data: dict[str, Any]) -> dict[str, Any]:
    """The sample with its ECS, VPC, KMS, RDS, ACK and Security Center resources replaced by ones of the kinds it lacks,
    so that every API of the inventory answers with content (per-resource APIs are only called for existing resources):
    ECS (with a port list, a prefix list and a secondary ENI), VPC (with a public IPv6 address), RDS (a SQL Server
    instance beside MySQL and PostgreSQL, TDE on a customer key, so DescribeDBInstanceEncryptionKey is called), KMS, ACK
    (with an inspection report), Security Center assets and subscription log analysis, a trail that delivers to an SLS
    project with an alert, a bucket policy, and enough RAM users that the policy attachments are read per policy
    (ListEntitiesForPolicy) instead of per user. The auditor may not generate the credential report here, so users are
    read with the per-user IMS calls the report otherwise saves (GetUser, GetLoginProfile, ListVirtualMFADevices,
    GetUserMFAInfo with a security-key user, GetAccessKeyLastUsed)."""
    data = copy.deepcopy(data)
    acct = data["accounts"][0]
    region, account = "cn-hangzhou", acct["id"]
    key_id = "key-hzzwire0000000000000001"
    acct["ecs"] = {
        "instances": [{"id": "i-bp1wire0000000001", "name": "wire-web", "region": region, "vpc_id": "vpc-bp1wire01",
                       "vswitch_id": "vsw-bp1wire01", "private_ips": ["172.16.0.10"], "public_ips": ["47.0.0.10"],
                       "security_groups": ["sg-bp1wire0000000001"], "ram_role": "web-instance-role"}],
        "security_groups": [{"id": "sg-bp1wire0000000001", "name": "wire-sg", "region": region,
                             "vpc_id": "vpc-bp1wire01",
                             "permissions": [{"ip_protocol": "TCP", "port_range": "22/22",
                                              "source_cidr_ip": "0.0.0.0/0"},
                                             {"ip_protocol": "TCP", "port_range": "", "source_cidr_ip": "0.0.0.0/0",
                                              "port_range_list_id": "prl-bp1wire01"},
                                             {"ip_protocol": "TCP", "port_range": "443/443",
                                              "source_prefix_list_id": "pl-bp1wire01"},
                                             {"direction": "egress", "ip_protocol": "ALL", "port_range": "-1/-1",
                                              "dest_cidr_ip": "0.0.0.0/0"}]}],
        "disks": [{"id": "d-bp1wire0000000001", "region": region, "instance_id": "i-bp1wire0000000001",
                   "type": "system", "encrypted": True, "kms_key_id": key_id}],
        "port_range_lists": [{"id": "prl-bp1wire01", "name": "web", "region": region, "entries": ["80/80"]}],
        "prefix_lists": [{"id": "pl-bp1wire01", "name": "office", "region": region, "entries": ["203.0.113.0/24"]}],
        "network_interfaces": [{"id": "eni-bp1wire01", "region": region, "instance_id": "i-bp1wire0000000001",
                                "vpc_id": "vpc-bp1wire01", "vswitch_id": "vsw-bp1wire01", "private_ip": "172.16.0.11",
                                "security_groups": ["sg-bp1wire0000000001"]}],
    }
    acct["vpc"] = {
        "vpcs": [{"id": "vpc-bp1wire01", "name": "wire-vpc", "region": region, "vswitch_ids": ["vsw-bp1wire01"]}],
        "flow_logs": [{"id": "fl-bp1wire01", "name": "wire-flow", "region": region, "resource_id": "vpc-bp1wire01"}],
        "eips": [{"id": "eip-bp1wire01", "ip": "47.0.0.20", "region": region, "instance_id": "i-bp1wire0000000001"}],
        "ipv6_addresses": [{"id": "ipv6-bp1wire01", "ip": "2408:4000::10", "region": region,
                            "vpc_id": "vpc-bp1wire01", "vswitch_id": "vsw-bp1wire01",
                            "instance_id": "i-bp1wire0000000001", "internet_bandwidth": 5}],
    }
    acct["kms"] = {"keys": [{"id": key_id, "region": region, "automatic_rotation": "Enabled",
                             "rotation_interval_seconds": 31536000}]}
    acct["rds"] = {"instances": [
        {"id": "rm-bp1wire0000000001", "region": region, "engine": "MySQL", "ssl_enabled": True,
         "tde_status": "Enabled", "tde_mode": "Customer_Provided_Key", "tde_key_id": key_id,
         "sql_collector": "Enable", "sql_retention_days": 180},
        {"id": "pgm-bp1wire000000001", "region": region, "engine": "PostgreSQL", "engine_version": "15.0"},
        {"id": "rm-bp1wire0000000003", "region": region, "engine": "SQLServer", "engine_version": "2019_std_ha",
         "force_encryption": True, "ssl_enabled": True},
    ]}
    acct["cs"] = {"clusters": [{
        "name": "wire-ack", "region": region, "audit_project": "k8s-audit-wire",
        "addons": [{"name": "terway-eniip", "config": {"NetworkPolicy": "true"}}, {"name": "logtail-ds"}],
        "node_pools": [{"name": "default", "is_default": True, "cms_enabled": True}],
        "inspect_reports": [{"start": "2026-11-20T00:00:00Z"}],
    }]}
    acct["sas"] = {"version": 3, "assets": [{"instance_id": "i-bp1wire0000000001", "uuid": "inet-wire0001",
                                             "region": region, "vulns": {"cve": 1}}],
                   "log_analysis": {"bought": True, "open": True}}  # (its purchased storage is read)
    acct["actiontrail"]["trails"].append({
        "name": "wire-trail", "home_region": region, "trail_region": "All", "event_rw": "All",
        "sls_project_arn": f"acs:log:{region}:{account}:project/acme-ops-logs"})
    for project in acct["sls"]["projects"]:
        if project["name"] == "acme-ops-logs":
            project["logstores"].append({"name": "actiontrail_wire-trail", "ttl": 180})
            project["alerts"] = [{"name": "root-logon", "configuration": {"queryList": [
                {"store": "actiontrail_wire-trail", "query": "event.eventName: ConsoleSignin", "start": "-15m",
                 "end": "now"}]}}]
    bucket = next(b for b in acct["oss"]["buckets"] if b["name"] == "acme-public-assets")
    bucket["policy"] = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["oss:GetObject"],
                                                       "Principal": ["*"],
                                                       "Resource": ["acs:oss:*:*:acme-public-assets/*"]}]}
    acct["ram"]["users"] += [{"name": f"wire-user-{n}"} for n in range(1, 6)]
    acct["ram"]["users"].append({
        "name": "wire-u2f", "login_profile": {"created": "2024-01-01T00:00:00Z"},
        "mfa_device": {"serial": f"acs:ram::{account}:mfa/wire-u2f", "type": "U2F"}})
    for policy in acct["ram"]["policies"]:
        if policy["name"] == "AuditorExtras":  # no ram:GenerateCredentialReport: the per-user reads instead
            policy["document"] = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["ram:GetUser"],
                                                                 "Resource": "*"}]}
    return data


def recorded(cloud: EmulatorServer, admin: AdminClient, data: dict[str, Any],
             write_first: bool = False) -> dict[str, list[dict[str, Any]]]:
    """Load the scenario and record the first answers of every API while the account's regions are listed (as the
    CLI does, ECS DescribeRegions, then each product's region list) and every check runs over all of them.
    write_first: a write with the root AccessKey before, so that ActionTrail LookupEvents has an event to answer."""
    cloud.emulator.load(Scenario.model_validate(data))
    if write_first:
        RamClient(pop_config(cloud, SAMPLE_ROOT_AK, SAMPLE_ROOT_SECRET)).create_group(
            ram_models.CreateGroupRequest(group_name="wire-events"))
    admin.record(limit=5)
    settings = EndpointSettings(protocol="http", proxy=cloud.url, max_attempts=2, backoff_ms=10)
    regions = account_regions(ClientFactory(StaticProvider(AUDITOR_AK, AUDITOR_SECRET), settings))
    assert set(regions) == set(data["accounts"][0]["regions"])
    assert scan(cloud, ak=AUDITOR_AK, secret=AUDITOR_SECRET, regions=regions, offered=True)
    return admin.responses()


def test_emulator_answers_use_the_documented_fields_types_and_values(cloud: EmulatorServer,
                                                                     admin: AdminClient) -> None:
    docs = corpus()
    answers: dict[str, list[dict[str, Any]]] = {}
    for data, write_first in ((sample_data(), False), (with_every_resource(sample_data()), True)):
        for key, got in recorded(cloud, admin, data, write_first).items():
            answers.setdefault(key, []).extend(got)
    problems: Problems = []
    for key, got in sorted(answers.items()):
        doc = docs.get(key)
        if doc is None:
            problems.append(f"{key}: the product called it but tests/fixtures/wire has no documented sample")
            continue
        for answer in got:
            compare(key, doc, answer, problems)
    exercised = {docs[k].get("ram_action") for k in answers if k in docs}
    problems += [f"{action}: not exercised by the scans (no answer recorded), so not compared"
                 for action in inventory() if action not in exercised]
    problems = list(dict.fromkeys(problems))  # the same mismatch in several answers once
    assert not problems, f"{len(problems)} differences from the documented answers:\n" + "\n".join(problems)
