"""A large, seeded account for the benchmark: the sizes of issue 7 at scale 1.0, with the families and datasets of
issue 20 (Redis, MongoDB, PolarDB, NAS, CLB/ALB/NLB, FC, API Gateway, MSE, CR, Elasticsearch, Kafka,
Bastionhost per region; CDN, DNS, WAF, Anti-DDoS, Cloud Firewall, CloudSSO account-wide; ECS images and user
data, NAT gateways with DNAT entries, KMS secrets), each size an option; or a
whole organisation of such accounts (``--accounts N``: a management account and N-1 members in a Resource
Directory, each member with the audit role ResourceDirectoryAccountAccessRole, ExternalId aliaudit-bench).

    python -m tests.emulator.generate --scale 0.25 --seed 1 --out big.json
    python -m tests.emulator.generate --accounts 50 --scale 0.02 --seed 1 --out org.json
    python -m tests.emulator --scenario big.json

The scenario's pydantic objects are built directly (YAML for 200,000 resources would take minutes to
parse); the JSON file loads with ``Scenario.model_validate_json``. Every id and every property is drawn
from ``random.Random(seed)``, so a seed always gives the same account. About one resource in five or
ten carries a usual mistake (no MFA, an old key, a public bucket, SSH open to the world, an unencrypted
disk...), so the checks produce both PASS and FAIL findings.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .products import (
    alb,
    alidns,
    alikafka,
    bastionhost,
    cdn,
    cloudapi,
    cloudfw,
    cloudsso,
    cr,
    ddoscoo,
    dds,
    elasticsearch,
    kvstore,
    mse,
    nas,
    nlb,
    polardb,
    slb,
    waf,
)
from .products.actiontrail import ActionTrailState, Trail
from .products.cs import Addon, Cluster, CsState, NodePool
from .products.ecs import Disk, EcsState, Image, Instance, Permission, SecurityGroup
from .products.fc.model import Function, Trigger
from .products.kms import Key, KmsState, Secret
from .products.oss import Bucket, BucketEncryption, BucketLogging, OssState
from .products.ram import (
    AccessKey,
    Group,
    LoginProfile,
    MfaDevice,
    PasswordPolicy,
    Policy,
    PolicyRef,
    RamState,
    Role,
    User,
)
from .products.rds import DBInstance, RdsState, WhitelistGroup
from .products.resourcemanager import Folder, Member, ResourceDirectory
from .products.sas import Asset, LogAnalysis, SasState
from .products.sls import Logstore, Project, SlsState
from .products.vpc import ForwardEntry, NatGateway, Vpc, VpcState
from .state import Account, Root, Scenario

ACCOUNT = "1234567890123456"
ROOT_AK, ROOT_SECRET = "LTAIrootkey00000001", "root-secret-0000000000000000"  # same as tests.sdk
# generate_org: member n (1..N-1) is account MEMBER_BASE + n; its audit role trusts ACCOUNT with this ExternalId
MEMBER_BASE = 2 * 10**15
AUDIT_ROLE, AUDIT_EXTERNAL_ID = "ResourceDirectoryAccountAccessRole", "aliaudit-bench"
# generate_org: the management account's RAM user who audits the organisation (AdministratorAccess): STS refuses
# the account's own key ("Roles may not be assumed by root accounts", STS common errors)
ORG_AUDITOR, ORG_AUDITOR_AK, ORG_AUDITOR_SECRET = "org-auditor", "LTAIorgauditor00001", "org-auditor-secret-0000000000"
# 24 real region ids (the SDKs' endpoint maps and the emulator's host routing know them all)
REGIONS = [
    "cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-qingdao", "cn-zhangjiakou", "cn-huhehaote",
    "cn-wulanchabu", "cn-chengdu", "cn-guangzhou", "cn-heyuan", "cn-hongkong", "ap-southeast-1", "ap-southeast-3",
    "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ap-northeast-1", "ap-northeast-2", "ap-south-1",
    "us-west-1", "us-east-1", "eu-central-1", "eu-west-1",
]
# ages are relative to today (UTC midnight): a seed gives the same account all day, and the checks, which
# compare with the real time, see the same ages whenever it is generated
NOW = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Sizes:
    """Issue 7's account, and issue 20's resources. Per-region sizes apply to every region."""

    regions: int = 24
    users: int = 5000
    keys_per_user: int = 2
    custom_policies: int = 300
    groups: int = 100
    roles: int = 100
    buckets: int = 2000
    instances: int = 300  # per region, as every line below
    security_groups: int = 150
    rules_per_group: int = 20
    disks: int = 600
    vpcs: int = 20
    rds_instances: int = 30
    sls_projects: int = 10
    logstores_per_project: int = 10
    ack_clusters: int = 3
    kms_keys: int = 20
    # issue 20's families and datasets, per region
    images: int = 20
    nat_gateways: int = 5
    dnat_per_nat: int = 3
    kms_secrets: int = 10
    redis_instances: int = 20
    mongodb_instances: int = 10
    polardb_clusters: int = 10
    nas_file_systems: int = 20
    clbs: int = 20
    listeners_per_clb: int = 3
    albs: int = 10
    nlbs: int = 10
    fc_functions: int = 50
    api_gateway_apis: int = 20
    mse_clusters: int = 3
    cr_instances: int = 5
    elasticsearch_instances: int = 5
    kafka_instances: int = 5
    bastion_hosts: int = 2
    # ... and account-wide (one CloudSSO directory always)
    cdn_domains: int = 100
    dns_domains: int = 50
    records_per_domain: int = 5
    waf_protected_objects: int = 50
    ddos_websites: int = 20
    cloudfw_assets: int = 100

    def scaled(self, factor: float) -> Sizes:
        """Every count times factor (at least 1 where the full size has one), except the region count and the
        per-item shapes (keys per user, rules per group, logstores per project): the account gets smaller, its
        resources keep their shape, so the work scales linearly."""
        fixed = {"regions", "keys_per_user", "rules_per_group", "logstores_per_project", "dnat_per_nat",
                 "listeners_per_clb", "records_per_domain"}
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = value if f.name in fixed else (max(1, round(value * factor)) if value else 0)
        return Sizes(**out)

    def total_resources(self) -> int:
        per_region = (self.instances + self.security_groups * (1 + self.rules_per_group) + self.disks + self.vpcs
                      + self.rds_instances + self.sls_projects * (1 + self.logstores_per_project)
                      + self.ack_clusters + self.kms_keys
                      + self.images + self.nat_gateways * (1 + self.dnat_per_nat) + self.kms_secrets
                      + self.redis_instances + self.mongodb_instances + self.polardb_clusters
                      + self.nas_file_systems + _nas_groups(self.nas_file_systems)
                      + self.clbs * (1 + self.listeners_per_clb) + self.albs * 3 + self.nlbs * 2
                      + self.fc_functions + self.api_gateway_apis + _api_groups(self.api_gateway_apis)
                      + self.mse_clusters + self.cr_instances * 3 + self.elasticsearch_instances
                      + self.kafka_instances + self.bastion_hosts)
        account_wide = (self.cdn_domains + self.dns_domains * (1 + self.records_per_domain)
                        + self.waf_protected_objects + self.ddos_websites + self.cloudfw_assets + 1)
        return (self.users * (2 + self.keys_per_user) + self.custom_policies + self.groups + self.roles
                + self.buckets + self.regions * per_region + account_wide)


def _nas_groups(file_systems: int) -> int:
    return (file_systems + 3) // 4 if file_systems else 0


def _api_groups(apis: int) -> int:
    return (apis + 4) // 5 if apis else 0


class _Gen:
    def __init__(self, seed: int | str) -> None:
        self.rng = random.Random(seed)
        self.counts: dict[str, int] = {}

    def hex(self, n: int) -> str:
        return f"{self.rng.getrandbits(4 * n):0{n}x}"

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def ago(self, lo_days: int, hi_days: int) -> datetime:
        return NOW - timedelta(days=self.rng.randint(lo_days, hi_days), seconds=self.rng.randint(0, 86399))

    def flaws(self, kind: str, p: float = 0.15) -> Callable[[float], bool]:
        """Whether each of a new resource's usual mistakes is made (called with the mistake's share among the
        flawed resources): the first `kind` of the account makes none, the second all of them (so even a tiny
        account gives each check a PASS and a FAIL), the others are flawed with chance p."""
        n = self.counts.get(kind, 0)
        self.counts[kind] = n + 1
        if n < 2:
            return lambda share: n == 1
        if not self.chance(p):
            return lambda share: False
        return lambda share: self.chance(share)


def _ram(g: _Gen, s: Sizes, account_id: str = ACCOUNT) -> RamState:
    policies = [Policy(name=f"custom-policy-{n:04d}", created=g.ago(30, 900), document={"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"} if g.chance(0.05) else
        {"Effect": "Allow", "Action": [f"ecs:Describe{g.hex(4)}", "oss:GetObject"],
         "Resource": f"acs:oss:*:*:bucket-{n:05d}/*"}]}) for n in range(s.custom_policies)]
    groups = [Group(name=f"group-{n:03d}", id=str(10**15 + n), created=g.ago(100, 900),
                    policies=[PolicyRef(name=policies[g.rng.randrange(len(policies))].name, type="Custom")]
                    if policies else [PolicyRef(name="ReadOnlyAccess")]) for n in range(s.groups)]
    roles = [Role(name=f"role-{n:03d}", id=str(2 * 10**15 + n), created=g.ago(100, 900),
                  policies=[PolicyRef(name="ReadOnlyAccess")]) for n in range(s.roles)]
    users = []
    for n in range(s.users):
        console = g.chance(0.6)
        keys = [AccessKey(id=f"LTAI{g.hex(20)}", secret=g.hex(30), created=g.ago(1, 400),
                          status="Active" if g.chance(0.9) else "Inactive",
                          last_used=g.ago(0, 200) if g.chance(0.8) else None) for _ in range(s.keys_per_user)]
        users.append(User(
            name=f"user-{n:05d}", id=str(3 * 10**15 + n), created=g.ago(100, 1500),
            last_login=g.ago(0, 200) if console and g.chance(0.9) else None, access_keys=keys,
            # every user has a login profile (issue 7); 60% use the console
            login_profile=LoginProfile(created=g.ago(100, 1500), mfa_bind_required=g.chance(0.7)),
            mfa_device=MfaDevice(serial=f"acs:ram::{account_id}:mfa/user-{n:05d}") if g.chance(0.8) else None,
            groups=[groups[g.rng.randrange(len(groups))].name] if groups and g.chance(0.9) else [],
            policies=[PolicyRef(name="AliyunOSSReadOnlyAccess")] if g.chance(0.05) else []))
    return RamState(users=users, groups=groups, roles=roles, policies=policies,
                    password_policy=PasswordPolicy(minimum_length=14, require_lowercase=True, require_uppercase=True,
                                                   require_numbers=True, require_symbols=True,
                                                   max_password_age=90, password_reuse_prevention=5,
                                                   max_login_attempts=5))


def _oss(g: _Gen, s: Sizes, regions: list[str], prefix: str = "") -> OssState:
    buckets = []
    for n in range(s.buckets):
        name = f"{prefix}bucket-{n:05d}"  # bucket names are global: members' carry their prefix
        buckets.append(Bucket(
            name=name, region=regions[n % len(regions)], created=g.ago(10, 1500),
            acl="public-read" if g.chance(0.05) else "private",
            policy={"Version": "1", "Statement": [{"Effect": "Allow", "Principal": ["*"], "Action": ["oss:GetObject"],
                                                   "Resource": [f"acs:oss:*:*:{name}/*"]}]}
            if g.chance(0.05) else None,
            logging=BucketLogging(target_bucket=name, target_prefix="log/") if g.chance(0.6) else None,
            encryption=BucketEncryption(sse_algorithm="KMS" if g.chance(0.5) else "AES256")
            if g.chance(0.8) else None,
            versioning="Enabled" if g.chance(0.5) else None, public_access_block=g.chance(0.3)))
    return OssState(buckets=buckets, public_access_block=False)


def _regional(g: _Gen, s: Sizes, regions: list[str], acct: Account, prefix: str = "") -> None:
    ecs, vpc, rds, sls, cs, kms = EcsState(), VpcState(), RdsState(), SlsState(), CsState(), KmsState()
    assets = []
    engines = ["MySQL", "PostgreSQL", "SQLServer", "MariaDB"]
    for r_idx, region in enumerate(regions):
        vpcs = [Vpc(id=f"vpc-{g.hex(20)}", name=f"vpc-{r_idx:02d}-{n:02d}", region=region,
                    cidr=f"10.{n % 256}.0.0/16", vswitch_ids=[f"vsw-{g.hex(20)}"]) for n in range(s.vpcs)]
        vpc.vpcs += vpcs
        groups = []
        for n in range(s.security_groups):
            perms = []
            for k in range(s.rules_per_group):
                port = g.rng.choice([22, 3389, 443, 80, 8080, 3306, 6379])
                open_world = k == 0 and g.chance(0.15)
                perms.append(Permission(id=f"sgr-{g.hex(20)}", ip_protocol="TCP", port_range=f"{port}/{port}",
                                        priority=g.rng.randint(1, 100),
                                        source_cidr_ip="0.0.0.0/0" if open_world else f"10.{k}.{n % 256}.0/24"))
            groups.append(SecurityGroup(id=f"sg-{g.hex(20)}", name=f"sg-{r_idx:02d}-{n:03d}", region=region,
                                        vpc_id=vpcs[n % len(vpcs)].id if vpcs else "", permissions=perms))
        ecs.security_groups += groups
        instances = []
        for n in range(s.instances):
            v = vpcs[n % len(vpcs)] if vpcs else None
            instances.append(Instance(
                id=f"i-{g.hex(20)}", name=f"i-{r_idx:02d}-{n:04d}", region=region, vpc_id=v.id if v else "",
                vswitch_id=v.vswitch_ids[0] if v else "", private_ips=[f"10.{n % 256}.{r_idx}.{n % 250 + 2}"],
                public_ips=[f"47.{r_idx}.{n // 250}.{n % 250 + 1}"] if g.chance(0.1) else [],
                security_groups=[groups[n % len(groups)].id] if groups else [],
                http_tokens="required" if g.chance(0.5) else "optional"))
        ecs.instances += instances
        for n in range(s.disks):
            inst = instances[n % len(instances)] if instances and n < 2 * len(instances) else None
            ecs.disks.append(Disk(id=f"d-{g.hex(20)}", name=f"d-{r_idx:02d}-{n:04d}", region=region,
                                  instance_id=inst.id if inst else "",
                                  type="system" if inst and n < len(instances) else "data",
                                  encrypted=g.chance(0.7)))
        assets += [Asset(instance_id=i.id, uuid=f"inet-{g.hex(24)}", region=region,
                         agent="online" if g.chance(0.9) else "offline") for i in instances]
        for n in range(s.rds_instances):
            engine = engines[n % len(engines)]
            rds.instances.append(DBInstance(
                id=f"rm-{g.hex(18)}", region=region, description=f"db-{r_idx:02d}-{n:02d}", engine=engine,
                engine_version={"MySQL": "8.0", "PostgreSQL": "15.0", "SQLServer": "2019_std_ha",
                                "MariaDB": "10.3"}[engine],
                whitelist=[WhitelistGroup(ips=["0.0.0.0/0"] if g.chance(0.1) else ["10.0.0.0/8"])],
                ssl_enabled=g.chance(0.6), tde_status="Enabled" if g.chance(0.3) else "Disabled",
                sql_collector="Enable" if g.chance(0.5) else "Disabled",
                sql_retention_days=g.rng.choice([30, 180, 365])))
        for n in range(s.sls_projects):
            sls.projects.append(Project(
                name=f"{prefix}proj-{r_idx:02d}-{n:02d}-{g.hex(6)}", region=region,
                logstores=[Logstore(name=f"store-{k:02d}", ttl=g.rng.choice([30, 90, 180, 365]))
                           for k in range(s.logstores_per_project)]))
        for n in range(s.ack_clusters):
            cs.clusters.append(Cluster(
                name=f"ack-{r_idx:02d}-{n}", id=f"c{g.hex(32)}", region=region,
                vpc_id=vpcs[0].id if vpcs else "vpc-emulator0001",
                audit_project=f"k8s-audit-{g.hex(6)}" if g.chance(0.5) else "",
                addons=[Addon(name="terway-eniip", config={"NetworkPolicy": "true" if g.chance(0.5) else "false"}),
                        Addon(name="logtail-ds")],
                node_pools=[NodePool(name="default", id=f"np{g.hex(32)}", is_default=True, cms_enabled=g.chance(0.5))]))
        for n in range(s.kms_keys):
            kms.keys.append(Key(id=f"key-{g.hex(24)}", region=region, description=f"key-{r_idx:02d}-{n:02d}",
                                automatic_rotation="Enabled" if g.chance(0.5) else "Disabled",
                                rotation_interval_seconds=365 * 86400))
    acct.ecs, acct.vpc, acct.rds, acct.sls, acct.cs, acct.kms = ecs, vpc, rds, sls, cs, kms
    # subscription log analysis open: its purchased storage (DescribeLogstoreStorage) is read too
    acct.sas = SasState(version=3, assets=assets, log_analysis=LogAnalysis(bought=True, open=True))


OFFICE = ["203.0.113.0/24", "198.51.100.7/32"]
ANYONE = "0.0.0.0/0"
SECRET_USER_DATA = ("#!/bin/bash\nexport ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI{ak}\n"
                    "export ALIBABA_CLOUD_ACCESS_KEY_SECRET={sk}\naliyun oss sync oss://{bucket}/ /opt/app\n")
PLAIN_USER_DATA = "#!/bin/sh\nyum install -y nginx\nsystemctl enable --now nginx\n"


def _ecs_vpc_kms_extras(g: _Gen, s: Sizes, r_idx: int, region: str, acct: Account) -> None:
    """Issue 20's ECS/VPC/KMS datasets of a region: images, user data, NAT gateways with DNAT entries, secrets."""
    ecs, vpc, kms = acct.ecs, acct.vpc, acct.kms
    for n in range(s.images):
        bad = g.flaws("image")
        ecs.images.append(Image(id=f"m-{g.hex(20)}", name=f"img-{r_idx:02d}-{n:03d}", region=region,
                                created=g.ago(10, 900), os_type="windows" if n % 5 == 4 else "linux",
                                public=bad(1.0), shared_accounts=[str(MEMBER_BASE + 999)] if n % 7 == 3 else []))
    for inst in (i for i in ecs.instances if i.region == region):
        # some instances were started with a script (the account's first two always), one in three with an AccessKey
        if g.counts.get("user_data", 0) < 2 or g.chance(0.1):
            inst.user_data = SECRET_USER_DATA.format(ak=g.hex(16), sk=g.hex(30), bucket=f"builds-{g.hex(6)}") \
                if g.flaws("user_data", 0.35)(1.0) else PLAIN_USER_DATA
    vpcs = [v for v in vpc.vpcs if v.region == region]
    for n in range(s.nat_gateways):
        v = vpcs[n % len(vpcs)] if vpcs else None
        bad = g.flaws("nat")
        entries = []
        for k in range(s.dnat_per_nat):
            risky = k == 0 and bad(1.0)
            port = g.rng.choice(["22", "3306", "3389"]) if risky else g.rng.choice(["443", "80", "8443"])
            entries.append(ForwardEntry(id=f"fwd-{g.hex(20)}", name=f"dnat-{k}",
                                        external_ip=f"47.{100 + r_idx}.{n % 250}.{k + 1}",
                                        external_port=port if not risky else str(20000 + k), internal_ip=
                                        f"10.{n % 256}.1.{k + 10}", internal_port=port))
        vpc.nat_gateways.append(NatGateway(id=f"ngw-{g.hex(20)}", name=f"nat-{r_idx:02d}-{n:02d}", region=region,
                                           vpc_id=v.id if v else "", forward_table_id=f"ftb-{g.hex(20)}",
                                           dnat=entries, created=g.ago(30, 900)))
    for n in range(s.kms_secrets):
        kind = ("Rds", "RAMCredentials", "Generic")[n % 3]
        rotated = kind != "Generic" and not g.flaws("secret")(1.0)
        kms.secrets.append(Secret(name=f"secret-{r_idx:02d}-{n:03d}", region=region, type=kind,
                                  created=g.ago(30, 900), automatic_rotation="Enabled" if rotated else "Disabled",
                                  rotation_interval_seconds=30 * 86400 if rotated else None))


