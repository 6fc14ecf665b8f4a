"""KMS checks (beyond CIS; CIS 2.20 only asks for an alert on key disabling and deletion): automatic
rotation of customer-managed symmetric keys, and keys scheduled for deletion. One finding per key, in
its region. Service keys (created by RDS, OSS, ECS...) are rotated by their service and asymmetric
keys cannot rotate automatically: neither gets a rotation finding."""

from __future__ import annotations

from collections.abc import Iterator

from ..collectors.kms import KEYS, ROTATION_ANSWERED, SECRETS, KmsKey, KmsSecret
from ..findings import Result, Status
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL
DAY = 86400


def _result(k: KmsKey, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=k.id, resource_type="kms:key", resource_name=k.description,
                  region=k.region, message=message,
                  details={"spec": k.spec, "origin": k.origin, "state": k.state, "creator": k.creator})


def _keys(inp: Inputs) -> Iterator[tuple[KmsKey, Result | None]]:
    for k in inp[KEYS]:
        if k.error:
            err: Result | None = _result(k, ERROR, f"could not describe the key: {k.error}")
        elif not k.state:  # (documented: Enabled | Disabled | PendingDeletion | PendingImport)
            err = _result(k, ERROR, "DescribeKey answered no KeyState: whether the key is in use is unknown")
        else:
            err = None
        yield k, err


@check(id="kms_key_rotation_enabled", severity="medium",
       title="Ensure automatic rotation is enabled for customer-managed symmetric KMS keys",
       risk="A key that never rotates protects ever more data with the same material, so one leak exposes all "
            "of it; rotation limits what a compromised key version can decrypt.",
       console="KMS console > Keys > the key > Automatic Rotation: enable with a period of at most 365 days.",
       cli="aliyun kms UpdateRotationPolicy --KeyId <id> --EnableAutomaticRotation true --RotationInterval 365d",
       events=["UpdateRotationPolicy", "CreateKey", "EnableKey", "DisableKey", "ScheduleKeyDeletion",
               "CancelKeyDeletion"], needs=[KEYS],
       evaluates="ListKeys/DescribeKey per region, only Enabled customer-managed (numeric Creator) symmetric keys: "
                 "PASS when AutomaticRotation is Enabled and RotationInterval is at most kms_rotation_days (365); "
                 "FAIL when rotation is not Enabled, has no interval or a longer one; MANUAL for imported (Origin "
                 "EXTERNAL) material, which KMS cannot rotate, and for a hardware-protected key of a KMS instance "
                 "(DKMSInstanceId, ProtectionLevel HSM) without rotation, which rotates only when stored as "
                 "HsmEncryptedDatabase (DescribeKey does not report it); ERROR when the key could not be described "
                 "or AutomaticRotation or KeyState was not answered. Service keys, asymmetric keys and keys not "
                 "Enabled give no result.",
       source="https://api.alibabacloud.com/api/Kms/2016-01-20/UpdateRotationPolicy (automatic rotation of keys "
              "whose material KMS generated)")
def rotation_enabled(inp: Inputs) -> Iterator[Result]:
    limit = inp.config.kms_rotation_days
    for k, err in _keys(inp):
        if err:
            yield err
        elif not k.customer_managed or not k.symmetric or k.state != "Enabled":
            continue  # service keys rotate with their service; asymmetric keys cannot; unusable keys don't matter
        elif k.origin == "EXTERNAL":
            # KMS cannot rotate material it did not generate
            yield _result(k, MANUAL, "key material is imported (EXTERNAL), which KMS cannot rotate: rotate by "
                          f"moving to a new key with fresh imported material at least every {limit} days")
        elif not k.automatic_rotation:  # (documented: Enabled | Disabled | Suspended)
            yield _result(k, ERROR, "DescribeKey answered no AutomaticRotation: whether the key rotates is unknown")
        elif k.automatic_rotation != "Enabled" and k.in_hardware_instance:
            yield _result(k, MANUAL, f"automatic rotation is {k.automatic_rotation}, and this hardware-protected key "
                          f"of KMS instance {k.dkms_instance_id} rotates only if stored as HsmEncryptedDatabase "
                          "(HsmInternal keys cannot rotate; DescribeKey does not say which): check the key's storage "
                          "in the KMS console, or rotate by moving to a new key")
        elif k.automatic_rotation != "Enabled":
            yield _result(k, FAIL, f"automatic rotation is {k.automatic_rotation}")
        elif k.rotation_interval_seconds is None:
            yield _result(k, FAIL, "automatic rotation is enabled but KMS reports no rotation interval")
        else:
            days = k.rotation_interval_seconds / DAY
            ok = days <= limit
            yield _result(k, PASS if ok else FAIL, f"automatic rotation every {days:g} days"
                          + ("" if ok else f" (required at most {limit})"))


@check(id="kms_key_not_pending_deletion", severity="high",
       title="KMS keys are not scheduled for deletion",
       risk="Once a key is deleted, everything encrypted with it (disks, buckets, TDE databases, secrets) can "
            "never be decrypted again.",
       console="KMS console > Keys > the key > Cancel Deletion, then Enable it if it is still needed.",
       cli="aliyun kms CancelKeyDeletion --KeyId <id>; aliyun kms EnableKey --KeyId <id>",
       events=["ScheduleKeyDeletion", "CancelKeyDeletion", "CreateKey"], needs=[KEYS],
       evaluates="DescribeKey KeyState of every key in the region (service keys included): FAIL when PendingDeletion "
                 "(with its DeleteDate), PASS for any other state (Disabled included); ERROR when the key could not "
                 "be described or KeyState was not answered.",
       source="https://api.alibabacloud.com/api/Kms/2016-01-20/DescribeKey (KeyState PendingDeletion, DeleteDate); "
              "CIS v2.0.0 2.20 asks only for an alert on scheduled deletion")
