"""OSS checks: CIS Alibaba Cloud Foundations v2.0.0 section 5 (5.1-5.9), 2.2 (the ActionTrail
bucket is not public), and beyond CIS: Block Public Access, public bucket-policy grants, versioning,
default encryption and the auditor's own report buckets.

"Public" has two readings: the CIS audits' (5.1 and 2.2: the ACL, and bucket-policy statements to anonymous
accounts, as the console shows them) and whether anyone on the Internet can reach the bucket, decided in one
place, `bucket_policy.public_exposure` (ACL, policy conditions and Block Public Access), which the *_not_exposed
checks report. Findings are per bucket and carry the bucket's region.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..bucket_policy import (
    PUBLIC_ACLS,
    Exposure,
    access_point_public_grants,
    effect,
    grants_under_block,
    https_enforced,
    network_rules,
    public_exposure,
    public_grants,
    statements,
    to_everyone,
)
from ..collectors.actiontrail import TRAILS, TrailInfo
from ..collectors.oss import ACCESS_POINTS, BUCKETS, AccessPointInfo, BucketInfo, OssInventory, kms_key_ref
from ..findings import Result, Status
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL
EXPOSURE_EVENTS = ["PutBucket", "PutBucketAcl", "PutBucketPolicy", "DeleteBucketPolicy", "PutBucketPublicAccessBlock",
                   "DeleteBucketPublicAccessBlock", "PutPublicAccessBlock", "DeletePublicAccessBlock"]
POLICY_EVENTS = ["PutBucket", "PutBucketPolicy", "DeleteBucketPolicy"]
_RTYPE = "oss:bucket"


# --- helpers ---------------------------------------------------------------------------------------

def _result(b: BucketInfo, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=b.name, resource_type=_RTYPE, region=b.region, message=message)


def _unreadable(b: BucketInfo, *aspects: str) -> Result | None:
    missing = b.missing(*aspects)
    return _result(b, ERROR, "could not read " + "; ".join(missing)) if missing else None


def _inventory(inp: Inputs) -> OssInventory:
    return inp[BUCKETS]


def _exposure_result(b: BucketInfo, inv: OssInventory) -> tuple[Exposure, Result]:
    e = public_exposure(b, inv.account_block, inv.account_block_error)
    if e.state == "unknown":
        return e, _result(b, ERROR, "cannot tell whether the bucket is public: could not read "
                          + "; ".join(e.unknown))
    if e.state == "public":
        return e, _result(b, FAIL, "publicly accessible: " + "; ".join(e.reasons))
    if e.blocked:
        return e, _result(b, PASS, f"not public: {e.blocked_by}-level Block Public Access neutralises "
                          + "; ".join(e.blocked))
    if e.fenced:
        return e, _result(b, PASS, f"not public: the bucket policy denies everyone outside its networks, so "
                          f"ACL {b.acl} grants nothing to the Internet")
    return e, _result(b, PASS, "not public: private ACL and no unrestricted grant to * in the bucket policy")


BLOCK_CLI = "aliyun oss bucket-public-access-block --method put oss://<bucket> --block-public-access true"
_GRANTS = ("a bucket policy Allow to everyone (Principal `*`, or an empty Principal list `[]`, which OSS reads as "
           "`*`) is public unless a condition entry restricts who can call: acs:SourceIp IpAddress with ranges that "
           "are all /8 (IPv6 /32) or narrower and all public (no RFC 1918, 100.64.0.0/10, loopback or link-local "
           "range: VPC addresses are not unique across tenants, so a private range restricts only together with "
           "acs:SourceVpc), acs:SourceVpc or acs:AccessId StringEquals (or StringLike without wildcards); "
           "Referer, UserAgent, SecureTransport, time and prefix conditions restrict nothing. A Deny to everyone "
           "whose only condition leaves the same kinds of networks allowed (NotIpAddress on public ranges, "
           "StringNotEquals acs:SourceVpc/AccessId) fences in the grants (and ACL grants) it covers")
_EXPOSURE = ("GetBucketAcl, GetBucketPolicy (the document itself, analysed here), GetBucketPublicAccessBlock and "
             "the account's GetPublicAccessBlock: an ACL public-read(-write) is public; " + _GRANTS
             + "; bucket- or account-level Block Public Access neutralises a public ACL and the grants OSS itself "
             "calls public, but not those it calls non-public (a fixed Principal, a fixed acs:SourceVpc, "
             "acs:SourceVpcId or acs:AccessId value under any operator, acs:SourceIp or acs:SourceVpcIp ranges of /8 "
             "(IPv6 /32) or narrower: a private range without acs:SourceVpc, a negated VPC condition), which stay in "
             "force (OSS \"Block Public Access\"). ERROR when an unread setting could change the answer")


# --- CIS 5.1, 5.2 ----------------------------------------------------------------------------------

def _anonymous_statements(b: BucketInfo) -> list[str]:
    """The bucket policy's Allow statements to Anonymous Accounts (*), whatever their conditions: what the
    console's Bucket Policy tab lists as operations authorized to anonymous accounts."""
    out = []
    for n, st in enumerate(statements(b.policy), 1):
        if effect(st) == "allow" and to_everyone(st):
            actions = st.get("Action")
            shown = ", ".join(map(str, actions[:4])) + (", ..." if len(actions) > 4 else "") \
                if isinstance(actions, list) else str(actions or "no action")
            out.append(f"statement {n} allows everyone (*) {shown}")
    return out


def _literal_public(b: BucketInfo) -> Result:
    """CIS 5.1 as its audit reads: the ACL is private and the bucket policy authorizes nothing to anonymous
    accounts; Block Public Access and conditions on the grant are not part of that reading."""
    reasons = [f"bucket ACL is {b.acl}"] if "acl" not in b.errors and b.acl in PUBLIC_ACLS else []
    if "policy" not in b.errors:
        reasons += _anonymous_statements(b)
    if reasons:
        return _result(b, FAIL, "; ".join(reasons))
    err = _unreadable(b, "acl", "policy")
    return err or _result(b, PASS, "bucket ACL private and no bucket-policy statement allows everyone (*)")


