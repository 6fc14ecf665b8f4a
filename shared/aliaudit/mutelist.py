"""Mutelist: accepted risks. Muted findings stay in every output, marked with the reason; expired
entries stop muting and are reported.

```yaml
mutelist:
  - check: "ram_user_.*"        # RE2 regular expressions, matched against the whole value
    account: "1234567890123456" # default: any
    region: "cn-.*"             # default: any
    resource: "bob|ci-.*"       # default: any
    tags: {env: "dev|test"}     # the finding's resource tags (details 'tag:<key>'): each listed key present
    exceptions:                 # and matching; matches that stay unmuted:
      - {resource: "ci-prod"}
    reason: "contractor users are reviewed quarterly"   # required
    expires: 2027-01-31         # required; from that day on the entry no longer mutes
    all: false                  # true only when the entry is meant to mute every check (see below)
```

What a hostile or careless file cannot do (issue 21):
- patterns are RE2 (linear time: `(a+)+$` cannot hang a scan), at most MAX_PATTERN characters, compiled once;
- a pattern that matches the empty string (`prod|`, `dev*`) is refused: `.*`, what an absent field means,
  is the only one allowed; a `tags:` key matches only findings that carry that tag;
- an entry whose `check` pattern matches every check (or that has none) mutes every check of what it names,
  and is refused unless it says `all: true`;
- the file is read through safeyaml (size MAX_BYTES, nesting, alias expansion bounded), has at most
  MAX_ENTRIES entries, and every problem is one ConfigError naming the file, the line and the reason;
- entries are indexed by literal check id and resource id, so a file of 50,000 entries costs each finding a
  dictionary look-up and the few entries that can match it, not 50,000 regular expressions.

The file's SHA-256 (Mutelist.sha256) goes in the summary and the pipeline's logs, so a change is visible.
"""

from __future__ import annotations

import hashlib
import heapq
import re
import threading
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

import re2
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from . import safeyaml
from .errors import ConfigError, field_path
from .findings import Finding

MAX_BYTES = 16 << 20  # 50,000 entries are about 7 MB
MAX_ENTRIES = 100_000
MAX_PATTERN = 1000  # characters in one pattern
CACHE_MAX = 10_000  # compiled patterns kept for the process (each holds some kilobytes)
SET_MIN, SET_SIZE = 64, 1000  # from this many distinct check patterns on, they are matched in RE2 sets of SET_SIZE
ANY = ".*"
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # (RE2 would print every refused pattern on stderr)
_OPTIONS.never_capture = True
_OPTIONS.max_mem = 8 << 20  # a compiled pattern's memory (RE2 refuses larger ones: 'pattern too large')
# a pattern made of plain characters (or \-escaped punctuation) matches one value only: it is looked up
_LITERAL = re.compile(r"(?:[^\\.+*?()|\[\]{}^$]|\\[!-/:-@\[-`{-~])+")
_UNESCAPE = re.compile(r"\\(.)", re.S)
_META = frozenset("\\.+*?()|[]{}^$")

Match = Callable[[str], bool]
_COMPILED: dict[str, Match] = {}  # pattern -> its match function (patterns repeat: compiled once a process)


def _any(value: str) -> bool:
    return True


