"""RDS datasets (regional): every DB instance of the region with what CIS section 6 asks of it: IP
whitelists (its groups and the whitelist templates linked to it), endpoints, SSL, TDE and its key, SQL audit (SQL
Explorer) and its retention, and the running parameters of MySQL-family and PostgreSQL instances.

One dataset, read per instance: each aspect is read on its own, so a call that fails (denied, throttled
past the retries) marks only that aspect of that instance, and only the checks reading it say ERROR."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field

from .. import apierrors
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from ..offered import region_list
from .ip_templates import TEMPLATE_PREFIX
from .paging import by_token
from .registry import CollectContext, collector

rds_models = lazy_import("alibabacloud_rds20140815.models")

MYSQL_FAMILY = {"mysql", "mariadb"}
# DescribeDBInstanceSSL: "Supported database engines: RDS MySQL, RDS PostgreSQL, RDS SQL Server" (OpenMeta rds
# 2014-08-15; ModifyDBInstanceSSL lists the same): other engines (MariaDB) are not asked
SSL_ENGINES = {"mysql", "postgresql", "sqlserver"}
TDE_ENGINES = {"mysql", "postgresql", "sqlserver"}  # RDS offers instance-level TDE for these only
# SQL Explorer (SQL audit): DescribeSQLCollectorPolicy and DescribeSQLCollectorRetention list "Supported database
# engines: MySQL, PostgreSQL, SQL Server", also on the page filed under MariaDB
# (https://www.alibabacloud.com/help/en/rds/apsaradb-rds-for-mariadb/api-rds-2014-08-15-describesqlcollectorpolicy-mariadb,
# https://alibabacloud.com/help/en/rds/developer-reference/api-rds-2014-08-15-describesqlcollectorretention):
# other engines are not asked
AUDIT_ENGINES = {"mysql", "postgresql", "sqlserver"}
# "Log retention period of SQL Explorer logs for ApsaraDB RDS for PostgreSQL and ApsaraDB RDS for SQL Server is fixed
# at 30 days" (alibabacloud_rds20140815 DescribeSQLCollectorRetentionResponseBody.config_value), and
# ModifySQLCollectorRetention lists "Supported database engines: RDS MySQL"
# (https://alibabacloud.com/help/en/rds/api-modify-retention-period-of-sql-explorer-logs): their retention is not read
FIXED_RETENTION_ENGINES = {"postgresql", "sqlserver"}
FIXED_RETENTION_DAYS = 30
# Whitelist templates: "0.0.0.0/0 | Allows all IP addresses to access associated instances" and "Maximum IP addresses
# per RDS instance (directly added + from templates)" ("Use whitelist template",
# https://www.alibabacloud.com/help/en/rds/apsaradb-rds-for-mysql/whitelist-template): a template's entries admit
# clients like the instance's own groups. Whether DescribeDBInstanceIPArrayList includes them is not documented, so
# the templates linked to an instance are read on their own with DescribeInstanceLinkedWhitelistTemplate, whose
# reference lists "Supported database engines: RDS MySQL, RDS PostgreSQL, RDS SQL Server"
# (https://alibabacloud.com/help/en/rds/apsaradb-rds-for-mysql/api-rds-2014-08-15-describeinstancelinkedwhitelisttemplate-mysql)
TEMPLATE_ENGINES = {"mysql", "postgresql", "sqlserver"}
PARAMETER_ENGINES = MYSQL_FAMILY | {"postgresql"}  # whose parameters a check reads
PAGE_SIZE = 100  # DescribeDBInstances MaxResults maximum
# read-only instances keep no backups of their own (their primary's are the backups): not asked for a policy
NO_BACKUP_TYPES = {"Readonly"}


class WhitelistGroup(Record):
    name: str
    ips: list[str]
    attribute: str = ""  # 'hidden': managed by Alibaba Cloud services (DMS, DAS), not shown in the console
    ip_type: str = "IPv4"


class Endpoint(Record):
    address: str
    ip_type: str  # Private | Inner | Public
    port: str = ""


class EncryptionKey(Record):
    """The TDE key as RDS describes it (DescribeDBInstanceEncryptionKey)."""

    key_id: str
    key_type: str = ""  # CMK | ServiceKey
    creator: str = ""  # the account id for keys the customer created; a service name (Rds) otherwise
    origin: str = ""  # Aliyun_KMS | EXTERNAL
    status: str = ""


class TdeDatabase(Record):
    """One database of DescribeDBInstanceTDE Databases.Database[] (SQL Server sets TDE per database): DBName and
    TDEStatus Enabled | Disabled (Go SDK rds-20140815 DescribeDBInstanceTDEResponseBodyDatabasesDatabase, as in
    tests/fixtures/wire/rds/DescribeDBInstanceTDE.json)."""

    name: str
    tde_status: str = ""


class RdsInstance(Record):
    id: str
    name: str = ""
    region: str
    engine: str
    engine_version: str = ""
    category: str = ""  # DescribeDBInstances Category, the RDS edition: Basic | HighAvailability | Finance | ...
    status: str = ""
    instance_type: str = ""  # Primary | Readonly | Guard | Temp
    whitelist: list[WhitelistGroup] = Field(default_factory=list)
    # the whitelist templates linked to the instance (DescribeInstanceLinkedWhitelistTemplate), each as a group named
    # template:<TemplateName>; empty for engines the API does not document (TEMPLATE_ENGINES) or when the read failed
    # (errors["templates"])
    templates: list[WhitelistGroup] = Field(default_factory=list)
    endpoints: list[Endpoint] = Field(default_factory=list)
    ssl_enabled: bool = False
    force_encryption: str = ""  # "1" when SSL is forced (non-SSL connections refused): MySQL, PostgreSQL, SQL Server
    tde_status: str = ""  # Enabled | Disabled ('' when the engine has no TDE)
    tde_mode: str = ""  # Aliyun_Generate_Key | Customer_Provided_Key
    tde_key_id: str = ""
    tde_key: EncryptionKey | None = None
    tde_databases: list[TdeDatabase] = Field(default_factory=list)  # SQL Server: DescribeDBInstanceTDE Databases
    audit_status: str = ""  # Enable | Disabled
    audit_retention_days: int | None = None
    parameters: dict[str, str] = Field(default_factory=dict)  # running values, names lower-cased
    # DescribeBackupPolicy: BackupRetentionPeriod (days of data backups, an integer), EnableBackupLog ("1" | "0", a
    # string: log backup on or off; for SQL Server "0" also means a 30-minute log frequency) and
    # LogBackupRetentionPeriod (days, an integer) (alibabacloud_rds20140815 DescribeBackupPolicyResponseBody)
    backup_retention_days: int | None = None
    log_backup: str = ""  # "1" | "0"
    log_backup_retention_days: int | None = None
    errors: dict[str, str] = Field(default_factory=dict)  # aspect -> why it could not be read

    @property
    def engine_key(self) -> str:
        return self.engine.lower()


INSTANCES: Dataset[list[RdsInstance]] = Dataset("rds.instances", Scope.REGIONAL)


@collector(INSTANCES, apis=[
    "rds:DescribeDBInstances", "rds:DescribeDBInstanceIPArrayList", "rds:DescribeInstanceLinkedWhitelistTemplate",
    "rds:DescribeDBInstanceNetInfo",
    "rds:DescribeDBInstanceSSL", "rds:DescribeDBInstanceTDE", "rds:DescribeDBInstanceEncryptionKey",
    "rds:DescribeSQLCollectorPolicy", "rds:DescribeSQLCollectorRetention", "rds:DescribeParameters",
    "rds:DescribeBackupPolicy"],
           reads_one=["rds.instance"])
def instances(ctx: CollectContext) -> list[RdsInstance]:
    rds = ctx.client("rds")
    named = ctx.only("rds.instance")
    # an event run: its instances only, one DescribeDBInstances with DBInstanceId each (alibabacloud_rds20140815
    # DescribeDBInstancesRequest.dbinstance_id, "The instance ID"), which answers the same summary as the whole
    # listing (DescribeDBInstanceAttribute would add an action to the policy for the same fields); each instance's
    # aspects are then its own calls, as for every instance. InstanceLevel 1: Category (Basic Edition decides the
    # TDE checks) is "returned only when the InstanceLevel parameter is set to 1" (OpenMeta rds 2014-08-15, zh_cn
    # and the SDK's DescribeDBInstancesRequest.instance_level; the en_us request text swaps 0 and 1)

    def listing(one: str | None) -> list[Any]:
        return list(by_token(
            lambda t: rds.describe_dbinstances(rds_models.DescribeDBInstancesRequest(
                region_id=ctx.region, max_results=PAGE_SIZE, next_token=t, dbinstance_id=one,
                instance_level=1)).body,
            lambda b: b.items.dbinstance if b.items else []))

    listed = listing(None) if named is None else [
        d for per in ctx.map(listing, sorted(named)) for d in per if d.dbinstance_id in named]
    if named is not None:
        ctx.judge(d.dbinstance_id for d in listed)

    def detail(d: Any) -> RdsInstance | None:
        inst = RdsInstance(id=d.dbinstance_id, name=d.dbinstance_description or "", region=d.region_id or ctx.region,
                           engine=d.engine or "", engine_version=d.engine_version or "", category=d.category or "",
                           status=d.dbinstance_status or "", instance_type=d.dbinstance_type or "")
        try:
            _read_whitelist(rds, inst)
        except Exception as err:
            if apierrors.sdk_code(err) == "InvalidDBInstanceId.NotFound":  # released since it was listed
                return None
            inst.errors["whitelist"] = apierrors.describe(err)
        if inst.engine_key in TEMPLATE_ENGINES:
            _aspect(inst, "templates", lambda: _read_templates(rds, inst))
        _aspect(inst, "endpoints", lambda: _read_endpoints(rds, inst))
        if inst.engine_key in SSL_ENGINES:
            _aspect(inst, "ssl", lambda: _read_ssl(rds, inst))
        if inst.engine_key in TDE_ENGINES:
            _aspect(inst, "tde", lambda: _read_tde(rds, inst))
            if inst.tde_status == "Enabled" and inst.tde_key_id:
                _aspect(inst, "tde_key", lambda: _read_tde_key(rds, inst))
        if inst.engine_key in AUDIT_ENGINES:
            _aspect(inst, "audit", lambda: _read_audit(rds, inst))
            if inst.engine_key not in FIXED_RETENTION_ENGINES:
                _aspect(inst, "audit_retention", lambda: _read_retention(rds, inst))
        if inst.engine_key in PARAMETER_ENGINES:
            _aspect(inst, "parameters", lambda: _read_parameters(rds, inst))
        if inst.instance_type not in NO_BACKUP_TYPES:
            _aspect(inst, "backup", lambda: _read_backup(rds, inst))
        return inst

    return [i for i in ctx.map(detail, listed) if i is not None]


def _aspect(inst: RdsInstance, name: str, read: Callable[[], None]) -> None:
    try:
        read()
    except Exception as err:
        inst.errors[name] = apierrors.describe(err)


def _read_whitelist(rds: Any, inst: RdsInstance) -> None:
    body = rds.describe_dbinstance_iparray_list(
        rds_models.DescribeDBInstanceIPArrayListRequest(dbinstance_id=inst.id)).body
    groups = (body.items.dbinstance_iparray if body.items else None) or []
    # an instance always has its default group (ModifySecurityIpsRequest DBInstanceIPArrayName "Default value:
    # Default"; its Delete mode must "retain at least one IP address"): an answer with none is unknown, not a PASS
    if not groups:
        raise ValueError("DescribeDBInstanceIPArrayList answered no whitelist group (an instance always has its "
                         "default one)")
    for g in groups:
        ips = [ip.strip() for ip in (g.security_iplist or "").split(",") if ip.strip()]
        inst.whitelist.append(WhitelistGroup(name=g.dbinstance_iparray_name or "", ips=ips,
                                             attribute=g.dbinstance_iparray_attribute or "",
                                             ip_type=g.security_iptype or "IPv4"))


def _read_templates(rds: Any, inst: RdsInstance) -> None:
    # InsName "The name of the instance" (the instance id), RegionId optional
    # (alibabacloud_rds20140815 DescribeInstanceLinkedWhitelistTemplateRequest); the answer: Success (bool),
    # Data.Templates[] with Ips ("The list of IP addresses", a comma-separated string as in the documented example
    # "12.0.X.X,10.2.X.X"), TemplateName and TemplateId (an int) (DescribeInstanceLinkedWhitelistTemplateResponseBody;
    # tests/fixtures/wire/rds/DescribeInstanceLinkedWhitelistTemplate.json)
    body = rds.describe_instance_linked_whitelist_template(
        rds_models.DescribeInstanceLinkedWhitelistTemplateRequest(ins_name=inst.id, region_id=inst.region)).body
    if body.success is False:
        raise ValueError(f"DescribeInstanceLinkedWhitelistTemplate answered Success false: {body.code or ''} "
                         f"{body.message or ''}".strip())
    if body.data is None:  # no Data: which templates are linked is unknown (the SDK cannot tell absent Templates)
        raise ValueError("DescribeInstanceLinkedWhitelistTemplate answered no Data")
    for t in body.data.templates or []:
        ips = [ip.strip() for ip in (t.ips or "").split(",") if ip.strip()]
        name = t.template_name or (str(t.template_id) if t.template_id is not None else "")
        inst.templates.append(WhitelistGroup(name=f"{TEMPLATE_PREFIX}{name}", ips=ips))


def _read_endpoints(rds: Any, inst: RdsInstance) -> None:
    body = rds.describe_dbinstance_net_info(rds_models.DescribeDBInstanceNetInfoRequest(dbinstance_id=inst.id)).body
    infos = body.dbinstance_net_infos.dbinstance_net_info if body.dbinstance_net_infos else None
    inst.endpoints = [Endpoint(address=n.connection_string or n.ipaddress or "", ip_type=n.iptype or "",
                               port=n.port or "") for n in infos or []]


def _read_ssl(rds: Any, inst: RdsInstance) -> None:
    body = rds.describe_dbinstance_ssl(rds_models.DescribeDBInstanceSSLRequest(dbinstance_id=inst.id)).body
    # SSLEnabled: MySQL and SQL Server answer Yes/No, PostgreSQL on/off; ForceEncryption "1"/"0", a string
    # (alibabacloud_rds20140815 DescribeDBInstanceSSLResponseBody doc comments); the switch exists for MySQL,
    # PostgreSQL and SQL Server (ModifyDBInstanceSSLRequest ForceEncryption doc comment)
    inst.ssl_enabled = str(body.sslenabled or "").lower() in ("yes", "on", "1", "true", "enabled")
    inst.force_encryption = str(body.force_encryption or "")


def _read_tde(rds: Any, inst: RdsInstance) -> None:
    body = rds.describe_dbinstance_tde(rds_models.DescribeDBInstanceTDERequest(dbinstance_id=inst.id)).body
    inst.tde_status = body.tdestatus or ""  # ('' not answered: unknown, never "Disabled")
    inst.tde_mode = body.tdemode or ""
    inst.tde_key_id = body.encryption_key or ""
    listed = body.databases.database if body.databases else None
    inst.tde_databases = [TdeDatabase(name=d.dbname or "", tde_status=d.tdestatus or "") for d in listed or []]


def _read_tde_key(rds: Any, inst: RdsInstance) -> None:
    body = rds.describe_dbinstance_encryption_key(rds_models.DescribeDBInstanceEncryptionKeyRequest(
        dbinstance_id=inst.id, encryption_key=inst.tde_key_id)).body
    # the list entry carries KeyType; older answers have only the top-level fields
    entry = next((k for k in body.encryption_key_list or [] if k.encryption_key == inst.tde_key_id), None)
    src = entry or body
    inst.tde_key = EncryptionKey(key_id=src.encryption_key or inst.tde_key_id,
                                 key_type=(entry.key_type if entry else "") or "", creator=src.creator or "",
                                 origin=src.origin or "", status=src.encryption_key_status or "")


def _read_audit(rds: Any, inst: RdsInstance) -> None:
    body = rds.describe_sqlcollector_policy(
        rds_models.DescribeSQLCollectorPolicyRequest(dbinstance_id=inst.id)).body
    inst.audit_status = body.sqlcollector_status or ""  # ('' not answered: unknown, never "Disabled")
    # (StoragePeriod is documented as "A reserved parameter": the retention is DescribeSQLCollectorRetention's)


def _read_retention(rds: Any, inst: RdsInstance) -> None:
    body = rds.describe_sqlcollector_retention(
        rds_models.DescribeSQLCollectorRetentionRequest(dbinstance_id=inst.id)).body
    value = str(body.config_value or "").strip()
    if value.isdigit():
        inst.audit_retention_days = int(value)


def _read_parameters(rds: Any, inst: RdsInstance) -> None:
    body = rds.describe_parameters(rds_models.DescribeParametersRequest(dbinstance_id=inst.id)).body
    running = body.running_parameters.dbinstance_parameter if body.running_parameters else None
    inst.parameters = {(p.parameter_name or "").lower(): str(p.parameter_value or "") for p in running or []}


def _read_backup(rds: Any, inst: RdsInstance) -> None:
    body = rds.describe_backup_policy(rds_models.DescribeBackupPolicyRequest(dbinstance_id=inst.id)).body
    inst.backup_retention_days = int(body.backup_retention_period) if body.backup_retention_period is not None \
        else None
    inst.log_backup = str(body.enable_backup_log or "")
    inst.log_backup_retention_days = int(body.log_backup_retention_period) \
        if body.log_backup_retention_period is not None else None


# DescribeRegions: "Queries the details of all regions and zones for ApsaraDB RDS. The regions that are no longer
# supported are also queried" (https://alibabacloud.com/help/en/rds/developer-reference/api-rds-2014-08-15-describeregions;
# sample: https://help.aliyun.com/document_detail/26243.htm): Regions.RDSRegion[], one entry per zone (a region id
# repeats). The page names no RAM action; rds:DescribeRegions is the one Alibaba's own service role policies grant
@region_list("rds", product="rds", apis=["rds:DescribeRegions"])
def rds_regions(client: Any) -> list[str]:
    body = client.describe_regions(rds_models.DescribeRegionsRequest()).body
    return [r.region_id for r in (body.regions.rdsregion if body.regions else None) or []]
