"""Who we are: STS GetCallerIdentity, verified before any audit work."""

from __future__ import annotations

from pydantic import BaseModel
from Tea.exceptions import TeaException

from . import errors
from .clients import ClientFactory
from .credentials import ResolvedCredentials
from .credentials.providers import translate_auth_error
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
    try:
        creds = resolved.provider.get_credentials()
        body = factory.pop("sts").get_caller_identity().body
    except errors.AuthError:
        raise
    except TeaException as err:
        raise translate_auth_error(err, resolved.method, resolved.access_key_hint) from None
    except Exception as err:  # transport failures: no endpoint, proxy refused, DNS...
        inner = getattr(err, "inner_exception", None) or err
        raise errors.AuthError(f"{resolved.method}: cannot reach STS at {factory.settings.sts_host()} "
                               f"({type(inner).__name__}); check network, proxy and endpoint settings") from None
    return Identity(account_id=body.account_id, arn=body.arn, identity_type=body.identity_type,
                    principal_id=body.principal_id or "", method=resolved.method, origin=resolved.origin,
                    access_key_id=mask(creds.get_access_key_id()))
