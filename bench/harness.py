"""Benchmark: chanx_testing's communicator against plain channels.testing.WebsocketCommunicator.

    .venv/bin/python bench/harness.py [N] [--db-tests M] [--chanx2]
    # N runs a scenario (200), M a whole test per form (50)

Runs the testing guide's scenarios (connect + authentication, ping/pong, echo, a two-user
group broadcast, a refused connection that closes) N times with each client, interleaved,
against small consumers defined here that speak the project's wire protocol, behind
channels' session authentication. The plain client waits for exactly the expected frames;
the harness uses its own methods (receive_all_json, assert_closed, ...) and closes its
communicators, channel-layer flush included, as a test would. Every run has a fresh event
loop, as each async Django test has. Prints the median time per scenario of each and their
ratio. It measures; it asserts no timing.

Then it times a whole database-backed test (setUp, test, teardown: two users connect and
authenticate, one sends a message that a consumer saves, both members receive its broadcast)
in three forms, run as Django runs tests: plain channels' communicator in a
TransactionTestCase, chanx_testing's WebsocketTestCase (a TransactionTestCase too, so each
test ends with a table flush), and RollbackWebsocketTestCase (the test's transaction is rolled
back instead). It also prints the bare flush (with post_migrate, as Django runs it unless the
test case sets ``available_apps``).

With ``--chanx2`` it then times the same kind of test written as a chanx 2 suite writes it
(``bench/harness_chanx2.py``): on chanx 2's own ``WebsocketTestCase`` and on chanx_testing's
two forms. chanx 2 is installed (``pip install --target``, no dependencies: the project's
Django, channels and DRF serve) into CHANX2_SITE (default: a folder in the temporary
directory named for the version), and that part runs in a second process with it on
``sys.path``, so the figures above come from a process without chanx. Use DATABASE_URL for
PostgreSQL, where the flush after each committing test costs most.

Django is set up here with config.settings_test, on a test database made for the run
(SQLite in memory by default; DATABASE_URL and REDIS_URL are honoured). On Python 3.11
with REDIS_URL, expect plain channels near 1 s in the multi-socket scenarios: 3.11's
asyncio.wait_for can drop the cancellation of a consumer's channels_redis receive at
disconnect, which channels' disconnect() repeats after 1 s; the harness keeps it.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

Headers = list[tuple[bytes, bytes]]
Scenario = Callable[[Any, Headers, Headers], Coroutine[Any, Any, None]]


SCENARIOS = (
    "connect + auth",
    "ping/pong",
    "echo",
    "group broadcast (2 users)",
    "refused and closed",
)


def _named(*scenarios: Scenario) -> dict[str, Scenario]:
    """Each client's scenarios, in the order of SCENARIOS."""
    return dict(zip(SCENARIOS, scenarios, strict=True))


