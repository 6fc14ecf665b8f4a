"""RDS checks: CIS Alibaba Cloud Foundations v2.0.0 section 6 (6.1-6.9), plus a public-endpoint check.

One finding per instance, in the instance's region. Engine-specific items give no finding for engines
they do not apply to (rather than a PASS that would inflate compliance): TDE and its key (6.5, 6.6)
for MySQL, PostgreSQL and SQL Server (RDS offers no TDE for MariaDB), the log_* parameters (6.7-6.9)
for PostgreSQL only. SQL audit (6.3, 6.4) gives MANUAL for engines SQL Explorer is not documented for (MariaDB),
and its retention (6.4) MANUAL for PostgreSQL and SQL Server, whose retention RDS fixes at 30 days.
SSL (6.1) applies to every engine: the CIS item asks that SSL is enabled; that connections
without SSL are refused (forced SSL) is the stricter rds_instance_ssl_forced."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator

from ..cidrs import covers_world, linked_templates_text, whitelist_verdict
from ..collectors.kms import KEYS, KmsKey
from ..collectors.rds import (
    AUDIT_ENGINES,
    FIXED_RETENTION_DAYS,
    FIXED_RETENTION_ENGINES,
    INSTANCES,
    MYSQL_FAMILY,
    NO_BACKUP_TYPES,
    SSL_ENGINES,
    TDE_ENGINES,
    TEMPLATE_ENGINES,
    RdsInstance,
)
from ..findings import Result, Status
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL
ON_VALUES = {"on", "true", "yes", "1"}  # how MySQL and PostgreSQL spell a boolean that is set
LIFECYCLE = ["CreateDBInstance", "DeleteDBInstance", "RecoveryDBInstance", "CloneDBInstance",
             "CreateReadOnlyDBInstance", "CreateDdrInstance"]
NETWORK_EVENTS = ["ModifySecurityIps", "MigrateSecurityIPMode", "ModifySecurityGroupConfiguration",
                  "AttachWhitelistTemplateToInstance", "DetachWhitelistTemplateToInstance", "ModifyWhitelistTemplate",
                  "AllocateInstancePublicConnection", "ReleaseInstancePublicConnection",
                  "ModifyDBInstanceConnectionString", "SwitchDBInstanceNetType", "ModifyDBInstanceNetworkType",
                  # (NetType Internet: a public read/write splitting endpoint, AllocateReadWriteSplittingConnection)
                  "AllocateReadWriteSplittingConnection", "ReleaseReadWriteSplittingConnection"]
PARAMETER_EVENTS = ["ModifyParameter", "ModifyParameterGroup"]
TDE_EVENTS = ["ModifyDBInstanceTDE"]
KEY_EVENTS = ["DisableKey", "EnableKey", "ScheduleKeyDeletion", "CancelKeyDeletion", "DeleteKeyMaterial",
              "ImportKeyMaterial"]
ASPECT_NAMES = {"whitelist": "DescribeDBInstanceIPArrayList", "templates": "DescribeInstanceLinkedWhitelistTemplate",
                "endpoints": "DescribeDBInstanceNetInfo",
                "ssl": "DescribeDBInstanceSSL", "tde": "DescribeDBInstanceTDE",
                "tde_key": "DescribeDBInstanceEncryptionKey", "audit": "DescribeSQLCollectorPolicy",
                "audit_retention": "DescribeSQLCollectorRetention", "parameters": "DescribeParameters",
                "backup": "DescribeBackupPolicy"}


def _result(inst: RdsInstance, status: Status, message: str, **details: str) -> Result:
    return Result(status=status, resource_id=inst.id, resource_type="rds:dbinstance", resource_name=inst.name,
                  region=inst.region, message=message,
                  details={"engine": f"{inst.engine} {inst.engine_version}".strip(), **details})


def _error(inst: RdsInstance, aspects: Iterable[str]) -> Result | None:
    failed = [f"{ASPECT_NAMES.get(a, a)}: {inst.errors[a]}" for a in aspects if a in inst.errors]
    return _result(inst, ERROR, "could not read " + "; ".join(failed)) if failed else None


def _instances(inp: Inputs, engines: set[str] | None = None) -> Iterator[RdsInstance]:
    for inst in inp[INSTANCES]:
        if engines is None or inst.engine_key in engines:
            yield inst


# --- 6.1 SSL ---------------------------------------------------------------------------------------

# DescribeDBInstanceSSL ForceEncryption: "1" enabled, "0" disabled, a string (alibabacloud_rds20140815
# DescribeDBInstanceSSLResponseBody; its doc comment still names SQL Server only). The same switch is set by
# ModifyDBInstanceSSL ForceEncryption, "The SSL forced encryption switch ... for ApsaraDB RDS for MySQL, ApsaraDB
# RDS for PostgreSQL, and ApsaraDB RDS for SQL Server instances" (ModifyDBInstanceSSLRequest doc comment, 16.0.2);
# MySQL's "forceful SSL encryption" needs 5.7/8.0 at minor version 20241130 or later ("Configure a cloud certificate
# to enable SSL encryption", https://www.alibabacloud.com/help/en/rds/apsaradb-rds-for-mysql/configure-a-cloud-
# certificate-to-enable-ssl-encryption).
FORCED = "1"
SSL_EVENTS = ["ModifyDBInstanceSSL", *LIFECYCLE]
_CIS_6_1_AUDIT = ("Click the ID of the target instance ... click Data Security to go to the Security page. Click the "
                  "SSL Encryption tab. Check the button SSL Encryption is Enabled.")


_NO_SSL_API = ("DescribeDBInstanceSSL documents MySQL, PostgreSQL and SQL Server only: check SSL encryption of this "
               "{engine} instance in the console (the instance > Data Security)")


@check(id="rds_instance_ssl_required", severity="high",
       title="Ensure that RDS instance requires all incoming connections to use SSL",
       risk="Without SSL, credentials and data cross the network in clear text.",
       console="RDS console > the instance > Data Security > SSL Encryption: enable SSL for the endpoints in use.",
       cli="aliyun rds ModifyDBInstanceSSL --DBInstanceId <id> --SSLEnabled 1 --ConnectionString <endpoint>",
       cis=["6.1"], events=SSL_EVENTS, needs=[INSTANCES],
       evaluates="DescribeDBInstanceSSL SSLEnabled (MySQL and SQL Server Yes/No, PostgreSQL on/off): PASS when "
                 "SSL encryption is enabled, FAIL when disabled - what the CIS 6.1 audit checks; MANUAL for an "
                 "engine the API does not document (MariaDB). Whether connections without SSL are refused is "
                 "stricter (the default MySQL instance with SSL on still accepts them) and is the separate check "
                 "rds_instance_ssl_forced (not mapped to CIS).",
       cis_audit=_CIS_6_1_AUDIT)
def ssl_required(inp: Inputs) -> Iterator[Result]:
    for inst in _instances(inp):
        if inst.engine_key not in SSL_ENGINES:
            yield _result(inst, MANUAL, _NO_SSL_API.format(engine=inst.engine))
        elif err := _error(inst, ["ssl"]):
            yield err
        elif not inst.ssl_enabled:
            yield _result(inst, FAIL, "SSL encryption is disabled: connections are not encrypted")
        else:
            forced = " and forced" if inst.force_encryption == FORCED else ""
            yield _result(inst, PASS, f"SSL encryption is enabled{forced} (the CIS 6.1 audit)")


def _forced_mysql(inst: RdsInstance) -> tuple[Status, str]:
    value = inst.parameters.get("require_secure_transport")
    if value is None:
        # MySQL 5.6 and older MariaDB have no server-wide switch: only per-account REQUIRE SSL
        return MANUAL, ("SSL is enabled but not forced (ForceEncryption is not 1) and this engine version has no "
                        "require_secure_transport: verify every database account is created with REQUIRE SSL")
    if value.lower() in ON_VALUES:
        return PASS, "SSL is enabled and require_secure_transport=ON"
    return FAIL, f"SSL is enabled but require_secure_transport={value} and ForceEncryption is not 1: clients may " \
                 "connect without SSL"


def _forced(inst: RdsInstance) -> tuple[Status, str]:
    if inst.force_encryption == FORCED:
        return PASS, "SSL is enabled and forced (ForceEncryption=1): connections without SSL are refused"
    if inst.engine_key == "sqlserver":
        return FAIL, "SSL is enabled but forced encryption is off: clients may connect without SSL"
    if inst.engine_key == "postgresql":
        # without forced SSL, PostgreSQL refuses plain connections only through pg_hba.conf (hostssl), which this
        # audit does not read
        return MANUAL, ("SSL is enabled but not forced (ForceEncryption is not 1); whether plain connections are "
                        "refused is set in pg_hba.conf: check (console > Database Connection, or DescribePGHbaConfig) "
                        "that remote entries are hostssl, not host or hostnossl")
    return _forced_mysql(inst)


@check(id="rds_instance_ssl_forced", severity="medium",
       title="Ensure RDS instances refuse connections that do not use SSL",
       risk="With SSL merely offered, clients (and attackers in the path) can still connect without it, and "
            "credentials and data cross the network in clear text.",
       console="RDS console > the instance > Data Security > SSL Encryption: turn on forced SSL encryption (MySQL "
               "5.7/8.0 at minor version 20241130 or later, PostgreSQL, SQL Server); otherwise MySQL - Parameters: "
               "require_secure_transport = ON; PostgreSQL - Database Connection > pg_hba.conf: only hostssl entries.",
       cli="aliyun rds ModifyDBInstanceSSL --DBInstanceId <id> --SSLEnabled 1 --ConnectionString <endpoint> "
           "--ForceEncryption 1; MySQL without it: aliyun rds ModifyParameter --DBInstanceId <id> --Parameters "
           "'{\"require_secure_transport\":\"ON\"}'",
       events=[*SSL_EVENTS, *PARAMETER_EVENTS], needs=[INSTANCES],
       evaluates="DescribeDBInstanceSSL: FAIL when SSL is disabled; PASS when ForceEncryption is \"1\" (any engine); "
                 "otherwise SQL Server FAILs, MySQL is judged by the running require_secure_transport "
                 "(DescribeParameters: ON passes, OFF fails, absent - MySQL 5.6 - is MANUAL), PostgreSQL is MANUAL "
                 "(pg_hba.conf not read); MANUAL for MariaDB, which DescribeDBInstanceSSL does not document. "
                 "Stricter than CIS 6.1, whose audit only checks that SSL encryption is "
                 "enabled, so not mapped to CIS (rds_instance_ssl_required gives the CIS verdict).",
       source="https://api.alibabacloud.com/api/Rds/2014-08-15/ModifyDBInstanceSSL (ForceEncryption) | CIS v2.0.0 "
              "6.1, stricter")
def ssl_forced(inp: Inputs) -> Iterator[Result]:
    for inst in _instances(inp):
        if inst.engine_key not in SSL_ENGINES:
            yield _result(inst, MANUAL, _NO_SSL_API.format(engine=inst.engine))
        elif err := _error(inst, ["ssl"]):
            yield err
        elif not inst.ssl_enabled:
            yield _result(inst, FAIL, "SSL encryption is disabled: connections are not encrypted")
        elif inst.force_encryption != FORCED and inst.engine_key in MYSQL_FAMILY and (
                err := _error(inst, ["parameters"])):
            yield err
        else:
            yield _result(inst, *_forced(inst))


# --- 6.2 whitelist and public endpoint -------------------------------------------------------------

def _networks(ips: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    out = []
    for raw in ips:
        text = raw.strip()
        if text == "0.0.0.0":  # RDS reads a bare 0.0.0.0 as "any address", like 0.0.0.0/0
            text = "0.0.0.0/0"
        try:
            out.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            continue  # not an address (a template name, a typo): admits nobody
    return out


def _open_entries(inst: RdsInstance) -> list[str]:
    """Whitelist entries admitting every address: 0.0.0.0/0, ::/0, any /0, and sets of entries that
    together cover the whole IPv4 or IPv6 space (0.0.0.0/1 + 128.0.0.0/1). The linked whitelist templates
    (groups named template:<name>) admit clients as the groups do, so their entries count alike."""
    entries = [(g.name, ip, net) for g in [*inst.whitelist, *inst.templates] for ip in g.ips
               for net in _networks([ip])]
    opened = [f"{name}: {ip}" for name, ip, net in entries if net.prefixlen == 0]
    if opened:
        return opened
    for version in (4, 6):
        if covers_world((net for _, _, net in entries), version):
            return [f"{name}: {ip}" for name, ip, net in entries if net.version == version]
    return []


def _public(inst: RdsInstance) -> list[str]:
    return [e.address for e in inst.endpoints if e.ip_type.lower() == "public"]


@check(id="rds_instance_whitelist_not_open", severity="critical",
       title="Ensure that RDS Instances are not open to the world",
       risk="A whitelist admitting every address lets anyone who reaches the endpoint try to log in; with a "
            "public endpoint that is the whole internet.",
       console="RDS console > the instance > Data Security > Whitelist Settings: replace 0.0.0.0/0 with the "
               "addresses or CIDR blocks of the application servers; for a template (template:<name>): RDS console > "
               "Whitelist Template: edit the template, or detach it from the instance.",
       cli="aliyun rds ModifySecurityIps --DBInstanceId <id> --DBInstanceIPArrayName <group> "
           "--SecurityIps <cidr,...> --ModifyMode Cover; a template: aliyun rds DetachWhitelistTemplateToInstance "
           "--InsName <id> --TemplateId <template id>",
       cis=["6.2"], events=[*NETWORK_EVENTS, *LIFECYCLE], needs=[INSTANCES],
       evaluates="DescribeDBInstanceIPArrayList, every whitelist group of every instance, and (MySQL, PostgreSQL, SQL "
                 "Server: the engines DescribeInstanceLinkedWhitelistTemplate documents) the whitelist templates "
                 "linked to it, judged as groups named template:<name>: FAIL when an entry is a /0 (0.0.0.0/0, ::/0, "
                 "or a bare 0.0.0.0, which RDS reads as any address) or the entries of one address family together "
                 "cover all of it (0.0.0.0/1 + 128.0.0.0/1), naming the group or template; the message says whether "
                 "a public endpoint exists (DescribeDBInstanceNetInfo). PASS otherwise; entries that are not "
                 "addresses are ignored; ERROR when the whitelist could not be read, or when the groups admit no "
                 "such entry but the linked templates could not be read (whether DescribeDBInstanceIPArrayList "
                 "includes template entries is not documented).",
       cis_audit="Data Security > Whitelist Settings: check that the authorized servers IPs have been configured, and"
                 " it is not configured as 0.0.0.0 or /0.")
def whitelist_not_open(inp: Inputs) -> Iterator[Result]:
    for inst in _instances(inp):
        if err := _error(inst, ["whitelist"]):
            yield err
            continue
        unread = _error(inst, ["templates"])
        yield _result(inst, *whitelist_verdict(_open_entries(inst), "endpoints" in inst.errors, _public(inst),
                                               unread.message if unread else None, _closed_message(inst),
                                               templates="whitelist templates"))


def _closed_message(inst: RdsInstance) -> str:
    if inst.engine_key not in TEMPLATE_ENGINES:
        # DescribeInstanceLinkedWhitelistTemplate: "Supported database engines: RDS MySQL, RDS PostgreSQL, RDS SQL
        # Server": no template is read for another engine
        return f"no whitelist entry admits every address (whitelist templates are not documented for {inst.engine})"
    return linked_templates_text(len(inst.templates))


@check(id="rds_instance_no_public_endpoint", severity="medium",
       title="RDS instance has no public endpoint",
       risk="A public endpoint exposes the database login to the internet; only the whitelist stands between "
            "it and password guessing or database exploits.",
       console="RDS console > the instance > Database Connection: Release Internet Endpoint; reach the "
               "database from inside the VPC (or through a bastion or VPN).",
       cli="aliyun rds ReleaseInstancePublicConnection --DBInstanceId <id> --CurrentConnectionString <endpoint>",
       events=[*NETWORK_EVENTS, *LIFECYCLE], needs=[INSTANCES],
       evaluates="DescribeDBInstanceNetInfo: FAIL when any connection string has IPType Public (any letter case), "
                 "listing them; PASS when none has; ERROR when the endpoints could not be read. The whitelist is not "
                 "considered.",
       source="https://api.alibabacloud.com/api/Rds/2014-08-15/DescribeDBInstanceNetInfo (IPType Public)")
def no_public_endpoint(inp: Inputs) -> Iterator[Result]:
    for inst in _instances(inp):
        if err := _error(inst, ["endpoints"]):
            yield err
        elif public := _public(inst):
            yield _result(inst, FAIL, f"public endpoint(s): {', '.join(public)}")
        else:
            yield _result(inst, PASS, "no public endpoint")


# --- 6.3 / 6.4 SQL audit ----------------------------------------------------------------------------

# DescribeSQLCollectorPolicy / DescribeSQLCollectorRetention: "Supported database engines: MySQL, PostgreSQL, SQL
# Server" (collectors/rds.py AUDIT_ENGINES); the CIS 6.3 description exempts "SQL Server 2012/2016/2017 and MariaDB TX"
_NO_SQL_EXPLORER = ("not applicable: RDS documents SQL Explorer (SQL audit) for MySQL, PostgreSQL and SQL Server "
                    "only, not for {engine}; record database activity otherwise (e.g. the engine's own audit log)")
# RDS SQL Server EngineVersion values name the major version first (2012, 2012_ent_ha, 2016_std_ha, 2017_ent, ...:
# alibabacloud_rds20140815 DescribeDBInstancesResponseBody EngineVersion)
CIS_EXEMPT_SQLSERVER = ("2012", "2016", "2017")


def _cis_exempt(inst: RdsInstance) -> str:
    """Why CIS 6.3 does not apply to the instance ('' when it does): "Enable SQL auditing on all RDS except SQL Server
    2012/2016/2017 and MariaDB TX" (the recommendation's description); MariaDB is the _NO_SQL_EXPLORER case."""
    if inst.engine_key == "sqlserver" and inst.engine_version.lower().startswith(CIS_EXEMPT_SQLSERVER):
        return (f"not applicable: CIS 6.3 exempts SQL Server 2012/2016/2017 from SQL auditing (this is SQL Server "
                f"{inst.engine_version}); its SQL Explorer status is {inst.audit_status or 'not read'}")
    return ""

