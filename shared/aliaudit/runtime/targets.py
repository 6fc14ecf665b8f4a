"""What an ActionTrail event touched, as resource kinds the collectors read one at a time (collectors/registry.py
`reads_one`), and which of the checks its name selects can change with those resources.

The event's own resources (`referencedResources`) and the resources they imply are kept: a key -> its user (the
collector asks IMS whose key it is), a rule change -> its security group, a bucket sub-resource -> its bucket, an
EIP or ENI bound to an instance -> that instance (`requestParameters`). Everything here only narrows a run inside
the account and regions the deployment audits: a name that is not a resource of the account is read, found
missing and reported nowhere; it never reaches anything else.

The event fields read here, as Alibaba documents them (a field or value not as expected only loses narrowing: the
kind is then read whole, never a verdict):
- `serviceName` "the Alibaba Cloud service to which the event belongs", `requestParameters` "the input parameters of
  the API request" (so the API's own parameter names), `referencedResources` "the resources that are associated
  with the event" (ActionTrail log fields, https://www.alibabacloud.com/help/en/sls/log-fields-25);
- serviceName "Ecs" and referencedResources "ACS::ECS::Instance" in EventBridge's ActionTrail event sample
  (https://www.alibabacloud.com/help/en/eventbridge/user-guide/actiontrail-events); "ACS::RAM::AccessKey" in the
  AssumeRole event sample (https://www.alibabacloud.com/help/doc-detail/289050.htm); the other ACS:: type names and
  serviceName values ("Ram", "Ims", "Vpc", "Rds", "Oss") follow the same pattern, as the emulator's events name them,
  but no public sample of them was found;
- userIdentity.type "root-account" (https://www.alibabacloud.com/help/en/resource-management/latest/
  use-actiontrail-to-record-operations-on-resource-groups) and "ram-user" with its userName
  (https://www.alibabacloud.com/help/doc-detail/28826.htm);
- the parameter names are the APIs' (the official SDKs' request models: ecs20140526 AuthorizeSecurityGroupRequest
  SecurityGroupId, AttachNetworkInterfaceRequest InstanceId; vpc20160428 AssociateEipAddressRequest InstanceId and
  InstanceType; rds20140815 ModifySecurityIpsRequest DBInstanceId; ram20150501 CreateAccessKeyRequest UserName)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..checks.registry import Check
from ..datasets import (
    ECS_INSTANCE,
    ECS_SECURITY_GROUP,
    OSS_BUCKET,
    RAM_ACCESS_KEY,
    RAM_ROOT,
    RAM_USER,
    RDS_INSTANCE,
    check_kinds,
)

# referencedResources types (ActionTrail's ACS::<Service>::<Type>, as the emulator's events name them) -> kind
REFERENCED = {
    "ACS::RAM::User": RAM_USER, "ACS::RAM::AccessKey": RAM_ACCESS_KEY,
    "ACS::OSS::Bucket": OSS_BUCKET,
    "ACS::ECS::SecurityGroup": ECS_SECURITY_GROUP, "ACS::ECS::Instance": ECS_INSTANCE,
    "ACS::RDS::DBInstance": RDS_INSTANCE,
}
# requestParameters that name the resource an event changed, per serviceName: a rule's group (AuthorizeSecurityGroup
# SecurityGroupId), the instance an EIP or ENI is bound to (AssociateEipAddress / AttachNetworkInterface InstanceId,
# with InstanceType EcsInstance or absent), a key's user (CreateAccessKey UserName), an RDS instance
PARAMETERS: dict[str, dict[str, str]] = {
    "Ram": {"UserName": RAM_USER},
    # IMS names a user by its logon name, <name>@<account alias>.onaliyun.com (alibabacloud_ims20190815 request
    # models: UserPrincipalName); the user's RAM name is the part before "@"
    "Ims": {"UserPrincipalName": RAM_USER, "UserName": RAM_USER},
    "Ecs": {"SecurityGroupId": ECS_SECURITY_GROUP, "InstanceId": ECS_INSTANCE},
    "Vpc": {"InstanceId": ECS_INSTANCE},
    "Rds": {"DBInstanceId": RDS_INSTANCE, "InsName": RDS_INSTANCE},  # (the whitelist template APIs name it InsName)
    "Oss": {"BucketName": OSS_BUCKET},
}
check_kinds([*REFERENCED.values(), *(k for p in PARAMETERS.values() for k in p.values())], "targets")
# events that create a new instance from the one their DBInstanceId names (the source): not narrowed to it, so the new
# one is read with the others (RDS CloneDBInstance; RecoveryDBInstance restores into TargetDBInstanceId or a new one;
# CreateReadOnlyDBInstance's DBInstanceId is its primary; CreateDdrInstance restores another region's backup)
FROM_SOURCE = {"CloneDBInstance", "RecoveryDBInstance", "CreateReadOnlyDBInstance", "CreateDdrInstance"}
ROOT = "<root>"  # the RAM_ROOT kind's one resource: the account's root identity
KEY_EVENTS = {"CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey"}
MAX_ID = 256  # longer is no resource id (OSS bucket names: 63, RAM user names: 64)
MAX_PER_KIND = 100  # more ids than this (a burst coalesced): the kind reads whole, the manifest stays small


def resources(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """Kind -> sorted ids the event touched or implies (kinds no collector reads one at a time are kept too: the
    worker keeps only their findings)."""
    out: dict[str, set[str]] = {}
    referenced = data.get("referencedResources")
    for kind_name, ids in (referenced.items() if isinstance(referenced, dict) else ()):
        kind = REFERENCED.get(str(kind_name), str(kind_name))
        out.setdefault(kind, set()).update(_ids(ids))
    params = data.get("requestParameters")
    if isinstance(params, dict):
        for param, kind in PARAMETERS.get(str(data.get("serviceName", "")), {}).items():
            value = params.get(param)
            if param == "InstanceId" and params.get("InstanceType") not in (None, "", "EcsInstance"):
                continue  # an EIP bound to a NAT gateway or SLB: not an ECS instance
            out.setdefault(kind, set()).update(_ids([value]) if value is not None else set())
    if data.get("eventName") in FROM_SOURCE:  # (whatever names the source: the new instance is read too)
        out.pop(RDS_INSTANCE, None)
    if RAM_USER in out:  # a logon name (IMS events, ACS::RAM::User ids): the user's name is what precedes "@"
        out[RAM_USER] = {i.split("@", 1)[0] for i in out[RAM_USER] if i.split("@", 1)[0]}
    identity = data.get("userIdentity")
    named = isinstance(params, dict) and (params.get("UserName") or params.get("UserPrincipalName"))
    if data.get("eventName") in KEY_EVENTS and not named:
        # a key of the caller itself (UserName omitted): a RAM user's own, or the root account's
        if isinstance(identity, dict) and identity.get("type") == "root-account":
            out.setdefault(RAM_ROOT, set()).add(ROOT)
        elif isinstance(identity, dict) and identity.get("type") == "ram-user" and identity.get("userName"):
            out.setdefault(RAM_USER, set()).update(_ids([identity["userName"]]))
    return {k: sorted(v) for k, v in sorted(out.items()) if v}


def merge(*maps: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """Several events' resources as one run's (a coalesced burst)."""
    out: dict[str, set[str]] = {}
    for m in maps:
        for kind, ids in m.items():
            out.setdefault(kind, set()).update(ids)
    return {k: sorted(v) for k, v in sorted(out.items())}


def readable(res: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    """The kinds a collector can read one at a time, each with at most MAX_PER_KIND ids (beyond: read whole)."""
    from ..collectors.registry import COLLECTORS

    kinds = {k for c in COLLECTORS.values() for k in c.reads_one}
    out = {k: set(ids) for k, ids in res.items() if k in kinds}
    return {k: v for k, v in out.items() if len(v) <= MAX_PER_KIND}


def narrowed_datasets(res: Mapping[str, Iterable[str]]) -> set[str]:
    """The datasets whose collectors read only the event's resources."""
    from ..collectors.registry import COLLECTORS

    kinds = set(readable(res))
    return {name for name, c in COLLECTORS.items() if kinds & set(c.reads_one)}


