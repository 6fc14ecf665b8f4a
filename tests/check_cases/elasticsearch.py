"""Elasticsearch cases, from DescribeInstance's documented sample (es-cn-3h4k3axh33th9****, es-cn-abc, active,
6.3.2_with_X-Pack, enablePublic true, enableKibanaPublicNetwork true, publicIpWhitelist and kibanaIPWhitelist
["0.0.0.0/0"], publicDomain es-cn-3h4k3axh33th9****.elasticsearch.aliyuncs.com)."""

from __future__ import annotations

from aliaudit.collectors.elasticsearch import EsInstance
from tests.check_cases import Case

IID = "es-cn-3h4k3axh33th9****"


def cluster(iid: str = IID, **kw: object) -> EsInstance:
    base: dict[str, object] = {
        "id": iid, "description": "es-cn-abc", "region": "cn-hangzhou", "status": "active",
        "version": "6.3.2_with_X-Pack", "public_enabled": True,
        "public_domain": f"{iid}.elasticsearch.aliyuncs.com", "public_whitelist": ["0.0.0.0/0"],
        "kibana_public_enabled": True, "kibana_domain": f"{iid}.kibana.elasticsearch.aliyuncs.com",
        "kibana_whitelist": ["0.0.0.0/0"]}
    base.update(kw)
    return EsInstance(**base)  # type: ignore[arg-type]


_P = "elasticsearch_instance_public_access_restricted"
_K = "elasticsearch_kibana_public_access_restricted"
CASES: list[Case] = [
    Case(_P, "the sample's 0.0.0.0/0 and a bare 0.0.0.0 fail; restricted, empty and disabled pass",
         {"elasticsearch.instances": [cluster(), cluster("es-bare", public_whitelist=["0.0.0.0", "127.0.0.1"]),
                                      cluster("es-net", public_whitelist=["203.0.113.0/24"]),
                                      cluster("es-empty", public_whitelist=[]),
                                      cluster("es-off", public_enabled=False)]},
         {IID: "FAIL", "es-bare": "FAIL", "es-net": "PASS", "es-empty": "PASS", "es-off": "PASS"}),
    Case(_P, "cluster could not be described", {"elasticsearch.instances": [cluster(error="InstanceNotFound")]},
         {IID: "ERROR"}),
    Case(_K, "the sample's open Kibana fails; restricted and disabled pass; an empty whitelist is MANUAL",
         {"elasticsearch.instances": [cluster(), cluster("es-k", kibana_whitelist=["127.0.0.1", "::1"]),
                                      cluster("es-koff", kibana_public_enabled=False),
                                      cluster("es-kempty", kibana_whitelist=[])]},
         {IID: "FAIL", "es-k": "PASS", "es-koff": "PASS", "es-kempty": "MANUAL"}),
    Case(_K, "IPv6 any-address and an unreadable cluster",
         {"elasticsearch.instances": [cluster("es-v6", kibana_whitelist=["::/0"]), cluster(error="Forbidden")]},
         {"es-v6": "FAIL", IID: "ERROR"}),
]