@check(id="oss_bucket_not_publicly_accessible", severity="critical",
       title="Ensure that OSS bucket is not anonymously or publicly accessible",
       risk="Anyone on the Internet can list, read (or write) the bucket's data; leaked data and abuse of "
            "public-read-write buckets for malware hosting follow.",
       console="OSS console > the bucket > Permission Control: set ACL to Private, remove bucket policy "
               "statements granting Anonymous Accounts (*), and turn on Block Public Access.",
       cli="aliyun oss set-acl oss://<bucket> private -b; " + BLOCK_CLI,
       cis=["5.1"], events=EXPOSURE_EVENTS, needs=[BUCKETS],
       evaluates="GetBucketAcl and GetBucketPolicy as the CIS audit reads them: FAIL when the ACL is public-read or "
                 "public-read-write, or when a bucket-policy statement allows everyone (Principal *, or [] which OSS "
                 "reads as *), whatever its conditions and whatever Block Public Access says; ERROR when an unread "
                 "setting leaves that undecided; PASS otherwise. Whether the bucket is reachable from the internet "
                 "(Block Public Access, restricting conditions) is oss_bucket_not_exposed.",
       cis_audit="Under ACL section, ensure the Bucket ACL is set to Private. Using Bucket Policy: ... ensure the "
                 "Anonymous Accounts (*) is selected under Accounts and None is selected under Authorized Operation.")
def bucket_not_public(inp: Inputs) -> Iterator[Result]:
    for b in _inventory(inp).buckets:
        yield _literal_public(b)


@check(id="oss_bucket_not_exposed", severity="critical",
       title="OSS buckets are not readable or writable by anyone on the internet",
       risk="Anyone on the Internet can list, read (or write) the bucket's data; leaked data and abuse of "
            "public-read-write buckets for malware hosting follow.",
       console="OSS console > the bucket > Permission Control: set ACL to Private, remove bucket policy "
               "statements granting * without an IP/VPC condition, and turn on Block Public Access.",
       cli="aliyun oss set-acl oss://<bucket> private -b; " + BLOCK_CLI,
       events=EXPOSURE_EVENTS, needs=[BUCKETS],
       evaluates="FAIL when the bucket is public, PASS when not: " + _EXPOSURE + ". No CIS id: beyond the 5.1 "
                 "audit's reading (oss_bucket_not_publicly_accessible), a grant to * that such a condition restricts "
                 "passes, and Block Public Access counts.",
       source="CIS 5.1's intent judged as OSS evaluates access: OSS Block Public Access "
              "(https://www.alibabacloud.com/help/en/oss/user-guide/block-public-access) and bucket policy "
              "(https://www.alibabacloud.com/help/en/oss/user-guide/authorization-syntax-and-elements)")
def bucket_not_exposed(inp: Inputs) -> Iterator[Result]:
    inv = _inventory(inp)
    for b in inv.buckets:
        yield _exposure_result(b, inv)[1]


@check(id="oss_bucket_objects_not_public", severity="high",
       title="Ensure that there are no publicly accessible objects in storage buckets",
       risk="An object ACL of public-read makes that object readable by anyone even in a private bucket.",
       console="Turn on Block Public Access for the account or bucket (it overrides public object ACLs); "
               "otherwise review object ACLs (OSS console > Files > the object > Set ACL).",
       cli="aliyun oss public-access-block --method put --block-public-access true; "
           "ossutil ls oss://<bucket> -r then ossutil stat oss://<bucket>/<object> (check ACL)",
       cis=["5.2"], events=EXPOSURE_EVENTS + ["PutObjectAcl"], needs=[BUCKETS],
       evaluates="FAIL when the bucket is public (" + _EXPOSURE + "); PASS when Block Public Access (bucket or "
                 "account) makes object ACLs ineffective; otherwise MANUAL: object ACLs are per object.",
       cis_audit="Click on View details in the right column on a target object. Ensure File ACL is set to private.")
def objects_not_public(inp: Inputs) -> Iterator[Result]:
    inv = _inventory(inp)
    for b in inv.buckets:
        e, res = _exposure_result(b, inv)
        if e.state == "public":
            yield _result(b, FAIL, "the bucket's objects are public through " + "; ".join(e.reasons))
        elif e.state == "private" and e.blocked_by:
            yield _result(b, PASS, f"{e.blocked_by}-level Block Public Access makes public object ACLs ineffective")
        elif e.state == "unknown":
            yield res
        else:
            # object ACLs are per object: listing every object's ACL is no audit an API can afford
            yield _result(b, MANUAL, "the bucket is private but Block Public Access is off, so individual objects "
                          "may have a public-read ACL: enable Block Public Access, or check object ACLs with "
                          "'ossutil stat' / GetObjectAcl")


# --- CIS 5.3 ---------------------------------------------------------------------------------------

@check(id="oss_bucket_logging_enabled", severity="medium", title="Ensure that logging is enabled for OSS buckets",
       risk="Without access logs, reads and writes of the bucket's data cannot be investigated.",
       console="OSS console > the bucket > Logging > Log Storage: enable, choose a target bucket and prefix.",
       cli="aliyun oss logging --method put oss://<bucket> oss://<log-bucket>/<prefix>",
       cis=["5.3"], events=["PutBucketLogging", "DeleteBucketLogging", "PutBucket"], needs=[BUCKETS],
       evaluates="GetBucketLogging of every bucket: PASS when a TargetBucket is set (access logging on), FAIL when "
                 "not; ERROR when the logging setting could not be read.",
       cis_audit="OSS console > the bucket: under Log, ensure Enabled is checked.")
def logging_enabled(inp: Inputs) -> Iterator[Result]:
    for b in _inventory(inp).buckets:
        err = _unreadable(b, "logging")
        if err:
            yield err
        elif b.logging_target:
            yield _result(b, PASS, f"access logging to bucket {b.logging_target}")
        else:
            yield _result(b, FAIL, "access logging is off")


