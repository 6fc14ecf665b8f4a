"""FC entry point of the elasticsearch worker: audits the elasticsearch family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
