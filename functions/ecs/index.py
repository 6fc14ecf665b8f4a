"""FC entry point of the ecs worker: audits the ecs family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
