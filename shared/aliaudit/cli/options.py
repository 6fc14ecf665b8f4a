"""The command line's shared pieces: the parser class, the authentication and endpoint options, and their
translation into the typed objects the rest of aliaudit takes (below the CLI nothing sees argparse)."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, NoReturn

from .. import errors

if TYPE_CHECKING:
    from ..credentials import AuthOptions
    from ..settings import EndpointSettings

LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"]

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


def add_log_level(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--log-level", default="WARNING", choices=LOG_LEVELS, type=str.upper,
                        help="how much to log on stderr (any case; default WARNING)")


def add_auth_options(parser: argparse.ArgumentParser) -> None:
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
    add_log_level(parser)


def auth_options(args: argparse.Namespace) -> AuthOptions:
    from pydantic import ValidationError

    from ..credentials import AuthOptions

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


def endpoint_settings(args: argparse.Namespace) -> EndpointSettings:
    from ..settings import EndpointSettings

    return EndpointSettings.from_env(os.environ, protocol=args.endpoint_protocol, proxy=args.proxy,
                                     sts_endpoint=args.sts_endpoint, sts_region=args.sts_region,
                                     sts_vpc=args.sts_vpc)
