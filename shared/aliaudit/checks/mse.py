"""Microservices Engine checks: registry / configuration centre authentication, and public endpoints open to any
IP address. One finding per instance, in its region."""

from __future__ import annotations

from collections.abc import Iterator

from ..collectors.mse import CLUSTERS, MseCluster
from ..findings import Result, Status
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL
NACOS, ZOOKEEPER = "Nacos-Ans", "ZooKeeper"


def _result(c: MseCluster, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=c.id, resource_type="mse:cluster", resource_name=c.name,
                  region=c.region, message=message, details={"type": c.type, "version": c.version})


@check(id="mse_cluster_config_auth_enabled", severity="high",
       title="MSE Nacos and ZooKeeper instances require client authentication",
       risk="A Nacos registry or configuration centre without authentication lets anyone who reaches it read every "
            "configuration (database passwords, keys) and register or deregister services; ZooKeeper without SASL "
            "lets any client read and change its tree.",
       console="MSE console > Microservices Registry > Instances > the instance > Parameter Settings: turn on "
               "ConfigAuthEnabled and NamingAuthEnabled (Nacos) or AuthEnabled (ZooKeeper), after giving the "
               "clients a RAM identity (Nacos) or SASL credentials (ZooKeeper).",
       cli="aliyun mse UpdateConfig --InstanceId <id> --ConfigAuthEnabled true --NamingAuthEnabled true",
       events=["UpdateConfig", "CreateCluster"], needs=[CLUSTERS],
       evaluates="ListClusters then QueryConfig per instance in the region. Nacos-Ans: PASS when ConfigAuthEnabled "
                 "and NamingAuthEnabled are both true; FAIL when either is false where the instance supports it (the "
                 "message names them); MANUAL when it supports neither (ConfigAuthSupported and NamingAuthSupported "
                 "false: upgrade it), or only one and that one is on (the other named). ZooKeeper: PASS when "
                 "AuthEnabled (SASL) is true, FAIL when false. Eureka, which MSE gives no "
                 "authentication setting, and any switch QueryConfig does not answer: MANUAL. ERROR when QueryConfig "
                 "failed.",
       source="Cloud Config mse-cluster-config-auth-enabled")
def config_auth_enabled(inp: Inputs) -> Iterator[Result]:
    for c in inp[CLUSTERS]:
        if c.config_error:
            yield _result(c, ERROR, f"could not read the instance's parameters: {c.config_error}")
        elif c.type == NACOS:
            if c.config_auth_supported is False and c.naming_auth_supported is False:
                yield _result(c, MANUAL, f"this Nacos version ({c.version or 'unknown'}) supports no authentication: "
                                         "upgrade the instance and enable it")
                continue
            # a switch the version does not support (its *Supported false) cannot be turned on: not a FAIL
            switches = (("ConfigAuthEnabled", c.config_auth_enabled, c.config_auth_supported),
                        ("NamingAuthEnabled", c.naming_auth_enabled, c.naming_auth_supported))
            off = [n for n, v, ok in switches if v is False and ok is not False]
            unsupported = [n for n, v, ok in switches if not v and ok is False]
            unknown = [n for n, v, ok in switches if v is None and ok is not False]
            if off:
                yield _result(c, FAIL, f"Nacos authentication is off: {', '.join(off)} false")
            elif unsupported:
                yield _result(c, MANUAL, f"this Nacos version ({c.version or 'unknown'}) does not support "
                                         f"{', '.join(unsupported)}: upgrade the instance and enable it")
            elif unknown:
                yield _result(c, MANUAL, f"QueryConfig did not answer {', '.join(unknown)}: verify in the console")
            else:
                yield _result(c, PASS, "Nacos configuration and registry authentication are enabled")
        elif c.type == ZOOKEEPER:
            if c.zk_auth_enabled is None:
                yield _result(c, MANUAL, "QueryConfig did not answer AuthEnabled: verify SASL authentication")
            else:
                yield _result(c, PASS if c.zk_auth_enabled else FAIL,
                              f"ZooKeeper SASL authentication is {'enabled' if c.zk_auth_enabled else 'disabled'}")
        else:
            yield _result(c, MANUAL, f"{c.type or 'this engine'} has no authentication setting in MSE: keep it off "
                                     "the Internet or behind a whitelist")


@check(id="mse_cluster_internet_access_restricted", severity="medium",
       title="MSE instances with a public endpoint restrict it to known IP addresses",
       risk="An empty public whitelist makes the registry reachable from any IP address on the Internet; with weak "
            "or no authentication that exposes every configuration and service registration.",
       console="MSE console > Microservices Registry > Instances > the instance > Basic Information > Public IP "
               "Address Whitelist: list only the CIDR blocks that need access (or release the public endpoint).",
       cli="aliyun mse UpdateAcl --InstanceId <id> --AclEntryList 203.0.113.0/24",
       events=["UpdateAcl", "CreateCluster", "UpdateCluster", "UpdateClusterSpec"], needs=[CLUSTERS],
       evaluates="ListClusters then QueryClusterDetail per instance in the region: PASS when the instance has no "
                 "public endpoint (PubNetworkFlow, the public bandwidth of an SLB connection, not above 0 and no "
                 "InternetDomain or InternetAddress: an ENI connection goes public through an Elastic IP, which "
                 "PubNetworkFlow does not show) or the public whitelist "
                 "(AclEntryList) lists addresses none of which (nor all together) admit every address; FAIL when the "
                 "instance is public and the whitelist is empty (MSE documents that an empty whitelist admits any IP "
                 "address) or holds 0.0.0.0/0, ::/0, a bare 0.0.0.0 or entries covering every address "
                 "(0.0.0.0/1 + 128.0.0.0/1); ERROR when QueryClusterDetail failed or, asked for the whitelist "
                 "(AclSwitch=true), answered no AclEntryList for a public instance.",
       source="Cloud Config mse-cluster-internet-check; https://alibabacloud.com/help/en/mse/user-guide/"
              "set-up-a-white-list")
def internet_access_restricted(inp: Inputs) -> Iterator[Result]:
    for c in inp[CLUSTERS]:
        if c.detail_error:
            yield _result(c, ERROR, f"could not read the instance's network settings: {c.detail_error}")
        elif not c.public:
            yield _result(c, PASS, "the instance has no public endpoint")
        elif c.acl is None:
            yield _result(c, ERROR, "the instance is public but QueryClusterDetail answered no whitelist "
                                    "(AclEntryList): whether it admits every address is unknown")
        elif not c.acl:
            where = f" {c.internet_domain}" if c.internet_domain else ""
            yield _result(c, FAIL, f"the public endpoint{where} has an empty whitelist: any IP address can reach it")
        elif c.open_entries:
            yield _result(c, FAIL, f"the public whitelist admits any address ({', '.join(c.open_entries)})")
        else:
            yield _result(c, PASS, f"the public endpoint admits only {', '.join(c.acl)}")