@check(id="rds_instance_sql_audit_enabled", severity="medium",
       title="Ensure that 'Auditing' is set to 'On' for applicable database instances",
       risk="Without SQL audit (SQL Explorer) there is no record of who ran which statement, so data theft or "
            "tampering cannot be investigated.",
       console="RDS console > the instance > SQL Explorer and Audit (or Autonomy Services > SQL Explorer): enable.",
       # (the RDS Modify/DescribeSQLCollector* APIs are "no longer maintained" in favour of DAS's ModifySqlLogConfig
       # and DescribeSqlLogConfig: OpenMeta zh_cn rds 2014-08-15; new SQL Explorer and Audit is DAS Enterprise
       # Edition, whose changes arrive as ModifySqlLogConfig events: OpenMeta en_us das 2020-01-16)
       cli="aliyun das ModifySqlLogConfig --InstanceId <id> --Enable true --Retention 180 (DAS Enterprise Edition; "
           "legacy: aliyun rds ModifySQLCollectorPolicy --DBInstanceId <id> --SQLCollectorStatus Enable)",
       cis=["6.3"], events=["ModifySQLCollectorPolicy", "ModifySqlLogConfig", *LIFECYCLE], needs=[INSTANCES],
       evaluates="DescribeSQLCollectorPolicy SQLCollectorStatus for MySQL, PostgreSQL and SQL Server (the engines "
                 "the API documents): PASS when Enable, FAIL otherwise (Disabled); ERROR when the policy could not be "
                 "read or answered no status. Other engines (MariaDB) are MANUAL without a call: SQL Explorer is not "
                 "documented for them (CIS 6.3 itself exempts MariaDB TX); SQL Server 2012, 2016 and 2017 without "
                 "SQL audit on are MANUAL too: CIS 6.3 exempts them.",
       cis_audit="SQL Explorer: a 'Welcome to Use SQL Explore' page indicates that the auditing is not yet enabled; "
                 "if auditing is enabled, SQL Explorer shows the SQL Explore dashboard directly.")
