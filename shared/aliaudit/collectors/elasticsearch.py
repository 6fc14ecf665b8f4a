"""Elasticsearch datasets (regional, elasticsearch 2017-06-13, a ROA API: GET /openapi/instances and
/openapi/instances/{InstanceId}): every cluster of the region with its public network access and Kibana public access
and their IP whitelists (DescribeInstance)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field

from .. import apierrors
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from ..offered import region_list
from .paging import cut_short
from .registry import CollectContext, collector

es_models = lazy_import("alibabacloud_elasticsearch20170613.models")

# ListInstance `size`: "Maximum value: 100. Default value: 10" (alibabacloud_elasticsearch20170613 ListInstanceRequest)
PAGE_SIZE = 100
# networkConfig.whiteIpGroupList[].whiteIpType values (OpenMeta enum): PRIVATE_ES | PUBLIC_ES | PRIVATE_KIBANA |
# PUBLIC_KIBANA; the groups of the public types whitelist the public endpoints beside the legacy lists
PUBLIC_ES, PUBLIC_KIBANA = "PUBLIC_ES", "PUBLIC_KIBANA"
# a whitelist item is an address or a short JSON array of them; larger text is not parsed (the cluster's ERROR)
MAX_ITEM = 64 * 1024


class EsInstance(Record):
    id: str
    description: str = ""
    region: str
    status: str = ""  # active | activating | inactive | invalid
    version: str = ""
    public_enabled: bool | None = False  # enablePublic (None: DescribeInstance did not answer it)
    public_domain: str = ""
    public_whitelist: list[str] = Field(default_factory=list)  # publicIpWhitelist + PUBLIC_ES groups
    kibana_public_enabled: bool | None = False  # enableKibanaPublicNetwork (None: not answered)
    kibana_domain: str = ""
    kibana_whitelist: list[str] = Field(default_factory=list)  # kibanaIPWhitelist + PUBLIC_KIBANA groups
    error: str | None = None  # DescribeInstance failed: checks report ERROR for this cluster


INSTANCES: Dataset[list[EsInstance]] = Dataset("elasticsearch.instances", Scope.REGIONAL)


def _items(values: list[str] | None) -> list[str]:
    """Whitelist entries. The documented samples show items holding JSON array text ('[ "0.0.0.0/0" ]') where the
    SDK declares a list of strings: such an item is read as the entries it spells, never dropped as unreadable."""
    out: list[str] = []
    for v in values or []:
        text = (v or "").strip()
        if len(text) > MAX_ITEM:
            raise ValueError(f"a whitelist item is larger than {MAX_ITEM} characters: not parsed")
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except (ValueError, RecursionError):
                parsed = None
            if isinstance(parsed, list):
                out += [str(p).strip() for p in parsed if str(p).strip()]
                continue
        text = text.strip('"')
        if text:
            out.append(text)
    return out


def _merged(legacy: list[str] | None, groups: list[Any], kind: str) -> list[str]:
    ips = _items(legacy)
    ips += [ip for g in groups if (g.white_ip_type or "").upper() == kind for ip in _items(g.ips)]
    return list(dict.fromkeys(ips))


def read_description(inst: EsInstance, r: Any) -> None:
    """Set the cluster's public and Kibana access from DescribeInstance Result."""
    groups = r.network_config.white_ip_group_list if r.network_config and r.network_config.white_ip_group_list \
        else []
    # (a switch the answer leaves out is unknown, not off: the checks report ERROR, never 'disabled')
    inst.public_enabled = r.enable_public if isinstance(r.enable_public, bool) else None
    inst.public_domain = r.public_domain or ""
    inst.public_whitelist = _merged(r.public_ip_whitelist, groups, PUBLIC_ES)
    kibana = r.enable_kibana_public_network
    inst.kibana_public_enabled = kibana if isinstance(kibana, bool) else None
    inst.kibana_domain = r.kibana_domain or ""
    inst.kibana_whitelist = _merged(r.kibana_ipwhitelist, groups, PUBLIC_KIBANA)


@collector(INSTANCES, apis=["elasticsearch:ListInstance", "elasticsearch:DescribeInstance"])
def instances(ctx: CollectContext) -> list[EsInstance]:
    es = ctx.client("elasticsearch")
    listed: list[Any] = []
    page = 1
    while True:  # page/size paging; the total is the body's Headers.X-Total-Count
        body = es.list_instance(es_models.ListInstanceRequest(page=page, size=PAGE_SIZE)).body
        batch = body.result or []
        listed += batch
        total = body.headers.x_total_count if body.headers and body.headers.x_total_count is not None else None
        if (total is not None and len(listed) >= total) or (total is None and len(batch) < PAGE_SIZE):
            break
        if not batch:
            raise cut_short("ListInstance", len(listed), total or 0)
        page += 1

    def read(i: Any) -> EsInstance | None:
        inst = EsInstance(id=i.instance_id, description=i.description or "", region=ctx.region,
                          status=i.status or "", version=i.es_version or "")
        try:
            read_description(inst, es.describe_instance(inst.id).body.result)
        except Exception as err:
            # released since it was listed: InstanceNotFound, the code Alibaba's Terraform provider reads as "not
            # found" (service_alicloud_elasticsearch.go)
            if apierrors.sdk_code(err) == "InstanceNotFound":
                return None
            inst.error = apierrors.describe(err)
        return inst

    return [inst for inst in ctx.map(read, listed) if inst is not None]


# DescribeRegions (GET /openapi/regions): the regions of Alibaba Cloud Elasticsearch, Result[] with lower camel case
# keys (https://www.alibabacloud.com/help/en/es/developer-reference/api-elasticsearch-2017-06-13-describeregions;
# alibabacloud_elasticsearch20170613 DescribeRegionsResponseBody). Every listed region counts, whatever its `status`
# ("The available status of the region": a region closed to new clusters may still hold some). No RAM action is
# documented: elasticsearch:DescribeRegions by convention
@region_list("elasticsearch", product="elasticsearch", apis=["elasticsearch:DescribeRegions"])
def elasticsearch_regions(client: Any) -> list[str]:
    return [r.region_id for r in client.describe_regions().body.result or []]
