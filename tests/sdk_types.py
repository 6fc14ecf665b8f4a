"""The types the official Alibaba Cloud SDKs declare for each field of an answer, and a check of recorded wire
answers (JSON, or OSS XML) against them.

Declared types come from the SDK response models themselves, never from a table kept here:

- a model's fields and their types are the parameters of its ``__init__`` and their type hints
  (``typing.get_type_hints`` in the model's module, so ``from __future__`` string annotations, ``List[...]``,
  ``Dict[...]`` and ``main_models.X`` references resolve as the SDK wrote them);
- the wire key of each field is what the model's own ``to_map()`` writes for it: a fresh instance gets a probe
  value in that one attribute (a list or dict holding the probe for list and dict fields) and the key of
  ``to_map()``'s output that carries the probe is the field's wire key. That is the mapping the SDK uses to
  serialise, the mirror of the one ``from_map`` reads.

Nested models and lists of them are followed; a wire key the model does not declare is reported apart from type
mismatches (the SDK drops it silently: worth a look, not necessarily wrong).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
import sys
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Union
from xml.etree import ElementTree


@dataclass(frozen=True)
class Scalar:
    type: type  # str | int | float | bool | bytes

    def __str__(self) -> str:
        return self.type.__name__


@dataclass(frozen=True)
class ListOf:
    item: Spec

    def __str__(self) -> str:
        return f"List[{self.item}]"


@dataclass(frozen=True)
class MapOf:
    value: Spec

    def __str__(self) -> str:
        return f"Dict[str, {self.value}]"


@dataclass(frozen=True)
class Model:
    cls: type

    def __str__(self) -> str:
        return self.cls.__name__


@dataclass(frozen=True)
class Anything:
    declared: str = "Any"

    def __str__(self) -> str:
        return self.declared


Spec = Scalar | ListOf | MapOf | Model | Anything


@dataclass(frozen=True)
class Field:
    attr: str  # the model's attribute (the __init__ parameter)
    wire: str  # the key on the wire (what to_map() writes)
    spec: Spec


def is_model(tp: Any) -> bool:
    return isinstance(tp, type) and callable(getattr(tp, "to_map", None)) and callable(getattr(tp, "from_map", None))


def declared(tp: Any) -> Spec:
    """A type hint of an SDK model as a Spec."""
    if tp is Any or tp is object:
        return Anything()
    if tp in (str, int, float, bool, bytes):
        return Scalar(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Union or origin is types.UnionType:  # Optional[X], X | None
        kinds = [a for a in args if a is not type(None)]
        return declared(kinds[0]) if len(kinds) == 1 else Anything(str(tp))
    if origin is list or tp is list:
        return ListOf(declared(args[0]) if args else Anything())
    if origin is dict or tp is dict:
        return MapOf(declared(args[1]) if len(args) == 2 else Anything())
    if is_model(tp):
        return Model(tp)
    return Anything(getattr(tp, "__name__", str(tp)))  # e.g. BinaryIO (streamed bodies): not JSON


class _Probe:
    """A value that to_map() copies as is (scalars, lists of scalars) or asks for its own map (models)."""

    def to_map(self) -> _Probe:
        return self

    def __bool__(self) -> bool:
        return True


def _probe_value(spec: Spec, probe: _Probe) -> Any:
    if isinstance(spec, ListOf):
        return [_probe_value(spec.item, probe)]
    if isinstance(spec, MapOf):
        return {"probe": _probe_value(spec.value, probe)}
    return probe


def _carries(value: Any, probe: _Probe) -> bool:
    if value is probe:
        return True
    if isinstance(value, list):
        return any(_carries(v, probe) for v in value)
    if isinstance(value, dict):
        return any(_carries(v, probe) for v in value.values())
    return False


class DeclarationError(Exception):
    """The SDK model could not be read (a type hint that does not resolve, an attribute with no wire key)."""


@functools.cache
def fields(cls: type) -> dict[str, Field]:
    """Wire key -> Field for an SDK model class."""
    module = sys.modules[cls.__module__]
    try:
        hints = typing.get_type_hints(cls.__init__, globalns=vars(module))
    except Exception as err:  # an unresolvable annotation: say which model
        raise DeclarationError(f"{cls.__module__}.{cls.__name__}: cannot resolve __init__ type hints: {err}") from err
    out: dict[str, Field] = {}
    for name, param in inspect.signature(cls.__init__).parameters.items():
        if name == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        spec = declared(hints.get(name, Any))
        instance = cls()
        probe = _Probe()
        setattr(instance, name, _probe_value(spec, probe))
        serialised = instance.to_map() or {}
        keys = [k for k, v in serialised.items() if _carries(v, probe)]
        if len(keys) != 1:
            raise DeclarationError(f"{cls.__module__}.{cls.__name__}.{name}: to_map() writes it under {keys}")
        out[keys[0]] = Field(name, keys[0], spec)
    return out


def models_under(spec: Spec, seen: set[type] | None = None) -> set[type]:
    """Every model class a declared type reaches (itself, its fields' models, recursively)."""
    seen = set() if seen is None else seen
    if isinstance(spec, ListOf):
        models_under(spec.item, seen)
    elif isinstance(spec, MapOf):
        models_under(spec.value, seen)
    elif isinstance(spec, Model) and spec.cls not in seen:
        seen.add(spec.cls)
        for f in fields(spec.cls).values():
            models_under(f.spec, seen)
    return seen


def sample_value(spec: Spec) -> Any:
    """A wire value of the declared type (for from_map round trips)."""
    if isinstance(spec, ListOf):
        return [sample_value(spec.item)]
    if isinstance(spec, MapOf):
        return {"key": sample_value(spec.value)}
    if isinstance(spec, Model):
        return {}
    if isinstance(spec, Scalar):
        return {str: "text", int: 7, float: 7.5, bool: True, bytes: "dGV4dA=="}[spec.type]
    return "any"


def from_map_reads(cls: type) -> list[str]:
    """The fields whose wire key (from to_map) the model's from_map does not read back: [] when the two agree."""
    wrong = []
    for f in fields(cls).values():
        got = getattr(cls().from_map({f.wire: sample_value(f.spec)}), f.attr, None)
        if got is None or got == []:
            wrong.append(f"{cls.__name__}.{f.attr} <- {f.wire}")
    return wrong


def model_file(cls: type) -> str:
    """The model's source file, from the package directory on (e.g. alibabacloud_vpc20160428/models/_x.py)."""
    path = inspect.getsourcefile(cls) or cls.__module__
    top = cls.__module__.split(".")[0]
    return path[path.rfind(top):] if top in path else path


def response_body_spec(models_module: str, api: str) -> tuple[type, Spec] | None:
    """The ``<api>Response`` class of an SDK models module and the declared type of its ``body``; None if the SDK
    has no such API."""
    module = importlib.import_module(models_module)
    response = getattr(module, f"{api}Response", None)
    if not is_model(response):
        return None
    body = next((f for f in fields(response).values() if f.attr == "body"), None)
    if body is None:
        raise DeclarationError(f"{models_module}.{api}Response declares no body")
    return response, body.spec


# ------------------------------------------------------------------------------------------------------------ check


def wire_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "bool", int: "int", float: "float", str: "str", list: "list", dict: "object"}.get(
        type(value), type(value).__name__)


