"""python -m tests.emulator --scenario FILE --port N: serve a scenario until interrupted."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading

from pydantic import ValidationError

from .app import Emulator
from .server import EmulatorServer
from .state import Scenario


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description=__doc__)
    parser.add_argument("--scenario", help="scenario YAML file (default: one empty account)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(message)s")
    try:
        scenario = Scenario.from_file(args.scenario) if args.scenario else Scenario()
    except (OSError, ValidationError, ValueError) as err:
        print(f"error: cannot load scenario {args.scenario}: {err}", file=sys.stderr)
        return 1
    try:
        server = EmulatorServer(Emulator(scenario), args.host, args.port).start()
    except OSError as err:
        print(f"error: cannot listen on {args.host}:{args.port}: {err}", file=sys.stderr)
        return 1
    print(f"emulator listening on {server.url}", flush=True)
    print(f"  SDK endpoint : Config(endpoint='{server.endpoint}', protocol='http')", flush=True)
    print(f"  forward proxy: HTTP_PROXY={server.url}", flush=True)
    print(f"  admin        : {server.url}/_emulator/health", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