def setup_django() -> Callable[[], None]:
    """Configure Django and create the test database; return the teardown."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    import django
    from django.test.runner import DiscoverRunner
    from django.test.utils import setup_test_environment, teardown_test_environment

    django.setup()
    setup_test_environment()
    runner = DiscoverRunner(verbosity=0, interactive=False)
    old_config = runner.setup_databases()

    def teardown() -> None:
        runner.teardown_databases(old_config)
        teardown_test_environment()

    return teardown


def build_application() -> Any:
    """The bench's consumers behind AuthMiddlewareStack, as a project would route them."""
    from channels.auth import AuthMiddlewareStack
    from channels.db import database_sync_to_async
    from channels.generic.websocket import AsyncJsonWebsocketConsumer
    from channels.routing import URLRouter
    from django.contrib.auth.models import Group
    from django.urls import path

    class BenchConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
        """Authenticates the session user, then answers ping, echo and broadcast."""

        refuse_with: int | None = None

        async def connect(self) -> None:
            await self.accept()
            user = self.scope["user"]
            status = self.refuse_with or (200 if user.is_authenticated else 401)
            if status == 200:
                await self.channel_layer.group_add("bench-room", self.channel_name)
            payload = {"status_code": status, "status_text": "", "data": None}
            await self.send_json({"action": "authentication", "payload": payload})
            if status != 200:
                await self.close(code=4000 + status)

        async def disconnect(self, code: int) -> None:
            await self.channel_layer.group_discard("bench-room", self.channel_name)

        async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
            action, payload = content["action"], content.get("payload")
            if action == "ping":
                await self.send_json({"action": "pong", "payload": None})
            elif action == "echo":
                await self.send_json({"action": "echo_response", "payload": payload})
            elif action in ("broadcast", "save"):
                if action == "save":  # stored, then relayed, as a chat message is
                    await database_sync_to_async(Group.objects.create)(
                        name=content["payload"]["text"]
                    )
                await self.channel_layer.group_send(
                    "bench-room", {"type": "relay", "payload": payload, "sender": self.channel_name}
                )
            await self.send_json({"action": "complete", "payload": None})

        async def relay(self, event: dict[str, Any]) -> None:
            mine = event["sender"] == self.channel_name
            frame = {"action": "group_message", "payload": event["payload"]}
            await self.send_json({**frame, "is_mine": mine, "is_current": mine})
            await self.send_json({"action": "group_complete", "payload": None})

    class RefusingConsumer(BenchConsumer):
        refuse_with = 403

    return AuthMiddlewareStack(
        URLRouter(
            [
                path("ws/bench/", BenchConsumer.as_asgi()),
                path("ws/bench/private/", RefusingConsumer.as_asgi()),
            ]
        )
    )


def plain_scenarios(application: Any) -> dict[str, Scenario]:
    """Each scenario with channels' communicator, reading exactly the frames expected."""
    from channels.testing import WebsocketCommunicator

    async def open_authenticated(headers: Headers) -> Any:
        communicator = WebsocketCommunicator(application, "/ws/bench/", headers=headers)
        connected, _ = await communicator.connect()
        assert connected
        auth = await communicator.receive_json_from()
        assert auth["payload"]["status_code"] == 200
        return communicator

    async def connect_and_auth(_: Any, first: Headers, second: Headers) -> None:
        communicator = await open_authenticated(first)
        await communicator.disconnect()

    async def request_reply(message: dict[str, Any], reply: str, first: Headers) -> None:
        communicator = await open_authenticated(first)
        await communicator.send_json_to(message)
        assert (await communicator.receive_json_from())["action"] == reply
        assert (await communicator.receive_json_from())["action"] == "complete"
        await communicator.disconnect()

    async def ping_pong(_: Any, first: Headers, second: Headers) -> None:
        await request_reply({"action": "ping"}, "pong", first)

    async def echo(_: Any, first: Headers, second: Headers) -> None:
        await request_reply({"action": "echo", "payload": {"text": "hi"}}, "echo_response", first)

    async def group_broadcast(_: Any, first: Headers, second: Headers) -> None:
        sender, receiver = await open_authenticated(first), await open_authenticated(second)
        await sender.send_json_to({"action": "broadcast", "payload": {"text": "all"}})
        sent = [(await sender.receive_json_from())["action"] for _ in range(3)]
        assert sent == ["complete", "group_message", "group_complete"], sent
        received = [(await receiver.receive_json_from())["action"] for _ in range(2)]
        assert received == ["group_message", "group_complete"], received
        await sender.disconnect()
        await receiver.disconnect()

    async def refused_and_closed(_: Any, first: Headers, second: Headers) -> None:
        communicator = WebsocketCommunicator(application, "/ws/bench/private/", headers=first)
        connected, _ = await communicator.connect()
        assert connected
        assert (await communicator.receive_json_from())["payload"]["status_code"] == 403
        assert (await communicator.receive_output())["type"] == "websocket.close"
        await communicator.disconnect()

    return _named(connect_and_auth, ping_pong, echo, group_broadcast, refused_and_closed)


