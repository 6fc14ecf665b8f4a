"""FC entry point of the aggregator: reports, SLS logs and the alert, once per run."""

from aliaudit.runtime.aggregator import handler  # noqa: F401
