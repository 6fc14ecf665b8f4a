"""Authentication like the cloud: signatures, key status, STS tokens and expiry, nonces, clock skew;
and authorization: the caller's RAM policies decide each request."""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone

from . import policy, signing
from .call import Call
from .errors import ApiError
from .principal import Principal
from .wire import Request

# A suspended account (state.Account.suspended): its credentials authenticate no request. The cloud has no
# single documented code for this; OpenAPI answers Forbidden.AccountSuspended (also AssumeRole into such an
# account, products/sts.py), OSS its UserDisable and SLS its ProjectForbidden, all 403 with this message.
SUSPENDED = "The Alibaba Cloud account is suspended: its credentials cannot be used and its roles cannot be assumed."

# (code, http status, message) per failure and error style
_FAILURES = {
    "pop": {
        "missing": ("MissingAccessKeyId", 400, "AccessKeyId is mandatory for this action."),
        "unknown": ("InvalidAccessKeyId.NotFound", 404, "Specified access key is not found."),
        "inactive": ("InvalidAccessKeyId.Inactive", 400, "Specified access key is disabled."),
        # + " server string to sign is:<the gateway's string-to-sign>" (signature_failure)
        "signature": ("SignatureDoesNotMatch", 400, "Specified signature is not matched with our calculation."),
        "no_token": ("InvalidSecurityToken.MismatchWithAccessKey", 400,
                     "Specified SecurityToken mismatch with the AccessKey."),
        "bad_token": ("InvalidSecurityToken.Malformed", 400, "Specified SecurityToken is malformed."),
        "expired": ("InvalidSecurityToken.Expired", 400, "Specified SecurityToken is expired."),
        "nonce": ("SignatureNonceUsed", 400, "Specified signature nonce was used already."),
        "skew": ("InvalidTimeStamp.Expired", 400, "Specified time stamp or date value is expired."),
        "suspended": ("Forbidden.AccountSuspended", 403, SUSPENDED),
    },
    "oss": {
        "missing": ("AccessDenied", 403, "You have no right to access this object because of bucket acl."),
        "unknown": ("InvalidAccessKeyId", 403, "The OSS Access Key Id you provided does not exist in our records."),
        "inactive": ("InvalidAccessKeyId", 403, "The OSS Access Key Id you provided is disabled."),
        "signature": ("SignatureDoesNotMatch", 403,
                      "The request signature we calculated does not match the signature you provided."),
        "no_token": ("InvalidAccessKeyId", 403, "The security token you provided is invalid."),
        "bad_token": ("InvalidSecurityToken", 403, "The security token you provided is invalid."),
        "expired": ("SecurityTokenExpired", 403, "The security token you provided has expired."),
        "nonce": ("AccessDenied", 403, "Replayed request."),
        "skew": ("RequestTimeTooSkewed", 403, "The difference between the request time and the current time "
                                              "is too large."),
        "suspended": ("UserDisable", 403, SUSPENDED),
    },
    "sls": {
        "missing": ("Unauthorized", 401, "Authorization header is missing."),
        "unknown": ("Unauthorized", 401, "AccessKeyId not found."),
        "inactive": ("Unauthorized", 401, "AccessKeyId is disabled."),
        "signature": ("SignatureNotMatch", 401, "signature does not match."),
        "no_token": ("Unauthorized", 401, "The security token you provided is invalid."),
        "bad_token": ("Unauthorized", 401, "The security token you provided is invalid."),
        "expired": ("SecurityTokenExpired", 401, "The security token you provided has expired."),
        "nonce": ("Unauthorized", 401, "Replayed request."),
        "skew": ("RequestTimeTooSkewed", 400, "The difference between the request time and the server's time "
                                              "is too large."),
        "suspended": ("ProjectForbidden", 403, SUSPENDED),
    },
}
DENIED = {
    "pop": ("NoPermission", 403, "You are not authorized to do this action. Resource: {resource} Action: {action}"),
    "oss": ("AccessDenied", 403, "You have no right to access this object because of bucket acl."),
    "sls": ("Unauthorized", 401, "denied by sts or ram, action: {action}, resource: {resource}"),
}
MAX_SKEW = 15 * 60
# the signed timestamp's one accepted shape, ISO 8601 in UTC: what strptime's "%Y-%m-%dT%H:%M:%SZ" took (fields of
# one or two digits), without its cost; datetime() then refuses what is out of range, as strptime did
_STAMP = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})Z")


def fail(style: str, what: str) -> ApiError:
    code, status, message = _FAILURES[style][what]
    return ApiError(code, message, status)


def signature_failure(style: str, req: Request, claimed: signing.Claim) -> ApiError:
    """SignatureDoesNotMatch; OpenAPI's message ends with the string-to-sign the gateway computed, as the
    cloud's does (aliyun-python-sdk-core parses it: signing.openapi_string_to_sign)."""
    err = fail(style, "signature")
    to_sign = signing.openapi_string_to_sign(req, claimed) if style == "pop" else ""
    if to_sign:
        err.message = f"{err.message} server string to sign is:{to_sign}"
    return err


