from django.urls import URLPattern, re_path

from chat.consumers.chat_detail import ChatDetailConsumer
from chat.consumers.me import MeConsumer

websocket_urlpatterns: list[URLPattern] = [
    re_path(r"^ws/chat/(?P<pk>\d+)/$", ChatDetailConsumer.as_asgi()),
    re_path(r"^ws/me/$", MeConsumer.as_asgi()),
]
