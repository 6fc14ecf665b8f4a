"""The `aliaudit` command: the parser and the dispatch to each command. A command imports what it needs
when it runs, so `aliaudit --help` and the catalogue commands load no cloud SDK."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from .. import __version__, errors
from . import catalog, scan
from .options import AUTH_HELP, Parser, add_auth_options, add_log_level, auth_options, endpoint_settings

log = logging.getLogger("aliaudit")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="aliaudit",
        description="Security-posture auditor for Alibaba Cloud (CIS Alibaba Cloud Foundations v2.0.0 and more).",
        epilog=AUTH_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"aliaudit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    whoami = sub.add_parser("whoami", help="show the identity the credentials resolve to",
                            epilog=AUTH_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_auth_options(whoami)
    whoami.add_argument("--format", choices=["text", "json"], default="text")
    catalog.add_parsers(sub)
    scan.add_parser(sub)
    diff = sub.add_parser("diff", help="compare two OCSF outputs: new, resolved and unchanged FAILs")
    diff.add_argument("old", help="the earlier aliaudit.ocsf.json")
    diff.add_argument("new", help="the later aliaudit.ocsf.json")
    diff.add_argument("--format", choices=["text", "json"], default="text")
    add_log_level(diff)
    catalog.add_policy_parser(sub)
    return parser


def cmd_whoami(args: argparse.Namespace) -> int:
    import os

    from ..clients import ClientFactory
    from ..credentials import resolve_credentials
    from ..identity import verify_identity

    settings = endpoint_settings(args)
    resolved = resolve_credentials(auth_options(args), os.environ, settings)
    log.info("credentials: %s from %s", resolved.method, resolved.origin)
    identity = verify_identity(resolved, ClientFactory(resolved.provider, settings))
    if args.format == "json":
        print(json.dumps(identity.model_dump(), indent=2))
    else:
        print(f"Account        {identity.account_id}")
        print(f"ARN            {identity.arn}")
        print(f"Identity type  {identity.identity_type}")
        print(f"Method         {identity.method}")
        print(f"From           {identity.origin}")
        print(f"AccessKey      {identity.access_key_id}")
    return errors.EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..diff import diff
    from ..reports.ocsf import load_findings

    loaded = []
    for path in (args.old, args.new):
        try:
            loaded.append(load_findings(Path(path).read_text()))
        except OSError as err:
            raise errors.ConfigError(f"{path}: cannot read it ({err.strerror})") from None
        except ValueError as err:
            raise errors.ConfigError(f"{path}: not an aliaudit OCSF output ({str(err).splitlines()[0]})") from None
    result = diff(*loaded)
    if args.format == "json":
        print(json.dumps(result, indent=2))
    else:
        for kind in ("new", "resolved", "unchanged"):
            print(f"{kind.upper()} FAILs: {len(result[kind])}")
            for row in result[kind]:
                print(f"  {row['check_id']}  {row['region']}  {row['resource_id']}  {row['message']}")
    return errors.EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "whoami": cmd_whoami, "scan": scan.cmd_scan, "diff": cmd_diff, **catalog.COMMANDS}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return errors.EXIT_USAGE
    from ..redact import configure_logging

    configure_logging(args.log_level)
    try:
        return COMMANDS[args.command](args)
    except errors.AliauditError as err:
        print(f"aliaudit: error: {err}", file=sys.stderr)
        return err.exit_code


def run() -> NoReturn:
    """The console script: main(), then the process ends without tearing its interpreter down. A scan has loaded
    thousands of SDK modules, and freeing them one by one takes a tenth of a second or more after the work is
    done (on the sample account, a tenth of the scan). Everything is closed by then (the reports, the spools);
    the log handlers and the standard streams are flushed first. An exception still ends the normal way."""
    code = main()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # (a closed pipe: `aliaudit list-checks | head`)
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
