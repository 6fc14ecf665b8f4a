"""Issue 20's new ECS, VPC, KMS and RDS datasets on Alibaba's documented samples (tests/fixtures/wire/{ecs,vpc,kms,
rds,ram}); expectations written by hand from the sample values.

ECS: DescribeInstances lists i-bp67acfmxazb4p**** (InstanceNameTest); DescribeUserData's UserData is
"ZWNobyBoZWxsbyBlY321ABC" (Base64 of "echo hello e..." then bytes that are not text: no credentials);
DescribeInstanceRamRole names EcsServiceRole-EcsDocGuideTest, whose ListPoliciesForRole sample is the Custom policy
OSS-Administrator and GetPolicy's document allows oss:* on acs:oss:*:*:* (not administrator); DescribeImages (self)
lists m-bp1g7004ksh0oeuc**** (testImageName, Available) and DescribeImageSharePermission answers ShareGroup "all"
and account 123456****; DescribeDiskEncryptionByDefaultStatus answers Encrypted false."""

from __future__ import annotations

from tests.wire_replay import WireReplay
from tests.wire_samples import REGION, collect, covers, pick


@covers("ecs.user_data")
def test_ecs_user_data_from_the_documented_samples(replay: WireReplay) -> None:
    got = collect(replay, "ecs.user_data")
    expected = [{"instance_id": "i-bp67acfmxazb4p****", "name": "InstanceNameTest", "has_user_data": True,
                 "hits": [], "error": None}]
    assert pick(got, expected) == expected


@covers("ecs.images")
def test_ecs_images_from_the_documented_samples(replay: WireReplay) -> None:
    got = collect(replay, "ecs.images")
    expected = [{"id": "m-bp1g7004ksh0oeuc****", "name": "testImageName", "status": "Available", "public": True,
                 "shared_accounts": ["123456****"], "error": None}]
    assert pick(got, expected) == expected


@covers("ecs.encryption_by_default")
def test_ecs_encryption_by_default_from_the_documented_samples(replay: WireReplay) -> None:
    got = collect(replay, "ecs.encryption_by_default")
    assert pick(got, {"region": REGION, "encrypted": False}) == {"region": REGION, "encrypted": False}


@covers("ecs.instance_roles")
def test_ecs_instance_roles_from_the_documented_samples(replay: WireReplay) -> None:
    got = collect(replay, "ecs.instance_roles")
    expected = [{"instance_id": "i-bp67acfmxazb4p****", "name": "InstanceNameTest",
                 "role": "EcsServiceRole-EcsDocGuideTest", "policies": ["Custom:OSS-Administrator"],
                 "admin_reasons": [], "error": None}]
    assert pick(got, expected) == expected


@covers("kms.secrets")
def test_kms_secrets_from_the_documented_samples(replay: WireReplay) -> None:
    """ListSecrets' sample lists secret001 as a Generic secret (PlannedDeleteTime 2024-08-17T07:59:05Z): a generic
    secret has no automatic rotation to describe, so DescribeSecret (whose sample describes secret001 as an Rds
    secret) is not asked; the emulator's DescribeSecret answers are compared with that sample by
    tests/fidelity/test_wire_corpus.py."""
    got = collect(replay, "kms.secrets")
    expected = [{"name": "secret001", "region": REGION, "arn": "", "type": "Generic", "automatic_rotation": "",
                 "rotation_interval_seconds": None, "planned_delete_time": "2024-08-17T07:59:05Z", "error": None}]
    assert pick(got, expected) == expected


@covers("vpc.nat_gateways")
def test_vpc_nat_gateways_from_the_documented_samples(replay: WireReplay) -> None:
    """DescribeNatGateways lists ngw-bp1047e2d4z7kf2ki**** ("abc", internet); DescribeForwardTableEntries' sample
    entry forwards 139.79.XX.XX:80 to 192.168.XX.XX:25 over "tcp" (lower case in the sample, TCP in the enum)."""
    got = collect(replay, "vpc.nat_gateways")
    expected = [{"id": "ngw-bp1047e2d4z7kf2ki****", "name": "abc", "vpc_id": "vpc-bp15zckdt37pq72z****",
                 "network_type": "internet", "error": None,
                 "dnat": [{"id": "fwd-119smw5tk****", "name": "ForwardEntry-1", "external_ip": "139.79.XX.XX",
                           "external_port": "80", "internal_ip": "192.168.XX.XX", "internal_port": "25",
                           "protocol": "tcp", "status": "Available"}]}]
    assert pick(got, expected) == expected
