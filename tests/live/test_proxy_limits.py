"""The proxy starts wherever Docker runs: config/haproxy.cfg sets no fixed ``maxconn``,
so HAProxy derives its connection limit from the file descriptors it may open, and
``fd-hard-limit`` (PROXY_FD_LIMIT) caps those where the limit is huge.

Debian's haproxy runs on the repository's config/haproxy.cfg as it is, under a
descriptor limit set for it alone (``RLIMIT_NOFILE``, soft and hard, as an engine sets
a container's); a second config file adds a stats socket, whose ``show info`` says
what the proxy took. The compose test (tests/compose/) runs the same file under the
engine's own limit.
"""

import resource
import signal
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support import processes
from tests.support.live import READY_SECONDS
from tests.support.processes import free_port
from tests.support.proxy import CONFIG, LOADED, haproxy_binary, proxy_environment

pytestmark = pytest.mark.live

# What this Docker engine gives a container (and many hosts and CI runners set).
ENGINE_FD_LIMIT = 20_000


def fd_limit(limit: int) -> Callable[[], None]:
    """For ``preexec_fn``: the child may open at most ``limit`` descriptors."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    return apply


def show_info(stats_socket: Path) -> dict[str, str]:
    """The proxy's ``show info`` answer, as name -> value."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(READY_SECONDS)
        client.connect(str(stats_socket))
        client.sendall(b"show info\n")
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    info = {}
    for line in answer.decode().splitlines():
        name, _, value = line.partition(": ")
        info[name] = value
    return info


@contextmanager
def proxy_under(limit: int, tmp_path: Path, **settings: str) -> Iterator[processes.WatchedProcess]:
    """Debian's haproxy on config/haproxy.cfg (plus a stats socket) with at most
    ``limit`` descriptors; stopped after."""
    extra = tmp_path / "stats.cfg"
    extra.write_text(f"global\n    stats socket {tmp_path / 'stats.sock'} mode 600\n")
    port = free_port()
    watch = processes.start(
        f"haproxy on :{port} under {limit} descriptors",
        [haproxy_binary(), "-W", "-db", "-f", str(CONFIG), "-f", str(extra)],
        tmp_path / "haproxy.log",
        env=proxy_environment(port, **settings),
        start_new_session=True,
        preexec_fn=fd_limit(limit),
    )
    try:
        yield watch
    finally:
        watch.stop(signal.SIGTERM, group=True)


def loaded_info(watch: processes.WatchedProcess, tmp_path: Path) -> dict[str, str]:
    try:
        watch.wait_for(LOADED, READY_SECONDS)
    except processes.NotReady as exc:
        pytest.fail(str(exc))
    return show_info(tmp_path / "stats.sock")


def test_the_proxy_starts_under_the_engines_descriptor_limit(tmp_path: Path) -> None:
    with proxy_under(ENGINE_FD_LIMIT, tmp_path) as watch:
        info = loaded_info(watch, tmp_path)
    maxconn, maxsock = int(info["Maxconn"]), int(info["Maxsock"])
    print(f"\nunder {ENGINE_FD_LIMIT} descriptors: Maxconn {maxconn}, Maxsock {maxsock}")
    assert maxsock <= ENGINE_FD_LIMIT, info
    # Two descriptors a proxied connection, a few for listeners, checks and the resolver.
    assert ENGINE_FD_LIMIT // 2 - 100 <= maxconn <= ENGINE_FD_LIMIT // 2, info


def test_proxy_fd_limit_caps_the_descriptors_it_takes(tmp_path: Path) -> None:
    cap = 8_000
    with proxy_under(ENGINE_FD_LIMIT, tmp_path, PROXY_FD_LIMIT=str(cap)) as watch:
        info = loaded_info(watch, tmp_path)
    maxconn, maxsock = int(info["Maxconn"]), int(info["Maxsock"])
    assert maxsock <= cap, info
    assert cap // 2 - 100 <= maxconn <= cap // 2, info


def test_a_fixed_maxconn_that_needs_more_descriptors_is_refused_with_the_reason(
    tmp_path: Path,
) -> None:
    with proxy_under(ENGINE_FD_LIMIT, tmp_path, PROXY_MAXCONN="20000") as watch:
        with pytest.raises(processes.NotReady) as refused:
            watch.wait_for(LOADED, READY_SECONDS)
        assert watch.process.wait(timeout=READY_SECONDS) != 0
    assert "Cannot raise FD limit" in str(refused.value), str(refused.value)
