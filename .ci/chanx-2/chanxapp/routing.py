from django.urls import path

from chanxapp.consumers import RoomConsumer

websocket_urlpatterns = [path("ws/room/", RoomConsumer.as_asgi())]
