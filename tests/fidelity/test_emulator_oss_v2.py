"""OSS through a second, independent client: the unmodified alibabacloud-oss-v2 SDK (V4 signing).

The product uses oss2; this SDK parses every answer with its own models, so the emulator's wire shape is
not tuned to one client. Reached directly (an IP endpoint makes the SDK use path-style addressing) and
through the forward proxy with the real virtual-hosted names. The SDK's string form of `proxy_host`
becomes `{"http://": ...}`, a key `requests` never matches (the request then goes to DNS), so the proxy
is given in the dict form `{"http": url}`.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

import alibabacloud_oss_v2 as oss
import pytest
from alibabacloud_oss_v2 import exceptions as oss_exceptions

from tests.emulator import EmulatorServer
from tests.emulator.products.oss import crc64ecma
from tests.sdk import ACCOUNT, ADMIN_AK, ADMIN_SECRET, READER_AK, READER_SECRET, base_scenario, load

POLICY = {"Version": "1", "Statement": [{
    "Effect": "Deny", "Principal": ["*"], "Action": ["oss:*"], "Resource": ["acs:oss:*:*:audit-hardened/*"],
    "Condition": {"Bool": {"acs:SecureTransport": ["false"]}}}]}
CREATED = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


def _scenario(**extra: Any) -> dict[str, Any]:
    return base_scenario(oss={"public_access_block": True, "buckets": [
        {"name": "audit-plain", "objects": {"a.txt": "alpha", "dir/b.txt": "beta"}},
        {"name": "audit-hardened", "region": "cn-shanghai", "acl": "public-read", "policy": POLICY,
         "encryption": {"sse_algorithm": "KMS", "kms_master_key_id": "key-123"}, "versioning": "Enabled",
         "logging": {"target_bucket": "audit-plain", "target_prefix": "access/"}, "public_access_block": True,
         "created": "2024-01-01T00:00:00Z"},
    ]}, **extra)


@pytest.fixture()
def world(cloud: EmulatorServer) -> EmulatorServer:
    load(cloud, _scenario())
    return cloud


def _client(cloud: EmulatorServer, ak: str = ADMIN_AK, secret: str = ADMIN_SECRET, region: str = "cn-hangzhou",
            proxy: bool = False) -> oss.Client:
    """Direct: the emulator's address (path style). proxy=True: oss-<region>.aliyuncs.com via the emulator."""
    cfg = oss.config.load_default()
    cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(ak, secret)
    cfg.region = region
    cfg.retry_max_attempts = 1
    if proxy:
        cfg.disable_ssl = True  # the endpoint comes from the region: http://oss-<region>.aliyuncs.com
        cfg.proxy_host = {"http": cloud.url}
    else:
        cfg.endpoint = f"http://{cloud.endpoint}"
    return oss.Client(cfg)


def _service_error(err: pytest.ExceptionInfo[oss_exceptions.OperationError]) -> oss_exceptions.ServiceError:
    cause = err.value.unwrap()
    assert isinstance(cause, oss_exceptions.ServiceError), cause
    return cause


def test_list_buckets_parses_location_region_and_owner(world: EmulatorServer) -> None:
    result = _client(world).list_buckets(oss.ListBucketsRequest())
    assert result.is_truncated is False
    assert result.owner.id == ACCOUNT
    got = [(b.name, b.location, b.region, b.extranet_endpoint, b.intranet_endpoint, b.storage_class)
           for b in result.buckets]
    assert got == [
        ("audit-hardened", "oss-cn-shanghai", "cn-shanghai", "oss-cn-shanghai.aliyuncs.com",
         "oss-cn-shanghai-internal.aliyuncs.com", "Standard"),
        ("audit-plain", "oss-cn-hangzhou", "cn-hangzhou", "oss-cn-hangzhou.aliyuncs.com",
         "oss-cn-hangzhou-internal.aliyuncs.com", "Standard"),
    ]
    assert result.buckets[0].creation_date == CREATED


