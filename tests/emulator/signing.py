"""Signature verification for every scheme the official SDKs send.

Each ``claim_*`` function reads who claims to have signed (access key id, security token) and each
``verify_*`` recomputes the signature from the raw request with the key's secret, as each SDK computes it
(alibabacloud_tea_openapi's Client.do_request / Utils.get_authorization for ACS3-HMAC-SHA256 and RPC/ROA v1,
oss2/auth.py for OSS V1 and V4, aliyun-log-python-sdk's aliyun/log/auth.py for SLS).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, unquote

from .errors import ApiError
from .wire import Request


@dataclass
class Claim:
    scheme: str  # acs3 | rpc | roa | oss1 | oss4 | log1 | sls4 | anonymous
    access_key_id: str = ""
    security_token: str = ""
    signature: str = ""
    detail: dict[str, str] | None = None


_ACS3 = re.compile(r"ACS3-HMAC-SHA256\s+Credential=([^,]*),\s*SignedHeaders=([^,]*),\s*Signature=(\w+)")
_OSS4 = re.compile(r"OSS4-HMAC-SHA256\s+Credential=([^/]*)/(\d{8})/([^/]*)/oss/aliyun_v4_request,\s*"
                   r"(?:AdditionalHeaders=([^,]*),\s*)?Signature=(\w+)(?:,\s*AdditionalHeaders=([^,]*))?")
_SLS4 = re.compile(r"SLS4-HMAC-SHA256\s+Credential=([^/]*)/(\d{8})/([^/]*)/sls/aliyun_v4_request,\s*Signature=(\w+)")


def claim(req: Request) -> Claim:
    """Identify the scheme and the claimed identity; raises IncompleteSignature on garbage."""
    auth = req.header("authorization")
    params = dict(req.query)
    if auth.startswith("ACS3-HMAC-SHA256"):
        m = _ACS3.match(auth)
        if not m:
            raise ApiError("IncompleteSignature", "The Authorization header is malformed.", 400)
        return Claim("acs3", m.group(1), req.header("x-acs-security-token"), m.group(3),
                     {"signed_headers": m.group(2)})
    if auth.startswith("acs "):
        ak, _, sig = auth[4:].rpartition(":")
        return Claim("roa", ak, req.header("x-acs-security-token"), sig)
    if auth.startswith("OSS4-HMAC-SHA256"):
        m = _OSS4.match(auth)
        if not m:
            raise ApiError("InvalidArgument", "Authorization header is invalid.", 400)
        return Claim("oss4", m.group(1), req.header("x-oss-security-token"), m.group(5),
                     {"date": m.group(2), "region": m.group(3), "additional": m.group(4) or m.group(6) or ""})
    if auth.startswith("OSS "):
        ak, _, sig = auth[4:].rpartition(":")
        return Claim("oss1", ak, req.header("x-oss-security-token"), sig)
    if auth.startswith("LOG "):
        ak, _, sig = auth[4:].rpartition(":")
        return Claim("log1", ak, req.header("x-acs-security-token"), sig)
    if auth.startswith("SLS4-HMAC-SHA256"):
        m = _SLS4.match(auth)
        if not m:
            raise ApiError("Unauthorized", "Authorization header is invalid.", 401)
        return Claim("sls4", m.group(1), req.header("x-acs-security-token"), m.group(4),
                     {"date": m.group(2), "region": m.group(3)})
    if "Signature" in params:
        return Claim("rpc", params.get("AccessKeyId", ""), params.get("SecurityToken", ""), params["Signature"])
    return Claim("anonymous")


def verify(req: Request, c: Claim, secret: str) -> bool:
    return _VERIFIERS[c.scheme](req, c, secret)


# --- OpenAPI: ACS3-HMAC-SHA256 ------------------------------------------------------------------

def _acs3_to_sign(req: Request, c: Claim) -> str:
    names = [h for h in (c.detail or {}).get("signed_headers", "").split(";") if h]
    canon_query = "&".join(f"{k}={quote(v, safe='~')}" for k, v in sorted(req.query))
    canon_headers = "".join(f"{h}:{req.header(h).strip()}\n" for h in sorted(names))
    canonical = "\n".join([req.method, req.raw_path, canon_query, canon_headers, ";".join(sorted(names)),
                           req.header("x-acs-content-sha256") or hashlib.sha256(req.body).hexdigest()])
    return "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()


def _acs3(req: Request, c: Claim, secret: str) -> bool:
    names = [h for h in (c.detail or {}).get("signed_headers", "").split(";") if h]
    if "x-acs-content-sha256" in names and req.header("x-acs-content-sha256") != hashlib.sha256(req.body).hexdigest():
        return False
    to_sign = _acs3_to_sign(req, c)
    return hmac.compare_digest(_hmac(secret, to_sign, hashlib.sha256).hex(), c.signature)


# --- OpenAPI: RPC v1 HMAC-SHA1 (query signature) -------------------------------------------------

def _rpc_to_sign(req: Request) -> list[str]:
    """The strings-to-sign, RFC 3986 first: tea-openapi and aliyun-python-sdk-core encode RFC 3986 style;
    alibabacloud-credentials uses quote_plus. Signed are the parameters the call sees (req.params: the query
    merged with a form body, the body's value winning), as both SDKs sign them: aliyun-python-sdk-core sends
    a parameter in both places when a POST's body sets RegionId (it adds RegionId to the query) and signs
    the merged map."""
    params = sorted((k, v) for k, v in req.params.items() if k != "Signature")
    rfc = "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in params)
    plus = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in params)
    return [f"{req.method}&%2F&{outer(canon)}"
            for canon, outer in ((rfc, lambda s: quote_plus(s, safe="~")), (plus, quote_plus))]


def _rpc(req: Request, c: Claim, secret: str) -> bool:
    for to_sign in _rpc_to_sign(req):
        expected = base64.b64encode(_hmac(secret + "&", to_sign, hashlib.sha1)).decode()
        if hmac.compare_digest(expected, c.signature):
            return True
    return False


# --- OpenAPI: ROA v1 HMAC-SHA1 -------------------------------------------------------------------

def _roa_to_sign(req: Request) -> str:
    head = "\n".join(req.header(h) for h in ("accept", "content-md5", "content-type", "date"))
    acs = "".join(f"{k}:{v}\n" for k, v in sorted(req.headers.items()) if k.startswith("x-acs-"))
    resource = req.raw_path
    if req.query:
        resource += "?" + "&".join(k if v == "" else f"{k}={v}" for k, v in sorted(req.query))
    return f"{req.method}\n{head}\n{acs}{resource}"


def _roa(req: Request, c: Claim, secret: str) -> bool:
    expected = base64.b64encode(_hmac(secret, _roa_to_sign(req), hashlib.sha1)).decode()
    return hmac.compare_digest(expected, c.signature)


def openapi_string_to_sign(req: Request, c: Claim) -> str:
    """The string-to-sign the OpenAPI gateway computed ('' for other schemes). The cloud returns it in
    SignatureDoesNotMatch's message after `server string to sign is:`; aliyun-python-sdk-core splits the
    message at ':' and compares it with its own to tell a wrong secret (InvalidAccessKeySecret) from a
    request changed on the way (and fails with IndexError on a message without ':')."""
    if c.scheme == "rpc":
        return _rpc_to_sign(req)[0]
    if c.scheme == "roa":
        return _roa_to_sign(req)
    if c.scheme == "acs3":
        return _acs3_to_sign(req, c)
    return ""


# --- OSS v1 and v4 -------------------------------------------------------------------------------

OSS_SUBRESOURCES = frozenset([
    "acl", "uploads", "uploadId", "partNumber", "delete", "website", "location", "logging", "cors",
    "lifecycle", "restore", "qos", "referer", "stat", "bucketInfo", "append", "position", "security-token",
    "live", "comp", "status", "vod", "startTime", "endTime", "x-oss-process", "symlink", "callback",
    "callback-var", "tagging", "encryption", "versions", "versioning", "versionId", "policy",
    "requestPayment", "x-oss-traffic-limit", "qosInfo", "asyncFetch", "x-oss-request-payer", "sequential",
    "inventory", "inventoryId", "continuation-token", "worm", "wormId", "wormExtend", "replication",
    "replicationLocation", "replicationProgress", "transferAcceleration", "cname", "metaQuery",
    "x-oss-ac-source-ip", "x-oss-ac-subnet-mask", "x-oss-ac-vpc-id", "x-oss-ac-forward-allow",
    "resourceGroup", "style", "styleName", "x-oss-async-process", "regionList", "publicAccessBlock",
    "policyStatus", "accessPoint", "accessPointForObjectProcess", "responseHeader",
    "userDefinedLogFieldsConfig", "reservedcapacity", "response-content-type", "response-content-language",
    "response-cache-control", "response-content-encoding", "response-expires", "response-content-disposition",
    "objectInfo", "objectMeta", "group", "link", "httpsConfig",
])


def oss_resource(req: Request) -> tuple[str, str]:
    """(bucket, key) addressed by an OSS request: virtual-host style or path style."""
    from .products.oss import bucket_from_host  # late: the products import this module

    path = req.raw_path
    bucket = bucket_from_host(req.host)
    if bucket is None:
        first, _, rest = path.lstrip("/").partition("/")
        return unquote(first), unquote(rest)
    return bucket, unquote(path.lstrip("/"))


def _oss1(req: Request, c: Claim, secret: str) -> bool:
    bucket, key = oss_resource(req)
    date = req.header("x-oss-date") or req.header("date")
    head = "\n".join([req.method, req.header("content-md5"), req.header("content-type"), date])
    oss_headers = "".join(f"{k}:{v}\n" for k, v in sorted(req.headers.items()) if k.startswith("x-oss-"))
    resource = f"/{bucket}/{key}" if bucket else "/"
    signed = sorted((k, v) for k, v in req.query if k in OSS_SUBRESOURCES)
    if signed:
        resource += "?" + "&".join(k if v == "" else f"{k}={v}" for k, v in signed)
    to_sign = f"{head}\n{oss_headers}{resource}"
    expected = base64.b64encode(_hmac(secret, to_sign, hashlib.sha1)).decode()
    return hmac.compare_digest(expected, c.signature)


def _oss4(req: Request, c: Claim, secret: str) -> bool:
    d = c.detail or {}
    bucket, key = oss_resource(req)
    uri = quote(f"/{bucket}/{key}" if bucket else "/", safe="/~")
    query = "&".join(k if not v else f"{k}={v}" for k, v in
                     sorted((quote(k, safe="~"), quote(v, safe="~")) for k, v in req.query))
    additional = sorted(h for h in d.get("additional", "").split(";") if h)
    headers = sorted((k, v) for k, v in req.headers.items()
                     if k.startswith("x-oss-") or k in ("content-type", "content-md5") or k in additional)
    canonical = "\n".join([req.method, uri, query, "".join(f"{k}:{v}\n" for k, v in headers),
                           ";".join(additional), req.header("x-oss-content-sha256") or "UNSIGNED-PAYLOAD"])
    stamp = req.header("x-oss-date")
    scope = f"{d.get('date')}/{d.get('region')}/oss/aliyun_v4_request"
    to_sign = f"OSS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key_bytes = _v4_key("aliyun_v4" + secret, d.get("date", ""), d.get("region", ""), "oss")
    return hmac.compare_digest(hmac.new(key_bytes, to_sign.encode(), hashlib.sha256).hexdigest(), c.signature)


# --- SLS v1 (hmac-sha1 or hmac-sha256) and v4 ------------------------------------------------------

def _log1(req: Request, c: Claim, secret: str) -> bool:
    digest = hashlib.sha256 if req.header("x-log-signaturemethod") == "hmac-sha256" else hashlib.sha1
    head = "\n".join([req.method, req.header("content-md5"), req.header("content-type"), req.header("date")])
    # x-log-date is added after signing by the log SDK, so it never takes part.
    extra = "".join(f"{k}:{v}\n" for k, v in sorted(req.headers.items())
                    if k.startswith(("x-log-", "x-acs-")) and k != "x-log-date")
    base = unquote(req.raw_path)
    candidates = [base]
    if req.query:
        params = sorted(req.query)
        candidates = [base + "?" + "&".join(f"{k}={v}" for k, v in params),
                      base + "?" + "&".join(k if v == "" else f"{k}={v}" for k, v in params)]
    for resource in candidates:
        to_sign = f"{head}\n{extra}{resource}"
        if hmac.compare_digest(base64.b64encode(_hmac(secret, to_sign, digest)).decode(), c.signature):
            return True
    return False


def _sls4(req: Request, c: Claim, secret: str) -> bool:
    d = c.detail or {}
    headers = sorted((k, v.strip()) for k, v in req.headers.items()
                     if k in ("content-type", "host") or k.startswith(("x-log-", "x-acs-")))
    query = "&".join(k if not v else f"{k}={v}" for k, v in sorted((k, quote(v, safe="~")) for k, v in req.query))
    body_hash = req.header("x-log-content-sha256")
    canonical = "\n".join([req.method, unquote(req.raw_path), query, "".join(f"{k}:{v}\n" for k, v in headers),
                           ";".join(k for k, _ in headers), body_hash])
    scope = f"{d.get('date')}/{d.get('region')}/sls/aliyun_v4_request"
    to_sign = f"SLS4-HMAC-SHA256\n{req.header('x-log-date')}\n{scope}\n" \
              f"{hashlib.sha256(canonical.encode()).hexdigest()}"
    key_bytes = _v4_key("aliyun_v4" + secret, d.get("date", ""), d.get("region", ""), "sls")
    ok = hmac.compare_digest(hmac.new(key_bytes, to_sign.encode(), hashlib.sha256).hexdigest(), c.signature)
    if ok and req.body and body_hash != hashlib.sha256(req.body).hexdigest():
        return False
    return ok


def _anonymous(req: Request, c: Claim, secret: str) -> bool:
    return True


def _hmac(secret: str, text: str, digest) -> bytes:  # type: ignore[no-untyped-def]
    return hmac.new(secret.encode(), text.encode(), digest).digest()


def _v4_key(seed: str, date: str, region: str, product: str) -> bytes:
    key = seed.encode()
    for part in (date, region, product, "aliyun_v4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


_VERIFIERS = {"acs3": _acs3, "rpc": _rpc, "roa": _roa, "oss1": _oss1, "oss4": _oss4, "log1": _log1,
              "sls4": _sls4, "anonymous": _anonymous}


def content_md5_ok(req: Request) -> bool:
    """SLS and OSS may send Content-MD5 (hex upper-case for SLS, base64 for OSS); a tampered body fails."""
    md5 = req.header("content-md5")
    if not md5 or not req.body:
        return True
    digest = hashlib.md5(req.body).digest()
    return md5 in (digest.hex().upper(), base64.b64encode(digest).decode())