def _databases(g: _Gen, s: Sizes, r_idx: int, region: str, vpc_id: str, acct: Account, key_id: str) -> None:
    """Redis/Tair, MongoDB and PolarDB of a region."""
    for n in range(s.redis_instances):
        bad = g.flaws("redis")
        iid = f"r-{g.hex(16)}"
        public, tde = bad(0.5), not bad(0.7)
        acct.kvstore.instances.append(kvstore.Instance(
            id=iid, name=f"redis-{r_idx:02d}-{n:02d}", region=region, vpc_id=vpc_id, created=g.ago(30, 900),
            engine_version=g.rng.choice(["5.0", "6.0", "7.0"]),
            whitelist=[kvstore.WhitelistGroup(ips=[f"10.{n % 256}.0.0/16"] + ([ANYONE] if bad(0.5) else []))],
            endpoints=[kvstore.Endpoint(connection_string=f"{iid}.redis.rds.aliyuncs.com",
                                        ip_address=f"10.{n % 256}.0.9"),
                       kvstore.Endpoint(connection_string=f"{iid}pd.redis.rds.aliyuncs.com", ip_type="Public",
                                        ip_address=f"47.{110 + r_idx}.{n % 250}.9")] if public else [],
            vpc_auth_mode="Close" if bad(0.3) else "Open", ssl="Disable" if bad(0.6) else "Enable",
            tde_status="Enabled" if tde else "Disable", tde_key=key_id if tde else ""))
    for n in range(s.mongodb_instances):
        bad = g.flaws("mongodb")
        iid = f"dds-{g.hex(14)}"
        tde = not bad(0.7)
        acct.dds.instances.append(dds.DBInstance(
            id=iid, description=f"mongo-{r_idx:02d}-{n:02d}", region=region, vpc_id=vpc_id, created=g.ago(30, 900),
            whitelist=[dds.WhitelistGroup(ips=[ANYONE] if bad(0.5) else [f"10.{n % 256}.0.0/16"])],
            endpoints=[dds.Endpoint(address=f"{iid}.mongodb.rds.aliyuncs.com"),
                       dds.Endpoint(address=f"{iid}pub.mongodb.rds.aliyuncs.com", network_type="Public",
                                    ip_address=f"47.{120 + r_idx}.{n % 250}.9")] if bad(0.4) else [],
            vpc_auth_mode="Open" if bad(0.3) else "Close", ssl="Closed" if bad(0.6) else "Open",
            audit="Disabled" if bad(0.5) else "Enable", tde_status="enabled" if tde else "disabled",
            tde_key=key_id if tde else ""))
    for n in range(s.polardb_clusters):
        bad = g.flaws("polardb")
        cid = f"pc-{g.hex(16)}"
        ssl = not bad(0.6)
        tde = not bad(0.7)
        acct.polardb.clusters.append(polardb.Cluster(
            id=cid, description=f"polardb-{r_idx:02d}-{n:02d}", region=region, vpc_id=vpc_id, created=g.ago(30, 900),
            db_type="PostgreSQL" if n % 4 == 3 else "MySQL", db_version="14" if n % 4 == 3 else "8.0",
            whitelist=[polardb.WhitelistGroup(ips=[f"10.{n % 256}.0.0/16"])]
            + ([polardb.WhitelistGroup(name="contractor", ips=[ANYONE])] if bad(0.5) else []),
            endpoints=[polardb.Endpoint(id=f"pe-{g.hex(16)}", type="Primary", ssl_enabled=ssl),
                       polardb.Endpoint(id=f"pe-{g.hex(16)}", type="Cluster", ssl_enabled=ssl,
                                        addresses=[polardb.Address(net_type="Private"), polardb.Address(
                                            net_type="Public")] if bad(0.4) else [])],
            audit="Disabled" if bad(0.5) else "Enable", tde_status="Enabled" if tde else "Disabled",
            tde_key_id=key_id if tde else ""))


