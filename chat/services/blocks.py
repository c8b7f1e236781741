"""Blocks: a user no longer accepts being added to chats by another
(``chat.services.members.add_member`` refuses it)."""

from django.core.exceptions import ValidationError

from accounts.models import User
from chat.models import Block

CANNOT_BLOCK_ONESELF = "You cannot block yourself."


def block_user(*, blocker: User, blocked: User) -> Block:
    """``blocker`` no longer accepts being added to chats by ``blocked`` (at once if
    already so). Chats they already share stay as they are."""
    if blocker.pk == blocked.pk:
        raise ValidationError(CANNOT_BLOCK_ONESELF)
    # The unique constraint decides between two blocks made at once.
    block, _ = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    return block


def unblock_user(*, blocker: User, blocked: User) -> None:
    """``blocked`` may add ``blocker`` to chats again; nothing if they were not blocked."""
    Block.objects.filter(blocker=blocker, blocked=blocked).delete()
