"""PolarDB cases, from the documented samples (tests/fixtures/wire/polardb): cluster pc-**************** (MySQL 5.6,
GDN-1), whitelist group default "11.***.***.***" (masked: the cases use addresses of that form), endpoint
pe-************* with a Private address ********.rwlb.polardb-pg-public.rds.aliyuncs.com, SSL item SSLEnabled Enabled
on pc-************.mysql.polardb.rds.aliyuncs.com, CollectorStatus Disabled, TDEStatus Enabled with key
2a4f4ac2-****-****-****-************."""

from __future__ import annotations

from aliaudit.collectors.polardb import PolarAddress, PolarCluster, PolarSsl, PolarWhitelistGroup
from tests.check_cases import Case

CID = "pc-****************"
EP = "pe-*************"


def cluster(cid: str = CID, **kw: object) -> PolarCluster:
    base: dict[str, object] = {
        "id": cid, "name": "GDN-1", "region": "cn-hangzhou", "db_type": "MySQL", "db_version": "5.6",
        "status": "Running", "category": "Normal",
        "whitelist": [PolarWhitelistGroup(name="default", ips=["11.1.2.3", "11.1.2.4"], attribute="hidden")],
        "addresses": [PolarAddress(endpoint_id=EP, endpoint_type="Custom", net_type="Private", port="1521",
                                   connection_string="********.rwlb.polardb-pg-public.rds.aliyuncs.com")],
        "ssl": [PolarSsl(endpoint_id="pe-************", enabled="Enabled",
                         connection_string="pc-************.mysql.polardb.rds.aliyuncs.com")],
        "audit_status": "Enable", "tde_status": "Enabled", "tde_key": "2a4f4ac2-****-****-****-************"}
    base.update(kw)
    return PolarCluster(**base)  # type: ignore[arg-type]


def public(cid: str = "pc-public") -> PolarAddress:
    return PolarAddress(endpoint_id=EP, endpoint_type="Cluster", net_type="Public",
                        connection_string=f"{cid}-public.rwlb.rds.aliyuncs.com", port="3306")


def open_group(*ips: str) -> list[PolarWhitelistGroup]:
    return [PolarWhitelistGroup(name="default", ips=list(ips))]


