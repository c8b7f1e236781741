"""ASGI entry point: HTTP goes to Django, WebSocket through the Origin check,
the session middleware (for session-cookie logins) and the URL router; both behind
the client address a trusted proxy forwards (``with_client_address``)."""

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Django must be set up before anything imports models (the routing does).
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware  # noqa: E402

from config import request_bodies  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from realtime import backpressure, shutdown  # noqa: E402
from realtime.asgi import websocket_application  # noqa: E402

# daphne's shutdown cancels every consumer (so each leaves its groups), even with
# a connection that has no application yet.
shutdown.install()
# daphne stops reading a WebSocket while its consumer is behind (bounded memory).
backpressure.install()
# Request bodies are parsed by Django only, and read as it reads them (bounded memory).
request_bodies.install()


def with_client_address(app: Any) -> ProxyHeadersMiddleware:
    """``app`` with the real client in the scope, for HTTP and WebSocket alike.

    Behind a proxy every connection comes from the proxy's address. When the peer is in
    ``TRUSTED_PROXIES``, uvicorn's middleware takes the client from X-Forwarded-For,
    walking it from the right (each proxy appends the address it saw) to the first
    address that is not a trusted proxy: what a client wrote into the header itself sits
    left of that and is never used. It sets ``scope["client"]`` (Django's REMOTE_ADDR,
    which DRF's throttles count) and the scheme from X-Forwarded-Proto. From any other
    peer the scope is left as it is."""
    return ProxyHeadersMiddleware(app, trusted_hosts=settings.TRUSTED_PROXIES)


application = ProtocolTypeRouter(
    {
        "http": with_client_address(request_bodies.read_as_received(django_asgi_app)),
        "websocket": with_client_address(websocket_application(websocket_urlpatterns)),
    }
)
