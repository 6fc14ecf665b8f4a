"""`aliaudit scan`: resolve credentials, verify identity, pick regions and checks, scan, mute, report."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from . import errors
from .checks.registry import all_checks
from .clients import ClientFactory
from .config import AuditConfig
from .credentials import resolve_credentials
from .findings import Finding, Severity, Status
from .identity import Identity, verify_identity
from .mutelist import Mutelist
from .mutelist import load as load_mutelist
from .progress import Progress
from .regions import account_regions
from .reports import summary as summary_mod
from .reports import writer
from .scan import ScanRequest, dataset_jobs, run_scan, select_checks

FORMAT_CHOICES = list(writer.FORMATS)


def add_parser(sub: argparse._SubParsersAction, add_common: object) -> None:
    p = sub.add_parser("scan", help="audit the account and write reports",
                       description="Audit the account with the selected checks and write reports.",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="exit codes: 0 no unmuted FAIL, 3 unmuted FAIL present, 1 usage or config error, "
                              "2 authentication error, 4 some checks ended in ERROR (and no FAIL)")
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


def exit_code(findings: list[Finding]) -> int:
    if any(f.status == Status.FAIL and not f.muted for f in findings):
        return errors.EXIT_FAIL
    if any(f.status == Status.ERROR for f in findings):
        return errors.EXIT_ERROR
    return errors.EXIT_OK


def cmd_scan(args: argparse.Namespace, settings_fn: object, auth_fn: object) -> int:
    config = AuditConfig.load(args.config)
    mutelist = load_mutelist(args.mutelist) if args.mutelist else Mutelist()
    check_ids = _select(args)
    settings = settings_fn(args)  # type: ignore[operator]
    resolved = resolve_credentials(auth_fn(args), os.environ, settings)  # type: ignore[operator]
    factory = ClientFactory(resolved.provider, settings)
    identity: Identity = verify_identity(resolved, factory)
    if not args.quiet:
        print(f"Identity: {identity.line()}", file=sys.stderr)
    regions = account_regions(factory, args.region)
    checks = all_checks()
    families = {checks[c].meta.family for c in check_ids}
    request = ScanRequest(account_id=identity.account_id, regions=regions, check_ids=check_ids, config=config)
    jobs = dataset_jobs([checks[c] for c in check_ids], regions)
    progress = Progress(len(jobs), len(families), len(regions), quiet=args.quiet,
                        calls=lambda: sum(factory.calls.values()))
    findings = run_scan(factory, request, progress)
    expired = mutelist.apply(findings, datetime.now(timezone.utc).date())
    for e in expired:
        print(f"aliaudit: warning: mutelist {mutelist.source} line {e.line}: entry expired on {e.expires} "
              f"and no longer mutes ({e.reason})", file=sys.stderr)
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    summary = summary_mod.summarize(findings, {"account_id": identity.account_id, "generated_at": generated,
                                                "regions": regions, "checks": len(check_ids),
                                                "expired_mutelist_entries": len(expired)})
    compliance = None
    if args.compliance:
        from .reports.compliance import report as compliance_report

        compliance = compliance_report(args.compliance, findings)
    paths = writer.write_all(Path(args.output_dir), findings, args.output_formats, summary, compliance)
    if not args.quiet:
        print(summary_mod.render_table(summary))
        print("\nWrote:")
        for p in paths:
            print(f"  {p}")
    return exit_code(findings)