# --- CIS 5.4, 5.5, 5.6 -----------------------------------------------------------------------------

HTTPS_POLICY = ('{"Version":"1","Statement":[{"Effect":"Deny","Principal":["*"],"Action":["oss:*"],'
                '"Resource":["acs:oss:*:<account>:<bucket>","acs:oss:*:<account>:<bucket>/*"],'
                '"Condition":{"Bool":{"acs:SecureTransport":["false"]}}}]}')


@check(id="oss_bucket_secure_transport_enabled", severity="high",
       title="Ensure that 'Secure transfer required' is set to 'Enabled'",
       risk="Requests over plain HTTP expose data and signed URLs to anyone on the network path.",
       console="OSS console > the bucket > Permission Control > Bucket Policy: add a Deny for all users and "
               "all actions when acs:SecureTransport is false.",
       cli=f"aliyun oss bucket-policy --method put oss://<bucket> policy.json  with {HTTPS_POLICY}",
       cis=["5.4"], events=POLICY_EVENTS, needs=[BUCKETS],
       evaluates="GetBucketPolicy: PASS when a statement Denies everyone (Principal `*` or an empty list `[]`) "
                 "every OSS action (`oss:*` or `*`) on the bucket's objects (`<bucket>/*` or wider) with a single "
                 "condition acs:SecureTransport false (Bool or StringEquals); no NotAction/NotResource. An Allow "
                 "over HTTPS does not count (other grants still allow HTTP).",
       cis_audit="Click on Authorize. Ensure a policy is set to None (Authorized Operation) and http (Conditions: "
                 "Access Method).")
def secure_transport(inp: Inputs) -> Iterator[Result]:
    for b in _inventory(inp).buckets:
        err = _unreadable(b, "policy")
        if err:
            yield err
            continue
        ok, why = https_enforced(b.policy, b.name)
        yield _result(b, PASS if ok else FAIL, why if ok else f"HTTP is allowed: {why}")


@check(id="oss_signed_url_short_expiry", severity="medium",
       title="Ensure that the shared URL signature expires within an hour",
       risk="A long-lived signed URL that leaks gives access to the object until it expires.",
       console="No bucket setting caps signed-URL lifetime: review the applications that sign URLs.",
       cli="oss2: bucket.sign_url('GET', key, 3600); ossutil sign oss://<bucket>/<key> --timeout 3600",
       cis=["5.5"], needs=[BUCKETS],
       evaluates="One account-level result: PASS when the account has no bucket, else MANUAL, since OSS has no "
                 "server-side setting that limits a signed URL's lifetime (it is chosen by whoever signs); nothing "
                 "per object is read.",
       cis_audit="For a target object, View Details: ensure Validity Period is set to less than 3600.")
def signed_url_expiry(inp: Inputs) -> Iterator[Result]:
    buckets = _inventory(inp).buckets
    if not buckets:
        yield Result(status=PASS, resource_id=inp.account_id, resource_type="oss:account",
                     message="the account has no OSS bucket to sign URLs for")
        return
    yield Result(status=MANUAL, resource_id=inp.account_id, resource_type="oss:account",
                 message=f"OSS has no server-side limit on signed-URL lifetime ({len(buckets)} buckets): check "
                         "that applications sign URLs with expires <= 3600 s, or sign with STS tokens whose "
                         "DurationSeconds <= 3600 (the URL dies with the token)")


@check(id="oss_signed_url_https_only", severity="medium",
       title="Ensure that URL signature is allowed only over https",
       risk="Signed URLs used over HTTP can be captured and replayed until they expire.",
       console="Add the acs:SecureTransport Deny bucket policy (CIS 5.4), which refuses signed URLs over HTTP too; "
               "sign URLs with an https:// endpoint.",
       cli=f"aliyun oss bucket-policy --method put oss://<bucket> policy.json  with {HTTPS_POLICY}",
       cis=["5.6"], events=POLICY_EVENTS, needs=[BUCKETS],
       evaluates="GetBucketPolicy, as oss_bucket_secure_transport_enabled reads it: PASS when a Deny to everyone of "
                 "every OSS action on the bucket's objects under acs:SecureTransport false refuses HTTP (signed URLs "
                 "included); otherwise MANUAL, since whether applications sign https:// URLs is not visible; ERROR "
                 "when the policy could not be read.",
       cis_audit="For a target object, View Details: ensure HTTPS is set to Enabled.")
def signed_url_https(inp: Inputs) -> Iterator[Result]:
    for b in _inventory(inp).buckets:
        err = _unreadable(b, "policy")
        if err:
            yield err
            continue
        ok, why = https_enforced(b.policy, b.name)
        if ok:
            yield _result(b, PASS, f"signed URLs work over HTTPS only: {why}")
        else:
            yield _result(b, MANUAL, "the bucket accepts HTTP, so signed URLs over HTTP work: check that "
                          "applications sign https:// URLs, or add the acs:SecureTransport Deny (CIS 5.4)")


# --- CIS 5.7 ---------------------------------------------------------------------------------------

@check(id="oss_bucket_network_access_restricted", severity="high",
       title="Ensure network access rule for storage bucket is not set to publicly accessible",
       risk="A bucket reachable from any network, or a policy allowing any source IP, exposes the data to "
            "every network on the Internet.",
       console="OSS console > the bucket > Bucket Policy: limit grants with acs:SourceIp to your ranges or "
               "acs:SourceVpc to your VPCs; keep the ACL private.",
       cli='policy Condition: {"IpAddress":{"acs:SourceIp":["203.0.113.0/24"]}} or '
           '{"StringEquals":{"acs:SourceVpc":["vpc-xxx"]}}',
       cis=["5.7"], events=EXPOSURE_EVENTS, needs=[BUCKETS],
       evaluates="FAIL when the bucket is public (" + _EXPOSURE + "), or a grant to named principals allows "
                 "acs:SourceIp ranges wider than /8 (IPv6 /32), or when no bucket-policy statement limits access to "
                 "given networks (an Allow conditioned on acs:SourceIp or acs:SourceVpc, or a Deny to everyone "
                 "outside them): the audit asks for such a policy, and 'Not set' is the benchmark's default, not its "
                 "recommendation; PASS when one does, naming the network restrictions; ERROR when the policy (or a "
                 "setting that could make the bucket public) could not be read.",
       cis_audit="Click on Authorize. Ensure a policy is set to be granted to public internet IP address ranges. "
                 "(Remediation: Whole Bucket, *, Condition IP = specified IP address or IP address segment; default "
                 "value: Not set.)")
