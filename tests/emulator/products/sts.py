"""STS: GetCallerIdentity, AssumeRole (trust policy, external id, duration), AssumeRoleWithOIDC."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from .. import policy
from ..auth import SUSPENDED
from ..call import Call
from ..clock import iso
from ..errors import ApiError
from ..pop import PopApi, int_param, require

api = PopApi("sts", "2015-04-01")
_ROLE_ARN = re.compile(r"^acs:ram::(\d+):role/([\w.@-]+)$", re.IGNORECASE)
_SESSION = re.compile(r"^[\w.@-]{2,64}$")


@api.action("GetCallerIdentity", ram_action="")  # any valid identity may ask who it is
def get_caller_identity(call: Call) -> dict[str, Any]:
    p = call.principal
    assert p is not None
    out = {"AccountId": p.account_id, "Arn": p.arn, "IdentityType": p.identity_type, "PrincipalId": p.principal_id}
    if p.kind == "user":
        out["UserId"] = p.principal_id
    if p.kind == "role":
        out["RoleId"] = p.principal_id.split(":")[0]
    return out


def _target_role(call: Call) -> tuple[Any, Any]:
    arn = require(call.params, "RoleArn")
    m = _ROLE_ARN.match(arn)
    if not m:
        raise ApiError("InvalidParameter.RoleArn", f"The parameter RoleArn is wrong: {arn}", 400)
    account = call.world.account(m.group(1))
    if account is not None and account.suspended:  # the same answer as any call signed by that account (auth.py)
        raise ApiError("Forbidden.AccountSuspended", f"{SUSPENDED} Account: {account.id}", 403)
    role = account.ram.role(m.group(2)) if account else None
    if account is None or role is None:
        raise ApiError("EntityNotExist.Role", f"The role not exists: {arn}", 404)
    return account, role


def _session_args(call: Call, role: Any) -> tuple[str, int, dict[str, Any] | None]:
    name = require(call.params, "RoleSessionName")
    if not _SESSION.match(name):
        raise ApiError("InvalidParameter.RoleSessionName",
                       "The parameter RoleSessionName must be 2-64 characters of [a-zA-Z0-9.@-_].", 400)
    duration = int_param(call.params, "DurationSeconds", 3600, 900, 43200)
    if duration > role.max_session_duration:
        raise ApiError("InvalidParameter.DurationSeconds",
                       f"The Min/Max value of DurationSeconds is 900/{role.max_session_duration} seconds, "
                       f"current value is {duration}.", 400)
    inline = None
    if call.params.get("Policy"):
        try:
            inline = json.loads(call.params["Policy"])
        except json.JSONDecodeError as err:
            raise ApiError("InvalidParameter.PolicyGrammar", "The parameter Policy has not passed grammar check.",
                           400) from err
    return name, duration, inline


def _issue(call: Call, account: Any, role: Any, name: str, duration: int, inline: Any, source: str) -> dict:
    s = call.world.new_session(account_id=account.id, role_name=role.name, session_name=name, source_arn=source,
                               duration=duration, policy=inline)
    return {"Credentials": {"AccessKeyId": s.access_key_id, "AccessKeySecret": s.secret,
                            "SecurityToken": s.token, "Expiration": iso(s.expiration)},
            "AssumedRoleUser": {"Arn": s.arn, "AssumedRoleId": f"{role.id}:{name}"}}


@api.action("AssumeRole", resource=lambda c: c.params.get("RoleArn", "*"), ram_action="sts:AssumeRole")
def assume_role(call: Call) -> dict[str, Any]:
    account, role = _target_role(call)
    name, duration, inline = _session_args(call, role)
    p = call.principal
    assert p is not None
    if p.kind == "root":
        # "You cannot use an Alibaba Cloud account to call this operation. The requester of this operation can only
        # be a RAM user or RAM role" (OpenMeta sts 2015-04-01 AssumeRole); "ErrorCode: NoPermission ErrorMessage:
        # Roles may not be assumed by root accounts." (STS "AssumeRole common errors", doc-detail/42775)
        raise ApiError("NoPermission", "Roles may not be assumed by root accounts.", 403)
    verdict = policy.trust_verdict(role.trust_policy, account_id=p.account_id, principal_arn=p.arn,
                                   external_id=call.params.get("ExternalId"))
    if verdict != "allow":  # (an ExternalId the trust policy does not match included: the same documented answer)
        raise ApiError("NoPermission", "You are not authorized to do this action. You should be authorized by RAM.",
                       403)
    return _issue(call, account, role, name, duration, inline, p.arn)


@api.action("AssumeRoleWithOIDC", anonymous=True, ram_action="sts:AssumeRoleWithOIDC")
def assume_role_with_oidc(call: Call) -> dict[str, Any]:
    account, role = _target_role(call)
    provider_arn = require(call.params, "OIDCProviderArn")
    token = require(call.params, "OIDCToken")
    name, duration, inline = _session_args(call, role)
    provider = next((p for p in account.ram.oidc_providers
                     if f"acs:ram::{account.id}:oidc-provider/{p.name}" == provider_arn), None)
    if provider is None:
        raise ApiError("EntityNotExist.OIDCProvider", f"The OIDC provider does not exist: {provider_arn}", 404)
    claims = _jwt_claims(token)
    if claims.get("iss") != provider.issuer_url:
        raise ApiError("AuthenticationFail.OIDCToken.IssuerError",
                       "The issuer of the OIDC token does not match the OIDC provider.", 400)
    aud = claims.get("aud")
    if not set([aud] if isinstance(aud, str) else aud or []) & set(provider.client_ids):
        raise ApiError("AuthenticationFail.OIDCToken.AudienceError",
                       "The audience of the OIDC token is not a client id of the OIDC provider.", 400)
    if float(claims.get("exp", 0)) <= call.world.clock.timestamp():
        raise ApiError("AuthenticationFail.OIDCToken.Expired", "The OIDC token has expired.", 400)
    if not policy.trust_allows(role.trust_policy, account_id="", principal_arn="", federated=provider_arn):
        raise ApiError("NoPermission", "The role's trust policy does not allow this OIDC provider.", 403)
    call.account = account
    return _issue(call, account, role, name, duration, inline, provider_arn)


def _jwt_claims(token: str) -> dict[str, Any]:
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise ApiError("AuthenticationFail.OIDCToken.Invalid", "The OIDC token is not a JWT.", 400)
    try:
        payload = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, json.JSONDecodeError) as err:
        raise ApiError("AuthenticationFail.OIDCToken.Invalid", "The OIDC token cannot be decoded.", 400) from err
    if not isinstance(claims, dict):
        raise ApiError("AuthenticationFail.OIDCToken.Invalid", "The OIDC token has no claims.", 400)
    return claims
