"""Mutelist: accepted risks. Muted findings stay in every output, marked with the reason; expired
entries stop muting and are reported.

```yaml
mutelist:
  - check: "ram_user_.*"        # regular expressions, matched against the whole value
    account: ".*"               # default: any
    region: "cn-.*"             # default: any
    resource: "bob|ci-.*"       # default: any
    tags: {env: "dev|test"}     # finding details 'tag:<key>' must match (all listed keys)
    exceptions:                 # matches that stay unmuted
      - {resource: "ci-prod"}
    reason: "contractor users are reviewed quarterly"   # required
    expires: 2027-01-31         # required; from that day on the entry no longer mutes
```
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ConfigError
from .findings import Finding


def _compiles(value: str) -> str:
    try:
        re.compile(value)
    except (re.error, OverflowError, RecursionError) as err:  # e.g. 'a{99999999999}' overflows, not re.error
        raise ValueError(f"invalid regular expression {value[:80]!r}: {err}") from None
    return value


class Matcher(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account: str = ".*"
    check: str = ".*"
    region: str = ".*"
    resource: str = ".*"
    tags: dict[str, str] = Field(default_factory=dict)

    @field_validator("account", "check", "region", "resource")
    @classmethod
    def _regex(cls, value: str) -> str:
        return _compiles(value)

    @field_validator("tags")
    @classmethod
    def _tag_regexes(cls, value: dict[str, str]) -> dict[str, str]:
        for pattern in value.values():
            _compiles(pattern)
        return value

    def matches(self, f: Finding) -> bool:
        pairs = [(self.account, f.account_id), (self.check, f.check_id), (self.region, f.region),
                 (self.resource, f.resource_id)]
        if not all(re.fullmatch(p, v) for p, v in pairs):
            return False
        return all(re.fullmatch(p, f.details.get(f"tag:{k}", "")) for k, p in self.tags.items())


class Entry(Matcher):
    exceptions: list[Matcher] = Field(default_factory=list)
    reason: str = Field(min_length=1)
    expires: date
    line: int = 0  # where the entry starts in the file, for messages


class Mutelist(BaseModel):
    entries: list[Entry] = Field(default_factory=list)
    source: str = ""

    def apply(self, findings: list[Finding], today: date) -> list[Entry]:
        """Mark matching findings muted; return the expired entries (which muted nothing)."""
        active = [e for e in self.entries if e.expires > today]
        for f in findings:
            for e in active:
                if e.matches(f) and not any(x.matches(f) for x in e.exceptions):
                    f.muted, f.mute_reason = True, e.reason
                    break
        return [e for e in self.entries if e.expires <= today]


class _LineLoader(yaml.SafeLoader):
    """Remembers the line of each mapping, so errors can name it."""


LINE = "__line__"


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    data = loader.construct_mapping(node, deep=True)
    data[LINE] = node.start_mark.line + 1
    return data


def _strip_lines(value: Any) -> Any:
    """The data without the line numbers the loader put in every mapping (tags, exceptions, ...)."""
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != LINE}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def load(path: str | Path) -> Mutelist:
    p = Path(path)
    try:
        raw = yaml.load(p.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except OSError as err:
        raise ConfigError(f"mutelist {p}: cannot read it ({err.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"mutelist {p}: not UTF-8 text") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark else ""
        raise ConfigError(f"mutelist {p}: {line}not valid YAML ({getattr(err, 'problem', err)})") from None
    except RecursionError:
        raise ConfigError(f"mutelist {p}: nested too deeply") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("mutelist"), list):
        raise ConfigError(f"mutelist {p}: expected a top-level 'mutelist:' list of entries")
    entries = []
    for item in raw["mutelist"]:
        if not isinstance(item, dict):
            raise ConfigError(f"mutelist {p}: every entry must be a mapping (check, reason, expires, ...)")
        line = item.get(LINE, 0)
        try:
            entries.append(Entry.model_validate({**_strip_lines(item), "line": line}))
        except ValidationError as err:
            first = err.errors()[0]
            field = ".".join(str(x) for x in first["loc"]) or "entry"
            raise ConfigError(f"mutelist {p}: line {line}: {field}: {first['msg']}") from None
    return Mutelist(entries=entries, source=str(p))
