"""FC entry point of the dns worker: audits the dns family (global: collected once per run)."""

from aliaudit.runtime.worker import handler  # noqa: F401
