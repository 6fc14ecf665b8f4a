"""A large, seeded account for the benchmark: the sizes of issue 7 at scale 1.0, each size an option; or a
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
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .products.actiontrail import ActionTrailState, Trail
from .products.cs import Addon, Cluster, CsState, NodePool
from .products.ecs import Disk, EcsState, Instance, Permission, SecurityGroup
from .products.kms import Key, KmsState
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
from .products.sas import Asset, SasState
from .products.sls import Logstore, Project, SlsState
from .products.vpc import Vpc, VpcState
from .state import Account, Root, Scenario

ACCOUNT = "1234567890123456"
ROOT_AK, ROOT_SECRET = "LTAIrootkey00000001", "root-secret-0000000000000000"  # same as tests.sdk
# generate_org: member n (1..N-1) is account MEMBER_BASE + n; its audit role trusts ACCOUNT with this ExternalId
MEMBER_BASE = 2 * 10**15
AUDIT_ROLE, AUDIT_EXTERNAL_ID = "ResourceDirectoryAccountAccessRole", "aliaudit-bench"
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
    """Issue 7's account. Per-region sizes apply to every region."""

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

    def scaled(self, factor: float) -> Sizes:
        """Every count times factor (at least 1 where the full size has one), except the region count and the
        per-item shapes (keys per user, rules per group, logstores per project): the account gets smaller, its
        resources keep their shape, so the work scales linearly."""
        fixed = {"regions", "keys_per_user", "rules_per_group", "logstores_per_project"}
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = value if f.name in fixed else (max(1, round(value * factor)) if value else 0)
        return Sizes(**out)

    def total_resources(self) -> int:
        per_region = (self.instances + self.security_groups * (1 + self.rules_per_group) + self.disks + self.vpcs
                      + self.rds_instances + self.sls_projects * (1 + self.logstores_per_project)
                      + self.ack_clusters + self.kms_keys)
        return (self.users * (2 + self.keys_per_user) + self.custom_policies + self.groups + self.roles
                + self.buckets + self.regions * per_region)


class _Gen:
    def __init__(self, seed: int | str) -> None:
        self.rng = random.Random(seed)

    def hex(self, n: int) -> str:
        return f"{self.rng.getrandbits(4 * n):0{n}x}"

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def ago(self, lo_days: int, hi_days: int) -> datetime:
        return NOW - timedelta(days=self.rng.randint(lo_days, hi_days), seconds=self.rng.randint(0, 86399))


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
    acct.sas = SasState(version=3, assets=assets)


def _account(g: _Gen, s: Sizes, account_id: str, alias: str, root: Root, prefix: str = "") -> Account:
    regions = REGIONS[:s.regions] if s.regions <= len(REGIONS) else REGIONS + [
        f"cn-bench{n}" for n in range(s.regions - len(REGIONS))]
    acct = Account(id=account_id, alias=alias, regions=regions, root=root)
    acct.ram = _ram(g, s, account_id)
    acct.oss = _oss(g, s, regions, prefix)
    _regional(g, s, regions, acct, prefix)
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
    (id ACCOUNT, root key ROOT_AK) and accounts-1 members (ids MEMBER_BASE+1...), each a generated account of
    the same sizes from its own seed, in a Resource Directory whose members alternate between the folders
    'prod' and 'dev'. Every member has the role AUDIT_ROLE (AdministratorAccess) trusting the management
    account with the ExternalId AUDIT_EXTERNAL_ID; members have no root AccessKey."""
    if accounts < 1:
        raise ValueError("an organisation has at least its management account")
    s = sizes or Sizes().scaled(scale)
    members = [_management(seed, s)]
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
