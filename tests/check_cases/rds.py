"""RDS cases. Values from tests/fixtures/wire/rds: DBInstanceId rm-uf6wjk5xxxxxxxxxx (MySQL, Running); the whitelist
group rds_default (hidden, 192.168.1.0/24); NetInfo IPType Inner | Public | Private; SSL ForceEncryption "1" | "0";
TDEMode Aliyun_Generate_Key | Customer_Provided_Key with EncryptionKey 749c1df7-****; SQLCollectorStatus Enable |
Disabled; retention ConfigValue 30 | 180 | 365 | ...; DescribeDBInstanceEncryptionKey KeyType CMK | ServiceKey."""

from __future__ import annotations

from aliaudit.collectors.kms import KmsKey
from aliaudit.collectors.rds import EncryptionKey, Endpoint, RdsInstance, TdeDatabase, WhitelistGroup
from aliaudit.config import AuditConfig
from tests.check_cases import Case

RID = "rm-uf6wjk5xxxxxxxxxx"
TDE_KEY = "749c1df7-****-****-****-****"
CMK = "5306d1b6-7fd3-42d9-9511-xxxxxxx"
INNER = Endpoint(address="rm-uf6w*****.mysql.rds.aliyuncs.com", ip_type="Private", port="3306")
PUBLIC = Endpoint(address="rm-uf6w*****o.mysql.rds.aliyuncs.com", ip_type="Public", port="3306")


def inst(rid: str = RID, engine: str = "MySQL", **kw: object) -> RdsInstance:
    base: dict[str, object] = {
        "id": rid, "name": "Test database", "region": "cn-shanghai", "engine": engine, "engine_version": "8.0",
        "status": "Running", "instance_type": "Primary",
        "whitelist": [WhitelistGroup(name="rds_default", ips=["192.168.1.0/24"], attribute="hidden")],
        "endpoints": [INNER], "ssl_enabled": True, "force_encryption": "1", "tde_status": "Enabled",
        "tde_mode": "Customer_Provided_Key", "tde_key_id": CMK, "audit_status": "Enable", "audit_retention_days": 365,
        "parameters": {"require_secure_transport": "ON"}}
    base.update(kw)
    return RdsInstance(**base)  # type: ignore[arg-type]


def pg(rid: str, **params: str) -> RdsInstance:
    return inst(rid, "PostgreSQL", engine_version="14.0", parameters=params)


def kms_key(kid: str = CMK, creator: str = "1443000009604", state: str = "Enabled", **kw: object) -> KmsKey:
    return KmsKey(id=kid, region="cn-shanghai", state=state, spec="Aliyun_AES_256", origin="Aliyun_KMS",
                  creator=creator, **kw)  # type: ignore[arg-type]


def rows(*instances: RdsInstance) -> dict[str, list[RdsInstance]]:
    return {"rds.instances": list(instances)}


OPEN = [WhitelistGroup(name="default", ips=["0.0.0.0/0"])]
PG_LOGS = ["rds_instance_postgresql_log_connections_enabled", "rds_instance_postgresql_log_disconnections_enabled",
           "rds_instance_postgresql_log_duration_enabled"]

