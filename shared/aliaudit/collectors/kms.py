"""KMS datasets (regional): every key of the region with its metadata (DescribeKey), for the key
checks and for what other families ask of a key (RDS TDE with a customer key, CIS 6.6)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .. import apierrors
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from .paging import by_page_number
from .ram import parse_time
from .registry import CollectContext, collector

kms_models = lazy_import("alibabacloud_kms20160120.models")

PAGE_SIZE = 100  # ListKeys PageSize maximum
SYMMETRIC_SPECS = {"Aliyun_AES_256", "Aliyun_AES_128", "Aliyun_AES_192", "Aliyun_SM4"}
_INTERVAL = re.compile(r"^(\d+)\s*([dhms]?)$")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1, "": 1}


def interval_seconds(text: str | None) -> int | None:
    """RotationInterval as KMS answers it ('31536000s'; also accepts the '365d' form it takes)."""
    m = _INTERVAL.match((text or "").strip())
    return int(m.group(1)) * _UNIT_SECONDS[m.group(2)] if m else None


class KmsKey(Record):
    id: str
    arn: str = ""
    region: str
    state: str = ""  # Enabled | Disabled | PendingDeletion | PendingImport
    spec: str = ""
    usage: str = ""
    origin: str = ""  # Aliyun_KMS | EXTERNAL (imported material)
    creator: str = ""  # the account id for customer keys; a cloud service (Rds, Oss, Ecs) for service keys
    description: str = ""
    automatic_rotation: str = ""  # Enabled | Disabled | Suspended
    rotation_interval_seconds: int | None = None
    last_rotation: datetime | None = None
    delete_date: datetime | None = None
    deletion_protection: str = ""
    # ProtectionLevel SOFTWARE | HSM and DKMSInstanceId (the dedicated KMS instance): a key of a hardware key
    # management instance rotates only when stored as HsmEncryptedDatabase, which DescribeKey does not report
    # ("HsmInternal (default): The key is stored in an HSM and does not support rotation", "If the key is a
    # hardware-protected key, automatic rotation is not supported": alibabacloud_kms20160120 CreateKeyRequest)
    protection_level: str = ""
    dkms_instance_id: str = ""
    error: str | None = None  # DescribeKey failed: checks report ERROR for this key

    @property
    def in_hardware_instance(self) -> bool:
        return bool(self.dkms_instance_id) and self.protection_level.upper() == "HSM"

    @property
    def customer_managed(self) -> bool:
        # KMS names the creating account (its numeric id) for customer keys, the service for service keys
        return self.creator.isdigit()

    @property
    def symmetric(self) -> bool:
        return self.spec in SYMMETRIC_SPECS


KEYS: Dataset[list[KmsKey]] = Dataset("kms.keys", Scope.REGIONAL)


@collector(KEYS, apis=["kms:ListKeys", "kms:DescribeKey"])
def keys(ctx: CollectContext) -> list[KmsKey]:
    kms = ctx.client("kms")
    listed = list(by_page_number(
        lambda n: kms.list_keys(kms_models.ListKeysRequest(page_number=n, page_size=PAGE_SIZE)).body,
        lambda b: b.keys.key if b.keys else [], PAGE_SIZE))

    def describe(k: Any) -> KmsKey:
        key = KmsKey(id=k.key_id, arn=k.key_arn or "", region=ctx.region)
        try:
            m = kms.describe_key(kms_models.DescribeKeyRequest(key_id=k.key_id)).body.key_metadata
            key.state, key.spec, key.usage = m.key_state or "", m.key_spec or "", m.key_usage or ""
            key.origin, key.creator, key.description = m.origin or "", m.creator or "", m.description or ""
            key.automatic_rotation = m.automatic_rotation or ""  # ('' not answered: unknown, never "Disabled")
            key.rotation_interval_seconds = interval_seconds(m.rotation_interval)
            key.last_rotation = parse_time(m.last_rotation_date)
            key.delete_date = parse_time(m.delete_date)
            key.deletion_protection = m.deletion_protection or ""
            key.protection_level, key.dkms_instance_id = m.protection_level or "", m.dkmsinstance_id or ""
        except Exception as err:
            key.error = apierrors.describe(err)
        return key

    return ctx.map(describe, listed)


# --- issue 20: secrets ---------------------------------------------------------------------------------------

# DescribeSecret SecretType: Generic | Rds (managed ApsaraDB RDS secret) | RAMCredentials (managed RAM secret) | ECS
# (managed ECS secret); AutomaticRotation (Enabled | Disabled | Invalid) "is returned only for a managed ApsaraDB RDS
# secret, a managed RAM secret, or a managed ECS secret" (api.alibabacloud.com/api/Kms/2016-01-20/DescribeSecret).
# CreateSecret's SecretType adds PolarDB and Redis, whose EnableAutomaticRotation "takes effect only when SecretType is
# set to Rds (ApsaraDB RDS secret), PolarDB (PolarDB secret), Redis (Redis secret), RAMCredentials (RAM secret), or ECS"
# (the SDK model CreateSecretRequest); compared in any letter case (ListSecrets' filter spells it RDS)
MANAGED_SECRET_TYPES = {"rds", "ramcredentials", "ecs", "polardb", "redis"}
ROTATION_ANSWERED = {"rds", "ramcredentials", "ecs"}  # the types DescribeSecret documents AutomaticRotation for
SECRET_PAGE = 100  # ListSecrets PageSize: 1 to 100


class KmsSecret(Record):
    """A secret's metadata (never its value: GetSecretValue is not called)."""

    name: str
    region: str
    arn: str = ""
    type: str = ""  # Generic | Rds | RAMCredentials | ECS | PolarDB | Redis
    automatic_rotation: str = ""  # Enabled | Disabled | Invalid ('' for generic secrets)
    rotation_interval_seconds: int | None = None
    planned_delete_time: str = ""
    error: str | None = None  # DescribeSecret failed: checks report ERROR for this secret

    @property
    def managed(self) -> bool:
        return self.type.lower() in MANAGED_SECRET_TYPES


