"""A JWT plug-in's definition (PluginData: "Supported formats: JSON and YAML", CreatePlugin) read for
bypassEmptyToken within bounds: what cannot be read as a mapping is unknown (None), never "no bypass"."""

from __future__ import annotations

import json

import pytest

from aliaudit.collectors.apigateway import PLUGIN_DATA_MAX_BYTES, jwt_bypasses_empty_token


@pytest.mark.parametrize(("data", "want"), [
    ('{"parameter": "Authorization", "bypassEmptyToken": true}', True),
    ("parameter: X-Token\nbypassEmptyToken: true\n", True),
    ("bypassEmptyToken: 'true'\n", True),
    ('{"parameter": "Authorization", "bypassEmptyToken": false}', False),
    ("parameter: Authorization\nparameterLocation: header\n", False),
    ("", None),  # an empty definition
    ("- bypassEmptyToken: false\n", None),  # not a mapping
    ("{bypassEmptyToken: [", None),  # malformed
    # aliases that would expand to millions of nodes (the safe YAML reader's limit)
    ("a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 8)}]\n"
                                                  for i in range(1, 8)), None),
])
def test_bypass_reading(data: str, want: bool | None) -> None:
    assert jwt_bypasses_empty_token(data) is want


def test_an_oversized_definition_is_unread() -> None:
    data = json.dumps({"bypassEmptyToken": False, "jwk": {"n": "x" * PLUGIN_DATA_MAX_BYTES}})
    assert jwt_bypasses_empty_token(data) is None
