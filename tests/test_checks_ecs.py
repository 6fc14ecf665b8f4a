"""ECS checks (CIS 3.1, 3.2, 3.5, 4.1-4.4, metadata hardening, risky ports, AccessKeys used from ECS) through
the scan entry point, on emulated accounts, with the official SDKs making the changes tests need."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from darabonba.runtime import ExtendsParameters, RuntimeOptions
from Tea.exceptions import TeaException

from aliaudit.config import AuditConfig
from tests.scanning import by_resource, scan
from tests.sdk import READER_AK, READER_SECRET, base_scenario, load, pop_config

SG_CHECKS = ["ecs_security_group_ssh_restricted", "ecs_security_group_rdp_restricted",
             "ecs_security_group_fine_grained"]


def sg(gid: str, *rules: dict, region: str = "cn-hangzhou") -> dict:
    return {"id": gid, "name": gid, "region": region, "vpc_id": "vpc-a", "permissions": list(rules)}


def perm(proto: str = "TCP", ports: str = "22/22", src: str = "0.0.0.0/0", policy: str = "Accept", prio: int = 1,
         v6: str = "") -> dict:
    return {"ip_protocol": proto, "port_range": ports, "source_cidr_ip": src, "ipv6_source_cidr_ip": v6,
            "policy": policy, "priority": prio}


def account() -> dict:
    data = base_scenario()
    acct = data["accounts"][0]
    acct["ecs"] = {
        "security_groups": [
            sg("sg-open", perm(), perm(ports="3389/3389", src="", v6="::/0")),
            sg("sg-shadowed", perm(policy="Drop"), perm(ports="1/65535", prio=10)),
            sg("sg-private", perm("ALL", "-1/-1", src="10.0.0.0/8"), perm(ports="443/443"), perm("ICMP", "-1/-1")),
            sg("sg-all", perm("ALL", "-1/-1", prio=100)),
            sg("sg-db", perm(ports="3306/3306"), perm(ports="6379/6379", src="", v6="::/0")),
            sg("sg-guard", perm(ports="3306/3306", policy="Drop")),
            sg("sg-sh", perm(), region="cn-shanghai"),
        ],
        "instances": [
            {"id": "i-web", "name": "web", "vpc_id": "vpc-a", "private_ips": ["172.16.0.10"],
             "public_ips": ["47.0.0.1"], "security_groups": ["sg-open"], "http_tokens": "required",
             "ram_role": "web-role"},
            {"id": "i-db", "vpc_id": "vpc-a", "private_ips": ["172.16.0.11"], "security_groups": ["sg-db", "sg-guard"]},
            {"id": "i-everything", "vpc_id": "vpc-a", "private_ips": ["172.16.0.12"], "public_ips": ["47.0.0.3"],
             "security_groups": ["sg-all"], "http_endpoint": "disabled"},
            {"id": "i-inside", "vpc_id": "vpc-a", "private_ips": ["172.16.0.13"], "security_groups": ["sg-all"],
             "http_tokens": "required"},
            {"id": "i-classic", "network_type": "classic", "private_ips": ["10.1.2.3"],
             "security_groups": ["sg-private"], "http_tokens": "required"},
            {"id": "i-sh", "region": "cn-shanghai", "public_ips": ["47.1.0.1"], "security_groups": ["sg-sh"]},
        ],
        "disks": [
            {"id": "d-sys", "instance_id": "i-web", "type": "system", "encrypted": True, "kms_key_id": "key-1"},
            {"id": "d-data", "instance_id": "i-db"},
            {"id": "d-local", "instance_id": "i-db", "category": "local_ssd_pro"},
            {"id": "d-spare-enc", "encrypted": True},
            {"id": "d-spare"},
        ],
    }
    acct["vpc"] = {"vpcs": [{"id": "vpc-a", "vswitch_ids": ["vsw-a1"]}],
                   "eips": [{"id": "eip-db", "ip": "47.0.0.2", "instance_id": "i-db"},
                            {"id": "eip-nat", "ip": "47.0.0.9", "instance_id": "ngw-1", "instance_type": "Nat"}]}
    return data


def test_security_group_checks_honour_priority_drop_ipv6_and_ranges(cloud):
    load(cloud, account())
    findings = scan(cloud, checks=SG_CHECKS, regions=["cn-hangzhou", "cn-shanghai"])
    hz = [f for f in findings if f.region == "cn-hangzhou"]
    assert by_resource(hz, "ecs_security_group_ssh_restricted") == {
        "sg-open": "FAIL", "sg-shadowed": "PASS", "sg-private": "PASS", "sg-all": "FAIL", "sg-db": "PASS",
        "sg-guard": "PASS"}
    assert by_resource(hz, "ecs_security_group_rdp_restricted") == {
        "sg-open": "FAIL", "sg-shadowed": "FAIL", "sg-private": "PASS", "sg-all": "FAIL", "sg-db": "PASS",
        "sg-guard": "PASS"}
    assert by_resource(hz, "ecs_security_group_fine_grained") == {
        "sg-open": "PASS", "sg-shadowed": "FAIL", "sg-private": "PASS", "sg-all": "FAIL", "sg-db": "PASS",
        "sg-guard": "PASS"}
    sh = [(f.check_id, f.resource_id, f.status.value) for f in findings if f.region == "cn-shanghai"]
    assert ("ecs_security_group_ssh_restricted", "sg-sh", "FAIL") in sh
    msgs = {(f.check_id, f.resource_id): f.message for f in hz}
    assert "::/0" in msgs[("ecs_security_group_rdp_restricted", "sg-open")]
    assert msgs[("ecs_security_group_fine_grained", "sg-shadowed")].endswith("wider than 100 ports: TCP 23-65535")
    assert "every TCP port" in msgs[("ecs_security_group_fine_grained", "sg-all")]
    ssh = next(f for f in findings if f.check_id == "ecs_security_group_ssh_restricted")
    assert ssh.cis == ["3.2", "4.3"] and ssh.severity.value == "high"


def test_instance_checks(cloud):
    load(cloud, account())
    findings = scan(cloud, checks=["ecs_instance_no_classic_network", "ecs_instance_metadata_hardened",
                                   "ecs_instance_risky_ports_not_public"])
    assert by_resource(findings, "ecs_instance_no_classic_network") == {
        "i-web": "PASS", "i-db": "PASS", "i-everything": "PASS", "i-inside": "PASS", "i-classic": "FAIL"}
    assert by_resource(findings, "ecs_instance_metadata_hardened") == {
        "i-web": "PASS", "i-db": "FAIL", "i-everything": "PASS", "i-inside": "PASS", "i-classic": "PASS"}
    # i-db: its EIP comes from DescribeEipAddresses' binding; 3306 is shadowed by sg-guard's Drop (another
    # group, same priority), 6379 is open over IPv6. i-inside is wide open but has no public address.
    assert by_resource(findings, "ecs_instance_risky_ports_not_public") == {
        "i-web": "FAIL", "i-db": "FAIL", "i-everything": "FAIL", "i-inside": "PASS", "i-classic": "PASS"}
    msgs = {f.resource_id: f.message for f in findings if f.check_id == "ecs_instance_risky_ports_not_public"}
    assert "TCP 22 " in msgs["i-web"] and "TCP 3389 " in msgs["i-web"] and "3306" not in msgs["i-web"]
    assert "47.0.0.2" in msgs["i-db"] and "TCP 6379 " in msgs["i-db"] and "3306" not in msgs["i-db"]
    assert msgs["i-everything"].startswith("public address 47.0.0.3 exposes all TCP ports")
    # the port matrix and the fine-grained range limit come from the configuration
    findings = scan(cloud, checks=["ecs_instance_risky_ports_not_public", "ecs_security_group_fine_grained"],
                    config=AuditConfig(risky_ports=[80, 443], public_port_range_max=65535))
    risky = by_resource(findings, "ecs_instance_risky_ports_not_public")
    assert (risky["i-web"], risky["i-db"], risky["i-everything"]) == ("PASS", "PASS", "FAIL")
    assert by_resource(findings, "ecs_security_group_fine_grained")["sg-shadowed"] == "PASS"


def test_disk_encryption_checks(cloud):
    load(cloud, account())
    findings = scan(cloud, checks=["ecs_disk_unattached_encrypted", "ecs_disk_attached_encrypted"])
    assert by_resource(findings, "ecs_disk_unattached_encrypted") == {"d-spare-enc": "PASS", "d-spare": "FAIL"}
    assert by_resource(findings, "ecs_disk_attached_encrypted") == {"d-sys": "PASS", "d-data": "FAIL",
                                                                    "d-local": "MANUAL"}
    sys_disk = next(f for f in findings if f.resource_id == "d-sys")
    assert "key-1" in sys_disk.message and sys_disk.cis == ["4.2"]


def test_fixing_through_the_sdk_flips_the_verdicts(cloud, admin):
    """Rules and metadata options changed with the ECS SDK; every write is an ActionTrail event."""
    load(cloud, account())
    ecs = EcsClient(pop_config(cloud))
    gid = ecs.create_security_group(ecs_models.CreateSecurityGroupRequest(
        region_id="cn-hangzhou", vpc_id="vpc-a", security_group_name="new")).body.security_group_id
    ecs.authorize_security_group(ecs_models.AuthorizeSecurityGroupRequest(
        region_id="cn-hangzhou", security_group_id=gid, permissions=[
            ecs_models.AuthorizeSecurityGroupRequestPermissions(ip_protocol="TCP", port_range="20/25",
                                                                source_cidr_ip="0.0.0.0/0", priority="5")]))
    checks = ["ecs_security_group_ssh_restricted", "ecs_instance_metadata_hardened"]
    findings = scan(cloud, checks=checks)
    assert by_resource(findings, "ecs_security_group_ssh_restricted")[gid] == "FAIL"
    assert by_resource(findings, "ecs_instance_metadata_hardened")["i-db"] == "FAIL"
    # a higher-priority Drop for the whole internet shadows the rule; then revoke both, by rule id
    ecs.authorize_security_group(ecs_models.AuthorizeSecurityGroupRequest(
        region_id="cn-hangzhou", security_group_id=gid, permissions=[
            ecs_models.AuthorizeSecurityGroupRequestPermissions(ip_protocol="ALL", port_range="-1/-1",
                                                                source_cidr_ip="0.0.0.0/0", policy="drop",
                                                                priority="1")]))
    assert by_resource(scan(cloud, checks=checks[:1]), checks[0])[gid] == "PASS"
    rules = ecs.describe_security_group_attribute(ecs_models.DescribeSecurityGroupAttributeRequest(
        region_id="cn-hangzhou", security_group_id=gid)).body.permissions.permission
    assert {(r.policy, r.priority) for r in rules} == {("Accept", "5"), ("Drop", "1")}
    ecs.revoke_security_group(ecs_models.RevokeSecurityGroupRequest(
        region_id="cn-hangzhou", security_group_id=gid,
        security_group_rule_id=[r.security_group_rule_id for r in rules]))
    ecs.modify_instance_metadata_options(ecs_models.ModifyInstanceMetadataOptionsRequest(
        region_id="cn-hangzhou", instance_id="i-db", http_tokens="required"))
    findings = scan(cloud, checks=checks)
    assert by_resource(findings, "ecs_security_group_ssh_restricted")[gid] == "PASS"
    assert by_resource(findings, "ecs_instance_metadata_hardened")["i-db"] == "PASS"
    events = [(e["eventName"], e["referencedResources"]) for e in admin.events() if e["serviceName"] == "Ecs"]
    assert events == [("CreateSecurityGroup", {"ACS::ECS::SecurityGroup": [gid]}),
                      ("AuthorizeSecurityGroup", {"ACS::ECS::SecurityGroup": [gid]}),
                      ("AuthorizeSecurityGroup", {"ACS::ECS::SecurityGroup": [gid]}),
                      ("RevokeSecurityGroup", {"ACS::ECS::SecurityGroup": [gid]}),
                      ("ModifyInstanceMetadataOptions", {"ACS::ECS::Instance": ["i-db"]})]


def _ram_call(cloud, ak: str, secret: str, name: str, *, source_ip: str = "", vpc: str = "") -> None:
    """A RAM write made with a user's AccessKey, as if from source_ip (and from inside a VPC)."""
    headers = {k: v for k, v in (("X-Forwarded-For", source_ip), ("x-acs-source-vpc-id", vpc)) if v}
    RamClient(pop_config(cloud, ak, secret)).create_group_with_options(
        ram_models.CreateGroupRequest(group_name=name),
        RuntimeOptions(extends_parameters=ExtendsParameters(headers=headers)))


