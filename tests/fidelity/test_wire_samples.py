"""The product's parsing of the documented wire corpus (issue 14, "Documented wire corpus", first test): every
dataset collector runs, unmodified, against Alibaba's documented sample answers (tests/fixtures/wire), played
back over real HTTP by tests/wire_replay.py to the official SDKs the product uses; no emulator is involved.

Each expected value below is written by hand from the sample it comes from (file named in the comments). Where
the samples of different APIs do not line up (ids that differ between a list and its detail call, masked
values), the test asserts what the product does with what the samples give, and says so.
"""

from __future__ import annotations

import http.client
import importlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from alibabacloud_ecs20140526 import models as ecs_models

from aliaudit.collectors.ram import (
    UserInfo,
    _detail_without_report,
    _direct_policies,
    credential_report,
    flag,
    parse_time,
    report_user,
)
from aliaudit.collectors.registry import COLLECTORS
from aliaudit.collectors.securitycenter import FINGERPRINT_TYPES
from aliaudit.collectors.sls import PAGE, _alert, by_offset
from tests.wire_replay import (
    MARKERS,
    NEXT_TOKENS,
    PAGE_OBJECTS,
    TOTALS,
    TRUNCATED,
    WireReplay,
    last_page,
    last_page_xml,
    load_corpus,
)
from tests.wire_samples import COVERED, REGION, UTC, collect, context, covers, factory_for, pick

# --- datasets whose expectation is a plain list of items ----------------------------------------------------------

