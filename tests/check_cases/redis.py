"""Redis cases, from the documented samples of r-kvstore 2015-01-01 (tests/fixtures/wire/kvstore): instance
r-bp1zxszhcgatnx**** "apitest" (DescribeInstances), whitelist group "default" with 100.100.202.***/24,10.10.10.***
(DescribeSecurityIps; masked, so the cases use unmasked addresses of the same form), endpoint
r-bp1zxszhcgatnx****.redis.rds.aliyuncs.com IPType Inner (DescribeDBInstanceNetInfo), VpcAuthMode Open | Close,
IsSupportTDE true (DescribeInstanceAttribute), SSLEnabled Enable | Disable, TDEStatus Enabled | Disable."""

from __future__ import annotations

from aliaudit.collectors.redis import Endpoint, RedisInstance, WhitelistGroup
from tests.check_cases import Case

RID = "r-bp1zxszhcgatnx****"
DOMAIN = "r-bp1zxszhcgatnx****.redis.rds.aliyuncs.com"


def inst(rid: str = RID, **kw: object) -> RedisInstance:
    base: dict[str, object] = {
        "id": rid, "name": "apitest", "region": "cn-hangzhou", "instance_type": "Redis", "engine_version": "4.0",
        "status": "Normal", "network_type": "VPC",
        "whitelist": [WhitelistGroup(name="default", ips=["100.100.202.0/24", "10.10.10.10"])],
        "endpoints": [Endpoint(address=DOMAIN, ip_type="Inner", port="6379")],
        "vpc_auth_mode": "Open", "tde_supported": True, "ssl_status": "Enable", "tde_status": "Enabled"}
    base.update(kw)
    return RedisInstance(**base)  # type: ignore[arg-type]


def _open(*ips: str) -> list[WhitelistGroup]:
    return [WhitelistGroup(name="default", ips=["127.0.0.1"]), WhitelistGroup(name="app", ips=list(ips))]


_W = "redis_instance_whitelist_not_open"
_A = "redis_instance_password_free_access_disabled"
_S = "redis_instance_ssl_enabled"
_T = "redis_instance_tde_enabled"
PUBLIC = Endpoint(address="r-pub.redis.rds.aliyuncs.com", ip_type="Public", port="6379")
# a listing other than the first (Redis's) that failed: one ERROR per check, beside the instances that were listed
_UNLISTED = RedisInstance(id="redis-memcache-cn-hangzhou", region="cn-hangzhou", instance_type="Memcache",
                          unlisted="Memcache instances: Throttling.User: Request was denied due to user flow control.")
