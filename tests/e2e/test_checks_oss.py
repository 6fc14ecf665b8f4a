"""OSS checks (CIS 5.1-5.9, 2.2 and beyond) through the scan entry point against the emulated OSS, plus
the public-exposure and HTTPS-policy analysis on their own, and the oss2 clients of the factory."""

from __future__ import annotations

import types
from typing import Any

import oss2
import pytest

from aliaudit.bucket_policy import Exposure, https_enforced, public_exposure, public_grants
from aliaudit.clients import ClientFactory
from aliaudit.collectors import oss as oss_collector
from aliaudit.collectors.oss import BucketInfo
from aliaudit.config import AuditConfig
from aliaudit.credentials.providers import AssumeRoleProvider, StaticProvider
from aliaudit.settings import EndpointSettings
from tests.scanning import by_resource, scan
from tests.sdk import (
    ACCOUNT,
    ADMIN_AK,
    ADMIN_SECRET,
    READER_AK,
    READER_SECRET,
    ROOT_AK,
    ROOT_SECRET,
    base_scenario,
    load,
)

OTHER = "6543210987654321"


def _st(effect: str = "Allow", principal: Any = "*", action: Any = "oss:GetObject", resource: Any = "*",
        condition: dict[str, Any] | None = None) -> dict[str, Any]:
    st: dict[str, Any] = {"Effect": effect, "Principal": principal if isinstance(principal, list) else [principal],
                          "Action": action if isinstance(action, list) else [action],
                          "Resource": resource if isinstance(resource, list) else [resource]}
    if condition:
        st["Condition"] = condition
    return st


def _policy(*sts: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "1", "Statement": list(sts)}


def _res(bucket: str) -> list[str]:
    return [f"acs:oss:*:{ACCOUNT}:{bucket}", f"acs:oss:*:{ACCOUNT}:{bucket}/*"]


HTTPS_DENY = _st("Deny", action="oss:*", resource=f"acs:oss:*:{ACCOUNT}:good/*",
                 condition={"Bool": {"acs:SecureTransport": ["false"]}})


def _bucket(name: str, region: str = "cn-hangzhou", **kw: Any) -> dict[str, Any]:
    return {"name": name, "region": region, **kw}


def account() -> dict[str, Any]:
    data = base_scenario()
    data["accounts"][0]["oss"] = {"buckets": [
        _bucket("good", "cn-shanghai", public_access_block=True, logging={"target_bucket": "logs-sh"},
                encryption={"sse_algorithm": "KMS", "kms_master_key_id": "key-byok-1"}, versioning="Enabled",
                policy=_policy(HTTPS_DENY, _st(principal=OTHER, resource=_res("good"),
                                               condition={"StringEquals": {"acs:SourceVpc": ["vpc-abc"]}}))),
        _bucket("logs-sh", "cn-shanghai", encryption={"sse_algorithm": "KMS"}, versioning="Suspended"),
        _bucket("public-acl", acl="public-read", encryption={"sse_algorithm": "AES256"}),
        _bucket("referer-only", encryption={"sse_algorithm": "SM4"}, policy=_policy(
            _st(resource=_res("referer-only"), condition={"StringLike": {"acs:Referer": ["https://*.example.com/*"]}}))),
        _bucket("ip-restricted", policy=_policy(
            _st(resource=_res("ip-restricted"), condition={"IpAddress": {"acs:SourceIp": ["203.0.113.0/24"]}}))),
        _bucket("any-ip", policy=_policy(
            _st(principal=OTHER, resource=_res("any-ip"), condition={"IpAddress": {"acs:SourceIp": ["0.0.0.0/0"]}}))),
        _bucket("blocked-public", acl="public-read-write", public_access_block=True,
                policy=_policy(_st(action="oss:*", resource=_res("blocked-public")))),
        _bucket("fenced", acl="public-read", policy=_policy(
            _st("Deny", action="oss:*", resource="*",
                condition={"NotIpAddress": {"acs:SourceIp": ["198.51.100.0/24"]}}))),
        _bucket("allow-https", policy=_policy(
            _st(principal=OTHER, resource=_res("allow-https"), condition={"Bool": {"acs:SecureTransport": ["true"]}}))),
        _bucket("http-partial", policy=_policy(
            _st("Deny", action="oss:PutObject", resource=_res("http-partial"),
                condition={"Bool": {"acs:SecureTransport": ["false"]}}))),
        _bucket("trail-logs", "cn-shanghai", acl="public-read-write",
                encryption={"sse_algorithm": "KMS", "kms_master_key_id": "alias/acs/oss"}),
    ]}
    data["accounts"][0]["actiontrail"] = {"trails": [
        {"name": "main", "oss_bucket_name": "trail-logs"},
        {"name": "archive", "oss_bucket_name": "central-archive-bucket"}]}
    data["accounts"][0]["kms"] = {"keys": [{"id": "key-byok-1", "region": "cn-shanghai"}]}  # good's customer key
    return data


ALL = {"good", "logs-sh", "public-acl", "referer-only", "ip-restricted", "any-ip", "blocked-public", "fenced",
       "allow-https", "http-partial", "trail-logs"}


def _expect(passing: set[str], other: str = "FAIL", **special: str) -> dict[str, str]:
    out = {b: ("PASS" if b in passing else other) for b in ALL}
    out.update(special)
    return out


