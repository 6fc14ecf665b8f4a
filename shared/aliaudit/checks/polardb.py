"""PolarDB checks (beyond CIS, whose section 6 covers ApsaraDB RDS only; these are its analogues for PolarDB
clusters): whitelists not open to every address, no public endpoint, SSL, SQL collector (audit log), TDE.
One finding per cluster, in the cluster's region; a check whose aspect could not be read says ERROR."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator

from ..cidrs import IPNetwork, covers_world, linked_templates_text, whitelist_verdict
from ..collectors.polardb import CLUSTERS, PolarCluster
from ..findings import Result, Status
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL
LIFECYCLE = ["CreateDBCluster", "DeleteDBCluster"]  # restores and clones are CreateDBCluster (CreationOption)
# a global IP whitelist template's entries, or which templates a cluster links, change what the whitelist check sees
NETWORK_EVENTS = ["ModifyDBClusterAccessWhitelist", "CreateDBEndpointAddress", "DeleteDBEndpointAddress",
                  "ModifyDBEndpointAddress", "CreateDBClusterEndpoint", "DeleteDBClusterEndpoint",
                  "ModifyGlobalSecurityIPGroup", "ModifyGlobalSecurityIPGroupRelation", "DeleteGlobalSecurityIPGroup"]
ASPECT_NAMES = {"whitelist": "DescribeDBClusterAccessWhitelist", "templates": "DescribeGlobalSecurityIPGroupRelation",
                "endpoints": "DescribeDBClusterEndpoints",
                "ssl": "DescribeDBClusterSSL", "audit": "DescribeDBClusterAuditLogCollector",
                "tde": "DescribeDBClusterTDE"}


def _result(c: PolarCluster, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=c.id, resource_type="polardb:dbcluster", resource_name=c.name,
                  region=c.region, message=message,
                  details={"engine": f"{c.db_type} {c.db_version}".strip(), "category": c.category})


def _error(c: PolarCluster, aspects: Iterable[str]) -> Result | None:
    failed = [f"{ASPECT_NAMES.get(a, a)}: {c.errors[a]}" for a in aspects if a in c.errors]
    return _result(c, ERROR, "could not read " + "; ".join(failed)) if failed else None


# --- whitelist and public endpoint ----------------------------------------------------------------

def _network(text: str) -> IPNetwork | None:
    text = text.strip()
    # a bare 0.0.0.0 is read as "any address", as RDS reads it (checks/rds.py); "%" too: "Setting a whitelist to % or
    # 0.0.0.0/0 allows all IP addresses" (PolarDB for PostgreSQL "Set whitelists for a cluster") - read so that it
    # cannot pass unseen
    if text in ("0.0.0.0", "%"):
        text = "0.0.0.0/0"
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None  # not an address (a typo, a template name): admits nobody


def open_entries(c: PolarCluster) -> list[str]:
    """Whitelist entries admitting every address: any /0 (0.0.0.0/0, ::/0, a bare 0.0.0.0), or the entries of one
    address family that together cover all of it (0.0.0.0/1 + 128.0.0.0/1). The linked global IP whitelist templates
    (groups named template:<name>) admit clients as the groups do, so their entries count alike."""
    entries = [(g.name, ip, net) for g in [*c.whitelist, *c.templates] for ip in g.ips
               if (net := _network(ip)) is not None]
    opened = [f"{name}: {ip}" for name, ip, net in entries if net.prefixlen == 0]
    if opened:
        return opened
    for family in (4, 6):
        if covers_world((net for _, _, net in entries), family):
            return [f"{name}: {ip}" for name, ip, net in entries if net.version == family]
    return []


def _public(c: PolarCluster) -> list[str]:
    return [f"{a.connection_string} ({a.endpoint_type or a.endpoint_id})" for a in c.addresses
            if a.net_type.lower() == "public"]


@check(id="polardb_cluster_whitelist_not_open", severity="critical",
       title="PolarDB cluster whitelists do not admit every address",
       risk="A whitelist admitting every address lets anyone who reaches an endpoint try to log in; with a public "
            "endpoint that is the whole internet.",
       console="PolarDB console > the cluster > Settings and Management > Whitelists: replace 0.0.0.0/0 with the "
               "addresses or CIDR blocks of the application servers; for a global IP whitelist template "
               "(template:<name>): edit the template's addresses, or unlink it from the cluster.",
       cli="aliyun polardb ModifyDBClusterAccessWhitelist --DBClusterId <id> --DBClusterIPArrayName <group> "
           "--SecurityIps <cidr,...> --ModifyMode Cover; a template: aliyun polardb ModifyGlobalSecurityIPGroup "
           "--RegionId <region> --GlobalSecurityGroupId <template id> --GlobalIgName <name> --GIpList <cidr,...>",
       events=[*NETWORK_EVENTS, *LIFECYCLE], needs=[CLUSTERS],
       evaluates="DescribeDBClusterAccessWhitelist, every IP whitelist group (Items.DBClusterIPArray[].SecurityIps) "
                 "of every cluster, and the global IP whitelist templates linked to it "
                 "(DescribeGlobalSecurityIPGroupRelation GlobalSecurityIPGroupRel[].GIpList, judged as groups named "
                 "template:<GlobalIgName>): FAIL when an entry is a /0 (0.0.0.0/0, ::/0, or a bare 0.0.0.0) or the "
                 "entries of one address family together cover all of it (0.0.0.0/1 + 128.0.0.0/1), naming the group "
                 "or template; the message says whether a public address exists (DescribeDBClusterEndpoints NetType "
                 "Public). PASS otherwise; entries that are not addresses are ignored, and security groups bound as "
                 "whitelists are not evaluated here (the ECS security group checks judge them); ERROR when the "
                 "whitelist could not be read, or when the groups admit no such entry but the linked templates could "
                 "not be read (whether DescribeDBClusterAccessWhitelist includes template entries is not "
                 "documented).",
       source="Cloud Config polardb-public-and-any-ip-access-check")
def whitelist_not_open(inp: Inputs) -> Iterator[Result]:
    for c in inp[CLUSTERS]:
        if err := _error(c, ["whitelist"]):
            yield err
            continue
        unread = _error(c, ["templates"])
        yield _result(c, *whitelist_verdict(open_entries(c), "endpoints" in c.errors, _public(c),
                                            unread.message if unread else None,
                                            linked_templates_text(len(c.templates))))


@check(id="polardb_cluster_no_public_endpoint", severity="high",
       title="PolarDB cluster has no public endpoint",
       risk="A public endpoint exposes the database login to the internet; only the whitelist stands between it "
            "and password guessing or database exploits.",
       console="PolarDB console > the cluster > Basic Information > Database Connections: release the Public "
               "endpoint of each endpoint; reach the database from inside the VPC (or through a bastion or VPN).",
       cli="aliyun polardb DeleteDBEndpointAddress --DBClusterId <id> --DBEndpointId <endpoint> --NetType Public",
       events=[*NETWORK_EVENTS, *LIFECYCLE], needs=[CLUSTERS],
       evaluates="DescribeDBClusterEndpoints: FAIL when any address of any endpoint (Items[].AddressItems[]) has "
                 "NetType Public (any letter case), listing them; PASS when none has; ERROR when the endpoints could "
                 "not be read. The whitelist is polardb_cluster_whitelist_not_open.",
       source="Cloud Config polardb-public-access-check")
def no_public_endpoint(inp: Inputs) -> Iterator[Result]:
    for c in inp[CLUSTERS]:
        if err := _error(c, ["endpoints"]):
            yield err
        elif public := _public(c):
            yield _result(c, FAIL, f"public address: {', '.join(public)}")
        else:
            yield _result(c, PASS, f"no public address among {len(c.addresses)} endpoint address(es)")


# --- SSL ------------------------------------------------------------------------------------------

# DescribeDBClusterSSL Items[].SSLEnabled: "Enabled: SSL is enabled. Disable: SSL is disabled." (API reference);
# ModifyDBClusterSSL takes Enable | Disable, so "Enable" is read as on too
SSL_ON = {"enabled", "enable"}


@check(id="polardb_cluster_ssl_enabled", severity="medium",
       title="PolarDB clusters encrypt connections with SSL",
       risk="Without SSL, credentials and data cross the network in clear text.",
       console="PolarDB console > the cluster > Settings and Management > Security > SSL Settings: enable SSL "
               "for every endpoint in use.",
       cli="aliyun polardb ModifyDBClusterSSL --DBClusterId <id> --SSLEnabled Enable [--DBEndpointId <endpoint> "
           "--NetType <Private|Public>] (MySQL: per endpoint)",
       events=["ModifyDBClusterSSL", *LIFECYCLE], needs=[CLUSTERS],
       evaluates="DescribeDBClusterSSL Items[] (one per SSL connection; per endpoint for PolarDB for MySQL): PASS "
                 "when at least one item is listed and every item's SSLEnabled is Enabled; FAIL when an item is not "
                 "Enabled (naming its connection string or endpoint) or when no item is listed (the reference does "
                 "not say what an empty list means, so it is not taken as SSL); ERROR when the SSL settings could "
                 "not be read.",
       source="Cloud Config polardb-cluster-enabled-ssl")
def ssl_enabled(inp: Inputs) -> Iterator[Result]:
    for c in inp[CLUSTERS]:
        if err := _error(c, ["ssl"]):
            yield err
            continue
        off = [s.connection_string or s.endpoint_id or "?" for s in c.ssl if s.enabled.lower() not in SSL_ON]
        if not c.ssl:
            yield _result(c, FAIL, "DescribeDBClusterSSL lists no SSL connection: SSL is not enabled")
        elif off:
            yield _result(c, FAIL, f"SSL is disabled on {', '.join(off)}")
        else:
            names = ", ".join(s.connection_string or s.endpoint_id for s in c.ssl)
            yield _result(c, PASS, f"SSL is enabled on {names}")


# --- SQL collector (audit log) ------------------------------------------------------------------

@check(id="polardb_cluster_sql_audit_enabled", severity="medium",
       title="PolarDB clusters record SQL audit logs (SQL collector enabled)",
       risk="Without the SQL collector, queries are not recorded, so an intrusion or data theft through the "
            "database leaves no trace to investigate.",
       console="PolarDB console > the cluster > Log and Audit > SQL Explorer and Audit (SQL Collector): enable it.",
       cli="aliyun polardb ModifyDBClusterAuditLogCollector --DBClusterId <id> --CollectorStatus Enable (or DAS "
           "Enterprise Edition: aliyun das ModifySqlLogConfig --InstanceId <id> --Enable true)",
       events=["ModifyDBClusterAuditLogCollector", "ModifySqlLogConfig", *LIFECYCLE], needs=[CLUSTERS],
       evaluates="DescribeDBClusterAuditLogCollector CollectorStatus (documented values Enable | Disabled): PASS on "
                 "Enable (or Enabled), FAIL on Disabled or Disable, MANUAL on any other value (not documented); ERROR "
                 "when it could not be read or the answer has no CollectorStatus. The PolarDB analogue of CIS 6.3 "
                 "(RDS SQL audit).",
       source="https://api.alibabacloud.com/api/polardb/2017-08-01/DescribeDBClusterAuditLogCollector")
def sql_audit_enabled(inp: Inputs) -> Iterator[Result]:
    for c in inp[CLUSTERS]:
        status = c.audit_status
        if err := _error(c, ["audit"]):
            yield err
        elif not status:  # documented Enable | Disabled: no value is no answer, never "Disabled"
            yield _result(c, ERROR, "DescribeDBClusterAuditLogCollector answered no CollectorStatus: whether the SQL "
                          "collector is on is unknown")
        elif status.lower() in ("enable", "enabled"):
            yield _result(c, PASS, f"the SQL collector (audit log) is {status}")
        elif status.lower() in ("disable", "disabled"):
            yield _result(c, FAIL, f"the SQL collector (audit log) is {status}")
        else:
            yield _result(c, MANUAL, f"the SQL collector reports an undocumented status {status!r}: check it in "
                          "the console")


# --- TDE ------------------------------------------------------------------------------------------

def tde_unavailable(c: PolarCluster) -> str:
    """Why PolarDB offers no TDE for the cluster ('' when it may): "TDE is unavailable for Archive Database"
    (https://www.alibabacloud.com/help/doc-detail/160659.htm); Category Archive is the X-Engine Edition
    (DescribeDBClusterAttributeResponseBody.category), which CreateDBCluster CreationCategory and
    DescribeDBClusterAvailableResources Category spell ArchiveNormal (OpenMeta polardb 2017-08-01). The guide's other
    exclusions are not identifiable from what is read: "TDE cannot be enabled for serverless clusters that run MySQL
    8.0.2" needs the minor version
    (DescribeDBClusterVersion DBMinorVersion; DBVersion says only 8.0), and "You cannot enable TDE for the secondary
    clusters in a GDN" the cluster's GDN role
    (https://www.alibabacloud.com/help/en/polardb/polardb-for-mysql/user-guide/configure-tde-for-a-polardb-for-mysql-cluster)."""
    if c.category.lower() in ("archive", "archivenormal"):
        return "PolarDB offers no TDE for Archive Database (X-Engine Edition) clusters"
    return ""


def _tde_off_hint(c: PolarCluster) -> str:
    """The guide's exclusions this audit cannot tell apart, named so the reader can rule them out."""
    if c.serverless_type == "AgileServerless" and c.db_type == "MySQL" and c.db_version == "8.0":
        return ("; if this serverless cluster runs MySQL 8.0.2 (DescribeDBClusterVersion DBMinorVersion), TDE cannot "
                "be enabled on it")
    return ""


@check(id="polardb_cluster_tde_enabled", severity="medium",
       title="PolarDB clusters encrypt data at rest with TDE",
       risk="Without transparent data encryption, data files, backups and storage snapshots hold the data in clear, "
            "readable by whoever obtains them outside the database's access control.",
       console="PolarDB console > the cluster > Settings and Management > Security > TDE Settings: enable TDE "
               "(it cannot be disabled afterwards), preferably with a customer-managed KMS key.",
       cli="aliyun polardb ModifyDBClusterTDE --DBClusterId <id> --TDEStatus Enable [--EncryptionKey <key> "
           "--RoleArn <arn>]",
       events=["ModifyDBClusterTDE", *LIFECYCLE], needs=[CLUSTERS],
       evaluates="DescribeDBClusterTDE TDEStatus (Enabled | Disabled): PASS on Enabled (the message names the custom "
                 "EncryptionKey, or says the service key is used), FAIL otherwise; MANUAL instead of FAIL for a "
                 "cluster PolarDB offers no TDE for (Category Archive or ArchiveNormal: 'TDE is unavailable for "
                 "Archive Database'); "
                 "for a serverless (ServerlessType AgileServerless) MySQL 8.0 cluster the FAIL message notes that "
                 "TDE cannot be enabled on MySQL 8.0.2 (the minor version is not read); ERROR when it could not be "
                 "read or no TDEStatus was answered.",
       source="Cloud Config polardb-cluster-enabled-tde")
def tde_enabled(inp: Inputs) -> Iterator[Result]:
    for c in inp[CLUSTERS]:
        if err := _error(c, ["tde"]):
            yield err
        elif not c.tde_status:  # (documented Enabled | Disabled: no value is no answer, never "Disabled")
            yield _result(c, ERROR, "DescribeDBClusterTDE answered no TDEStatus: whether TDE is on is unknown")
        elif c.tde_status.lower() == "enabled":
            key = f"the custom key {c.tde_key}" if c.tde_key else "the service-managed key"
            yield _result(c, PASS, f"TDE is enabled with {key}")
        elif why := tde_unavailable(c):
            yield _result(c, MANUAL, f"TDE is {c.tde_status} and not applicable: {why}; protect the data at rest "
                          "otherwise, or migrate to an edition with TDE")
        else:
            yield _result(c, FAIL, f"TDE is {c.tde_status}{_tde_off_hint(c)}")
