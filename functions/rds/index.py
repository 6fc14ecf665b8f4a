"""FC entry point of the rds worker: audits the rds family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