_W = "polardb_cluster_whitelist_not_open"
_P = "polardb_cluster_no_public_endpoint"
_S = "polardb_cluster_ssl_enabled"
_A = "polardb_cluster_sql_audit_enabled"
_T = "polardb_cluster_tde_enabled"
DS = "polardb.clusters"
CASES: list[Case] = [
    Case(_W, "documented whitelist passes; 0.0.0.0/0, a bare 0.0.0.0, ::/0 and two /1 halves fail",
         {DS: [cluster(), cluster("pc-any", whitelist=open_group("10.0.0.1", "0.0.0.0/0"), addresses=[public()]),
               cluster("pc-bare", whitelist=open_group("0.0.0.0")), cluster("pc-v6", whitelist=open_group("::/0")),
               cluster("pc-halves", whitelist=open_group("0.0.0.0/1", "128.0.0.0/1"))]},
         {CID: "PASS", "pc-any": "FAIL", "pc-bare": "FAIL", "pc-v6": "FAIL", "pc-halves": "FAIL"}),
    Case(_W, "whitelist read failed; not-an-address entries admit nobody",
         {DS: [cluster(errors={"whitelist": "NoPermission"}),
               cluster("pc-typo", whitelist=open_group("not-an-ip", "127.0.0.1"))]},
         {CID: "ERROR", "pc-typo": "PASS"}),
    # global IP whitelist templates linked to the cluster (DescribeGlobalSecurityIPGroupRelation sample: test_123 with
    # GIpList "192.168.0.1") admit clients like the groups
    Case(_W, "a linked template admitting every address fails; the documented one passes",
         {DS: [cluster(templates=[PolarWhitelistGroup(name="template:test_123", ips=["192.168.0.1"])]),
               cluster("pc-tpl-open", templates=[PolarWhitelistGroup(name="template:open_all", ips=["0.0.0.0/0"])])]},
         {CID: "PASS", "pc-tpl-open": "FAIL"}),
    Case(_W, "% (documented as allowing every address) fails, in a group or a template",
         {DS: [cluster("pc-pct", whitelist=open_group("%")),
               cluster("pc-tpl-pct", templates=[PolarWhitelistGroup(name="template:any", ips=["%"])])]},
         {"pc-pct": "FAIL", "pc-tpl-pct": "FAIL"}),
    Case(_W, "templates unread: ERROR when the groups are closed, FAIL when a group is open",
         {DS: [cluster(errors={"templates": "NoPermission"}),
               cluster("pc-open-unread", whitelist=open_group("0.0.0.0/0"), errors={"templates": "NoPermission"})]},
         {CID: "ERROR", "pc-open-unread": "FAIL"}),
    Case(_P, "the documented Private address passes; a Public address fails; endpoints read failed",
         {DS: [cluster(), cluster("pc-pub", addresses=[public()]),
               cluster("pc-err", errors={"endpoints": "Throttling.User"})]},
         {CID: "PASS", "pc-pub": "FAIL", "pc-err": "ERROR"}),
    Case(_S, "SSLEnabled Enabled passes; Disable, an empty list fail; read failed",
         {DS: [cluster(), cluster("pc-nossl", ssl=[PolarSsl(endpoint_id=EP, enabled="Disable")]),
               cluster("pc-mixed", ssl=[PolarSsl(endpoint_id="pe-a", enabled="Enabled"),
                                        PolarSsl(endpoint_id="pe-b", enabled="Disable")]),
               cluster("pc-empty", ssl=[]), cluster("pc-err", errors={"ssl": "NoPermission"})]},
         {CID: "PASS", "pc-nossl": "FAIL", "pc-mixed": "FAIL", "pc-empty": "FAIL", "pc-err": "ERROR"}),
    Case(_A, "Enable passes; the documented Disabled fails; undocumented value MANUAL; read failed; no "
         "CollectorStatus in the answer is unknown, not Disabled",
         {DS: [cluster(), cluster("pc-off", audit_status="Disabled"), cluster("pc-odd", audit_status="Pending"),
               cluster("pc-err", errors={"audit": "NoPermission"}), cluster("pc-blank", audit_status="")]},
         {CID: "PASS", "pc-off": "FAIL", "pc-odd": "MANUAL", "pc-err": "ERROR", "pc-blank": "ERROR"}),
    Case(_T, "the documented Enabled passes; Disabled fails; read failed",
         {DS: [cluster(), cluster("pc-clear", tde_status="Disabled", tde_key=""),
               cluster("pc-err", errors={"tde": "InvalidDBClusterId.Malformed"}),
               cluster("pc-blank", tde_status="", tde_key="")]},
         {CID: "PASS", "pc-clear": "FAIL", "pc-err": "ERROR", "pc-blank": "ERROR"}),
    # "TDE is unavailable for Archive Database" (PolarDB TDE guide); Category enumerates Archive (DescribeDBClusters);
    # the documented ServerlessType sample is AgileServerless: MySQL 8.0.2 cannot be told from 8.0.1, so it still FAILs
    Case(_T, "Archive (X-Engine) cluster without TDE is MANUAL; with TDE passes; serverless MySQL 8.0 off still "
         "fails",
         {DS: [cluster("pc-arch", category="Archive", db_version="8.0", tde_status="Disabled", tde_key=""),
               cluster("pc-arch-on", category="Archive", db_version="8.0"),
               cluster("pc-srv", db_version="8.0", serverless_type="AgileServerless", tde_status="Disabled",
                       tde_key="")]},
         {"pc-arch": "MANUAL", "pc-arch-on": "PASS", "pc-srv": "FAIL"}),
]
CASES += [
    Case(_T, "X-Engine as CreateDBCluster spells its category (ArchiveNormal) is MANUAL too",
         {DS: [cluster("pc-xengine", category="ArchiveNormal", tde_status="Disabled", tde_key="")]},
         {"pc-xengine": "MANUAL"}),
]