def sql_audit_enabled(inp: Inputs) -> Iterator[Result]:
    for inst in _instances(inp):
        if inst.engine_key not in AUDIT_ENGINES:
            yield _result(inst, MANUAL, _NO_SQL_EXPLORER.format(engine=inst.engine))
        elif inst.audit_status != "Enable" and (exempt := _cis_exempt(inst)):
            yield _result(inst, MANUAL, exempt)
        elif err := _error(inst, ["audit"]):
            yield err
        elif not inst.audit_status:
            yield _result(inst, ERROR, "DescribeSQLCollectorPolicy answered no SQLCollectorStatus: whether SQL audit "
                                       "is on is unknown")
        else:
            on = inst.audit_status == "Enable"
            yield _result(inst, PASS if on else FAIL, "SQL audit is enabled" if on
                          else f"SQL audit is {inst.audit_status or 'off'}")


# "Log retention period of SQL Explorer logs for ApsaraDB RDS for PostgreSQL and ApsaraDB RDS for SQL Server is fixed at
# 30 days" (DescribeSQLCollectorRetentionResponseBody.config_value); ModifySQLCollectorRetention: "Supported database
# engines: RDS MySQL" (https://alibabacloud.com/help/en/rds/api-modify-retention-period-of-sql-explorer-logs)
_FIXED_RETENTION = (f"not settable: RDS keeps the SQL Explorer logs of {{engine}} a fixed {FIXED_RETENTION_DAYS} days "
                    "(ModifySQLCollectorRetention supports RDS MySQL only); keep the audit trail {need} days or more "
                    "elsewhere (e.g. DAS or SLS delivery)")


