"""Security Center (SAS) datasets: the server inventory with agent and vulnerability state (per audited
region), and the account-level settings CIS section 8 (and 2.9) audits.

Endpoints: Security Center has two data centres, tds.cn-shanghai (assets in cn-* regions) and
tds.ap-southeast-1 (the others). Server assets are read per audited region from the data centre that holds that
region's assets (data_centre), filtered to that region. Account-level settings are read once from
`security_center_region` (config)."""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import Field

from .. import apierrors, log_volume
from ..datasets import GLOBAL, Dataset, Record, Scope
from ..log_volume import LogVolume
from ..sas_vulns import RISK_COUNTED
from .paging import by_page_number
from .registry import CollectContext, collector

# DescribeCloudCenterInstances PageSize: "Default value: 20", no maximum documented; 100 is the reference's example
PAGE_SIZE = 100
FINGERPRINT_TYPES = {  # DescribePropertyScheduleConfig types -> what the console calls them
    "scheduler_port_period": "listening ports", "scheduler_process_period": "running processes",
    "scheduler_account_period": "accounts", "scheduler_software_period": "software",
    "scheduler_cron_period": "scheduled tasks", "scheduler_sca_period": "middleware",
    "scheduler_autorun_period": "startup items", "scheduler_lkm_period": "kernel modules",
    "scheduler_sca_proxy_period": "websites",
}
DEFENSE_TYPES = ["auto_breaking", "webshell_cloud_breaking"]  # anti-virus blocking, webshell protection
LINKED_ROLE_NAMES = ["AliyunServiceRoleForSas", "AliyunServiceRoleForSasCspm"]


class Server(Record):
    instance_id: str
    name: str = ""
    uuid: str = ""
    region: str
    vendor: str = ""  # VendorName: ALIYUN, IDC, ... (the documented sample names an Alibaba Cloud ECS instance IDC)
    # Vendor: "0: Alibaba Cloud. 1: Non-Alibaba Cloud. 2: IDC. ... 8: Simple Application Server. 9: SAE. 10: PAI" (the
    # SDK model DescribeCloudCenterInstancesResponseBody); None when not answered
    vendor_id: int | None = None
    os: str = ""
    running: bool = True
    client_status: str = ""  # online | offline | pause
    client_sub_status: str = ""  # online | offline | pause | uninstalled | stopped
    edition: int | None = None  # the Security Center edition bound to this server
    vulns: dict[str, int] | None = None  # unhandled vulnerabilities by type (cve, sys, ...); None = unknown
    vulns_unreadable: bool = False  # RiskCount was given but is not a JSON object of counts


class Edition(Record):
    """DescribeVersionConfig (the SDK model DescribeVersionConfigResponseBody's declared types and values)."""

    version: int  # Version: the purchased (subscription) edition
    merged: int | None = None  # MergedVersion: the higher of subscription and pay-as-you-go host protection
    highest: int | None = None  # HighestVersion: the highest edition of a multi-edition purchase
    trial: bool = False
    # IsPostpay and PostPayHostVersion: pay-as-you-go host protection is on, and "the highest protection edition for
    # bound assets" (servers are bound to it one by one); PostPayStatus 1 normal, 2 stopped for overdue payment
    post_pay: bool = False
    post_pay_version: int | None = None
    post_pay_status: int | None = None


class VulScan(Record):
    config: dict[str, str]  # type (cve, sys, cms, emg, app, ...) -> on | off
    # type -> OverAllConfig: "Indicates whether the vulnerability management feature is enabled for all servers"
    # (on | off; zh_cn "全局开关", the global switch), as against Config, the type's scan switch (DescribeVulConfig
    # TargetConfigs[]); "" when not answered
    overall: dict[str, str] = Field(default_factory=dict)
    levels: list[str]  # fix-necessity levels scanned: asap (high), later (medium), nntf (low)


class LogType(Record):
    logstore: str
    category: str
    description: str = ""
    enabled: bool


class LogAnalysis(Record):
    """DescribeLogShipperStatus (the SDK model's documented yes | no values) and DescribeLogMeta's log types."""

    bought: bool  # BuyStatus: "the purchase status of the log analysis feature"
    open: bool  # OpenStatus: "the enabling status of log analysis"
    authorized: bool  # AuthStatus
    # PostPaidOpenStatus: "the pay-as-you-go activation status of the log analysis feature"; pay-as-you-go log
    # analysis is bought by activating it, with no subscription (BuyStatus) behind it
    post_paid: bool = False
    logs: list[LogType] = Field(default_factory=list)
    # the purchased log storage and its use (DescribeLogstoreStorage), read where subscription log analysis is open
    # (pay-as-you-go log analysis has no purchased capacity to exhaust)
    volume: LogVolume | None = None
    centre: str = ""  # the data centre answering (the settings centre: security_center_region)
    # the other data centre's own log analysis, where it holds Security Center assets of the audited regions: "Logs
    # from assets in the Chinese Mainland are stored in China (Hangzhou); logs from assets Outside the Chinese
    # Mainland ... are stored in Singapore" (Security Center "Enable log analysis"), and
    # "云安全中心在中国内地与非中国内地采用独立的服务中心" (independent service centres for the mainland and
    # outside it; OpenMeta zh_cn sas 2018-12-03, e.g. DescribeAssetSummary)
    elsewhere: list[LogAnalysis] = Field(default_factory=list)
    error: str = ""  # (an `elsewhere` centre that could not be read)