def harness_scenarios() -> dict[str, Scenario]:
    """The same scenarios with chanx_testing, closing communicators as a test would."""
    from pydantic import BaseModel

    class Ping(BaseModel):
        action: str = "ping"
        payload: None = None

    class Echo(BaseModel):
        action: str = "echo"
        payload: dict[str, str]

    class Broadcast(BaseModel):
        action: str = "broadcast"
        payload: dict[str, str]

    async def connect_and_auth(factory: Any, first: Headers, second: Headers) -> None:
        communicator = factory(headers=first)
        await communicator.connect()
        await communicator.assert_authenticated_status_ok()
        await factory.aclose()

    async def request_reply(factory: Any, message: BaseModel, reply: str, first: Headers) -> None:
        communicator = factory(headers=first)
        await communicator.connect()
        await communicator.assert_authenticated_status_ok()
        await communicator.send_message(message)
        [response] = await communicator.receive_all_json()
        assert response["action"] == reply
        await factory.aclose()

    async def ping_pong(factory: Any, first: Headers, second: Headers) -> None:
        await request_reply(factory, Ping(), "pong", first)

    async def echo(factory: Any, first: Headers, second: Headers) -> None:
        await request_reply(factory, Echo(payload={"text": "hi"}), "echo_response", first)

    async def group_broadcast(factory: Any, first: Headers, second: Headers) -> None:
        sender, receiver = factory(headers=first), factory(headers=second)
        for communicator in (sender, receiver):
            await communicator.connect()
            await communicator.assert_authenticated_status_ok()
        await sender.send_message(Broadcast(payload={"text": "all"}))
        [mine] = await sender.receive_all_json(wait_group=True)
        [theirs] = await receiver.receive_all_json(wait_group=True)
        assert mine["is_mine"]
        assert not theirs["is_mine"]
        await factory.aclose()

    async def refused_and_closed(factory: Any, first: Headers, second: Headers) -> None:
        communicator = factory(headers=first)
        connected, _ = await communicator.connect(ws_path="/ws/bench/private/")
        assert connected
        assert (await communicator.wait_for_auth()).payload.status_code == 403
        await communicator.assert_closed()
        await factory.aclose()

    return _named(connect_and_auth, ping_pong, echo, group_broadcast, refused_and_closed)


def measure(iterations: int) -> list[tuple[str, float, float]]:
    """Median seconds per scenario for (plain, harness), runs interleaved against drift.

    Each run gets a fresh event loop, as Django gives each async test.
    """
    from asgiref.sync import sync_to_async
    from django.contrib.auth import get_user_model
    from django.db import connections

    from chanx_testing import CommunicatorFactory
    from chanx_testing.auth import force_login_headers

    users = get_user_model().objects
    first = force_login_headers(users.create_user(username="bench-alice", password="bench-pw"))
    second = force_login_headers(users.create_user(username="bench-bob", password="bench-pw"))
    application = build_application()
    plain, harness = plain_scenarios(application), harness_scenarios()
    factory = CommunicatorFactory("/ws/bench/", router=application)
    rows = []
    for name in SCENARIOS:
        timings: dict[str, list[float]] = {"plain": [], "harness": []}
        for index in range(iterations + 5):  # the first five warm up and are not counted
            for client, run, argument in (
                ("plain", plain[name], None),
                ("harness", harness[name], factory),
            ):
                started = time.perf_counter()
                asyncio.run(run(argument, first, second))
                if index >= 5:
                    timings[client].append(time.perf_counter() - started)
        rows.append(
            (name, statistics.median(timings["plain"]), statistics.median(timings["harness"]))
        )
    # Consumers queried from sync_to_async's worker thread; close its connections there.
    asyncio.run(sync_to_async(connections.close_all)())
    return rows