def compile_pattern(pattern: str) -> Match:
    """The whole-value match function of a mutelist pattern; ValueError (the message says why) when it is not a
    valid RE2 expression, is too long, or matches the empty string. The compiled expressions of the first
    CACHE_MAX patterns are kept (a pattern repeats across entries); beyond, each caller keeps its own."""
    found = _COMPILED.get(pattern)
    if found is not None:
        return found
    if pattern == ANY:
        return _any
    if len(pattern) > MAX_PATTERN:
        raise ValueError(f"a pattern may have at most {MAX_PATTERN} characters, not {len(pattern):,}")
    if "\x00" in pattern:
        raise ValueError("a pattern may not contain a NUL character")
    if not pattern:
        raise ValueError("an empty pattern matches only an empty value: leave the field out, or write '.*', to "
                         "match any value")
    literal = literal_of(pattern)
    if literal is not None:  # a plain string: compared, not matched (RE2 would read it the same)
        return literal.__eq__
    try:
        rx = re2.compile(pattern, _OPTIONS)
    except re2.error as err:
        text = err.args[0] if err.args else err
        reason = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        # RE2 quotes the offending part of the pattern as it is: keep the error on one line
        reason = reason.encode("unicode_escape").decode("ascii")[:200]
        raise ValueError(f"invalid regular expression {pattern[:80]!r} (RE2 syntax: no look-around or "
                         f"back-references): {reason}") from None
    if rx.fullmatch("") is not None:
        raise ValueError(f"{pattern[:80]!r} matches the empty string (a value it was not meant for, such as "
                         "a tag a finding does not have): leave the field out, or write '.*', to match any "
                         "value")
    fullmatch = rx.fullmatch

    def match(value: str) -> bool:
        try:
            return fullmatch(value) is not None
        except UnicodeEncodeError:  # a lone surrogate (JSON may carry one): RE2 matches UTF-8
            return fullmatch(value.encode("utf-8", "replace").decode("utf-8")) is not None

    if len(_COMPILED) < CACHE_MAX:
        _COMPILED[pattern] = match
    return match


def literal_of(pattern: str) -> str | None:
    """The one value a pattern matches, when it is a plain string (None for a regular expression)."""
    if "\\" not in pattern:  # (the common case, without the regular expressions)
        return pattern if pattern and _META.isdisjoint(pattern) else None
    return _UNESCAPE.sub(r"\1", pattern) if _LITERAL.fullmatch(pattern) else None


def _valid(value: str) -> str:
    compile_pattern(value)  # (beyond the cache, the compiled expression is dropped: compiled again when needed)
    return value


