"""Which region ids exist. A list call for a public region the account does not use answers an empty list, as the
cloud does (the account simply has nothing there); a region id that is neither public nor one of the account's
is unknown, and each product answers it with its own error (ECS InvalidRegionId.NotFound, RDS
InvalidRegionId.Malformed, KMS InvalidRegionId, ACK ErrorParamInvalid).

The public regions are the regional endpoint table of the official SDK alibabacloud-sls20201230 5.15.1
(``Client._endpoint_map``): its endpoint rule is 'central', so every region Log Service serves is listed by name,
and Log Service runs in every public region. tests/fidelity/test_emulator_coverage.py compares this list with the
installed SDK, so an SDK that learns a new region makes that test fail until the region is added here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

PUBLIC_REGIONS: frozenset[str] = frozenset({
    # mainland China
    "cn-qingdao", "cn-beijing", "cn-zhangjiakou", "cn-huhehaote", "cn-wulanchabu", "cn-hangzhou", "cn-shanghai",
    "cn-nanjing", "cn-fuzhou", "cn-shenzhen", "cn-heyuan", "cn-guangzhou", "cn-chengdu",
    # finance cloud and the Heyuan dedicated region
    "cn-hangzhou-finance", "cn-shanghai-finance-1", "cn-shenzhen-finance-1", "cn-beijing-finance-1",
    "cn-heyuan-acdr-1",
    # outside mainland China
    "cn-hongkong", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-3", "ap-southeast-5",
    "ap-southeast-6", "ap-southeast-7", "ap-southeast-8", "us-east-1", "us-west-1", "us-southeast-1", "eu-west-1",
    "eu-central-1", "sa-east-1", "me-east-1", "me-central-1",
})


def region_exists(account_regions: Iterable[str], region: str) -> bool:
    """A region a call may name: a public region, or one the scenario gives the account (generated benchmark
    accounts name regions of their own, such as cn-bench0)."""
    return region in PUBLIC_REGIONS or region in account_regions


def offered_regions(world: Any, product: str, account_regions: Iterable[str]) -> list[str]:
    """The regions a product's region API names: every public region and the account's (a generated account's own
    region ids stand for public ones), but those the scenario says it is not offered in (Scenario.not_offered)."""
    skipped = set(world.scenario.not_offered.get(product, ()))
    return sorted((PUBLIC_REGIONS | set(account_regions)) - skipped)