def test_access_keys_used_from_ecs(cloud, admin):
    data = account()
    users = data["accounts"][0]["ram"]["users"]
    for n in ("app", "ci", "laptop", "natted"):
        users.append({"name": n, "policies": [{"name": "AdministratorAccess"}],
                      "access_keys": [{"id": f"LTAI{n}key0000001", "secret": f"{n}-secret"}]})
    load(cloud, data)
    three_days_ago = datetime.now(timezone.utc) - timedelta(days=3)
    admin.request("POST", "clock", {"set": three_days_ago.strftime("%Y-%m-%dT%H:%M:%SZ")})
    _ram_call(cloud, "LTAIlaptopkey0000001", "laptop-secret", "g0", source_ip="47.0.0.1")  # i-web, 3 days ago
    admin.request("POST", "clock", {"set": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})
    _ram_call(cloud, "LTAIappkey0000001", "app-secret", "g1", source_ip="47.0.0.1")  # i-web's public IP
    _ram_call(cloud, "LTAIappkey0000001", "app-secret", "g2", source_ip="203.0.113.5")
    _ram_call(cloud, "LTAIcikey0000001", "ci-secret", "g3", source_ip="172.16.0.11", vpc="vpc-a")  # i-db, in-VPC
    _ram_call(cloud, "LTAIlaptopkey0000001", "laptop-secret", "g4", source_ip="198.51.100.7")
    _ram_call(cloud, "LTAInattedkey0000001", "natted-secret", "g5", source_ip="47.0.0.9")  # the NAT gateway's EIP
    findings = scan(cloud, checks=["ram_access_key_used_from_ecs"])
    assert by_resource(findings, "ram_access_key_used_from_ecs") == {
        "LTAIappkey0000001": "FAIL", "LTAIcikey0000001": "FAIL", "LTAIlaptopkey0000001": "FAIL",
        "LTAInattedkey0000001": "FAIL"}
    # the look-back window comes from the configuration: the laptop's in-cloud call is 3 days old
    recent = scan(cloud, checks=["ram_access_key_used_from_ecs"], config=AuditConfig(access_key_event_days=1))
    assert by_resource(recent, "ram_access_key_used_from_ecs") == {
        "LTAIappkey0000001": "FAIL", "LTAIcikey0000001": "FAIL", "LTAIlaptopkey0000001": "PASS",
        "LTAInattedkey0000001": "FAIL"}
    assert all(f.region == "cn-hangzhou" and f.resource_type == "ram:accesskey" for f in findings)
    msgs = {f.resource_id: f for f in findings}
    assert "i-web (1 call(s))" in msgs["LTAIappkey0000001"].message
    assert "use RAM role web-role of i-web" in msgs["LTAIappkey0000001"].message
    assert msgs["LTAIappkey0000001"].resource_name == "app"
    assert "i-db (1 call(s))" in msgs["LTAIcikey0000001"].message
    assert "attach a RAM role to i-db" in msgs["LTAIcikey0000001"].message
    assert "Nat ngw-1" in msgs["LTAInattedkey0000001"].message
    assert "1 call(s) in 1 days, none from" in next(f.message for f in recent if f.resource_id.startswith("LTAIlap"))