def network_restricted(inp: Inputs) -> Iterator[Result]:
    inv = _inventory(inp)
    for b in inv.buckets:
        e, res = _exposure_result(b, inv)
        if e.state == "unknown":
            yield res
            continue
        open_, restricted = network_rules(b.policy, b.name)
        reasons = e.reasons + open_
        if reasons:
            yield _result(b, FAIL, "open to any network: " + "; ".join(reasons))
        elif err := _unreadable(b, "policy"):  # (Block Public Access makes the exposure known without it)
            yield err
        elif restricted:
            yield _result(b, PASS, "network access limited to " + "; ".join(sorted(set(restricted))))
        else:
            yield _result(b, FAIL, "no bucket policy limits access to given networks (acs:SourceIp or acs:SourceVpc): "
                          "any network can reach the bucket with valid credentials")


# --- CIS 5.8, 5.9 and default encryption -------------------------------------------------------------

ENCRYPTION_EVENTS = ["PutBucketEncryption", "DeleteBucketEncryption", "PutBucket"]


def _own_key(b: BucketInfo) -> str | None:
    """The customer's KMS key, if the bucket names one. Service keys go by 'alias/acs/<service>'."""
    key = b.kms_key_id if b.sse_algorithm == "KMS" else None
    return key if key and kms_key_ref(key) != "service" else None


@check(id="oss_bucket_encrypted_with_service_key", severity="medium",
       title="Ensure server-side encryption is set to Encrypt with Service Key",
       risk="Without SSE-KMS, data at rest is not protected by KMS-managed keys and key use is not audited.",
       console="OSS console > the bucket > Server-side Encryption: KMS (the default OSS-managed KMS key).",
       cli="aliyun oss bucket-encryption --method put oss://<bucket> --sse-algorithm KMS",
       cis=["5.8"], events=ENCRYPTION_EVENTS, needs=[BUCKETS],
       evaluates="GetBucketEncryption SSEAlgorithm: PASS when KMS, with the service key (no KMSMasterKeyID, or an "
                 "alias/acs/ one) or with a customer key, which is counted as beyond the service key although the "
                 "audit names alias/acs/oss; FAIL for AES256/SM4 (OSS-managed) or no default encryption; ERROR when "
                 "it could not be read.",
       cis_audit="Under Server-side Encryption, ensure Bucket Encryption is set to KMS and the Encryption Method of "
                 "KMS and the service key (alias/acs/oss) is selected.")
def sse_service_key(inp: Inputs) -> Iterator[Result]:
    for b in _inventory(inp).buckets:
        err = _unreadable(b, "encryption")
        if err:
            yield err
        elif b.sse_algorithm == "KMS":
            yield _result(b, PASS, f"SSE-KMS with your key {_own_key(b)} (beyond the service key)" if _own_key(b)
                          else "SSE-KMS with the KMS service key")
        elif b.sse_algorithm:
            yield _result(b, FAIL, f"default encryption {b.sse_algorithm} uses OSS-managed keys, not KMS")
        else:
            yield _result(b, FAIL, "no default server-side encryption")


# The 5.9 key: GetBucketEncryption documents KMSMasterKeyID as "CMK ID used for encryption. Returned only when
# SSEAlgorithm is KMS and a CMK ID is specified. Otherwise null." (https://www.alibabacloud.com/help/en/oss/
# developer-reference/getbucketencryption). The key ID is the documented form; a key ARN (ListKeys KeyArn,
# acs:kms:<region>:<uid>:key/<id>) is matched as well, and an alias (alias/<name>, or an ARN ending alias/<name>)
# is named by no field of the keys dataset, except the service aliases alias/acs/<service> CIS 5.8 names
# (collectors.oss.kms_key_ref tells them apart).
# "Only CMKs in the Enabled state support cryptographic operations such as encrypting and decrypting data or data
# keys" (KMS "Impact of CMK status on API operations", https://www.alibabacloud.com/help/en/kms/key-management-
# service/developer-reference/impact-of-cmk-status-on-api-operations)
_KEY_USABLE = "Enabled"


def _byok_key(b: BucketInfo, inv: OssInventory) -> Result:
    """The 5.9 verdict of a bucket whose default encryption is KMS with a named key, from the account's KMS keys of
    the bucket's region."""
    ref = str(b.kms_key_id)
    kind = kms_key_ref(ref)
    if kind == "service":
        return _result(b, FAIL, f"SSE-KMS with the service key {ref}, not a key you created")
    if kind == "alias":
        return _result(b, MANUAL, f"SSE-KMS with key alias {ref}: the KMS keys are listed by ID and ARN, not by "
                       "alias; check in the KMS console that the alias names an Enabled key your account created")
    if b.region in inv.kms_keys_error:
        return _result(b, ERROR, f"SSE-KMS with key {ref}, but the KMS keys of {b.region} could not be read: "
                       f"{inv.kms_keys_error[b.region]}")
    key = next((k for k in inv.kms_keys.get(b.region, []) if ref in (k.id, k.arn)), None)
    if key is None:
        return _result(b, MANUAL, f"SSE-KMS with key {ref}, which is not among the account's KMS keys in "
                       f"{b.region} (another account's key?): check in that account's KMS console that it is a key "
                       "its owner created and that it is Enabled")
    if key.error:
        return _result(b, ERROR, f"SSE-KMS with key {ref}, which KMS could not describe: {key.error}")
    if not key.creator or not key.state:
        missing = " and ".join(f for f, v in (("Creator", key.creator), ("KeyState", key.state)) if not v)
        return _result(b, ERROR, f"SSE-KMS with key {ref}, but DescribeKey did not answer its {missing}")
    if not key.customer_managed:
        return _result(b, FAIL, f"SSE-KMS with key {ref}, a service key (created by {key.creator}), not a key "
                       "you created")
    if key.state != _KEY_USABLE:
        return _result(b, FAIL, f"SSE-KMS with your key {ref}, but the key is {key.state}: only an Enabled key "
                       "encrypts, so new objects cannot be encrypted with it")
    origin = "imported key material" if key.origin == "EXTERNAL" else "KMS-generated key material"
    return _result(b, PASS, f"SSE-KMS with your Enabled key {ref} ({origin})")


