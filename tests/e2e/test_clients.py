"""The client factory's retry policy against the emulator's throttling and 5xx faults."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_tea_openapi.exceptions import ClientException

from aliaudit.clients import ClientFactory
from aliaudit.credentials.providers import StaticProvider
from aliaudit.settings import EndpointSettings
from tests.sdk import ADMIN_AK, ADMIN_SECRET, base_scenario, load


def _factory(cloud, **kw) -> ClientFactory:
    settings = EndpointSettings(protocol="http", proxy=cloud.url, **{"backoff_ms": 150, **kw})
    return ClientFactory(StaticProvider(ADMIN_AK, ADMIN_SECRET), settings)


def test_throttled_calls_are_retried_until_they_pass(cloud, admin):
    load(cloud, base_scenario())
    admin.faults(rate_limits={"ram:ListUsers": 2})
    ram = _factory(cloud).pop("ram")
    for _ in range(6):
        assert ram.list_users(ram_models.ListUsersRequest()).body.users.user
    stats = admin.request("GET", "calls")
    assert stats["throttled"]["ram:ListUsers"] >= 1
    assert stats["calls"]["ram:ListUsers"] == 6 + stats["throttled"]["ram:ListUsers"]


def test_retry_after_is_honoured_and_attempts_are_bounded(cloud, admin):
    load(cloud, base_scenario())
    admin.faults(rate_limits={"ram:ListUsers": 1}, throttle_retry_after_ms=1100)
    ram = _factory(cloud, backoff_ms=10).pop("ram")  # tiny backoff: only retry-after can make the wait
    start = time.monotonic()
    for _ in range(2):
        ram.list_users(ram_models.ListUsersRequest())
    assert time.monotonic() - start >= 1.0
    admin.faults(rate_limits={"ram:ListUsers": 0}, throttle_retry_after_ms=None)
    admin.request("DELETE", "calls")
    with pytest.raises(ClientException) as err:
        _factory(cloud, max_attempts=3, backoff_ms=20).pop("ram").list_users(ram_models.ListUsersRequest())
    assert err.value.code == "Throttling.User"
    assert admin.calls()["ram:ListUsers"] <= 4


def test_server_errors_are_retried(cloud, admin):
    load(cloud, base_scenario())
    admin.faults(error_rate=0.3, seed=3)
    ram = _factory(cloud, max_attempts=8).pop("ram")
    for _ in range(10):
        ram.list_users(ram_models.ListUsersRequest())


def test_many_threads_on_one_endpoint_keep_their_connections(cloud, admin, caplog):
    # 64 calls at once to RAM's endpoint and to a Log Service endpoint: each connection goes back to its pool
    # (the SDKs' default pools keep 40 and 10: the rest were dropped with a WARNING each, and reconnected)
    load(cloud, base_scenario())
    admin.faults(latency_ms=150)
    factory = _factory(cloud, api_concurrency=64)
    ram, log = factory.pop("ram"), factory.log("cn-hangzhou")
    calls = [lambda: ram.list_users(ram_models.ListUsersRequest()), lambda: log.list_project(offset=0, size=10)]
    caplog.set_level("WARNING")
    for call in calls:
        for _ in range(2):  # (the second round reuses the first's connections)
            with ThreadPoolExecutor(64) as pool:
                list(pool.map(lambda _, call=call: call(), range(64)))
    assert "Connection pool is full" not in caplog.text


def _open_to(cloud) -> set[int]:
    """The local ports of this process's open connections to the emulator (the client ends: the emulator runs in this
    process). Compared as sets: connections other tests left behind may close meanwhile."""
    import psutil

    me = psutil.Process()
    conns = me.net_connections(kind="tcp") if hasattr(me, "net_connections") else me.connections(kind="tcp")
    return {c.laddr.port for c in conns
            if c.raddr and c.raddr.port == cloud.port and c.status == psutil.CONN_ESTABLISHED}


def test_a_scan_closes_each_region_s_connections_once_its_datasets_are_in(cloud, admin):
    # each endpoint's pool keeps its idle connections: a full scan's process held 1,500 open sockets by its end
    from tests.scanning import scan

    load(cloud, base_scenario())
    admin.faults(latency_ms=30)
    before = _open_to(cloud)
    findings = scan(cloud, regions=["cn-beijing", "eu-west-1", "us-east-1"], families=["ecs", "vpc"])
    assert {f.region for f in findings} >= {"cn-beijing", "eu-west-1", "us-east-1"}
    assert not _open_to(cloud) - before  # (no connection the scan opened is left open)


def test_a_released_region_can_be_called_again_and_the_global_clients_stay(cloud, admin):
    from alibabacloud_ecs20140526 import models as ecs_models

    load(cloud, base_scenario())
    admin.faults(latency_ms=100)
    factory = _factory(cloud)
    ecs, ram = factory.pop("ecs", "eu-west-1"), factory.pop("ram")
    request = ecs_models.DescribeRegionsRequest()
    before = _open_to(cloud)
    with ThreadPoolExecutor(8) as pool:  # (calls at once: connections in the endpoint's pool, up to eight on a
        list(pool.map(lambda _: ecs.describe_regions(request), range(8)))  # loaded machine's staggered threads)
    opened = _open_to(cloud) - before
    assert opened
    ram.list_users(ram_models.ListUsersRequest())
    factory.release("eu-west-1")
    assert not opened & _open_to(cloud)  # the region's connections are closed
    factory.release("cn-hangzhou")  # (the global clients' region: kept)
    assert factory.pop("ram") is ram
    assert factory.pop("ecs", "eu-west-1").describe_regions(request).body.regions.region