SIMPLE: dict[str, tuple[str | None, Any]] = {
    # vpc/DescribeFlowLogs.json; TotalCount/PageNumber/PageSize are strings ("1") on the wire. The sample is an
    # Active log whose delivery FAILED (UnavaliableTarget), TrafficPath ["all"], BusinessStatus Normal
    "vpc.flow_logs": (None, [{"id": "fl-bp1f6qqhsrc2c12ta****", "name": "myFlowlog", "status": "Active",
                              "resource_type": "NetworkInterface", "resource_id": "eni-askldfas****",
                              "traffic_type": "All", "project": "FlowLogProject", "logstore": "FlowLogStore",
                              "traffic_path": ["all"], "deliver_status": "FAILED",
                              "deliver_error": "UnavaliableTarget", "business_status": "Normal"}]),
    "vpc.vpcs": (None, [{"id": "vpc-bp1qpo0kug3a20qqe****", "name": "vpc1", "cidr": "192.168.0.0/16",
                         "is_default": False, "vswitch_ids": ["vsw-bp1nhbnpv2blyz8dl****"]}]),
    # vpc/DescribeIpv6Addresses.json. The product asks for NetworkType Public and checks the answer again; the
    # replay applies no request filter and the sample's one address says NetworkType "Private": not public
    "vpc.ipv6_addresses": (None, []),
    "vpc.eips": (None, [{"id": "eip-2zeerraiwb7ujcdvf****", "ip": "47.75.XX.XX",
                         "instance_id": "i-bp15zckdt37cdvf****", "instance_type": "EcsInstance"}]),
    # vpc/DescribeHaVips.json: the lists' item keys are associatedInstance and associatedEipAddresse, as documented
    "vpc.havips": (None, [{"id": "havip-bp149uyvut73dpld****", "ip": "192.168.24.5",
                           "vpc_id": "vpc-bp1kcm36tevkpms97****", "instance_type": "EcsInstance",
                           "instances": ["i-bp145q7glnuzdvzu21****"], "eips": ["121.12.XX.XX"]}]),
    # ecs/DescribeInstances.json, the role from ecs/DescribeInstanceRamRole.json (same instance id)
    "ecs.instances": (None, [{
        "id": "i-bp67acfmxazb4p****", "name": "InstanceNameTest", "zone": "cn-hangzhou-g", "status": "Running",
        "network_type": "vpc", "vpc_id": "vpc-2zeuphj08tt7q3brd****",
        "private_ips": ["172.17.**.**", "10.170.**.**"],  # VpcAttributes.PrivateIpAddress, then InnerIpAddress
        "public_ips": ["121.40.**.**"], "eip": "42.112.**.**", "security_groups": ["sg-bp67acfmxazb4p****"],
        "http_tokens": "optional", "http_endpoint": "enabled", "ram_role": "EcsServiceRole-EcsDocGuideTest"}]),
    # ecs/DescribeSecurityGroups.json + DescribeSecurityGroupAttribute.json (the attribute sample names another
    # group, sg-bp1gxw6bznjjvhu3****: the product files its rules under the listed group, as asked)
    "ecs.security_groups": (None, [{
        "id": "sg-bp67acfmxazb4p****", "name": "SGTestName", "vpc_id": "vpc-bp67acfmxazb4p****", "error": None,
        "rules": [{"group_id": "sg-bp67acfmxazb4p****", "rule_id": "sgr-bp12kewq32dfwrdi****",
                   "direction": "ingress", "policy": "Accept", "priority": 1, "protocol": "TCP",
                   "port_range": "80/80", "source_v4": "0.0.0.0/0", "source_v6": "2001:db8:1234:1a00::***",
                   "source_group": "sg-bp12kc4rqohaf2js****",
                   # the sample's rule also names a port list and a prefix list, which its PortRange and
                   # SourceCidrIp override (AuthorizeSecurityGroup): the product does not read them
                   "port_list": "prl-2ze9743****", "port_list_ranges": None,
                   "source_prefix_list": "pl-x1j1k5ykzqlixdcy****", "prefix_list_cidrs": None, "unread": ""}]}]),
    # ecs/DescribeNetworkInterfaces.json (asked for Secondary ones): InstanceId and SecurityGroupIds
    "ecs.network_interfaces": (None, [{"id": "eni-bp125p95hhdhn3ot****", "instance_id": "i-bp1e2l6djkndyuli****",
                                       "security_groups": ["sg-bp18kz60mefsicfg****"]}]),
    # ecs/DescribeDisks.json (MultiAttach Disabled: InstanceId and Attachments.Attachment[].InstanceId agree)
    "ecs.disks": (None, [{"id": "d-bp18um4r4f2fve24****", "name": "testDiskName",
                          "instance_id": "i-bp67acfmxazb4q****", "attachments": ["i-bp67acfmxazb4q****"],
                          "status": "In_use", "type": "system",
                          "category": "cloud_ssd", "encrypted": False,
                          "kms_key_id": "0e478b7a-4262-4802-b8cb-00d3fb408***"}]),
    # ecs/DescribeAutoSnapshotPolicyEx.json: its one policy, Status Normal, RepeatWeekdays and TimePoints JSON texts
    "ecs.auto_snapshot_policies": (None, [{"id": "sp-bp67acfmxazb4ph****", "name": "testAutoSnapshotPolicyName",
                                           "status": "Normal", "repeat_weekdays": '["6"]', "time_points": '["1"]',
                                           "retention_days": 7}]),
    # actiontrail/LookupEvents.json: its one event (eventId, eventVersion, eventName) has no userIdentity, so no
    # permanent AccessKey signed it
    "actiontrail.permanent_key_events": (None, []),
    "actiontrail.trails": (None, [{
        "name": "test-4", "status": "Enable", "logging": True, "home_region": "cn-hangzhou", "trail_region": "All",
        "event_rw": "All", "oss_bucket": "secloud", "organization": False,
        "sls_project_arn": "acs:log:cn-qingdao:159498693826****:project/zhengze-audit-log"}]),
    # kms/ListKeys.json lists key 08c33a6f-...; kms/DescribeKey.json describes key-hzz630494463ejqjx****: the
    # product keeps the listed id and arn, the metadata from the DescribeKey sample
    "kms.keys": (None, [{
        "id": "08c33a6f-4e0a-4a1b-a3fa-7ddfa1d4****", "region": REGION,
        "arn": "acs:kms:cn-hangzhou:123456:key/80e9409f-78fa-42ab-84bd-83f40c81****",
        "state": "Enabled", "spec": "Aliyun_AES_256", "usage": "ENCRYPT/DECRYPT", "origin": "Aliyun_KMS",
        "creator": "154035569884****", "description": "key description example", "automatic_rotation": "Disabled",
        "rotation_interval_seconds": 31536000, "deletion_protection": "Enabled", "error": None,
        "last_rotation": datetime(2024, 5, 20, 6, 34, 21, tzinfo=UTC),
        "delete_date": datetime(2024, 5, 26, 18, 22, 3, tzinfo=UTC)}]),
    # sas/DescribeCloudCenterInstances.json: the instance's RegionId is "cn-hanghzou" (so spelt in the sample),
    # so the product's own region filter drops it from cn-hangzhou ...
    "securitycenter.servers": (None, []),
    # ... and reads it in the region the sample names
    "securitycenter.servers@cn-hanghzou": ("cn-hanghzou", [{
        "instance_id": "i-m5***", "name": "yztest-l***", "uuid": "c9107c04-942f-40c1-981a-f1c1***",
        "region": "cn-hanghzou", "vendor": "IDC", "vendor_id": 0, "os": "Linux", "running": True,
        "client_status": "online",
        "client_sub_status": "online", "edition": 1,  # AuthVersion
        "vulns": {"cve": 0, "sys": 0, "cms": 0, "emg": 0, "app": 0}}]),  # RiskCount's cveNum, sysNum, ...
    # sls/ListProject.json, ListLogStores.json, GetLogStore.json. The ListLogStores sample lists one name,
    # "test-1,test-2" (a single string in the list): the product asks GetLogStore for that name.
    "sls.logstores": (None, [{"name": "ali-test-project", "region": REGION, "error": None,
                              "logstores": [{"name": "test-1,test-2", "ttl": 1, "missing": False, "error": None}]}]),
}
covers(*(name.split("@")[0] for name in SIMPLE))