def _storage_and_network(g: _Gen, s: Sizes, r_idx: int, region: str, vpc_id: str, acct: Account) -> None:
    """NAS, CLB, ALB and NLB of a region."""
    groups = []
    for n in range(_nas_groups(s.nas_file_systems)):
        bad = g.flaws("nas_group")
        groups.append(nas.AccessGroup(name=f"nas-group-{n:02d}", region=region, created=g.ago(30, 900), rules=[
            nas.AccessRule(id="1", source_cidr_ip=ANYONE if bad(0.5) else f"10.{n % 256}.1.0/24",
                           user_access="no_squash" if bad(0.7) else "root_squash")]))
    acct.nas.access_groups += groups
    for n in range(s.nas_file_systems):
        bad = g.flaws("nas")
        fid = g.hex(10)
        encrypt = 0 if bad(1.0) else g.rng.choice([1, 2])
        acct.nas.file_systems.append(nas.FileSystem(
            id=fid, region=region, description=f"nas-{r_idx:02d}-{n:02d}", created=g.ago(30, 900),
            encrypt_type=encrypt, kms_key_id=f"key-{g.hex(24)}" if encrypt == 2 else "",
            mount_targets=[nas.MountTarget(domain=f"{fid}-{g.hex(4)}.{region}.nas.aliyuncs.com",
                                           access_group=groups[n % len(groups)].name, vpc_id=vpc_id)]))
    office = slb.Acl(id=f"acl-{g.hex(20)}", name="office", region=region,
                     entries=[slb.AclEntry(ip=ip) for ip in OFFICE])
    acct.slb.acls.append(office)
    shapes = [("http", 80), ("https", 443), ("tcp", 22), ("tcp", 3389), ("tcp", 3306), ("udp", 53)]
    for n in range(s.clbs):
        bad = g.flaws("clb")
        internet = n % 2 == 0 or bad(1.0)
        listeners = []
        for k in range(s.listeners_per_clb):
            proto, port = shapes[k % len(shapes)]
            if proto == "http":
                forward = not bad(0.5)
                listeners.append(slb.Listener(port=port, protocol=proto, listener_forward="on" if forward else "off",
                                              forward_port=443 if forward else None))
            elif proto == "https":
                listeners.append(slb.Listener(port=port, protocol=proto, tls_cipher_policy="tls_cipher_policy_1_0"
                                              if bad(0.5) else "tls_cipher_policy_1_2_strict_with_1_3"))
            else:
                guarded = not bad(0.6)
                listeners.append(slb.Listener(port=port, protocol=proto, acl_status="on" if guarded else "off",
                                              acl_type="white" if guarded else "",
                                              acl_ids=[office.id] if guarded else []))
        acct.slb.load_balancers.append(slb.LoadBalancer(
            id=f"lb-{g.hex(20)}", name=f"clb-{r_idx:02d}-{n:02d}", region=region, vpc_id=vpc_id,
            address=f"47.{130 + r_idx}.{n % 250}.1" if internet else f"10.{n % 256}.3.80",
            address_type="internet" if internet else "intranet", created=g.ago(30, 900),
            delete_protection="off" if bad(0.5) else "on", listeners=listeners))
    legacy = alb.SecurityPolicy(id=f"spy-{g.hex(16)}", name="legacy-clients", region=region,
                                tls_versions=["TLSv1.0", "TLSv1.1", "TLSv1.2"],
                                ciphers=["ECDHE-RSA-AES128-GCM-SHA256", "AES128-SHA"])
    acct.alb.security_policies.append(legacy)
    for n in range(s.albs):
        bad = g.flaws("alb")
        rules = [] if bad(0.5) else [alb.Rule(id=f"rule-{g.hex(16)}", name="to-https", conditions=[
            alb.Condition(type="Path", values=["/*"])], actions=[alb.Action(type="Redirect")])]
        acct.alb.load_balancers.append(alb.LoadBalancer(
            id=f"alb-{g.hex(16)}", name=f"alb-{r_idx:02d}-{n:02d}", region=region, vpc_id=vpc_id,
            address_type="Intranet" if n % 3 == 2 else "Internet", deletion_protection=not bad(0.5),
            created=g.ago(30, 900), listeners=[
                alb.Listener(id=f"lsn-{g.hex(16)}", port=80, rules=rules),
                alb.Listener(id=f"lsn-{g.hex(16)}", port=443, protocol="HTTPS",
                             security_policy_id=legacy.id if bad(0.6) else "tls_cipher_policy_1_2")]))
    for _ in range(s.nlbs):
        bad = g.flaws("nlb")
        lb_id = f"nlb-{g.hex(16)}"
        acct.nlb.listeners += [
            nlb.Listener(id=f"lsn-{g.hex(16)}", load_balancer_id=lb_id, region=region, port=443, protocol="TCPSSL",
                         security_policy_id="" if bad(1.0) else "tls_cipher_policy_1_2_strict_with_1_3"),
            nlb.Listener(id=f"lsn-{g.hex(16)}", load_balancer_id=lb_id, region=region, port=1883, protocol="TCP")]


