"""OSS cases. Values from tests/fixtures/wire/oss: ACL Grant private | public-read | public-read-write; logging to
TargetBucket examplebucket; SSEAlgorithm KMS | AES256 | SM4 with KMSMasterKeyID 9468da86-3509-4f8d-a61e-6eab1eac****;
versioning Status Enabled | Suspended; BlockPublicAccess true; the GetBucketPolicy sample (a Deny to account
1234567890 for oss:PutObject/GetObject on acs:oss:*:1234567890:*/*). The region's KMS keys (CIS 5.9) carry DescribeKey's
documented values (tests/check_cases/kms.py: Creator the account id, KeyState Enabled | Disabled | PendingDeletion)."""

from __future__ import annotations

from typing import Any

from aliaudit.collectors.actiontrail import TrailInfo
from aliaudit.collectors.kms import KmsKey
from aliaudit.collectors.oss import AccessPointInfo, BucketInfo, OssInventory
from aliaudit.config import AuditConfig
from tests.check_cases import Case
from tests.check_inputs import ACCOUNT

B = "examplebucket"
CMK = "9468da86-3509-4f8d-a61e-6eab1eac****"
DOC_POLICY = {"Version": "1", "Statement": [{"Action": ["oss:PutObject", "oss:GetObject"], "Effect": "Deny",
                                             "Principal": ["1234567890"], "Resource": ["acs:oss:*:1234567890:*/*"]}]}


def bucket(name: str = B, **kw: Any) -> BucketInfo:
    base: dict[str, Any] = {"name": name, "region": "cn-hangzhou", "storage_class": "Standard", "acl": "private",
                            "policy": None, "logging_target": "examplebucket-logs", "sse_algorithm": "KMS",
                            "kms_key_id": CMK, "versioning": "Enabled", "block_public_access": False}
    base.update(kw)
    return BucketInfo(**base)


UID = "1540355698840000"


def kms_key(kid: str = CMK, **kw: Any) -> KmsKey:
    base: dict[str, Any] = {"id": kid, "arn": f"acs:kms:cn-hangzhou:{UID}:key/{kid}", "region": "cn-hangzhou",
                            "state": "Enabled", "spec": "Aliyun_AES_256", "usage": "ENCRYPT/DECRYPT",
                            "origin": "Aliyun_KMS", "creator": UID}
    base.update(kw)
    return KmsKey(**base)


def inv(*buckets: BucketInfo, account_block: bool | None = False, error: str | None = None,
        keys: list[KmsKey] | None = None, keys_error: str | None = None) -> dict[str, Any]:
    """The inventory; the cn-hangzhou KMS keys default to the one customer key CMK names."""
    return {"oss.buckets": OssInventory(
        buckets=list(buckets), account_block=account_block, account_block_error=error,
        kms_keys={} if keys_error else {"cn-hangzhou": [kms_key()] if keys is None else keys},
        kms_keys_error={"cn-hangzhou": keys_error} if keys_error else {})}


