"""ECS cases (and ram_access_key_used_from_ecs, which checks/ecs.py defines). Values from tests/fixtures/wire/ecs:
instance i-bp67acfmxazb4p**** (InstanceNetworkType vpc | classic, HttpTokens optional | required, HttpEndpoint
enabled | disabled, EIP 42.112.**.**, group sg-bp67acfmxazb4p****); disk d-bp18um4r4f2fve24**** (Category cloud_ssd,
Encrypted false, KMSKeyId 0e478b7a-...); DescribeSecurityGroupAttribute's sample rule sgr-bp12kewq32dfwrdi****
(ingress TCP 80/80 from 0.0.0.0/0, Priority 1, Accept); ENI eni-bp125p95hhdhn3ot****."""

from __future__ import annotations

from aliaudit.collectors.ecs import (
    DiskInfo,
    EncryptionByDefault,
    EniInfo,
    GroupInfo,
    ImageInfo,
    InstanceInfo,
    InstanceRole,
    KeyEvent,
    SnapshotPolicy,
    UserDataInfo,
    decode_user_data,
    user_data_hits,
)
from aliaudit.collectors.vpc import EipInfo, HaVipInfo, Ipv6Info
from aliaudit.config import AuditConfig
from aliaudit.secgroup import Rule
from tests.check_cases import Case

IID = "i-bp67acfmxazb4p****"
SG = "sg-bp67acfmxazb4p****"
VPC = "vpc-2zeuphj08tt7q3brd****"
DISK = "d-bp18um4r4f2fve24****"
KMS = "0e478b7a-4262-4802-b8cb-00d3fb408***"
ENI = "eni-bp125p95hhdhn3ot****"
EIP = "42.112.10.20"  # the documented 42.112.**.** with its mask filled in


def inst(iid: str = IID, **kw: object) -> InstanceInfo:
    base: dict[str, object] = {"id": iid, "name": "testHostName", "zone": "cn-hangzhou-i", "status": "Running",
                               "network_type": "vpc", "vpc_id": VPC, "private_ips": ["172.17.0.10"],
                               "security_groups": [SG], "http_tokens": "required", "http_endpoint": "enabled",
                               "ram_role": ""}
    base.update(kw)
    return InstanceInfo(**base)  # type: ignore[arg-type]


def rule(ports: str = "80/80", src: str = "0.0.0.0/0", *, proto: str = "TCP", policy: str = "Accept", prio: int = 1,
         v6: str = "", group: str = SG, rid: str = "sgr-bp12kewq32dfwrdi****") -> Rule:
    return Rule(group_id=group, rule_id=rid, protocol=proto, port_range=ports, source_v4=src, source_v6=v6,
                policy=policy, priority=prio)


def group(gid: str = SG, *rules: Rule, error: str | None = None) -> GroupInfo:
    return GroupInfo(id=gid, name="SecurityGroupName Sample", vpc_id=VPC,
                     rules=[r.model_copy(update={"group_id": gid}) for r in rules], error=error)


def groups(*gs: GroupInfo) -> dict[str, list[GroupInfo]]:
    return {"ecs.security_groups": list(gs)}


def disk(did: str = DISK, instance: str = IID, **kw: object) -> DiskInfo:
    base: dict[str, object] = {"id": did, "name": "testDiskName", "instance_id": instance,
                               "status": "In_use" if instance else "Available", "type": "data",
                               "category": "cloud_ssd", "encrypted": True, "kms_key_id": KMS}
    base.update(kw)
    return DiskInfo(**base)  # type: ignore[arg-type]


def exposure(instances: list[InstanceInfo], gs: list[GroupInfo], *, enis: list[EniInfo] | None = None,
             eips: list[EipInfo] | None = None, v6: list[Ipv6Info] | None = None,
             havips: list[HaVipInfo] | None = None) -> dict[str, object]:
    return {"ecs.instances": instances, "ecs.security_groups": gs, "ecs.network_interfaces": enis or [],
            "vpc.eips": eips or [], "vpc.ipv6_addresses": v6 or [], "vpc.havips": havips or []}


def event(key: str, ip: str, vpc: str = "") -> KeyEvent:
    return KeyEvent(key_id=key, event_name="DescribeInstances", service="Ecs", time="2026-01-01T00:00:00Z",
                    source_ip=ip, vpc_id=vpc, principal="alice")


