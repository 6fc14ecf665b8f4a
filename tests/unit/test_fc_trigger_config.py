"""FC HTTP triggers' triggerConfig (JSON text the cloud returns) is parsed within a bound: oversized or too deeply
nested text is that trigger's ERROR with the reason, never an exception that fails the function's other triggers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from aliaudit.collectors.fc import MAX_TRIGGER_CONFIG, http_trigger


def trigger(config: str) -> SimpleNamespace:
    return SimpleNamespace(trigger_name="t", trigger_type="http", trigger_config=config, http_trigger=None)


@pytest.mark.parametrize("config, why", [
    ("[" * 20000 + "]" * 20000, "not a JSON object"),  # past the parser's depth, within the bound
    ('{"authType": "anonymous", "pad": "' + "x" * MAX_TRIGGER_CONFIG + '"}', "larger than"),
    ("", "not a JSON object"),
    ('["anonymous"]', "not a JSON object"),
])
def test_unparsable_trigger_config_is_that_triggers_error(config: str, why: str) -> None:
    got = http_trigger(trigger(config))
    assert got.config_error and why in got.config_error and got.auth_type == ""


def test_a_config_is_read() -> None:
    got = http_trigger(trigger('{"authType": "anonymous", "disableURLInternet": false}'))
    assert got.config_error is None and got.auth_type == "anonymous" and not got.internet_disabled