def authenticate(call: Call, style: str) -> None:
    """Sets call.principal and call.account, or raises the cloud's authentication error."""
    world, req = call.world, call.req
    claimed = signing.claim(req)
    if claimed.scheme == "anonymous":
        if call.op is not None and call.op.anonymous:
            call.account = world.primary
            return
        raise fail(style, "missing")
    ak = claimed.access_key_id
    session = world.sessions.get(ak)
    if session is not None:
        secret = session.secret
        if not claimed.security_token:
            raise fail(style, "no_token")
        if claimed.security_token != session.token:
            raise fail(style, "bad_token")
        if not signing.verify(req, claimed, secret):
            raise signature_failure(style, req, claimed)
        if world.clock.now() >= session.expiration:
            raise fail(style, "expired")
        account = world.account(session.account_id)
        role = account.ram.role(session.role_name) if account else None
        if account is None or role is None:
            raise fail(style, "expired")
        if account.suspended:
            raise fail(style, "suspended")
        call.account = account
        call.principal = Principal(account.id, "role", role.name, f"{role.id}:{session.session_name}", ak,
                                   session.session_name, session.policy,
                                   account.ram.policies_for_role(role))
    else:
        found = _find_key(world, ak)
        if found is None:
            raise fail(style, "unknown")
        account, user, key = found
        if not signing.verify(req, claimed, key.secret):
            raise signature_failure(style, req, claimed)
        if key.status != "Active":
            raise fail(style, "inactive")
        if claimed.security_token and style == "pop":
            raise fail(style, "bad_token")
        if account.suspended:
            raise fail(style, "suspended")
        call.account = account
        if user is None:
            call.principal = Principal(account.id, "root", "", account.id, ak)
        else:
            call.principal = Principal(account.id, "user", user.name, user.id, ak,
                                       policies=account.ram.policies_for_user(user))
        with world.lock:
            key.last_used = world.clock.now()
            key.last_used_service = call.product
    _check_freshness(call, style)
    if not signing.content_md5_ok(req):
        raise ApiError("InvalidDigest", "The Content-MD5 you specified did not match what we received.", 400)


def _find_key(world, ak):  # type: ignore[no-untyped-def]
    for account in world.scenario.accounts:
        for key in account.root.access_keys:
            if key.id == ak:
                return account, None, key
        hit = account.ram.key_owner(ak)
        if hit:
            return account, hit[0], hit[1]
    return None


def _check_freshness(call: Call, style: str) -> None:
    """Reject replays and stale timestamps, against real time (the SDKs sign with the real clock)."""
    req, world = call.req, call.world
    nonce = req.header("x-acs-signature-nonce")
    stamp = req.header("x-acs-date")
    if not (nonce and stamp):
        query = dict(req.query)
        nonce = nonce or query.get("SignatureNonce", "")
        stamp = stamp or query.get("Timestamp", "")
    if nonce:
        with world.lock:
            if nonce in world.nonces:
                raise fail(style, "nonce")
            world.nonces.add(nonce)
    if stamp:
        parts = _STAMP.fullmatch(stamp)
        try:
            if parts is None:
                raise ValueError(stamp)
            when = datetime(*(int(x) for x in parts.groups()), tzinfo=timezone.utc).timestamp()
        except ValueError as err:
            raise ApiError("InvalidTimeStamp.Format", f"Specified time stamp is malformed: {stamp}", 400) from err
        if abs(when - time.time()) > MAX_SKEW:
            raise fail(style, "skew")


def decide(p: Principal, action: str, resource: str) -> str | None:
    """'Allow', 'Deny' or None (implicit deny): the principal's policies, then its session policy, if any."""
    verdict = policy.decide(p.policies, action, resource)
    if verdict == "Allow" and p.session_policy is not None:
        verdict = policy.decide([p.session_policy], action, resource)
    return verdict


def authorize(call: Call, style: str) -> None:
    """Evaluate the caller's policies for the resolved operation; root and anonymous pass."""
    p, op = call.principal, call.op
    if p is None or op is None or not op.ram_action or p.kind == "root" or not call.world.scenario.authorization:
        return
    resource = call.resource_arn()
    verdict = decide(p, op.ram_action, resource)
    if verdict != "Allow":
        code, status, message = DENIED[style]
        detail = {"AuthAction": op.ram_action, "AuthPrincipalType": p.identity_type,
                  "AuthPrincipalDisplayName": p.arn,
                  "NoPermissionType": "ImplicitDeny" if verdict is None else "ExplicitDeny",
                  "PolicyType": "AccountLevelIdentityBasedPolicy"}
        raise ApiError(code, message.format(action=op.ram_action, resource=resource), status,
                       extra={"AccessDeniedDetail": detail} if style == "pop" else None)
