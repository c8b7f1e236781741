"""Docker Compose driven as a user drives it, for tests/compose/: the repository's
compose.yaml (and an overlay when asked) under a project name of the test's own, the
proxy published on a free port of 127.0.0.1, every command bounded in time, and the
project taken down with its volumes whatever happened.

The image names come from the environment (PYTHON_IMAGE, POSTGRES_IMAGE, REDIS_IMAGE,
HAPROXY_IMAGE: CI's stand-ins, .ci/images/build); unset, compose.yaml's defaults (the
official images) apply. Clients reach the stack only through its published port.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support import processes
from tests.support.live import Endpoint
from tests.support.processes import free_port

DOCKER = shutil.which("docker") or "/usr/bin/docker"
SHARDED = "config/compose.sharded.yaml"
# Building the image from scratch (pip from the wheelhouse, collectstatic) included.
BUILD_SECONDS = 600.0
# From `up` until every service is healthy (healthchecks run every 5-10 s).
HEALTHY_SECONDS = 180.0
COMMAND_SECONDS = 120.0
# What the compose file's own commands are given to stop a container.
STOP_SECONDS = 10
# Lines the proxy logs as its checks and its resolver bring a server in or take it out:
# the copy on its standard error only ("[WARNING] (pid) : ..."); the one on standard
# output (its log) may come before or after it in `docker compose logs`, so reading
# both could see a server's UP after its DOWN.
SERVER_EVENT = r"\[WARNING\] +\(\d+\) : Server web/(?P<server>web\d+) .*is (?P<state>UP|DOWN)"
# daphne's access log, as `docker compose logs` shows it: a WebSocket of chat {pk}
# accepted or closed, after the container's name.
SOCKET_EVENT = r'^(?P<container>web-\d+)\s+\| .*"(?P<event>WSCONNECT|WSDISCONNECT) /ws/chat/{pk}/"'


class ComposeFailed(AssertionError):
    """A compose command failed or outlived its bound; the message has its output."""


@dataclass
class Stack:
    """One compose project: ``compose(...)`` runs ``docker compose`` on it."""

    project: str
    secret_key: str | None
    files: Sequence[str] = ()
    port: int = field(default_factory=free_port)

    @property
    def environment(self) -> dict[str, str]:
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith("COMPOSE_") and name not in {"SECRET_KEY", "PROXY_PORT"}
        }
        env |= {
            "COMPOSE_PROJECT_NAME": self.project,
            "PROXY_PORT": str(self.port),
            # A network of its own: two projects up at once (the main one and an overlay's)
            # cannot share compose.yaml's fixed default subnet.
            "NETWORK_SUBNET": f"172.30.{100 + zlib.crc32(self.project.encode()) % 150}.0/24",
            # daphne's access log: the sockets each web container holds are read from it.
            "ACCESS_LOG": "true",
        }
        if self.secret_key is not None:
            env["SECRET_KEY"] = self.secret_key
        return env

    @property
    def endpoint(self) -> Endpoint:
        """The published proxy, as the README's browser reaches it (its pages are
        served at http://localhost:PORT, compose.yaml's SERVER_URL)."""
        return Endpoint("proxy", self.port, origin=f"http://localhost:{self.port}")

    def run(self, *args: str, timeout: float = COMMAND_SECONDS) -> subprocess.CompletedProcess[str]:
        """``docker compose [-f FILE...] *args``; its exit code is the caller's to judge."""
        argv = [DOCKER, "compose"]
        for file in self.files:
            argv += ["-f", file]
        try:
            return subprocess.run(  # noqa: S603 - fixed argv
                [*argv, *args],
                cwd=processes.PROJECT_DIR,
                env=self.environment,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ComposeFailed(
                f"`docker {' '.join(argv[1:] + list(args))}` did not finish within {timeout:.0f}s; "
                f"its last output:\n{_tail(exc.stdout)}\n{_tail(exc.stderr)}"
            ) from None

    def compose(self, *args: str, timeout: float = COMMAND_SECONDS) -> str:
        """``run``, failing the test unless it exits 0; its output."""
        result = self.run(*args, timeout=timeout)
        if result.returncode != 0:
            raise ComposeFailed(
                f"`docker compose {' '.join(args)}` exited {result.returncode}:\n"
                f"{_tail(result.stdout)}\n{_tail(result.stderr)}\n{self.diagnosis()}"
            )
        return result.stdout + result.stderr

    def up(self, *args: str) -> float:
        """``docker compose up -d`` (plus ``args``), waiting until every service is
        healthy (``--wait``); how long that took, in seconds."""
        started = time.perf_counter()
        self.compose(
            "up", "-d", "--wait", "--wait-timeout", f"{HEALTHY_SECONDS:.0f}", *args,
            timeout=HEALTHY_SECONDS + COMMAND_SECONDS,
        )  # fmt: skip
        return time.perf_counter() - started

    def down(self, *args: str) -> None:
        self.compose("down", "--timeout", str(STOP_SECONDS), *args)

    def containers(self, service: str) -> list[dict[str, Any]]:
        """``docker compose ps --all`` of ``service``: one dict per container."""
        out = self.compose("ps", "--all", "--format", "json", service)
        return [json.loads(line) for line in out.splitlines() if line.startswith("{")]

    def container_ids(self, service: str) -> list[str]:
        return self.compose("ps", "--quiet", service).split()

    def logs(self, service: str) -> str:
        return self.run("logs", "--no-color", service).stdout

    def diagnosis(self) -> str:
        """Every container's state, and the last log lines of each service."""
        states = self.run("ps", "--all").stdout
        logs = self.run("logs", "--no-color", "--tail", "15").stdout
        return f"containers:\n{states}\nlast log lines:\n{logs}"

    @contextmanager
    def follow(self, service: str, log_path: Path) -> Iterator[processes.WatchedProcess]:
        """The logs of ``service``'s containers from their start, followed (``docker
        compose logs -f``: each line after its container's name), copied into
        ``log_path``."""
        argv = [DOCKER, "compose", *(f for file in self.files for f in ("-f", file))]
        watch = processes.start(
            f"{self.project} {service}'s logs",
            [*argv, "logs", "--follow", "--no-color", service],
            log_path,
            cwd=processes.PROJECT_DIR,
            env=self.environment,
            start_new_session=True,
        )
        try:
            yield watch
        finally:
            watch.stop(signal.SIGTERM, group=True)


def wait_for_servers_up(log: processes.WatchedProcess, count: int, seconds: float) -> set[str]:
    """Follow the proxy's log until ``count`` of its web servers are up (its resolver
    found them and its checks passed); their names. Fails the test on the deadline."""
    up: set[str] = set()
    deadline = time.monotonic() + seconds
    while len(up) < count:
        try:
            event = log.wait_for(SERVER_EVENT, deadline - time.monotonic())
        except processes.NotReady as exc:
            pytest.fail(f"the proxy has {sorted(up)} up, not {count} servers: {exc}")
        if event["state"] == "UP":
            up.add(event["server"])
        else:
            up.discard(event["server"])
    return up


def server_events(proxy_log: Path) -> list[str]:
    """The proxy's lines about its web servers coming up or going down, so far."""
    return [line for line in proxy_log.read_text().splitlines() if re.search(SERVER_EVENT, line)]


def sockets_per_container(
    log: processes.WatchedProcess, chat_pk: int, expected: int, seconds: float
) -> dict[str, int]:
    """Follow the web containers' logs until ``expected`` sockets of chat ``chat_pk``
    are open in all; how many each container holds (by its compose name, web-N)."""
    pattern = SOCKET_EVENT.format(pk=chat_pk)
    held: dict[str, int] = {}
    deadline = time.monotonic() + seconds
    while sum(held.values()) != expected:
        try:
            event = log.wait_for(pattern, deadline - time.monotonic())
        except processes.NotReady as exc:
            pytest.fail(f"the web containers hold {held}, not {expected} sockets in all: {exc}")
        change = 1 if event["event"] == "WSCONNECT" else -1
        held[event["container"]] = held.get(event["container"], 0) + change
    return held


def docker(*args: str, timeout: float = COMMAND_SECONDS) -> str:
    """``docker *args``, failing the test unless it exits 0; its standard output."""
    result = subprocess.run(  # noqa: S603 - fixed argv
        [DOCKER, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise ComposeFailed(
            f"`docker {' '.join(args)}` exited {result.returncode}: {result.stderr}"
        )
    return result.stdout


def _tail(output: str | bytes | None, lines: int = 30) -> str:
    if isinstance(output, bytes):
        output = output.decode(errors="replace")
    return "\n".join((output or "").splitlines()[-lines:])


def project_name(purpose: str) -> str:
    """A compose project name of this run's own, so that nothing of another run (or a
    user's `chat` project) is touched."""
    return f"chat-test-{purpose}-{uuid.uuid4().hex[:8]}"


@contextmanager
def stack(purpose: str, secret_key: str | None, files: Sequence[str] = ()) -> Iterator[Stack]:
    """A ``Stack`` under a fresh project name; after, whatever happened, ``down -v
    --remove-orphans`` (its containers, network and volumes), and nothing of it left."""
    project = Stack(project_name(purpose), secret_key, files)
    volumes_before = set(docker("volume", "ls", "--quiet").split())
    try:
        yield project
    finally:
        # Interpolation needs a key even to take a stack down.
        cleaner = Stack(project.project, project.secret_key or "down-only", files, project.port)
        cleaner.down("--volumes", "--remove-orphans")
        label = f"label=com.docker.compose.project={project.project}"
        left = docker("ps", "--all", "--quiet", "--filter", label).split()
        left += docker("volume", "ls", "--quiet", "--filter", label).split()
        # Anonymous volumes (an image's VOLUME nothing is mounted on) carry no label.
        left += sorted(set(docker("volume", "ls", "--quiet").split()) - volumes_before)
        left += docker("network", "ls", "--quiet", "--filter", label).split()
        if left:
            pytest.fail(f"{project.project}: left after down -v: {left}")


def web_memory_mib(container: str) -> float:
    """The container's memory use as its cgroup counts it (``docker stats``), in MiB."""
    stats = json.loads(docker("stats", "--no-stream", "--format", "{{json .}}", container))
    used = stats["MemUsage"].split("/")[0].strip()
    units = {"KiB": 1 / 1024, "MiB": 1.0, "GiB": 1024.0, "B": 1 / 1024 / 1024}
    for unit, factor in units.items():
        if used.endswith(unit):
            return float(used[: -len(unit)]) * factor
    raise AssertionError(f"docker stats' MemUsage not understood: {stats['MemUsage']!r}")


def image_size_mib(image: str) -> float:
    return int(docker("image", "inspect", "--format", "{{.Size}}", image)) / 1024 / 1024
