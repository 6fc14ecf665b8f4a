"""`aliaudit scan --all-accounts | --accounts ...`: every target account audited with its own credentials
(org_scan), a few at a time, each account's findings spooled, muted and written to accounts/<id>/ as soon as
it finishes; then the organisation-wide reports and the organisation summary (worst accounts first)."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from alibabacloud_credentials_api import ICredentialsProvider

from . import errors
from .accounts import AccountsSpec, Target, targets
from .clients import ClientFactory
from .config import AuditConfig
from .identity import Identity
from .mutelist import Mutelist
from .org_scan import OrgRequest, account_findings
from .regions import account_regions
from .reports import org_summary, writer
from .reports import summary as summary_mod
from .reports.spool import Spool
from .scan_cli import exit_code, tally, warn_expired
from .settings import EndpointSettings


def spec_from(args: argparse.Namespace, config_path: str | None) -> AccountsSpec:
    """The accounts to audit: --all-accounts / --accounts, else the config file's accounts: section; the
    member-role options override either."""
    spec = AccountsSpec.parse(AuditConfig.accounts_section(config_path), f"config file {config_path}") \
        if config_path else AccountsSpec()
    if args.all_accounts and args.accounts:
        raise errors.ConfigError("--all-accounts and --accounts exclude each other")
    update: dict[str, Any] = {}
    if args.all_accounts:
        update["mode"] = "resource-directory"
    elif args.accounts:
        update.update(mode="list", ids=[i.strip() for item in args.accounts for i in item.split(",") if i.strip()])
    for option, field in (("member_role", "role_name"), ("member_external_id", "external_id"),
                          ("account_concurrency", "concurrency")):
        if getattr(args, option) is not None:
            update[field] = getattr(args, option)
    for option, field in (("include_accounts", "include"), ("exclude_accounts", "exclude")):
        values = [v.strip() for item in getattr(args, option) or [] for v in item.split(",") if v.strip()]
        if values:
            update[field] = values
    if not update:
        return spec
    return AccountsSpec.parse({**spec.model_dump(exclude_defaults=True), **update}, "the command line")


def run(args: argparse.Namespace, spec: AccountsSpec, *, factory: ClientFactory, identity: Identity,
        source: ICredentialsProvider, settings: EndpointSettings, check_ids: list[str], config: AuditConfig,
        mutelist: Mutelist) -> int:
    out = Path(args.output_dir)
    run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    found = targets(spec, factory, identity.account_id)
    if not found:
        raise errors.ConfigError("no account to audit: the directory is empty or --include-accounts/"
                                 "--exclude-accounts left none")
    default_regions = account_regions(factory, args.region)
    req = OrgRequest(spec=spec, source=source, settings=settings, run_id=run_id, check_ids=check_ids,
                     regions=list(args.region) if args.region else None, default_regions=default_regions,
                     config=config)
    say = (lambda text: None) if args.quiet else (lambda text: print(text, file=sys.stderr, flush=True))
    say(f"Auditing {len(found)} accounts ({spec.mode}, {spec.concurrency} at a time)")
    today = datetime.now(timezone.utc).date()
    org = org_summary.OrgSummary()
    lock = threading.Lock()
    finished = [0]
    with Spool() as everything, contextlib.ExitStack() as stack:
        def audit(t: Target) -> None:
            with Spool() as own:
                for key, items in account_findings(t, req):  # muted as they come
                    mutelist.apply(items, today)
                    own.add(items, key)
                summary = _write_account(writer.subdirectory(out, "accounts", t.account_id), own, args, t, req)
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

        with ThreadPoolExecutor(max_workers=max(1, min(spec.concurrency, len(found)))) as pool:
            list(pool.map(audit, found))
        warn_expired(mutelist, today)
        generated = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        meta = {"account_id": identity.account_id, "accounts_mode": spec.mode, "run_id": run_id,
                "generated_at": generated, "checks": len(check_ids)}
        counts, compliance = tally(everything, args.compliance, stack)
        summary = counts.result({**meta, "accounts": len(found), **mutelist.summary_meta(counts.muted)})
        paths = writer.write_all(out, everything, args.output_formats, summary, compliance)
        org_result = org.result(meta)
        writer.write_text(out / org_summary.FILE, json.dumps(org_result, indent=1))
        paths.append(out / org_summary.FILE)
        if not args.quiet:
            print(org_summary.render_table(org_result))
            print()
            print(summary_mod.render_table(summary))
            print("\nWrote:")
            for p in paths:
                print(f"  {p}")
            print(f"  {out / 'accounts'}/<account id>/ (each account's reports)")
        return exit_code(everything)


def _write_account(directory: Path, spool: Spool, args: argparse.Namespace, t: Target,
                   req: OrgRequest) -> dict[str, Any]:
    with contextlib.ExitStack() as stack:
        counts, compliance = tally(spool, args.compliance, stack)
        summary = counts.result({"account_id": t.account_id, "account_name": t.name, "run_id": req.run_id,
                                "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})
        writer.write_all(directory, spool, args.output_formats, summary, compliance)
    return summary

