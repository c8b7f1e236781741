"""ASGI applications for the tests: the router they use, and stacks for discovery.

``application`` mirrors a project's ASGI module: Origin check, then session/auth middleware,
then the URL router, so discovery is shown to keep every layer. ``function_application`` is
the same stack in cookiecutter-django's shape: one function dispatching on the scope type.
"""

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import OriginValidator

from chanx_testing.discovery import ASGIApp
from chanx_testing.tests.consumers import urlpatterns

ORIGIN = "http://testserver.example"
ORIGIN_HEADER = (b"origin", ORIGIN.encode())

router: ASGIApp = AuthMiddlewareStack(URLRouter(urlpatterns))

websocket_stack: ASGIApp = OriginValidator(router, [ORIGIN])

application = ProtocolTypeRouter({"websocket": websocket_stack})


async def function_application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "websocket":
        await websocket_stack(scope, receive, send)
    else:
        raise NotImplementedError(f"Unknown scope type {scope['type']}")


async def _http_only(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Never called: the discovery test only needs a router without a websocket entry."""


http_only_application = ProtocolTypeRouter({"http": _http_only})