def two_users() -> type:
    """A test case mixin whose setUp logs two users in: headers in ``first``, ``second``."""
    from django.contrib.auth import get_user_model

    from chanx_testing.auth import force_login_headers

    class TwoUsers:
        first: Headers
        second: Headers

        def setUp(self) -> None:
            super().setUp()  # type: ignore[misc]
            users = get_user_model().objects
            self.first = force_login_headers(users.create_user(username="alice"))
            self.second = force_login_headers(users.create_user(username="bob"))

    return TwoUsers


async def connected_pair(case: Any) -> tuple[Any, Any]:
    """The two users' communicators of a harness test case, connected and let in."""
    sender = case.create_communicator(headers=case.first)
    receiver = case.create_communicator(headers=case.second)
    for communicator in (sender, receiver):
        await communicator.connect()
        await communicator.assert_authenticated_status_ok()
    return sender, receiver


def db_test_forms(application: Any) -> dict[str, type]:
    """The database-backed test in each form, the test body written for its client."""
    from channels.testing import WebsocketCommunicator
    from django.contrib.auth.models import Group
    from django.test import TransactionTestCase

    from chanx_testing import RollbackWebsocketTestCase, WebsocketTestCase

    class Plain(two_users(), TransactionTestCase):  # type: ignore[misc]
        async def test_saved_message_reaches_both_members(self) -> None:
            sender, receiver = (
                WebsocketCommunicator(application, "/ws/bench/", headers=headers)
                for headers in (self.first, self.second)
            )
            for communicator in (sender, receiver):
                assert (await communicator.connect())[0]
                auth = await communicator.receive_json_from()
                assert auth["payload"]["status_code"] == 200
            await sender.send_json_to({"action": "save", "payload": {"text": "saved"}})
            sent = [(await sender.receive_json_from())["action"] for _ in range(3)]
            assert sent == ["complete", "group_message", "group_complete"], sent
            received = [(await receiver.receive_json_from())["action"] for _ in range(2)]
            assert received == ["group_message", "group_complete"], received
            assert await Group.objects.filter(name="saved").aexists()
            await sender.disconnect()
            await receiver.disconnect()

    class Harness(two_users()):  # type: ignore[misc]
        router = application
        ws_path = "/ws/bench/"

        async def test_saved_message_reaches_both_members(self: Any) -> None:
            sender, receiver = await connected_pair(self)
            await sender.send_json_to({"action": "save", "payload": {"text": "saved"}})
            [mine] = await sender.receive_all_json(wait_group=True)
            [theirs] = await receiver.receive_all_json(wait_group=True)
            assert (mine["is_mine"], theirs["is_mine"]) == (True, False)
            assert await Group.objects.filter(name="saved").aexists()

    class Flushed(Harness, WebsocketTestCase):
        pass

    class RolledBack(Harness, RollbackWebsocketTestCase):
        pass

    return {
        "plain channels, TransactionTestCase": Plain,
        "WebsocketTestCase (flush)": Flushed,
        "RollbackWebsocketTestCase": RolledBack,
    }


def measure_db_tests(forms: dict[str, type], iterations: int) -> list[tuple[str, float]]:
    """Median seconds of one whole test per form (setUp, test, teardown), interleaved."""
    import unittest

    timings: dict[str, list[float]] = {name: [] for name in forms}
    for index in range(iterations + 3):  # the first three warm up and are not counted
        for name, form in forms.items():
            suite = unittest.TestSuite([form("test_saved_message_reaches_both_members")])
            result = unittest.TestResult()
            started = time.perf_counter()
            suite.run(result)
            elapsed = time.perf_counter() - started
            if result.errors or result.failures:
                raise RuntimeError(f"{name}: {(result.errors + result.failures)[0][1]}")
            if index >= 3:
                timings[name].append(elapsed)
    return [(name, statistics.median(values)) for name, values in timings.items()]


