"""MongoDB datasets (regional, ApsaraDB for MongoDB API dds 2015-12-01): every replica set, standalone and sharded
cluster instance of the region with its IP whitelists, endpoints, password-free VPC access, SSL, audit log and TDE.

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

dds_models = lazy_import("alibabacloud_dds20151201.models")

PAGE_SIZE = 100  # DescribeDBInstances PageSize: "Valid values: 30 (default), 50, 100" (API reference, 2015-12-01)
# DescribeDBInstances' DBInstanceType filter: "sharding: sharded cluster instance; replicate: replica set or
# standalone instance", and "The list of replica set and standalone instances is displayed when the DBInstanceType
# parameter uses the default value replicate" (API reference), so each type is asked for. The China site documents
# a third one: to list Serverless instances "set DBInstanceType to serverless" (zh_cn reference, <props="china">);
# the international site's reference does not name it: only a 400 refusing that value (apierrors.refuses_parameter;
# DescribeDBInstances documents no error codes) means no Serverless instance can exist there.
SERVERLESS = "serverless"
INSTANCE_TYPES = ("replicate", "sharding", SERVERLESS)
# an unknown (released) instance: the reference's instance APIs answer 404 InvalidDbInstanceId.NotFound ("Specified
# instance does not exist."), a few InvalidDBInstanceId.NotFound
NOT_FOUND = {"InvalidDbInstanceId.NotFound", "InvalidDBInstanceId.NotFound"}
NO_BYOK = "NoActiveBYOK"  # DescribeDBInstanceTDEInfo EncryptionKey when the key is the service's (below)


class WhitelistGroup(Record):
    name: str
    ips: list[str]
    attribute: str = ""  # 'hidden': a group the console does not show (managed by DMS, DAS...)


class Endpoint(Record):
    address: str
    network_type: str  # NetworkType: VPC | Classic | Public (DescribeReplicaSetRole, DescribeShardingNetworkAddress)
    node: str = ""  # the node (mongos, shard, configserver id) or replica set role it reaches
    port: str = ""


class MongoInstance(Record):
    id: str
    name: str = ""
    region: str
    instance_type: str = ""  # DBInstanceType: replicate | sharding
    engine_version: str = ""
    status: str = ""
    storage_type: str = ""  # DescribeDBInstances StorageType: cloud_essd | local_ssd (the reference's enumeration)
    # ReplicationFactor: "The number of nodes in the instance ... returned if the instance is a replica set instance"
    # (a string); 1 node is a standalone instance
    replication_factor: str = ""
    whitelist: list[WhitelistGroup] = Field(default_factory=list)
    # the global IP whitelist templates linked to the instance (DescribeGlobalSecurityIPGroupRelation: ip_templates.py),
    # each as a group named template:<GlobalIgName>; empty when the read failed (errors["templates"])
    templates: list[WhitelistGroup] = Field(default_factory=list)
    endpoints: list[Endpoint] = Field(default_factory=list)
    # VpcAuthMode (DescribeDBInstanceAttribute): "Open: Password-free access within the VPC is enabled. Close: ...
    # you must use a password for access. NotSupport: Password-free access within the VPC is not supported."
    vpc_auth_mode: str = ""
    ssl_status: str = ""  # SSLStatus: Open | Closed
    ssl_unsupported: str = ""  # why SSL cannot be used (DescribeDBInstanceSSL's answer), '' when it can
    audit_status: str = ""  # LogAuditStatus: Enable | Disabled
    tde_status: str = ""  # TDEStatus: enabled | disabled
    tde_key: str = ""  # EncryptionKey of DescribeDBInstanceTDEInfo (a KMS key id when the customer chose one)
    errors: dict[str, str] = Field(default_factory=dict)  # aspect -> why it could not be read
    # this record stands for the region's Serverless instances, which could not be listed (why): the checks' ERROR
    unlisted: str | None = None


INSTANCES: Dataset[list[MongoInstance]] = Dataset("mongodb.instances", Scope.REGIONAL)


@collector(INSTANCES, apis=[
    "dds:DescribeDBInstances", "dds:DescribeSecurityIps", "dds:DescribeGlobalSecurityIPGroupRelation",
    "dds:DescribeReplicaSetRole",
    "dds:DescribeShardingNetworkAddress", "dds:DescribeDBInstanceAttribute", "dds:DescribeDBInstanceSSL",
    "dds:DescribeAuditPolicy", "dds:DescribeDBInstanceTDEInfo"])
def instances(ctx: CollectContext) -> list[MongoInstance]:
    dds = ctx.client("dds")

    def listing(kind: str) -> list[Any]:
        return list(by_page_number(
            lambda n: dds.describe_dbinstances(dds_models.DescribeDBInstancesRequest(
                region_id=ctx.region, dbinstance_type=kind, page_number=n, page_size=PAGE_SIZE)).body,
            lambda b: b.dbinstances.dbinstance if b.dbinstances else [], PAGE_SIZE))

    seen: set[str] = set()
    listed: list[tuple[str, Any]] = []  # (the DBInstanceType listed as, the instance)
    unlisted: list[MongoInstance] = []
    for kind in INSTANCE_TYPES:
        try:
            answered = listing(kind)
        except Exception as err:
            if kind != SERVERLESS:
                raise
            if not apierrors.refuses_parameter(err, "DBInstanceType"):  # its ERROR; the other types are still judged
                unlisted.append(MongoInstance(id=f"mongodb-serverless-{ctx.region}", region=ctx.region,
                                              instance_type=SERVERLESS, unlisted=apierrors.describe(err)))
            continue
        for d in answered:
            if d.dbinstance_id not in seen:  # in case the filter is not applied: each instance once
                seen.add(d.dbinstance_id)
                listed.append((kind, d))

    def detail(item: tuple[str, Any]) -> MongoInstance | None:
        kind, d = item
        inst = MongoInstance(id=d.dbinstance_id, name=d.dbinstance_description or "",
                             region=d.region_id or ctx.region, instance_type=d.dbinstance_type or kind,
                             engine_version=d.engine_version or "", status=d.dbinstance_status or "",
                             storage_type=d.storage_type or "", replication_factor=d.replication_factor or "")
        try:
            _read_whitelist(dds, inst)
        except Exception as err:
            if apierrors.sdk_code(err) in NOT_FOUND:  # released since it was listed
                return None
            inst.errors["whitelist"] = apierrors.describe(err)
        if templates_offered(inst):
            _aspect(inst, "templates", lambda: _read_templates(dds, inst))
        _aspect(inst, "endpoints", lambda: _read_endpoints(dds, inst))
        _aspect(inst, "attribute", lambda: _read_attribute(dds, inst))
        _aspect(inst, "ssl", lambda: _read_ssl(dds, inst))
        _aspect(inst, "audit", lambda: _read_audit(dds, inst))
        _aspect(inst, "tde", lambda: _read_tde(dds, inst))
        return inst

    return [*(i for i in ctx.map(detail, listed) if i is not None), *unlisted]


def _aspect(inst: MongoInstance, name: str, read: Callable[[], None]) -> None:
    try:
        read()
    except Exception as err:
        inst.errors[name] = apierrors.describe(err)


def _read_whitelist(dds: Any, inst: MongoInstance) -> None:
    # ShowHDMIps: "Whether to display DAS whitelist information" (DescribeSecurityIpsRequest.show_hdmips): asked,
    # so a DAS group that admits everyone is not missed
    body = dds.describe_security_ips(dds_models.DescribeSecurityIpsRequest(dbinstance_id=inst.id,
                                                                        show_hdmips=True)).body
    groups = body.security_ip_groups.security_ip_group if body.security_ip_groups else None
    for g in groups or []:
        ips = [ip.strip() for ip in (g.security_ip_list or "").split(",") if ip.strip()]
        # the reference's sample spells the attribute " hidden" (a leading space)
        inst.whitelist.append(WhitelistGroup(name=g.security_ip_group_name or "", ips=ips,
                                             attribute=(g.security_ip_group_attribute or "").strip()))
    if not groups:  # SecurityIps: "The IP addresses in the default whitelist"
        ips = [ip.strip() for ip in (body.security_ips or "").split(",") if ip.strip()]
        if not ips:  # every instance has its default whitelist (127.0.0.1 until changed): none answered is unknown
            raise ValueError("DescribeSecurityIps answered no whitelist group and no SecurityIps (an instance always "
                             "has its default whitelist)")
        inst.whitelist.append(WhitelistGroup(name="default", ips=ips))


def templates_offered(inst: MongoInstance) -> bool:
    """Whether the instance can link global IP whitelist templates: "The IP whitelist template feature can be enabled
    only for replica set or sharded cluster instances that use cloud disks" ("Configure an IP whitelist template",
    https://www.alibabacloud.com/help/en/mongodb/user-guide/configure-an-ip-whitelist-template). Not asked for local
    disks (StorageType local_*), standalone (ReplicationFactor 1) or Serverless instances; an unknown storage type or
    node count is asked."""
    return inst.instance_type != SERVERLESS and not inst.storage_type.lower().startswith("local") \
        and inst.replication_factor.strip() != "1"


def _read_templates(dds: Any, inst: MongoInstance) -> None:
    inst.templates = [WhitelistGroup(name=name, ips=ips)
                      for name, ips in linked_templates(dds, dds_models, inst.id, inst.region)]


def _read_endpoints(dds: Any, inst: MongoInstance) -> None:
    """Sharded clusters: DescribeShardingNetworkAddress (mongos, shard and Configserver addresses, and the
    compatible ones); replica sets and standalone instances: DescribeReplicaSetRole. Both say NetworkType
    VPC | Classic | Public (API reference)."""
    if inst.instance_type == "sharding":
        body = dds.describe_sharding_network_address(
            dds_models.DescribeShardingNetworkAddressRequest(dbinstance_id=inst.id)).body
        nodes = body.network_addresses.network_address if body.network_addresses else None
        compat = body.compatible_connections.compatible_connection if body.compatible_connections else None
        inst.endpoints = [Endpoint(address=a.network_address or a.ipaddress or "", network_type=a.network_type or "",
                                   node=a.node_id or a.node_type or "", port=a.port or "") for a in nodes or []]
        inst.endpoints += [Endpoint(address=c.network_address or c.ipaddress or "", network_type=c.network_type or "",
                                    node="compatible", port=c.port or "") for c in compat or []]
        return
    body = dds.describe_replica_set_role(dds_models.DescribeReplicaSetRoleRequest(dbinstance_id=inst.id)).body
    sets = body.replica_sets.replica_set if body.replica_sets else None
    inst.endpoints = [Endpoint(address=r.connection_domain or "", network_type=r.network_type or "",
                               node=r.replica_set_role or "", port=r.connection_port or "") for r in sets or []]


def _read_attribute(dds: Any, inst: MongoInstance) -> None:
    body = dds.describe_dbinstance_attribute(dds_models.DescribeDBInstanceAttributeRequest(dbinstance_id=inst.id)).body
    attrs = body.dbinstances.dbinstance if body.dbinstances else None
    # the call names one instance: its entry, or the only one (the reference's samples describe another id than
    # the listing's samples)
    only = attrs[0] if attrs and len(attrs) == 1 else None
    a = next((x for x in attrs or [] if x.dbinstance_id == inst.id), only)
    if a is None:
        raise LookupError("DescribeDBInstanceAttribute answered no attributes for the instance")
    inst.vpc_auth_mode = a.vpc_auth_mode or ""


# Where SSL cannot be used: DescribeDBInstanceSSL requires "a replica set instance ... MongoDB 3.4 or later" (OpenMeta
# dds 2015-12-01, en_us; zh_cn adds sharded clusters on ESSD cloud disks: "分片集群实例的存储模式需要为ESSD云盘版"), and
# Alibaba's Terraform provider takes StorageTypeOrInstanceTypeNotSupported and SingleNodeNotSupport from it as "no
# SSL to read" (alicloud/resource_alicloud_mongodb_instance.go, resource_alicloud_mongodb_sharding_instance.go)
SSL_UNSUPPORTED = {"StorageTypeOrInstanceTypeNotSupported", "SingleNodeNotSupport"}


def ssl_not_offered(inst: MongoInstance) -> str:
    """Why SSL cannot be set on the instance ('' when it can, or when that is not known): a standalone instance
    (ReplicationFactor 1) or a sharded cluster on local disks. (Still asked: an answer of Open is taken.)"""
    if inst.replication_factor.strip() == "1":
        return "a standalone instance (ReplicationFactor 1)"
    if inst.instance_type == "sharding" and inst.storage_type.lower().startswith("local"):
        return f"a sharded cluster on local disks (StorageType {inst.storage_type})"
    return ""


def _read_ssl(dds: Any, inst: MongoInstance) -> None:
    try:
        body = dds.describe_dbinstance_ssl(dds_models.DescribeDBInstanceSSLRequest(dbinstance_id=inst.id)).body
    except Exception as err:
        if apierrors.sdk_code(err) not in SSL_UNSUPPORTED:
            raise
        inst.ssl_unsupported = f"DescribeDBInstanceSSL answered {apierrors.sdk_code(err)}"
        return
    inst.ssl_status = body.sslstatus or ""


def _read_audit(dds: Any, inst: MongoInstance) -> None:
    body = dds.describe_audit_policy(dds_models.DescribeAuditPolicyRequest(dbinstance_id=inst.id)).body
    # "Default value: Disabled" (DescribeAuditPolicy LogAuditStatus, API reference)
    inst.audit_status = body.log_audit_status or "Disabled"


def _read_tde(dds: Any, inst: MongoInstance) -> None:
    body = dds.describe_dbinstance_tdeinfo(dds_models.DescribeDBInstanceTDEInfoRequest(dbinstance_id=inst.id)).body
    inst.tde_status = body.tdestatus or ""
    # "If BYOK is not supported ... the system returns the string NoActiveBYOK" (EncryptionKey, the SDK model
    # DescribeDBInstanceTDEInfoResponseBody): no key of the customer's, the service's own
    key = body.encryption_key or ""
    inst.tde_key = "" if key == NO_BYOK else key


# DescribeRegions without RegionId: "If you do not specify this parameter, all supported regions are queried";
# Regions.DdsRegion[] (https://www.alibabacloud.com/help/en/mongodb/developer-reference/api-dds-2015-12-01-describeregions;
# alibabacloud_dds20151201 DescribeRegionsResponseBody). dds:DescribeRegions: the action Alibaba's DTS role policy
# grants
@region_list("mongodb", product="dds", apis=["dds:DescribeRegions"])
def mongodb_regions(client: Any) -> list[str]:
    body = client.describe_regions(dds_models.DescribeRegionsRequest()).body
    return [r.region_id for r in (body.regions.dds_region if body.regions else None) or []]
