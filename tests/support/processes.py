"""Start a server process, wait for the line that says it is ready, stop it;
and run ``manage.py`` against another process's settings.

One helper for every test and tool that starts a server (the live tests, the
browser tests, ``.ci/smoke.py``, ``bench/server.py``): no polling, no sleeps.
The process's stdout and stderr go to one pipe; a reader thread copies each
line into the caller's log (a file, or a stream such as ``sys.stdout.buffer``)
and onto a queue, and ``wait_for`` takes lines off that queue until one
matches, the process closes its output (it exited), or the deadline passes.
On failure the exception says what was awaited, how the process ended, and
its last lines.

This module imports nothing from Django, so scripts run from the repository
root can use it as ``tests.support.processes``.
"""

import collections
import json
import os
import queue
import re
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

PROJECT_DIR = Path(__file__).resolve().parents[2]

# daphne's ``daphne.server`` logger, at INFO, once its socket is listening
# (``daphne`` itself, ``daphne --fd`` and ``manage.py runserver`` alike).
DAPHNE_LISTENING = r"Listening on TCP address \S+:\d+"
# redis-server, once it accepts clients.
REDIS_READY = r"Ready to accept connections"

TAIL_LINES = 30
EXIT_SECONDS = 5.0  # after its output closes, how long a process gets to report its exit code
STOP_SECONDS = 10.0  # after a signal, how long a process gets before SIGKILL

# Loopback only: a proxy from the environment must not carry these requests.
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def raise_open_files_limit() -> int:
    """Raise this process's open-files limit to its hard limit; return it. Thousands of
    sockets need more than the usual soft limit of 1,024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def rss_mib(pid: int) -> float:
    """The resident memory of process ``pid`` (``VmRSS`` in /proc), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class NotReady(RuntimeError):
    """The awaited line did not come; the message says why."""


class WatchedProcess:
    """A subprocess whose output is copied line by line into a log and can be
    waited on; see ``start``."""

    def __init__(
        self,
        name: str,
        process: "subprocess.Popen[bytes]",
        log: IO[bytes],
        log_path: Path | None,
    ) -> None:
        self.name = name
        self.process = process
        self.log_path = log_path
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self._tail_lock = threading.Lock()
        self._closed = False  # the reader has seen the end of the output
        self._reader = threading.Thread(
            target=self._read,
            args=(log, log_path is not None),
            name=f"output of {name}",
            daemon=True,
        )
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self, log: IO[bytes], close_log: bool) -> None:
        assert self.process.stdout is not None
        try:
            for raw in iter(self.process.stdout.readline, b""):
                log.write(raw)
                log.flush()
                line = raw.decode(errors="replace").rstrip("\r\n")
                with self._tail_lock:
                    self._tail.append(line)
                self._lines.put(line)
        finally:
            self.process.stdout.close()
            if close_log:
                log.close()
            self._lines.put(None)

    def log_text(self) -> str:
        """What the process has written to its log file so far (the reader writes each
        line there before ``wait_for`` sees it)."""
        assert self.log_path is not None, f"{self.name} logs to a stream, not a file"
        return self.log_path.read_text()

    def tail(self) -> list[str]:
        """The last lines of output seen so far."""
        with self._tail_lock:
            return list(self._tail)

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        """Return the match of the first line (from here on) matching ``pattern``;
        raise ``NotReady`` if the output ends or ``timeout`` seconds pass first."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while not self._closed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:
                self._closed = True
                break
            match = regex.search(line)
            if match is not None:
                return match
        raise NotReady(self._failure(f"no line matching {pattern!r} within {timeout:g}s"))

    def _failure(self, missing: str) -> str:
        if self._closed:
            try:
                code = self.process.wait(timeout=EXIT_SECONDS)
            except subprocess.TimeoutExpired:
                outcome = f"it closed its output but is still running (pid {self.pid})"
            else:
                outcome = f"it exited with code {code} first"
        elif self.process.poll() is not None:
            outcome = f"it exited with code {self.process.returncode}"
        else:
            outcome = f"it is still running (pid {self.pid})"
        lines = self.tail()
        shown = "\n".join(f"    {line}" for line in lines) if lines else "    (no output)"
        where = f" (full log: {self.log_path})" if self.log_path is not None else ""
        return f"{self.name}: {missing}; {outcome}. Its last lines{where}:\n{shown}"

    def wait_serving(self, url: str, timeout: float) -> None:
        """Wait for daphne's listening line, then GET ``url``: it must answer 200
        (once the socket listens, one request is enough). ``NotReady`` otherwise."""
        deadline = time.monotonic() + timeout
        self.wait_for(DAPHNE_LISTENING, timeout)
        try:
            with _LOOPBACK.open(url, timeout=max(deadline - time.monotonic(), 1.0)) as response:
                status = response.status
        except OSError as exc:
            raise NotReady(self._failure(f"listening, but GET {url} failed: {exc}")) from None
        if status != 200:
            raise NotReady(self._failure(f"listening, but GET {url} answered {status}"))

    def stop(self, sig: signal.Signals = signal.SIGTERM, *, group: bool = False) -> int:
        """Send ``sig`` (to the whole process group with ``group``), SIGKILL if it
        outlives STOP_SECONDS; wait until its last output is in the log. Its exit code."""
        try:
            if self.process.poll() is None:
                send = (lambda s: os.killpg(self.pid, s)) if group else self.process.send_signal
                try:
                    send(sig)
                    return self.process.wait(timeout=STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    send(signal.SIGKILL)
                except ProcessLookupError:
                    pass
            return self.process.wait(timeout=STOP_SECONDS)
        finally:
            self.finish()

    def finish(self, timeout: float = EXIT_SECONDS) -> None:
        """After the process has been stopped: wait (at most ``timeout``) until
        the reader has copied the last of its output into the log."""
        self._reader.join(timeout)


def start(
    name: str,
    argv: Sequence[str],
    log: Path | IO[bytes],
    *,
    append: bool = False,
    **popen_kwargs: Any,
) -> WatchedProcess:
    """Start ``argv`` with stdout and stderr piped, copying each line into ``log``:
    a file path (truncated first unless ``append``) or an open binary stream
    (left open). ``popen_kwargs`` go to ``subprocess.Popen`` (cwd, env,
    start_new_session, ...); stdin is /dev/null unless given."""
    popen_kwargs.setdefault("stdin", subprocess.DEVNULL)
    log_path: Path | None
    sink: IO[bytes]
    if isinstance(log, Path):
        log_path, sink = log, log.open("ab" if append else "wb")
    else:
        log_path, sink = None, log
    try:
        process = subprocess.Popen(  # noqa: S603 - callers pass fixed argv
            list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **popen_kwargs
        )
    except BaseException:
        if log_path is not None:
            sink.close()
        raise
    return WatchedProcess(name, process, sink, log_path)


class ManageFailed(RuntimeError):
    """``manage.py`` exited non-zero; the message holds its stderr."""


def manage(env: Mapping[str, str], *args: str, timeout: float = 300.0) -> str:
    """Run ``manage.py *args`` with ``env`` (the settings of the server under
    test, not this process's); return its stdout."""
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise ManageFailed(f"manage.py {' '.join(args[:1])} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def manage_json(env: Mapping[str, str], code: str) -> Any:
    """Run ``code`` in ``manage.py shell``; the last line it prints is JSON."""
    return json.loads(manage(env, "shell", "--verbosity", "0", "-c", code).splitlines()[-1])
