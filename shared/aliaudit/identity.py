"""Who we are: STS GetCallerIdentity, verified before any audit work."""

from __future__ import annotations

from pydantic import BaseModel

from . import errors
from .clients import ClientFactory
from .credentials import ResolvedCredentials
from .credentials.providers import translate_auth_error, within
from .redact import mask


class Identity(BaseModel):
    account_id: str
    arn: str
    identity_type: str
    principal_id: str
    method: str
    origin: str
    access_key_id: str  # masked

    def line(self) -> str:
        return (f"account {self.account_id} as {self.arn} ({self.identity_type}) via {self.method} "
                f"[{self.origin}], AccessKey {self.access_key_id}")


def verify_identity(resolved: ResolvedCredentials, factory: ClientFactory) -> Identity:
    settings = factory.settings
    try:
        creds = resolved.provider.get_credentials()
        sts = factory.pop("sts")
        # a total deadline: an endpoint that answers a byte at a time must not hold the run
        body = within(settings.fetch_deadline_seconds(), f"{resolved.method}: STS at {settings.sts_host()}",
                      sts.get_caller_identity).body
    except errors.AuthError:
        raise
    except Exception as err:  # the cloud's answer, or a transport failure (no endpoint, proxy refused, DNS...)
        raise translate_auth_error(err, resolved.method, resolved.access_key_hint, settings=settings) from None
    return Identity(account_id=body.account_id, arn=body.arn, identity_type=body.identity_type,
                    principal_id=body.principal_id or "", method=resolved.method, origin=resolved.origin,
                    access_key_id=mask(creds.get_access_key_id()))
