"""The sample account (make emulator / make demo) stays loadable and realistic."""

from __future__ import annotations

from pathlib import Path

from alibabacloud_sts20150401.client import Client as StsClient

from tests.emulator import Scenario
from tests.sdk import pop_config

SAMPLE = Path(__file__).parent / "emulator" / "scenarios" / "sample.yaml"


def test_sample_scenario_loads_and_answers(cloud):
    scenario = Scenario.from_file(SAMPLE)
    cloud.emulator.load(scenario)
    acct = scenario.accounts[0]
    assert len(acct.regions) >= 3 and len(acct.ram.users) >= 4 and acct.oss.buckets
    who = StsClient(pop_config(cloud, "LTAIsampleaudit00001", "sample-audit-secret-000000000")).get_caller_identity()
    assert who.body.arn == f"acs:ram::{acct.id}:user/auditor"
