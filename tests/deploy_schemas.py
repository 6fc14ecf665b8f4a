"""The cloud's own published schemas for the deployment descriptors: validate template.yml, member-role.yml
(ROS) and s.yaml (fc3) against tests/fixtures/deploy-schemas/, and regenerate that folder (README there):

    .venv/bin/python -m tests.deploy_schemas                 # ROS (PyPI ros-cdk-*) and fc3 (devsapp/fc3)
    .venv/bin/python -m tests.deploy_schemas --fc3-schema PATH   # fc3 schema.json from a local clone

ROS: every ROS CDK package on PyPI ships its jsii bundle (``<module>/_jsii/<name>@<version>.jsii.tgz``); its
``lib/<product>.generated.js`` is generated from ROS's resource specification, one class per resource type:
``RosX.ROS_RESOURCE_TYPE_NAME``, ``this.attrY = this.getAtt('Y')`` (the Fn::GetAtt attributes), a converter
``rosXPropsToRosTemplate`` that maps each camelCase property to its ROS name and type (``'FunctionName':
ros.stringToRosTemplate(properties.functionName)``), and a validator ``RosXPropsValidator`` with the required
flags, ranges, lengths, allowed values and patterns. Nested structures have the same pair of functions. This
reads those functions (no JavaScript is run) and keeps the resource types the templates use.

fc3: Serverless Devs' fc3 component validates a resource's props against its src/schema.json (typescript-json-
schema of its IProps); kept as published.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "deploy-schemas"
ROS_CDK_VERSION = "1.15.0"
ROS_PACKAGES = ["ros-cdk-fc3", "ros-cdk-ram", "ros-cdk-oss", "ros-cdk-sls", "ros-cdk-kms", "ros-cdk-core"]
# types the templates need beyond what they use today: none (every type in template.yml / member-role.yml is kept)
FC3_COMMIT = "4ca1c1b8c33e654438bb73b64cfc95a5c9d94f5a"  # devsapp/fc3, publish.yaml Version 0.1.22
FC3_SCHEMA_URL = f"https://raw.githubusercontent.com/devsapp/fc3/{FC3_COMMIT}/src/schema.json"

_FUNCTION = re.compile(r"^function (\w+)\(properties(?:, enableResourcePropertyConstraint)?\) \{\n(.*?)^\}",
                       re.M | re.S)
_CLASS = re.compile(r"^class (Ros\w+) extends ros\.RosResource \{\n(.*?)^\}", re.M | re.S)
_TYPE_NAME = re.compile(r'^(Ros\w+)\.ROS_RESOURCE_TYPE_NAME = "([^"]+)";', re.M)
_ENTRY = re.compile(r"^\s+'(\w+)': (.+)\(properties\??\.(\w+)\),$", re.M)
_CHECK = re.compile(r"ros\.propertyValidator\('(\w+)', ([\w.]+(?:\([\w.]+\))?)\)(\(\{(.*?)\}\)|\(properties\.\w+\))",
                    re.S)
_SCALARS = {"ros.stringToRosTemplate": "string", "ros.numberToRosTemplate": "number",
            "ros.booleanToRosTemplate": "boolean", "ros.objectToRosTemplate": "any",
            "ros.anyDictToRosTemplate": "object"}


# --- validating ----------------------------------------------------------------------------------------

def ros_schema() -> dict[str, Any]:
    return json.loads((OUT / "ros.json").read_text())


def fc3_schema() -> dict[str, Any]:
    return json.loads((OUT / "fc3-schema.json").read_text())


def _intrinsic(value: Any) -> str | None:
    """The function of an intrinsic-function value ({"Ref": ...}, {"Fn::...": ...}), else None."""
    if isinstance(value, dict) and len(value) == 1:
        (key,) = value
        if key == "Ref" or key.startswith("Fn::"):
            return key
    return None


_JS_TYPES = {"string": str, "number": (int, float), "boolean": bool, "object": dict, "list": list, "map": dict,
             "struct": dict}


def _js_equal(a: Any, b: Any) -> bool:
    """JavaScript's === on JSON values: 2 === 2.0, but "2" !== 2 and true !== 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return (isinstance(a, int | float) and isinstance(b, int | float) or type(a) is type(b)) and a == b