def test_oss_checks_pass_and_fail(cloud, admin):
    load(cloud, account())
    findings = scan(cloud, families=["oss"])
    assert by_resource(findings, "oss_bucket_not_exposed") == _expect(
        ALL - {"public-acl", "referer-only", "trail-logs"})
    # CIS 5.1 as its audit reads: a public ACL (Block Public Access aside) or any Allow to * (conditions aside)
    assert by_resource(findings, "oss_bucket_not_publicly_accessible") == _expect(
        ALL - {"public-acl", "referer-only", "trail-logs", "blocked-public", "ip-restricted", "fenced"})
    assert by_resource(findings, "oss_bucket_objects_not_public") == _expect(
        {"good", "blocked-public"}, other="MANUAL", **{"public-acl": "FAIL", "referer-only": "FAIL",
                                                       "trail-logs": "FAIL"})
    assert by_resource(findings, "oss_bucket_logging_enabled") == _expect({"good"})
    assert by_resource(findings, "oss_bucket_secure_transport_enabled") == _expect({"good"})
    assert by_resource(findings, "oss_signed_url_https_only") == _expect({"good"}, other="MANUAL")
    # CIS 5.7 asks for a policy limiting the networks: only those with one pass (a VPC, an IP range, a fence)
    assert by_resource(findings, "oss_bucket_network_access_restricted") == _expect(
        {"good", "ip-restricted", "fenced"})
    assert by_resource(findings, "oss_bucket_encrypted_with_service_key") == _expect({"good", "logs-sh", "trail-logs"})
    assert by_resource(findings, "oss_bucket_encrypted_with_byok") == _expect({"good"})
    assert by_resource(findings, "oss_bucket_default_encryption_enabled") == _expect(
        {"good", "logs-sh", "public-acl", "referer-only", "trail-logs"})
    assert by_resource(findings, "oss_bucket_versioning_enabled") == _expect({"good"})
    assert by_resource(findings, "oss_bucket_public_access_block_enabled") == _expect({"good", "blocked-public"})
    assert by_resource(findings, "oss_bucket_policy_no_public_grant") == _expect(
        ALL - {"referer-only", "blocked-public"})
    assert by_resource(findings, "oss_account_public_access_block_enabled") == {ACCOUNT: "FAIL"}
    assert by_resource(findings, "oss_signed_url_short_expiry") == {ACCOUNT: "MANUAL"}
    assert by_resource(findings, "oss_trail_bucket_not_public") == {"trail-logs": "FAIL",
                                                                    "central-archive-bucket": "MANUAL"}
    assert by_resource(findings, "oss_trail_bucket_not_exposed") == {"trail-logs": "FAIL",
                                                                     "central-archive-bucket": "MANUAL"}
    assert by_resource(findings, "oss_report_bucket_secured") == {}  # none configured

    # each finding carries its bucket's region; account-level ones stay global
    region = {(f.check_id, f.resource_id): f.region for f in findings}
    assert region[("oss_bucket_logging_enabled", "good")] == "cn-shanghai"
    assert region[("oss_bucket_logging_enabled", "public-acl")] == "cn-hangzhou"
    assert region[("oss_trail_bucket_not_public", "trail-logs")] == "cn-shanghai"
    assert region[("oss_account_public_access_block_enabled", ACCOUNT)] == "global"

    msg = {(f.check_id, f.resource_id): f.message for f in findings}
    assert "acs:referer" in msg[("oss_bucket_not_exposed", "referer-only")]
    assert msg[("oss_bucket_not_publicly_accessible", "ip-restricted")] == (
        "statement 1 allows everyone (*) oss:GetObject")
    assert msg[("oss_bucket_not_publicly_accessible", "blocked-public")] == (
        "bucket ACL is public-read-write; statement 1 allows everyone (*) oss:*")
    assert "0.0.0.0/0" in msg[("oss_bucket_network_access_restricted", "any-ip")]
    assert msg[("oss_bucket_network_access_restricted", "logs-sh")].startswith(
        "no bucket policy limits access to given networks")
    assert "acs:sourceip 203.0.113.0/24" in msg[("oss_bucket_network_access_restricted", "ip-restricted")]
    assert "only for oss:PutObject" in msg[("oss_bucket_secure_transport_enabled", "http-partial")]
    assert "Block Public Access ignores it for now" in msg[("oss_bucket_policy_no_public_grant", "blocked-public")]
    assert msg[("oss_trail_bucket_not_public", "trail-logs")] == "trail main: bucket ACL is public-read-write"
    assert "main" in msg[("oss_trail_bucket_not_exposed", "trail-logs")]
    assert msg[("oss_bucket_encrypted_with_byok", "trail-logs")].startswith(
        "SSE-KMS with the service key alias/acs/oss")
    assert msg[("oss_bucket_encrypted_with_byok", "good")].startswith("SSE-KMS with your Enabled key key-byok-1")
    assert "denies everyone outside its networks" in msg[("oss_bucket_not_exposed", "fenced")]
    assert msg[("oss_bucket_policy_no_public_grant", "any-ip")] == "the bucket policy grants nothing to *"
    assert msg[("oss_bucket_policy_no_public_grant", "ip-restricted")].startswith("every grant to * is restricted")
    top = next(f for f in findings if f.check_id == "oss_bucket_not_publicly_accessible")
    assert top.cis == ["5.1"] and top.severity.value == "critical" and top.resource_type == "oss:bucket"
    assert {f.cis == [] for f in findings if f.check_id.endswith("_not_exposed")} == {True}
    # ListBuckets once for the whole scan (a global dataset), every per-bucket read once per bucket
    calls = admin.calls()
    assert calls["oss:ListBuckets"] == 1 and calls["oss:GetPublicAccessBlock"] == 1
    for api in ("GetBucketAcl", "GetBucketPolicy", "GetBucketLogging", "GetBucketEncryption", "GetBucketVersioning",
                "GetBucketPublicAccessBlock"):
        assert calls[f"oss:{api}"] == len(ALL), api


