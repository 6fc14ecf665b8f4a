"""Security Center (SAS, API version 2018-12-03, hosts tds.<region>.aliyuncs.com): the edition, the asset
inventory with agent and vulnerability state, and the account-level settings the CIS benchmark audits
(notifications, vulnerability scan, asset fingerprints, proactive defence, service-linked roles, log
analysis), plus the writes that change them (each recorded as an ActionTrail event).

Security Center serves two data centres: tds.cn-shanghai for assets in regions named cn-* and
tds.ap-southeast-1 for the others (the SDK's own endpoint map). An asset is listed only by the endpoint
of its data centre; log analysis is each centre's own, the other account settings are the same on
both. A request to the emulator's own address
(no region in the host) sees every asset."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..call import Call
from ..errors import ApiError
from ..pop import PopApi, int_param, require
from . import Product

api = PopApi("sas", "2018-12-03", ram_prefix="yundun-sas")

MAINLAND, OVERSEAS = "cn-shanghai", "ap-southeast-1"

# DescribeNoticeConfig projects (SDK model docs); every one is answered, 0 = no notification
NOTICE_PROJECTS = [
    "yundun_security_Weekreport", "sas_healthcheck", "sas_suspicious", "yundun_aegis_AV_true",
    "yundun_sas_ak_leakage", "yundun_sas_config_alert", "yundun_sas_vul_Emergency", "yundun_webguard_event",
    "yundun_sas_cloud_native_firewall", "yundun_IP_Blocking", "yundun_sas_anti_virus_config", "yundun_sas_log",
    "yundun_honeypot_alarm", "aliyun_rasp_alarm", "virusScheduleTask", "sas_vulnerability", "weeklyreport",
    "agent", "webshell", "suspicious", "remotelogin", "bruteforcesuccess",
]
VUL_TYPES = ["cve", "sys", "cms", "app", "emg", "yum", "scanMode", "imageVulClean"]
FINGERPRINT_TYPES = [
    "scheduler_port_period", "scheduler_process_period", "scheduler_account_period", "scheduler_software_period",
    "scheduler_cron_period", "scheduler_sca_period", "scheduler_autorun_period", "scheduler_lkm_period",
    "scheduler_sca_proxy_period",
]
DEFENSE_TYPES = ["auto_breaking", "ransomware_breaking", "webshell_cloud_breaking", "alinet", "k8s_log_analysis",
                 "alisecguard"]
LINKED_ROLES = ["AliyunServiceRoleForSas", "AliyunServiceRoleForSasCspm"]
NECESSITIES = ["asap", "later", "nntf"]
EDITION_NAMES = {1: "Free Edition", 3: "Enterprise Edition", 5: "Advanced Edition", 6: "Anti-virus Edition",
                 7: "Ultimate Edition", 8: "Multi-edition", 10: "Value-added services only"}
VENDOR_NAMES = {0: "ALIYUN", 1: "OUT", 2: "IDC", 3: "Tencent", 4: "HUAWEICLOUD", 5: "Azure", 7: "AWS"}
# Log analysis: (logstore, category, description). Category is host | security, the values the API reference
# enumerates (DescribeLogMeta, OpenMeta sas 2018-12-03); network logs are collected on the hosts
LOG_TYPES = [
    ("aegis-log-process", "host", "Process startup logs"), ("aegis-log-network", "host", "Network connection logs"),
    ("aegis-log-login", "host", "Logon logs"), ("aegis-log-crack", "host", "Brute-force attack logs"),
    ("sas-log-dns", "host", "DNS logs"), ("sas-log-session", "host", "Network session logs"),
    ("sas-log-http", "host", "Web logs"), ("sas-security-log", "security", "Alert logs"),
    ("sas-vul-log", "security", "Vulnerability logs"), ("sas-hc-log", "security", "Baseline logs"),
]


def service_region(region: str) -> str:
    """The Security Center data centre that holds an asset of this region (as the SDK's endpoint map)."""
    return MAINLAND if region.startswith("cn-") else OVERSEAS


# DescribeVulList record Status values (SDK DescribeVulListResponseBodyVulRecords.status): 1 unfixed, 2 fix failed,
# 3 rollback failed, 4 being fixed, 5 being rolled back, 6 being verified, 7 fixed, 8 fixed and to be restarted,
# 9 rolled back, 10 ignored, 11 rolled back and to be restarted, 12 not found, 20 expired. Which of them count as
# handled (Dealed=y) the API reference does not say; ours: fixed, fixed pending a restart, ignored, not found, expired.
VUL_STATUSES = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 20}
VUL_HANDLED = {7, 8, 10, 12, 20}
VUL_LIST_TYPES = ["cve", "sys", "cms", "app", "emg", "sca"]  # DescribeVulListRequest.type


