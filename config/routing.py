"""Every app's WebSocket routes, gathered in one list for config.asgi."""

from django.urls import URLPattern, URLResolver

from chat.routing import websocket_urlpatterns as chat_routes

websocket_urlpatterns: list[URLPattern | URLResolver] = [*chat_routes]