def test_account_block_and_a_clean_account(cloud):
    """Read-only auditor; account-level Block Public Access neutralises public ACLs and policies."""
    data = account()
    oss = data["accounts"][0]["oss"]
    oss["public_access_block"] = True
    oss["buckets"] = [b for b in oss["buckets"] if b["name"] in ("good", "logs-sh", "public-acl", "referer-only")]
    load(cloud, data)
    findings = scan(cloud, families=["oss"], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, "oss_account_public_access_block_enabled") == {ACCOUNT: "PASS"}
    assert set(by_resource(findings, "oss_bucket_not_exposed").values()) == {"PASS"}
    # the 5.1 audit reads the ACL and the policy as they are, the block aside
    assert by_resource(findings, "oss_bucket_not_publicly_accessible") == {
        "good": "PASS", "logs-sh": "PASS", "public-acl": "FAIL", "referer-only": "FAIL"}
    assert set(by_resource(findings, "oss_bucket_public_access_block_enabled").values()) == {"PASS"}
    assert set(by_resource(findings, "oss_bucket_objects_not_public").values()) == {"PASS"}
    assert by_resource(findings, "oss_bucket_policy_no_public_grant")["referer-only"] == "FAIL"  # latent
    assert not [f for f in findings if f.status.value == "ERROR"]


def test_denied_get_bucket_acl_gives_error_for_the_checks_that_need_it(cloud):
    data = account()
    ram = data["accounts"][0]["ram"]
    ram["policies"] = [{"name": "NoAcl", "document": _policy(
        {"Effect": "Deny", "Action": ["oss:GetBucketAcl"], "Resource": "*"})}]
    ram["groups"][0]["policies"].append({"name": "NoAcl", "type": "Custom"})
    load(cloud, data)
    findings = scan(cloud, families=["oss"], ak=READER_AK, secret=READER_SECRET)
    public = by_resource(findings, "oss_bucket_not_exposed")
    # the ACL decides only where no Block Public Access covers the bucket and the policy is not public already
    assert public == _expect({"good", "blocked-public"}, other="ERROR", **{"referer-only": "FAIL"})
    err = next(f for f in findings if f.check_id == "oss_bucket_not_exposed" and f.resource_id == "any-ip")
    assert "AccessDenied" in err.message and err.region == "cn-hangzhou"
    # the 5.1 audit's reading: an Allow to * fails whatever the ACL; without one the unread ACL decides
    assert by_resource(findings, "oss_bucket_not_publicly_accessible") == _expect(
        set(), other="ERROR", **{"referer-only": "FAIL", "ip-restricted": "FAIL", "blocked-public": "FAIL"})
    assert by_resource(findings, "oss_trail_bucket_not_public")["trail-logs"] == "ERROR"
    assert by_resource(findings, "oss_trail_bucket_not_exposed")["trail-logs"] == "ERROR"
    # checks that do not need the ACL keep their verdicts; "fenced" denies everyone outside 10.0.0.0/8 but the
    # owner's root, the read-only auditor included: its bucket policy locks the auditor out of every read
    assert by_resource(findings, "oss_bucket_logging_enabled") == _expect({"good"}, fenced="ERROR")
    assert by_resource(findings, "oss_bucket_encrypted_with_byok") == _expect({"good"}, fenced="ERROR")


def test_denied_account_public_access_block_read(cloud):
    data = account()
    ram = data["accounts"][0]["ram"]
    ram["policies"] = [{"name": "NoPab", "document": _policy(
        {"Effect": "Deny", "Action": ["oss:GetPublicAccessBlock"], "Resource": "*"})}]
    ram["groups"][0]["policies"].append({"name": "NoPab", "type": "Custom"})
    load(cloud, data)
    findings = scan(cloud, families=["oss"], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, "oss_account_public_access_block_enabled") == {ACCOUNT: "ERROR"}
    public = by_resource(findings, "oss_bucket_not_exposed")
    # only where the account-level block could change the verdict is it an ERROR
    assert public["public-acl"] == public["referer-only"] == public["trail-logs"] == "ERROR"
    assert public["logs-sh"] == public["good"] == public["blocked-public"] == "PASS"
    # the 5.1 audit's reading does not depend on the block ("fenced" locks the read-only auditor out of its reads)
    assert by_resource(findings, "oss_bucket_not_publicly_accessible") == _expect(
        ALL - {"public-acl", "referer-only", "trail-logs", "blocked-public", "ip-restricted", "fenced"},
        fenced="ERROR")
    assert by_resource(findings, "oss_bucket_public_access_block_enabled")["any-ip"] == "ERROR"
    assert by_resource(findings, "oss_bucket_public_access_block_enabled")["good"] == "PASS"


def test_denied_list_buckets_gives_error_findings(cloud):
    data = account()
    ram = data["accounts"][0]["ram"]
    ram["policies"] = [{"name": "NoList", "document": _policy(
        {"Effect": "Deny", "Action": ["oss:ListBuckets"], "Resource": "*"})}]
    ram["groups"][0]["policies"].append({"name": "NoList", "type": "Custom"})
    load(cloud, data)
    findings = scan(cloud, families=["oss"], ak=READER_AK, secret=READER_SECRET)
    assert findings and all(f.status.value == "ERROR" and "AccessDenied" in f.message for f in findings)
    assert {f.check_id for f in findings} == {c for c in _oss_check_ids()}


def _oss_check_ids() -> set[str]:
    from aliaudit.checks.registry import all_checks

    return {cid for cid in all_checks() if cid.startswith("oss_")}


