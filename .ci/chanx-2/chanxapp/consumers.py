"""A chanx 2 consumer, as a chanx 2 project writes one: handlers by decorator, DRF
permissions in an authenticator, a channel event broadcast to the room, and a topic."""

from typing import Any, ClassVar, Literal

from chanx.channels.authenticator import DjangoAuthenticator
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import event_handler, ws_handler
from chanx.core.topic import Topic
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from rest_framework.permissions import IsAuthenticated


class ShoutMessage(BaseMessage):
    action: Literal["shout"] = "shout"
    payload: str


class ShoutEvent(BaseMessage):
    action: Literal["shout_event"] = "shout_event"
    payload: str


class ShoutedMessage(BaseMessage):
    action: Literal["shouted"] = "shouted"
    payload: str


class JoinGame(BaseMessage):
    action: Literal["join_game"] = "join_game"
    payload: None = None


class JoinedGame(BaseMessage):
    action: Literal["joined_game"] = "joined_game"
    payload: str


class ScoreUpdate(BaseMessage):
    action: Literal["score_update"] = "score_update"
    payload: int


class GameTopic(Topic[ScoreUpdate]):
    pattern = "game:{game_id}"

    @ws_handler
    async def handle_join(self, _message: JoinGame) -> JoinedGame:
        return JoinedGame(payload=self.params["game_id"])

    @event_handler
    async def handle_score(self, event: ScoreUpdate) -> ScoreUpdate:
        return event


class RoomAuthenticator(DjangoAuthenticator):
    permission_classes = [IsAuthenticated]


class RoomConsumer(AsyncJsonWebsocketConsumer[ShoutEvent]):
    authenticator_class = RoomAuthenticator
    groups = ["room"]
    topics: ClassVar[list[type[Topic[Any]]]] = [GameTopic]

    @ws_handler
    async def handle_ping(self, _message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler
    async def handle_shout(self, message: ShoutMessage) -> None:
        await self.broadcast_event(ShoutEvent(payload=message.payload))

    @event_handler
    async def handle_shout_event(self, event: ShoutEvent) -> ShoutedMessage:
        return ShoutedMessage(payload=event.payload)
