"""YAML as the generated descriptors are written: block style, short lists inline, no anchors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    """Block style with indented sequences, short scalar lists inline, never anchors/aliases."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    short = all(isinstance(x, str | int | bool) for x in data) and sum(len(str(x)) + 2 for x in data) < 60
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=short and bool(data))


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "'" if "*" in data else None  # cron expressions read better quoted
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(str, _represent_str)


def dump_yaml(doc: dict[str, Any], header: str) -> str:
    body = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=100_000,
                     allow_unicode=True)
    return header + body


def comment_header(lines: Sequence[str]) -> str:
    return "".join(f"# {line}".rstrip() + "\n" for line in lines)

