"""Inside Function Compute: aliaudit uses the execution role's credentials from the runtime."""

from __future__ import annotations

import io
import json

from alibabacloud_fc20230330 import models as fc_models
from alibabacloud_fc20230330.client import Client as FcClient
from darabonba.runtime import RuntimeOptions

from tests.fidelity.test_emulator_fc import CODE, FC_TRUST
from tests.sdk import ACCOUNT, base_scenario, load, pop_config


def test_function_uses_its_execution_role_from_env_and_context(cloud):
    data = base_scenario()
    data["accounts"][0]["ram"]["roles"].append({"name": "fc-auditor", "trust_policy": FC_TRUST})
    data["accounts"][0]["fc"] = {"functions": [
        {"name": "who", "code_dir": str(CODE), "handler": "aliaudit_identity.handler", "timeout": 30,
         "role": f"acs:ram::{ACCOUNT}:role/fc-auditor"}]}
    load(cloud, data)
    fc = FcClient(pop_config(cloud))
    for payload, origin in ((b"{}", "environment"), (b'{"context_only": true}', "context.credentials")):
        resp = fc.invoke_function_with_options("who", fc_models.InvokeFunctionRequest(body=io.BytesIO(payload)),
                                               fc_models.InvokeFunctionHeaders(), RuntimeOptions())
        body = resp.body.read()
        assert "x-fc-error-type" not in resp.headers, body
        identity = json.loads(body)
        assert identity["method"] == "FC execution role" and origin in identity["origin"]
        assert identity["arn"] == f"acs:ram::{ACCOUNT}:assumed-role/fc-auditor/who"
