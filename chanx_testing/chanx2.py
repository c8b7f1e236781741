# chanx 2's API takes timeouts as arguments; each becomes one deadline, never nested.
# ruff: noqa: ASYNC109
"""What chanx 2.x adds to the communicator (``chanx.core.testing.WebsocketCommunicatorMixin``).

Typed replies through the consumer's outgoing adapter, a draining ``receive_all_json``,
topics (``subscribe``, ``unsubscribe``, ``receive_topic_message``, ``send_message(topic=,
ref=)`` in the communicator), ``async with``, and a ``disconnect`` that swallows the
cancellation. The semantics are chanx 2's (a collection that times out returns what it
has, as chanx's does); the reads are the harness's, so no timeout cancels the consumer.
"""

import json
from types import TracebackType
from typing import Any, Self, cast

from chanx_testing.protocol import ENVELOPE_KEYS, ENVELOPE_VERSION, Frame
from chanx_testing.transport import Transport

# chanx 2's default wait for the methods that name one.
CHANX2_TIMEOUT = 1.0


class WebsocketCommunicatorMixin(Transport):
    """chanx 2's communicator methods; ``WebsocketCommunicator`` has them all."""

    async def receive_all_messages(
        self, stop_action: str = "complete", timeout: float = CHANX2_TIMEOUT
    ) -> list[Any]:
        """Messages up to the first frame with ``stop_action``, each validated by the
        consumer's ``outgoing_message_adapter``; markers are left out (the stop too, when
        it is one). At ``timeout`` (or a close) the messages so far are returned."""
        if self.consumer is None:
            raise ValueError(
                "receive_all_messages() validates frames with the consumer's "
                "outgoing_message_adapter: give the communicator consumer= (or set "
                "WebsocketTestCase.consumer)."
            )
        adapter = cast(Any, self.consumer).outgoing_message_adapter
        protocol = self.protocol
        deadline = self._deadline(timeout)
        awaited = f"a frame with {protocol.action_key}={stop_action!r}"
        messages: list[Any] = []
        seen: list[Any] = []
        while (event := await self._poll_event(deadline, awaited, seen)) is not None:
            if event["type"] != "websocket.send":
                continue
            frame = protocol.readable(self._decode(event, awaited, seen))
            seen.append(frame)
            action = protocol.action_of(frame)
            if action not in protocol.markers:
                try:
                    messages.append(adapter.validate_python(frame))
                except ValueError as invalid:
                    invalid.add_note(f"The frame: {frame!r}")
                    raise
            if action == stop_action:
                break
        return messages

    async def _drain(self, timeout: float) -> list[Frame]:
        """Every frame until ``timeout``, markers included (chanx 2's receive_all_json)."""
        deadline = self._deadline(timeout)
        frames: list[Frame] = []
        while (event := await self._poll_event(deadline, "frames", frames)) is not None:
            if event["type"] == "websocket.send":
                frames.append(self._decode(event, "frames", frames))
        return frames

    async def subscribe(self, topic: str, ref: str = "1") -> Frame:
        """Subscribe to ``topic``; the next frame (the reply) is returned."""
        return await self._envelope_request("subscribe", topic, ref)

    async def unsubscribe(self, topic: str, ref: str = "1") -> Frame:
        """Unsubscribe from ``topic``; the next frame (the reply) is returned."""
        return await self._envelope_request("unsubscribe", topic, ref)

    async def _envelope_request(self, action: str, topic: str, ref: str) -> Frame:
        protocol = self.protocol
        request = {"version": ENVELOPE_VERSION, "topic": topic, "ref": ref}
        request[protocol.action_key] = action
        await self.send_input({"type": "websocket.receive", "text": json.dumps(request)})
        deadline = self._deadline(None)
        return await self._next_frame(deadline, f"{action}d", [])  # type: ignore[no-any-return]

    async def receive_topic_message(self, topic_class: Any, timeout: float = CHANX2_TIMEOUT) -> Any:
        """The next frame, validated against ``topic_class``'s own outgoing messages."""
        protocol = self.protocol
        event = await self._next_event(self._deadline(timeout), "a topic message", [])
        if event["type"] == "websocket.close":
            summary = "The connection closed while waiting for a topic message."
            raise self._failure(summary, None, [])
        frame = protocol.readable(self._decode(event, "a topic message", []))
        message = {key: value for key, value in frame.items() if key not in ENVELOPE_KEYS}
        return topic_class.outgoing_message_adapter.validate_python(message)

    async def disconnect(self, code: int = 1000, timeout: float = CHANX2_TIMEOUT) -> None:
        """Close the socket; an application still running at ``timeout`` is cancelled, and
        the cancellation goes no further. An exception the consumer raised is raised here."""
        await self._stop(code, timeout)
        self._raise_unreported_crash("before it was disconnected")

    async def __aenter__(self) -> Self:
        """``async with communicator:`` connects on entry..."""
        await self._connect(CHANX2_TIMEOUT, None)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """...and disconnects on exit."""
        await self.disconnect()
