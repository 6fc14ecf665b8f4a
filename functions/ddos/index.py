"""FC entry point of the ddos worker: audits the ddos family (global: collected once per run)."""

from aliaudit.runtime.worker import handler  # noqa: F401
