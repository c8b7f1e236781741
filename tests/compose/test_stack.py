"""`docker compose up` for real: a new user's first hour with the repository's
Dockerfile, compose.yaml and config/compose.sharded.yaml as they are.

Needs a Docker engine with Compose v2 and the four upstream images, or stand-ins named
by PYTHON_IMAGE, POSTGRES_IMAGE, REDIS_IMAGE and HAPROXY_IMAGE (.ci/compose-test sets
all of that up); Debian's chromium for the browser step. Deselected by default
(``-m compose``). The tests run in file order on one stack, as a user would go:

- ``docker compose build`` then ``up``: every service healthy within a bound; the image
  runs as a non-root user that cannot write its code; figures printed (image size,
  time from ``up`` to healthy, the web container's memory at rest);
- through the published proxy only (127.0.0.1, never a container's address): two users
  sign up, log in, make a group, add each other, and talk over WebSockets both ways;
  then in Chromium;
- ``--scale web=3``: the proxy spreads new sockets over the three; one is killed
  (``docker kill``) mid-stream: its clients reconnect to the others, no acknowledged
  message is lost or stored twice;
- the proxy refuses a body announced over its limit, or sent without a length, from the
  request's head alone;
- ``down`` then ``up``: users, messages and uploaded files are still there (the uploads'
  named volume); ``down -v``: gone;
- the sharded overlay: a message crosses two web containers over two Redis servers;
- a missing SECRET_KEY, then a published one: refused with the README's reasons, no
  web container started, nothing restarting.

Every project has a name of its own and is taken down with its volumes after, whatever
happened; every wait has a deadline.
"""

import asyncio
import http.client
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.e2e.conftest import CHROMIUM_ARGS
from tests.support.compose import (
    BUILD_SECONDS,
    HEALTHY_SECONDS,
    SHARDED,
    Stack,
    docker,
    image_size_mib,
    server_events,
    sockets_per_container,
    stack,
    wait_for_servers_up,
    web_memory_mib,
)
from tests.support.delivery import (
    answered,
    both_ways,
    check_each_message_stored_once,
    print_figures,
    settled,
    stream,
)
from tests.support.http_login import ApiSession
from tests.support.live import FRAME_SECONDS, ChatClient, connected, history

pytestmark = pytest.mark.compose

PASSWORD = "compose-test-password-1"
PUBLISHED_KEY = "compose-local-only-not-a-secret-change-me-0123456789"
WEB_IMAGE = "chat-web:local"
MOVED_WITHIN_SECONDS = 30.0
BROWSER_MS = 20_000
CLIENTS_ON_THREE = 6


@dataclass
class Chat:
    """Two users who signed up through the proxy, and the group they talk in."""

    chat_pk: int
    usernames: list[str]
    cookies: list[str]  # each user's Cookie header for /ws/ and /api/


def sign_up(stack: Stack, username: str) -> ApiSession:
    """Sign up through the proxy (logged in by it); then log in again, as a returning
    user does."""
    visitor = ApiSession(stack.endpoint.url)
    status, answer = visitor.call(
        "POST", "/api/auth/signup/", {"username": username, "password": PASSWORD}
    )
    assert status == 201, (status, answer)
    return log_in(stack, username)


def log_in(stack: Stack, username: str) -> ApiSession:
    session = ApiSession(stack.endpoint.url)
    status, answer = session.call(
        "POST", "/api/auth/login/", {"username": username, "password": PASSWORD}
    )
    assert status == 200, (status, answer)
    return session


def create_chat(stack: Stack) -> Chat:
    """Two users sign up; the first makes a group and adds the second."""
    suffix = secrets.token_hex(3)
    usernames = [f"ada{suffix}", f"bob{suffix}"]
    sessions = [sign_up(stack, name) for name in usernames]
    status, group = sessions[0].call("POST", "/api/groups/", {"name": "First hour"})
    assert status == 201, (status, group)
    status, member = sessions[0].call(
        "POST", f"/api/groups/{group['id']}/members/", {"username": usernames[1]}
    )
    assert status == 201, (status, member)
    cookies = [f"jwt_auth_cookie={session.jar['jwt_auth_cookie'].value}" for session in sessions]
    return Chat(group["id"], usernames, cookies)


