"""NAS checks: permission-group (access group) rules that admit every address or give root access to broad
ranges, and file-system encryption at rest. Permission-group findings are per group (standard and extreme groups
apart: a group name is unique per file-system type), file-system findings per file system, in their region.

A NAS mount target is reached from its VPC (or the classic network), not from the internet: an open rule admits
every host of that network, which is what the Cloud Config rule and these checks flag."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from ..cidrs import IPNetwork, covers_world
from ..collectors.nas import ACCESS_GROUPS, FILE_SYSTEMS, NasAccessGroup, NasAccessRule, NasFileSystem
from ..findings import Result, Status
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL
RULE_EVENTS = ["CreateAccessRule", "ModifyAccessRule", "DeleteAccessRule", "CreateAccessGroup", "DeleteAccessGroup",
               "CreateMountTarget", "ModifyMountTarget"]
# "broad" for nas_access_rule_root_squash: a range of more than 65,536 IPv4 addresses (a prefix shorter than /16)
# or an IPv6 range wider than a /48 (a site allocation)
BROAD_PREFIX = {4: 16, 6: 48}
# DescribeFileSystems EncryptType: "0: not encrypted. 1: A NAS-managed key ... 2: A KMS-managed key" (API reference)
ENCRYPTION = {0: "not encrypted", 1: "encrypted with a NAS-managed key", 2: "encrypted with a KMS-managed key"}


def _group_result(g: NasAccessGroup, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=g.key, resource_type="nas:access_group", resource_name=g.name,
                  region=g.region, message=message,
                  details={"file_system_type": g.file_system_type, "group_type": g.group_type,
                           "mount_targets": "" if g.mount_target_count is None else str(g.mount_target_count)})


def _sources(r: NasAccessRule) -> list[tuple[str, IPNetwork]]:
    out = []
    for text in (r.source_cidr_ip, r.ipv6_source_cidr_ip):
        if not text.strip():
            continue
        try:
            out.append((text.strip(), ipaddress.ip_network(text.strip(), strict=False)))
        except ValueError:
            continue  # not an address: admits nobody
    return out


# A default permission group admits every address read-write with root access (the NAS documentation's
# permission-group guide), and "The rules in the default permission group (DEFAULT_VPC_GROUP_NAME) cannot be modified"
# (ModifyAccessRule; the classic network's DEFAULT_CLASSIC_GROUP_NAME is the other default group);
# DescribeAccessGroups' documented sample lists it with RuleCount 0. Its rules as listed say nothing, so it is judged
# by its use: a mount target on it is open to the whole network (Cloud Config / InfraGuard
# nas-filesystem-mount-target-access-group-check: mount targets must not use it).
DEFAULT_GROUPS = ("DEFAULT_VPC_GROUP_NAME", "DEFAULT_CLASSIC_GROUP_NAME")
MOVE_CLI = ("or, for a default group, aliyun nas CreateAccessGroup --AccessGroupName <own> --AccessGroupType Vpc "
            "[--FileSystemType extreme] and aliyun nas ModifyMountTarget --FileSystemId <fs> --MountTargetDomain "
            "<mount target> --AccessGroupName <own>")


def _default_group(g: NasAccessGroup, what: str) -> Result | None:
    """The verdict of a default permission group by its use (None: another group)."""
    if g.name not in DEFAULT_GROUPS:
        return None
    if g.mount_target_count is None:
        return _group_result(g, MANUAL, f"the default permission group {g.name} {what} and cannot be changed, and "
                                        "DescribeAccessGroups did not say how many mount targets use it: check them")
    if g.mount_target_count:
        return _group_result(g, FAIL, f"the default permission group {g.name} {what} and cannot be changed: "
                                      f"{g.mount_target_count} mount target(s) use it; move them to a permission "
                                      f"group of your own of the {g.file_system_type} type (ModifyMountTarget "
                                      "--AccessGroupName)")
    return _group_result(g, PASS, f"the default permission group {g.name} ({what}) is used by no mount target")


def _used(g: NasAccessGroup) -> str:
    if g.mount_target_count is None:
        return ""
    return f" (used by {g.mount_target_count} mount target(s))"


@check(id="nas_access_rule_not_open", severity="high",
       title="NAS permission groups do not admit every address",
       risk="A rule for 0.0.0.0/0 lets every host of the network mount the file systems of the group's mount "
            "targets, so one compromised or misconfigured machine reads (or writes) all their files.",
       console="NAS console > File System > Permission Groups > the group > Manage Rules: replace 0.0.0.0/0 with "
               "the CIDR blocks of the clients (a default group cannot be changed: give its mount targets a group "
               "of your own, File System > Mount Targets > Modify Permission Group).",
       cli="aliyun nas ModifyAccessRule --AccessGroupName <group> --AccessRuleId <id> --SourceCidrIp <cidr> "
           "[--FileSystemType extreme]; " + MOVE_CLI,
       events=RULE_EVENTS, needs=[ACCESS_GROUPS],
       evaluates="DescribeAccessGroups (FileSystemType standard and extreme) -> DescribeAccessRules, per permission "
                 "group: FAIL when a rule's SourceCidrIp or Ipv6SourceCidrIp is a /0 (0.0.0.0/0, ::/0) or the group's "
                 "rules together cover an address family (0.0.0.0/1 + 128.0.0.0/1), naming the group and the rule "
                 "ids, whatever their RWAccess; PASS otherwise (a group without rules admits nobody); ERROR when the "
                 "rules could not be read. CPFS groups are not read (DescribeAccessRules takes no cpfs type). The "
                 "default group DEFAULT_VPC_GROUP_NAME, which admits the whole VPC and whose rules cannot be "
                 "modified (and DEFAULT_CLASSIC_GROUP_NAME), is judged by its use instead: FAIL when MountTargetCount "
                 "is above 0, PASS when 0, MANUAL when not answered.",
       source="Cloud Config nas-access-group-public-access-check")
def access_rule_not_open(inp: Inputs) -> Iterator[Result]:
    for g in inp[ACCESS_GROUPS]:
        if default := _default_group(g, "admits every address of the VPC"):
            yield default
            continue
        if g.error:
            yield _group_result(g, ERROR, f"could not read the rules of permission group {g.name}: {g.error}")
            continue
        entries = [(r, text, net) for r in g.rules for text, net in _sources(r)]
        opened = [(r, text) for r, text, net in entries if net.prefixlen == 0]
        if not opened:
            for family in (4, 6):
                if covers_world((net for _, _, net in entries), family):
                    opened = [(r, text) for r, text, net in entries if net.version == family]
                    break
        if opened:
            rules = ", ".join(f"rule {r.id} {text} ({r.rw_access or '?'}, {r.user_access or '?'})"
                              for r, text in opened)
            yield _group_result(g, FAIL, f"permission group {g.name} admits every address: {rules}{_used(g)}")
        else:
            yield _group_result(g, PASS, f"no rule of permission group {g.name} admits every address "
                                         f"({len(g.rules)} rule(s))")


def _broad(net: IPNetwork) -> bool:
    return net.prefixlen < BROAD_PREFIX[net.version]


def _root_rw(r: NasAccessRule) -> bool:
    return r.user_access.lower() == "no_squash" and r.rw_access.upper() == "RDWR"


def _shadowed(r: NasAccessRule, net: IPNetwork, rules: list[NasAccessRule]) -> bool:
    """Whether no address of net ever gets rule r: a rule of higher priority without root read-write access holds
    all of net ("If multiple rules are attached to the authorized object, the rule with the highest priority takes
    effect ... The value 1 indicates the highest priority", DescribeAccessRules Priority). Equal priorities, or a
    priority not answered, shadow nothing."""
    if r.priority is None:
        return False
    return any(s is not r and s.priority is not None and s.priority < r.priority and not _root_rw(s)
               and any(other.version == net.version and net.subnet_of(other)  # type: ignore[arg-type]
                       for _, other in _sources(s))
               for s in rules)


@check(id="nas_access_rule_root_squash", severity="medium",
       title="NAS permission groups do not give root read-write access to broad ranges",
       risk="With no_squash, root on any client of the range acts as root on the file system: it can read every "
            "file, change ownership and permissions, and plant files other clients execute.",
       console="NAS console > File System > Permission Groups > the group > Manage Rules: set User Permissions to "
               "root_squash (or all_squash), or narrow the authorized address to the clients that need root (a "
               "default group cannot be changed: give its mount targets a group of your own).",
       cli="aliyun nas ModifyAccessRule --AccessGroupName <group> --AccessRuleId <id> --UserAccessType root_squash "
           "[--FileSystemType extreme]; " + MOVE_CLI,
       events=RULE_EVENTS, needs=[ACCESS_GROUPS],
       evaluates="DescribeAccessRules, per permission group (standard and extreme): FAIL when a rule has UserAccess "
                 "no_squash with RWAccess RDWR on a broad source - SourceCidrIp with an IPv4 prefix shorter than /16 "
                 "(more than 65,536 addresses, 0.0.0.0/0 included) or Ipv6SourceCidrIp with a prefix shorter than "
                 "/48 - naming the rule, unless a rule of higher priority (a lower Priority number: the highest "
                 "priority rule takes effect) without root read-write access holds all of that source; PASS "
                 "otherwise (no_squash on a narrower range, RDONLY, root_squash or all_squash); ERROR when the rules "
                 "could not be read. The default group DEFAULT_VPC_GROUP_NAME "
                 "(read-write root access for the whole VPC, not modifiable; DEFAULT_CLASSIC_GROUP_NAME too) is "
                 "judged by its use: FAIL when MountTargetCount is above 0, PASS when 0, MANUAL when not answered.",
       source="https://api.alibabacloud.com/api/NAS/2017-06-26/DescribeAccessRules (UserAccess no_squash)")
def access_rule_root_squash(inp: Inputs) -> Iterator[Result]:
    for g in inp[ACCESS_GROUPS]:
        if default := _default_group(g, "gives every address of the VPC read-write root access"):
            yield default
            continue
        if g.error:
            yield _group_result(g, ERROR, f"could not read the rules of permission group {g.name}: {g.error}")
            continue
        risky = [f"rule {r.id} {text}" for r in g.rules if _root_rw(r)
                 for text, net in _sources(r) if _broad(net) and not _shadowed(r, net, g.rules)]
        if risky:
            yield _group_result(g, FAIL, f"permission group {g.name} gives root read-write access (no_squash, RDWR) "
                                         f"to broad ranges: {', '.join(risky)}{_used(g)}")
        else:
            yield _group_result(g, PASS, f"no rule of permission group {g.name} gives root read-write access to a "
                                         "range broader than /16 (IPv4) or /48 (IPv6)")


def _fs_result(f: NasFileSystem, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=f.id, resource_type="nas:file_system", resource_name=f.description,
                  region=f.region, message=message,
                  details={"file_system_type": f.file_system_type, "protocol": f.protocol_type,
                           "kms_key_id": f.kms_key_id})


ENCRYPTABLE_TYPES = ("standard", "extreme")  # CreateFileSystem EncryptType 1, 2: "Supported when FileSystemType is ..."


@check(id="nas_filesystem_encrypted", severity="medium",
       title="NAS file systems encrypt data at rest",
       risk="An unencrypted file system keeps its files in clear on the storage media and in its snapshots and "
            "backups, outside the protection of a key whose use is logged and can be revoked.",
       console="Encryption is chosen when a file system is created: create an encrypted file system (NAS-managed or "
               "KMS key) and migrate the data (NAS console > Data Migration), then release the old one.",
       cli="aliyun nas CreateFileSystem --ProtocolType NFS --StorageType <type> --FileSystemType <type> "
           "--EncryptType 2 --KmsKeyId <key> (then migrate the data)",
       events=["CreateFileSystem", "DeleteFileSystem"], needs=[FILE_SYSTEMS],
       evaluates="DescribeFileSystems EncryptType (an int): PASS on 1 (NAS-managed key) or 2 (KMS-managed key, the "
                 "message names KMSKeyId), FAIL on 0 (not encrypted) or when the field is absent; MANUAL on any other "
                 "value (not documented), and for a file system whose type is not standard or extreme (CPFS): "
                 "EncryptType 1 and 2 are 'supported when FileSystemType is set to standard or extreme' "
                 "(CreateFileSystem, the SDK model's doc comment).",
       source="Cloud Config nas-filesystem-encrypt-type-check")
def filesystem_encrypted(inp: Inputs) -> Iterator[Result]:
    for f in inp[FILE_SYSTEMS]:
        kind = f.file_system_type.lower()
        if f.encrypt_type not in (1, 2) and kind and kind not in ENCRYPTABLE_TYPES:
            yield _fs_result(f, MANUAL, f"a {f.file_system_type} file system, for which NAS offers no encryption "
                                        "setting (standard and extreme file systems only): protect its data otherwise")
        elif f.encrypt_type in (1, 2):
            key = f" ({f.kms_key_id})" if f.encrypt_type == 2 and f.kms_key_id else ""
            yield _fs_result(f, PASS, f"the file system is {ENCRYPTION[f.encrypt_type]}{key}")
        elif f.encrypt_type in (0, None):
            yield _fs_result(f, FAIL, "the file system is not encrypted (EncryptType 0)" if f.encrypt_type == 0
                             else "DescribeFileSystems gives no EncryptType: not encrypted")
        else:
            yield _fs_result(f, MANUAL, f"undocumented EncryptType {f.encrypt_type}: check it in the console")
