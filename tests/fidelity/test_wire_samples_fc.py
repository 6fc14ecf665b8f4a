"""Function Compute's collector on the documented samples of fc 2023-03-30 (tests/fixtures/wire/fc): ListFunctions
lists my-function-1 (role acs:ram::188077086902****:role/fc-test, environmentVariables {"key": "value1"}), and its
ListTriggers sample is a trigger whose documented fields are all empty strings (triggerType "", triggerConfig "")
with the documented httpTrigger URLs."""

from __future__ import annotations

from tests.wire_replay import WireReplay
from tests.wire_samples import REGION, collect, covers, pick


@covers("fc.functions")
def test_fc_functions_from_the_documented_samples(replay: WireReplay) -> None:
    got = collect(replay, "fc.functions")
    expected = [{
        "name": "my-function-1", "arn": "acs:fc:cn-shanghai:123:functions/functionName", "region": REGION,
        "runtime": "python3.10", "role": "acs:ram::188077086902****:role/fc-test", "env_count": 1,
        "secret_variables": [],  # key=value1: neither an AccessKey id nor a secret-looking name
        "triggers_error": None,
        "role_privilege": None,  # the sample's role is of account 188077086902****, not the scanned one: not read
        # the sample's trigger has an empty triggerType: not an HTTP trigger, so its empty triggerConfig is not read
        "triggers": [{"name": "", "type": "", "auth_type": "", "internet_disabled": False, "config_error": None,
                      "url_internet": "https://svc-func-xxxxxxxx.cn-hangzhou.fcapp.run"}],
    }]
    assert pick(got, expected) == expected
    assert got[0].role_account == "188077086902****" and got[0].role_name == "fc-test"
