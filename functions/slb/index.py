"""FC entry point of the slb worker: audits the slb family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
