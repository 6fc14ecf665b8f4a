"""The emulated FC refuses what FC 3.0 refuses (memory/cpu ratio, disk size, environment size, layer count, code
size) and gives an instance what FC gives it: a disk of its diskSize (a write past it fails with ENOSPC) and its
layers' python/ directories on the path, the first configured layer first (issue 18). Limits and their sources:
tests/emulator/products/fc/model.py; the instance: tests/emulator/products/fc/runtime.py."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_fc20230330 import models as fc_models
from alibabacloud_fc20230330.client import Client as FcClient
from alibabacloud_tea_openapi.exceptions import ClientException
from darabonba.runtime import RuntimeOptions

from tests.emulator.products.fc import runtime as fc_runtime
from tests.sdk import ACCOUNT, base_scenario, load, pop_config

ROLE = f"acs:ram::{ACCOUNT}:role/fc-role"
FC_TRUST = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                           "Principal": {"Service": ["fc.aliyuncs.com"]}}]}
LAYER = f"acs:fc:cn-hangzhou:{ACCOUNT}:layers/deps/versions/"

WRITER = '''import errno, tempfile

def handler(event, context):
    """Write event MB to the instance's temporary disk: 'written', or the errno name of the failure."""
    try:
        with tempfile.TemporaryFile() as f:
            chunk = b"\\0" * (1 << 20)
            for _ in range(int(event)):
                f.write(chunk)
            f.flush()
    except OSError as err:
        return errno.errorcode.get(err.errno, str(err.errno))
    return "written"
'''
IMPORTER = '''import json

def handler(event, context):
    import shared_mod, only_in_second
    return json.dumps([shared_mod.WHO, only_in_second.WHO])