class Vulnerability(BaseModel):
    """A vulnerability found on a server, as DescribeVulList lists it (one record per vulnerability and server)."""

    model_config = ConfigDict(extra="forbid")

    name: str  # the rule, e.g. oval:com.redhat.rhsa:def:20170574 (SDK example)
    alias_name: str = ""  # e.g. "RHSA-2019:0230-Important: polkit security update"; '' = the name
    type: str = "cve"  # cve | sys | cms | app | emg | sca
    necessity: str = "asap"  # asap (high) | later (medium) | nntf (low)
    status: int = 1  # see VUL_STATUSES
    related: str = ""  # related CVE ids, comma separated: "CVE-2017-7518,CVE-2017-12188"
    tag: str = "oval"  # the rule source (SDK example)
    primary_id: int = 0  # 0 = derived from the server and the name
    first_seen: datetime = datetime(2024, 1, 1, tzinfo=timezone.utc)
    last_seen: datetime | None = None  # default: first_seen

    @model_validator(mode="after")
    def _valid(self) -> Vulnerability:
        if self.type not in VUL_LIST_TYPES or self.necessity not in NECESSITIES or self.status not in VUL_STATUSES:
            raise ValueError(f"vulnerability {self.name}: type, necessity or status not documented: "
                             f"{self.type} {self.necessity} {self.status}")
        return self


class Asset(BaseModel):
    """A server in the Security Center inventory (Alibaba Cloud ECS instances are listed whether or not
    the agent is installed)."""

    instance_id: str
    name: str = ""
    uuid: str = ""
    region: str = "cn-hangzhou"
    vendor: int = 0  # 0 Alibaba Cloud, 1 other cloud, 2 IDC, ...
    os: str = "linux"  # linux | windows
    status: str = "Running"  # Running | notRunning
    agent: str = "online"  # online | offline | pause | uninstalled
    auth_version: int = 1  # the edition bound to this server (see EDITION_NAMES)
    intranet_ip: str = "172.16.0.1"
    internet_ip: str = ""
    # unhandled vulnerabilities by type (cve, sys, cms, emg, app, sca): that many generic unfixed records in
    # DescribeVulList
    vulns: dict[str, int] = Field(default_factory=dict)
    vulnerabilities: list[Vulnerability] = Field(default_factory=list)  # named ones, any status, besides those

    def vul_records(self) -> list[Vulnerability]:
        """Every vulnerability of this server: the named ones, then one generic unfixed record per count in vulns."""
        out = list(self.vulnerabilities)
        for kind, count in self.vulns.items():
            out += [Vulnerability(name=f"emulator:{kind}:{n + 1:04d}", alias_name=f"Emulated {kind} vulnerability "
                                  f"{n + 1}", type=kind if kind in VUL_LIST_TYPES else "cve")
                    for n in range(count)]
        return out

    def unhandled(self) -> dict[str, int]:
        """Unhandled vulnerabilities by type, as the asset list counts them."""
        out = dict(self.vulns)
        for v in self.vulnerabilities:
            if v.status not in VUL_HANDLED:
                out[v.type] = out.get(v.type, 0) + 1
        return out

    @model_validator(mode="after")
    def _defaults(self) -> Asset:
        self.uuid = self.uuid or f"inet-{secrets.token_hex(12)}"
        self.name = self.name or self.instance_id
        return self


class LogAnalysis(BaseModel):
    bought: bool = False  # a subscription (BuyStatus, OpenStatus once enabled)
    open: bool = False
    post_paid: bool = False  # activated pay-as-you-go instead (PostPaidOpenStatus): no subscription behind it
    authorized: bool = True
    disabled: list[str] = Field(default_factory=list)  # logstores whose delivery is off (the others are on)
    ttl: int = 180
    # DescribeLogstoreStorage Preserve / Used, in GB: the documented sample's 12240 and 335
    preserve_gb: int = 12240
    used_gb: int = 335


# --- AccessKey leaks (DescribeAccesskeyLeakList, ModifyAccessKeyLeakDeal) ------------------------------------
# Source: the API reference (OpenMeta sas 2018-12-03, tests/fixtures/wire/sas/DescribeAccesskeyLeakList.json) and the
# SDK model alibabacloud_sas20181203 DescribeAccesskeyLeakListResponseBody: Status pending | dealed, DealType pending |
# manual | disable | add-whitelist, UserType master | ram, Type fixed "AccessKey", GmtModified/GmtLast int64 ms, Id
# int64, DealTime a "2020-12-03 21:23:38" string, AkLeakCount the unhandled count; CurrentPage and PageSize are
# required (PageSize at most 100, default 20).
LEAK_STATUSES = ("pending", "dealed")
LEAK_DEALS = ("manual", "disable", "add-whitelist")  # ModifyAccessKeyLeakDeal Type


