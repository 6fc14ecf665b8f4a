"""Adding an emulated product is adding one module (issue 16 item 3): the core (state.py, routing.py, app.py)
builds its scenario sections, routes and dispatch from the products' registrations (products/__init__.py).

The proof: a copy of the emulator with one new module under products/ and nothing else changed serves the new
product's API to the unmodified tea-openapi SDK, by its OpenAPI version and by its host name, with its scenario
section, signatures, RAM authorization, call counts and ActionTrail events."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

from tests.emulator.products import registry
from tests.paths import TESTS

EMULATOR = TESTS / "emulator"

# a product the emulator does not have: one PopApi action to read, one to write, and its state model
WIDGET = '''"""Widgets: a test-only product (tests/fidelity/test_emulator_products.py)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ..call import Call
from ..pop import PopApi
from . import Product

api = PopApi("widget", "2099-01-01")


class Widget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    colour: str = "red"


class WidgetState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    widgets: list[Widget] = Field(default_factory=list)


@api.action("DescribeWidgets")
def describe_widgets(call: Call) -> dict:
    return {"Widgets": [w.model_dump() for w in call.acct.widget.widgets], "Region": call.region}


@api.action("CreateWidget", write=True)
def create_widget(call: Call) -> dict:
    call.acct.widget.widgets.append(Widget(name=call.params["Name"]))
    return {}


PRODUCT = Product("widget", api=api, state=WidgetState, hosts=("widgets",))
'''

# runs in the copy: serves the widget product to the SDK and prints what it saw
CLIENT = '''
import json, sys
import tests.emulator
from alibabacloud_tea_openapi.client import Client
from alibabacloud_tea_openapi.models import Config
from alibabacloud_tea_openapi.utils_models import OpenApiRequest, Params
from darabonba.runtime import RuntimeOptions
from pydantic import ValidationError
from tests.emulator import EmulatorServer, Scenario
from tests.emulator.client import AdminClient

assert tests.emulator.__file__.startswith(sys.argv[1]), tests.emulator.__file__  # the copy, not the repository
out = {}
try:
    Scenario.model_validate({"accounts": [{"widget": {"gizmos": []}}]})
except ValidationError as err:
    out["unknown_key"] = "Extra inputs are not permitted" in str(err)
scenario = Scenario.model_validate({"accounts": [{
    "id": "1234567890123456", "regions": ["cn-hangzhou"],
    "root": {"access_keys": [{"id": "LTAIrootkey00000001", "secret": "root-secret"}]},
    "ram": {"users": [{"name": "reader", "access_keys": [{"id": "LTAIreaderkey000001", "secret": "reader-secret"}],
                       "policies": [{"name": "ReadOnlyAccess"}]}]},
    "widget": {"widgets": [{"name": "w1", "colour": "blue"}]}}]})
server = EmulatorServer().start()
server.emulator.load(scenario)


def call(action, ak, secret, query=None, **config):
    config.setdefault("endpoint", server.endpoint)
    client = Client(Config(access_key_id=ak, access_key_secret=secret, protocol="http", region_id="cn-hangzhou",
                           **config))
    params = Params(action=action, version="2099-01-01", protocol="HTTP", pathname="/", method="POST",
                    auth_type="AK", style="RPC", req_body_type="formData", body_type="json")
    try:
        return client.call_api(params, OpenApiRequest(query=query or {}), RuntimeOptions())["body"]
    except Exception as err:
        return {"error": getattr(err, "code", repr(err))}


root = ("LTAIrootkey00000001", "root-secret")
out["direct"] = call("DescribeWidgets", *root)
out["create"] = call("CreateWidget", *root, {"Name": "w2"})
out["by_host"] = call("DescribeWidgets", *root, endpoint="widgets.cn-hangzhou.aliyuncs.com",
                      http_proxy=server.url)
out["reader_reads"] = call("DescribeWidgets", "LTAIreaderkey000001", "reader-secret")
out["reader_writes"] = call("CreateWidget", "LTAIreaderkey000001", "reader-secret", {"Name": "w3"})
out["bad_secret"] = call("DescribeWidgets", "LTAIrootkey00000001", "wrong")
admin = AdminClient(server.url)
out["calls"] = {k: v for k, v in admin.calls().items() if k.startswith("widget:")}
out["events"] = [(e["eventName"], e["serviceName"]) for e in admin.events()]
server.stop()
print(json.dumps(out))
'''


def test_a_new_product_is_one_module(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "__init__.py").write_text("")
    copy = tmp_path / "tests" / "emulator"
    shutil.copytree(EMULATOR, copy, ignore=shutil.ignore_patterns("__pycache__", "scenarios"))
    (copy / "products" / "widget.py").write_text(WIDGET)
    run = subprocess.run([sys.executable, "-c", CLIENT, str(tmp_path)], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.splitlines()[-1])
    assert out["unknown_key"]  # the section is validated by the product's model
    assert [w["name"] for w in out["direct"]["Widgets"]] == ["w1"]  # routed by x-acs-version, state loaded
    assert out["create"] == {"RequestId": out["create"]["RequestId"]}
    assert out["by_host"]["Region"] == "cn-hangzhou"  # routed by the host label the product declares
    assert [w["name"] for w in out["by_host"]["Widgets"]] == ["w1", "w2"]
    assert [w["name"] for w in out["reader_reads"]["Widgets"]] == ["w1", "w2"]
    assert out["reader_writes"] == {"error": "NoPermission"}  # RAM decides widget:CreateWidget
    assert out["bad_secret"] == {"error": "SignatureDoesNotMatch"}
    assert out["calls"] == {"widget:DescribeWidgets": 4, "widget:CreateWidget": 2}
    assert out["events"] == [["CreateWidget", "Widget"]]  # the write is an ActionTrail event


def _string_literals(path: Path) -> set[str]:
    with path.open("rb") as f:
        return {tok.string.strip("'\"") for tok in tokenize.tokenize(f.readline) if tok.type == tokenize.STRING}


def test_the_core_names_no_product():
    """The registrations are the only place products are wired in: the core's tables name none of them."""
    products = registry()
    assert {"ram", "oss", "sls", "fc", "metadata", "resourcemanager"} <= set(products)
    for core in ("routing.py", "app.py", "state.py"):
        named = _string_literals(EMULATOR / core) & set(products)
        assert not named, f"{core} names products {sorted(named)}: declare it in the product's PRODUCT instead"
    state = (EMULATOR / "state.py").read_text()
    for p in products.values():
        if p.state is not None:
            assert p.state.__name__ not in state, f"state.py imports {p.state.__name__}: it comes from the registry"


def test_every_product_module_registers():
    """A module under products/ that serves an API is registered, under its api's product code."""
    from tests.emulator.app import PRODUCTS

    modules = {p.name for p in (EMULATOR / "products").iterdir()
               if p.name != "__init__.py" and (p.suffix == ".py" or (p / "__init__.py").exists())}
    assert {m.removesuffix(".py") for m in modules} == set(registry())
    assert all(api.product == name for name, api in PRODUCTS.items())
