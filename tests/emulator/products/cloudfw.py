"""Cloud Firewall (cloudfw 2017-12-07): the Cloud Firewall of each site with its log analysis state and its Internet
border assets: DescribeUserBuyVersion, DescribeSlsAnalyzeOpenStatus, DescribeBatchSlsDispatchStatus (each log type's
delivery switch), DescribeLogStoreInfo (the log storage's capacity and use), DescribeAssetList (CurrentPage/PageSize,
1 to 50 each), and the writes PutEnableFwSwitch / PutDisableFwSwitch and ModifySlsDispatchStatus.

Sites: cloudfw.cn-hangzhou.aliyuncs.com (Chinese mainland) and cloudfw.ap-southeast-1.aliyuncs.com (outside it), the
hosts of alibabacloud_cloudfw20171207 Client._endpoint_map. Each firewall names its site in `region`; a call to a
site without one answers as described at DescribeUserBuyVersion. Shapes and JSON types: the API reference
(tests/fixtures/wire/cloudfw) and the SDK's models (OpenStatus a string "true"/"false"; UserStatus and LogStatus
booleans; TotalCount, IpVersion, Version integers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..call import Call
from ..errors import ApiError
from ..pop import PopApi, int_param, require
from . import Product

api = PopApi("cloudfw", "2017-12-07", ram_prefix="yundun-cloudfirewall")  # RAM namespace of Cloud Firewall

PROTECT_STATUSES = {"open", "opening", "closed", "closing"}  # DescribeAssetList ProtectStatus (documented)
# ModifySlsDispatchStatus DispatchValue, "the key of a log category" (zh_cn reference), with the display names of the
# DescribeBatchSlsDispatchStatus sample (互联网流量日志 for internet_log; the others are ours, in its style)
DISPATCH_TYPES = {"internet_log": "互联网流量日志", "vpc_firewall_log": "VPC边界流量日志",
                  "nat_firewall_log": "NAT边界流量日志", "ipv6_firewall_log": "IPv6流量日志",
                  "dns_firewall_log": "DNS防火墙日志"}


class Asset(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    id: str  # ResourceInstanceId: the EIP, ECS instance, SLB... id
    name: str = ""
    internet_address: str
    intranet_address: str = ""
    resource_type: str = "EIP"  # EIP | EcsEIP | EcsPublicIP | SlbEIP | SlbPublicIP | NatEIP | ... (documented)
    region: str = "cn-hangzhou"  # where the asset is (RegionID)
    protect_status: str = "closed"  # open | opening | closed | closing
    region_status: str = "enable"  # enable | disable (region not supported by Cloud Firewall)
    note: str = ""  # REGION_NOT_SUPPORT | NETWORK_NOT_SUPPORT
    ip_version: int = 4  # 4 | 6


class Firewall(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instance_id: str  # vipcloudfw-cn-...
    region: str = "cn-hangzhou"  # the site: cn-hangzhou | ap-southeast-1
    version: int = 2  # 2 Premium, 3 Enterprise, 4 Ultimate, 10 pay-as-you-go
    log_analysis: bool = False  # log analysis activated (DescribeSlsAnalyzeOpenStatus OpenStatus)
    log_status: bool = False  # log delivery (DescribeUserBuyVersion LogStatus); disabled by default (CIS 2.8)
    # log type (DISPATCH_TYPES) -> delivered: "By default, the log delivery switches for all types of logs are turned
    # on" (Cloud Firewall log FAQ, alibabacloud.com/help/doc-detail/119590.htm); the types listed here override it
    dispatch: dict[str, bool] = Field(default_factory=dict)
    # DescribeLogStoreInfo Quota / Used (bytes): the documented sample's 50000000 and 0
    log_quota: int = 50_000_000
    log_used: int = 0
    started: datetime = datetime(2024, 1, 1)
    expires: datetime = datetime(2030, 1, 1)
    assets: list[Asset] = Field(default_factory=list)


class CloudfwState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    firewalls: list[Firewall] = Field(default_factory=list)


def _ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


def _firewall(call: Call) -> Firewall | None:
    return next((f for f in call.acct.cloudfw.firewalls if f.region == call.region), None)


def _list_param(params: dict[str, str], name: str) -> list[str]:
    """An RPC array parameter as the SDK flattens it (Name.1, Name.2, ...)."""
    keys = sorted((k for k in params if k.startswith(f"{name}.") and k[len(name) + 1:].isdigit()),
                  key=lambda k: int(k[len(name) + 1:]))
    return [params[k] for k in keys]


@api.action("DescribeUserBuyVersion")
def describe_user_buy_version(call: Call) -> dict[str, Any]:
    fw = _firewall(call)
    if fw is None:
        # not documented: an account without Cloud Firewall in the site gets UserStatus false ("whether Cloud
        # Firewall is valid") and no instance
        return {"UserStatus": False, "AliUid": int(call.acct.id) if call.acct.id.isdigit() else 0}
    return {"AliUid": int(call.acct.id) if call.acct.id.isdigit() else 0, "InstanceId": fw.instance_id,
            "Version": fw.version, "UserStatus": True, "LogStatus": fw.log_status, "InstanceStatus": "normal",
            "StartTime": _ms(fw.started), "Expire": _ms(fw.expires), "MaxOverflow": 0,
            "IpNumber": max(20, len(fw.assets)), "VpcNumber": 2}


@api.action("DescribeSlsAnalyzeOpenStatus")
def describe_sls_analyze_open_status(call: Call) -> dict[str, Any]:
    fw = _firewall(call)
    return {"OpenStatus": "true" if fw is not None and fw.log_analysis else "false"}  # a string (SDK: str)


def _log_project(call: Call) -> str:
    """The site's log project, in the documented samples' form (cloudfirewallnew-project-<account id>-<region>)."""
    return f"cloudfirewallnew-project-{call.acct.id}-{call.region or 'cn-hangzhou'}"


@api.action("DescribeBatchSlsDispatchStatus")
def describe_batch_sls_dispatch_status(call: Call) -> dict[str, Any]:
    """Each log type's delivery switch (ItemList[]: DispatchValue, Enable a boolean), in the sample's shape. What a site
    without a firewall, or without log analysis, answers is not documented: the emulator answers the types' switches
    all the same (the product reads them only where log analysis is on)."""
    fw = _firewall(call)
    dispatch = fw.dispatch if fw is not None else {}
    project = _log_project(call)
    return {"LogstoreName": "cloudfirewall-logstore", "ProjectName": project, "ItemList": [
        {"DispatchName": name, "DispatchValue": value, "SearchName": "log_type", "Enable": dispatch.get(value, True),
         "ConfigStatus": "success_finished", "FilterKeys": ["attack", "acl", "other"]}
        for value, name in DISPATCH_TYPES.items()]}


@api.action("DescribeLogStoreInfo")
def describe_log_store_info(call: Call) -> dict[str, Any]:
    """The log storage of the site's firewall, in the documented sample's shape (Quota and Used in bytes, integers);
    a site without a firewall answers no capacity (undocumented)."""
    fw = _firewall(call)
    quota, used = (fw.log_quota, fw.log_used) if fw is not None else (0, 0)
    return {"Ttl": 20, "Quota": quota, "Used": used, "LogStoreName": "cloudfirewall-logstore",
            "ProjectName": _log_project(call),
            "RegionId": call.region or "cn-hangzhou"}


@api.action("ModifySlsDispatchStatus", write=True)
def modify_sls_dispatch_status(call: Call) -> dict[str, Any]:
    fw = _firewall(call)
    value = call.params.get("DispatchValue", "")
    if value not in DISPATCH_TYPES:
        raise ApiError("InvalidParameter", f"The DispatchValue {value} is invalid.", 400)  # (code ours)
    if fw is not None and call.params.get("EnableStatus", "") != "":
        fw.dispatch[value] = call.params["EnableStatus"].lower() == "true"
    return {}


@api.action("DescribeAssetList")
def describe_asset_list(call: Call) -> dict[str, Any]:
    # CurrentPage and PageSize are required, "Valid values: 1 to 50" both (API reference)
    require(call.params, "CurrentPage")
    require(call.params, "PageSize")
    number = int_param(call.params, "CurrentPage", 1, 1, 50)
    size = int_param(call.params, "PageSize", 10, 1, 50)
    version = int_param(call.params, "IpVersion", 4, 4, 6)  # 4 (default) | 6
    status = call.params.get("Status", "")
    resource_type = call.params.get("ResourceType", "")  # the documented filter (Valid values: EIP, EcsEIP, ...)
    fw = _firewall(call)
    items = [a for a in (fw.assets if fw else []) if a.ip_version == version
             and (not status or a.protect_status == status) and (not resource_type or a.resource_type == resource_type)]
    page = items[(number - 1) * size:number * size]
    return {"TotalCount": len(items), "Assets": [{
        "ResourceInstanceId": a.id, "BindInstanceId": a.id, "Name": a.name, "BindInstanceName": a.name,
        "InternetAddress": a.internet_address, "IntranetAddress": a.intranet_address,
        "ResourceType": a.resource_type, "RegionID": a.region, "ProtectStatus": a.protect_status,
        "RegionStatus": a.region_status, "IpVersion": a.ip_version, "SyncStatus": "enable", "SgStatus": "pass",
        "AliUid": int(call.acct.id) if call.acct.id.isdigit() else 0,
        **({"Note": a.note} if a.note else {}),  # a remark only when there is one (REGION_NOT_SUPPORT, ...)
    } for a in page]}


def _switch(call: Call, on: bool) -> dict[str, Any]:
    fw = _firewall(call)
    if fw is None:
        raise ApiError("ErrorInstanceNotFound", "Cloud Firewall is not activated.", 400)  # our choice: undocumented
    ips = set(_list_param(call.params, "IpaddrList"))
    regions = set(_list_param(call.params, "RegionList"))
    types = set(_list_param(call.params, "ResourceTypeList"))
    if not (ips or regions or types):
        raise ApiError("MissingParameter", "IpaddrList, RegionList or ResourceTypeList must be set.", 400)
    for a in fw.assets:
        if (not ips or a.internet_address in ips) and (not regions or a.region in regions) and (
                not types or a.resource_type in types) and a.region_status == "enable":
            a.protect_status = "open" if on else "closed"
            call.touch("ACS::CloudFirewall::Asset", a.internet_address)
    return {}


@api.action("PutEnableFwSwitch", write=True)
def put_enable_fw_switch(call: Call) -> dict[str, Any]:
    return _switch(call, True)


@api.action("PutDisableFwSwitch", write=True)
def put_disable_fw_switch(call: Call) -> dict[str, Any]:
    return _switch(call, False)


PRODUCT = Product("cloudfw", api=api, state=CloudfwState)
