"""fc_function_env_no_access_keys: a variable whose NAME is an AccessKey ID (its value the secret) is a credential
too; it is flagged, and the name is shown masked, so the key reaches no dataset or finding."""

from __future__ import annotations

from aliaudit.collectors.fc import suspicious_variables

AK = "LTAI5tAbCdEfGhIjKlMnOpQr"
SECRET = "k3yS3cretValue0123456789abcdef"


def test_a_name_holding_an_access_key_id_is_flagged_and_masked() -> None:
    found = suspicious_variables({AK: SECRET, "REGION": "cn-hangzhou", f"{AK}_SECRET": SECRET})
    assert [(v.name, v.reason) for v in found] == [
        ("LTAI****", "name is an AccessKey ID"), ("LTAI****_SECRET", "name is an AccessKey ID")]
    assert not any(AK in v.model_dump_json() or SECRET in v.model_dump_json() for v in found)
