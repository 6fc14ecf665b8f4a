"""What travels between the functions (small: the async payload limit is 128 KB) and what is stored; and
the parsers that turn untrusted bytes (an invocation payload, an object read back from OSS) into them,
raising PayloadError with a one-line reason instead of letting a malformed input crash a function."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..accounts import AccountsSpec, Target
from ..errors import field_path
from ..findings import Finding

# Run ids, families and regions become OSS keys (runs/<run_id>/parts/<family>/<region>.json): keep them plain.
RUN_ID = r"^(daily|event|manual)-[A-Za-z0-9_-]{1,80}$"  # no '.': no '..' segment in a key
FAMILY = r"^[a-z0-9_]{1,40}$"
REGION = r"^[a-z0-9-]{1,40}$"  # or 'global'
ACCOUNT = r"^(\d{16})?$"


class PayloadError(ValueError):
    """A payload or stored object is malformed; the function logs the reason and ignores it."""


class Part(BaseModel):
    """One unit of work: a family in a region ('global' for global families), in the run's own account or (an
    organisation run) in a member account."""

    model_config = ConfigDict(frozen=True)

    family: str = Field(pattern=FAMILY)
    region: str = Field(pattern=REGION)
    account: str = Field("", pattern=ACCOUNT)  # '' = the run's own account

    def label(self) -> str:
        return f"{self.account + '/' if self.account else ''}{self.family}/{self.region}"


class Manifest(BaseModel):
    run_id: str = Field(pattern=RUN_ID)
    account_id: str
    created: str  # ISO time, UTC
    kind: str  # daily | event
    regions: list[str]
    check_ids: list[str]
    parts: list[Part]
    resource_ids: list[str] = Field(default_factory=list)  # event runs: only these resources' findings count
    # event runs: the resources by kind (runtime/targets.py), which the collectors read one at a time
    resources: dict[str, list[str]] = Field(default_factory=dict)
    trigger: dict[str, str] = Field(default_factory=dict)  # what started it (timer name, event name and id)
    # organisation runs: the accounts (each part names one) and how their audit roles are assumed
    accounts: list[Target] = Field(default_factory=list)
    accounts_spec: AccountsSpec | None = None
    # checks run by another family's worker (placement.runs_with): check id -> that family
    runs_with: dict[str, str] = Field(default_factory=dict)
    # a run of part of the catalogue, regions or accounts: merged into latest/ like an event run, never replacing it
    narrowed: bool = False
    # family -> the run's regions where its product is not offered (offered.not_offered): no part, no checks there
    not_offered: dict[str, list[str]] = Field(default_factory=dict)
    # this run's nonce (parts.run_nonce): the key of its part seals derives from it (parts.seal_key); '' = a run
    # planned before parts were sealed
    nonce: str = Field("", pattern=r"^([0-9a-f]{32})?$")
    mac: str = ""  # HMAC-SHA256 of the rest under ALIAUDIT_RUN_SECRET (manifest_mac), when the deployment has one

    def target(self, account: str) -> Target | None:
        return next((t for t in self.accounts if t.account_id == account), None)

    def worker_family(self, check_id: str) -> str:
        """The family whose worker runs the check (and whose parts hold its findings)."""
        return self.runs_with.get(check_id) or check_id.split("_", 1)[0]  # (a check's family: its id's prefix)


class WorkerTask(BaseModel):
    """A family's parts of a run: every one (region None: what the dispatcher sends), or the one in region."""

    run_id: str = Field(pattern=RUN_ID)
    family: str = Field(pattern=FAMILY)
    region: str | None = Field(None, pattern=REGION)
    account: str = Field("", pattern=ACCOUNT)  # organisation runs: the member account this task audits


