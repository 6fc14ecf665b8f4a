"""RDS checks (CIS 6.1-6.9 and the public-endpoint check) through the scan entry point on emulated
instances of every engine, plus the RDS emulator's paging and the writes that remediate."""

from __future__ import annotations

import json
from typing import Any

from alibabacloud_rds20140815 import models as rds_models
from alibabacloud_rds20140815.client import Client as RdsClient

from aliaudit.collectors.rds import RdsInstance
from aliaudit.config import AuditConfig
from tests.check_inputs import run_check, statuses
from tests.scanning import by_resource, scan
from tests.sdk import ACCOUNT, READER_AK, READER_SECRET, ROOT_AK, ROOT_SECRET, base_scenario, load, pop_config
from tests.sdk_types import Findings, check_json, response_body_spec

REGIONS = ["cn-hangzhou", "cn-shanghai", "eu-central-1"]  # eu-central-1: rds.<region> host
CIS_CHECKS = {"6.1": "rds_instance_ssl_required", "6.2": "rds_instance_whitelist_not_open",
              "6.3": "rds_instance_sql_audit_enabled", "6.4": "rds_instance_sql_audit_retention",
              "6.5": "rds_instance_tde_enabled", "6.6": "rds_instance_tde_byok",
              "6.7": "rds_instance_postgresql_log_connections_enabled",
              "6.8": "rds_instance_postgresql_log_disconnections_enabled",
              "6.9": "rds_instance_postgresql_log_duration_enabled"}


def instances() -> list[dict[str, Any]]:
    secure = {"ssl_enabled": True, "sql_collector": "Enable", "sql_retention_days": 365,
              "whitelist": [{"name": "default", "ips": ["10.0.0.0/8", "192.168.1.10"]},
                            {"name": "ali_dms_group", "ips": ["100.104.0.0/16"], "attribute": "hidden"}]}
    pg_logs = {"log_connections": "on", "log_disconnections": "on", "log_duration": "on"}
    return [
        # MySQL done right: SSL required, narrow whitelist, TDE with a customer key, audit kept a year
        {"id": "rm-mysql-good", "description": "orders", **secure, "parameters": {"require_secure_transport": "ON"},
         "tde_status": "Enabled", "tde_key_id": "key-cmk"},
        # MySQL done wrong: no SSL, open whitelist behind a public endpoint, no TDE, no audit
        {"id": "rm-mysql-bad", "engine_version": "5.7", "whitelist": [{"name": "default", "ips": ["0.0.0.0/0"]}],
         "backup_retention_days": 3,
         "endpoints": [{"connection_string": "rm-mysql-bad.mysql.rds.aliyuncs.com", "ip_type": "Public",
                        "ip_address": "47.1.2.3"},
                       {"connection_string": "rm-mysql-bad-in.mysql.rds.aliyuncs.com"}]},
        # SSL offered but not required; TDE with the key RDS generated; audit kept 30 days
        {"id": "rm-mysql-half", "ssl_enabled": True, "tde_status": "Enabled", "sql_collector": "Enable",
         "sql_retention_days": 30, "log_backup": False, "whitelist": [{"name": "default", "ips": ["0.0.0.0"]}]},
        # PostgreSQL with logging on, SSL on and forced (ForceEncryption 1), TDE with an imported-material
        # customer key
        {"id": "pg-good", "engine": "PostgreSQL", "engine_version": "14.0", **secure, "force_encryption": True,
         "parameters": pg_logs, "tde_status": "Enabled", "tde_key_id": "key-byok-ext"},
        # PostgreSQL with default logging, a whitelist that covers the internet in two halves, TDE with a
        # service key that KMS lists
        {"id": "pg-bad", "engine": "PostgreSQL", "engine_version": "13.0", "parameters": {"log_duration": "off"},
         "whitelist": [{"name": "default", "ips": ["0.0.0.0/1", "128.0.0.0/1"]}],
         "tde_status": "Enabled", "tde_key_id": "key-rds-service", "sql_collector": "Enable",
         "sql_retention_days": 180},
        # SQL Server: SSL without forced encryption, IPv6 whitelist open to all; TDE names a key nobody knows
        {"id": "rm-mssql", "engine": "SQLServer", "engine_version": "2019_std_ha", "ssl_enabled": True,
         "whitelist": [{"name": "default", "ips": ["10.1.0.0/16"]}, {"name": "v6", "ips": ["::/0"],
                                                                     "ip_type": "IPv6"}],
         "tde_status": "Enabled", "tde_mode": "Customer_Provided_Key", "tde_key_id": "key-gone",
         "tde_databases": {"orders": "Enabled", "staging": "Disabled"},  # SQL Server encrypts per database
         "log_backup": False},  # SQL Server: EnableBackupLog 0 is a 30-minute log frequency
        {"id": "rm-mssql-forced", "engine": "SQLServer", "engine_version": "2019_std_ha", "ssl_enabled": True,
         "force_encryption": True, "whitelist": [{"name": "default", "ips": ["10.1.0.0/16"]}]},
        # MariaDB: no TDE and no PostgreSQL items apply
        {"id": "rm-maria", "engine": "MariaDB", "engine_version": "10.6", **secure,
         "parameters": {"require_secure_transport": "ON"}},
        # other regions, one behind the central host (RegionId) and one behind its own: findings carry them
        # (Basic Edition: no TDE; DescribeDBInstances answers Category only when asked InstanceLevel 1)
        {"id": "rm-shanghai", "region": "cn-shanghai", "category": "Basic",
         "whitelist": [{"name": "default", "ips": ["0.0.0.0/0"]}]},
        {"id": "rm-frankfurt", "region": "eu-central-1", **secure, "parameters": {"require_secure_transport": "ON"}},
    ]