class AkLeak(BaseModel):
    """An AccessKey leak Security Center found on a public platform."""

    model_config = ConfigDict(extra="forbid")

    id: int
    access_key_id: str
    status: str = "pending"
    deal_type: str = "pending"
    user_type: str = "ram"  # master | ram
    user_name: str = ""  # AliUserName
    url: str = "https://github.com/example/repo/blob/main/config.py"
    detected: datetime = datetime(2026, 1, 1, tzinfo=timezone.utc)
    deal_time: datetime | None = None

    @model_validator(mode="after")
    def _valid(self) -> AkLeak:
        if self.status not in LEAK_STATUSES or self.deal_type not in ("pending", *LEAK_DEALS) \
                or self.user_type not in ("master", "ram"):
            raise ValueError(f"AccessKey leak {self.id}: status, deal_type or user_type not documented")
        return self


class SasState(BaseModel):
    version: int = 1  # purchased edition (see EDITION_NAMES)
    post_pay_version: int | None = None  # pay-as-you-go host protection edition, when enabled
    post_pay_overdue: bool = False  # pay-as-you-go stopped for overdue payment (PostPayStatus 2)
    highest_version: int | None = None  # for multi-edition purchases
    trial: bool = False
    instance_id: str = "sas-emulator0001"
    assets: list[Asset] = Field(default_factory=list)
    notices: dict[str, int] = Field(default_factory=dict)  # project -> route (0 off); unlisted projects: 6
    vul_config: dict[str, str] = Field(default_factory=dict)  # type -> on|off (scanMode real|all, ...)
    # type -> OverAllConfig, "enabled for all servers" (on|off), set apart from the type's Config (a scan switched on
    # for some servers only: per-server switches, ModifyVulTargetConfig); unlisted: Config's on/off, else on
    vul_overall: dict[str, str] = Field(default_factory=dict)
    concern_necessity: list[str] = Field(default_factory=lambda: list(NECESSITIES))
    fingerprint_hours: dict[str, int] = Field(default_factory=dict)  # type -> hours (0 off); unlisted: 24
    defense: dict[str, str] = Field(default_factory=dict)  # type -> on|off; unlisted: on
    linked_roles: dict[str, bool] = Field(default_factory=lambda: {"AliyunServiceRoleForSas": True})
    log_analysis: LogAnalysis = Field(default_factory=LogAnalysis)  # the mainland centre's (tds.cn-shanghai)
    # the other centre's (tds.ap-southeast-1): "云安全中心在中国内地与非中国内地采用独立的服务中心" (independent service
    # centres; OpenMeta zh_cn sas 2018-12-03), whose logs are kept apart ("Logs from assets in the Chinese Mainland
    # are stored in China (Hangzhou); logs from assets Outside the Chinese Mainland ... in Singapore", "Enable log
    # analysis")
    log_analysis_overseas: LogAnalysis = Field(default_factory=LogAnalysis)
    ak_leaks: list[AkLeak] = Field(default_factory=list)


VUL_DEFAULTS = {"cve": "on", "sys": "on", "cms": "on", "app": "off", "emg": "on", "yum": "on", "scanMode": "real",
                "imageVulClean": "90"}


def _state(call: Call) -> SasState:
    return call.acct.sas


def _log_analysis(call: Call) -> LogAnalysis:
    """The log analysis of the centre the request reached (its host's region; the emulator's own address: the
    mainland's)."""
    s = _state(call)
    return s.log_analysis_overseas if call.region == OVERSEAS else s.log_analysis


def _merged(s: SasState) -> int:
    """The higher of the subscription and pay-as-you-go editions (1 < 6 < 5 < 3 < 7 by protection)."""
    rank = {1: 0, 10: 0, 6: 1, 5: 2, 3: 3, 7: 4, 8: 2}
    options = [s.version] + ([s.post_pay_version] if s.post_pay_version else [])
    return max(options, key=lambda v: rank.get(v, 0))


@api.action("DescribeVersionConfig")
def describe_version_config(call: Call) -> dict[str, Any]:
    s = _state(call)
    now_ms = int(call.now().timestamp() * 1000)
    return {"Version": s.version, "MergedVersion": _merged(s), "HighestVersion": s.highest_version or s.version,
            "PostPayHostVersion": s.post_pay_version or 0, "IsPostpay": bool(s.post_pay_version),
            **({"PostPayStatus": 2 if s.post_pay_overdue else 1} if s.post_pay_version else {}),
            "IsTrialVersion": int(s.trial), "InstanceId": s.instance_id if s.version != 1 else "",
            "AssetLevel": len(s.assets), "OpenTime": now_ms - 86_400_000 * 30,
            "ReleaseTime": now_ms + 86_400_000 * 335, "SasLog": int(s.log_analysis.bought), "WebLock": 0,
            "AllowPartialBuy": 1, "IsOverBalance": False}


# --- assets ---------------------------------------------------------------------------------------

_CRITERIA = {"regionId": lambda a: a.region, "instanceId": lambda a: a.instance_id,
             "instanceName": lambda a: a.name, "uuid": lambda a: a.uuid, "vendor": lambda a: str(a.vendor),
             "clientStatus": lambda a: _client_status(a)[0], "os": lambda a: a.os,
             "intranetIp": lambda a: a.intranet_ip, "internetIp": lambda a: a.internet_ip}


