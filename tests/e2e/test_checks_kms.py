"""KMS checks (rotation of customer-managed symmetric keys, keys pending deletion) through the scan entry
point, plus the KMS emulator's writes that remediate them."""

from __future__ import annotations

from typing import Any

from alibabacloud_kms20160120 import models as kms_models
from alibabacloud_kms20160120.client import Client as KmsClient

from aliaudit.config import AuditConfig
from tests.scanning import by_resource, scan
from tests.sdk import READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config

REGIONS = ["cn-hangzhou", "cn-shanghai"]
DAY = 86400


def keys() -> list[dict[str, Any]]:
    return [
        {"id": "key-rotated", "description": "orders", "automatic_rotation": "Enabled",
         "rotation_interval_seconds": 365 * DAY, "aliases": ["alias/orders"]},
        {"id": "key-slow", "automatic_rotation": "Enabled", "rotation_interval_seconds": 730 * DAY},
        {"id": "key-never"},
        {"id": "key-imported", "origin": "EXTERNAL"},
        {"id": "key-rsa", "spec": "RSA_2048", "usage": "SIGN/VERIFY", "deletion_protection": "Enabled"},
        {"id": "key-service", "creator": "Rds", "aliases": ["acs/rds"]},
        {"id": "key-off", "state": "Disabled", "automatic_rotation": "Suspended",
         "rotation_interval_seconds": 30 * DAY},
        {"id": "key-doomed", "state": "PendingDeletion", "delete_date": "2030-01-08T00:00:00Z"},
        {"id": "key-sh", "region": "cn-shanghai"},
    ]


def secrets() -> list[dict[str, Any]]:
    return [
        {"name": "orders-db", "type": "Rds", "automatic_rotation": "Enabled", "rotation_interval_seconds": 30 * DAY},
        {"name": "ci-ak", "type": "RAMCredentials"},
        {"name": "jump-pw", "type": "ECS", "automatic_rotation": "Invalid"},
        {"name": "api-token"},  # generic: no automatic rotation to judge
        {"name": "reports-db", "region": "cn-shanghai", "type": "Rds", "automatic_rotation": "Enabled",
         "rotation_interval_seconds": 400 * DAY},
    ]


def account() -> dict[str, Any]:
    return base_scenario(regions=REGIONS, kms={"keys": keys(), "secrets": secrets()})


def kms_client(cloud, region: str = "cn-hangzhou") -> KmsClient:
    return KmsClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url,
                                region_id=region))


def test_kms_checks_pass_and_fail(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["kms"], regions=REGIONS)
    # service keys rotate with their service, asymmetric keys cannot, disabled or doomed keys are not in use
    assert by_resource(findings, "kms_key_rotation_enabled") == {
        "key-rotated": "PASS", "key-slow": "FAIL", "key-never": "FAIL", "key-imported": "MANUAL", "key-sh": "FAIL"}
    assert by_resource(findings, "kms_key_not_pending_deletion") == {
        **{k["id"]: "PASS" for k in keys()}, "key-doomed": "FAIL"}
    by_key = {(f.check_id, f.resource_id): f for f in findings}
    assert by_key[("kms_key_rotation_enabled", "key-sh")].region == "cn-shanghai"
    assert by_key[("kms_key_rotation_enabled", "key-rotated")].region == "cn-hangzhou"
    assert by_key[("kms_key_rotation_enabled", "key-rotated")].resource_name == "orders"
    assert "every 730 days (required at most 365)" in by_key[("kms_key_rotation_enabled", "key-slow")].message
    assert "Disabled" in by_key[("kms_key_rotation_enabled", "key-never")].message
    assert "EXTERNAL" in by_key[("kms_key_rotation_enabled", "key-imported")].message
    doomed = by_key[("kms_key_not_pending_deletion", "key-doomed")]
    assert "2030-01-08" in doomed.message and doomed.severity.value == "high"


