"""Answers of the security-service APIs that leave a documented field out: the website, secret or firewall gets
ERROR (or is still judged), never a verdict from a value nobody read."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from aliaudit.checks.registry import Inputs, all_checks
from aliaudit.collectors import ddos, kms, waf
from aliaudit.config import AuditConfig


class FakeDdos:
    def __init__(self, sls_status: Any) -> None:
        self.sls_status = sls_status

    def describe_instances(self, request: Any) -> Any:
        return SimpleNamespace(body=SimpleNamespace(instances=[SimpleNamespace(instance_id="ddoscoo-cn-1")],
                                                    total_count=1))

    def describe_domains(self, request: Any) -> Any:
        return SimpleNamespace(body=SimpleNamespace(domains=["www.example.com"]))

    def describe_web_access_log_status(self, request: Any) -> Any:
        return SimpleNamespace(body=SimpleNamespace(sls_status=self.sls_status, sls_project="p", sls_logstore="l"))


class FakeCtx:
    region, account_id = "global", "1234567890123456"

    def __init__(self, client: Any) -> None:
        self.factory = SimpleNamespace(pop=lambda product, region: client)

    def map(self, fn: Any, items: Any) -> list[Any]:
        return [fn(i) for i in items]


def ddos_verdicts(sls_status: Any) -> set[str]:
    data = ddos.websites(FakeCtx(FakeDdos(sls_status)))  # type: ignore[arg-type]
    check = all_checks()["ddos_web_access_log_enabled"]
    return {r.status.value for r in check.fn(Inputs({ddos.WEBSITES.name: data}, AuditConfig(), "global", "1", None))}


def test_ddos_website_without_sls_status_is_error_not_fail() -> None:
    assert ddos_verdicts(None) == {"ERROR"}
    assert ddos_verdicts(True) == {"PASS"}
    assert ddos_verdicts(False) == {"FAIL"}


class FakeKms:
    """ListSecrets answers without SecretType; DescribeSecret tells it."""

    def list_secrets(self, request: Any) -> Any:
        secrets = [SimpleNamespace(secret_name="db-pw", secret_type=None, planned_delete_time=None),
                   SimpleNamespace(secret_name="plain", secret_type="Generic", planned_delete_time=None)]
        return SimpleNamespace(body=SimpleNamespace(secret_list=SimpleNamespace(secret=secrets), total_count=2))

    def describe_secret(self, request: Any) -> Any:
        assert request.secret_name == "db-pw", "a Generic secret is not described"
        return SimpleNamespace(body=SimpleNamespace(arn="acs:kms:cn-hangzhou:1:secret/db-pw", secret_type="Rds",
                                                    automatic_rotation="Disabled", rotation_interval=None))


class RegionalCtx(FakeCtx):
    region = "cn-hangzhou"

    def client(self, product: str) -> Any:
        return self.factory.pop(product, self.region)


def test_kms_secret_listed_without_type_is_described_and_judged() -> None:
    data = kms.secrets(RegionalCtx(FakeKms()))  # type: ignore[arg-type]
    check = all_checks()["kms_secret_rotation_enabled"]
    got = {r.resource_id: r.status.value
           for r in check.fn(Inputs({kms.SECRETS.name: data}, AuditConfig(), "cn-hangzhou", "1", None))}
    assert got == {"db-pw": "FAIL"}


class FakeWaf:
    def __init__(self, status: Any) -> None:
        self.status = status

    def describe_instance(self, request: Any) -> Any:
        return SimpleNamespace(body=SimpleNamespace(instance_id="waf_v3prepaid_public_cn-1"))

    def describe_defense_resources(self, request: Any) -> Any:
        return SimpleNamespace(body=SimpleNamespace(resources=[SimpleNamespace(resource="alb-1", product="alb")],
                                                    total_count=1))

    def describe_resource_log_status(self, request: Any) -> Any:
        return SimpleNamespace(body=SimpleNamespace(result=[SimpleNamespace(resource="alb-1", status=self.status)]))


def waf_verdicts(status: Any) -> set[str]:
    data = waf.resources(FakeCtx(FakeWaf(status)))  # type: ignore[arg-type]
    check = all_checks()["waf_protected_resource_logging_enabled"]
    return {r.status.value for r in check.fn(Inputs({waf.RESOURCES.name: data}, AuditConfig(), "global", "1", None))}


def test_waf_log_status_is_read_as_a_boolean_only() -> None:
    assert waf_verdicts(True) == {"PASS"}
    assert waf_verdicts(False) == {"FAIL"}
    assert waf_verdicts("false") == {"ERROR"}  # not truthiness
    assert waf_verdicts(None) == {"ERROR"}
