from django.urls import URLPattern, path

from chat.consumers.chat_detail import ChatDetailConsumer
from chat.consumers.me import MeConsumer

# <rowid:pk> is an id the database can hold (chat.converters): a larger one matches no
# route, and is refused as any unknown path is.
websocket_urlpatterns: list[URLPattern] = [
    path("ws/chat/<rowid:pk>/", ChatDetailConsumer.as_asgi()),
    path("ws/me/", MeConsumer.as_asgi()),
]