def test_denied_reads_give_error_findings(cloud):
    data = account()
    acct = data["accounts"][0]
    acct["ram"]["policies"] = [{"name": "NoSgRules", "document": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": ["ecs:DescribeSecurityGroupAttribute", "ecs:DescribeDisks",
                                      "actiontrail:LookupEvents", "ecs:DescribeInstanceRamRole"],
         "Resource": "*"}]}}]
    acct["ram"]["groups"][0]["policies"].append({"name": "NoSgRules", "type": "Custom"})
    load(cloud, data)
    findings = scan(cloud, checks=[*SG_CHECKS, "ecs_instance_risky_ports_not_public",
                                                      "ecs_disk_attached_encrypted", "ecs_instance_metadata_hardened",
                                                      "ram_access_key_used_from_ecs"],
                    ak=READER_AK, secret=READER_SECRET)
    for check_id in SG_CHECKS:  # per group: each one names the denied call
        res = [f for f in findings if f.check_id == check_id]
        assert len(res) == 6 and all(f.status.value == "ERROR" and "NoPermission" in f.message for f in res)
    risky = by_resource(findings, "ecs_instance_risky_ports_not_public")
    assert risky["i-web"] == "ERROR" and risky["i-inside"] == "PASS"  # no public address: nothing to read
    disks = [f for f in findings if f.check_id == "ecs_disk_attached_encrypted"]
    assert [(f.status.value, f.resource_id) for f in disks] == [("ERROR", "cn-hangzhou")]
    assert [(f.status.value, f.region) for f in findings if f.check_id == "ram_access_key_used_from_ecs"] == [
        ("ERROR", "cn-hangzhou")]
    # the RAM role is advice only: its denial must not cost the instance checks their verdicts
    assert set(by_resource(findings, "ecs_instance_metadata_hardened").values()) == {"PASS", "FAIL"}


