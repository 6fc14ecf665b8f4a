"""FC entry point of the fc worker: audits the fc (Function Compute) family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
