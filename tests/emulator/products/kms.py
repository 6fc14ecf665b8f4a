"""KMS (2016-01-20): customer master keys per region with their state, origin, spec and rotation policy;
ListKeys (PageNumber paging), DescribeKey, ListAliases, and the writes that change what the audit sees
(rotation policy, scheduled deletion, enable/disable)."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..call import Call
from ..clock import iso
from ..errors import ApiError
from ..pop import PopApi, int_param, page_by_number, require
from ..regions import region_exists

# KMS answers its QPS limit with Rejected.Throttling 429 "QPS Limit Exceeded" (KMS "QPS Limit Exceeded" error,
# https://help.aliyun.com/zh/kms/key-management-service/qps-limit-exceeded-error-is-returned-when-you-call-an-api-operation)
api = PopApi("kms", "2016-01-20", throttle=("Rejected.Throttling", 429, "QPS Limit Exceeded"))

SYMMETRIC_SPECS = {"Aliyun_AES_256", "Aliyun_AES_128", "Aliyun_AES_192", "Aliyun_SM4"}
_INTERVAL = re.compile(r"^(\d+)([dhms])$")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def _new_key_id() -> str:
    return "key-" + secrets.token_hex(12)


class Key(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    id: str = Field(default_factory=_new_key_id)
    region: str = "cn-hangzhou"
    description: str = ""
    state: str = "Enabled"  # Enabled | Disabled | PendingDeletion | PendingImport
    spec: str = "Aliyun_AES_256"  # symmetric: Aliyun_AES_*, Aliyun_SM4; asymmetric: RSA_2048, EC_P256, ...
    usage: str = "ENCRYPT/DECRYPT"
    origin: str = "Aliyun_KMS"  # Aliyun_KMS | EXTERNAL (imported key material)
    creator: str = ""  # '' = the account itself; a cloud service name (Rds, Oss, Ecs) for service keys
    protection_level: str = "SOFTWARE"
    automatic_rotation: str = "Disabled"  # Enabled | Disabled | Suspended
    rotation_interval_seconds: int | None = None
    created: datetime = datetime(2024, 1, 1)
    last_rotation: datetime | None = None
    delete_date: datetime | None = None
    deletion_protection: str = "Disabled"
    dkms_instance_id: str = ""
    material_expire: datetime | None = None
    aliases: list[str] = Field(default_factory=list)  # alias/<name>


class Secret(BaseModel):
    """A Secrets Manager secret's metadata (its value is not modelled: the audit never reads it)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    region: str = "cn-hangzhou"
    type: str = "Generic"  # Generic | Rds | RAMCredentials | ECS (DescribeSecret SecretType)
    description: str = ""
    automatic_rotation: str = "Disabled"  # Enabled | Disabled | Invalid: managed secrets only
    rotation_interval_seconds: int | None = None
    encryption_key_id: str = ""
    created: datetime = datetime(2024, 1, 1)
    last_rotation: datetime | None = None


