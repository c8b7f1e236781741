"""The WebSocket side of the ASGI application, built in one place.

``config.asgi`` serves it; tests build the same stack around their own routes,
so they go through the Origin check and session middleware exactly as
production traffic does.
"""

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.urls import URLPattern, URLResolver, re_path

from realtime.consumers import RealtimeConsumer
from realtime.messages import PingMessage


class UnknownPathConsumer(RealtimeConsumer[PingMessage, None]):
    """Any path no route matched: accepted, told 404, closed with 4404.

    Without it channels' router raises, and the server answers the handshake with an
    HTTP 500 and logs a traceback, for a typo or a scanner.
    """

    async def connect(self) -> None:
        await self.accept()
        await self.end_session(HTTPStatus.NOT_FOUND, "No WebSocket endpoint at this path.")


def websocket_application(routes: Sequence[URLPattern | URLResolver]) -> Any:
    """Origin check (cross-site hijacking) -> session user -> URL router, whose
    last route refuses every path the others did not match."""
    return OriginValidator(
        AuthMiddlewareStack(URLRouter([*routes, re_path(r"", UnknownPathConsumer.as_asgi())])),
        settings.WEBSOCKET_ALLOWED_ORIGINS,
    )
