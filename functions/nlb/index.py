"""FC entry point of the nlb worker: audits the nlb family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
