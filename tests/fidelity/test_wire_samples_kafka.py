"""The Kafka collector against Alibaba's documented samples (tests/fixtures/wire/alikafka), expectations written by
hand from the sample values."""

from __future__ import annotations

from tests.wire_replay import WireReplay
from tests.wire_samples import REGION, collect, context, covers, pick


@covers("kafka.instances")
def test_kafka_instances(replay: WireReplay) -> None:
    got = collect(replay, "kafka.instances")
    # alikafka/GetInstanceList.json: one instance deployed in a VPC only (DeployType 5, ViewInstanceStatusCode 2),
    # so its Internet whitelist is not read
    expected = [{"id": "alikafka_pre-cn-mp919o4v****", "name": "alikafka_post-cn-mp91gnw0****", "region": REGION,
                 "deploy_type": 5, "status": 2, "spec_type": "professional", "internet": None, "error": None}]
    assert pick(got, expected) == expected
    assert replay.served == ["alikafka:GetInstanceList"]


def test_kafka_internet_whitelist(replay: WireReplay) -> None:
    """An instance with Internet access has its whitelist read: alikafka/GetAllowedIpList.json's InternetList (port
    range 9093/9093, AllowedIpList ["0.0.0.0/0"]); its VpcList is not kept."""
    from aliaudit.collectors.kafka import internet_whitelist

    client = context(replay, REGION).client("alikafka")
    got = internet_whitelist(client, REGION, "alikafka_post-cn-mp91inkw****")
    assert [w.model_dump() for w in got] == [{"port_range": "9093/9093", "ips": ["0.0.0.0/0"]}]
