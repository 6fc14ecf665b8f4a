"""KMS cases, from DescribeKey's documented sample (key-hzz630494463ejqjx****, KeySpec Aliyun_AES_256, Origin
Aliyun_KMS, RotationInterval 31536000s, AutomaticRotation Enabled | Disabled | Suspended). The sample's Creator is
masked (154035569884****); a customer key's Creator is the numeric account id, so the cases use an unmasked one."""

from __future__ import annotations

from datetime import datetime, timezone

from aliaudit.collectors.kms import KmsKey
from tests.check_cases import Case

KID = "key-hzz630494463ejqjx****"
YEAR = 31536000


def key(kid: str = KID, **kw: object) -> KmsKey:
    base: dict[str, object] = {
        "id": kid, "arn": f"acs:kms:cn-hangzhou:1540355698840000:key/{kid}", "region": "cn-hangzhou",
        "state": "Enabled", "spec": "Aliyun_AES_256", "usage": "ENCRYPT/DECRYPT", "origin": "Aliyun_KMS",
        "creator": "1540355698840000", "description": "key description example", "automatic_rotation": "Enabled",
        "rotation_interval_seconds": YEAR, "deletion_protection": "Enabled"}
    base.update(kw)
    return KmsKey(**base)  # type: ignore[arg-type]


_R = "kms_key_rotation_enabled"
_D = "kms_key_not_pending_deletion"
CASES: list[Case] = [
    Case(_R, "rotation every 365 days passes; Disabled and Suspended fail",
         {"kms.keys": [key(), key("k-off", automatic_rotation="Disabled", rotation_interval_seconds=None),
                       key("k-susp", automatic_rotation="Suspended")]},
         {KID: "PASS", "k-off": "FAIL", "k-susp": "FAIL"}),
    Case(_R, "interval above the 365-day limit; enabled but no interval",
         {"kms.keys": [key("k-long", rotation_interval_seconds=2 * YEAR),
                       key("k-none", rotation_interval_seconds=None)]},
         {"k-long": "FAIL", "k-none": "FAIL"}),
    Case(_R, "imported material is MANUAL; service key, asymmetric key and disabled key are not reported",
         {"kms.keys": [key("k-ext", origin="EXTERNAL", automatic_rotation="Disabled"),
                       key("k-svc", creator="Rds", automatic_rotation="Disabled"),
                       key("k-rsa", spec="RSA_2048", usage="SIGN/VERIFY", automatic_rotation="Disabled"),
                       key("k-dis", state="Disabled", automatic_rotation="Disabled")]},
         {"k-ext": "MANUAL"}),
    Case(_R, "DescribeKey failed", {"kms.keys": [key(error="Forbidden.KeyNotFound")]}, {KID: "ERROR"}),
    Case(_D, "Enabled passes, PendingDeletion (DeleteDate 2024-05-26) fails",
         {"kms.keys": [key(), key("k-del", state="PendingDeletion",
                                  delete_date=datetime(2024, 5, 26, 18, 22, 3, tzinfo=timezone.utc))]},
         {KID: "PASS", "k-del": "FAIL"}),
]
