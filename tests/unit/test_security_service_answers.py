"""Answers of the security-service APIs that leave a documented field out: the website, secret or firewall gets
ERROR (or is still judged), never a verdict from a value nobody read."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from aliaudit.checks.registry import Inputs, all_checks
from aliaudit.collectors import ddos
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