def test_list_buckets_paginator_and_prefix(cloud: EmulatorServer) -> None:
    load(cloud, base_scenario(oss={"buckets": [{"name": f"page-{i:02d}"} for i in range(7)] + [{"name": "zz"}]}))
    paginator = _client(cloud).list_buckets_paginator(limit=2)
    pages = list(paginator.iter_page(oss.ListBucketsRequest(prefix="page-")))
    assert [b.name for p in pages for b in p.buckets] == [f"page-{i:02d}" for i in range(7)]
    assert len(pages) == 4 and [p.is_truncated for p in pages] == [True, True, True, False]


def test_bucket_configuration_reads(world: EmulatorServer) -> None:
    client = _client(world)
    plain, hardened = (oss.GetBucketAclRequest(bucket=b) for b in ("audit-plain", "audit-hardened"))
    assert client.get_bucket_acl(plain).acl == "private"
    acl = client.get_bucket_acl(hardened)
    assert (acl.acl, acl.owner.id) == ("public-read", ACCOUNT)

    with pytest.raises(oss_exceptions.OperationError) as err:
        client.get_bucket_policy(oss.GetBucketPolicyRequest(bucket="audit-plain"))
    assert (_service_error(err).status_code, _service_error(err).code) == (404, "NoSuchBucketPolicy")
    assert json.loads(client.get_bucket_policy(oss.GetBucketPolicyRequest(bucket="audit-hardened")).body) == POLICY

    with pytest.raises(oss_exceptions.OperationError) as err:
        client.get_bucket_encryption(oss.GetBucketEncryptionRequest(bucket="audit-plain"))
    assert (_service_error(err).status_code, _service_error(err).code) == (404, "NoSuchServerSideEncryptionRule")
    rule = client.get_bucket_encryption(oss.GetBucketEncryptionRequest(bucket="audit-hardened")) \
        .server_side_encryption_rule.apply_server_side_encryption_by_default
    assert (rule.sse_algorithm, rule.kms_master_key_id) == ("KMS", "key-123")

    assert client.get_bucket_versioning(oss.GetBucketVersioningRequest(bucket="audit-plain")).version_status is None
    assert client.get_bucket_versioning(
        oss.GetBucketVersioningRequest(bucket="audit-hardened")).version_status == "Enabled"

    assert client.get_bucket_logging(
        oss.GetBucketLoggingRequest(bucket="audit-plain")).bucket_logging_status.logging_enabled is None
    logging = client.get_bucket_logging(
        oss.GetBucketLoggingRequest(bucket="audit-hardened")).bucket_logging_status.logging_enabled
    assert (logging.target_bucket, logging.target_prefix) == ("audit-plain", "access/")

    def bpa(bucket: str) -> bool | None:
        return client.get_bucket_public_access_block(oss.GetBucketPublicAccessBlockRequest(
            bucket=bucket)).public_access_block_configuration.block_public_access

    assert (bpa("audit-plain"), bpa("audit-hardened")) == (False, True)
    account = client.get_public_access_block(oss.GetPublicAccessBlockRequest())
    assert account.public_access_block_configuration.block_public_access is True


def test_bucket_info(world: EmulatorServer) -> None:
    client = _client(world)
    plain = client.get_bucket_info(oss.GetBucketInfoRequest(bucket="audit-plain")).bucket_info
    assert (plain.name, plain.location, plain.acl, plain.owner.id, plain.storage_class) == (
        "audit-plain", "oss-cn-hangzhou", "private", ACCOUNT, "Standard")
    assert (plain.extranet_endpoint, plain.intranet_endpoint) == ("oss-cn-hangzhou.aliyuncs.com",
                                                                   "oss-cn-hangzhou-internal.aliyuncs.com")
    assert plain.sse_rule.sse_algorithm == "None" and plain.sse_rule.kms_master_key_id is None
    assert plain.versioning is None and plain.block_public_access is False
    assert plain.bucket_policy.log_bucket is None
    assert (plain.access_monitor, plain.data_redundancy_type) == ("Disabled", "LRS")

    hard = client.get_bucket_info(oss.GetBucketInfoRequest(bucket="audit-hardened")).bucket_info
    assert (hard.location, hard.acl, hard.creation_date) == ("oss-cn-shanghai", "public-read", CREATED)
    assert (hard.sse_rule.sse_algorithm, hard.sse_rule.kms_master_key_id) == ("KMS", "key-123")
    assert (hard.versioning, hard.block_public_access) == ("Enabled", True)
    assert (hard.bucket_policy.log_bucket, hard.bucket_policy.log_prefix) == ("audit-plain", "access/")


