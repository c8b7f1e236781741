from chat.messages.echo import ChatMessage, ChatPayload, ChatResponse, DemoIncomingMessage
from realtime.consumers import RealtimeConsumer


class EchoConsumer(RealtimeConsumer[DemoIncomingMessage]):
    """``/ws/chat/<room_name>/``: the guide's demo room, answering the sender only."""

    close_old_connections_per_message = False  # no database here

    async def receive_message(self, message: DemoIncomingMessage) -> None:
        assert isinstance(message, ChatMessage)
        await self.send_message(
            ChatResponse(payload=ChatPayload(content=f"Echo: {message.payload.content}"))
        )
