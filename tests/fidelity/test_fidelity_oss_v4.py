"""Issue 14 item 8: OSS withdraws V1 signatures (new accounts from 2025-03, new buckets from 2025-09, in phases;
https://alibabacloud.com/en/notice/notice_on_the_discontinuation_of_the_oss_v1_signature_algorithm_40f). The
emulator refuses V1 for an account or a bucket that says so; the product signs every OSS call with V4."""

from __future__ import annotations

import oss2
import pytest

from tests.scanning import scan
from tests.sdk import ADMIN_AK, ADMIN_SECRET, base_scenario, load


def _scenario(account_v1: bool) -> dict:
    data = base_scenario()
    data["accounts"][0]["oss"] = {"v1_signature": account_v1, "buckets": [
        {"name": "new-bucket", "region": "cn-hangzhou", "v1_signature": False},
        {"name": "old-bucket", "region": "cn-hangzhou", "acl": "public-read"}]}
    return data


def _bucket(cloud, auth, name: str) -> oss2.Bucket:
    return oss2.Bucket(auth, "http://oss-cn-hangzhou.aliyuncs.com", name, proxies={"http": cloud.url},
                       region="cn-hangzhou")


def test_a_bucket_can_refuse_v1(cloud):
    load(cloud, _scenario(account_v1=True))
    v1, v4 = oss2.Auth(ADMIN_AK, ADMIN_SECRET), oss2.AuthV4(ADMIN_AK, ADMIN_SECRET)
    with pytest.raises(oss2.exceptions.AccessDenied) as err:
        _bucket(cloud, v1, "new-bucket").get_bucket_acl()
    assert "V1 signature is no longer supported for this bucket" in err.value.message
    assert _bucket(cloud, v4, "new-bucket").get_bucket_acl().acl == "private"
    assert _bucket(cloud, v1, "old-bucket").get_bucket_acl().acl == "public-read"


def test_an_account_can_refuse_v1(cloud):
    load(cloud, _scenario(account_v1=False))
    service = oss2.Service(oss2.Auth(ADMIN_AK, ADMIN_SECRET), "http://oss-cn-hangzhou.aliyuncs.com",
                           proxies={"http": cloud.url})
    with pytest.raises(oss2.exceptions.AccessDenied):
        service.list_buckets()
    with pytest.raises(oss2.exceptions.AccessDenied):
        _bucket(cloud, oss2.Auth(ADMIN_AK, ADMIN_SECRET), "old-bucket").get_bucket_acl()


def test_the_product_audits_buckets_that_refuse_v1(cloud):
    load(cloud, _scenario(account_v1=False))
    findings = scan(cloud, families=["oss"], regions=["cn-hangzhou"])
    assert findings and not [f for f in findings if f.status.value == "ERROR"]
    acl = {f.resource_id: f.status.value for f in findings if f.check_id == "oss_bucket_not_publicly_accessible"}
    assert acl == {"new-bucket": "PASS", "old-bucket": "FAIL"}