def clients(stack: Stack, chat: Chat, count: int) -> list[ChatClient]:
    """``count`` sockets, the two users' in turn, each through the published proxy."""
    return [
        ChatClient(
            f"{chat.usernames[n % 2]} #{n}", [stack.endpoint], chat.chat_pk, chat.cookies[n % 2]
        )
        for n in range(count)
    ]


@pytest.fixture(scope="module")
def secret_key() -> str:
    return secrets.token_urlsafe(50)


@pytest.fixture(scope="module")
def main_stack(secret_key: str) -> Iterator[Stack]:
    with stack("main", secret_key) as project:
        yield project


@pytest.fixture(scope="module")
def chat(main_stack: Stack) -> Chat:
    return create_chat(main_stack)


def test_up_builds_the_image_and_every_service_turns_healthy(main_stack: Stack) -> None:
    started = time.perf_counter()
    main_stack.compose("build", timeout=BUILD_SECONDS)
    built = time.perf_counter() - started
    to_healthy = main_stack.up()
    states = {
        service: [(c["State"], c["Health"]) for c in main_stack.containers(service)]
        for service in ("postgres", "redis", "web", "proxy")
    }
    assert all(state == [("running", "healthy")] for state in states.values()), states
    assert [c["ExitCode"] for c in main_stack.containers("check")] == [0]
    web = main_stack.container_ids("web")[0]
    proxy = main_stack.container_ids("proxy")[0]
    figures: dict[str, object] = {
        "docker compose build (s)": built,
        f"up -> every service healthy (s, bound {HEALTHY_SECONDS:.0f})": to_healthy,
        f"image {WEB_IMAGE} (MiB)": image_size_mib(WEB_IMAGE),
        "web container's memory at rest (MiB)": web_memory_mib(web),
        "proxy's descriptor limit (ulimit -n)": docker(
            "exec", proxy, "sh", "-c", "ulimit -n"
        ).strip(),
    }
    base = main_stack.environment.get("PYTHON_IMAGE")
    if base:
        figures[f"of which the base {base} (MiB)"] = image_size_mib(base)
    print_figures("compose: build and up", figures)


def test_the_web_container_runs_unprivileged_and_cannot_write_its_code(main_stack: Stack) -> None:
    web = main_stack.container_ids("web")[0]
    assert docker("exec", web, "id", "-u").strip() == "10001"
    for path in ("/app/manage.py", "/app/config/settings.py", "/app/staticfiles/new", "/app/new"):
        probe = main_stack.run("exec", "-T", "web", "sh", "-c", f"echo x >> {path}")
        assert probe.returncode != 0, f"the app could write {path}"
        assert "Permission denied" in probe.stderr, probe.stderr


def test_two_users_chat_over_websockets_through_the_proxy(main_stack: Stack, chat: Chat) -> None:
    ada, bob = clients(main_stack, chat, 2)

    async def talk() -> None:
        async with connected(ada, bob):
            await both_ways(ada, bob, "through the proxy")

    asyncio.run(talk())
    said = {
        message["content"]
        for message in history(main_stack.endpoint, chat.chat_pk, chat.cookies[1])
    }
    assert {
        f"{name} through the proxy {n}" for name in (ada.name, bob.name) for n in (0, 1)
    } <= said


def open_page(browser: Browser, stack: Stack, chat: Chat, user: int) -> Page:
    """A new browser context logged in as ``user`` by the login form, the group open
    and its socket live: http://localhost:PORT, as the README says to open it."""
    page = browser.new_context().new_page()
    site = stack.endpoint.origin
    page.goto(f"{site}/login/?next=/groups/{chat.chat_pk}/")
    page.get_by_label("Username").fill(chat.usernames[user])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{site}/groups/{chat.chat_pk}/", timeout=BROWSER_MS)
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=BROWSER_MS)
    return page


