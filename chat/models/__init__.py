from chat.models.chat_member import ChatMember
from chat.models.chat_message import ChatMessage
from chat.models.group_chat import GroupChat

__all__ = ["ChatMember", "ChatMessage", "GroupChat"]