def _client_status(a: Asset) -> tuple[str, str]:
    """(ClientStatus, ClientSubStatus) as the console shows them."""
    if a.agent == "uninstalled":
        return "offline", "uninstalled"
    if a.agent == "offline" and a.status != "Running":
        return "offline", "stopped"
    return a.agent, a.agent


def _criteria(call: Call) -> list[tuple[str, str]]:
    raw = call.params.get("Criteria", "")
    if not raw:
        return []
    try:
        items = json.loads(raw)
        pairs = [(str(i["name"]), str(i["value"])) for i in items]
    except (ValueError, TypeError, KeyError) as err:
        raise ApiError("IllegalParam", f"The parameter Criteria is not valid JSON criteria: {raw}", 400) from err
    for name, _ in pairs:
        if name not in _CRITERIA:
            raise ApiError("IllegalParam", f"Unsupported search condition: {name}", 400)
    return pairs


def _visible(call: Call) -> list[Asset]:
    """Assets the endpoint's data centre holds."""
    assets = _state(call).assets
    if not call.region:
        return list(assets)
    centre = service_region(call.region)
    return [a for a in assets if service_region(a.region) == centre]


def _asset_view(a: Asset) -> dict[str, Any]:
    status, sub = _client_status(a)
    v = a.unhandled()
    vul_total = sum(v.values())
    # RiskCount's counters as DescribeCloudCenterInstances documents them (OpenMeta sas 2018-12-03: cveNum, sysNum,
    # cmsNum, emgNum, appNum, scaNum "detected based on software component analysis", vul, suspicious, health, ...)
    risk = {"uuid": a.uuid, "cveNum": v.get("cve", 0), "sysNum": v.get("sys", 0), "cmsNum": v.get("cms", 0),
            "emgNum": v.get("emg", 0), "appNum": v.get("app", 0), "scaNum": v.get("sca", 0), "vul": vul_total,
            "suspicious": 0, "health": 0}
    return {"InstanceId": a.instance_id, "InstanceName": a.name, "Uuid": a.uuid, "RegionId": a.region,
            "Region": a.region, "RegionName": a.region, "Vendor": a.vendor,
            "VendorName": VENDOR_NAMES.get(a.vendor, "OUT"), "Flag": 0 if a.vendor == 0 else 1,
            "Os": a.os, "OsName": "Windows Server 2019" if a.os == "windows" else "Alibaba Cloud Linux 3",
            "Status": a.status, "ClientStatus": status, "ClientSubStatus": sub, "AuthVersion": a.auth_version,
            "AuthVersionName": EDITION_NAMES.get(a.auth_version, ""), "Bind": a.auth_version != 1,
            "IntranetIp": a.intranet_ip, "InternetIp": a.internet_ip, "Ip": a.internet_ip or a.intranet_ip,
            "AssetType": "0", "AssetTypeName": "ECS",
            "VulCount": vul_total, "VulStatus": "YES" if vul_total else "NO", "RiskCount": json.dumps(risk),
            "RiskStatus": "YES" if vul_total else "NO", "AlarmStatus": "NO", "SafeEventCount": 0,
            "Importance": 1, "GroupTrace": "default", "GroupId": 0}


@api.action("DescribeCloudCenterInstances")
def describe_cloud_center_instances(call: Call) -> dict[str, Any]:
    """Server assets (MachineTypes ecs), filtered by Criteria (AND/OR); CurrentPage/PageSize paging, or
    NextToken paging with UseNextToken=true (then no TotalCount)."""
    types = call.params.get("MachineTypes", "ecs")
    if types not in ("ecs", ""):
        return {"Instances": [], "PageInfo": {"Count": 0, "CurrentPage": 1, "PageSize": 20, "TotalCount": 0},
                "Success": True}
    criteria = _criteria(call)
    conj = all if call.params.get("LogicalExp", "OR").upper() == "AND" else any
    items = [a for a in _visible(call)
             if not criteria or conj(_CRITERIA[n](a) == v for n, v in criteria)]
    size = int_param(call.params, "PageSize", 20, 1, 100)
    if call.params.get("UseNextToken", "").lower() == "true":
        token = call.params.get("NextToken", "")
        if token and (not token.isdigit() or int(token) > len(items)):
            raise ApiError("IllegalParam", f"The NextToken is invalid: {token}", 400)
        start = int(token) if token else 0
        page = items[start:start + size]
        nxt = str(start + size) if start + size < len(items) else ""
        info: dict[str, Any] = {"Count": len(page), "PageSize": size, "NextToken": nxt}
    else:
        number = int_param(call.params, "CurrentPage", 1, 1, 1_000_000)
        page = items[(number - 1) * size:number * size]
        info = {"Count": len(page), "CurrentPage": number, "PageSize": size, "TotalCount": len(items)}
    return {"Instances": [_asset_view(a) for a in page], "PageInfo": info, "Success": True}