@pytest.mark.parametrize("case", sorted(SIMPLE))
def test_list_dataset_from_the_documented_samples(replay: WireReplay, case: str) -> None:
    region, expected = SIMPLE[case]
    got = collect(replay, case.split("@")[0], region)
    assert pick(got, expected) == expected


def test_security_group_rule_lists_from_their_documented_entries(replay: WireReplay) -> None:
    """A rule that takes its ports from a port list and its sources from a prefix list (PortRange -1/-1, no
    source CIDR or group; the lists are the DescribeSecurityGroupAttribute sample's): the collector reads
    ecs/DescribePortRangeListEntries.json (Entries[].PortRange 80/80) and ecs/DescribePrefixListAttributes.json
    (Entries.Entry[].Cidr 192.168.1.0/24) into it."""
    from aliaudit.collectors.ecs import _read_lists  # (here: the port and prefix list reading is new)
    from aliaudit.secgroup import Rule

    ctx = context(replay, REGION)
    rule = Rule(group_id="sg-bp67acfmxazb4p****", protocol="TCP", port_range="-1/-1", port_list="prl-2ze9743****",
                source_prefix_list="pl-x1j1k5ykzqlixdcy****")
    _read_lists(ctx, ctx.client("ecs"), [rule])
    assert (rule.port_list_ranges, rule.prefix_list_cidrs, rule.unread) == (["80/80"], ["192.168.1.0/24"], "")


# --- RAM and IMS ------------------------------------------------------------------------------------------------

@covers("ram.users")
def test_ram_users(replay: WireReplay) -> None:
    """ram/ListUsers.json lists one user, zhangq**** (UserId 20732900249392****). The credential report's only
    user row is username@company-alias.onaliyun.com (user "username"), not that user: the samples do not line
    up, so the product reads zhangq**** with the IMS per-user calls, each answered by its sample."""
    got = collect(replay, "ram.users")
    expected = [{
        "name": "zhangq****", "id": "20732900249392****", "error": None,
        "created": datetime(2015, 1, 23, 12, 33, 18, tzinfo=UTC),  # ListUsers CreateDate
        "last_login": datetime(2020, 10, 12, 9, 12, tzinfo=UTC),  # ims/GetUser.json LastLoginDate
        "console": True,  # ims/GetLoginProfile.json Status Active
        "mfa_bound": True,  # ims/ListVirtualMFADevices.json: a device of UserId 20732900249392****
        # ram/ListAccessKeys.json; no report row: last use from ram/GetAccessKeyLastUsed.json
        "access_keys": [{"id": "0wNEpMMlzy7s****", "status": "Active",
                         "created": datetime(2015, 1, 23, 12, 33, 18, tzinfo=UTC),
                         "last_used": datetime(2020, 10, 21, 6, 37, 40, tzinfo=UTC)}],
        # ram/ListPolicies.json has one attached policy for one user: the product asks per user instead,
        # ram/ListPoliciesForUser.json
        "policies": ["Custom:OSS-Administrator"]}]
    assert pick(got, expected) == expected
    assert "ims:GetCredentialReport" in replay.served  # the report was read (and named no listed user)


