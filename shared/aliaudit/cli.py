"""The `aliaudit` command."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from pydantic import ValidationError

from . import __version__, catalog_cli, errors, scan_cli
from .clients import ClientFactory
from .credentials import AuthOptions, resolve_credentials
from .identity import verify_identity
from .redact import configure_logging
from .settings import EndpointSettings

log = logging.getLogger("aliaudit")

AUTH_HELP = """\
credentials, in this priority (the first that is configured wins):
  1 credentials URI       --credentials-uri / ALIBABA_CLOUD_CREDENTIALS_URI
  2 OIDC role (ACK RRSA)  ALIBABA_CLOUD_ROLE_ARN + ALIBABA_CLOUD_OIDC_PROVIDER_ARN + ALIBABA_CLOUD_OIDC_TOKEN_FILE
  3 ECS RAM role          --ecs-ram-role [NAME] / ALIBABA_CLOUD_ECS_METADATA
  4 RAM role assumption   --role-arn / ALIBABA_CLOUD_ROLE_ARN, source: the AccessKey below or the default chain
  5 STS token             ALIBABA_CLOUD_ACCESS_KEY_ID + _SECRET + ALIBABA_CLOUD_SECURITY_TOKEN
  6 permanent AccessKey   ALIBABA_CLOUD_ACCESS_KEY_ID + ALIBABA_CLOUD_ACCESS_KEY_SECRET
  7 default chain         ~/.aliyun/config.json (--profile / ALIBABA_CLOUD_PROFILE, else current), then
                          ~/.alibabacloud/credentials.ini

