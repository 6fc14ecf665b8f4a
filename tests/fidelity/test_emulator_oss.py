"""OSS through the unmodified oss2 SDK: addressing styles, v1/v4/STS auth, access control, paging, errors."""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

import oss2
import pytest
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from oss2 import exceptions as oss_errors
from oss2.models import BucketCreateConfig, BucketLogging, BucketVersioningConfig, ServerSideEncryptionRule

from tests.emulator.products.oss import crc64ecma
from tests.sdk import (
    ACCOUNT,
    ADMIN_AK,
    ADMIN_SECRET,
    READER_AK,
    READER_SECRET,
    base_scenario,
    load,
    pop_config,
)

OTHER = "6543210987654321"
OTHER_AK, OTHER_SECRET = "LTAIotherroot000001", "other-secret-000000000000000"
SHARED_POLICY = {"Version": "1", "Statement": [{
    "Effect": "Allow", "Principal": [ACCOUNT], "Action": ["oss:GetObject", "oss:ListObjects"],
    "Resource": [f"acs:oss:*:{OTHER}:other-shared", f"acs:oss:*:{OTHER}:other-shared/*"]}]}


def _scenario(**extra: Any) -> dict[str, Any]:
    data = base_scenario(**{"oss": {"buckets": [
        {"name": "audit-private", "objects": {"a.txt": "alpha", "dir/b.txt": "beta"}},
        {"name": "audit-public", "acl": "public-read",
         "objects": {"index.html": {"content": "<h1>hi</h1>", "content_type": "text/html"}}},
    ]}, **extra})
    data["accounts"].append({
        "id": OTHER, "alias": "other", "root": {"access_keys": [{"id": OTHER_AK, "secret": OTHER_SECRET}]},
        "oss": {"buckets": [
            {"name": "other-private", "region": "cn-shanghai", "objects": {"secret.txt": "s3cr3t"}},
            {"name": "other-shared", "policy": SHARED_POLICY, "objects": {"shared.txt": "for you"}},
        ]}})
    return data


@pytest.fixture()
def world(cloud):
    load(cloud, _scenario())
    return cloud


def _bucket(cloud, name: str, ak: str = ADMIN_AK, secret: str = ADMIN_SECRET, **kw: Any) -> oss2.Bucket:
    return oss2.Bucket(oss2.Auth(ak, secret), f"http://{cloud.endpoint}", name, **kw)


def _anonymous(cloud, name: str) -> oss2.Bucket:
    return oss2.Bucket(oss2.AnonymousAuth(), f"http://{cloud.endpoint}", name)


def test_crc64_matches_oss2():
    for data in (b"", b"123456789", os.urandom(1), os.urandom(4097)):
        reference = oss2.utils.Crc64()
        reference.update(data)
        assert crc64ecma(data) == reference.crc
    assert crc64ecma(b"123456789") == 0x995DC9BBDF1939FA  # the CRC-64/XZ check value
    assert crc64ecma(b"6789", crc64ecma(b"12345")) == crc64ecma(b"123456789")


