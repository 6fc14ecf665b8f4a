"""OSS (oss2 2.19.1 on the wire): buckets in one global namespace, their configuration and objects.

Requests arrive path-style (``/<bucket>/<key>`` on the emulator's IP) or virtual-host style
(``<bucket>.oss-<region>.aliyuncs.com`` through the forward proxy); both resolve to the same
``/<bucket>/<key>`` route path. Answers are the XML documents oss2's parsers require
(oss2/xml_utils.py and oss2/models.py). A bucket belongs to the account whose scenario lists it.

Access follows OSS: the caller's RAM policies gate its own account's buckets (checked by the core
before the handler); callers from other accounts and anonymous callers need a public ACL or a bucket
policy grant; an explicit Deny in a bucket policy stops everyone (a ``"*"`` statement without a Condition spares the
owner's root, one with a Condition does not; acs:SecureTransport and acs:AccessId are evaluated); Block Public
Access (bucket or account level) makes public ACLs and ``"*"`` policy grants count for nothing.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import re
import secrets
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote, unquote
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_serializer, model_validator

from .. import auth, index, policy, signing
from ..call import Call, Operation
from ..errors import ApiError
from ..faults import OBJECT_THROTTLE, Quota
from ..rest import RestApi
from ..wire import Request, Response
from . import BY_HOST, DIRECT, Claim, Product

if TYPE_CHECKING:
    from ..state import Account, World


# --- state -----------------------------------------------------------------------------------------

class OssObject(BaseModel):
    """One object. In YAML an object may also be given as a plain string: its text content."""

    content: str = ""  # the body: UTF-8 text, or base64 when encoding is base64 (binary uploads)
    encoding: Literal["text", "base64"] = "text"  # how content is stored (uploads that are not UTF-8: base64)
    content_type: str = "application/octet-stream"  # returned as Content-Type on reads
    last_modified: datetime = datetime(2024, 1, 1)  # UTC; puts set it to the emulator clock
    storage_class: str = "Standard"  # Standard | IA | Archive | ColdArchive | DeepColdArchive
    meta: dict[str, str] = Field(default_factory=dict)  # user metadata (x-oss-meta-<name> without the prefix)
    _digests: tuple[str, int] | None = PrivateAttr(default=None)  # (ETag, CRC64) cache; objects are replaced whole
    # the body as bytes: what an upload sent (content and encoding are only filled in when the state is
    # exported: reports of hundreds of MB are not decoded and encoded again on every put and get)
    _data: bytes | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        return {"content": data} if isinstance(data, str) else data

    @model_serializer(mode="wrap")
    def _export(self, handler: Any) -> Any:
        out = handler(self)
        if self._data is not None and isinstance(out, dict):
            try:
                out.update(content=self._data.decode("utf-8"), encoding="text")
            except UnicodeDecodeError:
                out.update(content=base64.b64encode(self._data).decode(), encoding="base64")
        return out

    @classmethod
    def of(cls, data: bytes, **fields: Any) -> OssObject:
        obj = cls(**fields)
        obj._data = bytes(data)
        return obj

    @property
    def data(self) -> bytes:
        if self._data is None:
            self._data = base64.b64decode(self.content) if self.encoding == "base64" else self.content.encode("utf-8")
        return self._data

    def digests(self) -> tuple[str, int]:
        if self._digests is None:
            body = self.data
            self._digests = (hashlib.md5(body).hexdigest().upper(), crc64ecma(body))
        return self._digests

    @property
    def etag(self) -> str:
        """Quoted upper-case MD5 hex, as OSS answers for simple uploads."""
        return f'"{self.digests()[0]}"'


class BucketLogging(BaseModel):
    """Access logging (PutBucketLogging)."""

    target_bucket: str  # where access logs go (same owner and region)
    target_prefix: str = ""  # log object name prefix


class BucketEncryption(BaseModel):
    """Default server-side encryption (PutBucketEncryption)."""

    sse_algorithm: Literal["AES256", "KMS", "SM4"] = "AES256"  # default server-side encryption
    kms_master_key_id: str | None = None  # only with KMS; None = the OSS-managed KMS key
    kms_data_encryption: str | None = None  # SM4 data encryption under KMS, else None


class BucketWorm(BaseModel):
    """A time-based retention policy (WORM: InitiateBucketWorm, CompleteBucketWorm). "By default, a retention policy
    is in the InProgress state after it is created. The policy remains in this state for 24 hours" and lapses unless
    locked; State InProgress | Locked (OSS API reference GetBucketWorm, BucketWormState)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(default_factory=lambda: secrets.token_hex(8).upper())  # WormId, e.g. 1666E2CFB2B3418****
    state: Literal["InProgress", "Locked"] = "Locked"
    retention_days: int = 365  # RetentionPeriodInDays: 1 to 25550 (70 years)
    created: datetime = datetime(2024, 1, 1)


class AccessPoint(BaseModel):
    """A bucket access point (ListAccessPoints, GetAccessPointPolicy, GetAccessPointPublicAccessBlock; OSS API
    reference, OpenMeta oss 2019-05-17): NetworkOrigin vpc | internet, Status enable | disable | creating | deleting,
    an alias <name>-<hex>-ossalias, its own policy and Block Public Access."""

    model_config = ConfigDict(extra="forbid")

    name: str
    network_origin: Literal["vpc", "internet"] = "internet"
    vpc_id: str = ""  # with network_origin vpc only
    status: Literal["enable", "disable", "creating", "deleting"] = "enable"
    policy: dict[str, Any] | None = None  # the access point policy, None = none (404 on get)
    block_public_access: bool = False

    @model_validator(mode="after")
    def _vpc(self) -> AccessPoint:
        if (self.network_origin == "vpc") != bool(self.vpc_id):
            raise ValueError(f"access point {self.name}: a vpc_id is required with network_origin vpc, and only then")
        return self


class Bucket(BaseModel):
    """One bucket with its configuration and objects (versioning is a flag only: no versions are kept)."""

    name: str  # globally unique bucket name
    region: str = "cn-hangzhou"  # region id; the bucket's endpoint is oss-<region>.aliyuncs.com
    created: datetime = datetime(2024, 1, 1)  # CreationDate (UTC)
    acl: Literal["private", "public-read", "public-read-write"] = "private"  # canned bucket ACL
    policy: dict[str, Any] | None = None  # bucket policy document (OSS JSON: Principal/Action/Resource), None = none
    logging: BucketLogging | None = None  # access logging target, None = logging off
    encryption: BucketEncryption | None = None  # default SSE rule, None = not configured (404 on get)
    versioning: Literal["Enabled", "Suspended"] | None = None  # None = never enabled
    access_points: list[AccessPoint] = Field(default_factory=list)
    worm: BucketWorm | None = None  # retention policy; "A bucket cannot have versioning and retention policies"
    lifecycle: str | None = None  # PutBucketLifecycle's XML as sent (kept, not applied), None = none
    public_access_block: bool = False  # bucket-level Block Public Access
    storage_class: str = "Standard"  # Standard | IA | Archive | ColdArchive | DeepColdArchive
    redundancy: Literal["LRS", "ZRS"] = "LRS"  # DataRedundancyType
    tags: dict[str, str] = Field(default_factory=dict)  # bucket tags
    v1_signature: bool = True  # False: the bucket refuses V1-signed requests (new buckets from 2025-09, in phases)
    objects: dict[str, OssObject] = Field(default_factory=dict)  # key -> object

    @model_validator(mode="after")
    def _worm_or_versioning(self) -> Bucket:
        if self.worm is not None and self.versioning == "Enabled":
            raise ValueError(f"bucket {self.name}: OSS does not allow versioning and a retention policy together")
        return self


class OssState(BaseModel):
    """An account's OSS: its buckets (names are global across accounts) and account-level settings."""

    buckets: list[Bucket] = Field(default_factory=list)  # buckets this account owns
    public_access_block: bool = False  # account-level Block Public Access (covers every bucket)
    v1_signature: bool = True  # False: the account's requests must be V4-signed (new accounts from 2025-03)
    _bucket_index: dict[str, int] = PrivateAttr(default_factory=dict)  # name -> position (index.py)

    def bucket(self, name: str) -> Bucket | None:
        return index.find(self.buckets, name, self._bucket_index, lambda b: b.name)