exit codes: 0 ok, 1 configuration error, 2 authentication error, 3 unmuted FAIL present,
4 some checks ended in ERROR, 5 usage error (the command line does not parse), 6 cloud or credentials
service unreachable (network, proxy, DNS, timeout, outage)"""


class Parser(argparse.ArgumentParser):
    """argparse with the README's exit code for usage errors (argparse's own 2 means an authentication error
    here), and the error on one line."""

    def error(self, message: str) -> NoReturn:
        self.exit(errors.EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _add_auth_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("authentication")
    g.add_argument("--credentials-uri", help="URL serving STS credentials JSON")
    g.add_argument("--role-arn", help="RAM role to assume (or the OIDC role)")
    g.add_argument("--role-session-name", help="session name for role assumption (default aliaudit-<timestamp>)")
    g.add_argument("--external-id", help="external id required by the role's trust policy")
    g.add_argument("--session-duration", type=int, metavar="SECONDS", help="role session length, 900-43200")
    g.add_argument("--policy", help="inline session policy (JSON) narrowing the assumed role")
    g.add_argument("--oidc-provider-arn", help="OIDC provider ARN (default ALIBABA_CLOUD_OIDC_PROVIDER_ARN)")
    g.add_argument("--oidc-token-file", help="OIDC token file (default ALIBABA_CLOUD_OIDC_TOKEN_FILE)")
    g.add_argument("--ecs-ram-role", nargs="?", const="", metavar="NAME",
                   help="use the ECS instance RAM role (name discovered when omitted)")
    g.add_argument("--profile", help="profile in ~/.aliyun/config.json or section of credentials.ini")
    e = parser.add_argument_group("endpoints")
    e.add_argument("--endpoint-protocol", choices=["https", "http"],
                   help="protocol for API calls (default https; ALIAUDIT_ENDPOINT_PROTOCOL)")
    e.add_argument("--proxy", help="forward proxy for API calls (ALIAUDIT_ENDPOINT_PROXY)")
    e.add_argument("--sts-endpoint", help="STS host or URL (ALIAUDIT_STS_ENDPOINT)")
    e.add_argument("--sts-region", help="use the regional STS endpoint (ALIBABA_CLOUD_STS_REGION)")
    e.add_argument("--sts-vpc", action="store_true", default=None,
                   help="use the STS VPC endpoint of --sts-region (ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED)")
    parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="aliaudit",
        description="Security-posture auditor for Alibaba Cloud (CIS Alibaba Cloud Foundations v2.0.0 and more).",
        epilog=AUTH_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"aliaudit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    whoami = sub.add_parser("whoami", help="show the identity the credentials resolve to",
                            epilog=AUTH_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_auth_options(whoami)
    whoami.add_argument("--format", choices=["text", "json"], default="text")
    catalog_cli.add_parsers(sub)
    scan_cli.add_parser(sub, _add_auth_options)
    diff = sub.add_parser("diff", help="compare two OCSF outputs: new, resolved and unchanged FAILs")
    diff.add_argument("old", help="the earlier aliaudit.ocsf.json")
    diff.add_argument("new", help="the later aliaudit.ocsf.json")
    diff.add_argument("--format", choices=["text", "json"], default="text")
    diff.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    pol = sub.add_parser("policy", help="print the least-privilege RAM policy for the selected checks")
    pol.add_argument("--family", action="append", metavar="FAMILY", help="only this family (repeatable)")
    pol.add_argument("--check", action="append", metavar="CHECK_ID", help="only this check (repeatable)")
    pol.add_argument("--organisation", action="store_true",
                     help="add what auditing a resource directory's members needs (list the directory, assume "
                          "the member roles); see docs/organisations.md")
    pol.add_argument("--member-role", metavar="NAME",
                     help="with --organisation: the audit role's name in the members, the only role the policy "
                          "lets the identity assume (default ResourceDirectoryAccountAccessRole, as scan's "
                          "--member-role)")
    pol.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser


def _auth_options(args: argparse.Namespace) -> AuthOptions:
    try:
        return AuthOptions(credentials_uri=args.credentials_uri, role_arn=args.role_arn,
                           role_session_name=args.role_session_name, external_id=args.external_id,
                           session_duration=args.session_duration, policy=args.policy,
                           oidc_provider_arn=args.oidc_provider_arn, oidc_token_file=args.oidc_token_file,
                           ecs_ram_role=args.ecs_ram_role, profile=args.profile)
    except ValidationError as err:
        first = err.errors()[0]
        field = str(first["loc"][0]).replace("_", "-")
        raise errors.ConfigError(f"--{field}: {first['msg']}") from None


def _settings(args: argparse.Namespace) -> EndpointSettings:
    return EndpointSettings.from_env(os.environ, protocol=args.endpoint_protocol, proxy=args.proxy,
                                     sts_endpoint=args.sts_endpoint, sts_region=args.sts_region,
                                     sts_vpc=args.sts_vpc)


def cmd_whoami(args: argparse.Namespace) -> int:
    settings = _settings(args)
    resolved = resolve_credentials(_auth_options(args), os.environ, settings)
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


def cmd_scan(args: argparse.Namespace) -> int:
    return scan_cli.cmd_scan(args, _settings, _auth_options)


def cmd_diff(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .diff import diff
    from .reports.ocsf import load_findings

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


def cmd_policy(args: argparse.Namespace) -> int:
    from .accounts import DEFAULT_ROLE
    from .policy import MEMBER_ROLE_NAME, policy_document
    from .scan import select_checks

    checks = select_checks(args.family, args.check)
    if not checks:
        raise errors.ConfigError("no check matches --family/--check")
    if args.member_role is not None and not args.organisation:
        raise errors.ConfigError("--member-role goes with --organisation (the member roles the policy may assume)")
    member_role = args.member_role or DEFAULT_ROLE
    if not MEMBER_ROLE_NAME.match(member_role):
        raise errors.ConfigError(f"--member-role: not a RAM role name: {member_role!r}")
    print(json.dumps(policy_document(checks, organisation=args.organisation, member_role=member_role), indent=2))
    return errors.EXIT_OK


COMMANDS = {"whoami": cmd_whoami, "scan": cmd_scan, "diff": cmd_diff, "policy": cmd_policy, **catalog_cli.COMMANDS}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return errors.EXIT_USAGE
    configure_logging(args.log_level)
    try:
        return COMMANDS[args.command](args)
    except errors.AliauditError as err:
        print(f"aliaudit: error: {err}", file=sys.stderr)
        return err.exit_code


if __name__ == "__main__":
    sys.exit(main())
