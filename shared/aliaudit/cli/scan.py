"""`aliaudit scan`: resolve credentials, verify identity, pick regions and checks, scan (in this process or
several: scan_plan decides), mute, report. An organisation run (--all-accounts, --accounts or the
config file's accounts: section) goes on in cli/org.py."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from .. import errors, gcpolicy
from .catalog import FRAMEWORKS
from .options import add_auth_options, auth_options, endpoint_settings

if TYPE_CHECKING:
    from ..clients import ClientFactory
    from ..config import AuditConfig
    from ..mutelist import Mutelist

# reports.writer.FORMATS and findings.Severity's values, named here so that building the parser imports
# neither (tests/e2e/test_cli.py holds them equal)
FORMAT_CHOICES = ["ocsf", "csv", "html", "summary"]
SEVERITIES = ["critical", "high", "medium", "low", "informational"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scan", help="audit the account and write reports",
                       description="Audit the account with the selected checks and write reports.",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="exit codes: 0 no unmuted FAIL, 3 unmuted FAIL present, 4 some checks ended in ERROR "
                              "(and no FAIL), 1 configuration error, 2 authentication error, 5 usage error (the "
                              "command line does not parse), 6 cloud or credentials service unreachable")
    add_auth_options(p)
    p.add_argument("--region", action="append", metavar="REGION", help="region to audit (repeatable; default all)")
    p.add_argument("--family", action="append", metavar="FAMILY", help="service family (repeatable)")
    p.add_argument("--check", action="append", metavar="CHECK_ID", help="only this check (repeatable)")
    p.add_argument("--exclude-check", action="append", metavar="CHECK_ID", help="skip this check (repeatable)")
    p.add_argument("--severity", action="append", choices=SEVERITIES,
                   help="only checks of this severity (repeatable)")
    p.add_argument("--compliance", choices=FRAMEWORKS, help="only the checks of this framework, plus its report")
    p.add_argument("--config", metavar="FILE", help="thresholds (YAML), CIS v2 defaults otherwise")
    p.add_argument("--mutelist", metavar="FILE", help="accepted risks (YAML)")
    p.add_argument("--output-formats", nargs="+", choices=FORMAT_CHOICES, default=FORMAT_CHOICES,
                   metavar="FORMAT", help=f"any of {', '.join(FORMAT_CHOICES)} (default all)")
    p.add_argument("--output-dir", default="aliaudit-output", help="where reports go (default ./aliaudit-output)")
    p.add_argument("--quiet", action="store_true", help="no progress and no summary table")
    p.add_argument("--processes", type=int, metavar="N",
                   help="scan processes, each scanning one or more groups of families (default: decided from "
                        "the account's size: as many as cores for a small or medium one, one per "
                        "group for a large one; --log-level INFO shows the choice and why; 1 scans in this "
                        "process)")
    o = p.add_argument_group("organisation (see docs/organisations.md)")
    o.add_argument("--all-accounts", action="store_true",
                   help="audit every member of the caller's resource directory (and the caller's own account)")
    o.add_argument("--accounts", action="append", metavar="ID|ROLE_ARN[,...]",
                   help="audit these accounts: 16-digit ids (through --member-role) or role ARNs (repeatable)")
    o.add_argument("--member-role", metavar="NAME",
                   help="the audit role in each member (default ResourceDirectoryAccountAccessRole)")
    o.add_argument("--member-external-id", metavar="ID", help="the external id the member roles' trust requires")
    o.add_argument("--include-accounts", action="append", metavar="ID|NAME|FOLDER[,...]",
                   help="only these accounts: ids, names, folder ids or folder names (repeatable)")
    o.add_argument("--exclude-accounts", action="append", metavar="ID|NAME|FOLDER[,...]",
                   help="not these accounts (repeatable)")
    o.add_argument("--account-concurrency", type=int, metavar="N", help="accounts audited at once (default 4)")


def select(args: argparse.Namespace) -> list[str]:
    """The ids of the checks the options select, in id order."""
    from ..checks.registry import all_checks
    from ..scan import select_checks

    checks = all_checks()
    families = sorted({c.meta.family for c in checks.values()})
    for fam in args.family or []:
        if fam not in families:
            raise errors.ConfigError(f"--family {fam}: unknown family (known: {', '.join(families)})")
    for cid in (args.check or []) + (args.exclude_check or []):
        if cid not in checks:
            raise errors.ConfigError(f"unknown check id {cid!r}; `aliaudit list-checks` shows them")
    chosen = select_checks(args.family, args.check)
    if args.exclude_check:
        chosen = [c for c in chosen if c.meta.id not in set(args.exclude_check)]
    if args.severity:
        chosen = [c for c in chosen if c.meta.severity.value in args.severity]
    if args.compliance:
        chosen = [c for c in chosen if c.meta.cis]
    if not chosen:
        raise errors.ConfigError("no check matches the selection (--family/--check/--exclude-check/--severity)")
    return [c.meta.id for c in chosen]


def cmd_scan(args: argparse.Namespace) -> int:
    from ..clients import ClientFactory
    from ..config import AuditConfig
    from ..credentials import resolve_credentials
    from ..identity import verify_identity
    from ..mutelist import Mutelist
    from ..mutelist import load as load_mutelist
    from ..reports import writer
    from . import org

    gcpolicy.for_scan_process()
    config = AuditConfig.load(args.config)
    mutelist = load_mutelist(args.mutelist) if args.mutelist else Mutelist()
    check_ids = select(args)
    if args.processes is not None and args.processes < 1:
        raise errors.ConfigError(f"--processes {args.processes}: must be at least 1")
    spec = org.spec_from(args, args.config)
    # before any call: a scan that cannot write its reports must not run first
    writer.prepare_directory(Path(args.output_dir), "--output-dir")
    settings = endpoint_settings(args)
    resolved = resolve_credentials(auth_options(args), os.environ, settings)
    factory = ClientFactory(resolved.provider, settings)
    identity = verify_identity(resolved, factory)
    if not args.quiet:
        print(f"Identity: {identity.line()}", file=sys.stderr)
    if spec.multi:
        return org.run(args, spec, factory=factory, identity=identity, source=resolved.provider,
                       settings=settings, check_ids=check_ids, config=config, mutelist=mutelist)
    return _scan_account(args, factory, identity.account_id, check_ids, config, mutelist)


def _scan_account(args: argparse.Namespace, factory: ClientFactory, account_id: str, check_ids: list[str],
                  config: AuditConfig, mutelist: Mutelist) -> int:
    from ..checks.registry import all_checks
    from ..clients import ClientFactory
    from ..credentials.resolve import default_session_name
    from ..offered import not_offered
    from ..outcome import Tally, warn_expired
    from ..progress import Progress
    from ..regions import account_regions
    from ..reports import summary as summary_mod
    from ..reports import writer
    from ..reports.spool import Spool
    from ..scan import GLOBAL, ScanRequest, dataset_jobs, scan_findings
    from ..scan_plan import plan
    from ..scan_processes import ProcessScan, ScanProcesses

    def warm_up() -> None:
        if "ocsf" in args.output_formats:  # OCSF's models take a second or more to build: while the scan waits on
            # the cloud, not after it
            threading.Thread(target=importlib.import_module, args=("aliaudit.reports.ocsf",), daemon=True).start()

    regions = account_regions(factory, args.region)
    checks = all_checks()
    families = {checks[c].meta.family for c in check_ids}
    decided = plan(factory, [checks[c] for c in check_ids], args.processes, account_id=account_id,
                   output_dir=Path(args.output_dir), regions=regions)
    split: ScanProcesses | None = None
    skipped: dict[str, list[str]] = {}
    if decided.processes <= 1:  # where each product is offered (offered.py); scan processes ask their own families'
        skipped = not_offered(factory, families, regions)
    else:
        auth = auth_options(args)
        # every process assumes a role under the same session name
        session = auth.role_session_name or os.environ.get("ALIBABA_CLOUD_ROLE_SESSION_NAME") or default_session_name()
        job = ProcessScan(auth=auth.model_copy(update={"role_session_name": session}), settings=factory.settings,
                          env=dict(os.environ), account_id=account_id, regions=regions, config=config,
                          log_level=args.log_level, not_offered=None)
        # packed, the first share is scanned here, with clients of its own (its calls are counted apart)
        split = ScanProcesses(job, check_ids, decided.processes, decided.packed,
                              local=ClientFactory(factory.provider, factory.settings), heavy=decided.heavy)
    jobs = split.collections() if split else len(dataset_jobs([checks[c] for c in check_ids], regions, skipped))
    progress = Progress(jobs, len(families), len(regions), quiet=args.quiet,
                        calls=lambda: sum(factory.calls.values()) + (split.calls() if split else 0))
    if split is None:
        warm_up()
    # (split: once its processes run, so that they fork from a process with no other thread)
    request = ScanRequest(account_id=account_id, regions=regions, check_ids=check_ids, config=config,
                          not_offered=skipped)
    scanned = split.findings(progress, warm_up) if split else scan_findings(factory, request, progress)
    # findings go to disk as each check runs (muted as they come), and are read back in the order of the
    # checks and regions for the reports: memory holds the datasets in flight, never every finding
    today = datetime.now(timezone.utc).date()
    order = {cid: n for n, cid in enumerate(check_ids)}
    rank = {r: n for n, r in enumerate([GLOBAL, *regions])}
    # the counts are kept as findings come (no second pass over them after the scan)
    with Spool() as spool, Tally(args.compliance, selected=check_ids) as tally:
        for check, region, items in scanned:
            mutelist.apply(items, today)
            key = (order[check.meta.id], rank[region])
            spool.add(items, key)
            tally.add_all(items, key)
        if split:
            skipped = split.not_offered
        expired = warn_expired(mutelist, today)
        generated = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        summary = tally.summary.result({"account_id": account_id, "generated_at": generated, "regions": regions,
                                        "checks": len(check_ids), "expired_mutelist_entries": len(expired),
                                        "not_offered": skipped,
                                        **mutelist.summary_meta(tally.summary.muted)})
        paths = writer.write_all(Path(args.output_dir), spool, args.output_formats, summary, tally.compliance)
        if not args.quiet:
            print(summary_mod.render_table(summary))
            print("\nWrote:")
            for p in paths:
                print(f"  {p}")
        return tally.exit_code()