def flush_cost(runs: int = 20) -> float:
    """Median seconds of the flush a TransactionTestCase does after every test."""
    from django.core.management import call_command

    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=False)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def print_db_rows(title: str, rows: list[tuple[str, float]]) -> None:
    """One table: each form's median whole-test time, and its ratio to the first form's."""
    print(title)
    floor = rows[0][1]
    print(f"{'form':<42}{'ms per test':>12}{'ratio':>8}")
    for name, seconds in rows:
        print(f"{name:<42}{seconds * 1000:>12.3f}{seconds / floor:>8.2f}")


def chanx2_site() -> Path:
    """A folder holding chanx 2 (and only what the project lacks), installed on first use."""
    from bench.harness_chanx2 import CHANX_PACKAGES

    version = CHANX_PACKAGES[0].split("==")[1]
    default = Path(tempfile.gettempdir()) / f"chanx-testing-bench-chanx-{version}"
    site = Path(os.environ.get("CHANX2_SITE", default))
    if not (site / "chanx").is_dir():
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
        command += ["--target", str(site), *CHANX_PACKAGES]
        installed = subprocess.run(command, capture_output=True, text=True, check=False)
        if installed.returncode:
            raise SystemExit(f"{' '.join(command)} failed:\n{installed.stderr}")
    return site


def run_chanx2_part(db_tests: int) -> None:
    """The chanx 2 forms, in a process with chanx 2 on its path; its tables printed here."""
    root = Path(__file__).resolve().parent.parent
    site = chanx2_site()
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(root)])}
    command = [sys.executable, str(Path(__file__)), "--chanx2-only", "--db-tests", str(db_tests)]
    subprocess.run(command, check=True, env=environment)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "iterations", nargs="?", type=int, default=200, help="runs per scenario and client"
    )
    parser.add_argument(
        "--db-tests", type=int, default=50, help="runs of the whole database-backed test per form"
    )
    parser.add_argument(
        "--chanx2", action="store_true", help="also time a chanx 2 suite on chanx 2's harness"
    )
    parser.add_argument("--chanx2-only", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    iterations = arguments.iterations
    teardown = setup_django()
    try:
        if arguments.chanx2_only:
            from bench import harness_chanx2

            chanx2_rows = measure_db_tests(
                harness_chanx2.forms(harness_chanx2.build()), arguments.db_tests
            )
        else:
            rows = measure(iterations)
            db_rows = measure_db_tests(db_test_forms(build_application()), arguments.db_tests)
            flush = flush_cost()
    finally:
        teardown()
    from django.conf import settings

    database = str(settings.DATABASES["default"]["ENGINE"]).rsplit(".", 1)[-1]
    layer = str(settings.CHANNEL_LAYERS["default"]["BACKEND"]).rsplit(".", 1)[-1]
    if arguments.chanx2_only:
        from importlib.metadata import version

        print_db_rows(
            f"{arguments.db_tests} runs of the test as a chanx {version('chanx')} suite "
            f"writes it (two members, a saved message broadcast as an event); "
            f"database {database}, layer {layer}",
            chanx2_rows,
        )
        return
    print(f"{iterations} runs per scenario and client; database {database}, layer {layer}")
    print(f"{'scenario':<28}{'plain ms':>10}{'harness ms':>12}{'ratio':>8}")
    for name, plain, harness in rows:
        print(f"{name:<28}{plain * 1000:>10.3f}{harness * 1000:>12.3f}{harness / plain:>8.2f}")
    print()
    print_db_rows(
        f"{arguments.db_tests} runs of a whole database-backed test (two members, a saved message)",
        db_rows,
    )
    print(f"TransactionTestCase table flush after each test: {flush * 1000:.1f} ms ({database})")
    if arguments.chanx2:
        print()
        sys.stdout.flush()
        run_chanx2_part(arguments.db_tests)


if __name__ == "__main__":
    main()
