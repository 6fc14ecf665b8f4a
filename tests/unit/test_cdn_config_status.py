"""CDN: a DescribeCdnDomainConfigs configuration whose Status is not success (failed, testing, configuring) is not
in effect; its arguments must not make the domain PASS. read_configs is fed the SDK's own DomainConfig models (the
end-to-end form, through the SDK against the emulator, is in tests/e2e/test_checks_cdn.py)."""

from __future__ import annotations

import pytest
from alibabacloud_cdn20180510 import models as cdn_models

from aliaudit.checks.registry import Inputs, all_checks
from aliaudit.collectors.cdn import DOMAINS, CdnDomain, read_configs
from aliaudit.config import AuditConfig

DomainConfig = cdn_models.DescribeCdnDomainConfigsResponseBodyDomainConfigsDomainConfig


def config(name: str, status: str | None, **args: str) -> DomainConfig:
    fa = [cdn_models.DescribeCdnDomainConfigsResponseBodyDomainConfigsDomainConfigFunctionArgsFunctionArg(
        arg_name=k, arg_value=v) for k, v in args.items()]
    return DomainConfig(
        function_name=name, status=status,
        function_args=cdn_models.DescribeCdnDomainConfigsResponseBodyDomainConfigsDomainConfigFunctionArgs(
            function_arg=fa))


def verdicts(status: str | None) -> dict[str, str]:
    dom = CdnDomain(name="example.com", status="online", ssl_protocol="on")
    read_configs(dom, [config("https_force", status, enable="on"),
                       config("https_tls_version", status, tls10="off", tls11="off", tls12="on", tls13="on")])
    out = {}
    for cid in ("cdn_domain_https_enforced", "cdn_domain_tls_version_strong"):
        [r] = all_checks()[cid].fn(Inputs({DOMAINS.name: [dom]}, AuditConfig(), "global", "1", None))  # type: ignore[arg-type]
        out[cid] = r.status.value
    return out


@pytest.mark.parametrize("status, expected", [
    ("success", "PASS"), (None, "PASS"), ("failed", "FAIL"), ("configuring", "MANUAL"), ("testing", "MANUAL")])
def test_only_applied_configurations_count(status: str | None, expected: str) -> None:
    assert set(verdicts(status).values()) == {expected}
