"""Products not offered in a region (offered.py): a whole scan asks each product's region API and audits the family
only where it is offered; the summary and the terminal say where it was not audited; a region list that cannot be
read leaves every region audited, and the region the product lacks is ERROR with its reason, never skipped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_cr20181201 import models as cr_models
from alibabacloud_cr20181201.client import Client as CrClient

from aliaudit.clients import ClientFactory
from aliaudit.credentials.providers import StaticProvider
from aliaudit.offered import REGION_LISTS, not_offered
from aliaudit.settings import EndpointSettings
from tests.sdk import ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

SCRIPT = str(Path(sys.executable).parent / "aliaudit")
REGIONS = ["cn-hangzhou", "cn-shanghai"]
AUDITOR_AK, AUDITOR_SECRET = "LTAIoffered00000001", "offered-secret-00000000000"


def scenario(*, deny: list[str] | None = None) -> dict[str, Any]:
    data = base_scenario(regions=REGIONS, cr={"instances": [
        {"id": "cri-open", "name": "acme-ci", "internet": {"enabled": True, "entries": ["0.0.0.0/0"]}}]})
    # Container Registry and Function Compute are not offered in cn-shanghai here: their region APIs leave it out and
    # their endpoints there do not exist
    data["not_offered"] = {"cr": ["cn-shanghai"], "fc": ["cn-shanghai"]}
    ram = data["accounts"][0]["ram"]
    ram["users"].append({"name": "auditor", "groups": ["auditors"],
                         "access_keys": [{"id": AUDITOR_AK, "secret": AUDITOR_SECRET}]})
    ram["groups"].append({"name": "auditors", "policies": [{"name": "ReadOnlyAccess"}]})
    if deny:
        ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
            {"Effect": "Deny", "Action": deny, "Resource": "*"}]}})
        ram["groups"][-1]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


@pytest.fixture()
def run(cloud, tmp_path):
    def run_cli(*args: str) -> subprocess.CompletedProcess:
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "ALIAUDIT_ENDPOINT_PROXY": cloud.url,
               "ALIAUDIT_ENDPOINT_PROTOCOL": "http", "ALIBABA_CLOUD_ACCESS_KEY_ID": AUDITOR_AK,
               "ALIBABA_CLOUD_ACCESS_KEY_SECRET": AUDITOR_SECRET, "ALIAUDIT_MAX_ATTEMPTS": "2",
               "ALIAUDIT_BACKOFF_MS": "10"}
        return subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)

    return run_cli


def _findings(tmp_path: Path) -> list[dict[str, Any]]:
    return json.loads((tmp_path / "out" / "aliaudit.ocsf.json").read_text())


def test_the_emulator_has_no_endpoint_where_a_product_is_not_offered(cloud):
    load(cloud, scenario())

    def client(region: str) -> CrClient:
        return CrClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                                   region_id=region))

    listed = client("cn-hangzhou").list_instance_region(cr_models.ListInstanceRegionRequest()).body
    named = {r.region_id for r in listed.regions}
    assert listed.is_success is True and "cn-hangzhou" in named and "cn-shanghai" not in named
    with pytest.raises(Exception) as err:
        client("cn-shanghai").list_instance(cr_models.ListInstanceRequest())
    assert "cannot resolve host cr.cn-shanghai.aliyuncs.com" in str(err.value)


@pytest.mark.parametrize("processes", ["1", "2"], ids=["one-process", "two-processes"])
def test_a_family_is_audited_only_where_its_product_is_offered(cloud, run, tmp_path, processes):
    """In one process the region lists are asked before the scan; split, each process asks its own families' and the
    progress count is corrected as they report."""
    load(cloud, scenario())
    out = run("scan", "--family", "cr", "--family", "fc", "--output-dir", "out", "--log-level", "info",
              "--processes", processes)
    assert out.returncode == 3, out.stderr
    found = _findings(tmp_path)
    regions = {(f["unmapped"]["check_id"].split("_", 1)[0], f["cloud"]["region"]) for f in found}
    assert ("cr", "cn-hangzhou") in regions and not {r for r in regions if r[1] == "cn-shanghai"}
    assert not [f for f in found if f["status_code"] == "ERROR"]
    summary = json.loads((tmp_path / "out" / "aliaudit.summary.json").read_text())
    assert summary["not_offered"] == {"cr": ["cn-shanghai"], "fc": ["cn-shanghai"]}
    line = "Not audited where the product is not offered (its region list): cr in cn-shanghai; fc in cn-shanghai"
    assert line in out.stdout
    assert f'<div id="not-audited">{line}</div>' in (tmp_path / "out" / "aliaudit.html").read_text()  # (the page too)
    assert "cr is not offered in cn-shanghai (its region list): not audited there" in out.stderr
    counts = [line.split("]", 1)[0].lstrip("[").split("/") for line in out.stderr.splitlines() if line.startswith("[")]
    assert counts and all(int(done) <= int(total) for done, total in counts) and counts[-1][0] == counts[-1][1]
    assert ("scan processes: 2" in out.stderr) == (processes == "2")


def test_an_unreadable_region_list_audits_every_region_and_says_why(cloud, run, tmp_path):
    load(cloud, scenario(deny=["cr:ListInstanceRegion"]))
    out = run("scan", "--family", "cr", "--output-dir", "out")
    assert out.returncode == 3, out.stderr
    assert "cr: cannot read where the product is offered" in out.stderr and "auditing it in every region" in out.stderr
    errors = [f for f in _findings(tmp_path) if f["status_code"] == "ERROR"]
    assert errors and {f["cloud"]["region"] for f in errors} == {"cn-shanghai"}
    summary = json.loads((tmp_path / "out" / "aliaudit.summary.json").read_text())
    assert summary["not_offered"] == {}


def test_the_policy_grants_the_region_lists(run):
    out = run("policy", "--family", "cr", "--family", "fc")
    assert out.returncode == 0, out.stderr
    actions = json.loads(out.stdout)["Statement"][0]["Action"]
    assert "cr:ListInstanceRegion" in actions and "fc:DescribeRegions" in actions


# each family's product, as the emulator routes it
PRODUCTS = {"rds": "rds", "redis": "kvstore", "mongodb": "dds", "polardb": "polardb", "nas": "nas", "slb": "slb",
            "alb": "alb", "nlb": "nlb", "elasticsearch": "elasticsearch", "fc": "fc", "apigateway": "cloudapi",
            "cr": "cr", "bastionhost": "bastionhost"}


def test_every_region_list_is_read_through_its_sdk(cloud):
    """Each registered reader parses its product's documented answer (the emulator's, checked against the wire
    corpus) and leaves out the region the product lacks; families without a region list are audited everywhere."""
    data = base_scenario(regions=["cn-hangzhou", "cn-shanghai", "ap-southeast-1"])
    data["not_offered"] = {product: ["cn-shanghai"] for product in PRODUCTS.values()}
    data["not_offered"]["alikafka"] = ["cn-shanghai"]  # (Kafka has no region API: audited there, ERROR)
    load(cloud, data)
    settings = EndpointSettings(protocol="http", proxy=cloud.url, max_attempts=2, backoff_ms=10)
    factory = ClientFactory(StaticProvider(ROOT_AK, ROOT_SECRET), settings)
    regions = ["cn-hangzhou", "cn-shanghai", "ap-southeast-1"]
    assert not_offered(factory, {*PRODUCTS, "kafka", "ecs", "ram"}, regions) == {f: ["cn-shanghai"] for f in PRODUCTS}
    assert set(REGION_LISTS) == set(PRODUCTS)  # (a new region list names its emulator product here)
    # the region lists are asked on the home region's endpoint first; one the product lacks is passed over
    data["not_offered"] = {product: ["cn-hangzhou", "cn-shanghai"] for product in PRODUCTS.values()}
    load(cloud, data)
    assert not_offered(factory, set(PRODUCTS), regions) == {f: ["cn-hangzhou", "cn-shanghai"] for f in PRODUCTS}