def test_bucket_configuration_round_trip(world):
    b = _bucket(world, "audit-new")
    b.create_bucket(oss2.BUCKET_ACL_PRIVATE, BucketCreateConfig(oss2.BUCKET_STORAGE_CLASS_IA))
    info = b.get_bucket_info()
    assert (info.name, info.storage_class, info.acl.grant, info.owner.id) == ("audit-new", "IA", "private", ACCOUNT)
    assert (info.location, info.extranet_endpoint) == ("oss-cn-hangzhou", "oss-cn-hangzhou.aliyuncs.com")
    assert info.bucket_encryption_rule.sse_algorithm is None and info.versioning_status is None
    assert b.get_bucket_location().location == "oss-cn-hangzhou"

    b.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)
    assert b.get_bucket_acl().acl == "public-read"

    with pytest.raises(oss_errors.NoSuchBucketPolicy):
        b.get_bucket_policy()
    doc = {"Version": "1", "Statement": [{"Effect": "Deny", "Principal": ["*"], "Action": ["oss:*"],
                                          "Resource": ["acs:oss:*:*:audit-new/*"],
                                          "Condition": {"Bool": {"acs:SecureTransport": ["false"]}}}]}
    b.put_bucket_policy(json.dumps(doc))
    assert json.loads(b.get_bucket_policy().policy) == doc
    b.delete_bucket_policy()
    with pytest.raises(oss_errors.NoSuchBucketPolicy):
        b.get_bucket_policy()

    with pytest.raises(oss_errors.NoSuchServerSideEncryptionRule):
        b.get_bucket_encryption()
    b.put_bucket_encryption(ServerSideEncryptionRule("KMS", "key-123"))
    enc = b.get_bucket_encryption()
    assert (enc.sse_algorithm, enc.kms_master_keyid) == ("KMS", "key-123")
    assert b.get_bucket_info().bucket_encryption_rule.sse_algorithm == "KMS"

    assert b.get_bucket_logging().target_bucket == ""
    b.put_bucket_logging(BucketLogging("audit-private", "access/"))
    log = b.get_bucket_logging()
    assert (log.target_bucket, log.target_prefix) == ("audit-private", "access/")
    with pytest.raises(oss_errors.ServerError) as err:
        b.put_bucket_logging(BucketLogging("other-private", "x/"))  # another owner's bucket
    assert err.value.code == "InvalidTargetBucketForLogging"
    b.delete_bucket_logging()
    assert b.get_bucket_logging().target_bucket == ""

    assert b.get_bucket_versioning().status is None
    b.put_bucket_versioning(BucketVersioningConfig("Enabled"))
    assert b.get_bucket_versioning().status == "Enabled"
    assert b.get_bucket_info().versioning_status == "Enabled"

    assert b.get_bucket_public_access_block().block_public_access is False
    b.put_bucket_public_access_block(True)
    assert b.get_bucket_public_access_block().block_public_access is True
    with pytest.raises(oss_errors.AccessDenied):  # no new public grants under Block Public Access
        b.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ_WRITE)

    tagging = oss2.models.Tagging()
    tagging.tag_set.add("env", "prod")
    b.put_bucket_tagging(tagging)
    assert b.get_bucket_tagging().tag_set.tagging_rule == {"env": "prod"}
    with pytest.raises(oss_errors.NoSuchCors):
        b.get_bucket_cors()

    names = [x.name for x in oss2.Service(oss2.Auth(ADMIN_AK, ADMIN_SECRET), f"http://{world.endpoint}")
             .list_buckets().buckets]
    assert names == ["audit-new", "audit-private", "audit-public"]  # only this account's, sorted


def test_bucket_errors(world):
    b = _bucket(world, "audit-private")
    with pytest.raises(oss_errors.ServerError) as err:
        b.create_bucket()
    assert (err.value.status, err.value.code) == (409, "BucketAlreadyExists")
    with pytest.raises(oss_errors.ServerError) as err:
        _bucket(world, "other-private").create_bucket()  # the namespace is global
    assert err.value.code == "BucketAlreadyExists"
    with pytest.raises(oss_errors.BucketNotEmpty):
        b.delete_bucket()
    with pytest.raises(oss_errors.InvalidArgument):
        b.put_bucket_acl("world-writable")
    with pytest.raises(oss_errors.NoSuchBucket):
        _bucket(world, "no-such-bucket").get_bucket_acl()
    with pytest.raises(oss_errors.NoSuchBucket):
        _bucket(world, "no-such-bucket").get_object("a.txt")
    b.delete_object("a.txt")
    b.delete_object("dir/b.txt")
    b.delete_bucket()
    with pytest.raises(oss_errors.NoSuchBucket):
        b.get_bucket_info()


