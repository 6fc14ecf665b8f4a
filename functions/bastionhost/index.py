"""FC entry point of the bastionhost worker: audits the bastionhost family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