def account(**extra: Any) -> dict[str, Any]:
    keys = [{"id": "key-cmk", "aliases": ["alias/orders"]},
            {"id": "key-byok-ext", "origin": "EXTERNAL"},
            {"id": "key-rds-service", "creator": "Rds", "aliases": ["acs/rds"]}]
    return base_scenario(regions=REGIONS, rds={"instances": instances()}, kms={"keys": keys}, **extra)


def test_rds_checks_pass_and_fail(cloud):
    load(cloud, account())
    findings = scan(cloud, families=["rds"], regions=REGIONS)
    assert {f.check_id for f in findings} == {*CIS_CHECKS.values(), "rds_instance_no_public_endpoint",
                                              "rds_instance_ssl_forced", "rds_instance_backup_retention_sufficient",
                                              "rds_instance_sqlserver_databases_encrypted"}
    for cis, check_id in CIS_CHECKS.items():
        assert {tuple(f.cis) for f in findings if f.check_id == check_id} == {(cis,)}
    # CIS 6.1 as its audit reads: SSL encryption enabled; refusing plain connections is the stricter check
    assert by_resource(findings, "rds_instance_ssl_required") == {
        "rm-mysql-good": "PASS", "rm-mysql-bad": "FAIL", "rm-mysql-half": "PASS", "pg-good": "PASS",
        "pg-bad": "FAIL", "rm-mssql": "PASS", "rm-mssql-forced": "PASS", "rm-maria": "MANUAL", "rm-shanghai": "FAIL",
        "rm-frankfurt": "PASS"}  # (MariaDB: DescribeDBInstanceSSL documents three other engines)
    assert by_resource(findings, "rds_instance_ssl_forced") == {
        "rm-mysql-good": "PASS", "rm-mysql-bad": "FAIL", "rm-mysql-half": "FAIL", "pg-good": "PASS",
        "pg-bad": "FAIL", "rm-mssql": "FAIL", "rm-mssql-forced": "PASS", "rm-maria": "MANUAL", "rm-shanghai": "FAIL",
        "rm-frankfurt": "PASS"}
    assert by_resource(findings, "rds_instance_whitelist_not_open") == {
        "rm-mysql-good": "PASS", "rm-mysql-bad": "FAIL", "rm-mysql-half": "FAIL", "pg-good": "PASS",
        "pg-bad": "FAIL", "rm-mssql": "FAIL", "rm-mssql-forced": "PASS", "rm-maria": "PASS", "rm-shanghai": "FAIL",
        "rm-frankfurt": "PASS"}
    assert by_resource(findings, "rds_instance_no_public_endpoint") == {
        **{i["id"]: "PASS" for i in instances()}, "rm-mysql-bad": "FAIL"}
    # SQL Explorer is documented for MySQL, PostgreSQL and SQL Server only: MariaDB is MANUAL; PostgreSQL and SQL
    # Server keep its logs a fixed 30 days, so their retention (CIS 6.4) is MANUAL
    assert by_resource(findings, "rds_instance_sql_audit_enabled") == {
        "rm-mysql-good": "PASS", "rm-mysql-bad": "FAIL", "rm-mysql-half": "PASS", "pg-good": "PASS",
        "pg-bad": "PASS", "rm-mssql": "FAIL", "rm-mssql-forced": "FAIL", "rm-maria": "MANUAL", "rm-shanghai": "FAIL",
        "rm-frankfurt": "PASS"}
    assert by_resource(findings, "rds_instance_sql_audit_retention") == {
        "rm-mysql-good": "PASS", "rm-mysql-bad": "FAIL", "rm-mysql-half": "FAIL", "pg-good": "MANUAL",
        "pg-bad": "MANUAL", "rm-mssql": "FAIL", "rm-mssql-forced": "FAIL", "rm-maria": "MANUAL",  # (mssql: audit off)
        "rm-shanghai": "FAIL", "rm-frankfurt": "PASS"}
    # TDE items: MariaDB has no TDE, so no finding rather than a PASS
    assert by_resource(findings, "rds_instance_tde_enabled") == {
        "rm-mysql-good": "PASS", "rm-mysql-bad": "FAIL", "rm-mysql-half": "PASS", "pg-good": "PASS",
        "pg-bad": "PASS", "rm-mssql": "PASS", "rm-mssql-forced": "FAIL", "rm-shanghai": "MANUAL",
        "rm-frankfurt": "FAIL"}
    assert by_resource(findings, "rds_instance_tde_byok") == {
        "rm-mysql-good": "PASS", "rm-mysql-bad": "FAIL", "rm-mysql-half": "FAIL", "pg-good": "PASS",
        "pg-bad": "FAIL", "rm-mssql": "MANUAL", "rm-mssql-forced": "FAIL", "rm-shanghai": "MANUAL",
        "rm-frankfurt": "FAIL"}
    # PostgreSQL-only items
    for check_id in list(CIS_CHECKS.values())[6:]:
        assert by_resource(findings, check_id) == {"pg-good": "PASS", "pg-bad": "FAIL"}

    def one(check_id: str, resource: str):
        return next(f for f in findings if f.check_id == check_id and f.resource_id == resource)

    assert one("rds_instance_whitelist_not_open", "rm-shanghai").region == "cn-shanghai"
    assert one("rds_instance_whitelist_not_open", "rm-frankfurt").region == "eu-central-1"
    assert {f.region for f in findings if f.resource_id not in ("rm-shanghai", "rm-frankfurt")} == {"cn-hangzhou"}
    bad = one("rds_instance_whitelist_not_open", "rm-mysql-bad")
    assert "0.0.0.0/0" in bad.message and "47.1.2.3" not in bad.message and "rm-mysql-bad.mysql" in bad.message
    assert bad.severity.value == "critical" and bad.account_id == ACCOUNT
    assert "no public endpoint" in one("rds_instance_whitelist_not_open", "pg-bad").message
    assert "::/0" in one("rds_instance_whitelist_not_open", "rm-mssql").message
    assert "require_secure_transport=OFF" in one("rds_instance_ssl_forced", "rm-mysql-half").message
    assert "ForceEncryption=1" in one("rds_instance_ssl_forced", "pg-good").message
    assert one("rds_instance_ssl_forced", "pg-good").cis == [] and one("rds_instance_ssl_required", "pg-good").cis == [
        "6.1"]
    assert "Aliyun_Generate_Key" in one("rds_instance_tde_byok", "rm-mysql-half").message
    assert "service key" in one("rds_instance_tde_byok", "pg-bad").message
    assert "imported" in one("rds_instance_tde_byok", "pg-good").message
    assert "key-gone" in one("rds_instance_tde_byok", "rm-mssql").message
    assert one("rds_instance_tde_byok", "rm-mysql-good").details["key_id"] == "key-cmk"
    assert "log_duration=off" in one("rds_instance_postgresql_log_duration_enabled", "pg-bad").message
    assert one("rds_instance_sql_audit_retention", "rm-mysql-half").message.startswith("SQL audit logs are kept 30")
    assert "fixed 30 days" in one("rds_instance_sql_audit_retention", "pg-good").message
    assert "not for MariaDB" in one("rds_instance_sql_audit_enabled", "rm-maria").message
    # CIS 6.5 reads the instance's TDE status; for SQL Server the message counts the encrypted databases
    mssql_tde = one("rds_instance_tde_enabled", "rm-mssql")
    assert "1 of 2 listed database(s) encrypted; not encrypted: staging" in mssql_tde.message
    assert mssql_tde.details["databases_encrypted"] == "1/2"


