"""HAProxy in front of workers started by ``bin/entrypoint``, as compose.yaml runs it:
Debian's ``haproxy`` binary, master-worker in the foreground (``-W -db``, the
official image's command), on the repository's ``config/haproxy.cfg``. The one
change: its ``server-template`` line, which finds containers through Docker's DNS,
becomes one ``server`` line per local worker. Settings the config reads from the
environment (``PROXY_*``) can be overridden per proxy. Workers behind it believe the
client address it sends from its address alone (``TRUSTING_THE_PROXY``), as compose.yaml
sets ``TRUSTED_PROXIES`` to the project's network.
"""

import shutil
import signal
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import processes
from tests.support.live import READY_SECONDS, LocalServer, Worker
from tests.support.processes import free_port

CONFIG = processes.PROJECT_DIR / "config" / "haproxy.cfg"
# The master's line once the configuration is loaded and the worker forked.
LOADED = r"Loading success"
# The lines the proxy logs when its checks take a server out or bring it back.
SERVER_DOWN = r"Server web/{name} is DOWN"
SERVER_UP = r"Server web/{name} is UP"
# The address the proxy connects to the workers from, and the workers' setting that takes
# each client's own from its X-Forwarded-For (compose.yaml: the project's network).
PROXY_SOURCE = "127.0.0.1"
TRUSTING_THE_PROXY: Mapping[str, str] = {"TRUSTED_PROXIES": PROXY_SOURCE}

# Loopback only: a proxy from the environment must not carry these requests.
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def local_config(workers: Sequence[Worker]) -> str:
    """config/haproxy.cfg with its server-template line swapped for ``workers``."""
    lines = CONFIG.read_text().splitlines()
    template = [n for n, line in enumerate(lines) if line.strip().startswith("server-template ")]
    assert len(template) == 1, f"{CONFIG} has {len(template)} server-template lines, not 1"
    indent = lines[template[0]][: len(lines[template[0]]) - len(lines[template[0]].lstrip())]
    servers = [f"{indent}server {worker.name} 127.0.0.1:{worker.port}" for worker in workers]
    return "\n".join(lines[: template[0]] + servers + lines[template[0] + 1 :]) + "\n"


@dataclass
class Proxy(LocalServer):
    """A running haproxy, where clients connect."""

    def wait_for_line(self, pattern: str, seconds: float) -> None:
        """Wait for a line of the proxy's log; fail the test naming what came instead."""
        try:
            self.watch.wait_for(pattern, seconds)
        except processes.NotReady as exc:
            pytest.fail(str(exc))


def haproxy_binary() -> str:
    """Debian's haproxy, or the test fails saying how to install it."""
    binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(binary).exists():
        pytest.fail("haproxy is not installed (.ci/run installs Debian's package)")
    return binary


def proxy_environment(port: int, **settings: str) -> dict[str, str]:
    """The proxy's environment: it listens on 127.0.0.1:``port``; ``settings`` are
    more PROXY_* variables."""
    return {"PATH": "/usr/sbin:/usr/bin:/bin", "PROXY_BIND": f"127.0.0.1:{port}", **settings}


@contextmanager
def started_proxy(workers: Sequence[Worker], log_dir: Path, **settings: str) -> Iterator[Proxy]:
    """Start haproxy on a free port in front of ``workers`` (ready ones); wait until it
    has loaded its configuration and its monitor URI answers 200 (a server is up).
    ``settings`` are PROXY_* variables; it is stopped after."""
    binary = haproxy_binary()
    config = log_dir / "haproxy.cfg"
    config.write_text(local_config(workers))
    port = free_port()
    env = proxy_environment(port, **settings)
    watch = processes.start(
        f"haproxy on :{port}",
        [binary, "-W", "-db", "-f", str(config)],
        log_dir / "haproxy.log",
        env=env,
        start_new_session=True,
    )
    proxy = Proxy(name="proxy", port=port, watch=watch)
    try:
        proxy.wait_for_line(LOADED, READY_SECONDS)
        with _LOOPBACK.open(f"{proxy.url}/proxyz", timeout=READY_SECONDS) as response:
            assert response.status == 200, f"GET /proxyz answered {response.status}"
        yield proxy
    finally:
        watch.stop(signal.SIGTERM, group=True)


def sockets_held(worker: Worker) -> int:
    """Established TCP connections to the worker's port (from the proxy: clients'
    sockets; a health check's lasts about a millisecond)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            count += local_port == worker.port and fields[3] == "01"
    return count
