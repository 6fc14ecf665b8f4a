"""Redis / Tair datasets (regional, ApsaraDB for Redis API r-kvstore 2015-01-01): every instance of the region
with its IP whitelists, endpoints, password-free (VPC) access mode, TLS and TDE.

One dataset, read per instance: each aspect is its own call, so a call that fails (denied, throttled past the
retries) marks only that aspect of that instance, and only the checks reading it say ERROR."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field

from .. import apierrors
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from ..offered import region_list
from .ip_templates import linked_templates
from .paging import by_page_number
from .registry import CollectContext, collector

kvstore_models = lazy_import("alibabacloud_r_kvstore20150101.models")

PAGE_SIZE = 50  # DescribeInstances PageSize: "Maximum value: 50. Default value: 30" (API reference, 2015-01-01)
# DescribeInstances filters by engine, InstanceType, whose request schema has "default": "Redis" (OpenMeta en_us and
# zh_cn r-kvstore/2015-01-01; Alibaba's Terraform provider's test sweeper lists Redis and Memcache apart,
# alicloud/resource_alicloud_kvstore_instance_test.go): unfiltered, Tair and Memcache instances could go unlisted, so
# each engine the answer's InstanceType documents (Tair, Redis, Memcache) is asked by name. Child instances of a
# distributed instance (Global Distributed Cache, Tair) are asked apart: GlobalInstance true "Only child instances
# are returned", false "Child instances are not returned", unset undocumented. Each instance is kept once.
# (Tair's children are asked as Redis too: older answers name Tair instances InstanceType Redis with EditionType
# Enterprise, see _open_source). The request's InstanceType enumeration also names Tair's series, "Redis, Memcache,
# tair_essd, tair_scm, Tair, tair_rdb, tair_skv" (OpenMeta en_us and zh_cn), and instances made by CreateTairInstance
# (InstanceType tair_rdb | tair_scm | tair_essd) read back under those names (Alibaba's Terraform provider,
# resource_alicloud_redis_tair_instance_test.go): whether the Tair filter lists them is not documented, so each is
# asked too.
LISTINGS: tuple[tuple[str, bool | None], ...] = (
    ("Redis", None), ("Tair", None), ("Memcache", None), ("tair_rdb", None), ("tair_scm", None), ("tair_essd", None),
    ("tair_skv", None), ("Tair", True), ("Redis", True))
# DescribeInstanceSSL's documented errors for an instance whose engine or proxy cannot do TLS (API reference
# errorCodes: 400 InvalidRedisVersionPattern, 403 IncorrectCharacterType, 403 IncorrectEngineVersion)
SSL_UNSUPPORTED = {"InvalidRedisVersionPattern", "IncorrectCharacterType", "IncorrectEngineVersion"}
# an unknown (released) instance: DescribeSecurityIps documents 404 InvalidInstanceId.NotFound, other instance APIs
# of the same reference 404 InvalidDbInstanceId.NotFound
NOT_FOUND = {"InvalidInstanceId.NotFound", "InvalidDbInstanceId.NotFound"}
# NodeType: double | single in DescribeInstances' answer (API reference enumeration); the request documents
# "MASTER_SLAVE: high-availability (dual-replica), STAND_ALONE: single-replica ... For cloud-native instances, select
# MASTER_SLAVE or STAND_ALONE. For classic instances, select double or single" (DescribeInstancesRequest.node_type)
SINGLE_REPLICA = {"single", "stand_alone"}
# Tair disk-based instance classes: ESSD "tair.essd.standard.*", SSD "tair.localssd.*" (the API code column of the
# disk-based type tables, https://help.aliyun.com/zh/redis/product-overview/capacity-storage-type); persistent memory
# "tair.scm.*" (https://www.alibabacloud.com/help/en/redis/product-overview/persistent-memory-type)
DISK_CLASSES = ("tair.essd.", "tair.localssd.")
PERSISTENT_MEMORY_CLASSES = ("tair.scm.",)


class WhitelistGroup(Record):
    name: str
    ips: list[str]
    attribute: str = ""  # 'hidden': a group the console does not show (managed by DMS, DAS...)


class Endpoint(Record):
    address: str
    ip_type: str  # IPType: Public | Inner (classic network) | Private (VPC)
    port: str = ""


class RedisInstance(Record):
    id: str
    name: str = ""
    region: str
    instance_type: str = ""  # InstanceType: Tair (Enterprise Edition) | Redis (open-source Redis) | Memcache
    # EditionType: "Community: open-source Redis; Enterprise: Tair Enterprise Edition" (DescribeInstancesRequest)
    edition_type: str = ""
    node_type: str = ""  # NodeType: double | single (classic), MASTER_SLAVE | STAND_ALONE (cloud-native)
    instance_class: str = ""  # InstanceClass: the instance type code (e.g. tair.essd.standard.xlarge)
    engine_version: str = ""
    status: str = ""
    network_type: str = ""  # CLASSIC | VPC
    whitelist: list[WhitelistGroup] = Field(default_factory=list)
    # the global IP whitelist templates linked to the instance (DescribeGlobalSecurityIPGroupRelation: ip_templates.py),
    # each as a group named template:<GlobalIgName>; empty when the read failed (errors["templates"])
    templates: list[WhitelistGroup] = Field(default_factory=list)
    endpoints: list[Endpoint] = Field(default_factory=list)
    # VpcAuthMode (DescribeInstanceAttribute): "Open: Password authentication is enabled. Close: Password
    # authentication is disabled and password-free access is enabled" (API reference, 2015-01-01)
    vpc_auth_mode: str = ""
    tde_supported: bool | None = None  # IsSupportTDE (DescribeInstanceAttribute); None: not reported
    ssl_status: str = ""  # SSLEnabled: Enable | Disable
    ssl_unsupported: str = ""  # the documented error DescribeInstanceSSL answered for an instance without TLS
    tde_status: str = ""  # TDEStatus: Enabled | Disable ('' when not read or not answered)
    errors: dict[str, str] = Field(default_factory=dict)  # aspect -> why it could not be read
    # a stand-in for the region's instances of one listing that failed (not the first, Redis's: that fails the
    # dataset): why; the checks give it one ERROR each
    unlisted: str | None = None


def _open_source(inst: RedisInstance) -> bool:
    """Redis Open-Source Edition: EditionType Community, or InstanceType Redis ("open-source Redis") unless the
    edition says Enterprise."""
    return inst.edition_type == "Community" or (inst.instance_type == "Redis" and inst.edition_type != "Enterprise")


def tls_not_offered(inst: RedisInstance) -> str:
    """Why the instance cannot use TLS at all ('' when it may), from "Enable TLS encryption": "Tair (Enterprise
    Edition) memory-optimized instance, Tair (Enterprise Edition) persistent memory instance, Redis Open-Source Edition
    5.0, 6.0, or 7.0 instance" and "Your instance uses the master-replica architecture"
    (https://www.alibabacloud.com/help/en/redis/user-guide/enable-tls-encryption). Only series and architectures
    that no upgrade changes: Memcache, single-replica, disk-based (engine versions are judged by the call's answer)."""
    if inst.instance_type == "Memcache":
        return "TLS is not offered for Memcache instances"
    if inst.node_type.lower() in SINGLE_REPLICA:
        return f"TLS needs the master-replica architecture; this instance is single-replica (NodeType {inst.node_type})"
    if inst.instance_class.startswith(DISK_CLASSES):
        return f"TLS is not offered for Tair disk-based (ESSD/SSD) instances ({inst.instance_class})"
    return ""


def tde_not_offered(inst: RedisInstance) -> str:
    """Why the series has no TDE ('' when it may), for an instance whose IsSupportTDE is unknown: "The instance must be
    a memory-optimized Tair (Enterprise Edition) instance" ("Enable TDE",
    https://www.alibabacloud.com/help/en/redis/user-guide/enable-tde)."""
    if inst.instance_type == "Memcache" or _open_source(inst):
        return f"TDE is offered for Tair (Enterprise Edition) memory-optimized instances only, not {inst.instance_type}"
    if inst.instance_class.startswith(DISK_CLASSES + PERSISTENT_MEMORY_CLASSES):
        return f"TDE is offered for Tair memory-optimized instances only, not {inst.instance_class}"
    return ""


def tde_applies(inst: RedisInstance) -> bool:
    """IsSupportTDE decides; when it is unknown (attributes unread or without it), the documented series do."""
    return inst.tde_supported if inst.tde_supported is not None else not tde_not_offered(inst)


INSTANCES: Dataset[list[RedisInstance]] = Dataset("redis.instances", Scope.REGIONAL)


@collector(INSTANCES, apis=[
    "kvstore:DescribeInstances", "kvstore:DescribeSecurityIps", "kvstore:DescribeGlobalSecurityIPGroupRelation",
    "kvstore:DescribeDBInstanceNetInfo",
    "kvstore:DescribeInstanceAttribute", "kvstore:DescribeInstanceSSL", "kvstore:DescribeInstanceTDEStatus"])
def instances(ctx: CollectContext) -> list[RedisInstance]:
    kv = ctx.client("kvstore")

    def listing(engine: str, children: bool | None) -> list[Any]:
        return list(by_page_number(
            lambda n: kv.describe_instances(kvstore_models.DescribeInstancesRequest(
                region_id=ctx.region, instance_type=engine, global_instance=children, page_number=n,
                page_size=PAGE_SIZE)).body,
            lambda b: b.instances.kvstore_instance if b.instances else [], PAGE_SIZE))

    found: dict[str, Any] = {}
    unlisted: list[RedisInstance] = []
    for engine, children in LISTINGS:
        try:
            answered = listing(engine, children)
        except Exception as err:
            # a site that refuses the value itself has no such instances; the first listing's other failures are the
            # dataset's ERROR, another's its own ERROR (the instances listed are still judged)
            if any(apierrors.refuses_parameter(err, name) for name in ("InstanceType", "GlobalInstance")):
                continue
            if (engine, children) == LISTINGS[0]:
                raise
            kind = f"{engine} instances" + (" (children of distributed instances)" if children else "")
            unlisted.append(RedisInstance(id=f"redis-{engine.lower()}{'-children' if children else ''}-{ctx.region}",
                                          region=ctx.region, instance_type=engine,
                                          unlisted=f"{kind}: {apierrors.describe(err)}"))
            continue
        for d in answered:
            found.setdefault(d.instance_id, d)
    listed = list(found.values())

    def detail(d: Any) -> RedisInstance | None:
        inst = RedisInstance(id=d.instance_id, name=d.instance_name or "", region=d.region_id or ctx.region,
                             instance_type=d.instance_type or "", edition_type=d.edition_type or "",
                             node_type=d.node_type or "", instance_class=d.instance_class or "",
                             engine_version=d.engine_version or "", status=d.instance_status or "",
                             network_type=d.network_type or "")
        try:
            _read_whitelist(kv, inst)
        except Exception as err:
            if apierrors.sdk_code(err) in NOT_FOUND:  # released since it was listed
                return None
            inst.errors["whitelist"] = apierrors.describe(err)
        if inst.instance_type != "Memcache":  # the whitelist template guides are Tair's and Redis's only
            _aspect(inst, "templates", lambda: _read_templates(kv, inst))
        _aspect(inst, "endpoints", lambda: _read_endpoints(kv, inst))
        _aspect(inst, "attribute", lambda: _read_attribute(kv, inst))
        if not tls_not_offered(inst):  # a series without TLS is not asked
            _aspect(inst, "ssl", lambda: _read_ssl(kv, inst))
        if tde_applies(inst):  # an instance that says (or whose series says) it cannot do TDE is not asked
            _aspect(inst, "tde", lambda: _read_tde(kv, inst))
        return inst

    return [*(i for i in ctx.map(detail, listed) if i is not None), *unlisted]


def _aspect(inst: RedisInstance, name: str, read: Callable[[], None]) -> None:
    try:
        read()
    except Exception as err:
        inst.errors[name] = apierrors.describe(err)


def _read_whitelist(kv: Any, inst: RedisInstance) -> None:
    body = kv.describe_security_ips(kvstore_models.DescribeSecurityIpsRequest(instance_id=inst.id)).body
    groups = body.security_ip_groups.security_ip_group if body.security_ip_groups else None
    if not groups:  # every instance has its default group, which cannot be deleted: none answered is unknown
        raise ValueError("DescribeSecurityIps answered no whitelist group (an instance always has its default one)")
    for g in groups:
        ips = [ip.strip() for ip in (g.security_ip_list or "").split(",") if ip.strip()]
        inst.whitelist.append(WhitelistGroup(name=g.security_ip_group_name or "", ips=ips,
                                             attribute=(g.security_ip_group_attribute or "").strip()))


def _read_templates(kv: Any, inst: RedisInstance) -> None:
    inst.templates = [WhitelistGroup(name=name, ips=ips)
                      for name, ips in linked_templates(kv, kvstore_models, inst.id, inst.region)]


def _read_endpoints(kv: Any, inst: RedisInstance) -> None:
    body = kv.describe_dbinstance_net_info(kvstore_models.DescribeDBInstanceNetInfoRequest(instance_id=inst.id)).body
    infos = body.net_info_items.instance_net_info if body.net_info_items else None
    inst.endpoints = [Endpoint(address=n.connection_string or n.ipaddress or "", ip_type=n.iptype or "",
                               port=n.port or "") for n in infos or []]


def _read_attribute(kv: Any, inst: RedisInstance) -> None:
    body = kv.describe_instance_attribute(kvstore_models.DescribeInstanceAttributeRequest(instance_id=inst.id)).body
    attrs = body.instances.dbinstance_attribute if body.instances else None
    # the call names one instance: its entry, or the only one (the reference's samples describe another id than
    # the listing's samples)
    only = attrs[0] if attrs and len(attrs) == 1 else None
    a = next((x for x in attrs or [] if x.instance_id == inst.id), only)
    if a is None:
        raise LookupError("DescribeInstanceAttribute answered no attributes for the instance")
    inst.vpc_auth_mode = a.vpc_auth_mode or ""
    inst.tde_supported = a.is_support_tde


def _read_ssl(kv: Any, inst: RedisInstance) -> None:
    try:
        body = kv.describe_instance_ssl(kvstore_models.DescribeInstanceSSLRequest(instance_id=inst.id)).body
    except Exception as err:
        if apierrors.sdk_code(err) in SSL_UNSUPPORTED:
            inst.ssl_unsupported = apierrors.describe(err)
            return
        raise
    inst.ssl_status = body.sslenabled or ""  # (documented Enable | Disable: '' is no answer, never "Disable")


def _read_tde(kv: Any, inst: RedisInstance) -> None:
    try:
        body = kv.describe_instance_tdestatus(kvstore_models.DescribeInstanceTDEStatusRequest(
            instance_id=inst.id)).body
    except Exception as err:
        # "Instances that do not support TDE reject DescribeInstanceTDEStatus with a 400 InstanceType.NotSupport"
        # (Alibaba's Terraform provider, alicloud/service_alicloud_r_kvstore.go): as IsSupportTDE false
        if apierrors.sdk_code(err) != "InstanceType.NotSupport":
            raise
        inst.tde_supported = False
        return
    # documented Enabled | Disable (zh_cn Disabled), but the cloud answers lower case: Alibaba's Terraform provider
    # stores it as answered and accepts only "enabled" | "disabled" (resource_alicloud_redis_tair_instance.go):
    # compared in any case; '' is no answer, never "Disable"
    inst.tde_status = body.tdestatus or ""


# DescribeRegions: "Queries all regions and zones supported for a Tair (Redis OSS-compatible) instance"; the list is
# RegionIds.KVStoreRegion[] (https://www.alibabacloud.com/help/en/redis/developer-reference/api-r-kvstore-2015-01-01-describeregions-redis;
# alibabacloud_r_kvstore20150101 DescribeRegionsResponseBody). kvstore:DescribeRegions: the action Alibaba's DTS role
# policy grants
@region_list("redis", product="kvstore", apis=["kvstore:DescribeRegions"])
def redis_regions(client: Any) -> list[str]:
    body = client.describe_regions(kvstore_models.DescribeRegionsRequest()).body
    return [r.region_id for r in (body.region_ids.kvstore_region if body.region_ids else None) or []]