WEB = rule()  # the documented rule: TCP 80 from anywhere
SSH_WORLD = rule("22/22", rid="sgr-ssh")
RDP_WORLD = rule("3389/3389", rid="sgr-rdp")
SSH_OFFICE = rule("22/22", "203.0.113.0/24", rid="sgr-office")

# DescribeAutoSnapshotPolicyEx's documented sample (tests/fixtures/wire/ecs/DescribeAutoSnapshotPolicyEx.json)
SNAP_POLICY = SnapshotPolicy(id="sp-bp67acfmxazb4p****", name="testAutoSnapshotPolicyName", status="Normal",
                             repeat_weekdays='["6"]', time_points='["1"]', retention_days=7)

CASES: list[Case] = [
    Case("ecs_instance_no_classic_network", "vpc vs classic",
         {"ecs.instances": [inst(), inst("i-classic", network_type="classic", vpc_id="")]},
         {IID: "PASS", "i-classic": "FAIL"}),
    # CIS 4.3/4.4/3.2 as their audits read: an Accept rule naming 0.0.0.0/0 fails whatever Drops and priorities
    # say; ::/0 and ranges that add up to the world are the *_not_exposed checks' business
    Case("ecs_security_group_ssh_restricted", "TCP 80 only; 22 from an office; 22 from 0.0.0.0/0; 22 from ::/0 only",
         groups(group(SG, WEB), group("sg-office", SSH_OFFICE), group("sg-world", SSH_WORLD),
                group("sg-v6", rule("22/22", "", v6="::/0", rid="sgr-v6"))),
         {SG: "PASS", "sg-office": "PASS", "sg-world": "FAIL", "sg-v6": "PASS"}),
    Case("ecs_security_group_ssh_restricted", "ALL protocol from anywhere; an Accept behind a higher-priority Drop "
         "still exists; a Drop from 0.0.0.0/0 alone allows nothing",
         groups(group("sg-all", rule("-1/-1", proto="ALL", rid="sgr-all")),
                group("sg-drop", rule("22/22", policy="Drop", prio=1, rid="d"), rule("1/65535", prio=2, rid="a")),
                group("sg-deny", rule("22/22", policy="Drop", rid="d"))),
         {"sg-all": "FAIL", "sg-drop": "FAIL", "sg-deny": "PASS"}),
    Case("ecs_security_group_ssh_restricted", "0.0.0.0/1 + 128.0.0.0/1 name no 0.0.0.0/0; egress-only rule",
         groups(group("sg-halves", rule("22/22", "0.0.0.0/1", rid="a"), rule("22/22", "128.0.0.0/1", rid="b")),
                group("sg-egress", rule("22/22").model_copy(update={"direction": "egress"}))),
         {"sg-halves": "PASS", "sg-egress": "PASS"}),
    Case("ecs_security_group_ssh_restricted", "a prefix list holding 0.0.0.0/0; one that could not be read; a port "
         "list that could not be read on a rule from 0.0.0.0/0; rules that could not be read",
         groups(group("sg-pl", rule("22/22", "", rid="p").model_copy(update={
                    "source_prefix_list": "pl-any", "prefix_list_cidrs": ["10.0.0.0/8", "0.0.0.0/0"]})),
                group("sg-pl-unread", rule("22/22", "", rid="p").model_copy(update={
                    "source_prefix_list": "pl-x", "unread": "prefix list pl-x: NoPermission"})),
                group("sg-ports-unread", rule("-1/-1", rid="q").model_copy(update={
                    "port_list": "prl-x", "unread": "port list prl-x: NoPermission"})),
                group(SG, error="Throttling")),
         {"sg-pl": "FAIL", "sg-pl-unread": "ERROR", "sg-ports-unread": "ERROR", SG: "ERROR"}),
    Case("ecs_security_group_rdp_restricted", "TCP 80 only vs 3389 from anywhere; SSH-only group passes",
         groups(group(SG, WEB), group("sg-rdp", RDP_WORLD), group("sg-ssh", SSH_WORLD)),
         {SG: "PASS", "sg-rdp": "FAIL", "sg-ssh": "PASS"}),
    Case("ecs_security_group_ssh_not_exposed", "TCP 80 only; 22 from an office; 22 from 0.0.0.0/0; 22 from ::/0",
         groups(group(SG, WEB), group("sg-office", SSH_OFFICE), group("sg-world", SSH_WORLD),
                group("sg-v6", rule("22/22", "", v6="::/0", rid="sgr-v6"))),
         {SG: "PASS", "sg-office": "PASS", "sg-world": "FAIL", "sg-v6": "FAIL"}),
    Case("ecs_security_group_ssh_not_exposed", "all ports ALL protocol from anywhere; a higher-priority Drop wins",
         groups(group("sg-all", rule("-1/-1", proto="ALL", rid="sgr-all")),
                group("sg-drop", rule("22/22", policy="Drop", prio=1, rid="d"), rule("1/65535", prio=2, rid="a"))),
         {"sg-all": "FAIL", "sg-drop": "PASS"}),
    Case("ecs_security_group_ssh_not_exposed", "0.0.0.0/1 + 128.0.0.0/1 together are the world; egress-only rule",
         groups(group("sg-halves", rule("22/22", "0.0.0.0/1", rid="a"), rule("22/22", "128.0.0.0/1", rid="b")),
                group("sg-egress", rule("22/22").model_copy(update={"direction": "egress"}))),
         {"sg-halves": "FAIL", "sg-egress": "PASS"}),
    Case("ecs_security_group_ssh_not_exposed", "rules could not be read", groups(group(SG, error="Throttling")),
         {SG: "ERROR"}),
    Case("ecs_security_group_rdp_not_exposed", "TCP 80 only vs 3389 from anywhere; SSH-only group passes",
         groups(group(SG, WEB), group("sg-rdp", RDP_WORLD), group("sg-ssh", SSH_WORLD)),
         {SG: "PASS", "sg-rdp": "FAIL", "sg-ssh": "PASS"}),
    Case("ecs_security_group_fine_grained", "80 and 443 open are MANUAL (CIS 3.5: a reviewer judges whether each rule "
         "is needed); 1/65535 fails; a 1000-port range fails; nothing open passes",
         groups(group(SG, WEB, rule("443/443", rid="r443")), group("sg-all", rule("1/65535", rid="wide")),
                group("sg-range", rule("8000/8999", rid="range")), group("sg-none")),
         {SG: "MANUAL", "sg-all": "FAIL", "sg-range": "FAIL", "sg-none": "PASS"}),
    Case("ecs_security_group_fine_grained", "UDP all ports from anywhere",
         groups(group("sg-udp", rule("-1/-1", proto="UDP", rid="udp"))), {"sg-udp": "FAIL"}),
    Case("ecs_instance_risky_ports_not_public", "EIP + documented TCP 80 rule passes; EIP + SSH open fails; "
         "no public address passes though SSH is open",
         exposure([inst(eip=EIP), inst("i-ssh", eip="42.112.10.21", security_groups=["sg-ssh"]),
                   inst("i-private", security_groups=["sg-ssh"])],
                  [group(SG, WEB), group("sg-ssh", SSH_WORLD)]),
         {IID: "PASS", "i-ssh": "FAIL", "i-private": "PASS"}),
    Case("ecs_instance_risky_ports_not_public", "Redis 6379 open through a secondary ENI with an EIP",
         exposure([inst()], [group(SG, WEB), group("sg-eni", rule("6379/6379", rid="redis"))],
                  enis=[EniInfo(id=ENI, instance_id=IID, security_groups=["sg-eni"])],
                  eips=[EipInfo(id="eip-2ze88m67qx5z****", ip=EIP, instance_id=ENI,
                                instance_type="NetworkInterface")]),
         {IID: "FAIL"}),
    Case("ecs_instance_risky_ports_not_public", "IPv6 address with bandwidth and SSH open to ::/0; IPv4-only "
         "door not reached through a ::/0 rule",
         exposure([inst(), inst("i-v4", eip=EIP, security_groups=["sg-v6"])],
                  [group(SG, rule("22/22", "", v6="::/0", rid="v6")), group("sg-v6", rule("22/22", "", v6="::/0"))],
                  v6=[Ipv6Info(id="ipv6-bp1", ip="2408:4321:180:1701:94c7:bc38:3bfa:1", instance_id=IID,
                               instance_type="EcsInstance", bandwidth=5)]),
         {IID: "FAIL", "i-v4": "PASS"}),
    Case("ecs_instance_risky_ports_not_public", "SSH open, reached only through a HaVip's EIP (the documented "
         "sample's havip-bp149uyvut73dpld****, associated with the instance) or an EIP bound to its private address "
         "(InstanceType IpAddress, in its VPC); the same address in another VPC is not it",
         exposure([inst(security_groups=["sg-ssh"]), inst("i-addr", security_groups=["sg-ssh"], vpc_id="vpc-a",
                                                          private_ips=["192.168.0.7"]),
                   inst("i-other", security_groups=["sg-ssh"], vpc_id="vpc-b", private_ips=["192.168.0.7"])],
                  [group("sg-ssh", SSH_WORLD)],
                  havips=[HaVipInfo(id="havip-bp149uyvut73dpld****", ip="192.168.24.5", instance_type="EcsInstance",
                                    instances=[IID], eips=["121.12.0.1"])],
                  eips=[EipInfo(id="eip-addr", ip="47.1.2.3", instance_id="192.168.0.7", instance_type="IpAddress",
                                vpc_id="vpc-a")]),
         {IID: "FAIL", "i-addr": "FAIL", "i-other": "PASS"}),
    Case("ecs_instance_risky_ports_not_public", "its group could not be read",
         exposure([inst(eip=EIP)], [group(SG, error="Throttling")]), {IID: "ERROR"}),
    Case("ecs_instance_metadata_hardened", "documented optional/enabled fails; required passes; disabled passes",
         {"ecs.instances": [inst(http_tokens="optional"), inst("i-req"),
                            inst("i-off", http_tokens="optional", http_endpoint="disabled"),
                            inst("i-unset", http_tokens="", http_endpoint="")]},
         {IID: "FAIL", "i-req": "PASS", "i-off": "PASS", "i-unset": "FAIL"}),
    Case("ecs_disk_attached_encrypted", "encrypted with KMS key vs documented Encrypted false; unattached ignored",
         {"ecs.disks": [disk(), disk("d-plain", encrypted=False, kms_key_id=""), disk("d-free", "")]},
         {DISK: "PASS", "d-plain": "FAIL"}),
    Case("ecs_disk_attached_encrypted", "CIS 4.2 judges data disks: an unencrypted system disk is the system "
         "disk check's", {"ecs.disks": [disk(), disk("d-sys", encrypted=False, kms_key_id="", type="system")]},
         {DISK: "PASS"}),
    Case("ecs_system_disk_encrypted", "attached system disks: encrypted vs not; data and unattached disks ignored",
         {"ecs.disks": [disk("d-sys-enc", type="system"), disk("d-sys", encrypted=False, kms_key_id="", type="system"),
                        disk(), disk("d-free", "", type="system")]},
         {"d-sys-enc": "PASS", "d-sys": "FAIL"}),
    Case("ecs_disk_attached_encrypted", "local disk cannot be encrypted: MANUAL",
         {"ecs.disks": [disk("d-local", category="local_ssd_pro", encrypted=False, kms_key_id="")]},
         {"d-local": "MANUAL"}),
    Case("ecs_disk_unattached_encrypted", "Available disks: encrypted vs not; attached ignored",
         {"ecs.disks": [disk(instance=""), disk("d-plain", "", encrypted=False, kms_key_id=""), disk("d-att")]},
         {DISK: "PASS", "d-plain": "FAIL"}),
    # review 23 item 4: InstanceId "is empty for cloud disks for which the multi-attach feature is enabled" (the
    # Attachments name the instances) and "has a value only when the Status value is In_use or Detaching"
    Case("ecs_disk_unattached_encrypted", "a multi-attach disk named only in Attachments, an Attaching disk and an "
         "In_use disk naming no instance are attached: not judged here",
         {"ecs.disks": [disk("d-multi", "", encrypted=False, kms_key_id="", status="In_use",
                             attachments=[IID, "i-second"]),
                        disk("d-attaching", "", encrypted=False, kms_key_id="", status="Attaching"),
                        disk("d-shared", "", encrypted=False, kms_key_id="", status="In_use"),
                        disk("d-free", "", encrypted=False, kms_key_id="")]},
         {"d-free": "FAIL"}),
    Case("ecs_disk_attached_encrypted", "CIS 4.2 judges a multi-attach disk (InstanceId empty, Attachments filled) and "
         "an Attaching one",
         {"ecs.disks": [disk("d-multi", "", encrypted=False, kms_key_id="", status="In_use",
                             attachments=[IID, "i-second"]),
                        disk("d-attaching", "", status="Attaching")]},
         {"d-multi": "FAIL", "d-attaching": "PASS"}),
    Case("ram_access_key_used_from_ecs", "calls from an instance's EIP and from inside a VPC fail; from outside "
         "the cloud passes",
         {"actiontrail.permanent_key_events": [event("LTAIecs", EIP), event("LTAIvpc", "172.17.0.10", VPC),
                                               event("LTAIhome", "198.51.100.7")],
          "ecs.instances": [inst(eip=EIP)], "vpc.eips": []},
         {"LTAIecs": "FAIL", "LTAIvpc": "FAIL", "LTAIhome": "PASS"}),
    Case("ram_access_key_used_from_ecs", "call from a NAT gateway's EIP fails",
         {"actiontrail.permanent_key_events": [event("LTAInat", "47.1.2.3")], "ecs.instances": [],
          "vpc.eips": [EipInfo(id="eip-nat", ip="47.1.2.3", instance_id="ngw-1", instance_type="Nat")]},
         {"LTAInat": "FAIL"}, config=AuditConfig()),
    # --- issue 20 -----------------------------------------------------------------------------------
    Case("ecs_security_group_risky_ports_restricted", "documented TCP 80 passes; Redis 6379, UDP 53 and 2376 of "
         "Docker's 2375-2376 from anywhere fail; MySQL from an office passes; a Drop in front passes",
         groups(group(SG, WEB), group("sg-redis", rule("6379/6379", rid="redis")),
                group("sg-dns", rule("53/53", proto="UDP", rid="dns")),
                group("sg-docker", rule("2376/2376", rid="docker")),
                group("sg-office", rule("3306/3306", "203.0.113.0/24", rid="mysql")),
                group("sg-guard", rule("445/445", policy="Drop", rid="d"), rule("445/445", prio=2, rid="smb"))),
         {SG: "PASS", "sg-redis": "FAIL", "sg-dns": "FAIL", "sg-docker": "FAIL", "sg-office": "PASS",
          "sg-guard": "PASS"}),
    Case("ecs_security_group_risky_ports_restricted", "TCP 53 is not the UDP DNS probe; a custom list catches it",
         groups(group("sg-tcp53", rule("53/53", rid="tcp53"))), {"sg-tcp53": "PASS"}),
    Case("ecs_security_group_risky_ports_restricted", "configured list: TCP 53 DNS",
         groups(group("sg-tcp53", rule("53/53", rid="tcp53"))), {"sg-tcp53": "FAIL"},
         config=AuditConfig(security_group_risky_ports=["TCP 53 DNS"])),
    Case("ecs_security_group_risky_ports_restricted", "rules could not be read",
         groups(group(SG, error="Throttling")), {SG: "ERROR"}),
    Case("ecs_instance_login_key_pair", "documented key pair testKeyPairName passes; none fails; Windows skipped",
         {"ecs.instances": [inst(os_type="linux", key_pair="testKeyPairName"), inst("i-pw", os_type="linux"),
                            inst("i-win", os_type="windows")]},
         {IID: "PASS", "i-pw": "FAIL"}),
    Case("ecs_instance_user_data_no_access_keys", "documented sample (echo hello) passes; an AccessKey fails; no "
         "user data passes; unreadable is ERROR",
         {"ecs.user_data": [
             UserDataInfo(instance_id=IID, has_user_data=True, hits=user_data_hits(decode_user_data(
                 "ZWNobyBoZWxsbyBlY321ABC").decode("utf-8", "replace"))),
             UserDataInfo(instance_id="i-ak", has_user_data=True, hits=user_data_hits(
                 "#!/bin/sh\nexport ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tAbCdEfGhIjKlMnOpQr\n")),
             UserDataInfo(instance_id="i-none"),
             UserDataInfo(instance_id="i-err", error="Forbidden.RAM")]},
         {IID: "PASS", "i-ak": "FAIL", "i-none": "PASS", "i-err": "ERROR"}),
    Case("ecs_instance_ram_role_not_admin", "documented role EcsServiceRole-EcsDocGuideTest with AdministratorAccess "
         "fails; a read-only role passes; no role passes; an unreadable policy is ERROR",
         {"ecs.instance_roles": [
             InstanceRole(instance_id=IID, role="EcsServiceRole-EcsDocGuideTest",
                          policies=["System:AdministratorAccess"],
                          admin_reasons=["System policy AdministratorAccess allows * on *"]),
             InstanceRole(instance_id="i-ro", role="reader", policies=["System:AliyunECSReadOnlyAccess"]),
             InstanceRole(instance_id="i-none"),
             InstanceRole(instance_id="i-classic", note="a classic network instance: instance RAM roles apply to "
                                                          "VPC instances only"),
             InstanceRole(instance_id="i-err", role="broken", error="EntityNotExist.Role"),
             # one policy already grants administrator rights: another unreadable one does not make it unknown
             InstanceRole(instance_id="i-admin-err", role="ops", policies=["System:AdministratorAccess"],
                          admin_reasons=["System policy AdministratorAccess allows * on *"],
                          error="Custom:ops-extra: EntityNotExist.Policy")]},
         {IID: "FAIL", "i-ro": "PASS", "i-none": "PASS", "i-classic": "PASS", "i-err": "ERROR",
          "i-admin-err": "FAIL"}),
    Case("ecs_image_not_public", "documented ShareGroup all fails; shared with one account passes; unreadable ERROR",
         {"ecs.images": [ImageInfo(id="m-bp1caf3yicx5jlfl****", name="testImageName", public=True,
                                   shared_accounts=["123456****"]),
                         ImageInfo(id="m-acct", shared_accounts=["123456****"]), ImageInfo(id="m-private"),
                         ImageInfo(id="m-err", error="Throttling")]},
         {"m-bp1caf3yicx5jlfl****": "FAIL", "m-acct": "PASS", "m-private": "PASS", "m-err": "ERROR"}),
    Case("ecs_image_not_public", "review 23 item 2: a community image (DescribeImages IsPublic true) fails even when "
         "its share permissions could not be read",
         {"ecs.images": [ImageInfo(id="m-community", public=True, error="Throttling")]}, {"m-community": "FAIL"}),
    Case("ecs_disk_encryption_by_default_enabled", "documented Encrypted false is MANUAL: the feature is offered "
         "'only in specific regions and to specific users' (EnableDiskEncryptionByDefault)",
         {"ecs.encryption_by_default": EncryptionByDefault(region="cn-hangzhou", encrypted=False)},
         {"ecs-default-encryption/cn-hangzhou": "MANUAL"}),
    Case("ecs_disk_encryption_by_default_enabled", "Encrypted true passes",
         {"ecs.encryption_by_default": EncryptionByDefault(region="cn-hangzhou", encrypted=True)},
         {"ecs-default-encryption/cn-hangzhou": "PASS"}),
    Case("ecs_disk_auto_snapshot_policy_attached", "policy applied passes; none fails; the documented pair (policy "
         "sp-bp67acfmxazb4p****, EnableAutomatedSnapshotPolicy false) is MANUAL; local disk skipped",
         {"ecs.disks": [disk(auto_snapshot_policy="sp-bp67acfmxazb4p****", automated_snapshot_policy=True),
                        disk("d-none"), disk("d-doc", auto_snapshot_policy="sp-bp67acfmxazb4p****"),
                        disk("d-local", category="local_ssd_pro")],
          "ecs.auto_snapshot_policies": [SNAP_POLICY]},
         {DISK: "PASS", "d-none": "FAIL", "d-doc": "MANUAL"}),
    Case("ecs_disk_auto_snapshot_policy_attached", "the policy's Status: Expire fails (overdue payments: no snapshots "
         "taken), an undocumented one is MANUAL, a policy the region does not list is ERROR",
         {"ecs.disks": [disk("d-expired", auto_snapshot_policy="sp-expired", automated_snapshot_policy=True),
                        disk("d-odd", auto_snapshot_policy="sp-odd", automated_snapshot_policy=True),
                        disk("d-gone", auto_snapshot_policy="sp-gone", automated_snapshot_policy=True)],
          "ecs.auto_snapshot_policies": [SNAP_POLICY.model_copy(update={"id": "sp-expired", "status": "Expire"}),
                                         SNAP_POLICY.model_copy(update={"id": "sp-odd", "status": "Paused"})]},
         {"d-expired": "FAIL", "d-odd": "MANUAL", "d-gone": "ERROR"}),
]
