"""Bastionhost checks (regional): a bastion host reachable from the Internet admits only whitelisted addresses. One
finding per bastion host."""

from __future__ import annotations

from collections.abc import Iterator

from ..collectors.bastionhost import INSTANCES, BastionHost
from ..findings import Result, Status
from .cr import open_entries
from .registry import Inputs, check

PASS, FAIL, ERROR = Status.PASS, Status.FAIL, Status.ERROR


def _result(h: BastionHost, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=h.id, resource_type="bastionhost:instance", resource_name=h.description,
                  region=h.region, message=message,
                  details={"status": h.status, "plan": h.plan, "internet_endpoint": h.internet_endpoint})


@check(id="bastionhost_public_access_restricted", severity="high",
       title="Bastion hosts reachable from the Internet admit only whitelisted addresses",
       risk="The bastion host holds the keys to every server it manages: an O&M endpoint open to the whole internet "
            "invites credential stuffing and exploitation of its SSH, RDP and web ports.",
       console="Bastionhost console > the instance > Instance Settings > Public Network Access: add the office and "
               "VPN egress addresses to the whitelist, or disable public network access.",
       cli="aliyun yundun-bastionhost ConfigInstanceWhiteList --RegionId <region> --InstanceId <id> "
           "--WhiteList.1 <cidr>; or aliyun yundun-bastionhost DisableInstancePublicAccess --RegionId <region> "
           "--InstanceId <id>",
       events=["ConfigInstanceWhiteList", "EnableInstancePublicAccess", "DisableInstancePublicAccess"],
       needs=[INSTANCES],
       evaluates="DescribeInstances PublicNetworkAccess, then DescribeInstanceAttribute PublicNetworkAccess, "
                 "PublicWhiteList and WhiteListPolicies[].Entry of bastion hosts with public access: PASS when public "
                 "network access is off, or on with whitelist entries none of which (nor all together) admit every "
                 "address; FAIL when the whitelist is empty (ConfigInstanceWhiteList: by default all public IP "
                 "addresses can access the instance) or holds 0.0.0.0/0, ::/0 or entries covering every address; "
                 "ERROR when the attributes could not be read.",
       source="https://www.alibabacloud.com/help/en/bh/bastionhost/developer-reference/"
              "api-yundun-bastionhost-2019-12-09-configinstancewhitelist")
def public_access_restricted(inp: Inputs) -> Iterator[Result]:
    for h in inp[INSTANCES]:
        if h.error:
            yield _result(h, ERROR, f"could not read the bastion host's attributes: {h.error}")
        elif not h.public_access:
            yield _result(h, PASS, "public network access is disabled")
        elif not h.whitelist:
            yield _result(h, FAIL, "public network access is on with an empty whitelist: every public address can "
                                   f"reach {h.internet_endpoint or 'the O&M endpoint'}")
        elif opened := open_entries(h.whitelist):
            yield _result(h, FAIL, f"the public whitelist admits every address ({', '.join(opened)})")
        else:
            yield _result(h, PASS, f"public network access is limited to {', '.join(h.whitelist)}")
