"""The emulator's side of fc_zygote.py (the test suite's warm instance starts): the zygote process, started on
first use when ALIAUDIT_EMULATOR_FC_PRELOAD names modules, and the instances it forks, which look to runtime.py
like the subprocess.Popen of an instance started from scratch (stdin, stdout, stderr, poll, kill, wait)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

PRELOAD_ENV = "ALIAUDIT_EMULATOR_FC_PRELOAD"
_ZYGOTE = Path(__file__).resolve().parent.parent.parent / "fc_zygote.py"


class Forked:
    """An instance forked by the zygote (not this process's child: the zygote reaps it)."""

    def __init__(self, pid: int, stdin: IO[bytes], stdout: IO[bytes], stderr: IO[bytes]) -> None:
        self.pid, self.stdin, self.stdout, self.stderr = pid, stdin, stdout, stderr
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except (ProcessLookupError, PermissionError):  # (PermissionError: the pid is another user's now)
                self.returncode = -signal.SIGKILL
        return self.returncode

    def kill(self) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.01)
        return code


class Zygote:
    def __init__(self, modules: str) -> None:
        self.modules = modules
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self.ready = False

    def _start(self) -> socket.socket:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {**os.environ, PRELOAD_ENV: self.modules}
        self._proc = subprocess.Popen([sys.executable, str(_ZYGOTE), str(theirs.fileno())], env=env,
                                      stdin=subprocess.DEVNULL, pass_fds=(theirs.fileno(),))
        theirs.close()
        self._sock = ours
        return ours

    def start(self) -> None:
        """Start preloading (in the background: instances start from scratch until it is done)."""
        with self._lock:
            self._live()

    def _live(self) -> socket.socket:
        if self._sock is None or self._proc is None or self._proc.poll() is not None:
            self.ready = False
            return self._start()
        return self._sock

    def _is_ready(self, sock: socket.socket) -> bool:
        if not self.ready:
            sock.setblocking(False)
            try:
                self.ready = bool(sock.recv(4096))
            except BlockingIOError:
                pass
            finally:
                sock.setblocking(True)
        return self.ready

    def spawn(self, env: dict[str, str], cwd: str) -> Forked | None:
        """The instance forked with this environment and working directory; None while the zygote preloads."""
        with self._lock:
            sock = self._live()
            if not self._is_ready(sock):
                return None
            pipes = [os.pipe() for _ in range(3)]  # (read, write) for stdin, stdout, stderr
            child = [pipes[0][0], pipes[1][1], pipes[2][1]]
            try:
                socket.send_fds(sock, [json.dumps({"env": env, "cwd": cwd}).encode()], child)
                answer = sock.recv(4096)
                if not answer:
                    raise OSError("the FC zygote ended")
                pid = int(json.loads(answer)["pid"])
            except BaseException:
                for r, w in pipes:
                    os.close(r)
                    os.close(w)
                raise
        for fd in child:
            os.close(fd)
        return Forked(pid, os.fdopen(pipes[0][1], "wb"), os.fdopen(pipes[1][0], "rb"), os.fdopen(pipes[2][0], "rb"))

    def close(self) -> None:
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None
            if self._proc is not None and self._proc.poll() is None:
                self._proc.kill()
                self._proc.wait()


_zygote: Zygote | None = None
_zygote_lock = threading.Lock()


def zygote() -> Zygote | None:
    """The zygote for the modules ALIAUDIT_EMULATOR_FC_PRELOAD names (None: instances start from scratch)."""
    global _zygote
    modules = os.environ.get(PRELOAD_ENV, "").strip()
    if not modules:
        return None
    with _zygote_lock:
        if _zygote is None or _zygote.modules != modules:
            if _zygote is not None:
                _zygote.close()
            _zygote = Zygote(modules)
        return _zygote
