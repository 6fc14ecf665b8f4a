"""The global IP whitelist templates linked to a database instance: ApsaraDB for Redis / Tair (r-kvstore 2015-01-01),
MongoDB (dds 2015-12-01) and PolarDB (polardb 2017-08-01) document one API for them,
DescribeGlobalSecurityIPGroupRelation ("Queries the relationship between a cluster and a global IP whitelist
template"), with the same request and answer in their SDKs. A linked template admits its addresses to the instance
("Template IP addresses are added to the instance whitelist": the Tair, MongoDB and PolarDB whitelist template
guides); whether the per-instance whitelist answer carries them is not documented, so they are read on their own and
judged as groups named template:<GlobalIgName>."""

from __future__ import annotations

from typing import Any

TEMPLATE_PREFIX = "template:"  # a linked template is judged as a group named template:<its name> (RDS's too)


def linked_templates(client: Any, models: Any, instance_id: str, region: str) -> list[tuple[str, list[str]]]:
    """(template:<name>, its addresses) of each template linked to the instance. DBClusterId (the instance's id, r-...,
    dds-... or pc-...) and RegionId ("The region ID of the IP whitelist template") are both required; the answer's
    GlobalSecurityIPGroupRel[] carries GlobalIgName, GlobalSecurityGroupId and GIpList ("The IP address in the global
    IP whitelist template. Separate multiple IP addresses with commas") (the SDKs' DescribeGlobalSecurityIPGroupRelation
    Request / ResponseBody; tests/fixtures/wire/{kvstore,dds,polardb}). RegionId is the instance's: no reference says an
    instance can link another region's template. The SDKs make an absent list an empty one: none listed, none linked."""
    body = client.describe_global_security_ipgroup_relation(models.DescribeGlobalSecurityIPGroupRelationRequest(
        dbcluster_id=instance_id, region_id=region)).body
    return [(f"{TEMPLATE_PREFIX}{t.global_ig_name or t.global_security_group_id or ''}",
             [ip.strip() for ip in (t.gip_list or "").split(",") if ip.strip()])
            for t in body.global_security_ipgroup_rel or []]
