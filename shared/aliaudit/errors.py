"""aliaudit's errors: each a type with a one-line message naming what failed and the fix, and the
CLI exit code it maps to (documented in the README)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_CONFIG = 1  # configuration error: an option value or a file refused
EXIT_AUTH = 2  # authentication error: credentials missing, malformed or refused
EXIT_FAIL = 3  # unmuted FAIL findings present
EXIT_ERROR = 4  # some checks ended in ERROR (and no FAIL)
EXIT_USAGE = 5  # the command line does not parse (unknown option, missing or ill-typed argument), or no command
EXIT_UNREACHABLE = 6  # the cloud or a credentials service could not be reached or gave no answer (network, proxy,
#                       DNS, refused, timed out, 5xx): nothing was said about the credentials


class AliauditError(Exception):
    exit_code = EXIT_CONFIG


class ConfigError(AliauditError):
    """A configuration file or option is malformed."""


class AuthError(AliauditError):
    """Credentials could not be obtained or were refused."""

    exit_code = EXIT_AUTH


class CredentialsNotFound(AuthError):
    pass


class MalformedCredentialsFile(AuthError):
    pass


class MalformedCredentialsUriReply(AuthError):
    pass


class UnknownProfile(AuthError):
    pass


class ProfileLoop(AuthError):
    pass


class InvalidAccessKey(AuthError):
    pass


class SignatureMismatch(AuthError):
    pass


class TokenExpired(AuthError):
    pass


class AssumeRoleDenied(AuthError):
    pass


class RoleNotFound(AuthError):
    pass


class ExternalIdMismatch(AuthError):
    pass


class MetadataUnreachable(AuthError):
    pass


class OidcTokenFileMissing(AuthError):
    pass


class CredentialsUriUnreachable(AuthError):
    pass


class ConnectionFailed(AuthError):
    """The endpoint (STS, a credentials URI, the metadata service) could not be reached or did not answer in
    time: a network, proxy, DNS or outage problem, not rejected credentials. (An AuthError, so whoever handles
    credentials failing handles it too, with its own exit code.)"""

    exit_code = EXIT_UNREACHABLE


def field_path(loc: tuple[object, ...] | list[object], default: str = "value") -> str:
    """A validation error's location as one printable line: keys come from the input, so a key holding a newline
    or a control character is escaped (the error stays one line) and a long one is cut."""
    def part(x: object) -> str:
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(x))
        return text if len(text) <= 64 else text[:61] + "..."

    return ".".join(part(x) for x in loc) or default
