"""ECS: the account's regions (DescribeRegions). Instance, disk and security-group reads come with
the checks that need them."""

from __future__ import annotations

from typing import Any

from ..call import Call
from ..pop import PopApi

api = PopApi("ecs", "2014-05-26")

LOCAL_NAMES = {
    "cn-hangzhou": "华东1（杭州）", "cn-shanghai": "华东2（上海）", "cn-beijing": "华北2（北京）",
    "cn-shenzhen": "华南1（深圳）", "cn-hongkong": "中国香港", "ap-southeast-1": "新加坡",
    "us-west-1": "美国（硅谷）", "eu-central-1": "德国（法兰克福）",
}


@api.action("DescribeRegions")
def describe_regions(call: Call) -> dict[str, Any]:
    regions = [{"RegionId": r, "LocalName": LOCAL_NAMES.get(r, r), "Status": "available",
                "RegionEndpoint": f"ecs.{r}.aliyuncs.com"} for r in call.acct.regions]
    return {"Regions": {"Region": regions}}
