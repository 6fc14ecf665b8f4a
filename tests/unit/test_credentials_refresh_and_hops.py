"""Credentials on our own provider objects (no cloud): a refresh that fails while the cached credentials still hold
keeps them (the official library's cache, StaleValueBehavior.ALLOW, does the same) unless the cloud called them
expired; and each hop of a chained config.json profile assumes its role at its own STS endpoint (aliyun-cli resolves
sts_endpoint / sts_region per profile)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from aliaudit import errors
from aliaudit.credentials.profiles import build_cli_profile
from aliaudit.credentials.providers import RefreshingProvider, _new_credentials
from aliaudit.settings import EndpointSettings


class _Flaky(RefreshingProvider):
    name = "flaky"

    def __init__(self, lifetime: float) -> None:
        super().__init__()
        self.lifetime, self.fail = lifetime, False

    def _fetch(self):
        if self.fail:
            raise errors.ConnectionFailed("flaky: the service is down")
        creds = _new_credentials(access_key_id="STS.id", access_key_secret=f"s{self.fetches}", security_token="t",
                                 provider_name=self.name)
        return creds, time.time() + self.lifetime


def test_a_failed_refresh_keeps_credentials_that_still_hold(caplog):
    p = _Flaky(lifetime=3600)
    first = p.get_credentials()
    p._refresh_at, p.fail = 0.0, True  # (due for its refresh; the service is down)
    with caplog.at_level(logging.WARNING, logger="aliaudit.credentials"):
        assert p.get_credentials() is first
    assert "refreshing the credentials failed" in caplog.text and "s0" not in caplog.text
    p.expire()  # the cloud called them expired: never fall back on them
    with pytest.raises(errors.ConnectionFailed):
        p.get_credentials()


def test_a_failed_refresh_near_expiry_fails():
    p = _Flaky(lifetime=60)  # (within the grace: not kept)
    p.get_credentials()
    p._refresh_at, p.fail = 0.0, True
    with pytest.raises(errors.ConnectionFailed):
        p.get_credentials()


def test_each_hop_of_a_profile_chain_uses_its_own_sts_endpoint():
    config = {"profiles": [
        {"name": "base", "mode": "RamRoleArn", "access_key_id": "LTAIbase", "access_key_secret": "x" * 30,
         "ram_role_arn": "acs:ram::1:role/first", "sts_region": "cn-beijing"},
        {"name": "top", "mode": "ChainableRamRoleArn", "source_profile": "base",
         "ram_role_arn": "acs:ram::1:role/second", "sts_region": "ap-southeast-1"}]}
    top = build_cli_profile(config, "top", Path("/config.json"), EndpointSettings(), "s").provider
    assert top.settings.sts_host() == "sts.ap-southeast-1.aliyuncs.com"
    assert top.source.settings.sts_host() == "sts.cn-beijing.aliyuncs.com"
    # an endpoint given on the command line or in the environment wins over every profile's
    given = EndpointSettings(sts_endpoint="sts-vpc.cn-hangzhou.aliyuncs.com")
    top = build_cli_profile(config, "top", Path("/config.json"), given, "s").provider
    assert {top.settings.sts_host(), top.source.settings.sts_host()} == {"sts-vpc.cn-hangzhou.aliyuncs.com"}
