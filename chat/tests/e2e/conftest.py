"""Browser tests: a real daphne server started for the run, and Debian's
headless Chromium driven by Playwright for Python.

The server runs the production settings module with DEBUG on (static files
from the apps' folders, cookies without the Secure flag over plain http) on
its own migrated SQLite file, so it shares nothing with the test database.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from chat.tests import processes

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "docs" / "screenshots"
PASSWORD = "a-long-e2e-password"
START_SECONDS = 30

# Debian's chromium, as Playwright may drive it here (never `playwright install`).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """One daphne process at a time on a fixed port, so a test can kill it
    and start another where the pages' sockets will reconnect."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "daphne.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.watch: processes.WatchedProcess | None = None
        hidden = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL"}
        self.env = {key: value for key, value in os.environ.items() if key not in hidden}
        self.env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DEBUG="true",
            SECRET_KEY="e2e-only-secret-key-long-enough-for-hs256-signing",
            DATABASE_URL=f"sqlite:///{workdir / 'e2e.sqlite3'}",
            SERVER_URL=self.url,
            ALLOWED_HOSTS="127.0.0.1",
            WEBSOCKET_ALLOWED_ORIGINS=self.url,
            CSRF_TRUSTED_ORIGINS=self.url,
            # At INFO daphne logs "Listening on TCP address ...", which start() waits for.
            LOG_LEVEL="INFO",
        )

    def manage(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"manage.py {' '.join(args[:1])} failed:\n{done.stderr}")
        return done.stdout

    def run_django(self, code: str) -> Any:
        """Run ``code`` against the server's database (the ORM, the services);
        it prints one JSON value, which is returned."""
        return json.loads(self.manage("shell", "-c", code).strip().splitlines()[-1])

    def start(self) -> None:
        command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port)]
        self.watch = watch = processes.start(
            f"daphne on :{self.port}",
            [*command, "config.asgi:application"],
            self.log_path,
            append=True,  # one log across restarts
            cwd=ROOT,
            env=self.env,
        )
        self.process = watch.process
        deadline = time.monotonic() + START_SECONDS
        try:
            watch.wait_for(processes.DAPHNE_LISTENING, START_SECONDS)
        except processes.NotReady as exc:
            self.stop()
            pytest.fail(f"daphne did not start: {exc}")
        # Listening now: one request, which daphne answers once it accepts.
        if not self.answers(timeout=max(deadline - time.monotonic(), 1.0)):
            self.stop()
            pytest.fail(f"daphne is listening but /login/ did not answer 200:\n{self.log_tail()}")

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def answers(self, timeout: float = 1.0) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/login/", timeout=timeout) as response:  # noqa: S310 - loopback
                return bool(response.status == 200)
        except OSError:
            return False

    def stop(self) -> None:
        """Kill the server outright, as a crash or a lost network would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        if self.watch is not None:
            self.watch.finish()  # its last lines are in the log before another starts
        self.process = self.watch = None


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    live = Server(tmp_path_factory.mktemp("e2e"))
    live.manage("migrate", "--noinput")
    live.start()
    try:
        yield live
    finally:
        live.stop()


# Module scope, not session: Playwright's sync API keeps an event loop running
# in the main thread while it is open, which breaks async tests that run later.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    if shutil.which("chromium") is None:
        pytest.fail(
            "chromium is not on PATH: `sudo apt-get install chromium`, or leave the browser "
            'tests out with -m "not e2e" (bin/test does that by itself)'
        )
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(
        executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS, headless=True
    )
    try:
        yield chromium
    finally:
        chromium.close()
