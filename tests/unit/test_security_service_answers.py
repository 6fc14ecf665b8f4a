"""Answers of the security-service APIs that leave a documented field out (or answer it in an undocumented form):
the website, secret or protected object gets ERROR (or is still judged), never a verdict from a value nobody read.
The emulator answers these fields as documented, so the collectors' readers are fed the SDK's own response models,
built from the wire keys as the SDK parses an answer."""

from __future__ import annotations

from typing import Any

from alibabacloud_ddoscoo20200101 import models as ddos_models
from alibabacloud_kms20160120 import models as kms_models
from alibabacloud_waf_openapi20211001 import models as waf_models

from aliaudit.checks.registry import Inputs, all_checks
from aliaudit.collectors import ddos, kms, waf
from aliaudit.config import AuditConfig


def ddos_verdicts(answer: dict[str, Any]) -> set[str]:
    site = ddos.DdosWebsite(domain="www.example.com", region="cn-hangzhou")
    ddos.read_log_status(site, ddos_models.DescribeWebAccessLogStatusResponseBody().from_map(answer))
    check = all_checks()["ddos_web_access_log_enabled"]
    return {r.status.value for r in check.fn(Inputs({ddos.WEBSITES.name: [site]}, AuditConfig(), "global", "1", None))}


def test_ddos_website_without_sls_status_is_error_not_fail() -> None:
    names = {"SlsProject": "p", "SlsLogstore": "l"}
    assert ddos_verdicts(names) == {"ERROR"}
    assert ddos_verdicts({**names, "SlsStatus": True}) == {"PASS"}
    assert ddos_verdicts({**names, "SlsStatus": False}) == {"FAIL"}
    assert ddos_verdicts({**names, "SlsStatus": "false"}) == {"ERROR"}


def test_kms_secret_listed_without_type_is_described_and_judged() -> None:
    listing = kms_models.ListSecretsResponseBody().from_map({"SecretList": {"Secret": [
        {"SecretName": "db-pw"}, {"SecretName": "plain", "SecretType": "Generic"}]}, "TotalCount": 2})
    secrets = [kms.listed_secret(s, "cn-hangzhou") for s in listing.secret_list.secret]
    assert [kms.description_needed(s) for s in secrets] == [True, False]  # a Generic secret is not described
    kms.read_description(secrets[0], kms_models.DescribeSecretResponseBody().from_map({
        "Arn": "acs:kms:cn-hangzhou:1:secret/db-pw", "SecretName": "db-pw", "SecretType": "Rds",
        "AutomaticRotation": "Disabled"}))
    check = all_checks()["kms_secret_rotation_enabled"]
    got = {r.resource_id: r.status.value
           for r in check.fn(Inputs({kms.SECRETS.name: secrets}, AuditConfig(), "cn-hangzhou", "1", None))}
    assert got == {"db-pw": "FAIL"}


def waf_verdicts(result: list[dict[str, Any]]) -> set[str]:
    objects = [waf.WafResource(resource="alb-1", product="alb", instance_id="waf_v3prepaid_public_cn-1",
                               region="cn-hangzhou")]
    body = waf_models.DescribeResourceLogStatusResponseBody().from_map({"Result": result})
    waf.read_log_status(objects, body.result or [])
    check = all_checks()["waf_protected_resource_logging_enabled"]
    return {r.status.value for r in check.fn(Inputs({waf.RESOURCES.name: objects}, AuditConfig(), "global", "1", None))}


def test_waf_log_status_is_read_as_a_boolean_only() -> None:
    assert waf_verdicts([{"Resource": "alb-1", "Status": True}]) == {"PASS"}
    assert waf_verdicts([{"Resource": "alb-1", "Status": False}]) == {"FAIL"}
    assert waf_verdicts([{"Resource": "alb-1", "Status": "false"}]) == {"ERROR"}  # not truthiness
    assert waf_verdicts([{"Resource": "alb-1"}]) == {"ERROR"}
    assert waf_verdicts([]) == {"ERROR"}  # the object not reported at all


def test_security_center_risk_counts_that_are_not_an_object_of_counts_are_unknown() -> None:
    from aliaudit.collectors.securitycenter import _risk_counts

    assert _risk_counts('{"cveNum": 2, "sysNum": 0, "appNum": 1, "scaNum": 3}') == {
        "cve": 2, "sys": 0, "cms": 0, "emg": 0, "app": 1, "sca": 3}
    for text in ("[1, 2]", '"text"', '{"cveNum": "many"}', '{"cveNum": [1]}', "not json", "[" * 5000 + "]" * 5000):
        assert _risk_counts(text) is None, text