def find_bucket(world: World, name: str) -> tuple[Account, Bucket] | None:
    """Bucket names are global: look in every account."""
    for account in world.scenario.accounts:
        bucket = account.oss.bucket(name)
        if bucket is not None:
            return account, bucket
    return None


# --- CRC-64/XZ (ECMA-182, reflected), as x-oss-hash-crc64ecma ----------------------------------------

def _crc64_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0xC96C5795D7870F42 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC64 = _crc64_table()
_MASK64 = 0xFFFFFFFFFFFFFFFF


try:  # crcmod (an oss2 dependency) computes it in C: report objects of hundreds of MB take seconds, not hours
    import crcmod

    _crc64_c = crcmod.mkCrcFun(0x142F0E1EBA9EA3693, initCrc=0, rev=True, xorOut=_MASK64)
except ImportError:  # pragma: no cover - oss2 always brings crcmod
    _crc64_c = None


def crc64ecma(data: bytes, crc: int = 0) -> int:
    """CRC-64/XZ of data; pass a previous result as crc to continue it."""
    if _crc64_c is not None:
        return int(_crc64_c(data, crc))
    crc ^= _MASK64
    table = _CRC64
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ _MASK64


# --- the API object --------------------------------------------------------------------------------

# Signed sub-resources that do not change which operation a request is (plain object/bucket calls
# may carry them); any other sub-resource on a route without one means an API we do not emulate.
_NEUTRAL_SUBRESOURCES = frozenset({
    "continuation-token", "versionId", "security-token", "x-oss-traffic-limit", "x-oss-request-payer",
    "response-content-type", "response-content-language", "response-cache-control",
    "response-content-encoding", "response-expires", "response-content-disposition",
})


def _path_of(call: Call) -> str:
    bucket, key = signing.oss_resource(call.req)
    return f"/{bucket}/{key}" if bucket else "/"


class OssApi(RestApi):
    """RestApi plus OSS habits: x-oss-request-id on every answer, and unknown sub-resources are
    refused instead of falling through to the plain bucket/object call."""

    def resolve(self, call: Call) -> Operation:
        op = super().resolve(call)
        unknown = {k for k, _ in call.req.query} & (signing.OSS_SUBRESOURCES - _NEUTRAL_SUBRESOURCES)
        if unknown and op.name not in self._subresource_ops:
            raise self._not_found(call)
        return op

    @property
    def _subresource_ops(self) -> set[str]:
        return {r.op.name for r in self.routes if r.query_key}

    def quota(self, call: Call) -> Quota:
        """Requests on objects share the account's total QPS ("oss:object", TotalQpsLimitExceeded); the management
        APIs (ListBuckets, a bucket's configuration and listing) keep a limit each, answered beyond with
        MetaOperationQpsLimitExceeded (faults.py)."""
        return Quota(name="oss:object", answer=OBJECT_THROTTLE) if call.path_params.get("key") else Quota()

    def respond(self, call: Call, result: Any) -> Response:
        resp = result if isinstance(result, Response) else Response(200, b"", {})  # handlers return None
        resp.headers.setdefault("x-oss-request-id", call.req.request_id)
        return resp


api = OssApi("oss", "oss", "oss", path_of=_path_of, not_found=lambda call: ApiError(
    "NotImplemented", f"The emulator does not implement {call.req.method} {call.req.raw_path}"
                      f"{'?' + call.req.raw_query if call.req.raw_query else ''}.", 501))

_HOST = re.compile(r"^(?:(?P<bucket>[a-z0-9][a-z0-9-]{1,61}[a-z0-9])\.)?oss-(?P<region>[a-z0-9-]+?)(?:-internal)?"
                   r"\.aliyuncs\.com$")


def bucket_from_host(host: str) -> str | None:
    """The bucket of a virtual-host style request (<bucket>.oss-<region>.aliyuncs.com), else None."""
    m = _HOST.match(host)
    return m.group("bucket") if m else None


def _route_by_host(req: Request) -> str | None:
    m = _HOST.match(req.host)
    return m.group("region") if m else None


def _route_direct(req: Request) -> str | None:
    auth = req.header("authorization")
    if auth.startswith(("OSS ", "OSS4-")):
        return ""
    # oss2's unsigned requests (AnonymousAuth: public reads) to the emulator's own address carry no
    # signature; only oss2's User-Agent tells them apart.
    if not auth and req.header("user-agent").startswith("aliyun-sdk-python/"):
        return ""
    return None


# direct requests: before SLS's signatures (DIRECT + 10) and FC's path (DIRECT + 20)
PRODUCT = Product("oss", api=api, state=OssState, claims=(Claim(BY_HOST, _route_by_host), Claim(DIRECT, _route_direct)))


# --- helpers ---------------------------------------------------------------------------------------

_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
_ACLS = ("private", "public-read", "public-read-write")
_STORAGE_CLASSES = ("Standard", "IA", "Archive", "ColdArchive", "DeepColdArchive")


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def _iso(dt: datetime) -> str:
    """The one form oss2's iso8601_to_unixtime accepts: milliseconds fixed at .000."""
    return _utc(dt).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _http_date(dt: datetime) -> str:
    return format_datetime(_utc(dt).replace(microsecond=0), usegmt=True)


def _t(tag: str, value: object) -> str:
    return f"<{tag}>{escape(str(value))}</{tag}>"


def _n(tag: str, *children: str) -> str:
    return f"<{tag}>{''.join(children)}</{tag}>"


