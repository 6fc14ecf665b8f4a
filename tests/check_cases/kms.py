"""KMS cases, from DescribeKey's documented sample (key-hzz630494463ejqjx****, KeySpec Aliyun_AES_256, Origin
Aliyun_KMS, RotationInterval 31536000s, AutomaticRotation Enabled | Disabled | Suspended). The sample's Creator is
masked (154035569884****); a customer key's Creator is the numeric account id, so the cases use an unmasked one."""

from __future__ import annotations

from datetime import datetime, timezone

from aliaudit.collectors.kms import KmsKey, KmsSecret
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
    # CreateKeyRequest: "If the key is a hardware-protected key, automatic rotation is not supported" (HsmInternal);
    # HsmEncryptedDatabase symmetric keys rotate, and DescribeKey does not say which: MANUAL when off, judged when on
    Case(_R, "a hardware-protected key of a KMS instance without rotation is MANUAL; rotating, it is judged; a "
             "default key's HSM protection changes nothing",
         {"kms.keys": [key("k-hsm", dkms_instance_id="kst-hzz6****", protection_level="HSM",
                           automatic_rotation="Disabled", rotation_interval_seconds=None),
                       key("k-hsm-on", dkms_instance_id="kst-hzz6****", protection_level="HSM"),
                       key("k-default-hsm", protection_level="HSM", automatic_rotation="Disabled",
                           rotation_interval_seconds=None)]},
         {"k-hsm": "MANUAL", "k-hsm-on": "PASS", "k-default-hsm": "FAIL"}),
    Case(_D, "an answer without KeyState is ERROR, not 'not pending deletion'", {"kms.keys": [key(state="")]},
         {KID: "ERROR"}),
    Case(_D, "Enabled passes, PendingDeletion (DeleteDate 2024-05-26) fails",
         {"kms.keys": [key(), key("k-del", state="PendingDeletion",
                                  delete_date=datetime(2024, 5, 26, 18, 22, 3, tzinfo=timezone.utc))]},
         {KID: "PASS", "k-del": "FAIL"}),
]

# --- issue 20 ------------------------------------------------------------------------------------------------
# DescribeSecret's documented sample: secret001, SecretType Rds, AutomaticRotation Enabled, RotationInterval
# "3153600s" (36.5 days); ListSecrets' sample lists secret001 as Generic
SECRET = "secret001"


def secret(name: str = SECRET, **kw: object) -> KmsSecret:
    base: dict[str, object] = {"name": name, "region": "cn-hangzhou", "type": "Rds", "automatic_rotation": "Enabled",
                               "rotation_interval_seconds": 3153600,
                               "arn": f"acs:kms:cn-hangzhou:154035569884****:secret/{name}"}
    base.update(kw)
    return KmsSecret(**base)  # type: ignore[arg-type]


_P = "kms_key_deletion_protection_enabled"
_S = "kms_secret_rotation_enabled"
CASES += [
    Case(_P, "documented DeletionProtection Enabled passes; Disabled fails; service and disabled keys skipped",
         {"kms.keys": [key(), key("k-off", deletion_protection="Disabled"),
                       key("k-svc", creator="Rds", deletion_protection="Disabled"),
                       key("k-dis", state="Disabled", deletion_protection="Disabled")]},
         {KID: "PASS", "k-off": "FAIL"}),
    Case(_P, "DescribeKey failed", {"kms.keys": [key(error="Forbidden.KeyNotFound")]}, {KID: "ERROR"}),
    Case(_P, "no DeletionProtection in the answer is unknown, not Disabled",
         {"kms.keys": [key(deletion_protection="")]}, {KID: "ERROR"}),
    Case(_R, "no AutomaticRotation in the answer is unknown, not Disabled",
         {"kms.keys": [key(automatic_rotation="")]}, {KID: "ERROR"}),
    Case(_S, "documented Rds secret rotating every 36.5 days passes; Disabled and Invalid fail; generic skipped",
         {"kms.secrets": [secret(), secret("ram-ak", type="RAMCredentials", automatic_rotation="Disabled",
                                           rotation_interval_seconds=None),
                          secret("ecs-pw", type="ECS", automatic_rotation="Invalid"),
                          secret("generic", type="Generic", automatic_rotation="", rotation_interval_seconds=None)]},
         {SECRET: "PASS", "ram-ak": "FAIL", "ecs-pw": "FAIL"}),
    Case(_S, "managed Redis and PolarDB secrets (CreateSecret's types) are judged, MANUAL without AutomaticRotation "
         "(DescribeSecret documents it for RDS, RAM and ECS only); types and values in another letter case too",
         {"kms.secrets": [secret("redis-pw", type="Redis", automatic_rotation="Disabled",
                                 rotation_interval_seconds=None),
                          secret("polar-pw", type="PolarDB"), secret("rds-upper", type="RDS"),
                          secret("polar-none", type="PolarDB", automatic_rotation="", rotation_interval_seconds=None),
                          secret("rds-lower", automatic_rotation="enabled")]},
         {"redis-pw": "FAIL", "polar-pw": "PASS", "rds-upper": "PASS", "polar-none": "MANUAL", "rds-lower": "PASS"}),
    Case(_S, "interval longer than kms_rotation_days fails; DescribeSecret failed is ERROR",
         {"kms.secrets": [secret("slow", rotation_interval_seconds=2 * YEAR),
                          secret("err", automatic_rotation="", error="Forbidden.NoPermission")]},
         {"slow": "FAIL", "err": "ERROR"}),
    Case(_S, "a secret whose type nobody reported is MANUAL, not skipped",
         {"kms.secrets": [secret("untyped", type="", automatic_rotation="")]}, {"untyped": "MANUAL"}),
]