def test_rotation_threshold_from_config(cloud):
    load(cloud, account())
    findings = scan(cloud, checks=["kms_key_rotation_enabled"],
                    config=AuditConfig.model_validate({"kms_rotation_days": 730}))
    assert by_resource(findings, "kms_key_rotation_enabled")["key-slow"] == "PASS"


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def test_denied_apis_give_error_findings(cloud):
    load(cloud, _deny(account(), ["kms:DescribeKey"]))
    findings = scan(cloud, families=["kms"], ak=READER_AK, secret=READER_SECRET)
    for check_id in ("kms_key_rotation_enabled", "kms_key_not_pending_deletion", "kms_key_deletion_protection_enabled"):
        got = by_resource(findings, check_id)
        assert len(got) == 8 and set(got.values()) == {"ERROR"}  # every key of the region, none silent
    assert all("NoPermission" in f.message for f in findings if f.check_id.startswith("kms_key_"))

    load(cloud, _deny(account(), ["kms:ListKeys"]))
    findings = scan(cloud, families=["kms"], ak=READER_AK, secret=READER_SECRET, regions=REGIONS)
    key_checks = ("kms_key_rotation_enabled", "kms_key_not_pending_deletion", "kms_key_deletion_protection_enabled")
    assert sorted((f.check_id, f.resource_id, f.status.value) for f in findings
                  if f.check_id in key_checks) == sorted((c, r, "ERROR") for c in key_checks for r in REGIONS)


def test_every_list_api_is_paged_to_the_end(cloud, admin):
    data = account()
    data["accounts"][0]["kms"]["keys"] += [{"id": f"key-bulk{i:04d}"} for i in range(150)]
    load(cloud, data)
    findings = scan(cloud, checks=["kms_key_not_pending_deletion"])
    assert len(by_resource(findings, "kms_key_not_pending_deletion")) == 8 + 150
    calls = admin.calls()
    assert calls["kms:ListKeys"] == 2 and calls["kms:DescribeKey"] == 8 + 150  # PageSize 100: two pages


def test_list_aliases_pages(cloud):
    data = account()
    data["accounts"][0]["kms"]["keys"][0]["aliases"] += [f"alias/a{i:02d}" for i in range(12)]
    load(cloud, data)
    kms = kms_client(cloud)
    first = kms.list_aliases(kms_models.ListAliasesRequest(page_number=1, page_size=10)).body
    second = kms.list_aliases(kms_models.ListAliasesRequest(page_number=2, page_size=10)).body
    names = [a.alias_name for a in first.aliases.alias + second.aliases.alias]
    assert first.total_count == 14 and len(names) == 14 and "acs/rds" in names


def test_remediation_flips_the_checks_and_is_audited(cloud, admin):
    load(cloud, account())
    kms = kms_client(cloud)
    kms.update_rotation_policy(kms_models.UpdateRotationPolicyRequest(
        key_id="key-never", enable_automatic_rotation=True, rotation_interval="180d"))
    kms.update_rotation_policy(kms_models.UpdateRotationPolicyRequest(
        key_id="key-slow", enable_automatic_rotation=True, rotation_interval="31536000s"))
    kms.cancel_key_deletion(kms_models.CancelKeyDeletionRequest(key_id="key-doomed"))
    findings = scan(cloud, families=["kms"])
    rot = by_resource(findings, "kms_key_rotation_enabled")
    assert rot["key-never"] == "PASS" and rot["key-slow"] == "PASS"
    assert by_resource(findings, "kms_key_not_pending_deletion")["key-doomed"] == "PASS"
    events = [e for e in admin.events() if e["serviceName"] == "Kms"]
    assert [(e["eventName"], e["referencedResources"]) for e in events] == [
        ("UpdateRotationPolicy", {"ACS::KMS::Key": ["key-never"]}),
        ("UpdateRotationPolicy", {"ACS::KMS::Key": ["key-slow"]}),
        ("CancelKeyDeletion", {"ACS::KMS::Key": ["key-doomed"]})]
    assert {e["acsRegion"] for e in events} == {"cn-hangzhou"}
    # and the reverse: scheduling deletion makes the key FAIL and suspends its rotation
    kms.schedule_key_deletion(kms_models.ScheduleKeyDeletionRequest(key_id="key-rotated", pending_window_in_days=7))
    findings = scan(cloud, families=["kms"])
    assert by_resource(findings, "kms_key_not_pending_deletion")["key-rotated"] == "FAIL"
    assert "key-rotated" not in by_resource(findings, "kms_key_rotation_enabled")
    meta = kms.describe_key(kms_models.DescribeKeyRequest(key_id="alias/orders")).body.key_metadata
    assert meta.key_state == "PendingDeletion" and meta.automatic_rotation == "Suspended" and meta.delete_date


