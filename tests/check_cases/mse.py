"""MSE cases, from the documented samples of mse 2019-05-31: ListClusters (InstanceId mse-cn-st21ri2****,
ClusterAliasName mse-7413****, ClusterType ZooKeeper | Nacos-Ans | Eureka, AppVersion 1.9.3), QueryConfig
(ConfigAuthEnabled true, NamingAuthEnabled false, ConfigAuthSupported / NamingAuthSupported true, AuthEnabled true)
and QueryClusterDetail (PubNetworkFlow "3", InternetDomain mse-7413****-p.eureka.mse.aliyuncs.com, AclEntryList
"[]")."""

from __future__ import annotations

from aliaudit.collectors.mse import MseCluster, acl_entries
from tests.check_cases import Case

IID = "mse-cn-st21ri2****"


def cluster(iid: str = IID, **kw: object) -> MseCluster:
    base: dict[str, object] = {
        "id": iid, "name": "mse-7413****", "region": "cn-hangzhou", "type": "Nacos-Ans", "version": "2.1.0",
        "config_auth_enabled": True, "config_auth_supported": True, "naming_auth_enabled": True,
        "naming_auth_supported": True, "zk_auth_enabled": True, "public_bandwidth": 3,
        "internet_domain": "mse-7413****-p.eureka.mse.aliyuncs.com", "acl": acl_entries("203.0.113.0/24")}
    base.update(kw)
    return MseCluster(**base)  # type: ignore[arg-type]


_AUTH = "mse_cluster_config_auth_enabled"
_NET = "mse_cluster_internet_access_restricted"
CASES: list[Case] = [
    Case(_AUTH, "both switches on passes; the sample's NamingAuthEnabled false fails",
         {"mse.clusters": [cluster(), cluster("mse-naming-off", naming_auth_enabled=False),
                           cluster("mse-both-off", config_auth_enabled=False, naming_auth_enabled=False)]},
         {IID: "PASS", "mse-naming-off": "FAIL", "mse-both-off": "FAIL"}),
    Case(_AUTH, "ZooKeeper follows AuthEnabled; Eureka and an old Nacos without support are MANUAL",
         {"mse.clusters": [cluster("mse-zk-on", type="ZooKeeper"),
                           cluster("mse-zk-off", type="ZooKeeper", zk_auth_enabled=False),
                           cluster("mse-eureka", type="Eureka", version="1.9.3"),
                           cluster("mse-old", config_auth_enabled=False, naming_auth_enabled=False,
                                   config_auth_supported=False, naming_auth_supported=False)]},
         {"mse-zk-on": "PASS", "mse-zk-off": "FAIL", "mse-eureka": "MANUAL", "mse-old": "MANUAL"}),
    Case(_AUTH, "one switch unsupported by the version: MANUAL when the supported one is on, FAIL when it is off",
         {"mse.clusters": [cluster("mse-half", naming_auth_supported=False, naming_auth_enabled=False),
                           cluster("mse-half-off", naming_auth_supported=False, naming_auth_enabled=False,
                                   config_auth_enabled=False)]},
         {"mse-half": "MANUAL", "mse-half-off": "FAIL"}),
    Case(_AUTH, "QueryConfig failed", {"mse.clusters": [cluster(config_error="NotFound: Not found")]},
         {IID: "ERROR"}),
    Case(_NET, "a whitelisted public endpoint and a private instance pass; the sample's empty [] whitelist and "
               "0.0.0.0/0 fail",
         {"mse.clusters": [cluster(), cluster("mse-private", public_bandwidth=0, internet_domain="", acl=[]),
                           cluster("mse-empty", acl=acl_entries("[]")),
                           cluster("mse-any", acl=acl_entries("10.0.0.0/8,0.0.0.0/0"))]},
         {IID: "PASS", "mse-private": "PASS", "mse-empty": "FAIL", "mse-any": "FAIL"}),
    Case(_NET, "QueryClusterDetail failed", {"mse.clusters": [cluster(detail_error="NoPermission: denied")]},
         {IID: "ERROR"}),
    Case(_NET, "no AclEntryList in the answer: unknown for a public instance, not an empty whitelist",
         {"mse.clusters": [cluster(acl=None),
                           cluster("mse-private", public_bandwidth=0, internet_domain="", acl=None)]},
         {IID: "ERROR", "mse-private": "PASS"}),
    # the review's defect: an ENI instance goes public through an Elastic IP, with no public bandwidth (PubNetworkFlow
    # is "Valid when ConnectionType is slb"); its public endpoint was read as none
    Case(_NET, "no public bandwidth but a public address or domain answered (ENI with an EIP) is judged",
         {"mse.clusters": [cluster("mse-eni", public_bandwidth=0, internet_address="47.98.0.10", acl=[]),
                           cluster("mse-eni-dns", public_bandwidth=0, internet_domain="mse-eni-p.nacos-ans.mse."
                                   "aliyuncs.com", acl=acl_entries("203.0.113.0/24"))]},
         {"mse-eni": "FAIL", "mse-eni-dns": "PASS"}),
]