def test_pages_in_chromium_chat_through_the_proxy(main_stack: Stack, chat: Chat) -> None:
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        try:
            pages = [open_page(browser, main_stack, chat, user) for user in (0, 1)]
            for speaker, listener in ((0, 1), (1, 0)):
                text = f"typed in Chromium by {chat.usernames[speaker]}"
                box = pages[speaker].get_by_label("Message", exact=True)
                box.fill(text)
                box.press("Enter")
                # In the conversation (the chat list beside it previews the latest message).
                message = pages[listener].locator("#messages .message .content", has_text=text)
                expect(message).to_be_visible(timeout=BROWSER_MS)
        finally:
            browser.close()


def test_scaled_to_three_new_sockets_spread_and_a_killed_container_loses_nothing(
    main_stack: Stack, tmp_path: Path
) -> None:
    # A chat of its own: every message in it is one these clients sent.
    chat = create_chat(main_stack)
    figures: dict[str, object] = {}
    figures["up --scale web=3 -> healthy (s)"] = main_stack.up("--scale", "web=3")
    assert len(main_stack.container_ids("web")) == 3
    with main_stack.follow("proxy", tmp_path / "proxy.log") as proxy_log:
        wait_for_servers_up(proxy_log, 3, HEALTHY_SECONDS)
        scale_kill_scenario(main_stack, chat, tmp_path, figures)
    print_figures("compose: --scale web=3, one web container killed", figures)


def scale_kill_scenario(
    main_stack: Stack, chat: Chat, tmp_path: Path, figures: dict[str, object]
) -> None:
    """Six new sockets over the three web containers, all streaming; the busiest
    container killed after the first client's third answer."""
    sockets = clients(main_stack, chat, CLIENTS_ON_THREE)
    held: dict[str, int] = {}

    async def kill(victim: str) -> float:
        await answered(sockets[0], 3)
        killed = time.perf_counter()
        await asyncio.to_thread(docker, "kill", f"{main_stack.project}-{victim}")
        return killed

    async def scenario() -> float:
        with main_stack.follow("web", tmp_path / "web.log") as web_log:
            async with connected(*sockets):
                held.update(
                    await asyncio.to_thread(
                        sockets_per_container, web_log, chat.chat_pk, len(sockets), FRAME_SECONDS
                    )
                )
                assert len(held) == 3, (
                    f"not every web container holds a socket: {held}; the proxy's server "
                    f"events: {server_events(tmp_path / 'proxy.log')}"
                )
                killing = asyncio.create_task(kill(max(held, key=held.__getitem__)))
                await asyncio.gather(*(stream(client, 8) for client in sockets))
                killed = await killing
                await asyncio.gather(*(settled(client) for client in sockets))
                moved = [client for client in sockets if client.closed_since(killed)]
                stayed = [client for client in sockets if client not in moved]
                await both_ways(moved[0], stayed[0], "after the kill")
                return killed

    killed = asyncio.run(scenario())
    victim = max(held, key=held.__getitem__)
    moved = [client for client in sockets if client.closed_since(killed)]
    assert len(moved) == held[victim], (
        f"{len(moved)} clients closed after the kill; {victim} held {held[victim]}"
    )
    for client in sockets:
        if client not in moved:
            assert client.connections == 1, client.summary()
            assert not client.closes, client.summary()
    back_after = [min(at for at in c.opened if at > killed) - killed for c in moved]
    assert max(back_after) < MOVED_WITHIN_SECONDS, back_after
    figures["sockets per web container (new sockets, leastconn)"] = held
    figures["killed"] = victim
    figures["its clients back on the others after (ms)"] = [round(s * 1000) for s in back_after]
    figures.update(
        check_each_message_stored_once(
            None, sockets, main_stack.endpoint, chat.chat_pk, chat.cookies[0]
        )
    )


def test_the_proxy_refuses_a_body_over_its_limit_from_the_head_alone(main_stack: Stack) -> None:
    """413 for a Content-Length over PROXY_MAX_BODY_BYTES (25 MiB and 16 KiB), 411 for a
    body without one (chunked): answered before any of the body is sent."""
    url = urlsplit(main_stack.endpoint.url)
    for headers, refused in (
        ({"Content-Length": str(30 * 1024 * 1024)}, 413),
        ({"Transfer-Encoding": "chunked"}, 411),
    ):
        connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
        try:
            connection.putrequest("POST", "/api/groups/1/attachments/")
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders()  # the head only: not a byte of the body
            assert connection.getresponse().status == refused
        finally:
            connection.close()


