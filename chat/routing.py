from django.urls import URLPattern, re_path

from chat.consumers.broadcast import BroadcastConsumer
from chat.consumers.chat_detail import ChatDetailConsumer
from chat.consumers.echo import EchoConsumer

# Room names become channel-layer group names: ASCII letters, digits, - and _.
ROOM_NAME = r"(?P<room_name>[-a-zA-Z0-9_]{1,50})"

websocket_urlpatterns: list[URLPattern] = [
    re_path(r"^ws/chat/(?P<pk>\d+)/$", ChatDetailConsumer.as_asgi()),
    re_path(rf"^ws/chat/{ROOM_NAME}/$", EchoConsumer.as_asgi()),
    re_path(rf"^ws/broadcast/{ROOM_NAME}/$", BroadcastConsumer.as_asgi()),
]
