"""RDS (2014-08-15): DB instances per region with their IP whitelists (and the account's whitelist templates linked
to them), endpoints, SSL, TDE, SQL audit (SQL Explorer) and running parameters; the reads the CIS section 6 items
need and the writes that remediate them. Host rds.aliyuncs.com (most regions; the region then comes from RegionId or
the instance) or rds.<region>.aliyuncs.com."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..call import Call
from ..clock import iso
from ..errors import ApiError
from ..pop import PopApi, int_param, page_by_number, require
from ..regions import offered_regions, region_exists
from .kms import SYMMETRIC_SPECS

api = PopApi("rds", "2014-08-15")

# running parameters an instance reports unless the scenario overrides them (engine defaults)
DEFAULT_PARAMETERS: dict[str, dict[str, str]] = {
    "mysql": {"require_secure_transport": "OFF", "slow_query_log": "ON", "max_connections": "2000"},
    "mariadb": {"require_secure_transport": "OFF", "max_connections": "2000"},
    "postgresql": {"log_connections": "off", "log_disconnections": "off", "log_duration": "off",
                   "log_min_duration_statement": "1000", "ssl": "off"},
    "sqlserver": {"max degree of parallelism": "0"},
}
DEFAULT_PORTS = {"mysql": "3306", "mariadb": "3306", "postgresql": "5432", "sqlserver": "1433"}
RETENTION_VALUES = {"30", "180", "365", "1095", "1825"}
# SQL Explorer: DescribeSQLCollectorPolicy / DescribeSQLCollectorRetention "Supported database engines: MySQL,
# PostgreSQL, SQL Server" (API reference, also the page filed under MariaDB); ModifySQLCollectorPolicy the same
# (https://www.alibabacloud.com/help/id/rds/api-enable-or-disable-sql-explorer); ModifySQLCollectorRetention "Supported
# database engines: RDS MySQL" (https://alibabacloud.com/help/en/rds/api-modify-retention-period-of-sql-explorer-logs)
SQL_EXPLORER_ENGINES = ("mysql", "postgresql", "sqlserver")
RETENTION_WRITE_ENGINES = ("mysql",)
# "Log retention period of SQL Explorer logs for ApsaraDB RDS for PostgreSQL and ApsaraDB RDS for SQL Server is fixed
# at 30 days" (alibabacloud_rds20140815 DescribeSQLCollectorRetentionResponseBody.config_value)
FIXED_RETENTION_ENGINES = ("postgresql", "sqlserver")
# Whitelist templates: DescribeInstanceLinkedWhitelistTemplate, AttachWhitelistTemplateToInstance and
# DetachWhitelistTemplateToInstance list "Supported database engines: RDS MySQL, RDS PostgreSQL, RDS SQL Server"
# (https://alibabacloud.com/help/en/rds/apsaradb-rds-for-mysql/api-rds-2014-08-15-describeinstancelinkedwhitelisttemplate-mysql,
# https://www.alibabacloud.com/help/tc/rds/developer-reference/api-rds-2014-08-15-attachwhitelisttemplatetoinstance)
TEMPLATE_ENGINES = ("mysql", "postgresql", "sqlserver")
# "Maximum IP addresses per RDS instance (directly added + from templates) | 1,000" ("Use whitelist template",
# https://www.alibabacloud.com/help/en/rds/apsaradb-rds-for-mysql/whitelist-template)
MAX_WHITELIST_IPS = 1000


def _new_id() -> str:
    return "rm-" + secrets.token_hex(9)


class WhitelistGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    name: str = "default"
    ips: list[str] = Field(default_factory=lambda: ["127.0.0.1"])
    attribute: str = ""  # 'hidden' for groups the console does not show (DMS, DAS)
    ip_type: str = "IPv4"  # IPv4 | IPv6
    network_type: str = "MIX"  # Classic | VPC | MIX


class WhitelistTemplate(BaseModel):
    """A whitelist template of the account: "Template names must be unique within the same account" ("Use whitelist
    template", https://www.alibabacloud.com/help/en/rds/apsaradb-rds-for-mysql/whitelist-template); TemplateId is an
    integer (alibabacloud_rds20140815 AttachWhitelistTemplateToInstanceRequest.template_id, documented example 412).
    The guide does not tie a template to a region, so none is modelled."""

    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    id: int
    name: str
    ips: list[str] = Field(default_factory=list)  # answered comma-separated (Ips, "12.0.X.X,10.2.X.X")


class Endpoint(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    connection_string: str
    ip_type: str = "Private"  # Private (VPC) | Inner (classic) | Public
    ip_address: str = "192.168.0.10"
    port: str = ""


class DBInstance(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    id: str = Field(default_factory=_new_id)
    region: str = "cn-hangzhou"
    zone: str = ""
    description: str = ""
    engine: str = "MySQL"  # MySQL | PostgreSQL | SQLServer | MariaDB
    engine_version: str = "8.0"
    status: str = "Running"
    instance_type: str = "Primary"  # Primary | Readonly | Guard | Temp
    instance_class: str = "rds.mysql.s2.large"
    category: str = "HighAvailability"
    network_type: str = "VPC"  # VPC | Classic
    vpc_id: str = "vpc-emulator0001"
    created: datetime = datetime(2024, 1, 1)
    whitelist: list[WhitelistGroup] = Field(default_factory=lambda: [WhitelistGroup()])
    # the ids of the account's whitelist templates linked to the instance (RdsState.whitelist_templates); their
    # entries admit clients too ("0.0.0.0/0 | Allows all IP addresses to access associated instances", whitelist
    # template guide). DescribeDBInstanceIPArrayList answers the groups only: whether the real answer also carries
    # template entries is not documented either way, so they are not folded in (DescribeInstanceLinkedWhitelistTemplate
    # answers them)
    whitelist_templates: list[int] = Field(default_factory=list)
    endpoints: list[Endpoint] = Field(default_factory=list)  # empty: one private endpoint
    ssl_enabled: bool = False
    force_encryption: bool = False  # forced SSL encryption (MySQL, PostgreSQL, SQL Server)
    tls_version: str = "1.2"
    tde_status: str = "Disabled"  # Enabled | Disabled
    tde_mode: str = ""  # Aliyun_Generate_Key | Customer_Provided_Key ('' = Customer_Provided_Key with a key id)
    tde_key_id: str = ""  # the KMS key; generated for service-key TDE when empty
    sql_collector: str = "Disabled"  # Enable | Disabled
    sql_retention_days: int = 30  # MySQL only: PostgreSQL and SQL Server answer a fixed 30 (FIXED_RETENTION_ENGINES)
    # SQL Server: the databases and their TDE status, DescribeDBInstanceTDE Databases.Database[] (DBName, TDEStatus
    # Enabled | Disabled; Go SDK rds-20140815 DescribeDBInstanceTDEResponseBodyDatabasesDatabase)
    tde_databases: dict[str, str] = Field(default_factory=dict)
    parameters: dict[str, str] = Field(default_factory=dict)  # overrides of DEFAULT_PARAMETERS
    backup_retention_days: int = 7  # data backups kept (the console's default: 7 days)
    log_backup: bool = True  # log backup on
    log_backup_retention_days: int = 7

    @property
    def engine_key(self) -> str:
        return self.engine.lower()

    def running_parameters(self) -> dict[str, str]:
        return {**DEFAULT_PARAMETERS.get(self.engine_key, {}), **self.parameters}

    def all_endpoints(self) -> list[Endpoint]:
        return self.endpoints or [Endpoint(connection_string=f"{self.id}.{self.engine_key}.rds.aliyuncs.com")]

    def effective_tde_key(self) -> str:
        if self.tde_status != "Enabled":
            return ""
        return self.tde_key_id or f"service-rds-{self.id}"

    def effective_tde_mode(self) -> str:
        if self.tde_status != "Enabled":
            return ""
        return self.tde_mode or ("Customer_Provided_Key" if self.tde_key_id else "Aliyun_Generate_Key")


class RdsState(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    instances: list[DBInstance] = Field(default_factory=list)
    whitelist_templates: list[WhitelistTemplate] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_templates(self) -> RdsState:
        ids = [t.id for t in self.whitelist_templates]
        names = [t.name for t in self.whitelist_templates]
        if len(set(ids)) != len(ids) or len(set(names)) != len(names):
            raise ValueError("whitelist template ids and names must be unique in the account")
        for i in self.instances:
            unknown = set(i.whitelist_templates) - set(ids)
            if unknown:
                raise ValueError(f"{i.id} links unknown whitelist template(s) {sorted(unknown)}")
        return self

    def template(self, template_id: int) -> WhitelistTemplate | None:
        return next((t for t in self.whitelist_templates if t.id == template_id), None)


# --- helpers -------------------------------------------------------------------------------------

def _list_region(call: Call) -> str:
    """List calls name their region (RegionId is required): any public region (the list is empty where the account
    has nothing) or one of the account's; an unknown region id is refused (regions.py)."""
    region = call.region or require(call.params, "RegionId")
    if not region_exists(call.acct.regions, region):
        raise ApiError("InvalidRegionId.Malformed", "The specified parameter RegionId is not valid.", 400)
    return region


def _instance(call: Call, param: str = "DBInstanceId") -> DBInstance:
    """The instance named by DBInstanceId (the whitelist template APIs: InsName, "The name of the instance", its id):
    per-instance calls may omit RegionId, as on rds.aliyuncs.com."""
    inst_id = require(call.params, param)
    inst = next((i for i in call.acct.rds.instances
                 if i.id == inst_id and (not call.region or i.region == call.region)), None)
    if inst is None:
        raise ApiError("InvalidDBInstanceId.NotFound", f"Specified instance does not exist: {inst_id}", 404)
    call.region = call.region or inst.region  # so an ActionTrail event names the instance's region
    call.touch("ACS::RDS::DBInstance", inst.id)
    return inst


def _instance_resource(call: Call) -> str:
    return f"dbinstance/{call.params.get('DBInstanceId', '*')}"


def _ins_name_resource(call: Call) -> str:
    return f"dbinstance/{call.params.get('InsName', '*')}"


def _summary(i: DBInstance) -> dict[str, Any]:
    return {"DBInstanceId": i.id, "DBInstanceDescription": i.description, "RegionId": i.region,
            "ZoneId": i.zone or f"{i.region}-h", "Engine": i.engine, "EngineVersion": i.engine_version,
            "DBInstanceStatus": i.status, "DBInstanceType": i.instance_type, "DBInstanceClass": i.instance_class,
            "Category": i.category, "InstanceNetworkType": i.network_type, "VpcId": i.vpc_id,
            "DBInstanceNetType": "Internet" if any(e.ip_type == "Public" for e in i.all_endpoints()) else "Intranet",
            "CreateTime": iso(i.created), "PayType": "Postpaid", "LockMode": "Unlock", "ConnectionMode": "Standard",
            "ResourceGroupId": "rg-default", "MutriORsignle": False, "DeletionProtection": False}


# --- instances -----------------------------------------------------------------------------------

@api.action("DescribeDBInstances")
def describe_db_instances(call: Call) -> dict[str, Any]:
    """PageNumber/PageSize (default 30), or NextToken/MaxResults, which then make PageSize and
    PageNumber moot: PageNumber answers 1 and TotalRecordCount the count of the page."""
    region = _list_region(call)
    engine = call.params.get("Engine", "").lower()
    wanted = call.params.get("DBInstanceId", "")
    items = [i for i in call.acct.rds.instances if i.region == region and (not engine or i.engine_key == engine)
             and (not wanted or i.id in wanted.split(","))]
    if "MaxResults" in call.params or "NextToken" in call.params:
        size = int_param(call.params, "MaxResults", 30, 1, 100)
        token = call.params.get("NextToken", "")
        if token and (not token.isdigit() or int(token) > len(items)):
            # the documented code (OpenMeta zh_cn rds 2014-08-15 DescribeDBInstances errorCodes 400)
            raise ApiError("Invalid.NextToken", "The parameter NextToken is invalid.", 400)
        start = int(token) if token else 0
        page = items[start:start + size]
        nxt = str(start + size) if start + size < len(items) else ""
        meta: dict[str, Any] = {"NextToken": nxt, "PageNumber": 1, "TotalRecordCount": len(page)}
    else:
        page, numbered = page_by_number(items, call.params, default=30, limit=100)
        meta = {"PageNumber": numbered["PageNumber"], "TotalRecordCount": numbered["TotalCount"]}
    # Category: "仅在InstanceLevel参数为1时返回" (returned only when InstanceLevel is 1; InstanceLevel "是否返回实例系列
    # (Category)信息 0：不返回 1：返回", OpenMeta zh_cn rds 2014-08-15 DescribeDBInstances)
    level = call.params.get("InstanceLevel") == "1"
    summaries = [{k: v for k, v in _summary(i).items() if level or k != "Category"} for i in page]
    return {**meta, "PageRecordCount": len(page), "Items": {"DBInstance": summaries}}


@api.action("DescribeDBInstanceAttribute", resource=_instance_resource)
def describe_db_instance_attribute(call: Call) -> dict[str, Any]:
    i = _instance(call)
    ips = ",".join(ip for g in i.whitelist if g.attribute != "hidden" for ip in g.ips)
    public = any(e.ip_type == "Public" for e in i.all_endpoints())
    first = i.all_endpoints()[0]
    attr = {**_summary(i), "ConnectionString": first.connection_string,
            "Port": first.port or DEFAULT_PORTS.get(i.engine_key, "3306"), "SecurityIPList": ips,
            "SecurityIPMode": "safety", "IPType": "IPv4", "DBInstanceStorage": 100, "DBInstanceStorageType":
            "cloud_essd", "MaintainTime": "18:00Z-22:00Z", "AutoUpgradeMinorVersion": "Auto",
            "CreationTime": iso(i.created), "DBInstanceNetType": "Internet" if public else "Intranet"}
    return {"Items": {"DBInstanceAttribute": [attr]}}


@api.action("DescribeDBInstanceIPArrayList", resource=_instance_resource)
def describe_ip_array_list(call: Call) -> dict[str, Any]:
    i = _instance(call)
    # the documented answer has these four fields per group (WhitelistNetworkType is a request parameter only):
    # Go SDK rds-20140815 DescribeDBInstanceIPArrayListResponseBodyItemsDBInstanceIPArray, API reference sample
    return {"Items": {"DBInstanceIPArray": [
        {"DBInstanceIPArrayName": g.name, "DBInstanceIPArrayAttribute": g.attribute, "SecurityIPType": g.ip_type,
         "SecurityIPList": ",".join(g.ips)} for g in i.whitelist]}}


# --- whitelist templates ---------------------------------------------------------------------------------------

def _template_instance(call: Call) -> DBInstance:
    i = _instance(call, "InsName")
    if i.engine_key not in TEMPLATE_ENGINES:  # no code documented for another engine: the module's engine refusal
        raise ApiError("InvalidEngine.NotSupported", f"Whitelist templates are not supported for {i.engine} "
                                                     "instances.", 400)
    return i


def _template_param(call: Call) -> WhitelistTemplate:
    """TemplateId, an integer (AttachWhitelistTemplateToInstanceRequest.template_id): an unknown or malformed one is
    the documented 400 InvalidParameterTemplateId "The parameter templateId is invalid."
    (https://www.alibabacloud.com/help/tc/rds/developer-reference/api-rds-2014-08-15-attachwhitelisttemplatetoinstance,
    errorCodes)"""
    raw = require(call.params, "TemplateId")
    template = call.acct.rds.template(int(raw)) if raw.isdigit() else None
    if template is None:
        raise ApiError("InvalidParameterTemplateId", "The parameter templateId is invalid.", 400)
    return template


def _template_status() -> dict[str, Any]:
    """The documented answer of Attach/DetachWhitelistTemplateToInstance: Data.Status ok | error, Success true, Code
    "200" (a string), HttpStatusCode 200 (an int), Message (alibabacloud_rds20140815
    AttachWhitelistTemplateToInstanceResponseBody; API reference sample {"Code": "200", "Data": {"Status": "ok"},
    "HttpStatusCode": 200, "Message": "success", ..., "Success": true},
    https://www.alibabacloud.com/help/tc/rds/developer-reference/api-rds-2014-08-15-attachwhitelisttemplatetoinstance;
    RAM resource *DBInstance acs:rds:{#regionId}:{#accountId}:dbinstance/{#DbInstanceId}, the ja page of the same)."""
    return {"Data": {"Status": "ok"}, "Success": True, "Code": "200", "Message": "success", "HttpStatusCode": 200}


@api.action("DescribeInstanceLinkedWhitelistTemplate", resource=_ins_name_resource)
def describe_instance_linked_whitelist_template(call: Call) -> dict[str, Any]:
    """The templates linked to the instance named by InsName, as documented (alibabacloud_rds20140815
    DescribeInstanceLinkedWhitelistTemplateResponseBody; tests/fixtures/wire/rds/
    DescribeInstanceLinkedWhitelistTemplate.json): Code "200" (a string), HttpStatusCode 200 (an int), Success,
    Data.InsName and Data.Templates[] with Id (the link's row, an int), Ips (comma-separated), TemplateId (an int),
    TemplateName and UserId (an int). RAM resource: the instance, as AttachWhitelistTemplateToInstance documents (this
    API's own RAM table was not read)."""
    i = _template_instance(call)
    owner = int(call.acct.id) if call.acct.id.isdigit() else 0
    templates = [t for t in call.acct.rds.whitelist_templates if t.id in i.whitelist_templates]
    return {"Code": "200", "HttpStatusCode": 200, "Message": "Successful", "Success": True, "Data": {
        "InsName": i.id,
        "Templates": [{"Id": 1000 + n, "Ips": ",".join(t.ips), "TemplateId": t.id, "TemplateName": t.name,
                       "UserId": owner} for n, t in enumerate(templates, 1)]}}


@api.action("AttachWhitelistTemplateToInstance", resource=_ins_name_resource, write=True)
def attach_whitelist_template(call: Call) -> dict[str, Any]:
    """InsName and TemplateId required (AttachWhitelistTemplateToInstanceRequest); the instance's addresses, its groups'
    and its templates', may not exceed 1,000: the documented InvalidSecurityIPList.QuotaExceeded. Linking a template
    already linked changes nothing (the reference does not say; no error is documented for it)."""
    i = _template_instance(call)
    template = _template_param(call)
    if template.id in i.whitelist_templates:
        return _template_status()
    linked = [t for t in call.acct.rds.whitelist_templates if t.id in i.whitelist_templates]
    count = sum(len(g.ips) for g in i.whitelist) + sum(len(t.ips) for t in [*linked, template])
    if count > MAX_WHITELIST_IPS:
        raise ApiError("InvalidSecurityIPList.QuotaExceeded", "Specified security IP list is not valid: Exceeding the "
                                                              "allowed amount of IP address in the list.", 400)
    i.whitelist_templates.append(template.id)
    return _template_status()


@api.action("DetachWhitelistTemplateToInstance", resource=_ins_name_resource, write=True)
def detach_whitelist_template(call: Call) -> dict[str, Any]:
    """InsName and TemplateId required (DetachWhitelistTemplateToInstanceRequest); detaching a template that is not
    linked changes nothing (the reference documents no error for it)."""
    i = _template_instance(call)
    template = _template_param(call)
    i.whitelist_templates = [t for t in i.whitelist_templates if t != template.id]
    return _template_status()


@api.action("DescribeDBInstanceNetInfo", resource=_instance_resource)
def describe_net_info(call: Call) -> dict[str, Any]:
    i = _instance(call)
    port = DEFAULT_PORTS.get(i.engine_key, "3306")
    infos = [{"ConnectionString": e.connection_string, "IPType": e.ip_type, "IPAddress": e.ip_address,
              "Port": e.port or port, "ConnectionStringType": "Normal",
              "VPCId": i.vpc_id if e.ip_type == "Private" else "", "Upgradeable": "Disabled"}
             for e in i.all_endpoints()]
    return {"InstanceNetworkType": i.network_type, "SecurityIPMode": "safety",
            "DBInstanceNetInfos": {"DBInstanceNetInfo": infos}}


# "The SSL forced encryption switch ... for ApsaraDB RDS for MySQL, ApsaraDB RDS for PostgreSQL, and ApsaraDB RDS for
# SQL Server instances" (alibabacloud_rds20140815 16.0.2 ModifyDBInstanceSSLRequest.ForceEncryption); the answer's
# ForceEncryption ("1"/"0") is sent for those engines (its doc comment still names SQL Server only)
_FORCE_ENGINES = ("mysql", "postgresql", "sqlserver")


@api.action("DescribeDBInstanceSSL", resource=_instance_resource)
def describe_ssl(call: Call) -> dict[str, Any]:
    i = _instance(call)
    if i.engine_key not in _FORCE_ENGINES:
        # "Supported database engines: RDS MySQL, RDS PostgreSQL, RDS SQL Server", and among its errorCodes 403
        # InstanceEngineType.NotSupport (OpenMeta rds 2014-08-15 DescribeDBInstanceSSL)
        raise ApiError("InstanceEngineType.NotSupport", "The instance engine and type does not support operations", 403)
    pg = i.engine_key == "postgresql"
    # PostgreSQL answers on/off, MySQL and SQL Server Yes/No (as the API documents)
    enabled = ("on" if i.ssl_enabled else "off") if pg else ("Yes" if i.ssl_enabled else "No")
    out: dict[str, Any] = {"SSLEnabled": enabled, "RequireUpdate": "0" if pg else "No",
                           "ConnectionString": i.all_endpoints()[0].connection_string if i.ssl_enabled else "",
                           "SSLExpireTime": "2027-01-01T00:00:00Z" if i.ssl_enabled else ""}
    if i.engine_key in _FORCE_ENGINES:
        out["ForceEncryption"] = "1" if i.force_encryption else "0"
    if i.engine_key == "sqlserver":
        out["TlsVersion"] = i.tls_version
    if pg and i.ssl_enabled:
        out.update(CAType="aliyun", ACL="prefer", ReplicationACL="prefer", LastModifyStatus="success")
    return out


@api.action("DescribeDBInstanceTDE", resource=_instance_resource)
def describe_tde(call: Call) -> dict[str, Any]:
    i = _instance(call)
    out: dict[str, Any] = {"TDEStatus": i.tde_status}
    if i.tde_status == "Enabled":
        out.update(TDEMode=i.effective_tde_mode(), EncryptionKey=i.effective_tde_key())
    if i.engine_key == "sqlserver":
        # SQL Server sets TDE per database ("TDE can be enabled or disabled for a database", SQL Server TDE guide):
        # the answer lists them (Databases.Database[], sample {"DBName": "test02", "TDEStatus": "Enabled"})
        out["Databases"] = {"Database": [{"DBName": name, "TDEStatus": status}
                                         for name, status in i.tde_databases.items()]}
    return out


@api.action("DescribeDBInstanceEncryptionKey", resource=_instance_resource)
def describe_encryption_key(call: Call) -> dict[str, Any]:
    """The instance's TDE key (or the one named by EncryptionKey), with what KMS knows of it."""
    i = _instance(call)
    # UsedBy is the role of the instance using the key: Master (primary) or slave (read-only), as documented (Go SDK
    # rds-20140815 DescribeDBInstanceEncryptionKeyResponseBodyEncryptionKeyListEncryptionKey.UsedBy)
    used_by = "slave" if i.instance_type == "Readonly" else "Master"
    key_id = call.params.get("EncryptionKey") or i.effective_tde_key()
    if not key_id:
        return {"EncryptionKeyList": []}
    key = call.acct.kms.find(key_id, i.region)
    if key is not None:
        service = bool(key.creator) and not key.creator.isdigit()
        entry = {"EncryptionKey": key.id, "Creator": key.creator or call.acct.id, "Origin": key.origin,
                 "EncryptionKeyStatus": key.state, "KeyUsage": key.usage, "Description": key.description,
                 "DeleteDate": iso(key.delete_date) if key.delete_date else "",
                 "MaterialExpireTime": iso(key.material_expire) if key.material_expire else "",
                 "KeyType": "ServiceKey" if service else "CMK", "AliasName": key.aliases[0] if key.aliases else "",
                 "UsedBy": used_by}
    elif i.tde_status == "Enabled" and i.effective_tde_mode() == "Aliyun_Generate_Key" and key_id == \
            i.effective_tde_key():
        # the key RDS generated for service-key TDE: managed by RDS, not listed among the account's keys
        entry = {"EncryptionKey": key_id, "Creator": "Rds", "Origin": "Aliyun_KMS", "EncryptionKeyStatus": "Enabled",
                 "KeyUsage": "ENCRYPT/DECRYPT", "Description": "RDS service key", "DeleteDate": "",
                 "MaterialExpireTime": "", "KeyType": "ServiceKey", "AliasName": "acs/rds", "UsedBy": used_by}
    else:
        raise ApiError("InvalidKeyId.NotFound", f"The specified key does not exist: {key_id}", 404)
    top = {k: v for k, v in entry.items() if k not in ("KeyType", "AliasName", "UsedBy")}
    return {**top, "EncryptionKeyList": [entry]}


def _require_engine(i: DBInstance, engines: tuple[str, ...]) -> None:
    """Refuse an SQL Explorer call for an engine its reference does not list. The references document no error code
    for another engine (ModifySQLCollectorRetention's list: InvalidConfigValue, IncorrectSQLLogActiveStatus,
    InvalidSqlRetention.Malformed, IncorrectSQLLogVersion), so this is the code the module's other engine refusals use
    (not documented)."""
    if i.engine_key not in engines:
        raise ApiError("InvalidEngine.NotSupported", f"This operation is not supported for {i.engine} instances.", 400)


def _retention(i: DBInstance) -> int:
    return 30 if i.engine_key in FIXED_RETENTION_ENGINES else i.sql_retention_days


@api.action("DescribeSQLCollectorPolicy", resource=_instance_resource)
def describe_sql_collector_policy(call: Call) -> dict[str, Any]:
    i = _instance(call)
    _require_engine(i, SQL_EXPLORER_ENGINES)
    # StoragePeriod: "A reserved parameter" (DescribeSQLCollectorPolicyResponseBody; the reference's example is 0): the
    # retention is DescribeSQLCollectorRetention's
    return {"SQLCollectorStatus": i.sql_collector, "StoragePeriod": 0}


@api.action("DescribeSQLCollectorRetention", resource=_instance_resource)
def describe_sql_collector_retention(call: Call) -> dict[str, Any]:
    i = _instance(call)
    _require_engine(i, SQL_EXPLORER_ENGINES)
    return {"ConfigValue": str(_retention(i))}  # a string (DescribeSQLCollectorRetentionResponseBody)


@api.action("DescribeParameters", resource=_instance_resource)
def describe_parameters(call: Call) -> dict[str, Any]:
    i = _instance(call)
    running = [{"ParameterName": k, "ParameterValue": v, "ParameterDescription": "",
                "ParameterDefaultValue": DEFAULT_PARAMETERS.get(i.engine_key, {}).get(k, ""), "ParameterValueRange": ""}
               for k, v in sorted(i.running_parameters().items())]
    config = [{"ParameterName": k, "ParameterValue": v, "ParameterDescription": ""}
              for k, v in sorted(i.parameters.items())]
    return {"Engine": i.engine, "EngineVersion": i.engine_version,
            "RunningParameters": {"DBInstanceParameter": running},
            "ConfigParameters": {"DBInstanceParameter": config}}


# --- writes --------------------------------------------------------------------------------------

@api.action("ModifySecurityIps", resource=_instance_resource, write=True)
def modify_security_ips(call: Call) -> dict[str, Any]:
    i = _instance(call)
    name = call.params.get("DBInstanceIPArrayName") or "default"
    ips = [ip.strip() for ip in require(call.params, "SecurityIps").split(",") if ip.strip()]
    mode = call.params.get("ModifyMode") or "Cover"
    group = next((g for g in i.whitelist if g.name == name), None)
    if group is None:
        ip_type = "IPv6" if call.params.get("SecurityIPType", "").lower() == "ipv6" else "IPv4"
        group = WhitelistGroup(name=name, ips=[], ip_type=ip_type,
                               attribute=call.params.get("DBInstanceIPArrayAttribute", ""))
        i.whitelist.append(group)
    if mode == "Cover":
        group.ips = ips
    elif mode == "Append":
        group.ips += [ip for ip in ips if ip not in group.ips]
    elif mode == "Delete":
        group.ips = [ip for ip in group.ips if ip not in ips]
    else:
        raise ApiError("InvalidModifyMode.Malformed", f"The ModifyMode is invalid: {mode}", 400)
    if not group.ips and name != "default":
        i.whitelist.remove(group)
    return {"TaskId": str(secrets.randbelow(10**8))}  # a string (ModifySecurityIpsResponseBody.task_id, "115855279")


@api.action("ModifyDBInstanceSSL", resource=_instance_resource, write=True)
def modify_ssl(call: Call) -> dict[str, Any]:
    i = _instance(call)
    flag = call.params.get("SSLEnabled", "")
    if flag in ("0", "1"):
        i.ssl_enabled = flag == "1"
    elif flag not in ("", "2"):  # 2 = renew the certificate
        raise ApiError("InvalidSSLEnabled.Malformed", f"The SSLEnabled value is invalid: {flag}", 400)
    if "ForceEncryption" in call.params:
        if i.engine_key not in _FORCE_ENGINES:
            raise ApiError("InvalidEngine.NotSupported", "ForceEncryption applies to MySQL, PostgreSQL and SQL Server.",
                           400)
        i.force_encryption = call.params["ForceEncryption"] == "1"
    if call.params.get("TlsVersion"):
        i.tls_version = call.params["TlsVersion"]
    return {}


@api.action("ModifyDBInstanceTDE", resource=_instance_resource, write=True)
def modify_tde(call: Call) -> dict[str, Any]:
    i = _instance(call)
    status = require(call.params, "TDEStatus")
    if status != "Enabled":
        # instance-level TDE cannot be turned off once on
        raise ApiError("InvalidTDEStatus.Format", f"The TDEStatus value is not supported: {status}", 400)
    if i.engine_key == "mariadb":
        raise ApiError("InvalidEngine.NotSupported", "TDE is not supported for this engine.", 400)
    key_id = call.params.get("EncryptionKey", "")
    if key_id:
        key = call.acct.kms.find(key_id, i.region)
        if key is None or key.state != "Enabled" or key.spec not in SYMMETRIC_SPECS:
            raise ApiError("InvalidKeyId.NotFound", f"The key {key_id} does not exist, is not enabled or is not "
                                                    "symmetric in the instance's region.", 400)
        i.tde_mode, i.tde_key_id = "Customer_Provided_Key", key.id
    elif i.tde_status != "Enabled":
        i.tde_mode, i.tde_key_id = "Aliyun_Generate_Key", ""
    i.tde_status = "Enabled"
    if i.engine_key == "sqlserver":
        # DBName: "The names of the databases for which you want to enable TDE ... separated by commas" (SQL Server
        # 2019 SE and Enterprise; ModifyDBInstanceTDERequest.dbname)
        for name in (n.strip() for n in call.params.get("DBName", "").split(",")):
            if name:
                i.tde_databases[name] = "Enabled"
    return {}


@api.action("ModifySQLCollectorPolicy", resource=_instance_resource, write=True)
def modify_sql_collector_policy(call: Call) -> dict[str, Any]:
    i = _instance(call)
    _require_engine(i, SQL_EXPLORER_ENGINES)
    status = require(call.params, "SQLCollectorStatus")
    if status not in ("Enable", "Disabled"):
        raise ApiError("InvalidSQLCollectorStatus.Malformed", f"The SQLCollectorStatus is invalid: {status}", 400)
    i.sql_collector = status
    return {}


@api.action("ModifySQLCollectorRetention", resource=_instance_resource, write=True)
def modify_sql_collector_retention(call: Call) -> dict[str, Any]:
    i = _instance(call)
    _require_engine(i, RETENTION_WRITE_ENGINES)
    value = require(call.params, "ConfigValue")
    if value not in RETENTION_VALUES:
        raise ApiError("InvalidConfigValue.Malformed", f"The ConfigValue is invalid: {value}", 400)
    i.sql_retention_days = int(value)
    return {}


@api.action("ModifyParameter", resource=_instance_resource, write=True)
def modify_parameter(call: Call) -> dict[str, Any]:
    i = _instance(call)
    try:
        values = json.loads(require(call.params, "Parameters"))
    except ValueError as err:
        raise ApiError("InvalidParameters.Format", "Parameters must be a JSON object.", 400) from err
    if not isinstance(values, dict):
        raise ApiError("InvalidParameters.Format", "Parameters must be a JSON object.", 400)
    known = i.running_parameters()
    unknown = [k for k in values if k not in known]
    if unknown:
        raise ApiError("InvalidParameters.Format", f"Unknown parameter(s) for {i.engine}: {', '.join(unknown)}", 400)
    i.parameters.update({k: str(v) for k, v in values.items()})
    return {}


@api.action("ReleaseInstancePublicConnection", resource=_instance_resource, write=True)
def release_public_connection(call: Call) -> dict[str, Any]:
    i = _instance(call)
    current = require(call.params, "CurrentConnectionString")
    hit = next((e for e in i.all_endpoints() if e.connection_string == current and e.ip_type == "Public"), None)
    if hit is None:
        raise ApiError("InvalidCurrentConnectionString.NotFound", f"No public endpoint {current}.", 404)
    i.endpoints = [e for e in i.all_endpoints() if e is not hit]
    return {}


# --- issue 20: backup policy ------------------------------------------------------------------------------------

@api.action("DescribeBackupPolicy", resource=_instance_resource)
def describe_backup_policy(call: Call) -> dict[str, Any]:
    # BackupRetentionPeriod and LogBackupRetentionPeriod integers; EnableBackupLog "1" | "0" and BackupLog
    # Enable | Disabled strings (alibabacloud_rds20140815 DescribeBackupPolicyResponseBody; Go SDK model examples)
    i = _instance(call)
    return {"BackupRetentionPeriod": i.backup_retention_days, "PreferredBackupTime": "15:00Z-16:00Z",
            "PreferredBackupPeriod": "Monday,Wednesday,Friday,Sunday", "BackupLog": "Enable" if i.log_backup
            else "Disabled", "EnableBackupLog": "1" if i.log_backup else "0",
            "LogBackupRetentionPeriod": i.log_backup_retention_days, "LocalLogRetentionHours": 18,
            "Category": "Standard", "BackupMethod": "Physical", "CompressType": "1", "ReleasedKeepPolicy": "None"}


@api.action("ModifyBackupPolicy", resource=_instance_resource, write=True)
def modify_backup_policy(call: Call) -> dict[str, Any]:
    # BackupRetentionPeriod 7-730 days; EnableBackupLog True | False; LogBackupRetentionPeriod 7-730
    # (ModifyBackupPolicy)
    i = _instance(call)
    p = call.params
    if p.get("BackupRetentionPeriod"):
        i.backup_retention_days = int_param(p, "BackupRetentionPeriod", i.backup_retention_days, 7, 730)
    if p.get("EnableBackupLog"):
        i.log_backup = p["EnableBackupLog"].lower() in ("true", "1")
    if p.get("LogBackupRetentionPeriod"):
        i.log_backup_retention_days = int_param(p, "LogBackupRetentionPeriod", i.log_backup_retention_days, 7, 730)
    return {"DBInstanceID": i.id, "CompressType": "1"}


# DescribeRegions: "the details of all regions and zones for ApsaraDB RDS", Regions.RDSRegion[], one entry per zone
# (sample: https://help.aliyun.com/document_detail/26243.htm); zones and local names are not modelled: each region
# answers two zones, <region>-h and <region>-i (a region id repeats, as in the cloud's answers)
@api.action("DescribeRegions")
def describe_regions(call: Call) -> dict[str, Any]:
    return {"Regions": {"RDSRegion": [
        {"RegionId": r, "ZoneId": f"{r}-{z}", "LocalName": r, "ZoneName": f"{r}-{z}",
         "RegionEndpoint": "rds.aliyuncs.com"}
        for r in offered_regions(call.world, "rds", call.acct.regions) for z in ("h", "i")]}}
