"""FC entry point of the actiontrail worker: audits the actiontrail family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
