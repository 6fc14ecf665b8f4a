"""CloudSSO check (MFA required for the directory's users) through the scan entry point, plus the emulator's write
that remediates it."""

from __future__ import annotations

from typing import Any

from alibabacloud_cloudsso20210515 import models as sso_models
from alibabacloud_cloudsso20210515.client import Client as SsoClient

from aliaudit.collectors.cloudsso import REGIONS
from tests.scanning import by_resource, scan
from tests.sdk import READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

CHECK = "cloudsso_mfa_required"


def account(directory: dict[str, Any] | None = None) -> dict[str, Any]:
    d = directory or {"id": "d-00fc2psample", "name": "acme", "mfa": "OnlyRiskyLogin", "risky_login": "EnforceVerify"}
    return base_scenario(regions=["cn-hangzhou"], cloudsso={"directories": [d]})


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def test_mfa_settings(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["cloudsso"])
    assert by_resource(findings, CHECK) == {"d-00fc2psample": "FAIL"}
    (f,) = findings
    assert "only for unusual logons (EnforceVerify)" in f.message and f.region == "cn-shanghai"
    assert f.resource_name == "acme"
    # Singapore is a directory region too (CloudSSO "Endpoints" and "CloudSSO directory regions")
    for (mfa, verdict), region in zip((("Enabled", "PASS"), ("Disabled", "FAIL"), ("Byuser", "MANUAL")),
                                      ("eu-central-1", "ap-southeast-1", "eu-central-1"), strict=True):
        load(cloud, account({"id": "d-eu0sample", "region": region, "mfa": mfa}))
        findings = scan(cloud, families=["cloudsso"])
        assert by_resource(findings, CHECK) == {"d-eu0sample": verdict}, mfa
        assert findings[0].region == region


def test_no_directory_gives_no_finding(cloud):
    load(cloud, base_scenario(regions=["cn-hangzhou"]))
    assert scan(cloud, families=["cloudsso"]) == []


def test_denied_apis_give_error_findings(cloud):
    load(cloud, _deny(account(), ["cloudsso:GetMFAAuthenticationSettingInfo"]))
    findings = scan(cloud, families=["cloudsso"], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, CHECK) == {"d-00fc2psample": "ERROR"}
    assert "NoPermission" in findings[0].message

    load(cloud, _deny(account(), ["cloudsso:ListDirectories"]))
    findings = scan(cloud, families=["cloudsso"], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, CHECK) == {f"cloudsso-{r}": "ERROR" for r in REGIONS}
    assert all("could not list the CloudSSO directories" in f.message for f in findings)


def test_a_region_down_is_its_error_and_the_directory_is_judged(cloud, admin):
    load(cloud, account())
    admin.faults(regions_down=["eu-central-1"])
    findings = scan(cloud, families=["cloudsso"])
    assert by_resource(findings, CHECK) == {"d-00fc2psample": "FAIL", "cloudsso-eu-central-1": "ERROR"}


def test_remediation_flips_the_check_and_is_audited(cloud, admin):
    load(cloud, account())
    client = SsoClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                                  region_id="cn-shanghai"))
    client.update_mfaauthentication_settings(sso_models.UpdateMFAAuthenticationSettingsRequest(
        directory_id="d-00fc2psample", mfaauthentication_settings="Enabled"))
    assert by_resource(scan(cloud, families=["cloudsso"]), CHECK) == {"d-00fc2psample": "PASS"}
    events = [e for e in admin.events() if e["eventName"] == "UpdateMFAAuthenticationSettings"]
    assert [e["referencedResources"] for e in events] == [{"ACS::CloudSSO::Directory": ["d-00fc2psample"]}]
