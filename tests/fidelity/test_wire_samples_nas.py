"""NAS's collectors on the documented samples of nas 2017-06-26 (tests/fixtures/wire/nas): DescribeFileSystems lists
file system 109c04**** (standard, NFS, Performance, Pending, EncryptType 1, KMSKeyId 0e478b7a-...) with one mount
target in permission group test-001; DescribeAccessGroups lists DEFAULT_VPC_GROUP_NAME (Vpc, "This is a test access
group.", MountTargetCount 0); DescribeAccessRules rule "1" (SourceCidrIp 10.0.*.*/** and Ipv6SourceCidrIp
2001:250:6000::*** - masked -, RDWR, no_squash, Priority 1).

The collector asks DescribeAccessGroups once per FileSystemType it can read rules for (standard, extreme); the replay
answers both with the one sample, so the product holds the group twice, once per type it asked for."""

from __future__ import annotations

from tests.wire_replay import WireReplay
from tests.wire_samples import REGION, collect, covers, pick


@covers("nas.file_systems")
def test_nas_file_systems_from_the_documented_samples(replay: WireReplay) -> None:
    got = collect(replay, "nas.file_systems")
    expected = [{
        "id": "109c04****", "region": REGION, "file_system_type": "standard", "description": "test",
        "protocol_type": "NFS", "storage_type": "Performance", "status": "Pending", "encrypt_type": 1,
        "kms_key_id": "0e478b7a-4262-4802-b8cb-00d3fb40****", "access_groups": ["test-001"]}]
    assert pick(got, expected) == expected


@covers("nas.access_groups")
def test_nas_access_groups_from_the_documented_samples(replay: WireReplay) -> None:
    got = collect(replay, "nas.access_groups")
    rule = {"id": "1", "source_cidr_ip": "10.0.*.*/**", "ipv6_source_cidr_ip": "2001:250:6000::***",
            "rw_access": "RDWR", "user_access": "no_squash", "priority": 1}
    expected = [{"name": "DEFAULT_VPC_GROUP_NAME", "region": REGION, "file_system_type": fs_type, "group_type": "Vpc",
                 "description": "This is a test access group.", "mount_target_count": 0, "rules": [rule],
                 "error": None} for fs_type in ("standard", "extreme")]
    assert pick(got, expected) == expected