def test_audit_retention_threshold_from_config(cloud):
    data = account()
    data["accounts"][0]["rds"]["instances"].append({"id": "rm-mysql-180", "sql_collector": "Enable",
                                                     "sql_retention_days": 180})
    load(cloud, data)
    findings = scan(cloud, checks=["rds_instance_sql_audit_retention"],
                    config=AuditConfig.model_validate({"audit_retention_days": 365}))
    got = by_resource(findings, "rds_instance_sql_audit_retention")
    assert got["rm-mysql-180"] == "FAIL" and got["rm-mysql-good"] == "PASS" and got["pg-bad"] == "MANUAL"
    assert "365 days or more elsewhere" in next(f.message for f in findings if f.resource_id == "pg-bad")


def _deny(data: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    """Give the read-only user (group readers) an explicit Deny on some actions."""
    ram = data["accounts"][0]["ram"]
    ram.setdefault("policies", []).append({"name": "DenySome", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": actions, "Resource": "*"}]}})
    ram["groups"][0]["policies"].append({"name": "DenySome", "type": "Custom"})
    return data


def test_denied_detail_api_errors_only_the_checks_reading_it(cloud):
    load(cloud, _deny(account(), ["rds:DescribeDBInstanceTDE", "rds:DescribeParameters"]))
    findings = scan(cloud, families=["rds"], ak=READER_AK, secret=READER_SECRET)
    tde = by_resource(findings, "rds_instance_tde_enabled")
    assert set(tde.values()) == {"ERROR"} and "rm-mysql-good" in tde and "rm-maria" not in tde
    msg = next(f.message for f in findings if f.check_id == "rds_instance_tde_enabled")
    assert "DescribeDBInstanceTDE" in msg and "NoPermission" in msg
    assert set(by_resource(findings, "rds_instance_tde_byok").values()) == {"ERROR"}
    assert set(by_resource(findings, "rds_instance_postgresql_log_connections_enabled").values()) == {"ERROR"}
    # MySQL needs its parameters to tell whether SSL is forced; SQL Server, disabled SSL and CIS 6.1 do not
    ssl = by_resource(findings, "rds_instance_ssl_forced")
    assert ssl["rm-mysql-good"] == "ERROR" and ssl["rm-mysql-bad"] == "FAIL" and ssl["rm-mssql-forced"] == "PASS"
    assert by_resource(findings, "rds_instance_ssl_required")["rm-mysql-good"] == "PASS"
    # the other aspects were read
    assert by_resource(findings, "rds_instance_whitelist_not_open")["rm-mysql-bad"] == "FAIL"
    assert by_resource(findings, "rds_instance_sql_audit_enabled")["rm-mysql-good"] == "PASS"


def test_denied_list_api_errors_every_check(cloud):
    load(cloud, _deny(account(), ["rds:DescribeDBInstances", "kms:ListKeys"]))
    findings = scan(cloud, families=["rds"], ak=READER_AK, secret=READER_SECRET, regions=REGIONS)
    assert len(findings) == 13 * len(REGIONS)  # one per check and region, no silent gap
    assert all(f.status.value == "ERROR" and f.resource_id == f.region for f in findings)
    assert all("NoPermission" in f.message for f in findings)


def test_every_list_api_is_paged_to_the_end(cloud, admin):
    data = account()
    data["accounts"][0]["rds"]["instances"] += [
        {"id": f"rm-bulk{i:04d}", "engine": "SQLServer"} for i in range(130)]
    load(cloud, data)
    findings = scan(cloud, checks=["rds_instance_whitelist_not_open", "rds_instance_tde_byok"])
    assert len(by_resource(findings, "rds_instance_whitelist_not_open")) == 8 + 130
    assert len(by_resource(findings, "rds_instance_tde_byok")) == 7 + 130
    calls = admin.calls()
    assert calls["rds:DescribeDBInstances"] == 2  # MaxResults 100: two pages
    assert calls["rds:DescribeDBInstanceIPArrayList"] == 8 + 130


def test_describe_db_instances_pages_both_ways(cloud):
    data = account()
    data["accounts"][0]["rds"]["instances"] += [{"id": f"rm-p{i:02d}"} for i in range(40)]
    load(cloud, data)
    rds = RdsClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url))
    seen, token = [], None
    while True:
        body = rds.describe_dbinstances(rds_models.DescribeDBInstancesRequest(
            region_id="cn-hangzhou", max_results=30, next_token=token)).body
        seen += [i.dbinstance_id for i in body.items.dbinstance]
        token = body.next_token
        if not token:
            break
    assert len(seen) == len(set(seen)) == 48
    page2 = rds.describe_dbinstances(rds_models.DescribeDBInstancesRequest(
        region_id="cn-hangzhou", page_number=2, page_size=30)).body
    assert page2.total_record_count == 48 and page2.page_record_count == 18 and page2.page_number == 2
    assert [i.dbinstance_id for i in page2.items.dbinstance] == seen[30:]


def test_remediation_flips_the_checks_and_is_audited(cloud, admin):
    load(cloud, account())
    rds = RdsClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url))
    rid = "rm-mysql-bad"
    rds.modify_security_ips(rds_models.ModifySecurityIpsRequest(dbinstance_id=rid, security_ips="10.0.0.0/8"))
    rds.modify_dbinstance_ssl(rds_models.ModifyDBInstanceSSLRequest(
        dbinstance_id=rid, sslenabled=1, connection_string=f"{rid}.mysql.rds.aliyuncs.com"))
    rds.modify_parameter(rds_models.ModifyParameterRequest(
        dbinstance_id=rid, parameters='{"require_secure_transport": "ON"}'))
    rds.modify_dbinstance_tde(rds_models.ModifyDBInstanceTDERequest(
        dbinstance_id=rid, tdestatus="Enabled", encryption_key="key-cmk"))
    rds.modify_sqlcollector_policy(rds_models.ModifySQLCollectorPolicyRequest(
        dbinstance_id=rid, sqlcollector_status="Enable"))
    rds.modify_sqlcollector_retention(rds_models.ModifySQLCollectorRetentionRequest(
        dbinstance_id=rid, config_value="180"))
    rds.release_instance_public_connection(rds_models.ReleaseInstancePublicConnectionRequest(
        dbinstance_id=rid, current_connection_string=f"{rid}.mysql.rds.aliyuncs.com"))
    rds.modify_backup_policy(rds_models.ModifyBackupPolicyRequest(dbinstance_id=rid, backup_retention_period="7"))
    findings = [f for f in scan(cloud, families=["rds"]) if f.resource_id == rid]
    assert {f.check_id: f.status.value for f in findings} == {
        "rds_instance_ssl_required": "PASS", "rds_instance_ssl_forced": "PASS",
        "rds_instance_whitelist_not_open": "PASS", "rds_instance_no_public_endpoint": "PASS",
        "rds_instance_sql_audit_enabled": "PASS",
        "rds_instance_sql_audit_retention": "PASS", "rds_instance_tde_enabled": "PASS",
        "rds_instance_tde_byok": "PASS", "rds_instance_backup_retention_sufficient": "PASS"}
    events = [e for e in admin.events() if e["serviceName"] == "Rds"]
    assert [e["eventName"] for e in events] == [
        "ModifySecurityIps", "ModifyDBInstanceSSL", "ModifyParameter", "ModifyDBInstanceTDE",
        "ModifySQLCollectorPolicy", "ModifySQLCollectorRetention", "ReleaseInstancePublicConnection",
        "ModifyBackupPolicy"]
    assert all(e["referencedResources"] == {"ACS::RDS::DBInstance": [rid]} and e["acsRegion"] == "cn-hangzhou"
               for e in events)
    # every event that changed a result is one the check declares
    from aliaudit.checks.registry import all_checks

    declared = {e for c in all_checks().values() if c.meta.family == "rds" for e in c.meta.events}
    assert {e["eventName"] for e in events} <= declared