def test_keys_are_regional(cloud):
    load(cloud, account())
    sh = kms_client(cloud, "cn-shanghai")
    assert [k.key_id for k in sh.list_keys(kms_models.ListKeysRequest()).body.keys.key] == ["key-sh"]
    try:
        sh.describe_key(kms_models.DescribeKeyRequest(key_id="key-rotated"))
    except Exception as err:  # a key of another region is not found here, as in the cloud
        assert getattr(err, "code", "") == "Forbidden.KeyNotFound"
    else:
        raise AssertionError("a key of cn-hangzhou was described in cn-shanghai")


# --- issue 20: deletion protection, secret rotation --------------------------------------------------------------

def test_deletion_protection_and_secret_rotation(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["kms"], regions=REGIONS)
    assert by_resource(findings, "kms_key_deletion_protection_enabled") == {
        "key-rotated": "FAIL", "key-slow": "FAIL", "key-never": "FAIL", "key-imported": "FAIL", "key-rsa": "PASS",
        "key-sh": "FAIL"}
    assert by_resource(findings, "kms_secret_rotation_enabled") == {
        "orders-db": "PASS", "ci-ak": "FAIL", "jump-pw": "FAIL", "reports-db": "FAIL"}
    by_key = {(f.check_id, f.resource_id): f for f in findings}
    assert by_key[("kms_secret_rotation_enabled", "reports-db")].region == "cn-shanghai"
    assert by_key[("kms_secret_rotation_enabled", "orders-db")].message == "the Rds secret rotates every 30 days"
    assert by_key[("kms_secret_rotation_enabled", "jump-pw")].message == \
        "automatic rotation of the ECS secret is Invalid"
    assert "every 400 days (required at most 365)" in by_key[("kms_secret_rotation_enabled", "reports-db")].message


def test_deletion_protection_and_secret_rotation_remediated(cloud, admin):
    load(cloud, account())
    kms = kms_client(cloud)
    kms.set_deletion_protection(kms_models.SetDeletionProtectionRequest(
        protected_resource_arn="acs:kms:cn-hangzhou:1234567890123456:key/key-never", enable_deletion_protection=True))
    kms.update_secret_rotation_policy(kms_models.UpdateSecretRotationPolicyRequest(
        secret_name="ci-ak", enable_automatic_rotation=True, rotation_interval="7d"))
    findings = scan(cloud, families=["kms"])
    assert by_resource(findings, "kms_key_deletion_protection_enabled")["key-never"] == "PASS"
    assert by_resource(findings, "kms_secret_rotation_enabled")["ci-ak"] == "PASS"
    events = {e["eventName"] for e in admin.events()}
    assert {"SetDeletionProtection", "UpdateSecretRotationPolicy"} <= events


def test_denied_describe_secret_gives_error_findings(cloud):
    load(cloud, _deny(account(), ["kms:DescribeSecret"]))
    findings = scan(cloud, checks=["kms_secret_rotation_enabled"], ak=READER_AK, secret=READER_SECRET)
    assert by_resource(findings, "kms_secret_rotation_enabled") == {
        "orders-db": "ERROR", "ci-ak": "ERROR", "jump-pw": "ERROR"}
    assert all("NoPermission" in f.message for f in findings)


def test_a_hardware_instance_key_without_rotation_is_manual(cloud):
    """DescribeKey answers DKMSInstanceId and ProtectionLevel HSM for a key of a hardware key management instance,
    which rotates only when stored as HsmEncryptedDatabase (CreateKeyRequest doc comments): MANUAL when off."""
    data = account()
    data["accounts"][0]["kms"]["keys"] = [
        {"id": "key-hsm0001", "dkms_instance_id": "kst-hzz65f176a0ogplgq****", "protection_level": "HSM",
         "automatic_rotation": "Disabled"}]
    load(cloud, data)
    meta = kms_client(cloud).describe_key(kms_models.DescribeKeyRequest(key_id="key-hsm0001")).body.key_metadata
    assert (meta.dkmsinstance_id, meta.protection_level) == ("kst-hzz65f176a0ogplgq****", "HSM")
    (result,) = scan(cloud, checks=["kms_key_rotation_enabled"])
    assert result.status.value == "MANUAL" and "HsmEncryptedDatabase" in result.message
