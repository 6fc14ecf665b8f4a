"""FC entry point of the nas worker: audits the nas family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
