"""The WebSocket side of the ASGI application, built in one place.

``config.asgi`` serves it; tests build the same stack around their own routes,
so they go through the Origin check and session middleware exactly as
production traffic does.
"""

from collections.abc import Sequence
from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.urls import URLPattern, URLResolver


def websocket_application(routes: Sequence[URLPattern | URLResolver]) -> Any:
    """Origin check (cross-site hijacking) -> session user -> URL router."""
    return OriginValidator(
        AuthMiddlewareStack(URLRouter(list(routes))),
        settings.WEBSOCKET_ALLOWED_ORIGINS,
    )
