"""Organisation runs: each target account audited with its own credentials (the caller's for its own
account, the member role assumed from them for the others), a few accounts at a time. An account that cannot
be audited (suspended, no audit role, trust policy or external id refused, a directory status that is not
active) becomes ERROR findings for every selected check in it, naming the reason; the others go on."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from alibabacloud_credentials_api import ICredentialsProvider

from . import apierrors, errors
from .accounts import AccountsSpec, Target, provider_for
from .checks.registry import all_checks
from .clients import ClientFactory
from .config import AuditConfig
from .findings import Finding
from .mutelist import Mutelist
from .outcome import Tally, expired_entries
from .regions import account_regions
from .reports import writer
from .reports.org_summary import FILE as ORG_SUMMARY_FILE
from .reports.org_summary import NOT_AUDITED, OrgSummary
from .reports.spool import Spool
from .scan import GLOBAL, ScanRequest, scan_findings
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
    # family -> regions where its product is not offered (offered.not_offered, asked once by the caller: a product's
    # regions are the same for every account)
    not_offered: dict[str, list[str]] = field(default_factory=dict)


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
        for region in c.regions(regions):
            f = c.error(target.account_id, region, message, resource_id=target.account_id, resource_type="account")
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
    if missing := [r for r in req.regions or [] if r not in available]:  # (said, never dropped silently)
        log.warning("account %s: not audited in %s: ECS DescribeRegions does not list %s for this account",
                    target.label(), ", ".join(missing), "it" if len(missing) == 1 else "them")
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
    request = ScanRequest(account_id=target.account_id, regions=regions, check_ids=req.check_ids, config=req.config,
                          not_offered=req.not_offered)
    for check, region, items in scan_findings(factory, request):
        for f in items:
            f.account_name = target.name
        yield (order[check.meta.id], rank[region]), items


@dataclass
class OrgOutput:
    """What an organisation run writes, and where: each account's reports in <directory>/accounts/<id>/, the
    organisation's reports and its summary in <directory>."""

    directory: Path
    formats: list[str]
    framework: str | None = None  # the compliance report's framework, if one is wanted


@dataclass
class OrgOutcome:
    summary: dict[str, Any]  # of every account's findings together
    org_summary: dict[str, Any]  # per account, worst first
    paths: list[Path]  # the organisation's reports
    exit_code: int


def audit_organisation(req: OrgRequest, found: list[Target], mutelist: Mutelist, out: OrgOutput, *, caller: str,
                       say: Callable[[str], None] = lambda text: None, warn: TextIO | None = None) -> OrgOutcome:
    """Every target audited, `req.spec.concurrency` at a time, each account's findings muted as they come,
    spooled and written to its own folder as soon as it finishes (`say` reports it); then the organisation's
    reports and summary. `caller`: the auditing identity's account; `warn` gets the expired mutelist entries."""
    today = datetime.now(timezone.utc).date()
    org = OrgSummary()
    lock = threading.Lock()
    finished = [0]
    with Spool() as everything:
        def audit(t: Target) -> None:
            with Spool() as own:
                for key, items in account_findings(t, req):  # muted as they come
                    mutelist.apply(items, today)
                    own.add(items, key)
                summary = _write_account(writer.subdirectory(out.directory, "accounts", t.account_id), own, out, t,
                                         req)
                with lock:
                    finished[0] += 1
                    org.account(t.account_id, t.name, t.folder)
                    everything.add(own, (t.account_id,))
                    for f in own:
                        org.add(f)
                    reason = org.accounts[t.account_id]["not_audited"]
                    say(f"[{finished[0]}/{len(found)}] account {t.label()}: "
                        + (f"NOT AUDITED ({reason})" if reason else
                           f"{summary['total']} findings, {summary['unmuted_fail']} unmuted FAIL, "
                           f"{summary['status']['ERROR']} ERROR"))

        with ThreadPoolExecutor(max_workers=max(1, min(req.spec.concurrency, len(found)))) as pool:
            list(pool.map(audit, found))
        expired_entries(mutelist, today, warn)
        generated = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        meta = {"account_id": caller, "accounts_mode": req.spec.mode, "run_id": req.run_id,
                "generated_at": generated, "checks": len(req.check_ids), "not_offered": req.not_offered}
        with Tally(out.framework, selected=req.check_ids) as tally:
            tally.add_all(everything)
            summary = tally.summary.result({**meta, "accounts": len(found),
                                            **mutelist.summary_meta(tally.summary.muted)})
            paths = writer.write_all(out.directory, everything, out.formats, summary, tally.compliance)
        org_result = org.result(meta)
        with writer.atomic_open(out.directory / ORG_SUMMARY_FILE) as fh:
            fh.write(json.dumps(org_result, indent=1))
        paths.append(out.directory / ORG_SUMMARY_FILE)
        return OrgOutcome(summary, org_result, paths, tally.exit_code())


def _write_account(directory: Path, spool: Spool, out: OrgOutput, t: Target, req: OrgRequest) -> dict[str, Any]:
    with Tally(out.framework, selected=req.check_ids) as tally:
        tally.add_all(spool)
        summary = tally.summary.result({"account_id": t.account_id, "account_name": t.name, "run_id": req.run_id,
                                        "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                                        "not_offered": req.not_offered})
        writer.write_all(directory, spool, out.formats, summary, tally.compliance)
    return summary