def not_pending_deletion(inp: Inputs) -> Iterator[Result]:
    for k, err in _keys(inp):
        if err:
            yield err
        elif k.state == "PendingDeletion":
            when = f" on {k.delete_date:%Y-%m-%d}" if k.delete_date else ""
            yield _result(k, FAIL, f"the key is scheduled for deletion{when}")
        else:
            yield _result(k, PASS, f"the key is {k.state}")


# --- issue 20 ------------------------------------------------------------------------------------------------

@check(id="kms_key_deletion_protection_enabled", severity="low",
       title="Customer-managed KMS keys have deletion protection enabled",
       risk="Without deletion protection a single ScheduleKeyDeletion call (a mistake, or an attacker holding kms "
            "permissions) starts the countdown to destroying the key and every piece of data it encrypts.",
       console="KMS console > Keys > the key > Key Details: enable Deletion Protection.",
       cli="aliyun kms SetDeletionProtection --ProtectedResourceArn <key arn> --EnableDeletionProtection true",
       events=["SetDeletionProtection", "CreateKey", "EnableKey", "DisableKey", "ImportKeyMaterial"], needs=[KEYS],
       evaluates="DescribeKey DeletionProtection of Enabled customer-managed keys (numeric Creator): PASS when "
                 "Enabled, FAIL otherwise (Disabled); ERROR when the key could not be described or DeletionProtection "
                 "was not answered. "
                 "Service keys and keys not Enabled give no result.",
       source="Cloud Config kms-key-delete-protection-enabled")
def deletion_protection_enabled(inp: Inputs) -> Iterator[Result]:
    for k, err in _keys(inp):
        if err:
            yield err
        elif not k.customer_managed or k.state != "Enabled":
            continue  # service keys belong to their service; unusable keys are judged by kms_key_not_pending_deletion
        elif k.deletion_protection == "Enabled":
            yield _result(k, PASS, "deletion protection is enabled")
        elif not k.deletion_protection:  # (documented: Enabled | Disabled)
            yield _result(k, ERROR, "DescribeKey answered no DeletionProtection: whether the key is protected is "
                                    "unknown")
        else:
            yield _result(k, FAIL, f"deletion protection is {k.deletion_protection}")


def _secret_result(s: KmsSecret, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=s.name, resource_type="kms:secret", resource_name=s.name,
                  region=s.region, message=message, details={"secret_type": s.type, "arn": s.arn})


@check(id="kms_secret_rotation_enabled", severity="medium",
       title="Managed KMS secrets (RDS, RAM, ECS, PolarDB, Redis) rotate automatically",
       risk="A database password, AccessKey or server password that never changes stays usable by anyone who ever "
            "read it (a leaked configuration, a former employee); automatic rotation limits how long a leak is "
            "worth something.",
       console="KMS console > Secrets > the secret > Automatic Rotation: enable it with an interval of at most "
               "kms_rotation_days.",
       cli="aliyun kms UpdateSecretRotationPolicy --SecretName <name> --EnableAutomaticRotation true "
           "--RotationInterval 30d",
       events=["UpdateSecretRotationPolicy", "CreateSecret", "DeleteSecret", "RestoreSecret"], needs=[SECRETS],
       evaluates="ListSecrets then DescribeSecret for managed secrets (SecretType Rds, RAMCredentials, ECS, PolarDB, "
                 "Redis, in any letter case; a PolarDB or Redis secret without AutomaticRotation, which DescribeSecret "
                 "documents for the other three only, is MANUAL): PASS "
                 "when AutomaticRotation is Enabled with a RotationInterval of at most kms_rotation_days (365); FAIL "
                 "when it is Disabled, Invalid (Secrets Manager cannot rotate it), missing, or the interval is longer; "
                 "ERROR when the secret could not be described; MANUAL when its SecretType (ListSecrets, then "
                 "DescribeSecret) is missing or undocumented. Generic secrets give no result: DescribeSecret "
                 "returns AutomaticRotation only for managed secrets, and Secrets Manager does not rotate generic "
                 "ones by itself.",
       source="Cloud Config kms-secret-rotation-enabled | https://api.alibabacloud.com/api/Kms/2016-01-20/"
              "DescribeSecret")
def secret_rotation_enabled(inp: Inputs) -> Iterator[Result]:
    limit = inp.config.kms_rotation_days
    s: KmsSecret
    for s in inp[SECRETS]:
        if s.type.lower() == "generic":
            continue
        if s.error:
            yield _secret_result(s, ERROR, f"could not describe the secret: {s.error}")
        elif not s.managed:
            yield _secret_result(s, MANUAL, f"secret type {s.type or 'not reported'} is neither Generic nor a "
                                            "documented managed type: check its rotation in the console")
        elif not s.automatic_rotation and s.type.lower() not in ROTATION_ANSWERED:
            yield _secret_result(s, MANUAL, f"DescribeSecret documents AutomaticRotation for RDS, RAM and ECS "
                                            f"secrets only, and answered none for this {s.type} secret: check its "
                                            "rotation in the console")
        elif s.automatic_rotation.lower() != "enabled":
            yield _secret_result(s, FAIL, f"automatic rotation of the {s.type} secret is "
                                 f"{s.automatic_rotation or 'not reported'}")
        elif s.rotation_interval_seconds is None:
            yield _secret_result(s, FAIL, "automatic rotation is enabled but KMS reports no rotation interval")
        else:
            days = s.rotation_interval_seconds / DAY
            ok = days <= limit
            yield _secret_result(s, PASS if ok else FAIL, f"the {s.type} secret rotates every {days:g} days"
                                 + ("" if ok else f" (required at most {limit})"))
