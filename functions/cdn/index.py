"""FC entry point of the cdn worker: audits the cdn family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
