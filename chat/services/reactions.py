"""Reactions: a member puts an emoji (one of ``REACTION_EMOJI``) on a message of their
chat, or takes it off; every member's open sockets get ``reaction_changed``.

Putting one on is idempotent, decided by the unique constraint at the insert: two
tabs that add the same reaction at once store one row, and only the one that stored
it is announced. Each change locks the message's row, as an edit and a delete do, so
a reaction and a delete take turns (a deleted message has no reactions, and takes no
more) and the count announced is the count as that change committed it."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from chat.messages.chat_detail import ReactionChanged, ReactionChangePayload, SenderPayload
from chat.models import REACTION_EMOJI, ChatMessage, GroupChat, Reaction
from chat.services.messages import message_for_change
from realtime.groups import Sender, push_after_commit


@dataclass(frozen=True)
class ReactionChange:
    """What ``react`` did: whether it ``changed`` anything, and how many members have
    ``emoji`` on the message now."""

    message: ChatMessage
    emoji: str
    reacted: bool
    changed: bool
    count: int


def refuse_unknown_emoji(emoji: str) -> None:
    """Only the fixed set of reactions may be put on a message."""
    if emoji not in REACTION_EMOJI:
        raise ValidationError(
            {"emoji": f"{emoji!r} is not a reaction; the reactions are {' '.join(REACTION_EMOJI)}."}
        )


@transaction.atomic
def react(
    *, group_chat: GroupChat, message_id: int, actor: User, emoji: str, reacted: bool = True
) -> ReactionChange:
    """``actor`` puts ``emoji`` on the message (``reacted``) or takes it off. Changing
    nothing (already so) is no error and announces nothing."""
    refuse_unknown_emoji(emoji)
    message = message_for_change(group_chat, message_id, member=actor)
    if reacted:
        try:
            with transaction.atomic():  # a savepoint: the constraint decides
                Reaction.objects.create(message=message, user=actor, emoji=emoji)
            changed = True
        except IntegrityError:
            changed = False
    else:
        removed, _ = Reaction.objects.filter(message=message, user=actor, emoji=emoji).delete()
        changed = removed > 0
    count = Reaction.objects.filter(message=message, emoji=emoji).count()
    if changed:
        payload = ReactionChangePayload.model_validate(
            {
                "message_id": message.pk,
                "emoji": emoji,
                "user": SenderPayload(id=actor.pk, username=actor.username),
                "reacted": reacted,
                "count": count,
            }
        )
        push_after_commit(
            group_chat.group_name, ReactionChanged(payload=payload), sender=Sender(user_pk=actor.pk)
        )
    return ReactionChange(
        message=message, emoji=emoji, reacted=reacted, changed=changed, count=count
    )