def test_list_buckets_is_paged_to_the_end(cloud, admin, monkeypatch):
    monkeypatch.setattr(oss_collector, "BUCKET_PAGE_SIZE", 4)
    data = account()
    data["accounts"][0]["oss"]["buckets"] += [_bucket(f"bulk-{i:02d}", "cn-shanghai") for i in range(6)]
    load(cloud, data)
    findings = scan(cloud, checks=["oss_bucket_logging_enabled"])
    seen = by_resource(findings, "oss_bucket_logging_enabled")
    assert set(seen) == ALL | {f"bulk-{i:02d}" for i in range(6)}  # 17 buckets
    assert admin.calls()["oss:ListBuckets"] == 5  # ceil(17 / 4)


def test_list_buckets_pages_of_a_thousand(cloud, admin):
    data = base_scenario()
    data["accounts"][0]["oss"] = {"buckets": [_bucket(f"b{i:04d}") for i in range(1003)]}
    load(cloud, data)
    service = ClientFactory(StaticProvider(ROOT_AK, ROOT_SECRET),
                            EndpointSettings(protocol="http", proxy=cloud.url)).oss_service()
    names, marker = [], ""
    while True:  # the collector's loop, at the real page size, without the per-bucket reads
        page = service.list_buckets(marker=marker, max_keys=oss_collector.BUCKET_PAGE_SIZE)
        names += [b.name for b in page.buckets]
        if not page.is_truncated:
            break
        marker = page.next_marker
    assert len(names) == len(set(names)) == 1003 and admin.calls()["oss:ListBuckets"] == 2


def test_report_buckets_must_be_private_encrypted_and_versioned(cloud):
    load(cloud, account())
    config = AuditConfig(report_buckets=["good", "public-acl", "logs-sh", "not-mine"])
    findings = scan(cloud, checks=["oss_report_bucket_secured"], config=config)
    assert by_resource(findings, "oss_report_bucket_secured") == {
        "good": "PASS", "public-acl": "FAIL", "logs-sh": "FAIL", "not-mine": "MANUAL"}
    msg = {f.resource_id: f.message for f in findings}
    assert "public" in msg["public-acl"] and "versioning never enabled" in msg["public-acl"]
    assert "versioning Suspended" in msg["logs-sh"] and "public" not in msg["logs-sh"]


# --- CIS 5.9: the bucket's KMS key looked up in its region ------------------------------------------------------

def _byok_account() -> dict[str, Any]:
    data = base_scenario()
    kms = [("byok-ok", "KMS"), ("byok-arn", f"acs:kms:cn-hangzhou:{ACCOUNT}:key/k-mine"), ("byok-svc", "k-oss"),
           ("byok-off", "k-off"), ("byok-del", "k-del"), ("byok-gone", "k-unknown"), ("byok-alias", "alias/mine"),
           ("byok-region", "k-sh")]
    data["accounts"][0]["oss"] = {"buckets": [
        _bucket(name, encryption={"sse_algorithm": "KMS", "kms_master_key_id": "k-mine" if key == "KMS" else key})
        for name, key in kms] + [_bucket("byok-sh", "cn-shanghai", encryption={"sse_algorithm": "KMS",
                                                                               "kms_master_key_id": "k-sh"})]}
    data["accounts"][0]["kms"] = {"keys": [
        {"id": "k-mine", "aliases": ["alias/mine"]}, {"id": "k-oss", "creator": "Oss"},
        {"id": "k-off", "state": "Disabled"}, {"id": "k-del", "state": "PendingDeletion"},
        {"id": "k-sh", "region": "cn-shanghai"}]}
    return data


def test_byok_key_is_looked_up_among_the_regions_keys(cloud, admin):
    load(cloud, _byok_account())
    findings = scan(cloud, checks=["oss_bucket_encrypted_with_byok"])
    assert by_resource(findings, "oss_bucket_encrypted_with_byok") == {
        "byok-ok": "PASS", "byok-arn": "PASS", "byok-svc": "FAIL", "byok-off": "FAIL", "byok-del": "FAIL",
        "byok-gone": "MANUAL", "byok-alias": "MANUAL", "byok-region": "MANUAL", "byok-sh": "PASS"}
    msg = {f.resource_id: f.message for f in findings}
    assert "created by Oss" in msg["byok-svc"] and "Disabled" in msg["byok-off"]
    assert "PendingDeletion" in msg["byok-del"]
    assert "not among the account's KMS keys in cn-hangzhou" in msg["byok-region"]
    calls = admin.calls()
    assert calls["kms:ListKeys"] == 2  # once per region with a named key, whatever the number of buckets


def test_byok_key_listing_denied_is_error(cloud):
    data = _byok_account()
    ram = data["accounts"][0]["ram"]
    ram["policies"] = [{"name": "NoKms", "document": _policy({"Effect": "Deny", "Action": ["kms:ListKeys"],
                                                               "Resource": "*"})}]
    ram["groups"][0]["policies"].append({"name": "NoKms", "type": "Custom"})
    load(cloud, data)
    verdicts = by_resource(scan(cloud, checks=["oss_bucket_encrypted_with_byok"], ak=READER_AK, secret=READER_SECRET),
                           "oss_bucket_encrypted_with_byok")
    assert verdicts["byok-ok"] == verdicts["byok-svc"] == verdicts["byok-sh"] == "ERROR"
    assert verdicts["byok-alias"] == "MANUAL"  # an alias is not looked up


# --- an answer without BlockPublicAccess -----------------------------------------------------------------------------

