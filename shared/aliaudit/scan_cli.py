"""`aliaudit scan`: resolve credentials, verify identity, pick regions and checks, scan, mute, report."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path

from . import errors
from .checks.registry import all_checks
from .clients import ClientFactory
from .config import AuditConfig
from .credentials import resolve_credentials
from .credentials.resolve import default_session_name
from .findings import Severity, Status
from .identity import Identity, verify_identity
from .mutelist import Entry, Mutelist
from .mutelist import load as load_mutelist
from .progress import Progress
from .regions import account_regions
from .reports import summary as summary_mod
from .reports import writer
from .reports.compliance import Compliance
from .reports.spool import Spool
from .scan import GLOBAL, ScanRequest, dataset_jobs, scan_findings, select_checks
from .scan_processes import ProcessScan, ScanProcesses, family_groups, start_early

FORMAT_CHOICES = list(writer.FORMATS)


def add_parser(sub: argparse._SubParsersAction, add_common: object) -> None:
    p = sub.add_parser("scan", help="audit the account and write reports",
                       description="Audit the account with the selected checks and write reports.",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="exit codes: 0 no unmuted FAIL, 3 unmuted FAIL present, 4 some checks ended in ERROR "
                              "(and no FAIL), 1 configuration error, 2 authentication error, 5 usage error (the "
                              "command line does not parse), 6 cloud or credentials service unreachable")
    add_common(p)  # type: ignore[operator]
    p.add_argument("--region", action="append", metavar="REGION", help="region to audit (repeatable; default all)")
    p.add_argument("--family", action="append", metavar="FAMILY", help="service family (repeatable)")
    p.add_argument("--check", action="append", metavar="CHECK_ID", help="only this check (repeatable)")
    p.add_argument("--exclude-check", action="append", metavar="CHECK_ID", help="skip this check (repeatable)")
    p.add_argument("--severity", action="append", choices=[s.value for s in Severity],
                   help="only checks of this severity (repeatable)")
    p.add_argument("--compliance", choices=["cis_2.0"], help="only the checks of this framework, plus its report")
    p.add_argument("--config", metavar="FILE", help="thresholds (YAML), CIS v2 defaults otherwise")
    p.add_argument("--mutelist", metavar="FILE", help="accepted risks (YAML)")
    p.add_argument("--output-formats", nargs="+", choices=FORMAT_CHOICES, default=FORMAT_CHOICES,
                   metavar="FORMAT", help=f"any of {', '.join(FORMAT_CHOICES)} (default all)")
    p.add_argument("--output-dir", default="aliaudit-output", help="where reports go (default ./aliaudit-output)")
    p.add_argument("--quiet", action="store_true", help="no progress and no summary table")
    p.add_argument("--processes", type=int, metavar="N",
                   help="scan processes at once, one per group of families (default: every group at once, "
                        "8 for all checks; 1 scans in this process)")
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


def _select(args: argparse.Namespace) -> list[str]:
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


def warn_expired(mutelist: Mutelist, today: date) -> list[Entry]:
    """The mutelist's expired entries, each named on stderr (they no longer mute)."""
    expired = mutelist.apply([], today)
    for e in expired:
        print(f"aliaudit: warning: mutelist {mutelist.source} line {e.line}: entry expired on {e.expires} "
              f"and no longer mutes ({e.reason})", file=sys.stderr)
    return expired


def tally(findings: Spool, framework: str | None,
          stack: contextlib.ExitStack) -> tuple[summary_mod.Summary, Compliance | None]:
    """One pass over the spooled findings: the summary's counts and, with a framework, its compliance report
    (closed with the stack)."""
    counts = summary_mod.Summary()
    compliance = stack.enter_context(Compliance(framework)) if framework else None
    for f in findings:
        counts.add(f)
        if compliance:
            compliance.add(f)
    return counts, compliance


def exit_code(spool: Spool) -> int:
    if spool.unmuted_fail:
        return errors.EXIT_FAIL
    if spool.status[Status.ERROR.value]:
        return errors.EXIT_ERROR
    return errors.EXIT_OK