def test_down_then_up_keeps_users_messages_and_uploads_and_down_v_removes_them(
    main_stack: Stack, chat: Chat
) -> None:
    before = history(main_stack.endpoint, chat.chat_pk, chat.cookies[0])
    assert before
    uploader = log_in(main_stack, chat.usernames[0])
    notes = b"What was decided, kept across down and up.\n"
    status, attachment = uploader.upload(
        f"/api/groups/{chat.chat_pk}/attachments/", "notes.txt", notes
    )
    assert status == 201, (status, attachment)
    main_stack.down()
    main_stack.up()
    again = log_in(main_stack, chat.usernames[0])
    status, kept = again.call("GET", f"/api/groups/{chat.chat_pk}/messages/?page_size=200")
    assert status == 200, (status, kept)
    assert {m["id"] for m in kept["results"]} >= {m["id"] for m in before[-200:]}
    assert again.send("GET", attachment["url"]) == (200, notes)

    main_stack.down("--volumes")
    main_stack.up()
    gone = ApiSession(main_stack.endpoint.url)
    status, answer = gone.call(
        "POST", "/api/auth/login/", {"username": chat.usernames[0], "password": PASSWORD}
    )
    assert status in (400, 401), (status, answer)


def test_the_sharded_overlay_carries_a_message_across_two_web_containers(
    secret_key: str, tmp_path: Path
) -> None:
    with stack("sharded", secret_key, ["compose.yaml", SHARDED]) as sharded:
        sharded.up("--scale", "web=2")
        with sharded.follow("proxy", tmp_path / "proxy.log") as proxy_log:
            wait_for_servers_up(proxy_log, 2, HEALTHY_SECONDS)
        sharded_chat = create_chat(sharded)
        ada, bob = clients(sharded, sharded_chat, 2)

        async def talk() -> dict[str, int]:
            with sharded.follow("web", tmp_path / "web.log") as web_log:
                async with connected(ada, bob):
                    held = await asyncio.to_thread(
                        sockets_per_container, web_log, sharded_chat.chat_pk, 2, FRAME_SECONDS
                    )
                    assert sorted(held.values()) == [1, 1], f"not one socket each: {held}"
                    await both_ways(ada, bob, "across containers")
                    return held

        held = asyncio.run(talk())
        commands = {
            service: sharded.compose("exec", "-T", service, "redis-cli", "info", "stats")
            .split("total_commands_processed:")[1]
            .split()[0]
            for service in ("redis", "redis-2")
        }
        assert all(int(count) > 0 for count in commands.values()), commands
        print_figures(
            "compose: sharded over redis and redis-2",
            {"sockets per web container": held, "commands per Redis server": commands},
        )


def test_a_missing_secret_key_is_refused_before_anything_starts() -> None:
    with stack("no-key", None) as project:
        refused = project.run("up", "-d")
        assert refused.returncode != 0
        assert "set SECRET_KEY to a long random value" in refused.stderr, refused.stderr
        assert project.run("ps", "--all", "--quiet").stdout.strip() == ""


def test_a_published_secret_key_stops_up_with_its_reason_and_nothing_restarts() -> None:
    with stack("published-key", PUBLISHED_KEY) as project:
        refused = project.run("up", "-d", "--build", timeout=BUILD_SECONDS)
        assert refused.returncode != 0
        assert 'service "check" didn\'t complete successfully' in refused.stderr, refused.stderr
        reason = project.logs("check")
        assert "configuration error: SECRET_KEY is a placeholder published" in reason, reason
        assert "Traceback" not in reason
        web = project.containers("web")
        assert [container["State"] for container in web] == ["created"], web
        restarts = docker("inspect", "--format", "{{.RestartCount}}", web[0]["ID"]).strip()
        assert restarts == "0"