@check(id="rds_instance_sql_audit_retention", severity="medium",
       title="Ensure that 'Auditing' Retention is 'greater than 6 months'",
       risk="Short audit retention deletes the trail before slow-moving incidents are found.",
       console="RDS console > the instance > SQL Explorer and Audit > Service Settings: storage duration of "
               "180 days or more.",
       cli="aliyun das ModifySqlLogConfig --InstanceId <id> --Enable true --Retention 365 (DAS Enterprise Edition; "
           "legacy, RDS MySQL only: aliyun rds ModifySQLCollectorRetention --DBInstanceId <id> --ConfigValue 365)",
       cis=["6.4"], events=["ModifySQLCollectorRetention", "ModifySQLCollectorPolicy", "ModifySqlLogConfig",
                            *LIFECYCLE],
       needs=[INSTANCES],
       evaluates="MySQL: DescribeSQLCollectorPolicy and the retention (DescribeSQLCollectorRetention ConfigValue; the "
                 "policy's StoragePeriod is documented as reserved and not read): FAIL when SQL audit is not Enable; "
                 "PASS when the retention is at least audit_retention_days (180), FAIL when shorter; ERROR when the "
                 "policy or the retention could not be read or no retention was answered. PostgreSQL and SQL Server "
                 "with SQL audit on are MANUAL (PASS when audit_retention_days is 30 or less): RDS fixes their SQL "
                 "Explorer retention at 30 days and ModifySQLCollectorRetention supports MySQL only, so the storage "
                 "duration the audit reads cannot be set; with SQL audit off they FAIL as MySQL does, except SQL "
                 "Server 2012/2016/2017 (MANUAL: CIS 6.3 exempts them). Other engines (MariaDB) are MANUAL: SQL "
                 "Explorer is not documented for them.",
       cis_audit="SQL Explore > Service Setting: assure the storage duration is set as 6 months or longer.")