def _fc_roles(acct: Account) -> tuple[str, str]:
    """The ARNs of the roles functions run as (added once to the account's RAM): an application role, and an
    administrator role some functions borrow (the usual mistake)."""
    names = ("fc-app-role", "fc-admin-role")
    if acct.ram.role(names[0]) is None:
        trust = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": ["fc.aliyuncs.com"]}}]}
        for k, (name, policy) in enumerate(zip(names, ("AliyunOSSReadOnlyAccess", "AdministratorAccess"), strict=True)):
            acct.ram.roles.append(Role(name=name, id=str(5 * 10**15 + k), created=NOW - timedelta(days=200),
                                       trust_policy=trust, policies=[PolicyRef(name=policy)]))
    return f"acs:ram::{acct.id}:role/{names[0]}", f"acs:ram::{acct.id}:role/{names[1]}"


def _apps(g: _Gen, s: Sizes, r_idx: int, region: str, vpc_id: str, acct: Account) -> None:
    """Function Compute, API Gateway, MSE, Container Registry, Elasticsearch, Kafka and Bastionhost of a region."""
    app_role, admin_role = _fc_roles(acct) if s.fc_functions else ("", "")
    for n in range(s.fc_functions):
        bad = g.flaws("fc")
        env = {"LOG_LEVEL": "INFO", "BUCKET": f"bucket-{n:05d}"}
        if bad(0.5):
            env |= {"OSS_ACCESS_ID": f"LTAI{g.hex(16)}", "PAYMENT_API_KEY": g.hex(24)}
        triggers = [Trigger(name="http", type="http", id=g.hex(32), config={
            "authType": "anonymous" if bad(0.6) else "function", "methods": ["GET", "POST"]})] if n % 2 == 0 else []
        if n % 3 == 0:
            triggers.append(Trigger(name="nightly", id=g.hex(32),
                                    config={"cronExpression": "0 0 2 * * *", "enable": True}))
        acct.fc.functions.append(Function(name=f"fn-{r_idx:02d}-{n:03d}", id=g.hex(32), region=region,
                                          runtime=g.rng.choice(["python3.10", "python3.12", "nodejs18"]),
                                          environment=env, triggers=triggers, created=g.ago(10, 600),
                                          role="" if n % 4 == 3 else admin_role if bad(0.4) else app_role))
    groups = []
    for n in range(_api_groups(s.api_gateway_apis)):
        bad = g.flaws("api_group")
        groups.append(cloudapi.ApiGroup(id=g.hex(32), name=f"apis-{r_idx:02d}-{n:02d}", region=region,
                                        https_policy="HTTPS2_TLS1_0" if bad(1.0) else "HTTPS2_TLS1_2",
                                        custom_domains=[f"api{n}.r{r_idx}.bench-shop.example"],
                                        created=g.ago(30, 900)))
    acct.cloudapi.groups += groups
    for n in range(s.api_gateway_apis):
        bad = g.flaws("api")
        acct.cloudapi.apis.append(cloudapi.Api(
            id=g.hex(32), name=f"api-{n:03d}", group_id=groups[n // 5].id, path=f"/v1/res{n}",
            visibility="PUBLIC" if bad(0.5) or n % 2 else "PRIVATE", auth_type="ANONYMOUS" if bad(0.6) else "APP",
            protocol="HTTP,HTTPS" if bad(0.5) else "HTTPS", stages=["RELEASE"], created=g.ago(30, 900)))
    for n in range(s.mse_clusters):
        bad = g.flaws("mse")
        zk = n % 3 == 2
        public = n % 2 == 0 or bad(1.0)
        acct.mse.clusters.append(mse.Cluster(
            id=f"mse-cn-{g.hex(12)}", name=f"mse-{r_idx:02d}-{n}", region=region, vpc_id=vpc_id,
            type="ZooKeeper" if zk else "Nacos-Ans", version="3.8.0" if zk else "2.2.3",
            config_auth_enabled=not zk, naming_auth_enabled=not zk and not bad(1.0), auth_enabled=zk and not bad(1.0),
            public_bandwidth=5 if public else 0, acl=[] if bad(0.7) or not public else OFFICE[:1],
            created=g.ago(30, 900)))
    for n in range(s.cr_instances):
        bad = g.flaws("cr")
        acct.cr.instances.append(cr.Instance(
            id=f"cri-{g.hex(16)}", name=f"registry-{r_idx:02d}-{n}", region=region, created=g.ago(30, 900),
            internet=cr.Whitelist(enabled=n % 2 == 0 or bad(1.0), entries=[ANYONE] if bad(0.6) else OFFICE),
            vpcs=[vpc_id] if vpc_id else [], repositories=[
                cr.Repository(id=f"crr-{g.hex(16)}", name="api", namespace="shop"),
                cr.Repository(id=f"crr-{g.hex(16)}", name="web", namespace="shop",
                              repo_type="PUBLIC" if bad(0.5) else "PRIVATE")]))
    for n in range(s.elasticsearch_instances):
        bad = g.flaws("elasticsearch")
        public = bad(0.7)
        acct.elasticsearch.instances.append(elasticsearch.Cluster(
            id=f"es-cn-{g.hex(16)}", description=f"search-{r_idx:02d}-{n}", region=region, vpc_id=vpc_id or
            "vpc-bp1default000000", public_enabled=public, public_whitelist=[ANYONE] if public else [],
            kibana_whitelist=[ANYONE] if bad(0.7) else OFFICE[:1], zone=f"{region}-a",
            created=g.ago(30, 900)))
    for n in range(s.kafka_instances):
        bad = g.flaws("kafka")
        internet = n % 2 == 1 or bad(1.0)
        acct.alikafka.instances.append(alikafka.Instance(
            id=f"alikafka_post-cn-{g.hex(12)}", name=f"kafka-{r_idx:02d}-{n}", region=region, zone=f"{region}-a",
            deploy_type=4 if internet else 5, vpc_id=vpc_id or "vpc-bp1default000000", created=g.ago(30, 900),
            vpc_whitelist={"9092/9092": ["10.0.0.0/8"]},
            internet_whitelist={"9093/9093": [ANYONE] if bad(1.0) else OFFICE[:1]} if internet else {}))
    for n in range(s.bastion_hosts):
        bad = g.flaws("bastionhost")
        public = n % 2 == 0 or bad(1.0)
        acct.bastionhost.instances.append(bastionhost.Instance(
            id=f"bastionhost-cn-{g.hex(12)}", description=f"ops-{r_idx:02d}-{n}", region=region,
            public_access=public, whitelist=[] if bad(1.0) or not public else OFFICE,
            vpc_id=vpc_id or "vpc-bp1default000000", started=g.ago(30, 300)))


def _new_families(g: _Gen, s: Sizes, regions: list[str], acct: Account, prefix: str) -> None:
    """Issue 20's families and datasets: regional ones per region (after the older products, so a seed still
    gives the older products the same resources), then the account-wide ones in the first region."""
    for r_idx, region in enumerate(regions):
        vpcs = [v for v in acct.vpc.vpcs if v.region == region]
        vpc_id = vpcs[0].id if vpcs else ""
        keys = [k for k in acct.kms.keys if k.region == region]
        key_id = keys[0].id if keys else f"key-{g.hex(24)}"
        _ecs_vpc_kms_extras(g, s, r_idx, region, acct)
        _databases(g, s, r_idx, region, vpc_id, acct, key_id)
        _storage_and_network(g, s, r_idx, region, vpc_id, acct)
        _apps(g, s, r_idx, region, vpc_id, acct)
    home = regions[0]
    buckets = [b for b in acct.oss.buckets[:50]]
    for n in range(s.cdn_domains):
        bad = g.flaws("cdn")
        https = not (n % 3 == 2 and bad(1.0))  # a third of the flawed domains still serve plain HTTP only
        origin = buckets[n % len(buckets)] if buckets else None
        configs = {} if not https or bad(0.6) else {
            "https_force": cdn.FunctionConfig(args={"enable": "on", "https_rewrite": "301"}, config_id=str(n * 2 + 1)),
            "https_tls_version": cdn.FunctionConfig(args={"tls10": "off", "tls11": "off", "tls12": "on",
                                                          "tls13": "on"}, config_id=str(n * 2 + 2))}
        acct.cdn.domains.append(cdn.Domain(
            name=f"{prefix}cdn{n:03d}.bench-shop.com", id=10**7 + n, ssl_protocol="on" if https else "off",
            created=g.ago(30, 900), origins=[cdn.Origin(
                content=f"{origin.name}.oss-{origin.region}.aliyuncs.com" if origin else f"47.96.{n % 250}.5",
                type="oss" if origin else "ipaddr")], configs=configs))
    for n in range(s.dns_domains):
        bad = g.flaws("dns")
        records = [alidns.Record(id=str(18 * 10**15 + n * 100), rr="@", value=f"47.96.{n % 250}.21")]
        for k in range(1, s.records_per_domain):
            rid = str(18 * 10**15 + n * 100 + k)
            if k == 1 and buckets:
                b = buckets[(n + k) % len(buckets)]
                target = f"deleted-{g.hex(8)}" if bad(0.5) else b.name  # a CNAME to a bucket that is gone
                records.append(alidns.Record(id=rid, rr="assets", type="CNAME",
                                             value=f"{target}.oss-{b.region}.aliyuncs.com"))
            elif k == 2:
                records.append(alidns.Record(id=rid, rr="@", type="MX", value="mx1.qiye.aliyun.com", priority=5))
            else:
                records.append(alidns.Record(id=rid, rr=f"host{k}", value=f"47.97.{n % 250}.{k}"))
        acct.alidns.domains.append(alidns.Domain(name=f"{prefix}bench{n:03d}.example.com", id=g.hex(32),
                                                 dnssec="OFF" if bad(1.0) else "ON", created=g.ago(30, 900),
                                                 # (paid editions but every fourth: DNSSEC needs a paid one)
                                                 version_code="mianfei" if n % 4 == 3 else "version_enterprise_basic",
                                                 records=records))
    if s.waf_protected_objects:
        acct.waf.instances.append(waf.Instance(id=f"waf_v2_public_cn-{g.hex(10)}", region=home, resources=[
            waf.ProtectedObject(resource=f"alb-{g.hex(16)}" if n % 2 else f"api{n}.bench-shop.com-waf",
                                product="alb" if n % 2 else "waf", log_enabled=not g.flaws("waf")(1.0))
            for n in range(s.waf_protected_objects)]))
    if s.ddos_websites:
        inst = ddoscoo.Instance(id=f"ddoscoo-cn-{g.hex(10)}", region=home, remark="shop", ip="203.0.113.10")
        acct.ddoscoo.instances.append(inst)
        acct.ddoscoo.websites += [ddoscoo.Website(domain=f"{prefix}www{n:03d}.bench-shop.com", region=home,
                                                  instance_ids=[inst.id], log_enabled=not g.flaws("ddos")(1.0))
                                  for n in range(s.ddos_websites)]
    if s.cloudfw_assets:
        acct.cloudfw.firewalls.append(cloudfw.Firewall(
            instance_id=f"vipcloudfw-cn-{g.hex(10)}", region=home, log_analysis=True, log_status=g.chance(0.5),
            assets=[cloudfw.Asset(id=f"eip-{g.hex(20)}", name=f"eip-{n:03d}", region=regions[n % len(regions)],
                                  internet_address=f"47.{200 + n // 250 % 50}.{n % 250}.1",
                                  protect_status="closed" if g.flaws("cloudfw")(1.0) else "open")
                    for n in range(s.cloudfw_assets)]))
    acct.cloudsso.directories.append(cloudsso.Directory(
        id=f"d-{g.hex(14)}", name=f"{prefix}bench-org", created=g.ago(100, 900),
        mfa=g.rng.choice(["Enabled", "OnlyRiskyLogin"])))


def _account(g: _Gen, s: Sizes, account_id: str, alias: str, root: Root, prefix: str = "") -> Account:
    regions = REGIONS[:s.regions] if s.regions <= len(REGIONS) else REGIONS + [
        f"cn-bench{n}" for n in range(s.regions - len(REGIONS))]
    acct = Account(id=account_id, alias=alias, regions=regions, root=root)
    acct.ram = _ram(g, s, account_id)
    acct.oss = _oss(g, s, regions, prefix)
    _regional(g, s, regions, acct, prefix)
    _new_families(g, s, regions, acct, prefix)
    # one multi-region trail delivering to an SLS project of the first region
    trail_project = acct.sls.projects[0].name if acct.sls.projects else ""
    acct.actiontrail = ActionTrailState(trails=[Trail(
        name="main", oss_bucket_name=acct.oss.buckets[0].name if acct.oss.buckets else "",
        sls_project_arn=f"acs:log:{regions[0]}:{account_id}:project/{trail_project}" if trail_project else "")])
    return acct


def _management(seed: int, s: Sizes) -> Account:
    root = Root(access_keys=[AccessKey(id=ROOT_AK, secret=ROOT_SECRET, created=NOW - timedelta(days=30))],
                mfa_bound=True, last_login=NOW - timedelta(days=40))
    return _account(_Gen(seed), s, ACCOUNT, "bench", root)


def generate(scale: float = 1.0, seed: int = 1, sizes: Sizes | None = None) -> Scenario:
    """The benchmark account at `scale` of issue 7's sizes (or exactly `sizes`)."""
    return Scenario(authorization=True, accounts=[_management(seed, sizes or Sizes().scaled(scale))])


def generate_org(accounts: int, scale: float = 1.0, seed: int = 1, sizes: Sizes | None = None) -> Scenario:
    """An organisation of `accounts` accounts: the benchmark account of generate() as the management account
    (id ACCOUNT, root key ROOT_AK, the auditor user ORG_AUDITOR_AK) and accounts-1 members (ids MEMBER_BASE+1...),
    each a generated account of the same sizes from its own seed, in a Resource Directory whose members alternate
    between the folders 'prod' and 'dev'. Every member has the role AUDIT_ROLE (AdministratorAccess) trusting the
    management account with the ExternalId AUDIT_EXTERNAL_ID; members have no root AccessKey."""
    if accounts < 1:
        raise ValueError("an organisation has at least its management account")
    s = sizes or Sizes().scaled(scale)
    members = [_management(seed, s)]
    members[0].ram.users.append(User(name=ORG_AUDITOR, created=NOW - timedelta(days=400),
                                     access_keys=[AccessKey(id=ORG_AUDITOR_AK, secret=ORG_AUDITOR_SECRET,
                                                            created=NOW - timedelta(days=30))],
                                     policies=[PolicyRef(name="AdministratorAccess")]))
    trust = {"Version": "1", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": [f"acs:ram::{ACCOUNT}:root"]},
        "Condition": {"StringEquals": {"sts:ExternalId": AUDIT_EXTERNAL_ID}}}]}
    for n in range(1, accounts):
        acct = _account(_Gen(f"{seed}/member/{n}"), s, str(MEMBER_BASE + n), f"bench-m{n:03d}",
                        Root(mfa_bound=True), prefix=f"m{n:03d}-")
        acct.ram.roles.append(Role(name=AUDIT_ROLE, id=str(4 * 10**15 + n), created=NOW - timedelta(days=365),
                                   trust_policy=trust, policies=[PolicyRef(name="AdministratorAccess")]))
        members.append(acct)
    folders = [Folder(id="fd-benchprod1", name="prod", created=NOW - timedelta(days=400)),
               Folder(id="fd-benchdev01", name="dev", created=NOW - timedelta(days=400))]
    rd = ResourceDirectory(
        id="rd-bench01", management_account_id=ACCOUNT, root_folder_id="r-bench01",
        created=NOW - timedelta(days=400), folders=folders,
        members=[Member(account_id=ACCOUNT, display_name="bench", type="CloudAccount",
                        join_time=NOW - timedelta(days=400))] + [
            Member(account_id=a.id, display_name=a.alias, folder_id=folders[n % 2].id,
                   join_time=NOW - timedelta(days=300 - n % 200)) for n, a in enumerate(members[1:], start=1)])
    return Scenario(authorization=True, accounts=members, resource_directory=rd)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.emulator.generate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of issue 7's sizes (default 1.0)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--accounts", type=int, default=1, metavar="N",
                        help="N > 1: an organisation of N accounts (management + N-1 members), each of these sizes")
    parser.add_argument("--out", required=True, help="scenario file to write (.json)")
    for f in dataclasses.fields(Sizes):
        parser.add_argument(f"--{f.name.replace('_', '-')}", type=int, metavar="N",
                            help=f"override this size (default {f.default} times --scale)")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    if args.accounts < 1:
        parser.error("--accounts must be at least 1")
    sizes = Sizes().scaled(args.scale)
    overrides = {f.name: getattr(args, f.name) for f in dataclasses.fields(Sizes) if getattr(args, f.name) is not None}
    sizes = dataclasses.replace(sizes, **overrides)
    if args.accounts > 1:
        scenario = generate_org(args.accounts, seed=args.seed, sizes=sizes)
    else:
        scenario = generate(seed=args.seed, sizes=sizes)
    Path(args.out).write_text(scenario.model_dump_json(exclude_defaults=True))
    print(f"wrote {args.out}: {args.accounts} account(s) of {sizes.total_resources()} resources, {sizes}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
