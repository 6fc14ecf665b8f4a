"""aliaudit.log_volume: the security services' log storage read from their answers (integers only) and judged
exhausted at Used >= Quota, or without capacity; what was not answered is ERROR, never room."""

from __future__ import annotations

from types import SimpleNamespace

from aliaudit.findings import Status
from aliaudit.log_volume import LogVolume, problem, read, read_gigabytes, usage


def test_only_integers_are_read() -> None:
    assert read(SimpleNamespace(quota=3298534883328, used=35471136)) == LogVolume(quota=3298534883328, used=35471136)
    assert read(SimpleNamespace(quota="3298534883328", used=True)) == LogVolume()
    assert read(SimpleNamespace()) == LogVolume()


def test_verdicts() -> None:
    assert problem(None) is None and usage(None) == ""
    assert problem(LogVolume(quota=100, used=99)) is None
    assert problem(LogVolume(quota=100, used=100))[0] is Status.FAIL  # type: ignore[index]
    assert problem(LogVolume(quota=0, used=0))[0] is Status.FAIL  # type: ignore[index]
    assert problem(LogVolume(quota=100))[0] is Status.ERROR  # type: ignore[index]
    assert problem(LogVolume(error="Throttling"))[1] == "could not read the log storage usage: Throttling"  # type: ignore[index]
    assert usage(LogVolume(quota=3298534883328, used=35471136)) == "; log storage 0.0% used (33.8 MiB of 3.0 TiB)"
    assert usage(LogVolume(quota=2048, used=512)) == "; log storage 25.0% used (512 bytes of 2.0 KiB)"


def test_security_center_reads_gigabytes() -> None:
    # DescribeLogstoreStorage's JSON sample: Preserve 12240, Used 335 (GB); its XML sample's Used is 335.14641880244
    assert read_gigabytes(12240, 335) == LogVolume(quota=12240 << 30, used=335 << 30)
    assert read_gigabytes(12240, 335.14641880244).used == int(335.14641880244 * (1 << 30))
    assert read_gigabytes(None, "335") == LogVolume()


def test_cloud_firewall_reads_the_purchased_total_and_each_logstore() -> None:
    """DescribeLogStoreInfo as alibabacloud_cloudfw20171207 9.4 documents it: Quota "The available log storage
    capacity", TotalQuota "The total purchased log storage capacity", InfoList[] each logstore's Quota ("The storage
    capacity threshold") and Used. The reference's sample (Quota 50000000, Used 0, no TotalQuota) reads as before."""
    from alibabacloud_cloudfw20171207 import models

    from aliaudit.collectors.cloudfw import log_store_volume

    body = models.DescribeLogStoreInfoResponseBody
    entry = models.DescribeLogStoreInfoResponseBodyInfoList
    assert log_store_volume(body(quota=50000000, used=0)) == LogVolume(quota=50000000, used=0)
    # half used of the purchased total: Quota (what is left) is no capacity to compare Used with
    half = log_store_volume(body(quota=1 << 40, total_quota=2 << 40, used=1 << 40))
    assert half == LogVolume(quota=2 << 40, used=1 << 40) and problem(half) is None
    assert problem(log_store_volume(body(quota=0, total_quota=2 << 40, used=2 << 40)))[0] is Status.FAIL  # type: ignore[index]
    # LogVersion 2: a second logstore at its threshold is exhausted although the total has room
    two = body(quota=1 << 40, total_quota=2 << 40, used=1 << 30, log_version=2,
               info_list=[entry(quota=1 << 40, used=1 << 20), entry(quota=1 << 30, used=1 << 30)])
    assert problem(log_store_volume(two))[0] is Status.FAIL  # type: ignore[index]
