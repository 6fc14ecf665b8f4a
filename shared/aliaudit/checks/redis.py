"""Redis / Tair checks (ApsaraDB for Redis, r-kvstore 2015-01-01): whitelists open to every address, password-free
VPC access, TLS and TDE. One finding per instance, in the instance's region; TDE gives no finding for instances
that report they cannot use it (IsSupportTDE false) or, when that is unknown, whose series has no TDE, rather than a
FAIL nobody can remediate; TLS is MANUAL for series and architectures the documentation offers no TLS for."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..cidrs import linked_templates_text, open_whitelist_entries, whitelist_verdict
from ..collectors.redis import INSTANCES, RedisInstance, tde_applies, tls_not_offered
from ..findings import Result, Status
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL
LIFECYCLE = ["CreateInstance", "CreateInstances", "CreateTairInstance", "DeleteInstance", "RestoreInstance"]
# a global IP whitelist template's entries, or which templates an instance links, change what the whitelist check sees
NETWORK_EVENTS = ["ModifySecurityIps", "AllocateInstancePublicConnection", "ReleaseInstancePublicConnection",
                  "ModifyDBInstanceConnectionString", "SwitchNetwork", "ModifyGlobalSecurityIPGroup",
                  "ModifyGlobalSecurityIPGroupRelation", "DeleteGlobalSecurityIPGroup"]
ASPECT_NAMES = {"whitelist": "DescribeSecurityIps", "templates": "DescribeGlobalSecurityIPGroupRelation",
                "endpoints": "DescribeDBInstanceNetInfo",
                "attribute": "DescribeInstanceAttribute", "ssl": "DescribeInstanceSSL",
                "tde": "DescribeInstanceTDEStatus"}


def _result(inst: RedisInstance, status: Status, message: str, **details: str) -> Result:
    return Result(status=status, resource_id=inst.id, resource_type="redis:instance", resource_name=inst.name,
                  region=inst.region, message=message,
                  details={"engine": f"{inst.instance_type} {inst.engine_version}".strip(), **details})


def _unlisted(inst: RedisInstance) -> Result:
    return _result(inst, ERROR, f"could not list the region's {inst.unlisted}")


def _error(inst: RedisInstance, aspects: Iterable[str]) -> Result | None:
    if inst.unlisted:  # (each check asks this first: a listing that failed stands for instances not judged)
        return _unlisted(inst)
    failed = [f"{ASPECT_NAMES.get(a, a)}: {inst.errors[a]}" for a in aspects if a in inst.errors]
    return _result(inst, ERROR, "could not read " + "; ".join(failed)) if failed else None


def _public(inst: RedisInstance) -> list[str]:
    # IPType: Public | Inner | Private (DescribeDBInstanceNetInfo, API reference)
    return [e.address for e in inst.endpoints if e.ip_type.lower() == "public"]


@check(id="redis_instance_whitelist_not_open", severity="critical",
       title="Redis instances are not open to every address",
       risk="A whitelist admitting every address lets anyone who reaches the instance try to log in (or, with "
            "password-free access, read and write every key); with a public endpoint that is the whole internet.",
       console="Tair (Redis) console > the instance > Whitelist Settings: replace 0.0.0.0/0 with the addresses or "
               "CIDR blocks of the application servers; for a global IP whitelist template (template:<name>): edit "
               "the template's addresses, or unlink it from the instance.",
       cli="aliyun r-kvstore ModifySecurityIps --InstanceId <id> --SecurityIpGroupName <group> "
           "--SecurityIps <cidr,...> --ModifyMode Cover",
       events=[*NETWORK_EVENTS, *LIFECYCLE], needs=[INSTANCES],
       evaluates="DescribeSecurityIps, every whitelist group (hidden ones included), and the global IP whitelist "
                 "templates linked to the instance (DescribeGlobalSecurityIPGroupRelation "
                 "GlobalSecurityIPGroupRel[].GIpList, judged as groups named template:<GlobalIgName>; whether "
                 "DescribeSecurityIps includes their entries is not documented): FAIL when an entry is a /0 (0.0.0.0/0,"
                 " ::/0, or a bare 0.0.0.0, read as any address) or the entries of one address family together cover "
                 "all of it, naming the group or template; the message says whether a public endpoint exists "
                 "(DescribeDBInstanceNetInfo IPType Public). PASS otherwise; entries that are not addresses are "
                 "ignored; ERROR when the whitelist could not be read, or when the groups admit no such entry but the "
                 "linked templates could not be read. Instances are listed per engine (DescribeInstances InstanceType "
                 "Redis, Tair, Memcache, and the children of distributed instances apart): a listing other than Redis's"
                 " that fails is one ERROR for the region, beside the instances listed.",
       source="Cloud Config redis-public-and-any-ip-access-check | "
              "https://api.alibabacloud.com/api/R-kvstore/2015-01-01/DescribeSecurityIps")
def whitelist_not_open(inp: Inputs) -> Iterator[Result]:
    for inst in inp[INSTANCES]:
        if err := _error(inst, ["whitelist"]):
            yield err
            continue
        # a linked global IP whitelist template (a group named template:<name>) admits clients as the groups do
        opened = open_whitelist_entries((g.name, g.ips) for g in [*inst.whitelist, *inst.templates])
        unread = _error(inst, ["templates"])
        yield _result(inst, *whitelist_verdict(opened, "endpoints" in inst.errors, _public(inst),
                                               unread.message if unread else None,
                                               linked_templates_text(len(inst.templates))))


# VpcAuthMode of DescribeInstanceAttribute: "Open: Password authentication is enabled. Close: Password
# authentication is disabled and password-free access is enabled" (API reference r-kvstore 2015-01-01; the write,
# ModifyInstanceVpcAuthMode, says the same: Open disables password-free access). Note the opposite of MongoDB's
# VpcAuthMode, where Open means password-free access is enabled.
PASSWORD_REQUIRED, PASSWORD_FREE = "Open", "Close"


@check(id="redis_instance_password_free_access_disabled", severity="high",
       title="Redis instances require a password (password-free VPC access is disabled)",
       risk="With password-free access any host in the VPC that the whitelist admits can read, change or flush "
            "every key without credentials: one compromised server exposes the cache and what it holds.",
       console="Tair (Redis) console > the instance > Instance Information > Connection Information: disable "
               "Password-free Access (set a password for the default account first).",
       cli="aliyun r-kvstore ModifyInstanceVpcAuthMode --InstanceId <id> --VpcAuthMode Open",
       events=["ModifyInstanceVpcAuthMode", *LIFECYCLE], needs=[INSTANCES],
       evaluates="DescribeInstanceAttribute VpcAuthMode: PASS when Open (password authentication is enabled), FAIL when"
                 " Close (password-free access is enabled), MANUAL when absent or another value (the reference "
                 "documents only these two); ERROR when the attributes could not be read. Instances are listed per "
                 "engine (DescribeInstances InstanceType Redis, Tair, Memcache, and the children of distributed "
                 "instances apart): a listing other than Redis's that fails is one ERROR for the region, beside the "
                 "instances listed.",
       source="Cloud Config redis-instance-open-auth-mode | "
              "https://api.alibabacloud.com/api/R-kvstore/2015-01-01/DescribeInstanceAttribute")
def password_free_access_disabled(inp: Inputs) -> Iterator[Result]:
    for inst in inp[INSTANCES]:
        if err := _error(inst, ["attribute"]):
            yield err
        elif inst.vpc_auth_mode == PASSWORD_REQUIRED:
            yield _result(inst, PASS, "password authentication is enabled (VpcAuthMode Open)")
        elif inst.vpc_auth_mode == PASSWORD_FREE:
            yield _result(inst, FAIL, "password-free access is enabled (VpcAuthMode Close): hosts of the VPC "
                          "connect without credentials")
        else:
            yield _result(inst, MANUAL, f"VpcAuthMode is {inst.vpc_auth_mode or 'not reported'}: check in the "
                          "console whether password-free access is enabled")


@check(id="redis_instance_ssl_enabled", severity="medium",
       title="Redis instances use TLS (SSL) encryption",
       risk="Without TLS, passwords and cached data cross the network in clear text.",
       console="Tair (Redis) console > the instance > TLS Settings: enable TLS encryption.",
       cli="aliyun r-kvstore ModifyInstanceSSL --InstanceId <id> --SSLEnabled Enable",
       events=["ModifyInstanceSSL", "ModifyInstanceMajorVersion", "ModifyInstanceMinorVersion", *LIFECYCLE],
       needs=[INSTANCES],
       evaluates="DescribeInstanceSSL SSLEnabled: PASS when Enable, FAIL when Disable (or another value), ERROR when "
                 "absent or empty or when the call fails. MANUAL (not applicable) without a call for the series and "
                 "architectures 'Enable TLS encryption' offers no TLS for: Memcache (InstanceType), single-replica "
                 "(NodeType single or STAND_ALONE) and Tair disk-based (InstanceClass tair.essd.* or tair.localssd.*) "
                 "instances, and when the call answers IncorrectCharacterType. FAIL when it answers one of its "
                 "documented engine-version errors (InvalidRedisVersionPattern, IncorrectEngineVersion): TLS needs "
                 "Redis Open-Source 5.0, 6.0 or 7.0 or Tair memory-optimized or persistent memory, which a major "
                 "version upgrade gives. Instances are listed per engine (DescribeInstances InstanceType Redis, Tair, "
                 "Memcache, and the children of distributed instances apart): a listing other than Redis's that fails "
                 "is one ERROR for the region, beside the instances listed.",
       source="Cloud Config redis-instance-enabled-ssl | "
              "https://api.alibabacloud.com/api/R-kvstore/2015-01-01/DescribeInstanceSSL")
def ssl_enabled(inp: Inputs) -> Iterator[Result]:
    for inst in inp[INSTANCES]:
        if inst.unlisted:
            yield _unlisted(inst)
        elif why := tls_not_offered(inst):
            yield _result(inst, MANUAL, f"not applicable: {why} (Enable TLS encryption prerequisites); only a "
                          "migration to a master-replica memory-optimized or Redis 5.0+ instance allows encrypted "
                          "connections")
        elif err := _error(inst, ["ssl"]):
            yield err
        elif inst.ssl_unsupported.startswith("IncorrectCharacterType"):
            yield _result(inst, MANUAL, f"not applicable: DescribeInstanceSSL answers {inst.ssl_unsupported}: this "
                          "instance's role or type has no TLS setting of its own")
        elif inst.ssl_unsupported:  # an engine version without TLS: a major version upgrade makes it available
            yield _result(inst, FAIL, f"connections are not encrypted: DescribeInstanceSSL answers "
                          f"{inst.ssl_unsupported}: this engine version has no TLS (offered for Redis Open-Source 5.0, "
                          "6.0 and 7.0 and Tair memory-optimized or persistent memory instances); upgrade the major "
                          "version, then enable TLS")
        elif inst.ssl_status == "Enable":
            yield _result(inst, PASS, "TLS encryption is enabled")
        elif not inst.ssl_status:  # documented Enable | Disable: no value is no answer
            yield _result(inst, ERROR, "DescribeInstanceSSL answered no SSLEnabled: whether TLS is on is unknown")
        else:
            yield _result(inst, FAIL, f"TLS encryption is {inst.ssl_status}: connections are not encrypted")


@check(id="redis_instance_tde_enabled", severity="medium",
       title="Redis instances encrypt data at rest with TDE",
       risk="Without TDE, persistence files (RDB/AOF) and backups are stored unencrypted and readable by anyone who "
            "obtains them.",
       console="Tair (Redis) console > the instance > TDE Settings: enable TDE (preferably with a customer KMS key; "
               "it cannot be disabled afterwards).",
       cli="aliyun r-kvstore ModifyInstanceTDE --InstanceId <id> --TDEStatus Enabled [--EncryptionKey <kms key id> "
           "--RoleArn acs:ram::<account>:role/AliyunRdsInstanceEncryptionDefaultRole]",
       events=["ModifyInstanceTDE", *LIFECYCLE], needs=[INSTANCES],
       evaluates="DescribeInstanceTDEStatus TDEStatus: PASS when Enabled (in any case: the cloud answers lower "
                 "case), FAIL when Disable (or another value), ERROR when absent or empty or when the TDE status could"
                 " not be read. No result (and no call) for instances whose DescribeInstanceAttribute says "
                 "IsSupportTDE false or, when IsSupportTDE is unknown (the attributes unread or without it), whose "
                 "series has no TDE ('Enable TDE': Tair memory-optimized only): EditionType Community, InstanceType "
                 "Redis or Memcache, or a persistent-memory or disk-based InstanceClass; none either when "
                 "DescribeInstanceTDEStatus answers InstanceType.NotSupport. Instances are listed per engine "
                 "(DescribeInstances InstanceType Redis, Tair, Memcache, and the children of distributed instances "
                 "apart): a listing other than Redis's that fails is one ERROR for the region, beside the instances "
                 "listed.",
       source="Cloud Config redis-instance-enabled-byok-tde | "
              "https://api.alibabacloud.com/api/R-kvstore/2015-01-01/DescribeInstanceTDEStatus")
def tde_enabled(inp: Inputs) -> Iterator[Result]:
    for inst in inp[INSTANCES]:
        if not tde_applies(inst) and "tde" not in inst.errors and not inst.unlisted:
            continue  # the instance (or its series) cannot use TDE: nothing to remediate short of migrating
        if err := _error(inst, ["tde"]):
            yield err
        elif inst.tde_status.lower() == "enabled":  # (the cloud answers "enabled", the reference "Enabled")
            yield _result(inst, PASS, "TDE is enabled")
        elif not inst.tde_status:  # documented Enabled | Disable: no value is no answer
            yield _result(inst, ERROR, "DescribeInstanceTDEStatus answered no TDEStatus: whether TDE is on is unknown")
        else:
            yield _result(inst, FAIL, f"TDE is {inst.tde_status}: data at rest is not encrypted")