@check(id="oss_bucket_encrypted_with_byok", severity="medium",
       title="Ensure server-side encryption is set to Encrypt with BYOK",
       risk="With service-managed keys you cannot disable, rotate on your schedule or restrict use of the key.",
       console="KMS console: create a customer master key; OSS console > the bucket > Server-side Encryption: "
               "KMS with that key ID.",
       cli="aliyun oss bucket-encryption --method put oss://<bucket> --sse-algorithm KMS "
           "--kms-masterkey-id <key-id>",
       cis=["5.9"], events=ENCRYPTION_EVENTS + ["DisableKey", "EnableKey", "ScheduleKeyDeletion",
                                                "CancelKeyDeletion", "DeleteKeyMaterial", "ImportKeyMaterial"],
       needs=[BUCKETS],
       evaluates="The audit asks that \"the target OSS Bucket Encryption is set to KMS and a customer created KMS key "
                 "ID is specified in the KMS Key Id field\". GetBucketEncryption: FAIL for AES256/SM4, no default "
                 "encryption, KMS with no KMSMasterKeyID (the service key) or an alias/acs/ service alias; a "
                 "KMSMasterKeyID (key ID or key ARN) is looked up among the account's KMS keys of the bucket's region "
                 "(ListKeys, DescribeKey): PASS for an Enabled key the account created (DescribeKey Creator is the "
                 "account id), FAIL for a service key (Creator a cloud service) and for a key that is Disabled, "
                 "PendingDeletion or PendingImport (only Enabled keys encrypt, KMS documentation), MANUAL when the "
                 "key is not among them (another account's key) or is named by an alias, which the keys dataset "
                 "does not list; ERROR when the encryption, the region's keys, or the key's Creator or KeyState "
                 "could not be read.",
       cis_audit="Under Server-side Encryption, ensure Bucket Encryption is set to KMS and a customer created KMS key"
                 " ID is specified in the KMS Key Id field.")
def sse_byok(inp: Inputs) -> Iterator[Result]:
    inv = _inventory(inp)
    for b in inv.buckets:
        err = _unreadable(b, "encryption")
        if err:
            yield err
        elif b.sse_algorithm == "KMS" and b.kms_key_id:
            yield _byok_key(b, inv)
        elif b.sse_algorithm == "KMS":
            yield _result(b, FAIL, "SSE-KMS with the OSS-managed KMS key, not your own key")
        else:
            yield _result(b, FAIL, f"default encryption is {b.sse_algorithm or 'off'}, not KMS with your own key")


@check(id="oss_bucket_default_encryption_enabled", severity="medium",
       title="Ensure OSS buckets have default server-side encryption",
       risk="Objects uploaded without encryption headers are stored unencrypted.",
       console="OSS console > the bucket > Server-side Encryption: OSS-Managed (AES256 or SM4) or KMS.",
       cli="aliyun oss bucket-encryption --method put oss://<bucket> --sse-algorithm AES256",
       events=ENCRYPTION_EVENTS, needs=[BUCKETS],
       evaluates="GetBucketEncryption SSEAlgorithm: PASS for any default encryption (AES256, SM4 or KMS), FAIL when "
                 "none; ERROR when it could not be read.",
       source="Prowler oss_bucket_server_side_encryption_enabled; Cloud Config oss-default-encryption-kms asks for "
              "KMS (oss_bucket_encrypted_with_byok)")
def default_encryption(inp: Inputs) -> Iterator[Result]:
    for b in _inventory(inp).buckets:
        err = _unreadable(b, "encryption")
        if err:
            yield err
        else:  # SM4 counts: it is OSS's national-standard algorithm, as strong a default as AES256
            yield _result(b, PASS if b.sse_algorithm else FAIL,
                          f"default encryption {b.sse_algorithm}" if b.sse_algorithm else "no default encryption")


# --- versioning ------------------------------------------------------------------------------------

@check(id="oss_bucket_versioning_enabled", severity="medium", title="Ensure versioning is enabled for OSS buckets",
       risk="Without versioning, an overwrite or delete (mistaken or malicious) destroys the data for good.",
       console="OSS console > the bucket > Redundancy for Fault Tolerance > Versioning: Enable.",
       cli="aliyun oss bucket-versioning --method put oss://<bucket> enabled",
       events=["PutBucketVersioning", "PutBucket"], needs=[BUCKETS],
       evaluates="GetBucketVersioning Status: PASS when Enabled, FAIL when Suspended or never enabled; ERROR when it "
                 "could not be read.",
       source="Cloud Config oss-bucket-versioning-enabled; Prowler oss_bucket_versioning_enabled")
def versioning_enabled(inp: Inputs) -> Iterator[Result]:
    for b in _inventory(inp).buckets:
        err = _unreadable(b, "versioning")
        if err:
            yield err
        else:
            yield _result(b, PASS if b.versioning == "Enabled" else FAIL,
                          f"versioning {b.versioning or 'never enabled'}")


# --- Block Public Access, policy grants -------------------------------------------------------------

