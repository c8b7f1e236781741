"""Every app's WebSocket routes, gathered in one list for config.asgi.

``realtime.asgi.websocket_application`` adds the last route, which refuses any other
path with 4404.
"""

from django.urls import URLPattern, URLResolver

from chat.routing import websocket_urlpatterns as chat_routes

websocket_urlpatterns: list[URLPattern | URLResolver] = [*chat_routes]
