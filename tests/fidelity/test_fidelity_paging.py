"""Issue 14 items 4 and 9: paging as the APIs document it. VPC DescribeFlowLogs sends TotalCount, PageNumber
and PageSize as strings (alibabacloud_vpc20160428 declares them str); ECS DescribeInstanceRamRole takes at most
50 InstanceIds and PageSize <= 50 (alibabacloud_ecs20140526 DescribeInstanceRamRoleRequest doc comments)."""

from __future__ import annotations

import json
import logging

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_vpc20160428 import models as vpc_models
from alibabacloud_vpc20160428.client import Client as VpcClient
from Tea.exceptions import TeaException

from aliaudit.collectors.paging import ListingCutShort, by_marker, by_page_number, by_token, count
from tests.scanning import scan
from tests.sdk import base_scenario, load, pop_config


def test_count_reads_numbers_and_numeric_strings():
    assert (count(3), count("25"), count(" 7 "), count(None), count("")) == (3, 25, 7, 0, 0)
    with pytest.raises(ValueError, match="not a number: 'many'"):
        count("many")


def test_pages_end_on_a_string_total():
    pages = {1: ["a", "b"], 2: ["c"]}

    class Body:
        def __init__(self, n: int) -> None:
            self.items, self.total_count = pages.get(n, []), "3"

    assert list(by_page_number(lambda n: Body(n), lambda b: b.items, 2)) == ["a", "b", "c"]


def _flow_logs(n: int) -> dict:
    data = base_scenario()
    data["accounts"][0]["vpc"] = {
        "vpcs": [{"id": f"vpc-{i:02d}", "vswitch_ids": []} for i in range(n)],
        "flow_logs": [{"id": f"fl-{i:02d}", "resource_id": f"vpc-{i:02d}"} for i in range(n)]}
    return data


def test_flow_log_totals_are_strings_on_the_wire_and_every_page_is_read(cloud):
    load(cloud, _flow_logs(45))
    body = VpcClient(pop_config(cloud)).describe_flow_logs(vpc_models.DescribeFlowLogsRequest(
        region_id="cn-hangzhou", page_size=20)).body
    assert (body.total_count, body.page_number, body.page_size) == ("45", "1", "20")
    findings = scan(cloud, checks=["vpc_flow_logs_enabled"])
    assert len(findings) == 45 and {f.status.value for f in findings} == {"PASS"}


def test_instance_ram_roles_are_asked_fifty_at_a_time(cloud, caplog):
    data = base_scenario()
    data["accounts"][0]["ecs"] = {"instances": [
        {"id": f"i-{n:03d}", "ram_role": "app"} for n in range(120)]}
    load(cloud, data)
    ecs = EcsClient(pop_config(cloud))
    ids = json.dumps([f"i-{n:03d}" for n in range(51)])
    with pytest.raises(TeaException) as err:
        ecs.describe_instance_ram_role(ecs_models.DescribeInstanceRamRoleRequest(region_id="cn-hangzhou",
                                                                               instance_ids=ids))
    assert err.value.code == "InvalidInstanceIds.Malformed"  # (documented: OpenMeta ecs DescribeInstanceRamRole)
    with pytest.raises(TeaException):
        ecs.describe_instance_ram_role(ecs_models.DescribeInstanceRamRoleRequest(region_id="cn-hangzhou",
                                                                               ram_role_name="app", page_size=51))
    with caplog.at_level(logging.WARNING, logger="aliaudit.collect"):
        findings = scan(cloud, families=["ecs"])
    assert findings and not [r for r in caplog.records if "instance RAM roles" in r.getMessage()]


class _Page:
    def __init__(self, items: list[str], total: object, truncated: bool = False, marker: str = "") -> None:
        self.items, self.total_count, self.is_truncated, self.marker = items, total, truncated, marker


def test_an_empty_page_short_of_the_total_is_an_unread_listing_not_the_end():
    """A service that caps the page size below the one asked for, or answers badly, shows it only by running out of
    items before the total: the dataset is then unread (ERROR), never taken as complete (an item never listed would
    get no verdict)."""
    pages = {1: _Page(["a", "b"], 5), 2: _Page([], 5)}
    with pytest.raises(ListingCutShort, match="the instances ended at 2 of the 5 items its answers announced"):
        list(by_page_number(lambda n: pages[n], lambda b: b.items, 2, what="the instances"))
    assert list(by_page_number(lambda n: _Page([], 0), lambda b: b.items, 2)) == []  # nothing to list


def test_truncated_without_a_marker_is_an_unread_listing():
    pages = {None: _Page(["a"], None, truncated=True, marker="m2"), "m2": _Page(["b"], None, truncated=True)}
    with pytest.raises(ListingCutShort, match="IsTruncated"):
        list(by_marker(lambda m: pages[m], lambda b: b.items))
    pages["m2"] = _Page(["b"], None)
    assert list(by_marker(lambda m: pages[m], lambda b: b.items)) == ["a", "b"]


def test_a_listing_without_a_total_is_read_to_its_first_short_page():
    """Some APIs leave TotalCount out in some modes (OpenMeta sas DescribeCloudCenterInstances: "If you set
    UseNextToken to true, the value of TotalCount is not returned"): full pages go on, a short one ends."""
    pages = {1: _Page(["a", "b"], None), 2: _Page(["c", "d"], ""), 3: _Page(["e"], None)}
    assert list(by_page_number(lambda n: pages[n], lambda b: b.items, 2)) == ["a", "b", "c", "d", "e"]
    assert list(by_page_number(lambda n: _Page([], None), lambda b: b.items, 2)) == []
    # a server repeating the same full page (PageNumber ignored) would go on for ever
    with pytest.raises(ListingCutShort, match="the servers goes on past 2 pages"):
        list(by_page_number(lambda n: _Page(["a", "b"], None), lambda b: b.items, 2, what="the servers"))


class _Tokened:
    def __init__(self, items: list[str], token: str | None) -> None:
        self.items, self.next_token = items, token


def test_a_token_or_marker_answered_again_is_an_endless_listing_not_read_for_ever():
    """Every parser is bounded: a NextToken or Marker the service answered before would list the same pages for ever
    (and a listing past MAX_PAGES is no real one): the dataset is unread (ERROR), never taken as complete."""
    tokens = {None: _Tokened(["a"], "t1"), "t1": _Tokened(["b"], "t2"), "t2": _Tokened(["c"], "t1")}
    with pytest.raises(ListingCutShort, match="the functions goes on past 3 pages"):
        list(by_token(lambda t: tokens[t], lambda b: b.items, what="the functions"))
    tokens["t2"] = _Tokened(["c"], None)
    assert list(by_token(lambda t: tokens[t], lambda b: b.items)) == ["a", "b", "c"]
    markers = {None: _Page(["a"], None, truncated=True, marker="m1"), "m1": _Page(["b"], None, truncated=True,
                                                                                  marker="m1")}
    with pytest.raises(ListingCutShort, match="goes on past 2 pages"):
        list(by_marker(lambda m: markers[m], lambda b: b.items))
    with pytest.raises(ListingCutShort, match="goes on past 5 pages"):
        list(by_token(lambda t: _Tokened(["x"], f"{t or ''}+"), lambda b: b.items, max_pages=5))
