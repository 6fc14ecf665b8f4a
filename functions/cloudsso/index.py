"""FC entry point of the cloudsso worker: audits the cloudsso family (global: collected once per run)."""

from aliaudit.runtime.worker import handler  # noqa: F401