@dataclass
class _Page:
    total_count: int | None  # (None: not answered)
    items: list[Any]


@cache
def _models() -> Any:
    """The SAS SDK's request models, imported on first use: the module is large (over a second to import)
    and listing or documenting checks must not pay for it."""
    return importlib.import_module("alibabacloud_sas20181203.models")


def data_centre(region: str) -> str:
    """The region whose Security Center endpoint holds a region's server assets: cn-shanghai (tds.cn-shanghai) for
    every cn-* region, ap-southeast-1 (tds.ap-southeast-1) for the others, as the SDK's own endpoint map
    (alibabacloud_sas20181203 Client._endpoint_map) sends each region it knows. A region the map does not know yet
    (ap-southeast-8, us-southeast-1...) would get the SDK's generated sas.<region>.aliyuncs.com, which no data centre
    answers: asked through its data centre's region instead, never that host."""
    return "cn-shanghai" if region.startswith("cn-") else "ap-southeast-1"


def _settings_client(ctx: CollectContext) -> Any:
    return ctx.factory.pop("sas", ctx.config.security_center_region)


def _risk_counts(text: str | None) -> dict[str, int] | None:
    """RiskCount is a JSON object of counters (cveNum, sysNum, ...): keep the vulnerability ones by type."""
    if not text:
        return None
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            return None
        return {kind: int(data.get(f"{kind}Num") or 0) for kind in RISK_COUNTED}
    except (ValueError, TypeError, RecursionError):  # not a JSON object of counts: unknown, not zero
        return None


SERVERS: Dataset[list[Server]] = Dataset("securitycenter.servers", Scope.REGIONAL)


@collector(SERVERS, apis=["yundun-sas:DescribeCloudCenterInstances"])
def servers(ctx: CollectContext) -> list[Server]:
    sas = ctx.factory.pop("sas", data_centre(ctx.region))
    criteria = json.dumps([{"name": "regionId", "value": ctx.region}])

    def page(number: int) -> _Page:
        body = sas.describe_cloud_center_instances(_models().DescribeCloudCenterInstancesRequest(
            criteria=criteria, machine_types="ecs", current_page=number, page_size=PAGE_SIZE)).body
        return _Page(body.page_info.total_count if body.page_info else None, body.instances or [])

    found: list[Server] = []
    for i in by_page_number(page, lambda p: p.items, PAGE_SIZE):
        if (i.region_id or ctx.region) != ctx.region:  # the criteria already filter; never trust blindly
            continue
        vulns = _risk_counts(i.risk_count)
        found.append(Server(instance_id=i.instance_id or i.uuid or "", name=i.instance_name or "",
                            uuid=i.uuid or "", region=i.region_id or ctx.region, vendor=i.vendor_name or "",
                            vendor_id=i.vendor,
                            os=i.os or "", running=(i.status or "Running") == "Running",
                            client_status=i.client_status or "", client_sub_status=i.client_sub_status or "",
                            edition=i.auth_version, vulns=vulns,
                            vulns_unreadable=bool(i.risk_count) and vulns is None))
    return found


EDITION: Dataset[Edition] = Dataset("securitycenter.edition", Scope.GLOBAL)


@collector(EDITION, apis=["yundun-sas:DescribeVersionConfig"])
def edition(ctx: CollectContext) -> Edition:
    b = _settings_client(ctx).describe_version_config(_models().DescribeVersionConfigRequest()).body
    if b.version is None and b.merged_version is None:  # (never read as the Free edition)
        raise ValueError("DescribeVersionConfig answered neither Version nor MergedVersion")
    return Edition(version=b.version or 0, merged=b.merged_version, highest=b.highest_version,
                   trial=bool(b.is_trial_version), post_pay=bool(b.is_postpay),
                   post_pay_version=b.post_pay_host_version, post_pay_status=b.post_pay_status)


NOTICES: Dataset[dict[str, int]] = Dataset("securitycenter.notices", Scope.GLOBAL)