def sql_audit_retention(inp: Inputs) -> Iterator[Result]:
    need = inp.config.audit_retention_days
    for inst in _instances(inp):
        if inst.engine_key not in AUDIT_ENGINES:
            yield _result(inst, MANUAL, _NO_SQL_EXPLORER.format(engine=inst.engine))
        elif inst.audit_status != "Enable" and (exempt := _cis_exempt(inst)):
            yield _result(inst, MANUAL, exempt)
        elif err := _error(inst, ["audit"]):
            yield err
        elif not inst.audit_status:
            yield _result(inst, ERROR, "DescribeSQLCollectorPolicy answered no SQLCollectorStatus")
        elif inst.audit_status != "Enable":
            yield _result(inst, FAIL, "SQL audit is off: nothing is retained")
        elif inst.engine_key in FIXED_RETENTION_ENGINES:  # (kept a fixed 30 days: enough only for a low threshold)
            ok = need <= FIXED_RETENTION_DAYS
            yield _result(inst, PASS if ok else MANUAL,
                          f"SQL audit logs are kept {FIXED_RETENTION_DAYS} days (fixed by RDS; required >= {need})"
                          if ok else _FIXED_RETENTION.format(engine=inst.engine, need=need),
                          retention_days=str(FIXED_RETENTION_DAYS))
        elif err := _error(inst, ["audit_retention"]):
            yield err
        elif inst.audit_retention_days is None:
            # (ConfigValue: 30 | 180 | 365 | 1095 | 1825, DescribeSQLCollectorRetentionResponseBody; none answered with
            # audit on is unknown, not unset)
            yield _result(inst, ERROR, "DescribeSQLCollectorRetention answered no retention (ConfigValue)")
        else:
            days = inst.audit_retention_days
            yield _result(inst, PASS if days >= need else FAIL,
                          f"SQL audit logs are kept {days} days (required >= {need})", retention_days=str(days))


# --- 6.5 / 6.6 TDE ----------------------------------------------------------------------------------

_NO_TDE_STATUS = "DescribeDBInstanceTDE answered no TDEStatus: whether TDE is on is unknown"


def tde_unavailable(inst: RdsInstance) -> str:
    """Why RDS offers no TDE for the instance ('' when it may), from ModifyDBInstanceTDE's prerequisites ("MySQL 8.0
    and 5.7 on RDS High-availability Edition ... MySQL 5.6; SQL Server 2019 SE or an Enterprise Edition of SQL Server;
    PostgreSQL 10 ... 15", https://www.alibabacloud.com/help/en/rds/api-enable-tde), the MySQL TDE guide
    ("High-availability Edition or Cluster Edition") and the SQL Server TDE guide ("Read-only RDS instances do not
    support this feature",
    https://www.alibabacloud.com/help/en/apsaradb-for-rds/latest/configure-tde-for-an-apsaradb-rds-for-sql-server-instance).
    Only what those exclude for certain: a Basic Edition MySQL instance, a SQL Server read-only instance or Web,
    Express or pre-2019 Standard edition, PostgreSQL before 10."""
    version = inst.engine_version.lower()
    if inst.engine_key == "mysql" and inst.category.lower() in ("basic", "serverless_basic"):
        return f"RDS offers TDE for MySQL on High-availability or Cluster Edition, not on {inst.category} Edition"
    if inst.engine_key == "sqlserver" and inst.instance_type == "Readonly":
        return "RDS SQL Server read-only instances do not support TDE"
    if inst.engine_key == "sqlserver":
        year = version[:4] if version[:4].isdigit() else ""
        if "web" in version or "exp" in version or ("std" in version and year and year < "2019"):
            return f"RDS offers TDE for SQL Server 2019 SE and Enterprise editions, not for {inst.engine_version}"
    if inst.engine_key == "postgresql":
        major = version.split(".", 1)[0]
        if major.isdigit() and int(major) < 10:
            return f"RDS offers TDE for PostgreSQL 10 and later, not for {inst.engine_version}"
    return ""

