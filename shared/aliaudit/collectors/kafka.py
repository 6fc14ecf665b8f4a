"""ApsaraMQ for Kafka datasets (regional, alikafka 2019-09-16): every instance of the region (GetInstanceList, one
unpaged answer) with, for instances deployed with Internet access (DeployType 4), the Internet IP whitelist
(GetAllowedIpList AllowedList.InternetList)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .. import apierrors
from ..datasets import Dataset, Record, Scope
from ..lazy import lazy_import
from .registry import CollectContext, collector

kafka_models = lazy_import("alibabacloud_alikafka20190916.models")

# DeployType: "4: Internet and VPC; 5: VPC" (GetInstanceList, OpenMeta alikafka 2019-09-16)
INTERNET_AND_VPC = 4


class KafkaWhitelist(Record):
    port_range: str = ""  # e.g. 9093/9093 (SSL over the Internet)
    ips: list[str] = Field(default_factory=list)  # AllowedIpList


class ConfluentComponent(Record):
    type: str = ""  # ComponentType, e.g. CONNECTOR, CONTROL_CENTER
    public_endpoint: str = ""  # PubEndpoint ("" : none)


class KafkaInstance(Record):
    id: str
    name: str = ""
    region: str
    deploy_type: int | None = None
    # Series (GetInstanceList's filter: v2 | v3 | confluent). A Confluent instance is created with DeployType 5 only,
    # and "after the purchase, you can configure whether to enable public access for each component"
    # (CreatePrePayInstance's DeployType, the SDK model alibabacloud_alikafka20190916): its components' endpoints
    # (ConfluentInstanceComponents.ConfluentInstanceComponentVO[], PubEndpoint) say what the internet reaches
    series: str = ""
    components: list[ConfluentComponent] = Field(default_factory=list)
    status: int | None = None  # ViewInstanceStatusCode (ServiceStatus when absent)
    spec_type: str = ""
    internet: list[KafkaWhitelist] | None = None  # None: not read (VPC-only instances need no whitelist read)
    error: str | None = None  # GetAllowedIpList failed: checks report ERROR for this instance

    @property
    def internet_access(self) -> bool:
        return self.deploy_type == INTERNET_AND_VPC


INSTANCES: Dataset[list[KafkaInstance]] = Dataset("kafka.instances", Scope.REGIONAL)


def _ok(body: Any) -> Any:
    if body.success is False:
        raise apierrors.AnswerFailure(str(body.code or "Success.False"), body.message or "the request failed")
    return body


def internet_whitelist(kafka: Any, region: str, instance_id: str) -> list[KafkaWhitelist]:
    """GetAllowedIpList's Internet whitelists of one instance (AllowedList.InternetList, one per port range)."""
    allowed = _ok(kafka.get_allowed_ip_list(kafka_models.GetAllowedIpListRequest(
        region_id=region, instance_id=instance_id)).body).allowed_list
    return [KafkaWhitelist(port_range=w.port_range or "", ips=list(w.allowed_ip_list or []))
            for w in (allowed.internet_list if allowed and allowed.internet_list else [])]


@collector(INSTANCES, apis=["alikafka:GetInstanceList", "alikafka:GetAllowedIpList"])
def instances(ctx: CollectContext) -> list[KafkaInstance]:
    kafka = ctx.client("alikafka")
    body = _ok(kafka.get_instance_list(kafka_models.GetInstanceListRequest(region_id=ctx.region)).body)
    listed = body.instance_list.instance_vo if body.instance_list and body.instance_list.instance_vo else []

    def read(i: Any) -> KafkaInstance:
        status = i.view_instance_status_code if i.view_instance_status_code is not None else i.service_status
        listed_components = (i.confluent_instance_components.confluent_instance_component_vo
                             if i.confluent_instance_components else None) or []
        inst = KafkaInstance(id=i.instance_id, name=i.name or "", region=ctx.region, deploy_type=i.deploy_type,
                             status=status, spec_type=i.spec_type or "", series=i.series or "",
                             components=[ConfluentComponent(type=c.component_type or "",
                                                            public_endpoint=c.pub_endpoint or "")
                                         for c in listed_components])
        if not inst.internet_access:
            return inst
        try:
            inst.internet = internet_whitelist(kafka, ctx.region, inst.id)
        except Exception as err:
            inst.error = apierrors.describe(err)
        return inst

    return ctx.map(read, listed)
