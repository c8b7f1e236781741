from chat.models.attachment import Attachment
from chat.models.block import Block
from chat.models.chat_member import ChatMember
from chat.models.chat_message import ChatMessage
from chat.models.group_chat import GroupChat

__all__ = ["Attachment", "Block", "ChatMember", "ChatMessage", "GroupChat"]
