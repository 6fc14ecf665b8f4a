"""NAS cases, from the documented samples (tests/fixtures/wire/nas): file system 109c04**** (standard, NFS,
Performance, EncryptType 1, KMSKeyId 0e478b7a-4262-4802-b8cb-00d3fb40****), permission group DEFAULT_VPC_GROUP_NAME
(Vpc, standard) and rule 1 (SourceCidrIp 10.0.*.*/** - masked: the cases use 10.0.0.0/16 -, RDWR, no_squash,
priority 1)."""

from __future__ import annotations

from aliaudit.collectors.nas import NasAccessGroup, NasAccessRule, NasFileSystem
from tests.check_cases import Case

FS = "109c04****"
GROUP = "DEFAULT_VPC_GROUP_NAME"
KEY = f"standard/{GROUP}"


def fs(fid: str = FS, **kw: object) -> NasFileSystem:
    base: dict[str, object] = {
        "id": fid, "region": "cn-hangzhou", "file_system_type": "standard", "description": "test",
        "protocol_type": "NFS", "storage_type": "Performance", "status": "Pending", "encrypt_type": 1,
        "kms_key_id": "0e478b7a-4262-4802-b8cb-00d3fb40****", "access_groups": ["test-001"]}
    base.update(kw)
    return NasFileSystem(**base)  # type: ignore[arg-type]


def rule(rid: str = "1", cidr: str = "10.0.0.0/16", **kw: object) -> NasAccessRule:
    base: dict[str, object] = {"id": rid, "source_cidr_ip": cidr, "rw_access": "RDWR", "user_access": "no_squash",
                               "priority": 1}
    base.update(kw)
    return NasAccessRule(**base)  # type: ignore[arg-type]


def group(name: str = GROUP, *rules: NasAccessRule, fs_type: str = "standard", **kw: object) -> NasAccessGroup:
    base: dict[str, object] = {"name": name, "region": "cn-hangzhou", "file_system_type": fs_type,
                               "group_type": "Vpc", "mount_target_count": 0, "rules": list(rules)}
    base.update(kw)
    return NasAccessGroup(**base)  # type: ignore[arg-type]