def test_block_public_access_not_answered_is_unknown() -> None:
    """oss2's own parser (xml_utils.parse_get_public_access_block_result, shared by the account, bucket and access
    point answers) leaves block_public_access None when <BlockPublicAccess> is absent: the collector reads that as
    unread, never "off" (its verdicts: the check cases of tests/check_cases/oss.py)."""
    answered, bare = types.SimpleNamespace(block_public_access=None), types.SimpleNamespace(block_public_access=None)
    oss2.xml_utils.parse_get_public_access_block_result(
        answered, b"<PublicAccessBlockConfiguration><BlockPublicAccess>true</BlockPublicAccess>"
                  b"</PublicAccessBlockConfiguration>")
    oss2.xml_utils.parse_get_public_access_block_result(bare, b"<PublicAccessBlockConfiguration/>")
    assert oss_collector._block_answer(answered, "GetPublicAccessBlock") is True
    with pytest.raises(ValueError, match="GetPublicAccessBlock answered without BlockPublicAccess"):
        oss_collector._block_answer(bare, "GetPublicAccessBlock")
    # the account check says why it could not judge
    from tests.check_cases.oss import inv
    from tests.check_inputs import run_check
    (found,) = run_check("oss_account_public_access_block_enabled", inv(
        account_block=None, error="ValueError: GetPublicAccessBlock answered without BlockPublicAccess"))
    assert found.status.value == "ERROR" and "without BlockPublicAccess" in found.message


def test_trail_without_oss_and_no_buckets(cloud):
    data = base_scenario()
    data["accounts"][0]["actiontrail"] = {"trails": [{"name": "sls-only", "oss_bucket_name": "",
                                                      "sls_project_arn": "acs:log:cn-hangzhou:1:project/p"}]}
    load(cloud, data)
    findings = scan(cloud, checks=["oss_trail_bucket_not_public", "oss_signed_url_short_expiry"])
    assert by_resource(findings, "oss_trail_bucket_not_public") == {ACCOUNT: "PASS"}
    assert by_resource(findings, "oss_signed_url_short_expiry") == {ACCOUNT: "PASS"}


# --- the analysis on its own -------------------------------------------------------------------------

def _info(acl: str = "private", policy: dict[str, Any] | None = None, block: bool = False,
          errors: dict[str, str] | None = None) -> BucketInfo:
    return BucketInfo(name="b", region="cn-hangzhou", acl=acl, policy=policy, block_public_access=block,
                      errors=errors or {})


def _state(info: BucketInfo, account_block: bool | None = False) -> str:
    e: Exposure = public_exposure(info, account_block, None if account_block is not None else "denied")
    return e.state


@pytest.mark.parametrize("acl,policy,block,account,expected", [
    ("private", None, False, False, "private"),
    ("public-read", None, False, False, "public"),
    ("public-read-write", None, False, False, "public"),
    ("public-read", None, True, False, "private"),  # bucket-level block
    ("public-read", None, False, True, "private"),  # account-level block
    ("private", _policy(_st()), False, False, "public"),  # no condition
    ("private", _policy(_st(principal=["acs:ram::1:root", "*"])), False, False, "public"),
    ("private", _policy(_st(condition={"StringLike": {"acs:Referer": ["*"]}})), False, False, "public"),
    ("private", _policy(_st(condition={"StringEquals": {"acs:UserAgent": ["x"]},
                                       "Bool": {"acs:SecureTransport": ["true"]}})), False, False, "public"),
    ("private", _policy(_st(condition={"IpAddress": {"acs:SourceIp": ["192.0.2.0/24"]}})), False, False, "private"),
    ("private", _policy(_st(condition={"IpAddress": {"acs:SourceIp": ["0.0.0.0/0"]}})), False, False, "public"),
    ("private", _policy(_st(condition={"IpAddress": {"acs:SourceIp": ["0.0.0.0/1"]}})), False, False, "public"),
    ("private", _policy(_st(condition={"IpAddress": {"acs:SourceIp": ["::/0"]}})), False, False, "public"),
    ("private", _policy(_st(condition={"NotIpAddress": {"acs:SourceIp": ["192.0.2.0/24"]}})), False, False, "public"),
    ("private", _policy(_st(condition={"StringEquals": {"acs:SourceVpc": ["vpc-1"]}})), False, False, "private"),
    ("private", _policy(_st(condition={"StringLike": {"acs:SourceVpc": ["vpc-*"]}})), False, False, "public"),
    ("private", _policy(_st(condition={"StringEquals": {"acs:AccessId": ["LTAI1"]}})), False, False, "private"),
    # a strong entry restricts even next to weak ones (all entries must hold)
    ("private", _policy(_st(condition={"StringLike": {"acs:Referer": ["*"]},
                                       "IpAddress": {"acs:SourceIp": ["192.0.2.7"]}})), False, False, "private"),
    ("private", _policy(_st(principal=OTHER)), False, False, "private"),  # a named account is not public
    ("private", _policy(_st("Deny")), False, False, "private"),
    ("private", _policy({"Effect": "Allow", "Principal": "*", "NotAction": "oss:Delete*", "Resource": "*"}),
     False, False, "public"),
    # a Deny for everyone outside a network fences both ACL and policy grants in
    ("public-read", _policy(_st("Deny", action="oss:*",
                                condition={"NotIpAddress": {"acs:SourceIp": ["198.51.100.0/24"]}})),
     False, False, "private"),
    ("private", _policy(_st(resource=f"acs:oss:*:{ACCOUNT}:b/*"), _st("Deny", action="oss:Get*",
                                                                       resource="acs:oss:*:*:b/*",
                                                         condition={"StringNotEquals": {"acs:SourceVpc": ["vpc-1"]}})),
     False, False, "private"),
    # ... but only where it covers the grant
    ("public-read-write", _policy(_st("Deny", action="oss:GetObject",
                                      condition={"NotIpAddress": {"acs:SourceIp": ["198.51.100.0/24"]}})),
     False, False, "public"),
    ("private", _policy(_st(action="oss:*"), _st("Deny", action="oss:GetObject",
                                                 condition={"NotIpAddress": {"acs:SourceIp": ["198.51.100.0/24"]}})),
     False, False, "public"),
    ("private", _policy(_st(), _st("Deny", action="oss:*", condition={
        "NotIpAddress": {"acs:SourceIp": ["198.51.100.0/24"]}, "Bool": {"acs:SecureTransport": ["false"]}})),
     False, False, "public"),  # a Deny narrowed by a second condition fences nothing
    ("private", {"Version": "1", "Statement": {"Effect": "Allow", "Principal": "*", "Action": "oss:GetObject",
                                               "Resource": "*"}}, False, False, "public"),  # one statement object
    # object keys are case-sensitive: a Deny on b/public/* does not fence a grant on b/Public/*
    ("private", _policy(_st(resource="acs:oss:*:*:b/Public/*"),
                        _st("Deny", action="oss:*", resource="acs:oss:*:*:b/public/*",
                            condition={"NotIpAddress": {"acs:SourceIp": ["198.51.100.0/24"]}})), False, False,
     "public"),
    ("private", _policy(_st(resource="acs:oss:*:*:b/Public/*"),
                        _st("Deny", action="OSS:*", resource="acs:oss:*:*:b/Public/*",
                            condition={"NotIpAddress": {"acs:SourceIp": ["198.51.100.0/24"]}})), False, False,
     "private"),  # (actions in any letter case)
])
def test_public_exposure(acl, policy, block, account, expected):
    assert _state(_info(acl, policy, block), account) == expected


