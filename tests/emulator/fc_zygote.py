"""A warm start for the emulator's FC instances in the test suite: one process that has imported the modules
named in ALIAUDIT_EMULATOR_FC_PRELOAD forks each new instance, which then runs fc_worker.py's main() as a
process started from scratch would.

Why: the suite starts over a thousand instances (a pipeline run starts one per function), and each one
imported the same SDKs and product modules again, about 1.3 s of CPU on this 2-core machine: most of the
suite's time. What an instance sees is unchanged (its environment, working directory, sys.path, stdin/stdout/
stderr and the handler module imported afresh); what differs from FC is only that the preloaded modules are
already in memory, so start-up times measured here are not FC's cold starts (the benchmark never sets the
variable) and the instance gets no disk of its own size (runtime.py keeps the tmpfs disk for instances started
without the preload, and the test of that limit turns the preload off).

Protocol, over the SOCK_SEQPACKET socket whose fd is the first argument: the zygote's first message,
{"ready": true}, says the preloading is done; then the emulator sends one JSON message ({"env", "cwd"}) with the
instance's stdin, stdout and stderr as SCM_RIGHTS fds, and the zygote forks and answers {"pid": N}. Children are
reaped as they exit, so a pid that no longer exists has ended."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import signal
import socket
import sys
from pathlib import Path

_WORKER = Path(__file__).resolve().parent / "fc_worker.py"


def _reap(signum: int, frame: object) -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _child(sock: socket.socket, request: dict[str, object], fds: list[int]) -> None:
    sock.close()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 - the instance's stdin, for its lifetime
    os.chdir(str(request["cwd"]))
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in dict(request["env"]).items()})  # type: ignore[call-overload]
    spec = importlib.util.spec_from_file_location("fc_worker", _WORKER)
    assert spec and spec.loader
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    sys.path[0] = str(request["cwd"])
    code = 1
    try:
        code = worker.main()
    finally:
        sys.stdout.flush()
        os._exit(code or 0)


def main() -> int:
    for name in filter(None, os.environ.get("ALIAUDIT_EMULATOR_FC_PRELOAD", "").split(",")):
        try:
            importlib.import_module(name.strip())
        except Exception as err:  # noqa: BLE001 - a module that cannot load is loaded by the instance, as without
            print(f"fc_zygote: not preloaded: {name}: {err}", file=sys.stderr)
    sock = socket.socket(fileno=int(sys.argv[1]))
    sock.sendall(b'{"ready": true}')  # (until then the emulator starts instances from scratch)
    signal.signal(signal.SIGCHLD, _reap)
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(sock, 1 << 20, 3)
        except OSError:
            return 0
        if not data:
            return 0  # the emulator closed its end
        pid = os.fork()
        if pid == 0:
            _child(sock, json.loads(data), fds)
        for fd in fds:
            os.close(fd)
        sock.sendall(json.dumps({"pid": pid}).encode())


if __name__ == "__main__":
    sys.exit(main())