def test_objects_round_trip(world):
    b = _bucket(world, "audit-private")
    key = "dir/hello world+100%.txt"
    result = b.put_object(key, b"hello oss", headers={"x-oss-meta-owner": "team-a"})  # oss2 checks the CRC
    assert result.etag == hashlib.md5(b"hello oss").hexdigest().upper()
    assert result.crc == crc64ecma(b"hello oss")
    got = b.get_object(key)
    assert (got.read(), got.content_type, got.headers["x-oss-meta-owner"]) == (b"hello oss", "text/plain", "team-a")
    assert got.etag == result.etag and got.server_crc == result.crc
    part = b.get_object(key, byte_range=(6, 8))
    assert (part.status, part.read(), part.content_range) == (206, b"oss", "bytes 6-8/9")
    head = b.head_object(key)
    assert (head.content_length, head.object_type, head.etag) == (9, "Normal", result.etag)
    assert b.get_object_meta(key).content_length == 9
    assert b.object_exists(key) and not b.object_exists("nope")
    with pytest.raises(oss_errors.NoSuchKey):
        b.get_object("nope")
    with pytest.raises(oss_errors.NoSuchKey):  # HEAD: the error arrives in x-oss-err
        b.head_object("nope")
    binary = bytes(range(256))
    b.put_object("blob.bin", binary)
    assert b.get_object("blob.bin").read() == binary
    b.delete_object(key)
    assert not b.object_exists(key)
    b.delete_object(key)  # deleting a missing key succeeds


def test_copy_object_copies_body_and_metadata_within_the_account(world):
    b = _bucket(world, "audit-private")
    b.put_object("src.json", b'{"a": 1}', headers={"x-oss-meta-owner": "team-a", "Content-Type": "application/json"})
    result = b.copy_object("audit-private", "src.json", "latest/copy.json")
    assert result.etag == hashlib.md5(b'{"a": 1}').hexdigest().upper()
    got = b.get_object("latest/copy.json")
    assert (got.read(), got.content_type, got.headers["x-oss-meta-owner"]) == (b'{"a": 1}', "application/json",
                                                                              "team-a")
    b.copy_object("audit-private", "src.json", "replaced.json", headers={"x-oss-metadata-directive": "REPLACE",
                                                                          "Content-Type": "text/plain"})
    replaced = b.get_object("replaced.json")
    assert replaced.content_type == "text/plain" and "x-oss-meta-owner" not in replaced.headers
    with pytest.raises(oss_errors.NoSuchKey):
        b.copy_object("audit-private", "nope", "x")
    with pytest.raises(oss_errors.AccessDenied):  # another account's object, even one shared for reading
        b.copy_object("other-shared", "shared.txt", "x")
    with pytest.raises(oss_errors.AccessDenied):  # a read-only user may read the source but not write
        _bucket(world, "audit-private", READER_AK, READER_SECRET).copy_object("audit-private", "a.txt", "x")
    assert not b.object_exists("x")


def test_v4_signatures(world):
    auth = oss2.AuthV4(ADMIN_AK, ADMIN_SECRET)
    svc = oss2.Service(auth, f"http://{world.endpoint}", region="cn-hangzhou")
    assert [x.name for x in svc.list_buckets(max_keys=1).buckets] == ["audit-private"]
    b = oss2.Bucket(auth, f"http://{world.endpoint}", "audit-private", region="cn-hangzhou")
    assert b.get_bucket_acl().acl == "private"
    b.put_object("v4 dir/ünï code.txt", b"signed v4")
    listed = b.list_objects_v2(prefix="v4 dir/")
    assert [o.key for o in listed.object_list] == ["v4 dir/ünï code.txt"]
    assert b.get_object("v4 dir/ünï code.txt").read() == b"signed v4"


def _assume_auditor(cloud) -> Any:
    sts = StsClient(pop_config(cloud, ADMIN_AK, ADMIN_SECRET))
    return sts.assume_role(sts_models.AssumeRoleRequest(role_arn=f"acs:ram::{ACCOUNT}:role/auditor",
                                                        role_session_name="oss-audit",
                                                        duration_seconds=3600)).body.credentials


