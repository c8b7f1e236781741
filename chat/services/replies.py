"""Replies: a message that answers an earlier message of the same chat
(``ChatMessage.reply_to``). The reply quotes the original as it is now, so an edit of
the original shows in its replies and a deleted original shows as a tombstone
(``chat.messages.chat_detail.ReplyPayload``): nothing is copied at the reply's save."""

from django.core.exceptions import ValidationError

from chat.models import ChatMessage, GroupChat


def original_to_answer(group_chat: GroupChat, message_id: int) -> ChatMessage:
    """The message ``message_id`` of ``group_chat`` that a new message answers (its
    sender loaded, as the reply quotes it). Refused (``ValidationError`` on
    ``reply_to``) when the chat has no such message, a message of another chat
    included, and when it was deleted."""
    original = (
        ChatMessage.objects.select_related("sender")
        .filter(group_chat=group_chat, pk=message_id)
        .first()
    )
    if original is None:
        raise ValidationError({"reply_to": "No such message in this chat to reply to."})
    if original.deleted_at is not None:
        raise ValidationError({"reply_to": "This message was deleted: it cannot be replied to."})
    return original