@check(id="oss_account_public_access_block_enabled", severity="high",
       title="Ensure OSS Block Public Access is enabled for the account",
       risk="Without the account-level block, one public ACL or policy on any bucket exposes its data.",
       console="OSS console > Overview > Block Public Access: turn on.",
       cli="aliyun oss public-access-block --method put --block-public-access true",
       events=["PutPublicAccessBlock", "DeletePublicAccessBlock"], needs=[BUCKETS],
       evaluates="The account's GetPublicAccessBlock BlockPublicAccess: PASS when true, FAIL when false (as OSS "
                 "answers when it was never set); ERROR when it could not be read or the answer has no "
                 "BlockPublicAccess element (unknown, never taken as off).",
       source="OSS Block Public Access (https://www.alibabacloud.com/help/en/oss/user-guide/block-public-access)")
def account_block(inp: Inputs) -> Iterator[Result]:
    inv = _inventory(inp)
    base = {"resource_id": inp.account_id, "resource_type": "oss:account"}
    if inv.account_block is None:
        yield Result(status=ERROR, message=f"could not read the account's public access block: "
                                           f"{inv.account_block_error}", **base)
    else:
        yield Result(status=PASS if inv.account_block else FAIL, **base,
                     message="account-level Block Public Access is on" if inv.account_block
                     else "account-level Block Public Access is off")


@check(id="oss_bucket_public_access_block_enabled", severity="medium",
       title="Ensure OSS Block Public Access is enabled for every bucket",
       risk="A bucket without Block Public Access becomes public with one ACL or policy change.",
       console="OSS console > the bucket > Permission Control > Block Public Access: turn on "
               "(or turn it on for the whole account).",
       cli=BLOCK_CLI, events=EXPOSURE_EVENTS, needs=[BUCKETS],
       evaluates="Each bucket: PASS when GetBucketPublicAccessBlock or the account's GetPublicAccessBlock has "
                 "BlockPublicAccess true; FAIL when both are off; ERROR when either could not be read (an answer "
                 "without the BlockPublicAccess element included: unknown, never off) and neither is known on.",
       source="OSS Block Public Access (https://www.alibabacloud.com/help/en/oss/user-guide/block-public-access)")
def bucket_block(inp: Inputs) -> Iterator[Result]:
    inv = _inventory(inp)
    for b in inv.buckets:
        if b.block_public_access or inv.account_block:
            yield _result(b, PASS, "Block Public Access is on " + ("for the bucket" if b.block_public_access
                                                                   else "for the account"))
        elif "public_access_block" in b.errors or inv.account_block is None:
            unknown = b.missing("public_access_block") + (
                [f"account: {inv.account_block_error}"] if inv.account_block is None else [])
            yield _result(b, ERROR, "could not read " + "; ".join(unknown))
        else:
            yield _result(b, FAIL, "Block Public Access is off for the bucket and the account")


@check(id="oss_bucket_policy_no_public_grant", severity="high",
       title="Ensure bucket policies grant nothing to everyone (*) without a restricting condition",
       risk="A grant to * limited only by Referer or User-Agent is public: any client can send those headers. "
            "Block Public Access may hide it today, but turning the block off exposes the data at once.",
       console="OSS console > the bucket > Bucket Policy: name principals, or add acs:SourceIp / acs:SourceVpc "
               "conditions; Referer hotlink rules are not access control.",
       cli="aliyun oss bucket-policy --method put oss://<bucket> policy.json",
       events=POLICY_EVENTS, needs=[BUCKETS],
       evaluates="GetBucketPolicy alone (ACL and Block Public Access aside): FAIL on every grant to everyone that "
                 "nothing restricts: " + _GRANTS + ". No CIS id: the latent exposure behind Block Public Access "
                 "(the message tells which grants the block ignores for now and which it leaves in force).",
       source="Cloud Config oss-bucket-public-read-prohibited and oss-bucket-public-write-prohibited (the bucket "
              "policy side)")
def policy_public_grant(inp: Inputs) -> Iterator[Result]:
    inv = _inventory(inp)
    for b in inv.buckets:
        err = _unreadable(b, "policy")
        if err:
            yield err
            continue
        grants = public_grants(b.policy, b.name)
        if not grants:
            to_all = any(effect(st) == "allow" and to_everyone(st) for st in statements(b.policy))
            yield _result(b, PASS, "no bucket policy" if b.policy is None
                          else "every grant to * is restricted by source IP, VPC or AccessKey" if to_all
                          else "the bucket policy grants nothing to *")
        else:
            if b.block_public_access or inv.account_block:  # (it ignores only what OSS itself calls public)
                standing, ignored = grants_under_block(b.policy, b.name)
                grants = standing + [g + " (Block Public Access ignores it for now)" for g in ignored]
            yield _result(b, FAIL, "; ".join(grants))


# --- CIS 2.2 ---------------------------------------------------------------------------------------

def _trail_buckets(inp: Inputs) -> Iterator[Result | tuple[list[str], BucketInfo]]:
    """Each bucket trails deliver to, with its trails' names; a finished Result instead for a bucket of another
    account (MANUAL) and when no trail delivers to OSS (PASS)."""
    trails: list[TrailInfo] = inp[TRAILS]
    inv = _inventory(inp)
    by_bucket: dict[str, list[str]] = {}
    for t in trails:
        if t.oss_bucket and t.name not in by_bucket.setdefault(t.oss_bucket, []):
            by_bucket[t.oss_bucket].append(t.name)  # shadow trails repeat the home trail's name
    if not by_bucket:
        yield Result(status=PASS, resource_id=inp.account_id, resource_type="actiontrail:trail",
                     message="no trail delivers to an OSS bucket")
    for name, names in sorted(by_bucket.items()):
        b = inv.bucket(name)
        yield (names, b) if b else Result(
            status=MANUAL, resource_id=name, resource_type=_RTYPE, resource_name=", ".join(names),
            message=f"trail {', '.join(names)} delivers to bucket {name}, which the audited account does not own: "
                    "audit it in its owner account")


