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


def test_names_that_hold_a_secret_and_names_that_refer_to_one() -> None:
    from aliaudit.collectors.fc import names_a_secret

    secrets = ["DB_PASSWORD", "db-password", "MYSQLPWD", "API_KEY", "ACCESS_KEY", "aliyun.access.key", "GITHUB_TOKEN",
               "ACCESSTOKEN", "JWT_SECRET", "CLIENT_SECRET", "PRIVATE_KEY", "CREDENTIALS"]
    # references to a secret or settings about one: the check's own remediation keeps DB_SECRET_NAME
    references = ["DB_SECRET_NAME", "KMS_SECRET_ID", "SECRET_ARN", "TOKEN_ENDPOINT", "PASSWORD_MIN_LENGTH",
                  "MAX_TOKENS", "TOKENIZERS_PARALLELISM", "REGION", "DB_HOST", "TOKEN_TTL"]
    assert [n for n in secrets if not names_a_secret(n)] == []
    assert [n for n in references if names_a_secret(n)] == []
    found = suspicious_variables({"DB_SECRET_NAME": "prod/db", "DB_PASSWORD": "hunter2", "MAX_TOKENS": "4096"})
    assert [(v.name, v.reason) for v in found] == [("DB_PASSWORD", "name suggests a secret")]
