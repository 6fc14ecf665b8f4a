"""FC entry point of the redis worker: audits the redis family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
