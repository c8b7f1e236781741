"""Browser tests: a real daphne server started for the run, and Debian's
headless Chromium driven by Playwright for Python.

The server runs the production settings module with DEBUG on (static files
from the apps' folders, cookies without the Secure flag over plain http) on
its own migrated SQLite file, so it shares nothing with the test database.
"""

import itertools
import json
import os
import re
import shutil
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Self

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Locator,
    Page,
    Playwright,
    ViewportSize,
    WebSocketRoute,
    expect,
    sync_playwright,
)

from tests.support import processes
from tests.support.processes import free_port

ROOT = processes.PROJECT_DIR
SCREENSHOTS = ROOT / "docs" / "screenshots"


def save_screenshot(page: Any, name: str) -> None:
    """Refresh ``docs/screenshots/NAME`` when asked (``SAVE_SCREENSHOTS=1``), so that a
    test run leaves the work tree clean."""
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        page.screenshot(path=SCREENSHOTS / name)


PASSWORD = "a-long-e2e-password"
START_SECONDS = 30

# How long an expectation waits by default (Playwright's own is 5 s). A page loads its
# script's modules from a development server, one request each; on a small machine that
# other work shares, that has taken seconds. A page that never gets there still fails,
# later; a test that means "within a second" says so (timeout=1000).
expect.set_options(timeout=15_000)

# Debian's chromium, as Playwright may drive it here (never `playwright install`).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class Server:
    """One daphne process at a time on a fixed port, so a test can kill it
    and start another where the pages' sockets will reconnect. As a context manager,
    started and stopped."""

    name = "daphne"

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "server.log"
        self.watch: processes.WatchedProcess | None = None
        hidden = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL"}
        self.env = {key: value for key, value in os.environ.items() if key not in hidden}
        self.env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DEBUG="true",
            SECRET_KEY="e2e-only-secret-key-long-enough-for-hs256-signing",
            DATABASE_URL=f"sqlite:///{workdir / 'e2e.sqlite3'}",
            # Attachments in the run's own folder, never in the work tree.
            MEDIA_ROOT=str(workdir / "media"),
            SERVER_URL=self.url,
            ALLOWED_HOSTS="127.0.0.1",
            WEBSOCKET_ALLOWED_ORIGINS=self.url,
            CSRF_TRUSTED_ORIGINS=self.url,
            # At INFO daphne logs "Listening on TCP address ...", which start() waits for.
            LOG_LEVEL="INFO",
        )
        # The settings manage() and run_django() run with: the server's.
        self.manage_env = self.env

    def manage(self, *args: str) -> str:
        return processes.manage(self.manage_env, *args)

    def run_django(self, code: str) -> Any:
        """Run ``code`` against the server's database (the ORM, the services);
        it prints one JSON value, which is returned."""
        return processes.manage_json(self.manage_env, code)

    def launch(self) -> processes.WatchedProcess:
        command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port)]
        return processes.start(
            f"daphne on :{self.port}",
            [*command, "config.asgi:application"],
            self.log_path,
            append=True,  # one log across restarts
            cwd=ROOT,
            env=self.env,
        )

    def start(self) -> None:
        self.watch = self.launch()
        try:
            self.watch.wait_serving(f"{self.url}/login/", START_SECONDS)
        except processes.NotReady as exc:
            self.stop()
            pytest.fail(f"{self.name} did not start: {exc}")

    def stop(self) -> None:
        """Kill the server outright, as a crash or a lost network would."""
        if self.watch is not None:
            self.watch.stop(signal.SIGKILL)  # its last lines reach the log first
        self.watch = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class DevServer(Server):
    """The app as ``bin/dev`` serves it on a developer's machine: the environment holds
    only the port, a database file of its own and ``env`` (nothing of the test run's
    settings), so every other value is the development default. ``url`` is the
    address ``bin/dev`` listens on (127.0.0.1); ``localhost_url`` is the same server
    under the name ``bin/dev`` prints."""

    name = "bin/dev"

    def __init__(self, workdir: Path, **env: str) -> None:
        super().__init__(workdir)
        self.localhost_url = f"http://localhost:{self.port}"
        database = f"sqlite:///{workdir / 'dev.sqlite3'}"
        self.env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(workdir))}
        self.env.update(PORT=str(self.port), DATABASE_URL=database, LOG_LEVEL="INFO", **env)
        self.env.update(PYTHONUNBUFFERED="1")
        # The same database, in development mode as bin/manage runs it.
        self.manage_env = {**self.env, "DEBUG": "true"}

    def launch(self) -> processes.WatchedProcess:
        # bin/dev migrates before it serves, and runserver's autoreloader runs the
        # server in a child process: a session of its own, stopped as a group.
        argv = [str(ROOT / "bin" / "dev")]
        return processes.start(
            self.name, argv, self.log_path, cwd=ROOT, env=self.env, start_new_session=True
        )

    def stop(self) -> None:
        if self.watch is not None:
            self.watch.stop(signal.SIGTERM, group=True)
        self.watch = None


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    live = Server(tmp_path_factory.mktemp("e2e"))
    live.manage("migrate", "--noinput")
    with live:
        yield live


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


