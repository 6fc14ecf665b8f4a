"""The emulated cloud: accounts with their resources, STS sessions, the clock and fault settings.

A scenario file (YAML, see README.md) is parsed into these pydantic models; the product modules
own their part of an account (``products/<name>.py``): ``Account`` and ``Scenario`` get one section per
registered product (``Product.state``, ``Product.scenario_section``, see products/__init__.py), so a new
product needs no change here.
"""

from __future__ import annotations

import random
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from .clock import Clock, parse_time
from .products import registry
from .products.ram import AccessKey  # the root's keys have the shape of a RAM user's

DEFAULT_REGIONS = ["cn-hangzhou", "cn-shanghai", "cn-beijing", "ap-southeast-1"]


class Root(BaseModel):
    """The account's root identity (the Alibaba Cloud account itself)."""

    access_keys: list[AccessKey] = Field(default_factory=list)
    mfa_bound: bool = True
    last_login: datetime | None = None
    created: datetime = datetime(2020, 1, 1)


class AccountBase(BaseModel):
    """An account's own fields; ``Account`` adds one section per product (``account.ram``, ``account.fc``...)."""

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
    events: list[dict[str, Any]] = Field(default_factory=list)  # ActionTrail events, newest last

    if TYPE_CHECKING:
        # the products' sections are fields added at import (below): typed Any for the type checker
        def __getattr__(self, name: str) -> Any: ...


def _account_model() -> type[AccountBase]:
    sections: dict[str, Any] = {p.name: (p.state, Field(default_factory=p.state))
                                for p in registry().values() if p.state is not None}
    return create_model("Account", __base__=AccountBase, __module__=__name__, **sections)


if TYPE_CHECKING:
    Account = AccountBase
else:
    Account = _account_model()


class Faults(BaseModel):
    """Faults on demand. Rate limits are calls per second per API key 'product:Action' ('*' = any)."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: float = 0
    rate_limits: dict[str, float] = Field(default_factory=dict)
    throttle_retry_after_ms: int | None = None  # set: throttling answers carry x-acs-retry-after
    error_rate: float = 0.0  # fraction of calls answered with a 5xx
    # "product:Action" -> how many of its next calls lose their connection once served: the call takes effect, its
    # answer never comes (a connection reset in flight; products served in the server's loop, not FC's blocking calls)
    resets: dict[str, int] = Field(default_factory=dict)
    slow_rate: float = 0.0  # fraction of calls delayed by slow_ms more (past a client's read timeout)
    slow_ms: float = 0
    seed: int = 0
    regions_down: list[str] = Field(default_factory=list)
    sts_max_lifetime_seconds: int | None = None  # issued STS credentials expire after this, whatever was asked
    # IMS GenerateCredentialReport is asynchronous (State STARTED -> INPROGRESS -> COMPLETED): the report is
    # ready this many real seconds after generation starts, and GetCredentialReport refuses until then
    credential_report_seconds: float = 0.2


class ScenarioBase(BaseModel):
    """A scenario's own fields; ``Scenario`` adds the products' scenario-level sections (resource_directory)."""

    model_config = ConfigDict(extra="forbid")

    clock: datetime | None = None  # start time; omitted = real time
    authorization: bool = True  # evaluate RAM policies of the caller on every request
    # OSS bucket policies' acs:SecureTransport: the emulator has no TLS and stands for the cloud reached over HTTPS
    # (aliaudit's default protocol), so requests count as HTTPS; false: they count as plain HTTP (README.md)
    secure_transport: bool = True
    faults: Faults = Field(default_factory=Faults)
    accounts: list[Account] = Field(default_factory=lambda: [Account()])
    # product (as routed: polardb, kvstore, ...) -> regions where it is not offered: its region API leaves them out
    # and its endpoint there does not exist (regions.offered_regions, app.py)
    not_offered: dict[str, list[str]] = Field(default_factory=dict)

    if TYPE_CHECKING:
        def __getattr__(self, name: str) -> Any: ...  # the products' scenario-level sections

    @model_validator(mode="after")
    def _product_checks(self) -> ScenarioBase:
        for p in registry().values():  # checks across the scenario (e.g. directory members are its accounts)
            if p.check is not None:
                p.check(self)
        return self

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        if str(path).endswith(".json"):  # generated accounts (generate.py): JSON parses far faster than YAML
            return cls.model_validate_json(Path(path).read_text())
        return cls.from_yaml(Path(path).read_text())

    @classmethod
    def from_yaml(cls, text: str) -> Scenario:
        return cls.model_validate(yaml.safe_load(text) or {})


def _scenario_model() -> type[ScenarioBase]:
    sections: dict[str, Any] = {p.scenario_section[0]: p.scenario_section[1:]
                                for p in registry().values() if p.scenario_section is not None}
    return create_model("Scenario", __base__=ScenarioBase, __module__=__name__, **sections)


if TYPE_CHECKING:
    Scenario = ScenarioBase
else:
    Scenario = _scenario_model()


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
    # past the rate limits, per quota: "account/product:Action", "...@region" for per-region limits (faults.quota_key)
    admitted: Counter[str] = field(default_factory=Counter)
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