# The RAM action of DescribeNoticeConfig and DescribeAccesskeyLeakList is yundun-aegis:, not yundun-sas: like the
# other reads (their API references' "Authorization information": alibabacloud.com/help/doc-detail/148874.htm,
# alibabacloud.com/help/en/security-center/developer-reference/api-sas-2018-12-03-describeaccesskeyleaklist;
# Security Center's RamCode is threatdetection, yundun-aegis, yundun-sas: api-sas-2018-12-03-ram)
@collector(NOTICES, apis=["yundun-aegis:DescribeNoticeConfig"])
def notices(ctx: CollectContext) -> dict[str, int]:
    """Notification item -> route (0 = no notification)."""
    body = _settings_client(ctx).describe_notice_config(_models().DescribeNoticeConfigRequest()).body
    return {n.project: n.route or 0 for n in body.notice_config_list or [] if n.project}


VUL_SCAN: Dataset[VulScan] = Dataset("securitycenter.vul_scan", Scope.GLOBAL)


@collector(VUL_SCAN, apis=["yundun-sas:DescribeVulConfig", "yundun-sas:DescribeConcernNecessity"])
def vul_scan(ctx: CollectContext) -> VulScan:
    sas = _settings_client(ctx)
    configs = sas.describe_vul_config(_models().DescribeVulConfigRequest()).body.target_configs or []
    levels = sas.describe_concern_necessity(_models().DescribeConcernNecessityRequest()).body.concern_necessity or []
    return VulScan(config={c.type: c.config or "" for c in configs if c.type},
                   overall={c.type: c.over_all_config or "" for c in configs if c.type}, levels=list(levels))


FINGERPRINTS: Dataset[dict[str, int]] = Dataset("securitycenter.fingerprints", Scope.GLOBAL)


@collector(FINGERPRINTS, apis=["yundun-sas:DescribePropertyScheduleConfig"])
def fingerprints(ctx: CollectContext) -> dict[str, int]:
    """Asset fingerprint type -> collection interval in hours (0 = not collected); the API answers one type
    per call."""
    sas = _settings_client(ctx)

    def hours(kind: str) -> int:
        body = sas.describe_property_schedule_config(_models().DescribePropertyScheduleConfigRequest(type=kind)).body
        if body.config is None or not str(body.config).strip():  # (never read as "not collected")
            raise ValueError(f"DescribePropertyScheduleConfig answered no Config for {kind}")
        return int(body.config)

    return dict(zip(FINGERPRINT_TYPES, ctx.map(hours, list(FINGERPRINT_TYPES)), strict=True))


DEFENSE: Dataset[dict[str, str]] = Dataset("securitycenter.defense", Scope.GLOBAL)


@collector(DEFENSE, apis=["yundun-sas:DescribeSuspiciousOverallConfig"])
def defense(ctx: CollectContext) -> dict[str, str]:
    """Proactive-defence feature -> on | off."""
    sas = _settings_client(ctx)

    def state(kind: str) -> str:
        body = sas.describe_suspicious_overall_config(
            _models().DescribeSuspiciousOverallConfigRequest(type=kind)).body
        return (body.overall_config.config if body.overall_config else "") or ""

    return dict(zip(DEFENSE_TYPES, ctx.map(state, DEFENSE_TYPES), strict=True))


LINKED_ROLES: Dataset[dict[str, bool]] = Dataset("securitycenter.linked_roles", Scope.GLOBAL)


@collector(LINKED_ROLES, apis=["yundun-sas:DescribeServiceLinkedRoleStatus"])
def linked_roles(ctx: CollectContext) -> dict[str, bool]:
    sas = _settings_client(ctx)

    def exists(role: str) -> bool:
        body = sas.describe_service_linked_role_status(
            _models().DescribeServiceLinkedRoleStatusRequest(service_linked_role=role)).body
        return bool(body.role_status and body.role_status.status)

    return dict(zip(LINKED_ROLE_NAMES, ctx.map(exists, LINKED_ROLE_NAMES), strict=True))


LOG_ANALYSIS: Dataset[LogAnalysis] = Dataset("securitycenter.log_analysis", Scope.GLOBAL)


@collector(LOG_ANALYSIS, apis=["yundun-sas:DescribeLogShipperStatus", "yundun-sas:DescribeLogMeta",
                                "yundun-sas:DescribeLogstoreStorage", "yundun-sas:DescribeCloudCenterInstances"])
