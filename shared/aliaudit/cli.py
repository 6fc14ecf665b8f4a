"""The `aliaudit` command."""

from __future__ import annotations

import argparse
import sys

from . import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aliaudit",
        description="Security-posture auditor for Alibaba Cloud (CIS Alibaba Cloud Foundations v2.0.0 and more).",
    )
    parser.add_argument("--version", action="version", version=f"aliaudit {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    parser.parse_args(argv)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
