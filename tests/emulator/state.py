"""The emulated cloud: accounts with their resources, STS sessions, the clock and fault settings.

A scenario file (YAML, see README.md) is parsed into these pydantic models; the product modules
own their part of an account (``products/<name>.py``), this module composes them.
"""

from __future__ import annotations

import random
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .clock import Clock, parse_time
from .products.actiontrail import ActionTrailState
from .products.cs import CsState
from .products.ecs import EcsState
from .products.fc import FcState
from .products.kms import KmsState
from .products.oss import OssState
from .products.ram import AccessKey, RamState
from .products.rds import RdsState
from .products.resourcemanager import ResourceDirectory
from .products.sas import SasState
from .products.sls import SlsState
from .products.vpc import VpcState

DEFAULT_REGIONS = ["cn-hangzhou", "cn-shanghai", "cn-beijing", "ap-southeast-1"]


class Root(BaseModel):
    """The account's root identity (the Alibaba Cloud account itself)."""

    access_keys: list[AccessKey] = Field(default_factory=list)
    mfa_bound: bool = True
    last_login: datetime | None = None
    created: datetime = datetime(2020, 1, 1)


class Metadata(BaseModel):
    """What the ECS instance metadata service answers: this machine's instance and its RAM role."""

    instance_id: str = "i-emulator0001"
    region: str = "cn-hangzhou"
    role_name: str | None = None
    http_tokens: str = "optional"  # optional | required (security-hardening mode: IMDSv2 only)


