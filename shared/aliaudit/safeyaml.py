"""The one way the product reads YAML (the --config thresholds and accounts, the --mutelist file, the pipeline's
oss://<bucket>/config/mutelist.yaml): plain data only, within limits that a hostile file cannot get around.

- size: the caller's limit in bytes, checked before parsing (files are read no further than the limit);
- nesting: at most MAX_DEPTH levels of sequences and mappings (deeper is refused while composing, long before
  Python's recursion limit);
- anchors and aliases: allowed (a person may reuse an `exceptions:` list), but what the aliases would add when
  expanded is counted while the document is composed, and a document whose aliases expand to more than
  MAX_ALIAS_NODES nodes in all is refused: the 568-byte "billion laughs" document that killed the aggregator
  expands to billions of nodes and stops after the first few thousand. An alias to a collection that is still
  open (a recursive structure) is refused too, as are several documents in one file;
- values: the safe YAML types (no Python objects); a value that cannot be built (a date such as 2027-02-30)
  is an error with its line, like every other problem.

Every failure is one YamlProblem(line, reason); callers add which file it is. Parsing uses libyaml's event
parser when PyYAML has it (the composer, which enforces the limits, is PyYAML's own, in Python)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, SequenceNode
from yaml.resolver import Resolver

try:  # libyaml's event parser: the same events as PyYAML's, about four times faster
    from yaml.cyaml import CParser as _EventParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _EventParser(Reader, Scanner, Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)

MAX_DEPTH = 32  # nested sequences and mappings
MAX_ALIAS_NODES = 10_000  # nodes that all aliases together may add, expanded


class YamlProblem(Exception):
    """Why a YAML text cannot be used, and where (line 1-based, or None when the whole file is at fault)."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {reason}" if line else reason)
        self.reason, self.line = reason, line


class _At:
    """Where a node starts (its line), all the loader keeps of the parser's marks: a 16 MiB document has more
    than a million nodes, and two full marks each would double its memory."""

    __slots__ = ("line",)

    def __init__(self, line: int) -> None:
        self.line = line


class _Loader(Composer, _EventParser, SafeConstructor, Resolver):
    """PyYAML's composer (with limits) over libyaml's events, PyYAML's safe constructor and resolver."""

    def __init__(self, text: str, max_depth: int, max_alias_nodes: int) -> None:
        _EventParser.__init__(self, text)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self.max_depth, self.max_alias_nodes = max_depth, max_alias_nodes
        self.depth = 0
        self.alias_nodes = 0
        self.sizes: dict[int, int] = {}  # id(collection node) -> its size with aliases expanded, once closed
        self.lines: dict[int, int] = {}  # id(constructed mapping) -> its line, for messages

    # --- composing, bounded ---------------------------------------------------------------------------------

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(AliasEvent):
            event = self.get_event()
            node = self.anchors.get(event.anchor)
            line = event.start_mark.line + 1
            if node is None:
                raise YamlProblem(f"alias *{event.anchor} refers to no anchor defined before it", line)
            if isinstance(node, (SequenceNode, MappingNode)) and id(node) not in self.sizes:  # still open
                raise YamlProblem(f"alias *{event.anchor} is inside the collection it refers to (a cycle)", line)
            self.alias_nodes += self.sizes.get(id(node), 1)
            if self.alias_nodes > self.max_alias_nodes:
                raise YamlProblem(f"aliases expand to more than {self.max_alias_nodes:,} nodes (an alias bomb?)",
                                  line)
            return node
        event = self.peek_event()
        if not isinstance(event, (SequenceStartEvent, MappingStartEvent)):
            return self._slim(super().compose_node(parent, index))
        self.depth += 1
        if self.depth > self.max_depth:
            raise YamlProblem(f"nested more than {self.max_depth} levels deep", event.start_mark.line + 1)
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        size = 1  # the collection's size with its aliases expanded: what an alias to it adds
        for item in node.value:
            for child in (item if isinstance(item, tuple) else (item,)):
                size += self.sizes.get(id(child), 1)
        self.sizes[id(node)] = size
        return self._slim(node)

    @staticmethod
    def _slim(node: Node) -> Node:
        node.start_mark, node.end_mark = _At(node.start_mark.line), None
        return node

    # --- building values ------------------------------------------------------------------------------------

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            value = super().construct_object(node, deep=deep)
        except (ValueError, TypeError, OverflowError) as err:  # e.g. a timestamp 2027-02-30
            raise YamlProblem(f"cannot read the value {str(node.value)[:40]!r}: {err}",
                              node.start_mark.line + 1) from None
        if isinstance(node, MappingNode) and isinstance(value, dict):
            self.lines.setdefault(id(value), node.start_mark.line + 1)
        return value


def parse(data: bytes | str, *, max_bytes: int, max_depth: int = MAX_DEPTH,
          max_alias_nodes: int = MAX_ALIAS_NODES) -> tuple[Any, dict[int, int]]:
    """The document's value (None for an empty one) and the line of each of its mappings (by id(), valid while
    the value lives); YamlProblem for anything else."""
    size = len(data.encode("utf-8") if isinstance(data, str) else data)
    if size > max_bytes:
        raise YamlProblem(f"{size:,} bytes, more than the {max_bytes:,} a file may have")
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise YamlProblem("not UTF-8 text", data.count(b"\n", 0, err.start) + 1) from None
    else:
        text = data
    loader: _Loader | None = None
    try:
        loader = _Loader(text, max_depth, max_alias_nodes)
        return loader.get_single_data(), loader.lines
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        reason = " ".join(x for x in (err.context, err.problem) if x) or "not valid YAML"
        raise YamlProblem(f"not valid YAML ({reason})", mark.line + 1 if mark else None) from None
    except yaml.reader.ReaderError as err:  # a character YAML does not allow
        line = text.count("\n", 0, err.position) + 1 if isinstance(err.position, int) else None
        raise YamlProblem(f"not valid YAML ({str(err).splitlines()[0][:200]})", line) from None
    except yaml.YAMLError as err:
        raise YamlProblem(f"not valid YAML ({str(err).splitlines()[0][:200]})") from None
    except RecursionError:  # (the depth limit comes first; this is the last line of defence)
        raise YamlProblem(f"nested more than {max_depth} levels deep") from None
    finally:
        if loader is not None:
            loader.dispose()


def read(path: Path, *, max_bytes: int, **limits: int) -> tuple[Any, dict[int, int]]:
    """parse() of a file, read no further than max_bytes (+1, to tell a file that is too large); OSError as
    the open and read raise it."""
    with path.open("rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise YamlProblem(f"more than the {max_bytes:,} bytes a file may have")
    return parse(data, max_bytes=max_bytes, **limits)