@dataclass(frozen=True)
class Mismatch:
    api: str  # product:Action as the emulator names it
    path: str  # $.FlowLogs.FlowLog[].TotalCount ([] = every item of a list)
    wire: str  # the JSON type on the wire (or for XML, what the text is)
    example: str  # one value seen
    declared: str  # the SDK's type
    model: str  # the SDK model class that declares the field
    source: str  # its file

    def __str__(self) -> str:
        return (f"{self.api} {self.path}: wire {self.wire} {self.example} but SDK declares {self.declared} "
                f"({self.model}, {self.source})")


@dataclass(frozen=True)
class Undeclared:
    api: str
    path: str  # of the object holding the key
    key: str
    model: str
    source: str

    def __str__(self) -> str:
        return f"{self.api} {self.path}.{self.key}: not declared by {self.model} ({self.source})"


@dataclass
class Findings:
    mismatches: dict[tuple[str, str, str, str], Mismatch] = field(default_factory=dict)
    undeclared: dict[tuple[str, str, str], Undeclared] = field(default_factory=dict)
    values: int = 0  # values compared with a declared type
    items: dict[tuple[str, str], int] = field(default_factory=dict)  # (api, path of a JSON list) -> items seen

    def mismatch(self, api: str, path: str, value: Any, spec: Spec, owner: type | None, wire: str | None = None
                 ) -> None:
        kind = wire or wire_type(value)
        key = (api, path, kind, str(spec))
        if key not in self.mismatches:
            example = repr(value) if not isinstance(value, list | dict) else kind
            self.mismatches[key] = Mismatch(api, path, kind, example[:60], str(spec),
                                            owner.__name__ if owner else "?",
                                            model_file(owner) if owner else "?")

    def unknown_key(self, api: str, path: str, key: str, owner: type) -> None:
        self.undeclared.setdefault((api, path, key), Undeclared(api, path, key, owner.__name__, model_file(owner)))