def test_forced_ssl_is_set_and_read_for_mysql_and_postgresql(cloud):
    """ModifyDBInstanceSSL ForceEncryption is the forced-SSL switch of MySQL, PostgreSQL and SQL Server
    (ModifyDBInstanceSSLRequest doc comment, rds20140815 16.0.2); DescribeDBInstanceSSL answers it."""
    load(cloud, account())
    rds = RdsClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url))
    for rid, host in (("pg-bad", "pgsql"), ("rm-mysql-half", "mysql")):
        rds.modify_dbinstance_ssl(rds_models.ModifyDBInstanceSSLRequest(
            dbinstance_id=rid, sslenabled=1, connection_string=f"{rid}.{host}.rds.aliyuncs.com", force_encryption="1"))
        body = rds.describe_dbinstance_ssl(rds_models.DescribeDBInstanceSSLRequest(dbinstance_id=rid)).body
        assert body.force_encryption == "1"
    findings = scan(cloud, checks=["rds_instance_ssl_required", "rds_instance_ssl_forced"])
    got = {(f.check_id, f.resource_id): f.status.value for f in findings
           if f.resource_id in ("pg-bad", "rm-mysql-half")}
    # rm-mysql-half keeps require_secure_transport OFF: the forced switch alone refuses plain connections
    assert got == {("rds_instance_ssl_required", "pg-bad"): "PASS", ("rds_instance_ssl_forced", "pg-bad"): "PASS",
                   ("rds_instance_ssl_required", "rm-mysql-half"): "PASS",
                   ("rds_instance_ssl_forced", "rm-mysql-half"): "PASS"}


