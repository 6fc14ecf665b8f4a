"""FC entry point of the ack worker: audits the ack family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
