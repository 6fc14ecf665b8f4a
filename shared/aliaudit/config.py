"""Audit thresholds in one model, with CIS Alibaba Cloud Foundations v2.0.0 defaults, overridable by a
YAML file (`--config`) and validated with clear errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from . import safeyaml
from .errors import ConfigError, field_path
from .sas_vulns import VUL_TYPES

RISKY_PORTS = [22, 3389, 3306, 5432, 1433, 6379, 9200, 27017, 11211]  # TCP
# UDP services open to the internet are abused for reflection/amplification: DNS 53, NTP 123, SNMP 161, the SQL
# Server Browser 1434 and memcached 11211 (CISA alert TA14-017A "UDP-Based Amplification Attacks",
# https://www.cisa.gov/news-events/alerts/2014/01/17/udp-based-amplification-attacks)
RISKY_UDP_PORTS = [53, 123, 161, 1434, 11211]
# ecs_security_group_risky_ports_restricted: "<TCP|UDP> <port>[-<port>] <service>" each; services that mass scanners
# and worms look for (issue 20 candidate #1, and the ports of CloudSploit's Alibaba ECS open-port plugins, e.g.
# plugins/alibaba/ecs/openCIFS.js UDP 445, openVNCClient.js TCP 5500, openOracleAutoDataWarehouse.js TCP 1522)
SECURITY_GROUP_RISKY_PORTS = [
    "TCP 20-21 FTP", "TCP 23 Telnet", "TCP 25 SMTP", "UDP 53 DNS", "TCP 135-139 NetBIOS", "UDP 135-139 NetBIOS",
    "TCP 445 SMB", "UDP 445 CIFS", "TCP 1433 MSSQL", "UDP 1434 MSSQL-Browser", "TCP 1521 Oracle",
    "TCP 1522 Oracle-ADW", "TCP 2375-2376 Docker", "TCP 2379 etcd", "TCP 3306 MySQL", "TCP 4505-4506 Salt",
    "TCP 5432 PostgreSQL", "TCP 5500 VNC-Client", "TCP 5601 Kibana", "TCP 5900 VNC", "TCP 6379 Redis",
    "TCP 8020 Hadoop-NameNode", "TCP 50070 Hadoop-WebUI", "TCP 9092 Kafka", "TCP 9200 Elasticsearch",
    "TCP 11211 Memcached", "UDP 11211 Memcached", "TCP 27017 MongoDB"]
MAX_RISKY_RANGE = 256
_RISKY_SERVICE = re.compile(r"^(TCP|UDP) ([0-9]{1,5})(?:-([0-9]{1,5}))? (\S+)$")


def parse_risky_service(text: str) -> tuple[str, int, int, str]:
    """'TCP 20-21 FTP' -> ('TCP', 20, 21, 'FTP'); ValueError when malformed."""
    m = _RISKY_SERVICE.match(text.strip())
    if not m:
        raise ValueError(f"expected '<TCP|UDP> <port>[-<port>] <service>', got {text!r}")
    lo = int(m.group(2))
    hi = int(m.group(3) or lo)
    if not 1 <= lo <= hi <= 65535:
        raise ValueError(f"port range out of 1-65535 or reversed: {text!r}")
    if hi - lo >= MAX_RISKY_RANGE:  # each port is probed against every rule
        raise ValueError(f"a range of more than {MAX_RISKY_RANGE} ports: {text!r}")
    return m.group(1), lo, hi, m.group(4)


def _risky_services(value: list[str]) -> list[str]:
    for v in value:
        parse_risky_service(v)
    return value


RiskyServices = Annotated[list[str], AfterValidator(_risky_services)]
# every numeric threshold is bounded: a value beyond these is a typo, and would overflow date arithmetic
MAX_DAYS = 36500  # 100 years
MAX_HOURS = 24 * MAX_DAYS
Port = Annotated[int, Field(ge=1, le=65535)]
# Security Center notification items for CIS 8.5's high-risk categories: vulnerabilities (and urgent
# ones), baseline risks, alerts, AccessKey leaks and configuration assessment. Vulnerabilities are
# yundun_security_Weekreport, the item ModifyNoticeConfig documents today ("notification for vulnerabilities");
# sas_vulnerability, its older name, is read where an account does not answer it (checks/securitycenter.py)
SAS_HIGH_RISK_NOTICES = ["yundun_security_Weekreport", "yundun_sas_vul_Emergency", "sas_healthcheck",
                         "sas_suspicious", "yundun_sas_ak_leakage", "yundun_sas_config_alert"]


class PasswordPolicyThresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minimum_length: int = Field(14, ge=8, le=32)  # CIS 1.11
    reuse_prevention: int = Field(5, ge=1, le=24)  # CIS 1.12: remember at least this many
    # CIS 1.13 (v2 audit: Max Age 'either disabled or greater than 365'): MaxPasswordAge 0 (expiry disabled) or
    # >= this passes ram_password_policy_max_age; ram_password_policy_expiry_enabled (no CIS id) fails 0
    max_age_days: int = Field(365, ge=0, le=1095)
    max_login_attempts: int = Field(5, ge=1, le=32)  # CIS 1.14: lock after at most this many


class AuditConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    access_key_max_age_days: int = Field(90, ge=1, le=MAX_DAYS)  # CIS 1.6
    access_key_unused_days: int = Field(90, ge=1, le=MAX_DAYS)  # keys unused this long should be removed
    console_inactivity_days: int = Field(90, ge=1, le=MAX_DAYS)  # CIS 1.5
    password_policy: PasswordPolicyThresholds = Field(default_factory=PasswordPolicyThresholds)
    log_retention_days: int = Field(365, ge=1, le=MAX_DAYS)  # SLS logstores holding audit logs
    audit_retention_days: int = Field(180, ge=1, le=MAX_DAYS)  # CIS: ActionTrail / audit log retention
    risky_ports: list[Port] = Field(default_factory=lambda: list(RISKY_PORTS))  # TCP
    risky_udp_ports: list[Port] = Field(default_factory=lambda: list(RISKY_UDP_PORTS))
    # ecs_security_group_risky_ports_restricted: each "<TCP|UDP> <port>[-<port>] <service>" (ranges of at most a
    # few ports: each port is probed)
    security_group_risky_ports: RiskyServices = Field(default_factory=lambda: list(SECURITY_GROUP_RISKY_PORTS))
    public_port_range_max: int = Field(100, ge=1, le=65535)  # CIS 3.5: wider internet-open ranges aren't fine-grained
    access_key_event_days: int = Field(7, ge=1, le=90)  # ActionTrail look-back for AccessKeys used from ECS
    rds_backup_retention_days: int = Field(7, ge=1, le=MAX_DAYS)
    kms_rotation_days: int = Field(365, ge=1, le=MAX_DAYS)
    ack_inspection_max_age_days: int = Field(7, ge=1, le=MAX_DAYS)  # CIS 7.4: a cluster check at least once a week
    # Security Center (CIS 8.x): the SAS endpoint region for account-level settings (cn-shanghai for the
    # China site, ap-southeast-1 for the international site); assets are read per audited region.
    security_center_region: str = "cn-shanghai"
    security_center_notices: list[str] = Field(default_factory=lambda: list(SAS_HIGH_RISK_NOTICES))  # CIS 8.5
    # CIS 8.7 "Ensure that all type of vulnerabilities is enabled": every type DescribeVulConfig documents as a
    # vulnerability type (cve, sys, cms, app, emg; yum / scanMode / imageVulClean are settings)
    security_center_vul_types: list[str] = Field(default_factory=lambda: list(VUL_TYPES))
    security_center_vul_levels: list[str] = Field(default_factory=lambda: ["asap", "later"])  # CIS 8.7: high, medium
    security_center_fingerprint_max_hours: int = Field(24, ge=1, le=MAX_HOURS)  # CIS 8.8: collect at least daily
    report_buckets: list[str] = Field(default_factory=list)  # OSS buckets the auditor writes reports to

    @classmethod
    def load(cls, path: str | Path | None) -> AuditConfig:
        if path is None:
            return cls()
        p = Path(path)
        data = _read(p)
        data.pop("accounts", None)  # which accounts to audit: accounts.AccountsSpec reads it
        try:
            return cls.model_validate(data.get("thresholds", data))
        except ValidationError as err:
            first = err.errors()[0]
            field = field_path(first["loc"], "thresholds")
            raise ConfigError(f"config file {p}: {field}: {first['msg']}") from None

    @staticmethod
    def accounts_section(path: str | Path) -> object:
        """The config file's `accounts:` value (None when absent), validated by accounts.AccountsSpec."""
        return _read(Path(path)).get("accounts")


MAX_BYTES = 1 << 20  # a thresholds file is a few hundred bytes


def _read(p: Path) -> dict[str, object]:
    """The file's mapping, read with the product's bounded YAML loader (safeyaml: size, depth, aliases)."""
    try:
        data, _ = safeyaml.read(p, max_bytes=MAX_BYTES)
    except OSError as err:
        raise ConfigError(f"cannot read config file {p}: {err.strerror}") from None
    except safeyaml.YamlProblem as err:
        raise ConfigError(f"config file {p}: {err}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {p}: expected a mapping of settings")
    return data