def test_every_list_api_is_paged_to_the_end(cloud, admin):
    data = account()
    ecs = data["accounts"][0]["ecs"]
    ecs["instances"] += [{"id": f"i-bulk{n:04d}", "security_groups": ["sg-private"], "ram_role": "r"}
                         for n in range(230)]
    ecs["security_groups"] += [sg(f"sg-bulk{n:04d}") for n in range(120)]
    private = ecs["security_groups"][2]  # sg-private: 1103 rules, the one opening RDP last
    private["permissions"] += [perm(ports=f"{p}/{p}", src="10.0.0.0/8") for p in range(1000, 2100)]
    private["permissions"].append(perm(ports="3389/3389", src="0.0.0.0/0", prio=100))
    ecs["disks"] += [{"id": f"d-bulk{n:04d}", "encrypted": True} for n in range(510)]
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    data["accounts"][0]["events"] = [
        {"eventName": "CreateGroup", "eventTime": now, "serviceName": "Ram", "acsRegion": "cn-hangzhou",
         "isGlobal": True, "sourceIpAddress": "47.0.0.1" if n == 0 else "203.0.113.9",
         "userIdentity": {"type": "ram-user", "userName": "app", "accessKeyId": f"LTAIbulk{n % 3}"}}
        for n in range(120)]
    load(cloud, data)
    findings = scan(cloud, checks=["ecs_instance_metadata_hardened", "ecs_security_group_rdp_restricted",
                                   "ecs_disk_unattached_encrypted", "ram_access_key_used_from_ecs"])
    assert len(by_resource(findings, "ecs_instance_metadata_hardened")) == 5 + 230
    rdp = by_resource(findings, "ecs_security_group_rdp_restricted")
    assert len(rdp) == 6 + 120 and rdp["sg-private"] == "FAIL"  # its last rule sits on the second page
    assert len(by_resource(findings, "ecs_disk_unattached_encrypted")) == 2 + 510
    calls = admin.calls()
    assert calls["ecs:DescribeInstances"] == 3  # 235 instances, 100 per page
    assert calls["ecs:DescribeInstanceRamRole"] == 5  # one call per 50 instances (the API's limit)
    assert calls["ecs:DescribeSecurityGroups"] == 2  # 126 groups
    assert calls["ecs:DescribeSecurityGroupAttribute"] == 126 + 1  # 1000 rules per page
    assert calls["ecs:DescribeDisks"] == 2  # 515 disks, 500 per page
    assert calls["actiontrail:LookupEvents"] == 3  # 120 events, 50 per page; the oldest one is from i-web
    assert by_resource(findings, "ram_access_key_used_from_ecs") == {
        "LTAIbulk0": "FAIL", "LTAIbulk1": "PASS", "LTAIbulk2": "PASS"}