def _trail_result(res: Result, names: list[str]) -> Result:
    return res.model_copy(update={"resource_name": ", ".join(names),
                                  "message": f"trail {', '.join(names)}: {res.message}"})


_TRAIL_CONSOLE = ("OSS console > the trail's bucket > Permission Control: ACL Private, no unrestricted * grants, "
                  "Block Public Access on.")
_TRAIL_CLI = "aliyun oss set-acl oss://<trail-bucket> private -b; " + BLOCK_CLI
_TRAIL_RISK = ("Public audit logs reveal the account's activity to attackers, and a writable one lets them erase "
               "their traces.")
_TRAIL_EVENTS = EXPOSURE_EVENTS + ["CreateTrail", "UpdateTrail", "DeleteTrail"]


@check(id="oss_trail_bucket_not_public", severity="critical",
       title="Ensure the OSS used to store ActionTrail logs is not publicly accessible",
       risk=_TRAIL_RISK, console=_TRAIL_CONSOLE, cli=_TRAIL_CLI, cis=["2.2"], events=_TRAIL_EVENTS,
       needs=[TRAILS, BUCKETS],
       evaluates="The OssBucketName of every trail (DescribeTrails with shadow and multi-account trails): its "
                 "GetBucketAcl as the CIS audit reads it, FAIL for public-read or public-read-write, PASS for "
                 "private, whatever Block Public Access says; ERROR when the ACL could not be read; MANUAL for a "
                 "bucket the audited account does not own. Whether the bucket is reachable from the internet (its "
                 "policy too) is oss_trail_bucket_not_exposed.",
       cis_audit="For each bucket noted in step 3 ... The Bucket ACL tab shows three kind of grants, Private Public "
                 "Read, Public Read/Write. Ensure Private be set to the bucket.")
def trail_bucket_not_public(inp: Inputs) -> Iterator[Result]:
    for item in _trail_buckets(inp):
        if isinstance(item, Result):
            yield item
            continue
        names, b = item
        res = _unreadable(b, "acl") or (_result(b, FAIL, f"bucket ACL is {b.acl}") if b.acl in PUBLIC_ACLS
                                        else _result(b, PASS, f"bucket ACL is {b.acl}"))
        yield _trail_result(res, names)


@check(id="oss_trail_bucket_not_exposed", severity="critical",
       title="The OSS bucket that stores ActionTrail logs is not readable or writable by anyone on the internet",
       risk=_TRAIL_RISK, console=_TRAIL_CONSOLE, cli=_TRAIL_CLI, events=_TRAIL_EVENTS, needs=[TRAILS, BUCKETS],
       evaluates="the OssBucketName of every trail (DescribeTrails with shadow and multi-account trails), judged "
                 "as oss_bucket_not_exposed does (" + _EXPOSURE + "); MANUAL for a bucket the audited "
                 "account does not own. No CIS id: the 2.2 audit reads the ACL alone (oss_trail_bucket_not_public).",
       source="CIS 2.2's intent judged as OSS evaluates access (oss_bucket_not_exposed)")
def trail_bucket_not_exposed(inp: Inputs) -> Iterator[Result]:
    inv = _inventory(inp)
    for item in _trail_buckets(inp):
        yield item if isinstance(item, Result) else _trail_result(_exposure_result(item[1], inv)[1], item[0])


# --- the auditor's own report buckets ---------------------------------------------------------------

@check(id="oss_report_bucket_secured", severity="high",
       title="Ensure the auditor's report buckets are private, encrypted and versioned",
       risk="Audit reports map every weakness of the account; a readable or overwritable report bucket hands "
            "that map to an attacker or lets findings be altered.",
       console="For each bucket in the report_buckets setting: ACL Private, Block Public Access on, default "
               "encryption, versioning Enabled.",
       cli="aliyun oss set-acl oss://<bucket> private -b; aliyun oss bucket-encryption --method put "
           "oss://<bucket> --sse-algorithm KMS; aliyun oss bucket-versioning --method put oss://<bucket> enabled",
       events=EXPOSURE_EVENTS + ENCRYPTION_EVENTS + ["PutBucketVersioning"], needs=[BUCKETS],
       evaluates="Each bucket named in the report_buckets setting (no result when the setting is empty): FAIL when it"
                 " is public (as oss_bucket_not_exposed judges), has no default encryption or versioning "
                 "is not Enabled; PASS when private, encrypted and versioned; MANUAL for a bucket the audited account"
                 " does not own; ERROR when a setting could not be read.",
       source="aliaudit's own trust boundary: the bucket its findings are written to (docs/security.md)")
def report_buckets(inp: Inputs) -> Iterator[Result]:
    inv = _inventory(inp)
    for name in inp.config.report_buckets:
        b = inv.bucket(name)
        if b is None:
            yield Result(status=MANUAL, resource_id=name, resource_type=_RTYPE,
                         message="report bucket not owned by the audited account: audit it in its owner account")
            continue
        err = _unreadable(b, "encryption", "versioning")
        e = public_exposure(b, inv.account_block, inv.account_block_error)
        if err:
            yield err
        elif e.state == "unknown":
            yield _result(b, ERROR, "cannot tell whether the bucket is public: could not read " + "; ".join(e.unknown))
        else:
            problems = (["public: " + "; ".join(e.reasons)] if e.state == "public" else []) + (
                [] if b.sse_algorithm else ["not encrypted"]) + (
                [] if b.versioning == "Enabled" else [f"versioning {b.versioning or 'never enabled'}"])
            yield _result(b, FAIL if problems else PASS, "; ".join(problems) if problems
                          else f"private, encrypted ({b.sse_algorithm}) and versioned")


# --- access points ------------------------------------------------------------------------------------------------

_AP_RULE = ("a request through an access point needs both the access point policy and the bucket policy (merged "
            "with RAM, which an anonymous caller has none of) to allow it (\"Relationships among the access point "
            "policy, bucket policy, and RAM policy\", https://www.alibabacloud.com/help/en/oss/user-guide/"
            "relationship-between-ap-policy-bucket-policy-and-ram-policy)")