def test_object_round_trip(world: EmulatorServer) -> None:
    client = _client(world)
    key, body = "dir/hello world+100%ü.txt", b"hello oss v2"
    put = client.put_object(oss.PutObjectRequest(  # the SDK checks the answer's CRC-64 against its own
        bucket="audit-plain", key=key, body=body, content_type="text/plain", metadata={"owner": "team-a"}))
    etag = f'"{hashlib.md5(body).hexdigest().upper()}"'
    assert put.status_code == 200 and put.etag == etag and put.hash_crc64 == str(crc64ecma(body))

    got = client.get_object(oss.GetObjectRequest(bucket="audit-plain", key=key))
    assert got.body.read() == body
    assert (got.content_length, got.content_type, got.etag, got.metadata) == (len(body), "text/plain", etag,
                                                                              {"owner": "team-a"})
    assert got.hash_crc64 == str(crc64ecma(body)) and got.last_modified is not None
    part = client.get_object(oss.GetObjectRequest(bucket="audit-plain", key=key, range_header="bytes=6-8"))
    assert (part.status_code, part.body.read(), part.content_range) == (206, b"oss", "bytes 6-8/12")

    head = client.head_object(oss.HeadObjectRequest(bucket="audit-plain", key=key))
    assert (head.content_length, head.etag, head.object_type, head.metadata) == (len(body), etag, "Normal",
                                                                                 {"owner": "team-a"})
    assert client.is_object_exist("audit-plain", key) and not client.is_object_exist("audit-plain", "nope")

    with pytest.raises(oss_exceptions.OperationError) as err:
        client.get_object(oss.GetObjectRequest(bucket="audit-plain", key="nope"))
    assert (_service_error(err).status_code, _service_error(err).code) == (404, "NoSuchKey")
    with pytest.raises(oss_exceptions.OperationError) as err:  # HEAD: the error comes in x-oss-err
        client.head_object(oss.HeadObjectRequest(bucket="audit-plain", key="nope"))
    assert (_service_error(err).status_code, _service_error(err).code) == (404, "NoSuchKey")

    assert client.delete_object(oss.DeleteObjectRequest(bucket="audit-plain", key=key)).status_code == 204
    assert not client.is_object_exist("audit-plain", key)
    assert client.delete_object(oss.DeleteObjectRequest(bucket="audit-plain", key=key)).status_code == 204

    with pytest.raises(oss_exceptions.OperationError) as err:
        client.get_bucket_acl(oss.GetBucketAclRequest(bucket="no-such-bucket"))
    assert (_service_error(err).status_code, _service_error(err).code) == (404, "NoSuchBucket")


