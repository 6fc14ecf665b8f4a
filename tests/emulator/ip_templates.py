"""Global IP whitelist templates, which ApsaraDB for Redis / Tair (r-kvstore 2015-01-01), MongoDB (dds 2015-12-01) and
PolarDB (polardb 2017-08-01) document alike: the account's templates (CreateGlobalSecurityIPGroup: RegionId,
GlobalIgName, GIpList; DescribeGlobalSecurityIPGroup answers GlobalSecurityGroupId "g-zsldxfiwjmti0kcm****",
GlobalIgName, GIpList and RegionId, all strings) and the ones an instance links, answered by
DescribeGlobalSecurityIPGroupRelation: DBClusterId (the instance's id) and GlobalSecurityIPGroupRel[] with
GlobalSecurityGroupId, GIpList (comma-separated), RegionId and GlobalIgName, all strings; RegionId and DBClusterId are
required, the one documented error 400 RequiredParam.NotFound "Required input param is not found." (OpenMeta en_us
r-kvstore/2015-01-01, dds/2015-12-01, polardb/2017-08-01; tests/fixtures/wire/<product>/
DescribeGlobalSecurityIPGroupRelation.json). Whether a product's per-instance whitelist answer (DescribeSecurityIps,
DescribeDBClusterAccessWhitelist) also carries a linked template's entries is not documented: the emulator answers
them through the relation only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .call import Call
from .errors import ApiError


class GlobalIpTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    id: str  # GlobalSecurityGroupId, g-...
    name: str  # GlobalIgName: lowercase letters, digits and underscores, 2 to 120 characters
    region: str = "cn-hangzhou"  # RegionId
    ips: list[str] = Field(default_factory=list)  # GIpList, sent comma-separated


def check_links(templates: list[GlobalIpTemplate], links: Iterable[tuple[str, list[str]]]) -> None:
    """A scenario's templates have unique ids, and each (instance, linked ids) names known ones."""
    ids = [t.id for t in templates]
    if len(set(ids)) != len(ids):
        raise ValueError("global IP whitelist template ids must be unique in the account")
    for owner, linked in links:
        unknown = set(linked) - set(ids)
        if unknown:
            raise ValueError(f"{owner} links unknown global IP whitelist template(s) {sorted(unknown)}")


def require_relation_params(call: Call) -> None:
    if not call.params.get("RegionId") or not call.params.get("DBClusterId"):
        raise ApiError("RequiredParam.NotFound", "Required input param is not found.", 400)


def relation(instance_id: str, templates: list[GlobalIpTemplate], linked: list[str]) -> dict[str, Any]:
    """DescribeGlobalSecurityIPGroupRelation's answer for an instance linking `linked`."""
    return {"DBClusterId": instance_id, "GlobalSecurityIPGroupRel": [
        {"GlobalSecurityGroupId": t.id, "GIpList": ",".join(t.ips), "RegionId": t.region, "GlobalIgName": t.name}
        for t in templates if t.id in linked]}