def allow_all(bucket_name: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    st: dict[str, Any] = {"Effect": "Allow", "Principal": ["*"], "Action": ["oss:GetObject"],
                          "Resource": [f"acs:oss:*:1234567890:{bucket_name}/*"]}
    if condition:
        st["Condition"] = condition
    return {"Version": "1", "Statement": [st]}


def https_only(bucket_name: str) -> dict[str, Any]:
    return {"Version": "1", "Statement": [{
        "Effect": "Deny", "Principal": ["*"], "Action": ["oss:*"],
        "Resource": [f"acs:oss:*:1234567890:{bucket_name}", f"acs:oss:*:1234567890:{bucket_name}/*"],
        "Condition": {"Bool": {"acs:SecureTransport": ["false"]}}}]}


AP_DOC_POLICY = {"Version": "1", "Statement": [{
    "Action": ["oss:PutObject", "oss:GetObject"], "Effect": "Deny", "Principal": ["27737962156157xxxx"],
    "Resource": ["acs:oss:ap-southeast-2:111933544165xxxx:accesspoint/$ap-01",
                 "acs:oss:ap-southeast-2:111933544165xxxx:accesspoint/$ap-01/object/*"]}]}


def ap(name: str, bucket: str = "oss-example", **kw: Any) -> AccessPointInfo:
    base: dict[str, Any] = {"name": name, "bucket": bucket, "region": "cn-hangzhou", "network_origin": "internet",
                            "status": "enable", "block_public_access": False}
    base.update(kw)
    return AccessPointInfo(**base)


def ap_allow_all(name: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    st: dict[str, Any] = {"Effect": "Allow", "Principal": ["*"], "Action": ["oss:GetObject"],
                          "Resource": [f"acs:oss:cn-hangzhou:1234567890:accesspoint/{name}/object/*"]}
    if condition:
        st["Condition"] = condition
    return {"Version": "1", "Statement": [st]}


VPC_ONLY = {"StringEquals": {"acs:SourceVpc": ["vpc-t4nlw426y44rd3iq4****"]}}
REFERER = {"StringLike": {"acs:Referer": ["https://www.example.com/*"]}}
PRIVATE_RANGE = {"IpAddress": {"acs:SourceIp": ["10.0.0.0/8"]}}
NOT_VPC = {"StringNotEquals": {"acs:SourceVpc": ["vpc-t4nlw426y44rd3iq4abcd"]}}
ANYWHERE = {"IpAddress": {"acs:SourceIp": ["0.0.0.0/0"]}}


def exposure_cases(cid: str, public: str) -> list[Case]:
    """The shared public-exposure verdicts: private, documented Deny policy, public ACLs, Allow * policies."""
    return [
        Case(cid, "private ACL, documented Deny policy; public-read; public-read-write",
             inv(bucket(), bucket("b-doc", policy=DOC_POLICY), bucket("b-read", acl="public-read"),
                 bucket("b-rw", acl="public-read-write")),
             {B: "PASS" if public == "FAIL" else public, "b-doc": "PASS" if public == "FAIL" else public,
              "b-read": "FAIL", "b-rw": "FAIL"}),
        Case(cid, "Allow * without condition, with only a Referer condition, and limited to a VPC",
             inv(bucket("b-all", policy=allow_all("b-all")), bucket("b-ref", policy=allow_all("b-ref", REFERER)),
                 bucket("b-vpc", policy=allow_all("b-vpc", VPC_ONLY))),
             {"b-all": "FAIL", "b-ref": "FAIL", "b-vpc": "PASS" if public == "FAIL" else public}),
        Case(cid, "public-read ACL neutralised by bucket-level and by account-level Block Public Access",
             inv(bucket("b-blk", acl="public-read", block_public_access=True)),
             {"b-blk": "PASS"}),
        Case(cid, "account-level Block Public Access", inv(bucket("b-acct", acl="public-read"), account_block=True),
             {"b-acct": "PASS"}),
        Case(cid, "ACL unreadable", inv(bucket("b-err", acl=None, errors={"acl": "AccessDenied"})),
             {"b-err": "ERROR"}),
        # Block Public Access ignores only the statements OSS calls public ("Block Public Access": a fixed
        # acs:SourceVpc value or an acs:SourceIp mask of at least 8 (IPv6 32) makes a statement non-public)
        Case(cid, "behind Block Public Access: an Allow * from a private range without acs:SourceVpc, and one "
             "negating a VPC, stay in force; one from 0.0.0.0/0 is ignored; an unread policy is unknown",
             inv(bucket("b-priv", block_public_access=True, policy=allow_all("b-priv", PRIVATE_RANGE)),
                 bucket("b-notvpc", policy=allow_all("b-notvpc", NOT_VPC)),
                 bucket("b-any", block_public_access=True, policy=allow_all("b-any", ANYWHERE)),
                 bucket("b-unread", block_public_access=True, policy=None, errors={"policy": "AccessDenied"}),
                 account_block=True),
             {"b-priv": "FAIL", "b-notvpc": "FAIL", "b-any": "PASS", "b-unread": "ERROR"}),
        Case(cid, "an IPv6 source range wider than /32 is anywhere (OSS's line); a /48 names a network",
             inv(bucket("b-v6wide", policy=allow_all("b-v6wide", {"IpAddress": {"acs:SourceIp": ["2001:db8::/20"]}})),
                 bucket("b-v6", policy=allow_all("b-v6", {"IpAddress": {"acs:SourceIp": ["2400:3200::/48"]}}))),
             {"b-v6wide": "FAIL", "b-v6": "PASS" if public == "FAIL" else public}),
    ]


TRAIL = TrailInfo(name="test-4", status="Enable", logging=True, home_region="cn-hangzhou", trail_region="All",
                  event_rw="All", oss_bucket=B, sls_project_arn="")

CASES: list[Case] = [
    *exposure_cases("oss_bucket_not_exposed", "FAIL"),
    # CIS 5.1 as its audit reads: a public ACL or any Allow to anonymous accounts (*) fails, whatever Block Public
    # Access or the statement's conditions say
    Case("oss_bucket_not_publicly_accessible", "private ACL, documented Deny policy; public-read; public-read-write",
         inv(bucket(), bucket("b-doc", policy=DOC_POLICY), bucket("b-read", acl="public-read"),
             bucket("b-rw", acl="public-read-write")),
         {B: "PASS", "b-doc": "PASS", "b-read": "FAIL", "b-rw": "FAIL"}),
    Case("oss_bucket_not_publicly_accessible", "Allow * without condition, with a Referer condition, limited to a "
         "VPC, to Principal []; an HTTPS-only Deny to *",
         inv(bucket("b-all", policy=allow_all("b-all")), bucket("b-ref", policy=allow_all("b-ref", REFERER)),
             bucket("b-vpc", policy=allow_all("b-vpc", VPC_ONLY)), bucket("b-https", policy=https_only("b-https")),
             bucket("b-empty", policy={"Version": "1", "Statement": [{
                 "Effect": "Allow", "Principal": [], "Action": ["oss:GetObject"],
                 "Resource": ["acs:oss:*:1234567890:b-empty/*"]}]})),
         {"b-all": "FAIL", "b-ref": "FAIL", "b-vpc": "FAIL", "b-https": "PASS", "b-empty": "FAIL"}),
    Case("oss_bucket_not_publicly_accessible", "a public-read ACL behind bucket-level and account-level Block Public "
         "Access is still not Private",
         inv(bucket("b-blk", acl="public-read", block_public_access=True), bucket("b-acct", acl="public-read"),
             account_block=True),
         {"b-blk": "FAIL", "b-acct": "FAIL"}),
    Case("oss_bucket_not_publicly_accessible", "ACL unreadable; policy unreadable but the ACL is public",
         inv(bucket("b-err", acl=None, errors={"acl": "AccessDenied"}),
             bucket("b-pol", acl="public-read", policy=None, errors={"policy": "AccessDenied"})),
         {"b-err": "ERROR", "b-pol": "FAIL"}),
    # 5.2: a private bucket without Block Public Access may still hold public-read objects (object ACLs not listed)
    *exposure_cases("oss_bucket_objects_not_public", "MANUAL"),
    Case("oss_bucket_logging_enabled", "logging to a target bucket vs off",
         inv(bucket(), bucket("b-nolog", logging_target=None)), {B: "PASS", "b-nolog": "FAIL"}),
    Case("oss_bucket_logging_enabled", "GetBucketLogging failed",
         inv(bucket(errors={"logging": "AccessDenied"})), {B: "ERROR"}),
    Case("oss_bucket_secure_transport_enabled", "Deny * on oss:* when SecureTransport false; no policy; "
         "documented Deny policy",
         inv(bucket(policy=https_only(B)), bucket("b-none"), bucket("b-doc", policy=DOC_POLICY)),
         {B: "PASS", "b-none": "FAIL", "b-doc": "FAIL"}),
    Case("oss_bucket_secure_transport_enabled", "SecureTransport value as a string rather than a list",
         inv(bucket(policy={"Version": "1", "Statement": [{
             "Effect": "Deny", "Principal": ["*"], "Action": ["oss:*"], "Resource": [f"acs:oss:*:1234567890:{B}/*"],
             "Condition": {"Bool": {"acs:SecureTransport": "false"}}}]})),
         {B: "PASS"}),
    Case("oss_bucket_secure_transport_enabled", "an Allow with SecureTransport true enforces nothing",
         inv(bucket("b-allow", policy=allow_all("b-allow", {"Bool": {"acs:SecureTransport": ["true"]}}))),
         {"b-allow": "FAIL"}),
    Case("oss_signed_url_https_only", "HTTPS enforced passes; HTTP accepted is MANUAL",
         inv(bucket(policy=https_only(B)), bucket("b-none")), {B: "PASS", "b-none": "MANUAL"}),
    Case("oss_signed_url_short_expiry", "no bucket passes", inv(), {ACCOUNT: "PASS"}),
    Case("oss_signed_url_short_expiry", "buckets: lifetime is the signer's choice, MANUAL", inv(bucket()),
         {ACCOUNT: "MANUAL"}),
    Case("oss_bucket_network_access_restricted", "private without a network policy (the default, 'Not set'); Allow * "
         "limited to a VPC; Allow * open; public ACL",
         inv(bucket(), bucket("b-vpc", policy=allow_all("b-vpc", VPC_ONLY)), bucket("b-all", policy=allow_all("b-all")),
             bucket("b-read", acl="public-read")),
         {B: "FAIL", "b-vpc": "PASS", "b-all": "FAIL", "b-read": "FAIL"}),
    Case("oss_bucket_network_access_restricted", "a policy that could not be read behind bucket- or account-level "
         "Block Public Access is ERROR, not a missing policy",
         inv(bucket("b-blk", policy=None, errors={"policy": "AccessDenied"}, block_public_access=True)),
         {"b-blk": "ERROR"}),
    Case("oss_bucket_network_access_restricted", "a named principal allowed from 0.0.0.0/0",
         inv(bucket("b-any", policy={"Version": "1", "Statement": [{
             "Effect": "Allow", "Principal": ["1234567890"], "Action": ["oss:GetObject"],
             "Resource": ["acs:oss:*:1234567890:b-any/*"],
             "Condition": {"IpAddress": {"acs:SourceIp": ["0.0.0.0/0"]}}}]})),
         {"b-any": "FAIL"}),
    Case("oss_bucket_encrypted_with_service_key", "KMS with CMK; KMS service key; documented AES256; SM4; none",
         inv(bucket(), bucket("b-svc", kms_key_id=None), bucket("b-aes", sse_algorithm="AES256", kms_key_id=None),
             bucket("b-sm4", sse_algorithm="SM4", kms_key_id=None), bucket("b-none", sse_algorithm=None,
                                                                            kms_key_id=None)),
         {B: "PASS", "b-svc": "PASS", "b-aes": "FAIL", "b-sm4": "FAIL", "b-none": "FAIL"}),
    Case("oss_bucket_encrypted_with_byok", "KMS with CMK passes; KMS service key, alias/acs/oss, AES256 and none fail",
         inv(bucket(), bucket("b-svc", kms_key_id=None), bucket("b-alias", kms_key_id="alias/acs/oss"),
             bucket("b-aes", sse_algorithm="AES256", kms_key_id=None),
             bucket("b-none", sse_algorithm=None, kms_key_id=None)),
         {B: "PASS", "b-svc": "FAIL", "b-alias": "FAIL", "b-aes": "FAIL", "b-none": "FAIL"}),
    # CIS 5.9 "a customer created KMS key ID": the key is looked up among the region's keys by ID or ARN
    Case("oss_bucket_encrypted_with_byok", "a customer key by ARN and one with imported material pass; a service key "
         "named by its ID, a Disabled, a PendingDeletion and a PendingImport key fail",
         inv(bucket("b-arn", kms_key_id=f"acs:kms:cn-hangzhou:{UID}:key/{CMK}"), bucket("b-ext", kms_key_id="k-ext"),
             bucket("b-svc", kms_key_id="k-svc"), bucket("b-off", kms_key_id="k-off"),
             bucket("b-del", kms_key_id="k-del"), bucket("b-imp", kms_key_id="k-imp"),
             keys=[kms_key(), kms_key("k-ext", origin="EXTERNAL"), kms_key("k-svc", creator="Oss"),
                   kms_key("k-off", state="Disabled"), kms_key("k-del", state="PendingDeletion"),
                   kms_key("k-imp", origin="EXTERNAL", state="PendingImport")]),
         {"b-arn": "PASS", "b-ext": "PASS", "b-svc": "FAIL", "b-off": "FAIL", "b-del": "FAIL", "b-imp": "FAIL"}),
    Case("oss_bucket_encrypted_with_byok", "another account's key (by ID or ARN) and a customer alias are MANUAL",
         inv(bucket("b-other", kms_key_id="4a1b0f2c-0000-4f8d-a61e-6eab1eac****"),
             bucket("b-oarn", kms_key_id=f"acs:kms:cn-hangzhou:6543210987654321:key/{CMK}"),
             bucket("b-alias", kms_key_id="alias/my-bucket-key")),
         {"b-other": "MANUAL", "b-oarn": "MANUAL", "b-alias": "MANUAL"}),
    # a service key's alias written as an alias ARN (acs:kms:<region>:<uid>:alias/acs/oss) is still the service key:
    # 5.9 fails it and 5.8 counts it as the service key (collectors.oss.kms_key_ref)
    Case("oss_bucket_encrypted_with_byok", "the service alias as an ARN fails; a customer alias as an ARN is MANUAL",
         inv(bucket("b-svc-arn", kms_key_id=f"acs:kms:cn-hangzhou:{UID}:alias/acs/oss"),
             bucket("b-my-arn", kms_key_id=f"acs:kms:cn-hangzhou:{UID}:alias/my-bucket-key")),
         {"b-svc-arn": "FAIL", "b-my-arn": "MANUAL"}),
    Case("oss_bucket_encrypted_with_byok", "the region's keys unreadable: ERROR (the service key still fails)",
         inv(bucket(), bucket("b-svc", kms_key_id=None), keys_error="Forbidden.RAM: kms:ListKeys denied"),
         {B: "ERROR", "b-svc": "FAIL"}),
    Case("oss_bucket_encrypted_with_byok", "the key could not be described, or DescribeKey left out Creator or "
         "KeyState: ERROR",
         inv(bucket("b-err", kms_key_id="k-err"), bucket("b-nocreator", kms_key_id="k-nc"),
             bucket("b-nostate", kms_key_id="k-ns"),
             keys=[KmsKey(id="k-err", region="cn-hangzhou", error="Forbidden.KeyNotFound: denied"),
                   kms_key("k-nc", creator=""), kms_key("k-ns", state="")]),
         {"b-err": "ERROR", "b-nocreator": "ERROR", "b-nostate": "ERROR"}),
    Case("oss_bucket_default_encryption_enabled", "KMS, AES256 and SM4 pass; none fails",
         inv(bucket(), bucket("b-aes", sse_algorithm="AES256"), bucket("b-sm4", sse_algorithm="SM4"),
             bucket("b-none", sse_algorithm=None, kms_key_id=None)),
         {B: "PASS", "b-aes": "PASS", "b-sm4": "PASS", "b-none": "FAIL"}),
    Case("oss_bucket_versioning_enabled", "Enabled passes; Suspended and never enabled fail",
         inv(bucket(), bucket("b-susp", versioning="Suspended"), bucket("b-never", versioning=None)),
         {B: "PASS", "b-susp": "FAIL", "b-never": "FAIL"}),
    Case("oss_account_public_access_block_enabled", "BlockPublicAccess true", inv(account_block=True),
         {ACCOUNT: "PASS"}),
    Case("oss_account_public_access_block_enabled", "off", inv(account_block=False), {ACCOUNT: "FAIL"}),
    Case("oss_account_public_access_block_enabled", "unreadable", inv(account_block=None, error="AccessDenied"),
         {ACCOUNT: "ERROR"}),
    Case("oss_bucket_public_access_block_enabled", "bucket-level on passes; off on bucket and account fails",
         inv(bucket(block_public_access=True), bucket("b-off")), {B: "PASS", "b-off": "FAIL"}),
    Case("oss_bucket_public_access_block_enabled", "account-level on covers the bucket",
         inv(bucket("b-off"), account_block=True), {"b-off": "PASS"}),
    Case("oss_bucket_policy_no_public_grant", "Allow * limited to a public /24 passes; to 10.0.0.0/8 (any tenant's "
         "VPC) fails; Principal \"*\" as a string on the bucket fails; a Deny-only policy passes",
         inv(bucket("b-net", policy=allow_all("b-net", {"IpAddress": {"acs:SourceIp": ["203.0.113.0/24"]}})),
             bucket("b-priv", policy=allow_all("b-priv", {"IpAddress": {"acs:SourceIp": ["10.0.0.0/8"]}})),
             bucket("b-list", policy={"Version": "1", "Statement": [{
                 "Effect": "Allow", "Principal": "*", "Action": "oss:ListObjects",
                 "Resource": "acs:oss:*:1234567890:b-list"}]}),
             bucket("b-deny", policy={"Version": "1", "Statement": [{
                 "Effect": "Deny", "Principal": ["*"], "Action": ["oss:*"],
                 "Resource": ["acs:oss:*:1234567890:b-deny/*"]}]})),
         {"b-net": "PASS", "b-priv": "FAIL", "b-list": "FAIL", "b-deny": "PASS"}),
    Case("oss_bucket_policy_no_public_grant", "no policy; documented Deny; Allow * limited to VPC; Allow * open "
         "(fails even behind Block Public Access)",
         inv(bucket(), bucket("b-doc", policy=DOC_POLICY), bucket("b-vpc", policy=allow_all("b-vpc", VPC_ONLY)),
             bucket("b-all", policy=allow_all("b-all"), block_public_access=True),
             bucket("b-empty", policy={"Version": "1", "Statement": [{
                 "Effect": "Allow", "Principal": [], "Action": ["oss:GetObject"],
                 "Resource": ["acs:oss:*:1234567890:b-empty/*"]}]})),
         {B: "PASS", "b-doc": "PASS", "b-vpc": "PASS", "b-all": "FAIL", "b-empty": "FAIL"}),
    # the documented delegation to access points (Allow * conditioned on oss:DataAccessPointAccount): only requests
    # through an access point carry that key, so it opens nothing to direct requests on the bucket
    Case("oss_bucket_policy_no_public_grant", "a delegation to the account's access points is no direct public grant",
         inv(bucket("b-ap", policy=allow_all("b-ap", {"StringEquals": {
             "oss:DataAccessPointAccount": ["1234567890"]}}))), {"b-ap": "PASS"}),
    Case("oss_trail_bucket_not_public", "the trail's bucket is private; public-read behind Block Public Access "
         "still fails (2.2 reads the ACL)",
         {"actiontrail.trails": [TRAIL, TRAIL.model_copy(update={"name": "t2", "oss_bucket": "b-blk"})],
          **inv(bucket(), bucket("b-blk", acl="public-read", block_public_access=True))},
         {B: "PASS", "b-blk": "FAIL"}, region="global"),
    Case("oss_trail_bucket_not_public", "the trail's bucket is public-read; ACL unreadable",
         {"actiontrail.trails": [TRAIL, TRAIL.model_copy(update={"name": "t2", "oss_bucket": "b-err"})],
          **inv(bucket(acl="public-read"), bucket("b-err", acl=None, errors={"acl": "AccessDenied"}))},
         {B: "FAIL", "b-err": "ERROR"}, region="global"),
    Case("oss_trail_bucket_not_public", "no trail delivers to OSS",
         {"actiontrail.trails": [TRAIL.model_copy(update={"oss_bucket": ""})], **inv(bucket())}, {ACCOUNT: "PASS"},
         region="global"),
    Case("oss_trail_bucket_not_public", "the trail's bucket belongs to another account",
         {"actiontrail.trails": [TRAIL.model_copy(update={"oss_bucket": "secloud"})], **inv(bucket())},
         {"secloud": "MANUAL"}, region="global"),
    Case("oss_trail_bucket_not_exposed", "public-read neutralised by Block Public Access passes",
         {"actiontrail.trails": [TRAIL], **inv(bucket(acl="public-read", block_public_access=True))},
         {B: "PASS"}, region="global"),
    Case("oss_trail_bucket_not_exposed", "the trail's bucket is private",
         {"actiontrail.trails": [TRAIL], **inv(bucket())}, {B: "PASS"}, region="global"),
    Case("oss_trail_bucket_not_exposed", "the trail's bucket is public-read",
         {"actiontrail.trails": [TRAIL], **inv(bucket(acl="public-read"))}, {B: "FAIL"}, region="global"),
    Case("oss_trail_bucket_not_exposed", "no trail delivers to OSS",
         {"actiontrail.trails": [TRAIL.model_copy(update={"oss_bucket": ""})], **inv(bucket())}, {ACCOUNT: "PASS"},
         region="global"),
    Case("oss_trail_bucket_not_exposed", "the trail's bucket belongs to another account",
         {"actiontrail.trails": [TRAIL.model_copy(update={"oss_bucket": "secloud"})], **inv(bucket())},
         {"secloud": "MANUAL"}, region="global"),
    Case("oss_report_bucket_secured", "private, encrypted, versioned passes; unencrypted fails; public fails; "
         "not owned is MANUAL",
         inv(bucket(), bucket("r-plain", sse_algorithm=None, kms_key_id=None), bucket("r-pub", acl="public-read")),
         {B: "PASS", "r-plain": "FAIL", "r-pub": "FAIL", "r-other": "MANUAL"},
         config=AuditConfig(report_buckets=[B, "r-plain", "r-pub", "r-other"])),
    # access points: ListAccessPoints' documented values (ap-01 on oss-example, NetworkOrigin vpc | internet, VpcId
    # vpc-t4nlw426y44rd3iq4****, Status enable); GetAccessPointPolicy's documented policy (a Deny to
    # 27737962156157xxxx on accesspoint/$ap-01); BlockPublicAccess true
    Case("oss_access_point_not_public", "vpc, internet with the documented Deny policy, no policy pass; an open "
         "policy fails when the bucket policy grants the action to everyone too",
         {**inv(bucket("oss-example", policy=allow_all("oss-example"))), "oss.access_points": [
             ap("ap-01", network_origin="vpc", vpc_id="vpc-t4nlw426y44rd3iq4****"), ap("ap-doc", policy=AP_DOC_POLICY),
             ap("ap-none"), ap("ap-open", policy=ap_allow_all("ap-open"))]},
         {"oss-example/ap-01": "PASS", "oss-example/ap-doc": "PASS", "oss-example/ap-none": "PASS",
          "oss-example/ap-open": "FAIL"}),
    # "The merged result of the RAM policy and bucket policy is determined as Allow. The access point policy is
    # determined as Allow": an access point grant the bucket policy does not back is inert
    Case("oss_access_point_not_public", "an open access point policy in front of a bucket without a policy, with a "
         "public-read ACL, or whose policy grants * another action or other objects only: PASS (inert)",
         {**inv(bucket("oss-example"), bucket("acl-public", acl="public-read"),
                bucket("other-action", policy={"Version": "1", "Statement": [{
                    "Effect": "Allow", "Principal": ["*"], "Action": ["oss:PutObject"],
                    "Resource": ["acs:oss:*:1234567890:other-action/*"]}]}),
                bucket("other-prefix", policy={"Version": "1", "Statement": [{
                    "Effect": "Allow", "Principal": ["*"], "Action": ["oss:Get*"],
                    "Resource": ["acs:oss:*:1234567890:other-prefix/public/*"]}]})),
          "oss.access_points": [ap("ap-open", policy=ap_allow_all("ap-open")),
                                ap("ap-acl", bucket="acl-public", policy=ap_allow_all("ap-acl")),
                                ap("ap-act", bucket="other-action", policy=ap_allow_all("ap-act")),
                                ap("ap-pre", bucket="other-prefix", policy={"Version": "1", "Statement": [{
                                    "Effect": "Allow", "Principal": ["*"], "Action": ["oss:GetObject"],
                                    "Resource": ["acs:oss:cn-hangzhou:1234567890:accesspoint/ap-pre/object/private/*"]
                                }]})]},
         {"oss-example/ap-open": "PASS", "acl-public/ap-acl": "PASS", "other-action/ap-act": "PASS",
          "other-prefix/ap-pre": "PASS"}),
    Case("oss_access_point_not_public", "the bucket delegates to every access point of the account (a grant to * "
         "conditioned on oss:DataAccessPointAccount), or grants oss:* on * : FAIL",
         {**inv(bucket("delegating", policy={"Version": "1", "Statement": [{
                    "Effect": "Allow", "Principal": ["*"], "Action": ["oss:*"],
                    "Resource": ["acs:oss:*:1234567890:delegating", "acs:oss:*:1234567890:delegating/*"],
                    "Condition": {"StringEquals": {"oss:DataAccessPointAccount": ["1234567890"]}}}]}),
                bucket("wide", policy={"Version": "1", "Statement": [{
                    "Effect": "Allow", "Principal": ["*"], "Action": ["oss:*"], "Resource": ["*"]}]})),
          "oss.access_points": [ap("ap-del", bucket="delegating", policy=ap_allow_all("ap-del")),
                                ap("ap-wide", bucket="wide", policy=ap_allow_all("ap-wide"))]},
         {"delegating/ap-del": "FAIL", "wide/ap-wide": "FAIL"}),
    # every request through an access point carries oss:AccessPointNetworkOrigin and oss:DataAccessPointArn: an access
    # point policy granting * on them restricts no caller
    Case("oss_access_point_not_public", "an access point grant to * conditioned on its own access point keys stays "
         "public",
         {**inv(bucket("delegating", policy={"Version": "1", "Statement": [{
                    "Effect": "Allow", "Principal": ["*"], "Action": ["oss:GetObject"],
                    "Resource": ["acs:oss:*:1234567890:delegating/*"],
                    "Condition": {"StringEquals": {"oss:DataAccessPointAccount": ["1234567890"]}}}]})),
          "oss.access_points": [ap("ap-origin", bucket="delegating", policy={"Version": "1", "Statement": [{
              "Effect": "Allow", "Principal": ["*"], "Action": ["oss:GetObject"],
              "Resource": ["acs:oss:cn-hangzhou:1234567890:accesspoint/ap-origin/object/*"],
              "Condition": {"StringEquals": {"oss:AccessPointNetworkOrigin": ["internet"]}}}]})]},
         {"delegating/ap-origin": "FAIL"}),
    Case("oss_access_point_not_public", "public grants neutralised by the access point's, bucket's or account's block",
         {**inv(bucket("oss-example", policy=allow_all("oss-example")),
                bucket("blocked", block_public_access=True, policy=allow_all("blocked")), account_block=False),
          "oss.access_points": [ap("ap-self", policy=ap_allow_all("ap-self"), block_public_access=True),
                                ap("ap-bucket", bucket="blocked", policy=ap_allow_all("ap-bucket"))]},
         {"oss-example/ap-self": "PASS", "blocked/ap-bucket": "PASS"}),
    Case("oss_access_point_not_public", "policy unreadable: ERROR; public grants on both sides with the account block "
         "unknown: ERROR; the bucket policy unreadable: ERROR; nothing public behind an unknown block: PASS",
         {**inv(bucket("oss-example", policy=allow_all("oss-example")),
                bucket("pol-err", policy=None, errors={"policy": "AccessDenied: denied"}), bucket("private"),
                account_block=None, error="AccessDenied"), "oss.access_points": [
             ap("ap-err", errors={"policy": "AccessDenied: denied"}), ap("ap-open", policy=ap_allow_all("ap-open")),
             ap("ap-bpol", bucket="pol-err", policy=ap_allow_all("ap-bpol")),
             ap("ap-inert", bucket="private", policy=ap_allow_all("ap-inert"))]},
         {"oss-example/ap-err": "ERROR", "oss-example/ap-open": "ERROR", "pol-err/ap-bpol": "ERROR",
          "private/ap-inert": "PASS"}),
    Case("oss_access_point_not_public", "behind Block Public Access, grants OSS calls non-public (a private range "
         "without acs:SourceVpc) stay in force on both policies; with the bucket's side ignored the grant is inert",
         {**inv(bucket("oss-example", policy=allow_all("oss-example", PRIVATE_RANGE)),
                bucket("blocked", block_public_access=True, policy=allow_all("blocked"))),
          "oss.access_points": [
              ap("ap-priv", block_public_access=True, policy=ap_allow_all("ap-priv", PRIVATE_RANGE)),
              ap("ap-inert", bucket="blocked", policy=ap_allow_all("ap-inert", PRIVATE_RANGE))]},
         {"oss-example/ap-priv": "FAIL", "blocked/ap-inert": "PASS"}),
    Case("oss_access_point_not_public", "an undocumented NetworkOrigin: MANUAL",
         {**inv(bucket("oss-example")), "oss.access_points": [ap("ap-odd", network_origin="")]},
         {"oss-example/ap-odd": "MANUAL"}),
    # an answer without BlockPublicAccess is unread (the collector's errors entry), never "off"
    Case("oss_account_public_access_block_enabled", "GetPublicAccessBlock answered without BlockPublicAccess",
         inv(account_block=None, error="GetPublicAccessBlock answered without BlockPublicAccess"), {ACCOUNT: "ERROR"}),
    Case("oss_bucket_not_exposed", "a public-read bucket whose account-level block is unread: ERROR (the block could "
         "neutralise it)", inv(bucket("plain-public", acl="public-read"), account_block=None,
                               error="GetPublicAccessBlock answered without BlockPublicAccess"),
         {"plain-public": "ERROR"}),
    Case("oss_bucket_public_access_block_enabled", "GetBucketPublicAccessBlock answered without BlockPublicAccess",
         inv(bucket("b-none", block_public_access=None,
                    errors={"public_access_block": "ValueError: GetBucketPublicAccessBlock answered without "
                                                   "BlockPublicAccess"})), {"b-none": "ERROR"}),
    Case("oss_access_point_not_public", "GetAccessPointPublicAccessBlock answered without BlockPublicAccess: the "
         "access point's block is unknown",
         {**inv(bucket("oss-example", policy=allow_all("oss-example"))), "oss.access_points": [
             ap("ap-open", policy=ap_allow_all("ap-open"), block_public_access=None,
                errors={"public_access_block": "ValueError: GetAccessPointPublicAccessBlock answered without "
                                               "BlockPublicAccess"})]},
         {"oss-example/ap-open": "ERROR"}),
]