class PartHeader(BaseModel):
    """The first line of a stored part; one finding per line follows (JSON lines: written and read one finding
    at a time, however large the part)."""

    run_id: str
    family: str
    region: str
    calls: int = 0
    findings: int = Field(ge=0)  # how many lines follow: a shorter part is truncated
    seal: str = ""  # HMAC-SHA256 of this header (without the seal) and every finding line, with the run's seal key
    # organisation runs: the member account (the seal covers it: a sealed part of one account copied over another's
    # would otherwise replace that account's findings, or stand for an account never audited)
    account: str = Field("", pattern=ACCOUNT)

    def signed(self) -> bytes:
        # (a single-account part signs the same bytes as before the account was part of the header)
        return self.model_dump_json(exclude={"seal"} | (set() if self.account else {"account"})).encode()


def new_seal(key: bytes, header: PartHeader) -> hmac.HMAC:
    """The running HMAC of a part: the header first, then each finding line (newline-terminated) as written."""
    return hmac.new(key, header.signed(), hashlib.sha256)


class AggregationRequest(BaseModel):
    """{"run_id": ...} from a worker, or a sweep (the timer, or {"sweep": true})."""

    run_id: str | None = Field(None, pattern=RUN_ID)
    sweep: bool = False


def _reason(err: ValidationError) -> str:
    first = err.errors()[0]
    where = field_path(first["loc"])
    return f"{where}: {first['msg']}"


MAX_REQUEST_BYTES = 64 << 10  # a worker task or an aggregation request: a few hundred bytes


def _json(raw: bytes | str, what: str) -> Any:
    if len(raw or b"") > MAX_REQUEST_BYTES:
        raise PayloadError(f"{what} is larger than {MAX_REQUEST_BYTES >> 10} KiB: not read")
    try:
        return json.loads(raw or b"{}")
    except (ValueError, RecursionError) as err:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise PayloadError(f"{what} is not JSON ({str(err)[:120]})") from None


def parse_task(raw: bytes | str) -> WorkerTask:
    data = _json(raw, "the worker task")
    if not isinstance(data, dict):
        raise PayloadError("the worker task is not a JSON object")
    try:
        return WorkerTask.model_validate(data)
    except ValidationError as err:
        raise PayloadError(f"malformed worker task: {_reason(err)}") from None


def parse_aggregation(raw: bytes | str) -> AggregationRequest:
    data = _json(raw, "the aggregation request")
    if isinstance(data, dict) and "triggerName" in data:  # the sweep timer
        return AggregationRequest(sweep=True)
    if not isinstance(data, dict):
        raise PayloadError("the aggregation request is not a JSON object")
    try:
        request = AggregationRequest.model_validate(data)
    except ValidationError as err:
        raise PayloadError(f"malformed aggregation request: {_reason(err)}") from None
    if not request.sweep and request.run_id is None:
        raise PayloadError('expected {"run_id": ...} or {"sweep": true}')
    return request


def manifest_mac(secret: str, data: dict[str, Any]) -> str:
    """The manifest's MAC under the deployment's secret, over its canonical JSON without the mac itself."""
    body = json.dumps({k: v for k, v in data.items() if k != "mac"}, sort_keys=True, separators=(",", ":"))
    return hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()


# The user metadata header every JSON object the runtime stores carries (RunStore.put_text): object_mac
OBJECT_MAC = "x-oss-meta-aliaudit-mac"


def object_mac(secret: str, key: str, raw: bytes) -> str:
    """The MAC of a stored object's key and bytes under the deployment's secret, checked before the bytes are parsed:
    JSON planted in the bucket (anyone who can write there: docs/security.md) is never parsed, so a few MiB of nested
    arrays cannot take the function's memory (parsed, JSON takes up to 24 times its size)."""
    mac = hmac.new(secret.encode(), b"aliaudit-object\0" + key.encode() + b"\0", hashlib.sha256)
    mac.update(raw)
    return mac.hexdigest()


def with_mac(secret: str, data: dict[str, Any]) -> dict[str, Any]:
    """A stored object (manifest, dispatch mark) as this deployment writes it: with its MAC."""
    if not secret:  # (settings.run_secret requires it: never an object anyone could have written)
        raise ValueError("no run secret to sign with")
    return {**data, "mac": manifest_mac(secret, data)}