@covers("ram.root")
def test_ram_root_from_the_credential_report(replay: WireReplay) -> None:
    """ims/GetCredentialReport.json content_csv, row <root>: mfa_active TRUE, key 1 active (last used
    2019-11-11T12:45:18Z), key 2 FALSE, the additional key slots N/A."""
    got = collect(replay, "ram.root")
    assert pick(got, {"last_login": None, "mfa_active": None, "active_keys": None, "key_last_used": None}) == {
        "last_login": datetime(2019, 11, 11, 12, 45, 18, tzinfo=UTC), "mfa_active": True,
        "active_keys": ["key 1"], "key_last_used": datetime(2019, 11, 11, 12, 45, 18, tzinfo=UTC)}
    assert replay.served.count("ims:GenerateCredentialReport") == 3  # STARTED, INPROGRESS, COMPLETED


def test_credential_report_rows_name_users_by_their_logon_name(replay: WireReplay) -> None:
    """The report's user column is the UPN: username@company-alias.onaliyun.com is RAM user "username"; its
    user_last_logon '-' is "never", password_active N/A is not TRUE (with password_exist TRUE the collector asks
    GetLoginProfile then: ram._report_console), mfa_active TRUE."""
    ctx = context(replay, "global")
    rows = credential_report(ctx.client("ims"), 10)
    got = {report_user(r): (parse_time(r["user_last_logon"]), flag(r["password_active"]), flag(r["mfa_active"]))
           for r in rows}
    assert got == {"<root>": (datetime(2019, 11, 11, 12, 45, 18, tzinfo=UTC), True, True),
                   "username": (None, False, True)}


def test_ims_fallback_reads_a_security_key_from_get_user_mfa_info(replay: WireReplay) -> None:
    """The per-user path for a user without a virtual MFA device (ims/ListVirtualMFADevices.json lists only user
    20732900249392****): ims/GetUserMFAInfo.json answers a device (SerialNumber acs:ram::...:mfa/device001), so
    the user has MFA; console and last logon from ims/GetLoginProfile.json and ims/GetUser.json."""
    info = UserInfo(name="not-listed", id="no-virtual-device", created=None)
    _detail_without_report(context(replay, "global"), info)
    assert (info.last_login, info.console, info.mfa_bound) == (datetime(2020, 10, 12, 9, 12, tzinfo=UTC), True, True)
    assert "ims:GetUserMFAInfo" in replay.served


def test_direct_policies_from_list_entities_for_policy(replay: WireReplay) -> None:
    """With more users than attached policies the collector reads attachments per policy: ram/ListPolicies.json
    (OSS-Administrator, System, AttachmentCount 3) and ram/ListEntitiesForPolicy.json (user zhangq****)."""
    ctx = context(replay, "global")
    assert _direct_policies(ctx.client("ram"), ctx, users=2) == {"zhangq****": ["System:OSS-Administrator"]}


@covers("ram.password_policy")
def test_ram_password_policy(replay: WireReplay) -> None:
    got = collect(replay, "ram.password_policy")  # ram/GetPasswordPolicy.json
    expected = {"minimum_length": 12, "require_lowercase": True, "require_uppercase": True, "require_numbers": True,
                "require_symbols": True, "hard_expiry": False, "max_age": 0, "reuse_prevention": 0,
                "max_login_attempts": 5}
    assert pick(got, expected) == expected


@covers("ram.custom_policies")
def test_ram_custom_policies(replay: WireReplay) -> None:
    """ram/ListPolicies.json (asked for Custom policies, its sample's policy says System: the product keeps what
    it is given) and ram/GetPolicy.json's DefaultPolicyVersion.PolicyDocument (a JSON text)."""
    got = collect(replay, "ram.custom_policies")
    expected = [{
        "name": "OSS-Administrator", "attachments": 3,
        "document": {"Statement": [{"Action": ["oss:*"], "Effect": "Allow", "Resource": ["acs:oss:*:*:*"]}],
                     "Version": "1"}}]
    assert pick(got, expected) == expected


