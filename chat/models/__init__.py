from chat.models.block import Block
from chat.models.chat_member import ChatMember
from chat.models.chat_message import ChatMessage
from chat.models.group_chat import GroupChat
from chat.models.invite_link import InviteLink

__all__ = ["Block", "ChatMember", "ChatMessage", "GroupChat", "InviteLink"]
