"""ASGI entry point: HTTP goes to Django, WebSocket through the Origin check,
the session middleware (for session-cookie logins) and the URL router."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Django must be set up before anything imports models (the routing does).
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from realtime import backpressure, shutdown  # noqa: E402
from realtime.asgi import websocket_application  # noqa: E402

# daphne's shutdown cancels every consumer (so each leaves its groups), even with
# a connection that has no application yet.
shutdown.install()
# daphne stops reading a WebSocket while its consumer is behind (bounded memory).
backpressure.install()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": websocket_application(websocket_urlpatterns),
    }
)