# --- check logic on model objects (issue 15 item 8, CIS 6.1) ------------------------------------------------------

def _inst(engine: str, **kw: Any) -> RdsInstance:
    return RdsInstance(id=f"i-{engine.lower()}", region="cn-hangzhou", engine=engine, **kw)


def _ssl(*instances: RdsInstance) -> dict[str, tuple[str, str]]:
    data = {"rds.instances": list(instances)}
    cis = statuses(run_check("rds_instance_ssl_required", data, region="cn-hangzhou"))
    forced = statuses(run_check("rds_instance_ssl_forced", data, region="cn-hangzhou"))
    return {rid: (cis[rid], forced[rid]) for rid in cis}


def test_postgresql_forced_ssl_passes():
    pg = _inst("PostgreSQL", ssl_enabled=True, force_encryption="1")
    cis = run_check("rds_instance_ssl_required", {"rds.instances": [pg]}, region="cn-hangzhou")
    assert [r.status.value for r in cis] == ["PASS"]  # CIS 6.1; and forced SSL passes the stricter check:
    assert _ssl(_inst("PostgreSQL", ssl_enabled=True, force_encryption="1")) == {"i-postgresql": ("PASS", "PASS")}
    # without the switch, pg_hba.conf decides, which is not read
    assert _ssl(_inst("PostgreSQL", ssl_enabled=True, force_encryption="0")) == {"i-postgresql": ("PASS", "MANUAL")}


def test_mysql_forced_ssl_passes_without_require_secure_transport():
    mysql = _inst("MySQL", ssl_enabled=True, force_encryption="1", parameters={"require_secure_transport": "OFF"})
    assert _ssl(mysql) == {"i-mysql": ("PASS", "PASS")}


