"""FC entry point of the resourcemanager worker: audits the resourcemanager family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