def test_sts_credentials_read_only_then_expire(world, admin):
    creds = _assume_auditor(world)
    auth = oss2.StsAuth(creds.access_key_id, creds.access_key_secret, creds.security_token)
    b = oss2.Bucket(auth, f"http://{world.endpoint}", "audit-private")
    assert b.get_bucket_acl().acl == "private"
    assert b.get_object("a.txt").read() == b"alpha"
    with pytest.raises(oss_errors.AccessDenied):  # the auditor role has ReadOnlyAccess
        b.put_object("x.txt", b"x")
    forged = oss2.StsAuth(creds.access_key_id, creds.access_key_secret, creds.security_token + "x")
    with pytest.raises(oss_errors.ServerError) as err:
        oss2.Bucket(forged, f"http://{world.endpoint}", "audit-private").get_bucket_acl()
    assert (err.value.status, err.value.code) == (403, "InvalidSecurityToken")
    admin.advance(3601)
    with pytest.raises(oss_errors.ServerError) as err:
        b.get_bucket_acl()
    assert (err.value.status, err.value.code) == (403, "SecurityTokenExpired")


@pytest.mark.parametrize(("ak", "secret", "error", "code"), [
    (ADMIN_AK, "wrong-secret", oss_errors.SignatureDoesNotMatch, "SignatureDoesNotMatch"),
    ("LTAInosuchkey000000", "x", oss_errors.ServerError, "InvalidAccessKeyId"),
])
def test_bad_credentials(world, ak, secret, error, code):
    for auth in (oss2.Auth(ak, secret), oss2.AuthV4(ak, secret)):
        with pytest.raises(error) as err:
            oss2.Bucket(auth, f"http://{world.endpoint}", "audit-private", region="cn-hangzhou").get_bucket_acl()
        assert (err.value.status, err.value.code) == (403, code)


def test_read_only_user_is_denied_writes(world, admin):
    b = _bucket(world, "audit-private", READER_AK, READER_SECRET)
    assert [o.key for o in b.list_objects().object_list] == ["a.txt", "dir/b.txt"]
    assert b.get_bucket_acl().acl == "private"
    for write in (lambda: b.put_object("x.txt", b"x"), lambda: b.put_bucket_acl("public-read"),
                  lambda: b.delete_object("a.txt")):
        with pytest.raises(oss_errors.AccessDenied):
            write()
    assert admin.events() == []  # refused writes leave no trail


def test_listing_pages_return_every_item_once(world):
    every = sorted([f"f{i:02d}" for i in range(9)] + [f"d{i}/x{j}" for i in range(4) for j in range(3)]
                   + ["sp ace+%.txt", "ünï/code"])
    load(world, _scenario(oss={"buckets": [{"name": f"page-{i:02d}"} for i in range(7)] + [
        {"name": "page-objects", "objects": {k: k for k in every}}]}))
    svc = oss2.Service(oss2.Auth(ADMIN_AK, ADMIN_SECRET), f"http://{world.endpoint}")
    names, marker, pages = [], "", 0
    while True:
        page = svc.list_buckets(prefix="page-", marker=marker, max_keys=2)
        names += [x.name for x in page.buckets]
        pages += 1
        if not page.is_truncated:
            break
        marker = page.next_marker
    assert names == [f"page-{i:02d}" for i in range(7)] + ["page-objects"] and pages == 4
    assert len([x.name for x in oss2.BucketIterator(svc, max_keys=3)]) == 8

    b = _bucket(world, "page-objects")
    assert [o.key for o in oss2.ObjectIterator(b, max_keys=3)] == every
    assert [o.key for o in oss2.ObjectIteratorV2(b, max_keys=4)] == every
    rolled = [(o.key, o.is_prefix()) for o in oss2.ObjectIterator(b, delimiter="/", max_keys=2)]
    assert rolled == sorted([(f"d{i}/", True) for i in range(4)] + [(f"f{i:02d}", False) for i in range(9)]
                            + [("sp ace+%.txt", False), ("ünï/", True)])
    rolled_v2 = [(o.key, o.is_prefix()) for o in oss2.ObjectIteratorV2(b, delimiter="/", max_keys=3)]
    assert rolled_v2 == rolled
    assert [o.key for o in oss2.ObjectIterator(b, prefix="d2/", max_keys=1)] == ["d2/x0", "d2/x1", "d2/x2"]


