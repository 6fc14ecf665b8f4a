"""Kafka cases, from the documented samples: GetInstanceList (alikafka_pre-cn-mp919o4v****, DeployType 5 | 4,
ViewInstanceStatusCode 2, SpecType professional) and GetAllowedIpList (InternetList PortRange 9093/9093,
AllowedIpList ["0.0.0.0/0"])."""

from __future__ import annotations

from aliaudit.collectors.kafka import ConfluentComponent, KafkaInstance, KafkaWhitelist
from tests.check_cases import Case

IID = "alikafka_pre-cn-mp919o4v****"


def instance(iid: str = IID, **kw: object) -> KafkaInstance:
    base: dict[str, object] = {"id": iid, "name": "alikafka_post-cn-mp91gnw0****", "region": "cn-hangzhou",
                               "deploy_type": 5, "status": 2, "spec_type": "professional"}
    base.update(kw)
    return KafkaInstance(**base)  # type: ignore[arg-type]


def internet(*ips: str) -> list[KafkaWhitelist]:
    return [KafkaWhitelist(port_range="9093/9093", ips=list(ips))]


_K = "kafka_instance_public_access_restricted"
CASES: list[Case] = [
    Case(_K, "VPC only and a restricted Internet whitelist pass; the sample's 0.0.0.0/0 fails",
         {"kafka.instances": [instance(), instance("k-net", deploy_type=4, internet=internet("203.0.113.0/24")),
                              instance("k-open", deploy_type=4, internet=internet("0.0.0.0/0"))]},
         {IID: "PASS", "k-net": "PASS", "k-open": "FAIL"}),
    Case(_K, "entries covering all of IPv4 together fail; a port range without entries passes (it blocks the port); no "
             "port range at all and an unknown DeployType are MANUAL",
         {"kafka.instances": [instance("k-halves", deploy_type=4, internet=internet("0.0.0.0/1", "128.0.0.0/1")),
                              instance("k-closed", deploy_type=4, internet=internet()),
                              instance("k-empty", deploy_type=4, internet=[]),
                              instance("k-odd", deploy_type=7)]},
         {"k-halves": "FAIL", "k-closed": "PASS", "k-empty": "MANUAL", "k-odd": "MANUAL"}),
    Case(_K, "Confluent (always DeployType 5): a component with a public endpoint (the sample's CONNECTOR "
             "PubEndpoint) is MANUAL, not PASS; components without one pass",
         {"kafka.instances": [
             instance("k-cf-pub", series="confluent", components=[
                 ConfluentComponent(type="CONNECTOR", public_endpoint="pub-controlcenter-******.csp.aliyuncs.com:443"),
                 ConfluentComponent(type="KSQL")]),
             instance("k-cf-vpc", series="confluent", components=[ConfluentComponent(type="CONNECTOR")])]},
         {"k-cf-pub": "MANUAL", "k-cf-vpc": "PASS"}),
    Case(_K, "whitelist unreadable", {"kafka.instances": [instance(deploy_type=4, error="BIZ_INSTANCE_NOT_FOUND")]},
         {IID: "ERROR"}),
]