@api.action("AddUninstallClientsByUuids", write=True)
def add_uninstall_clients(call: Call) -> dict[str, Any]:
    uuids = {u for u in require(call.params, "Uuids").split(",") if u}
    for a in _visible(call):
        if a.uuid in uuids:
            a.agent = "uninstalled"
            call.touch("ACS::ECS::Instance", a.instance_id)
    return {}


# --- vulnerabilities (DescribeVulList) ----------------------------------------------------------------
# Sources: alibabacloud_sas20181203 10.3.2 models DescribeVulListRequest / DescribeVulListResponseBody (+VulRecords,
# +ExtendContentJson) and the Go SDK sas-20181203 describe_vul_list_*_model.go (types and `example:` values: AuthVersion
# is a string "3" here, an int in DescribeCloudCenterInstances; Status an int in a record and a string "1" in its
# ExtendContentJson; FirstTs/LastTs/ModifyTs epoch milliseconds). Type is required; CurrentPage (default 1) and
# PageSize (default 10), or UseNextToken=true with NextToken (then no TotalCount). No maximum PageSize is documented.

_PAGE_SIZE_LIMIT = 10_000  # a sanity bound only: DescribeVulList and ListUninstallAegisMachines document no maximum


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def _csv(call: Call, name: str) -> list[str]:
    return [x.strip() for x in call.params.get(name, "").split(",") if x.strip()]


def _primary_id(a: Asset, v: Vulnerability) -> int:
    if v.primary_id:
        return v.primary_id
    return int.from_bytes(hashlib.sha256(f"{a.uuid}/{v.name}".encode()).digest()[:4], "big")


def _vul_view(a: Asset, v: Vulnerability) -> dict[str, Any]:
    last = v.last_seen or v.first_seen
    alias = v.alias_name or v.name
    cves = [c.strip() for c in v.related.split(",") if c.strip()]
    return {
        "Name": v.name, "AliasName": alias, "Type": v.type, "Necessity": v.necessity, "Status": v.status,
        "PrimaryId": _primary_id(a, v), "Related": v.related, "Tag": v.tag, "RuleTag": "",
        "Uuid": a.uuid, "InstanceId": a.instance_id, "InstanceName": a.name, "RegionId": a.region,
        "InternetIp": a.internet_ip, "IntranetIp": a.intranet_ip, "GroupId": 0,
        "OsName": "Windows Server 2019" if a.os == "windows" else "Alibaba Cloud Linux 3", "OsVersion": a.os,
        "Online": a.agent == "online", "Bind": a.auth_version != 1, "AuthVersion": str(a.auth_version),
        "FirstTs": _ms(v.first_seen), "LastTs": _ms(last), "ModifyTs": _ms(last),
        "RepairTs": _ms(last) if v.status in (7, 8) else 0, "Progress": 100 if v.status in (7, 8) else 0,
        "RealRisk": v.necessity == "asap", "ResultCode": "", "ResultMessage": "",
        "ExtendContentJson": {
            "AliasName": alias, "PrimaryId": _primary_id(a, v), "Status": str(v.status), "Tag": v.tag,
            "Ip": a.internet_ip or a.intranet_ip, "LastTs": _ms(last), "Os": a.os, "OsRelease": "",
            "cveList": cves, "RpmEntityList": [],
            # Necessity: the vulnerability priority score, every field a string (Go examples "7.8", "1", "normal")
            "Necessity": {"Status": "none", "Is_calc": "0", "Total_score": "", "Cvss_factor": "",
                          "Time_factor": "", "Enviroment_factor": "", "Assets_factor": "1"}},
    }


@api.action("DescribeVulList")
def describe_vul_list(call: Call) -> dict[str, Any]:
    kind = require(call.params, "Type")
    if kind not in VUL_LIST_TYPES:
        raise ApiError("IllegalParam", f"Unsupported vulnerability type: {kind}", 400)
    kinds = {kind} | ({"sca"} if kind == "app" and "sca" in _csv(call, "AttachTypes") else set())
    uuids, necessity, ids = set(_csv(call, "Uuids")), set(_csv(call, "Necessity")), set(_csv(call, "Ids"))
    try:
        statuses = {int(x) for x in _csv(call, "StatusList")}
    except ValueError as err:
        raise ApiError("IllegalParam", f"StatusList must be integers: {call.params['StatusList']}", 400) from err
    dealed = call.params.get("Dealed", "")
    name, alias, remark = (call.params.get(k, "") for k in ("Name", "AliasName", "Remark"))
    server_targets = call.params.get("TargetType", "") in ("", "uuid")  # no container or k8s assets are modelled
    records = [(a, v) for a in _visible(call) if server_targets and (not uuids or a.uuid in uuids)
               and (not remark or any(remark in x for x in (a.name, a.internet_ip, a.intranet_ip) if x))
               for v in a.vul_records()
               if v.type in kinds and (not necessity or v.necessity in necessity)
               and (not statuses or v.status in statuses) and (not name or v.name == name)
               and (not alias or alias in (v.alias_name or v.name))
               and (not ids or str(_primary_id(a, v)) in ids)
               and (dealed not in ("y", "n") or (v.status in VUL_HANDLED) == (dealed == "y"))]
    size = int_param(call.params, "PageSize", 10, 1, _PAGE_SIZE_LIMIT)
    if call.params.get("UseNextToken", "").lower() == "true":
        token = call.params.get("NextToken", "")
        if token and (not token.isdigit() or int(token) > len(records)):
            raise ApiError("IllegalParam", f"The NextToken is invalid: {token}", 400)
        start = int(token) if token else 0
        page = records[start:start + size]
        nxt = str(start + size) if start + size < len(records) else ""
        return {"VulRecords": [_vul_view(a, v) for a, v in page], "PageSize": size, "NextToken": nxt}
    number = int_param(call.params, "CurrentPage", 1, 1, 1_000_000)
    page = records[(number - 1) * size:number * size]
    return {"VulRecords": [_vul_view(a, v) for a, v in page], "CurrentPage": number, "PageSize": size,
            "TotalCount": len(records)}