def test_forbid_overwrite_makes_exactly_once_markers(world):
    b = _bucket(world, "audit-private")
    once = {"x-oss-forbid-overwrite": "true"}
    b.put_object("markers/run-1", b"first", headers=once)
    with pytest.raises(oss_errors.ServerError) as err:
        b.put_object("markers/run-1", b"second", headers=once)
    assert (err.value.status, err.value.code) == (409, "FileAlreadyExists")
    assert b.get_object("markers/run-1").read() == b"first"
    b.put_object("markers/run-1", b"third")  # without the header a put overwrites
    assert b.get_object("markers/run-1").read() == b"third"
    b.put_bucket_versioning(BucketVersioningConfig("Enabled"))
    b.put_object("markers/run-1", b"fourth", headers=once)  # OSS ignores the header on versioned buckets
    assert b.get_object("markers/run-1").read() == b"fourth"


def test_anonymous_reads_follow_the_bucket_acl(world):
    public = _anonymous(world, "audit-public")
    assert public.get_object("index.html").read() == b"<h1>hi</h1>"
    assert [o.key for o in public.list_objects().object_list] == ["index.html"]
    with pytest.raises(oss_errors.AccessDenied):
        public.put_object("defaced.html", b"x")  # public-read is not public-read-write
    with pytest.raises(oss_errors.AccessDenied):
        public.get_bucket_acl()  # configuration is never public
    private = _anonymous(world, "audit-private")
    with pytest.raises(oss_errors.AccessDenied):
        private.get_object("a.txt")
    with pytest.raises(oss_errors.AccessDenied):
        private.list_objects()
    _bucket(world, "audit-public").put_bucket_public_access_block(True)
    with pytest.raises(oss_errors.AccessDenied):  # Block Public Access overrides the public ACL
        public.get_object("index.html")


def test_cross_account_access_needs_acl_or_bucket_policy(world):
    other = _bucket(world, "audit-private", OTHER_AK, OTHER_SECRET)
    with pytest.raises(oss_errors.AccessDenied):
        other.get_object("a.txt")
    with pytest.raises(oss_errors.AccessDenied):
        other.get_bucket_acl()
    assert _bucket(world, "audit-public", OTHER_AK, OTHER_SECRET).get_object("index.html").read() == b"<h1>hi</h1>"
    shared = _bucket(world, "other-shared")  # our admin, granted by the other account's bucket policy
    assert shared.get_object("shared.txt").read() == b"for you"
    with pytest.raises(oss_errors.AccessDenied):
        shared.put_object("x.txt", b"x")  # the policy grants reads only
    with pytest.raises(oss_errors.AccessDenied):
        _bucket(world, "other-private").get_object("secret.txt")
    # the owner sees its own buckets, wherever they live
    own = oss2.Service(oss2.Auth(OTHER_AK, OTHER_SECRET), f"http://{world.endpoint}").list_buckets()
    assert [(x.name, x.location) for x in own.buckets] == [("other-private", "oss-cn-shanghai"),
                                                          ("other-shared", "oss-cn-hangzhou")]


def test_virtual_host_style_through_the_forward_proxy(world):
    auth = oss2.Auth(ADMIN_AK, ADMIN_SECRET)
    b = oss2.Bucket(auth, "http://oss-cn-hangzhou.aliyuncs.com", "audit-private", proxies={"http": world.url})
    assert b.get_bucket_acl().acl == "private"
    b.put_object("via/proxy.txt", b"vhost")
    assert b.get_object("via/proxy.txt").read() == b"vhost"
    created = oss2.Bucket(auth, "http://oss-cn-beijing.aliyuncs.com", "audit-beijing", proxies={"http": world.url})
    created.create_bucket()
    assert created.get_bucket_location().location == "oss-cn-beijing"  # the endpoint's region
    wrong = oss2.Bucket(auth, "http://oss-cn-shanghai.aliyuncs.com", "audit-private", proxies={"http": world.url})
    with pytest.raises(oss_errors.AccessDenied) as err:
        wrong.get_bucket_acl()
    assert err.value.details["Endpoint"] == "oss-cn-hangzhou.aliyuncs.com"