@check(id="oss_access_point_not_public", severity="medium",
       title="Ensure OSS access points reachable from the internet do not grant access to everyone",
       risk="An access point is a second door into its bucket with its own policy: a policy granting `*` on an "
            "internet access point, together with a bucket policy that delegates to it, publishes the bucket's data "
            "even when the bucket's own ACL is private.",
       console="OSS console > the bucket > Access Points: narrow the access point policy's Principal, or turn on Block "
               "Public Access for the access point (or bucket, or account); prefer NetworkOrigin VPC.",
       cli="aliyun oss api DeleteAccessPointPolicy --bucket <bucket> --access-point-name <name>  (or "
           "PutAccessPointPublicAccessBlock ... BlockPublicAccess true)",
       events=["CreateAccessPoint", "DeleteAccessPoint", "PutAccessPointPolicy", "DeleteAccessPointPolicy",
               "PutAccessPointPublicAccessBlock", "DeleteAccessPointPublicAccessBlock", "PutBucketPublicAccessBlock",
               "DeleteBucketPublicAccessBlock", "PutPublicAccessBlock", "DeletePublicAccessBlock", "PutBucketPolicy",
               "DeleteBucketPolicy"],
       needs=[ACCESS_POINTS, BUCKETS],
       source="OSS access points (https://www.alibabacloud.com/help/en/oss/user-guide/access-point); follows "
              "aliaudit's bucket-policy public-grant analysis (bucket_policy.public_grants)",
       evaluates="Each access point of each bucket (ListAccessPoints on the bucket's endpoint): PASS when its "
                 "NetworkOrigin is vpc (reachable from its VPC only); for internet access points, PASS when its policy "
                 "(GetAccessPointPolicy) has no Allow statement to Principal * that no strong condition or fencing "
                 "Deny restricts (the same analysis as bucket policies), or when Block Public Access is on (the access "
                 "point's own GetAccessPointPublicAccessBlock, its bucket's, or the account's) and ignores every such "
                 "grant (it ignores only the statements OSS calls public; those it calls non-public, as for buckets, "
                 "stay in force on both policies); otherwise, since "
                 + _AP_RULE + ", FAIL only when the bucket policy (GetBucketPolicy) also grants everyone an action on "
                 "a resource the access point grant covers (a grant to * conditioned only on the access point keys, "
                 "the documented delegation, counts), and PASS when it grants no such thing (the access point grant "
                 "is inert). The bucket ACL is not consulted: the documentation names only the RAM and bucket "
                 "policies for access-point requests (\"By default, an access point cannot access bucket resources. "
                 "You must first configure permission delegation in the bucket policy\", the access point guide), "
                 "and a public ACL is oss_bucket_not_exposed's FAIL. ERROR when the access point policy, or (with "
                 "public grants) the bucket policy or a Block Public Access setting that could change the verdict "
                 "could not be read (an answer without BlockPublicAccess is unread). An unknown NetworkOrigin is "
                 "MANUAL.")
def access_point_not_public(inp: Inputs) -> Iterator[Result]:
    points: list[AccessPointInfo] = inp[ACCESS_POINTS]
    inv = _inventory(inp)
    for ap in points:
        yield _access_point_verdict(ap, inv)


def _access_point_verdict(ap: AccessPointInfo, inv: OssInventory) -> Result:
    def result(status: Status, message: str) -> Result:
        return Result(status=status, resource_id=f"{ap.bucket}/{ap.name}", resource_type="oss:access-point",
                      resource_name=ap.name, region=ap.region, message=message)

    if ap.network_origin == "vpc":
        return result(PASS, f"reachable from VPC {ap.vpc_id or '(unnamed)'} only")
    if ap.network_origin != "internet":
        return result(MANUAL, f"NetworkOrigin {ap.network_origin or '(none)'} is not a documented value")
    if "policy" in ap.errors:
        return result(ERROR, f"could not read the access point policy: {ap.errors['policy']}")
    grants = public_grants(ap.policy, ap.name, direct=False)  # (its requests carry the access point keys)
    if not grants:
        return result(PASS, "internet access point whose policy grants nothing to everyone"
                      if ap.policy else "internet access point without a policy")
    bucket = inv.bucket(ap.bucket)
    blocks = {"access point": ap.block_public_access, "bucket": bucket.block_public_access if bucket else None,
              "account": inv.account_block}
    on = [level for level, value in blocks.items() if value]
    if on and not grants_under_block(ap.policy, ap.name, direct=False)[0]:
        return result(PASS, f"public grants neutralised by {on[0]}-level Block Public Access: " + "; ".join(grants))
    if bucket is None or "policy" in bucket.errors:
        why = bucket.errors["policy"] if bucket else "the bucket was not read"
        return result(ERROR, "the access point policy grants access to everyone, and whether the bucket policy "
                             f"allows it too is unknown: could not read the bucket policy ({why})")
    public, inert = access_point_public_grants(ap.policy, ap.name, bucket.policy, bucket.name, ap_blocked=bool(on),
                                               bucket_blocked=bool(blocks["bucket"] or blocks["account"]))
    if not public:
        acl = f" (its ACL {bucket.acl} is the bucket's own exposure, not the access point's)" \
            if bucket.acl in PUBLIC_ACLS else ""
        return result(PASS, "the bucket policy grants none of it to everyone, so the access point grant is inert: "
                      + "; ".join(inert) + acl)
    unread = [f"{level} Block Public Access" for level, value in blocks.items() if value is None]
    if unread and not on:  # (a block that is on already left only what no block stops)
        return result(ERROR, "the access point and bucket policies grant access to everyone, and whether Block "
                             "Public Access stops it is unknown: could not read " + ", ".join(unread))
    return result(FAIL, "internet access point open to everyone: " + "; ".join(public) + (
        f" ({on[0]}-level Block Public Access leaves these in force: OSS does not call them public)" if on else ""))