# --- servers without the agent (ListUninstallAegisMachines) --------------------------------------------
# Sources: alibabacloud_sas20181203 models ListUninstallAegisMachinesRequest / ResponseBody (+MachineList) and the Go
# SDK (examples: MachineRegion and RegionId "cn-hangzhou"/"cn-shanghai", VendorName "ALIYUN"). CurrentPage default 1,
# PageSize default 5 (request doc comments); CurrentPage, PageSize, TotalCount and Vendor are ints.
# VendorName of this API (its own documented list, which differs from DescribeCloudCenterInstances'):
UNINSTALLED_VENDOR_NAMES = {0: "ALIYUN", 1: "OUT", 2: "IDC", 3: "TENCENT", 4: "HUAWEICLOUD", 5: "Microsoft", 7: "AWS",
                            8: "TRIPARTITE"}


@api.action("ListUninstallAegisMachines")
def list_uninstall_aegis_machines(call: Call) -> dict[str, Any]:
    """Servers of the inventory whose Security Center agent is not installed (agent: uninstalled)."""
    region = call.params.get("RegionIdStr", "") or call.params.get("RegionNo", "")
    os_name, remark, vendor = call.params.get("Os", ""), call.params.get("Remark", ""), call.params.get("Vendor", "")
    items = [a for a in _visible(call) if a.agent == "uninstalled" and (not region or a.region == region)
             and (not os_name or a.os == os_name) and (not vendor or str(a.vendor) == vendor)
             and (not remark or any(remark in x for x in (a.name, a.internet_ip, a.intranet_ip) if x))]
    size = int_param(call.params, "PageSize", 5, 1, _PAGE_SIZE_LIMIT)
    number = int_param(call.params, "CurrentPage", 1, 1, 1_000_000)
    page = items[(number - 1) * size:number * size]
    return {"MachineList": [{"InstanceId": a.instance_id, "InstanceName": a.name, "Uuid": a.uuid, "Os": a.os,
                             "RegionId": a.region, "MachineRegion": a.region, "InternetIp": a.internet_ip,
                             "IntranetIp": a.intranet_ip, "Vendor": a.vendor,
                             "VendorName": UNINSTALLED_VENDOR_NAMES.get(a.vendor, "OUT")} for a in page],
            "CurrentPage": number, "PageSize": size, "TotalCount": len(items)}


# --- notifications --------------------------------------------------------------------------------

# (its RAM action is yundun-aegis:, as DescribeAccesskeyLeakList's: collectors/securitycenter.py cites the references)
@api.action("DescribeNoticeConfig", ram_action="yundun-aegis:DescribeNoticeConfig")
def describe_notice_config(call: Call) -> dict[str, Any]:
    s = _state(call)
    if call.params.get("BizType", "") not in ("", "cms"):
        raise ApiError("IllegalParam", f"Unsupported BizType: {call.params['BizType']}", 400)
    rows = [{"Project": p, "Route": s.notices.get(p, 6), "TimeLimit": 0, "AliUid": int(call.acct.id),
             "CurrentPage": 1} for p in NOTICE_PROJECTS]
    rows += [{"Project": p, "Route": r, "TimeLimit": 0, "AliUid": int(call.acct.id), "CurrentPage": 1}
             for p, r in s.notices.items() if p not in NOTICE_PROJECTS]
    return {"NoticeConfigList": rows}


@api.action("ModifyNoticeConfig", write=True)
def modify_notice_config(call: Call) -> dict[str, Any]:
    project = require(call.params, "Project")
    route = int_param(call.params, "Route", 0, 0, 7)
    _state(call).notices[project] = route
    return {}


# --- vulnerability scan ---------------------------------------------------------------------------