def _check_value(schema: dict[str, Any], spec: dict[str, Any], value: Any, path: str, errors: list[str]) -> None:
    """value against one property's spec, as the CDK's validators check it (unresolved functions are not
    inspected: ros.canInspect; both branches of an Fn::If are)."""
    fn = _intrinsic(value)
    if fn == "Fn::If":
        for branch in value[fn][1:]:
            _check_value(schema, spec, branch, path, errors)
    if fn:
        return
    kind = spec["type"]
    if kind != "any" and (not isinstance(value, _JS_TYPES[kind]) or (kind == "number" and isinstance(value, bool))):
        errors.append(f"{path}: {value!r} is not a {kind}")
        return
    if "allowed" in spec and not any(_js_equal(value, a) for a in spec["allowed"]):
        errors.append(f"{path}: {value!r} is not one of {spec['allowed']}")
    size = value if kind == "number" else len(value) if isinstance(value, str | list) else None
    suffix = "" if kind == "number" else "Length"
    low, high = spec.get(f"min{suffix}"), spec.get(f"max{suffix}")
    if size is not None and ((low is not None and size < low) or (high is not None and size > high)):
        errors.append(f"{path}: {'' if kind == 'number' else 'length '}{size} is outside [{low}, {high}]")
    if "pattern" in spec and isinstance(value, str) and not re.search(spec["pattern"], value):
        errors.append(f"{path}: {value!r} does not match /{spec['pattern']}/")
    if kind == "struct":
        check_properties(schema, schema["structs"][spec["struct"]]["properties"], value, path, errors)
    elif kind == "list":
        for i, item in enumerate(value):
            _check_value(schema, spec["items"], item, f"{path}[{i}]", errors)
    elif kind == "map":
        for key, item in value.items():
            _check_value(schema, spec["items"], item, f"{path}.{key}", errors)


def check_properties(schema: dict[str, Any], props_schema: dict[str, Any], props: Any, path: str,
                     errors: list[str]) -> None:
    """A resource's (or a structure's) properties: no unknown name, every required one, each value."""
    if _intrinsic(props):
        return
    for name in sorted(set(props) - set(props_schema)):
        errors.append(f"{path}.{name}: unknown property")
    for name, spec in props_schema.items():
        if name in props:
            _check_value(schema, spec, props[name], f"{path}.{name}", errors)
        elif spec.get("required"):
            errors.append(f"{path}.{name}: required property missing")


def _attribute_uses(value: Any) -> list[tuple[str, str]]:
    """Every (resource, attribute) read with Fn::GetAtt or Fn::Sub's ${Resource.Attribute}."""
    if isinstance(value, list):
        return [u for v in value for u in _attribute_uses(v)]
    if not isinstance(value, dict):
        return []
    found = []
    if _intrinsic(value) == "Fn::GetAtt":
        found.append(tuple(value["Fn::GetAtt"]))
    elif _intrinsic(value) == "Fn::Sub":
        arg = value["Fn::Sub"]
        text = arg if isinstance(arg, str) else arg[0]
        found += [tuple(v.split(".", 1)) for v in re.findall(r"\$\{([^!}][^}]*)\}", text)
                  if "." in v and not v.startswith("ALIYUN::")]
    return found + [u for v in value.values() for u in _attribute_uses(v)]


def ros_errors(doc: dict[str, Any], schema: dict[str, Any] | None = None) -> list[str]:
    """A ROS template's resources against the CDK's definitions: types, properties, values, attributes."""
    schema = schema or ros_schema()
    errors: list[str] = []
    resources = doc.get("Resources", {})
    for lid, res in resources.items():
        rtype = schema["resources"].get(res.get("Type"))
        if rtype is None:
            errors.append(f"{lid}: resource type {res.get('Type')!r} is not in ros-cdk {schema['version']}")
            continue
        check_properties(schema, rtype["properties"], res.get("Properties", {}), lid, errors)
    places = {**{lid: r.get("Properties", {}) for lid, r in resources.items()},
              **{f"Outputs.{k}": o for k, o in doc.get("Outputs", {}).items()}}
    for where, value in places.items():
        for target, attribute in _attribute_uses(value):
            rtype = schema["resources"].get(resources.get(target, {}).get("Type"))
            if target not in resources:
                errors.append(f"{where}: Fn::GetAtt of {target}, which is not a resource")
            elif rtype is not None and attribute not in rtype["attributes"]:
                errors.append(f"{where}: {resources[target]['Type']} {target} has no attribute {attribute} "
                              f"(it has {', '.join(rtype['attributes']) or 'none'})")
    return errors


def ros_attributes(rtype: str) -> list[str]:
    return ros_schema()["resources"][rtype]["attributes"]