_SCALARS: dict[type, tuple[type, ...]] = {str: (str,), int: (int,), float: (int, float), bool: (bool,),
                                           bytes: (str,)}


def check_json(found: Findings, api: str, value: Any, spec: Spec, path: str = "$", owner: type | None = None
               ) -> None:
    """Compare one JSON value with its declared type, recursively. null is the field left out (from_map skips
    it), so it matches any type."""
    if value is None or isinstance(spec, Anything):
        return
    found.values += 1
    if isinstance(spec, Scalar):
        ok = isinstance(value, _SCALARS[spec.type]) and (spec.type is bool or not isinstance(value, bool))
        if not ok:
            found.mismatch(api, path, value, spec, owner)
    elif isinstance(spec, ListOf):
        if not isinstance(value, list):
            found.mismatch(api, path, value, spec, owner)
            return
        found.items[(api, path)] = found.items.get((api, path), 0) + len(value)
        for item in value:
            check_json(found, api, item, spec.item, f"{path}[]", owner)
    elif isinstance(spec, MapOf):
        if not isinstance(value, dict):
            found.mismatch(api, path, value, spec, owner)
            return
        for item in value.values():
            check_json(found, api, item, spec.value, f"{path}{{}}", owner)
    else:
        if not isinstance(value, dict):
            found.mismatch(api, path, value, spec, owner)
            return
        declared_fields = fields(spec.cls)
        for key, item in value.items():
            f = declared_fields.get(key)
            if f is None:
                found.unknown_key(api, path, key, spec.cls)
            else:
                check_json(found, api, item, f.spec, f"{path}.{key}", spec.cls)


_INT = re.compile(r"^-?\d+$")


def _text_fits(text: str, tp: type) -> bool:
    if tp is int:
        return bool(_INT.match(text))
    if tp is bool:
        return text in ("true", "false")
    if tp is float:
        try:
            float(text)
        except ValueError:
            return False
    return True


def check_xml(found: Findings, api: str, elem: ElementTree.Element, spec: Spec, path: str = "$",
              owner: type | None = None) -> None:
    """Compare an XML element with its declared type: child elements must be fields of the model (by the wire
    key to_map() writes, which for the OSS gateway's models is the element name), a repeated element a list, and
    a leaf's text must read as the declared scalar (an empty element is the field left out)."""
    if isinstance(spec, Anything):
        return
    found.values += 1
    if isinstance(spec, ListOf):  # the element is one item of the list
        check_xml(found, api, elem, spec.item, path, owner)
    elif isinstance(spec, Scalar | MapOf):
        if len(elem):
            found.mismatch(api, path, None, spec, owner, wire="element with children")
        elif isinstance(spec, Scalar):
            text = (elem.text or "").strip()
            if text and not _text_fits(text, spec.type):
                found.mismatch(api, path, text, spec, owner, wire="text")
    else:
        declared_fields = fields(spec.cls)
        if not len(elem) and (elem.text or "").strip():
            found.mismatch(api, path, (elem.text or "").strip(), spec, owner, wire="text")
        for child in elem:
            f = declared_fields.get(child.tag)
            if f is None:
                found.unknown_key(api, path, child.tag, spec.cls)
            else:
                suffix = "[]" if isinstance(f.spec, ListOf) else ""
                check_xml(found, api, child, f.spec, f"{path}.{child.tag}{suffix}", spec.cls)


def check_xml_body(found: Findings, api: str, text: str, spec: Spec) -> None:
    """An XML answer: the body model has one field, named by the root element."""
    root = ElementTree.fromstring(text)
    if isinstance(spec, Model):
        top = fields(spec.cls).get(root.tag)
        if top is None:
            found.unknown_key(api, "$", root.tag, spec.cls)
            return
        check_xml(found, api, root, top.spec, f"$.{root.tag}", spec.cls)
    else:
        check_xml(found, api, root, spec)
