"""MongoDB cases, from the documented samples of dds 2015-12-01 (tests/fixtures/wire/dds): instance
dds-bp18b0934e70**** (DescribeDBInstances, sharding) and dds-bp11483712c1**** (DescribeDBInstanceAttribute,
replicate, VpcAuthMode Open | Close | NotSupport), whitelist "default" 47.xxx.xxx.xx,100.xxx.xxx.0/24 (masked: the
cases use unmasked addresses of the same form), endpoint dds-bpxxxxxxxx.mongodb.rds.aliyuncs.com NetworkType VPC |
Classic | Public (DescribeReplicaSetRole), SSLStatus Open | Closed, LogAuditStatus Enable | Disabled, TDEStatus
enabled | disabled with EncryptionKey 2axxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx."""

from __future__ import annotations

from aliaudit.collectors.mongodb import Endpoint, MongoInstance, WhitelistGroup
from tests.check_cases import Case

MID = "dds-bp11483712c1****"
KEY = "2axxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"


def inst(mid: str = MID, **kw: object) -> MongoInstance:
    base: dict[str, object] = {
        "id": mid, "name": "test database", "region": "cn-hangzhou", "instance_type": "replicate",
        "engine_version": "4.4", "status": "Running",
        "whitelist": [WhitelistGroup(name="default", ips=["47.100.10.10", "100.64.1.0/24"])],
        "endpoints": [Endpoint(address="dds-bpxxxxxxxx.mongodb.rds.aliyuncs.com", network_type="VPC",
                               node="Primary", port="3717")],
        "vpc_auth_mode": "Close", "ssl_status": "Open", "audit_status": "Enable", "tde_status": "enabled",
        "tde_key": KEY}
    base.update(kw)
    return MongoInstance(**base)  # type: ignore[arg-type]


def _open(*ips: str) -> list[WhitelistGroup]:
    return [WhitelistGroup(name="default", ips=["127.0.0.1"]), WhitelistGroup(name="app", ips=list(ips))]


_W = "mongodb_instance_whitelist_not_open"
_A = "mongodb_instance_password_free_access_disabled"
_S = "mongodb_instance_ssl_enabled"
_L = "mongodb_instance_audit_log_enabled"
_T = "mongodb_instance_tde_enabled"
PUBLIC = Endpoint(address="dds-pub.mongodb.rds.aliyuncs.com", network_type="Public", node="Primary", port="3717")
CASES: list[Case] = [
    Case(_W, "sample whitelist passes; 0.0.0.0/0, a bare 0.0.0.0 and two /1 halves fail",
         {"mongodb.instances": [inst(), inst("dds-any", whitelist=_open("0.0.0.0/0")),
                                inst("dds-bare", whitelist=_open("0.0.0.0")),
                                inst("dds-halves", whitelist=_open("0.0.0.0/1", "128.0.0.0/1"))]},
         {MID: "PASS", "dds-any": "FAIL", "dds-bare": "FAIL", "dds-halves": "FAIL"}),
    Case(_W, "open with a public endpoint (sharded); whitelist unreadable",
         {"mongodb.instances": [inst("dds-pub", instance_type="sharding", whitelist=_open("0.0.0.0/0"),
                                     endpoints=[PUBLIC]),
                                inst("dds-err", errors={"whitelist": "NoPermission"})]},
         {"dds-pub": "FAIL", "dds-err": "ERROR"}),
    Case(_A, "VpcAuthMode Close and NotSupport pass, Open (password-free) fails, unknown is MANUAL",
         {"mongodb.instances": [inst(), inst("dds-ns", vpc_auth_mode="NotSupport"),
                                inst("dds-free", vpc_auth_mode="Open"), inst("dds-none", vpc_auth_mode=""),
                                inst("dds-err", errors={"attribute": "NoPermission"})]},
         {MID: "PASS", "dds-ns": "PASS", "dds-free": "FAIL", "dds-none": "MANUAL", "dds-err": "ERROR"}),
    Case(_S, "SSLStatus Open passes, Closed fails, a failed read is ERROR",
         {"mongodb.instances": [inst(), inst("dds-off", ssl_status="Closed"),
                                inst("dds-err", errors={"ssl": "NoPermission"})]},
         {MID: "PASS", "dds-off": "FAIL", "dds-err": "ERROR"}),
    # DescribeDBInstanceSSL needs a replica set (zh_cn: or a sharded cluster on ESSD); Terraform takes
    # StorageTypeOrInstanceTypeNotSupported and SingleNodeNotSupport as "no SSL"
    Case(_S, "SSL not offered: a standalone instance, a sharded cluster on local disks, the documented refusal: MANUAL",
         {"mongodb.instances": [
             inst("dds-single", ssl_status="", replication_factor="1"),
             inst("dds-shard", ssl_status="", instance_type="sharding", storage_type="local_ssd"),
             inst("dds-refused", ssl_status="", ssl_unsupported="DescribeDBInstanceSSL answered SingleNodeNotSupport"),
             inst("dds-cloud", ssl_status="Closed", instance_type="sharding", storage_type="cloud_essd")]},
         {"dds-single": "MANUAL", "dds-shard": "MANUAL", "dds-refused": "MANUAL", "dds-cloud": "FAIL"}),
    Case(_L, "LogAuditStatus Enable passes, Disabled fails, a failed read is ERROR",
         {"mongodb.instances": [inst(), inst("dds-off", audit_status="Disabled"),
                                inst("dds-err", errors={"audit": "NoPermission"})]},
         {MID: "PASS", "dds-off": "FAIL", "dds-err": "ERROR"}),
    Case(_L, "a cloud-disk instance (DescribeAuditPolicy covers local-disk ones only): Enable passes, Disabled is "
         "MANUAL, a failed read stays ERROR",
         {"mongodb.instances": [inst("dds-cloud-on", storage_type="cloud_essd"),
                                inst("dds-cloud", storage_type="cloud_essd", audit_status="Disabled"),
                                inst("dds-cloud-err", storage_type="cloud_essd", errors={"audit": "OperationDenied"})]},
         {"dds-cloud-on": "PASS", "dds-cloud": "MANUAL", "dds-cloud-err": "ERROR"}),
    Case(_T, "TDEStatus enabled passes, disabled fails, a failed read is ERROR",
         {"mongodb.instances": [inst(), inst("dds-off", tde_status="disabled", tde_key=""),
                                inst("dds-err", errors={"tde": "NoPermission"}),
                                inst("dds-blank", tde_status="", tde_key="")]},
         {MID: "PASS", "dds-off": "FAIL", "dds-err": "ERROR", "dds-blank": "ERROR"}),
]
CASES += [
    Case(check, "the region's Serverless instances could not be listed: their ERROR in every check",
         {"mongodb.instances": [MongoInstance(id="mongodb-serverless-cn-hangzhou", region="cn-hangzhou",
                                              instance_type="serverless", unlisted="ServiceUnavailable: down")]},
         {"mongodb-serverless-cn-hangzhou": "ERROR"})
    for check in ("mongodb_instance_whitelist_not_open", "mongodb_instance_password_free_access_disabled",
                  "mongodb_instance_ssl_enabled", "mongodb_instance_audit_log_enabled", "mongodb_instance_tde_enabled")
]