# --- OSS, RDS, ACK ------------------------------------------------------------------------------------------------

@covers("oss.buckets")
def test_oss_buckets(replay: WireReplay) -> None:
    got = collect(replay, "oss.buckets")
    expected = {"account_block": True, "account_block_error": None,  # oss/GetPublicAccessBlock.json
                "buckets": [{
                    "name": "mybucket01", "region": "cn-hangzhou", "storage_class": "Standard",  # ListBuckets
                    "created": datetime(2014, 5, 15, 11, 18, 32, tzinfo=UTC),
                    "acl": "private",  # GetBucketAcl Grant
                    "policy": {"Version": "1", "Statement": [{  # GetBucketPolicy (the document itself)
                        "Action": ["oss:PutObject", "oss:GetObject"], "Effect": "Deny", "Principal": ["1234567890"],
                        "Resource": ["acs:oss:*:1234567890:*/*"]}]},
                    "logging_target": "examplebucket",  # GetBucketLogging TargetBucket
                    "sse_algorithm": "AES256", "kms_key_id": "9468da86-3509-4f8d-a61e-6eab1eac****",  # Encryption
                    "kms_data_encryption": "SM4",
                    "versioning": "Enabled", "block_public_access": True, "errors": {}}]}
    assert pick(got, expected) == expected


@covers("rds.instances")
def test_rds_instances(replay: WireReplay) -> None:
    got = collect(replay, "rds.instances")
    expected = [{
        # rds/DescribeDBInstances.json
        "id": "rm-uf6wjk5xxxxxxxxxx", "name": "Test database", "region": "cn-hangzhou", "engine": "MySQL",
        "engine_version": "5.7", "category": "Basic", "status": "Running", "instance_type": "Primary",
        "whitelist": [{"name": "rds_default", "ips": ["192.168.1.0/24"], "attribute": "hidden", "ip_type": "IPv4"}],
        # rds/DescribeInstanceLinkedWhitelistTemplate.json: template_123 with Ips "12.0.X.X,10.2.X.X" (masked: not
        # addresses, they admit nobody)
        "templates": [{"name": "template:template_123", "ips": ["12.0.X.X", "10.2.X.X"], "attribute": ""}],
        "endpoints": [{"address": "rm-uf6w*****.mysql.rds.aliyuncs.com", "ip_type": "Public", "port": "3306"}],
        "ssl_enabled": True, "force_encryption": "1",  # DescribeDBInstanceSSL SSLEnabled Yes
        "tde_status": "Enabled", "tde_mode": "Aliyun_Generate_Key", "tde_key_id": "749c1df7-****-****-****-****",
        # DescribeDBInstanceEncryptionKey's sample describes key 5306d1b6-..., not the TDE sample's 749c1df7-...:
        # no list entry matches the key asked for, so the product reads the answer's top-level fields (no KeyType)
        "tde_key": {"key_id": "5306d1b6-7fd3-42d9-9511-xxxxxxx", "key_type": "", "creator": "1443*****9604",
                    "origin": "Aliyun_KMS", "status": "Enabled"},
        # DescribeSQLCollectorPolicy Enable, StoragePeriod 0; DescribeSQLCollectorRetention ConfigValue "365"
        "audit_status": "Enable", "audit_retention_days": 365,
        "parameters": {"fill factor": "0"},  # DescribeParameters RunningParameters
        # DescribeBackupPolicy BackupRetentionPeriod 7, EnableBackupLog "1", LogBackupRetentionPeriod 7
        "backup_retention_days": 7, "log_backup": "1", "log_backup_retention_days": 7,
        "errors": {}}]
    assert pick(got, expected) == expected