_O = "nas_access_rule_not_open"
_R = "nas_access_rule_root_squash"
_E = "nas_filesystem_encrypted"
DG = "nas.access_groups"
CASES: list[Case] = [
    Case(_O, "the documented rule (a /16) passes; 0.0.0.0/0 and ::/0 fail; standard and extreme groups apart",
         {DG: [group(GROUP, rule()), group("open", rule("1", "10.0.0.0/8"), rule("2", "0.0.0.0/0")),
               group("open6", rule("1", "", ipv6_source_cidr_ip="::/0")),
               group("ext-open", rule("1", "0.0.0.0/0", user_access="root_squash", rw_access="RDONLY"),
                     fs_type="extreme")]},
         {KEY: "PASS", "standard/open": "FAIL", "standard/open6": "FAIL", "extreme/ext-open": "FAIL"}),
    Case(_O, "two /1 halves cover everything; a group without rules passes; rules read failed",
         {DG: [group("halves", rule("1", "0.0.0.0/1"), rule("2", "128.0.0.0/1")), group("empty"),
               group("denied", error="NoPermission")]},
         {"standard/halves": "FAIL", "standard/empty": "PASS", "standard/denied": "ERROR"}),
    # the review's defect: a no_squash rule never in effect, behind a root_squash rule of higher priority holding its
    # whole source ("the rule with the highest priority takes effect ... 1 indicates the highest priority"), failed
    Case(_R, "a broad no_squash rule shadowed by a higher-priority root_squash or RDONLY rule holding its source "
             "passes; partly covered, equally ranked or behind another no_squash rule, it fails",
         {"nas.access_groups": [
             group("g-shadowed", rule("1", "0.0.0.0/0", user_access="root_squash", priority=1),
                   rule("2", "10.0.0.0/8", priority=100)),
             group("g-readonly", rule("1", "10.0.0.0/8", rw_access="RDONLY", priority=1),
                   rule("2", "10.0.0.0/8", priority=2)),
             group("g-partial", rule("1", "10.0.0.0/9", user_access="root_squash", priority=1),
                   rule("2", "10.0.0.0/8", priority=100)),
             group("g-tie", rule("1", "0.0.0.0/0", user_access="root_squash", priority=5),
                   rule("2", "10.0.0.0/8", priority=5)),
             group("g-both-root", rule("1", "0.0.0.0/0", priority=1), rule("2", "10.0.0.0/8", priority=2))]},
         {"standard/g-shadowed": "PASS", "standard/g-readonly": "PASS", "standard/g-partial": "FAIL",
          "standard/g-tie": "FAIL", "standard/g-both-root": "FAIL"}),
    Case(_R, "no_squash RDWR on a /16 (the documented rule) passes; on a /8 or 0.0.0.0/0 fails",
         {DG: [group(GROUP, rule()), group("wide", rule("1", "10.0.0.0/8")),
               group("world", rule("1", "0.0.0.0/0")),
               group("v6", rule("1", "", ipv6_source_cidr_ip="2001:250::/32"))]},
         {KEY: "PASS", "standard/wide": "FAIL", "standard/world": "FAIL", "standard/v6": "FAIL"}),
    # the default group admits the whole VPC read-write as root and cannot be changed (ModifyAccessRule); the
    # documented DescribeAccessGroups sample lists it with RuleCount 0 and MountTargetCount 0: judged by its use
    *[Case(cid, "DEFAULT_VPC_GROUP_NAME without rules but used by a mount target fails; unused passes; its use not "
           "answered is MANUAL; the classic network's default group likewise",
           {DG: [group(GROUP, mount_target_count=2), group(GROUP, fs_type="extreme"),
                 group("DEFAULT_CLASSIC_GROUP_NAME", mount_target_count=1, group_type="Classic"),
                 group(GROUP, fs_type="cpfs", mount_target_count=None)]},
           {"standard/DEFAULT_VPC_GROUP_NAME": "FAIL", "extreme/DEFAULT_VPC_GROUP_NAME": "PASS",
            "standard/DEFAULT_CLASSIC_GROUP_NAME": "FAIL", "cpfs/DEFAULT_VPC_GROUP_NAME": "MANUAL"})
      for cid in (_O, _R)],
    Case(_R, "root_squash, all_squash or RDONLY on a broad range pass; rules read failed",
         {DG: [group("sq", rule("1", "0.0.0.0/0", user_access="root_squash")),
               group("all", rule("1", "10.0.0.0/8", user_access="all_squash")),
               group("ro", rule("1", "0.0.0.0/0", rw_access="RDONLY")), group("denied", error="Throttling.User")]},
         {"standard/sq": "PASS", "standard/all": "PASS", "standard/ro": "PASS", "standard/denied": "ERROR"}),
    Case(_E, "the documented EncryptType 1 and KMS 2 pass; 0 and absent fail; unknown MANUAL",
         {"nas.file_systems": [fs(), fs("kms01", encrypt_type=2), fs("plain01", encrypt_type=0, kms_key_id=""),
                               fs("none01", encrypt_type=None), fs("odd01", encrypt_type=7)]},
         {FS: "PASS", "kms01": "PASS", "plain01": "FAIL", "none01": "FAIL", "odd01": "MANUAL"}),
    Case(_E, "a CPFS file system (EncryptType is for standard and extreme only) is MANUAL; an extreme one without "
         "encryption fails",
         {"nas.file_systems": [fs("cpfs01", file_system_type="cpfs", encrypt_type=0),
                               fs("ext01", file_system_type="extreme", encrypt_type=0)]},
         {"cpfs01": "MANUAL", "ext01": "FAIL"}),
]