SECRETS: Dataset[list[KmsSecret]] = Dataset("kms.secrets", Scope.REGIONAL)


def listed_secret(s: Any, region: str) -> KmsSecret:
    """The secret as ListSecrets SecretList.Secret[] lists it."""
    return KmsSecret(name=s.secret_name, region=region, type=s.secret_type or "",
                     planned_delete_time=s.planned_delete_time or "")


def description_needed(secret: KmsSecret) -> bool:
    """A generic secret has no automatic rotation to describe; a managed one, or one whose type the listing did not
    tell, is described (DescribeSecret's SecretType decides)."""
    return secret.type.lower() != "generic"


def read_description(secret: KmsSecret, b: Any) -> None:
    """Set the secret's ARN, type and rotation from a DescribeSecret answer."""
    secret.arn, secret.type = b.arn or "", b.secret_type or secret.type
    secret.automatic_rotation = b.automatic_rotation or ""
    secret.rotation_interval_seconds = interval_seconds(b.rotation_interval)


@collector(SECRETS, apis=["kms:ListSecrets", "kms:DescribeSecret"])
def secrets(ctx: CollectContext) -> list[KmsSecret]:
    kms = ctx.client("kms")
    listed = list(by_page_number(
        lambda n: kms.list_secrets(kms_models.ListSecretsRequest(page_number=n, page_size=SECRET_PAGE)).body,
        lambda b: b.secret_list.secret if b.secret_list else [], SECRET_PAGE))

    def describe(s: Any) -> KmsSecret:
        secret = listed_secret(s, ctx.region)
        if not description_needed(secret):
            return secret
        try:
            read_description(secret, kms.describe_secret(
                kms_models.DescribeSecretRequest(secret_name=s.secret_name)).body)
        except Exception as err:
            secret.error = apierrors.describe(err)
        return secret

    return ctx.map(describe, listed)
