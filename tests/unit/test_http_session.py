"""http_session: the environment's proxy and CA settings read once per host, with requests' own answers."""

from __future__ import annotations

import pytest
import requests
from requests.adapters import HTTPAdapter

from aliaudit.http_session import EnvironmentOnceSession, adopt

URLS = ["https://b1.oss-cn-hangzhou.aliyuncs.com/?acl", "http://cn-shanghai.log.aliyuncs.com/logstores",
        "https://internal.example.com:8443/x", "http://127.0.0.1:18080/"]


@pytest.fixture()
def proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy", "ALL_PROXY",
                 "all_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.corp:3129")
    monkeypatch.setenv("NO_PROXY", "example.com,127.0.0.1")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/corp-ca.pem")
    return monkeypatch


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("proxies", [None, {}, {"https": "http://configured:1"}])
def test_each_host_gets_what_requests_gives_it(proxy_env: pytest.MonkeyPatch, url: str,
                                               proxies: dict[str, str] | None) -> None:
    ours, theirs = EnvironmentOnceSession(), requests.Session()
    for _ in range(2):  # (the second answer from what the first read)
        assert (ours.merge_environment_settings(url, dict(proxies or {}), True, None, None)
                == theirs.merge_environment_settings(url, dict(proxies or {}), True, None, None))


def test_the_environment_is_read_once_per_host(proxy_env: pytest.MonkeyPatch) -> None:
    session = EnvironmentOnceSession()
    first = session.merge_environment_settings(URLS[0], {}, True, None, None)
    assert first["proxies"]["https"] == "http://proxy.corp:3128" and first["verify"] == "/etc/corp-ca.pem"
    proxy_env.setenv("HTTPS_PROXY", "http://other:1")
    assert session.merge_environment_settings(URLS[0], {}, True, None, None) == first
    other_host = session.merge_environment_settings("https://b2.oss-cn-hangzhou.aliyuncs.com/", {}, True, None, None)
    assert other_host["proxies"]["https"] == "http://other:1"


def test_a_caller_changing_the_proxies_it_got_changes_nothing_kept(proxy_env: pytest.MonkeyPatch) -> None:
    session = EnvironmentOnceSession()
    session.merge_environment_settings(URLS[0], {}, True, None, None)["proxies"]["https"] = "http://tampered:1"
    assert session.merge_environment_settings(URLS[0], {}, True, None, None)["proxies"]["https"] == \
        "http://proxy.corp:3128"


def test_a_session_without_trust_in_the_environment_still_ignores_it(proxy_env: pytest.MonkeyPatch) -> None:
    session = EnvironmentOnceSession()
    session.trust_env = False
    got = session.merge_environment_settings(URLS[0], {}, True, None, None)
    assert got["proxies"] == {} and got["verify"] is True


def test_adopt_keeps_the_sdks_adapters_and_settings() -> None:
    sdk = requests.Session()
    adapter = HTTPAdapter(pool_maxsize=256)
    sdk.mount("https://", adapter)
    sdk.trust_env, sdk.proxies, sdk.verify = False, {"https": "http://p:1"}, "/ca.pem"
    new = adopt(sdk)
    assert isinstance(new, EnvironmentOnceSession)
    assert new.get_adapter("https://x.aliyuncs.com/") is adapter
    assert (new.trust_env, new.proxies, new.verify) == (False, {"https": "http://p:1"}, "/ca.pem")
