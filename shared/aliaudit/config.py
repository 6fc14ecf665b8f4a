"""Audit thresholds in one model, with CIS Alibaba Cloud Foundations v2.0.0 defaults, overridable by a
YAML file (`--config`) and validated with clear errors."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ConfigError

RISKY_PORTS = [22, 3389, 3306, 5432, 1433, 6379, 9200, 27017, 11211]


class PasswordPolicyThresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minimum_length: int = Field(14, ge=8, le=32)  # CIS 1.11
    reuse_prevention: int = Field(5, ge=1, le=24)  # CIS 1.12: remember at least this many
    max_age_days: int = Field(365, ge=0, le=1095)  # CIS 1.13 (v2): expiry disabled, or >= this
    max_login_attempts: int = Field(5, ge=1, le=32)  # CIS 1.14: lock after at most this many


class AuditConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    access_key_max_age_days: int = Field(90, ge=1)  # CIS 1.6
    access_key_unused_days: int = Field(90, ge=1)  # keys unused this long should be removed
    console_inactivity_days: int = Field(90, ge=1)  # CIS 1.5
    password_policy: PasswordPolicyThresholds = Field(default_factory=PasswordPolicyThresholds)
    log_retention_days: int = Field(365, ge=1)  # SLS logstores holding audit logs
    audit_retention_days: int = Field(180, ge=1)  # CIS: ActionTrail / audit log retention
    risky_ports: list[int] = Field(default_factory=lambda: list(RISKY_PORTS))
    rds_backup_retention_days: int = Field(7, ge=1)
    kms_rotation_days: int = Field(365, ge=1)

    @classmethod
    def load(cls, path: str | Path | None) -> AuditConfig:
        if path is None:
            return cls()
        p = Path(path)
        try:
            data = yaml.safe_load(p.read_text()) or {}
        except OSError as err:
            raise ConfigError(f"cannot read config file {p}: {err.strerror}") from None
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f" (line {mark.line + 1})" if mark else ""
            raise ConfigError(f"config file {p} is not valid YAML{where}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"config file {p}: expected a mapping of settings")
        try:
            return cls.model_validate(data.get("thresholds", data))
        except ValidationError as err:
            first = err.errors()[0]
            field = ".".join(str(x) for x in first["loc"])
            raise ConfigError(f"config file {p}: {field}: {first['msg']}") from None
