"""Every app's WebSocket routes, gathered in one list for config.asgi."""

from django.urls import URLPattern, URLResolver

websocket_urlpatterns: list[URLPattern | URLResolver] = []
