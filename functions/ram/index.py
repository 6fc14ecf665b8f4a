"""FC entry point of the ram worker: audits the ram family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
