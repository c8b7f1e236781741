from chat.messages.echo import ChatGroupMessage, ChatMessage, DemoIncomingMessage
from realtime.consumers import RealtimeConsumer


class BroadcastConsumer(RealtimeConsumer[DemoIncomingMessage]):
    """``/ws/broadcast/<room_name>/``: the guide's group-messaging demo; what one
    client says reaches everyone in the room, the sender included."""

    close_old_connections_per_message = False  # no database here

    async def get_groups(self) -> list[str]:
        return [f"broadcast-{self.scope['url_route']['kwargs']['room_name']}"]

    async def receive_message(self, message: DemoIncomingMessage) -> None:
        assert isinstance(message, ChatMessage)
        await self.send_group_message(ChatGroupMessage(payload=message.payload))