def test_ssl_enabled_without_forcing_passes_cis_6_1():
    mysql = _inst("MySQL", ssl_enabled=True, force_encryption="0", parameters={"require_secure_transport": "OFF"})
    cis = run_check("rds_instance_ssl_required", {"rds.instances": [mysql]}, region="cn-hangzhou")
    assert [r.status.value for r in cis] == ["PASS"]  # "Check the button SSL Encryption is Enabled"
    got = _ssl(_inst("MySQL", ssl_enabled=True, force_encryption="0", parameters={"require_secure_transport": "OFF"}),
               _inst("SQLServer", ssl_enabled=True, force_encryption="0"),
               _inst("MariaDB", ssl_enabled=True, parameters={"require_secure_transport": "ON"}),
               _inst("PostgreSQL", ssl_enabled=False, force_encryption="1"))
    assert got == {"i-mysql": ("PASS", "FAIL"), "i-sqlserver": ("PASS", "FAIL"), "i-mariadb": ("MANUAL", "MANUAL"),
                   "i-postgresql": ("FAIL", "FAIL")}


# --- issue 20: backup retention -------------------------------------------------------------------------------

def test_backup_retention_and_log_backup(cloud, admin):
    data = account()
    data["accounts"][0]["rds"]["instances"].append({"id": "rr-mysql-ro", "instance_type": "Readonly"})
    load(cloud, data)
    findings = scan(cloud, checks=["rds_instance_backup_retention_sufficient"], regions=REGIONS)
    got = by_resource(findings, "rds_instance_backup_retention_sufficient")
    assert got == {"rm-mysql-good": "PASS", "rm-mysql-bad": "FAIL", "rm-mysql-half": "FAIL", "pg-good": "PASS",
                   "pg-bad": "PASS", "rm-mssql": "PASS", "rm-mssql-forced": "PASS", "rm-maria": "PASS",
                   "rm-shanghai": "PASS", "rm-frankfurt": "PASS"}  # the read-only instance keeps no backups
    msgs = {f.resource_id: f.message for f in findings}
    assert msgs["rm-mysql-bad"] == "data backups are kept 3 days (required at least 7)"
    assert msgs["rm-mysql-half"] == "log backup is off"
    assert msgs["rm-mysql-good"] == "data backups are kept 7 days, log backups 7 days"
    assert admin.calls().get("rds:DescribeBackupPolicy") == 10
    # the threshold comes from the configuration; ModifyBackupPolicy remediates
    rds = RdsClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET))
    rds.modify_backup_policy(rds_models.ModifyBackupPolicyRequest(
        dbinstance_id="rm-mysql-half", backup_retention_period="30", enable_backup_log="True"))
    findings = scan(cloud, checks=["rds_instance_backup_retention_sufficient"],
                    config=AuditConfig(rds_backup_retention_days=30))
    got = by_resource(findings, "rds_instance_backup_retention_sufficient")
    assert got["rm-mysql-half"] == "PASS" and got["rm-mysql-good"] == "FAIL"
    assert "ModifyBackupPolicy" in {e["eventName"] for e in admin.events()}


def test_denied_backup_policy_gives_error_findings(cloud):
    load(cloud, _deny(account(), ["rds:DescribeBackupPolicy"]))
    findings = scan(cloud, families=["rds"], ak=READER_AK, secret=READER_SECRET)
    got = by_resource(findings, "rds_instance_backup_retention_sufficient")
    assert len(got) == 8 and set(got.values()) == {"ERROR"}
    msg = next(f.message for f in findings if f.check_id == "rds_instance_backup_retention_sufficient")
    assert "DescribeBackupPolicy" in msg and "NoPermission" in msg
    assert by_resource(findings, "rds_instance_whitelist_not_open")["rm-mysql-bad"] == "FAIL"  # others unaffected


# --- review 23: whitelist without groups, SQL Explorer engines, SQL Server TDE --------------------------------------

def test_an_answer_without_any_whitelist_group_is_unknown(cloud):
    # an instance always has its default group (ModifySecurityIps DBInstanceIPArrayName "Default value: Default"):
    # an answer with none says nothing about who is admitted
    data = account()
    data["accounts"][0]["rds"]["instances"].append({"id": "rm-bare", "whitelist": []})
    load(cloud, data)
    findings = scan(cloud, checks=["rds_instance_whitelist_not_open"])
    assert by_resource(findings, "rds_instance_whitelist_not_open")["rm-bare"] == "ERROR"
    assert "no whitelist group" in next(f.message for f in findings if f.resource_id == "rm-bare")


def _code(call) -> str:
    try:
        call()
    except Exception as err:  # the SDK raises the emulator's refusal
        return str(getattr(err, "code", ""))
    raise AssertionError("the call was accepted")


