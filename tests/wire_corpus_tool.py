"""Developer aid (not run by the tests): write one documented wire-corpus file,
tests/fixtures/wire/<product>/<Action>.json,
from Alibaba Cloud's OpenMeta API metadata as mirrored by dew-serverless/acs-metadata (the data the API reference
pages are built from). It copies the page's sample answer (responseDemo) unchanged and lists the documented
response schema's fields with their JSON types, and the values the schema or the field descriptions enumerate.

    python -m tests.wire_corpus_tool --repo /path/to/acs-metadata kvstore r-kvstore 2015-01-01 DescribeInstances

Read the written file before committing it: a description's "Valid values" list is parsed from prose, and some
pages document no sample (the tool says so, and writes placeholders of the declared types, listed under
`placeholders`).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

WIRE = Path(__file__).parent / "fixtures" / "wire"
REPO = "dew-serverless/acs-metadata"
TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "array": "list", "object": "object"}
EMPTY = {"str": "", "int": 0, "float": 0.0, "bool": False, "list": [], "object": {}}
_VALUES_HEAD = re.compile(r"valid values|value:|values:|enumerat", re.I)
_BULLET = re.compile(r"^\s*[*-]\s+\**`?([A-Za-z0-9_.:/+\-]+)`?\**\s*(?::|$|\(|\s)")


def _enum(schema: dict[str, Any]) -> list[str]:
    if schema.get("enum"):
        return [str(v) for v in schema["enum"]]
    text = schema.get("description") or ""
    head = _VALUES_HEAD.search(text)
    if not head:
        return []
    values = []
    for line in text[head.end():].splitlines():
        m = _BULLET.match(line)
        if m:
            values.append(m.group(1))
        elif values and line.strip() and not line.startswith(" "):
            break  # the list ended
    return values


SCHEMAS: dict[str, Any] = {}  # the metadata's components.schemas, for `$ref` (FC 2023-03-30 uses them throughout)
MAX_DEPTH = 12  # a self-referencing schema (a tree) is documented once, not unrolled


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        # a reference the metadata does not define (FC's open_struct_*) still names a structure
        target = SCHEMAS.get(ref.rsplit("/", 1)[-1], {"type": "object"})
        return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def walk(schema: dict[str, Any], path: str, fields: dict[str, str], enums: dict[str, list[str]],
         free: list[str]) -> None:
    schema = resolve(schema)
    if path.count(".") + path.count("[]") > MAX_DEPTH:
        return
    kind = TYPES.get(schema.get("type", ""), "any")
    if path:
        fields[path] = kind
        values = _enum(schema) if kind in ("str", "int") else []
        if values:
            enums[path] = values
    if kind == "object":
        props = schema.get("properties") or {}
        if not props and schema.get("additionalProperties") is not None:
            free.append(path)
        for name, sub in props.items():
            walk(sub, f"{path}.{name}" if path else name, fields, enums, free)
    elif kind == "list":
        walk(schema.get("items") or {}, f"{path}[]", fields, enums, free)


def placeholder(schema: dict[str, Any], depth: int = 0) -> Any:
    schema = resolve(schema)
    if depth > MAX_DEPTH:
        return {}
    kind = TYPES.get(schema.get("type", ""), "any")
    if kind == "object":
        return {k: placeholder(v, depth + 1) for k, v in (schema.get("properties") or {}).items()}
    if kind == "list":
        return [placeholder(schema.get("items") or {}, depth + 1)]
    return EMPTY.get(kind, "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", required=True, help="a git checkout (or bare git dir) of dew-serverless/acs-metadata")
    ap.add_argument("--ram-action", help="the RAM action this API answers for (default <product>:<Action>)")
    ap.add_argument("--api-product", help="the API reference page's product code (default: the metadata's)")
    ap.add_argument("product", help="the emulator's product key (the corpus folder), e.g. kvstore")
    ap.add_argument("metadata_product", help="the metadata folder, e.g. r-kvstore")
    ap.add_argument("version", help="API version, e.g. 2015-01-01")
    ap.add_argument("action", help="the API's name, e.g. DescribeInstances")
    a = ap.parse_args(argv)
    git = ["git", "-C", a.repo]
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    rel = f"en_us/{a.metadata_product}/{a.version}/api-docs.json"
    doc = json.loads(subprocess.run([*git, "show", f"HEAD:{rel}"], capture_output=True, check=True).stdout)
    api = doc["apis"].get(a.action)
    if api is None:
        print(f"{a.action} is not in {rel}", file=sys.stderr)
        return 1
    SCHEMAS.update((doc.get("components") or {}).get("schemas") or {})
    schema = api["responses"]["200"]["schema"]
    fields: dict[str, str] = {}
    enums: dict[str, list[str]] = {}
    free: list[str] = []
    walk(schema, "", fields, enums, free)
    demos = [d for d in json.loads(api.get("responseDemo") or "[]") if d.get("type") == "json"]
    placeholders: list[str] = []
    if demos and demos[0].get("example", "").strip():
        response = json.loads(demos[0]["example"])
        how = "The documented sample response (responseDemo) of the API reference page, copied unchanged"
    else:
        response = placeholder(schema)
        placeholders = sorted(fields)
        how = "The page documents no sample response: every field holds the empty value of its declared type"
        print("no documented sample: placeholders written", file=sys.stderr)
    product_code = a.api_product or doc["info"]["product"]
    out = {
        "source": f"https://api.alibabacloud.com/api/{product_code}/{a.version}/{a.action}",
        "api": f"{a.product}:{a.action}",
        "ram_action": a.ram_action or f"{a.product}:{a.action}",
        "version": a.version,
        "metadata": {"repo": REPO, "path": rel, "commit": commit},
        "response": response,
        "documented_fields": fields,
        "free_form": free,
        "enums": enums,
        **({"placeholders": placeholders} if placeholders else {}),
        "notes": f"{how} from Alibaba Cloud's OpenMeta API metadata ({REPO} {rel} @ {commit[:12]}). "
                 "documented_fields lists every field of the documented response schema with its JSON type; enums "
                 "are the values the schema or the field descriptions enumerate.",
    }
    target = WIRE / a.product / f"{a.action}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
