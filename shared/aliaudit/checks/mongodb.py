"""MongoDB checks (ApsaraDB for MongoDB, dds 2015-12-01): whitelists open to every address, password-free VPC
access, SSL, audit log and TDE. One finding per instance (replica set, standalone or sharded cluster), in the
instance's region."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..cidrs import linked_templates_text, open_whitelist_entries, whitelist_reach, whitelist_verdict
from ..collectors.mongodb import INSTANCES, MongoInstance, ssl_not_offered
from ..findings import Result, Status
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL
LIFECYCLE = ["CreateDBInstance", "CreateShardingDBInstance", "DeleteDBInstance", "CreateNode", "DeleteNode"]
# a global IP whitelist template's entries, or which templates an instance links, change what the whitelist check sees
NETWORK_EVENTS = ["ModifySecurityIps", "AllocatePublicNetworkAddress", "ReleasePublicNetworkAddress",
                  "ModifyDBInstanceConnectionString", "ModifyDBInstanceNetworkType", "MigrateToOtherZone",
                  "ModifyGlobalSecurityIPGroup", "ModifyGlobalSecurityIPGroupRelation", "DeleteGlobalSecurityIPGroup"]
ASPECT_NAMES = {"whitelist": "DescribeSecurityIps", "templates": "DescribeGlobalSecurityIPGroupRelation",
                "endpoints": "DescribeReplicaSetRole/DescribeShardingNetworkAddress",
                "attribute": "DescribeDBInstanceAttribute", "ssl": "DescribeDBInstanceSSL",
                "audit": "DescribeAuditPolicy", "tde": "DescribeDBInstanceTDEInfo"}


def _result(inst: MongoInstance, status: Status, message: str, **details: str) -> Result:
    return Result(status=status, resource_id=inst.id, resource_type="mongodb:instance", resource_name=inst.name,
                  region=inst.region, message=message,
                  details={"engine": f"MongoDB {inst.engine_version}".strip(), "architecture": inst.instance_type,
                           **details})


def _error(inst: MongoInstance, aspects: Iterable[str]) -> Result | None:
    if inst.unlisted:
        return _result(inst, ERROR, f"could not list the region's Serverless instances: {inst.unlisted}")
    failed = [f"{ASPECT_NAMES.get(a, a)}: {inst.errors[a]}" for a in aspects if a in inst.errors]
    return _result(inst, ERROR, "could not read " + "; ".join(failed)) if failed else None


def _public(inst: MongoInstance) -> list[str]:
    # NetworkType: VPC | Classic | Public (DescribeReplicaSetRole, DescribeShardingNetworkAddress; API reference)
    return [e.address for e in inst.endpoints if e.network_type.lower() == "public"]


@check(id="mongodb_instance_whitelist_not_open", severity="critical",
       title="MongoDB instances are not open to every address",
       risk="A whitelist admitting every address lets anyone who reaches the instance try to log in; with a "
            "public endpoint that is the whole internet, where exposed MongoDB databases are scanned for and "
            "ransomed within hours.",
       console="ApsaraDB for MongoDB console > the instance > Data Security > Whitelist Settings: replace 0.0.0.0/0 "
               "with the addresses or CIDR blocks of the application servers; for a global IP whitelist template "
               "(template:<name>): edit the template's addresses, or unlink it from the instance.",
       cli="aliyun dds ModifySecurityIps --DBInstanceId <id> --SecurityIpGroupName <group> --SecurityIps <cidr,...> "
           "--ModifyMode Cover",
       events=[*NETWORK_EVENTS, *LIFECYCLE], needs=[INSTANCES],
       evaluates="DescribeSecurityIps, every whitelist group (hidden ones included), and the global IP whitelist "
                 "templates linked to the instance (DescribeGlobalSecurityIPGroupRelation "
                 "GlobalSecurityIPGroupRel[].GIpList, judged as groups named template:<GlobalIgName>; whether "
                 "DescribeSecurityIps includes their entries is not documented; asked for replica set and sharded "
                 "cluster instances on cloud disks, the only ones that can link templates): FAIL when an entry is a /0 "
                 "(0.0.0.0/0, ::/0, or a bare 0.0.0.0, read as any address) or the entries of one address family "
                 "together cover all of it, naming the group or template, and when no group or template holds any entry"
                 " ('If the whitelist contains only 0.0.0.0/0 or is empty, all IP addresses can access the instance': "
                 "Configure an IP address whitelist, "
                 "https://www.alibabacloud.com/help/en/mongodb/user-guide/configure-an-ip-address-whitelist); the "
                 "message says whether a public endpoint exists (NetworkType Public in DescribeReplicaSetRole for "
                 "replica sets and standalone instances, DescribeShardingNetworkAddress for sharded clusters). PASS "
                 "otherwise; entries that are not addresses are ignored; ERROR when the whitelist could not be read, or"
                 " the answer held no whitelist at all (an instance always has its default one), or when the groups "
                 "admit no such entry but the linked templates could not be read.",
       source="Cloud Config mongodb-public-and-any-ip-access-check | "
              "https://api.alibabacloud.com/api/Dds/2015-12-01/DescribeSecurityIps")
def whitelist_not_open(inp: Inputs) -> Iterator[Result]:
    for inst in inp[INSTANCES]:
        if err := _error(inst, ["whitelist"]):
            yield err
            continue
        # a linked global IP whitelist template (a group named template:<name>) admits clients as the groups do
        opened = open_whitelist_entries((g.name, g.ips) for g in [*inst.whitelist, *inst.templates])
        listed = [g for g in [*inst.whitelist, *inst.templates] if g.ips]
        unread = _error(inst, ["templates"])
        if not listed and not unread:
            # "If the whitelist contains only 0.0.0.0/0 or is empty, all IP addresses can access the instance"
            reach = whitelist_reach("endpoints" in inst.errors, _public(inst))
            yield _result(inst, FAIL, f"the whitelist is empty, which admits every address; {reach}")
        else:
            yield _result(inst, *whitelist_verdict(opened, "endpoints" in inst.errors, _public(inst),
                                                   unread.message if unread else None,
                                                   linked_templates_text(len(inst.templates))))


# VpcAuthMode of DescribeDBInstanceAttribute: "Open: Password-free access within the VPC is enabled. Close:
# Password-free access within the VPC is disabled, and you must use a password for access. NotSupport: Password-free
# access within the VPC is not supported." (API reference dds 2015-12-01). The opposite of Redis's VpcAuthMode.
PASSWORD_FREE = "Open"
PASSWORD_REQUIRED = {"Close", "NotSupport"}


@check(id="mongodb_instance_password_free_access_disabled", severity="high",
       title="MongoDB instances require a password (password-free VPC access is disabled)",
       risk="With password-free access any host in the VPC that the whitelist admits can read and change every "
            "database without credentials: one compromised server exposes all the data.",
       console="ApsaraDB for MongoDB console > the instance > Database Connection (or Data Security): disable "
               "password-free access over VPC.",
       cli="aliyun dds ModifyInstanceVpcAuthMode --DBInstanceId <id> --VpcAuthMode Close",
       events=["ModifyInstanceVpcAuthMode", *LIFECYCLE], needs=[INSTANCES],
       evaluates="DescribeDBInstanceAttribute VpcAuthMode: FAIL when Open (password-free access within the VPC is "
                 "enabled), PASS when Close or NotSupport (a password is required), MANUAL when absent or another "
                 "value; ERROR when the attributes could not be read.",
       source="https://api.alibabacloud.com/api/Dds/2015-12-01/DescribeDBInstanceAttribute (VpcAuthMode) | "
              "https://api.alibabacloud.com/api/Dds/2015-12-01/ModifyInstanceVpcAuthMode")
def password_free_access_disabled(inp: Inputs) -> Iterator[Result]:
    for inst in inp[INSTANCES]:
        if err := _error(inst, ["attribute"]):
            yield err
        elif inst.vpc_auth_mode == PASSWORD_FREE:
            yield _result(inst, FAIL, "password-free access within the VPC is enabled (VpcAuthMode Open): hosts "
                          "of the VPC connect without credentials")
        elif inst.vpc_auth_mode in PASSWORD_REQUIRED:
            yield _result(inst, PASS, f"a password is required (VpcAuthMode {inst.vpc_auth_mode})")
        else:
            yield _result(inst, MANUAL, f"VpcAuthMode is {inst.vpc_auth_mode or 'not reported'}: check in the "
                          "console whether password-free access is enabled")


@check(id="mongodb_instance_ssl_enabled", severity="medium",
       title="MongoDB instances use SSL encryption",
       risk="Without SSL, credentials and data cross the network in clear text.",
       console="ApsaraDB for MongoDB console > the instance > Data Security > SSL: enable SSL encryption.",
       cli="aliyun dds ModifyDBInstanceSSL --DBInstanceId <id> --SSLAction Open",
       events=["ModifyDBInstanceSSL", *LIFECYCLE], needs=[INSTANCES],
       evaluates="DescribeDBInstanceSSL SSLStatus: PASS when Open, FAIL when Closed or not reported; ERROR when "
                 "the SSL settings could not be read; MANUAL where SSL is not offered: the API requires a replica set "
                 "(zh_cn: or a sharded cluster on ESSD cloud disks), so a standalone instance (ReplicationFactor 1) "
                 "or a sharded cluster on local disks that does not answer Open, or an answer of "
                 "StorageTypeOrInstanceTypeNotSupported or SingleNodeNotSupport (those Alibaba's Terraform provider "
                 "takes as 'no SSL').",
       source="Cloud Config mongodb-instance-enabled-ssl | "
              "https://api.alibabacloud.com/api/Dds/2015-12-01/DescribeDBInstanceSSL")
def ssl_enabled(inp: Inputs) -> Iterator[Result]:
    for inst in inp[INSTANCES]:
        if inst.ssl_status == "Open" and "ssl" not in inst.errors:
            yield _result(inst, PASS, "SSL encryption is enabled")
        elif why := inst.ssl_unsupported or ssl_not_offered(inst):
            yield _result(inst, MANUAL, f"SSL encryption is not available for this instance ({why}): protect its "
                          "connections otherwise (VPC only, or migrate to a replica set or cloud-disk cluster)")
        elif err := _error(inst, ["ssl"]):
            yield err
        else:
            yield _result(inst, FAIL, f"SSL encryption is {inst.ssl_status or 'not reported'}: connections are not "
                          "encrypted")


@check(id="mongodb_instance_audit_log_enabled", severity="medium",
       title="MongoDB instances keep an audit log",
       risk="Without the audit log there is no record of who read, changed or dropped which data, so an intrusion "
            "or data theft cannot be investigated.",
       console="ApsaraDB for MongoDB console > the instance > Data Security > Audit Logs: enable.",
       cli="aliyun dds ModifyAuditPolicy --DBInstanceId <id> --AuditStatus enable --StoragePeriod 180",
       events=["ModifyAuditPolicy", *LIFECYCLE], needs=[INSTANCES],
       evaluates="DescribeAuditPolicy LogAuditStatus: PASS when Enable, FAIL when Disabled (the documented default "
                 "when absent); ERROR when the audit policy could not be read. For a cloud-disk instance (StorageType "
                 "cloud_*) a Disabled is MANUAL: the operation 'is available only for General-purpose Local Disk "
                 "Edition and Dedicated Local Disk Edition instances' (API reference), so its answer does not tell "
                 "(a failed read stays ERROR, saying so).",
       source="Cloud Config mongodb-instance-log-audit | "
              "https://api.alibabacloud.com/api/Dds/2015-12-01/DescribeAuditPolicy")
def audit_log_enabled(inp: Inputs) -> Iterator[Result]:
    for inst in inp[INSTANCES]:
        cloud = inst.storage_type.lower().startswith("cloud")
        if err := _error(inst, ["audit"]):
            yield err.model_copy(update={"message": err.message + (
                f" (a {inst.storage_type} instance: DescribeAuditPolicy is documented for local-disk instances only)"
                if cloud else "")})
        elif inst.audit_status == "Enable":
            yield _result(inst, PASS, "the audit log is enabled")
        elif cloud:
            yield _result(inst, MANUAL, f"a {inst.storage_type} (cloud disk) instance, whose audit log "
                                        "DescribeAuditPolicy does not report (local-disk instances only): check the "
                                        "instance's audit log in the console (Data Security > Audit Logs)")
        else:
            yield _result(inst, FAIL, f"the audit log is {inst.audit_status}")


@check(id="mongodb_instance_tde_enabled", severity="medium",
       title="MongoDB instances encrypt data at rest with TDE",
       risk="Without TDE, data files and backups are stored unencrypted and readable by anyone who obtains them.",
       console="ApsaraDB for MongoDB console > the instance > Data Security > TDE: enable (preferably with a "
               "customer KMS key; it cannot be disabled afterwards).",
       cli="aliyun dds ModifyDBInstanceTDE --DBInstanceId <id> --TDEStatus enabled [--EncryptionKey <kms key id> "
           "--RoleARN acs:ram::<account>:role/aliyunrdsinstanceencryptiondefaultrole]",
       events=["ModifyDBInstanceTDE", *LIFECYCLE], needs=[INSTANCES],
       evaluates="DescribeDBInstanceTDEInfo TDEStatus (documented values enabled | disabled, compared in any letter "
                 "case): PASS when enabled (the message names the key), FAIL when disabled; ERROR when the TDE "
                 "settings could not be read or no TDEStatus was answered.",
       source="Cloud Config mongodb-instance-encryption-byok-check | "
              "https://api.alibabacloud.com/api/Dds/2015-12-01/DescribeDBInstanceTDEInfo")
def tde_enabled(inp: Inputs) -> Iterator[Result]:
    for inst in inp[INSTANCES]:
        if err := _error(inst, ["tde"]):
            yield err
        elif not inst.tde_status:  # (documented Enabled | Disabled: no value is no answer, never "Disabled")
            yield _result(inst, ERROR, "DescribeDBInstanceTDEInfo answered no TDEStatus: whether TDE is on is unknown")
        elif inst.tde_status.lower() == "enabled":
            key = f" with key {inst.tde_key}" if inst.tde_key else ""
            yield _result(inst, PASS, f"TDE is enabled{key}", key_id=inst.tde_key)
        else:
            yield _result(inst, FAIL, f"TDE is {inst.tde_status}: data at rest is not encrypted")
