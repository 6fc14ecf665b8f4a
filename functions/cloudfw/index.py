"""FC entry point of the cloudfw worker: audits the cloudfw family (global: collected once per run)."""

from aliaudit.runtime.worker import handler  # noqa: F401