def test_empty_principal_list_is_everyone():
    """OSS "Authorization syntax and elements": an empty Principal array is equivalent to ["*"]."""
    grant = _st(principal=[])
    assert grant["Principal"] == []
    assert _state(_info(policy=_policy(grant))) == "public"
    assert public_grants(_policy(grant), "b") == ["policy statement 1 allows oss:GetObject to * without a condition"]
    fence = _st("Deny", principal=[], action="oss:*", condition={"NotIpAddress": {"acs:SourceIp": ["198.51.100.0/24"]}})
    assert _state(_info("public-read", _policy(fence))) == "private"  # an everyone-Deny fence
    https = _st("Deny", principal=[], action="oss:*", resource="acs:oss:*:*:b/*",
                condition={"Bool": {"acs:SecureTransport": ["false"]}})
    assert https_enforced(_policy(https), "b")[0] is True  # CIS 5.4


def test_private_source_ip_alone_does_not_restrict():
    """VPC addresses are not unique across tenants: a private acs:SourceIp restricts only with acs:SourceVpc."""
    def grant(*ips: str, vpc: bool = False) -> dict[str, Any]:
        cond: dict[str, Any] = {"IpAddress": {"acs:SourceIp": list(ips)}}
        if vpc:
            cond["StringEquals"] = {"acs:SourceVpc": ["vpc-1"]}
        return _policy(_st(condition=cond))

    assert _state(_info(policy=grant("10.0.0.0/8"))) == "public"
    assert _state(_info(policy=grant("192.168.1.7"))) == "public"
    assert _state(_info(policy=grant("100.64.0.0/10"))) == "public"
    assert _state(_info(policy=grant("198.51.100.0/24", "172.16.0.0/16"))) == "public"  # every range must be public
    assert _state(_info(policy=grant("fd00::/8"))) == "public"
    assert _state(_info(policy=grant("10.0.0.0/8", vpc=True))) == "private"  # pinned to a VPC
    assert _state(_info(policy=grant("198.51.100.0/24"))) == "private"  # public addresses name a network
    assert public_grants(grant("10.0.0.0/8"), "b") == [
        "policy statement 1 allows oss:GetObject to * with only weak conditions "
        "(acs:sourceip 10.0.0.0/8 (private, without acs:SourceVpc))"]
    fence = _st("Deny", action="oss:*", condition={"NotIpAddress": {"acs:SourceIp": ["10.0.0.0/8"]}})
    assert _state(_info("public-read", _policy(fence))) == "public"  # other tenants' 10/8 pass the fence


def test_public_exposure_with_unreadable_settings():
    denied = {"acl": "AccessDenied: no"}
    assert _state(_info(errors=denied)) == "unknown"  # the ACL could be public
    assert _state(_info(errors=denied, block=True)) == "private"  # ... but the block neutralises anything
    assert _state(_info(policy=_policy(_st()), errors=denied)) == "public"  # public by policy whatever the ACL
    assert _state(_info(errors={"policy": "AccessDenied: no"})) == "unknown"
    assert _state(_info(), account_block=None) == "private"  # nothing public: the block does not matter
    assert _state(_info("public-read"), account_block=None) == "unknown"
    assert _state(_info("public-read", errors={"public_access_block": "x"}), account_block=True) == "private"
    e = public_exposure(_info("public-read", _policy(_st())), False)
    assert e.state == "public" and e.reasons[0] == "ACL public-read" and "without a condition" in e.reasons[1]
    e = public_exposure(_info("public-read", block=True), True)
    assert e.blocked == ["ACL public-read"] and e.blocked_by == "bucket"


def test_public_grants_describe_the_weakness():
    grants = public_grants(_policy(_st(condition={"StringLike": {"acs:Referer": ["https://a/*"]},
                                                  "IpAddress": {"acs:SourceIp": ["0.0.0.0/0"]}})))
    assert grants == ["policy statement 1 allows oss:GetObject to * with only weak conditions "
                      "(acs:referer; acs:sourceip 0.0.0.0/0)"]
    assert public_grants(None) == [] and public_grants({"Statement": "junk"}) == []


