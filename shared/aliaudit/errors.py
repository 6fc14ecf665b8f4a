"""aliaudit's errors: each a type with a one-line message naming what failed and the fix, and the
CLI exit code it maps to (documented in the README)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_USAGE = 1  # usage or configuration error
EXIT_AUTH = 2  # authentication error
EXIT_FAIL = 3  # unmuted FAIL findings present
EXIT_ERROR = 4  # some checks ended in ERROR (and no FAIL)


class AliauditError(Exception):
    exit_code = EXIT_USAGE


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