CASES: list[Case] = [
    Case("rds_instance_ssl_required", "SSL on (ForceEncryption 1) vs off",
         rows(inst(), inst("rm-nossl", ssl_enabled=False, force_encryption="0")), {RID: "PASS", "rm-nossl": "FAIL"}),
    Case("rds_instance_ssl_required", "SSL on but not forced passes CIS 6.1",
         rows(inst(force_encryption="0")), {RID: "PASS"}),
    Case("rds_instance_ssl_required", "DescribeDBInstanceSSL failed",
         rows(inst(errors={"ssl": "Forbidden"})), {RID: "ERROR"}),
    # DescribeDBInstanceSSL: "Supported database engines: RDS MySQL, RDS PostgreSQL, RDS SQL Server"
    *[Case(cid, "MariaDB: SSL is not read (the API documents three engines), MANUAL",
           rows(inst("rm-maria", "MariaDB", ssl_enabled=False, force_encryption="")), {"rm-maria": "MANUAL"})
      for cid in ("rds_instance_ssl_required", "rds_instance_ssl_forced")],
    Case("rds_instance_ssl_forced", "ForceEncryption 1 passes; SSL off fails",
         rows(inst(), inst("rm-nossl", ssl_enabled=False, force_encryption="0")), {RID: "PASS", "rm-nossl": "FAIL"}),
    Case("rds_instance_ssl_forced", "MySQL not forced: require_secure_transport ON passes, OFF fails, absent MANUAL",
         rows(inst(force_encryption="0"),
              inst("rm-off", force_encryption="0", parameters={"require_secure_transport": "OFF"}),
              inst("rm-56", force_encryption="0", engine_version="5.6", parameters={})),
         {RID: "PASS", "rm-off": "FAIL", "rm-56": "MANUAL"}),
    Case("rds_instance_ssl_forced", "SQL Server not forced fails; PostgreSQL not forced is MANUAL",
         rows(inst("rm-mss", "SQLServer", force_encryption="0", parameters={}),
              inst("pgm-pg", "PostgreSQL", force_encryption="0", parameters={})),
         {"rm-mss": "FAIL", "pgm-pg": "MANUAL"}),
    Case("rds_instance_whitelist_not_open", "documented rds_default 192.168.1.0/24 vs 0.0.0.0/0 and bare 0.0.0.0",
         rows(inst(), inst("rm-open", whitelist=OPEN, endpoints=[INNER, PUBLIC]),
              inst("rm-bare", whitelist=[WhitelistGroup(name="default", ips=["0.0.0.0"])])),
         {RID: "PASS", "rm-open": "FAIL", "rm-bare": "FAIL"}),
    Case("rds_instance_whitelist_not_open", "two halves covering IPv4 together; ::/0",
         rows(inst("rm-halves", whitelist=[WhitelistGroup(name="a", ips=["0.0.0.0/1", "128.0.0.0/1"])]),
              inst("rm-v6", whitelist=[WhitelistGroup(name="v6", ips=["::/0"], ip_type="IPv6")])),
         {"rm-halves": "FAIL", "rm-v6": "FAIL"}),
    # whitelist templates linked to the instance (DescribeInstanceLinkedWhitelistTemplate Data.Templates[], sample
    # template_123 with Ips "12.0.X.X,10.2.X.X": addresses of that form here) admit clients like the groups
    Case("rds_instance_whitelist_not_open", "a linked template admitting every address fails; a closed one passes",
         rows(inst(templates=[WhitelistGroup(name="template:template_123", ips=["12.0.1.2", "10.2.3.4"])]),
              inst("rm-tpl-open", templates=[WhitelistGroup(name="template:open_all", ips=["0.0.0.0/0"])]),
              inst("rm-tpl-half", whitelist=[WhitelistGroup(name="default", ips=["0.0.0.0/1"])],
                   templates=[WhitelistGroup(name="template:other_half", ips=["128.0.0.0/1"])])),
         {RID: "PASS", "rm-tpl-open": "FAIL", "rm-tpl-half": "FAIL"}),
    Case("rds_instance_whitelist_not_open", "templates unread: ERROR when the groups are closed, FAIL when a group is "
         "open; MariaDB (templates not documented) judged on its groups",
         rows(inst(errors={"templates": "NoPermission"}),
              inst("rm-open-unread", whitelist=OPEN, errors={"templates": "NoPermission"}),
              inst("rm-maria", "MariaDB")),
         {RID: "ERROR", "rm-open-unread": "FAIL", "rm-maria": "PASS"}),
    Case("rds_instance_no_public_endpoint", "Private only vs a Public connection string",
         rows(inst(), inst("rm-pub", endpoints=[INNER, PUBLIC])), {RID: "PASS", "rm-pub": "FAIL"}),
    Case("rds_instance_sql_audit_enabled", "SQLCollectorStatus Enable vs Disabled",
         rows(inst(), inst("rm-off", audit_status="Disabled")), {RID: "PASS", "rm-off": "FAIL"}),
    Case("rds_instance_sql_audit_retention", "365 days passes; 30 days fails; audit off fails",
         rows(inst(), inst("rm-30", audit_retention_days=30), inst("rm-off", audit_status="Disabled")),
         {RID: "PASS", "rm-30": "FAIL", "rm-off": "FAIL"}),
    Case("rds_instance_sql_audit_retention", "180 days is the default threshold", rows(inst(audit_retention_days=180)),
         {RID: "PASS"}),
    Case("rds_instance_sql_audit_retention", "the retention read failed: ERROR",
         rows(inst(errors={"audit_retention": "Throttling: slow down"})), {RID: "ERROR"}),
    Case("rds_instance_sql_audit_retention", "audit on and no retention answered: unknown (ERROR), not unset (FAIL)",
         rows(inst(audit_retention_days=None)), {RID: "ERROR"}),
    Case("rds_instance_sql_audit_enabled", "no SQLCollectorStatus in the answer is unknown, not Disabled",
         rows(inst(audit_status="")), {RID: "ERROR"}),
    Case("rds_instance_tde_enabled", "no TDEStatus in the answer is unknown, not Disabled",
         rows(inst(tde_status="")), {RID: "ERROR"}),
    Case("rds_instance_tde_enabled", "TDEStatus Enabled vs Disabled; MariaDB (no TDE) not reported",
         rows(inst(), inst("rm-off", tde_status="Disabled", tde_mode="", tde_key_id=""),
              inst("rm-maria", "MariaDB", tde_status="")),
         {RID: "PASS", "rm-off": "FAIL"}),
    # "applicable": ModifyDBInstanceTDE's prerequisites (MySQL on High-availability/Cluster Edition, SQL Server 2019 SE
    # or Enterprise, PostgreSQL 10 and later); the documented DescribeDBInstances sample is a Basic Edition MySQL
    Case("rds_instance_tde_enabled", "TDE off where RDS offers none is MANUAL: Basic Edition MySQL, SQL Server 2012 "
         "Web and 2016 Standard, PostgreSQL 9.4; SQL Server 2019 Standard and 2017 Enterprise off fail; Basic "
         "Edition with TDE on passes",
         rows(*(inst(rid, engine, engine_version=ver, category=cat, tde_status="Disabled", tde_mode="", tde_key_id="")
                for rid, engine, ver, cat in (
                    ("rm-basic", "MySQL", "8.0", "Basic"), ("rm-web", "SQLServer", "2012_web", "Basic"),
                    ("rm-std16", "SQLServer", "2016_std_ha", "HighAvailability"),
                    ("rm-pg9", "PostgreSQL", "9.4", "HighAvailability"),
                    ("rm-std19", "SQLServer", "2019_std_ha", "HighAvailability"),
                    ("rm-ent", "SQLServer", "2017_ent", "AlwaysOn"))),
              inst("rm-basic-on", category="Basic")),
         {"rm-basic": "MANUAL", "rm-web": "MANUAL", "rm-std16": "MANUAL", "rm-pg9": "MANUAL", "rm-std19": "FAIL",
          "rm-ent": "FAIL", "rm-basic-on": "PASS"}),
    Case("rds_instance_tde_byok", "TDE off where RDS offers none is MANUAL",
         {"rds.instances": [inst("rm-basic", category="Basic", tde_status="Disabled", tde_mode="", tde_key_id="")],
          "kms.keys": [kms_key()]},
         {"rm-basic": "MANUAL"}),
    Case("rds_instance_tde_byok", "customer CMK passes; documented Aliyun_Generate_Key fails; TDE off fails",
         {"rds.instances": [inst(), inst("rm-gen", tde_mode="Aliyun_Generate_Key", tde_key_id=TDE_KEY),
                            inst("rm-off", tde_status="Disabled", tde_mode="", tde_key_id="")],
          "kms.keys": [kms_key()]},
         {RID: "PASS", "rm-gen": "FAIL", "rm-off": "FAIL"}),
    Case("rds_instance_tde_byok", "a customer key that is not Enabled fails (the audit wants its status Valid)",
         {"rds.instances": [inst("rm-disabled", tde_key_id="k-off"), inst("rm-deleting", tde_key_id="k-del")],
          "kms.keys": [kms_key("k-off", state="Disabled"), kms_key("k-del", state="PendingDeletion")]},
         {"rm-disabled": "FAIL", "rm-deleting": "FAIL"}),
    Case("rds_instance_tde_byok", "KMS says service key; RDS says ServiceKey; key unknown to both is MANUAL",
         {"rds.instances": [inst("rm-svc", tde_key_id="k-svc"),
                            inst("rm-rdssvc", tde_key_id="k-rds",
                                 tde_key=EncryptionKey(key_id="k-rds", key_type="ServiceKey", creator="Rds")),
                            inst("rm-unknown", tde_key_id="k-unknown")],
          "kms.keys": [kms_key("k-svc", creator="Rds")]},
         {"rm-svc": "FAIL", "rm-rdssvc": "FAIL", "rm-unknown": "MANUAL"}),
    *[Case(cid, "on / off / unset; MySQL not reported",
           rows(pg("pgm-on", **{p: "on"}), pg("pgm-off", **{p: "off"}), pg("pgm-unset"), inst()),
           {"pgm-on": "PASS", "pgm-off": "FAIL", "pgm-unset": "FAIL"})
      for cid, p in zip(PG_LOGS, ["log_connections", "log_disconnections", "log_duration"], strict=True)],
    Case(PG_LOGS[0], "DescribeParameters failed", rows(inst("pgm-err", "PostgreSQL", errors={"parameters": "x"})),
         {"pgm-err": "ERROR"}),
]