def cmd_scan(args: argparse.Namespace, settings_fn: object, auth_fn: object) -> int:
    config = AuditConfig.load(args.config)
    mutelist = load_mutelist(args.mutelist) if args.mutelist else Mutelist()
    check_ids = _select(args)
    if args.processes is not None and args.processes < 1:
        raise errors.ConfigError(f"--processes {args.processes}: must be at least 1")
    from . import org_cli  # (it builds on this module's pieces)

    spec = org_cli.spec_from(args, args.config)
    # before any call: a scan that cannot write its reports must not run first
    writer.prepare_directory(Path(args.output_dir), "--output-dir")
    if args.processes != 1:
        start_early()
    settings = settings_fn(args)  # type: ignore[operator]
    resolved = resolve_credentials(auth_fn(args), os.environ, settings)  # type: ignore[operator]
    factory = ClientFactory(resolved.provider, settings)
    identity: Identity = verify_identity(resolved, factory)
    if not args.quiet:
        print(f"Identity: {identity.line()}", file=sys.stderr)
    if spec.multi:
        return org_cli.run(args, spec, factory=factory, identity=identity, source=resolved.provider,
                           settings=settings, check_ids=check_ids, config=config, mutelist=mutelist)
    regions = account_regions(factory, args.region)
    checks = all_checks()
    families = {checks[c].meta.family for c in check_ids}
    request = ScanRequest(account_id=identity.account_id, regions=regions, check_ids=check_ids, config=config)
    jobs = dataset_jobs([checks[c] for c in check_ids], regions)
    split: ScanProcesses | None = None
    if args.processes != 1 and len(family_groups([checks[c] for c in check_ids])) > 1:
        auth = auth_fn(args)  # type: ignore[operator]
        # every process assumes a role under the same session name
        session = auth.role_session_name or os.environ.get("ALIBABA_CLOUD_ROLE_SESSION_NAME") or default_session_name()
        job = ProcessScan(auth=auth.model_copy(update={"role_session_name": session}), settings=settings,
                          env=dict(os.environ), account_id=identity.account_id, regions=regions, config=config,
                          log_level=args.log_level)
        split = ScanProcesses(job, check_ids, args.processes)
    progress = Progress(split.collections() if split else len(jobs), len(families), len(regions), quiet=args.quiet,
                        calls=lambda: sum(factory.calls.values()) + (split.calls() if split else 0))
    scanned = split.findings(progress) if split else scan_findings(factory, request, progress)
    # findings go to disk as each check runs (muted as they come), and are read back in the order of the
    # checks and regions for the reports: memory holds the datasets in flight, never every finding
    today = datetime.now(timezone.utc).date()
    order = {cid: n for n, cid in enumerate(check_ids)}
    rank = {r: n for n, r in enumerate([GLOBAL, *regions])}
    # the counts are kept as findings come (no second pass over them after the scan)
    with Spool() as spool, contextlib.ExitStack() as stack:
        counts = summary_mod.Summary()
        compliance = stack.enter_context(Compliance(args.compliance)) if args.compliance else None
        for check, region, items in scanned:
            mutelist.apply(items, today)
            key = (order[check.meta.id], rank[region])
            spool.add(items, key)
            for f in items:
                counts.add(f)
                if compliance:
                    compliance.add(f, key)
        expired = warn_expired(mutelist, today)
        generated = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        summary = counts.result({"account_id": identity.account_id, "generated_at": generated, "regions": regions,
                                "checks": len(check_ids), "expired_mutelist_entries": len(expired),
                                **mutelist.summary_meta(counts.muted)})
        paths = writer.write_all(Path(args.output_dir), spool, args.output_formats, summary, compliance)
        if not args.quiet:
            print(summary_mod.render_table(summary))
            print("\nWrote:")
            for p in paths:
                print(f"  {p}")
        return exit_code(spool)
