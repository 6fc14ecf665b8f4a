"""Getting credentials every way an Alibaba Cloud user has them, in the documented priority."""

from .resolve import AuthOptions, ResolvedCredentials, resolve_credentials

__all__ = ["AuthOptions", "ResolvedCredentials", "resolve_credentials"]