@covers("ack.clusters")
def test_ack_clusters(replay: WireReplay) -> None:
    got = collect(replay, "ack.clusters")
    expected = {
        "clusters": [{
            # cs/DescribeClustersV1.json
            "id": "c3fb96524f9274b4495df0f12a6b5****", "name": "cluster-demo", "region": "cn-beijing",
            "cluster_type": "Kubernetes", "profile": "Default", "state": "running", "version": "1.32.1-aliyun.1",
            # master_url and meta_data are JSON texts whose quotes the sample shows escaped
            # ({\"api_server_endpoint\":\"\",...}), not valid JSON as given: the product reads neither, and
            # api_server_endpoint is "" (no public endpoint) in the sample anyway
            "public_endpoint": "", "meta_data": {},
            # cs/GetClusterAuditProject.json, its project name with the sample's trailing newline
            "audit_project": "k8s-log-cad1230511cbb4db4a488e58518******\n", "audit_enabled": True,
            # cs/ListClusterAddonInstances.json: coredns is no network plugin, so no GetClusterAddonInstance
            "addons": [{"name": "coredns", "version": "v1.9.3.10-7dfca203-aliyun", "state": "active",
                        "config": None}],
            "node_pools": [{"id": "np615c0e0966124216a0412e10afe0****", "name": "default-nodepool",
                            "cms_enabled": True, "nodes": 3}],  # cs/DescribeClusterNodePools.json
            # cs/ListClusterInspectReports.json: a completed report ending 2024-12-18T19:40:16.778333+08:00
            "last_inspection": datetime(2024, 12, 18, 19, 40, 16, 778333, tzinfo=timezone(timedelta(hours=8))),
            "errors": {}, "tags": {"env": "prod"}}],
        # cs/DescribeKubernetesVersionMetadata.json (asked for the latest and the running 1.32.1-aliyun.1, the
        # sample describes 1.31.1-aliyun.1 each time)
        "versions": {"Kubernetes/Default": [{"version": "1.31.1-aliyun.1",
                                     "expiration": datetime(2026, 1, 30, tzinfo=UTC)}]},
        "versions_error": {}}
    assert pick(got, expected) == expected


# --- Security Center account settings -----------------------------------------------------------------------------

@covers("securitycenter.edition", "securitycenter.notices", "securitycenter.vul_scan", "securitycenter.fingerprints",
        "securitycenter.defense", "securitycenter.linked_roles", "securitycenter.log_analysis")
def test_security_center_settings(replay: WireReplay) -> None:
    def run(name: str, like: Any = None) -> Any:
        got = collect(replay, f"securitycenter.{name}")
        return pick(got, like) if like is not None else got

    # sas/DescribeVersionConfig.json: Version 3, MergedVersion 7, HighestVersion 1, IsTrialVersion 0; IsPostpay true,
    # PostPayHostVersion 7, PostPayStatus 1
    edition = {"version": 3, "merged": 7, "highest": 1, "trial": False, "post_pay": True, "post_pay_version": 7,
               "post_pay_status": 1}
    assert run("edition", edition) == edition
    assert run("notices") == {"sas_suspicious": 7}  # sas/DescribeNoticeConfig.json
    # sas/DescribeVulConfig.json: Type cve with Config "90" (the SDK's doc comment documents on/off for cve and a
    # number of days only for imageVulClean; the sample's OverAllConfig is "on"): the product keeps Config.
    # sas/DescribeConcernNecessity.json: ["asap"]
    vul_scan = {"config": {"cve": "90"}, "levels": ["asap"]}
    assert run("vul_scan", vul_scan) == vul_scan
    # sas/DescribePropertyScheduleConfig.json Config "3", one call per fingerprint type the product asks for
    assert run("fingerprints") == dict.fromkeys(FINGERPRINT_TYPES, 3)
    assert run("defense") == {"auto_breaking": "on", "webshell_cloud_breaking": "on"}  # OverallConfig.Config on
    # sas/DescribeServiceLinkedRoleStatus.json RoleStatus.Status true
    assert run("linked_roles") == {"AliyunServiceRoleForSas": True, "AliyunServiceRoleForSasCspm": True}
    # sas/DescribeLogShipperStatus.json (BuyStatus, OpenStatus, AuthStatus yes, PostPaidOpenStatus no) and
    # DescribeLogMeta.json
    log_analysis = {"bought": True, "open": True, "authorized": True, "post_paid": False, "logs": [
        {"logstore": "aegis-log-login", "category": "host", "description": "Login", "enabled": True}]}
    assert run("log_analysis", log_analysis) == log_analysis


# --- Log Service audit ----------------------------------------------------------------------------------------------

