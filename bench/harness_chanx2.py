"""The benchmark's database-backed test written as a chanx 2 suite writes it, in three forms.

The same test body (two members connect through chanx 2's DRF authenticator, one sends a
message the consumer saves, the consumer broadcasts it as a channel event, both read it with
``receive_all_messages``) on chanx 2's own ``chanx.channels.testing.WebsocketTestCase``, on
chanx_testing's ``WebsocketTestCase`` (a table flush after each test, as chanx's) and on its
``RollbackWebsocketTestCase``: only the base class differs.

chanx 2 is not one of the project's packages: ``bench/harness.py --chanx2`` installs it into
a folder of its own and runs this module with that folder on ``sys.path``.
"""

from typing import Any, NamedTuple

CHANX_PACKAGES = ("chanx==2.13.0", "pyhumps==3.8.0", "structlog==26.1.0")


class Chanx2Bench(NamedTuple):
    application: Any
    consumer: type
    save: type
    saved: type


def build() -> Chanx2Bench:
    """A chanx 2 consumer behind channels' session middleware, as a chanx 2 project routes
    it, and the messages the test sends and expects."""
    import structlog

    # chanx logs every connect and disconnect through structlog; the bench prints figures only.
    structlog.configure(logger_factory=structlog.ReturnLoggerFactory())

    from typing import Literal

    from channels.auth import AuthMiddlewareStack
    from channels.routing import URLRouter
    from chanx.channels.authenticator import DjangoAuthenticator
    from chanx.channels.websocket import AsyncJsonWebsocketConsumer
    from chanx.core.decorators import event_handler, ws_handler
    from chanx.messages.base import BaseMessage
    from django.contrib.auth.models import Group
    from django.urls import path
    from rest_framework.authentication import SessionAuthentication
    from rest_framework.permissions import IsAuthenticated

    class SaveMessage(BaseMessage):  # type: ignore[misc]
        action: Literal["save"] = "save"
        payload: str

    class SavedEvent(BaseMessage):  # type: ignore[misc]
        action: Literal["saved_event"] = "saved_event"
        payload: str

    class SavedMessage(BaseMessage):  # type: ignore[misc]
        action: Literal["saved"] = "saved"
        payload: str

    class BenchAuthenticator(DjangoAuthenticator):  # type: ignore[misc]
        authentication_classes = [SessionAuthentication]
        permission_classes = [IsAuthenticated]

    class BenchConsumer(AsyncJsonWebsocketConsumer[SavedEvent]):  # type: ignore[misc]
        authenticator_class = BenchAuthenticator
        groups = ["bench-chanx2-room"]
        send_completion = True
        log_websocket_message = False

        @ws_handler
        async def handle_save(self, message: SaveMessage) -> None:
            await Group.objects.acreate(name=message.payload)
            await self.broadcast_event(SavedEvent(payload=message.payload))

        @event_handler
        async def handle_saved(self, event: SavedEvent) -> SavedMessage:
            return SavedMessage(payload=event.payload)

    application = AuthMiddlewareStack(
        URLRouter([path("ws/bench/chanx2/", BenchConsumer.as_asgi())])
    )
    return Chanx2Bench(application, BenchConsumer, SaveMessage, SavedMessage)


def forms(bench: Chanx2Bench) -> dict[str, type]:
    """The test in each form: chanx 2's base, chanx_testing's two."""
    from chanx.channels.testing import WebsocketTestCase as ChanxWebsocketTestCase
    from django.contrib.auth.models import Group

    from bench.harness import connected_pair, two_users
    from chanx_testing import RollbackWebsocketTestCase, WebsocketTestCase

    class TwoMembers(two_users()):  # type: ignore[misc]
        """The chanx 2 test body; the base class comes from each form."""

        router = bench.application
        ws_path = "/ws/bench/chanx2/"

        async def test_saved_message_reaches_both_members(self: Any) -> None:
            sender, receiver = await connected_pair(self)
            await sender.send_message(bench.save(payload="saved"))
            for communicator in (sender, receiver):
                messages = await communicator.receive_all_messages(stop_action="event_complete")
                assert messages == [bench.saved(payload="saved")], messages
            assert await Group.objects.filter(name="saved").aexists()

    def form(base: type) -> type:
        return type(f"On{base.__name__}", (TwoMembers, base), {"consumer": bench.consumer})

    return {
        "chanx 2's WebsocketTestCase (flush)": form(ChanxWebsocketTestCase),
        "chanx_testing WebsocketTestCase (flush)": form(WebsocketTestCase),
        "chanx_testing RollbackWebsocketTestCase": form(RollbackWebsocketTestCase),
    }