@api.action("DescribeVulConfig")
def describe_vul_config(call: Call) -> dict[str, Any]:
    s = _state(call)
    wanted = call.params.get("Type", "")
    if wanted and wanted not in VUL_TYPES:
        raise ApiError("IllegalParam", f"Unsupported vulnerability config type: {wanted}", 400)
    config = {**VUL_DEFAULTS, **s.vul_config}
    rows = [{"Type": t, "Config": config[t],
             "OverAllConfig": s.vul_overall.get(t, config[t] if config[t] in ("on", "off") else "on")}
            for t in VUL_TYPES if not wanted or t == wanted]
    return {"TargetConfigs": rows, "TotalCount": len(rows)}


@api.action("ModifyVulConfig", write=True)
def modify_vul_config(call: Call) -> dict[str, Any]:
    kind = require(call.params, "Type")
    if kind not in VUL_TYPES:
        raise ApiError("IllegalParam", f"Unsupported vulnerability config type: {kind}", 400)
    _state(call).vul_config[kind] = require(call.params, "Config")
    return {}


@api.action("DescribeConcernNecessity")
def describe_concern_necessity(call: Call) -> dict[str, Any]:
    return {"ConcernNecessity": list(_state(call).concern_necessity)}


@api.action("ModifyConcernNecessity", write=True)
def modify_concern_necessity(call: Call) -> dict[str, Any]:
    levels = [x for x in require(call.params, "ConcernNecessity").split(",") if x]
    if any(x not in NECESSITIES for x in levels):
        raise ApiError("IllegalParam", f"Unsupported necessity level in {levels}", 400)
    _state(call).concern_necessity = levels
    return {}


# --- asset fingerprints ---------------------------------------------------------------------------

def _fingerprint_type(call: Call) -> str:
    kind = require(call.params, "Type")
    if kind not in FINGERPRINT_TYPES:
        raise ApiError("IllegalParam", f"Unsupported asset fingerprint type: {kind}", 400)
    return kind


@api.action("DescribePropertyScheduleConfig")
def describe_property_schedule_config(call: Call) -> dict[str, Any]:
    return {"Config": str(_state(call).fingerprint_hours.get(_fingerprint_type(call), 24))}


@api.action("ModifyPropertyScheduleConfig", write=True)
def modify_property_schedule_config(call: Call) -> dict[str, Any]:
    kind = _fingerprint_type(call)
    _state(call).fingerprint_hours[kind] = int_param(call.params, "ScheduleTime", 24, 0, 24 * 30)
    return {"ModifyResult": True}


# --- proactive defence ----------------------------------------------------------------------------

def _defense_type(call: Call) -> str:
    kind = require(call.params, "Type")
    if kind not in DEFENSE_TYPES:
        raise ApiError("IllegalParam", f"Unsupported feature type: {kind}", 400)
    return kind


@api.action("DescribeSuspiciousOverallConfig")
def describe_suspicious_overall_config(call: Call) -> dict[str, Any]:
    kind = _defense_type(call)
    return {"OverallConfig": {"Type": kind, "Config": _state(call).defense.get(kind, "on")}}


@api.action("OperateSuspiciousOverallConfig", write=True)
def operate_suspicious_overall_config(call: Call) -> dict[str, Any]:
    kind = _defense_type(call)
    value = require(call.params, "Config")
    if value not in ("on", "off"):
        raise ApiError("IllegalParam", f"Config must be on or off: {value}", 400)
    _state(call).defense[kind] = value
    return {}


# --- service-linked roles (configuration assessment authorization) -------------------------------

@api.action("DescribeServiceLinkedRoleStatus")
def describe_service_linked_role_status(call: Call) -> dict[str, Any]:
    role = call.params.get("ServiceLinkedRole", "") or "AliyunServiceRoleForSas"
    if role not in LINKED_ROLES:
        raise ApiError("IllegalParam", f"Unsupported service-linked role: {role}", 400)
    return {"RoleStatus": {"Status": bool(_state(call).linked_roles.get(role, False))}}


@api.action("CreateServiceLinkedRole", write=True)
def create_service_linked_role(call: Call) -> dict[str, Any]:
    role = call.params.get("ServiceLinkedRole", "") or "AliyunServiceRoleForSas"
    if role not in LINKED_ROLES:
        raise ApiError("IllegalParam", f"Unsupported service-linked role: {role}", 400)
    _state(call).linked_roles[role] = True
    return {}


# --- log analysis ---------------------------------------------------------------------------------

def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


@api.action("DescribeLogShipperStatus")
def describe_log_shipper_status(call: Call) -> dict[str, Any]:
    """Security Center's log analysis status for From=sas ("The ID of the request source. Set the value to sas.",
    the reference). What another source (none: Server Guard's aegis, DescribeLogMeta's documented default) answers is
    not documented: the emulator answers a source that bought nothing."""
    la = _log_analysis(call) if call.params.get("From") == "sas" else LogAnalysis(authorized=False)
    return {"LogShipperStatus": {"BuyStatus": _yes(la.bought), "OpenStatus": _yes(la.open),
                                 "AuthStatus": _yes(la.authorized), "SlsServiceStatus": "yes",
                                 "SlsProjectStatus": "Normal" if la.open or la.post_paid else "Disable",
                                 "PostPaidOpenStatus": _yes(la.post_paid), "PostPaidSupportStatus": "yes",
                                 "EtlMetaVersion": "SAS_V2"}}


