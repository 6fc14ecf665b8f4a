"""CDN: a DescribeCdnDomainConfigs configuration whose Status is not success (failed, testing, configuring) is not
in effect; its arguments must not make the domain PASS."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from aliaudit.checks.registry import Inputs, all_checks
from aliaudit.collectors.cdn import DOMAINS, domains
from aliaudit.config import AuditConfig


def config(name: str, status: str, **args: str) -> SimpleNamespace:
    fa = [SimpleNamespace(arg_name=k, arg_value=v) for k, v in args.items()]
    return SimpleNamespace(function_name=name, status=status, function_args=SimpleNamespace(function_arg=fa))


class FakeCdn:
    def __init__(self, status: str) -> None:
        self.status = status

    def describe_user_domains(self, request: Any) -> Any:
        d = SimpleNamespace(domain_name="example.com", domain_status="online", ssl_protocol="on", cdn_type="web",
                            coverage="domestic", sources=None)
        return SimpleNamespace(body=SimpleNamespace(domains=SimpleNamespace(page_data=[d]), total_count=1))

    def describe_cdn_domain_configs(self, request: Any) -> Any:
        configs = [config("https_force", self.status, enable="on"),
                   config("https_tls_version", self.status, tls10="off", tls11="off", tls12="on", tls13="on")]
        return SimpleNamespace(body=SimpleNamespace(domain_configs=SimpleNamespace(domain_config=configs)))


def verdicts(status: str) -> dict[str, str]:
    ctx = SimpleNamespace(client=lambda product: FakeCdn(status), map=lambda fn, items: [fn(i) for i in items],
                          region="global")
    data = domains(ctx)  # type: ignore[arg-type]
    out = {}
    for cid in ("cdn_domain_https_enforced", "cdn_domain_tls_version_strong"):
        [r] = all_checks()[cid].fn(Inputs({DOMAINS.name: data}, AuditConfig(), "global", "1", None))  # type: ignore[arg-type]
        out[cid] = r.status.value
    return out


@pytest.mark.parametrize("status, expected", [
    ("success", "PASS"), ("failed", "FAIL"), ("configuring", "MANUAL"), ("testing", "MANUAL")])
def test_only_applied_configurations_count(status: str, expected: str) -> None:
    assert set(verdicts(status).values()) == {expected}