def test_list_objects_v2_paginator_returns_every_key_once(cloud: EmulatorServer) -> None:
    every = sorted([f"f{i:02d}" for i in range(9)] + [f"d{i}/x{j}" for i in range(4) for j in range(3)]
                   + ["sp ace+%.txt", "ünï/code", "a&b=c?.txt"])
    load(cloud, base_scenario(oss={"buckets": [{"name": "page-objects", "objects": {k: k for k in every}}]}))
    client = _client(cloud)
    paginator = client.list_objects_v2_paginator(limit=4)
    pages = list(paginator.iter_page(oss.ListObjectsV2Request(bucket="page-objects")))
    assert [o.key for p in pages for o in p.contents] == every  # the SDK url-decodes (encoding-type=url)
    assert len(pages) == 6 and all(p.key_count == len(p.contents) for p in pages)
    assert pages[0].contents[0].size == len(every[0]) and pages[0].contents[0].storage_class == "Standard"

    rolled = list(paginator.iter_page(oss.ListObjectsV2Request(bucket="page-objects", delimiter="/"), limit=3))
    keys = [o.key for p in rolled for o in (p.contents or [])]  # a page of prefixes only has None
    prefixes = [c.prefix for p in rolled for c in (p.common_prefixes or [])]
    assert keys == sorted([f"f{i:02d}" for i in range(9)] + ["sp ace+%.txt", "a&b=c?.txt"])
    assert prefixes == [f"d{i}/" for i in range(4)] + ["ünï/"]

    one = client.list_objects_v2(oss.ListObjectsV2Request(bucket="page-objects", prefix="d2/", max_keys=2))
    assert ([o.key for o in one.contents], one.is_truncated, one.prefix) == (["d2/x0", "d2/x1"], True, "d2/")
    rest = client.list_objects_v2(oss.ListObjectsV2Request(bucket="page-objects", prefix="d2/", max_keys=2,
                                                           continuation_token=one.next_continuation_token))
    assert ([o.key for o in rest.contents], rest.is_truncated) == (["d2/x2"], False)


def test_virtual_hosted_names_through_the_forward_proxy(world: EmulatorServer) -> None:
    client = _client(world, proxy=True)
    assert [b.name for b in client.list_buckets(oss.ListBucketsRequest()).buckets] == ["audit-hardened",
                                                                                        "audit-plain"]
    assert client.get_bucket_acl(oss.GetBucketAclRequest(bucket="audit-plain")).acl == "private"
    client.put_object(oss.PutObjectRequest(bucket="audit-plain", key="via/proxy.txt", body=b"vhost"))
    assert client.get_object(oss.GetObjectRequest(bucket="audit-plain", key="via/proxy.txt")).body.read() == b"vhost"
    with pytest.raises(oss_exceptions.OperationError) as err:  # a cn-shanghai bucket on the cn-hangzhou endpoint
        client.get_bucket_acl(oss.GetBucketAclRequest(bucket="audit-hardened"))
    error = _service_error(err)
    assert (error.status_code, error.code) == (403, "AccessDenied")
    assert error.error_fileds["Endpoint"] == "oss-cn-shanghai.aliyuncs.com"
    shanghai = _client(world, region="cn-shanghai", proxy=True)
    assert shanghai.get_bucket_acl(oss.GetBucketAclRequest(bucket="audit-hardened")).acl == "public-read"


def test_read_only_user_reads_but_cannot_write(world: EmulatorServer) -> None:
    client = _client(world, READER_AK, READER_SECRET)
    assert client.get_bucket_acl(oss.GetBucketAclRequest(bucket="audit-plain")).acl == "private"
    with pytest.raises(oss_exceptions.OperationError) as err:
        client.put_object(oss.PutObjectRequest(bucket="audit-plain", key="x.txt", body=b"x"))
    assert (_service_error(err).status_code, _service_error(err).code) == (403, "AccessDenied")


@pytest.mark.parametrize(("ak", "secret", "code"), [
    (ADMIN_AK, "wrong-secret", "SignatureDoesNotMatch"),
    ("LTAInosuchkey000000", "x", "InvalidAccessKeyId"),
])
@pytest.mark.parametrize("proxy", [False, True])
def test_bad_credentials(world: EmulatorServer, ak: str, secret: str, code: str, proxy: bool) -> None:
    client = _client(world, ak, secret, proxy=proxy)
    for call in (lambda: client.get_bucket_acl(oss.GetBucketAclRequest(bucket="audit-plain")),
                 lambda: client.list_buckets(oss.ListBucketsRequest())):
        with pytest.raises(oss_exceptions.OperationError) as err:
            call()
        assert (_service_error(err).status_code, _service_error(err).code) == (403, code)