VIEWPORT: ViewportSize = {"width": 1100, "height": 700}
# A phone's screen (an iPhone SE's CSS pixels).
PHONE: ViewportSize = {"width": 375, "height": 667}
OpenPage = Callable[..., Page]


@pytest.fixture
def new_page(browser: Browser) -> Iterator[OpenPage]:
    """Pages in separate browser contexts (separate cookie jars); each page's
    Content-Security-Policy violations fail the test. ``new_page(PHONE)`` opens one
    at a phone's size. Dates are shown in US English and UTC, whatever the machine's.
    What went wrong in the pages (script errors, failed requests, console errors) is
    printed, so a failing test's output says why its page did not get there."""
    contexts = []
    pages: list[Page] = []
    violations: list[str] = []
    problems: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)
        if message.type == "error":
            problems.append(f"console error: {message.text} ({message.location.get('url')})")

    def open_page(viewport: ViewportSize = VIEWPORT) -> Page:
        context = browser.new_context(viewport=viewport, locale="en-US", timezone_id="UTC")
        contexts.append(context)
        page = context.new_page()
        page.on("console", watch)
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        page.on(
            "requestfailed",
            lambda request: problems.append(f"request failed: {request.url} ({request.failure})"),
        )
        pages.append(page)
        return page

    yield open_page
    for context in contexts:
        context.close()
    for problem in problems:
        print(f"in the browser: {problem}")
    assert violations == []


def open_group(page: Page, server: Server, group_id: int, *, url: str | None = None) -> None:
    """The group's page, at ``url`` (default: ``server.url``), its socket live."""
    page.goto(f"{url or server.url}/groups/{group_id}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")


def say(page: Page, text: str) -> None:
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")


def drop_first_member_message(page: Page) -> list[str]:
    """Between the server and ``page``, the first ``member_message`` is dropped (a relay
    lost, as a channel layer over capacity loses one). Returns the list its content is
    put in once dropped."""
    dropped: list[str] = []

    def route(ws: WebSocketRoute) -> None:
        upstream = ws.connect_to_server()
        ws.on_message(upstream.send)

        def to_page(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame.get("action") == "member_message" and not dropped:
                dropped.append(frame["payload"]["content"])
                return
            ws.send(message)

        upstream.on_message(to_page)

    page.route_web_socket(re.compile(r"/ws/chat/"), route)
    return dropped


_names = itertools.count()


def create_group(server: Server, owner: str, members: list[str]) -> tuple[int, list[str]]:
    """New users (the owner first, all with PASSWORD) and a group with them in it;
    returns the group's id and the usernames, made unique for this run."""
    suffix = next(_names)
    usernames = [f"{name}{suffix}" for name in [owner, *members]]
    group_id: int = server.run_django(
        f"""
import json
from accounts.models import User
from chat.services.chats import create_group_chat
from chat.services.members import add_member
users = [User.objects.create_user(name, password={PASSWORD!r}) for name in {usernames!r}]
group = create_group_chat(creator=users[0], name="Release planning")
for user in users[1:]:
    add_member(group_chat=group, actor=users[0], user=user)
print(json.dumps(group.pk))
"""
    )
    return group_id, usernames


def create_user(server: Server, name: str) -> str:
    username = f"{name}{next(_names)}"
    server.run_django(
        f"from accounts.models import User; "
        f"User.objects.create_user({username!r}, password={PASSWORD!r}); print('null')"
    )
    return username


def log_in(
    page: Page, server: Server, username: str, *, screenshot: bool = False, url: str | None = None
) -> None:
    """Log in through the login page at ``url`` (default: ``server.url``)."""
    base = url or server.url
    page.goto(f"{base}/groups/")
    # Not logged in: the groups page sends the visitor to log in, and back after.
    expect(page).to_have_url(f"{base}/login/?next=%2Fgroups%2F")
    if screenshot:
        save_screenshot(page, "login.png")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base}/groups/")
    expect(page.locator("#whoami")).to_have_text(f"Signed in as {username}")


def message_item(page: Page, text: str) -> Locator:
    """The message whose own text (not a reply's quote of it) contains ``text``."""
    return page.locator(".message", has=page.locator(".content", has_text=text))


def delete_message(item: Locator) -> None:
    """Delete the message ``item`` as a user does: Delete, then Delete in the question."""
    item.get_by_role("button", name="Delete").click()
    item.locator(".confirm-delete").get_by_role("button", name="Delete").click()


def two_members_open(server: Server, new_page: OpenPage) -> tuple[int, list[str], list[Page]]:
    """A new group of Alice (its owner) and Bob, and a page for each with it open:
    (the group's id, [alice, bob], [Alice's page, Bob's page])."""
    group_id, names = create_group(server, "alice", ["bob"])
    return group_id, names, [open_group_as(new_page(), server, name, group_id) for name in names]


def open_group_as(page: Page, server: Server, username: str, group_id: int) -> Page:
    """``page`` (a new one: nobody logged in), logged in as ``username``, with the group
    open and its socket live."""
    log_in(page, server, username)
    open_group(page, server, group_id)
    return page
