from chat.models.attachment import Attachment
from chat.models.block import Block
from chat.models.chat_member import ChatMember
from chat.models.chat_message import ChatMessage
from chat.models.group_chat import GroupChat
from chat.models.invite_link import InviteLink
from chat.models.mention import Mention
from chat.models.reaction import REACTION_EMOJI, Reaction, ReactionEmoji

__all__ = [
    "REACTION_EMOJI",
    "Attachment",
    "Block",
    "ChatMember",
    "ChatMessage",
    "GroupChat",
    "InviteLink",
    "Mention",
    "Reaction",
    "ReactionEmoji",
]