def test_sql_explorer_is_asked_only_where_documented(cloud, admin):
    load(cloud, account())
    findings = scan(cloud, checks=["rds_instance_sql_audit_enabled", "rds_instance_sql_audit_retention"],
                    regions=REGIONS)
    assert by_resource(findings, "rds_instance_sql_audit_enabled")["rm-maria"] == "MANUAL"
    calls = admin.calls()
    # the policy for every instance but MariaDB's; the retention for MySQL only (PostgreSQL and SQL Server: fixed)
    assert calls["rds:DescribeSQLCollectorPolicy"] == 9 and calls["rds:DescribeSQLCollectorRetention"] == 5
    rds = RdsClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url))
    # PostgreSQL keeps SQL Explorer logs a fixed 30 days, whatever the scenario says; only MySQL can change it
    body = rds.describe_sqlcollector_retention(rds_models.DescribeSQLCollectorRetentionRequest(
        dbinstance_id="pg-good")).body
    assert body.config_value == "30"
    assert _code(lambda: rds.modify_sqlcollector_retention(rds_models.ModifySQLCollectorRetentionRequest(
        dbinstance_id="pg-good", config_value="365"))) == "InvalidEngine.NotSupported"
    assert _code(lambda: rds.describe_sqlcollector_policy(rds_models.DescribeSQLCollectorPolicyRequest(
        dbinstance_id="rm-maria"))) == "InvalidEngine.NotSupported"


def test_sql_server_tde_per_database_and_read_only(cloud):
    data = account()
    data["accounts"][0]["rds"]["instances"].append(
        {"id": "rr-mssql-ro", "engine": "SQLServer", "engine_version": "2019_std_ha", "instance_type": "Readonly"})
    load(cloud, data)
    rds = RdsClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url))
    # ModifyDBInstanceTDE DBName encrypts the named SQL Server databases; DescribeDBInstanceTDE lists them
    rds.modify_dbinstance_tde(rds_models.ModifyDBInstanceTDERequest(
        dbinstance_id="rm-mssql-forced", tdestatus="Enabled", dbname="sales,hr"))
    body = rds.describe_dbinstance_tde(rds_models.DescribeDBInstanceTDERequest(dbinstance_id="rm-mssql-forced")).body
    assert body.tdestatus == "Enabled"
    assert {(d.dbname, d.tdestatus) for d in body.databases.database} == {("sales", "Enabled"), ("hr", "Enabled")}
    findings = scan(cloud, checks=["rds_instance_tde_enabled", "rds_instance_tde_byok"])
    got = {(f.check_id, f.resource_id): f for f in findings}
    forced = got[("rds_instance_tde_enabled", "rm-mssql-forced")]
    assert forced.status.value == "PASS" and "2 of 2 listed database(s) encrypted" in forced.message
    # "Read-only RDS instances do not support this feature" (SQL Server TDE guide): MANUAL, not FAIL
    for check_id in ("rds_instance_tde_enabled", "rds_instance_tde_byok"):
        ro = got[(check_id, "rr-mssql-ro")]
        assert ro.status.value == "MANUAL" and "read-only instances do not support TDE" in ro.message
    # the stricter per-database view: rm-mssql lists staging unencrypted (FAIL), rm-mssql-forced encrypts both
    per_db = by_resource(scan(cloud, checks=["rds_instance_sqlserver_databases_encrypted"]),
                         "rds_instance_sqlserver_databases_encrypted")
    assert (per_db["rm-mssql"], per_db["rm-mssql-forced"], per_db["rr-mssql-ro"]) == ("FAIL", "PASS", "MANUAL")
    assert "pg-good" not in per_db  # SQL Server only


# --- review 23 item 2: whitelist templates linked to an instance ---------------------------------------------------

# DescribeInstanceLinkedWhitelistTemplate (documented for MySQL, PostgreSQL and SQL Server): templates of the account,
# TemplateId an integer (documented example 412), linked to instances; "0.0.0.0/0 | Allows all IP addresses to access
# associated instances" (whitelist template guide)
TEMPLATES = [{"id": 412, "name": "open_all", "ips": ["0.0.0.0/0"]},
             {"id": 413, "name": "office", "ips": ["203.0.113.0/24", "198.51.100.7"]}]


def _with_templates() -> dict[str, Any]:
    data = account()
    rds = data["accounts"][0]["rds"]
    rds["whitelist_templates"] = TEMPLATES
    for inst in rds["instances"]:
        if inst["id"] == "rm-mysql-good":
            inst["whitelist_templates"] = [412]  # closed groups, a template open to the world
        elif inst["id"] == "pg-good":
            inst["whitelist_templates"] = [413]
    return data


def _declared_types(admin, key: str, models: str, api: str) -> None:
    """The recorded answers of `key` have the JSON types the SDK's response model declares, and no other field."""
    found = Findings()
    spec = response_body_spec(models, api)
    assert spec is not None
    answers = admin.responses()[key]
    for answer in answers:
        check_json(found, key, json.loads(answer["body"]), spec[1])
    assert answers and not found.mismatches and not found.undeclared, (found.mismatches, found.undeclared)


