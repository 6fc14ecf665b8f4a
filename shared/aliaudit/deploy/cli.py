"""``python -m aliaudit.deploy``: render, accounts, lifecycle, build."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ..redact import configure_logging
from . import __doc__ as _PACKAGE_DOC
from .bucket import NONCURRENT_VERSION_DAYS, put_lifecycle
from .bundle import build
from .catalogue import DEFAULT_REGION, MEMBER_ROLE_NAME, ROOT
from .outputs import OUTPUTS, render
from .permissions import accounts_setting
from .vendor import BuildError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aliaudit.deploy", description=_PACKAGE_DOC.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_render = sub.add_parser("render", help="write s.yaml, template.yml and member-role.yml from the metadata")
    p_render.add_argument("--check", action="store_true", help="exit 1 if a file is stale, write nothing")
    p_render.add_argument("--root", type=Path, default=ROOT)
    p_acc = sub.add_parser("accounts", help="print ALIAUDIT_ACCOUNTS for s.yaml's deployer environment, as "
                                            "template.yml builds it from Accounts, MemberRoleName, MemberExternalId")
    p_acc.add_argument("accounts", nargs="?", default="",
                       help="'resource-directory' or member account ids, comma-separated; empty: single account")
    p_acc.add_argument("--member-role", default=MEMBER_ROLE_NAME, help=f"default {MEMBER_ROLE_NAME}")
    p_acc.add_argument("--external-id", default="", help="the member roles' sts:ExternalId (default none)")
    p_life = sub.add_parser("lifecycle", help="put the report bucket's whole lifecycle, noncurrent versions "
                                              "included (ROS cannot: run it after every CreateStack/UpdateStack)")
    p_life.add_argument("--bucket", required=True, help="the report bucket (stack output ReportBucket)")
    p_life.add_argument("--region", default=DEFAULT_REGION, help=f"the bucket's region (default {DEFAULT_REGION})")
    p_life.add_argument("--report-days", type=int, default=365, help="the stack's ReportRetentionDays (365)")
    p_life.add_argument("--noncurrent-days", type=int, default=NONCURRENT_VERSION_DAYS,
                        help=f"days an earlier version is kept ({NONCURRENT_VERSION_DAYS})")
    p_life.add_argument("--print", action="store_true", help="print the PutBucketLifecycle body, change nothing")
    p_build = sub.add_parser("build", help="build/layer/ (the dependencies) and build/<function>/ code packages "
                                           "for python3.10")
    p_build.add_argument("--root", type=Path, default=ROOT)
    p_build.add_argument("--out", type=Path, default=None, help="default: <root>/build")
    p_build.add_argument("--zip", action="store_true",
                         help="also write build/layer.zip and build/<function>.zip (for template.yml)")
    p_build.add_argument("--force", action="store_true", help="re-vendor the dependencies")
    p_build.add_argument("--only", nargs="*", default=[], metavar="FUNCTION", help="these functions only")
    args = parser.parse_args(argv)
    # our handlers and scrubbing, and the SDK cores' own header dumps (DEBUG=sdk: the STS token) kept silent, as the
    # aliaudit command does
    configure_logging()
    if args.command == "accounts":
        try:
            print(accounts_setting(args.accounts, args.member_role, args.external_id))
        except ValueError as err:
            print(f"accounts: {err}", file=sys.stderr)
            return 1
        return 0
    if args.command == "lifecycle":
        return put_lifecycle(args.bucket, args.region, args.report_days, args.noncurrent_days, show=args.print)
    if args.command == "render":
        stale = render(args.root, check=args.check)
        if args.check:
            for name in stale:
                print(f"{name} is stale: run `make deploy-files` (python -m aliaudit.deploy render)", file=sys.stderr)
            return 1 if stale else 0
        print(f"wrote {', '.join(stale)}" if stale else f"{', '.join(OUTPUTS)} are up to date")
        return 0
    try:
        build(args.root, args.out, zip_bundles=args.zip, force=args.force, only=args.only)
    except BuildError as err:
        print(f"build failed: {err}", file=sys.stderr)
        return 1
    return 0