'''


def _scenario(*functions: dict[str, Any]) -> dict[str, Any]:
    data = base_scenario()
    data["accounts"][0]["ram"]["roles"].append({"name": "fc-role", "trust_policy": FC_TRUST})
    data["accounts"][0]["fc"] = {"functions": list(functions)}
    return data


def _code(tmp_path: Path, name: str, source: str) -> Path:
    code = tmp_path / name
    code.mkdir(parents=True)
    (code / "index.py").write_text(source)
    return code


def _zip(source: str) -> str:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("index.py", source)
    return base64.b64encode(buf.getvalue()).decode()


def _invoke(fc: FcClient, name: str, payload: bytes) -> str:
    resp = fc.invoke_function_with_options(name, fc_models.InvokeFunctionRequest(body=io.BytesIO(payload)),
                                           fc_models.InvokeFunctionHeaders(), RuntimeOptions())
    return resp.body.read().decode() if hasattr(resp.body, "read") else bytes(resp.body).decode()


def _create(fc: FcClient, **fields: Any) -> None:
    body = fc_models.CreateFunctionInput(function_name="limits", runtime="python3.10", handler="index.handler",
                                         role=ROLE, code=fc_models.InputCodeLocation(zip_file=_zip(WRITER)),
                                         **fields)
    fc.create_function(fc_models.CreateFunctionRequest(body=body))


@pytest.mark.parametrize(("fields", "message"), [
    ({"memory_size": 1024, "cpu": 2}, "with 1 to 4 GB of memory per vCPU"),  # 2 vCPUs want 2048 MB at least
    ({"memory_size": 4096, "cpu": 0.5}, "with 1 to 4 GB of memory per vCPU"),  # 8 GB for one vCPU
    ({"memory_size": 1000}, "must be a multiple of 64"),
    ({"disk_size": 1024}, "diskSize 1024 must be one of [512, 10240]"),
    ({"environment_variables": {"BIG": "x" * 4094}}, "more than FC's 4096"),
    ({"layers": [f"{LAYER}{i}" for i in range(1, 7)]}, "6 layers: a function takes at most 5"),
    ({"layers": ["deps"]}, "is not a layer version ARN"),
], ids=["cpu-memory", "memory-cpu", "memory-step", "disk", "environment", "layer-count", "layer-arn"])
def test_the_emulated_fc_refuses_what_fc_refuses(cloud, fields, message):
    load(cloud, _scenario())
    fc = FcClient(pop_config(cloud))
    with pytest.raises(ClientException) as err:
        _create(fc, **fields)
    assert err.value.code == "InvalidArgument" and message in err.value.message, err.value.message


def test_the_limits_themselves_are_accepted(cloud):
    """FC's edges are allowed: 2 vCPUs with 2 GB (1:1), 10 GB of disk, 5 layers, 4 KB of environment."""
    load(cloud, _scenario())
    fc = FcClient(pop_config(cloud))
    _create(fc, memory_size=2048, cpu=2, disk_size=10240, layers=[f"{LAYER}{i}" for i in range(1, 6)],
            environment_variables={"BIG": "x" * 4093})
    got = fc.get_function("limits", fc_models.GetFunctionRequest()).body
    assert (got.memory_size, got.cpu, got.disk_size, len(got.layers)) == (2048, 2, 10240, 5)


def test_a_code_package_larger_than_fc_takes_is_refused():
    """500 MB for a zip from OSS or a developer tool (FC 3.0 limits); the API's 100 MB inline limit is api.py's."""
    from tests.emulator.products.fc.model import CODE_MAX_BYTES, Function, _check_function
    from tests.emulator.state import World

    world = World()
    account = world.primary
    _check_function(Function(name="big", code_size=CODE_MAX_BYTES), account)
    with pytest.raises(ValueError, match="code package of 524288001 bytes"):
        _check_function(Function(name="big", code_size=CODE_MAX_BYTES + 1), account)


@pytest.mark.skipif(not fc_runtime._can_unshare(), reason="no user namespaces here: the emulated disk is unlimited")
def test_a_write_past_the_functions_disk_fails_with_enospc(cloud, tmp_path, monkeypatch):
    monkeypatch.delenv("ALIAUDIT_EMULATOR_FC_PRELOAD")  # (the suite's warm instances have no disk of their own)
    code = _code(tmp_path, "writer", WRITER)
    load(cloud, _scenario({"name": "small-disk", "code_dir": str(code), "handler": "index.handler", "role": ROLE},
                          {"name": "large-disk", "code_dir": str(code), "handler": "index.handler", "role": ROLE,
                           "disk_size": 10240}))
    fc = FcClient(pop_config(cloud))
    assert _invoke(fc, "small-disk", b"100") == "written"
    assert _invoke(fc, "small-disk", b"520") == "ENOSPC"  # FC's default disk: 512 MB
    assert _invoke(fc, "large-disk", b"520") == "written"


def test_layers_are_mounted_like_fc_the_first_configured_first(cloud, admin, tmp_path):
    first, second = tmp_path / "first" / "python", tmp_path / "second" / "python"
    for layer, who in ((first, "first"), (second, "second")):
        layer.mkdir(parents=True)
        (layer / "shared_mod.py").write_text(f"WHO = {who!r}\n")
    (second / "only_in_second.py").write_text("WHO = 'second'\n")
    arns = [admin.request("POST", "fc/layers", {"name": name, "code_dir": str(path.parent)})["arn"]
            for name, path in (("first", first), ("second", second))]
    assert arns == [f"acs:fc:cn-hangzhou:{ACCOUNT}:layers/first/versions/1",
                    f"acs:fc:cn-hangzhou:{ACCOUNT}:layers/second/versions/1"]
    code = _code(tmp_path, "importer", IMPORTER)
    load(cloud, _scenario({"name": "layered", "code_dir": str(code), "handler": "index.handler", "role": ROLE,
                           "layers": arns}))
    for arn, path in zip(arns, (first, second), strict=True):  # load() replaced the state: publish again
        admin.request("POST", "fc/layers", {"name": arn.split("/")[1], "code_dir": str(path.parent)})
    fc = FcClient(pop_config(cloud))
    assert json.loads(_invoke(fc, "layered", b"")) == ["first", "second"]
