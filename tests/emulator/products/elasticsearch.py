"""Elasticsearch (elasticsearch 2017-06-13, a ROA API on elasticsearch.<region>.aliyuncs.com: the SDK's endpoint
rule is 'regional'): clusters per region with their public network access and Kibana public access and the
whitelists of each; ListInstance (GET /openapi/instances, page/size paging with the total in the body's
Headers.X-Total-Count), DescribeInstance (GET /openapi/instances/{InstanceId}), and the writes that change what the
audit sees (UpdatePublicWhiteIps, UpdateKibanaWhiteIps, TriggerNetwork), each as the SDK builds its path.

Sources: OpenMeta elasticsearch 2017-06-13 (dew-serverless/acs-metadata) for paths, shapes and the error code of an
unknown cluster (InstanceNotFound, 404, documented on GetElastictask and others); alibabacloud_elasticsearch20170613's
models for JSON types and the request limits (size at most 100, default 10)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict, Field

from ..call import Call
from ..errors import ApiError
from ..regions import offered_regions, region_exists
from ..rest import RestApi
from . import Product

api = RestApi("elasticsearch", "pop", "elasticsearch")
STATUSES = ("active", "activating", "inactive", "invalid")  # ListInstance status filter values (SDK doc)
MODIFY_MODES = ("Cover", "Append", "Delete")  # modifyMode of the whitelist writes (SDK doc; default Cover)


class Cluster(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    id: str
    description: str = ""
    region: str = "cn-hangzhou"
    status: str = "active"
    version: str = "7.10_with_X-Pack"
    public_enabled: bool = False  # Public Network Access is off by default (console documentation)
    public_whitelist: list[str] = Field(default_factory=list)
    private_whitelist: list[str] = Field(default_factory=lambda: ["0.0.0.0/0"])  # VPC access allowed by default
    kibana_public_enabled: bool = True  # on by default, whitelist 127.0.0.1,::1 (access control documentation)
    kibana_whitelist: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])
    vpc_id: str = "vpc-bp1default000000"
    vswitch_id: str = "vsw-bp1default000000"
    zone: str = "cn-hangzhou-i"
    created: datetime = datetime(2024, 1, 1, tzinfo=timezone.utc)


class ElasticsearchState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instances: list[Cluster] = Field(default_factory=list)


PRODUCT = Product("elasticsearch", api=api, state=ElasticsearchState, versions=("2017-06-13",))


def _ts(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _query(call: Call) -> dict[str, str]:
    return dict(call.req.query)


def _int(q: dict[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = q.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise ApiError("InvalidParameter", f"{name} must be an integer between {lo} and {hi}: {raw}", 400)
    return int(raw)


def _region(call: Call) -> str:
    if call.region and not region_exists(call.acct.regions, call.region):
        raise ApiError("InvalidRegionId", f"The region {call.region} is not available for this account.", 400)
    return call.region


def _arn(call: Call) -> str:
    iid = unquote(call.path_params.get("instance_id", "")) or "*"
    account = call.account.id if call.account else "*"
    return f"acs:elasticsearch:{call.region or '*'}:{account}:instances/{iid}"


def _cluster(call: Call) -> Cluster:
    iid = unquote(call.path_params.get("instance_id", ""))
    region = _region(call)
    c = next((c for c in call.acct.elasticsearch.instances if c.id == iid and (not region or c.region == region)),
             None)
    if c is None:
        raise ApiError("InstanceNotFound",
                       "The specified cluster does not exist. Check the cluster status and try again.", 404)
    call.region = call.region or c.region
    call.touch("ACS::Elasticsearch::Instance", c.id)
    return c


def _body(call: Call) -> dict[str, Any]:
    try:
        data = json.loads(call.req.body or b"{}")
    except ValueError:
        raise ApiError("InvalidParameter", "The request body is not valid JSON.", 400) from None
    if not isinstance(data, dict):
        raise ApiError("InvalidParameter", "The request body must be a JSON object.", 400)
    return data


def _view(c: Cluster) -> dict[str, Any]:
    """The fields ListInstance and DescribeInstance share (ListInstance has no enablePublic: the SDK's model)."""
    return {
        "instanceId": c.id, "description": c.description, "status": c.status, "esVersion": c.version,
        "createdAt": _ts(c.created), "updatedAt": _ts(c.created), "paymentType": "postpaid",
        "resourceGroupId": "rg-acfmdefault0000", "vpcInstanceId": c.vpc_id, "nodeAmount": 3, "protocol": "HTTP",
        "publicIpWhitelist": list(c.public_whitelist), "kibanaIPWhitelist": list(c.kibana_whitelist),
        "privateNetworkIpWhiteList": list(c.private_whitelist), "kibanaPrivateIPWhitelist": [],
        "networkConfig": {"type": "vpc", "vpcId": c.vpc_id, "vswitchId": c.vswitch_id, "vsArea": c.zone,
                          "whiteIpGroupList": [
                              {"groupName": "default", "whiteIpType": "PRIVATE_ES", "ips": list(c.private_whitelist)},
                              {"groupName": "default", "whiteIpType": "PUBLIC_ES", "ips": list(c.public_whitelist)},
                              {"groupName": "default", "whiteIpType": "PUBLIC_KIBANA",
                               "ips": list(c.kibana_whitelist)}]},
        "tags": []}


@api.route("GET", "/openapi/instances", name="ListInstance",
           resource=lambda c: f"acs:elasticsearch:{c.region or '*'}:{c.acct.id}:instances/*")
def list_instance(call: Call) -> dict[str, Any]:
    region, q = _region(call), _query(call)
    status = q.get("status", "")
    if status and status not in STATUSES:
        raise ApiError("InvalidParameter", f"The status is invalid: {status}", 400)
    found = [c for c in call.acct.elasticsearch.instances if (not region or c.region == region)
             and (not status or c.status == status) and (not q.get("instanceId") or c.id == q["instanceId"])
             and q.get("description", "") in c.description]
    size, page = _int(q, "size", 10, 1, 100), _int(q, "page", 1, 1, 1_000_000)
    items = found[(page - 1) * size:page * size]
    return {"RequestId": call.req.request_id, "Headers": {"X-Total-Count": len(found)},
            "Result": [{**_view(c), "domain": f"{c.id}.elasticsearch.aliyuncs.com", "port": "9200"} for c in items]}


@api.route("GET", "/openapi/instances/{instance_id}", name="DescribeInstance", resource=_arn)
def describe_instance(call: Call) -> dict[str, Any]:
    c = _cluster(call)
    return {"RequestId": call.req.request_id, "Result": {
        **_view(c), "domain": f"{c.id}.elasticsearch.aliyuncs.com", "port": 9200,
        "enablePublic": c.public_enabled, "publicDomain": f"{c.id}.public.elasticsearch.aliyuncs.com",
        "publicPort": 9200, "haveKibana": True, "kibanaPort": 5601,
        "enableKibanaPublicNetwork": c.kibana_public_enabled, "enableKibanaPrivateNetwork": False,
        "kibanaDomain": f"{c.id}.kibana.elasticsearch.aliyuncs.com"}}


def _apply(current: list[str], new: list[str], mode: str) -> list[str]:
    if mode not in MODIFY_MODES:
        raise ApiError("InvalidParameter", f"The modifyMode is invalid: {mode}", 400)
    if mode == "Append":
        return list(dict.fromkeys(current + new))
    if mode == "Delete":
        return [ip for ip in current if ip not in new]
    return list(dict.fromkeys(new))


def _ips(body: dict[str, Any], legacy: str, kind: str) -> list[str]:
    """The addresses of a whitelist write: the legacy list field, or a whiteIpGroup of the matching type."""
    if isinstance(body.get(legacy), list):
        return [str(ip) for ip in body[legacy]]
    group = body.get("whiteIpGroup")
    if isinstance(group, dict) and str(group.get("whiteIpType", kind)).upper() == kind:
        return [str(ip) for ip in group.get("ips") or []]
    raise ApiError("InvalidParameter", f"The body names neither {legacy} nor a {kind} whiteIpGroup.", 400)


@api.route("POST", "/openapi/instances/{instance_id}/public-white-ips", name="UpdatePublicWhiteIps",
           resource=_arn, write=True)
def update_public_white_ips(call: Call) -> dict[str, Any]:
    c = _cluster(call)
    mode = _query(call).get("modifyMode", "Cover")
    c.public_whitelist = _apply(c.public_whitelist, _ips(_body(call), "publicIpWhitelist", "PUBLIC_ES"), mode)
    return {"RequestId": call.req.request_id, "Result": {**_view(c), "enablePublic": c.public_enabled}}


@api.route("POST", "/openapi/instances/{instance_id}/kibana-white-ips", name="UpdateKibanaWhiteIps",
           resource=_arn, write=True)
def update_kibana_white_ips(call: Call) -> dict[str, Any]:
    c = _cluster(call)
    mode = _query(call).get("modifyMode", "Cover")
    c.kibana_whitelist = _apply(c.kibana_whitelist, _ips(_body(call), "kibanaIPWhitelist", "PUBLIC_KIBANA"), mode)
    return {"RequestId": call.req.request_id, "Result": _view(c)}


@api.route("POST", "/openapi/instances/{instance_id}/actions/network-trigger", name="TriggerNetwork",
           resource=_arn, write=True)
def trigger_network(call: Call) -> dict[str, Any]:
    c = _cluster(call)
    body = _body(call)
    node, network, action = (str(body.get(k, "")).upper() for k in ("nodeType", "networkType", "actionType"))
    if node not in ("WORKER", "KIBANA") or network not in ("PUBLIC", "PRIVATE") or action not in ("OPEN", "CLOSE"):
        raise ApiError("InvalidParameter", "nodeType (WORKER | KIBANA), networkType (PUBLIC | PRIVATE) and "
                                           "actionType (OPEN | CLOSE) are required.", 400)
    if network == "PUBLIC":
        if node == "WORKER":
            c.public_enabled = action == "OPEN"
        else:
            c.kibana_public_enabled = action == "OPEN"
    return {"RequestId": call.req.request_id, "Result": True}


# DescribeRegions (GET /openapi/regions): Result[] of regionId, localName, regionEndpoint, consoleEndpoint, status
# (lower camel case; sample: tests/fixtures/wire/elasticsearch, whose only status is "available"); names are not
# modelled
@api.route("GET", "/openapi/regions", name="DescribeRegions")
def describe_regions(call: Call) -> dict[str, Any]:
    return {"Result": [{"regionId": r, "localName": r, "regionEndpoint": f"elasticsearch.{r}.aliyuncs.com",
                        "consoleEndpoint": f"https://elasticsearch-{r}.console.aliyun.com", "status": "available"}
                       for r in offered_regions(call.world, "elasticsearch", call.acct.regions)]}
