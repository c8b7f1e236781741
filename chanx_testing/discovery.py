"""Find the project's WebSocket application the way a server would reach it.

Tests then run through the same middleware and Origin check as production traffic,
instead of a bare router that would hide a misconfigured stack.
"""

from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

from channels.routing import ProtocolTypeRouter
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

ASGIApp = Callable[..., Awaitable[None]]

_HOW_TO_FIX = (
    "Set settings.ASGI_APPLICATION to the dotted path of a ProtocolTypeRouter with a "
    '"websocket" entry (e.g. "config.asgi.application"), or give the test a router '
    "(WebsocketTestCase.router, create_communicator(router=...), or the ws_router fixture)."
)


def discover_websocket_application() -> ASGIApp:
    """The ``websocket`` entry of ``settings.ASGI_APPLICATION``, middleware included."""
    path: str | None = getattr(settings, "ASGI_APPLICATION", None)
    if not path:
        raise ImproperlyConfigured(f"settings.ASGI_APPLICATION is not set. {_HOW_TO_FIX}")
    return _websocket_entry(path)


@cache
def _websocket_entry(path: str) -> ASGIApp:
    # Cached per path: importing the ASGI module builds the whole stack once, and an
    # override_settings(ASGI_APPLICATION=...) naturally gets its own entry.
    try:
        application: Any = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"settings.ASGI_APPLICATION = {path!r} cannot be imported ({exc}). {_HOW_TO_FIX}"
        ) from exc
    if not isinstance(application, ProtocolTypeRouter):
        # A bare ASGI callable gets the websocket scope, as it would from a server.
        return application  # type: ignore[no-any-return]
    websocket: ASGIApp | None = application.application_mapping.get("websocket")
    if websocket is None:
        raise ImproperlyConfigured(
            f"settings.ASGI_APPLICATION = {path!r} is a ProtocolTypeRouter without a "
            f'"websocket" entry (it routes {sorted(application.application_mapping)}). '
            f"{_HOW_TO_FIX}"
        )
    return websocket