# --- issue 20: DescribeBackupPolicy's documented values: BackupRetentionPeriod 7, EnableBackupLog "1",
# LogBackupRetentionPeriod 7 ----------------------------------------------------------------------------------
_B = "rds_instance_backup_retention_sufficient"
DOC_BACKUP: dict[str, object] = {"backup_retention_days": 7, "log_backup": "1", "log_backup_retention_days": 7}
CASES += [
    Case(_B, "documented 7 days with log backup passes; 3 days fails; log backup off fails; read-only skipped",
         rows(inst(**DOC_BACKUP), inst("rm-short", backup_retention_days=3, log_backup="1"),
              inst("rm-nolog", backup_retention_days=30, log_backup="0"),
              inst("rr-ro", instance_type="Readonly")),
         {RID: "PASS", "rm-short": "FAIL", "rm-nolog": "FAIL"}),
    Case(_B, "SQL Server: EnableBackupLog 0 is a log frequency, only retention judged; threshold from config",
         rows(inst("rm-mssql", "SQLServer", backup_retention_days=7, log_backup="0"),
              inst("rm-mssql-short", "SQLServer", backup_retention_days=7, log_backup="0")),
         {"rm-mssql": "FAIL", "rm-mssql-short": "FAIL"}, config=AuditConfig(rds_backup_retention_days=30)),
    Case(_B, "SQL Server with 7 days passes at the default threshold; policy unreadable is ERROR",
         rows(inst("rm-mssql", "SQLServer", backup_retention_days=7, log_backup="0"),
              inst("rm-err", errors={"backup": "Forbidden.RAM"})),
         {"rm-mssql": "PASS", "rm-err": "ERROR"}),
]

