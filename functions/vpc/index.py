"""FC entry point of the vpc worker: audits the vpc family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
