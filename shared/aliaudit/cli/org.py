"""`aliaudit scan --all-accounts | --accounts ...`: the options turned into the accounts to audit and the
organisation run's settings; the run itself is org_scan.audit_organisation (no argparse below this)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import errors

if TYPE_CHECKING:
    from alibabacloud_credentials_api import ICredentialsProvider

    from ..accounts import AccountsSpec
    from ..clients import ClientFactory
    from ..config import AuditConfig
    from ..identity import Identity
    from ..mutelist import Mutelist
    from ..settings import EndpointSettings


def spec_from(args: argparse.Namespace, config_path: str | None) -> AccountsSpec:
    """The accounts to audit: --all-accounts / --accounts, else the config file's accounts: section; the
    member-role options override either."""
    from ..accounts import AccountsSpec
    from ..config import AuditConfig

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
    from ..accounts import targets
    from ..checks.registry import all_checks
    from ..offered import not_offered
    from ..org_scan import OrgOutput, OrgRequest, audit_organisation
    from ..regions import account_regions
    from ..reports import org_summary
    from ..reports import summary as summary_mod

    out = Path(args.output_dir)
    run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    found = targets(spec, factory, identity.account_id)
    if not found:
        raise errors.ConfigError("no account to audit: the directory is empty or --include-accounts/"
                                 "--exclude-accounts left none")
    default_regions = account_regions(factory, args.region)
    req = OrgRequest(spec=spec, source=source, settings=settings, run_id=run_id, check_ids=check_ids,
                     regions=list(args.region) if args.region else None, default_regions=default_regions,
                     config=config, not_offered=not_offered(factory, {all_checks()[c].meta.family for c in check_ids},
                                                           default_regions))
    say = (lambda text: None) if args.quiet else (lambda text: print(text, file=sys.stderr, flush=True))
    say(f"Auditing {len(found)} accounts ({spec.mode}, {spec.concurrency} at a time)")
    result = audit_organisation(req, found, mutelist, OrgOutput(out, args.output_formats, args.compliance),
                                caller=identity.account_id, say=say, warn=sys.stderr)
    if not args.quiet:
        print(org_summary.render_table(result.org_summary))
        print()
        print(summary_mod.render_table(result.summary))
        print("\nWrote:")
        for p in result.paths:
            print(f"  {p}")
        print(f"  {out / 'accounts'}/<account id>/ (each account's reports)")
    return result.exit_code