# --- review 23: SQL Explorer is documented for MySQL, PostgreSQL and SQL Server only (DescribeSQLCollectorPolicy);
# PostgreSQL and SQL Server keep its logs a fixed 30 days (DescribeSQLCollectorRetentionResponseBody.config_value);
# SQL Server read-only instances have no TDE (SQL Server TDE guide); DescribeDBInstanceTDE Databases.Database[]
# sample {"DBName": "test02", "TDEStatus": "Enabled"} -------------------------------------------------------------
_NO_COLLECTOR: dict[str, object] = {"audit_status": "", "audit_retention_days": None}
CASES += [
    Case("rds_instance_sql_audit_enabled", "MariaDB: SQL Explorer not documented, MANUAL (not FAIL or ERROR)",
         rows(inst("rm-maria", "MariaDB", **_NO_COLLECTOR), inst()), {"rm-maria": "MANUAL", RID: "PASS"}),
    Case("rds_instance_sql_audit_retention", "PostgreSQL and SQL Server retention fixed at 30 days: MANUAL with audit "
         "on, FAIL with audit off (as MySQL); MariaDB MANUAL; MySQL at 30 days still fails",
         rows(inst("pgm-pg", "PostgreSQL", audit_retention_days=None),
              inst("rm-mss", "SQLServer", audit_status="Disabled", audit_retention_days=None),
              inst("rm-maria", "MariaDB", **_NO_COLLECTOR), inst("rm-30", audit_retention_days=30)),
         {"pgm-pg": "MANUAL", "rm-mss": "FAIL", "rm-maria": "MANUAL", "rm-30": "FAIL"}),
    Case("rds_instance_sql_audit_retention", "a threshold of 30 days or less: the fixed 30 days pass",
         rows(inst("pgm-pg", "PostgreSQL", audit_retention_days=None)), {"pgm-pg": "PASS"},
         config=AuditConfig(audit_retention_days=30)),
    Case("rds_instance_tde_enabled", "SQL Server read-only TDE off is MANUAL; its primary off fails; instance on with "
         "the documented per-database sample passes (the verdict is the instance's)",
         rows(inst("rr-mss-ro", "SQLServer", engine_version="2019_std_ha", instance_type="Readonly",
                   tde_status="Disabled", tde_mode="", tde_key_id=""),
              inst("rm-mss", "SQLServer", engine_version="2019_std_ha", tde_status="Disabled", tde_mode="",
                   tde_key_id=""),
              inst("rm-mss-on", "SQLServer", engine_version="2019_std_ha",
                   tde_databases=[TdeDatabase(name="test02", tde_status="Enabled"),
                                  TdeDatabase(name="staging", tde_status="Disabled")])),
         {"rr-mss-ro": "MANUAL", "rm-mss": "FAIL", "rm-mss-on": "PASS"}),
    # the stricter view: SQL Server encrypts per database once the instance's TDE is on (the documented sample lists
    # test02 Enabled); the system databases cannot be encrypted and are not judged
    Case("rds_instance_sqlserver_databases_encrypted", "every user database encrypted passes (master ignored); one "
         "left out fails, naming it; TDE off fails; read-only TDE off is MANUAL; none listed is MANUAL; other "
         "engines give no result",
         rows(inst("rm-all", "SQLServer", engine_version="2019_std_ha",
                   tde_databases=[TdeDatabase(name="test02", tde_status="Enabled"),
                                  TdeDatabase(name="master", tde_status="Disabled")]),
              inst("rm-half", "SQLServer", engine_version="2019_std_ha",
                   tde_databases=[TdeDatabase(name="test02", tde_status="Enabled"),
                                  TdeDatabase(name="staging", tde_status="Disabled")]),
              inst("rm-off", "SQLServer", engine_version="2019_std_ha", tde_status="Disabled", tde_mode="",
                   tde_key_id=""),
              inst("rr-ro", "SQLServer", engine_version="2019_std_ha", instance_type="Readonly",
                   tde_status="Disabled", tde_mode="", tde_key_id=""),
              inst("rm-none", "SQLServer", engine_version="2019_std_ha"), inst()),
         {"rm-all": "PASS", "rm-half": "FAIL", "rm-off": "FAIL", "rr-ro": "MANUAL", "rm-none": "MANUAL"}),
    Case("rds_instance_tde_byok", "SQL Server read-only TDE off is MANUAL",
         {"rds.instances": [inst("rr-mss-ro", "SQLServer", engine_version="2019_ent", instance_type="Readonly",
                                 tde_status="Disabled", tde_mode="", tde_key_id="")], "kms.keys": [kms_key()]},
         {"rr-mss-ro": "MANUAL"}),
]
CASES += [
    Case("rds_instance_sql_audit_enabled", "CIS 6.3 exempts SQL Server 2012/2016/2017 (MANUAL, not applicable); "
         "SQL Server 2019 is judged",
         rows(inst(engine="SQLServer", engine_version="2016_std_ha", audit_status="Disabled"),
              inst("rm-2017", engine="SQLServer", engine_version="2017_ent", audit_status="Disabled"),
              inst("rm-2019", engine="SQLServer", engine_version="2019_std_ha", audit_status="Disabled"),
              inst("rm-2012on", engine="SQLServer", engine_version="2012_ent_ha")),
         {RID: "MANUAL", "rm-2017": "MANUAL", "rm-2019": "FAIL", "rm-2012on": "PASS"}),
    Case("rds_instance_sql_audit_retention", "the same exemption for 6.4 when SQL audit is off",
         rows(inst(engine="SQLServer", engine_version="2012", audit_status="Disabled")), {RID: "MANUAL"}),
]
