"""The `aliaudit` command (the console script `aliaudit.cli:run`: main, then a quick exit): main.py parses and
dispatches, options.py holds the shared options and turns them into typed settings, scan.py and org.py run a
scan of one account or of many, catalog.py lists the checks, the frameworks' coverage and the RAM policy.
Nothing below this package sees argparse."""

from .main import main, run

__all__ = ["main", "run"]