def _tde_not_on(inst: RdsInstance, off: str, advice: str = "") -> Result | None:
    """The verdict of an instance whose TDE is not on: ERROR when unread, MANUAL where RDS offers no TDE (with
    `advice` after the reason), else FAIL with `off`; None when TDE is Enabled."""
    if err := _error(inst, ["tde"]):
        return err
    if not inst.tde_status:
        return _result(inst, ERROR, _NO_TDE_STATUS)
    if inst.tde_status == "Enabled":
        return None
    if why := tde_unavailable(inst):
        return _result(inst, MANUAL, f"TDE is disabled and not applicable: {why}{advice}")
    return _result(inst, FAIL, off)


def _tde_on(inst: RdsInstance) -> Result:
    """TDE on at instance level: the CIS 6.5 verdict. SQL Server encrypts per database once the instance switch is on
    ("TDE can be enabled or disabled for a database", SQL Server TDE guide; ModifyDBInstanceTDE DBName), so its
    message counts the databases DescribeDBInstanceTDE lists as encrypted; the verdict stays the instance's."""
    if inst.engine_key != "sqlserver":
        return _result(inst, PASS, "TDE is enabled")
    listed = inst.tde_databases
    if not listed:
        return _result(inst, PASS, "TDE is enabled on the instance; DescribeDBInstanceTDE lists no database: check "
                       "in the console (Data Security > TDE > Configure TDE) which databases are encrypted",
                       databases_encrypted="0/0")
    on = [d.name for d in listed if d.tde_status == "Enabled"]
    off = [d.name or "?" for d in listed if d.tde_status != "Enabled"]
    clear = f"; not encrypted: {', '.join(off)}" if off else ""
    return _result(inst, PASS, f"TDE is enabled on the instance; {len(on)} of {len(listed)} listed database(s) "
                   f"encrypted{clear}", databases_encrypted=f"{len(on)}/{len(listed)}")


@check(id="rds_instance_tde_enabled", severity="high",
       title="Ensure that 'TDE' is set to 'Enabled' on for applicable database instance",
       risk="Without TDE, data files, backups and logs are stored unencrypted and readable by anyone who obtains "
            "the storage or a backup.",
       console="RDS console > the instance > Data Security > TDE: enable (MySQL, SQL Server, PostgreSQL); SQL Server: "
               "then Configure TDE and add each database to encrypt.",
       cli="aliyun rds ModifyDBInstanceTDE --DBInstanceId <id> --TDEStatus Enabled",
       cis=["6.5"], events=[*TDE_EVENTS, *LIFECYCLE], needs=[INSTANCES],
       evaluates="DescribeDBInstanceTDE TDEStatus (the instance-level status the audit reads) for MySQL, PostgreSQL "
                 "and SQL Server instances (MariaDB has no TDE and gives no result): PASS when Enabled, FAIL "
                 "otherwise; for SQL Server, which encrypts per database, the message counts the listed databases "
                 "(Databases.Database[].TDEStatus) that are encrypted and names the others, without changing the "
                 "verdict; MANUAL instead of FAIL for an instance RDS offers no TDE for (the audit's 'applicable': "
                 "Basic Edition MySQL, SQL Server read-only instances, SQL Server Web, Express or Standard before "
                 "2019, PostgreSQL before 10, by ModifyDBInstanceTDE's prerequisites and the TDE guides); ERROR when "
                 "TDE could not be read or TDEStatus was not answered.",
       cis_audit="Data Security > TDE tab: check the button TDE Status is Enabled.")
def tde_enabled(inp: Inputs) -> Iterator[Result]:
    for inst in _instances(inp, TDE_ENGINES):
        yield _tde_not_on(inst, "TDE is disabled", "; protect the data at rest otherwise (encrypted cloud disks, or "
                                                   "an edition with TDE)") or _tde_on(inst)


# SQL Server encrypts per database once the instance's TDE is on: "TDE can be enabled or disabled for a database
# based on your business requirements" (RDS SQL Server TDE guide,
# https://www.alibabacloud.com/help/en/apsaradb-for-rds/latest/configure-tde-for-an-apsaradb-rds-for-sql-server-instance;
# ModifyDBInstanceTDE DBName). SQL Server cannot encrypt its system databases master, model and msdb (tempdb is
# encrypted with the first user database: Microsoft "Transparent data encryption (TDE)"), so they are not judged.
_SYSTEM_DATABASES = {"master", "model", "msdb", "tempdb"}


