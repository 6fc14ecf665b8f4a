"""FC entry point of the polardb worker: audits the polardb family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