@api.action("DescribeLogstoreStorage")
def describe_logstore_storage(call: Call) -> dict[str, Any]:
    """The purchased log storage (Preserve) and its use (Used), in GB (integers, as the SDK model declares them), in
    the documented sample's shape."""
    require(call.params, "From")  # "required": true (OpenMeta sas 2018-12-03 DescribeLogstoreStorage)
    la = _log_analysis(call)
    return {"Used": la.used_gb, "Ttl": la.ttl, "Logstore": "sas-log", "Preserve": la.preserve_gb,
            "UserProject": f"sas-log-{call.acct.id}-{call.region or MAINLAND}"}


@api.action("DescribeLogMeta")
def describe_log_meta(call: Call) -> dict[str, Any]:
    la = _log_analysis(call)
    project = f"aliyun-log-sas-{call.acct.id}-{call.region or MAINLAND}"
    rows = [{"Project": project, "LogStore": store, "LogDesc": desc, "Category": cat, "Topic": store,
             "Status": "enabled" if (la.open or la.post_paid) and store not in la.disabled else "disabled",
             "Ttl": la.ttl, "HotTtl": -1, "UserProject": project, "UserLogStore": "sas-log",
             "UserRegion": call.region or MAINLAND} for store, cat, desc in LOG_TYPES]
    return {"LogMetaList": rows, "TotalCount": len(rows)}


@api.action("ModifyLogMetaStatus", write=True)
def modify_log_meta_status(call: Call) -> dict[str, Any]:
    store = require(call.params, "LogStore")
    status = require(call.params, "Status")
    if store not in {s for s, _, _ in LOG_TYPES} or status not in ("enabled", "disabled"):
        raise ApiError("IllegalParam", f"Invalid LogStore or Status: {store} {status}", 400)
    la = _log_analysis(call)
    la.disabled = [s for s in la.disabled if s != store] + ([store] if status == "disabled" else [])
    return {}


# --- AccessKey leaks ------------------------------------------------------------------------------

def _leak_view(leak: AkLeak) -> dict[str, Any]:
    return {"Id": leak.id, "AccesskeyId": leak.access_key_id, "Status": leak.status, "DealType": leak.deal_type,
            "Type": "AccessKey", "UserType": leak.user_type, "AliUserName": leak.user_name, "Url": leak.url,
            "GmtModified": _ms(leak.detected), "Asset": "Cloud platform",
            "DealTime": f"{leak.deal_time:%Y-%m-%d %H:%M:%S}" if leak.deal_time else ""}


@api.action("DescribeAccesskeyLeakList", ram_action="yundun-aegis:DescribeAccesskeyLeakList")
def describe_accesskey_leak_list(call: Call) -> dict[str, Any]:
    leaks = _state(call).ak_leaks
    status, query = call.params.get("Status", ""), call.params.get("Query", "")
    if status and status not in LEAK_STATUSES:
        raise ApiError("IllegalParam", f"Unsupported Status: {status}", 400)
    start = int_param(call.params, "StartTs", 0, 0, 2**63 - 1)
    rows = [x for x in leaks if (not status or x.status == status) and (not query or x.access_key_id == query)
            and _ms(x.detected) >= start]
    size = int_param(call.params, "PageSize", 20, 1, 100)
    number = int_param(call.params, "CurrentPage", 1, 1, 1_000_000)
    page = rows[(number - 1) * size:number * size]
    return {"AccessKeyLeakList": [_leak_view(x) for x in page], "CurrentPage": number, "PageSize": size,
            "TotalCount": len(rows), "AkLeakCount": sum(1 for x in leaks if x.status == "pending"),
            "GmtLast": max((_ms(x.detected) for x in leaks), default=0)}


@api.action("ModifyAccessKeyLeakDeal", write=True)
def modify_access_key_leak_deal(call: Call) -> dict[str, Any]:
    """Mark leaks handled: Id or IdList (repeat list IdList.N, at most 50), Type manual | disable | add-whitelist."""
    kind = require(call.params, "Type")
    if kind not in LEAK_DEALS:
        raise ApiError("IllegalParam", f"Unsupported Type: {kind}", 400)
    wanted = {v for k, v in call.params.items() if k == "Id" or k.startswith("IdList.")}
    if not wanted:
        raise ApiError("IllegalParam", "Id or IdList is required", 400)
    for leak in _state(call).ak_leaks:
        if str(leak.id) in wanted:
            leak.status, leak.deal_type, leak.deal_time = "dealed", kind, call.now()
    return {}


PRODUCT = Product("sas", api=api, state=SasState, hosts=("tds",))  # endpoints tds.<region>.aliyuncs.com
