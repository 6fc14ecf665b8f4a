"""Credentials inside Function Compute: the execution role's STS keys, which the runtime provides as
ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET/_SECURITY_TOKEN and, on python3.10, as context.credentials."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import errors
from .providers import StaticProvider
from .resolve import ResolvedCredentials


def from_fc_runtime(context: Any, env: Mapping[str, str]) -> ResolvedCredentials:
    ak, secret = env.get("ALIBABA_CLOUD_ACCESS_KEY_ID"), env.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    token = env.get("ALIBABA_CLOUD_SECURITY_TOKEN")
    origin = "FC runtime environment (execution role)"
    if not (ak and secret):
        creds = getattr(context, "credentials", None)
        ak = getattr(creds, "access_key_id", None) or getattr(creds, "accessKeyId", None)
        secret = getattr(creds, "access_key_secret", None) or getattr(creds, "accessKeySecret", None)
        token = getattr(creds, "security_token", None) or getattr(creds, "securityToken", None)
        origin = "FC context.credentials (execution role)"
    if not (ak and secret):
        raise errors.CredentialsNotFound("Function Compute: the function has no execution role credentials; "
                                         "set a role on the function (s.yaml `role:` / template.yml Role)")
    return ResolvedCredentials("FC execution role", origin, StaticProvider(ak, secret, token or None,
                                                                          "static_sts" if token else "static_ak"),
                               ak)
