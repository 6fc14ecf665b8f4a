"""FC entry point of the alb worker: audits the alb family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