CASES: list[Case] = [
    *(Case(c, "a listing that failed is ERROR, the listed instances are judged",
           {"redis.instances": [inst(), _UNLISTED]}, {RID: "PASS", _UNLISTED.id: "ERROR"})
      for c in (_W, _A, _S, _T)),
    Case(_W, "sample whitelist passes; 0.0.0.0/0, a bare 0.0.0.0, ::/0 and two /1 halves fail",
         {"redis.instances": [inst(), inst("r-any", whitelist=_open("0.0.0.0/0")),
                              inst("r-bare", whitelist=_open("0.0.0.0")), inst("r-v6", whitelist=_open("::/0")),
                              inst("r-halves", whitelist=_open("0.0.0.0/1", "128.0.0.0/1"))]},
         {RID: "PASS", "r-any": "FAIL", "r-bare": "FAIL", "r-v6": "FAIL", "r-halves": "FAIL"}),
    Case(_W, "open with a public endpoint; whitelist unreadable",
         {"redis.instances": [inst("r-pub", whitelist=_open("0.0.0.0/0"), endpoints=[PUBLIC]),
                              inst("r-err", errors={"whitelist": "Forbidden.RAM: denied"})]},
         {"r-pub": "FAIL", "r-err": "ERROR"}),
    Case(_A, "VpcAuthMode Open (password required) passes, Close (password-free) fails, unknown is MANUAL",
         {"redis.instances": [inst(), inst("r-free", vpc_auth_mode="Close"), inst("r-none", vpc_auth_mode=""),
                              inst("r-err", errors={"attribute": "Throttling.User"})]},
         {RID: "PASS", "r-free": "FAIL", "r-none": "MANUAL", "r-err": "ERROR"}),
    Case(_S, "SSLEnabled Enable passes, Disable fails, an engine version without TLS fails (an upgrade gives it), "
         "IncorrectCharacterType is MANUAL, a failed read and an answer without SSLEnabled are ERROR",
         {"redis.instances": [inst(), inst("r-off", ssl_status="Disable"),
                              inst("r-old", ssl_status="", ssl_unsupported="IncorrectEngineVersion: not supported"),
                              inst("r-role", ssl_status="", ssl_unsupported="IncorrectCharacterType: not supported"),
                              inst("r-err", errors={"ssl": "NoPermission"}), inst("r-blank", ssl_status="")]},
         {RID: "PASS", "r-off": "FAIL", "r-old": "FAIL", "r-role": "MANUAL", "r-err": "ERROR", "r-blank": "ERROR"}),
    # "Enable TLS encryption": Tair memory-optimized / persistent memory or Redis Open-Source 5.0-7.0, master-replica;
    # NodeType double | single (sample enumeration), STAND_ALONE for cloud-native; disk-based classes tair.essd.*,
    # tair.localssd.* ("capacity-storage-type" page)
    Case(_S, "no TLS for Memcache, single-replica (single, STAND_ALONE) and disk-based instances: MANUAL even when "
         "unread; a master-replica Tair memory-optimized instance with TLS off fails",
         {"redis.instances": [inst("m-cache", instance_type="Memcache", ssl_status=""),
                              inst("r-single", node_type="single", ssl_status="Disable"),
                              inst("r-standalone", node_type="STAND_ALONE", ssl_status="", errors={"ssl": "x"}),
                              inst("r-essd", instance_type="Tair", instance_class="tair.essd.standard.xlarge",
                                   ssl_status=""),
                              inst("r-ssd", instance_type="Tair", instance_class="tair.localssd.c1m8.xlarge",
                                   ssl_status=""),
                              inst("r-tair", instance_type="Tair", edition_type="Enterprise", node_type="double",
                                   instance_class="tair.rdb.1g", ssl_status="Disable")]},
         {"m-cache": "MANUAL", "r-single": "MANUAL", "r-standalone": "MANUAL", "r-essd": "MANUAL", "r-ssd": "MANUAL",
          "r-tair": "FAIL"}),
    Case(_T, "TDEStatus Enabled passes, Disable fails, IsSupportTDE false gives nothing, a failed read is ERROR",
         {"redis.instances": [inst(), inst("r-off", tde_status="Disable"),
                              inst("r-na", tde_supported=False, tde_status=""),
                              inst("r-err", tde_status="", errors={"tde": "NoPermission"})]},
         {RID: "PASS", "r-off": "FAIL", "r-err": "ERROR"}),
    # the cloud answers lower case: Alibaba's Terraform provider accepts only "enabled" | "disabled" as read back
    Case(_T, "TDEStatus enabled (lower case, as the cloud answers) passes; disabled fails",
         {"redis.instances": [inst("r-low", tde_status="enabled"), inst("r-lowoff", tde_status="disabled")]},
         {"r-low": "PASS", "r-lowoff": "FAIL"}),
    # "Enable TDE": "The instance must be a memory-optimized Tair (Enterprise Edition) instance"
    Case(_T, "IsSupportTDE unknown: open-source (EditionType Community, InstanceType Redis), Memcache and "
         "persistent-memory or disk-based Tair give nothing; Tair memory-optimized is judged; no TDEStatus is ERROR",
         {"redis.instances": [inst("r-oss", tde_supported=None, edition_type="Community", tde_status=""),
                              inst("r-redis", tde_supported=None, tde_status=""),
                              inst("m-cache", tde_supported=None, instance_type="Memcache", tde_status=""),
                              inst("r-scm", tde_supported=None, instance_type="Tair", edition_type="Enterprise",
                                   instance_class="tair.scm.standard.1m.4d", tde_status=""),
                              inst("r-essd", tde_supported=None, instance_type="Tair", edition_type="Enterprise",
                                   instance_class="tair.essd.standard.xlarge", tde_status=""),
                              inst("r-tair", tde_supported=None, instance_type="Tair", edition_type="Enterprise",
                                   instance_class="tair.rdb.1g", tde_status="Disable"),
                              inst("r-blank", instance_type="Tair", edition_type="Enterprise", tde_status="")]},
         {"r-tair": "FAIL", "r-blank": "ERROR"}),
]
