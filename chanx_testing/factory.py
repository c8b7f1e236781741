"""Communicators made with a test's defaults, and all of them closed when it ends."""

from collections.abc import Awaitable, Callable

from chanx_testing.communicator import WebsocketCommunicator
from chanx_testing.discovery import ASGIApp, discover_websocket_application
from chanx_testing.layers import capture_group_sends, flush_channel_layers
from chanx_testing.protocol import Headers


class CommunicatorFactory:
    """Creates communicators with defaults and disconnects every one of them in ``aclose()``."""

    def __init__(
        self,
        ws_path: str = "",
        headers: Headers | None = None,
        subprotocols: list[str] | None = None,
        router: ASGIApp | None = None,
        consumer: type | None = None,
    ) -> None:
        self.ws_path = ws_path
        self.headers = headers
        self.subprotocols = subprotocols
        self.router = router
        self.consumer = consumer
        self._communicators: list[WebsocketCommunicator] = []

    def __call__(
        self,
        ws_path: str | None = None,
        *,
        headers: Headers | None = None,
        subprotocols: list[str] | None = None,
        router: ASGIApp | None = None,
        consumer: type | None = None,
    ) -> WebsocketCommunicator:
        """A tracked communicator; ``router`` defaults to the discovered application."""
        communicator = WebsocketCommunicator(
            router or self.router or discover_websocket_application(),
            self.ws_path if ws_path is None else ws_path,
            headers=self.headers if headers is None else headers,
            subprotocols=self.subprotocols if subprotocols is None else subprotocols,
            consumer=consumer or self.consumer,
        )
        self._communicators.append(communicator)
        return communicator

    @property
    def first(self) -> WebsocketCommunicator | None:
        """The first communicator made since the last ``aclose()``, if any."""
        return self._communicators[0] if self._communicators else None

    def __len__(self) -> int:
        return len(self._communicators)

    async def run_then_close(self, test: Callable[[], Awaitable[None]]) -> None:
        """Await the test with its group sends recorded (``assert_group_send``), then
        ``aclose()`` in the same loop, whatever the test did.

        A failing test keeps its own exception; a cleanup error is added to it as a note.
        """
        with capture_group_sends():
            try:
                await test()
            except BaseException as failure:
                try:
                    await self.aclose()
                except Exception as cleanup_error:
                    failure.add_note(f"Closing the communicators also failed: {cleanup_error!r}")
                raise
        await self.aclose()

    async def aclose(self) -> None:
        """Disconnect every communicator, flush the layers, then raise what the consumers raised."""
        errors: list[Exception] = []
        for communicator in self._communicators:
            try:
                await communicator.aclose()
            except Exception as error:
                errors.append(error)
        self._communicators.clear()
        await flush_channel_layers()
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise ExceptionGroup("several consumers raised during the test", errors)