class KmsState(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    keys: list[Key] = Field(default_factory=list)
    secrets: list[Secret] = Field(default_factory=list)

    def find(self, key_id: str, region: str = "") -> Key | None:
        """By key id, ARN or alias, in the region when one is known."""
        ref = key_id.rsplit(":key/", 1)[-1]
        for k in self.keys:
            if (not region or k.region == region) and (k.id == ref or ref in k.aliases):
                return k
        return None


def _region(call: Call) -> str:
    """The endpoint's region: any public region (a list there is empty when the account has no key in it); an
    unknown region id is refused (regions.py)."""
    if call.region and not region_exists(call.acct.regions, call.region):
        raise ApiError("InvalidRegionId", f"The region {call.region} is not available for this account.", 400)
    return call.region


def _arn(call: Call, k: Key) -> str:
    return f"acs:kms:{k.region}:{call.acct.id}:key/{k.id}"


def _key(call: Call) -> Key:
    key_id = require(call.params, "KeyId")
    key = call.acct.kms.find(key_id, _region(call))
    if key is None:
        raise ApiError("Forbidden.KeyNotFound", f"The specified Key is not found: {key_id}", 404)
    call.region = call.region or key.region
    call.touch("ACS::KMS::Key", key.id)
    return key


def _key_resource(call: Call) -> str:
    return f"key/{call.params.get('KeyId', '*')}"


def metadata(call: Call, k: Key) -> dict[str, Any]:
    out: dict[str, Any] = {
        "KeyId": k.id, "Arn": _arn(call, k), "Description": k.description, "KeyState": k.state, "KeySpec": k.spec,
        "KeyUsage": k.usage, "Origin": k.origin, "Creator": k.creator or call.acct.id,
        "ProtectionLevel": k.protection_level, "AutomaticRotation": k.automatic_rotation,
        "CreationDate": iso(k.created), "LastRotationDate": iso(k.last_rotation or k.created),
        "PrimaryKeyVersion": f"{k.id}-v1", "DeletionProtection": k.deletion_protection,
        "MaterialExpireTime": iso(k.material_expire) if k.material_expire else "",
    }
    if k.dkms_instance_id:
        out["DKMSInstanceId"] = k.dkms_instance_id
    if k.automatic_rotation in ("Enabled", "Suspended") and k.rotation_interval_seconds:
        out["RotationInterval"] = f"{k.rotation_interval_seconds}s"
        out["NextRotationDate"] = iso((k.last_rotation or k.created) + timedelta(seconds=k.rotation_interval_seconds))
    if k.state == "PendingDeletion" and k.delete_date:
        out["DeleteDate"] = iso(k.delete_date)
    return out


@api.action("ListKeys")
def list_keys(call: Call) -> dict[str, Any]:
    region = _region(call)
    keys = [k for k in call.acct.kms.keys if not region or k.region == region]
    page, meta = page_by_number(keys, call.params, default=10, limit=100)
    return {**meta, "Keys": {"Key": [{"KeyId": k.id, "KeyArn": _arn(call, k)} for k in page]}}


@api.action("DescribeKey", resource=_key_resource)
def describe_key(call: Call) -> dict[str, Any]:
    return {"KeyMetadata": metadata(call, _key(call))}


@api.action("ListAliases")
def list_aliases(call: Call) -> dict[str, Any]:
    region = _region(call)
    aliases = [(a, k) for k in call.acct.kms.keys if not region or k.region == region for a in k.aliases]
    page, meta = page_by_number(aliases, call.params, default=10, limit=100)
    return {**meta, "Aliases": {"Alias": [
        {"AliasName": a, "KeyId": k.id, "AliasArn": f"acs:kms:{k.region}:{call.acct.id}:{a}"} for a, k in page]}}


def _interval(raw: str) -> int:
    m = _INTERVAL.match(raw)
    if not m:
        raise ApiError("InvalidParameter", f"The RotationInterval is invalid: {raw}", 400)
    seconds = int(m.group(1)) * _UNIT_SECONDS[m.group(2)]
    if not 7 * 86400 <= seconds <= 730 * 86400:
        raise ApiError("InvalidParameter", "The RotationInterval must be between 7 and 730 days.", 400)
    return seconds


@api.action("UpdateRotationPolicy", resource=_key_resource, write=True)
def update_rotation_policy(call: Call) -> dict[str, Any]:
    key = _key(call)
    enable = require(call.params, "EnableAutomaticRotation").lower() == "true"
    if key.spec not in SYMMETRIC_SPECS or key.origin != "Aliyun_KMS":
        # the documented code (OpenMeta kms 2016-01-20 UpdateRotationPolicy: 400 Rejected.UnsupportedOperation)
        raise ApiError("Rejected.UnsupportedOperation", "Unsupported operation.", 400)
    if enable:
        key.rotation_interval_seconds = _interval(require(call.params, "RotationInterval"))
        key.automatic_rotation = "Enabled" if key.state == "Enabled" else "Suspended"
    else:
        key.automatic_rotation = "Disabled"
    return {}


@api.action("ScheduleKeyDeletion", resource=_key_resource, write=True)
def schedule_key_deletion(call: Call) -> dict[str, Any]:
    key = _key(call)
    days = int_param(call.params, "PendingWindowInDays", 0, 7, 366)
    if key.deletion_protection == "Enabled":
        raise ApiError("Forbidden.DeletionProtection", "The key is protected from deletion.", 403)
    if key.state == "PendingDeletion":
        raise ApiError("Forbidden.KeyPendingDeletion", "The key is already pending deletion.", 403)
    key.state, key.delete_date = "PendingDeletion", call.now() + timedelta(days=days)
    if key.automatic_rotation == "Enabled":
        key.automatic_rotation = "Suspended"
    return {}


@api.action("CancelKeyDeletion", resource=_key_resource, write=True)
def cancel_key_deletion(call: Call) -> dict[str, Any]:
    key = _key(call)
    if key.state != "PendingDeletion":
        raise ApiError("Forbidden.KeyNotPendingDeletion", "The key is not pending deletion.", 403)
    # a cancelled deletion leaves the key disabled, as the cloud does
    key.state, key.delete_date = "Disabled", None
    return {}


@api.action("EnableKey", resource=_key_resource, write=True)
def enable_key(call: Call) -> dict[str, Any]:
    key = _key(call)
    if key.state == "PendingDeletion":
        raise ApiError("Forbidden.KeyPendingDeletion", "The key is pending deletion.", 403)
    key.state = "Enabled"
    if key.automatic_rotation == "Suspended":
        key.automatic_rotation = "Enabled"
    return {}


@api.action("DisableKey", resource=_key_resource, write=True)
def disable_key(call: Call) -> dict[str, Any]:
    key = _key(call)
    if key.state == "PendingDeletion":
        raise ApiError("Forbidden.KeyPendingDeletion", "The key is pending deletion.", 403)
    key.state = "Disabled"
    if key.automatic_rotation == "Enabled":
        key.automatic_rotation = "Suspended"
    return {}


# --- issue 20: deletion protection, secrets --------------------------------------------------------------------

@api.action("SetDeletionProtection", write=True)
def set_deletion_protection(call: Call) -> dict[str, Any]:
    # ProtectedResourceArn (the key's ARN) or KeyId, both optional, and EnableDeletionProtection true | false,
    # required (OpenMeta kms 2016-01-20 SetDeletionProtection)
    arn = call.params.get("ProtectedResourceArn") or require(call.params, "KeyId")
    key = call.acct.kms.find(arn, _region(call))
    if key is None:
        raise ApiError("Forbidden.KeyNotFound", f"The specified Key is not found: {arn}", 404)
    call.touch("ACS::KMS::Key", key.id)
    key.deletion_protection = "Enabled" if require(call.params, "EnableDeletionProtection").lower() == "true" \
        else "Disabled"
    return {}


# the managed types that rotate: Rds, RAMCredentials, ECS, and PolarDB and Redis (CreateSecret's
# EnableAutomaticRotation, the SDK model CreateSecretRequest); DescribeSecret answers AutomaticRotation "only for a
# managed ApsaraDB RDS secret, a managed RAM secret, or a managed ECS secret"
MANAGED_SECRET_TYPES = {"Rds", "RAMCredentials", "ECS", "PolarDB", "Redis"}
ROTATION_ANSWERED = {"Rds", "RAMCredentials", "ECS"}


def _secret(call: Call) -> Secret:
    name = require(call.params, "SecretName")
    region = _region(call)
    found = next((s for s in call.acct.kms.secrets if s.name == name and (not region or s.region == region)), None)
    if found is None:  # 404 Forbidden.ResourceNotFound (DescribeSecret error codes)
        raise ApiError("Forbidden.ResourceNotFound", "Resource not found", 404)
    call.touch("ACS::KMS::Secret", found.name)
    return found


@api.action("ListSecrets")
def list_secrets(call: Call) -> dict[str, Any]:
    # PageNumber / PageSize 1-100 (default 10); SecretList.Secret[] with SecretName, SecretType, CreateTime,
    # UpdateTime (api.alibabacloud.com/api/Kms/2016-01-20/ListSecrets)
    region = _region(call)
    items = [s for s in call.acct.kms.secrets if not region or s.region == region]
    page, meta = page_by_number(items, call.params, default=10, limit=100)
    return {**meta, "SecretList": {"Secret": [
        {"SecretName": s.name, "SecretType": s.type, "CreateTime": iso(s.created), "UpdateTime": iso(s.created)}
        for s in page]}}


@api.action("DescribeSecret")
def describe_secret(call: Call) -> dict[str, Any]:
    # AutomaticRotation "is returned only for a managed ApsaraDB RDS secret, a managed RAM secret, or a managed
    # ECS secret"; RotationInterval ("604800s") "when automatic rotation is enabled" (DescribeSecret)
    s = _secret(call)
    out: dict[str, Any] = {"SecretName": s.name, "SecretType": s.type, "Description": s.description,
                           "Arn": f"acs:kms:{s.region}:{call.acct.id}:secret/{s.name}",
                           "EncryptionKeyId": s.encryption_key_id, "CreateTime": iso(s.created),
                           "UpdateTime": iso(s.created)}
    if s.type in ROTATION_ANSWERED:
        out["AutomaticRotation"] = s.automatic_rotation
        if s.automatic_rotation == "Enabled" and s.rotation_interval_seconds:
            out["RotationInterval"] = f"{s.rotation_interval_seconds}s"
            last = s.last_rotation or s.created
            out["LastRotationDate"] = iso(last)
            out["NextRotationDate"] = iso(last + timedelta(seconds=s.rotation_interval_seconds))
    return out


@api.action("UpdateSecretRotationPolicy", write=True)
def update_secret_rotation_policy(call: Call) -> dict[str, Any]:
    # EnableAutomaticRotation true | false and RotationInterval ("30d", 6 hours to 365 days) for managed secrets
    # (UpdateSecretRotationPolicy)
    s = _secret(call)
    if s.type not in MANAGED_SECRET_TYPES:
        raise ApiError("Forbidden.SecretTypeNotSupported", "Automatic rotation is not supported for this secret.",
                       403)
    if require(call.params, "EnableAutomaticRotation").lower() == "true":
        raw = require(call.params, "RotationInterval")
        m = _INTERVAL.match(raw)
        if not m:
            raise ApiError("InvalidParameter", f"The RotationInterval is invalid: {raw}", 400)
        s.rotation_interval_seconds = int(m.group(1)) * _UNIT_SECONDS[m.group(2)]
        s.automatic_rotation = "Enabled"
    else:
        s.automatic_rotation = "Disabled"
    return {}