def test_a_linked_template_open_to_the_world_fails(cloud, admin):
    load(cloud, _with_templates())
    admin.record(limit=20)
    findings = scan(cloud, checks=["rds_instance_whitelist_not_open"], regions=REGIONS)
    _declared_types(admin, "rds:DescribeInstanceLinkedWhitelistTemplate", "alibabacloud_rds20140815.models",
                    "DescribeInstanceLinkedWhitelistTemplate")
    got = by_resource(findings, "rds_instance_whitelist_not_open")
    assert got["rm-mysql-good"] == "FAIL" and got["pg-good"] == "PASS" and got["rm-maria"] == "PASS"
    message = next(f.message for f in findings if f.resource_id == "rm-mysql-good")
    assert "template:open_all: 0.0.0.0/0" in message
    assert "1 linked whitelist template" in next(f.message for f in findings if f.resource_id == "pg-good")
    # the templates are asked for every instance of a documented engine, not for MariaDB's
    assert admin.calls()["rds:DescribeInstanceLinkedWhitelistTemplate"] == len(instances()) - 1
    rds = RdsClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url))
    body = rds.describe_instance_linked_whitelist_template(
        rds_models.DescribeInstanceLinkedWhitelistTemplateRequest(ins_name="pg-good", region_id="cn-hangzhou")).body
    assert body.success is True and body.data.ins_name == "pg-good"
    assert [(t.template_id, t.template_name, t.ips) for t in body.data.templates] == [
        (413, "office", "203.0.113.0/24,198.51.100.7")]
    # the instance's own whitelist answer is left as it was: whether the real one folds template entries in is not
    # documented
    groups = rds.describe_dbinstance_iparray_list(rds_models.DescribeDBInstanceIPArrayListRequest(
        dbinstance_id="rm-mysql-good")).body.items.dbinstance_iparray
    assert all("0.0.0.0/0" not in g.security_iplist for g in groups)
    assert _code(lambda: rds.describe_instance_linked_whitelist_template(
        rds_models.DescribeInstanceLinkedWhitelistTemplateRequest(ins_name="rm-maria"))) == "InvalidEngine.NotSupported"


def test_unread_templates_error_only_where_the_groups_pass(cloud):
    load(cloud, _deny(_with_templates(), ["rds:DescribeInstanceLinkedWhitelistTemplate"]))
    findings = scan(cloud, checks=["rds_instance_whitelist_not_open"], ak=READER_AK, secret=READER_SECRET)
    got = by_resource(findings, "rds_instance_whitelist_not_open")
    # closed groups: the templates could open the instance, so ERROR; an open group FAILs regardless; MariaDB's
    # templates are not read (not documented for it)
    assert got["rm-mysql-good"] == "ERROR" and got["pg-good"] == "ERROR" and got["rm-mssql-forced"] == "ERROR"
    assert got["rm-mysql-bad"] == "FAIL" and got["pg-bad"] == "FAIL" and got["rm-maria"] == "PASS"
    message = next(f.message for f in findings if f.resource_id == "rm-mysql-good")
    assert "DescribeInstanceLinkedWhitelistTemplate" in message and "NoPermission" in message


def test_attaching_and_detaching_a_template_flips_the_check_and_is_audited(cloud, admin):
    data = account()
    data["accounts"][0]["rds"]["whitelist_templates"] = TEMPLATES
    load(cloud, data)
    rds = RdsClient(pop_config(cloud, ak=ROOT_AK, secret=ROOT_SECRET, endpoint=None, http_proxy=cloud.url))
    body = rds.attach_whitelist_template_to_instance(rds_models.AttachWhitelistTemplateToInstanceRequest(
        ins_name="rm-mysql-good", template_id=412)).body
    assert body.success is True and body.data.status == "ok"
    assert by_resource(scan(cloud, checks=["rds_instance_whitelist_not_open"]),
                       "rds_instance_whitelist_not_open")["rm-mysql-good"] == "FAIL"
    rds.detach_whitelist_template_to_instance(rds_models.DetachWhitelistTemplateToInstanceRequest(
        ins_name="rm-mysql-good", template_id=412))
    assert by_resource(scan(cloud, checks=["rds_instance_whitelist_not_open"]),
                       "rds_instance_whitelist_not_open")["rm-mysql-good"] == "PASS"
    # the documented refusals: an unknown template, an engine the API does not list
    assert _code(lambda: rds.attach_whitelist_template_to_instance(rds_models.AttachWhitelistTemplateToInstanceRequest(
        ins_name="rm-mysql-good", template_id=999))) == "InvalidParameterTemplateId"
    assert _code(lambda: rds.attach_whitelist_template_to_instance(rds_models.AttachWhitelistTemplateToInstanceRequest(
        ins_name="rm-maria", template_id=413))) == "InvalidEngine.NotSupported"
    events = [e for e in admin.events() if e["serviceName"] == "Rds"]
    assert [e["eventName"] for e in events] == ["AttachWhitelistTemplateToInstance",
                                                "DetachWhitelistTemplateToInstance"]
    assert all(e["referencedResources"] == {"ACS::RDS::DBInstance": ["rm-mysql-good"]} for e in events)
    from aliaudit.checks.registry import all_checks

    declared = all_checks()["rds_instance_whitelist_not_open"].meta.events
    assert {e["eventName"] for e in events} <= set(declared)