class Matcher(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account: str = ANY
    check: str = ANY
    region: str = ANY
    resource: str = ANY
    tags: dict[str, str] = Field(default_factory=dict)

    @field_validator("account", "check", "region", "resource")
    @classmethod
    def _regex(cls, value: str) -> str:
        return _valid(value)

    @field_validator("tags")
    @classmethod
    def _tag_regexes(cls, value: dict[str, str]) -> dict[str, str]:
        for key, pattern in value.items():
            try:
                _valid(pattern)
            except ValueError as err:
                raise ValueError(f"tag {key[:40]!r}: {err}") from None
        return value

    def matches(self, f: Finding) -> bool:
        pairs = [(self.account, f.account_id), (self.check, f.check_id), (self.region, f.region),
                 (self.resource, f.resource_id)]
        if not all(compile_pattern(p)(v) for p, v in pairs):
            return False
        return _tags_match([(k, compile_pattern(p)) for k, p in self.tags.items()], f)


def _tags_match(tags: list[tuple[str, Match]], f: Finding) -> bool:
    """Each listed tag present on the finding's resource, its value matching (a finding without the tag, or
    whose check does not read tags, is not matched)."""
    for key, match in tags:
        value = f.details.get(f"tag:{key}")
        if value is None or not match(value):
            return False
    return True


class Entry(Matcher):
    exceptions: list[Matcher] = Field(default_factory=list)
    reason: str = Field(min_length=1)
    expires: date
    all: bool = False  # the entry knowingly mutes every check (its check pattern matches them all)
    line: int = 0  # where the entry starts in the file, for messages


class _Compiled:
    """One entry, its patterns compiled."""

    __slots__ = ("account", "check", "entry", "exceptions", "region", "resource", "tags")

    def __init__(self, entry: Entry) -> None:
        self.entry = entry
        self.account = compile_pattern(entry.account)
        self.check = compile_pattern(entry.check)
        self.region = compile_pattern(entry.region)
        self.resource = compile_pattern(entry.resource)
        self.tags = [(k, compile_pattern(p)) for k, p in entry.tags.items()]
        self.exceptions = [(compile_pattern(x.account), compile_pattern(x.check), compile_pattern(x.region),
                            compile_pattern(x.resource), [(k, compile_pattern(p)) for k, p in x.tags.items()])
                           for x in entry.exceptions]

    def mutes(self, f: Finding) -> bool:
        """(check and resource are matched by the index.)"""
        if not (self.account(f.account_id) and self.region(f.region) and _tags_match(self.tags, f)):
            return False
        return not any(a(f.account_id) and c(f.check_id) and r(f.region) and res(f.resource_id) and _tags_match(t, f)
                       for a, c, r, res, t in self.exceptions)


class _Index:
    """The active entries, by literal check id (the others by check pattern), and within what one check id can
    match, by literal resource id: a finding is tested against the entries that can match it only, in file
    order (the first that mutes gives the reason). Entries are compiled when first needed."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self.compiled: list[_Compiled | None] = [None] * len(entries)
        self.by_check: dict[str, list[int]] = {}
        self.other: dict[str, list[int]] = {}  # check pattern (a regular expression, or any) -> its entries
        for n, e in enumerate(entries):
            literal = literal_of(e.check)
            if literal is None:
                self.other.setdefault(e.check, []).append(n)
            else:
                self.by_check.setdefault(literal, []).append(n)
        self.per_check: dict[str, tuple[dict[str, list[int]], list[int]]] = {}
        self.sets: list[tuple[Any, list[str]]] | None = None

    def _compiled(self, n: int) -> _Compiled:
        c = self.compiled[n]
        if c is None:
            c = self.compiled[n] = _Compiled(self.entries[n])
        return c

    def _checks_matching(self, check_id: str) -> list[str]:
        """The check patterns (regular expressions) that match a check id. Many distinct ones are matched in
        RE2 sets of SET_SIZE patterns (one pass over the id per set, not one per pattern)."""
        if len(self.other) < SET_MIN:
            return [p for p in self.other if compile_pattern(p)(check_id)]
        if self.sets is None:
            self.sets = _pattern_sets(list(self.other))
        out: list[str] = []
        for rx_set, patterns in self.sets:
            try:
                if rx_set is not None:
                    out += [patterns[i] for i in rx_set.Match(check_id)]
                    continue
            except UnicodeEncodeError:  # (a lone surrogate: the patterns one by one know what to do)
                pass
            out += [p for p in patterns if compile_pattern(p)(check_id)]
        return out

    def _for_check(self, check_id: str) -> tuple[dict[str, list[int]], list[int]]:
        """The entries that can match a check id: by literal resource id, and the rest (each in file order)."""
        found = self.per_check.get(check_id)
        if found is not None:
            return found
        lists = [self.by_check.get(check_id, [])] + [self.other[p] for p in self._checks_matching(check_id)]
        by_resource: dict[str, list[int]] = {}
        rest: list[int] = []
        for n in heapq.merge(*lists):
            literal = literal_of(self.entries[n].resource)
            if literal is None:
                rest.append(n)
            else:
                by_resource.setdefault(literal, []).append(n)
        found = self.per_check[check_id] = (by_resource, rest)
        return found

    def first(self, f: Finding) -> Entry | None:
        by_resource, rest = self._for_check(f.check_id)
        for n in heapq.merge(by_resource.get(f.resource_id, ()), rest):
            c = self._compiled(n)
            if c.resource(f.resource_id) and c.mutes(f):
                return c.entry
        return None


def _pattern_sets(patterns: list[str]) -> list[tuple[Any, list[str]]]:
    """The patterns in RE2 sets (whole-value matching) of SET_SIZE each; a set RE2 cannot build (its memory
    bound) is None: its patterns are matched one by one."""
    out: list[tuple[Any, list[str]]] = []
    for start in range(0, len(patterns), SET_SIZE):
        chunk = patterns[start:start + SET_SIZE]
        rx_set: Any = re2.Set.FullMatchSet(_OPTIONS)
        try:
            for p in chunk:
                rx_set.Add(ANY if p == ANY else p)
            rx_set.Compile()
        except re2.error:
            rx_set = None
        out.append((rx_set, chunk))
    return out


class Mutelist(BaseModel):
    entries: list[Entry] = Field(default_factory=list)
    source: str = ""
    sha256: str = ""  # of the file's bytes ("" without a file)
    size: int = 0  # the file's bytes
    _index: tuple[date, _Index] | None = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)  # (organisation scans apply from threads)

    def apply(self, findings: Iterable[Finding], today: date) -> list[Entry]:
        """Mark matching findings muted; return the expired entries (which muted nothing)."""
        with self._lock:
            if self._index is None or self._index[0] != today:
                self._index = (today, _Index([e for e in self.entries if e.expires > today]))
            index = self._index[1]
        for f in findings:
            entry = index.first(f)
            if entry is not None:
                f.muted, f.mute_reason = True, entry.reason
        return [e for e in self.entries if e.expires <= today]

    def summary_meta(self, muted: int) -> dict[str, Any]:
        """The summary's 'mutelist' entry: which file muted how many findings, and its SHA-256 (a changed file
        shows), or nothing without a mutelist."""
        if not self.source:
            return {}
        return {"mutelist": {"source": self.source, "sha256": self.sha256, "bytes": self.size,
                             "entries": len(self.entries), "muted": muted}}


def _catalogue() -> list[str]:
    from .checks.registry import all_checks

    return list(all_checks())


def parse(data: bytes, source: str, check_ids: Iterable[str] | None = None) -> Mutelist:
    """A mutelist from the file's bytes; ConfigError 'mutelist <source>: line N: <reason>' for anything wrong.
    check_ids: the checks an entry's pattern is compared with to tell whether it mutes every check (default:
    every check aliaudit has)."""
    where = f"mutelist {source}"
    try:
        raw, lines = safeyaml.parse(data, max_bytes=MAX_BYTES)
    except safeyaml.YamlProblem as err:
        raise ConfigError(f"{where}: {err}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("mutelist"), list):
        raise ConfigError(f"{where}: expected a top-level 'mutelist:' list of entries")
    items = raw["mutelist"]
    if len(items) > MAX_ENTRIES:
        raise ConfigError(f"{where}: {len(items):,} entries, more than the {MAX_ENTRIES:,} a mutelist may have")
    catalogue = list(_catalogue() if check_ids is None else check_ids)
    broad: dict[str, bool] = {}  # check pattern -> matches every check of the catalogue
    entries = []
    for item in items:
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: every entry must be a mapping (check, reason, expires, ...)")
        line = lines.get(id(item), 0)
        try:
            entry = Entry.model_validate({**item, "line": line})
        except ValidationError as err:
            first = err.errors()[0]
            field = field_path(first["loc"], "entry")
            raise ConfigError(f"{where}: line {line}: {field}: {first['msg']}") from None
        except (ValueError, TypeError, RecursionError) as err:  # (a value pydantic cannot even look at)
            raise ConfigError(f"{where}: line {line}: {str(err)[:200]}") from None
        if not entry.all:
            every = broad.get(entry.check)
            if every is None:
                match = compile_pattern(entry.check)
                every = broad[entry.check] = bool(catalogue) and literal_of(entry.check) is None and all(
                    match(c) for c in catalogue)
            if every:
                what = ("'check' is '.*' or left out" if entry.check == ANY
                    else f"check pattern {entry.check[:80]!r} matches every check")
                raise ConfigError(f"{where}: line {line}: the entry's {what}, so it mutes every check "
                                  f"{'of what it names' if _narrowed(entry) else 'of every resource'}: "
                                  "add 'all: true' to the entry if that is meant")
        entries.append(entry)
    return Mutelist(entries=entries, source=source, sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def _narrowed(entry: Entry) -> bool:
    return any(p != ANY for p in (entry.account, entry.region, entry.resource)) or bool(entry.tags)


def load(path: str | Path, check_ids: Iterable[str] | None = None) -> Mutelist:
    p = Path(path)
    try:
        with p.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as err:
        raise ConfigError(f"mutelist {p}: cannot read it ({err.strerror})") from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"mutelist {p}: more than the {MAX_BYTES:,} bytes a mutelist may have")
    return parse(data, str(p), check_ids)
