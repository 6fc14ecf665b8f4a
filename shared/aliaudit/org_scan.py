"""Organisation runs: each target account audited with its own credentials (the caller's for its own
account, the member role assumed from them for the others), a few accounts at a time. An account that cannot
be audited (suspended, no audit role, trust policy or external id refused, a directory status that is not
active) becomes ERROR findings for every selected check in it, naming the reason; the others go on."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from alibabacloud_credentials_api import ICredentialsProvider

from . import apierrors, errors
from .accounts import AccountsSpec, Target, provider_for
from .checks.registry import all_checks
from .clients import ClientFactory
from .config import AuditConfig
from .findings import Finding, Result, Status
from .regions import account_regions
from .reports.org_summary import NOT_AUDITED
from .scan import GLOBAL, ScanRequest, _finding, scan_findings
from .settings import EndpointSettings

log = logging.getLogger("aliaudit.org")


@dataclass
class OrgRequest:
    spec: AccountsSpec
    source: ICredentialsProvider  # the caller's credentials: the management account (or FC role)
    settings: EndpointSettings
    run_id: str
    check_ids: list[str]
    regions: list[str] | None  # wanted regions (None: each account's own); also the failure findings' regions
    default_regions: list[str]  # the caller's regions: where an unreachable account's regional checks fail
    config: AuditConfig


def failure_findings(target: Target, check_ids: Iterable[str], regions: list[str], reason: str) -> list[Finding]:
    """ERROR for every selected check of an account that could not be audited: global checks once, regional
    checks per region, each naming the account and why."""
    checks = all_checks()
    message = f"account {target.label()}{NOT_AUDITED}{reason}"
    out = []
    for cid in check_ids:
        c = checks.get(cid)
        if c is None:
            continue
        for region in [GLOBAL] if c.meta.scope == "global" else regions:
            f = _finding(c, target.account_id, region, Result(status=Status.ERROR, resource_id=target.account_id,
                                                               resource_type="account", message=message))
            f.account_name = target.name
            out.append(f)
    return out


def connect(target: Target, req: OrgRequest) -> tuple[ClientFactory, list[str]]:
    """The target's client factory and regions; raises AliauditError with a precise reason when the
    account cannot be reached (role assumption refused, account suspended, ...)."""
    if target.problem:
        raise errors.AliauditError(target.problem)
    factory = ClientFactory(provider_for(target, req.source, req.settings, req.spec, req.run_id), req.settings)
    try:
        who = factory.pop("sts").get_caller_identity().body
    except errors.AliauditError:
        raise
    except Exception as err:
        raise errors.AliauditError(apierrors.describe(err)) from None
    if who.account_id != target.account_id:
        raise errors.AliauditError(f"the credentials belong to account {who.account_id}, not {target.account_id}")
    available = account_regions(factory)
    regions = [r for r in req.regions if r in available] if req.regions else available
    return factory, regions


def account_findings(target: Target, req: OrgRequest) -> Iterator[tuple[tuple[int, int], list[Finding]]]:
    """The account's findings, a check in a region at a time as each runs, with the key that puts them in the
    order of the checks, then of the regions; an account that cannot be reached gives one chunk: ERROR for
    every selected check, with the reason."""
    try:
        factory, regions = connect(target, req)
    except errors.AliauditError as err:
        log.error("account %s: %s", target.label(), err)
        yield (-1, -1), failure_findings(target, req.check_ids, req.regions or req.default_regions, str(err))
        return
    order = {cid: n for n, cid in enumerate(req.check_ids)}
    rank = {r: n for n, r in enumerate([GLOBAL, *regions])}
    request = ScanRequest(account_id=target.account_id, regions=regions, check_ids=req.check_ids, config=req.config)
    for check, region, items in scan_findings(factory, request):
        for f in items:
            f.account_name = target.name
        yield (order[check.meta.id], rank[region]), items