@pytest.mark.parametrize("statement,expected", [
    (_st("Deny", action="oss:*", resource="acs:oss:*:1:b/*", condition={"Bool": {"acs:SecureTransport": "false"}}),
     True),
    (_st("Deny", action="*", resource="*", condition={"Bool": {"acs:SecureTransport": ["False"]}}), True),
    (_st("Deny", action="oss:*", resource="acs:oss:*:*:b/*",
         condition={"StringEquals": {"acs:SecureTransport": ["false"]}}), True),
    # the peer's PASS: an Allow over HTTPS does not stop HTTP allowed by other grants
    (_st("Allow", action="oss:*", resource="*", condition={"Bool": {"acs:SecureTransport": ["true"]}}), False),
    (_st("Deny", action="oss:PutObject", resource="*", condition={"Bool": {"acs:SecureTransport": ["false"]}}),
     False),
    (_st("Deny", action="oss:*", resource="acs:oss:*:*:b", condition={"Bool": {"acs:SecureTransport": ["false"]}}),
     False),  # the bucket only, not its objects
    (_st("Deny", action="oss:*", resource="acs:oss:*:*:other/*",
         condition={"Bool": {"acs:SecureTransport": ["false"]}}), False),
    (_st("Deny", principal=OTHER, action="oss:*", condition={"Bool": {"acs:SecureTransport": ["false"]}}), False),
    (_st("Deny", action="oss:*", condition={"Bool": {"acs:SecureTransport": ["false"]},
                                            "IpAddress": {"acs:SourceIp": ["1.2.3.4"]}}), False),
    (_st("Deny", action="oss:*"), False),
])
def test_https_enforced(statement, expected):
    assert https_enforced(_policy(statement), "b")[0] is expected


# --- the factory's oss2 clients ----------------------------------------------------------------------

class _Switchable:
    """A credentials provider whose keys change between calls, as a refreshing STS provider's do."""

    def __init__(self, ak: str, secret: str) -> None:
        self.current = StaticProvider(ak, secret)

    def get_credentials(self) -> Any:
        return self.current.get_credentials()

    def get_provider_name(self) -> str:
        return "switchable"


def test_oss_clients_sign_with_the_current_credentials(cloud):
    load(cloud, account())
    provider = _Switchable(ADMIN_AK, ADMIN_SECRET)
    factory = ClientFactory(provider, EndpointSettings(protocol="http", proxy=cloud.url))  # type: ignore[arg-type]
    bucket = factory.oss_bucket("good", "cn-shanghai")
    assert bucket.get_bucket_acl().acl == "private"
    provider.current = StaticProvider("LTAIunknown00000001", "nope")
    with pytest.raises(oss2.exceptions.OssError) as err:
        bucket.get_bucket_acl()
    assert err.value.code == "InvalidAccessKeyId"
    provider.current = StaticProvider(ROOT_AK, ROOT_SECRET)
    assert bucket.get_bucket_versioning().status == "Enabled"


def test_oss_clients_work_with_sts_tokens_and_the_bucket_region(cloud):
    load(cloud, account())
    settings = EndpointSettings(protocol="http", proxy=cloud.url)
    role = AssumeRoleProvider(StaticProvider(ADMIN_AK, ADMIN_SECRET), settings,
                              role_arn=f"acs:ram::{ACCOUNT}:role/auditor", session_name="audit")
    factory = ClientFactory(role, settings)
    assert factory.oss_endpoint("cn-shanghai") == "http://oss-cn-shanghai.aliyuncs.com"
    assert factory.oss_bucket("good", "cn-shanghai").get_bucket_logging().target_bucket == "logs-sh"
    with pytest.raises(oss2.exceptions.OssError) as err:  # OSS answers only on the bucket's own endpoint
        factory.oss_bucket("good", "cn-hangzhou").get_bucket_acl()
    assert err.value.code == "AccessDenied"
    assert len(factory.oss_service().list_buckets().buckets) == len(ALL)


def test_oss_reads_are_retried_on_server_errors(cloud, admin):
    load(cloud, account())
    admin.faults(error_rate=0.3, seed=5)
    settings = EndpointSettings(protocol="http", proxy=cloud.url, max_attempts=10, backoff_ms=1)
    bucket = ClientFactory(StaticProvider(ROOT_AK, ROOT_SECRET), settings).oss_bucket("good", "cn-shanghai")
    for _ in range(10):
        assert bucket.get_bucket_versioning().status == "Enabled"
    assert admin.calls()["oss:GetBucketVersioning"] > 10  # some failed and were retried
    admin.faults(error_rate=1.0)
    settings = EndpointSettings(protocol="http", proxy=cloud.url, max_attempts=3, backoff_ms=1)
    admin.request("DELETE", "calls")
    with pytest.raises(oss2.exceptions.ServerError):
        ClientFactory(StaticProvider(ROOT_AK, ROOT_SECRET), settings).oss_service().list_buckets()
    assert admin.calls()["oss:ListBuckets"] == 3


# --- access points ---------------------------------------------------------------------------------------------------

AP_CHECK = "oss_access_point_not_public"


def _ap_allow_all(name: str) -> dict[str, Any]:
    return {"Version": "1", "Statement": [{"Effect": "Allow", "Principal": ["*"], "Action": ["oss:GetObject"],
                                           "Resource": [f"acs:oss:cn-hangzhou:{ACCOUNT}:accesspoint/{name}/object/*"]}]}


# the documented delegation: the bucket lets every access point of its account in ("Accessing OSS with access
# points", oss:DataAccessPointAccount)
def _delegate(bucket: str) -> dict[str, Any]:
    return _policy(_st(action="oss:*", resource=_res(bucket),
                       condition={"StringEquals": {"oss:DataAccessPointAccount": [ACCOUNT]}}))


