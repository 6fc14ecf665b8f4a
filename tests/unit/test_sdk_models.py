"""aliaudit.sdk_models: an SDK's models/__init__.py read as its table of models gives exactly the names its own
imports bind, each from the submodule that defines it; anything else in an __init__ leaves it to the normal import."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from aliaudit.clients import POP_SDKS
from aliaudit.sdk_models import model_table


def _init(module: str) -> Path:
    spec = importlib.util.find_spec(module.split(".", 1)[0])
    assert spec and spec.submodule_search_locations
    return Path(spec.submodule_search_locations[0]) / "models" / "__init__.py"


@pytest.mark.parametrize("product", sorted(POP_SDKS))
def test_the_table_is_what_the_init_imports(product):
    text = _init(POP_SDKS[product][0]).read_text(encoding="utf-8")
    tree = ast.parse(text)
    imported = {a.name: node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.level == 1
                for a in node.names}
    assert model_table(text) == imported
    # (the generated __all__ lists the classes themselves, as names, not strings)
    exported = next(n.value for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") ==
                    "__all__")
    assert isinstance(exported, ast.List)
    assert {getattr(e, "id", getattr(e, "value", None)) for e in exported.elts} <= set(imported)


@pytest.mark.parametrize("text", [
    "from ._a import A\nimport os\n",  # other code
    "from ._a import A as B\n",  # an alias
    "from ._a import A\nX = 1\n",
    "",
])
def test_an_init_of_another_shape_is_left_alone(text):
    assert model_table(text) is None


def test_a_lazily_loaded_model_is_the_class_its_module_defines():
    # (a fresh interpreter: this one may have imported the SDK already)
    code = """
import sys
import aliaudit.clients
import alibabacloud_ecs20140526.client
import alibabacloud_ecs20140526.models as models
loaded = [m for m in sys.modules if m.startswith('alibabacloud_ecs20140526.models.')]
cls = models.DescribeUserDataRequest
from alibabacloud_ecs20140526.models._describe_user_data_request import DescribeUserDataRequest
assert cls is DescribeUserDataRequest and 'DescribeUserDataRequest' in models.__all__
assert len(loaded) < 5, loaded  # the client's import loaded no model
try:
    models.NoSuchModel
except AttributeError as err:
    assert 'NoSuchModel' in str(err)
else:
    raise SystemExit('no AttributeError')
print(cls(region_id='cn-hangzhou', instance_id='i-1').to_map())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "'InstanceId': 'i-1'" in out.stdout
