"""MongoDB's collector on the documented samples of dds 2015-12-01 (tests/fixtures/wire/dds): DescribeDBInstances lists
dds-bp18b0934e70**** ("测试数据库", sharding, MongoDB 4.2, Running); the collector asks once per DBInstanceType
(replicate, sharding) and the replay answers both with the one sample, which the product keeps once. DescribeSecurityIps
answers the group "default" with attribute " hidden" (a leading space, so spelt in the sample; the product strips it)
and 47.xxx.xxx.xx,100.xxx.xxx.0/24 (masked); the sharded cluster's endpoints come from DescribeShardingNetworkAddress:
mongos s-bpxxxxxxxx (NetworkType VPC, Port "3717") and the compatible address dds-bpxxxxxxxxxxxxxx (VPC);
DescribeDBInstanceAttribute VpcAuthMode Open (its sample describes dds-bp11483712c1****: the product takes the one
entry the per-instance call answers); DescribeDBInstanceSSL SSLStatus Open; DescribeAuditPolicy LogAuditStatus Enable;
DescribeDBInstanceTDEInfo TDEStatus enabled with EncryptionKey 2axxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx;
DescribeGlobalSecurityIPGroupRelation (one linked template) is not asked: a local-disk instance cannot link
templates."""

from __future__ import annotations

from tests.check_inputs import run_check, statuses
from tests.wire_replay import WireReplay
from tests.wire_samples import REGION, collect, covers, pick

MID = "dds-bp18b0934e70****"


@covers("mongodb.instances")
def test_mongodb_instances_from_the_documented_samples(replay: WireReplay) -> None:
    got = collect(replay, "mongodb.instances")
    expected = [{
        "id": MID, "name": "测试数据库", "region": REGION, "instance_type": "sharding", "engine_version": "4.2",
        "status": "Running", "storage_type": "local_ssd",
        "whitelist": [{"name": "default", "ips": ["47.xxx.xxx.xx", "100.xxx.xxx.0/24"], "attribute": "hidden"}],
        "templates": [],
        "endpoints": [
            {"address": "s-bpxxxxxxxx.mongodb.rds.aliyuncs.com", "network_type": "VPC", "node": "s-bpxxxxxxxx",
             "port": "3717"},
            {"address": "dds-bpxxxxxxxxxxxxxx.mongodb.rds.aliyuncs.com", "network_type": "VPC", "node": "compatible",
             "port": "3717"}],
        "vpc_auth_mode": "Open", "ssl_status": "Open", "audit_status": "Enable", "tde_status": "enabled",
        "tde_key": "2axxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", "errors": {}}]
    assert pick(got, expected) == expected
    assert replay.served.count("dds:DescribeDBInstances") == 3  # one per DBInstanceType (serverless too)
    # local_ssd: no whitelist template can be linked, none is asked for
    assert "dds:DescribeGlobalSecurityIPGroupRelation" not in replay.served
    # what the checks make of it: password-free access (VpcAuthMode Open) fails, the rest passes
    data = {"mongodb.instances": got}
    assert statuses(run_check("mongodb_instance_password_free_access_disabled", data, region=REGION)) == {MID: "FAIL"}
    for check_id in ("mongodb_instance_whitelist_not_open", "mongodb_instance_ssl_enabled",
                     "mongodb_instance_audit_log_enabled", "mongodb_instance_tde_enabled"):  # (SSL answered Open)
        assert statuses(run_check(check_id, data, region=REGION)) == {MID: "PASS"}, check_id