def _ap_account() -> dict[str, Any]:
    data = base_scenario(regions=["cn-hangzhou", "cn-shanghai"])
    data["accounts"][0]["oss"] = {"buckets": [
        {"name": "ap-data", "region": "cn-hangzhou", "policy": _delegate("ap-data"),
         "objects": {"report.csv": "a,b"}, "access_points": [
            {"name": "ap-vpc", "network_origin": "vpc", "vpc_id": "vpc-bp1apdata0001",
             "policy": _ap_allow_all("ap-vpc")},
            {"name": "ap-plain"},
            {"name": "ap-open", "policy": _ap_allow_all("ap-open")},
            {"name": "ap-selfblock", "policy": _ap_allow_all("ap-selfblock"), "block_public_access": True}]},
        {"name": "ap-guarded", "region": "cn-shanghai", "public_access_block": True,
         "access_points": [{"name": "ap-open2", "policy": _ap_allow_all("ap-open2")}]},
        {"name": "ap-none", "region": "cn-shanghai"},
        {"name": "ap-private", "region": "cn-hangzhou", "objects": {"report.csv": "a,b"},
         "access_points": [{"name": "ap-inert", "policy": _ap_allow_all("ap-inert")}]}]}
    return data


def test_access_points_public_or_not(cloud):
    load(cloud, _ap_account())
    findings = scan(cloud, checks=[AP_CHECK])
    assert by_resource(findings, AP_CHECK) == {
        "ap-data/ap-vpc": "PASS", "ap-data/ap-plain": "PASS", "ap-data/ap-open": "FAIL",
        "ap-data/ap-selfblock": "PASS", "ap-guarded/ap-open2": "PASS", "ap-private/ap-inert": "PASS"}
    by_id = {f.resource_id: f for f in findings}
    assert "allows oss:GetObject to *" in by_id["ap-data/ap-open"].message
    assert "bucket policy statement 1 grants it to * too" in by_id["ap-data/ap-open"].message
    assert "inert" in by_id["ap-private/ap-inert"].message
    assert by_id["ap-guarded/ap-open2"].region == "cn-shanghai"
    assert "bucket-level" in by_id["ap-guarded/ap-open2"].message


def _alias(cloud, bucket: str, name: str) -> str:
    factory = ClientFactory(StaticProvider(ROOT_AK, ROOT_SECRET), EndpointSettings(protocol="http", proxy=cloud.url))
    listed = factory.oss_bucket(bucket, "cn-hangzhou").list_bucket_access_points(max_keys=100).access_points
    return next(a.alias for a in listed if a.access_point_name == name)


def test_the_verdicts_match_what_anyone_can_read_through_the_access_points(cloud):
    """The emulator serves requests addressed to an access point's alias as OSS documents them: both the access
    point policy and the bucket policy must allow; the verdicts above say what an anonymous reader gets."""
    load(cloud, _ap_account())

    def anonymous(name: str) -> oss2.Bucket:
        return oss2.Bucket(oss2.AnonymousAuth(), f"http://{cloud.endpoint}", name)

    assert anonymous(_alias(cloud, "ap-data", "ap-open")).get_object("report.csv").read() == b"a,b"  # FAIL: open
    with pytest.raises(oss2.exceptions.AccessDenied):  # PASS: the bucket policy does not back the grant (inert)
        anonymous(_alias(cloud, "ap-private", "ap-inert")).get_object("report.csv")
    with pytest.raises(oss2.exceptions.AccessDenied):  # PASS: its own Block Public Access
        anonymous(_alias(cloud, "ap-data", "ap-selfblock")).get_object("report.csv")
    with pytest.raises(oss2.exceptions.AccessDenied):  # the delegation holds through access points only
        anonymous("ap-data").get_object("report.csv")


def test_list_access_points_max_keys_is_at_most_100(cloud):
    """ListAccessPoints max-keys "For bucket-level access points: (0,100]" (API reference)."""
    load(cloud, _ap_account())
    factory = ClientFactory(StaticProvider(ROOT_AK, ROOT_SECRET), EndpointSettings(protocol="http", proxy=cloud.url))
    bucket = factory.oss_bucket("ap-data", "cn-hangzhou")
    assert len(bucket.list_bucket_access_points(max_keys=100).access_points) == 4
    with pytest.raises(oss2.exceptions.OssError) as err:
        bucket.list_bucket_access_points(max_keys=101)
    assert (err.value.status, err.value.code) == (400, "InvalidArgument")


def test_access_point_policy_removed_passes_and_is_recorded(cloud, admin):
    load(cloud, _ap_account())
    factory = ClientFactory(StaticProvider(ROOT_AK, ROOT_SECRET), EndpointSettings(protocol="http", proxy=cloud.url))
    factory.oss_bucket("ap-data", "cn-hangzhou").delete_access_point_policy("ap-open")
    assert by_resource(scan(cloud, checks=[AP_CHECK]), AP_CHECK)["ap-data/ap-open"] == "PASS"
    assert "DeleteAccessPointPolicy" in {e["eventName"] for e in admin.events(ACCOUNT)}


def test_access_point_paging_and_denied_policy_read(cloud):
    data = _ap_account()
    data["accounts"][0]["oss"]["buckets"][2]["access_points"] = [{"name": f"ap-bulk{i:03d}"} for i in range(130)]
    acct = data["accounts"][0]
    acct["ram"]["policies"] = [{"name": "NoApPolicy", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Resource": "*", "Action": ["oss:GetAccessPointPolicy"]}]}}]
    acct["ram"]["groups"][0]["policies"].append({"name": "NoApPolicy", "type": "Custom"})
    load(cloud, data)
    verdicts = by_resource(scan(cloud, checks=[AP_CHECK], ak=READER_AK, secret=READER_SECRET), AP_CHECK)
    assert len([k for k in verdicts if k.startswith("ap-none/")]) == 130  # pages of 100
    assert verdicts["ap-data/ap-vpc"] == "PASS"  # reachable from its VPC only, whatever its policy
    assert {v for k, v in verdicts.items() if k != "ap-data/ap-vpc"} == {"ERROR"}
