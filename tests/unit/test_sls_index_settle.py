"""The findings logs wait for a new or changed index (SLS: "An index takes effect within approximately one minute
after creation. The index applies only to newly written data"; the pipeline test with the emulator's delay shows
the alert that the first run of a new deployment lost without it)."""

from __future__ import annotations

from aliaudit.runtime.settings import INDEX_SETTLE_S, PipelineSettings
from aliaudit.runtime.sls_sink import index_wait

SECRET = "s" * 32


def test_waits_out_the_rest_of_the_settle_time_after_the_last_change() -> None:
    assert index_wait(1000.0, 90.0, now=1000.0) == 90.0  # created just now
    assert index_wait(1000.0, 90.0, now=1030.0) == 60.0
    assert index_wait(1000.0, 90.0, now=1090.0) == 0.0  # in effect
    assert index_wait(0.0, 90.0, now=1_700_000_000.0) == 0.0  # a deployment's long-standing index


def test_a_change_stamped_ahead_of_our_clock_waits_at_most_the_settle_time() -> None:
    assert index_wait(5000.0, 90.0, now=1000.0) == 90.0


def test_the_settle_time_defaults_past_the_documented_minute_and_is_a_setting() -> None:
    assert INDEX_SETTLE_S >= 60
    env = {"ALIAUDIT_REPORT_BUCKET": "b", "ALIAUDIT_LOG_PROJECT": "p", "ALIAUDIT_RUN_SECRET": SECRET}
    assert PipelineSettings.from_env(env).index_settle_seconds == INDEX_SETTLE_S
    assert PipelineSettings.from_env({**env, "ALIAUDIT_SLS_INDEX_SETTLE_SECONDS": "2.5"}).index_settle_seconds == 2.5


def test_the_index_time_is_the_answers_own_or_none() -> None:
    from aliyun.log.index_config_response import GetIndexResponse

    from aliaudit.runtime.sls_sink import index_modified_at

    assert index_modified_at(GetIndexResponse({"keys": {}, "lastModifyTime": 1524155379}, {})) == 1524155379.0
    # the SDK's IndexConfig.modify_time would be its own clock here: every run would wait
    assert index_modified_at(GetIndexResponse({"keys": {}}, {})) == 0.0
    assert index_modified_at(GetIndexResponse({"keys": {}, "lastModifyTime": "soon"}, {})) == 0.0