def test_writes_become_actiontrail_events(world, admin):
    _bucket(world, "audit-private").put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)
    _bucket(world, "audit-private").get_bucket_acl()  # reads are not recorded
    events = admin.events()
    assert [e["eventName"] for e in events] == ["PutBucketAcl"]
    event = events[0]
    assert (event["serviceName"], event["eventRW"], event["acsRegion"]) == ("Oss", "Write", "cn-hangzhou")
    assert event["referencedResources"] == {"ACS::OSS::Bucket": ["audit-private"]}
    assert event["userIdentity"]["type"] == "ram-user" and event["userIdentity"]["accessKeyId"] == ADMIN_AK


def _grant_to_all(bucket: str, condition: dict[str, Any]) -> str:
    return json.dumps({"Version": "1", "Statement": [{
        "Effect": "Allow", "Principal": ["*"], "Action": ["oss:GetObject"],
        "Resource": [f"acs:oss:*:{ACCOUNT}:{bucket}/*"], "Condition": condition}]})


def test_block_public_access_ignores_public_statements_only(world):
    """OSS "Block Public Access": "A statement in a bucket policy is considered non-public if its Principal or
    Condition element meets any of the criteria": acs:SourceVpcId, acs:SourceVpc, acs:AccessId with fixed values
    (no *), acs:SourceIp and acs:SourceVpcIp with masks of at least 8 (IPv6 32). The block ignores public
    statements only; these stay in force (and may be set while it is on)."""
    b = _bucket(world, "audit-private")
    b.put_bucket_public_access_block(True)
    b.put_bucket_policy(_grant_to_all("audit-private", {"StringEquals": {"acs:SourceVpc": ["vpc-t4nlw426y44rd3iq4"]}}))
    # (the emulator has no VPCs: it takes an acs:SourceVpc condition as holding for everyone but the owner)
    assert _anonymous(world, "audit-private").get_object("a.txt").read() == b"alpha"
    b.put_bucket_policy(_grant_to_all("audit-private", {"StringEquals": {"acs:AccessId": [OTHER_AK]}}))
    assert _bucket(world, "audit-private", OTHER_AK, OTHER_SECRET).get_object("a.txt").read() == b"alpha"
    with pytest.raises(oss_errors.AccessDenied):  # the condition names the other account's key, not the anonymous
        _anonymous(world, "audit-private").get_object("a.txt")
    # acs:SourceIp / acs:SourceVpcIp: "the mask must be greater than or equal to 8" (IPv6: 32), the table's last rows
    for ranges in (["10.0.0.0/8"], ["2400:3200::/32"], ["203.0.113.7"]):
        b.put_bucket_policy(_grant_to_all("audit-private", {"IpAddress": {"acs:SourceIp": ranges}}))
    for public in ({"StringLike": {"acs:Referer": ["https://www.example.com/*"]}},
                   {"StringLike": {"acs:SourceVpc": ["vpc-*"]}},  # a wildcard is no fixed value
                   {"IpAddress": {"acs:SourceIp": ["0.0.0.0/7"]}}, {"IpAddress": {"acs:SourceIp": ["2001::/31"]}}):
        with pytest.raises(oss_errors.AccessDenied):  # no new public grant under the block
            b.put_bucket_policy(_grant_to_all("audit-private", public))
    b.put_bucket_public_access_block(False)
    b.put_bucket_policy(_grant_to_all("audit-private", {"StringLike": {"acs:Referer": ["https://www.example.com/*"]}}))
    b.put_bucket_public_access_block(True)
    with pytest.raises(oss_errors.AccessDenied):  # an existing public grant is ignored
        _anonymous(world, "audit-private").get_object("a.txt")