@covers("sls.audit")
def test_sls_audit(replay: WireReplay) -> None:
    """actiontrail/DescribeTrails.json's SlsProjectArn names a masked account ("159498693826****"), which no
    real ARN has: the product lists it as an ARN it cannot parse and reads no project."""
    got = collect(replay, "sls.audit")
    expected = {"targets": [], "projects": [],
                "bad_arns": ["acs:log:cn-qingdao:159498693826****:project/zhengze-audit-log"],
                # sls/ListProject.json (asked by name for slsaudit-center-<account>-<region> in each region that
                # can hold one) lists ali-test-project, no central project of this account
                "centers": [], "center_errors": {}}
    assert pick(got, expected) == expected


def test_sls_alert_rules_from_list_alerts(replay: WireReplay) -> None:
    """sls/ListAlerts.json through the SDK's list_alert (GET /jobs?jobType=Alert) and the product's alert reading:
    its status is "ENABLED/DISABLED" (both documented values as one string), which is not "enabled"."""
    client = factory_for(replay).log(REGION)
    alerts = [_alert(a, "audit-project") for a in by_offset(
        lambda o: client.list_alert("audit-project", offset=o, size=PAGE), lambda r: r.get_entities())]
    expected = [{
        "name": "alert-123456", "display_name": "alertNameExample", "project": "audit-project", "enabled": False,
        "queries": [{"project": "projectExample", "store": "store Example", "store_type": "log",
                     "query": "* | select *"}],
        "template_id": "sls.app.ack.ip.not_enough", "template_tokens": {"test": "test", "test2": "1"}}]
    assert pick(alerts, expected) == expected


# --- coverage and the replay itself -------------------------------------------------------------------------------

def test_every_collector_is_run_against_the_documented_samples() -> None:
    # each family's own sample file registers what it covers when imported
    for path in sorted(Path(__file__).parent.glob("test_wire_samples_*.py")):
        importlib.import_module(f"tests.fidelity.{path.stem}")
    assert sorted(set(COLLECTORS) - COVERED) == []
    assert sorted(COVERED - set(COLLECTORS)) == []


def test_a_call_without_a_documented_sample_fails_loudly() -> None:
    with WireReplay() as server:
        ecs = factory_for(server).pop("ecs", REGION)
        with pytest.raises(Exception, match="no documented sample for ecs:DescribeZones"):
            ecs.describe_zones(ecs_models.DescribeZonesRequest(region_id=REGION))
        target = urlsplit(server.url)
        conn = http.client.HTTPConnection(target.hostname or "", target.port, timeout=5)
        conn.request("GET", "http://mybucket01.oss-cn-hangzhou.aliyuncs.com/?cors")
        resp = conn.getresponse()
        assert resp.status == 404 and b"GET http://mybucket01.oss-cn-hangzhou.aliyuncs.com/?cors" in resp.read()
        conn.close()
    assert len(server.misses) == 2


PAGING = {*NEXT_TOKENS, *TRUNCATED, *MARKERS, *TOTALS}


@pytest.mark.parametrize("api", sorted(k for k, d in load_corpus().items() if isinstance(d.get("response"), dict)))
def test_the_replay_changes_only_paging_fields_and_keeps_their_types(api: str) -> None:
    sample = load_corpus()[api]["response"]
    served = last_page(sample)
    pairs = [(served, sample), *((served[k], sample[k]) for k in PAGE_OBJECTS if isinstance(sample.get(k), dict))]
    for obj, orig in pairs:
        changed = {k for k in set(obj) | set(orig) if k not in PAGE_OBJECTS and obj.get(k, "<removed>") != orig.get(k)}
        assert changed <= PAGING, f"{api}: changed {sorted(changed - PAGING)}"
        for k in changed & set(obj):
            assert type(obj[k]) is type(orig[k]), f"{api}: {k} {orig[k]!r} -> {obj[k]!r}"


def test_the_replay_ends_oss_listings_on_their_last_page() -> None:
    sample = str(load_corpus()["oss:ListBuckets"]["response_xml"])
    served = last_page_xml(sample)
    assert "<IsTruncated>false</IsTruncated>" in served and "NextMarker" not in served
    assert served == sample.replace("<IsTruncated>true</IsTruncated>", "<IsTruncated>false</IsTruncated>").replace(
        "\n  <NextMarker>def</NextMarker>", "")