def test_emulated_ecs_pages_both_ways_and_validates_the_region(cloud):
    load(cloud, account())
    ecs = EcsClient(pop_config(cloud))
    by_number = ecs.describe_instances(ecs_models.DescribeInstancesRequest(
        region_id="cn-hangzhou", page_number=2, page_size=2)).body
    assert (by_number.total_count, by_number.page_number, len(by_number.instances.instance)) == (5, 2, 2)
    first = ecs.describe_instances(ecs_models.DescribeInstancesRequest(region_id="cn-hangzhou", max_results=3)).body
    rest = ecs.describe_instances(ecs_models.DescribeInstancesRequest(
        region_id="cn-hangzhou", max_results=3, next_token=first.next_token)).body
    ids = [i.instance_id for i in first.instances.instance + rest.instances.instance]
    assert ids == ["i-web", "i-db", "i-everything", "i-inside", "i-classic"] and rest.next_token == ""
    db = first.instances.instance[1]
    assert (db.eip_address.ip_address, db.metadata_options.http_tokens) == ("47.0.0.2", "optional")
    with pytest.raises(TeaException) as err:
        ecs.describe_instances(ecs_models.DescribeInstancesRequest(region_id="xx-nowhere-1"))
    assert err.value.code == "InvalidRegionId.NotFound"
