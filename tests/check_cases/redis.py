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
CASES: list[Case] = [
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
    Case(_S, "SSLEnabled Enable passes, Disable fails, an engine without TLS fails, a failed read is ERROR",
         {"redis.instances": [inst(), inst("r-off", ssl_status="Disable"),
                              inst("r-old", ssl_status="", ssl_unsupported="IncorrectEngineVersion: not supported"),
                              inst("r-err", errors={"ssl": "NoPermission"})]},
         {RID: "PASS", "r-off": "FAIL", "r-old": "FAIL", "r-err": "ERROR"}),
    Case(_T, "TDEStatus Enabled passes, Disable fails, IsSupportTDE false gives nothing, a failed read is ERROR",
         {"redis.instances": [inst(), inst("r-off", tde_status="Disable"),
                              inst("r-na", tde_supported=False, tde_status=""),
                              inst("r-err", tde_status="", errors={"tde": "NoPermission"})]},
         {RID: "PASS", "r-off": "FAIL", "r-err": "ERROR"}),
]