@check(id="rds_instance_sqlserver_databases_encrypted", severity="high",
       title="RDS SQL Server instances with TDE encrypt every user database",
       risk="On SQL Server, turning TDE on for the instance encrypts nothing by itself: each database must be added; "
            "a database left out is stored, backed up and logged in clear although the instance shows TDE enabled.",
       console="RDS console > the instance > Data Security > TDE > Configure TDE: add every user database.",
       cli="aliyun rds ModifyDBInstanceTDE --DBInstanceId <id> --TDEStatus Enabled --DBName <db1>,<db2>",
       events=[*TDE_EVENTS, "CreateDatabase", *LIFECYCLE], needs=[INSTANCES],
       evaluates="SQL Server instances only: DescribeDBInstanceTDE Databases.Database[] (DBName, TDEStatus) of an "
                 "instance whose TDEStatus is Enabled: PASS when every listed user database is Enabled (the system "
                 "databases master, model, msdb and tempdb, which SQL Server cannot encrypt, are not judged), FAIL "
                 "naming those that are not; MANUAL when no user database is listed; with TDE off, FAIL (MANUAL "
                 "where RDS offers no TDE, as rds_instance_tde_enabled says); ERROR when TDE could not be read or "
                 "TDEStatus was not answered. A stricter view of CIS 6.5, whose audit reads the instance's status "
                 "only.",
       source="RDS SQL Server TDE guide (per-database encryption); CIS Alibaba Cloud v2.0.0 6.5")
def sqlserver_databases_encrypted(inp: Inputs) -> Iterator[Result]:
    for inst in _instances(inp, {"sqlserver"}):
        if not_on := _tde_not_on(inst, "TDE is disabled: no database is encrypted"):
            yield not_on
        elif not (user := [d for d in inst.tde_databases if d.name.lower() not in _SYSTEM_DATABASES]):
            yield _result(inst, MANUAL, "TDE is enabled, but DescribeDBInstanceTDE lists no user database: check in "
                                        "the console (Data Security > TDE > Configure TDE) which databases are "
                                        "encrypted")
        elif off := [d.name or "?" for d in user if d.tde_status != "Enabled"]:
            yield _result(inst, FAIL, f"{len(off)} of {len(user)} user database(s) not encrypted: {', '.join(off)}",
                          databases_encrypted=f"{len(user) - len(off)}/{len(user)}")
        else:
            yield _result(inst, PASS, f"all {len(user)} user database(s) encrypted",
                          databases_encrypted=f"{len(user)}/{len(user)}")


@check(id="rds_instance_tde_byok", severity="medium",
       title="Ensure RDS instance TDE protector is encrypted with BYOK (Use your own key)",
       risk="With the key RDS generates, the customer cannot rotate, disable or audit the use of the key that "
            "protects the data; a customer-managed KMS key keeps that control.",
       console="Create a symmetric key in KMS, then RDS console > the instance > Data Security > TDE: enable "
               "with a custom key (authorise the AliyunRDSInstanceEncryptionDefaultRole role).",
       cli="aliyun rds ModifyDBInstanceTDE --DBInstanceId <id> --TDEStatus Enabled --EncryptionKey <kms key id> "
           "--RoleArn acs:ram::<account>:role/aliyunrdsinstanceencryptiondefaultrole",
       cis=["6.6"], events=[*TDE_EVENTS, *KEY_EVENTS, *LIFECYCLE], needs=[INSTANCES, KEYS],
       evaluates="TDE engines only: ERROR when TDE could not be read or TDEStatus was not answered; FAIL when TDE is "
                 "off (MANUAL where RDS offers no TDE, as rds_instance_tde_enabled says) or TDEMode is "
                 "Aliyun_Generate_Key; otherwise the key "
                 "(DescribeDBInstanceEncryptionKey) is looked up in the region's KMS keys: FAIL when KMS (or RDS, as "
                 "fallback) shows a service key, PASS for an Enabled customer-managed key (numeric creator, "
                 "generated or imported), FAIL for one that is not Enabled (the audit asks that the key status is "
                 "Valid), MANUAL when no key is named or it cannot be described.",
       cis_audit="Data Security > TDE tab: check the button TDE Status is Enabled and a custom key ID is shown for "
                 "the Key field and the status is Valid.")
def tde_byok(inp: Inputs) -> Iterator[Result]:
    keys: dict[str, KmsKey] = {k.id: k for k in inp[KEYS]}
    for inst in _instances(inp, TDE_ENGINES):
        if not_on := _tde_not_on(inst, "TDE is disabled, so no key of the customer's protects the data"):
            yield not_on
        elif inst.tde_mode == "Aliyun_Generate_Key":
            yield _result(inst, FAIL, "TDE uses the key RDS generated (Aliyun_Generate_Key), not a customer key",
                          key_id=inst.tde_key_id)
        else:
            yield _byok_verdict(inst, keys.get(inst.tde_key_id))


def _byok_verdict(inst: RdsInstance, key: KmsKey | None) -> Result:
    """TDE is on with a key that is not RDS's own by TDEMode: KMS tells whose key it is (its creator);
    RDS's own description of the key is the fallback for keys KMS does not list to the account."""
    key_id = inst.tde_key_id
    if key is not None and key.error is None:
        details = {"key_id": key_id, "key_origin": key.origin, "key_state": key.state}
        if not key.customer_managed:
            return _result(inst, FAIL, f"TDE key {key_id} is a service key (created by {key.creator})", **details)
        origin = "imported key material" if key.origin == "EXTERNAL" else "KMS-generated key material"
        if key.state != "Enabled":  # the CIS audit also wants the key's status valid: a disabled key protects nothing
            return _result(inst, FAIL, f"TDE uses customer-managed KMS key {key_id} ({origin}), but the key is "
                           f"{key.state or 'in an unknown state'}: the instance cannot use it", **details)
        return _result(inst, PASS, f"TDE uses customer-managed KMS key {key_id} ({origin})", **details)
    rds_key = inst.tde_key
    if rds_key is not None and (rds_key.key_type == "ServiceKey" or
                                (rds_key.creator and not rds_key.creator.isdigit())):
        return _result(inst, FAIL, f"TDE key {key_id} is a service key (created by {rds_key.creator or 'RDS'})",
                       key_id=key_id)
    if not key_id:
        return _result(inst, MANUAL, f"TDE is enabled (mode {inst.tde_mode or 'not reported'}) but RDS names no "
                       "key: check the key in the console (Data Security > TDE)")
    why = f"KMS could not describe it ({key.error})" if key is not None else \
        "it is not among the account's KMS keys in this region"
    if "tde_key" in inst.errors:
        why += f", and RDS could not describe it ({inst.errors['tde_key']})"
    return _result(inst, MANUAL, f"TDE key {key_id} (mode {inst.tde_mode or 'not reported'}): {why}; confirm in "
                   "the KMS console that it is a key the account created", key_id=key_id)


