"""Redis's collector on the documented samples of r-kvstore 2015-01-01 (tests/fixtures/wire/kvstore):
DescribeInstances lists r-bp1zxszhcgatnx**** ("apitest", Redis 4.0, Normal, CLASSIC; TotalCount 1); DescribeSecurityIps
answers the group "default" (attribute "hidden") with 100.100.202.***/24,10.10.10.*** (masked: not addresses, so
they admit nobody); DescribeDBInstanceNetInfo one endpoint r-bp1zxszhcgatnx****.redis.rds.aliyuncs.com, IPType Inner,
Port "6379" (a string); DescribeInstanceAttribute VpcAuthMode Open, IsSupportTDE true (its sample describes another
instance, r-bp1d72gwl41z7f****: the product takes the one entry the per-instance call answers); DescribeInstanceSSL
SSLEnabled Enable; DescribeInstanceTDEStatus TDEStatus Enabled; DescribeGlobalSecurityIPGroupRelation one linked
template test_123 with GIpList 192.168.0.1,10.10.10.10."""

from __future__ import annotations

from aliaudit.checks.registry import all_checks
from tests.check_inputs import run_check, statuses
from tests.wire_replay import WireReplay
from tests.wire_samples import REGION, collect, covers, pick

RID = "r-bp1zxszhcgatnx****"


@covers("redis.instances")
def test_redis_instances_from_the_documented_samples(replay: WireReplay) -> None:
    got = collect(replay, "redis.instances")
    expected = [{
        "id": RID, "name": "apitest", "region": REGION, "instance_type": "Redis", "engine_version": "4.0",
        "status": "Normal", "network_type": "CLASSIC",
        "whitelist": [{"name": "default", "ips": ["100.100.202.***/24", "10.10.10.***"], "attribute": "hidden"}],
        "templates": [{"name": "template:test_123", "ips": ["192.168.0.1", "10.10.10.10"], "attribute": ""}],
        "endpoints": [{"address": "r-bp1zxszhcgatnx****.redis.rds.aliyuncs.com", "ip_type": "Inner",
                       "port": "6379"}],
        "vpc_auth_mode": "Open", "tde_supported": True, "ssl_status": "Enable", "ssl_unsupported": "",
        "tde_status": "Enabled", "errors": {}}]
    assert pick(got, expected) == expected
    # and what the checks make of it: nothing open, a password required, TLS and TDE on
    data = {"redis.instances": got}
    verdicts = {c: statuses(run_check(c, data, region=REGION)) for c in all_checks() if c.startswith("redis_")}
    assert verdicts == {c: {RID: "PASS"} for c in verdicts}
