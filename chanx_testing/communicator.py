# The guide's API takes timeouts as arguments; each becomes one deadline, never nested.
# ruff: noqa: ASYNC109
"""The test client: channels' ``WebsocketCommunicator`` speaking the action/payload protocol.

It has chanx 0.13's methods and chanx 2's, and the socket assertions. One call differs
between the generations, ``receive_all_json``: chanx 0.13's stops at the completion marker,
chanx 2's reads every frame until its timeout. A communicator made with ``consumer=`` (as
chanx 2's communicator and test case require) has chanx 2's; one made without has chanx
0.13's. The choice follows the test, not what is installed, so a test means the same thing
with either chanx, or none.
"""

from typing import Any, Literal, overload

from channels.testing import WebsocketCommunicator as ChannelsWebsocketCommunicator
from pydantic import BaseModel

from chanx_testing.assertions import SocketAssertions
from chanx_testing.chanx2 import CHANX2_TIMEOUT, WebsocketCommunicatorMixin
from chanx_testing.discovery import ASGIApp
from chanx_testing.protocol import (
    ENVELOPE_VERSION,
    AuthenticationMessage,
    Frame,
    Headers,
    Protocol,
    camelize,
)
from chanx_testing.transport import Deadline, Transport


class WebsocketCommunicator(
    SocketAssertions,
    WebsocketCommunicatorMixin,
    ChannelsWebsocketCommunicator,  # type: ignore[misc]
    Transport,
):
    """channels' ``WebsocketCommunicator`` speaking the action/payload protocol.

    The application starts at ``connect()``, not at construction, so the path may still
    change until then (``connect(ws_path=...)``). ``consumer`` is the consumer class under
    test, for chanx 2's typed reads (its ``outgoing_message_adapter``).
    """

    def __init__(
        self,
        application: ASGIApp,
        path: str = "",
        headers: Headers | None = None,
        subprotocols: list[str] | None = None,
        spec_version: str | None = None,
        *,
        consumer: type | None = None,
    ) -> None:
        # channels' __init__ builds the scope, then hands it to the transport by super():
        # Transport comes right after channels' class in the method order.
        ChannelsWebsocketCommunicator.__init__(
            self, application, path, headers, subprotocols, spec_version
        )
        self.consumer = consumer

    # -- connection --------------------------------------------------------------------

    async def connect(
        self, timeout: float | None = None, ws_path: str | None = None
    ) -> tuple[bool, int | str | None]:
        """Open the socket: ``(True, subprotocol)`` if accepted, ``(False, close_code)`` if not."""
        return await self._connect(timeout, ws_path)

    @overload
    async def wait_for_auth(
        self,
        send_authentication_message: Literal[True] | None = None,
        max_auth_time: float | None = None,
        after_auth_time: float | None = None,
    ) -> AuthenticationMessage: ...

    @overload
    async def wait_for_auth(
        self,
        send_authentication_message: bool,
        max_auth_time: float | None = None,
        after_auth_time: float | None = None,
    ) -> AuthenticationMessage | None: ...

    async def wait_for_auth(
        self,
        send_authentication_message: bool | None = None,
        max_auth_time: float | None = None,
        after_auth_time: float | None = None,
    ) -> AuthenticationMessage | None:
        """The authentication frame, returned once the consumer has finished connecting.

        As in chanx: ``send_authentication_message`` defaults to the settings, and without
        authentication messages the result is None. The times are deadlines, not sleeps:
        ``max_auth_time`` for the frame (or, without one, for the consumer to settle),
        ``after_auth_time`` for the consumer to finish connecting after sending it (joining
        groups, say), so that nothing sent to it next is lost. ``None`` is the default
        timeout. The static type assumes the frame comes unless ``False`` is passed.
        """
        protocol = self.protocol
        expected = (
            protocol.send_authentication_message
            if send_authentication_message is None
            else send_authentication_message
        )
        if not expected:
            await self._until_idle(
                self._deadline(max_auth_time), "the consumer to finish connecting"
            )
            return None
        authentication = self._authentication
        if authentication is None:
            authentication = await self._read_authentication(
                self._deadline(max_auth_time), protocol
            )
        await self._until_idle(
            self._deadline(after_auth_time),
            "the consumer to finish connecting after its authentication frame",
        )
        return authentication

    async def _read_authentication(
        self, deadline: Deadline, protocol: Protocol
    ) -> AuthenticationMessage:
        action = protocol.authentication_action
        seen: list[Any] = []
        frame = await self._next_frame(deadline, action, seen)
        if protocol.action_of(frame) != action:
            seen.append(frame)
            raise self._failure(
                f"Expected the {action!r} frame first, but another frame came.", action, seen
            )
        return self._authentication_from(frame)

    async def assert_authenticated_status_ok(self, max_auth_time: float | None = None) -> None:
        """Fail unless the authentication frame reports status 200."""
        payload = (await self.wait_for_auth(True, max_auth_time)).payload
        if payload.status_code != 200:
            raise AssertionError(
                f"Authentication failed: status {payload.status_code} "
                f"{payload.status_text!r}, data {payload.data!r}."
            )

    async def assert_closed(self, timeout: float | None = None, code: int | None = None) -> None:
        """Fail unless the consumer closes the socket next (with ``code``, when given)."""
        if self.close_code is None:
            seen: list[Any] = []
            event = await self._next_event(
                self._deadline(timeout),
                "the connection to close",
                seen,
                hint="the consumer kept the connection open",
            )
            if event["type"] != "websocket.close":
                if event["type"] == "websocket.send":
                    seen.append(self._decode(event, "the connection to close", seen))
                raise self._failure(
                    "Expected the connection to close, but a frame came first.", None, seen
                )
        if code is not None and self.close_code != code:
            raise AssertionError(f"The connection closed with code {self.close_code}, not {code}.")

    # -- sending -------------------------------------------------------------------------

    async def send_message(
        self, message: BaseModel, *, topic: str | None = None, ref: str | None = None
    ) -> None:
        """Send a pydantic message as the JSON frame the consumer parses.

        ``model_dump(mode="json")``, so datetimes, UUIDs and enums serialise. As chanx 2
        does: camelCase keys when the consumer given camelizes, and with ``topic`` (or
        ``ref``) the topic envelope.
        """
        content: Frame = message.model_dump(mode="json")
        if self.consumer is not None and self.protocol.camelize:
            content = camelize(content)
        if topic is not None:
            content |= {"version": ENVELOPE_VERSION, "topic": topic}
        if ref is not None:
            content["ref"] = ref
        await self.send_json_to(content)

    # -- receiving -----------------------------------------------------------------------

    async def receive_all_json(
        self, timeout: float | None = None, *, wait_group: bool = False
    ) -> list[Frame]:
        """Frames up to the ``complete`` marker (``group_complete`` with ``wait_group``).

        Markers are left out of the result; with ``wait_group`` a ``complete`` that arrives
        first is skipped, so the sender of a group message gets its own copy of it.

        With a ``consumer`` (chanx 2) and no ``wait_group``: every frame until ``timeout``
        (1 s by default), markers included, as chanx 2 returns them.
        """
        if self.consumer is not None and not wait_group:
            return await self._drain(CHANX2_TIMEOUT if timeout is None else timeout)
        protocol = self.protocol
        stop = protocol.group_complete_action if wait_group else protocol.complete_action
        return await self.receive_until_action(stop, timeout)

    async def receive_until_action(
        self, stop_action: str, timeout: float | None = None, *, inclusive: bool = False
    ) -> list[Frame]:
        """Every frame up to the first with ``stop_action``, as chanx returns them.

        Completion markers are left out, the stop frame too unless ``inclusive`` (a marker
        is left out even then).
        """
        protocol = self.protocol
        deadline = self._deadline(timeout)
        frames: list[Frame] = []
        while not frames or protocol.action_of(frames[-1]) != stop_action:
            frames.append(await self._next_frame(deadline, stop_action, frames))
        *before, last = frames
        kept = [frame for frame in before if protocol.action_of(frame) not in protocol.markers]
        if inclusive and stop_action not in protocol.markers:
            kept.append(last)
        return kept


# chanx 2's name for its communicator with Django's authentication methods, which this one has.
DjangoWebsocketCommunicator = WebsocketCommunicator
