"""Alibaba Cloud DNS (alidns 2015-01-09): the account's authoritative domains with their DNSSEC state and DNS records:
DescribeDomains (PageNumber/PageSize, at most 100, default 20), DescribeDomainRecords (PageSize 1 to 500, default 20),
DescribeDomainDnssecInfo, and the writes SetDomainDnssecStatus, AddDomainRecord, DeleteDomainRecord.

DNS is global: alibabacloud_alidns20150109 calls alidns.aliyuncs.com (its endpoint map: cn-hangzhou and `public`), a
host without a region, whose first label routes here. Shapes and JSON types: the API reference
(tests/fixtures/wire/alidns) and the SDK's models (TotalCount, PageNumber, PageSize, TTL, Priority, Weight and the
timestamps integers; RecordId, DomainId strings; Locked a boolean)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..call import Call
from ..clock import iso
from ..errors import ApiError
from ..pop import PopApi, int_param, require
from . import Product

api = PopApi("alidns", "2015-01-09")

DNSSEC = {"ON", "OFF"}  # DescribeDomainDnssecInfo Status / SetDomainDnssecStatus Status


def _ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


def _record_id() -> str:
    return str(secrets.randbelow(10**17) + 10**17)  # a string of digits, as the reference's RecordId


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a mistyped scenario key is an error

    id: str = Field(default_factory=_record_id)
    rr: str  # host record: www, @, *
    type: str = "A"  # A | AAAA | CNAME | MX | TXT | NS | SRV | CAA ...
    value: str
    ttl: int = 600
    line: str = "default"
    status: str = "Enable"  # Enable | Disable
    priority: int | None = None  # MX only
    created: datetime = datetime(2024, 1, 1)


class Domain(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    id: str = Field(default_factory=lambda: secrets.token_hex(16))
    dnssec: str = "OFF"  # ON | OFF
    version_code: str = "mianfei"  # the DNS edition (mianfei = free)
    created: datetime = datetime(2024, 1, 1)
    records: list[Record] = Field(default_factory=list)


class AlidnsState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    domains: list[Domain] = Field(default_factory=list)


def _domain(call: Call) -> Domain:
    name = require(call.params, "DomainName").strip().lower()
    for d in call.acct.alidns.domains:
        if d.name == name:
            call.touch("ACS::Alidns::Domain", d.name)
            return d
    # the reference pages list no error code for a domain the account does not host: this one is our choice
    raise ApiError("InvalidDomainName.NoExist", f"The domain name {name} does not exist.", 400)


def _page(call: Call, items: list[Any], default: int, limit: int) -> tuple[list[Any], dict[str, Any]]:
    size = int_param(call.params, "PageSize", default, 1, limit)
    number = int_param(call.params, "PageNumber", 1, 1, 1_000_000)
    return items[(number - 1) * size:number * size], {"TotalCount": len(items), "PageNumber": number,
                                                      "PageSize": size}


@api.action("DescribeDomains")
def describe_domains(call: Call) -> dict[str, Any]:
    page, meta = _page(call, call.acct.alidns.domains, 20, 100)  # default 20, "Maximum value: 100"
    return {**meta, "Domains": {"Domain": [{
        "DomainId": d.id, "DomainName": d.name, "PunyCode": d.name, "AliDomain": False, "RecordCount": len(d.records),
        "VersionCode": d.version_code, "CreateTime": iso(d.created), "CreateTimestamp": _ms(d.created),
        "InstanceExpired": False, "Starmark": False, "DnsServers": {"DnsServer": ["dns1.hichina.com",
                                                                                 "dns2.hichina.com"]},
    } for d in page]}}


@api.action("DescribeDomainRecords")
def describe_domain_records(call: Call) -> dict[str, Any]:
    d = _domain(call)
    kind = call.params.get("Type", "") or call.params.get("TypeKeyWord", "")
    records = [r for r in d.records if not kind or r.type.upper() == kind.upper()]
    page, meta = _page(call, records, 20, 500)  # "Valid values: 1 to 500. Default value: 20"
    return {**meta, "DomainRecords": {"Record": [{
        "RecordId": r.id, "DomainName": d.name, "RR": r.rr, "Type": r.type, "Value": r.value, "TTL": r.ttl,
        "Line": r.line, "Status": r.status, "Locked": False, "Weight": 1, "CreateTimestamp": _ms(r.created),
        "UpdateTimestamp": _ms(r.created), **({"Priority": r.priority} if r.priority is not None else {}),
    } for r in page]}}


@api.action("DescribeDomainDnssecInfo")
def describe_domain_dnssec_info(call: Call) -> dict[str, Any]:
    d = _domain(call)
    out: dict[str, Any] = {"DomainName": d.name, "Status": d.dnssec}
    if d.dnssec == "ON":  # the key material "is returned if DNSSEC is enabled"
        digest = secrets.token_hex(32).upper()
        out.update({"Algorithm": "13", "DigestType": "SHA256", "Digest": digest, "KeyTag": "2371",
                    "Flags": "257 (KSK)", "PublicKey": secrets.token_urlsafe(64),
                    "DsRecord": f"{d.name}. 3600 IN DS 2371 13 2 {digest}"})
    return out


@api.action("SetDomainDnssecStatus", write=True)
def set_domain_dnssec_status(call: Call) -> dict[str, Any]:
    d = _domain(call)
    status = require(call.params, "Status")
    if status not in DNSSEC:
        raise ApiError("InvalidParameter.Status", f"Invalid Status: {status}", 400)
    d.dnssec = status
    return {}


@api.action("AddDomainRecord", write=True)
def add_domain_record(call: Call) -> dict[str, Any]:
    d = _domain(call)
    r = Record(rr=require(call.params, "RR"), type=require(call.params, "Type"), value=require(call.params, "Value"),
               ttl=int_param(call.params, "TTL", 600, 1, 86400), line=call.params.get("Line") or "default",
               created=call.now())
    d.records.append(r)
    call.touch("ACS::Alidns::Record", r.id)
    return {"RecordId": r.id}


@api.action("DeleteDomainRecord", write=True)
def delete_domain_record(call: Call) -> dict[str, Any]:
    rid = require(call.params, "RecordId")
    for d in call.acct.alidns.domains:
        for r in d.records:
            if r.id == rid:
                d.records.remove(r)
                call.touch("ACS::Alidns::Record", rid)
                return {"RecordId": rid}
    raise ApiError("DomainRecordNotBelongToUser", f"The record {rid} does not belong to this account.", 400)  # ours


PRODUCT = Product("alidns", api=api, state=AlidnsState)