class Account(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = "1234567890123456"
    alias: str = "sample"
    name: str = ""
    status: str = "CreateSuccess"
    # a suspended account (overdue, closed, frozen by risk control): every request signed by one of its
    # credentials and every AssumeRole into it fails with Forbidden.AccountSuspended (auth.py, sts.py)
    suspended: bool = False
    regions: list[str] = Field(default_factory=lambda: list(DEFAULT_REGIONS))
    root: Root = Field(default_factory=Root)
    metadata: Metadata = Field(default_factory=Metadata)
    ram: RamState = Field(default_factory=RamState)
    actiontrail: ActionTrailState = Field(default_factory=ActionTrailState)
    oss: OssState = Field(default_factory=OssState)
    sls: SlsState = Field(default_factory=SlsState)
    fc: FcState = Field(default_factory=FcState)
    cs: CsState = Field(default_factory=CsState)
    rds: RdsState = Field(default_factory=RdsState)
    kms: KmsState = Field(default_factory=KmsState)
    ecs: EcsState = Field(default_factory=EcsState)
    vpc: VpcState = Field(default_factory=VpcState)
    sas: SasState = Field(default_factory=SasState)
    events: list[dict[str, Any]] = Field(default_factory=list)  # ActionTrail events, newest last


class Faults(BaseModel):
    """Faults on demand. Rate limits are calls per second per API key 'product:Action' ('*' = any)."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: float = 0
    rate_limits: dict[str, float] = Field(default_factory=dict)
    throttle_retry_after_ms: int | None = None  # set: throttling answers carry x-acs-retry-after
    error_rate: float = 0.0  # fraction of calls answered with a 5xx
    slow_rate: float = 0.0  # fraction of calls delayed by slow_ms more (past a client's read timeout)
    slow_ms: float = 0
    seed: int = 0
    regions_down: list[str] = Field(default_factory=list)
    sts_max_lifetime_seconds: int | None = None  # issued STS credentials expire after this, whatever was asked
    # IMS GenerateCredentialReport is asynchronous (State STARTED -> INPROGRESS -> COMPLETED): the report is
    # ready this many real seconds after generation starts, and GetCredentialReport refuses until then
    credential_report_seconds: float = 0.2


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clock: datetime | None = None  # start time; omitted = real time
    authorization: bool = True  # evaluate RAM policies of the caller on every request
    # OSS bucket policies' acs:SecureTransport: the emulator has no TLS and stands for the cloud reached over HTTPS
    # (aliaudit's default protocol), so requests count as HTTPS; false: they count as plain HTTP (README.md)
    secure_transport: bool = True
    faults: Faults = Field(default_factory=Faults)
    accounts: list[Account] = Field(default_factory=lambda: [Account()])
    # the organisation (Resource Directory) these accounts form, if any: products/resourcemanager.py
    resource_directory: ResourceDirectory | None = None

    @model_validator(mode="after")
    def _directory_members_exist(self) -> Scenario:
        if self.resource_directory is not None:
            self.resource_directory.check_accounts({a.id for a in self.accounts})
        return self

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        if str(path).endswith(".json"):  # generated accounts (generate.py): JSON parses far faster than YAML
            return cls.model_validate_json(Path(path).read_text())
        return cls.from_yaml(Path(path).read_text())

    @classmethod
    def from_yaml(cls, text: str) -> Scenario:
        return cls.model_validate(yaml.safe_load(text) or {})


@dataclass
class StsSession:
    access_key_id: str
    secret: str
    token: str
    expiration: datetime
    account_id: str
    role_name: str
    session_name: str
    source_arn: str
    policy: dict[str, Any] | None = None

    @property
    def arn(self) -> str:
        return f"acs:ram::{self.account_id}:assumed-role/{self.role_name.lower()}/{self.session_name}"


@dataclass
class World:
    """Everything the emulator holds; one lock guards state changes."""

    scenario: Scenario = field(default_factory=Scenario)
    clock: Clock = field(default_factory=Clock)
    lock: threading.RLock = field(default_factory=threading.RLock)
    sessions: dict[str, StsSession] = field(default_factory=dict)
    imds_tokens: dict[str, float] = field(default_factory=dict)
    nonces: set[str] = field(default_factory=set)
    calls: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)
    admitted: Counter[str] = field(default_factory=Counter)  # "account/product:Action" past the rate limits
    spans: dict[str, list[float]] = field(default_factory=dict)  # "product:Action" -> [first, last] admitted (time)
    rng: random.Random = field(default_factory=random.Random)
    extras: dict[str, Any] = field(default_factory=dict)  # product runtime state (logs, invocations...)
    address: str = ""  # http://127.0.0.1:PORT once serving; FC workers point their SDKs here
    # "product:Action" -> the first successful answers (None: not recording); the wire-type and corpus
    # tests read them through GET /_emulator/responses
    recording: dict[str, list[dict[str, Any]]] | None = None
    recording_limit: int = 3

    def record_response(self, key: str, req: Any, response: Any) -> None:
        if response.status >= 300:
            return
        with self.lock:
            if self.recording is None:
                return
            kept = self.recording.setdefault(key, [])
            if len(kept) < self.recording_limit:
                kept.append({"method": req.method, "path": req.raw_path, "params": req.params,
                             "status": response.status,
                             "content_type": response.headers.get("Content-Type", ""),
                             "body": response.body.decode("utf-8", "replace")})

    def load(self, scenario: Scenario) -> None:
        with self.lock:
            self.scenario = scenario
            self.sessions.clear()
            self.imds_tokens.clear()
            self.nonces.clear()
            self.calls.clear()
            self.throttled.clear()
            self.admitted.clear()
            self.spans.clear()
            self.extras.clear()
            self.recording = None
            self.rng.seed(scenario.faults.seed)
            if scenario.clock:
                self.clock.set(parse_time(scenario.clock))
            else:
                self.clock = Clock()

    @property
    def accounts(self) -> dict[str, Account]:
        return {a.id: a for a in self.scenario.accounts}

    @property
    def primary(self) -> Account:
        return self.scenario.accounts[0]

    def account(self, account_id: str) -> Account | None:
        return self.accounts.get(account_id)

    def new_session(self, *, account_id: str, role_name: str, session_name: str, source_arn: str,
                    duration: int, policy: dict[str, Any] | None = None) -> StsSession:
        cap = self.scenario.faults.sts_max_lifetime_seconds
        lifetime = min(duration, cap) if cap else duration
        from datetime import timedelta

        s = StsSession(access_key_id="STS.NT" + secrets.token_hex(12), secret=secrets.token_urlsafe(30),
                       token="CAIS" + secrets.token_urlsafe(96),
                       expiration=self.clock.now().replace(microsecond=0) + timedelta(seconds=lifetime),
                       account_id=account_id, role_name=role_name, session_name=session_name,
                       source_arn=source_arn, policy=policy)
        with self.lock:
            self.sessions[s.access_key_id] = s
        return s