def _xml(body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response.xml('<?xml version="1.0" encoding="UTF-8"?>\n' + body, status, headers)


def _no_content() -> Response:
    return Response(204, b"", {})


def _owner_xml(account_id: str) -> str:
    return _n("Owner", _t("ID", account_id), _t("DisplayName", account_id))


def _parse_xml(call: Call) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(call.req.body)
    except ElementTree.ParseError as err:
        raise ApiError("MalformedXML", "The XML you provided was not well-formed or did not validate "
                                       "against our published schema.", 400) from err


def _text(root: ElementTree.Element, path: str) -> str | None:
    node = root.find(path)
    return None if node is None else (node.text or "").strip()


def _int_param(call: Call, name: str, default: int, lo: int = 1, hi: int = 1000) -> int:
    raw = call.params.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise ApiError("InvalidArgument", f"Argument {name} must be an integer between {lo} and {hi}.", 400,
                       extra={"ArgumentName": name, "ArgumentValue": raw})
    return int(raw)


def _denied(message: str = "You have no right to access this object because of bucket acl.") -> ApiError:
    return ApiError("AccessDenied", message, 403)


def _bucket_arn(call: Call) -> str:
    """The addressed bucket's ARN, for the caller's RAM policies; an access point's alias stands for its bucket (the
    RAM policy is merged with the bucket policy on the bucket: _through_access_point)."""
    name = call.path_params.get("bucket", "")
    found = find_bucket(call.world, name)
    via = None if found else _by_alias(call.world, name)
    if via is not None:
        found, name = (via[0], via[1]), via[1].name
    owner = found[0].id if found else (call.account.id if call.account else "*")
    return f"acs:oss:*:{owner}:{name}"


def _object_arn(call: Call) -> str:
    return f"{_bucket_arn(call)}/{call.path_params.get('key', '')}"


def _service_arn(call: Call) -> str:
    return f"acs:oss:*:{call.account.id if call.account else '*'}:*"


def _blocked(owner: Account, bucket: Bucket) -> bool:
    return bucket.public_access_block or owner.oss.public_access_block


def _principals(statement: dict[str, Any]) -> list[str]:
    raw = statement.get("Principal", [])
    if isinstance(raw, dict):  # RAM-style {"RAM": [...]} is tolerated
        return [p for v in raw.values() for p in ([v] if isinstance(v, str) else v)]
    return [raw] if isinstance(raw, str) else list(raw)


# Block Public Access ignores public permissions only: "A statement in a bucket policy is considered non-public if its
# Principal or Condition element meets any of the criteria in the following table ... If the value of the Effect
# element in the bucket policy is Deny, the bucket policy does not grant public access." Principal: "Specifies one or
# more fixed values that do not contain the asterisk (*) wildcard"; Condition acs:SourceVpcId, acs:SourceVpc,
# acs:AccessId: one or more fixed values without * (OSS "Block Public Access",
# https://www.alibabacloud.com/help/en/oss/user-guide/block-public-access). The table names no operator: any counts.
# acs:SourceVpcIp and acs:SourceIp: "For IPv4 addresses, the mask must be greater than or equal to 8. For IPv6
# addresses, the mask must be greater than or equal to 32" (the table's last rows, same page).
_NON_PUBLIC_KEYS = {"acs:sourcevpcid", "acs:sourcevpc", "acs:accessid"}
_NON_PUBLIC_RANGE_KEYS = {"acs:sourcevpcip", "acs:sourceip"}
_NON_PUBLIC_MASK = {4: 8, 6: 32}


def _fixed(values: list[str]) -> bool:
    return bool(values) and not any("*" in str(v) for v in values)


def _narrow(values: list[str]) -> bool:
    """Every value an address or network whose mask reaches the table's minimum."""
    try:
        nets = [ipaddress.ip_network(str(v).strip(), strict=False) for v in values]
    except ValueError:
        return False
    return bool(nets) and all(n.prefixlen >= _NON_PUBLIC_MASK[n.version] for n in nets)


def _public_statement(st: dict[str, Any]) -> bool:
    """An Allow that Block Public Access ignores: no fixed Principal and no non-public condition key."""
    if st.get("Effect") != "Allow" or _fixed(_principals(st)):
        return False
    condition = st.get("Condition")
    blocks = condition.values() if isinstance(condition, dict) else []
    for keys in blocks:
        for key, raw in keys.items() if isinstance(keys, dict) else []:
            values = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
            name = str(key).lower()
            if (name in _NON_PUBLIC_KEYS and _fixed(values)) or (name in _NON_PUBLIC_RANGE_KEYS and _narrow(values)):
                return False
    return True


# The condition keys a bucket policy delegates to access points with (oss:DataAccessPointArn,
# oss:DataAccessPointAccount, oss:AccessPointNetworkOrigin: "Accessing OSS with access points",
# https://www.alibabacloud.com/help/en/oss/user-guide/access-point). They describe the access point a request came
# through: a request sent to the bucket itself carries none of them (absent: a negated operator holds, others fail).
_AP_KEYS = ("oss:DataAccessPointArn", "oss:DataAccessPointAccount", "oss:AccessPointNetworkOrigin")


def _condition_context(call: Call) -> dict[str, Any]:
    """The condition keys the emulator evaluates in bucket policies. acs:SecureTransport: the emulator has no TLS;
    it stands for the cloud reached over HTTPS (aliaudit's default protocol), so a request counts as HTTPS unless
    the scenario says `secure_transport: false` (a client on plain HTTP). acs:AccessId: the request's AccessKey id
    (STS.* for role sessions), absent for anonymous requests. The access point keys: absent here, set by
    _through_access_point."""
    p = call.principal
    return {"acs:SecureTransport": call.world.scenario.secure_transport,
            "acs:AccessId": p.access_key_id if p is not None else None, **dict.fromkeys(_AP_KEYS)}


def _policy_verdict(call: Call, doc: dict[str, Any] | None, blocked: bool, owner: Account, resource: str,
                    context: dict[str, Any]) -> str | None:
    """'Allow', 'Deny' or None from a bucket (or access point) policy for this caller, action and resource.

    OSS: a statement whose Principal is "*" and that has no Condition applies to everyone but the bucket owner;
    with a Condition it applies to the owner too. Conditions on the keys of context are evaluated
    (_condition_context); a statement with another condition key counts as holding for everyone but the owner, as
    before (the emulator cannot tell, and the owner must not be locked out by a guess). Under Block Public Access
    the public statements (_public_statement) are ignored."""
    if not doc or call.op is None:
        return None
    p = call.principal
    ids = {"*"} if p is None else {"*", p.account_id, p.principal_id, p.arn, p.principal_id.split(":")[0]}
    is_owner_root = p is not None and p.kind == "root" and p.account_id == owner.id
    statements = []
    for st in _statement_list(doc):
        who = set(_principals(st))
        if not who & ids:
            continue
        if blocked and _public_statement(st):
            continue  # Block Public Access: public grants are ignored
        held = policy.conditions_hold(st.get("Condition"), context)
        if held is False:
            continue
        if is_owner_root and not (who & (ids - {"*"})) and (held is None or not st.get("Condition")):
            continue  # "*" without a condition (or with one the emulator cannot evaluate) spares the owner
        statements.append(st)
    if not statements:
        return None
    return policy.decide([{"Statement": statements}], call.op.ram_action, resource)


def _statement_list(doc: dict[str, Any]) -> list[dict[str, Any]]:
    raw = doc.get("Statement", [])
    return [raw] if isinstance(raw, dict) else [s for s in raw if isinstance(s, dict)]


def _acl_grants(acl: str, grant: str) -> bool:
    return acl == "public-read-write" or (acl == "public-read" and grant == "read")


def _refuse_v1(call: Call, bucket: Bucket | None = None) -> None:
    """OSS withdraws V1 signatures in phases: for new accounts from 2025-03-01 and new buckets from 2025-09-01
    (https://alibabacloud.com/en/notice/notice_on_the_discontinuation_of_the_oss_v1_signature_algorithm_40f).
    The refusal's code and text are not documented: ours is AccessDenied (403)."""
    if signing.claim(call.req).scheme != "oss1":
        return
    if not call.acct.oss.v1_signature or (bucket is not None and not bucket.v1_signature):
        raise ApiError("AccessDenied", "The V1 signature is no longer supported for this "
                       f"{'bucket' if bucket is not None and not bucket.v1_signature else 'account'}: "
                       "sign the request with V4 (OSS4-HMAC-SHA256).", 403)


def _bucket(call: Call, grant: Literal["read", "write"] | None = None) -> tuple[Account, Bucket]:
    """The addressed bucket, after OSS's resource-side checks (endpoint region, bucket policy, ACL).

    grant says what a public ACL can allow here: 'read' (object reads, listing), 'write' (object
    writes) or None (bucket configuration: owner or bucket policy only)."""
    name = call.path_params["bucket"]
    found = find_bucket(call.world, name)
    if found is None:
        via = _by_alias(call.world, name)
        if via is not None:
            return _through_access_point(call, *via)
        raise ApiError("NoSuchBucket", "The specified bucket does not exist.", 404, extra={"BucketName": name})
    owner, bucket = found
    _at_bucket_endpoint(call, bucket, name)
    p = call.principal
    blocked = _blocked(owner, bucket)
    verdict = _policy_verdict(call, bucket.policy, blocked, owner, call.resource_arn(), _condition_context(call))
    if verdict == "Deny":
        raise _denied("You have no right to access this object because of bucket policy.")
    granted = verdict == "Allow" or (grant is not None and not blocked and _acl_grants(bucket.acl, grant))
    if p is None:  # anonymous: the ACL or a public policy grant must allow it
        if not granted:
            raise _denied()
        call.account = owner  # the event, if any, belongs to the bucket owner
    elif p.account_id != owner.id and call.world.scenario.authorization and not granted:
        raise _denied("The bucket you access does not belong to you.")
    return owner, bucket


def _at_bucket_endpoint(call: Call, bucket: Bucket, name: str) -> None:
    """The V1-signature refusal and OSS's answer to a request sent to another region's endpoint."""
    _refuse_v1(call, bucket)
    host_region = call.region
    if host_region and host_region != bucket.region:
        raise ApiError("AccessDenied", "The bucket you are attempting to access must be addressed using the "
                       "specified endpoint. Please send all future requests to this endpoint.", 403,
                       extra={"Bucket": name, "Endpoint": f"oss-{bucket.region}.aliyuncs.com"})
    call.region = bucket.region


def _by_alias(world: World, alias: str) -> tuple[Account, Bucket, AccessPoint] | None:
    """The access point whose alias a request addresses in place of a bucket name (ListAccessPoints Alias)."""
    for account in world.scenario.accounts:
        for b in account.oss.buckets:
            for ap in b.access_points:
                if _alias(b, ap) == alias:
                    return account, b, ap
    return None


def _through_access_point(call: Call, owner: Account, bucket: Bucket, ap: AccessPoint) -> tuple[Account, Bucket]:
    """A request addressed to an access point's alias. OSS allows it "only if both of the following conditions are
    met: The merged result of the RAM policy and bucket policy is determined as Allow. The access point policy is
    determined as Allow" ("Relationships among the access point policy, bucket policy, and RAM policy",
    https://www.alibabacloud.com/help/en/oss/user-guide/relationship-between-ap-policy-bucket-policy-and-ram-policy).
    The caller's own RAM policies were checked before the handler (its account's: an own-account caller that got here
    is allowed by them, unless the bucket policy denies); anyone else needs the bucket policy's Allow. The bucket ACL
    is no part of that rule: "By default, an access point cannot access bucket resources. You must first configure
    permission delegation in the bucket policy" (https://www.alibabacloud.com/help/en/oss/user-guide/access-point).
    Block Public Access of the account or bucket ignores public statements of both policies, the access point's own
    those of its policy. The emulator has no VPCs and is reached as from the Internet, so an access point of network
    origin vpc refuses every request (the answer is not documented: AccessDenied is ours)."""
    _at_bucket_endpoint(call, bucket, bucket.name)
    if ap.network_origin == "vpc":
        raise _denied(f"The access point {ap.name} accepts requests from VPC {ap.vpc_id} only.")
    key = call.path_params.get("key")
    point = f"acs:oss:{bucket.region}:{owner.id}:accesspoint/{ap.name}"
    context = {**_condition_context(call), "oss:DataAccessPointArn": point, "oss:DataAccessPointAccount": owner.id,
               "oss:AccessPointNetworkOrigin": ap.network_origin}
    blocked = _blocked(owner, bucket)
    target = f"acs:oss:*:{owner.id}:{bucket.name}" + (f"/{key}" if key else "")
    bucket_side = _policy_verdict(call, bucket.policy, blocked, owner, target, context)
    p = call.principal
    if bucket_side is None and p is not None and p.account_id == owner.id:
        bucket_side = "Allow"  # merged with the caller's RAM policies, which allowed it
    point_side = _policy_verdict(call, ap.policy, blocked or ap.block_public_access, owner,
                                 point + (f"/object/{key}" if key else ""), context)
    if bucket_side != "Allow" or point_side != "Allow":
        raise _denied("You have no right to access this object through the access point: both its policy and the "
                      "bucket policy must allow it.")
    if p is None:
        call.account = owner  # the event, if any, belongs to the bucket owner
    return owner, bucket


def _touch(call: Call, bucket: Bucket) -> None:
    call.touch("ACS::OSS::Bucket", bucket.name)


def _check_public_allowed(owner: Account, bucket: Bucket, acl: str) -> None:
    if acl != "private" and _blocked(owner, bucket):
        raise _denied("Put public bucket acl is not allowed when public access block is enabled.")


def _endpoint_xml(region: str) -> str:
    return (_t("ExtranetEndpoint", f"oss-{region}.aliyuncs.com")
            + _t("IntranetEndpoint", f"oss-{region}-internal.aliyuncs.com"))


# --- service (account-level) -----------------------------------------------------------------------

@api.route("GET", "/", name="GetPublicAccessBlock", query="publicAccessBlock", resource=_service_arn)
def get_public_access_block(call: Call) -> Response:
    _refuse_v1(call)
    return _xml(_n("PublicAccessBlockConfiguration",
                   _t("BlockPublicAccess", str(call.acct.oss.public_access_block).lower())))


def _parse_block(call: Call) -> bool:
    value = _text(_parse_xml(call), "BlockPublicAccess")
    if value is None or value.lower() not in ("true", "false"):
        raise ApiError("MalformedXML", "BlockPublicAccess must be true or false.", 400)
    return value.lower() == "true"


@api.route("PUT", "/", name="PutPublicAccessBlock", query="publicAccessBlock", resource=_service_arn, write=True)
def put_public_access_block(call: Call) -> None:
    call.acct.oss.public_access_block = _parse_block(call)


@api.route("DELETE", "/", name="DeletePublicAccessBlock", query="publicAccessBlock", resource=_service_arn,
           write=True)
def delete_public_access_block(call: Call) -> Response:
    call.acct.oss.public_access_block = False
    return _no_content()


@api.route("GET", "/", name="ListBuckets", resource=_service_arn)
def list_buckets(call: Call) -> Response:
    _refuse_v1(call)
    prefix, marker = call.params.get("prefix", ""), call.params.get("marker", "")
    size = _int_param(call, "max-keys", 100)
    names = sorted((b for b in call.acct.oss.buckets if b.name.startswith(prefix) and b.name > marker),
                   key=lambda b: b.name)
    page, truncated = names[:size], len(names) > size
    items = [_n("Bucket", _t("CreationDate", _iso(b.created)), _endpoint_xml(b.region),
                _t("Location", f"oss-{b.region}"), _t("Name", b.name), _t("Region", b.region),
                _t("StorageClass", b.storage_class)) for b in page]
    body = _n("ListAllMyBucketsResult", _t("Prefix", prefix), _t("Marker", marker), _t("MaxKeys", size),
              _t("IsTruncated", str(truncated).lower()),
              _t("NextMarker", page[-1].name) if truncated else "",
              _owner_xml(call.acct.id), _n("Buckets", *items))
    return _xml(body)


# --- bucket configuration --------------------------------------------------------------------------

def _bucket_route(method: str, name: str, query: str | None = None, *, write: bool = False,
                  ram_action: str | None = None, anonymous: bool = False):  # type: ignore[no-untyped-def]
    return api.route(method, "/{bucket}/", name=name, query=query, resource=_bucket_arn, write=write,
                     ram_action=ram_action, anonymous=anonymous)


@_bucket_route("GET", "GetBucketInfo", "bucketInfo")
def get_bucket_info(call: Call) -> Response:
    owner, b = _bucket(call)
    enc = b.encryption
    sse = (_n("ServerSideEncryptionRule", _t("SSEAlgorithm", enc.sse_algorithm),
              _t("KMSMasterKeyID", enc.kms_master_key_id or ""),
              _t("KMSDataEncryption", enc.kms_data_encryption) if enc.kms_data_encryption else "")
           if enc else _n("ServerSideEncryptionRule", _t("SSEAlgorithm", "None")))
    log = (_n("BucketPolicy", _t("LogBucket", b.logging.target_bucket), _t("LogPrefix", b.logging.target_prefix))
           if b.logging else _n("BucketPolicy", _t("LogBucket", ""), _t("LogPrefix", "")))
    body = _n("BucketInfo", _n(
        "Bucket", _t("AccessMonitor", "Disabled"), _t("CreationDate", _iso(b.created)), _endpoint_xml(b.region),
        _t("Location", f"oss-{b.region}"), _t("StorageClass", b.storage_class),
        _t("TransferAcceleration", "Disabled"), _t("CrossRegionReplication", "Disabled"), _t("Name", b.name),
        _t("Region", b.region), _owner_xml(owner.id), _n("AccessControlList", _t("Grant", b.acl)),
        _t("Comment", ""), _t("DataRedundancyType", b.redundancy),
        _t("Versioning", b.versioning) if b.versioning else "", sse, log,
        _t("BlockPublicAccess", str(b.public_access_block).lower())))
    return _xml(body)


@_bucket_route("GET", "GetBucketLocation", "location")
def get_bucket_location(call: Call) -> Response:
    _, b = _bucket(call)
    return _xml(_t("LocationConstraint", f"oss-{b.region}"))


@_bucket_route("GET", "GetBucketStat", "stat")
def get_bucket_stat(call: Call) -> Response:
    _, b = _bucket(call)
    size = sum(len(o.data) for o in b.objects.values())
    return _xml(_n("BucketStat", _t("Storage", size), _t("ObjectCount", len(b.objects)),
                   _t("MultipartUploadCount", 0), _t("StandardStorage", size),
                   _t("StandardObjectCount", len(b.objects))))


@_bucket_route("GET", "GetBucketAcl", "acl")
def get_bucket_acl(call: Call) -> Response:
    owner, b = _bucket(call)
    return _xml(_n("AccessControlPolicy", _owner_xml(owner.id), _n("AccessControlList", _t("Grant", b.acl))))


def _acl_header(call: Call, default: str | None) -> str:
    acl = call.req.header("x-oss-acl") or default
    if acl not in _ACLS:
        raise ApiError("InvalidArgument", "no such bucket access control exists", 400,
                       extra={"ArgumentName": "x-oss-acl", "ArgumentValue": acl or ""})
    return acl


@_bucket_route("PUT", "PutBucketAcl", "acl", write=True)
def put_bucket_acl(call: Call) -> None:
    owner, b = _bucket(call)
    acl = _acl_header(call, None)
    _check_public_allowed(owner, b, acl)
    b.acl = acl  # type: ignore[assignment]  # validated against _ACLS above
    _touch(call, b)


@_bucket_route("GET", "GetBucketPolicy", "policy")
def get_bucket_policy(call: Call) -> Response:
    _, b = _bucket(call)
    if b.policy is None:
        raise ApiError("NoSuchBucketPolicy", "The bucket policy does not exist.", 404, extra={"BucketName": b.name})
    return Response(200, json.dumps(b.policy).encode(), {"Content-Type": "application/json"})


@_bucket_route("PUT", "PutBucketPolicy", "policy", write=True)
def put_bucket_policy(call: Call) -> None:
    owner, b = _bucket(call)
    try:
        doc = json.loads(call.req.body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        doc = None
    if not isinstance(doc, dict) or not isinstance(doc.get("Statement"), list | dict):
        raise ApiError("InvalidPolicyDocument", "Invalid policy document.", 400)
    public = any(_public_statement(st) for st in _statement_list(doc))
    if public and _blocked(owner, b):
        raise _denied("Put public bucket policy is not allowed when public access block is enabled.")
    b.policy = doc
    _touch(call, b)


@_bucket_route("DELETE", "DeleteBucketPolicy", "policy", write=True)
def delete_bucket_policy(call: Call) -> Response:
    _, b = _bucket(call)
    b.policy = None
    _touch(call, b)
    return _no_content()


@_bucket_route("GET", "GetBucketLogging", "logging")
def get_bucket_logging(call: Call) -> Response:
    _, b = _bucket(call)
    inner = (_n("LoggingEnabled", _t("TargetBucket", b.logging.target_bucket),
                _t("TargetPrefix", b.logging.target_prefix)) if b.logging else "")
    return _xml(_n("BucketLoggingStatus", inner))


@_bucket_route("PUT", "PutBucketLogging", "logging", write=True)
def put_bucket_logging(call: Call) -> None:
    owner, b = _bucket(call)
    root = _parse_xml(call)
    target = _text(root, "LoggingEnabled/TargetBucket")
    if not target:
        b.logging = None
    else:
        found = find_bucket(call.world, target)
        if found is None or found[0].id != owner.id or found[1].region != b.region:
            raise ApiError("InvalidTargetBucketForLogging", "Target bucket does not exist, is not owned by "
                           "you or is in another region.", 400, extra={"TargetBucket": target})
        b.logging = BucketLogging(target_bucket=target, target_prefix=_text(root, "LoggingEnabled/TargetPrefix") or "")
    _touch(call, b)


@_bucket_route("DELETE", "DeleteBucketLogging", "logging", write=True)
def delete_bucket_logging(call: Call) -> Response:
    _, b = _bucket(call)
    b.logging = None
    _touch(call, b)
    return _no_content()


@_bucket_route("GET", "GetBucketEncryption", "encryption")
def get_bucket_encryption(call: Call) -> Response:
    _, b = _bucket(call)
    enc = b.encryption
    if enc is None:
        raise ApiError("NoSuchServerSideEncryptionRule", "The server side encryption configuration was not found.",
                       404, extra={"BucketName": b.name})
    inner = _t("SSEAlgorithm", enc.sse_algorithm)
    if enc.sse_algorithm == "KMS":
        inner += _t("KMSMasterKeyID", enc.kms_master_key_id or "")
    if enc.kms_data_encryption:
        inner += _t("KMSDataEncryption", enc.kms_data_encryption)
    return _xml(_n("ServerSideEncryptionRule", _n("ApplyServerSideEncryptionByDefault", inner)))


@_bucket_route("PUT", "PutBucketEncryption", "encryption", write=True)
def put_bucket_encryption(call: Call) -> None:
    _, b = _bucket(call)
    root = _parse_xml(call)
    algorithm = _text(root, "ApplyServerSideEncryptionByDefault/SSEAlgorithm")
    key = _text(root, "ApplyServerSideEncryptionByDefault/KMSMasterKeyID") or None
    data_enc = _text(root, "ApplyServerSideEncryptionByDefault/KMSDataEncryption") or None
    if algorithm not in ("AES256", "KMS", "SM4"):
        raise ApiError("InvalidEncryptionAlgorithmError", "The encryption request you specified is not valid. "
                       "Supported value: AES256/KMS/SM4", 400)
    if key and algorithm != "KMS":
        raise ApiError("InvalidArgument", "KMSMasterKeyID is not applicable if the default sse algorithm "
                       "is not KMS.", 400)
    b.encryption = BucketEncryption(sse_algorithm=algorithm, kms_master_key_id=key, kms_data_encryption=data_enc)
    _touch(call, b)


@_bucket_route("DELETE", "DeleteBucketEncryption", "encryption", write=True)
def delete_bucket_encryption(call: Call) -> Response:
    _, b = _bucket(call)
    b.encryption = None
    _touch(call, b)
    return _no_content()


@_bucket_route("GET", "GetBucketVersioning", "versioning")
def get_bucket_versioning(call: Call) -> Response:
    _, b = _bucket(call)
    return _xml(_n("VersioningConfiguration", _t("Status", b.versioning) if b.versioning else ""))


@_bucket_route("PUT", "PutBucketVersioning", "versioning", write=True)
def put_bucket_versioning(call: Call) -> None:
    _, b = _bucket(call)
    status = _text(_parse_xml(call), "Status")
    if status not in ("Enabled", "Suspended"):
        raise ApiError("MalformedXML", "Versioning Status must be Enabled or Suspended.", 400)
    if status == "Enabled" and _worm(call, b) is not None:
        # the exclusivity is documented ("If versioning is enabled for a bucket, you cannot configure retention
        # policies"), the code OSS answers is not: ours is InvalidRequest (400)
        raise ApiError("InvalidRequest", "Versioning cannot be enabled for a bucket with a retention policy.", 400)
    if status == "Suspended" and b.versioning is None:
        return None  # suspending never-enabled versioning leaves the bucket unversioned, as OSS does
    b.versioning = status  # type: ignore[assignment]  # one of the two literals, checked above
    _touch(call, b)
    return None


@_bucket_route("GET", "GetBucketPublicAccessBlock", "publicAccessBlock")
def get_bucket_public_access_block(call: Call) -> Response:
    _, b = _bucket(call)
    return _xml(_n("PublicAccessBlockConfiguration", _t("BlockPublicAccess", str(b.public_access_block).lower())))


@_bucket_route("PUT", "PutBucketPublicAccessBlock", "publicAccessBlock", write=True)
def put_bucket_public_access_block(call: Call) -> None:
    _, b = _bucket(call)
    b.public_access_block = _parse_block(call)
    _touch(call, b)


@_bucket_route("DELETE", "DeleteBucketPublicAccessBlock", "publicAccessBlock", write=True)
def delete_bucket_public_access_block(call: Call) -> Response:
    _, b = _bucket(call)
    b.public_access_block = False
    _touch(call, b)
    return _no_content()


@_bucket_route("GET", "GetBucketTags", "tagging", ram_action="oss:GetBucketTagging")
def get_bucket_tagging(call: Call) -> Response:
    _, b = _bucket(call)
    tags = [_n("Tag", _t("Key", k), _t("Value", v)) for k, v in b.tags.items()]
    return _xml(_n("Tagging", _n("TagSet", *tags)))


@_bucket_route("PUT", "PutBucketTags", "tagging", write=True, ram_action="oss:PutBucketTagging")
def put_bucket_tagging(call: Call) -> None:
    _, b = _bucket(call)
    root = _parse_xml(call)
    tags = {(_text(t, "Key") or ""): (_text(t, "Value") or "") for t in root.findall("TagSet/Tag")}
    if len(tags) > 20 or "" in tags:
        raise ApiError("InvalidTag", "A bucket takes at most 20 tags, each with a non-empty key.", 400)
    b.tags = tags
    _touch(call, b)


@_bucket_route("DELETE", "DeleteBucketTags", "tagging", write=True, ram_action="oss:DeleteBucketTagging")
def delete_bucket_tagging(call: Call) -> Response:
    _, b = _bucket(call)
    b.tags = {}
    _touch(call, b)
    return _no_content()


# --- retention policy (WORM) ------------------------------------------------------------------------------
# OSS API reference GetBucketWorm / InitiateBucketWorm / CompleteBucketWorm / AbortBucketWorm (OpenMeta oss
# 2019-05-17; tests/fixtures/wire/oss/GetBucketWorm.json): WormConfiguration WormId, State (InProgress | Locked),
# RetentionPeriodInDays (int), CreationDate ("2020-10-15T15:50:32"), ExpirationDate; NoSuchWORMConfiguration (404)
# without a policy. The documented sample omits State; ours always sends it (it is in the documented schema).
# ExpirationDate is sent for an InProgress policy only (creation + 24 hours, when it lapses unless locked): what
# OSS sends for a locked one is not documented.
_WORM_ABSENT = ("NoSuchWORMConfiguration", "The WORM Configuration does not exist.")


def _worm_time(dt: datetime) -> str:
    return _utc(dt).strftime("%Y-%m-%dT%H:%M:%S")


def _worm(call: Call, b: Bucket) -> BucketWorm | None:
    """The bucket's retention policy, None when it has none or an InProgress one lapsed (24 hours unlocked)."""
    w = b.worm
    if w is not None and w.state == "InProgress" and _utc(w.created) + timedelta(hours=24) < _utc(call.now()):
        b.worm = None
    return b.worm


@_bucket_route("GET", "GetBucketWorm", "worm")
def get_bucket_worm(call: Call) -> Response:
    _, b = _bucket(call)
    w = _worm(call, b)
    if w is None:
        raise ApiError(*_WORM_ABSENT, 404, extra={"BucketName": b.name})
    expiry = _t("ExpirationDate", _worm_time(w.created + timedelta(hours=24))) if w.state == "InProgress" else ""
    return _xml(_n("WormConfiguration", _t("WormId", w.id), _t("State", w.state),
                   _t("RetentionPeriodInDays", w.retention_days), _t("CreationDate", _worm_time(w.created)), expiry))


@_bucket_route("POST", "InitiateBucketWorm", "worm", write=True)
def initiate_bucket_worm(call: Call) -> Response:
    """Creates an InProgress policy; its id comes back in the x-oss-worm-id header (the documented response)."""
    _, b = _bucket(call)
    days = _text(_parse_xml(call), "RetentionPeriodInDays") or ""
    if not days.isdigit() or not 1 <= int(days) <= 25550:
        raise ApiError("InvalidArgument", "RetentionPeriodInDays must be between 1 and 25550.", 400)
    if b.versioning == "Enabled":  # documented exclusivity; the code is ours (not documented)
        raise ApiError("InvalidRequest", "A retention policy cannot be configured for a versioned bucket.", 400)
    if _worm(call, b) is not None:  # one policy per bucket; the code is ours (not documented)
        raise ApiError("InvalidRequest", "The bucket already has a retention policy.", 409)
    b.worm = BucketWorm(state="InProgress", retention_days=int(days), created=call.now())
    _touch(call, b)
    return _xml("", headers={"x-oss-worm-id": b.worm.id})


@_bucket_route("POST", "CompleteBucketWorm", "wormId", write=True)
def complete_bucket_worm(call: Call) -> Response:
    _, b = _bucket(call)
    w = _worm(call, b)
    wanted = dict(call.req.query).get("wormId", "")
    if w is None or w.id != wanted:  # "If the specified retention policy ID ... does not exist, OSS returns 404"
        raise ApiError(*_WORM_ABSENT, 404, extra={"BucketName": b.name})
    w.state = "Locked"
    _touch(call, b)
    return _xml("")


@_bucket_route("DELETE", "AbortBucketWorm", "worm", write=True)
def abort_bucket_worm(call: Call) -> Response:
    """Only an unlocked (InProgress) policy can be deleted."""
    _, b = _bucket(call)
    w = _worm(call, b)
    if w is None:
        raise ApiError(*_WORM_ABSENT, 404, extra={"BucketName": b.name})
    if w.state == "Locked":  # documented: a locked policy cannot be deleted; the code is ours
        raise ApiError("InvalidRequest", "A locked retention policy cannot be deleted.", 409)
    b.worm = None
    _touch(call, b)
    return _no_content()


# --- access points ------------------------------------------------------------------------------------
# OSS API reference (OpenMeta oss 2019-05-17; tests/fixtures/wire/oss/ListAccessPoints.json, GetAccessPointPolicy.json,
# GetAccessPointPublicAccessBlock.json): ListAccessPoints GET /?accessPoint (max-keys, continuation-token; IsTruncated,
# NextContinuationToken, AccountId, MaxKeys, AccessPoints/AccessPoint: Bucket, AccessPointName, Alias, NetworkOrigin,
# VpcConfiguration/VpcId, Status), on a bucket's host: that bucket's access points (GetAccessPoint shares the path,
# told apart by the x-oss-access-point-name header: not emulated). GetAccessPointPolicy GET /?accessPointPolicy with
# the header: the policy's JSON text. GetAccessPointPublicAccessBlock GET /?publicAccessBlock&x-oss-access-point-name=.
# An unknown access point: 404 NoSuchAccessPoint (alibabacloud-oss-go-sdk-v2 oss/client_integration_test.go,
# TestAccessPoint). One without a policy: not documented; NoSuchAccessPointPolicy (404) is ours, in OSS's NoSuch<Thing>
# style (NoSuchBucketPolicy). Block Public Access never set or deleted answers 200 false: documented for the account and
# the bucket (oss2 tests/test_public_access_block.py); the access point's answer is not documented, the same is ours.
_AP_NAME = "x-oss-access-point-name"


def _alias(b: Bucket, ap: AccessPoint) -> str:
    return f"{ap.name}-{hashlib.md5(f'{b.name}/{ap.name}'.encode()).hexdigest()[:30]}-ossalias"  # noqa: S324 - an id


def _access_point(call: Call, b: Bucket, name: str) -> AccessPoint:
    ap = next((a for a in b.access_points if a.name == name), None)
    if ap is None:
        raise ApiError("NoSuchAccessPoint", f"The access point {name} does not exist.", 404,
                       extra={"BucketName": b.name})
    return ap


@_bucket_route("GET", "ListAccessPoints", "accessPoint")
def list_access_points(call: Call) -> Response:
    owner, b = _bucket(call)
    query = dict(call.req.query)
    # "max-keys ... Valid values: For user-level access points: (0,1000]. For bucket-level access points: (0,100]"
    # (ListAccessPoints, https://www.alibabacloud.com/help/en/oss/developer-reference/listaccesspoints): this is the
    # bucket-level listing (the bucket's host). The answer to a value out of range is not documented: InvalidArgument
    # (400) is ours
    try:
        size = int(query.get("max-keys") or 100)
    except ValueError as err:
        raise ApiError("InvalidArgument", "max-keys must be an integer.", 400) from err
    if not 1 <= size <= 100:
        raise ApiError("InvalidArgument", "max-keys must be between 1 and 100 for bucket-level access points.", 400,
                       extra={"ArgumentName": "max-keys", "ArgumentValue": str(size)})
    token = query.get("continuation-token", "")
    names = sorted(a.name for a in b.access_points)
    start = sum(1 for n in names if n < token) if token else 0
    page = [_access_point(call, b, n) for n in names[start:start + size]]
    more = start + size < len(names)
    rows = "".join(_n("AccessPoint", _t("Bucket", b.name), _t("AccessPointName", ap.name), _t("Alias", _alias(b, ap)),
                      _t("NetworkOrigin", ap.network_origin),
                      _n("VpcConfiguration", _t("VpcId", ap.vpc_id)) if ap.vpc_id else _n("VpcConfiguration"),
                      _t("Status", ap.status)) for ap in page)
    return _xml(_n("ListAccessPointsResult", _t("IsTruncated", str(more).lower()),
                   _t("NextContinuationToken", names[start + size]) if more else "", _t("AccountId", owner.id),
                   _t("MaxKeys", size), _n("AccessPoints", rows)))


@_bucket_route("GET", "GetAccessPointPolicy", "accessPointPolicy")
def get_access_point_policy(call: Call) -> Response:
    _, b = _bucket(call)
    ap = _access_point(call, b, call.req.headers.get(_AP_NAME, ""))
    if ap.policy is None:
        raise ApiError("NoSuchAccessPointPolicy", "The access point policy does not exist.", 404,
                       extra={"BucketName": b.name})
    return Response(200, json.dumps(ap.policy).encode(), {"Content-Type": "application/json"})


@_bucket_route("DELETE", "DeleteAccessPointPolicy", "accessPointPolicy", write=True)
def delete_access_point_policy(call: Call) -> Response:
    _, b = _bucket(call)
    ap = _access_point(call, b, call.req.headers.get(_AP_NAME, ""))
    ap.policy = None
    _touch(call, b)
    return _no_content()


@_bucket_route("GET", "GetAccessPointPublicAccessBlock", _AP_NAME)
def get_access_point_public_access_block(call: Call) -> Response:
    _, b = _bucket(call)
    if "publicAccessBlock" not in dict(call.req.query):
        raise ApiError("InvalidArgument", "Unsupported access point sub-resource.", 400)
    ap = _access_point(call, b, dict(call.req.query).get(_AP_NAME, ""))
    return _xml(_n("PublicAccessBlockConfiguration", _t("BlockPublicAccess", str(ap.block_public_access).lower())))


# the access point's Block Public Access shares ?publicAccessBlock with the bucket's: its route (the one that also
# carries x-oss-access-point-name) is tried first
api.routes.insert(0, api.routes.pop())


# Configurations the emulator does not model: answer as a bucket that never had them.
_UNCONFIGURED = {
    "cors": ("GetBucketCors", "NoSuchCORSConfiguration", "The CORS Configuration does not exist."),
    "website": ("GetBucketWebsite", "NoSuchWebsiteConfiguration", "The specified bucket does not have a website "
                                                                   "configuration."),
}


def _unconfigured(sub: str) -> None:
    op_name, code, message = _UNCONFIGURED[sub]

    def handler(call: Call) -> Response:
        b = _bucket(call)[1]
        raise ApiError(code, message, 404, extra={"BucketName": b.name})

    _bucket_route("GET", op_name, sub)(handler)


for _sub in _UNCONFIGURED:
    _unconfigured(_sub)


@_bucket_route("PUT", "PutBucketLifecycle", "lifecycle", write=True)
def put_bucket_lifecycle(call: Call) -> None:
    """The rules are kept as sent (the emulator expires nothing); each needs ID, Prefix (or Filter) and Status,
    and at least one action."""
    _, b = _bucket(call)
    root = _parse_xml(call)
    rules = root.findall("Rule") if root.tag == "LifecycleConfiguration" else []
    actions = ("Expiration", "Transition", "AbortMultipartUpload", "NoncurrentVersionExpiration",
               "NoncurrentVersionTransition")
    for rule in rules:
        if _text(rule, "Status") not in ("Enabled", "Disabled") or not any(rule.find(a) is not None for a in actions):
            raise ApiError("MalformedXML", "The XML you provided was not well-formed or did not validate against "
                           "our published schema.", 400)
    if not rules:
        raise ApiError("MalformedXML", "The XML you provided was not well-formed or did not validate against our "
                       "published schema.", 400)
    b.lifecycle = call.req.body.decode()
    _touch(call, b)


@_bucket_route("GET", "GetBucketLifecycle", "lifecycle")
def get_bucket_lifecycle(call: Call) -> Response:
    _, b = _bucket(call)
    if b.lifecycle is None:
        raise ApiError("NoSuchLifecycle", "No Row found in Lifecycle Table.", 404, extra={"BucketName": b.name})
    return Response.xml(b.lifecycle)


@_bucket_route("GET", "GetBucketReferer", "referer")
def get_bucket_referer(call: Call) -> Response:
    _bucket(call)  # the default hotlink protection: empty referer allowed, no lists
    return _xml(_n("RefererConfiguration", _t("AllowEmptyReferer", "true"), _t("AllowTruncateQueryString", "true"),
                   _n("RefererList")))


# --- listing ---------------------------------------------------------------------------------------

def _entries(bucket: Bucket, prefix: str, delimiter: str, after: str) -> list[tuple[str, OssObject | None]]:
    """Keys and common prefixes (object None) past `after`, in order; a prefix counts once."""
    out: list[tuple[str, OssObject | None]] = []
    for key in sorted(bucket.objects):
        if not key.startswith(prefix):
            continue
        if delimiter:
            cut = key.find(delimiter, len(prefix))
            if cut >= 0:
                common = key[:cut + len(delimiter)]
                # keys rolled up into a prefix at or before the marker were listed already
                if common > after and (not out or out[-1][0] != common):
                    out.append((common, None))
                continue
        if key > after:
            out.append((key, bucket.objects[key]))
    return out


def _listing(call: Call, bucket: Bucket, owner: Account, after: str, *, owners: bool
             ) -> tuple[list[str], bool, str, int]:
    prefix, delimiter = call.params.get("prefix", ""), call.params.get("delimiter", "")
    size = _int_param(call, "max-keys", 100)
    url = call.params.get("encoding-type", "") == "url"
    entries = _entries(bucket, prefix, delimiter, after)
    page, truncated = entries[:size], len(entries) > size

    def enc(s: str) -> str:
        return quote(s, safe="/") if url else s

    parts = [_t("Name", bucket.name), _t("Prefix", enc(prefix)), _t("MaxKeys", size),
             _t("Delimiter", enc(delimiter)), _t("EncodingType", "url") if url else ""]
    for key, obj in page:
        if obj is None:
            parts.append(_n("CommonPrefixes", _t("Prefix", enc(key))))
            continue
        parts.append(_n("Contents", _t("Key", enc(key)), _t("LastModified", _iso(obj.last_modified)),
                        _t("ETag", obj.etag), _t("Type", "Normal"), _t("Size", len(obj.data)),
                        _t("StorageClass", obj.storage_class), _owner_xml(owner.id) if owners else ""))
    return parts, truncated, enc(page[-1][0]) if truncated else "", len(page)


@_bucket_route("GET", "ListObjectsV2", "list-type", anonymous=True, ram_action="oss:ListObjects")
def list_objects_v2(call: Call) -> Response:
    owner, b = _bucket(call, "read")
    token = call.params.get("continuation-token", "")
    after = call.params.get("start-after", "")
    if token:
        try:
            after = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        except ValueError as err:
            raise ApiError("InvalidArgument", "The continuation token provided is incorrect.", 400,
                           extra={"ArgumentName": "continuation-token", "ArgumentValue": token}) from err
    parts, truncated, last, count = _listing(call, b, owner, after,
                                             owners=call.params.get("fetch-owner", "") == "true")
    nxt = base64.urlsafe_b64encode(last.encode()).decode().rstrip("=") if truncated else ""
    head = [_t("StartAfter", call.params["start-after"]) if call.params.get("start-after") else "",
            _t("ContinuationToken", token) if token else "", _t("IsTruncated", str(truncated).lower()),
            _t("NextContinuationToken", nxt) if truncated else "", _t("KeyCount", count)]
    return _xml(_n("ListBucketResult", *parts[:5], *head, *parts[5:]))


@_bucket_route("GET", "ListObjects", anonymous=True)
def list_objects(call: Call) -> Response:
    owner, b = _bucket(call, "read")
    marker = call.params.get("marker", "")
    parts, truncated, last, _ = _listing(call, b, owner, marker, owners=True)
    head = [_t("Marker", marker), _t("IsTruncated", str(truncated).lower()),
            _t("NextMarker", last) if truncated else ""]
    return _xml(_n("ListBucketResult", *parts[:5], *head, *parts[5:]))


# --- bucket lifecycle ------------------------------------------------------------------------------

def _request_region(call: Call) -> str:
    """Region of a new bucket: the endpoint's (virtual-host style), else the v4 scope's, else cn-hangzhou."""
    if call.region:
        return call.region
    claim = signing.claim(call.req)
    scoped = (claim.detail or {}).get("region", "") if claim.scheme == "oss4" else ""
    return scoped or "cn-hangzhou"


@_bucket_route("PUT", "PutBucket", write=True)
def put_bucket(call: Call) -> None:
    name = call.path_params["bucket"]
    if not _BUCKET_NAME.match(name):
        raise ApiError("InvalidBucketName", "The specified bucket is not valid.", 400, extra={"BucketName": name})
    if find_bucket(call.world, name) is not None:
        raise ApiError("BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is "
                       "shared by all users of the system. Please select a different name and try again.", 409,
                       extra={"BucketName": name})
    acl = _acl_header(call, "private")
    storage, redundancy = "Standard", "LRS"
    if call.req.body:
        root = _parse_xml(call)
        storage = _text(root, "StorageClass") or storage
        redundancy = _text(root, "DataRedundancyType") or redundancy
    if storage not in _STORAGE_CLASSES or redundancy not in ("LRS", "ZRS"):
        raise ApiError("InvalidArgument", "Invalid storage class or data redundancy type.", 400)
    owner = call.acct
    if acl != "private" and owner.oss.public_access_block:
        raise _denied("Put public bucket acl is not allowed when public access block is enabled.")
    bucket = Bucket(name=name, region=_request_region(call), created=call.now(), acl=acl,
                    storage_class=storage, redundancy=redundancy)  # type: ignore[arg-type]  # checked above
    owner.oss.buckets.append(bucket)
    call.region = bucket.region
    _touch(call, bucket)


@_bucket_route("DELETE", "DeleteBucket", write=True)
def delete_bucket(call: Call) -> Response:
    owner, b = _bucket(call)
    if b.objects:
        raise ApiError("BucketNotEmpty", "The bucket you tried to delete is not empty.", 409,
                       extra={"BucketName": b.name})
    owner.oss.buckets.remove(b)
    _touch(call, b)
    return _no_content()


# --- objects ---------------------------------------------------------------------------------------

def _object_route(method: str, name: str, query: str | None = None, *, write: bool = False,
                  ram_action: str | None = None):  # type: ignore[no-untyped-def]
    # every object call may be anonymous: the bucket ACL or policy decides in the handler
    return api.route(method, "/{bucket}/{key+}", name=name, query=query, resource=_object_arn, write=write,
                     ram_action=ram_action, anonymous=True)


def _object(call: Call, bucket: Bucket) -> OssObject:
    key = call.path_params["key"]
    obj = bucket.objects.get(key)
    if obj is None:
        raise ApiError("NoSuchKey", "The specified key does not exist.", 404, extra={"Key": key})
    return obj


def _object_headers(bucket: Bucket, obj: OssObject) -> dict[str, str]:
    etag, crc = obj.digests()
    headers = {"ETag": f'"{etag}"', "Last-Modified": _http_date(obj.last_modified), "x-oss-object-type": "Normal",
               "x-oss-hash-crc64ecma": str(crc), "x-oss-storage-class": obj.storage_class,
               "Content-Type": obj.content_type, "Accept-Ranges": "bytes"}
    if bucket.encryption:
        headers["x-oss-server-side-encryption"] = bucket.encryption.sse_algorithm
    headers.update({f"x-oss-meta-{k}": v for k, v in obj.meta.items()})
    return headers


@_object_route("PUT", "PutObject", write=True)
def put_object(call: Call) -> Response:
    owner, b = _bucket(call, "write")
    key = call.path_params["key"]
    if len(key.encode()) > 1023:
        raise ApiError("InvalidObjectName", "The specified object name is not valid.", 400)
    # OSS ignores x-oss-forbid-overwrite once versioning was ever turned on for the bucket.
    forbid = call.req.header("x-oss-forbid-overwrite").lower() == "true" and b.versioning is None
    if forbid and key in b.objects:
        raise ApiError("FileAlreadyExists", "The object you specified already exists and can not be overwritten.",
                       409, extra={"Key": key})
    storage = call.req.header("x-oss-storage-class") or b.storage_class
    if storage not in _STORAGE_CLASSES:
        raise ApiError("InvalidArgument", "Invalid storage class.", 400)
    meta = {k[len("x-oss-meta-"):]: v for k, v in call.req.headers.items() if k.startswith("x-oss-meta-")}
    content_type = call.req.header("content-type") or "application/octet-stream"
    if call.req.header("x-oss-copy-source"):  # CopyObject: the same PUT, the body taken from the source
        source = _copy_source(call, b)
        if call.req.header("x-oss-metadata-directive").upper() != "REPLACE":
            content_type, meta = source.content_type, dict(source.meta)
        obj = source.model_copy(update={"last_modified": call.now(), "storage_class": storage,
                                        "content_type": content_type, "meta": meta})
    else:
        obj = OssObject.of(call.req.body, content_type=content_type, last_modified=call.now(),
                           storage_class=storage, meta=meta)
    b.objects[key] = obj
    _touch(call, b)
    etag, crc = obj.digests()
    headers = {"ETag": f'"{etag}"', "x-oss-hash-crc64ecma": str(crc),
               "Content-MD5": base64.b64encode(bytes.fromhex(etag)).decode()}
    if b.encryption:
        headers["x-oss-server-side-encryption"] = b.encryption.sse_algorithm
    if call.req.header("x-oss-copy-source"):
        return _xml(_n("CopyObjectResult", _t("ETag", f'"{etag}"'), _t("LastModified", _iso(obj.last_modified))),
                    headers=headers)
    return Response(200, b"", headers)


def _copy_source(call: Call, target: Bucket) -> OssObject:
    """The object x-oss-copy-source (/bucket/key, the key URL-encoded) names. OSS copies within a region;
    the caller needs oss:GetObject on the source as well as oss:PutObject on the target."""
    bucket_name, _, key = unquote(call.req.header("x-oss-copy-source")).lstrip("/").partition("/")
    key = key.split("?versionId=")[0]
    found = find_bucket(call.world, bucket_name)
    if found is None:
        raise ApiError("NoSuchBucket", "The specified bucket does not exist.", 404, extra={"BucketName": bucket_name})
    owner, source = found
    if source.region != target.region:
        raise ApiError("InvalidArgument", "The source and target buckets must be in the same region.", 400)
    p = call.principal
    if p is None or p.account_id != owner.id:  # (copies from other accounts' buckets are not emulated)
        raise _denied("You have no right to access the copy source.")
    source_arn = f"acs:oss:*:{owner.id}:{bucket_name}/{key}"
    if (p.kind != "root" and call.world.scenario.authorization
            and auth.decide(p, "oss:GetObject", source_arn) != "Allow"):
        raise _denied("You have no right to access the copy source.")
    obj = source.objects.get(key)
    if obj is None:
        raise ApiError("NoSuchKey", "The specified key does not exist.", 404, extra={"Key": key})
    return obj


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@_object_route("GET", "GetObject")
def get_object(call: Call) -> Response:
    _, b = _bucket(call, "read")
    obj = _object(call, b)
    data, headers = obj.data, _object_headers(b, obj)
    m = _RANGE.match(call.req.header("range").strip())
    if m and (m.group(1) or m.group(2)):
        size = len(data)
        first, last = m.group(1), m.group(2)
        start, end = (int(first), int(last) if last else size - 1) if first else (max(size - int(last), 0), size - 1)
        end = min(end, size - 1)
        if start <= end:
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
            return Response(206, data[start:end + 1], headers)
        if call.req.header("x-oss-range-behavior") == "standard":
            raise ApiError("InvalidRange", "The requested range cannot be satisfied.", 416)
        # an unsatisfiable range without the standard behaviour returns the whole object, like OSS
    return Response(200, data, headers)


@_object_route("HEAD", "GetObjectMeta", "objectMeta", ram_action="oss:GetObject")
def get_object_meta(call: Call) -> Response:
    _, b = _bucket(call, "read")
    obj = _object(call, b)
    etag, crc = obj.digests()
    return Response(200, b"", {"ETag": f'"{etag}"', "Last-Modified": _http_date(obj.last_modified),
                               "Content-Length": str(len(obj.data)), "x-oss-hash-crc64ecma": str(crc)})


@_object_route("HEAD", "HeadObject", ram_action="oss:GetObject")
def head_object(call: Call) -> Response:
    _, b = _bucket(call, "read")
    obj = _object(call, b)
    return Response(200, b"", {**_object_headers(b, obj), "Content-Length": str(len(obj.data))})


@_object_route("DELETE", "DeleteObject", write=True)
def delete_object(call: Call) -> Response:
    _, b = _bucket(call, "write")
    b.objects.pop(call.path_params["key"], None)  # deleting a missing key succeeds, as on OSS
    _touch(call, b)
    return _no_content()