# a trigger's triggerConfig in fc3's schema is an anyOf of every trigger type's config (with the empty IOtsConfig,
# so anything passes): it is checked against the one its triggerType names (fc3 src/interface/trigger.ts)
FC3_TRIGGER_CONFIGS = {"timer": "ITimerTriggerConfig", "eventbridge": "IEventBridge"}
# IEventBridge marks every field required (typescript-json-schema --required), but fc3's own e2e test deploys a
# Default-bus trigger without these (devsapp/fc3 __tests__/e2e/trigger/eb/s.yaml, trigger defaultTrigger), as
# does the FC API, whose EventBridgeTriggerConfig has no required field (fc20230330 models)
FC3_OPTIONAL = {"IEventBridge": {"eventSinkConfig", "runOptions", "eventSourceParameters"}}


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["definitions"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _unknown_keys(schema: dict[str, Any], node: dict[str, Any], value: Any, path: str, errors: list[str]) -> None:
    """fc3's schema leaves additionalProperties open: a misspelt key passes jsonschema. Flag every key of an
    object the schema describes that its properties do not name."""
    node = _resolve(schema, node)
    if "anyOf" in node:
        objects = [_resolve(schema, b) for b in node["anyOf"] if _resolve(schema, b).get("type") == "object"]
        if not isinstance(value, dict) or len(objects) != 1:
            return
        node = objects[0]
    if isinstance(value, dict) and "properties" in node and node.get("additionalProperties") is None:
        for key in sorted(set(value) - set(node["properties"])):
            errors.append(f"{path}.{key}: unknown property")
        for key, item in value.items():
            if key in node["properties"]:
                _unknown_keys(schema, node["properties"][key], item, f"{path}.{key}", errors)
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for i, item in enumerate(value):
            _unknown_keys(schema, node["items"], item, f"{path}[{i}]", errors)


def fc3_errors(props: dict[str, Any], schema: dict[str, Any] | None = None) -> list[str]:
    """One s.yaml resource's props (template merged, variables resolved) against fc3's schema.json."""
    from jsonschema import Draft7Validator

    schema = schema or fc3_schema()
    errors = [f"{'.'.join(map(str, e.absolute_path)) or '<props>'}: {e.message}"
              for e in Draft7Validator(schema).iter_errors(props)]
    _unknown_keys(schema, schema, props, "<props>", errors)
    for i, trigger in enumerate(props.get("triggers", [])):
        where = f"triggers[{i}].triggerConfig"
        name = FC3_TRIGGER_CONFIGS.get(trigger.get("triggerType"))
        if name is None:
            errors.append(f"{where}: no fc3 config known for triggerType {trigger.get('triggerType')!r}")
            continue
        config = {"definitions": schema["definitions"], **schema["definitions"][name]}
        optional = FC3_OPTIONAL.get(name, set())
        for e in Draft7Validator(config).iter_errors(trigger.get("triggerConfig")):
            missing = re.fullmatch(r"'(\w+)' is a required property", e.message)
            if not (e.validator == "required" and missing and missing.group(1) in optional):
                errors.append(f"{where}.{'.'.join(map(str, e.absolute_path))}: {e.message}")
        _unknown_keys(schema, config, trigger.get("triggerConfig"), where, errors)
    return errors


# --- regenerating -------------------------------------------------------------------------------------

def _spec(expr: str) -> dict[str, Any]:
    """A converter expression as a type: string | number | boolean | any | object | list | map | struct."""
    if expr in _SCALARS:
        return {"type": _SCALARS[expr]}
    for mapper, kind in (("ros.listMapper(", "list"), ("ros.hashMapper(", "map")):
        if expr.startswith(mapper) and expr.endswith(")"):
            return {"type": kind, "items": _spec(expr[len(mapper):-1])}
    if re.fullmatch(r"ros\w+PropertyToRosTemplate", expr):
        return {"type": "struct", "struct": expr}
    raise ValueError(f"unknown converter {expr}")


def _constraints(body: str) -> dict[str, dict[str, Any]]:
    """camelCase property -> required / min / max / minLength / maxLength / allowed / pattern, from a validator."""
    out: dict[str, dict[str, Any]] = {}
    for name, validator, _, args in _CHECK.findall(body):
        c = out.setdefault(name, {})
        if validator == "ros.requiredValidator":
            c["required"] = True
        elif validator in ("ros.validateRange", "ros.validateLength"):
            prefix = "" if validator.endswith("Range") else "Length"
            for bound in ("min", "max"):
                m = re.search(rf"\b{bound}: ([-\d.]+|undefined)", args)
                if m and m.group(1) != "undefined":
                    value = float(m.group(1))
                    c[f"{bound}{prefix}"] = int(value) if value.is_integer() else value
        elif validator == "ros.validateAllowedValues":
            c["allowed"] = json.loads(re.search(r"allowedValues: (\[.*\])", args, re.S).group(1))
        elif validator == "ros.validateAllowedPattern":
            c["pattern"] = re.search(r"reg: /(.*)/\w*\s*$", args.strip(), re.S).group(1)
    return out


def parse_generated(js: str, source: str, keep: set[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(resource type -> schema, struct converter -> schema) of the types in keep in one lib/<product>.generated.js."""
    functions = {name: body for name, body in _FUNCTION.findall(js)}
    structs: dict[str, Any] = {}

    def properties(converter: str) -> dict[str, Any]:
        body = functions[converter]
        entries = _ENTRY.findall(body)
        listed = re.findall(r"^        '.*$", body, re.M)
        if len(entries) != len(listed):
            raise ValueError(f"{converter}: could not read every property of {listed}")
        called = re.search(r"(\w+Validator)\(properties\)\.assertSuccess\(\)", body)
        limits = _constraints(functions[called.group(1)]) if called else {}
        props = {}
        for ros_name, expr, camel in entries:
            spec = _spec(expr) | limits.get(camel, {})
            props[ros_name] = spec
            for inner in (spec, spec.get("items", {})):
                if inner.get("type") == "struct" and inner["struct"] not in structs:
                    structs[inner["struct"]] = {}  # reserve: nested structures may refer to each other
                    structs[inner["struct"]] = {"properties": properties(inner["struct"])}
        return props

    classes = dict(_CLASS.findall(js))
    resources = {}
    for cls, rtype in _TYPE_NAME.findall(js):
        if rtype not in keep:
            continue
        body = classes[cls]
        converter = re.search(r"return (ros\w+PropsToRosTemplate)\(props", body).group(1)
        doc = re.search(rf" \* See (https://\S+)\n \*/\nclass {cls} extends", js)
        resources[rtype] = {"source": source, "class": cls, "doc": doc.group(1) if doc else "",
                            "attributes": sorted(re.findall(r"this\.attr\w+ = this\.getAtt\('(\w+)'\)", body)),
                            "properties": properties(converter)}
    return resources, structs


def _used_types() -> set[str]:
    import yaml

    return {r["Type"] for name in ("template.yml", "member-role.yml")
            for r in yaml.safe_load((ROOT / name).read_text())["Resources"].values()}


def extract_ros(work: Path, keep: set[str]) -> dict[str, Any]:
    reqs = [f"{p}=={ROS_CDK_VERSION}" for p in ROS_PACKAGES]
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(work), *reqs],
                   check=True)
    resources: dict[str, Any] = {}
    structs: dict[str, Any] = {}
    pseudo: list[str] = []
    for wheel in sorted(work.glob("ros_cdk_*.whl")):
        with zipfile.ZipFile(wheel) as zf:
            (member,) = [n for n in zf.namelist() if n.endswith(".jsii.tgz")]
            zf.extract(member, work)
        with tarfile.open(work / member) as tf:
            for info in tf.getmembers():
                if re.fullmatch(r"package/lib/\w+\.generated\.js", info.name):
                    js = tf.extractfile(info).read().decode()
                    source = f"{wheel.name} {Path(member).name} {info.name}"
                    found, nested = parse_generated(js, source, keep)
                    resources.update(found)
                    structs.update(nested)
                elif info.name == "package/lib/ros-pseudo.js":
                    pseudo = sorted(set(re.findall(r'"(ALIYUN::\w+)"', tf.extractfile(info).read().decode())))
    missing = keep - set(resources)
    if missing:
        raise SystemExit(f"not in the ROS CDK packages: {sorted(missing)}")
    used: set[str] = set()

    def mark(props: dict[str, Any]) -> None:
        for spec in props.values():
            for inner in (spec, spec.get("items", {})):
                name = inner.get("struct")
                if name and name not in used:
                    used.add(name)
                    mark(structs[name]["properties"])

    for r in resources.values():
        mark(r["properties"])
    return {"version": ROS_CDK_VERSION, "packages": ROS_PACKAGES, "pseudo_parameters": pseudo,
            "resources": dict(sorted(resources.items())), "structs": {k: structs[k] for k in sorted(used)}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fc3-schema", default=FC3_SCHEMA_URL, help="devsapp/fc3 src/schema.json: path or URL")
    parser.add_argument("--extra-type", action="append", default=[], help="a ROS type to keep beyond the used ones")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        ros = extract_ros(Path(tmp), _used_types() | set(args.extra_type))
    (OUT / "ros.json").write_text(json.dumps(ros, indent=1, sort_keys=False) + "\n")
    src = args.fc3_schema
    text = Path(src).read_text() if Path(src).exists() else urllib.request.urlopen(src, timeout=60).read().decode()
    (OUT / "fc3-schema.json").write_text(json.dumps(json.loads(text), indent=1) + "\n")
    print(f"wrote {OUT / 'ros.json'} ({len(ros['resources'])} types) and {OUT / 'fc3-schema.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