# --- 6.7 - 6.9 PostgreSQL logging parameters --------------------------------------------------------

def _pg_parameter_check(id: str, cis: str, name: str, title: str, risk: str) -> None:  # noqa: A002
    @check(id=id, title=title, severity="medium", cis=[cis], risk=risk,
           console=f"RDS console > the PostgreSQL instance > Parameters: set {name} to on and apply.",
           cli=f"aliyun rds ModifyParameter --DBInstanceId <id> --Parameters '{{\"{name}\":\"on\"}}'",
           events=[*PARAMETER_EVENTS, *LIFECYCLE], needs=[INSTANCES],
           evaluates=f"DescribeParameters running value of {name}, PostgreSQL instances only (other engines give no "
                     "result): PASS when on (on, true, yes or 1 in any letter case), FAIL when any other value or "
                     "not returned (PostgreSQL's default is off); ERROR when the parameters could not be read.",
           cis_audit=f"In the left-side navigation pane, select Parameters and ensure the {name} is set as On "
                     "in the Actual Value column.")
    def run(inp: Inputs) -> Iterator[Result]:
        for inst in _instances(inp, {"postgresql"}):
            if err := _error(inst, ["parameters"]):
                yield err
                continue
            value = inst.parameters.get(name)
            if value is None:
                yield _result(inst, FAIL, f"{name} is not set (PostgreSQL's default is off)")
            else:
                on = value.lower() in ON_VALUES
                yield _result(inst, PASS if on else FAIL, f"{name}={value}")


_pg_parameter_check("rds_instance_postgresql_log_connections_enabled", "6.7", "log_connections",
                    "Ensure parameter 'log_connections' is set to 'ON' for PostgreSQL Database",
                    "Without connection logs, brute-force attempts and unexpected clients go unnoticed.")
_pg_parameter_check("rds_instance_postgresql_log_disconnections_enabled", "6.8", "log_disconnections",
                    "Ensure server parameter 'log_disconnections' is set to 'ON' for PostgreSQL Database Server",
                    "Without disconnection logs, session durations cannot be reconstructed in an investigation.")
_pg_parameter_check("rds_instance_postgresql_log_duration_enabled", "6.9", "log_duration",
                    "Ensure server parameter 'log_duration is set to 'ON' for PostgreSQL Database Server",
                    "Without statement durations, slow or abusive queries cannot be found after the fact.")


# --- issue 20: backup retention ---------------------------------------------------------------------------------

@check(id="rds_instance_backup_retention_sufficient", severity="medium",
       title="RDS instances keep data backups long enough, and log backups are on",
       risk="Short backup retention leaves nothing to restore from once corruption, a bad migration or ransomware "
            "is noticed days later; without log backups the database cannot be restored to a point in time.",
       console="RDS console > the instance > Backup and Restoration > Backup Settings > Edit: set the data backup "
               "retention to at least rds_backup_retention_days and enable log backup.",
       cli="aliyun rds ModifyBackupPolicy --DBInstanceId <id> --BackupRetentionPeriod 30 --EnableBackupLog True "
           "--PreferredBackupPeriod Monday,Wednesday,Friday --PreferredBackupTime 19:00Z-20:00Z",
       events=["ModifyBackupPolicy", *LIFECYCLE], needs=[INSTANCES],
       evaluates="DescribeBackupPolicy of each instance (read-only instances, which keep no backups, give no "
                 "result): FAIL when BackupRetentionPeriod is below rds_backup_retention_days (7) or missing, or, for "
                 "MySQL, MariaDB and PostgreSQL, when EnableBackupLog is 0 (log backup off); PASS otherwise. For SQL "
                 "Server EnableBackupLog 0 means a 30-minute log frequency, not no log backups, so only the "
                 "retention is judged. ERROR when the policy could not be read.",
       source="Cloud Config rds-instance-enabled-log-backup | https://api.alibabacloud.com/api/Rds/2014-08-15/"
              "DescribeBackupPolicy")
def backup_retention_sufficient(inp: Inputs) -> Iterator[Result]:
    limit = inp.config.rds_backup_retention_days
    for inst in _instances(inp):
        if inst.instance_type in NO_BACKUP_TYPES:
            continue
        err = _error(inst, ["backup"])
        if err:
            yield err
            continue
        problems = []
        days = inst.backup_retention_days
        if days is None or days < limit:
            problems.append(f"data backups are kept {days if days is not None else 'an unreported number of'} "
                            f"days (required at least {limit})")
        if inst.engine_key != "sqlserver" and inst.log_backup != "1":
            problems.append("log backup is off")
        log = f", log backups {inst.log_backup_retention_days} days" \
            if inst.log_backup == "1" and inst.log_backup_retention_days is not None else ""
        if problems:
            yield _result(inst, FAIL, "; ".join(problems))
        else:
            yield _result(inst, PASS, f"data backups are kept {days} days{log}")
