"""FC entry point of the waf worker: audits the waf family (global: collected once per run)."""

from aliaudit.runtime.worker import handler  # noqa: F401
