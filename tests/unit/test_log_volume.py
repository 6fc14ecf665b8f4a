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