def relevant(checks: Iterable[Check], res: Mapping[str, Iterable[str]], event: str = "") -> list[Check]:
    """Of the checks an event's name selects, those its resources can change. Only an AccessKey event is narrowed
    here: a RAM user's key changes that user's verdicts (ram.users), not the root account's keys nor which keys
    were used from ECS (a new key has no use yet; a deleted or disabled key's use stays in the trail), and the root
    account's key only its own (ram.root). Any other event keeps every check its name selects (e.g. RunInstances
    names an instance but also changes disks; AttachPolicyToUser a user but also a policy's attachments); their
    datasets are still read one resource at a time where the event names one."""
    checks = list(checks)
    if event not in KEY_EVENTS:
        return checks
    kinds = set(readable(res))
    if kinds & {RAM_USER, RAM_ACCESS_KEY} and RAM_ROOT not in kinds:
        owner = "ram.users"
    elif kinds == {RAM_ROOT} or kinds == {RAM_ROOT, RAM_ACCESS_KEY}:
        owner = "ram.root"
    else:
        return checks
    return [c for c in checks if owner in c.meta.needs]


# ActionTrail serviceName values whose RAM namespace is spelt otherwise (lower-cased, '-' removed on both sides);
# IMS (the RAM console's identity APIs) changes the same users, keys and MFA devices RAM's APIs do
SERVICE_NAMESPACES: dict[str, tuple[str, ...]] = {
    "rkvstore": ("kvstore",), "sas": ("yundunsas",), "cloudapi": ("apigateway",), "cloudfw": ("yunduncloudfirewall",),
    "ddoscoo": ("yundunddoscoo",), "waf": ("yundunwaf",), "bastionhost": ("yundunbastionhost",),
    "ims": ("ims", "ram")}


def _norm(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "")


def service_checks(checks: Iterable[Check], service: Any) -> list[Check]:
    """Of the checks an event's name selects, those that read the event's service. API names repeat across
    products (ModifySecurityIps is an RDS, a Redis and a MongoDB API; CreateInstance an ECS and a Redis one), so
    an RDS whitelist change must not re-audit every Redis and MongoDB instance of the region. A check reads a
    service when one of its collectors calls it (their RAM actions' namespaces: `rds:` for the RDS checks, also
    `kms:` for the TDE-key check, `ram:` for the ECS instance-role check). An event whose serviceName no check
    reads (a spelling not known here) keeps every check its name selects: narrowing may only ever be lost."""
    from ..collectors.registry import COLLECTORS

    checks = list(checks)
    if not isinstance(service, str) or not service:
        return checks
    wanted = set(SERVICE_NAMESPACES.get(_norm(service), (_norm(service),)))

    def namespaces(c: Check) -> set[str]:
        return {_norm(a.split(":", 1)[0]) for d in c.meta.needs if d in COLLECTORS for a in COLLECTORS[d].apis}

    known = [c for c in checks if wanted & namespaces(c)]
    return known if known else checks


def _ids(values: Any) -> set[str]:
    if not isinstance(values, list):
        return set()
    return {str(i) for i in values if isinstance(i, str | int) and not isinstance(i, bool)
            and 0 < len(str(i).strip()) <= MAX_ID}