def log_analysis(ctx: CollectContext) -> LogAnalysis:
    home = ctx.config.security_center_region
    la = _log_analysis(_settings_client(ctx), home)
    for centre in sorted({data_centre(r) for r in ctx.regions} - {home, GLOBAL}):
        try:
            sas = ctx.factory.pop("sas", centre)
            # (its assets: DescribeCloudCenterInstances' PageInfo.TotalCount; none, no logs to analyse there)
            body = sas.describe_cloud_center_instances(_models().DescribeCloudCenterInstancesRequest(
                machine_types="ecs", current_page=1, page_size=1)).body
            if body.page_info is None or body.page_info.total_count is None:
                raise ValueError("DescribeCloudCenterInstances answered no PageInfo.TotalCount")
            if body.page_info.total_count:
                la.elsewhere.append(_log_analysis(sas, centre))
        except Exception as err:
            la.elsewhere.append(LogAnalysis(bought=False, open=False, authorized=False, centre=centre,
                                            error=apierrors.describe(err)))
    return la


def _log_analysis(sas: Any, centre: str) -> LogAnalysis:
    # From: "The ID of the request source. Set the value to sas." (DescribeLogShipperStatus; the SDK model's doc
    # comment says the same, and Alibaba's Terraform provider sends it: service_alicloud_threat_detection.go)
    st = sas.describe_log_shipper_status(_models().DescribeLogShipperStatusRequest(from_="sas")).body.log_shipper_status
    metas = sas.describe_log_meta(_models().DescribeLogMetaRequest(from_="sas")).body.log_meta_list or []
    la = LogAnalysis(bought=getattr(st, "buy_status", "") == "yes", open=getattr(st, "open_status", "") == "yes",
                     authorized=getattr(st, "auth_status", "") == "yes",
                     post_paid=getattr(st, "post_paid_open_status", "") == "yes",
                     logs=[LogType(logstore=m.log_store or "", category=m.category or "",
                                   description=m.log_desc or "", enabled=m.status == "enabled") for m in metas],
                     centre=centre)
    if la.open and la.bought and not la.post_paid:  # (pay-as-you-go storage has no purchased capacity to exhaust)
        def storage() -> LogVolume:
            b = sas.describe_logstore_storage(_models().DescribeLogstoreStorageRequest(from_="sas")).body
            return log_volume.read_gigabytes(b.preserve, b.used)

        la.volume = log_volume.ask(storage)
    return la


class AkLeak(Record):
    """One AccessKey leak Security Center found on a public platform (DescribeAccesskeyLeakList's
    AccessKeyLeakList[]; the SDK model alibabacloud_sas20181203 DescribeAccesskeyLeakListResponseBody)."""

    id: int  # Id (int64): the record's key, what ModifyAccessKeyLeakDeal takes
    access_key_id: str  # AccesskeyId (that spelling on the wire)
    status: str  # pending (unhandled) | dealed (handled), the API reference's enumeration
    deal_type: str = ""  # pending | manual | disable | add-whitelist
    user_type: str = ""  # master (the Alibaba Cloud account) | ram (a RAM user)
    user_name: str = ""  # AliUserName
    url: str = ""  # where the key was found
    detected_ms: int | None = None  # GmtModified: "first detected", a UNIX time in milliseconds


LEAK_PAGE_SIZE = 100  # DescribeAccesskeyLeakList PageSize: "Maximum value: 100. Default value: 20"
# DescribeAccesskeyLeakList StartTs: "You can query all AccessKey pair leaks that are detected later than this time
# point" (UNIX milliseconds); what the list holds without it is not documented. Asked from 2015-01-01, before
# Security Center detected leaked keys, so a leak found long ago and never handled is listed whatever that default
LEAKS_SINCE_MS = 1_420_070_400_000
AK_LEAKS: Dataset[list[AkLeak]] = Dataset("securitycenter.ak_leaks", Scope.GLOBAL)


@collector(AK_LEAKS, apis=["yundun-aegis:DescribeAccesskeyLeakList"])  # (yundun-aegis: see NOTICES)
def ak_leaks(ctx: CollectContext) -> list[AkLeak]:
    """Every AccessKey leak record, handled or not (no Status filter: a handled record is shown as PASS), paged
    with CurrentPage/PageSize until TotalCount (the API reference's parameters and response fields)."""
    sas = _settings_client(ctx)

    def page(number: int) -> Any:
        return sas.describe_accesskey_leak_list(_models().DescribeAccesskeyLeakListRequest(
            current_page=number, page_size=LEAK_PAGE_SIZE, start_ts=LEAKS_SINCE_MS)).body

    return [AkLeak(id=r.id or 0, access_key_id=r.accesskey_id or "", status=r.status or "",
                   deal_type=r.deal_type or "", user_type=r.user_type or "", user_name=r.ali_user_name or "",
                   url=r.url or "", detected_ms=r.gmt_modified)
            for r in by_page_number(page, lambda b: b.access_key_leak_list, LEAK_PAGE_SIZE)]
