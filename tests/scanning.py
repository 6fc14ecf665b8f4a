"""Run the public scan entry point against the emulator and index the findings for assertions."""

from __future__ import annotations

from aliaudit.clients import ClientFactory
from aliaudit.config import AuditConfig
from aliaudit.credentials.providers import StaticProvider
from aliaudit.findings import Finding
from aliaudit.offered import not_offered
from aliaudit.scan import ScanRequest, run_scan, select_checks
from aliaudit.settings import EndpointSettings
from tests.emulator import EmulatorServer
from tests.sdk import ACCOUNT, ROOT_AK, ROOT_SECRET


def scan(cloud: EmulatorServer, *, ak: str = ROOT_AK, secret: str = ROOT_SECRET, regions: list[str] | None = None,
         checks: list[str] | None = None, families: list[str] | None = None,
         config: AuditConfig | None = None, offered: bool = False) -> list[Finding]:
    """offered: first ask each product where it is offered, as a whole CLI scan does (offered.not_offered)."""
    settings = EndpointSettings(protocol="http", proxy=cloud.url, max_attempts=2, backoff_ms=10)
    factory = ClientFactory(StaticProvider(ak, secret), settings)
    regions = regions or ["cn-hangzhou"]
    skipped = not_offered(factory, {c.meta.family for c in select_checks(families, checks)}, regions) if offered \
        else {}
    request = ScanRequest(account_id=ACCOUNT, regions=regions, check_ids=checks, families=families,
                          config=config or AuditConfig(), not_offered=skipped)
    return run_scan(factory, request)


def by_resource(findings: list[Finding], check_id: str) -> dict[str, str]:
    """resource id -> status for one check."""
    return {f.resource_id: f.status.value for f in findings if f.check_id == check_id}