def mac_matches(secret: str, data: Any) -> bool:
    """Whether a stored object read back carries this deployment's MAC (never, without a secret)."""
    return bool(secret) and isinstance(data, dict) and hmac.compare_digest(str(data.get("mac", "")),
                                                                          manifest_mac(secret, data))


def parse_manifest(data: Any, run_id: str, secret: str) -> Manifest:
    """A stored manifest, only one this deployment's dispatcher wrote (its MAC under the deployment's secret
    matches and it has a nonce): a manifest planted in the bucket cannot choose a run's parts or seal key."""
    if not (mac_matches(secret, data) and data.get("nonce")):
        raise PayloadError(f"the manifest of run {run_id} was not written by this deployment (its MAC does not "
                           "match)")
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as err:
        raise PayloadError(f"the manifest of run {run_id} is malformed: {_reason(err)}") from None
    if manifest.run_id != run_id:
        raise PayloadError(f"the manifest of run {run_id} names run {manifest.run_id}")
    return manifest


MAX_LINE_BYTES = 16 << 20  # a part's line is one finding or its header, a few KiB
MAX_HEADER_BYTES = 64 << 10  # a part's first line, its header: a few hundred bytes


def file_lines(fh: BinaryIO, limit: int = MAX_LINE_BYTES) -> Iterator[bytes]:
    """A file's lines, each read at most `limit` bytes long: PayloadError at a longer one (a planted part's single
    line must not be read whole into memory)."""
    while line := fh.readline(limit + 1):
        if len(line) > limit:
            raise PayloadError(f"a line is longer than {limit >> 20} MiB: not read")
        yield line


def read_part(lines: Iterable[bytes], run_id: str, part: Part,
              key: bytes | None = None, *, parse: bool = True) -> tuple[int, Iterator[Finding]]:
    """A stored part, line by line: its API call count and its findings, each validated as it is read. Raises
    PayloadError (the iterator too, at the line) when the part is malformed, truncated or another part's, or,
    given the run's seal key, when its seal does not match (not written by this run's worker: a planted or
    altered part). parse=False checks the seal alone: the iterator yields nothing (no finding parsed), so a
    first pass over a part proves it the worker's before a second one parses what it holds."""
    name = f"the {part.family}/{part.region} part of run {run_id}"
    it = iter(lines)
    first = next(it, b"")
    try:
        head = json.loads(first) if len(first) <= MAX_HEADER_BYTES else None
    except (ValueError, RecursionError):
        head = None
    if not isinstance(head, dict) or "findings" not in head or isinstance(head["findings"], list):
        if key is not None:
            raise PayloadError(f"{name} carries no seal: it was not written by this run's worker")
        raise PayloadError(f"{name} is malformed: its first line is not a part header")
    try:
        header = PartHeader.model_validate(head)
    except ValidationError as err:
        raise PayloadError(f"{name} is malformed: {_reason(err)}") from None
    if (header.run_id, header.family, header.region, header.account) != (run_id, part.family, part.region,
                                                                           part.account):
        owner = f" of account {header.account}" if header.account or part.account else ""
        raise PayloadError(f"{name} holds {header.family}/{header.region}{owner} of run {header.run_id}")
    mac = new_seal(key, header) if key is not None else None

    def findings() -> Iterator[Finding]:
        n = 0
        for line in it:
            if not line.strip():
                continue
            n += 1
            if mac is not None:
                mac.update(line.rstrip(b"\n") + b"\n")
            if not parse:
                continue
            try:
                yield Finding.model_validate_json(line)
            except ValidationError as err:
                raise PayloadError(f"{name} is malformed: finding {n}: {_reason(err)}") from None
        if n != header.findings:
            raise PayloadError(f"{name} is truncated: {n} of its {header.findings} findings")
        if mac is not None and not hmac.compare_digest(mac.hexdigest(), header.seal):
            raise PayloadError(f"{name} was not written by this run's worker (its seal does not match)")

    return header.calls, findings()
