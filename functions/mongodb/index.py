"""FC entry point of the mongodb worker: audits the mongodb family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
